// SPDX-License-Identifier: GPL-2.0
/*
 * gre-ka: show and set gre_ka GRE keepalives with Cisco-style commands,
 * and follow their events, over the "gre_ka" generic netlink family
 * (include/uapi/gre_ka.h; Documentation/netlink/specs/gre_ka.yaml).
 *
 *   gre-ka [-j] [-n NETNS] show [DEV...]
 *   gre-ka [-j] [-n NETNS] monitor
 *   gre-ka [-n NETNS] keepalive DEV [SECONDS [RETRIES]]
 *   gre-ka [-n NETNS] no keepalive|passive DEV
 *   gre-ka [-n NETNS] passive DEV
 *   gre-ka [-n NETNS] set DEV KEY VALUE [KEY VALUE...]
 *
 * It works on the tunnels of its network namespace (or of NETNS). show
 * takes one dump of the gre_ka family, whatever the number of tunnels
 * (a dump of the links too, only from a module without the admin-up
 * attribute), and buffers its output; a change is one SET message, which
 * the kernel validates whole before applying any of it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "uapi/gre_ka.h"

#define PROG		"gre-ka"
#define RECV_SIZE	65536	/* the kernel fills up to 32 KiB per read */
#define OUT_BUF_SIZE	(1024 * 1024)

#define PERIOD_MS_MIN	10
#define PERIOD_MS_MAX	32767000
#define RETRIES_MAX	255

#define KEYS		"enabled period_ms retries up_count reflect auth passive"
#define KA_USAGE	"usage: " PROG " keepalive DEV [SECONDS [RETRIES]]"
#define NOT_OURS	"not a tunnel gre_ka handles (ip_gre/ip6gre point-to-point tunnels)"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define BIT(n)		(1u << (n))

static bool opt_json;

static const char * const state_names[] = {
	[GRE_KA_STATE_DISABLED]	= "disabled",
	[GRE_KA_STATE_UP]	= "up",
	[GRE_KA_STATE_DOWN]	= "down",
};

/* The cause definition of the spec (enum gre_ka_cause in the module). */
static const char * const cause_names[] = {
	"none", "start", "stop", "unanswered", "silent", "reply", "request",
};

/* The refused nest: attribute type = reason (the spec's reason enum). */
static const char * const reason_names[GRE_KA_A_REFUSED_MAX + 1] = {
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
};

/* The statistics and RTTs by attribute type, named as the sysfs files. */
static const char * const stat_json[GRE_KA_A_STATS_MAX + 1] = {
	[GRE_KA_A_STATS_TX]			= "tx",
	[GRE_KA_A_STATS_RX]			= "rx",
	[GRE_KA_A_STATS_RX_INVALID]		= "rx_invalid",
	[GRE_KA_A_STATS_REFLECTED]		= "reflected",
	[GRE_KA_A_STATS_REFLECT_DROPPED]	= "reflect_dropped",
	[GRE_KA_A_STATS_DOWN_TRANSITIONS]	= "down_transitions",
	[GRE_KA_A_STATS_UP_TRANSITIONS]		= "up_transitions",
	[GRE_KA_A_STATS_RX_REQUESTS]		= "rx_requests",
};

static const char * const rtt_json[GRE_KA_A_RTT_MAX_ATTR + 1] = {
	[GRE_KA_A_RTT_LAST]	= "rtt_last_us",
	[GRE_KA_A_RTT_MIN]	= "rtt_min_us",
	[GRE_KA_A_RTT_AVG]	= "rtt_avg_us",
	[GRE_KA_A_RTT_MAX]	= "rtt_max_us",
};

/* What `set` may change: its key, attribute, and the width on the wire. */
static const struct {
	const char *key;
	int attr;
	bool u8;
} settings[] = {
	{ "enabled",	GRE_KA_A_ENABLED,	true },
	{ "period_ms",	GRE_KA_A_PERIOD_MS,	false },
	{ "retries",	GRE_KA_A_RETRIES,	false },
	{ "up_count",	GRE_KA_A_UP_COUNT,	false },
	{ "reflect",	GRE_KA_A_REFLECT,	true },
	{ "auth",	GRE_KA_A_AUTH,		true },
	{ "passive",	GRE_KA_A_PASSIVE,	true },
};

/* One tunnel, as a GET reply or an event gives it. */
struct tunnel {
	uint32_t present;		/* bit n: attribute n was there */
	uint32_t rtt_present;
	uint32_t stats_present;
	uint32_t refused_present;
	uint32_t ifindex;
	int admin_up;			/* 1, 0, -1: unknown */
	char name[IFNAMSIZ];
	char kind[16];
	char *unsupported;
	uint8_t enabled, reflect, auth, passive, state, carrier, cause;
	uint32_t period_ms, retries, up_count, counter, up_needed;
	uint32_t peer_period_ms;
	unsigned long long last_change_ms;
	unsigned long long rtt[GRE_KA_A_RTT_MAX_ATTR + 1];
	unsigned long long stats[GRE_KA_A_STATS_MAX + 1];
	unsigned long long refused[GRE_KA_A_REFUSED_MAX + 1];
};

#define HAS(t, a)	((t)->present & BIT(a))

struct tunnels {
	struct tunnel *v;
	size_t n;
	size_t cap;
	bool sorted;			/* by ifindex */
};

/* The kernel's answer to a request that failed. */
struct nl_err {
	int err;			/* positive errno */
	char msg[256];			/* extack message, or "" */
	int attr;			/* the attribute it names, or -1 */
	bool has_range;
	unsigned long long min, max;
};

struct nl {
	struct mnl_socket *sk;
	unsigned int portid;
	unsigned int seq;
	char *buf;
	/* The last request sent, to find the attribute an error names. */
	const struct nlmsghdr *req;
};

struct family {
	uint16_t id;
	uint32_t events_grp;		/* 0: not found */
	uint32_t ctrl_notify_grp;	/* nlctrl's, to see the module go */
};

/* Say why on stderr and exit 1 (a macro: the compiler checks the format). */
#define die(...) do {					\
	fflush(stdout);					\
	fputs(PROG ": ", stderr);			\
	fprintf(stderr, __VA_ARGS__);			\
	fputc('\n', stderr);				\
	exit(1);					\
} while (0)

