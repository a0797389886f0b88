// SPDX-License-Identifier: GPL-2.0
/*
 * gre-ka: buffered output and the pieces every output format is made
 * of: numbers, durations, addresses, JSON, and the names of states,
 * causes and refusal reasons.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <unistd.h>

#include "gre-ka.h"
#include "output.h"

struct out out_stdout;

const char * const state_names[3] = {
	[GRE_KA_STATE_DISABLED]	= "disabled",
	[GRE_KA_STATE_UP]	= "up",
	[GRE_KA_STATE_DOWN]	= "down",
};

/* The cause definition of the spec (enum gre_ka_cause in the module). */
const char * const cause_names[7] = {
	"none", "start", "stop", "unanswered", "silent", "reply", "request",
};

/* The refused nest: attribute type = reason (the spec's reason enum). */
const char * const reason_names[GRE_KA_A_REFUSED_MAX + 1] = {
	[2] = "reply_short",
	[3] = "reply_foreign",
	[4] = "reply_bad_mac",
	[5] = "reply_stale",
	[6] = "reply_future",
	[7] = "reply_replay",
	[8] = "request_malformed",
	[9] = "request_fragment",
	[10] = "request_options",
	[11] = "request_bad_gre",
	[12] = "request_address",
	[13] = "request_too_big",
	[14] = "request_ttl",
	[15] = "request_rate_limit",
	[16] = "request_no_route",
	[17] = "request_loop",
	[18] = "request_nomem",
	[19] = "request_replay",
	[20] = "request_huawei_probe",
	[21] = "request_reflect_off",
	[22] = "reply_not_peer",
	[23] = "request_not_peer",
	[24] = "request_peer_limit",
};

/* The statistics and RTTs by attribute type, named as the sysfs files. */
const char * const stat_json[GRE_KA_A_STATS_MAX + 1] = {
	[GRE_KA_A_STATS_TX]			= "tx",
	[GRE_KA_A_STATS_RX]			= "rx",
	[GRE_KA_A_STATS_RX_INVALID]		= "rx_invalid",
	[GRE_KA_A_STATS_REFLECTED]		= "reflected",
	[GRE_KA_A_STATS_REFLECT_DROPPED]	= "reflect_dropped",
	[GRE_KA_A_STATS_DOWN_TRANSITIONS]	= "down_transitions",
	[GRE_KA_A_STATS_UP_TRANSITIONS]		= "up_transitions",
	[GRE_KA_A_STATS_RX_REQUESTS]		= "rx_requests",
	[GRE_KA_A_STATS_TX_ERRORS]		= "tx_errors",
};

const char * const rtt_json[GRE_KA_A_RTT_MAX_ATTR + 1] = {
	[GRE_KA_A_RTT_LAST]	= "rtt_last_us",
	[GRE_KA_A_RTT_MIN]	= "rtt_min_us",
	[GRE_KA_A_RTT_AVG]	= "rtt_avg_us",
	[GRE_KA_A_RTT_MAX]	= "rtt_max_us",
};

