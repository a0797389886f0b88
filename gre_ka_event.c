// SPDX-License-Identifier: GPL-2.0
/*
 * gre_ka netlink messages: one tunnel's settings, state and statistics,
 * as GET replies carry them and as the "events" multicast group announces
 * them when the line protocol or a setting changes. Calls only the kernel:
 * gre_ka_netlink.c, which owns the family, hands it over at init.
 *
 * Events of the line protocol are built from the snapshot gre_ka_line.c
 * took under the tunnel's lock at the transition itself, so each carries
 * the state and counters of its own moment, in order; they are sent only
 * when somebody listens, with GFP_ATOMIC (the timer and the ingress hook
 * run in softirq context). An event that cannot be built (no memory) is
 * reported to the listeners as ENOBUFS on their socket, netlink's way of
 * saying "you missed something: dump again", as for a full socket.
 */

#include <linux/rcupdate.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "gre_ka.h"
#include "uapi/gre_ka.h"

static const struct genl_family *gre_ka_family;

void gre_ka_event_init(const struct genl_family *family)
{
	WRITE_ONCE(gre_ka_family, family);
}

void gre_ka_event_exit(void)
{
	WRITE_ONCE(gre_ka_family, NULL);
}

static u8 gre_ka_state_val(const struct gre_ka_info *info)
{
	if (!info->conf.enabled && !info->conf.passive)
		return GRE_KA_STATE_DISABLED;
	return info->down ? GRE_KA_STATE_DOWN : GRE_KA_STATE_UP;
}

/* The rtt, stats and refused nests, of a tunnel or (nested types) a peer. */
static int gre_ka_fill_stats(struct sk_buff *skb, int a_rtt, int a_stats,
			     int a_refused, const struct gre_ka_rtt *rtt,
			     const struct gre_ka_stats *st)
{
	struct nlattr *nest;
	int r;

	nest = nla_nest_start(skb, a_rtt);
	if (!nest ||
	    nla_put_u64_64bit(skb, GRE_KA_A_RTT_LAST, div_u64(rtt->last, NSEC_PER_USEC), 0) ||
	    nla_put_u64_64bit(skb, GRE_KA_A_RTT_MIN, div_u64(rtt->min, NSEC_PER_USEC), 0) ||
	    nla_put_u64_64bit(skb, GRE_KA_A_RTT_AVG, div_u64(rtt->avg, NSEC_PER_USEC), 0) ||
	    nla_put_u64_64bit(skb, GRE_KA_A_RTT_MAX, div_u64(rtt->max, NSEC_PER_USEC), 0))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);

	nest = nla_nest_start(skb, a_stats);
	if (!nest ||
	    nla_put_u64_64bit(skb, GRE_KA_A_STATS_TX, st->tx, 0) ||
	    nla_put_u64_64bit(skb, GRE_KA_A_STATS_RX, st->rx, 0) ||
	    nla_put_u64_64bit(skb, GRE_KA_A_STATS_RX_INVALID, st->rx_invalid, 0) ||
	    nla_put_u64_64bit(skb, GRE_KA_A_STATS_REFLECTED, st->reflected, 0) ||
	    nla_put_u64_64bit(skb, GRE_KA_A_STATS_REFLECT_DROPPED,
			      st->reflect_dropped, 0) ||
	    nla_put_u64_64bit(skb, GRE_KA_A_STATS_DOWN_TRANSITIONS,
			      st->down_transitions, 0) ||
	    nla_put_u64_64bit(skb, GRE_KA_A_STATS_UP_TRANSITIONS,
			      st->up_transitions, 0) ||
	    nla_put_u64_64bit(skb, GRE_KA_A_STATS_RX_REQUESTS, st->rx_requests, 0) ||
	    nla_put_u64_64bit(skb, GRE_KA_A_STATS_TX_ERRORS, st->tx_errors, 0))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);

	nest = nla_nest_start(skb, a_refused);
	if (!nest)
		return -EMSGSIZE;
	for (r = GRE_KA_R_FIRST; r < GRE_KA_R_MAX; r++)
		if (nla_put_u64_64bit(skb, r, st->refused[r], 0))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* One tunnel as a message; under RTNL or rcu_read_lock(). */
