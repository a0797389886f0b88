// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the gre-ka command against canned kernel messages
 * (make tools-test), for what no kernel on the test machines does yet
 * or does only by chance: a multipoint tunnel's peers split over
 * messages, dumps the kernel marks interrupted, dumps of one tunnel,
 * peer commands and events; and the outputs and the file parser.
 *
 * libmnl's socket calls are wrapped (-Wl,--wrap): a request goes to
 * fake_kernel(), which queues the replies that the wrapped recvfrom then
 * hands out, one read at a time. Each case runs the subcommand in a
 * child (the command exits on errors) with its output in files.
 *
 *   gre-ka-test              every case; "N passed, N failed" last
 *   gre-ka-test prometheus   print the multipoint metrics (for promtool)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "config.h"
#include "gre-ka.h"
#include "netlink.h"
#include "subcommands.h"

enum gk_format opt_format;

#define FAMILY_ID	0x1a
#define EVENTS_GRP	9
#define CTRL_GRP	2
#define QUEUE		16

/* The fake kernel's state, shared with the children that run commands. */
struct fake {
	/* the world */
	int intr_dumps;			/* dumps to mark interrupted first */
	int set_errno;			/* 0: SET succeeds */
	int set_err_attr;		/* the attribute its extack names */
	int peer_errno;
	bool no_family;
	/* what the command sent */
	int dumps;
	uint32_t dump_ifindex;
	int sets;
	unsigned int set_mask;		/* attributes in the last SET */
	uint32_t set_val[GRE_KA_A_MAX + 1];
	uint8_t peer_cmd;
	unsigned int peer_addr_len;
	uint8_t peer_addr[16];
	/* the replies being read */
	char q[QUEUE][NL_RECV_SIZE];
	size_t qlen[QUEUE];
	int qhead, qtail;
};

static struct fake *fk;
static int passed, failed;

static bool result(bool ok)
{
	printf("%s %d - ", ok ? "ok" : "not ok", passed + failed + 1);
	if (ok)
		passed++;
	else
		failed++;
	return ok;
}

/* check(OK, FORMAT, ...): a TAP line (a macro: the format is checked). */
#define check(ok, ...) do {		\
	result(ok);			\
	printf(__VA_ARGS__);		\
	putchar('\n');			\
} while (0)

/* --- building replies --------------------------------------------------------- */

struct reply {
	char *buf;
	size_t len;
	unsigned int seq, portid;
	uint16_t flags;			/* NLM_F_DUMP_INTR, NLM_F_MULTI */
};

static void reply_start(struct reply *r, unsigned int seq, unsigned int portid)
{
	if (fk->qtail == QUEUE) {
		fputs("fake kernel: reply queue full\n", stderr);
		exit(99);
	}
	r->buf = fk->q[fk->qtail];
	r->len = 0;
	r->seq = seq;
	r->portid = portid;
	r->flags = 0;
}

static void reply_end(struct reply *r)
{
	fk->qlen[fk->qtail++] = r->len;
}

static struct nlmsghdr *msg_put(struct reply *r, uint16_t type, uint8_t cmd)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(r->buf + r->len);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = r->flags;
	nlh->nlmsg_seq = r->seq;
	nlh->nlmsg_pid = r->portid;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = 1;
	return nlh;
}

static void msg_end(struct reply *r, struct nlmsghdr *nlh)
{
	r->len += NLMSG_ALIGN(nlh->nlmsg_len);
}

static void put_done(struct reply *r)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(r->buf + r->len);
	int *zero = mnl_nlmsg_put_extra_header(nlh, sizeof(int));

	*zero = 0;
	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_flags = NLM_F_MULTI | r->flags;
	nlh->nlmsg_seq = r->seq;
	nlh->nlmsg_pid = r->portid;
	msg_end(r, nlh);
}

/* An ack (err 0) or an error with an extack message, attribute and range. */
static void put_err(struct reply *r, const struct nlmsghdr *req, int err,
		    const char *msg, int attr, uint64_t min, uint64_t max)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(r->buf + r->len);
	struct nlmsgerr *e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	const struct nlattr *a;
	struct nlattr *nest;

	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_flags = NLM_F_CAPPED | (err ? NLM_F_ACK_TLVS : 0);
	nlh->nlmsg_seq = r->seq;
	nlh->nlmsg_pid = r->portid;
	e->error = -err;
	e->msg = *req;
	if (err && msg)
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
	if (err && attr > 0) {
		mnl_attr_for_each(a, req, GENL_HDRLEN) {
			if (mnl_attr_get_type(a) == attr)
				mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS,
						 (const char *)a - (const char *)req);
		}
	}
	if (err && max) {
		nest = mnl_attr_nest_start(nlh, NLMSGERR_ATTR_POLICY);
		mnl_attr_put_u64(nlh, NL_POLICY_TYPE_ATTR_MIN_VALUE_U, min);
		mnl_attr_put_u64(nlh, NL_POLICY_TYPE_ATTR_MAX_VALUE_U, max);
		mnl_attr_nest_end(nlh, nest);
	}
	msg_end(r, nlh);
}

static void put_u64_nest(struct nlmsghdr *nlh, int type, const uint64_t *v,
			 unsigned int n)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);
	unsigned int i;

	for (i = 1; i < n; i++)
		mnl_attr_put_u64(nlh, i, v[i]);
	mnl_attr_nest_end(nlh, nest);
}

