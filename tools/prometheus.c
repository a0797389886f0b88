// SPDX-License-Identifier: GPL-2.0
/*
 * gre-ka show --format prometheus: the tunnels in Prometheus' text
 * exposition format, for node_exporter's textfile collector
 * (Documentation/monitoring.rst has the metrics and alert rules).
 * Labels: device, and peer (the NBMA address) for the gre_ka_peer_*
 * metrics of multipoint tunnels. Every sample of a metric follows its
 * HELP and TYPE lines, as the format requires; RTTs appear once
 * measured, not as 0.
 */
#include <time.h>

#include "gre-ka.h"
#include "netlink.h"
#include "output.h"
#include "subcommands.h"

/* A tunnel, or one of its peers: what both levels' metrics read. */
struct view {
	const struct tunnel *t;
	const struct peer *p;
	uint32_t stats_present, rtt_present, refused_present;
	const unsigned long long *stats, *rtt, *refused;
};

/* The metric being written: its header goes out before its first sample. */
struct metric {
	struct out *o;
	const char *name, *type, *help;
	bool started;
};

static void label_value(struct out *o, const char *s)
{
	out_c(o, '"');
	for (; *s; s++) {
		if (*s == '\\' || *s == '"') {
			out_c(o, '\\');
			out_c(o, *s);
		} else if (*s == '\n') {
			out_s(o, "\\n");
		} else {
			out_c(o, *s);
		}
	}
	out_c(o, '"');
}

/* name{device="gre1"[,peer="192.0.2.2"][,KEY="VAL"]} */
static void sample_start(struct metric *m, const struct view *v,
			 const char *key, const char *val)
{
	struct out *o = m->o;

	if (!m->started) {
		out_s(o, "# HELP ");
		out_s(o, m->name);
		out_c(o, ' ');
		out_s(o, m->help);
		out_s(o, "\n# TYPE ");
		out_s(o, m->name);
		out_c(o, ' ');
		out_s(o, m->type);
		out_c(o, '\n');
		m->started = true;
	}
	out_s(o, m->name);
	out_s(o, "{device=");
	label_value(o, v->t->name);
	if (v->p) {
		out_s(o, ",peer=\"");
		put_addr(o, v->p->addr, v->p->addr_len);
		out_c(o, '"');
	}
	if (key) {
		out_c(o, ',');
		out_s(o, key);
		out_c(o, '=');
		label_value(o, val);
	}
	out_s(o, "} ");
}

static void sample(struct metric *m, const struct view *v, const char *key,
		   const char *val, unsigned long long x, unsigned int digits)
{
	sample_start(m, v, key, val);
	put_fixed(m->o, x, digits);
	out_c(m->o, '\n');
}

/* The statistics both levels have, by attribute: metric suffix, help. */
static const struct {
	int attr;
	const char *suffix, *help;
} stat_metrics[] = {
	{ GRE_KA_A_STATS_TX, "keepalives_sent_total",
	  "Keepalives sent." },
	{ GRE_KA_A_STATS_TX_ERRORS, "keepalives_unsent_total",
	  "Keepalives not sent: no memory, or the device refused them." },
	{ GRE_KA_A_STATS_RX, "keepalives_received_total",
	  "Valid replies to our keepalives received." },
	{ GRE_KA_A_STATS_RX_INVALID, "replies_invalid_total",
	  "Replies that failed validation (see refused_total)." },
	{ GRE_KA_A_STATS_RX_REQUESTS, "requests_received_total",
	  "Keepalives of the far end received." },
	{ GRE_KA_A_STATS_REFLECTED, "reflected_total",
	  "Keepalives of the far end answered." },
	{ GRE_KA_A_STATS_REFLECT_DROPPED, "reflect_dropped_total",
	  "Keepalives of the far end not answered." },
};

static const struct {
	int attr;
	const char *suffix, *help;
} rtt_metrics[] = {
	{ GRE_KA_A_RTT_LAST, "rtt_last_seconds",
	  "Round-trip time of the last authenticated reply." },
	{ GRE_KA_A_RTT_MIN, "rtt_min_seconds", "Smallest round-trip time." },
	{ GRE_KA_A_RTT_AVG, "rtt_avg_seconds",
	  "Average round-trip time (moving average)." },
	{ GRE_KA_A_RTT_MAX, "rtt_max_seconds", "Largest round-trip time." },
};

static unsigned long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

/* Each view of the list, the tunnels' or their peers'. */
struct views {
	struct view *v;
	size_t n;
};

