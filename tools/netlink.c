// SPDX-License-Identifier: GPL-2.0
/*
 * gre-ka: everything that talks to the kernel. The gre_ka generic
 * netlink family (include/uapi/gre_ka.h; the reference is
 * Documentation/netlink/specs/gre_ka.yaml): GET (one tunnel, or a dump),
 * SET, PEER_ADD/PEER_DEL; its messages turned into struct tunnel; and
 * rtnetlink for the links' administrative state where the module is
 * older than the admin-up attribute.
 *
 * A dump that tunnels or peers changed under says so (NLM_F_DUMP_INTR)
 * and is taken again whole, a few times. A multipoint tunnel's peers may
 * not fit one message: the messages after its first carry its ifindex
 * and more peers, no kind, and are merged into it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include <linux/genetlink.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "config.h"
#include "gre-ka.h"
#include "netlink.h"

#define DUMP_TRIES	5

#define NOT_OURS	"not a tunnel gre_ka handles (ip_gre/ip6gre point-to-point tunnels)"

void *xrealloc(void *p, size_t size)
{
	p = realloc(p, size);
	if (!p)
		die("out of memory");
	return p;
}

void nl_open(struct nl *nl, int bus)
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
	nl->buf = xrealloc(NULL, NL_RECV_SIZE);
	nl->req = NULL;
	nl->dump_intr = false;
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
 * ack, the end of a dump, or an error. Returns 0, or -1 with *e filled;
 * nl->dump_intr says whether a dump's messages said NLM_F_DUMP_INTR.
 */
static int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb,
		   void *data, struct nl_err *e)
{
	bool dump = nlh->nlmsg_flags & NLM_F_DUMP;
	unsigned int seq = nlh->nlmsg_seq;

	nl->req = nlh;
	nl->dump_intr = false;
	memset(e, 0, sizeof(*e));
	e->attr = -1;
	if (mnl_socket_sendto(nl->sk, nlh, nlh->nlmsg_len) < 0)
		die("netlink send: %s", strerror(errno));
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sk, nl->buf, NL_RECV_SIZE);
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
			if (m->nlmsg_flags & NLM_F_DUMP_INTR)
				nl->dump_intr = true;
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
	uint32_t version;
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
		case CTRL_ATTR_VERSION:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				fr->version = mnl_attr_get_u32(a);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			family_group_cb(a, fr->group, &fr->grp);
			break;
		}
	}
	return MNL_CB_OK;
}

/*
 * A family's id and one of its multicast groups; -1 with e if absent.
 * Asking for gre_ka loads the module if it is installed and not loaded
 * (its MODULE_ALIAS_GENL_FAMILY).
 */
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
			die_code(GK_EXIT_NOT_FOUND,
				 "the gre_ka module is not loaded (modprobe gre_ka)");
		die("cannot find the gre_ka netlink family: %s", strerror(e.err));
	}
	f->id = fr.id;
	f->version = fr.version;
	f->events_grp = fr.grp;
	f->ctrl_notify_grp = 0;
	if (family_lookup(nl, "nlctrl", "notify", &fr, &e) == 0)
		f->ctrl_notify_grp = fr.grp;
}

struct nl *gk_connect(struct gk *g)
{
	if (!g->open) {
		nl_open(&g->nl, NETLINK_GENERIC);
		family_resolve(&g->nl, &g->fam);
		g->open = true;
	}
	return &g->nl;
}

/* The family's version, if it is there; -1 if not (nothing is loaded). */
int gk_family_version(uint32_t *version)
{
	struct family_req fr;
	struct nl_err e;
	struct nl nl;
	int ret;

	nl_open(&nl, NETLINK_GENERIC);
	ret = family_lookup(&nl, GRE_KA_FAMILY_NAME, GRE_KA_MCGRP_EVENTS, &fr, &e);
	mnl_socket_close(nl.sk);
	free(nl.buf);
	if (ret)
		return -1;
	*version = fr.version;
	return 0;
}

/* --- tunnels from messages ------------------------------------------------- */

/*
 * Tunnel messages are walked in place, without a call per attribute: a
 * dump of 10,000 tunnels carries half a million attributes, and under
 * emulation libmnl's calls (validate, get, next) cost more than the
 * kernel's work. Each attribute's payload must have its type's size
 * exactly (strings: NUL-terminated); others are skipped.
 */