/* The tunnel attributes of gre1: the README's example of show. */
static void put_gre1(struct reply *r, int ifindex, const char *name)
{
	static const uint64_t rtt[] = { 0, 1380, 504, 1335, 1454 };
	static const uint64_t stats[] = { 0, 2, 2, 0, 2, 0, 1, 1, 12 };
	uint64_t refused[GRE_KA_A_REFUSED_MAX + 1] = {};
	struct nlmsghdr *nlh = msg_put(r, FAMILY_ID, GRE_KA_CMD_GET);

	refused[12] = 3;
	mnl_attr_put_u32(nlh, GRE_KA_A_IFINDEX, ifindex);
	mnl_attr_put_strz(nlh, GRE_KA_A_IFNAME, name);
	mnl_attr_put_strz(nlh, GRE_KA_A_KIND, "gre");
	mnl_attr_put_u8(nlh, GRE_KA_A_ENABLED, !!strcmp(name, "gre0"));
	mnl_attr_put_u32(nlh, GRE_KA_A_PERIOD_MS, 1000);
	mnl_attr_put_u32(nlh, GRE_KA_A_RETRIES, 3);
	mnl_attr_put_u32(nlh, GRE_KA_A_UP_COUNT, 1);
	mnl_attr_put_u8(nlh, GRE_KA_A_REFLECT, 1);
	mnl_attr_put_u8(nlh, GRE_KA_A_AUTH, 1);
	mnl_attr_put_u8(nlh, GRE_KA_A_PASSIVE, 0);
	mnl_attr_put_u8(nlh, GRE_KA_A_STATE, GRE_KA_STATE_UP);
	mnl_attr_put_u8(nlh, GRE_KA_A_CARRIER, 1);
	mnl_attr_put_u8(nlh, GRE_KA_A_ADMIN_UP, 1);
	mnl_attr_put_u32(nlh, GRE_KA_A_COUNTER, 0);
	mnl_attr_put_u32(nlh, GRE_KA_A_UP_NEEDED, 1);
	mnl_attr_put_u64(nlh, GRE_KA_A_LAST_CHANGE_MS, 2400);
	mnl_attr_put_u8(nlh, GRE_KA_A_CAUSE, 5);
	mnl_attr_put_u32(nlh, GRE_KA_A_PEER_PERIOD_MS, 1000);
	put_u64_nest(nlh, GRE_KA_A_RTT, rtt, ARRAY_SIZE(rtt));
	put_u64_nest(nlh, GRE_KA_A_STATS, stats, ARRAY_SIZE(stats));
	/* A newer module's counts the peer reasons too: they stay out. */
	put_u64_nest(nlh, GRE_KA_A_REFUSED, refused, ARRAY_SIZE(refused));
	msg_end(r, nlh);
}

static void put_peer(struct nlmsghdr *nlh, const char *addr, uint8_t origin,
		     uint8_t state, uint32_t counter, uint8_t cause, uint64_t tx)
{
	uint64_t stats[] = { 0, tx, state == GRE_KA_STATE_UP ? tx : 1, 0, 0, 0,
			     state == GRE_KA_STATE_UP ? 0 : 1, 0, 0 };
	uint64_t rtt[] = { 0, 900, 800, 1000, 1200 };
	uint64_t refused[GRE_KA_A_REFUSED_MAX + 1] = {};
	struct nlattr *nest = mnl_attr_nest_start(nlh, GRE_KA_A_PEER);
	uint8_t a[16];
	int len = strchr(addr, ':') ? 16 : 4;

	inet_pton(len == 4 ? AF_INET : AF_INET6, addr, a);
	refused[22] = origin == GRE_KA_PEER_ORIGIN_PASSIVE ? 5 : 0;
	mnl_attr_put(nlh, GRE_KA_A_PEER_ADDR, len, a);
	mnl_attr_put_u8(nlh, GRE_KA_A_PEER_ORIGIN, origin);
	mnl_attr_put_u8(nlh, GRE_KA_A_PEER_STATE, state);
	mnl_attr_put_u32(nlh, GRE_KA_A_PEER_COUNTER, counter);
	mnl_attr_put_u32(nlh, GRE_KA_A_PEER_UP_NEEDED, 1);
	mnl_attr_put_u64(nlh, GRE_KA_A_PEER_LAST_CHANGE_MS, 65000);
	mnl_attr_put_u8(nlh, GRE_KA_A_PEER_CAUSE, cause);
	mnl_attr_put_u32(nlh, GRE_KA_A_PEER_PEER_PERIOD_MS, 0);
	if (state == GRE_KA_STATE_UP)
		put_u64_nest(nlh, GRE_KA_A_PEER_RTT, rtt, ARRAY_SIZE(rtt));
	put_u64_nest(nlh, GRE_KA_A_PEER_STATS, stats, ARRAY_SIZE(stats));
	put_u64_nest(nlh, GRE_KA_A_PEER_REFUSED, refused, ARRAY_SIZE(refused));
	mnl_attr_put_u32(nlh, GRE_KA_A_PEER_NEIGHS,
			 origin & GRE_KA_PEER_ORIGIN_NEIGH ? 2 : 0);
	mnl_attr_put_u32(nlh, GRE_KA_A_PEER_NEIGHS_HELD,
			 state == GRE_KA_STATE_DOWN ? 2 : 0);
	mnl_attr_nest_end(nlh, nest);
}

