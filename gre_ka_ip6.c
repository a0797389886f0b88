// SPDX-License-Identifier: GPL-2.0
/*
 * gre_ka for ip6gre tunnels: the IPv6 underlay.
 *
 * The keepalive and the reply work as over IPv4, with an inner IPv6 header
 * (src = tunnel remote, dst = tunnel local, next header GRE, hop limit 255).
 * Two things differ from ip_gre:
 *  - ip6gre_xmit_ipv6() drops any packet whose inner source is the tunnel's
 *    remote address (a loop guard), so we cannot hand keepalives to the
 *    tunnel's xmit: gre_ka_ip6_xmit() adds the outer GRE and IPv6 headers
 *    as ip6gre would (output key, checksum and sequence flags, hop limit,
 *    traffic class, flow label) and routes in the underlay with the
 *    tunnel's link and fwmark. Encapsulation-limit options and FOU/GUE are
 *    not added: a keepalive is not a tunnelled IPv6 packet that could loop,
 *    and the peer needs neither to decapsulate it.
 *  - ip6gre registers for IPPROTO_GRE itself rather than through the GRE
 *    demultiplexer, so replies of any length reach the tunnel (ip_gre's
 *    path drops GRE shorter than 12 bytes); protocol type 0 passes
 *    __ip6_tnl_rcv() and arrives at our ingress hook with skb->protocol 0.
 */

#include <linux/if_tunnel.h>
#include <linux/ip6_tunnel.h>
#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <net/addrconf.h>
#include <net/gre.h>
#include <net/ip6_route.h>
#include <net/ip6_tunnel.h>
#include <net/ipv6.h>

#include "gre_ka.h"
#include "gre_ka_compat.h"

bool gre_ka_is_ip6gre(const struct net_device *dev)
{
	return dev->rtnl_link_ops &&
	       !strcmp(dev->rtnl_link_ops->kind, "ip6gre");
}

void gre_ka_ip6_params_read(struct net_device *dev, struct gre_ka_params *p)
{
	struct ip6_tnl *t = netdev_priv(dev);

	ASSERT_RTNL();
	p->family = AF_INET6;
	p->net = t->net;
	p->local6 = t->parms.laddr;
	p->remote6 = t->parms.raddr;
	p->link = t->parms.link;
	p->fwmark = t->parms.fwmark;
	p->hop_limit = t->parms.hop_limit;
	p->flowlabel = t->parms.flowinfo & IPV6_FLOWLABEL_MASK;
	/* "tclass inherit": the inner packet's, precedence 6 like IPv4. */
	p->tclass = t->parms.flags & IP6_TNL_F_USE_ORIG_TCLASS ?
		    IPTOS_PREC_INTERNETCONTROL : ip6_tclass(t->parms.flowinfo);
	p->i_key_set = gre_ka_tnl_flag(t->parms.i_flags, KEY);
	p->i_key = p->i_key_set ? t->parms.i_key : 0;
	p->i_csum = gre_ka_tnl_flag(t->parms.i_flags, CSUM);
	p->o_key_set = gre_ka_tnl_flag(t->parms.o_flags, KEY);
	p->o_key = p->o_key_set ? t->parms.o_key : 0;
	p->o_csum = gre_ka_tnl_flag(t->parms.o_flags, CSUM);
	p->o_seq = gre_ka_tnl_flag(t->parms.o_flags, SEQ);

	if (t->parms.collect_md)
		p->why = "collect_md (external) tunnels have no fixed peer";
	else if (ipv6_addr_any(&p->remote6))
		p->why = "the tunnel has no remote address";
	else if (ipv6_addr_is_multicast(&p->remote6))
		p->why = "the tunnel's remote address is multicast";
	else if (gre_ka_tnl_flag(t->parms.i_flags, SEQ))
		p->why = "input sequencing (iseq) would drop the replies";
}

/* The underlay route towards the peer, as ip6gre would pick it. */
static struct dst_entry *gre_ka_ip6_route(const struct gre_ka_params *p,
					  struct flowi6 *fl6)
{
	*fl6 = (struct flowi6) {
		.daddr = p->remote6,
		.saddr = p->local6,
		.flowi6_oif = p->link,
		.flowi6_mark = p->fwmark,
		.flowi6_proto = IPPROTO_GRE,
		.flowlabel = p->flowlabel,
	};
	return ip6_dst_lookup_flow(p->net, NULL, fl6, NULL);
}

/*
 * Where the peer must send the reply: the tunnel's local address, or for
 * a tunnel without one the source the underlay picks towards the remote,
 * which is also the outer source ip6gre uses.
 */
bool gre_ka_ip6_local_addr(const struct gre_ka_params *p,
			   struct in6_addr *addr)
{
	struct dst_entry *dst;
	struct flowi6 fl6;

	if (!ipv6_addr_any(&p->local6)) {
		*addr = p->local6;
		return true;
	}
	dst = gre_ka_ip6_route(p, &fl6);
	if (IS_ERR(dst)) {
		*addr = in6addr_any;
		return false;
	}
	dst_release(dst);
	*addr = fl6.saddr;
	return true;
}

/* Encapsulate the inner keepalive in skb and send it to the peer. */
void gre_ka_ip6_xmit(struct gre_ka_tunnel *ka, const struct gre_ka_params *p,
		     struct sk_buff *skb)
{
	struct ip6_tnl *t = netdev_priv(ka->dev);
	unsigned int ghlen = gre_ka_gre_hlen(p->o_csum, p->o_key_set, p->o_seq);
	struct dst_entry *dst;
	struct ipv6hdr *ip6h;
	struct flowi6 fl6;
	__be32 seq = 0;
	void *greh;

