/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pure core of gre_ka: wire format, validators, the line-protocol state
 * machine, the peer-period learner, RTT smoothing and the reflection token
 * bucket. Nothing in here touches a device, a socket buffer, a clock or a
 * lock: callers pass the time and own the locking, so KUnit
 * (kunit/gre_ka_test.c, a module of its own) tests every rule byte for byte
 * and tick for tick.
 */
#ifndef _GRE_KA_PROTO_H
#define _GRE_KA_PROTO_H

#include <linux/types.h>
#include <linux/in6.h>
#include <linux/siphash.h>

/* sysfs, netlink and module parameter bounds (Documentation/ABI). */
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

/* An address of either family; which one is always known from context. */
union gre_ka_addr {
	__be32 ip;
	struct in6_addr ip6;
};

bool gre_ka_addr_any(unsigned short family, const union gre_ka_addr *a);
bool gre_ka_addr_eq(unsigned short family, const union gre_ka_addr *a,
		    const union gre_ka_addr *b);

/*
 * What the packet builder needs to know about the tunnel. The inner
 * header has the family of the underlay: IPv4 for ip_gre, IPv6 for ip6gre.
 */
struct gre_ka_pkt_params {
	unsigned short family;	/* AF_INET or AF_INET6 */
	union gre_ka_addr src;	/* inner source: the tunnel's remote */
	union gre_ka_addr dst;	/* inner destination: our own address */
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

/*
 * The MAC also covers the address of the peer the keepalive went to
 * (not on the wire: the peer echoes the trailer, we know whom we sent it
 * to), so that a reply one peer sent back cannot be replayed as another's.
 */
void gre_ka_trailer_seal(struct gre_ka_trailer *tr, u32 seq, u64 tx_ns,
			 const siphash_key_t *key, unsigned short family,
			 const union gre_ka_addr *peer);

/*
 * Why a keepalive was not answered or a reply not accepted. One list for
 * the counters (sysfs refused/, netlink), the tracepoints and the docs;
 * gre_ka_reason_name() gives each its ABI name. GRE_KA_R_OK and
 * GRE_KA_R_NOT_KEEPALIVE are verdicts, not reasons: never counted.
 */
enum gre_ka_reason {
	GRE_KA_R_OK,
	GRE_KA_R_NOT_KEEPALIVE,	/* ordinary traffic: the fast way out */
	/* replies: GRE protocol type 0 received on the tunnel */
	GRE_KA_R_REPLY_SHORT,	/* no room for a trailer */
	GRE_KA_R_REPLY_FOREIGN,	/* not our magic: not one of ours */
	GRE_KA_R_REPLY_BAD_MAC,
	GRE_KA_R_REPLY_STALE,	/* older than the freshness window */
	GRE_KA_R_REPLY_FUTURE,	/* claims a send time we have not reached */
	GRE_KA_R_REPLY_REPLAY,	/* sequence number not newer than the last */
	/* requests: the peer's keepalives, decapsulated by the tunnel */
	GRE_KA_R_REQ_MALFORMED,	/* header lengths or checksum wrong */
	GRE_KA_R_REQ_FRAGMENT,
	GRE_KA_R_REQ_OPTIONS,	/* IPv4 options or IPv6 extension headers */
	GRE_KA_R_REQ_BAD_GRE,	/* GRE version, routing or unknown flags */
	GRE_KA_R_REQ_ADDRESS,	/* source neither ours nor our overlay's */
	GRE_KA_R_REQ_TOO_BIG,
	GRE_KA_R_REQ_TTL,	/* TTL or hop limit 1: would expire */
	GRE_KA_R_REQ_RATE,	/* over the reflection rate limit */
	GRE_KA_R_REQ_NO_ROUTE,	/* no route to the peer in the underlay */
	GRE_KA_R_REQ_LOOP,	/* the route to the peer is this tunnel */
	GRE_KA_R_REQ_NOMEM,
	GRE_KA_R_REQ_REPLAY,	/* ours, but not newer than the last seen */
	GRE_KA_R_REQ_HUAWEI,	/* outer protocol type 0x0004 probe */
	GRE_KA_R_REQ_OFF,	/* valid, but reflect is 0 */
	/* multipoint tunnels: from an address that is no peer */
	GRE_KA_R_REPLY_NOT_PEER,
	GRE_KA_R_REQ_NOT_PEER,
	GRE_KA_R_REQ_PEER_LIMIT,	/* passive: no new peer learned now */
	GRE_KA_R_MAX,
};

#define GRE_KA_R_FIRST		GRE_KA_R_REPLY_SHORT
#define GRE_KA_R_FIRST_REQ	GRE_KA_R_REQ_MALFORMED

const char *gre_ka_reason_name(enum gre_ka_reason r);
/* Refusals of replies count in rx_invalid, the rest are about requests. */
bool gre_ka_reason_is_reply(enum gre_ka_reason r);

/*
 * Split in two so that the expensive part needs no lock: the MAC is
 * verified under the key of an RCU-published session, and only a packet
 * that passed it takes the tunnel's lock for freshness and replay.
 */
enum gre_ka_reason gre_ka_trailer_verify(const struct gre_ka_trailer *tr,
					 unsigned int len,
					 const siphash_key_t *key,
					 unsigned short family,
					 const union gre_ka_addr *peer);
enum gre_ka_reason gre_ka_trailer_fresh(const struct gre_ka_trailer *tr,
					u32 last_seq, u64 now_ns,
					u64 window_ns);

/* Serial-number arithmetic (RFC 1982) on 32-bit sequence numbers. */
static inline bool gre_ka_seq_after(u32 a, u32 b)
{
	return (s32)(a - b) > 0;
}

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
 * The line-protocol state machine. counter: keepalives sent (or, passive
 * only, requests expected) since the last valid reply or request; streak:
 * valid ones in a row while down; stable: valid ones since the line last
 * came up; penalty: flap dampening level.
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

/* Why the line protocol last changed (show, events, tracepoints). */
enum gre_ka_cause {
	GRE_KA_CAUSE_NONE,
	GRE_KA_CAUSE_START,		/* enabled, passive set, device up */
	GRE_KA_CAUSE_STOP,		/* disabled, device down, detached */
	GRE_KA_CAUSE_UNANSWERED,	/* retries keepalives unanswered */
	GRE_KA_CAUSE_SILENT,		/* passive: no request in the window */
	GRE_KA_CAUSE_REPLY,		/* up: valid replies */
	GRE_KA_CAUSE_REQUEST,		/* up: valid requests (passive) */
	GRE_KA_CAUSE_MAX,
};

const char *gre_ka_cause_name(enum gre_ka_cause c);

void gre_ka_fsm_reset(struct gre_ka_fsm *fsm);
enum gre_ka_transition gre_ka_fsm_tick(struct gre_ka_fsm *fsm, u32 retries);
enum gre_ka_transition gre_ka_fsm_reply(struct gre_ka_fsm *fsm, u32 up_count);
enum gre_ka_transition gre_ka_fsm_expire(struct gre_ka_fsm *fsm);
u32 gre_ka_fsm_up_needed(const struct gre_ka_fsm *fsm, u32 up_count);

/*
 * Passive liveness: the peer's period learned from the spacing of its
 * requests. A request of ours carries the sender's sequence number and send
 * time, which give the period exactly, whatever was lost on the way and
 * however the network delayed it (k = sequence distance). A request without
 * them (Cisco's bare format) gives only its arrival time (k = 0): the
 * interval is then divided by the nearest whole number of estimated
 * periods, and the estimate is learned again when intervals stop fitting.
 */
#define GRE_KA_LEARN_SAMPLES	4	/* intervals before a first estimate */
/* A sequence distance beyond this is not trusted to give the period. */
#define GRE_KA_LEARN_MAX_K	64
#define GRE_KA_LEARN_MISFIT	4	/* misfits in a row before learning anew */

struct gre_ka_learn {
	u64 est_ns;		/* 0 until learned */
	u64 cand_ns;		/* smallest interval while (re)learning */
	u8 samples;		/* intervals seen while (re)learning */
	u8 misfit;		/* intervals in a row that did not fit */
	u8 multiple;		/* intervals in a row of 2 periods or more */
	bool relearn;		/* est_ns stays in use until relearned */
};

void gre_ka_learn_reset(struct gre_ka_learn *l);
void gre_ka_learn_sample(struct gre_ka_learn *l, u64 interval_ns, u32 k);

/* a + b, or U64_MAX if that does not fit. */
static inline u64 gre_ka_add_sat(u64 a, u64 b)
{
	return a + b < a ? U64_MAX : a + b;
}

/*
 * The replay guard of passive liveness, over the requests that carry our
 * trailer. The receiver cannot verify a request (only its sender holds the
 * key), so what a request claims may move the guard only as far as the
 * time since could explain; otherwise one forged request with a send time
 * far ahead would make every genuine one look like a replay.
 *
 * The guard keeps the newest accepted request's send time (the sender's
 * monotonic clock) and its arrival (ours). Between two genuine requests
 * the sender's clock advances as much as ours, give or take the change
 * in network delay: a request claiming more (dt) than our elapsed time
 * plus the lag of the last one behind the earliest arrival seen (ref)
 * plus slack would have travelled faster than any before it. It is
 * refused, unless several in a row agree with each other (the path got
 * faster): then the guard re-anchors on them. The earliest-arrival
 * reference falls by at most a 1/1024 of the time (clock drift) per
 * accepted request, so a stream of forged requests gains on the genuine
 * ones only that slowly; it rises by what a whole batch of requests
 * lagged behind it (a slower path, not jitter). A first request anchors
 * the guard only tentatively: the next one must agree with it before
 * replays are refused.
 */
enum gre_ka_guard_state {
	GRE_KA_GUARD_NONE,
	GRE_KA_GUARD_TENTATIVE,
	GRE_KA_GUARD_KNOWN,
};

#define GRE_KA_GUARD_DRIFT_SHIFT	10	/* 1/1024: ~1000 ppm */
#define GRE_KA_GUARD_EARLY_RUN		3	/* early, agreeing, to re-anchor */
#define GRE_KA_GUARD_BATCH		8	/* requests per reference rise */

struct gre_ka_guard {
	u64 tx_ns;		/* the newest accepted: its send time */
	u64 at_ns;		/* and its arrival */
	s64 lag_ns;		/* its arrival behind the earliest reference */
	s64 batch_min_ns;	/* the least lag of this batch */
	u64 early_tx_ns;	/* the first of a run of early ones */
	u64 early_at_ns;
	u32 seq;
	u8 state;		/* enum gre_ka_guard_state */
	u8 early;		/* early ones in a row that agree */
	u8 batch_n;
};

void gre_ka_guard_reset(struct gre_ka_guard *g);
/*
 * GRE_KA_R_OK: accepted, as proof that the path works; *k is the sequence
 * distance to the previous accepted one and *dt_ns the sender's time
 * between them when both are trustworthy for the period learner (else
 * *k is 0). GRE_KA_R_REQ_REPLAY: not newer than the guard, or newer by
 * more than the time since explains.
 */
enum gre_ka_reason gre_ka_guard_check(struct gre_ka_guard *g, u32 seq,
				      u64 tx_ns, u64 now_ns, u64 slack_ns,
				      u64 forget_ns, u32 *k, u64 *dt_ns);

/* Round-trip times in nanoseconds; avg is smoothed like TCP's srtt. */
struct gre_ka_rtt {
	u64 last;
	u64 min;
	u64 avg;
	u64 max;
};

void gre_ka_rtt_update(struct gre_ka_rtt *rtt, u64 sample_ns);

/*
 * Token bucket for reflections, refilled by elapsed time: rate per second
 * sustained, burst deep. The caller may read the clock before taking its
 * lock, so two CPUs can present their times out of order: a time before
 * the bucket's stamp adds nothing rather than wrapping around.
 */
#define GRE_KA_REFLECT_RATE	100
#define GRE_KA_REFLECT_BURST	20

struct gre_ka_bucket {
	u64 stamp_ns;
	u32 tokens;
};

void gre_ka_bucket_init(struct gre_ka_bucket *b, u64 now_ns, u32 burst);
bool gre_ka_bucket_take(struct gre_ka_bucket *b, u64 now_ns, u32 rate,
			u32 burst);

/* Largest inner packet we reflect; ours is 56 bytes, Cisco's 24. */
#define GRE_KA_REFLECT_MAX_LEN	256

/*
 * A decapsulated packet that looks like a peer keepalive, validated: its
 * addresses, the key its inner GRE header carries, and our trailer's
 * sequence number and send time when it carries one.
 */
struct gre_ka_request {
	union gre_ka_addr src;
	union gre_ka_addr dst;
	unsigned int len;	/* of the inner packet, from its header */
	unsigned int ttl;	/* TTL or hop limit */
	__be32 key;
	bool has_key;		/* informational: see gre_ka_rx.c */
	bool ours;		/* carries a trailer with our magic */
	u32 seq;
	u64 tx_ns;
};

/*
 * Ingress runs before ip_rcv(), so nothing has validated the header yet.
 * GRE_KA_R_NOT_KEEPALIVE: not GRE with protocol type 0 (or, over IPv6,
 * 0x86dd, as MikroTik sends it): ordinary traffic, to pass on untouched.
 */
enum gre_ka_reason gre_ka_request_parse4(const void *data, unsigned int len,
					 struct gre_ka_request *rq);
enum gre_ka_reason gre_ka_request_parse6(const void *data, unsigned int len,
					 struct gre_ka_request *rq);

/*
 * Which tunnel parameters make keepalive impossible, and why in words;
 * NULL if none does. Two questions with different answers: whether we
 * may send keepalives (input sequencing would drop the replies), and
 * whether we may answer the peer's (only where the peer is a unicast
 * address we know: the remote, or a multipoint tunnel's peers; never
 * towards a multicast group, or whatever metadata a collect_md tunnel
 * carries).
 */
struct gre_ka_tnl_facts {
	unsigned short family;
	union gre_ka_addr remote;
	bool collect_md;
	bool iseq;
};

/*
 * A multipoint (mGRE) tunnel: no remote, and not collect_md. Its peers
 * are NBMA addresses it learns; it answers those and nobody else.
 */
bool gre_ka_multipoint_facts(const struct gre_ka_tnl_facts *f);

const char *gre_ka_unsupported_why(const struct gre_ka_tnl_facts *f);
const char *gre_ka_no_answer_why(const struct gre_ka_tnl_facts *f);

#endif /* _GRE_KA_PROTO_H */