static void views_fill(struct views *vs, const struct tunnels *ts, bool peers)
{
	size_t i, j, n = 0;

	for (i = 0; i < ts->n; i++)
		n += peers ? ts->v[i].npeers : 1;
	vs->v = n ? xrealloc(NULL, n * sizeof(*vs->v)) : NULL;
	vs->n = 0;
	for (i = 0; i < ts->n; i++) {
		const struct tunnel *t = &ts->v[i];

		if (!peers) {
			vs->v[vs->n++] = (struct view){
				.t = t, .stats = t->stats, .rtt = t->rtt,
				.refused = t->refused,
				.stats_present = t->stats_present,
				.rtt_present = t->rtt_present,
				.refused_present = t->refused_present,
			};
			continue;
		}
		for (j = 0; j < t->npeers; j++) {
			const struct peer *p = &t->peers[j];

			vs->v[vs->n++] = (struct view){
				.t = t, .p = p, .stats = p->stats, .rtt = p->rtt,
				.refused = p->refused,
				.stats_present = p->stats_present,
				.rtt_present = p->rtt_present,
				.refused_present = p->refused_present,
			};
		}
	}
}

/* What tunnels and peers share: counters, refusals, RTTs. */
static void common_metrics(struct out *o, const struct views *vs,
			   const char *prefix)
{
	static const char * const dirs[] = { "down", "up" };
	static const int dir_attr[] = {
		GRE_KA_A_STATS_DOWN_TRANSITIONS, GRE_KA_A_STATS_UP_TRANSITIONS,
	};
	char name[96];
	struct metric m;
	unsigned int k, r;
	size_t i;

	snprintf(name, sizeof(name), "%stransitions_total", prefix);
	m = (struct metric){ o, name, "counter",
		"Line protocol changes, by direction.", false };
	for (i = 0; i < vs->n; i++)
		for (k = 0; k < ARRAY_SIZE(dirs); k++)
			if (vs->v[i].stats_present & BIT(dir_attr[k]))
				sample(&m, &vs->v[i], "direction", dirs[k],
				       vs->v[i].stats[dir_attr[k]], 0);
	for (k = 0; k < ARRAY_SIZE(stat_metrics); k++) {
		snprintf(name, sizeof(name), "%s%s", prefix, stat_metrics[k].suffix);
		m = (struct metric){ o, name, "counter", stat_metrics[k].help, false };
		for (i = 0; i < vs->n; i++)
			if (vs->v[i].stats_present & BIT(stat_metrics[k].attr))
				sample(&m, &vs->v[i], NULL, NULL,
				       vs->v[i].stats[stat_metrics[k].attr], 0);
	}
	snprintf(name, sizeof(name), "%srefused_total", prefix);
	m = (struct metric){ o, name, "counter",
		"Replies not accepted and keepalives not answered, by reason.", false };
	for (i = 0; i < vs->n; i++)
		for (r = 0; r < ARRAY_SIZE(reason_names); r++)
			if (reason_shown(vs->v[i].t, r) &&
			    (vs->v[i].refused_present & BIT(r)))
				sample(&m, &vs->v[i], "reason", reason_names[r],
				       vs->v[i].refused[r], 0);
	for (k = 0; k < ARRAY_SIZE(rtt_metrics); k++) {
		snprintf(name, sizeof(name), "%s%s", prefix, rtt_metrics[k].suffix);
		m = (struct metric){ o, name, "gauge", rtt_metrics[k].help, false };
		for (i = 0; i < vs->n; i++) {
			const struct view *v = &vs->v[i];

			/* No authenticated reply yet: no RTT, rather than 0. */
			if (!(v->rtt_present & BIT(GRE_KA_A_RTT_MAX)) ||
			    !v->rtt[GRE_KA_A_RTT_MAX] ||
			    !(v->rtt_present & BIT(rtt_metrics[k].attr)))
				continue;
			sample(&m, v, NULL, NULL, v->rtt[rtt_metrics[k].attr], 6);
		}
	}
}