int gre_ka_event_fill(struct sk_buff *skb, const struct gre_ka_tunnel *ka,
		      const struct gre_ka_info *info, u32 portid, u32 seq,
		      int flags, u8 cmd)
{
	const struct genl_family *family = READ_ONCE(gre_ka_family);
	const struct gre_ka_params *p;
	void *hdr;

	if (!family)
		return -ENODEV;
	hdr = genlmsg_put(skb, portid, seq, family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	p = rcu_dereference_rtnl(ka->params);
	if (nla_put_u32(skb, GRE_KA_A_IFINDEX, ka->dev->ifindex) ||
	    nla_put_string(skb, GRE_KA_A_IFNAME, ka->dev->name) ||
	    nla_put_string(skb, GRE_KA_A_KIND,
			   ka->ops->family == AF_INET6 ? "ip6gre" : "gre") ||
	    nla_put_u8(skb, GRE_KA_A_ENABLED, info->conf.enabled) ||
	    nla_put_u32(skb, GRE_KA_A_PERIOD_MS, info->conf.period_ms) ||
	    nla_put_u32(skb, GRE_KA_A_RETRIES, info->conf.retries) ||
	    nla_put_u32(skb, GRE_KA_A_UP_COUNT, info->conf.up_count) ||
	    nla_put_u8(skb, GRE_KA_A_REFLECT, info->conf.reflect) ||
	    nla_put_u8(skb, GRE_KA_A_AUTH, info->conf.auth) ||
	    nla_put_u8(skb, GRE_KA_A_PASSIVE, info->conf.passive) ||
	    nla_put_u8(skb, GRE_KA_A_STATE, gre_ka_state_val(info)) ||
	    nla_put_u8(skb, GRE_KA_A_CARRIER, netif_carrier_ok(ka->dev)) ||
	    nla_put_u8(skb, GRE_KA_A_ADMIN_UP,
		       !!(READ_ONCE(ka->dev->flags) & IFF_UP)) ||
	    nla_put_u32(skb, GRE_KA_A_COUNTER, info->counter) ||
	    nla_put_u32(skb, GRE_KA_A_UP_NEEDED, info->up_needed) ||
	    nla_put_u64_64bit(skb, GRE_KA_A_LAST_CHANGE_MS, info->last_change_ms,
			      GRE_KA_A_PAD) ||
	    nla_put_u8(skb, GRE_KA_A_CAUSE, info->cause) ||
	    nla_put_u32(skb, GRE_KA_A_PEER_PERIOD_MS, info->peer_period_ms) ||
	    (p->why && nla_put_string(skb, GRE_KA_A_UNSUPPORTED, p->why)) ||
	    nla_put_u8(skb, GRE_KA_A_MULTIPOINT, info->multipoint) ||
	    nla_put_u32(skb, GRE_KA_A_PEERS, info->npeers) ||
	    nla_put_u32(skb, GRE_KA_A_PEERS_DOWN, info->npeers_down) ||
	    gre_ka_fill_stats(skb, GRE_KA_A_RTT, GRE_KA_A_STATS,
			      GRE_KA_A_REFUSED, &info->rtt, &info->stats)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static u8 gre_ka_peer_state_val(const struct gre_ka_peer_info *pi)
{
	if (!pi->running)
		return GRE_KA_STATE_DISABLED;
	return pi->down ? GRE_KA_STATE_DOWN : GRE_KA_STATE_UP;
}

/* One peer as a GRE_KA_A_PEER nest; cancelled whole if it does not fit. */
int gre_ka_event_fill_peer(struct sk_buff *skb,
			   const struct gre_ka_peer_info *pi)
{
	unsigned int alen = pi->family == AF_INET6 ? sizeof(struct in6_addr) :
						     sizeof(__be32);
	struct nlattr *nest = nla_nest_start(skb, GRE_KA_A_PEER);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put(skb, GRE_KA_A_PEER_ADDR, alen, &pi->nbma) ||
	    nla_put_u8(skb, GRE_KA_A_PEER_ORIGIN, pi->origin) ||
	    nla_put_u8(skb, GRE_KA_A_PEER_STATE, gre_ka_peer_state_val(pi)) ||
	    nla_put_u32(skb, GRE_KA_A_PEER_COUNTER, pi->counter) ||
	    nla_put_u32(skb, GRE_KA_A_PEER_UP_NEEDED, pi->up_needed) ||
	    nla_put_u64_64bit(skb, GRE_KA_A_PEER_LAST_CHANGE_MS,
			      pi->last_change_ms, GRE_KA_A_PEER_PAD) ||
	    nla_put_u8(skb, GRE_KA_A_PEER_CAUSE, pi->cause) ||
	    nla_put_u32(skb, GRE_KA_A_PEER_PEER_PERIOD_MS, pi->peer_period_ms) ||
	    nla_put_u32(skb, GRE_KA_A_PEER_NEIGHS, pi->neighs) ||
	    nla_put_u32(skb, GRE_KA_A_PEER_NEIGHS_HELD, pi->neighs_held) ||
	    gre_ka_fill_stats(skb, GRE_KA_A_PEER_RTT, GRE_KA_A_PEER_STATS,
			      GRE_KA_A_PEER_REFUSED, &pi->rtt, &pi->stats)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* Is anybody listening to the tunnel's netns's events? Any context. */
bool gre_ka_event_wanted(const struct gre_ka_tunnel *ka)
{
	const struct genl_family *family = READ_ONCE(gre_ka_family);

	return family && genl_has_listeners(family, dev_net(ka->dev), 0);
}

/* The group of the family's "events", its first and only one. */
#define GRE_KA_EVENTS_GROUP	0

static void gre_ka_event_lost(const struct genl_family *family,
			      const struct gre_ka_tunnel *ka)
{
	genl_set_err(family, dev_net(ka->dev), 0, GRE_KA_EVENTS_GROUP,
		     -ENOBUFS);
}

static void gre_ka_event_send(const struct gre_ka_tunnel *ka,
			      const struct gre_ka_info *info, u8 cmd, gfp_t gfp)
{
	const struct genl_family *family = READ_ONCE(gre_ka_family);
	struct sk_buff *skb;

	if (!family)
		return;
	skb = genlmsg_new(NLMSG_GOODSIZE, gfp);
	if (!skb)
		goto lost;
	rcu_read_lock();
	if (gre_ka_event_fill(skb, ka, info, 0, 0, 0, cmd)) {
		rcu_read_unlock();
		nlmsg_free(skb);
		goto lost;
	}
	rcu_read_unlock();
	genlmsg_multicast_netns(family, dev_net(ka->dev), skb, 0, 0, gfp);
	return;

lost:
	gre_ka_event_lost(family, ka);
}

/* The line protocol changed; info was taken at the transition. */
void gre_ka_event_state(const struct gre_ka_tunnel *ka,
			const struct gre_ka_info *info)
{
	gre_ka_event_send(ka, info, GRE_KA_CMD_STATE_NTF, GFP_ATOMIC);
}

/* A peer of a multipoint tunnel changed state; pi taken at the change. */
void gre_ka_event_peer(const struct gre_ka_tunnel *ka,
		       const struct gre_ka_peer_info *pi)
{
	const struct genl_family *family = READ_ONCE(gre_ka_family);
	struct sk_buff *skb;
	void *hdr;

	if (!family)
		return;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_ATOMIC);
	if (!skb)
		goto lost;
	hdr = genlmsg_put(skb, 0, 0, family, 0, GRE_KA_CMD_PEER_NTF);
	if (!hdr ||
	    nla_put_u32(skb, GRE_KA_A_IFINDEX, ka->dev->ifindex) ||
	    nla_put_string(skb, GRE_KA_A_IFNAME, ka->dev->name) ||
	    gre_ka_event_fill_peer(skb, pi)) {
		nlmsg_free(skb);
		goto lost;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(family, dev_net(ka->dev), skb, 0, 0,
				GFP_ATOMIC);
	return;

lost:
	gre_ka_event_lost(family, ka);
}

/* A setting changed (process context, RTNL). */
void gre_ka_event_conf(const struct gre_ka_tunnel *ka,
		       const struct gre_ka_info *info)
{
	gre_ka_event_send(ka, info, GRE_KA_CMD_CONF_NTF, GFP_KERNEL);
}
