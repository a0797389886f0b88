// SPDX-License-Identifier: GPL-2.0
/*
 * gre_ka transmit side: one soft hrtimer per tunnel, whatever its number
 * of peers.
 *
 * A point-to-point tunnel's timer serves its one peer: every period when
 * enabled (a keepalive, the state machine), or at the deadline by which
 * the peer's next keepalive must have arrived when passive only.
 *
 * A multipoint tunnel's timer walks its peers: they sit on GRE_KA_SLOTS
 * slots (gre_ka_peer.c), and each tick serves the slots of one part of
 * the period, so that every peer is served once a period and a hub's
 * 10,000 keepalives leave in small bursts over the period instead of one
 * (bounded work per tick). Passive only, each tick checks the deadlines
 * of its slots' peers, and forgets peers learned passively that have been
 * silent for long. One timer per tunnel rather than per peer: a peer then
 * costs no hrtimer (64 bytes) and no expiry of its own; make bench
 * compares the two (10,000 point-to-point tunnels are 10,000 timers).
 *
 * Each expiry is given slack (a sixteenth of its interval, at most
 * GRE_KA_SLACK_MAX_MS), as the kernel's timer wheel gives its own timers
 * granularity: a router's tunnels then share timer interrupts instead of
 * taking one each (make bench, 200 tunnels at 10 ms: 409-524 local timer
 * interrupts a second, 2,082-3,220 without slack), and a keepalive
 * leaves at most 6 % of its period late, never early.
 * The next expiry is counted from when this one was due, not from when
 * it ran, so that the lateness does not add up period after period.
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

/* A multipoint tunnel ticks no more often than this. */
#define GRE_KA_TICK_MIN_MS	8
/* Passive only, a multipoint tunnel looks at each peer this often. */
#define GRE_KA_PASSIVE_CYCLE_MS	1000
/* An expiry's slack: interval >> this, at most GRE_KA_SLACK_MAX_MS. */
#define GRE_KA_SLACK_SHIFT	4
#define GRE_KA_SLACK_MAX_MS	100

/*
 * Send an inner packet through the tunnel to peer, seen by packet taps.
 * Consumes skb; an error if it certainly did not leave.
 */
int gre_ka_tx_inner(struct gre_ka_tunnel *ka, const struct gre_ka_tnl *t,
		    const union gre_ka_addr *peer, struct sk_buff *skb)
{
	skb->dev = ka->dev;
	if (dev_nit_active(ka->dev))
		dev_queue_xmit_nit(skb, ka->dev);
	return ka->ops->xmit(ka, t, peer, skb);
}

static struct sk_buff *gre_ka_alloc_skb(struct gre_ka_tunnel *ka,
					const struct gre_ka_pkt_params *pp)
{
	unsigned int hroom = LL_RESERVED_SPACE(ka->dev) + MAX_HEADER +
			     ka->ops->xmit_headroom;
	struct sk_buff *skb;

	skb = alloc_skb(hroom + gre_ka_pkt_len(pp), GFP_ATOMIC);
	if (skb)
		skb_reserve(skb, hroom);
	return skb;
}

static void gre_ka_build_skb(struct gre_ka_tunnel *ka, struct sk_buff *skb,
			     const struct gre_ka_pkt_params *pp,
			     const struct gre_ka_trailer *tr)
{
	unsigned int len = gre_ka_pkt_len(pp);

	skb_reset_network_header(skb);
	gre_ka_pkt_build(skb_put(skb, len), pp, tr);
	skb->protocol = ka->ops->eth_proto;
	/* Keepalives must not starve behind data on a saturated link. */
	skb->priority = TC_PRIO_CONTROL;
}

/* One period of an enabled tunnel for one peer; under RCU. */
static void gre_ka_tick(struct gre_ka_tunnel *ka, struct gre_ka_peer *p,
			const struct gre_ka_params *prm, u64 now)
{
	struct gre_ka_pkt_params pp = {
		/* Precedence 6 also protects the reply on the way back. */
		.tos = IPTOS_PREC_INTERNETCONTROL,
		.family = prm->t.family,
		.src = p->nbma,
		.key = prm->t.i_key,
		.has_key = prm->t.i_key_set,
		.has_csum = prm->t.i_csum,
	};
	struct gre_ka_trailer tr;
	struct sk_buff *skb;

	/* No route to the peer: send anyway, to be counted unanswered. */
	gre_ka_route_local(ka->ops, &prm->t, &p->nbma, &pp.dst);
	/*
	 * A keepalive that cannot be sent (no memory, no way out) still
	 * makes its period unanswered: a router that cannot send keepalives
	 * cannot vouch for the tunnel either. It counts in tx_errors.
	 */
	skb = gre_ka_alloc_skb(ka, &pp);
	if (!gre_ka_line_tick(ka, p, now, &tr)) {
		kfree_skb(skb);
		return;
	}
	if (!skb) {
		gre_ka_line_unsent(ka, p);
		return;
	}
	gre_ka_build_skb(ka, skb, &pp, &tr);
	if (gre_ka_tx_inner(ka, &prm->t, &p->nbma, skb))
		gre_ka_line_unsent(ka, p);
}

static u64 gre_ka_slack_ns(u64 interval)
{
	return min_t(u64, interval >> GRE_KA_SLACK_SHIFT,
		     GRE_KA_SLACK_MAX_MS * NSEC_PER_MSEC);
}

/*
 * interval after the expiry that was due at due; from now if that has
 * passed too (the timer ran a whole interval late: no catching up).
 */
static u64 gre_ka_after(u64 due, u64 now, u64 interval)
{
	return due + interval > now ? due + interval : now + interval;
}

