// SPDX-License-Identifier: GPL-2.0
/*
 * gre_ka line state: everything the timer and the ingress hook share, under
 * the tunnel's lock (ka->lock). This file is the only one that takes the
 * lock for runtime state (gre_ka_ctl.c takes it only to publish
 * configuration), so every carrier transition, statistic and tracepoint
 * happens here, in causal order, and the carrier always matches the state
 * machine: it changes only under the lock, from a state-machine transition
 * (timer: down, reply or request: up) or a reset.
 *
 * In-flight hook invocations may still run after their hook is
 * unregistered (nf_unregister_net_hook() does not wait for them). They
 * are harmless because every entry point checks, under the lock, whether
 * keepalive is still enabled or passive, and detach clears both under the
 * lock before it gives the carrier back; the memory is freed only after an
 * RCU grace period.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ktime.h>
#include <linux/netdevice.h>
#include <linux/overflow.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>

#include "gre_ka.h"

#define CREATE_TRACE_POINTS
#include "gre_ka_trace.h"

/*
 * Passive: a request arriving up to a quarter period late (jitter) is not
 * a lost one, and a replay guard is forgotten once the line has been down
 * this long (a peer that rebooted restarts its clock and sequence).
 */
#define GRE_KA_PASSIVE_GRACE_DIV	4
/*
 * The hook may not re-arm the timer (only RTNL holders start it), so a
 * passive timer looks at least this often: a peer that shortens its
 * period, or one learned after a long first wait, is still timed right.
 */
#define GRE_KA_PASSIVE_POLL_NS		NSEC_PER_SEC
#define GRE_KA_PASSIVE_FORGET_NS	(30ULL * NSEC_PER_SEC)
#define GRE_KA_PASSIVE_FORGET_WINDOWS	8
/*
 * How much earlier than any before it a request of ours may arrive: a
 * quarter period, but no less than jitter under load is seen to be (tens
 * of ms in an emulated VM). A forged one can gain that much on the
 * genuine ones, which at a quarter period costs at most one of them.
 */
#define GRE_KA_GUARD_SLACK_MIN_NS	(20ULL * NSEC_PER_MSEC)

/* Saturating: a period learned from a peer is its claim, not ours. */
u64 gre_ka_window_ns(const struct gre_ka_conf *conf, u64 period_ns)
{
	u64 w;

	if (check_mul_overflow((u64)conf->retries + 1, period_ns, &w))
		return U64_MAX;
	return w;
}

static u64 gre_ka_period_ns(const struct gre_ka_conf *conf)
{
	return (u64)conf->period_ms * NSEC_PER_MSEC;
}

/* What a passive tunnel expects between requests: learned, or its own. */
static u64 gre_ka_expected_ns(const struct gre_ka_tunnel *ka)
{
	lockdep_assert_held(&ka->lock);
	return ka->line.learn.est_ns ?: gre_ka_period_ns(&ka->conf);
}

static bool gre_ka_passive_only(const struct gre_ka_conf *conf)
{
	return conf->passive && !conf->enabled;
}

/* Add the counters kept outside the lock to a snapshot. */
static void gre_ka_line_atomic_stats(struct gre_ka_tunnel *ka,
				     struct gre_ka_stats *st)
{
	const struct gre_ka_atomic_stats *as = &ka->astats;
	int r;

	st->rx_invalid = atomic64_read(&as->rx_invalid);
	st->reflected = atomic64_read(&as->reflected);
	st->reflect_dropped = atomic64_read(&as->reflect_dropped);
	for (r = 0; r < GRE_KA_R_MAX; r++)
		st->refused[r] = atomic64_read(&as->refused[r]);
}

static void gre_ka_line_info_locked(struct gre_ka_tunnel *ka,
				    struct gre_ka_info *info, u64 now)
{
	const struct gre_ka_line *l = &ka->line;

