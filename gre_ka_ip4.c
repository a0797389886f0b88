// SPDX-License-Identifier: GPL-2.0
/*
 * gre_ka for IPv4: ip_gre tunnels (the underlay side) and IPv4 requests
 * (the inner side, on any tunnel). Calls only the core and the kernel.
 *
 * Keepalives are handed straight to ip_gre's own ndo_start_xmit (ip
 * tunnels are lockless, LLTX): that works with the carrier off, and gives
 * us its key, checksum, TTL, TOS, link, fwmark and encap handling, for
 * tunnels in any netns.
 */

#include <linux/if_ether.h>
#include <linux/inetdevice.h>
#include <linux/ip.h>
#include <linux/netdevice.h>
#include <net/fib_rules.h>
#include <net/ip.h>
#include <net/ip_fib.h>
#include <net/ip_tunnels.h>
#include <net/l3mdev.h>
#include <net/dst_metadata.h>
#include <net/route.h>

#include "gre_ka.h"
#include "gre_ka_compat.h"

/* ip_gre devices, point-to-point or multipoint; not gretap, erspan, ... */
static bool gre_ka_ip4_is_tunnel(const struct net_device *dev)
{
	return dev->rtnl_link_ops && !strcmp(dev->rtnl_link_ops->kind, "gre");
}

static void gre_ka_ip4_params_read(struct net_device *dev,
				   struct gre_ka_tnl *t)
{
	struct ip_tunnel *tn = netdev_priv(dev);

	ASSERT_RTNL();
	t->family = AF_INET;
	t->net = tn->net;
	t->local.ip = tn->parms.iph.saddr;
	t->remote.ip = tn->parms.iph.daddr;
	t->link = tn->parms.link;
	t->fwmark = tn->fwmark;
	t->collect_md = tn->collect_md;
	/* What ipgre_tunnel_init() gives ipgre_header_ops: an mGRE device. */
	t->multipoint = !t->remote.ip && !t->collect_md;
	gre_ka_tnl_gre(t, tn->parms.i_flags, tn->parms.i_key,
		       tn->parms.o_flags, tn->parms.o_key);
}

static struct dst_entry *gre_ka_ip4_route(struct net *net,
					  struct gre_ka_flow *f)
{
	struct flowi4 fl4 = {
		.daddr = f->dst.ip,
		.saddr = f->src.ip,
		.flowi4_oif = f->oif,
		.flowi4_mark = f->mark,
		.flowi4_proto = IPPROTO_GRE,
		GRE_KA_FLOWI4_TOS(f->tos),
	};
	struct rtable *rt = ip_route_output_key(net, &fl4);

	if (IS_ERR(rt))
		return ERR_CAST(rt);
	f->src.ip = fl4.saddr;
	return &rt->dst;
}

/* Unicast only: a local or broadcast route never leads into a tunnel. */
static int gre_ka_ip4_fib_hop(struct net_device *dev,
			      const union gre_ka_addr *src,
			      const union gre_ka_addr *dst,
			      struct net_device **hop, bool *direct)
{
	struct flowi4 fl4 = {
		.daddr = dst->ip,
		.saddr = src->ip,
		/* The VRF's table, as an output lookup from dev would use. */
		.flowi4_l3mdev = l3mdev_master_ifindex_rcu(dev),
	};
	struct fib_result res;
	int err;

	err = fib_lookup(dev_net(dev), &fl4, &res, FIB_LOOKUP_IGNORE_LINKSTATE);
	if (err)
		return err;
	if (res.type != RTN_UNICAST)
		return -EHOSTUNREACH;
	*hop = FIB_RES_DEV(res);
	*direct = !FIB_RES_NHC(res)->nhc_gw_family;
	return 0;
}

static bool gre_ka_ip4_underlay_has_addr(const struct gre_ka_tnl *t,
					 const union gre_ka_addr *a)
{
	return inet_addr_type(t->net, a->ip) == RTN_LOCAL;
}