/* A point-to-point tunnel: its one peer. Returns when next, 0 for never. */
static u64 gre_ka_timer_one(struct gre_ka_tunnel *ka, struct gre_ka_peer *p,
			    const struct gre_ka_params *prm, u64 due, u64 now)
{
	if (READ_ONCE(ka->conf.enabled)) {
		gre_ka_tick(ka, p, prm, now);
		return gre_ka_after(due, now, (u64)READ_ONCE(ka->conf.period_ms) *
				    NSEC_PER_MSEC);
	}
	return gre_ka_line_expire(ka, p, now);
}

/* A multipoint tunnel's ticks per cycle of period_ms. */
static u32 gre_ka_ticks(u32 period_ms)
{
	return clamp_t(u32, period_ms / GRE_KA_TICK_MIN_MS, 1, GRE_KA_SLOTS);
}

/*
 * A multipoint tunnel: the peers of one part of the cycle. Returns when
 * the next part is due, 0 for never.
 */
static u64 gre_ka_timer_walk(struct gre_ka_tunnel *ka,
			     const struct gre_ka_peers *ps,
			     const struct gre_ka_params *prm, u64 due, u64 now)
{
	bool enabled = READ_ONCE(ka->conf.enabled);
	u32 cycle = READ_ONCE(ka->conf.period_ms);
	struct gre_ka_peer *p;
	u32 ticks, tick, s;

	if (!enabled && !READ_ONCE(ka->conf.passive))
		return 0;
	if (!enabled)
		cycle = min_t(u32, cycle, GRE_KA_PASSIVE_CYCLE_MS);
	ticks = gre_ka_ticks(cycle);
	tick = ka->next_slot < ticks ? ka->next_slot : 0;
	ka->next_slot = (tick + 1) % ticks;

	for (s = tick * ps->nslots / ticks;
	     s < (tick + 1) * ps->nslots / ticks; s++) {
		/* A peer dropped here keeps its way on (hlist_del_rcu()). */
		hlist_for_each_entry_rcu(p, &ps->slots[s], slot) {
			if (!test_bit(GRE_KA_PEER_F_LINKED, &p->flags))
				continue;
			if (READ_ONCE(p->origin) == GRE_KA_PEER_ORIGIN_PASSIVE &&
			    gre_ka_line_forgotten(ka, p, now)) {
				gre_ka_peer_drop(ka, p,
						 GRE_KA_PEER_ORIGIN_PASSIVE);
				continue;
			}
			if (enabled)
				gre_ka_tick(ka, p, prm, now);
			else
				gre_ka_line_expire(ka, p, now);
		}
	}
	return gre_ka_after(due, now, div_u64((u64)cycle * NSEC_PER_MSEC,
					      ticks));
}

static enum hrtimer_restart gre_ka_timer_fn(struct hrtimer *timer)
{
	struct gre_ka_tunnel *ka = container_of(timer, struct gre_ka_tunnel,
						timer);
	u64 due = ktime_to_ns(hrtimer_get_softexpires(timer));
	const struct gre_ka_params *prm;
	const struct gre_ka_peers *ps;
	struct gre_ka_peer *p;
	u64 now = ktime_get_ns(), next = 0;

	rcu_read_lock();
	prm = rcu_dereference(ka->params);
	ps = rcu_dereference(ka->peers);
	/* Closed, and NETDEV_DOWN not yet here to cancel us: send nothing. */
	if (!netif_running(ka->dev) || !ps) {
		next = now + (u64)READ_ONCE(ka->conf.period_ms) * NSEC_PER_MSEC;
	} else if (ps->multipoint) {
		next = gre_ka_timer_walk(ka, ps, prm, due, now);
	} else {
		p = rcu_dereference(ps->one);
		if (p)
			next = gre_ka_timer_one(ka, p, prm, due, now);
	}
	rcu_read_unlock();
	if (!next)
		return HRTIMER_NORESTART;
	/*
	 * Not hrtimer_forward_now(): it counts from the hard expiry, which
	 * slack puts after now when the timer ran early in its range. The
	 * slack is the interval's from when this expiry was due (due <= now).
	 */
	next = max(next, now + NSEC_PER_MSEC);
	hrtimer_set_expires_range_ns(timer, ns_to_ktime(next),
				     gre_ka_slack_ns(next - due));
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
 * first period (of the first tick, multipoint), so that thousands enabled
 * at once do not tick in lockstep; a passive-only one first looks a
 * window after the start, or a second, whichever comes first
 * (gre_ka_line_expire() says why).
 */
void gre_ka_timer_start(struct gre_ka_tunnel *ka)
{
	u32 period = READ_ONCE(ka->conf.period_ms);
	u64 first;

	ASSERT_RTNL();
	if (hrtimer_active(&ka->timer))
		return;
	if (!ka->conf.enabled && !ka->conf.passive)
		return;
	if (gre_ka_multipoint(ka))
		period /= gre_ka_ticks(ka->conf.enabled ? period :
				       min_t(u32, period,
					     GRE_KA_PASSIVE_CYCLE_MS));
	if (ka->conf.enabled || gre_ka_multipoint(ka))
		first = (u64)get_random_u32_below(max(period, 1U)) *
			NSEC_PER_MSEC + get_random_u32_below(NSEC_PER_MSEC);
	else
		first = min(gre_ka_window_ns(&ka->conf,
					     (u64)period * NSEC_PER_MSEC),
			    (u64)NSEC_PER_SEC);
	hrtimer_start_range_ns(&ka->timer, ns_to_ktime(first),
			       gre_ka_slack_ns((u64)period * NSEC_PER_MSEC),
			       HRTIMER_MODE_REL_SOFT);
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