	lockdep_assert_held(&ka->lock);
	info->conf = ka->conf;
	info->down = l->fsm.down;
	if (!ka->conf.enabled && !ka->conf.passive)
		info->state = "disabled";
	else
		info->state = l->fsm.down ? "down" : "up";
	info->counter = l->fsm.counter;
	info->up_needed = gre_ka_fsm_up_needed(&l->fsm, ka->conf.up_count);
	info->last_change_ms = div_u64(now - l->last_change_ns, NSEC_PER_MSEC);
	info->cause = l->cause;
	info->peer_period_ms = div_u64(l->learn.est_ns + NSEC_PER_MSEC / 2,
				       NSEC_PER_MSEC);
	info->rtt = l->rtt;
	info->stats = l->stats;
	gre_ka_line_atomic_stats(ka, &info->stats);
}

/*
 * Apply a state-machine transition to the carrier. Returns true if ev now
 * holds the state of this moment for an event, to be sent by the caller
 * once the lock is released.
 */
static bool gre_ka_line_apply(struct gre_ka_tunnel *ka,
			      enum gre_ka_transition t, u64 now_ns,
			      enum gre_ka_cause cause, struct gre_ka_info *ev)
{
	struct gre_ka_line *l = &ka->line;

	lockdep_assert_held(&ka->lock);
	if (t == GRE_KA_STAY)
		return false;
	trace_gre_ka_state_change(ka->dev, t == GRE_KA_GO_UP, l->fsm.counter,
				  gre_ka_fsm_up_needed(&l->fsm,
						       ka->conf.up_count),
				  cause);
	l->last_change_ns = now_ns;
	l->cause = cause;
	if (t == GRE_KA_GO_DOWN) {
		netif_carrier_off(ka->dev);
		l->stats.down_transitions++;
		if (cause == GRE_KA_CAUSE_SILENT)
			netdev_info(ka->dev,
				    "keepalive: line protocol changed state to down (no keepalive from the peer for %llu ms)\n",
				    div_u64(now_ns - l->req_last_ns,
					    NSEC_PER_MSEC));
		else
			/* The counter includes the keepalive now being sent. */
			netdev_info(ka->dev,
				    "keepalive: line protocol changed state to down (%u keepalives unanswered)\n",
				    l->fsm.counter - 1);
	} else {
		netif_carrier_on(ka->dev);
		l->stats.up_transitions++;
		netdev_info(ka->dev,
			    "keepalive: line protocol changed state to up%s\n",
			    cause == GRE_KA_CAUSE_REQUEST ?
			    " (keepalives from the peer)" : "");
	}
	if (!gre_ka_event_wanted(ka))
		return false;
	gre_ka_line_info_locked(ka, ev, now_ns);
	return true;
}

void gre_ka_line_init(struct gre_ka_tunnel *ka, u64 now_ns)
{
	struct gre_ka_line *l = &ka->line;

	memset(l, 0, sizeof(*l));
	gre_ka_fsm_reset(&l->fsm);
	gre_ka_bucket_init(&l->bucket, now_ns, GRE_KA_REFLECT_BURST);
	l->last_change_ns = now_ns;
}

/* Forget the line-protocol state; give the carrier back if we took it. */
static void gre_ka_line_reset(struct gre_ka_tunnel *ka, bool new_session,
			      bool restore_carrier, enum gre_ka_cause cause)
{
	struct gre_ka_line *l = &ka->line;
	struct gre_ka_info ev;
	bool event = false;
	u64 now;

	spin_lock_bh(&ka->lock);
	now = ktime_get_ns();
	if (l->fsm.down && restore_carrier) {
		netif_carrier_on(ka->dev);
		event = gre_ka_event_wanted(ka);
	}
	gre_ka_fsm_reset(&l->fsm);
	l->last_change_ns = now;
	l->cause = cause;
	/* Until a request arrives, one is expected a window from now. */
	l->req_last_ns = now;
	l->req_seen = false;
	if (new_session) {
		l->tx_seq = 0;
		l->rx_seq = 0;
		gre_ka_guard_reset(&l->guard);
		gre_ka_learn_reset(&l->learn);
	}
	if (event)
		gre_ka_line_info_locked(ka, &ev, now);
	spin_unlock_bh(&ka->lock);
	if (event)
		gre_ka_event_state(ka, &ev);
}

void gre_ka_line_start(struct gre_ka_tunnel *ka, bool new_session,
		       bool restore_carrier)
{
	gre_ka_line_reset(ka, new_session, restore_carrier, GRE_KA_CAUSE_START);
}