static void *xrealloc(void *p, size_t size)
{
	p = realloc(p, size);
	if (!p)
		die("out of memory");
	return p;
}

/* --- netlink ------------------------------------------------------------- */

static void nl_open(struct nl *nl, int bus)
{
	int one = 1;

	nl->sk = mnl_socket_open2(bus, SOCK_CLOEXEC);
	if (!nl->sk)
		die("netlink socket: %s", strerror(errno));
	if (mnl_socket_bind(nl->sk, 0, MNL_SOCKET_AUTOPID) < 0)
		die("netlink bind: %s", strerror(errno));
	/* Error messages of the kernel, without the request echoed back. */
	mnl_socket_setsockopt(nl->sk, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sk, NETLINK_CAP_ACK, &one, sizeof(one));
	nl->portid = mnl_socket_get_portid(nl->sk);
	nl->seq = time(NULL);
	nl->buf = xrealloc(NULL, RECV_SIZE);
	nl->req = NULL;
}

static struct nlmsghdr *genl_msg(void *buf, uint16_t family, uint8_t cmd,
				 uint16_t flags, unsigned int seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = GRE_KA_FAMILY_VERSION;
	return nlh;
}

static void policy_range(const struct nlattr *nest, struct nl_err *e)
{
	const struct nlattr *a;
	bool min = false, max = false;

	mnl_attr_for_each_nested(a, nest) {
		if (mnl_attr_get_payload_len(a) != sizeof(uint64_t))
			continue;
		switch (mnl_attr_get_type(a)) {
		case NL_POLICY_TYPE_ATTR_MIN_VALUE_U:
			e->min = mnl_attr_get_u64(a);
			min = true;
			break;
		case NL_POLICY_TYPE_ATTR_MAX_VALUE_U:
			e->max = mnl_attr_get_u64(a);
			max = true;
			break;
		}
	}
	e->has_range = min && max;
}

/* The errno and extack of an NLMSG_ERROR or NLMSG_DONE message. */
static void nl_parse_err(const struct nl *nl, const struct nlmsghdr *nlh,
			 struct nl_err *e)
{
	const struct nlmsgerr *ne = mnl_nlmsg_get_payload(nlh);
	size_t off = sizeof(*ne);
	const struct nlattr *a;

	memset(e, 0, sizeof(*e));
	e->attr = -1;
	if (nlh->nlmsg_type == NLMSG_DONE) {
		const int *err = mnl_nlmsg_get_payload(nlh);

		if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(*err))
			e->err = -*err;
		off = sizeof(*err);
	} else {
		if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ne)) {
			e->err = EBADMSG;
			return;
		}
		e->err = -ne->error;
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += ne->msg.nlmsg_len - sizeof(struct nlmsghdr);
	}
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    MNL_ALIGN(off) > mnl_nlmsg_get_payload_len(nlh))
		return;
	mnl_attr_for_each(a, nlh, MNL_ALIGN(off)) {
		switch (mnl_attr_get_type(a)) {
		case NLMSGERR_ATTR_MSG:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
				snprintf(e->msg, sizeof(e->msg), "%s",
					 mnl_attr_get_str(a));
			break;
		case NLMSGERR_ATTR_OFFS: {
			uint32_t o;

			if (mnl_attr_validate(a, MNL_TYPE_U32) || !nl->req)
				break;
			o = mnl_attr_get_u32(a);
			if (o + sizeof(struct nlattr) <= nl->req->nlmsg_len)
				e->attr = ((const struct nlattr *)
					   ((const char *)nl->req + o))->nla_type &
					  NLA_TYPE_MASK;
			break;
		}
		case NLMSGERR_ATTR_POLICY:
			policy_range(a, e);
			break;
		}
	}
}

/*
 * Send nlh and read the answer: each message to cb (if any), until the
 * ack, the end of a dump, or an error. Returns 0, or -1 with *e filled.
 */
static int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb,
		   void *data, struct nl_err *e)
{
	bool dump = nlh->nlmsg_flags & NLM_F_DUMP;
	unsigned int seq = nlh->nlmsg_seq;

	nl->req = nlh;
	memset(e, 0, sizeof(*e));
	e->attr = -1;
	if (mnl_socket_sendto(nl->sk, nlh, nlh->nlmsg_len) < 0)
		die("netlink send: %s", strerror(errno));
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sk, nl->buf, RECV_SIZE);
		const struct nlmsghdr *m = (const struct nlmsghdr *)nl->buf;
		int len = n;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			e->err = errno;
			return -1;
		}
		for (; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
			if (m->nlmsg_seq != seq || m->nlmsg_pid != nl->portid)
				continue;
			if (m->nlmsg_type == NLMSG_ERROR ||
			    m->nlmsg_type == NLMSG_DONE) {
				nl_parse_err(nl, m, e);
				return e->err ? -1 : 0;
			}
			if (m->nlmsg_type == NLMSG_NOOP ||
			    m->nlmsg_type == NLMSG_OVERRUN)
				continue;
			if (cb && cb(m, data) < 0) {
				e->err = EBADMSG;
				return -1;
			}
			if (!dump && !(nlh->nlmsg_flags & NLM_F_ACK))
				return 0;
		}
	}
}

static int family_group_cb(const struct nlattr *grps, const char *want,
			   uint32_t *id)
{
	const struct nlattr *g, *a;

	mnl_attr_for_each_nested(g, grps) {
		const char *name = NULL;
		uint32_t gid = 0;

		mnl_attr_for_each_nested(a, g) {
			if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME &&
			    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
				name = mnl_attr_get_str(a);
			else if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID &&
				 mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				gid = mnl_attr_get_u32(a);
		}
		if (name && !strcmp(name, want)) {
			*id = gid;
			return 0;
		}
	}
	return 0;
}

struct family_req {
	const char *group;
	uint16_t id;
	uint32_t grp;
};

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct family_req *fr = data;
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		switch (mnl_attr_get_type(a)) {
		case CTRL_ATTR_FAMILY_ID:
			if (mnl_attr_validate(a, MNL_TYPE_U16) == 0)
				fr->id = mnl_attr_get_u16(a);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			family_group_cb(a, fr->group, &fr->grp);
			break;
		}
	}
	return MNL_CB_OK;
}

