// SPDX-License-Identifier: GPL-2.0
/*
 * gre_ka receive side: a netfilter ingress hook on each attached tunnel.
 *
 * ip_gre or ip6gre has already decapsulated the packet and picked this
 * tunnel, so the hook needs no lookup table and other devices pay nothing:
 *  - skb->protocol 0 (GRE protocol type 0): a reply to one of our
 *    keepalives; its MAC verified without the lock, then counted and
 *    consumed;
 *  - IPv4 or IPv6 carrying GRE with protocol type 0: the peer's keepalive
 *    (a request); validated, counted (passive liveness), and answered;
 *  - protocol type 0x0004: Huawei's probe, counted, passed on;
 *  - anything else: NF_ACCEPT, untouched.
 *
 * Every reply and request is attributed to a peer: a point-to-point
 * tunnel's one, or, on a multipoint tunnel, the peer at the packet's outer
 * source address (its NBMA address; ip_gre matched the key). On a
 * multipoint tunnel a packet from an address that is no peer is refused
 * (reply_not_peer, request_not_peer), unless passive learning makes the
 * source of a valid request a peer (rate-limited, request_peer_limit).
 *
 * The one rule for answers: an answer goes to the peer the request came
 * from and nowhere else, whatever the request's inner header says.
 *  - A request from our own underlay address is routed back to the peer
 *    in the underlay, as a router forwarding it would. If its inner
 *    destination is another address (a peer behind NAT fills in its
 *    private address), it is rewritten to the peer first.
 *  - A request from our own address on the tunnel (an overlay-addressed
 *    keepalive, as SD-WAN edges build them) whose destination is on-link
 *    through this tunnel is sent back through the tunnel, encapsulated
 *    towards the peer.
 * Both forms are on by default with reflect: neither can send anything
 * anywhere but to the peer, and each is exactly what a peer of that kind
 * waits for. Any other source is refused (request_address).
 */

#include <linux/if_ether.h>
#include <linux/netfilter.h>
#include <linux/netfilter_netdev.h>
#include <linux/skbuff.h>
#include <net/dst.h>

#include "gre_ka.h"

/*
 * After the default priority (0) of nftables netdev filter chains, so an
 * administrator's ingress rules see keepalive traffic first.
 */
#define GRE_KA_HOOK_PRIORITY	10

/* Huawei's GRE keepalive probe arrives with this outer protocol type. */
#define GRE_KA_HUAWEI_PROTO	htons(0x0004)

/*
 * The peer a received packet belongs to: a point-to-point tunnel's one,
 * or the multipoint tunnel's peer at the packet's outer source (in *from,
 * if it can be told; *from is any otherwise). Under RCU.
 */
static struct gre_ka_peer *gre_ka_rx_peer(struct gre_ka_tunnel *ka,
					  const struct gre_ka_params *prm,
					  const struct sk_buff *skb,
					  union gre_ka_addr *from)
{
	const struct gre_ka_peers *ps = rcu_dereference(ka->peers);

	memset(from, 0, sizeof(*from));
	if (!ps)
		return NULL;
	if (!ps->multipoint)
		return rcu_dereference(ps->one);
	if (!ka->ops->outer_src(skb, &prm->t, from))
		return NULL;
	return gre_ka_peer_find(ka, from);
}

/* A reply to one of our keepalives, with skb->data at its payload. */
static unsigned int gre_ka_rx_reply(struct gre_ka_tunnel *ka,
				    struct sk_buff *skb)
{
	const struct gre_ka_params *prm = rcu_dereference(ka->params);
	const struct gre_ka_session *s;
	const struct gre_ka_trailer *tr;
	struct gre_ka_trailer buf;
	union gre_ka_addr from;
	struct gre_ka_peer *p;
	enum gre_ka_reason r;
	int ret;

	if (!READ_ONCE(ka->conf.enabled))
		return NF_ACCEPT;
	p = gre_ka_rx_peer(ka, prm, skb, &from);
	if (!p) {
		gre_ka_line_refused(ka, NULL, GRE_KA_R_REPLY_NOT_PEER,
				    ka->ops->family, skb->len);
		return NF_DROP;
	}

	tr = skb_header_pointer(skb, 0, sizeof(buf), &buf);
	s = rcu_dereference(ka->session);
	if (!tr)
		r = GRE_KA_R_REPLY_SHORT;
	else if (!s)
		r = GRE_KA_R_REPLY_BAD_MAC;
	else
		r = gre_ka_trailer_verify(tr, skb->len, &s->key,
					  ka->ops->family, &p->nbma);
	ret = gre_ka_line_reply(ka, p, s, tr, r, skb->len, ktime_get_ns());
	if (ret < 0)
		return NF_ACCEPT;
	if (!ret)
		return NF_DROP;
	consume_skb(skb);
	return NF_STOLEN;
}

