// SPDX-License-Identifier: GPL-2.0
/*
 * gre_ka line state: everything the timer and the ingress hook share about
 * one peer, under the peer's lock (p->lock). This file is the only one that
 * takes it, so every transition, statistic and tracepoint of a peer
 * happens here, in causal order. What a transition does depends on the
 * kind of tunnel, and on nothing else:
 *  - the one peer of a point-to-point tunnel drives the tunnel's carrier,
 *    which changes only under that lock, from a state-machine transition
 *    (timer: down; reply or request: up) or a reset;
 *  - a peer of a multipoint tunnel never touches the carrier (one peer is
 *    not the tunnel): it is queued for gre_ka_neigh.c, whose work holds
 *    the neighbour entries that map to it failed while it is down, and
 *    gives them back when it is up again.
 *
 * Configuration is not under a peer's lock: it is read with READ_ONCE(),
 * one value at a time. In-flight hook invocations may still run after
 * their hook is unregistered (nf_unregister_net_hook() does not wait for
 * them). They are harmless because every entry point checks, under the
 * peer's lock, whether keepalive is still enabled or passive, and detach
 * clears both before it resets each peer under its lock; the memory is
 * freed only after an RCU grace period.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ktime.h>
#include <linux/netdevice.h>
#include <linux/overflow.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
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

/* What a transition leaves for the caller to announce, lock released. */
struct gre_ka_ev {
	enum { GRE_KA_EV_NONE, GRE_KA_EV_STATE, GRE_KA_EV_PEER } kind;
	union {
		struct gre_ka_info info;
		struct gre_ka_peer_info peer;
	};
};

/* Saturating: a period learned from a peer is its claim, not ours. */
u64 gre_ka_window_ns(const struct gre_ka_conf *conf, u64 period_ns)
{
	u64 w;

	if (check_mul_overflow((u64)conf->retries + 1, period_ns, &w))
		return U64_MAX;
	return w;
}

/* The configuration of this moment, one value at a time. */
static void gre_ka_conf_read(const struct gre_ka_tunnel *ka,
			     struct gre_ka_conf *c)
{
	c->period_ms = READ_ONCE(ka->conf.period_ms);
	c->retries = READ_ONCE(ka->conf.retries);
	c->up_count = READ_ONCE(ka->conf.up_count);
	c->enabled = READ_ONCE(ka->conf.enabled);
	c->reflect = READ_ONCE(ka->conf.reflect);
	c->auth = READ_ONCE(ka->conf.auth);
	c->passive = READ_ONCE(ka->conf.passive);
}

static u64 gre_ka_period_ns(const struct gre_ka_conf *conf)
{
	return (u64)conf->period_ms * NSEC_PER_MSEC;
}

/* What a passive peer is expected to send at: learned, or our own. */
static u64 gre_ka_expected_ns(const struct gre_ka_peer *p,
			      const struct gre_ka_conf *c)
{
	lockdep_assert_held(&p->lock);
	return p->line.learn.est_ns ?: gre_ka_period_ns(c);
}

static bool gre_ka_passive_only(const struct gre_ka_conf *conf)
{
	return conf->passive && !conf->enabled;
}

static bool gre_ka_one(const struct gre_ka_peer *p)
{
	return test_bit(GRE_KA_PEER_F_ONE, &p->flags);
}

/* The device's total, and the peer's own count (under its lock). */
static void gre_ka_count(atomic64_t *total, u64 *own)
{
	atomic64_inc(total);
	(*own)++;
}

/* Add the counters kept outside the lock to a tunnel's snapshot. */
static void gre_ka_totals_read(const struct gre_ka_tunnel *ka,
			       struct gre_ka_stats *st)
{
	const struct gre_ka_atomic_stats *as = &ka->totals;
	int r;

	st->tx = atomic64_read(&as->tx);
	st->rx = atomic64_read(&as->rx);
	st->rx_invalid = atomic64_read(&as->rx_invalid);
	st->reflected = atomic64_read(&as->reflected);
	st->reflect_dropped = atomic64_read(&as->reflect_dropped);
	st->down_transitions = atomic64_read(&as->down_transitions);
	st->up_transitions = atomic64_read(&as->up_transitions);
	st->rx_requests = atomic64_read(&as->rx_requests);
	st->tx_errors = atomic64_read(&as->tx_errors);
	for (r = 0; r < GRE_KA_R_MAX; r++)
		st->refused[r] = atomic64_read(&as->refused[r]);
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

/* A peer's counters: its own, and its refusals (kept outside its lock). */
static void gre_ka_peer_stats_read(const struct gre_ka_peer *p,
				   struct gre_ka_stats *st)
{
	const struct gre_ka_peer_stats *ps = &p->line.stats;
	const atomic64_t *refused;
	int r;