/* mgre1's first message: the tunnel, and the peers that fit (two here). */
static void put_mgre1_head(struct reply *r, bool peers)
{
	static const uint64_t stats[] = { 0, 30, 20, 0, 0, 0, 1, 0, 0 };
	uint64_t refused[GRE_KA_A_REFUSED_MAX + 1] = {};
	struct nlmsghdr *nlh = msg_put(r, FAMILY_ID, GRE_KA_CMD_GET);

	refused[23] = 7;
	mnl_attr_put_u32(nlh, GRE_KA_A_IFINDEX, 7);
	mnl_attr_put_strz(nlh, GRE_KA_A_IFNAME, "mgre1");
	mnl_attr_put_strz(nlh, GRE_KA_A_KIND, "gre");
	mnl_attr_put_u8(nlh, GRE_KA_A_ENABLED, 1);
	mnl_attr_put_u32(nlh, GRE_KA_A_PERIOD_MS, 500);
	mnl_attr_put_u32(nlh, GRE_KA_A_RETRIES, 2);
	mnl_attr_put_u32(nlh, GRE_KA_A_UP_COUNT, 1);
	mnl_attr_put_u8(nlh, GRE_KA_A_REFLECT, 1);
	mnl_attr_put_u8(nlh, GRE_KA_A_AUTH, 1);
	mnl_attr_put_u8(nlh, GRE_KA_A_PASSIVE, 1);
	mnl_attr_put_u8(nlh, GRE_KA_A_STATE, GRE_KA_STATE_UP);
	mnl_attr_put_u8(nlh, GRE_KA_A_CARRIER, 1);
	mnl_attr_put_u8(nlh, GRE_KA_A_ADMIN_UP, 1);
	mnl_attr_put_u8(nlh, GRE_KA_A_MULTIPOINT, 1);
	mnl_attr_put_u32(nlh, GRE_KA_A_PEERS, 3);
	mnl_attr_put_u32(nlh, GRE_KA_A_PEERS_DOWN, 1);
	put_u64_nest(nlh, GRE_KA_A_STATS, stats, ARRAY_SIZE(stats));
	put_u64_nest(nlh, GRE_KA_A_REFUSED, refused, ARRAY_SIZE(refused));
	if (peers) {
		put_peer(nlh, "192.0.2.3", GRE_KA_PEER_ORIGIN_NEIGH |
			 GRE_KA_PEER_ORIGIN_STATIC, GRE_KA_STATE_DOWN, 4, 3, 9);
		put_peer(nlh, "192.0.2.2", GRE_KA_PEER_ORIGIN_STATIC,
			 GRE_KA_STATE_UP, 0, 5, 12);
	}
	msg_end(r, nlh);
}

/* The rest of mgre1's peers: ifindex, name, peers, no kind. */
static void put_mgre1_more(struct reply *r)
{
	struct nlmsghdr *nlh = msg_put(r, FAMILY_ID, GRE_KA_CMD_GET);

	mnl_attr_put_u32(nlh, GRE_KA_A_IFINDEX, 7);
	mnl_attr_put_strz(nlh, GRE_KA_A_IFNAME, "mgre1");
	put_peer(nlh, "192.0.2.1", GRE_KA_PEER_ORIGIN_PASSIVE, GRE_KA_STATE_UP,
		 0, 6, 3);
	msg_end(r, nlh);
}

/* --- the fake kernel ------------------------------------------------------------ */

static const struct nlattr *req_attr(const struct nlmsghdr *req, int type)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, req, GENL_HDRLEN)
		if (mnl_attr_get_type(a) == type)
			return a;
	return NULL;
}

static void fake_family(const struct nlmsghdr *req, struct reply *r)
{
	const struct nlattr *name = req_attr(req, CTRL_ATTR_FAMILY_NAME);
	bool ours = name && !strcmp(mnl_attr_get_str(name), GRE_KA_FAMILY_NAME);
	struct nlattr *grps, *grp;
	struct nlmsghdr *nlh;

	if (ours && fk->no_family) {
		put_err(r, req, ENOENT, NULL, 0, 0, 0);
		return;
	}
	nlh = msg_put(r, GENL_ID_CTRL, CTRL_CMD_NEWFAMILY);
	mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, ours ? FAMILY_ID : GENL_ID_CTRL);
	mnl_attr_put_u32(nlh, CTRL_ATTR_VERSION, ours ? 1 : 2);
	grps = mnl_attr_nest_start(nlh, CTRL_ATTR_MCAST_GROUPS);
	grp = mnl_attr_nest_start(nlh, 1);
	mnl_attr_put_strz(nlh, CTRL_ATTR_MCAST_GRP_NAME, ours ? "events" : "notify");
	mnl_attr_put_u32(nlh, CTRL_ATTR_MCAST_GRP_ID, ours ? EVENTS_GRP : CTRL_GRP);
	mnl_attr_nest_end(nlh, grp);
	mnl_attr_nest_end(nlh, grps);
	msg_end(r, nlh);
	put_err(r, req, 0, NULL, 0, 0, 0);
}