void gre_ka_line_stop(struct gre_ka_tunnel *ka, bool restore_carrier)
{
	gre_ka_line_reset(ka, false, restore_carrier, GRE_KA_CAUSE_STOP);
}

/*
 * One period of an enabled tunnel: apply the state machine, then seal the
 * keepalive to send. False if keepalive was disabled meanwhile. The
 * caller holds rcu_read_lock() for the session.
 */
bool gre_ka_line_tick(struct gre_ka_tunnel *ka, u64 now_ns,
		      struct gre_ka_trailer *tr)
{
	struct gre_ka_line *l = &ka->line;
	const struct gre_ka_session *s;
	enum gre_ka_transition t;
	struct gre_ka_info ev;
	bool event;

	spin_lock(&ka->lock);
	s = rcu_dereference(ka->session);
	if (!ka->conf.enabled || !s) {
		spin_unlock(&ka->lock);
		return false;
	}
	t = gre_ka_fsm_tick(&l->fsm, ka->conf.retries);
	event = gre_ka_line_apply(ka, t, now_ns, GRE_KA_CAUSE_UNANSWERED, &ev);
	gre_ka_trailer_seal(tr, ++l->tx_seq, now_ns, &s->key);
	l->stats.tx++;
	trace_gre_ka_send(ka->dev, l->tx_seq, l->fsm.counter, l->fsm.down);
	spin_unlock(&ka->lock);
	if (event)
		gre_ka_event_state(ka, &ev);
	return true;
}

/*
 * The timer of a passive-only tunnel: down when no valid request arrived
 * for (retries + 1) periods of the peer. Returns when to look again, or
 * 0 if the tunnel is not passive-only any more.
 */
u64 gre_ka_line_expire(struct gre_ka_tunnel *ka, u64 now_ns)
{
	struct gre_ka_line *l = &ka->line;
	enum gre_ka_transition t;
	u64 expected, deadline;
	struct gre_ka_info ev;
	bool event;

	spin_lock(&ka->lock);
	if (!gre_ka_passive_only(&ka->conf)) {
		spin_unlock(&ka->lock);
		return 0;
	}
	expected = gre_ka_expected_ns(ka);
	deadline = gre_ka_add_sat(l->req_last_ns,
				  gre_ka_add_sat(gre_ka_window_ns(&ka->conf,
								  expected),
						 expected / GRE_KA_PASSIVE_GRACE_DIV));
	if (now_ns > l->req_last_ns)
		l->fsm.counter = div64_u64(now_ns - l->req_last_ns, expected);
	if (now_ns < deadline) {
		spin_unlock(&ka->lock);
		return min(deadline, now_ns + GRE_KA_PASSIVE_POLL_NS);
	}
	t = gre_ka_fsm_expire(&l->fsm);
	event = gre_ka_line_apply(ka, t, now_ns, GRE_KA_CAUSE_SILENT, &ev);
	spin_unlock(&ka->lock);
	if (event)
		gre_ka_event_state(ka, &ev);
	/* While down only the counter changes. */
	return now_ns + min(expected, GRE_KA_PASSIVE_POLL_NS);
}

static int gre_ka_line_reply_refused(struct gre_ka_tunnel *ka,
				     enum gre_ka_reason r, unsigned int len)
{
	atomic64_inc(&ka->astats.rx_invalid);
	atomic64_inc(&ka->astats.refused[r]);
	trace_gre_ka_reply(ka->dev, r, false, 0, -1);
	netdev_dbg(ka->dev, "keepalive reply refused (%s, len %u)\n",
		   gre_ka_reason_name(r), len);
	return 0;
}

/*
 * A reply: r is the verdict of its MAC under session s, taken without the
 * lock. Returns 1 if accepted, 0 if refused, -1 if keepalive is off (the
 * packet is then none of our business).
 */