/*
 * An mGRE device has header_ops: its "link-layer address" is the NBMA
 * address, and ipgre_header() pushes the outer IPv4 and GRE headers with
 * it, as for a neighbour's packet (and for nhrpd's, sent on a packet
 * socket to an NBMA address); ipgre_xmit() then takes the destination from
 * the header pushed. A point-to-point device has its remote.
 */
static int gre_ka_ip4_xmit(struct gre_ka_tunnel *ka,
			   const struct gre_ka_tnl *t,
			   const union gre_ka_addr *peer, struct sk_buff *skb)
{
	struct net_device *dev = ka->dev;
	netdev_tx_t rc;

	if (dev->header_ops &&
	    dev_hard_header(skb, dev, ETH_P_IP, &peer->ip, NULL, skb->len) < 0) {
		kfree_skb(skb);
		return -ENOBUFS;
	}
	rcu_read_lock_bh();
	rc = netdev_start_xmit(skb, dev, netdev_get_tx_queue(dev, 0), false);
	rcu_read_unlock_bh();
	if (dev_xmit_complete(rc))
		return 0;
	kfree_skb(skb);
	return -ENOBUFS;
}

/*
 * ip_gre hands packets of a tunnel without a remote to it with tunnel
 * metadata whose source is the outer one (__ipgre_rcv()).
 */
static bool gre_ka_ip4_outer_src(const struct sk_buff *skb,
				 const struct gre_ka_tnl *t,
				 union gre_ka_addr *a)
{
	const struct ip_tunnel_info *info = skb_tunnel_info(skb);

	if (!info || ip_tunnel_info_af(info) != AF_INET)
		return false;
	a->ip = info->key.u.ipv4.src;
	return a->ip != 0;
}

static bool gre_ka_ip4_maybe_keepalive(const void *hdr)
{
	return ((const struct iphdr *)hdr)->protocol == IPPROTO_GRE;
}

/* One of the tunnel device's own addresses (its netns, any scope). */
static bool gre_ka_ip4_dev_has_addr(struct net_device *dev,
				    const union gre_ka_addr *a)
{
	struct in_device *in_dev = __in_dev_get_rcu(dev);
	const struct in_ifaddr *ifa;
	bool found = false;

	if (!in_dev)
		return false;
	in_dev_for_each_ifa_rcu(ifa, in_dev) {
		if (ifa->ifa_local == a->ip) {
			found = true;
			break;
		}
	}
	return found;
}

static void gre_ka_ip4_set_daddr(struct sk_buff *skb,
				 const union gre_ka_addr *dst)
{
	struct iphdr *iph = ip_hdr(skb);

	iph->daddr = dst->ip;
	ip_send_check(iph);
}

static void gre_ka_ip4_forward(struct sk_buff *skb)
{
	ip_decrease_ttl(ip_hdr(skb));
	memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
}

static int gre_ka_ip4_local_out(struct net *net, struct sk_buff *skb)
{
	return ip_local_out(net, NULL, skb);
}

static u8 gre_ka_ip4_tos(const struct sk_buff *skb)
{
	return ip_hdr(skb)->tos;
}

const struct gre_ka_af_ops gre_ka_ip4_ops = {
	.family = AF_INET,
	.eth_proto = htons(ETH_P_IP),
	.hlen = sizeof(struct iphdr),
	.xmit_headroom = 0,
	.is_tunnel = gre_ka_ip4_is_tunnel,
	.params_read = gre_ka_ip4_params_read,
	.underlay_has_addr = gre_ka_ip4_underlay_has_addr,
	.route = gre_ka_ip4_route,
	.fib_hop = gre_ka_ip4_fib_hop,
	.xmit = gre_ka_ip4_xmit,
	.outer_src = gre_ka_ip4_outer_src,
	.parse = gre_ka_request_parse4,
	.maybe_keepalive = gre_ka_ip4_maybe_keepalive,
	.dev_has_addr = gre_ka_ip4_dev_has_addr,
	.set_daddr = gre_ka_ip4_set_daddr,
	.forward = gre_ka_ip4_forward,
	.local_out = gre_ka_ip4_local_out,
	.tos = gre_ka_ip4_tos,
};