#define SZ_ADDR		0xfd
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
	[GRE_KA_A_MULTIPOINT]		= 1,
	[GRE_KA_A_PEERS]		= 4,
	[GRE_KA_A_PEERS_DOWN]		= 4,
	[GRE_KA_A_PEER]			= SZ_NEST,
};

static const uint8_t peer_attr_size[GRE_KA_A_PEER_MAX + 1] = {
	[GRE_KA_A_PEER_ADDR]		= SZ_ADDR,
	[GRE_KA_A_PEER_ORIGIN]		= 1,
	[GRE_KA_A_PEER_STATE]		= 1,
	[GRE_KA_A_PEER_COUNTER]		= 4,
	[GRE_KA_A_PEER_UP_NEEDED]	= 4,
	[GRE_KA_A_PEER_LAST_CHANGE_MS]	= 8,
	[GRE_KA_A_PEER_CAUSE]		= 1,
	[GRE_KA_A_PEER_PEER_PERIOD_MS]	= 4,
	[GRE_KA_A_PEER_RTT]		= SZ_NEST,
	[GRE_KA_A_PEER_STATS]		= SZ_NEST,
	[GRE_KA_A_PEER_REFUSED]		= SZ_NEST,
	[GRE_KA_A_PEER_NEIGHS]		= 4,
	[GRE_KA_A_PEER_NEIGHS_HELD]	= 4,
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

/* Does the attribute have its type's size (table: attr_size)? */
static inline bool attr_size_ok(const struct nlattr *a, uint8_t size)
{
	unsigned int len = attr_len(a);

	switch (size) {
	case 0:
		return false;
	case SZ_STR:
		return len && !attr_data(a)[len - 1];
	case SZ_NEST:
		return true;
	case SZ_ADDR:
		return len == 4 || len == 16;
	}
	return len == size;
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

/* A GRE_KA_A_PEER nest into the tunnel's peers; one without an address is dropped. */
static void peer_parse(const struct nlattr *nest, struct tunnel *t)
{
	const char *end = attr_end(nest);
	const struct nlattr *a;
	struct peer *p;

	if (t->npeers == t->peers_cap) {
		t->peers_cap = t->peers_cap ? 2 * t->peers_cap : 8;
		t->peers = xrealloc(t->peers, t->peers_cap * sizeof(*t->peers));
	}
	p = &t->peers[t->npeers];
	memset(p, 0, sizeof(*p));
	for (a = (const struct nlattr *)attr_data(nest); attr_ok(a, end);
	     a = attr_next(a)) {
		unsigned int type = a->nla_type & NLA_TYPE_MASK;
		uint8_t u8 = 0;

		if (type > GRE_KA_A_PEER_MAX ||
		    !attr_size_ok(a, peer_attr_size[type]))
			continue;
		p->present |= BIT(type);
		if (peer_attr_size[type] == 1)
			u8 = *attr_data(a);
		switch (type) {
		case GRE_KA_A_PEER_ADDR:
			p->addr_len = attr_len(a);
			memcpy(p->addr, attr_data(a), p->addr_len);
			break;
		case GRE_KA_A_PEER_ORIGIN:
			p->origin = u8;
			break;
		case GRE_KA_A_PEER_STATE:
			p->state = u8;
			break;
		case GRE_KA_A_PEER_CAUSE:
			p->cause = u8;
			break;
		case GRE_KA_A_PEER_COUNTER:
			p->counter = attr_u32(a);
			break;
		case GRE_KA_A_PEER_UP_NEEDED:
			p->up_needed = attr_u32(a);
			break;
		case GRE_KA_A_PEER_PEER_PERIOD_MS:
			p->peer_period_ms = attr_u32(a);
			break;
		case GRE_KA_A_PEER_NEIGHS:
			p->neighs = attr_u32(a);
			break;
		case GRE_KA_A_PEER_NEIGHS_HELD:
			p->neighs_held = attr_u32(a);
			break;
		case GRE_KA_A_PEER_LAST_CHANGE_MS:
			p->last_change_ms = attr_u64(a);
			break;
		case GRE_KA_A_PEER_RTT:
			p->rtt_present = parse_u64_nest(a, p->rtt,
							GRE_KA_A_RTT_MAX_ATTR);
			break;
		case GRE_KA_A_PEER_STATS:
			p->stats_present = parse_u64_nest(a, p->stats,
							  GRE_KA_A_STATS_MAX);
			break;
		case GRE_KA_A_PEER_REFUSED:
			p->refused_present = parse_u64_nest(a, p->refused,
							    GRE_KA_A_REFUSED_MAX);
			break;
		}
	}
	if (p->addr_len)
		t->npeers++;
}

/* Fill t from a gre_ka message; -1 if it is not one of a tunnel. */
int tunnel_parse(const struct nlmsghdr *nlh, struct tunnel *t)
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
		uint8_t u8 = 0;

		/* Attributes of a newer module are skipped. */
		if (type > GRE_KA_A_MAX || !attr_size_ok(a, attr_size[type]))
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
		case GRE_KA_A_MULTIPOINT:
			t->multipoint = u8;
			break;
		case GRE_KA_A_COUNTER:
			t->counter = attr_u32(a);
			break;
		case GRE_KA_A_UP_NEEDED:
			t->up_needed = attr_u32(a);
			break;
		case GRE_KA_A_PEERS:
			t->peers_total = attr_u32(a);
			break;
		case GRE_KA_A_PEERS_DOWN:
			t->peers_down = attr_u32(a);
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
			free(t->unsupported);
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
		case GRE_KA_A_PEER:
			peer_parse(a, t);
			break;
		}
	}
	if (HAS(t, GRE_KA_A_IFINDEX) && HAS(t, GRE_KA_A_IFNAME))
		return 0;
	tunnel_free(t);
	return -1;
}

