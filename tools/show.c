// SPDX-License-Identifier: GPL-2.0
/*
 * gre-ka show [DEV...]: the tunnels, Cisco's "show interfaces" way, as
 * JSON, or as Prometheus metrics (prometheus.c). Every tunnel comes from
 * one dump, however many there are; named ones from a GET each.
 */
#include <string.h>

#include "gre-ka.h"
#include "netlink.h"
#include "output.h"
#include "subcommands.h"

static void put_stat(struct out *f, const struct tunnel *t, int attr)
{
	put_num(f, t->stats_present & BIT(attr), t->stats[attr]);
}

static void show_rtt(struct out *f, const struct tunnel *t)
{
	const unsigned long long *r = t->rtt;

	if (!(t->rtt_present & BIT(GRE_KA_A_RTT_MAX)) || !r[GRE_KA_A_RTT_MAX]) {
		out_s(f, "  RTT min/avg/max -/-/- ms (no authenticated reply yet)\n");
		return;
	}
	out_s(f, "  RTT min/avg/max ");
	put_milli(f, r[GRE_KA_A_RTT_MIN]);
	out_c(f, '/');
	put_milli(f, r[GRE_KA_A_RTT_AVG]);
	out_c(f, '/');
	put_milli(f, r[GRE_KA_A_RTT_MAX]);
	out_s(f, " ms\n");
}

static void show_keepalive(struct out *f, const struct tunnel *t)
{
	if (t->enabled && HAS(t, GRE_KA_A_PERIOD_MS)) {
		out_s(f, "  Keepalive set (");
		put_secs(f, t->period_ms);
		out_s(f, " sec), retries ");
		put_num(f, HAS(t, GRE_KA_A_RETRIES), t->retries);
		out_s(f, ", counter ");
		put_num(f, HAS(t, GRE_KA_A_COUNTER), t->counter);
		out_s(f, ", up after ");
		put_num(f, HAS(t, GRE_KA_A_UP_NEEDED), t->up_needed);
		out_s(f, HAS(t, GRE_KA_A_UP_NEEDED) && t->up_needed == 1 ?
		      " reply\n" : " replies\n");
	} else {
		out_s(f, "  Keepalive not set (configured: ");
		if (HAS(t, GRE_KA_A_PERIOD_MS))
			put_secs(f, t->period_ms);
		else
			out_c(f, '?');
		out_s(f, " sec, retries ");
		put_num(f, HAS(t, GRE_KA_A_RETRIES), t->retries);
		out_s(f, ")\n");
	}
	if (t->unsupported) {
		out_s(f, "  Keepalive not supported on this tunnel: ");
		out_s(f, t->unsupported);
		out_c(f, '\n');
	}
}

static void show_origins(struct out *f, const struct peer *p)
{
	const char *sep = "";
	unsigned int i;

	for (i = 0; i < PEER_ORIGINS; i++) {
		if (!(p->origin & peer_origins[i].bit))
			continue;
		out_s(f, sep);
		out_s(f, peer_origins[i].name);
		sep = "+";
	}
	if (!*sep)
		out_s(f, "no origin");
}

/*
 * One line a peer: "192.0.2.2 up, static, RTT avg 1.335 ms, 12 sent,
 * 12 received, last change 00:00:02 ago, cause reply, 1 neighbour, 0 held"
 */
static void show_peer(struct out *f, const struct peer *p)
{
	const char *cause = peer_cause_name(p);

	out_s(f, "    ");
	put_addr(f, p->addr, p->addr_len);
	out_c(f, ' ');
	out_s(f, peer_state_name(p) ?: "?");
	out_s(f, ", ");
	show_origins(f, p);
	out_s(f, ", RTT avg ");
	if ((p->rtt_present & BIT(GRE_KA_A_RTT_MAX)) && p->rtt[GRE_KA_A_RTT_MAX])
		put_milli(f, p->rtt[GRE_KA_A_RTT_AVG]);
	else
		out_c(f, '-');
	out_s(f, " ms, ");
	put_num(f, p->stats_present & BIT(GRE_KA_A_STATS_TX),
		p->stats[GRE_KA_A_STATS_TX]);
	out_s(f, " sent, ");
	put_num(f, p->stats_present & BIT(GRE_KA_A_STATS_RX),
		p->stats[GRE_KA_A_STATS_RX]);
	out_s(f, " received");
	if (PEER_HAS(p, GRE_KA_A_PEER_LAST_CHANGE_MS)) {
		out_s(f, ", last change ");
		put_ago(f, p->last_change_ms);
		out_s(f, " ago, cause ");
		out_s(f, cause ? cause : "?");
	}
	out_s(f, ", ");
	put_num(f, PEER_HAS(p, GRE_KA_A_PEER_NEIGHS), p->neighs);
	out_s(f, p->neighs == 1 ? " neighbour, " : " neighbours, ");
	put_num(f, PEER_HAS(p, GRE_KA_A_PEER_NEIGHS_HELD), p->neighs_held);
	out_s(f, " held\n");
}