int gre_ka_line_reply(struct gre_ka_tunnel *ka, const struct gre_ka_session *s,
		      const struct gre_ka_trailer *tr, enum gre_ka_reason r,
		      unsigned int len, u64 now_ns)
{
	struct gre_ka_line *l = &ka->line;
	enum gre_ka_transition t;
	struct gre_ka_info ev;
	bool event;
	u64 rtt = 0;

	if (!READ_ONCE(ka->conf.enabled))
		return -1;
	/* Whoever forges replies never gets as far as the lock. */
	if (r != GRE_KA_R_OK && READ_ONCE(ka->conf.auth))
		return gre_ka_line_reply_refused(ka, r, len);

	spin_lock(&ka->lock);
	if (!ka->conf.enabled) {
		spin_unlock(&ka->lock);
		return -1;
	}
	/* Verified under a key that a re-enable has replaced since. */
	if (r == GRE_KA_R_OK && s != rcu_access_pointer(ka->session))
		r = GRE_KA_R_REPLY_BAD_MAC;
	if (r == GRE_KA_R_OK)
		r = gre_ka_trailer_fresh(tr, l->rx_seq, now_ns,
					 gre_ka_window_ns(&ka->conf,
							  gre_ka_period_ns(&ka->conf)));
	if (r == GRE_KA_R_OK) {
		l->rx_seq = ntohl(tr->seq);
		rtt = now_ns - be64_to_cpu(tr->tx_ns);
		gre_ka_rtt_update(&l->rtt, rtt);
	} else if (ka->conf.auth) {
		spin_unlock(&ka->lock);
		return gre_ka_line_reply_refused(ka, r, len);
	}
	l->stats.rx++;
	/* Traced before the state change it causes. */
	trace_gre_ka_reply(ka->dev, r, true, r == GRE_KA_R_OK ? l->rx_seq : 0,
			   r == GRE_KA_R_OK ? (s64)rtt : -1);
	t = gre_ka_fsm_reply(&l->fsm, ka->conf.up_count);
	event = gre_ka_line_apply(ka, t, now_ns, GRE_KA_CAUSE_REPLY, &ev);
	spin_unlock(&ka->lock);
	if (event)
		gre_ka_event_state(ka, &ev);
	netdev_dbg(ka->dev, "keepalive reply received (len %u)\n", len);
	return 1;
}

/*
 * A valid request (the peer's keepalive, addresses and key checked): the
 * replay guard for ours, the period learner, and with passive the line.
 * Returns GRE_KA_R_OK, or GRE_KA_R_REQ_REPLAY for one of ours that the
 * guard refuses (not newer than the last one seen, or newer than the time
 * since explains: gre_ka_guard_check()): still answered (the peer's own
 * check refuses it if it was not its own), but no proof that the path
 * works. The guard is forgotten after a long silence, so that a peer
 * that rebooted (its clock and sequence start again) is believed again.
 */
enum gre_ka_reason gre_ka_line_request(struct gre_ka_tunnel *ka,
				       const struct gre_ka_request *rq,
				       u64 now_ns)
{
	struct gre_ka_line *l = &ka->line;
	enum gre_ka_transition t;
	u64 expected, forget, dt = 0;
	enum gre_ka_reason r;
	struct gre_ka_info ev;
	bool event = false;
	u32 k = 0;

	spin_lock(&ka->lock);
	expected = gre_ka_expected_ns(ka);
	forget = max(GRE_KA_PASSIVE_FORGET_NS, GRE_KA_PASSIVE_FORGET_WINDOWS *
		     gre_ka_window_ns(&ka->conf, expected));
	if (rq->ours) {
		r = gre_ka_guard_check(&l->guard, rq->seq, rq->tx_ns, now_ns,
				       max(expected / GRE_KA_PASSIVE_GRACE_DIV,
					   GRE_KA_GUARD_SLACK_MIN_NS),
				       forget, &k, &dt);
		if (r != GRE_KA_R_OK) {
			atomic64_inc(&ka->astats.refused[r]);
			trace_gre_ka_request(ka->dev, ka->ops->family, rq->len,
					     r, true, rq->seq,
					     l->learn.est_ns);
			spin_unlock(&ka->lock);
			return r;
		}
	}

	if (k)
		gre_ka_learn_sample(&l->learn, dt, k);
	else if (l->req_seen && now_ns > l->req_last_ns)
		gre_ka_learn_sample(&l->learn, now_ns - l->req_last_ns, 0);
	/* A gap of more than 1.5 periods: one went missing on the way. */
	if (ka->conf.passive && now_ns - l->req_last_ns > expected + expected / 2)
		l->fsm.streak = 0;
	l->req_seen = true;
	l->req_last_ns = now_ns;
	l->stats.rx_requests++;
	trace_gre_ka_request(ka->dev, ka->ops->family, rq->len, GRE_KA_R_OK,
			     rq->ours, rq->seq, l->learn.est_ns);
	if (ka->conf.passive) {
		t = gre_ka_fsm_reply(&l->fsm, ka->conf.up_count);
		event = gre_ka_line_apply(ka, t, now_ns, GRE_KA_CAUSE_REQUEST,
					  &ev);
	}
	spin_unlock(&ka->lock);
	if (event)
		gre_ka_event_state(ka, &ev);
	return GRE_KA_R_OK;
}