void tunnel_free(struct tunnel *t)
{
	free(t->unsupported);
	free(t->peers);
	t->unsupported = NULL;
	t->peers = NULL;
	t->npeers = 0;
	t->peers_cap = 0;
}

void tunnels_free(struct tunnels *ts)
{
	size_t i;

	for (i = 0; i < ts->n; i++)
		tunnel_free(&ts->v[i]);
	free(ts->v);
	memset(ts, 0, sizeof(*ts));
}

/* The tunnel a continuation of a multipoint tunnel's dump belongs to. */
static struct tunnel *tunnel_find(struct tunnels *ts, uint32_t ifindex)
{
	size_t i;

	/* It follows the tunnel's first message: look there first. */
	for (i = ts->n; i-- > 0;)
		if (ts->v[i].ifindex == ifindex)
			return &ts->v[i];
	return NULL;
}

static void peers_move(struct tunnel *to, struct tunnel *from)
{
	if (to->npeers + from->npeers > to->peers_cap) {
		to->peers_cap = to->npeers + from->npeers;
		to->peers = xrealloc(to->peers, to->peers_cap * sizeof(*to->peers));
	}
	memcpy(to->peers + to->npeers, from->peers,
	       from->npeers * sizeof(*from->peers));
	to->npeers += from->npeers;
	tunnel_free(from);
}

static int tunnels_cb(const struct nlmsghdr *nlh, void *data)
{
	struct tunnels *ts = data;
	struct tunnel *t, *first;

	if (ts->n == ts->cap) {
		ts->cap = ts->cap ? 2 * ts->cap : 256;
		ts->v = xrealloc(ts->v, ts->cap * sizeof(*ts->v));
	}
	t = &ts->v[ts->n];
	if (tunnel_parse(nlh, t))
		return MNL_CB_OK;
	/* More peers of a multipoint tunnel: no kind, the same ifindex. */
	if (!HAS(t, GRE_KA_A_KIND)) {
		first = tunnel_find(ts, t->ifindex);
		if (first) {
			peers_move(first, t);
			return MNL_CB_OK;
		}
	}
	ts->n++;
	return MNL_CB_OK;
}

static int tunnel_cmp(const void *a, const void *b)
{
	const struct tunnel *x = a, *y = b;

	return (x->ifindex > y->ifindex) - (x->ifindex < y->ifindex);
}

static int peer_cmp(const void *a, const void *b)
{
	const struct peer *x = a, *y = b;

	if (x->addr_len != y->addr_len)
		return x->addr_len - y->addr_len;
	return memcmp(x->addr, y->addr, x->addr_len);
}

