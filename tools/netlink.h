/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gre-ka: the gre_ka generic netlink family (and a little rtnetlink),
 * and the tunnels and peers its messages describe.
 */
#ifndef GRE_KA_NETLINK_H
#define GRE_KA_NETLINK_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>

#include <libmnl/libmnl.h>

#include "gre-ka.h"
#include "uapi/gre_ka.h"

struct change;

/*
 * The refusal reasons 22 and up concern peers of multipoint tunnels: a
 * point-to-point tunnel's output names only those up to this one.
 */
#define REASON_P2P_LAST	21

#define NL_RECV_SIZE	65536	/* the kernel fills up to 32 KiB per read */

/* One peer of a multipoint tunnel: a GRE_KA_A_PEER nest. */
struct peer {
	uint32_t present;		/* bit n: GRE_KA_A_PEER_n was there */
	uint32_t rtt_present;
	uint32_t stats_present;
	uint32_t refused_present;
	uint8_t addr[16];		/* the NBMA address, network order */
	uint8_t addr_len;		/* 4, 16; 0 if absent or malformed */
	uint8_t origin, state, cause;
	uint32_t counter, up_needed, peer_period_ms, neighs, neighs_held;
	unsigned long long last_change_ms;
	unsigned long long rtt[GRE_KA_A_RTT_MAX_ATTR + 1];
	unsigned long long stats[GRE_KA_A_STATS_MAX + 1];
	unsigned long long refused[GRE_KA_A_REFUSED_MAX + 1];
};

#define PEER_HAS(p, a)	((p)->present & BIT(a))

/* One tunnel, as a GET reply, a dump or an event gives it. */
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
	uint8_t multipoint;
	uint32_t period_ms, retries, up_count, counter, up_needed;
	uint32_t peer_period_ms;
	uint32_t peers_total, peers_down;
	unsigned long long last_change_ms;
	unsigned long long rtt[GRE_KA_A_RTT_MAX_ATTR + 1];
	unsigned long long stats[GRE_KA_A_STATS_MAX + 1];
	unsigned long long refused[GRE_KA_A_REFUSED_MAX + 1];
	struct peer *peers;
	size_t npeers;
	size_t peers_cap;
};

#define HAS(t, a)	((t)->present & BIT(a))

/* Multipoint: said so, or has peers (a module may leave the flag out). */
static inline bool tunnel_multipoint(const struct tunnel *t)
{
	return (HAS(t, GRE_KA_A_MULTIPOINT) && t->multipoint) || t->npeers;
}

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
	bool dump_intr;			/* the last dump said NLM_F_DUMP_INTR */
};

struct family {
	uint16_t id;
	uint32_t version;
	uint32_t events_grp;		/* 0: not found */
	uint32_t ctrl_notify_grp;	/* nlctrl's, to see the module go */
};

/* The gre_ka family, reached when a command first needs the kernel. */
struct gk {
	struct nl nl;
	struct family fam;
	bool open;
};

void nl_open(struct nl *nl, int bus);
struct nl *gk_connect(struct gk *g);
int gk_family_version(uint32_t *version);

int tunnel_parse(const struct nlmsghdr *nlh, struct tunnel *t);
void tunnel_free(struct tunnel *t);
void tunnels_free(struct tunnels *ts);

int tunnels_dump(struct gk *g, uint32_t ifindex, struct tunnels *ts,
		 struct nl_err *e);
int tunnel_get(struct gk *g, const char *dev, struct tunnels *ts,
	       struct nl_err *e);
void tunnel_get_or_die(struct gk *g, const char *dev, struct tunnels *ts,
		       const char *what);
void links_admin_state(struct tunnels *ts);

int tunnel_set(struct gk *g, const char *dev, const struct change *c,
	       struct nl_err *e);
int peer_change(struct gk *g, uint8_t cmd, const char *dev,
		const uint8_t *addr, unsigned int addr_len, struct nl_err *e);

bool dev_name_ok(const char *dev);
void check_dev_name(const char *dev);
int errno_exit(int err);
void dev_error(const char *dev, const struct nl_err *e);
const char *kernel_msg(const struct nl_err *e, char *buf, size_t len);
void set_failed(struct gk *g, const char *dev, const struct nl_err *e,
		const char *where);

#endif /* GRE_KA_NETLINK_H */
