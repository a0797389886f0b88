// SPDX-License-Identifier: GPL-2.0
/*
 * gre_ka transmit side: one soft hrtimer per tunnel drives the state machine
 * and sends a keepalive every period.
 *
 * The keepalive is handed straight to the tunnel's own ndo_start_xmit (ip
 * tunnels are lockless, LLTX), not to dev_queue_xmit(): with the carrier off
 * the device queue is deactivated and would drop it, and keepalives must
 * keep going out while the line protocol is down. Going through ip_gre's
 * xmit also gives us its key, checksum, TTL, TOS, link, fwmark and encap
 * handling for free, for tunnels in any netns.
 *
 * ip6gre is different: its xmit drops any IPv6 packet whose source is the
 * tunnel's remote address (a loop guard in ip6gre_xmit_ipv6()), which is
 * exactly what a keepalive is, so gre_ka_ip6.c adds the outer headers and
 * routes the packet in the underlay itself.
 */

#include <linux/if_tunnel.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <linux/pkt_sched.h>
#include <linux/random.h>
#include <linux/skbuff.h>
#include <net/route.h>

#include "gre_ka.h"
#include "gre_ka_compat.h"
#include "gre_ka_trace.h"

/*
 * A tunnel without a local address is reached at whatever source the
 * underlay picks towards the remote, exactly as ip_tunnel_xmit() picks the
 * outer source, so that is where the reply must be addressed.
 */
static __be32 gre_ka_local_addr(const struct gre_ka_params *p)
{
	struct flowi4 fl4 = {
		.daddr = p->remote,
		.flowi4_oif = p->link,
		.flowi4_mark = p->fwmark,
		.flowi4_proto = IPPROTO_GRE,
	};
	struct rtable *rt;

	if (p->local)
		return p->local;
	rt = ip_route_output_key(p->net, &fl4);
	if (IS_ERR(rt))
		return 0;
	ip_rt_put(rt);
	return fl4.saddr;
}

static struct sk_buff *gre_ka_build_skb(struct net_device *dev,
					const struct gre_ka_pkt_params *pp,
					const struct gre_ka_trailer *tr)
{
	unsigned int len = gre_ka_pkt_len(pp);
	/* ip6gre: room for the outer headers gre_ka_ip6_xmit() adds. */
	unsigned int hroom = LL_RESERVED_SPACE(dev) + MAX_HEADER +
			     sizeof(struct ipv6hdr) + 16;
	struct sk_buff *skb;

	skb = alloc_skb(hroom + len, GFP_ATOMIC);
	if (!skb)
		return NULL;
	skb_reserve(skb, hroom);
	skb_reset_network_header(skb);
	gre_ka_pkt_build(skb_put(skb, len), pp, tr);

	skb->dev = dev;
	skb->protocol = htons(pp->family == AF_INET6 ? ETH_P_IPV6 : ETH_P_IP);
	/* Keepalives must not starve behind data on a saturated link. */
	skb->priority = TC_PRIO_CONTROL;
	return skb;
}

static void gre_ka_xmit(struct sk_buff *skb)
{
	struct net_device *dev = skb->dev;
	netdev_tx_t rc;

	rcu_read_lock_bh();
	rc = netdev_start_xmit(skb, dev, netdev_get_tx_queue(dev, 0), false);
	rcu_read_unlock_bh();
	if (!dev_xmit_complete(rc))
		kfree_skb(skb);
}

/* One period: apply the state machine, then send a keepalive. */
static void gre_ka_tick(struct gre_ka_tunnel *ka)
{
	struct gre_ka_pkt_params pp = {
		/* Precedence 6 also protects the reply on the way back. */
		.tos = IPTOS_PREC_INTERNETCONTROL,
	};
	const struct gre_ka_params *p;
	struct gre_ka_trailer tr;
	enum gre_ka_transition t;
	struct sk_buff *skb;
	u64 now = ktime_get_ns();
	u32 counter, seq;
	bool down;

	rcu_read_lock();
	p = rcu_dereference(ka->params);
	pp.family = p->family;
	if (p->family == AF_INET6) {
		pp.src6 = p->remote6;
		/* No route to the peer: send anyway, to be counted unanswered. */
		gre_ka_ip6_local_addr(p, &pp.dst6);
	} else {
		pp.src = p->remote;
		pp.dst = gre_ka_local_addr(p);
	}
	pp.key = p->i_key;
	pp.has_key = p->i_key_set;
	pp.has_csum = p->i_csum;

	spin_lock(&ka->lock);
	t = gre_ka_fsm_tick(&ka->fsm, ka->retries);
	gre_ka_carrier_change(ka, t, now);
	seq = ++ka->tx_seq;
	gre_ka_trailer_seal(&tr, seq, now, &ka->key);
	counter = ka->fsm.counter;
	down = ka->fsm.down;
	ka->stats.tx++;
	spin_unlock(&ka->lock);

	trace_gre_ka_send(ka->dev, seq, counter, down);
	skb = gre_ka_build_skb(ka->dev, &pp, &tr);
	if (skb && p->family == AF_INET6) {
		netdev_dbg(ka->dev,
			   "sending keepalive, %pI6c->%pI6c (len=%u hlim=255), counter=%u\n",
			   &pp.src6, &pp.dst6, skb->len, counter);
		gre_ka_ip6_xmit(ka, p, skb);
	} else if (skb) {
		netdev_dbg(ka->dev,
			   "sending keepalive, %pI4->%pI4 (len=%u ttl=255), counter=%u\n",
			   &pp.src, &pp.dst, skb->len, counter);
		gre_ka_xmit(skb);
	}
	rcu_read_unlock();
}

static enum hrtimer_restart gre_ka_timer_fn(struct hrtimer *timer)
{
	struct gre_ka_tunnel *ka = container_of(timer, struct gre_ka_tunnel,
						timer);

	gre_ka_tick(ka);
	hrtimer_forward_now(timer, ms_to_ktime(READ_ONCE(ka->period_ms)));
	return HRTIMER_RESTART;
}

void gre_ka_timer_init(struct gre_ka_tunnel *ka)
{
	gre_ka_hrtimer_setup(&ka->timer, gre_ka_timer_fn, CLOCK_MONOTONIC,
			     HRTIMER_MODE_REL_SOFT);
}

/*
 * The first keepalive goes out at a random point of the first period, so
 * that thousands of tunnels enabled at once do not tick in lockstep.
 */
void gre_ka_timer_start(struct gre_ka_tunnel *ka)
{
	u32 period = READ_ONCE(ka->period_ms);

	ASSERT_RTNL();
	hrtimer_start(&ka->timer,
		      ns_to_ktime((u64)get_random_u32_below(period) * NSEC_PER_MSEC +
				  get_random_u32_below(NSEC_PER_MSEC)),
		      HRTIMER_MODE_REL_SOFT);
}

void gre_ka_timer_stop(struct gre_ka_tunnel *ka)
{
	ASSERT_RTNL();
	hrtimer_cancel(&ka->timer);
}