	memset(st, 0, sizeof(*st));
	st->tx = ps->tx;
	st->rx = ps->rx;
	st->reflected = ps->reflected;
	st->rx_requests = ps->rx_requests;
	st->tx_errors = ps->tx_errors;
	st->down_transitions = ps->down_transitions;
	st->up_transitions = ps->up_transitions;
	rcu_read_lock();
	refused = rcu_dereference(p->refused);
	for (r = GRE_KA_R_FIRST; refused && r < GRE_KA_R_MAX; r++) {
		st->refused[r] = atomic64_read(&refused[r]);
		if (gre_ka_reason_is_reply(r))
			st->rx_invalid += st->refused[r];
		if (gre_ka_reason_unanswered(r))
			st->reflect_dropped += st->refused[r];
	}
	rcu_read_unlock();
}

static void gre_ka_line_peer_info_locked(struct gre_ka_tunnel *ka,
					 struct gre_ka_peer *p,
					 const struct gre_ka_conf *c,
					 struct gre_ka_peer_info *pi, u64 now)
{
	const struct gre_ka_line *l = &p->line;

	lockdep_assert_held(&p->lock);
	pi->family = ka->ops->family;
	pi->nbma = p->nbma;
	pi->origin = READ_ONCE(p->origin);
	pi->running = c->enabled || c->passive;
	pi->down = l->fsm.down;
	pi->counter = l->fsm.counter;
	pi->up_needed = gre_ka_fsm_up_needed(&l->fsm, c->up_count);
	pi->last_change_ms = div_u64(now - l->last_change_ns, NSEC_PER_MSEC);
	pi->cause = l->cause;
	pi->peer_period_ms = div_u64(l->learn.est_ns + NSEC_PER_MSEC / 2,
				     NSEC_PER_MSEC);
	pi->rtt = l->rtt;
	gre_ka_peer_stats_read(p, &pi->stats);
	pi->neighs = READ_ONCE(p->nbinds);
	pi->neighs_held = READ_ONCE(p->nheld);
}

/* A point-to-point tunnel: the tunnel's snapshot is its peer's. */
static void gre_ka_line_info_one(struct gre_ka_tunnel *ka,
				 struct gre_ka_peer *p,
				 struct gre_ka_info *info, u64 now)
{
	const struct gre_ka_line *l = &p->line;

	lockdep_assert_held(&p->lock);
	info->down = l->fsm.down;
	if (!info->conf.enabled && !info->conf.passive)
		info->state = "disabled";
	else
		info->state = l->fsm.down ? "down" : "up";
	info->counter = l->fsm.counter;
	info->up_needed = gre_ka_fsm_up_needed(&l->fsm, info->conf.up_count);
	info->last_change_ms = div_u64(now - l->last_change_ns, NSEC_PER_MSEC);
	info->cause = l->cause;
	info->peer_period_ms = div_u64(l->learn.est_ns + NSEC_PER_MSEC / 2,
				       NSEC_PER_MSEC);
	info->rtt = l->rtt;
	info->multipoint = false;
	info->npeers = 1;
	info->npeers_down = l->fsm.down;
	gre_ka_totals_read(ka, &info->stats);
}

/*
 * A hub's peers may go down by the thousand at once (its uplink failed):
 * their lines in the log are rate-limited, the events and counters not.
 */
static void gre_ka_peer_log(struct gre_ka_tunnel *ka, struct gre_ka_peer *p,
			    bool down, enum gre_ka_cause cause)
{
	const char *state = down ? "down" : "up";

	if (!net_ratelimit())
		return;
	if (ka->ops->family == AF_INET6)
		netdev_info(ka->dev, "keepalive: peer %pI6c: line protocol changed state to %s (%s)\n",
			    &p->nbma.ip6, state, gre_ka_cause_name(cause));
	else
		netdev_info(ka->dev, "keepalive: peer %pI4: line protocol changed state to %s (%s)\n",
			    &p->nbma.ip, state, gre_ka_cause_name(cause));
}

/*
 * Apply a state-machine transition. Returns true if ev now holds what the
 * caller must announce once the lock is released.
 */
static bool gre_ka_line_apply(struct gre_ka_tunnel *ka, struct gre_ka_peer *p,
			      const struct gre_ka_conf *c,
			      enum gre_ka_transition t, u64 now_ns,
			      enum gre_ka_cause cause, struct gre_ka_ev *ev)
{
	struct gre_ka_line *l = &p->line;
	bool down = t == GRE_KA_GO_DOWN;