/* A dump: two reads, mgre1's peers split between them. */
static void fake_dump(const struct nlmsghdr *req, unsigned int portid)
{
	const struct nlattr *idx = req_attr(req, GRE_KA_A_IFINDEX);
	bool intr = fk->dumps < fk->intr_dumps;
	struct reply r;

	fk->dumps++;
	fk->dump_ifindex = idx ? mnl_attr_get_u32(idx) : 0;
	reply_start(&r, req->nlmsg_seq, portid);
	r.flags = NLM_F_MULTI | (intr ? NLM_F_DUMP_INTR : 0);
	if (!fk->dump_ifindex) {
		put_gre1(&r, 2, "gre0");
		put_gre1(&r, 5, "gre1");
		/* An interrupted dump may hold a tunnel twice. */
		if (intr)
			put_gre1(&r, 5, "gre1");
	}
	put_mgre1_head(&r, true);
	reply_end(&r);
	reply_start(&r, req->nlmsg_seq, portid);
	r.flags = NLM_F_MULTI | (intr ? NLM_F_DUMP_INTR : 0);
	put_mgre1_more(&r);
	put_done(&r);
	reply_end(&r);
}

static void fake_get(const struct nlmsghdr *req, struct reply *r)
{
	const struct nlattr *name = req_attr(req, GRE_KA_A_IFNAME);
	const char *dev = name ? mnl_attr_get_str(name) : "";

	if (!strcmp(dev, "gre1")) {
		put_gre1(r, 5, "gre1");
	} else if (!strcmp(dev, "mgre1")) {
		/* A GET's reply has room for no peer here: the tool dumps. */
		put_mgre1_head(r, false);
	} else {
		put_err(r, req, strcmp(dev, "eth0") ? ENODEV : EOPNOTSUPP,
			NULL, 0, 0, 0);
		return;
	}
	put_err(r, req, 0, NULL, 0, 0, 0);
}

static void fake_set(const struct nlmsghdr *req, struct reply *r)
{
	const struct nlattr *a;

	fk->sets++;
	fk->set_mask = 0;
	mnl_attr_for_each(a, req, GENL_HDRLEN) {
		int type = mnl_attr_get_type(a);

		if (type > GRE_KA_A_MAX || type == GRE_KA_A_IFNAME)
			continue;
		fk->set_mask |= BIT(type);
		fk->set_val[type] = mnl_attr_get_payload_len(a) == 1 ?
				    mnl_attr_get_u8(a) : mnl_attr_get_u32(a);
	}
	if (fk->set_errno)
		put_err(r, req, fk->set_errno, "integer out of range",
			fk->set_err_attr, 1, 255);
	else
		put_err(r, req, 0, NULL, 0, 0, 0);
}

static void fake_peer(const struct nlmsghdr *req, struct reply *r, uint8_t cmd)
{
	const struct nlattr *nest = req_attr(req, GRE_KA_A_PEER), *a;

	fk->peer_cmd = cmd;
	fk->peer_addr_len = 0;
	if (nest) {
		mnl_attr_for_each_nested(a, nest) {
			if (mnl_attr_get_type(a) != GRE_KA_A_PEER_ADDR ||
			    mnl_attr_get_payload_len(a) > 16)
				continue;
			fk->peer_addr_len = mnl_attr_get_payload_len(a);
			memcpy(fk->peer_addr, mnl_attr_get_payload(a),
			       fk->peer_addr_len);
		}
	}
	put_err(r, req, fk->peer_errno,
		fk->peer_errno == ENOENT ? "no such static peer" : NULL, 0, 0, 0);
}

/*
 * The wrapped libmnl calls (-Wl,--wrap=...): the linker sends the
 * command's calls here; no prototype, nothing else calls them.
 */
ssize_t __wrap_mnl_socket_sendto(const struct mnl_socket *nl, const void *buf,
				 size_t siz)
{
	const struct nlmsghdr *req = buf;
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(req);
	unsigned int portid = mnl_socket_get_portid(nl);
	struct reply r;

	if (req->nlmsg_type == RTM_GETLINK) {
		reply_start(&r, req->nlmsg_seq, portid);
		put_done(&r);
		reply_end(&r);
		return siz;
	}
	if (req->nlmsg_type == FAMILY_ID && g->cmd == GRE_KA_CMD_GET &&
	    (req->nlmsg_flags & NLM_F_DUMP)) {
		fake_dump(req, portid);
		return siz;
	}
	reply_start(&r, req->nlmsg_seq, portid);
	if (req->nlmsg_type == GENL_ID_CTRL)
		fake_family(req, &r);
	else if (g->cmd == GRE_KA_CMD_GET)
		fake_get(req, &r);
	else if (g->cmd == GRE_KA_CMD_SET)
		fake_set(req, &r);
	else
		fake_peer(req, &r, g->cmd);
	reply_end(&r);
	return siz;
}

ssize_t __wrap_mnl_socket_recvfrom(const struct mnl_socket *nl, void *buf,
				   size_t siz)
{
	size_t n;

	(void)nl;
	if (fk->qhead == fk->qtail) {
		/* The monitor's end: the family goes. */
		struct reply r;
		struct nlmsghdr *nlh;

		fk->qhead = 0;
		fk->qtail = 0;
		reply_start(&r, 0, 0);
		nlh = msg_put(&r, GENL_ID_CTRL, CTRL_CMD_DELFAMILY);
		mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, FAMILY_ID);
		msg_end(&r, nlh);
		reply_end(&r);
	}
	n = fk->qlen[fk->qhead];
	if (n > siz)
		n = siz;
	memcpy(buf, fk->q[fk->qhead], n);
	if (++fk->qhead == fk->qtail) {
		fk->qhead = 0;
		fk->qtail = 0;
	}
	return n;
}

