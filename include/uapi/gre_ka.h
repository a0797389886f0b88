/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * The gre_ka generic netlink family, as described by
 * Documentation/netlink/specs/gre_ka.yaml (the reference; the VM tests
 * drive the family with the kernel's YNL tool from that spec, so the two
 * cannot drift apart unnoticed). Shared by the module and tools/gre-ka.
 */
#ifndef _UAPI_GRE_KA_H
#define _UAPI_GRE_KA_H

#define GRE_KA_FAMILY_NAME	"gre_ka"
#define GRE_KA_FAMILY_VERSION	1
#define GRE_KA_MCGRP_EVENTS	"events"

enum gre_ka_state_val {
	GRE_KA_STATE_DISABLED,
	GRE_KA_STATE_UP,
	GRE_KA_STATE_DOWN,
};

/* enum gre_ka_cause in include/gre_ka_proto.h has the same values. */
enum {
	GRE_KA_A_RTT_UNSPEC,
	GRE_KA_A_RTT_LAST,
	GRE_KA_A_RTT_MIN,
	GRE_KA_A_RTT_AVG,
	GRE_KA_A_RTT_MAX,
	__GRE_KA_A_RTT_MAX,
	GRE_KA_A_RTT_MAX_ATTR = __GRE_KA_A_RTT_MAX - 1,
};

enum {
	GRE_KA_A_STATS_UNSPEC,
	GRE_KA_A_STATS_TX,
	GRE_KA_A_STATS_RX,
	GRE_KA_A_STATS_RX_INVALID,
	GRE_KA_A_STATS_REFLECTED,
	GRE_KA_A_STATS_REFLECT_DROPPED,
	GRE_KA_A_STATS_DOWN_TRANSITIONS,
	GRE_KA_A_STATS_UP_TRANSITIONS,
	GRE_KA_A_STATS_RX_REQUESTS,
	GRE_KA_A_STATS_TX_ERRORS,
	__GRE_KA_A_STATS_MAX,
	GRE_KA_A_STATS_MAX = __GRE_KA_A_STATS_MAX - 1,
};

/*
 * The refused nest: attribute type = reason (enum gre_ka_reason), from
 * GRE_KA_A_REFUSED_FIRST (reply-short) to GRE_KA_A_REFUSED_MAX.
 */
#define GRE_KA_A_REFUSED_FIRST	2
#define GRE_KA_A_REFUSED_MAX	24

/*
 * Where a peer of a multipoint tunnel comes from: a bitmask, since the
 * same NBMA address may be named by several (GRE_KA_A_PEER_ORIGIN).
 */
enum gre_ka_peer_origin {
	GRE_KA_PEER_ORIGIN_NEIGH	= 1 << 0,	/* a neighbour entry maps to it */
	GRE_KA_PEER_ORIGIN_STATIC	= 1 << 1,	/* added over netlink */
	GRE_KA_PEER_ORIGIN_PASSIVE	= 1 << 2,	/* learned from its keepalives */
};

/*
 * One peer of a multipoint (mGRE) tunnel: the GRE_KA_A_PEER nest. Its
 * settings are the tunnel's; its state, RTT, counters and refusals are
 * its own, with the meaning the tunnel-level attributes of the same
 * names have for a point-to-point tunnel.
 */
enum {
	GRE_KA_A_PEER_UNSPEC,
	GRE_KA_A_PEER_ADDR,		/* binary, 4 (gre) or 16 (ip6gre) bytes */
	GRE_KA_A_PEER_ORIGIN,		/* u8, enum gre_ka_peer_origin bits */
	GRE_KA_A_PEER_STATE,		/* u8, enum gre_ka_state_val */
	GRE_KA_A_PEER_COUNTER,		/* u32 */
	GRE_KA_A_PEER_UP_NEEDED,	/* u32 */
	GRE_KA_A_PEER_LAST_CHANGE_MS,	/* u64 */
	GRE_KA_A_PEER_CAUSE,		/* u8, the cause enum */
	GRE_KA_A_PEER_PEER_PERIOD_MS,	/* u32 */
	GRE_KA_A_PEER_RTT,		/* nest, GRE_KA_A_RTT_* */
	GRE_KA_A_PEER_STATS,		/* nest, GRE_KA_A_STATS_* */
	GRE_KA_A_PEER_REFUSED,		/* nest, as GRE_KA_A_REFUSED */
	GRE_KA_A_PEER_NEIGHS,		/* u32: neighbour entries mapping to it */
	GRE_KA_A_PEER_NEIGHS_HELD,	/* u32: of those, held failed (it is down) */
	GRE_KA_A_PEER_PAD,
	__GRE_KA_A_PEER_MAX,
	GRE_KA_A_PEER_MAX = __GRE_KA_A_PEER_MAX - 1,
};

enum {
	GRE_KA_A_UNSPEC,
	GRE_KA_A_IFINDEX,
	GRE_KA_A_IFNAME,
	GRE_KA_A_KIND,
	GRE_KA_A_ENABLED,
	GRE_KA_A_PERIOD_MS,
	GRE_KA_A_RETRIES,
	GRE_KA_A_UP_COUNT,
	GRE_KA_A_REFLECT,
	GRE_KA_A_AUTH,
	GRE_KA_A_PASSIVE,
	GRE_KA_A_STATE,
	GRE_KA_A_CARRIER,
	GRE_KA_A_COUNTER,
	GRE_KA_A_UP_NEEDED,
	GRE_KA_A_LAST_CHANGE_MS,
	GRE_KA_A_CAUSE,
	GRE_KA_A_PEER_PERIOD_MS,
	GRE_KA_A_UNSUPPORTED,
	GRE_KA_A_RTT,
	GRE_KA_A_STATS,
	GRE_KA_A_REFUSED,
	GRE_KA_A_PAD,
	GRE_KA_A_ADMIN_UP,
	GRE_KA_A_MULTIPOINT,		/* u8: an mGRE device (no remote) */
	GRE_KA_A_PEERS,			/* u32: how many */
	GRE_KA_A_PEERS_DOWN,		/* u32: of those, down */
	GRE_KA_A_PEER,			/* nest, GRE_KA_A_PEER_*; multi */
	__GRE_KA_A_MAX,
	GRE_KA_A_MAX = __GRE_KA_A_MAX - 1,
};

enum {
	GRE_KA_CMD_UNSPEC,
	GRE_KA_CMD_GET,
	GRE_KA_CMD_SET,
	GRE_KA_CMD_STATE_NTF,
	GRE_KA_CMD_CONF_NTF,
	GRE_KA_CMD_PEER_ADD,
	GRE_KA_CMD_PEER_DEL,
	GRE_KA_CMD_PEER_NTF,
	__GRE_KA_CMD_MAX,
	GRE_KA_CMD_MAX = __GRE_KA_CMD_MAX - 1,
};

#endif /* _UAPI_GRE_KA_H */