	lockdep_assert_held(&p->lock);
	if (t == GRE_KA_STAY)
		return false;
	trace_gre_ka_state_change(ka->dev, ka->ops->family, &p->nbma, !down,
				  l->fsm.counter,
				  gre_ka_fsm_up_needed(&l->fsm, c->up_count),
				  cause);
	l->last_change_ns = now_ns;
	l->cause = cause;
	if (down)
		gre_ka_count(&ka->totals.down_transitions, &p->line.stats.down_transitions);
	else
		gre_ka_count(&ka->totals.up_transitions, &p->line.stats.up_transitions);

	if (!gre_ka_one(p)) {
		/* One peer is not the tunnel: its neighbour entries are. */
		gre_ka_neigh_queue(ka, p);
		gre_ka_peer_log(ka, p, down, cause);
		if (!gre_ka_event_wanted(ka))
			return false;
		ev->kind = GRE_KA_EV_PEER;
		gre_ka_line_peer_info_locked(ka, p, c, &ev->peer, now_ns);
		return true;
	}

	if (down) {
		netif_carrier_off(ka->dev);
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
		netdev_info(ka->dev,
			    "keepalive: line protocol changed state to up%s\n",
			    cause == GRE_KA_CAUSE_REQUEST ?
			    " (keepalives from the peer)" : "");
	}
	if (!gre_ka_event_wanted(ka))
		return false;
	ev->kind = GRE_KA_EV_STATE;
	ev->info.conf = *c;
	gre_ka_line_info_one(ka, p, &ev->info, now_ns);
	return true;
}

static void gre_ka_line_announce(struct gre_ka_tunnel *ka,
				 const struct gre_ka_ev *ev)
{
	if (ev->kind == GRE_KA_EV_STATE)
		gre_ka_event_state(ka, &ev->info);
	else if (ev->kind == GRE_KA_EV_PEER)
		gre_ka_event_peer(ka, &ev->peer);
}

void gre_ka_line_init(struct gre_ka_peer *p, u64 now_ns)
{
	struct gre_ka_line *l = &p->line;

	memset(l, 0, sizeof(*l));
	gre_ka_fsm_reset(&l->fsm);
	gre_ka_bucket_init(&l->bucket, now_ns, GRE_KA_REFLECT_BURST);
	l->last_change_ns = now_ns;
	l->req_last_ns = now_ns;
}
EXPORT_SYMBOL_IF_KUNIT(gre_ka_line_init);

/*
 * Forget the line-protocol state; give the carrier back if we took it
 * (a multipoint peer that was down: its neighbour entries).
 */
static void gre_ka_line_reset(struct gre_ka_tunnel *ka, struct gre_ka_peer *p,
			      bool new_session, bool restore_carrier,
			      enum gre_ka_cause cause)
{
	struct gre_ka_line *l = &p->line;
	struct gre_ka_ev ev = {};
	struct gre_ka_conf c;
	u64 now;