int __wrap_mnl_socket_setsockopt(const struct mnl_socket *nl, int type,
				 void *buf, socklen_t len)
{
	(void)nl;
	(void)type;
	(void)buf;
	(void)len;
	return 0;
}

/* --- running commands ------------------------------------------------------------ */

struct result {
	int code;
	char out[65536];
	char err[4096];
};

static void slurp(FILE *f, char *buf, size_t size)
{
	size_t n;

	rewind(f);
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* Run a subcommand as main would, in a child: exit code, stdout, stderr. */
static void run(struct result *res, int (*fn)(struct gk *, int, char **),
		enum gk_format format, const char *input, ...)
{
	FILE *out = tmpfile(), *err = tmpfile(), *in = tmpfile();
	char *argv[16];
	va_list ap;
	int argc = 0, status;
	pid_t pid;

	va_start(ap, input);
	while (argc < 15 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	if (input)
		fputs(input, in);
	rewind(in);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct gk g = {};

		dup2(fileno(in), STDIN_FILENO);
		dup2(fileno(out), STDOUT_FILENO);
		dup2(fileno(err), STDERR_FILENO);
		opt_format = format;
		fk->qhead = 0;
		fk->qtail = 0;
		status = fn(&g, argc, argv);
		fflush(stdout);
		_exit(status);
	}
	waitpid(pid, &status, 0);
	res->code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
	slurp(out, res->out, sizeof(res->out));
	slurp(err, res->err, sizeof(res->err));
	fclose(in);
}

static bool has(const char *text, const char *want)
{
	if (strstr(text, want))
		return true;
	fprintf(stderr, "# missing: %s\n# in:\n%s\n", want, text);
	return false;
}

static void reset(void)
{
	memset(fk, 0, sizeof(*fk));
}

/* --- the cases ----------------------------------------------------------------------- */

static const char gre1_text[] =
	"gre1 is up, line protocol is up\n"
	"  Keepalive set (1 sec), retries 3, counter 0, up after 1 reply\n"
	"  Reflection on, authentication on, up_count 1\n"
	"  Passive off, peer period 1 sec, 12 peer keepalives received\n"
	"  Last line protocol change 00:00:02 ago, cause reply\n"
	"  RTT min/avg/max 0.504/1.335/1.454 ms\n"
	"  Keepalives 2 sent, 2 received, 2 reflected, 0 invalid, 0 reflect dropped\n"
	"  1 down transitions, 1 up transitions\n"
	"  Refused: request_address 3\n";

static const char * const mgre1_peer_lines[] = {
	"  Peers 3, 1 down:\n",
	"    192.0.2.1 up, passive, RTT avg 1.000 ms, 3 sent, 3 received, last change 00:01:05 ago, cause request, 0 neighbours, 0 held\n",
	"    192.0.2.2 up, static, RTT avg 1.000 ms, 12 sent, 12 received, last change 00:01:05 ago, cause reply, 0 neighbours, 0 held\n",
	"    192.0.2.3 down, static+neigh, RTT avg - ms, 9 sent, 1 received, last change 00:01:05 ago, cause unanswered, 2 neighbours, 2 held\n",
};

static char mgre1_peers_text[1024];

static void test_show(void)
{
	struct result r;
	const char *p;

	reset();
	run(&r, cmd_show, GK_FMT_TEXT, NULL, NULL);
	check(r.code == 0, "show: exit 0 (%d: %s)", r.code, r.err);
	check(!strncmp(r.out, gre1_text, sizeof(gre1_text) - 1),
	      "show: a point-to-point tunnel as it always was, the peer reasons left out");
	check(!strstr(r.out, "gre0"), "show: the unused fallback gre0 left out");
	check(fk->dumps == 1 && fk->dump_ifindex == 0, "show: one dump of all");
	p = strstr(r.out, "mgre1 is up, line protocol is up\n");
	check(p, "show: mgre1 after gre1");
	check(p && has(p, "  Refused: request_not_peer 7\n"),
	      "show: a multipoint tunnel's peer reasons are listed");
	check(p && has(p, mgre1_peers_text),
	      "show: mgre1's three peers, merged from two messages, by address");
	if (failed)
		fprintf(stderr, "%s", r.out);

	reset();
	run(&r, cmd_show, GK_FMT_TEXT, NULL, "mgre1", NULL);
	check(r.code == 0 && fk->dumps == 1 && fk->dump_ifindex == 7,
	      "show mgre1: a GET, then a dump of that tunnel alone (ifindex 7)");
	check(has(r.out, mgre1_peers_text) && !strncmp(r.out, "mgre1 is", 8) &&
	      !strstr(r.out, "\ngre1 is"),
	      "show mgre1: its peers, no other tunnel");

	reset();
	run(&r, cmd_show, GK_FMT_TEXT, NULL, "gre1", NULL);
	check(r.code == 0 && fk->dumps == 0 && !strcmp(r.out, gre1_text),
	      "show gre1: one GET, the same text");

	reset();
	run(&r, cmd_show, GK_FMT_TEXT, NULL, "nodev", NULL);
	check(r.code == GK_EXIT_NOT_FOUND && has(r.err, "no such device: nodev"),
	      "show nodev: not found (exit 4)");
	reset();
	run(&r, cmd_show, GK_FMT_TEXT, NULL, "eth0", NULL);
	check(r.code == GK_EXIT_NOT_FOUND && has(r.err, "eth0: no keepalive support"),
	      "show eth0: not ours (exit 4)");
	reset();
	fk->no_family = true;
	run(&r, cmd_show, GK_FMT_TEXT, NULL, NULL);
	check(r.code == GK_EXIT_NOT_FOUND && has(r.err, "the gre_ka module is not loaded"),
	      "show without the module: exit 4");
}

static void test_dump_intr(void)
{
	struct result r;

	reset();
	fk->intr_dumps = 2;
	run(&r, cmd_show, GK_FMT_TEXT, NULL, NULL);
	check(r.code == 0 && fk->dumps == 3,
	      "interrupted dumps are taken again (3 dumps for 2 interrupted)");
	check(!strncmp(r.out, gre1_text, sizeof(gre1_text) - 1) &&
	      !strstr(r.out + 1, "\ngre1 is") && !r.err[0],
	      "the settled dump is shown: gre1 once, no warning");

	reset();
	fk->intr_dumps = 100;
	run(&r, cmd_show, GK_FMT_JSON, NULL, NULL);
	check(r.code == 0 && fk->dumps == 5, "a dump that never settles: 5 tries");
	check(has(r.err, "tunnels kept changing during 5 dumps"),
	      "... and a warning on stderr");
	check(strstr(r.out, "\"name\": \"gre1\"") &&
	      !strstr(strstr(r.out, "\"name\": \"gre1\"") + 1, "\"name\": \"gre1\""),
	      "... each tunnel once");

	reset();
	fk->intr_dumps = 1;
	run(&r, cmd_show, GK_FMT_TEXT, NULL, "mgre1", NULL);
	check(r.code == 0 && fk->dumps == 2 && has(r.out, mgre1_peers_text),
	      "the dump of one multipoint tunnel is taken again too");
}

/* The line of TEXT that holds WANT, into buf ("" if none). */
static void line_of(char *buf, size_t size, const char *text, const char *want)
{
	const char *p = strstr(text, want), *end;

	buf[0] = '\0';
	if (!p)
		return;
	while (p > text && p[-1] != '\n')
		p--;
	end = strchrnul(p, '\n');
	snprintf(buf, size, "%.*s", (int)(end - p), p);
}

static void test_json(void)
{
	char line[16384];
	struct result r;
	bool ok;

	reset();
	run(&r, cmd_show, GK_FMT_JSON, NULL, NULL);
	check(r.code == 0, "--json show: exit 0");
	line_of(line, sizeof(line), r.out, "{\"name\": \"gre1\"");
	check(has(line, "\"request_reflect_off\": 0}},") &&
	      !strstr(line, "reply_not_peer") && !strstr(line, "multipoint"),
	      "--json: gre1's refused object ends at request_reflect_off, no multipoint key");
	ok = has(r.out,
		 "\"multipoint\": true, \"peer_count\": 3, \"peers_down\": 1, \"peers\": [{\"nbma\": \"192.0.2.1\", \"state\": \"up\", \"line_protocol\": \"up\", \"origin\": \"passive\", \"origins\": [\"passive\"], \"counter\": 0");
	check(ok, "--json: mgre1 has peers, sorted, with nbma, state, origin, origins");
	ok = has(r.out,
		 "{\"nbma\": \"192.0.2.3\", \"state\": \"down\", \"line_protocol\": \"down\", \"origin\": \"static\", \"origins\": [\"static\", \"neigh\"]");
	check(ok, "--json: origin is static when that bit is set, origins has every bit");
	check(has(r.out, "\"neighs\": 2, \"neighs_held\": 2, \"tx\": 9, \"rx\": 1,") &&
	      has(r.out, "\"rtt_avg_us\": 1000,") && has(r.out, "\"rtt_avg_us\": null"),
	      "--json: a peer's tx, rx, rtt_avg_us beside its state (null until measured)");
	check(has(r.out, "\"request_peer_limit\": 0}}]}"),
	      "--json: a peer's refused object has every reason");
}

#define PEER_REFUSED \
	"gre_ka_peer_refused_total{device=\"mgre1\",peer=\"192.0.2.1\",reason=\"reply_not_peer\"} 5\n"

static void test_prometheus(void)
{
	struct result r;

	reset();
	run(&r, cmd_show, GK_FMT_PROMETHEUS, NULL, NULL);
	check(r.code == 0 && !r.err[0], "prometheus: exit 0, nothing on stderr");
	check(has(r.out, "# TYPE gre_ka_line_protocol_up gauge\n"
		  "gre_ka_line_protocol_up{device=\"gre1\"} 1\n"
		  "gre_ka_line_protocol_up{device=\"mgre1\"} 1\n"),
	      "prometheus: one header, then every tunnel's sample");
	check(has(r.out, "gre_ka_period_seconds{device=\"mgre1\"} 0.500\n") &&
	      has(r.out, "gre_ka_rtt_avg_seconds{device=\"gre1\"} 0.001335\n") &&
	      !strstr(r.out, "gre_ka_rtt_avg_seconds{device=\"mgre1\"}"),
	      "prometheus: seconds, RTTs only once measured");
	check(has(r.out, "gre_ka_transitions_total{device=\"gre1\",direction=\"down\"} 1\n") &&
	      has(r.out, "gre_ka_refused_total{device=\"gre1\",reason=\"request_address\"} 3\n") &&
	      !strstr(r.out, "gre_ka_refused_total{device=\"gre1\",reason=\"reply_not_peer\"}") &&
	      has(r.out, "gre_ka_refused_total{device=\"mgre1\",reason=\"request_not_peer\"} 7\n"),
	      "prometheus: transitions and refusals by label; peer reasons only on mgre1");
	check(has(r.out, "gre_ka_peers{device=\"mgre1\"} 3\n") &&
	      has(r.out, "gre_ka_peers_down{device=\"mgre1\"} 1\n") &&
	      has(r.out, "gre_ka_peer_up{device=\"mgre1\",peer=\"192.0.2.1\"} 1\n"
		  "gre_ka_peer_up{device=\"mgre1\",peer=\"192.0.2.2\"} 1\n"
		  "gre_ka_peer_up{device=\"mgre1\",peer=\"192.0.2.3\"} 0\n") &&
	      has(r.out,
		  "gre_ka_peer_keepalives_sent_total{device=\"mgre1\",peer=\"192.0.2.2\"} 12\n") &&
	      has(r.out,
		  "gre_ka_peer_neighbours_held{device=\"mgre1\",peer=\"192.0.2.3\"} 2\n") &&
	      has(r.out, PEER_REFUSED),
	      "prometheus: per peer, labelled device and peer");
}

static void test_conf(void)
{
	struct result r;
	static char conf[sizeof(((struct result *)0)->out)];

	reset();
	run(&r, cmd_showconf, GK_FMT_TEXT, NULL, "gre1", NULL);
	check(r.code == 0 &&
	      has(r.out, "\nenabled on\nperiod_ms 1000\nretries 3\nup_count 1\n") &&
	      has(r.out, "\nup_count 1\nreflect on\nauth on\npassive off\n"),
	      "showconf: every setting, a line each");
	snprintf(conf, sizeof(conf), "%s", r.out);
	reset();
	run(&r, cmd_setconf, GK_FMT_TEXT, conf, "gre1", "-", NULL);
	check(r.code == 0 && fk->sets == 1 &&
	      fk->set_mask == (BIT(GRE_KA_A_ENABLED) | BIT(GRE_KA_A_PERIOD_MS) |
			       BIT(GRE_KA_A_RETRIES) | BIT(GRE_KA_A_UP_COUNT) |
			       BIT(GRE_KA_A_REFLECT) | BIT(GRE_KA_A_AUTH) |
			       BIT(GRE_KA_A_PASSIVE)) &&
	      fk->set_val[GRE_KA_A_PERIOD_MS] == 1000 &&
	      fk->set_val[GRE_KA_A_ENABLED] == 1 && fk->set_val[GRE_KA_A_PASSIVE] == 0,
	      "setconf - with showconf's output: one SET of the same seven values");

	reset();
	run(&r, cmd_setconf, GK_FMT_TEXT,
	    "# Cisco's form\n  keepalive 0.5 2   # comment\n\npassive on\n", "gre1", "-", NULL);
	check(r.code == 0 && fk->sets == 1 && fk->set_val[GRE_KA_A_PERIOD_MS] == 500 &&
	      fk->set_val[GRE_KA_A_RETRIES] == 2 && fk->set_val[GRE_KA_A_ENABLED] == 1 &&
	      fk->set_val[GRE_KA_A_PASSIVE] == 1 && !(fk->set_mask & BIT(GRE_KA_A_AUTH)),
	      "setconf: keepalive SECONDS RETRIES, comments; what is left out is not sent");

	reset();
	run(&r, cmd_setconf, GK_FMT_TEXT, "enabled on\nretries three\n", "gre1", "-", NULL);
	check(r.code == GK_EXIT_USAGE && fk->sets == 0 &&
	      has(r.err, "<stdin>:2: bad value 'three' for retries: expected a whole number"),
	      "setconf: a bad line: exit 2, its number, nothing sent");
	reset();
	run(&r, cmd_setconf, GK_FMT_TEXT, "keepalive 10 3\nretries 4\n", "gre1", "-", NULL);
	check(r.code == GK_EXIT_USAGE && fk->sets == 0 &&
	      has(r.err, "<stdin>:2: retries given twice (also on line 1)"),
	      "setconf: a setting given twice");
	reset();
	run(&r, cmd_setconf, GK_FMT_TEXT, "period 10\n", "gre1", "-", NULL);
	check(r.code == GK_EXIT_USAGE && has(r.err, "<stdin>:1: unknown setting 'period'"),
	      "setconf: an unknown key");
	reset();
	run(&r, cmd_setconf, GK_FMT_TEXT, "retries\n", "gre1", "-", NULL);
	check(r.code == GK_EXIT_USAGE &&
	      has(r.err, "<stdin>:1: expected KEY VALUE: retries needs one value"),
	      "setconf: a key without a value");

	reset();
	fk->set_errno = ERANGE;
	fk->set_err_attr = GRE_KA_A_UP_COUNT;
	run(&r, cmd_setconf, GK_FMT_TEXT, "enabled on\n\nup_count 0\n", "gre1", "-", NULL);
	check(r.code == GK_EXIT_REFUSED &&
	      has(r.err, "<stdin>:3: gre1: setting keepalive failed: up_count: ") &&
	      has(r.err, "up_count: integer out of range (valid: 1..255)\n"),
	      "setconf: the kernel's refusal at the line that set it (exit 3)");
	reset();
	run(&r, cmd_setconf, GK_FMT_TEXT, NULL, "gre1", "/nonexistent/gre1.conf", NULL);
	check(r.code == GK_EXIT_NOT_FOUND && has(r.err, "/nonexistent/gre1.conf: No such file"),
	      "setconf: a missing file (exit 4)");
	reset();
	run(&r, cmd_setconf, GK_FMT_TEXT, "# nothing\n", "nodev", "-", NULL);
	check(r.code == GK_EXIT_NOT_FOUND && fk->sets == 0,
	      "setconf: an empty file still checks the device");
	reset();
	fk->set_errno = EPERM;
	run(&r, cmd_set, GK_FMT_TEXT, NULL, "gre1", "retries", "2", NULL);
	check(r.code == GK_EXIT_PERM && has(r.err, "permission denied"),
	      "set: not permitted (exit 5)");
	reset();
	run(&r, cmd_set, GK_FMT_TEXT, NULL, "gre1", "retries", NULL);
	check(r.code == GK_EXIT_USAGE, "set: usage (exit 2)");
}

static void test_peer(void)
{
	static const uint8_t v4[4] = { 192, 0, 2, 9 };
	struct result r;

	reset();
	run(&r, cmd_peer, GK_FMT_TEXT, NULL, "add", "mgre1", "192.0.2.9", NULL);
	check(r.code == 0 && fk->peer_cmd == GRE_KA_CMD_PEER_ADD &&
	      fk->peer_addr_len == 4 && !memcmp(fk->peer_addr, v4, 4),
	      "peer add: PEER_ADD with a 4-byte address in a GRE_KA_A_PEER nest");
	reset();
	run(&r, cmd_peer, GK_FMT_TEXT, NULL, "del", "mgre6", "2001:db8::9", NULL);
	check(r.code == 0 && fk->peer_cmd == GRE_KA_CMD_PEER_DEL &&
	      fk->peer_addr_len == 16 && fk->peer_addr[15] == 9,
	      "peer del: PEER_DEL with a 16-byte address");
	reset();
	fk->peer_errno = ENOENT;
	run(&r, cmd_peer, GK_FMT_TEXT, NULL, "del", "mgre1", "192.0.2.9", NULL);
	check(r.code == GK_EXIT_NOT_FOUND && has(r.err, "mgre1: no static peer 192.0.2.9"),
	      "peer del of no such peer: exit 4");
	reset();
	fk->peer_errno = EINVAL;
	run(&r, cmd_peer, GK_FMT_TEXT, NULL, "add", "mgre1", "192.0.2.9", NULL);
	check(r.code == GK_EXIT_REFUSED, "peer add refused: exit 3");
	reset();
	run(&r, cmd_peer, GK_FMT_TEXT, NULL, "add", "mgre1", "192.0.2", NULL);
	check(r.code == GK_EXIT_USAGE && fk->peer_cmd == 0, "peer add of a bad address: exit 2");
}

static void test_monitor(void)
{
	struct result r;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		reset();
		run(&r, cmd_monitor, pass ? GK_FMT_JSON : GK_FMT_TEXT, NULL, NULL);
		check(r.code == GK_EXIT_FAIL && has(r.err, "the gre_ka module was unloaded"),
		      "monitor%s: ends when the family goes", pass ? " --json" : "");
	}
}