/* errno-style code of a reason, for the reflect tracepoint. */
static int gre_ka_reason_err(enum gre_ka_reason r)
{
	switch (r) {
	case GRE_KA_R_OK:
		return 0;
	case GRE_KA_R_REQ_RATE:
		return -ENOBUFS;
	case GRE_KA_R_REQ_TTL:
		return -ETIMEDOUT;
	case GRE_KA_R_REQ_NO_ROUTE:
		return -ENETUNREACH;
	case GRE_KA_R_REQ_LOOP:
		return -ELOOP;
	case GRE_KA_R_REQ_NOMEM:
		return -ENOMEM;
	default:
		return -EINVAL;
	}
}

/* Refusals after validation: a valid request left unanswered. */
static bool gre_ka_reason_unanswered(enum gre_ka_reason r)
{
	switch (r) {
	case GRE_KA_R_REQ_RATE:
	case GRE_KA_R_REQ_TTL:
	case GRE_KA_R_REQ_NO_ROUTE:
	case GRE_KA_R_REQ_LOOP:
	case GRE_KA_R_REQ_NOMEM:
		return true;
	default:
		return false;
	}
}

bool gre_ka_line_reflect_allowed(struct gre_ka_tunnel *ka, u64 now_ns)
{
	bool ok;

	spin_lock(&ka->lock);
	ok = gre_ka_bucket_take(&ka->line.bucket, now_ns, GRE_KA_REFLECT_RATE,
				GRE_KA_REFLECT_BURST);
	spin_unlock(&ka->lock);
	return ok;
}

/* Count a request or reply that was not accepted, by reason; no lock. */
void gre_ka_line_refused(struct gre_ka_tunnel *ka, enum gre_ka_reason r,
			 unsigned short family, unsigned int len)
{
	struct gre_ka_atomic_stats *as = &ka->astats;

	if (r <= GRE_KA_R_NOT_KEEPALIVE || r >= GRE_KA_R_MAX)
		return;
	atomic64_inc(&as->refused[r]);
	if (gre_ka_reason_is_reply(r))
		atomic64_inc(&as->rx_invalid);
	if (gre_ka_reason_unanswered(r)) {
		atomic64_inc(&as->reflect_dropped);
		trace_gre_ka_reflect(ka->dev, family, len,
				     gre_ka_reason_err(r), r, false);
	} else {
		trace_gre_ka_request(ka->dev, family, len, r, false, 0,
				     READ_ONCE(ka->line.learn.est_ns));
	}
	netdev_dbg(ka->dev, "peer keepalive not answered (%s, len %u)\n",
		   gre_ka_reason_name(r), len);
}

void gre_ka_line_reflected(struct gre_ka_tunnel *ka, unsigned short family,
			   unsigned int len, bool overlay)
{
	atomic64_inc(&ka->astats.reflected);
	trace_gre_ka_reflect(ka->dev, family, len, 0, GRE_KA_R_OK, overlay);
}

void gre_ka_line_info(struct gre_ka_tunnel *ka, struct gre_ka_info *info)
{
	spin_lock_bh(&ka->lock);
	/* Read under the lock: never before the last transition's stamp. */
	gre_ka_line_info_locked(ka, info, ktime_get_ns());
	spin_unlock_bh(&ka->lock);
}