/* Peers by address: the kernel's order is its hash table's. */
static void peers_sort(struct tunnels *ts)
{
	size_t i;

	for (i = 0; i < ts->n; i++)
		if (ts->v[i].npeers > 1)
			qsort(ts->v[i].peers, ts->v[i].npeers,
			      sizeof(*ts->v[i].peers), peer_cmp);
}

/*
 * Every tunnel of the namespace, or the one with ifindex, sorted by
 * ifindex. The kernel marks a dump that tunnels or peers changed under
 * (one may be missing or seen twice): take it again, a few times; if it
 * never settles, show the last one, once per tunnel, and say so.
 */
int tunnels_dump(struct gk *g, uint32_t ifindex, struct tunnels *ts,
		 struct nl_err *e)
{
	struct nl *nl = gk_connect(g);
	struct nlmsghdr *nlh;
	char buf[64];
	size_t i, n;
	int try;

	for (try = 0; try < DUMP_TRIES; try++) {
		tunnels_free(ts);
		nlh = genl_msg(buf, g->fam.id, GRE_KA_CMD_GET, NLM_F_DUMP,
			       ++nl->seq);
		if (ifindex)
			mnl_attr_put_u32(nlh, GRE_KA_A_IFINDEX, ifindex);
		if (nl_talk(nl, nlh, tunnels_cb, ts, e))
			return -1;
		if (!nl->dump_intr)
			break;
	}
	if (nl->dump_intr)
		fprintf(stderr,
			PROG ": tunnels kept changing during %d dumps: the last one is shown\n",
			DUMP_TRIES);
	/* A module older than dumps of one tunnel dumps them all. */
	for (i = 0, n = 0; i < ts->n; i++) {
		if (ifindex && ts->v[i].ifindex != ifindex)
			tunnel_free(&ts->v[i]);
		else
			ts->v[n++] = ts->v[i];
	}
	ts->n = n;
	qsort(ts->v, ts->n, sizeof(*ts->v), tunnel_cmp);
	for (i = 0, n = 0; i < ts->n; i++) {
		if (n && ts->v[n - 1].ifindex == ts->v[i].ifindex)
			tunnel_free(&ts->v[i]);
		else
			ts->v[n++] = ts->v[i];
	}
	ts->n = n;
	ts->sorted = true;
	peers_sort(ts);
	return 0;
}

/*
 * GET one tunnel by name, appended to ts; 0, or -1 with e. A multipoint
 * tunnel's peers may not fit one message: it is then dumped alone.
 */
int tunnel_get(struct gk *g, const char *dev, struct tunnels *ts,
	       struct nl_err *e)
{
	struct nl *nl = gk_connect(g);
	struct tunnels one = {};
	struct nlmsghdr *nlh;
	struct tunnel *t;
	char buf[256];
	size_t n = ts->n;

	nlh = genl_msg(buf, g->fam.id, GRE_KA_CMD_GET, NLM_F_ACK, ++nl->seq);
	mnl_attr_put_strz(nlh, GRE_KA_A_IFNAME, dev);
	if (nl_talk(nl, nlh, tunnels_cb, ts, e))
		return -1;
	if (ts->n != n + 1 || !tunnel_multipoint(&ts->v[n]))
		return 0;
	t = &ts->v[n];
	if (tunnels_dump(g, t->ifindex, &one, e))
		return -1;
	if (one.n == 1) {
		tunnel_free(t);
		*t = one.v[0];
		one.n = 0;
	}
	tunnels_free(&one);
	ts->sorted = false;
	return 0;
}

