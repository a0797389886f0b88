// SPDX-License-Identifier: GPL-2.0
/*
 * gre_ka routing, whatever the family: where our keepalives must come
 * back to, the way to the peer in the underlay, and whether an overlay
 * address is on-link through the tunnel. Each family gives one route
 * lookup (struct gre_ka_af_ops.route); the decisions are made here once.
 */

#include <linux/netdevice.h>
#include <net/dst.h>
#include <net/l3mdev.h>

#include "gre_ka.h"

/*
 * Where the peer must send our keepalive back: the tunnel's local address,
 * or for a tunnel without one the source the underlay picks towards the
 * remote, which is also the outer source the tunnel uses. 0 or -errno
 * (no route: the keepalive still goes, to be counted unanswered).
 */
int gre_ka_route_local(const struct gre_ka_af_ops *af,
		       const struct gre_ka_tnl *t, union gre_ka_addr *a)
{
	struct gre_ka_flow f = {
		.dst = t->remote,
		.oif = t->link,
		.mark = t->fwmark,
		.flowlabel = t->flowlabel,
	};
	struct dst_entry *dst;

	*a = t->local;
	if (!gre_ka_addr_any(af->family, &t->local))
		return 0;
	dst = af->route(t->net, &f);
	if (IS_ERR(dst))
		return PTR_ERR(dst);
	dst_release(dst);
	*a = f.src;
	return 0;
}

/* In the underlay, from src to the tunnel's remote, as the tunnel would. */
struct dst_entry *gre_ka_route_peer(const struct gre_ka_af_ops *af,
				    const struct gre_ka_tnl *t,
				    const union gre_ka_addr *src, u8 tos)
{
	struct gre_ka_flow f = {
		.dst = t->remote,
		.src = *src,
		.oif = t->link,
		.mark = t->fwmark,
		.flowlabel = t->flowlabel,
		.tos = tos,
	};

	return af->route(t->net, &f);
}

/*
 * Does dst route, in the tunnel device's netns and VRF, straight into this
 * tunnel: a connected route, no gateway? The lookup is not bound to the
 * device itself, since a device-bound lookup without a route assumes the
 * destination is on-link.
 */
bool gre_ka_route_onlink(const struct gre_ka_af_ops *af,
			 struct net_device *dev, const union gre_ka_addr *src,
			 const union gre_ka_addr *dst)
{
	struct gre_ka_flow f = {
		.dst = *dst,
		.src = *src,
		.oif = l3mdev_master_ifindex_rcu(dev),
	};
	struct dst_entry *d;
	bool ok;

	d = af->route(dev_net(dev), &f);
	if (IS_ERR(d))
		return false;
	ok = d->dev == dev && af->direct(d);
	dst_release(d);
	return ok;
}
