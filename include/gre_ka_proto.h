/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Wire format and pure logic of gre_ka: nothing in here touches a device,
 * a socket buffer or a lock, so KUnit can test all of it byte for byte.
 */
#ifndef _GRE_KA_PROTO_H
#define _GRE_KA_PROTO_H

#include <linux/types.h>
#include <linux/in6.h>
#include <linux/siphash.h>

/* sysfs and module parameter bounds (Documentation/ABI). */
#define GRE_KA_PERIOD_MS_MIN		10
#define GRE_KA_PERIOD_MS_MAX		32767000
#define GRE_KA_PERIOD_MS_DEFAULT	10000
#define GRE_KA_RETRIES_MIN		1
#define GRE_KA_RETRIES_MAX		255
#define GRE_KA_RETRIES_DEFAULT		3
#define GRE_KA_UP_COUNT_MIN		1
#define GRE_KA_UP_COUNT_MAX		255
#define GRE_KA_UP_COUNT_DEFAULT		1

/* 'G' 'K' 'A' and the trailer version. */
#define GRE_KA_MAGIC			0x474b4101

/*
 * The payload we put after the inner GRE header. Peers send it back
 * unchanged, so only we ever interpret it. All fields big-endian.
 * The MAC covers magic, seq and tx_ns under the tunnel's key.
 */
struct gre_ka_trailer {
	__be32 magic;
	__be32 seq;
	__be64 tx_ns;
	__be64 mac;
} __packed;

#define GRE_KA_TRAILER_LEN	sizeof(struct gre_ka_trailer)

/*
 * What the packet builder needs to know about the tunnel. The inner
 * header has the family of the underlay: IPv4 for ip_gre, IPv6 for ip6gre.
 */
struct gre_ka_pkt_params {
	unsigned short family;	/* AF_INET or AF_INET6 */
	__be32 src;		/* inner source: the tunnel's remote */
	__be32 dst;		/* inner destination: our own address */
	struct in6_addr src6;
	struct in6_addr dst6;
	__be32 key;		/* our input key, if key is set */
	bool has_key;
	bool has_csum;
	u8 tos;			/* IPv4 TOS or IPv6 traffic class */
};

/* Inner IPv6 + GRE (+csum, +key) + trailer, the most we ever build. */
#define GRE_KA_PKT_MAX_LEN	(40 + 4 + 4 + 4 + GRE_KA_TRAILER_LEN)

/* A GRE header with the optional fields the flags ask for. */
unsigned int gre_ka_gre_hlen(bool csum, bool key, bool seq);
unsigned int gre_ka_gre_fill(void *buf, __be16 proto, bool csum, bool key,
			     __be32 keyv, bool seq, __be32 seqv);
void gre_ka_gre_csum(void *greh, unsigned int len);

unsigned int gre_ka_pkt_len(const struct gre_ka_pkt_params *pp);
unsigned int gre_ka_pkt_build(void *buf, const struct gre_ka_pkt_params *pp,
			      const struct gre_ka_trailer *tr);

void gre_ka_trailer_seal(struct gre_ka_trailer *tr, u32 seq, u64 tx_ns,
			 const siphash_key_t *key);

enum gre_ka_verdict {
	GRE_KA_REPLY_OK,
	GRE_KA_REPLY_SHORT,	/* no room for a trailer */
	GRE_KA_REPLY_FOREIGN,	/* not our magic: not one of ours */
	GRE_KA_REPLY_BAD_MAC,
	GRE_KA_REPLY_STALE,	/* older than the freshness window */
	GRE_KA_REPLY_FUTURE,	/* claims a send time we have not reached */
	GRE_KA_REPLY_REPLAY,	/* sequence number not newer than the last */
};

enum gre_ka_verdict gre_ka_trailer_check(const struct gre_ka_trailer *tr,
					 unsigned int len,
					 const siphash_key_t *key,
					 u32 last_seq, u64 now_ns,
					 u64 window_ns);

/*
 * Flap dampening, in the spirit of OpenBSD's hold state: a down transition
 * fewer than GRE_KA_STABLE_REPLIES answered keepalives after the line came
 * up is a flap, and doubles the replies needed to come back up (up_count x
 * 2^penalty, at most x16); every GRE_KA_STABLE_REPLIES answered keepalives
 * in a row while up halve it again.
 */
#define GRE_KA_STABLE_REPLIES	10
#define GRE_KA_PENALTY_MAX	4

/*
 * The line-protocol state machine. counter: keepalives sent since the last
 * valid reply; streak: valid replies in a row while down; stable: valid
 * replies since the line last came up; penalty: flap dampening level.
 */
struct gre_ka_fsm {
	u32 counter;
	u32 streak;
	u32 stable;
	u32 penalty;
	bool down;
};

enum gre_ka_transition {
	GRE_KA_STAY,
	GRE_KA_GO_DOWN,
	GRE_KA_GO_UP,
};

void gre_ka_fsm_reset(struct gre_ka_fsm *fsm);
enum gre_ka_transition gre_ka_fsm_tick(struct gre_ka_fsm *fsm, u32 retries);
enum gre_ka_transition gre_ka_fsm_reply(struct gre_ka_fsm *fsm, u32 up_count);
u32 gre_ka_fsm_up_needed(const struct gre_ka_fsm *fsm, u32 up_count);

/* Round-trip times in nanoseconds; avg is smoothed like TCP's srtt. */
struct gre_ka_rtt {
	u64 last;
	u64 min;
	u64 avg;
	u64 max;
};

void gre_ka_rtt_update(struct gre_ka_rtt *rtt, u64 sample_ns);

/* Why an inner IPv4 packet is, or is not, a peer keepalive to reflect. */
enum gre_ka_peer_verdict {
	GRE_KA_PEER_OK,
	GRE_KA_PEER_NOT_GRE,	/* ordinary traffic: the fast way out */
	GRE_KA_PEER_MALFORMED,
	GRE_KA_PEER_FRAGMENT,
	GRE_KA_PEER_OPTIONS,
	GRE_KA_PEER_BAD_GRE,
	GRE_KA_PEER_ADDRESS,
	GRE_KA_PEER_TOO_BIG,
};

/* Largest inner packet we reflect; ours is 56 bytes, Cisco's 24. */
#define GRE_KA_REFLECT_MAX_LEN	256

enum gre_ka_peer_verdict gre_ka_peer_check(const void *data, unsigned int len,
					   __be32 local, __be32 remote);
enum gre_ka_peer_verdict gre_ka_peer_check6(const void *data, unsigned int len,
					    const struct in6_addr *local,
					    const struct in6_addr *remote);

#endif /* _GRE_KA_PROTO_H */