static void tunnel_metrics(struct out *o, const struct views *vs,
			   unsigned long long now)
{
	struct metric m;
	size_t i;

#define EACH(cond, val, digits)						\
	for (i = 0; i < vs->n; i++) {					\
		const struct tunnel *t = vs->v[i].t;			\
		if (cond)						\
			sample(&m, &vs->v[i], NULL, NULL, (val), (digits)); \
	}

	m = (struct metric){ o, "gre_ka_admin_up", "gauge",
		"The tunnel device is administratively up (1) or down (0).", false };
	EACH(t->admin_up >= 0, t->admin_up, 0);
	m = (struct metric){ o, "gre_ka_line_protocol_up", "gauge",
		"Line protocol: the keepalive state, else the carrier; 1 up, 0 down.", false };
	EACH(true, !strcmp(line_protocol(t), "up"), 0);
	m = (struct metric){ o, "gre_ka_keepalive_enabled", "gauge",
		"Keepalives are on (1) or off (0).", false };
	EACH(HAS(t, GRE_KA_A_ENABLED), t->enabled, 0);
	m = (struct metric){ o, "gre_ka_passive", "gauge",
		"The line protocol also follows the far end's keepalives.", false };
	EACH(HAS(t, GRE_KA_A_PASSIVE), t->passive, 0);
	m = (struct metric){ o, "gre_ka_period_seconds", "gauge",
		"Keepalive period.", false };
	EACH(HAS(t, GRE_KA_A_PERIOD_MS), t->period_ms, 3);
	m = (struct metric){ o, "gre_ka_retries", "gauge",
		"Unanswered keepalives that take the line protocol down.", false };
	EACH(HAS(t, GRE_KA_A_RETRIES), t->retries, 0);
	m = (struct metric){ o, "gre_ka_unanswered_keepalives", "gauge",
		"Keepalives unanswered since the last valid reply.", false };
	EACH(HAS(t, GRE_KA_A_COUNTER), t->counter, 0);
	m = (struct metric){ o, "gre_ka_last_change_timestamp_seconds", "gauge",
		"When the line protocol last changed (Unix time).", false };
	EACH(HAS(t, GRE_KA_A_LAST_CHANGE_MS) && t->last_change_ms <= now,
	     now - t->last_change_ms, 3);
	m = (struct metric){ o, "gre_ka_remote_period_seconds", "gauge",
		"The far end's keepalive period, once learned.", false };
	EACH(t->peer_period_ms, t->peer_period_ms, 3);
	m = (struct metric){ o, "gre_ka_peers", "gauge",
		"Peers of a multipoint tunnel.", false };
	EACH(tunnel_multipoint(t) && HAS(t, GRE_KA_A_PEERS), t->peers_total, 0);
	m = (struct metric){ o, "gre_ka_peers_down", "gauge",
		"Peers of a multipoint tunnel whose line protocol is down.", false };
	EACH(tunnel_multipoint(t) && HAS(t, GRE_KA_A_PEERS_DOWN), t->peers_down, 0);
#undef EACH
	common_metrics(o, vs, "gre_ka_");
}

static void peer_metrics(struct out *o, const struct views *vs,
			 unsigned long long now)
{
	struct metric m;
	size_t i;

#define EACH(cond, val, digits)						\
	for (i = 0; i < vs->n; i++) {					\
		const struct peer *p = vs->v[i].p;			\
		if (cond)						\
			sample(&m, &vs->v[i], NULL, NULL, (val), (digits)); \
	}

	m = (struct metric){ o, "gre_ka_peer_up", "gauge",
		"The peer's line protocol: 1 up, 0 down.", false };
	EACH(true, p->state == GRE_KA_STATE_UP && PEER_HAS(p, GRE_KA_A_PEER_STATE), 0);
	m = (struct metric){ o, "gre_ka_peer_unanswered_keepalives", "gauge",
		"Keepalives to the peer unanswered since its last valid reply.", false };
	EACH(PEER_HAS(p, GRE_KA_A_PEER_COUNTER), p->counter, 0);
	m = (struct metric){ o, "gre_ka_peer_last_change_timestamp_seconds", "gauge",
		"When the peer's line protocol last changed (Unix time).", false };
	EACH(PEER_HAS(p, GRE_KA_A_PEER_LAST_CHANGE_MS) && p->last_change_ms <= now,
	     now - p->last_change_ms, 3);
	m = (struct metric){ o, "gre_ka_peer_neighbours", "gauge",
		"Neighbour entries that map to the peer.", false };
	EACH(PEER_HAS(p, GRE_KA_A_PEER_NEIGHS), p->neighs, 0);
	m = (struct metric){ o, "gre_ka_peer_neighbours_held", "gauge",
		"Of those, held failed while the peer is down.", false };
	EACH(PEER_HAS(p, GRE_KA_A_PEER_NEIGHS_HELD), p->neighs_held, 0);
#undef EACH
	common_metrics(o, vs, "gre_ka_peer_");
}

void prometheus_show(struct out *o, const struct tunnels *ts)
{
	unsigned long long now = now_ms();
	struct views vs;

	views_fill(&vs, ts, false);
	tunnel_metrics(o, &vs, now);
	free(vs.v);
	views_fill(&vs, ts, true);
	peer_metrics(o, &vs, now);
	free(vs.v);
}