/* A family's id and one of its multicast groups; -1 with e if absent. */
static int family_lookup(struct nl *nl, const char *name, const char *group,
			 struct family_req *fr, struct nl_err *e)
{
	char buf[256];
	struct nlmsghdr *nlh = genl_msg(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
					NLM_F_ACK, ++nl->seq);

	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);
	memset(fr, 0, sizeof(*fr));
	fr->group = group;
	if (nl_talk(nl, nlh, family_cb, fr, e))
		return -1;
	if (!fr->id) {
		e->err = ENOENT;
		return -1;
	}
	return 0;
}

static void family_resolve(struct nl *nl, struct family *f)
{
	struct family_req fr;
	struct nl_err e;

	if (family_lookup(nl, GRE_KA_FAMILY_NAME, GRE_KA_MCGRP_EVENTS, &fr, &e)) {
		if (e.err == ENOENT)
			die("the gre_ka module is not loaded (modprobe gre_ka)");
		die("cannot find the gre_ka netlink family: %s", strerror(e.err));
	}
	f->id = fr.id;
	f->events_grp = fr.grp;
	f->ctrl_notify_grp = 0;
	if (family_lookup(nl, "nlctrl", "notify", &fr, &e) == 0)
		f->ctrl_notify_grp = fr.grp;
}

/* The gre_ka family, reached when a command first needs the kernel. */
struct gk {
	struct nl nl;
	struct family fam;
	bool open;
};

static struct nl *gk_connect(struct gk *g)
{
	if (!g->open) {
		nl_open(&g->nl, NETLINK_GENERIC);
		family_resolve(&g->nl, &g->fam);
		g->open = true;
	}
	return &g->nl;
}

/* --- tunnels from messages ------------------------------------------------- */

/*
 * Tunnel messages are walked in place, without a call per attribute: a
 * dump of 10,000 tunnels carries half a million attributes, and under
 * emulation libmnl's calls (validate, get, next) cost more than the
 * kernel's work. Each attribute's payload must have its type's size
 * exactly (strings: NUL-terminated); others are skipped.
 */
#define SZ_STR		0xfe
#define SZ_NEST		0xff

static const uint8_t attr_size[GRE_KA_A_MAX + 1] = {
	[GRE_KA_A_IFINDEX]		= 4,
	[GRE_KA_A_IFNAME]		= SZ_STR,
	[GRE_KA_A_KIND]			= SZ_STR,
	[GRE_KA_A_ENABLED]		= 1,
	[GRE_KA_A_PERIOD_MS]		= 4,
	[GRE_KA_A_RETRIES]		= 4,
	[GRE_KA_A_UP_COUNT]		= 4,
	[GRE_KA_A_REFLECT]		= 1,
	[GRE_KA_A_AUTH]			= 1,
	[GRE_KA_A_PASSIVE]		= 1,
	[GRE_KA_A_STATE]		= 1,
	[GRE_KA_A_CARRIER]		= 1,
	[GRE_KA_A_COUNTER]		= 4,
	[GRE_KA_A_UP_NEEDED]		= 4,
	[GRE_KA_A_LAST_CHANGE_MS]	= 8,
	[GRE_KA_A_CAUSE]		= 1,
	[GRE_KA_A_PEER_PERIOD_MS]	= 4,
	[GRE_KA_A_UNSUPPORTED]		= SZ_STR,
	[GRE_KA_A_RTT]			= SZ_NEST,
	[GRE_KA_A_STATS]		= SZ_NEST,
	[GRE_KA_A_REFUSED]		= SZ_NEST,
	[GRE_KA_A_ADMIN_UP]		= 1,
};

static inline bool attr_ok(const struct nlattr *a, const char *end)
{
	return (const char *)a + NLA_HDRLEN <= end && a->nla_len >= NLA_HDRLEN &&
	       (const char *)a + a->nla_len <= end;
}

static inline const struct nlattr *attr_next(const struct nlattr *a)
{
	return (const struct nlattr *)((const char *)a + NLA_ALIGN(a->nla_len));
}

static inline const char *attr_data(const struct nlattr *a)
{
	return (const char *)a + NLA_HDRLEN;
}

