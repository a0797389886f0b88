// SPDX-License-Identifier: GPL-2.0
/*
 * gre-ka monitor: the "events" group of the gre_ka family as it happens,
 * a line (or a JSON object) an event, each with a timestamp: line
 * protocol changes of tunnels and of multipoint tunnels' peers, and
 * setting changes. It ends, saying so, when the module goes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#include <linux/genetlink.h>

#include "gre-ka.h"
#include "netlink.h"
#include "output.h"
#include "subcommands.h"

static void timestamp(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%06ld", ts.tv_nsec / 1000);
}

static void event_head(struct out *o, const char *ts, const struct tunnel *t)
{
	out_c(o, '[');
	out_s(o, ts);
	out_s(o, "] ");
	out_s(o, t->name);
}

/* "[ts] mgre1 peer 192.0.2.2: line protocol down, cause unanswered, counter 4" */
static void peer_event(struct out *o, const char *ts, const struct tunnel *t)
{
	const struct peer *p = &t->peers[0];

	if (opt_format == GK_FMT_JSON) {
		out_s(o, "{\"time\": \"");
		out_s(o, ts);
		out_s(o, "\", \"event\": \"peer\", \"name\": ");
		json_str(o, t->name);
		json_u(o, "ifindex", true, t->ifindex);
		out_s(o, ", \"nbma\": \"");
		put_addr(o, p->addr, p->addr_len);
		out_c(o, '"');
		json_peer_fields(o, t, p);
		out_s(o, "}\n");
		return;
	}
	event_head(o, ts, t);
	out_s(o, " peer ");
	put_addr(o, p->addr, p->addr_len);
	out_s(o, ": line protocol ");
	out_s(o, peer_line_protocol(p));
	out_s(o, ", cause ");
	out_s(o, peer_cause_name(p) ?: "?");
	out_s(o, ", counter ");
	put_num(o, PEER_HAS(p, GRE_KA_A_PEER_COUNTER), p->counter);
	out_c(o, '\n');
}

static void monitor_event(const struct nlmsghdr *nlh, uint8_t cmd)
{
	struct out *o = &out_stdout;
	struct tunnel t;
	char ts[64];

	if (tunnel_parse(nlh, &t))
		return;
	timestamp(ts, sizeof(ts));
	if (cmd == GRE_KA_CMD_PEER_NTF) {
		if (t.npeers == 1)
			peer_event(o, ts, &t);
	} else if (opt_format == GK_FMT_JSON) {
		out_s(o, "{\"time\": \"");
		out_s(o, ts);
		out_s(o, cmd == GRE_KA_CMD_STATE_NTF ? "\", \"event\": \"state\"" :
		      "\", \"event\": \"conf\"");
		out_s(o, ", \"name\": ");
		json_str(o, t.name);
		json_fields(o, &t);
		out_s(o, "}\n");
	} else if (cmd == GRE_KA_CMD_STATE_NTF) {
		event_head(o, ts, &t);
		out_s(o, ": line protocol ");
		out_s(o, line_protocol(&t));
		out_s(o, ", cause ");
		out_s(o, cause_name(&t) ?: "?");
		out_s(o, ", counter ");
		put_u(o, t.counter);
		out_c(o, '\n');
	} else {
		event_head(o, ts, &t);
		out_s(o, ": settings: enabled ");
		put_u(o, t.enabled);
		out_s(o, ", period ");
		put_secs(o, t.period_ms);
		out_s(o, " sec, retries ");
		put_u(o, t.retries);
		out_s(o, ", up_count ");
		put_u(o, t.up_count);
		out_s(o, t.reflect ? ", reflect on" : ", reflect off");
		out_s(o, t.auth ? ", auth on" : ", auth off");
		out_s(o, t.passive ? ", passive on; state " : ", passive off; state ");
		out_s(o, state_name(&t) ?: "?");
		out_c(o, '\n');
	}
	tunnel_free(&t);
	out_flush(o);
}

/* Did nlctrl announce that the gre_ka family went away? */
static bool family_gone(const struct nlmsghdr *nlh, uint16_t id)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;

	if (g->cmd != CTRL_CMD_DELFAMILY)
		return false;
	mnl_attr_for_each(a, nlh, GENL_HDRLEN)
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID &&
		    mnl_attr_validate(a, MNL_TYPE_U16) == 0)
			return mnl_attr_get_u16(a) == id;
	return false;
}

int cmd_monitor(struct gk *g, int argc, char **argv)
{
	const struct family *fam = &g->fam;
	int grp, size = 16 * 1024 * 1024;
	struct nl *nl;

	(void)argv;
	if (argc)
		die_usage("usage: " PROG " [--json] monitor");
	nl = gk_connect(g);
	grp = fam->events_grp;
	if (!fam->events_grp)
		die("monitor: the gre_ka family has no \"%s\" group", GRE_KA_MCGRP_EVENTS);
	if (mnl_socket_setsockopt(nl->sk, NETLINK_ADD_MEMBERSHIP, &grp,
				  sizeof(grp)) < 0) {
		if (errno == EPERM || errno == EACCES)
			die_code(GK_EXIT_PERM,
				 "monitor: permission denied: the events need CAP_NET_ADMIN");
		die("monitor: joining the events group: %s", strerror(errno));
	}
	grp = fam->ctrl_notify_grp;
	if (grp)
		mnl_socket_setsockopt(nl->sk, NETLINK_ADD_MEMBERSHIP, &grp,
				      sizeof(grp));
	/* Room for bursts (10,000 tunnels going down at once), beyond rmem_max if root. */
	if (setsockopt(mnl_socket_get_fd(nl->sk), SOL_SOCKET, SO_RCVBUFFORCE,
		       &size, sizeof(size)) < 0)
		setsockopt(mnl_socket_get_fd(nl->sk), SOL_SOCKET, SO_RCVBUF,
			   &size, sizeof(size));
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sk, nl->buf, NL_RECV_SIZE);
		const struct nlmsghdr *m = (const struct nlmsghdr *)nl->buf;
		int len = n;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				fputs(PROG ": monitor: events lost (buffer overrun)\n",
				      stderr);
				continue;
			}
			die("monitor: %s", strerror(errno));
		}
		for (; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
			const struct genlmsghdr *gh = mnl_nlmsg_get_payload(m);

			if (mnl_nlmsg_get_payload_len(m) < sizeof(*gh))
				continue;
			if (m->nlmsg_type == GENL_ID_CTRL) {
				if (family_gone(m, fam->id))
					die("monitor: the gre_ka module was unloaded");
				continue;
			}
			if (m->nlmsg_type != fam->id)
				continue;
			if (gh->cmd == GRE_KA_CMD_STATE_NTF ||
			    gh->cmd == GRE_KA_CMD_CONF_NTF ||
			    gh->cmd == GRE_KA_CMD_PEER_NTF)
				monitor_event(m, gh->cmd);
		}
	}
}
