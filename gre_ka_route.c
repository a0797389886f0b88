// SPDX-License-Identifier: GPL-2.0
/*
 * gre_ka routing, whatever the family: where our keepalives must come
 * back to, the way to the peer in the underlay, and whether an overlay
 * address is on-link through the tunnel. Each family gives one route
 * lookup (struct gre_ka_af_ops.route); the decisions are made here once.
 */

#include <linux/netdevice.h>
#include <net/dst.h>

#include "gre_ka.h"

/*
 * Where the peer must send our keepalive back: the tunnel's local address,
 * or for a tunnel without one the source the underlay picks towards the
 * peer, which is also the outer source the tunnel uses. 0 or -errno
 * (no route: the keepalive still goes, to be counted unanswered).
 */
int gre_ka_route_local(const struct gre_ka_af_ops *af,
		       const struct gre_ka_tnl *t,
		       const union gre_ka_addr *peer, union gre_ka_addr *a)
{
	struct gre_ka_flow f = {
		.dst = *peer,
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

/* In the underlay, from src to the peer, as the tunnel would. */
struct dst_entry *gre_ka_route_peer(const struct gre_ka_af_ops *af,
				    const struct gre_ka_tnl *t,
				    const union gre_ka_addr *peer,
				    const union gre_ka_addr *src, u8 tos)
{
	struct gre_ka_flow f = {
		.dst = *peer,
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
 * tunnel: a connected or device route, no gateway? Asked of the FIB
 * without regard to link state: a passive tunnel whose carrier we took
 * down has its routes marked linkdown, and with
 * ignore_routes_with_linkdown an output route lookup would not find them,
 * so the requests that would bring it back up would all be refused.
 */
bool gre_ka_route_onlink(const struct gre_ka_af_ops *af,
			 struct net_device *dev, const union gre_ka_addr *src,
			 const union gre_ka_addr *dst)
{
	struct net_device *hop;
	bool direct;

	return !af->fib_hop(dev, src, dst, &hop, &direct) && hop == dev &&
	       direct;
}