/*
 * Answer from the underlay: route to the peer in the tunnel's underlay
 * netns with its link and fwmark, so it works whatever VRF or netns the
 * tunnel device sits in. The order matters: scrubbing drops any dst, so
 * the route is attached after it; and the receive path's control block
 * must not reach the output path.
 */
static enum gre_ka_reason gre_ka_answer_underlay(struct gre_ka_tunnel *ka,
						 const struct gre_ka_tnl *t,
						 const struct gre_ka_peer *p,
						 const struct gre_ka_request *rq,
						 struct sk_buff *skb)
{
	const struct gre_ka_af_ops *af = ka->ops;
	struct dst_entry *dst;

	dst = gre_ka_route_peer(af, t, &p->nbma, &rq->src, af->tos(skb));
	if (IS_ERR(dst))
		return GRE_KA_R_REQ_NO_ROUTE;
	if (dst->dev == ka->dev) {
		/* The way to the peer is this tunnel: never loop into it. */
		dst_release(dst);
		return GRE_KA_R_REQ_LOOP;
	}
	if (pskb_trim_rcsum(skb, rq->len) ||
	    skb_ensure_writable(skb, rq->len)) {
		dst_release(dst);
		return GRE_KA_R_REQ_NOMEM;
	}
	if (!gre_ka_addr_eq(af->family, &rq->dst, &p->nbma))
		af->set_daddr(skb, &p->nbma);

	skb_scrub_packet(skb, !net_eq(t->net, dev_net(ka->dev)));
	skb_dst_set(skb, dst);
	skb->dev = dst->dev;
	skb_clear_tstamp(skb);
	skb->mark = t->fwmark;
	skb->ip_summed = CHECKSUM_NONE;
	af->forward(skb);
	af->local_out(t->net, skb);
	return GRE_KA_R_OK;
}

/* Answer through the tunnel: the peer's overlay address is on-link. */
static enum gre_ka_reason gre_ka_answer_overlay(struct gre_ka_tunnel *ka,
						const struct gre_ka_af_ops *af,
						const struct gre_ka_tnl *t,
						const struct gre_ka_peer *p,
						const struct gre_ka_request *rq,
						struct sk_buff *skb)
{
	if (pskb_trim_rcsum(skb, rq->len) || skb_ensure_writable(skb, rq->len))
		return GRE_KA_R_REQ_NOMEM;
	skb_scrub_packet(skb, false);
	skb_clear_tstamp(skb);
	skb->ip_summed = CHECKSUM_NONE;
	af->forward(skb);
	switch (gre_ka_tx_inner(ka, t, &p->nbma, skb)) {
	case 0:
		return GRE_KA_R_OK;
	case -ENOMEM:
	case -ENOBUFS:
		return GRE_KA_R_REQ_NOMEM;
	case -ELOOP:
		return GRE_KA_R_REQ_LOOP;
	default:
		return GRE_KA_R_REQ_NO_ROUTE;
	}
}

/* Is this request from us, and which way would its answer go? */
static enum gre_ka_reason gre_ka_request_form(struct gre_ka_tunnel *ka,
					      const struct gre_ka_af_ops *af,
					      const struct gre_ka_tnl *t,
					      const struct gre_ka_request *rq,
					      bool *overlay)
{
	*overlay = false;
	if (af == ka->ops &&
	    (gre_ka_addr_any(af->family, &t->local) ?
	     af->underlay_has_addr(t, &rq->src) :
	     gre_ka_addr_eq(af->family, &rq->src, &t->local)))
		return GRE_KA_R_OK;
	if (af->dev_has_addr(ka->dev, &rq->src) &&
	    gre_ka_route_onlink(af, ka->dev, &rq->src, &rq->dst)) {
		*overlay = true;
		return GRE_KA_R_OK;
	}
	return GRE_KA_R_REQ_ADDRESS;
}

/*
 * A valid request from an address that is no peer: on a passive
 * multipoint tunnel its source becomes one. NULL with *r saying why not.
 */
static struct gre_ka_peer *gre_ka_request_learn(struct gre_ka_tunnel *ka,
						const struct gre_ka_params *prm,
						const union gre_ka_addr *from,
						enum gre_ka_reason *r)
{
	struct gre_ka_peer *p;

	*r = GRE_KA_R_REQ_NOT_PEER;
	if (!prm->t.multipoint || !READ_ONCE(ka->conf.passive) ||
	    gre_ka_addr_any(ka->ops->family, from))
		return NULL;
	p = gre_ka_peer_learn(ka, from, ktime_get_ns(), r);
	if (p)
		*r = GRE_KA_R_OK;
	return p;
}

