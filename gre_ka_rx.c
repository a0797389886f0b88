// SPDX-License-Identifier: GPL-2.0
/*
 * gre_ka receive side: a netfilter ingress hook on each attached tunnel.
 *
 * ip_gre or ip6gre has already decapsulated the packet and picked this
 * tunnel, so the hook needs no lookup table and other devices pay nothing:
 *  - skb->protocol 0 (GRE protocol type 0): a reply to one of our
 *    keepalives; validated, counted, consumed.
 *  - IPv4 (IPv6 on ip6gre) carrying GRE PT=0 from our local to our remote
 *    address: the peer's keepalive; sent back towards the peer
 *    (reflection), so a Linux router needs none of
 *    forwarding/accept_local/rp_filter for it.
 *  - anything else: NF_ACCEPT, untouched.
 */

#include <linux/if_tunnel.h>
#include <linux/ip.h>
#include <linux/netfilter.h>
#include <linux/netfilter_netdev.h>
#include <linux/skbuff.h>
#include <net/ip.h>
#include <net/route.h>

#include "gre_ka.h"
#include "gre_ka_trace.h"

/*
 * After the default priority (0) of nftables netdev filter chains, so an
 * administrator's ingress rules see keepalive traffic first.
 */
#define GRE_KA_HOOK_PRIORITY	10

/* A reply to one of our keepalives, with skb->data at its payload. */
static unsigned int gre_ka_rx_reply(struct gre_ka_tunnel *ka,
				    struct sk_buff *skb)
{
	const struct gre_ka_trailer *tr;
	struct gre_ka_trailer buf;
	enum gre_ka_transition t;
	enum gre_ka_verdict v;
	u64 now = ktime_get_ns();

	if (!READ_ONCE(ka->enabled))
		return NF_ACCEPT;

	tr = skb_header_pointer(skb, 0, sizeof(buf), &buf);

	spin_lock(&ka->lock);
	if (!ka->enabled) {
		spin_unlock(&ka->lock);
		return NF_ACCEPT;
	}
	v = tr ? gre_ka_trailer_check(tr, skb->len, &ka->key, ka->rx_seq,
				      now, gre_ka_window_ns(ka)) :
		 GRE_KA_REPLY_SHORT;
	if (v == GRE_KA_REPLY_OK) {
		ka->rx_seq = ntohl(tr->seq);
		gre_ka_rtt_update(&ka->rtt, now - be64_to_cpu(tr->tx_ns));
	} else if (ka->auth) {
		ka->stats.rx_invalid++;
		spin_unlock(&ka->lock);
		trace_gre_ka_reply(ka->dev, v, false, 0, -1);
		netdev_dbg(ka->dev, "keepalive reply rejected (reason %d, len %u)\n",
			   v, skb->len);
		return NF_DROP;
	}
	ka->stats.rx++;
	/* Traced under the lock so it precedes the state change it causes. */
	if (v == GRE_KA_REPLY_OK)
		trace_gre_ka_reply(ka->dev, v, true, ntohl(tr->seq),
				   now - be64_to_cpu(tr->tx_ns));
	else
		trace_gre_ka_reply(ka->dev, v, true, 0, -1);
	t = gre_ka_fsm_reply(&ka->fsm, ka->up_count);
	gre_ka_carrier_change(ka, t, now);
	spin_unlock(&ka->lock);

	netdev_dbg(ka->dev, "keepalive reply received (len %u)\n", skb->len);
	consume_skb(skb);
	return NF_STOLEN;
}

/* Token bucket: GRE_KA_REFLECT_RATE per second, GRE_KA_REFLECT_BURST deep. */
bool gre_ka_reflect_allowed(struct gre_ka_tunnel *ka, u64 now)
{
	const u64 token_ns = NSEC_PER_SEC / GRE_KA_REFLECT_RATE;
	bool ok;
	u64 add;

	spin_lock(&ka->lock);
	add = div64_u64(now - ka->rl_stamp_ns, token_ns);
	if (add >= GRE_KA_REFLECT_BURST) {
		ka->rl_tokens = GRE_KA_REFLECT_BURST;
		ka->rl_stamp_ns = now;
	} else if (add) {
		ka->rl_tokens = min_t(u32, ka->rl_tokens + add,
				      GRE_KA_REFLECT_BURST);
		ka->rl_stamp_ns += add * token_ns;
	}
	ok = ka->rl_tokens > 0;
	if (ok)
		ka->rl_tokens--;
	else
		ka->stats.reflect_dropped++;
	spin_unlock(&ka->lock);
	if (!ok)
		trace_gre_ka_reflect(ka->dev, 0, 0, -ENOBUFS);
	return ok;
}

/* Account for a reflection attempt of a valid peer keepalive. */
void gre_ka_reflect_done(struct gre_ka_tunnel *ka, unsigned short family,
			 unsigned int len, int err)
{
	spin_lock(&ka->lock);
	if (err)
		ka->stats.reflect_dropped++;
	else
		ka->stats.reflected++;
	spin_unlock(&ka->lock);
	trace_gre_ka_reflect(ka->dev, family, len, err);
	if (err)
		netdev_dbg(ka->dev, "cannot reflect peer keepalive: %d\n", err);
}

