// SPDX-License-Identifier: GPL-2.0
/*
 * gre_ka transmit side: one soft hrtimer per tunnel. For an enabled
 * tunnel it ticks every period, applies the state machine and sends a
 * keepalive; for a passive-only one it wakes at the deadline by which the
 * peer's next keepalive must have arrived.
 *
 * Sending goes through the family's xmit (ip_gre's own ndo_start_xmit;
 * ip6gre: our own encapsulation, see gre_ka_ip6.c), not dev_queue_xmit():
 * with the carrier off the device queue is deactivated and would drop it,
 * and keepalives must keep going out while the line protocol is down.
 * That skips the packet taps, so they are fed here, as the stack feeds
 * them for data: `tcpdump -i gre1` shows keepalives going out.
 */

#include <linux/hrtimer.h>
#include <linux/ip.h>
#include <linux/netdevice.h>
#include <linux/pkt_sched.h>
#include <linux/random.h>
#include <linux/skbuff.h>

#include "gre_ka.h"
#include "gre_ka_compat.h"

/* Send an inner packet through the tunnel, visible to packet taps. */
void gre_ka_tx_inner(struct gre_ka_tunnel *ka, const struct gre_ka_tnl *t,
		     struct sk_buff *skb)
{
	skb->dev = ka->dev;
	if (dev_nit_active(ka->dev))
		dev_queue_xmit_nit(skb, ka->dev);
	ka->ops->xmit(ka, t, skb);
}

static struct sk_buff *gre_ka_build_skb(struct gre_ka_tunnel *ka,
					const struct gre_ka_pkt_params *pp,
					const struct gre_ka_trailer *tr)
{
	unsigned int len = gre_ka_pkt_len(pp);
	unsigned int hroom = LL_RESERVED_SPACE(ka->dev) + MAX_HEADER +
			     ka->ops->xmit_headroom;
	struct sk_buff *skb;

	skb = alloc_skb(hroom + len, GFP_ATOMIC);
	if (!skb)
		return NULL;
	skb_reserve(skb, hroom);
	skb_reset_network_header(skb);
	gre_ka_pkt_build(skb_put(skb, len), pp, tr);
	skb->protocol = ka->ops->eth_proto;
	/* Keepalives must not starve behind data on a saturated link. */
	skb->priority = TC_PRIO_CONTROL;
	return skb;
}

/* One period of an enabled tunnel. */
static void gre_ka_tick(struct gre_ka_tunnel *ka, u64 now)
{
	struct gre_ka_pkt_params pp = {
		/* Precedence 6 also protects the reply on the way back. */
		.tos = IPTOS_PREC_INTERNETCONTROL,
	};
	const struct gre_ka_params *p;
	struct gre_ka_trailer tr;
	struct sk_buff *skb;

	/* Closed, and NETDEV_DOWN not yet here to cancel us: send nothing. */
	if (!netif_running(ka->dev))
		return;

	rcu_read_lock();
	p = rcu_dereference(ka->params);
	pp.family = p->t.family;
	pp.src = p->t.remote;
	/* No route to the peer: send anyway, to be counted unanswered. */
	gre_ka_route_local(ka->ops, &p->t, &pp.dst);
	pp.key = p->t.i_key;
	pp.has_key = p->t.i_key_set;
	pp.has_csum = p->t.i_csum;

	if (gre_ka_line_tick(ka, now, &tr)) {
		skb = gre_ka_build_skb(ka, &pp, &tr);
		if (skb)
			gre_ka_tx_inner(ka, &p->t, skb);
	}
	rcu_read_unlock();
}

static enum hrtimer_restart gre_ka_timer_fn(struct hrtimer *timer)
{
	struct gre_ka_tunnel *ka = container_of(timer, struct gre_ka_tunnel,
						timer);
	u64 now = ktime_get_ns(), next;

	if (READ_ONCE(ka->conf.enabled)) {
		gre_ka_tick(ka, now);
		hrtimer_forward_now(timer,
				    ms_to_ktime(READ_ONCE(ka->conf.period_ms)));
		return HRTIMER_RESTART;
	}
	next = gre_ka_line_expire(ka, now);
	if (!next)
		return HRTIMER_NORESTART;
	hrtimer_forward_now(timer, ns_to_ktime(max(next - now, NSEC_PER_MSEC)));
	return HRTIMER_RESTART;
}

void gre_ka_timer_init(struct gre_ka_tunnel *ka)
{
	gre_ka_hrtimer_setup(&ka->timer, gre_ka_timer_fn, CLOCK_MONOTONIC,
			     HRTIMER_MODE_REL_SOFT);
}

/*
 * Idempotent: a timer that is queued or running is left alone, so that a
 * second start (auto_enable's attach, then NETDEV_UP) can never re-queue
 * it under a running callback, whose hrtimer_forward() would then warn.
 * Only RTNL holders start and cancel the timer, so hrtimer_active() cannot
 * change under us except by the timer expiring for good.
 *
 * An enabled tunnel sends its first keepalive at a random point of the
 * first period, so that thousands enabled at once do not tick in
 * lockstep; a passive-only one first looks a window after the start, or
 * a second, whichever comes first (gre_ka_line_expire() says why).
 */
void gre_ka_timer_start(struct gre_ka_tunnel *ka)
{
	u32 period = READ_ONCE(ka->conf.period_ms);
	u64 first;

	ASSERT_RTNL();
	if (hrtimer_active(&ka->timer))
		return;
	if (ka->conf.enabled)
		first = (u64)get_random_u32_below(period) * NSEC_PER_MSEC +
			get_random_u32_below(NSEC_PER_MSEC);
	else if (ka->conf.passive)
		first = min(gre_ka_window_ns(&ka->conf,
					     (u64)period * NSEC_PER_MSEC),
			    (u64)NSEC_PER_SEC);
	else
		return;
	hrtimer_start(&ka->timer, ns_to_ktime(first), HRTIMER_MODE_REL_SOFT);
}

void gre_ka_timer_stop(struct gre_ka_tunnel *ka)
{
	ASSERT_RTNL();
	hrtimer_cancel(&ka->timer);
}

/*
 * A shorter period takes effect now rather than after the current, longer
 * wait; a longer one at the next keepalive.
 */
void gre_ka_timer_period_changed(struct gre_ka_tunnel *ka)
{
	ASSERT_RTNL();
	if (hrtimer_active(&ka->timer) &&
	    ktime_to_ms(hrtimer_get_remaining(&ka->timer)) >
	    READ_ONCE(ka->conf.period_ms)) {
		gre_ka_timer_stop(ka);
		gre_ka_timer_start(ka);
	}
}