static inline unsigned int attr_len(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

static inline const char *attr_end(const struct nlattr *a)
{
	return (const char *)a + a->nla_len;
}

static inline uint32_t attr_u32(const struct nlattr *a)
{
	uint32_t v;

	memcpy(&v, attr_data(a), sizeof(v));
	return v;
}

static inline unsigned long long attr_u64(const struct nlattr *a)
{
	uint64_t v;

	memcpy(&v, attr_data(a), sizeof(v));
	return v;
}

/* u64 counters of a nest into v[1..max]; returns which were present. */
static uint32_t parse_u64_nest(const struct nlattr *nest, unsigned long long *v,
			       unsigned int max)
{
	const char *end = attr_end(nest);
	const struct nlattr *a;
	uint32_t present = 0;

	for (a = (const struct nlattr *)attr_data(nest); attr_ok(a, end);
	     a = attr_next(a)) {
		unsigned int type = a->nla_type & NLA_TYPE_MASK;

		if (!type || type > max || attr_len(a) != sizeof(uint64_t))
			continue;
		v[type] = attr_u64(a);
		present |= BIT(type);
	}
	return present;
}

static void copy_str(char *dst, size_t size, const struct nlattr *a)
{
	size_t n = attr_len(a) - 1;

	if (n >= size)
		n = size - 1;
	memcpy(dst, attr_data(a), n);
	dst[n] = '\0';
}

/* Fill t from a gre_ka message; -1 if it is not one of a tunnel. */
static int tunnel_parse(const struct nlmsghdr *nlh, struct tunnel *t)
{
	const char *end = (const char *)nlh + nlh->nlmsg_len;
	const struct nlattr *a;

	memset(t, 0, sizeof(*t));
	t->admin_up = -1;
	if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return -1;
	for (a = (const struct nlattr *)((const char *)nlh + NLMSG_HDRLEN + GENL_HDRLEN);
	     attr_ok(a, end); a = attr_next(a)) {
		unsigned int type = a->nla_type & NLA_TYPE_MASK;
		unsigned int len = attr_len(a);
		uint8_t u8 = 0;

		/* Attributes of a newer module are skipped. */
		if (type > GRE_KA_A_MAX || !attr_size[type])
			continue;
		if (attr_size[type] == SZ_STR ?
		    !len || attr_data(a)[len - 1] :
		    attr_size[type] != SZ_NEST && len != attr_size[type])
			continue;
		t->present |= BIT(type);
		if (attr_size[type] == 1)
			u8 = *attr_data(a);
		switch (type) {
		case GRE_KA_A_IFINDEX:
			t->ifindex = attr_u32(a);
			break;
		case GRE_KA_A_IFNAME:
			copy_str(t->name, sizeof(t->name), a);
			break;
		case GRE_KA_A_KIND:
			copy_str(t->kind, sizeof(t->kind), a);
			break;
		case GRE_KA_A_ENABLED:
			t->enabled = u8;
			break;
		case GRE_KA_A_PERIOD_MS:
			t->period_ms = attr_u32(a);
			break;
		case GRE_KA_A_RETRIES:
			t->retries = attr_u32(a);
			break;
		case GRE_KA_A_UP_COUNT:
			t->up_count = attr_u32(a);
			break;
		case GRE_KA_A_REFLECT:
			t->reflect = u8;
			break;
		case GRE_KA_A_AUTH:
			t->auth = u8;
			break;
		case GRE_KA_A_PASSIVE:
			t->passive = u8;
			break;
		case GRE_KA_A_STATE:
			t->state = u8;
			break;
		case GRE_KA_A_CARRIER:
			t->carrier = u8;
			break;
		case GRE_KA_A_ADMIN_UP:
			t->admin_up = !!u8;
			break;
		case GRE_KA_A_COUNTER:
			t->counter = attr_u32(a);
			break;
		case GRE_KA_A_UP_NEEDED:
			t->up_needed = attr_u32(a);
			break;
		case GRE_KA_A_LAST_CHANGE_MS:
			t->last_change_ms = attr_u64(a);
			break;
		case GRE_KA_A_CAUSE:
			t->cause = u8;
			break;
		case GRE_KA_A_PEER_PERIOD_MS:
			t->peer_period_ms = attr_u32(a);
			break;
		case GRE_KA_A_UNSUPPORTED:
			t->unsupported = strdup(attr_data(a));
			if (!t->unsupported)
				die("out of memory");
			break;
		case GRE_KA_A_RTT:
			t->rtt_present = parse_u64_nest(a, t->rtt,
							GRE_KA_A_RTT_MAX_ATTR);
			break;
		case GRE_KA_A_STATS:
			t->stats_present = parse_u64_nest(a, t->stats,
							  GRE_KA_A_STATS_MAX);
			break;
		case GRE_KA_A_REFUSED:
			t->refused_present = parse_u64_nest(a, t->refused,
							    GRE_KA_A_REFUSED_MAX);
			break;
		}
	}
	return HAS(t, GRE_KA_A_IFINDEX) && HAS(t, GRE_KA_A_IFNAME) ? 0 : -1;
}

static int tunnels_cb(const struct nlmsghdr *nlh, void *data)
{
	struct tunnels *ts = data;

	if (ts->n == ts->cap) {
		ts->cap = ts->cap ? 2 * ts->cap : 256;
		ts->v = xrealloc(ts->v, ts->cap * sizeof(*ts->v));
	}
	if (tunnel_parse(nlh, &ts->v[ts->n]) == 0)
		ts->n++;
	return MNL_CB_OK;
}

static int tunnel_cmp(const void *a, const void *b)
{
	const struct tunnel *x = a, *y = b;

	return (x->ifindex > y->ifindex) - (x->ifindex < y->ifindex);
}

/* --- the links' administrative state (rtnetlink) ----------------------------- */

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct tunnels *ts = data;
	struct tunnel key, *t;

	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return MNL_CB_OK;
	key.ifindex = ifi->ifi_index;
	if (ts->sorted) {
		t = bsearch(&key, ts->v, ts->n, sizeof(*ts->v), tunnel_cmp);
		if (t)
			t->admin_up = !!(ifi->ifi_flags & IFF_UP);
		return MNL_CB_OK;
	}
	/* A few tunnels, in the order asked for. */
	for (t = ts->v; t < ts->v + ts->n; t++)
		if (t->ifindex == key.ifindex)
			t->admin_up = !!(ifi->ifi_flags & IFF_UP);
	return MNL_CB_OK;
}

/* An RTM_GETLINK request without statistics: a dump, or of one ifindex. */
static struct nlmsghdr *getlink_msg(void *buf, unsigned int seq, int ifindex,
				    const char *kind)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;
	struct nlattr *li;

	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | (ifindex ? NLM_F_ACK : NLM_F_DUMP);
	nlh->nlmsg_seq = seq;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	if (kind) {
		li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
		mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
		mnl_attr_nest_end(nlh, li);
	}
	return nlh;
}

/*
 * IFF_UP of the tunnels, where the module is older than the admin-up
 * attribute: of every tunnel, one RTM_GETLINK dump per tunnel kind, which
 * the kernel filters by kind; of tunnels named on the command line, one
 * request each. That second dump was a third of the time show took for
 * 10,000 tunnels, hence the attribute. Where it fails, the state stays
 * unknown.
 */