/* A PEER_NTF through the monitor: queued once the family is resolved. */
static int monitor_with_event(struct gk *g, int argc, char **argv)
{
	struct reply r;
	struct nlmsghdr *nlh;

	gk_connect(g);
	reply_start(&r, 0, 0);
	nlh = msg_put(&r, FAMILY_ID, GRE_KA_CMD_PEER_NTF);
	mnl_attr_put_u32(nlh, GRE_KA_A_IFINDEX, 7);
	mnl_attr_put_strz(nlh, GRE_KA_A_IFNAME, "mgre1");
	put_peer(nlh, "192.0.2.2", GRE_KA_PEER_ORIGIN_STATIC, GRE_KA_STATE_DOWN,
		 4, 3, 12);
	msg_end(&r, nlh);
	reply_end(&r);
	return cmd_monitor(g, argc, argv);
}

static void test_monitor_peer(void)
{
	struct result r;

	reset();
	run(&r, monitor_with_event, GK_FMT_TEXT, NULL, NULL);
	check(r.out[0] == '[' &&
	      has(r.out, "] mgre1 peer 192.0.2.2: line protocol down, cause unanswered,") &&
	      has(r.out, ": line protocol down, cause unanswered, counter 4\n"),
	      "monitor: a peer's transition, with its address");
	reset();
	run(&r, monitor_with_event, GK_FMT_JSON, NULL, NULL);
	check(has(r.out, "\"event\": \"peer\", \"name\": \"mgre1\", \"ifindex\": 7, ") &&
	      has(r.out, "\"ifindex\": 7, \"nbma\": \"192.0.2.2\", \"state\": \"down\""),
	      "monitor --json: a peer event, flat");
}

int main(int argc, char **argv)
{
	struct result r;
	unsigned int i;

	fk = mmap(NULL, sizeof(*fk), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (fk == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	for (i = 0; i < ARRAY_SIZE(mgre1_peer_lines); i++)
		strcat(mgre1_peers_text, mgre1_peer_lines[i]);
	if (argc == 2 && !strcmp(argv[1], "prometheus")) {
		reset();
		run(&r, cmd_show, GK_FMT_PROMETHEUS, NULL, NULL);
		fputs(r.out, stdout);
		return r.code;
	}
	test_show();
	test_dump_intr();
	test_json();
	test_prometheus();
	test_conf();
	test_peer();
	test_monitor();
	test_monitor_peer();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