/* Decapsulated IPv4 or IPv6: a peer keepalive, or ordinary traffic. */
static unsigned int gre_ka_rx_request(struct gre_ka_tunnel *ka,
				      const struct gre_ka_af_ops *af,
				      struct sk_buff *skb)
{
	const struct gre_ka_params *prm = rcu_dereference(ka->params);
	const struct gre_ka_tnl *t = &prm->t;
	struct gre_ka_request rq;
	union gre_ka_addr from;
	struct gre_ka_peer *p;
	enum gre_ka_reason r;
	unsigned int len;
	bool overlay;

	/* The fast way out for data: one header, not GRE. */
	if (skb_network_offset(skb) || !pskb_may_pull(skb, af->hlen) ||
	    !af->maybe_keepalive(skb->data))
		return NF_ACCEPT;
	len = min(skb->len, GRE_KA_REFLECT_MAX_LEN);
	if (!pskb_may_pull(skb, len))
		return NF_ACCEPT;
	r = af->parse(skb->data, len, &rq);
	if (r == GRE_KA_R_NOT_KEEPALIVE)
		return NF_ACCEPT;
	/* Whatever it is, it is charged to its peer, if it has one. */
	p = gre_ka_rx_peer(ka, prm, skb, &from);
	/*
	 * A tunnel without a unicast peer we know answers nobody, whatever
	 * else keeps it from sending (iseq only stops our keepalives).
	 */
	if (r == GRE_KA_R_OK && prm->no_answer)
		r = GRE_KA_R_REQ_ADDRESS;
	if (r == GRE_KA_R_OK)
		r = gre_ka_request_form(ka, af, t, &rq, &overlay);
	/*
	 * The key that counts was checked by ip_gre: the packet reached this
	 * tunnel. The inner header's key is the peer's business (Cisco
	 * builds keepalives without one on keyed tunnels), as it is for a
	 * router that forwards the packet.
	 */
	if (r == GRE_KA_R_OK && !p)
		p = gre_ka_request_learn(ka, prm, &from, &r);
	if (r != GRE_KA_R_OK) {
		/* Passed on as without the module: nothing of ours. */
		gre_ka_line_refused(ka, p, r, af->family, len);
		return NF_ACCEPT;
	}

	/* Valid: proof of a working path (passive), even if not answered. */
	gre_ka_line_request(ka, p, &rq, ktime_get_ns());

	if (!READ_ONCE(ka->conf.reflect)) {
		gre_ka_line_refused(ka, p, GRE_KA_R_REQ_OFF, af->family, rq.len);
		return NF_ACCEPT;
	}
	if (rq.ttl <= 1)
		r = GRE_KA_R_REQ_TTL;
	else if (!gre_ka_line_reflect_allowed(p, ktime_get_ns()))
		r = GRE_KA_R_REQ_RATE;
	else if (overlay)
		r = gre_ka_answer_overlay(ka, af, t, p, &rq, skb);
	else
		r = gre_ka_answer_underlay(ka, t, p, &rq, skb);
	if (r != GRE_KA_R_OK) {
		gre_ka_line_refused(ka, p, r, af->family, rq.len);
		return NF_DROP;
	}
	gre_ka_line_reflected(ka, p, af->family, rq.len, overlay);
	return NF_STOLEN;
}

static unsigned int gre_ka_hook_fn(void *priv, struct sk_buff *skb,
				   const struct nf_hook_state *state)
{
	struct gre_ka_tunnel *ka = priv;

	if (!skb->protocol)
		return gre_ka_rx_reply(ka, skb);
	if (skb->protocol == htons(ETH_P_IP))
		return gre_ka_rx_request(ka, &gre_ka_ip4_ops, skb);
	if (skb->protocol == htons(ETH_P_IPV6))
		return gre_ka_rx_request(ka, &gre_ka_ip6_ops, skb);
	/*
	 * Huawei firewalls send, besides standard keepalives (which are
	 * answered), GRE with protocol type 0x0004 around an IPv4 packet.
	 * Its meaning is documented nowhere we could find, no other vendor
	 * answers it, and the Huawei end is reported to stay up on the
	 * answers to its standard keepalives: counted, passed on (the stack
	 * drops it, as without the module), not answered.
	 */
	if (skb->protocol == GRE_KA_HUAWEI_PROTO) {
		gre_ka_line_refused(ka, NULL, GRE_KA_R_REQ_HUAWEI, AF_INET,
				    skb->len);
		return NF_ACCEPT;
	}
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

/* Invocations already running may go on (see gre_ka_line.c). */
void gre_ka_hook_unregister(struct gre_ka_tunnel *ka)
{
	ASSERT_RTNL();
	if (!ka->hook_registered)
		return;
	nf_unregister_net_hook(dev_net(ka->dev), &ka->hook);
	ka->hook_registered = false;
}