static void links_admin_state(struct tunnels *ts)
{
	static const char * const kinds[] = { "gre", "ip6gre" };
	bool want[ARRAY_SIZE(kinds)] = {};
	bool unknown = false;
	struct nl_err e;
	char buf[512];
	unsigned int k;
	struct nl nl;
	size_t i;

	for (i = 0; i < ts->n; i++)
		if (!HAS(&ts->v[i], GRE_KA_A_ADMIN_UP))
			unknown = true;
	if (!unknown)
		return;
	nl_open(&nl, NETLINK_ROUTE);
	if (!ts->sorted) {
		for (i = 0; i < ts->n; i++)
			nl_talk(&nl, getlink_msg(buf, ++nl.seq, ts->v[i].ifindex, NULL),
				link_cb, ts, &e);
		goto out;
	}
	for (i = 0; i < ts->n; i++)
		for (k = 0; k < ARRAY_SIZE(kinds); k++)
			if (!strcmp(ts->v[i].kind, kinds[k]))
				want[k] = true;
	for (k = 0; k < ARRAY_SIZE(kinds); k++)
		if (want[k])
			nl_talk(&nl, getlink_msg(buf, ++nl.seq, 0, kinds[k]),
				link_cb, ts, &e);
out:
	mnl_socket_close(nl.sk);
	free(nl.buf);
}

/* --- formatting ------------------------------------------------------------- */

/*
 * Output without printf or stdio: their per-call work was most of the
 * time show took for 10,000 tunnels under emulation. One buffer, written
 * out when full and at the end (the monitor: after each event).
 */
struct out {
	char buf[OUT_BUF_SIZE];
	size_t len;
};

static struct out out_stdout;

static void out_flush(struct out *f)
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

static inline void out_w(struct out *f, const char *p, size_t n)
{
	while (n) {
		size_t k;

		if (f->len == sizeof(f->buf))
			out_flush(f);
		k = sizeof(f->buf) - f->len;
		if (k > n)
			k = n;
		memcpy(f->buf + f->len, p, k);
		f->len += k;
		p += k;
		n -= k;
	}
}

static inline void out_s(struct out *f, const char *s)
{
	out_w(f, s, strlen(s));
}

static inline void out_c(struct out *f, char c)
{
	if (f->len == sizeof(f->buf))
		out_flush(f);
	f->buf[f->len++] = c;
}

static void put_u(struct out *f, unsigned long long v)
{
	char b[24], *p = b + sizeof(b);

	do {
		p--;
		*p = '0' + v % 10;
		v /= 10;
	} while (v);
	out_w(f, p, b + sizeof(b) - p);
}

static void put_num(struct out *f, bool have, unsigned long long v)
{
	if (have)
		put_u(f, v);
	else
		out_c(f, '?');
}

/* Two digits, for times. */
static void put_2(struct out *f, unsigned int v)
{
	out_c(f, '0' + v / 10 % 10);
	out_c(f, '0' + v % 10);
}

/* 352 -> "0.352": thousandths with three decimals (RTT in ms) */
static void put_milli(struct out *f, unsigned long long v)
{
	put_u(f, v / 1000);
	out_c(f, '.');
	out_c(f, '0' + v / 100 % 10);
	put_2(f, v % 100);
}

/* 10000 -> "10", 500 -> "0.5", 1250 -> "1.25" (ms as seconds) */
static void put_secs(struct out *f, unsigned long long ms)
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

/* 00:01:23, or 2d03h beyond a day (Cisco style) */
static void put_ago(struct out *f, unsigned long long ms)
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

static const char *state_name(const struct tunnel *t)
{
	if (!HAS(t, GRE_KA_A_STATE))
		return NULL;
	return t->state < ARRAY_SIZE(state_names) ? state_names[t->state] : "?";
}

static const char *cause_name(const struct tunnel *t)
{
	if (!HAS(t, GRE_KA_A_CAUSE))
		return NULL;
	return t->cause < ARRAY_SIZE(cause_names) ? cause_names[t->cause] : "?";
}

/* Cisco's line protocol: the keepalive state, else the carrier. */
static const char *line_protocol(const struct tunnel *t)
{
	if (t->admin_up == 0)
		return "down";
	if (HAS(t, GRE_KA_A_STATE) && t->state == GRE_KA_STATE_UP)
		return "up";
	if (HAS(t, GRE_KA_A_STATE) && t->state == GRE_KA_STATE_DOWN)
		return "down";
	return HAS(t, GRE_KA_A_CARRIER) && t->carrier ? "up" : "down";
}

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
		if (!reason_names[r] || !(t->refused_present & BIT(r)) ||
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
}

static void json_str(struct out *f, const char *s)
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
static void json_key(struct out *f, const char *key)
{
	out_s(f, ", \"");
	out_s(f, key);
	out_s(f, "\": ");
}

static void json_u(struct out *f, const char *key, bool have,
		   unsigned long long v)
{
	json_key(f, key);
	if (have)
		put_u(f, v);
	else
		out_s(f, "null");
}

static void json_b(struct out *f, const char *key, int v)
{
	json_key(f, key);
	out_s(f, v < 0 ? "null" : v ? "true" : "false");
}

static void json_s(struct out *f, const char *key, const char *v)
{
	json_key(f, key);
	if (v)
		json_str(f, v);
	else
		out_s(f, "null");
}

#define JB(f, t, key, a, v)	json_b(f, key, HAS(t, a) ? (v) : -1)
#define JU(f, t, key, a, v)	json_u(f, key, HAS(t, a), v)

/* "k": v, ... of a nest of counters, with their names */
static void json_counters(struct out *f, const char * const *names, unsigned int n,
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

/* The fields of one tunnel, after an opening brace and a first field. */
static void json_fields(struct out *f, const struct tunnel *t)
{
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
	out_s(f, "}, \"refused\": {");
	json_counters(f, reason_names, ARRAY_SIZE(reason_names), t->refused,
		      t->refused_present, "");
	out_c(f, '}');
}

static void show_json(struct out *f, const struct tunnel *t)
{
	out_s(f, "{\"name\": ");
	json_str(f, t->name);
	json_fields(f, t);
	out_c(f, '}');
}

/* --- errors ------------------------------------------------------------------ */

static const char *attr_key(int attr)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(settings); i++)
		if (settings[i].attr == attr)
			return settings[i].key;
	if (attr == GRE_KA_A_IFNAME)
		return "ifname";
	if (attr == GRE_KA_A_IFINDEX)
		return "ifindex";
	return NULL;
}

/* The device errors of GET and SET; returns only for the others. */
static void dev_error(const char *dev, const struct nl_err *e)
{
	switch (e->err) {
	case ENODEV:
		die("no such device: %s", dev);
	case EOPNOTSUPP:
		die("%s: no keepalive support: " NOT_OURS, dev);
	case EPERM:
	case EACCES:
		die("%s: permission denied: changing keepalive needs CAP_NET_ADMIN", dev);
	}
}