void out_flush(struct out *f)
{
	size_t done = 0;

	while (done < f->len) {
		ssize_t n = write(STDOUT_FILENO, f->buf + done, f->len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("writing the output: %s", strerror(errno));
		done += n;
	}
	f->len = 0;
}

void put_u(struct out *f, unsigned long long v)
{
	char b[24], *p = b + sizeof(b);

	do {
		p--;
		*p = '0' + v % 10;
		v /= 10;
	} while (v);
	out_w(f, p, b + sizeof(b) - p);
}

void put_num(struct out *f, bool have, unsigned long long v)
{
	if (have)
		put_u(f, v);
	else
		out_c(f, '?');
}

/* Two digits, for times. */
void put_2(struct out *f, unsigned int v)
{
	out_c(f, '0' + v / 10 % 10);
	out_c(f, '0' + v % 10);
}

/* 352 -> "0.352": thousandths with three decimals (RTT in ms) */
void put_milli(struct out *f, unsigned long long v)
{
	put_u(f, v / 1000);
	out_c(f, '.');
	out_c(f, '0' + v / 100 % 10);
	put_2(f, v % 100);
}

/* 10000 -> "10", 500 -> "0.5", 1250 -> "1.25" (ms as seconds) */
void put_secs(struct out *f, unsigned long long ms)
{
	unsigned int frac = ms % 1000;

	put_u(f, ms / 1000);
	if (!frac)
		return;
	out_c(f, '.');
	out_c(f, '0' + frac / 100);
	if (frac % 100)
		out_c(f, '0' + frac / 10 % 10);
	if (frac % 10)
		out_c(f, '0' + frac % 10);
}

/* v / 10^digits with all its decimals: 1335, 6 -> "0.001335" */
void put_fixed(struct out *f, unsigned long long v, unsigned int digits)
{
	unsigned long long scale = 1;
	unsigned int i;

	for (i = 0; i < digits; i++)
		scale *= 10;
	put_u(f, v / scale);
	if (!digits)
		return;
	out_c(f, '.');
	for (scale /= 10; scale; scale /= 10)
		out_c(f, '0' + v / scale % 10);
}

/* 00:01:23, or 2d03h beyond a day (Cisco style) */
void put_ago(struct out *f, unsigned long long ms)
{
	unsigned long long s = ms / 1000;

	if (s >= 86400) {
		put_u(f, s / 86400);
		out_c(f, 'd');
		put_2(f, s % 86400 / 3600);
		out_c(f, 'h');
		return;
	}
	put_2(f, s / 3600);
	out_c(f, ':');
	put_2(f, s % 3600 / 60);
	out_c(f, ':');
	put_2(f, s % 60);
}

void put_addr(struct out *f, const uint8_t *addr, unsigned int len)
{
	char b[INET6_ADDRSTRLEN];

	if ((len == 4 && inet_ntop(AF_INET, addr, b, sizeof(b))) ||
	    (len == 16 && inet_ntop(AF_INET6, addr, b, sizeof(b))))
		out_s(f, b);
	else
		out_c(f, '?');
}

const char *value_name(const char * const *names, unsigned int n, bool have,
		       unsigned int v)
{
	if (!have)
		return NULL;
	return v < n ? names[v] : "?";
}

const char *state_name(const struct tunnel *t)
{
	return value_name(state_names, ARRAY_SIZE(state_names),
			  HAS(t, GRE_KA_A_STATE), t->state);
}

const char *cause_name(const struct tunnel *t)
{
	return value_name(cause_names, ARRAY_SIZE(cause_names),
			  HAS(t, GRE_KA_A_CAUSE), t->cause);
}

const char *peer_state_name(const struct peer *p)
{
	return value_name(state_names, ARRAY_SIZE(state_names),
			  PEER_HAS(p, GRE_KA_A_PEER_STATE), p->state);
}

const char *peer_cause_name(const struct peer *p)
{
	return value_name(cause_names, ARRAY_SIZE(cause_names),
			  PEER_HAS(p, GRE_KA_A_PEER_CAUSE), p->cause);
}

/* Cisco's line protocol: the keepalive state, else the carrier. */
const char *line_protocol(const struct tunnel *t)
{
	if (t->admin_up == 0)
		return "down";
	if (HAS(t, GRE_KA_A_STATE) && t->state == GRE_KA_STATE_UP)
		return "up";
	if (HAS(t, GRE_KA_A_STATE) && t->state == GRE_KA_STATE_DOWN)
		return "down";
	return HAS(t, GRE_KA_A_CARRIER) && t->carrier ? "up" : "down";
}

/* A peer has no carrier of its own: up only while its keepalive is. */
const char *peer_line_protocol(const struct peer *p)
{
	return PEER_HAS(p, GRE_KA_A_PEER_STATE) && p->state == GRE_KA_STATE_UP ?
	       "up" : "down";
}

/* A peer's origin bits and their names, in the order output lists them. */
const struct peer_origin_name peer_origins[PEER_ORIGINS] = {
	{ "static",	GRE_KA_PEER_ORIGIN_STATIC },
	{ "neigh",	GRE_KA_PEER_ORIGIN_NEIGH },
	{ "passive",	GRE_KA_PEER_ORIGIN_PASSIVE },
};

/* The origin that keeps the peer longest: static, else neigh, else passive. */
const char *peer_origin(const struct peer *p)
{
	if (p->origin & GRE_KA_PEER_ORIGIN_STATIC)
		return "static";
	if (p->origin & GRE_KA_PEER_ORIGIN_NEIGH)
		return "neigh";
	if (p->origin & GRE_KA_PEER_ORIGIN_PASSIVE)
		return "passive";
	return PEER_HAS(p, GRE_KA_A_PEER_ORIGIN) ? "none" : NULL;
}

/*
 * The reasons an output lists for a tunnel: the peer reasons only for a
 * multipoint tunnel (a point-to-point one has no peers to refuse).
 */
bool reason_shown(const struct tunnel *t, unsigned int r)
{
	return reason_names[r] && (r <= REASON_P2P_LAST || tunnel_multipoint(t));
}

void json_str(struct out *f, const char *s)
{
	const char *p;

	out_c(f, '"');
	for (p = s; *p; p++)
		if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
			break;
	if (!*p) {			/* the usual case: nothing to escape */
		out_s(f, s);
		out_c(f, '"');
		return;
	}
	for (; *s; s++) {
		unsigned char ch = *s;

		if (ch == '"' || ch == '\\') {
			out_c(f, '\\');
			out_c(f, ch);
		} else if (ch < 0x20) {
			out_s(f, "\\u00");
			out_c(f, "0123456789abcdef"[ch >> 4]);
			out_c(f, "0123456789abcdef"[ch & 15]);
		} else {
			out_c(f, ch);
		}
	}
	out_c(f, '"');
}

/* ", "key": " */
void json_key(struct out *f, const char *key)
{
	out_s(f, ", \"");
	out_s(f, key);
	out_s(f, "\": ");
}

void json_u(struct out *f, const char *key, bool have, unsigned long long v)
{
	json_key(f, key);
	if (have)
		put_u(f, v);
	else
		out_s(f, "null");
}

void json_b(struct out *f, const char *key, int v)
{
	json_key(f, key);
	out_s(f, v < 0 ? "null" : v ? "true" : "false");
}

void json_s(struct out *f, const char *key, const char *v)
{
	json_key(f, key);
	if (v)
		json_str(f, v);
	else
		out_s(f, "null");
}

#define JB(f, t, key, a, v)	json_b(f, key, HAS(t, a) ? (v) : -1)
#define JU(f, t, key, a, v)	json_u(f, key, HAS(t, a), v)
#define JPU(f, p, key, a, v)	json_u(f, key, PEER_HAS(p, a), v)

/* "k": v, ... of a nest of counters, with their names */
void json_counters(struct out *f, const char * const *names, unsigned int n,
		   const unsigned long long *v, uint32_t present,
		   const char *sep)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (!names[i])
			continue;
		out_s(f, sep);
		out_c(f, '"');
		out_s(f, names[i]);
		out_s(f, "\": ");
		if (present & BIT(i))
			put_u(f, v[i]);
		else
			out_s(f, "null");
		sep = ", ";
	}
}