static void show_peers(struct out *f, const struct tunnel *t)
{
	size_t i;

	out_s(f, "  Peers ");
	put_num(f, HAS(t, GRE_KA_A_PEERS), t->peers_total);
	out_s(f, ", ");
	put_num(f, HAS(t, GRE_KA_A_PEERS_DOWN), t->peers_down);
	out_s(f, t->npeers ? " down:\n" : " down\n");
	for (i = 0; i < t->npeers; i++)
		show_peer(f, &t->peers[i]);
}

static void show_text(struct out *f, const struct tunnel *t)
{
	const char *cause = cause_name(t);
	bool any = false;
	unsigned int r;

	out_s(f, t->name);
	out_s(f, t->admin_up == 0 ? " is administratively down" : " is up");
	out_s(f, ", line protocol is ");
	out_s(f, line_protocol(t));
	out_c(f, '\n');
	show_keepalive(f, t);
	out_s(f, t->reflect ? "  Reflection on" : "  Reflection off");
	out_s(f, t->auth ? ", authentication on" : ", authentication off");
	out_s(f, ", up_count ");
	put_num(f, HAS(t, GRE_KA_A_UP_COUNT), t->up_count);
	out_s(f, t->passive ? "\n  Passive on" : "\n  Passive off");
	out_s(f, ", peer period ");
	if (t->peer_period_ms) {
		put_secs(f, t->peer_period_ms);
		out_s(f, " sec, ");
	} else {
		out_s(f, "not learned, ");
	}
	put_stat(f, t, GRE_KA_A_STATS_RX_REQUESTS);
	out_s(f, " peer keepalives received\n");
	if (HAS(t, GRE_KA_A_LAST_CHANGE_MS)) {
		out_s(f, "  Last line protocol change ");
		put_ago(f, t->last_change_ms);
		out_s(f, " ago, cause ");
		out_s(f, cause ? cause : "?");
		out_c(f, '\n');
	}
	show_rtt(f, t);
	out_s(f, "  Keepalives ");
	put_stat(f, t, GRE_KA_A_STATS_TX);
	out_s(f, " sent, ");
	put_stat(f, t, GRE_KA_A_STATS_RX);
	out_s(f, " received, ");
	put_stat(f, t, GRE_KA_A_STATS_REFLECTED);
	out_s(f, " reflected, ");
	put_stat(f, t, GRE_KA_A_STATS_RX_INVALID);
	out_s(f, " invalid, ");
	put_stat(f, t, GRE_KA_A_STATS_REFLECT_DROPPED);
	out_s(f, " reflect dropped\n  ");
	put_stat(f, t, GRE_KA_A_STATS_DOWN_TRANSITIONS);
	out_s(f, " down transitions, ");
	put_stat(f, t, GRE_KA_A_STATS_UP_TRANSITIONS);
	out_s(f, " up transitions\n");
	for (r = 0; r < ARRAY_SIZE(reason_names); r++) {
		if (!reason_shown(t, r) || !(t->refused_present & BIT(r)) ||
		    !t->refused[r])
			continue;
		out_s(f, any ? ", " : "  Refused: ");
		out_s(f, reason_names[r]);
		out_c(f, ' ');
		put_u(f, t->refused[r]);
		any = true;
	}
	if (any)
		out_c(f, '\n');
	if (tunnel_multipoint(t))
		show_peers(f, t);
}

static void show_json(struct out *f, const struct tunnel *t)
{
	out_s(f, "{\"name\": ");
	json_str(f, t->name);
	json_fields(f, t);
	out_c(f, '}');
}

/* The per-netns fallback devices, left out of a listing unless in use. */
static bool fallback_unused(const struct tunnel *t)
{
	return !t->enabled && !t->passive &&
	       (!strcmp(t->name, "gre0") || !strcmp(t->name, "ip6gre0"));
}

int cmd_show(struct gk *g, int argc, char **argv)
{
	struct out *o = &out_stdout;
	struct tunnels ts = {};
	size_t i, n, shown = 0;
	struct nl_err e;
	int k;

	if (argc == 0) {
		if (tunnels_dump(g, 0, &ts, &e))
			die("show: %s", e.msg[0] ? e.msg : strerror(e.err));
		for (i = 0, n = 0; i < ts.n; i++) {
			if (fallback_unused(&ts.v[i]))
				tunnel_free(&ts.v[i]);
			else
				ts.v[n++] = ts.v[i];
		}
		ts.n = n;
	} else {
		for (k = 0; k < argc; k++)
			tunnel_get_or_die(g, argv[k], &ts, "show");
	}
	links_admin_state(&ts);
	if (opt_format == GK_FMT_PROMETHEUS) {
		prometheus_show(o, &ts);
	} else {
		if (opt_format == GK_FMT_JSON)
			out_s(o, "[\n");
		for (i = 0; i < ts.n; i++) {
			if (opt_format == GK_FMT_JSON) {
				if (shown)
					out_s(o, ",\n");
				show_json(o, &ts.v[i]);
			} else {
				if (shown)
					out_c(o, '\n');
				show_text(o, &ts.v[i]);
			}
			shown++;
		}
		if (opt_format == GK_FMT_JSON)
			out_s(o, shown ? "\n]\n" : "]\n");
	}
	out_flush(o);
	if (!ts.n && !argc && opt_format != GK_FMT_PROMETHEUS)
		fprintf(stderr, PROG ": no tunnels with keepalive support\n");
	tunnels_free(&ts);
	return 0;
}