/* What the kernel said: "retries: integer out of range (valid: 1..255)" */
static const char *kernel_msg(const struct nl_err *e, char *buf, size_t len)
{
	const char *key = attr_key(e->attr);
	char range[64] = "";

	if (e->has_range)
		snprintf(range, sizeof(range), " (valid: %llu..%llu)",
			 e->min, e->max);
	snprintf(buf, len, "%s%s%s%s", key ? key : "", key ? ": " : "",
		 e->msg[0] ? e->msg : strerror(e->err), range);
	return buf;
}

/* --- GET ------------------------------------------------------------------------ */

static bool dev_name_ok(const char *dev)
{
	return dev[0] && strlen(dev) < IFNAMSIZ && !strchr(dev, '/') &&
	       strcmp(dev, ".") && strcmp(dev, "..");
}

static void check_dev_name(const char *dev)
{
	if (!dev_name_ok(dev))
		die("no such device: '%s'", dev);
}

/* GET one tunnel by name; returns 0, or -1 with e. */
static int get_one(struct nl *nl, const struct family *fam, const char *dev,
		   struct tunnels *ts, struct nl_err *e)
{
	char buf[256];
	struct nlmsghdr *nlh = genl_msg(buf, fam->id, GRE_KA_CMD_GET,
					NLM_F_ACK, ++nl->seq);

	mnl_attr_put_strz(nlh, GRE_KA_A_IFNAME, dev);
	return nl_talk(nl, nlh, tunnels_cb, ts, e);
}

static int cmd_show(struct gk *g, int argc, char **argv)
{
	struct nl *nl = gk_connect(g);
	const struct family *fam = &g->fam;
	struct out *o = &out_stdout;
	struct tunnels ts = {};
	size_t i, shown = 0;
	struct nl_err e;
	char msg[384];
	int k;

	if (argc == 0) {
		char buf[64];
		struct nlmsghdr *nlh = genl_msg(buf, fam->id, GRE_KA_CMD_GET,
						NLM_F_DUMP, ++nl->seq);

		if (nl_talk(nl, nlh, tunnels_cb, &ts, &e))
			die("show: %s", e.msg[0] ? e.msg : strerror(e.err));
		qsort(ts.v, ts.n, sizeof(*ts.v), tunnel_cmp);
		ts.sorted = true;
	} else {
		for (k = 0; k < argc; k++) {
			check_dev_name(argv[k]);
			if (get_one(nl, fam, argv[k], &ts, &e)) {
				dev_error(argv[k], &e);
				die("%s: show failed: %s", argv[k],
				    kernel_msg(&e, msg, sizeof(msg)));
			}
		}
	}
	links_admin_state(&ts);
	if (opt_json)
		out_s(o, "[\n");
	for (i = 0; i < ts.n; i++) {
		const struct tunnel *t = &ts.v[i];

		/* The per-netns fallback devices, unless in use. */
		if (!argc && !t->enabled && !t->passive &&
		    (!strcmp(t->name, "gre0") || !strcmp(t->name, "ip6gre0")))
			continue;
		if (opt_json) {
			if (shown)
				out_s(o, ",\n");
			show_json(o, t);
		} else {
			if (shown)
				out_c(o, '\n');
			show_text(o, t);
		}
		shown++;
	}
	if (opt_json)
		out_s(o, shown ? "\n]\n" : "]\n");
	out_flush(o);
	if (!shown && !argc)
		fprintf(stderr, PROG ": no tunnels with keepalive support\n");
	for (i = 0; i < ts.n; i++)
		free(ts.v[i].unsupported);
	free(ts.v);
	return 0;
}

/* --- SET ------------------------------------------------------------------------ */

struct change {
	uint32_t mask;			/* bit i: settings[i] */
	uint32_t val[ARRAY_SIZE(settings)];
};

static int setting_index(int attr)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(settings); i++)
		if (settings[i].attr == attr)
			return i;
	return -1;
}

static void change_put(struct change *c, int attr, uint32_t v)
{
	int i = setting_index(attr);

	c->mask |= BIT(i);
	c->val[i] = v;
}

static int do_set(struct gk *g, const char *dev, const struct change *c)
{
	struct nl *nl = gk_connect(g);
	const struct family *fam = &g->fam;
	char buf[512];
	struct nlmsghdr *nlh = genl_msg(buf, fam->id, GRE_KA_CMD_SET,
					NLM_F_ACK, ++nl->seq);
	struct tunnels ts = {};
	struct nl_err e, ge;
	unsigned int i;
	char msg[384];

	check_dev_name(dev);
	mnl_attr_put_strz(nlh, GRE_KA_A_IFNAME, dev);
	for (i = 0; i < ARRAY_SIZE(settings); i++) {
		if (!(c->mask & BIT(i)))
			continue;
		if (settings[i].u8)
			mnl_attr_put_u8(nlh, settings[i].attr, c->val[i]);
		else
			mnl_attr_put_u32(nlh, settings[i].attr, c->val[i]);
	}
	if (!nl_talk(nl, nlh, NULL, NULL, &e))
		return 0;
	if (e.err == EOPNOTSUPP && get_one(nl, fam, dev, &ts, &ge) == 0 &&
	    ts.n == 1) {
		/* A tunnel of ours: the kernel refuses this kind of tunnel. */
		die("%s: keepalive is not supported on this tunnel: %s (kernel: %s)",
		    dev, ts.v[0].unsupported ? ts.v[0].unsupported : "?",
		    e.msg[0] ? e.msg : strerror(e.err));
	}
	dev_error(dev, &e);
	die("%s: setting keepalive failed: %s", dev,
	    kernel_msg(&e, msg, sizeof(msg)));
}