	dst = gre_ka_ip6_route(p, &fl6);
	if (IS_ERR(dst))
		goto free_skb;
	/* The way to the peer is this tunnel: never loop into it. */
	if (dst->dev == ka->dev)
		goto put_dst;
	if (skb_cow_head(skb, LL_RESERVED_SPACE(dst->dev) + sizeof(*ip6h) +
			 ghlen))
		goto put_dst;

	/* Peers with iseq expect our output sequence, as ip6gre numbers it. */
	if (p->o_seq)
		seq = htonl(atomic_fetch_inc(&t->o_seqno));
	greh = skb_push(skb, ghlen);
	gre_ka_gre_fill(greh, htons(ETH_P_IPV6), p->o_csum, p->o_key_set,
			p->o_key, p->o_seq, seq);
	if (p->o_csum)
		gre_ka_gre_csum(greh, skb->len);

	ip6h = skb_push(skb, sizeof(*ip6h));
	skb_reset_network_header(skb);
	ip6_flow_hdr(ip6h, p->tclass, fl6.flowlabel);
	ip6h->payload_len = htons(skb->len - sizeof(*ip6h));
	ip6h->nexthdr = IPPROTO_GRE;
	/* Hop limit "inherit" takes the inner packet's, 255. */
	ip6h->hop_limit = p->hop_limit ?: 255;
	ip6h->saddr = fl6.saddr;
	ip6h->daddr = fl6.daddr;

	skb->protocol = htons(ETH_P_IPV6);
	skb->mark = p->fwmark;
	memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));
	/* The tunnel device may sit in another netns than the underlay. */
	skb->dev = dst->dev;
	skb_dst_set(skb, dst);
	ip6_local_out(p->net, NULL, skb);
	return;

put_dst:
	dst_release(dst);
free_skb:
	kfree_skb(skb);
}

/* Send the peer's keepalive back, routed in the underlay; see gre_ka_rx.c. */
static int gre_ka_ip6_reflect(struct gre_ka_tunnel *ka,
			      const struct gre_ka_params *p,
			      struct sk_buff *skb)
{
	struct ipv6hdr *ip6h = ipv6_hdr(skb);
	unsigned int len = sizeof(*ip6h) + ntohs(ip6h->payload_len);
	struct flowi6 fl6 = {
		.daddr = ip6h->daddr,
		.saddr = ip6h->saddr,
		.flowi6_oif = p->link,
		.flowi6_mark = p->fwmark,
		.flowi6_proto = IPPROTO_GRE,
	};
	struct dst_entry *dst;

	if (ip6h->hop_limit <= 1)
		return -ETIMEDOUT;
	dst = ip6_dst_lookup_flow(p->net, NULL, &fl6, NULL);
	if (IS_ERR(dst))
		return PTR_ERR(dst);
	if (dst->dev == ka->dev) {
		dst_release(dst);
		return -ELOOP;
	}
	if (pskb_trim_rcsum(skb, len) || skb_ensure_writable(skb, len)) {
		dst_release(dst);
		return -ENOMEM;
	}

	skb_scrub_packet(skb, !net_eq(p->net, dev_net(ka->dev)));
	skb_dst_set(skb, dst);
	skb_clear_tstamp(skb);
	skb->mark = p->fwmark;
	skb->ip_summed = CHECKSUM_NONE;
	ip6h = ipv6_hdr(skb);
	ip6h->hop_limit--;
	memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));

	netdev_dbg(ka->dev, "reflecting peer keepalive, %pI6c->%pI6c (len=%u hlim=%u)\n",
		   &ip6h->saddr, &ip6h->daddr, len, ip6h->hop_limit);
	ip6_local_out(p->net, NULL, skb);
	return 0;
}

/* Decapsulated IPv6 on an ip6gre tunnel: a peer keepalive, or traffic. */
unsigned int gre_ka_rx_ipv6(struct gre_ka_tunnel *ka, struct sk_buff *skb)
{
	const struct gre_ka_params *p = rcu_dereference(ka->params);
	enum gre_ka_peer_verdict v;
	unsigned int len;
	int err;

	if (p->family != AF_INET6 ||
	    skb_network_offset(skb) ||
	    !pskb_may_pull(skb, sizeof(struct ipv6hdr)) ||
	    ipv6_hdr(skb)->nexthdr != IPPROTO_GRE ||
	    skb->len > GRE_KA_REFLECT_MAX_LEN ||
	    !pskb_may_pull(skb, skb->len))
		return NF_ACCEPT;

	v = gre_ka_peer_check6(skb->data, skb->len, &p->local6, &p->remote6);
	if (v != GRE_KA_PEER_OK) {
		netdev_dbg(ka->dev, "not reflecting GRE-in-GRE packet (reason %d)\n",
			   v);
		return NF_ACCEPT;
	}
	if (ipv6_addr_any(&p->local6) &&
	    !ipv6_chk_addr(p->net, &ipv6_hdr(skb)->saddr, NULL, 0))
		return NF_ACCEPT;

	if (!gre_ka_reflect_allowed(ka, ktime_get_ns()))
		return NF_DROP;

	len = skb->len;
	err = gre_ka_ip6_reflect(ka, p, skb);
	gre_ka_reflect_done(ka, AF_INET6, len, err);
	return err ? NF_DROP : NF_STOLEN;
}