static void json_refused(struct out *f, const struct tunnel *t,
			 const unsigned long long *v, uint32_t present)
{
	unsigned int n = tunnel_multipoint(t) ? ARRAY_SIZE(reason_names) :
			 REASON_P2P_LAST + 1;

	out_s(f, ", \"refused\": {");
	json_counters(f, reason_names, n, v, present, "");
	out_c(f, '}');
}

/*
 * A peer's fields: its statistics and RTTs flat beside its state (tx,
 * rx, rtt_avg_us, ...: the names the tunnel's "statistics" uses).
 */
void json_peer_fields(struct out *f, const struct tunnel *t,
		      const struct peer *p)
{
	const char *sep = "";
	unsigned int i;

	json_s(f, "state", peer_state_name(p));
	json_s(f, "line_protocol", peer_line_protocol(p));
	json_s(f, "origin", peer_origin(p));
	out_s(f, ", \"origins\": [");
	for (i = 0; i < PEER_ORIGINS; i++) {
		if (!(p->origin & peer_origins[i].bit))
			continue;
		out_s(f, sep);
		json_str(f, peer_origins[i].name);
		sep = ", ";
	}
	out_c(f, ']');
	JPU(f, p, "counter", GRE_KA_A_PEER_COUNTER, p->counter);
	JPU(f, p, "up_needed", GRE_KA_A_PEER_UP_NEEDED, p->up_needed);
	JPU(f, p, "last_change_ms", GRE_KA_A_PEER_LAST_CHANGE_MS,
	    p->last_change_ms);
	json_s(f, "cause", peer_cause_name(p));
	JPU(f, p, "peer_period_ms", GRE_KA_A_PEER_PEER_PERIOD_MS,
	    p->peer_period_ms);
	JPU(f, p, "neighs", GRE_KA_A_PEER_NEIGHS, p->neighs);
	JPU(f, p, "neighs_held", GRE_KA_A_PEER_NEIGHS_HELD, p->neighs_held);
	json_counters(f, stat_json, ARRAY_SIZE(stat_json), p->stats,
		      p->stats_present, ", ");
	json_counters(f, rtt_json, ARRAY_SIZE(rtt_json), p->rtt,
		      p->rtt_present, ", ");
	json_refused(f, t, p->refused, p->refused_present);
}