/* SECONDS ("10", "0.5", "0.015") to milliseconds, or exit with why. */
static uint32_t parse_seconds(const char *s)
{
	const char *dot = strchr(s, '.');
	const char *p, *frac = dot ? dot + 1 : "";
	uint64_t ms = 0;
	unsigned int i;

	if (!*s || *s == '.' || strspn(s, "0123456789.") != strlen(s) ||
	    (dot && strchr(frac, '.')))
		die("bad period '%s': expected seconds like 10 or 0.5", s);
	/* Only milliseconds reach the kernel: finer fractions must be 0. */
	for (p = frac + (strlen(frac) > 3 ? 3 : strlen(frac)); *p; p++)
		if (*p != '0')
			die("bad period '%s': the resolution is 1 ms (0.001 s)", s);
	for (p = s; *p == '0' && p[1] && p[1] != '.'; p++)
		;
	if ((dot ? (size_t)(dot - p) : strlen(p)) > 6)
		die("period %s s is out of range 0.01..32767", s);
	for (; *p && *p != '.'; p++)
		ms = ms * 10 + (*p - '0');
	for (i = 0; i < 3; i++)
		ms = ms * 10 + (frac[0] && i < strlen(frac) ? frac[i] - '0' : 0);
	if (ms < PERIOD_MS_MIN || ms > PERIOD_MS_MAX)
		die("period %s s is out of range 0.01..32767", s);
	return ms;
}

static uint32_t parse_retries(const char *s)
{
	const char *p = s;
	unsigned long v;

	if (!*s || strspn(s, "0123456789") != strlen(s))
		die("bad retries '%s': expected a whole number 1..255", s);
	while (*p == '0' && p[1])
		p++;
	v = strlen(p) > 3 ? RETRIES_MAX + 1 : strtoul(p, NULL, 10);
	if (v < 1 || v > RETRIES_MAX)
		die("retries %s is out of range 1..255", p);
	return v;
}

static int cmd_keepalive(struct gk *g, int argc, char **argv)
{
	struct change c = {};

	if (argc < 1)
		die("keepalive: which device? " KA_USAGE);
	if (argc > 3)
		die("keepalive: too many arguments: " KA_USAGE);
	check_dev_name(argv[0]);
	change_put(&c, GRE_KA_A_PERIOD_MS, parse_seconds(argc > 1 ? argv[1] : "10"));
	change_put(&c, GRE_KA_A_RETRIES, parse_retries(argc > 2 ? argv[2] : "3"));
	change_put(&c, GRE_KA_A_ENABLED, 1);
	return do_set(g, argv[0], &c);
}

static int cmd_passive(struct gk *g, int argc, char **argv, bool on)
{
	struct change c = {};

	if (argc != 1)
		die("usage: " PROG " %spassive DEV", on ? "" : "no ");
	change_put(&c, GRE_KA_A_PASSIVE, on);
	return do_set(g, argv[0], &c);
}

static int cmd_no(struct gk *g, int argc, char **argv)
{
	struct change c = {};

	if (argc >= 1 && !strcmp(argv[0], "passive"))
		return cmd_passive(g, argc - 1, argv + 1, false);
	if (argc < 1 || strcmp(argv[0], "keepalive") || argc != 2)
		die("usage: " PROG " no keepalive DEV | " PROG " no passive DEV");
	change_put(&c, GRE_KA_A_ENABLED, 0);
	return do_set(g, argv[1], &c);
}

/* set DEV KEY VALUE...: every pair in one SET, validated by the kernel. */
static int cmd_set(struct gk *g, int argc, char **argv)
{
	struct change c = {};
	int k;

	if (argc < 3 || argc % 2 == 0)
		die("usage: " PROG " set DEV KEY VALUE [KEY VALUE...] (keys: " KEYS ")");
	for (k = 1; k < argc; k += 2) {
		const char *key = argv[k], *val = argv[k + 1];
		unsigned long long v;
		unsigned int i;
		char *end;

		for (i = 0; i < ARRAY_SIZE(settings); i++)
			if (!strcmp(key, settings[i].key))
				break;
		if (i == ARRAY_SIZE(settings))
			die("set: unknown setting '%s' (keys: " KEYS ")", key);
		if (c.mask & BIT(i))
			die("set: %s given twice", key);
		if (settings[i].u8 && (!strcmp(val, "on") || !strcmp(val, "off"))) {
			v = !strcmp(val, "on");
		} else {
			errno = 0;
			v = strtoull(val, &end, 10);
			if (!*val || *end || val[0] == '-' || val[0] == '+' ||
			    errno)
				die("set: bad value '%s' for %s: expected a whole number",
				    val, key);
		}
		/* Wider than the attribute: it would be truncated. */
		if (v > (settings[i].u8 ? 255ULL : UINT32_MAX))
			die("set: %s %s is out of range", key, val);
		c.mask |= BIT(i);
		c.val[i] = v;
	}
	return do_set(g, argv[0], &c);
}

/* --- monitor -------------------------------------------------------------------- */

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

