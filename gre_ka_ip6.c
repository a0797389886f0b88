// SPDX-License-Identifier: GPL-2.0
/*
 * gre_ka for IPv6: ip6gre tunnels (the underlay side) and IPv6 requests
 * (the inner side, on any tunnel). Calls only the core and the kernel.
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

#include <linux/if_ether.h>
#include <linux/if_tunnel.h>
#include <linux/ip6_tunnel.h>
#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <net/addrconf.h>
#include <net/gre.h>
#include <net/ip6_route.h>
#include <net/ip6_tunnel.h>
#include <net/ipv6.h>
#include <net/l3mdev.h>

#include "gre_ka.h"
#include "gre_ka_compat.h"

static bool gre_ka_ip6_is_tunnel(const struct net_device *dev)
{
	return dev->rtnl_link_ops &&
	       !strcmp(dev->rtnl_link_ops->kind, "ip6gre");
}

static void gre_ka_ip6_params_read(struct net_device *dev,
				   struct gre_ka_tnl *t)
{
	struct ip6_tnl *tn = netdev_priv(dev);

	ASSERT_RTNL();
	t->family = AF_INET6;
	t->net = tn->net;
	t->local.ip6 = tn->parms.laddr;
	t->remote.ip6 = tn->parms.raddr;
	t->link = tn->parms.link;
	t->fwmark = tn->parms.fwmark;
	t->hop_limit = tn->parms.hop_limit;
	t->flowlabel = tn->parms.flowinfo & IPV6_FLOWLABEL_MASK;
	/* "tclass inherit": the inner packet's, precedence 6 like IPv4. */
	t->tclass = tn->parms.flags & IP6_TNL_F_USE_ORIG_TCLASS ?
		    IPTOS_PREC_INTERNETCONTROL : ip6_tclass(tn->parms.flowinfo);
	t->collect_md = tn->parms.collect_md;
	/* What ip6gre_tunnel_init() gives ip6gre_header_ops: mGRE. */
	t->multipoint = ipv6_addr_any(&t->remote.ip6) && !t->collect_md;
	gre_ka_tnl_gre(t, tn->parms.i_flags, tn->parms.i_key,
		       tn->parms.o_flags, tn->parms.o_key);
}

static struct dst_entry *gre_ka_ip6_route(struct net *net,
					  struct gre_ka_flow *f)
{
	struct flowi6 fl6 = {
		.daddr = f->dst.ip6,
		.saddr = f->src.ip6,
		.flowi6_oif = f->oif,
		.flowi6_mark = f->mark,
		.flowi6_proto = IPPROTO_GRE,
		.flowlabel = f->flowlabel,
	};
	struct dst_entry *dst;

	/* ip6_dst_lookup_flow(): xfrm policies apply, as for ip6gre. */
	dst = ip6_dst_lookup_flow(net, NULL, &fl6, NULL);
	if (!IS_ERR(dst))
		f->src.ip6 = fl6.saddr;
	return dst;
}

static int gre_ka_ip6_fib_hop(struct net_device *dev,
			      const union gre_ka_addr *src,
			      const union gre_ka_addr *dst,
			      struct net_device **hop, bool *direct)
{
	struct flowi6 fl6 = {
		.daddr = dst->ip6,
		.saddr = src->ip6,
		/* The VRF's table, as an output lookup from dev would use. */
		.flowi6_oif = l3mdev_master_ifindex_rcu(dev),
	};
	struct dst_entry *d;
	int err;

	d = ip6_route_output_flags(dev_net(dev), NULL, &fl6,
				   RT6_LOOKUP_F_IGNORE_LINKSTATE);
	err = d->error;
	if (!err) {
		*hop = d->dev;
		*direct = !(dst_rt6_info(d)->rt6i_flags & RTF_GATEWAY);
	}
	dst_release(d);
	return err;
}

static bool gre_ka_ip6_underlay_has_addr(const struct gre_ka_tnl *t,
					 const union gre_ka_addr *a)
{
	return ipv6_chk_addr(t->net, &a->ip6, NULL, 0);
}

/* Encapsulate the inner packet in skb and send it to the peer. */
static int gre_ka_ip6_xmit(struct gre_ka_tunnel *ka,
			   const struct gre_ka_tnl *t,
			   const union gre_ka_addr *peer, struct sk_buff *skb)
{
	struct ip6_tnl *tn = netdev_priv(ka->dev);
	unsigned int ghlen = gre_ka_gre_hlen(t->o_csum, t->o_key_set, t->o_seq);
	__be16 inner = skb->protocol;
	struct gre_ka_flow f = {
		.dst = *peer,
		.src = t->local,
		.oif = t->link,
		.mark = t->fwmark,
		.flowlabel = t->flowlabel,
	};
	struct dst_entry *dst;
	struct ipv6hdr *ip6h;
	__be32 seq = 0;
	void *greh;
	int err;

	dst = gre_ka_ip6_route(t->net, &f);
	if (IS_ERR(dst)) {
		err = PTR_ERR(dst);
		goto free_skb;
	}
	/* The way to the peer is this tunnel: never loop into it. */
	err = -ELOOP;
	if (dst->dev == ka->dev)
		goto put_dst;
	err = skb_cow_head(skb, LL_RESERVED_SPACE(dst->dev) + sizeof(*ip6h) +
			   ghlen);
	if (err)
		goto put_dst;

	/* Peers with iseq expect our output sequence, as ip6gre numbers it. */
	if (t->o_seq)
		seq = htonl(atomic_fetch_inc(&tn->o_seqno));
	greh = skb_push(skb, ghlen);
	gre_ka_gre_fill(greh, inner, t->o_csum, t->o_key_set, t->o_key,
			t->o_seq, seq);
	if (t->o_csum)
		gre_ka_gre_csum(greh, skb->len);

	ip6h = skb_push(skb, sizeof(*ip6h));
	skb_reset_network_header(skb);
	ip6_flow_hdr(ip6h, t->tclass, t->flowlabel);
	ip6h->payload_len = htons(skb->len - sizeof(*ip6h));
	ip6h->nexthdr = IPPROTO_GRE;
	/* Hop limit "inherit" takes the inner packet's, 255. */
	ip6h->hop_limit = t->hop_limit ?: 255;
	ip6h->saddr = f.src.ip6;
	ip6h->daddr = peer->ip6;

	skb->protocol = htons(ETH_P_IPV6);
	skb->mark = t->fwmark;
	memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));
	/* The tunnel device may sit in another netns than the underlay. */
	skb->dev = dst->dev;
	skb_dst_set(skb, dst);
	ip6_local_out(t->net, NULL, skb);
	return 0;