static void json_nbma(struct out *f, const struct peer *p)
{
	out_c(f, '"');
	put_addr(f, p->addr, p->addr_len);
	out_c(f, '"');
}

/* The fields of one tunnel, after an opening brace and a first field. */
void json_fields(struct out *f, const struct tunnel *t)
{
	size_t i;

	json_u(f, "ifindex", true, t->ifindex);
	json_s(f, "kind", HAS(t, GRE_KA_A_KIND) ? t->kind : NULL);
	json_b(f, "admin_up", t->admin_up);
	JB(f, t, "carrier", GRE_KA_A_CARRIER, t->carrier);
	json_s(f, "line_protocol", t->admin_up < 0 && !HAS(t, GRE_KA_A_STATE) ?
	       NULL : line_protocol(t));
	JB(f, t, "enabled", GRE_KA_A_ENABLED, t->enabled);
	json_s(f, "state", state_name(t));
	JU(f, t, "period_ms", GRE_KA_A_PERIOD_MS, t->period_ms);
	JU(f, t, "retries", GRE_KA_A_RETRIES, t->retries);
	JU(f, t, "up_count", GRE_KA_A_UP_COUNT, t->up_count);
	JB(f, t, "reflect", GRE_KA_A_REFLECT, t->reflect);
	JB(f, t, "auth", GRE_KA_A_AUTH, t->auth);
	JB(f, t, "passive", GRE_KA_A_PASSIVE, t->passive);
	JU(f, t, "counter", GRE_KA_A_COUNTER, t->counter);
	JU(f, t, "up_needed", GRE_KA_A_UP_NEEDED, t->up_needed);
	JU(f, t, "last_change_ms", GRE_KA_A_LAST_CHANGE_MS, t->last_change_ms);
	json_s(f, "cause", cause_name(t));
	JU(f, t, "peer_period_ms", GRE_KA_A_PEER_PERIOD_MS, t->peer_period_ms);
	json_s(f, "unsupported", t->unsupported);
	out_s(f, ", \"statistics\": {");
	json_counters(f, stat_json, ARRAY_SIZE(stat_json), t->stats,
		      t->stats_present, "");
	json_counters(f, rtt_json, ARRAY_SIZE(rtt_json), t->rtt,
		      t->rtt_present, ", ");
	out_c(f, '}');
	json_refused(f, t, t->refused, t->refused_present);
	/* Only multipoint tunnels: a point-to-point one's stays as it was. */
	if (!tunnel_multipoint(t))
		return;
	json_b(f, "multipoint", 1);
	JU(f, t, "peer_count", GRE_KA_A_PEERS, t->peers_total);
	JU(f, t, "peers_down", GRE_KA_A_PEERS_DOWN, t->peers_down);
	out_s(f, ", \"peers\": [");
	for (i = 0; i < t->npeers; i++) {
		out_s(f, i ? ", {\"nbma\": " : "{\"nbma\": ");
		json_nbma(f, &t->peers[i]);
		json_peer_fields(f, t, &t->peers[i]);
		out_c(f, '}');
	}
	out_c(f, ']');
}