/* GET DEV or exit saying why ("DEV: WHAT failed: ..."). */
void tunnel_get_or_die(struct gk *g, const char *dev, struct tunnels *ts,
		       const char *what)
{
	struct nl_err e;
	char msg[384];

	check_dev_name(dev);
	if (!tunnel_get(g, dev, ts, &e))
		return;
	dev_error(dev, &e);
	die("%s: %s failed: %s", dev, what, kernel_msg(&e, msg, sizeof(msg)));
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
 * unknown. Such a module has no multipoint tunnels, whose peers the
 * retries of a dump are for: links dumps are taken once.
 */
void links_admin_state(struct tunnels *ts)
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

/* --- changes ------------------------------------------------------------------ */

/* One SET with every setting of c: the kernel checks all before any. */
int tunnel_set(struct gk *g, const char *dev, const struct change *c,
	       struct nl_err *e)
{
	struct nl *nl = gk_connect(g);
	char buf[512];
	struct nlmsghdr *nlh = genl_msg(buf, g->fam.id, GRE_KA_CMD_SET,
					NLM_F_ACK, ++nl->seq);
	unsigned int i;

	mnl_attr_put_strz(nlh, GRE_KA_A_IFNAME, dev);
	for (i = 0; i < NSETTINGS; i++) {
		if (!(c->mask & BIT(i)))
			continue;
		if (settings[i].u8)
			mnl_attr_put_u8(nlh, settings[i].attr, c->val[i]);
		else
			mnl_attr_put_u32(nlh, settings[i].attr, c->val[i]);
	}
	return nl_talk(nl, nlh, NULL, NULL, e);
}

/* PEER_ADD or PEER_DEL of one NBMA address on DEV. */
int peer_change(struct gk *g, uint8_t cmd, const char *dev,
		const uint8_t *addr, unsigned int addr_len, struct nl_err *e)
{
	struct nl *nl = gk_connect(g);
	char buf[256];
	struct nlmsghdr *nlh = genl_msg(buf, g->fam.id, cmd, NLM_F_ACK,
					++nl->seq);
	struct nlattr *nest;

	mnl_attr_put_strz(nlh, GRE_KA_A_IFNAME, dev);
	nest = mnl_attr_nest_start(nlh, GRE_KA_A_PEER);
	mnl_attr_put(nlh, GRE_KA_A_PEER_ADDR, addr_len, addr);
	mnl_attr_nest_end(nlh, nest);
	return nl_talk(nl, nlh, NULL, NULL, e);
}

/* --- errors ------------------------------------------------------------------ */

bool dev_name_ok(const char *dev)
{
	return dev[0] && strlen(dev) < IFNAMSIZ && !strchr(dev, '/') &&
	       strcmp(dev, ".") && strcmp(dev, "..");
}

void check_dev_name(const char *dev)
{
	if (!dev_name_ok(dev))
		die_code(GK_EXIT_NOT_FOUND, "no such device: '%s'", dev);
}

/* The exit code an errno of the kernel's stands for. */
int errno_exit(int err)
{
	switch (err) {
	case ENODEV:
	case ENOENT:
		return GK_EXIT_NOT_FOUND;
	case EPERM:
	case EACCES:
		return GK_EXIT_PERM;
	}
	return GK_EXIT_REFUSED;
}

/* The device errors of GET and SET; returns only for the others. */
void dev_error(const char *dev, const struct nl_err *e)
{
	switch (e->err) {
	case ENODEV:
		die_code(GK_EXIT_NOT_FOUND, "no such device: %s", dev);
	case EOPNOTSUPP:
		die_code(GK_EXIT_NOT_FOUND, "%s: no keepalive support: " NOT_OURS, dev);
	case EPERM:
	case EACCES:
		die_code(GK_EXIT_PERM,
			 "%s: permission denied: changing keepalive needs CAP_NET_ADMIN", dev);
	}
}

/* What the kernel said: "retries: integer out of range (valid: 1..255)" */
const char *kernel_msg(const struct nl_err *e, char *buf, size_t len)
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

/*
 * A SET the kernel refused: say why and exit. WHERE, if not NULL, is
 * the file and line that gave the setting the kernel names ("FILE:3: ").
 */
void set_failed(struct gk *g, const char *dev, const struct nl_err *e,
		const char *where)
{
	struct tunnels ts = {};
	struct nl_err ge;
	char msg[384];

	where = where ? where : "";
	if (e->err == EOPNOTSUPP && tunnel_get(g, dev, &ts, &ge) == 0 &&
	    ts.n == 1) {
		/* A tunnel of ours: the kernel refuses this kind of tunnel. */
		die_code(GK_EXIT_REFUSED,
			 "%s%s: keepalive is not supported on this tunnel: %s (kernel: %s)",
			 where, dev, ts.v[0].unsupported ? ts.v[0].unsupported : "?",
			 e->msg[0] ? e->msg : strerror(e->err));
	}
	dev_error(dev, e);
	die_code(errno_exit(e->err), "%s%s: setting keepalive failed: %s", where,
		 dev, kernel_msg(e, msg, sizeof(msg)));
}