	gre_ka_conf_read(ka, &c);
	spin_lock_bh(&p->lock);
	now = ktime_get_ns();
	if (l->fsm.down && restore_carrier) {
		if (gre_ka_one(p)) {
			netif_carrier_on(ka->dev);
			if (gre_ka_event_wanted(ka))
				ev.kind = GRE_KA_EV_STATE;
		} else {
			gre_ka_neigh_queue(ka, p);
			if (gre_ka_event_wanted(ka))
				ev.kind = GRE_KA_EV_PEER;
		}
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
	if (ev.kind == GRE_KA_EV_STATE) {
		ev.info.conf = c;
		gre_ka_line_info_one(ka, p, &ev.info, now);
	} else if (ev.kind == GRE_KA_EV_PEER) {
		gre_ka_line_peer_info_locked(ka, p, &c, &ev.peer, now);
	}
	spin_unlock_bh(&p->lock);
	gre_ka_line_announce(ka, &ev);
}

void gre_ka_line_start(struct gre_ka_tunnel *ka, struct gre_ka_peer *p,
		       bool new_session, bool restore_carrier)
{
	gre_ka_line_reset(ka, p, new_session, restore_carrier,
			  GRE_KA_CAUSE_START);
}

void gre_ka_line_stop(struct gre_ka_tunnel *ka, struct gre_ka_peer *p,
		      bool restore_carrier)
{
	gre_ka_line_reset(ka, p, false, restore_carrier, GRE_KA_CAUSE_STOP);
}

/*
 * One period of an enabled tunnel, for one peer: apply the state machine,
 * then seal the keepalive to send it, counted in tx. False if keepalive
 * was disabled meanwhile. The caller holds rcu_read_lock() for the session.
 */
bool gre_ka_line_tick(struct gre_ka_tunnel *ka, struct gre_ka_peer *p,
		      u64 now_ns, struct gre_ka_trailer *tr)
{
	struct gre_ka_line *l = &p->line;
	const struct gre_ka_session *s;
	enum gre_ka_transition t;
	struct gre_ka_ev ev = {};
	struct gre_ka_conf c;
	bool event;

	gre_ka_conf_read(ka, &c);
	spin_lock(&p->lock);
	s = rcu_dereference(ka->session);
	if (!READ_ONCE(ka->conf.enabled) || !s) {
		spin_unlock(&p->lock);
		return false;
	}
	t = gre_ka_fsm_tick(&l->fsm, c.retries);
	event = gre_ka_line_apply(ka, p, &c, t, now_ns,
				  GRE_KA_CAUSE_UNANSWERED, &ev);
	gre_ka_trailer_seal(tr, ++l->tx_seq, now_ns, &s->key, ka->ops->family,
			    &p->nbma);
	gre_ka_count(&ka->totals.tx, &p->line.stats.tx);
	trace_gre_ka_send(ka->dev, ka->ops->family, &p->nbma, l->tx_seq,
			  l->fsm.counter, l->fsm.down);
	spin_unlock(&p->lock);
	if (event)
		gre_ka_line_announce(ka, &ev);
	return true;
}

/*
 * The keepalive gre_ka_line_tick() counted could not be sent after all
 * (no memory, no way out): moved from tx to tx_errors. Only failures pay
 * for the second lock.
 */
void gre_ka_line_unsent(struct gre_ka_tunnel *ka, struct gre_ka_peer *p)
{
	spin_lock(&p->lock);
	atomic64_dec(&ka->totals.tx);
	p->line.stats.tx--;
	gre_ka_count(&ka->totals.tx_errors, &p->line.stats.tx_errors);
	spin_unlock(&p->lock);
}

/*
 * The timer of a passive-only tunnel, for one peer: down when no valid
 * request arrived for (retries + 1) periods of the peer. Returns when to
 * look again, or 0 if the tunnel is not passive-only any more.
 */
u64 gre_ka_line_expire(struct gre_ka_tunnel *ka, struct gre_ka_peer *p,
		       u64 now_ns)
{
	struct gre_ka_line *l = &p->line;
	enum gre_ka_transition t;
	u64 expected, deadline;
	struct gre_ka_ev ev = {};
	struct gre_ka_conf c;
	bool event;

	gre_ka_conf_read(ka, &c);
	spin_lock(&p->lock);
	if (!gre_ka_passive_only(&c)) {
		spin_unlock(&p->lock);
		return 0;
	}
	expected = gre_ka_expected_ns(p, &c);
	deadline = gre_ka_add_sat(l->req_last_ns,
				  gre_ka_add_sat(gre_ka_window_ns(&c, expected),
						 expected / GRE_KA_PASSIVE_GRACE_DIV));
	if (now_ns > l->req_last_ns)
		l->fsm.counter = div64_u64(now_ns - l->req_last_ns, expected);
	if (now_ns < deadline) {
		spin_unlock(&p->lock);
		return min(deadline, now_ns + GRE_KA_PASSIVE_POLL_NS);
	}
	t = gre_ka_fsm_expire(&l->fsm);
	event = gre_ka_line_apply(ka, p, &c, t, now_ns, GRE_KA_CAUSE_SILENT,
				  &ev);
	spin_unlock(&p->lock);
	if (event)
		gre_ka_line_announce(ka, &ev);
	/* While down only the counter changes. */
	return now_ns + min(expected, GRE_KA_PASSIVE_POLL_NS);
}

/*
 * A peer learned passively that has been silent so long that it is
 * forgotten (a multipoint hub must not keep every source that ever sent
 * a keepalive): down, for as long as a replay guard is kept.
 */
bool gre_ka_line_forgotten(struct gre_ka_tunnel *ka, struct gre_ka_peer *p,
			   u64 now_ns)
{
	struct gre_ka_conf c;
	u64 forget;
	bool gone;

	gre_ka_conf_read(ka, &c);
	spin_lock(&p->lock);
	forget = max(GRE_KA_PASSIVE_FORGET_NS, GRE_KA_PASSIVE_FORGET_WINDOWS *
		     gre_ka_window_ns(&c, gre_ka_expected_ns(p, &c)));
	gone = p->line.fsm.down && now_ns > p->line.req_last_ns &&
	       now_ns - p->line.req_last_ns > forget;
	spin_unlock(&p->lock);
	return gone;
}

/* A reply refused, counted without the lock. */
static int gre_ka_line_reply_refused(struct gre_ka_tunnel *ka,
				     struct gre_ka_peer *p,
				     enum gre_ka_reason r, unsigned int len)
{
	gre_ka_line_refused(ka, p, r, ka->ops->family, len);
	trace_gre_ka_reply(ka->dev, ka->ops->family, p ? &p->nbma : NULL, r,
			   false, 0, -1);
	netdev_dbg(ka->dev, "keepalive reply refused (%s, len %u)\n",
		   gre_ka_reason_name(r), len);
	return 0;
}

/*
 * A reply of peer p: r is the verdict of its MAC under session s, taken
 * without the lock. Returns 1 if accepted, 0 if refused, -1 if keepalive
 * is off (the packet is then none of our business).
 */
int gre_ka_line_reply(struct gre_ka_tunnel *ka, struct gre_ka_peer *p,
		      const struct gre_ka_session *s,
		      const struct gre_ka_trailer *tr, enum gre_ka_reason r,
		      unsigned int len, u64 now_ns)
{
	struct gre_ka_line *l = &p->line;
	enum gre_ka_transition t;
	struct gre_ka_ev ev = {};
	struct gre_ka_conf c;
	bool event;
	u64 rtt = 0;

	gre_ka_conf_read(ka, &c);
	if (!c.enabled)
		return -1;
	/* Whoever forges replies never gets as far as the lock. */
	if (r != GRE_KA_R_OK && c.auth)
		return gre_ka_line_reply_refused(ka, p, r, len);

	spin_lock(&p->lock);
	if (!READ_ONCE(ka->conf.enabled)) {
		spin_unlock(&p->lock);
		return -1;
	}
	/* Verified under a key that a re-enable has replaced since. */
	if (r == GRE_KA_R_OK && s != rcu_access_pointer(ka->session))
		r = GRE_KA_R_REPLY_BAD_MAC;
	if (r == GRE_KA_R_OK)
		r = gre_ka_trailer_fresh(tr, l->rx_seq, now_ns,
					 gre_ka_window_ns(&c,
							  gre_ka_period_ns(&c)));
	if (r == GRE_KA_R_OK) {
		l->rx_seq = ntohl(tr->seq);
		rtt = now_ns - be64_to_cpu(tr->tx_ns);
		gre_ka_rtt_update(&l->rtt, rtt);
	} else if (c.auth) {
		spin_unlock(&p->lock);
		return gre_ka_line_reply_refused(ka, p, r, len);
	}
	gre_ka_count(&ka->totals.rx, &p->line.stats.rx);
	/* Traced before the state change it causes. */
	trace_gre_ka_reply(ka->dev, ka->ops->family, &p->nbma, r, true,
			   r == GRE_KA_R_OK ? l->rx_seq : 0,
			   r == GRE_KA_R_OK ? (s64)rtt : -1);
	t = gre_ka_fsm_reply(&l->fsm, c.up_count);
	event = gre_ka_line_apply(ka, p, &c, t, now_ns, GRE_KA_CAUSE_REPLY,
				  &ev);
	spin_unlock(&p->lock);
	if (event)
		gre_ka_line_announce(ka, &ev);
	netdev_dbg(ka->dev, "keepalive reply received (len %u)\n", len);
	return 1;
}

/*
 * A valid request of peer p (its keepalive, addresses and key checked):
 * the replay guard for ours, the period learner, and with passive the
 * line. Returns GRE_KA_R_OK, or GRE_KA_R_REQ_REPLAY for one of ours that
 * the guard refuses (not newer than the last one seen, or newer than the
 * time since explains: gre_ka_guard_check()): still answered (the peer's
 * own check refuses it if it was not its own), but no proof that the path
 * works. The guard is forgotten after a long silence, so that a peer that
 * rebooted (its clock and sequence start again) is believed again.
 */
enum gre_ka_reason gre_ka_line_request(struct gre_ka_tunnel *ka,
				       struct gre_ka_peer *p,
				       const struct gre_ka_request *rq,
				       u64 now_ns)
{
	struct gre_ka_line *l = &p->line;
	enum gre_ka_transition t;
	u64 expected, forget, dt = 0;
	struct gre_ka_ev ev = {};
	struct gre_ka_conf c;
	enum gre_ka_reason r;
	bool event = false;
	u32 k = 0;

	gre_ka_conf_read(ka, &c);
	spin_lock(&p->lock);
	expected = gre_ka_expected_ns(p, &c);
	forget = max(GRE_KA_PASSIVE_FORGET_NS, GRE_KA_PASSIVE_FORGET_WINDOWS *
		     gre_ka_window_ns(&c, expected));
	if (rq->ours) {
		r = gre_ka_guard_check(&l->guard, rq->seq, rq->tx_ns, now_ns,
				       max(expected / GRE_KA_PASSIVE_GRACE_DIV,
					   GRE_KA_GUARD_SLACK_MIN_NS),
				       forget, &k, &dt);
		if (r != GRE_KA_R_OK) {
			spin_unlock(&p->lock);
			gre_ka_line_refused(ka, p, r, ka->ops->family, rq->len);
			return r;
		}
	}

	if (k)
		gre_ka_learn_sample(&l->learn, dt, k);
	else if (l->req_seen && now_ns > l->req_last_ns)
		gre_ka_learn_sample(&l->learn, now_ns - l->req_last_ns, 0);
	/* A gap of more than 1.5 periods: one went missing on the way. */
	if (c.passive && now_ns - l->req_last_ns > expected + expected / 2)
		l->fsm.streak = 0;
	l->req_seen = true;
	l->req_last_ns = now_ns;
	gre_ka_count(&ka->totals.rx_requests, &p->line.stats.rx_requests);
	trace_gre_ka_request(ka->dev, ka->ops->family, &p->nbma, rq->len,
			     GRE_KA_R_OK, rq->ours, rq->seq, l->learn.est_ns);
	if (c.passive) {
		t = gre_ka_fsm_reply(&l->fsm, c.up_count);
		event = gre_ka_line_apply(ka, p, &c, t, now_ns,
					  GRE_KA_CAUSE_REQUEST, &ev);
	}
	spin_unlock(&p->lock);
	if (event)
		gre_ka_line_announce(ka, &ev);
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

bool gre_ka_line_reflect_allowed(struct gre_ka_peer *p, u64 now_ns)
{
	bool ok;

	spin_lock(&p->lock);
	ok = gre_ka_bucket_take(&p->line.bucket, now_ns, GRE_KA_REFLECT_RATE,
				GRE_KA_REFLECT_BURST);
	spin_unlock(&p->lock);
	return ok;
}

/*
 * A peer's refusal counters, made at its first refusal (most peers never
 * have one). GFP_ATOMIC: the hook. If that fails, the tunnel's totals
 * still count it.
 */
static atomic64_t *gre_ka_peer_refused(struct gre_ka_peer *p)
{
	atomic64_t *r = rcu_dereference(p->refused), *old;

	if (r)
		return r;
	r = kcalloc(GRE_KA_R_MAX, sizeof(*r), GFP_ATOMIC);
	if (!r)
		return NULL;
	old = cmpxchg((atomic64_t __force **)&p->refused, NULL, r);
	if (old) {
		kfree(r);
		return old;
	}
	return r;
}

/*
 * Count a request or reply that was not accepted, by reason, for the
 * tunnel and (when known) the peer it came from; no lock. Under RCU.
 */
void gre_ka_line_refused(struct gre_ka_tunnel *ka, struct gre_ka_peer *p,
			 enum gre_ka_reason r, unsigned short family,
			 unsigned int len)
{
	struct gre_ka_atomic_stats *as = &ka->totals;
	atomic64_t *pr;

	if (r <= GRE_KA_R_NOT_KEEPALIVE || r >= GRE_KA_R_MAX)
		return;
	atomic64_inc(&as->refused[r]);
	if (p) {
		pr = gre_ka_peer_refused(p);
		if (pr)
			atomic64_inc(&pr[r]);
	}
	if (gre_ka_reason_is_reply(r))
		atomic64_inc(&as->rx_invalid);
	if (gre_ka_reason_unanswered(r)) {
		atomic64_inc(&as->reflect_dropped);
		trace_gre_ka_reflect(ka->dev, family, p ? &p->nbma : NULL, len,
				     gre_ka_reason_err(r), r, false);
	} else if (!gre_ka_reason_is_reply(r)) {
		trace_gre_ka_request(ka->dev, family, p ? &p->nbma : NULL, len,
				     r, false, 0,
				     p ? READ_ONCE(p->line.learn.est_ns) : 0);
	}
	netdev_dbg(ka->dev, "peer keepalive not answered (%s, len %u)\n",
		   gre_ka_reason_name(r), len);
}

void gre_ka_line_reflected(struct gre_ka_tunnel *ka, struct gre_ka_peer *p,
			   unsigned short family, unsigned int len,
			   bool overlay)
{
	spin_lock(&p->lock);
	gre_ka_count(&ka->totals.reflected, &p->line.stats.reflected);
	spin_unlock(&p->lock);
	trace_gre_ka_reflect(ka->dev, family, &p->nbma, len, 0, GRE_KA_R_OK,
			     overlay);
}

/*
 * A tunnel's snapshot. A point-to-point tunnel's line is its peer's; a
 * multipoint tunnel's own line is up (one peer is not the tunnel), its
 * round-trip times those of all its peers together.
 */
void gre_ka_line_info(struct gre_ka_tunnel *ka, struct gre_ka_info *info)
{
	const struct gre_ka_peers *ps;
	struct gre_ka_peer *p = NULL;
	u32 slot = 0, navg = 0;
	u64 avg_sum = 0;

	memset(info, 0, sizeof(*info));
	spin_lock_bh(&ka->lock);
	info->conf = ka->conf;
	spin_unlock_bh(&ka->lock);

	rcu_read_lock();
	ps = rcu_dereference(ka->peers);
	if (ps && !ps->multipoint) {
		p = rcu_dereference(ps->one);
		if (p) {
			spin_lock_bh(&p->lock);
			/* Read under the lock: never before its last stamp. */
			gre_ka_line_info_one(ka, p, info, ktime_get_ns());
			spin_unlock_bh(&p->lock);
			rcu_read_unlock();
			return;
		}
	}

	info->multipoint = ps && ps->multipoint;
	info->state = info->conf.enabled || info->conf.passive ? "up" :
								  "disabled";
	info->cause = GRE_KA_CAUSE_NONE;
	while (ps && (p = gre_ka_peer_next(ps, &slot, p))) {
		const struct gre_ka_rtt *r = &p->line.rtt;

		spin_lock_bh(&p->lock);
		info->npeers++;
		info->npeers_down += p->line.fsm.down;
		if (r->max) {
			if (!info->rtt.max || r->min < info->rtt.min)
				info->rtt.min = r->min;
			info->rtt.max = max(info->rtt.max, r->max);
			avg_sum += r->avg;
			navg++;
		}
		spin_unlock_bh(&p->lock);
	}
	rcu_read_unlock();
	if (navg)
		info->rtt.avg = div_u64(avg_sum, navg);
	gre_ka_totals_read(ka, &info->stats);
}

void gre_ka_line_peer_info(struct gre_ka_tunnel *ka, struct gre_ka_peer *p,
			   struct gre_ka_peer_info *pi)
{
	struct gre_ka_conf c;

	gre_ka_conf_read(ka, &c);
	spin_lock_bh(&p->lock);
	gre_ka_line_peer_info_locked(ka, p, &c, pi, ktime_get_ns());
	spin_unlock_bh(&p->lock);
}