/*
 * Send the peer's keepalive back the way a forwarding router would, but
 * routed in the tunnel's underlay netns with the tunnel's link and fwmark,
 * so it works whatever VRF or netns the tunnel device sits in. The order
 * matters: scrubbing drops any dst, so the route is attached after it; and
 * the receive path's IP control block must not reach the output path.
 */
static int gre_ka_reflect(struct gre_ka_tunnel *ka,
			  const struct gre_ka_params *p, struct sk_buff *skb)
{
	struct iphdr *iph = ip_hdr(skb);
	struct flowi4 fl4 = {
		.daddr = iph->daddr,
		.saddr = iph->saddr,
		.flowi4_oif = p->link,
		.flowi4_mark = p->fwmark,
		.flowi4_proto = IPPROTO_GRE,
		.flowi4_tos = iph->tos & IPTOS_TOS_MASK,
	};
	unsigned int len = ntohs(iph->tot_len);
	struct rtable *rt;

	if (iph->ttl <= 1)
		return -ETIMEDOUT;
	rt = ip_route_output_key(p->net, &fl4);
	if (IS_ERR(rt))
		return PTR_ERR(rt);
	if (rt->dst.dev == ka->dev) {
		/* The way to the peer is this tunnel: never loop into it. */
		ip_rt_put(rt);
		return -ELOOP;
	}
	if (pskb_trim_rcsum(skb, len) || skb_ensure_writable(skb, len)) {
		ip_rt_put(rt);
		return -ENOMEM;
	}

	skb_scrub_packet(skb, !net_eq(p->net, dev_net(ka->dev)));
	skb_dst_set(skb, &rt->dst);
	skb_clear_tstamp(skb);
	skb->mark = p->fwmark;
	skb->ip_summed = CHECKSUM_NONE;
	iph = ip_hdr(skb);
	ip_decrease_ttl(iph);
	memset(IPCB(skb), 0, sizeof(*IPCB(skb)));

	netdev_dbg(ka->dev, "reflecting peer keepalive, %pI4->%pI4 (len=%u ttl=%u)\n",
		   &iph->saddr, &iph->daddr, len, iph->ttl);
	ip_local_out(p->net, NULL, skb);
	return 0;
}

/* Decapsulated IPv4: a peer keepalive to reflect, or ordinary traffic. */
static unsigned int gre_ka_rx_ipv4(struct gre_ka_tunnel *ka,
				   struct sk_buff *skb)
{
	const struct gre_ka_params *p;
	enum gre_ka_peer_verdict v;
	const struct iphdr *iph;
	unsigned int len;
	int err;

	p = rcu_dereference(ka->params);
	if (p->family != AF_INET ||
	    skb_network_offset(skb) ||
	    !pskb_may_pull(skb, sizeof(struct iphdr)) ||
	    ip_hdr(skb)->protocol != IPPROTO_GRE ||
	    skb->len > GRE_KA_REFLECT_MAX_LEN ||
	    !pskb_may_pull(skb, skb->len))
		return NF_ACCEPT;

	v = gre_ka_peer_check(skb->data, skb->len, p->local, p->remote);
	if (v != GRE_KA_PEER_OK) {
		netdev_dbg(ka->dev, "not reflecting GRE-in-GRE packet (reason %d)\n",
			   v);
		return NF_ACCEPT;
	}
	iph = ip_hdr(skb);
	if (!p->local && inet_addr_type(p->net, iph->saddr) != RTN_LOCAL)
		return NF_ACCEPT;

	if (!gre_ka_reflect_allowed(ka, ktime_get_ns()))
		return NF_DROP;

	len = skb->len;
	err = gre_ka_reflect(ka, p, skb);
	gre_ka_reflect_done(ka, AF_INET, len, err);
	return err ? NF_DROP : NF_STOLEN;
}

static unsigned int gre_ka_hook_fn(void *priv, struct sk_buff *skb,
				   const struct nf_hook_state *state)
{
	struct gre_ka_tunnel *ka = priv;

	if (!skb->protocol)
		return gre_ka_rx_reply(ka, skb);
	if (!READ_ONCE(ka->reflect))
		return NF_ACCEPT;
	if (skb->protocol == htons(ETH_P_IP))
		return gre_ka_rx_ipv4(ka, skb);
	if (skb->protocol == htons(ETH_P_IPV6))
		return gre_ka_rx_ipv6(ka, skb);
	return NF_ACCEPT;
}

int gre_ka_hook_register(struct gre_ka_tunnel *ka)
{
	int err;

	ASSERT_RTNL();
	if (ka->hook_registered)
		return 0;

	ka->hook = (struct nf_hook_ops) {
		.hook = gre_ka_hook_fn,
		.pf = NFPROTO_NETDEV,
		.hooknum = NF_NETDEV_INGRESS,
		.priority = GRE_KA_HOOK_PRIORITY,
		.dev = ka->dev,
		.priv = ka,
	};
	err = nf_register_net_hook(dev_net(ka->dev), &ka->hook);
	if (!err)
		ka->hook_registered = true;
	return err;
}

void gre_ka_hook_unregister(struct gre_ka_tunnel *ka)
{
	ASSERT_RTNL();
	if (!ka->hook_registered)
		return;
	nf_unregister_net_hook(dev_net(ka->dev), &ka->hook);
	ka->hook_registered = false;
}