static void monitor_event(const struct nlmsghdr *nlh, uint8_t cmd)
{
	struct out *o = &out_stdout;
	struct tunnel t;
	char ts[64];

	if (tunnel_parse(nlh, &t))
		return;
	timestamp(ts, sizeof(ts));
	if (opt_json) {
		out_s(o, "{\"time\": \"");
		out_s(o, ts);
		out_s(o, cmd == GRE_KA_CMD_STATE_NTF ? "\", \"event\": \"state\"" :
		      "\", \"event\": \"conf\"");
		out_s(o, ", \"name\": ");
		json_str(o, t.name);
		json_fields(o, &t);
		out_s(o, "}\n");
	} else if (cmd == GRE_KA_CMD_STATE_NTF) {
		out_c(o, '[');
		out_s(o, ts);
		out_s(o, "] ");
		out_s(o, t.name);
		out_s(o, ": line protocol ");
		out_s(o, line_protocol(&t));
		out_s(o, ", cause ");
		out_s(o, cause_name(&t) ?: "?");
		out_s(o, ", counter ");
		put_u(o, t.counter);
		out_c(o, '\n');
	} else {
		out_c(o, '[');
		out_s(o, ts);
		out_s(o, "] ");
		out_s(o, t.name);
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
	free(t.unsupported);
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

static int cmd_monitor(struct gk *g, int argc)
{
	const struct family *fam = &g->fam;
	int grp, size = 16 * 1024 * 1024;
	struct nl *nl;

	if (argc)
		die("usage: " PROG " [--json] monitor");
	nl = gk_connect(g);
	grp = fam->events_grp;
	if (!fam->events_grp)
		die("monitor: the gre_ka family has no \"%s\" group", GRE_KA_MCGRP_EVENTS);
	if (mnl_socket_setsockopt(nl->sk, NETLINK_ADD_MEMBERSHIP, &grp,
				  sizeof(grp)) < 0) {
		if (errno == EPERM || errno == EACCES)
			die("monitor: permission denied: the events need CAP_NET_ADMIN");
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
		ssize_t n = mnl_socket_recvfrom(nl->sk, nl->buf, RECV_SIZE);
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
			const struct genlmsghdr *g = mnl_nlmsg_get_payload(m);

			if (mnl_nlmsg_get_payload_len(m) < sizeof(*g))
				continue;
			if (m->nlmsg_type == GENL_ID_CTRL) {
				if (family_gone(m, fam->id))
					die("monitor: the gre_ka module was unloaded");
				continue;
			}
			if (m->nlmsg_type != fam->id)
				continue;
			if (g->cmd == GRE_KA_CMD_STATE_NTF ||
			    g->cmd == GRE_KA_CMD_CONF_NTF)
				monitor_event(m, g->cmd);
		}
	}
}

/* --- main ------------------------------------------------------------------------- */

static void print_usage(FILE *f)
{
	fputs("usage: " PROG " [-j|--json] [-n NETNS] show [DEV...]\n"
	      "       " PROG " [-j|--json] [-n NETNS] monitor\n"
	      "       " PROG " [-n NETNS] keepalive DEV [SECONDS [RETRIES]]\n"
	      "       " PROG " [-n NETNS] no keepalive DEV\n"
	      "       " PROG " [-n NETNS] passive DEV | no passive DEV\n"
	      "       " PROG " [-n NETNS] set DEV KEY VALUE [KEY VALUE...]\n"
	      "       " PROG " help\n"
	      "\n"
	      "show        summary of every tunnel with GRE keepalive (or just DEV...):\n"
	      "            line protocol, settings, passive state, last change and its\n"
	      "            cause, RTT, counters, refusals; the fallback devices gre0 and\n"
	      "            ip6gre0 only if in use\n"
	      "monitor     print keepalive events as they happen, with a timestamp: line\n"
	      "            protocol changes (with their cause) and setting changes\n"
	      "keepalive   enable keepalives on DEV, like Cisco's \"keepalive [period\n"
	      "            [retries]]\": every SECONDS (default 10; fractions allowed,\n"
	      "            0.01..32767, 1 ms resolution), line protocol down after\n"
	      "            RETRIES (default 3, 1..255) unanswered keepalives\n"
	      "no keepalive\n"
	      "            disable keepalives on DEV (the line protocol stays up)\n"
	      "passive     the line protocol also follows the peer's keepalives\n"
	      "set         any settings at once (all or nothing): enabled 0|1,\n"
	      "            period_ms 10..32767000, retries 1..255, up_count 1..255,\n"
	      "            reflect 0|1, auth 0|1, passive 0|1\n"
	      "-j, --json  show, monitor: JSON (show: an array; monitor: an object a line)\n"
	      "-n NETNS    work in network namespace NETNS (a name from ip netns, or a path)\n"
	      "\n"
	      "Changing settings and monitoring need CAP_NET_ADMIN; show does not.\n", f);
}

static void enter_netns(const char *ns)
{
	char path[PATH_MAX];
	int fd;

	if (strchr(ns, '/'))
		snprintf(path, sizeof(path), "%s", ns);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("network namespace %s: %s", ns, strerror(errno));
	if (setns(fd, CLONE_NEWNET) < 0)
		die("network namespace %s: %s", ns, errno == EPERM ?
		    "permission denied" : strerror(errno));
	close(fd);
}

int main(int argc, char **argv)
{
	struct gk g = {};
	const char *cmd;
	int i = 1, j, n;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			print_usage(stdout);
			return 0;
		}
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json")) {
			opt_json = true;
		} else if (!strcmp(argv[i], "-n") || !strcmp(argv[i], "--netns")) {
			if (++i == argc)
				die("%s: which network namespace?", argv[i - 1]);
			enter_netns(argv[i]);
		} else {
			die("unknown option '%s' (" PROG " help lists them)", argv[i]);
		}
	}
	if (i == argc) {
		print_usage(stderr);
		return 1;
	}
	cmd = argv[i++];
	argc -= i;
	argv += i;
	if (!strcmp(cmd, "help")) {
		print_usage(stdout);
		return 0;
	}
	if (strcmp(cmd, "show") && strcmp(cmd, "monitor") &&
	    strcmp(cmd, "keepalive") && strcmp(cmd, "no") &&
	    strcmp(cmd, "passive") && strcmp(cmd, "set")) {
		die("unknown command '%s' (" PROG " help lists them)", cmd);
	}
	/* show: options may also follow the command (show --json gre1). */
	if (!strcmp(cmd, "show")) {
		for (j = 0, n = 0; j < argc; j++) {
			if (!strcmp(argv[j], "-j") || !strcmp(argv[j], "--json"))
				opt_json = true;
			else if (argv[j][0] == '-')
				die("unknown option '%s'", argv[j]);
			else
				argv[n++] = argv[j];
		}
		argc = n;
	}

	if (!strcmp(cmd, "show"))
		n = cmd_show(&g, argc, argv);
	else if (!strcmp(cmd, "monitor"))
		n = cmd_monitor(&g, argc);
	else if (!strcmp(cmd, "keepalive"))
		n = cmd_keepalive(&g, argc, argv);
	else if (!strcmp(cmd, "no"))
		n = cmd_no(&g, argc, argv);
	else if (!strcmp(cmd, "passive"))
		n = cmd_passive(&g, argc, argv, true);
	else
		n = cmd_set(&g, argc, argv);
	if (fflush(stdout) == EOF || ferror(stdout))
		die("writing the output: %s", strerror(errno));
	return n ? 1 : 0;
}