put_dst:
	dst_release(dst);
free_skb:
	kfree_skb(skb);
	return err;
}

/*
 * ip6gre attaches no metadata to what a tunnel without a remote receives
 * (only collect_md tunnels get it), and resets the network header to the
 * inner packet. The outer IPv6 header is still in the headroom, right
 * before the GRE header of this tunnel's input flags: it is taken from
 * there only if it is exactly that (version 6, next header GRE, and the
 * GRE flags this tunnel expects), so an outer header with extension
 * headers is no peer's (request_not_peer) rather than a wrong one's.
 */
static bool gre_ka_ip6_outer_src(const struct sk_buff *skb,
				 const struct gre_ka_tnl *t,
				 union gre_ka_addr *a)
{
	unsigned int ghlen = gre_ka_gre_hlen(t->i_csum, t->i_key_set, t->iseq);
	const struct gre_base_hdr *greh;
	const struct ipv6hdr *ip6h;

	if (skb_headroom(skb) < sizeof(*ip6h) + ghlen)
		return false;
	ip6h = (const struct ipv6hdr *)(skb->data - ghlen - sizeof(*ip6h));
	greh = (const struct gre_base_hdr *)(ip6h + 1);
	if (ip6h->version != 6 || ip6h->nexthdr != IPPROTO_GRE ||
	    (greh->flags & (GRE_CSUM | GRE_KEY | GRE_SEQ)) !=
	    ((t->i_csum ? GRE_CSUM : 0) | (t->i_key_set ? GRE_KEY : 0) |
	     (t->iseq ? GRE_SEQ : 0)) ||
	    greh->protocol != skb->protocol ||
	    (t->i_key_set &&
	     get_unaligned((__be32 *)((u8 *)(greh + 1) + (t->i_csum ? 4 : 0))) !=
	     t->i_key))
		return false;
	a->ip6 = ip6h->saddr;
	return !ipv6_addr_any(&a->ip6);
}

static bool gre_ka_ip6_maybe_keepalive(const void *hdr)
{
	u8 nh = ((const struct ipv6hdr *)hdr)->nexthdr;

	/* Behind extension headers: the parser walks them, bounded. */
	return nh == IPPROTO_GRE || ipv6_ext_hdr(nh);
}

/* On the device itself (strict), as IPv4 checks it: not any global one. */
static bool gre_ka_ip6_dev_has_addr(struct net_device *dev,
				    const union gre_ka_addr *a)
{
	return ipv6_chk_addr(dev_net(dev), &a->ip6, dev, 1);
}

static void gre_ka_ip6_set_daddr(struct sk_buff *skb,
				 const union gre_ka_addr *dst)
{
	ipv6_hdr(skb)->daddr = dst->ip6;
}

static void gre_ka_ip6_forward(struct sk_buff *skb)
{
	ipv6_hdr(skb)->hop_limit--;
	memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));
}

static int gre_ka_ip6_local_out(struct net *net, struct sk_buff *skb)
{
	return ip6_local_out(net, NULL, skb);
}

static u8 gre_ka_ip6_tos(const struct sk_buff *skb)
{
	return ipv6_get_dsfield(ipv6_hdr(skb));
}

const struct gre_ka_af_ops gre_ka_ip6_ops = {
	.family = AF_INET6,
	.eth_proto = htons(ETH_P_IPV6),
	.hlen = sizeof(struct ipv6hdr),
	/* The outer IPv6 and GRE (+ csum, key, seq) headers. */
	.xmit_headroom = sizeof(struct ipv6hdr) + 16,
	.is_tunnel = gre_ka_ip6_is_tunnel,
	.params_read = gre_ka_ip6_params_read,
	.underlay_has_addr = gre_ka_ip6_underlay_has_addr,
	.route = gre_ka_ip6_route,
	.fib_hop = gre_ka_ip6_fib_hop,
	.xmit = gre_ka_ip6_xmit,
	.outer_src = gre_ka_ip6_outer_src,
	.parse = gre_ka_request_parse6,
	.maybe_keepalive = gre_ka_ip6_maybe_keepalive,
	.dev_has_addr = gre_ka_ip6_dev_has_addr,
	.set_daddr = gre_ka_ip6_set_daddr,
	.forward = gre_ka_ip6_forward,
	.local_out = gre_ka_ip6_local_out,
	.tos = gre_ka_ip6_tos,
};
