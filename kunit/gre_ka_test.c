// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites for gre_ka's pure core (gre_ka_proto.c): packet builder,
 * trailer MAC and freshness, the line-protocol state machine, the peer
 * period learner, RTT smoothing, the reflection token bucket and the
 * request validators. A module of its own (gre_ka_test.ko), built only on
 * kernels with CONFIG_KUNIT, using what gre_ka.ko exports to it there.
 */

#include <kunit/test.h>
#include <linux/if_tunnel.h>
#include <linux/ip.h>
#include <net/checksum.h>
#include <net/gre.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <linux/module.h>
#include <linux/rtnetlink.h>

#include "gre_ka.h"
#include "gre_ka_proto.h"
#include "gre_ka_compat.h"

#define A_ADDR	cpu_to_be32(0xc6336401)	/* 198.51.100.1 */
#define B_ADDR	cpu_to_be32(0xc6336402)	/* 198.51.100.2 */

static const siphash_key_t test_key = { { 0x0706050403020100ULL,
					   0x0f0e0d0c0b0a0908ULL } };
static const siphash_key_t other_key = { { 1, 2 } };

static const union gre_ka_addr peer_a = { .ip = A_ADDR };
static const union gre_ka_addr peer_b = { .ip = B_ADDR };

/* Sealed for, and verified as coming from, IPv4 peer A. */
static void seal(struct gre_ka_trailer *tr, u32 seq, u64 tx_ns,
		 const siphash_key_t *key)
{
	gre_ka_trailer_seal(tr, seq, tx_ns, key, AF_INET, &peer_a);
}

static enum gre_ka_reason verify(const struct gre_ka_trailer *tr,
				 unsigned int len, const siphash_key_t *key)
{
	return gre_ka_trailer_verify(tr, len, key, AF_INET, &peer_a);
}

static void build(struct kunit *test, u8 *buf, bool key, bool csum,
		  unsigned int *len)
{
	struct gre_ka_pkt_params pp = {
		.family = AF_INET,
		.src.ip = B_ADDR,
		.dst.ip = A_ADDR,
		.key = cpu_to_be32(0x01020304),
		.has_key = key,
		.has_csum = csum,
		.tos = 0xc0,
	};
	struct gre_ka_trailer tr;

	seal(&tr, 7, 1000, &test_key);
	*len = gre_ka_pkt_build(buf, &pp, &tr);
	KUNIT_ASSERT_EQ(test, *len, gre_ka_pkt_len(&pp));
}

static void pkt_plain(struct kunit *test)
{
	u8 buf[GRE_KA_PKT_MAX_LEN];
	struct iphdr *iph = (struct iphdr *)buf;
	unsigned int len;

	build(test, buf, false, false, &len);
	KUNIT_EXPECT_EQ(test, len, 20 + 4 + GRE_KA_TRAILER_LEN);
	KUNIT_EXPECT_EQ(test, buf[0], 0x45);
	KUNIT_EXPECT_EQ(test, buf[1], 0xc0);
	KUNIT_EXPECT_EQ(test, ntohs(iph->tot_len), len);
	KUNIT_EXPECT_EQ(test, buf[6], 0x40);	/* DF */
	KUNIT_EXPECT_EQ(test, iph->ttl, 255);
	KUNIT_EXPECT_EQ(test, iph->protocol, IPPROTO_GRE);
	KUNIT_EXPECT_EQ(test, iph->saddr, B_ADDR);
	KUNIT_EXPECT_EQ(test, iph->daddr, A_ADDR);
	KUNIT_EXPECT_EQ(test, ip_fast_csum(iph, 5), 0);
	/* GRE: no flags, version 0, protocol type 0. */
	KUNIT_EXPECT_EQ(test, buf[20] | buf[21] | buf[22] | buf[23], 0);
	KUNIT_EXPECT_EQ(test, get_unaligned_be32(buf + 24), GRE_KA_MAGIC);
	KUNIT_EXPECT_EQ(test, get_unaligned_be32(buf + 28), 7);
}

static void pkt_key_csum(struct kunit *test)
{
	u8 buf[GRE_KA_PKT_MAX_LEN];
	unsigned int len;

	build(test, buf, true, true, &len);
	KUNIT_EXPECT_EQ(test, len, 20 + 12 + GRE_KA_TRAILER_LEN);
	KUNIT_EXPECT_EQ(test, buf[20], 0xa0);	/* C and K */
	KUNIT_EXPECT_EQ(test, buf[21], 0x00);
	KUNIT_EXPECT_EQ(test, get_unaligned_be32(buf + 28), 0x01020304);
	KUNIT_EXPECT_EQ(test, get_unaligned_be32(buf + 32), GRE_KA_MAGIC);
	/* A valid GRE checksum sums to zero over header and payload. */
	KUNIT_EXPECT_EQ(test, csum_fold(csum_partial(buf + 20, len - 20, 0)),
			0);

	build(test, buf, true, false, &len);
	KUNIT_EXPECT_EQ(test, len, 20 + 8 + GRE_KA_TRAILER_LEN);
	KUNIT_EXPECT_EQ(test, buf[20], 0x20);
	KUNIT_EXPECT_EQ(test, get_unaligned_be32(buf + 24), 0x01020304);

	build(test, buf, false, true, &len);
	KUNIT_EXPECT_EQ(test, len, 20 + 8 + GRE_KA_TRAILER_LEN);
	KUNIT_EXPECT_EQ(test, buf[20], 0x80);
	KUNIT_EXPECT_EQ(test, csum_fold(csum_partial(buf + 20, len - 20, 0)),
			0);
}

/* Our own keepalive, seen at the peer, is a peer keepalive it reflects. */
static void pkt_is_peer_keepalive(struct kunit *test)
{
	u8 buf[GRE_KA_PKT_MAX_LEN];
	struct gre_ka_request rq;
	unsigned int len;

	build(test, buf, true, true, &len);
	KUNIT_EXPECT_EQ(test, gre_ka_request_parse4(buf, len, &rq), GRE_KA_R_OK);
	KUNIT_EXPECT_EQ(test, rq.src.ip, B_ADDR);
	KUNIT_EXPECT_EQ(test, rq.dst.ip, A_ADDR);
	KUNIT_EXPECT_EQ(test, rq.len, len);
	KUNIT_EXPECT_EQ(test, rq.ttl, 255);
	KUNIT_EXPECT_TRUE(test, rq.has_key);
	KUNIT_EXPECT_EQ(test, rq.key, cpu_to_be32(0x01020304));
	/* Our trailer: the sender's sequence number and send time. */
	KUNIT_EXPECT_TRUE(test, rq.ours);
	KUNIT_EXPECT_EQ(test, rq.seq, 7);
	KUNIT_EXPECT_EQ(test, rq.tx_ns, 1000);
}

/* 2001:db8::1 and 2001:db8::2 */
static const struct in6_addr a6 = { { { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } } };
static const struct in6_addr b6 = { { { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 } } };

/* B's keepalive over ip6gre: inner IPv6 from A (B's remote) to B. */
static unsigned int build6(u8 *buf, bool key, bool csum)
{
	struct gre_ka_pkt_params pp = {
		.family = AF_INET6,
		.src.ip6 = a6,
		.dst.ip6 = b6,
		.key = cpu_to_be32(0x01020304),
		.has_key = key,
		.has_csum = csum,
		.tos = 0xc0,
	};
	struct gre_ka_trailer tr;

	seal(&tr, 9, 1000, &test_key);
	return gre_ka_pkt_build(buf, &pp, &tr);
}

static void pkt6_plain(struct kunit *test)
{
	u8 buf[GRE_KA_PKT_MAX_LEN];
	unsigned int len = build6(buf, false, false);

	KUNIT_EXPECT_EQ(test, len, 40 + 4 + GRE_KA_TRAILER_LEN);
	/* Version 6, traffic class 0xc0, flow label 0. */
	KUNIT_EXPECT_EQ(test, get_unaligned_be32(buf), 0x6c000000);
	KUNIT_EXPECT_EQ(test, get_unaligned_be16(buf + 4), len - 40);
	KUNIT_EXPECT_EQ(test, buf[6], IPPROTO_GRE);
	KUNIT_EXPECT_EQ(test, buf[7], 255);
	KUNIT_EXPECT_MEMEQ(test, buf + 8, &a6, 16);
	KUNIT_EXPECT_MEMEQ(test, buf + 24, &b6, 16);
	KUNIT_EXPECT_EQ(test, get_unaligned_be32(buf + 40), 0);
	KUNIT_EXPECT_EQ(test, get_unaligned_be32(buf + 44), GRE_KA_MAGIC);
	KUNIT_EXPECT_EQ(test, get_unaligned_be32(buf + 48), 9);

	len = build6(buf, true, true);
	KUNIT_EXPECT_EQ(test, len, GRE_KA_PKT_MAX_LEN);
	KUNIT_EXPECT_EQ(test, buf[40], 0xa0);
	KUNIT_EXPECT_EQ(test, get_unaligned_be32(buf + 48), 0x01020304);
	KUNIT_EXPECT_EQ(test, csum_fold(csum_partial(buf + 40, len - 40, 0)),
			0);
}

/* The outer GRE header of ip6gre keepalives, in RFC 2890 field order. */
static void pkt_gre_fields(struct kunit *test)
{
	u8 buf[16];
	unsigned int n;

	KUNIT_EXPECT_EQ(test, gre_ka_gre_hlen(false, false, false), 4);
	KUNIT_EXPECT_EQ(test, gre_ka_gre_hlen(true, true, true), 16);
	n = gre_ka_gre_fill(buf, htons(ETH_P_IPV6), true, true,
			    cpu_to_be32(0xaabbccdd), true, cpu_to_be32(5));
	KUNIT_EXPECT_EQ(test, n, 16);
	KUNIT_EXPECT_EQ(test, get_unaligned_be16(buf), 0xb000);
	KUNIT_EXPECT_EQ(test, get_unaligned_be16(buf + 2), ETH_P_IPV6);
	KUNIT_EXPECT_EQ(test, get_unaligned_be32(buf + 4), 0);
	KUNIT_EXPECT_EQ(test, get_unaligned_be32(buf + 8), 0xaabbccdd);
	KUNIT_EXPECT_EQ(test, get_unaligned_be32(buf + 12), 5);
	n = gre_ka_gre_fill(buf, htons(ETH_P_IPV6), false, false, 0, true,
			    cpu_to_be32(6));
	KUNIT_EXPECT_EQ(test, n, 8);
	KUNIT_EXPECT_EQ(test, get_unaligned_be16(buf), 0x1000);
	KUNIT_EXPECT_EQ(test, get_unaligned_be32(buf + 4), 6);
}

static struct kunit_case pkt_cases[] = {
	KUNIT_CASE(pkt_plain),
	KUNIT_CASE(pkt_key_csum),
	KUNIT_CASE(pkt_is_peer_keepalive),
	KUNIT_CASE(pkt6_plain),
	KUNIT_CASE(pkt_gre_fields),
	{}
};

static struct kunit_suite pkt_suite = {
	.name = "gre_ka_packet",
	.test_cases = pkt_cases,
};

#define WINDOW	(4ULL * NSEC_PER_SEC)

/* The whole reply check, as gre_ka_rx.c and gre_ka_line.c apply it. */
static enum gre_ka_reason check(const struct gre_ka_trailer *tr,
				unsigned int len, const siphash_key_t *key,
				u32 last_seq, u64 now, u64 window)
{
	enum gre_ka_reason r = verify(tr, len, key);

	return r == GRE_KA_R_OK ? gre_ka_trailer_fresh(tr, last_seq, now,
						       window) : r;
}

static void trailer_ok(struct kunit *test)
{
	struct gre_ka_trailer tr;

	seal(&tr, 5, 1000, &test_key);
	KUNIT_EXPECT_EQ(test, check(&tr, sizeof(tr), &test_key, 4, 2000, WINDOW),
			GRE_KA_R_OK);
	/* A longer payload is fine, a shorter one is not. */
	KUNIT_EXPECT_EQ(test, check(&tr, sizeof(tr) + 8, &test_key, 4, 2000,
				    WINDOW), GRE_KA_R_OK);
	KUNIT_EXPECT_EQ(test, check(&tr, sizeof(tr) - 1, &test_key, 4, 2000,
				    WINDOW), GRE_KA_R_REPLY_SHORT);
}

static void trailer_forged(struct kunit *test)
{
	struct gre_ka_trailer tr;
	u8 *raw = (u8 *)&tr;
	unsigned int i;

	seal(&tr, 5, 1000, &test_key);
	KUNIT_EXPECT_EQ(test, check(&tr, sizeof(tr), &other_key, 4, 2000,
				    WINDOW), GRE_KA_R_REPLY_BAD_MAC);

	/* Every single-bit change past the magic breaks the MAC. */
	for (i = 4 * 8; i < sizeof(tr) * 8; i++) {
		raw[i / 8] ^= 1 << (i % 8);
		KUNIT_EXPECT_EQ(test, verify(&tr, sizeof(tr), &test_key),
				GRE_KA_R_REPLY_BAD_MAC);
		raw[i / 8] ^= 1 << (i % 8);
	}

	raw[0] ^= 0xff;
	KUNIT_EXPECT_EQ(test, verify(&tr, sizeof(tr), &test_key),
			GRE_KA_R_REPLY_FOREIGN);
}

static void trailer_freshness(struct kunit *test)
{
	struct gre_ka_trailer tr;
	u64 sent = 10 * NSEC_PER_SEC;

	seal(&tr, 5, sent, &test_key);
	KUNIT_EXPECT_EQ(test, check(&tr, sizeof(tr), &test_key, 4,
				    sent + WINDOW - 1, WINDOW), GRE_KA_R_OK);
	KUNIT_EXPECT_EQ(test, check(&tr, sizeof(tr), &test_key, 4,
				    sent + WINDOW, WINDOW),
			GRE_KA_R_REPLY_STALE);
	KUNIT_EXPECT_EQ(test, check(&tr, sizeof(tr), &test_key, 4, sent - 1,
				    WINDOW), GRE_KA_R_REPLY_FUTURE);
}

static void trailer_replay(struct kunit *test)
{
	struct gre_ka_trailer tr;

	seal(&tr, 5, 1000, &test_key);
	KUNIT_EXPECT_EQ(test, check(&tr, sizeof(tr), &test_key, 5, 2000, WINDOW),
			GRE_KA_R_REPLY_REPLAY);
	KUNIT_EXPECT_EQ(test, check(&tr, sizeof(tr), &test_key, 9, 2000, WINDOW),
			GRE_KA_R_REPLY_REPLAY);

	/* The 32-bit sequence wraps: 0 is newer than 0xffffffff. */
	seal(&tr, 0, 1000, &test_key);
	KUNIT_EXPECT_EQ(test, check(&tr, sizeof(tr), &test_key, 0xffffffff,
				    2000, WINDOW), GRE_KA_R_OK);
	seal(&tr, 0xfffffff0, 1000, &test_key);
	KUNIT_EXPECT_EQ(test, check(&tr, sizeof(tr), &test_key, 3, 2000, WINDOW),
			GRE_KA_R_REPLY_REPLAY);
}

/*
 * The MAC covers the peer the keepalive went to: a reply one peer of a
 * hub sent back does not count as another's, over either family.
 */
static void trailer_peer_bound(struct kunit *test)
{
	union gre_ka_addr pa6 = {}, pb6 = {};
	struct gre_ka_trailer tr;

	gre_ka_trailer_seal(&tr, 5, 1000, &test_key, AF_INET, &peer_a);
	KUNIT_EXPECT_EQ(test, gre_ka_trailer_verify(&tr, sizeof(tr), &test_key,
						    AF_INET, &peer_a),
			GRE_KA_R_OK);
	KUNIT_EXPECT_EQ(test, gre_ka_trailer_verify(&tr, sizeof(tr), &test_key,
						    AF_INET, &peer_b),
			GRE_KA_R_REPLY_BAD_MAC);
	pa6.ip6.s6_addr[15] = 1;
	pb6.ip6.s6_addr[15] = 2;
	gre_ka_trailer_seal(&tr, 5, 1000, &test_key, AF_INET6, &pa6);
	KUNIT_EXPECT_EQ(test, gre_ka_trailer_verify(&tr, sizeof(tr), &test_key,
						    AF_INET6, &pa6),
			GRE_KA_R_OK);
	KUNIT_EXPECT_EQ(test, gre_ka_trailer_verify(&tr, sizeof(tr), &test_key,
						    AF_INET6, &pb6),
			GRE_KA_R_REPLY_BAD_MAC);
}

static struct kunit_case trailer_cases[] = {
	KUNIT_CASE(trailer_peer_bound),
	KUNIT_CASE(trailer_ok),
	KUNIT_CASE(trailer_forged),
	KUNIT_CASE(trailer_freshness),
	KUNIT_CASE(trailer_replay),
	{}
};

static struct kunit_suite trailer_suite = {
	.name = "gre_ka_trailer",
	.test_cases = trailer_cases,
};

/* Cisco: down at the send after `retries` unanswered keepalives. */
static void fsm_goes_down(struct kunit *test)
{
	struct gre_ka_fsm fsm;
	int i;

	gre_ka_fsm_reset(&fsm);
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, gre_ka_fsm_tick(&fsm, 3), GRE_KA_STAY);
	KUNIT_EXPECT_EQ(test, fsm.counter, 3);
	KUNIT_EXPECT_FALSE(test, fsm.down);
	KUNIT_EXPECT_EQ(test, gre_ka_fsm_tick(&fsm, 3), GRE_KA_GO_DOWN);
	KUNIT_EXPECT_TRUE(test, fsm.down);
	KUNIT_EXPECT_EQ(test, fsm.counter, 4);
	/* Keepalives keep going out while down, with no second transition. */
	KUNIT_EXPECT_EQ(test, gre_ka_fsm_tick(&fsm, 3), GRE_KA_STAY);
	KUNIT_EXPECT_EQ(test, fsm.counter, 5);
}

static void fsm_reply_keeps_up(struct kunit *test)
{
	struct gre_ka_fsm fsm;
	int i;

	gre_ka_fsm_reset(&fsm);
	for (i = 0; i < 100; i++) {
		KUNIT_EXPECT_EQ(test, gre_ka_fsm_tick(&fsm, 1), GRE_KA_STAY);
		KUNIT_EXPECT_EQ(test, gre_ka_fsm_reply(&fsm, 1), GRE_KA_STAY);
		KUNIT_EXPECT_EQ(test, fsm.counter, 0);
	}
	KUNIT_EXPECT_FALSE(test, fsm.down);
}

static void fsm_up_count(struct kunit *test)
{
	struct gre_ka_fsm fsm;

	gre_ka_fsm_reset(&fsm);
	gre_ka_fsm_tick(&fsm, 1);
	KUNIT_EXPECT_EQ(test, gre_ka_fsm_tick(&fsm, 1), GRE_KA_GO_DOWN);

	/* Two answered keepalives, then one lost: the run starts over. */
	KUNIT_EXPECT_EQ(test, gre_ka_fsm_reply(&fsm, 3), GRE_KA_STAY);
	gre_ka_fsm_tick(&fsm, 1);
	KUNIT_EXPECT_EQ(test, gre_ka_fsm_reply(&fsm, 3), GRE_KA_STAY);
	KUNIT_EXPECT_EQ(test, fsm.streak, 2);
	gre_ka_fsm_tick(&fsm, 1);	/* lost */
	gre_ka_fsm_tick(&fsm, 1);
	KUNIT_EXPECT_EQ(test, fsm.streak, 0);
	KUNIT_EXPECT_EQ(test, gre_ka_fsm_reply(&fsm, 3), GRE_KA_STAY);
	gre_ka_fsm_tick(&fsm, 1);
	KUNIT_EXPECT_EQ(test, gre_ka_fsm_reply(&fsm, 3), GRE_KA_STAY);
	gre_ka_fsm_tick(&fsm, 1);
	KUNIT_EXPECT_EQ(test, gre_ka_fsm_reply(&fsm, 3), GRE_KA_GO_UP);
	KUNIT_EXPECT_FALSE(test, fsm.down);
	KUNIT_EXPECT_EQ(test, fsm.counter, 0);
}

static void fsm_counter_saturates(struct kunit *test)
{
	struct gre_ka_fsm fsm = { .counter = U32_MAX, .down = true };

	KUNIT_EXPECT_EQ(test, gre_ka_fsm_tick(&fsm, 255), GRE_KA_STAY);
	KUNIT_EXPECT_EQ(test, fsm.counter, U32_MAX);
}

/* Take the line down and bring it back with as many replies as needed. */
static u32 flap(struct kunit *test, struct gre_ka_fsm *fsm, u32 up_count)
{
	u32 replies = 0;

	while (gre_ka_fsm_tick(fsm, 1) != GRE_KA_GO_DOWN)
		;
	do {
		gre_ka_fsm_tick(fsm, 1);
		replies++;
		KUNIT_ASSERT_LE(test, replies, 1000u);
	} while (gre_ka_fsm_reply(fsm, up_count) != GRE_KA_GO_UP);
	return replies;
}

static void fsm_dampening(struct kunit *test)
{
	struct gre_ka_fsm fsm;
	int i;

	gre_ka_fsm_reset(&fsm);
	/* A first outage after a stable start is no flap. */
	KUNIT_EXPECT_EQ(test, flap(test, &fsm, 1), 1);
	/* Each flap doubles the replies needed, up to x16. */
	KUNIT_EXPECT_EQ(test, flap(test, &fsm, 1), 2);
	KUNIT_EXPECT_EQ(test, flap(test, &fsm, 1), 4);
	KUNIT_EXPECT_EQ(test, flap(test, &fsm, 3), 24);
	KUNIT_EXPECT_EQ(test, flap(test, &fsm, 1), 16);
	KUNIT_EXPECT_EQ(test, flap(test, &fsm, 1), 16);
	KUNIT_EXPECT_EQ(test, gre_ka_fsm_up_needed(&fsm, 1), 16);

	/* Every GRE_KA_STABLE_REPLIES answered keepalives halve it. */
	for (i = 0; i < GRE_KA_STABLE_REPLIES - 1; i++) {
		gre_ka_fsm_tick(&fsm, 1);
		gre_ka_fsm_reply(&fsm, 1);
	}
	KUNIT_EXPECT_EQ(test, gre_ka_fsm_up_needed(&fsm, 1), 16);
	gre_ka_fsm_tick(&fsm, 1);
	gre_ka_fsm_reply(&fsm, 1);
	KUNIT_EXPECT_EQ(test, gre_ka_fsm_up_needed(&fsm, 1), 8);
	for (i = 0; i < 3 * GRE_KA_STABLE_REPLIES; i++) {
		gre_ka_fsm_tick(&fsm, 1);
		gre_ka_fsm_reply(&fsm, 1);
	}
	KUNIT_EXPECT_EQ(test, gre_ka_fsm_up_needed(&fsm, 1), 1);
	/* Down after a stable stretch: no new penalty. */
	KUNIT_EXPECT_EQ(test, flap(test, &fsm, 1), 1);
}

/* Passive: silence takes the line down once, and breaks the run. */
static void fsm_expire(struct kunit *test)
{
	struct gre_ka_fsm fsm;

	gre_ka_fsm_reset(&fsm);
	KUNIT_EXPECT_EQ(test, gre_ka_fsm_expire(&fsm), GRE_KA_GO_DOWN);
	KUNIT_EXPECT_TRUE(test, fsm.down);
	KUNIT_EXPECT_EQ(test, gre_ka_fsm_expire(&fsm), GRE_KA_STAY);
	/* up_count 2: one request, silence, then two in a row. */
	KUNIT_EXPECT_EQ(test, gre_ka_fsm_reply(&fsm, 2), GRE_KA_STAY);
	KUNIT_EXPECT_EQ(test, gre_ka_fsm_expire(&fsm), GRE_KA_STAY);
	KUNIT_EXPECT_EQ(test, fsm.streak, 0);
	KUNIT_EXPECT_EQ(test, gre_ka_fsm_reply(&fsm, 2), GRE_KA_STAY);
	KUNIT_EXPECT_EQ(test, gre_ka_fsm_reply(&fsm, 2), GRE_KA_GO_UP);
	/* Down again right away: a flap, dampened as for replies. */
	KUNIT_EXPECT_EQ(test, gre_ka_fsm_expire(&fsm), GRE_KA_GO_DOWN);
	KUNIT_EXPECT_EQ(test, gre_ka_fsm_up_needed(&fsm, 2), 4);
}

static struct kunit_case fsm_cases[] = {
	KUNIT_CASE(fsm_expire),
	KUNIT_CASE(fsm_dampening),
	KUNIT_CASE(fsm_goes_down),
	KUNIT_CASE(fsm_reply_keeps_up),
	KUNIT_CASE(fsm_up_count),
	KUNIT_CASE(fsm_counter_saturates),
	{}
};

static struct kunit_suite fsm_suite = {
	.name = "gre_ka_fsm",
	.test_cases = fsm_cases,
};

static void rtt_smoothing(struct kunit *test)
{
	struct gre_ka_rtt rtt = {};

	gre_ka_rtt_update(&rtt, 8000);
	KUNIT_EXPECT_EQ(test, rtt.last, 8000);
	KUNIT_EXPECT_EQ(test, rtt.min, 8000);
	KUNIT_EXPECT_EQ(test, rtt.avg, 8000);
	KUNIT_EXPECT_EQ(test, rtt.max, 8000);

	gre_ka_rtt_update(&rtt, 16000);
	KUNIT_EXPECT_EQ(test, rtt.avg, 9000);	/* 8000 - 1000 + 2000 */
	KUNIT_EXPECT_EQ(test, rtt.max, 16000);
	KUNIT_EXPECT_EQ(test, rtt.min, 8000);

	gre_ka_rtt_update(&rtt, 800);
	KUNIT_EXPECT_EQ(test, rtt.last, 800);
	KUNIT_EXPECT_EQ(test, rtt.min, 800);
	KUNIT_EXPECT_EQ(test, rtt.avg, 9000 - 1125 + 100);
}

static struct kunit_case rtt_cases[] = {
	KUNIT_CASE(rtt_smoothing),
	{}
};

static struct kunit_suite rtt_suite = {
	.name = "gre_ka_rtt",
	.test_cases = rtt_cases,
};

/*
 * The reflection token bucket: 100/s, 20 deep. Two CPUs may present their
 * clock readings out of order: an earlier time than the stamp must add no
 * token (it once wrapped around and refilled the bucket).
 */
static void bucket_rate(struct kunit *test)
{
	struct gre_ka_bucket b;
	u64 t = 1000 * NSEC_PER_SEC;
	int i, n = 0;

	gre_ka_bucket_init(&b, t, 20);
	for (i = 0; i < 25; i++)
		n += gre_ka_bucket_take(&b, t, 100, 20);
	KUNIT_EXPECT_EQ(test, n, 20);
	/* 10 ms later: one token. */
	KUNIT_EXPECT_TRUE(test, gre_ka_bucket_take(&b, t + 10 * NSEC_PER_MSEC,
						   100, 20));
	KUNIT_EXPECT_FALSE(test, gre_ka_bucket_take(&b, t + 10 * NSEC_PER_MSEC,
						    100, 20));
	/* A second later: full again, no more than the burst. */
	for (i = 0, n = 0; i < 30; i++)
		n += gre_ka_bucket_take(&b, t + 2 * NSEC_PER_SEC, 100, 20);
	KUNIT_EXPECT_EQ(test, n, 20);
}

static void bucket_time_backwards(struct kunit *test)
{
	struct gre_ka_bucket b;
	u64 t = 1000 * NSEC_PER_SEC;
	int i;

	gre_ka_bucket_init(&b, t, 20);
	for (i = 0; i < 20; i++)
		gre_ka_bucket_take(&b, t + NSEC_PER_MSEC, 100, 20);
	KUNIT_EXPECT_EQ(test, b.tokens, 0);
	/* Read before the stamp on another CPU: still empty. */
	KUNIT_EXPECT_FALSE(test, gre_ka_bucket_take(&b, t - 1, 100, 20));
	KUNIT_EXPECT_FALSE(test, gre_ka_bucket_take(&b, t, 100, 20));
	KUNIT_EXPECT_EQ(test, b.tokens, 0);
	KUNIT_EXPECT_EQ(test, b.stamp_ns, t);
}

static struct kunit_case bucket_cases[] = {
	KUNIT_CASE(bucket_rate),
	KUNIT_CASE(bucket_time_backwards),
	{}
};

static struct kunit_suite bucket_suite = {
	.name = "gre_ka_bucket",
	.test_cases = bucket_cases,
};

#define MS	NSEC_PER_MSEC

/* Deterministic jitter of +-j ms around p ms, from a tiny LCG. */
static u64 jittered(u32 *state, u64 p, u64 j)
{
	*state = *state * 1103515245 + 12345;
	return p * MS + ((*state >> 16) % (2 * j + 1)) * MS - j * MS;
}

static void learn_exact(struct kunit *test)
{
	struct gre_ka_learn l;

	gre_ka_learn_reset(&l);
	KUNIT_EXPECT_EQ(test, l.est_ns, 0);
	/* Ours: sequence distance 3 over 900 ms of the sender's clock. */
	gre_ka_learn_sample(&l, 900 * MS, 3);
	KUNIT_EXPECT_EQ(test, l.est_ns, 300 * MS);
	/* One outlier (a send the sender's CPU delayed) is not a change. */
	gre_ka_learn_sample(&l, 4618 * MS, 1);
	KUNIT_EXPECT_EQ(test, l.est_ns, 300 * MS);
	gre_ka_learn_sample(&l, 300 * MS, 1);
	KUNIT_EXPECT_EQ(test, l.est_ns, 300 * MS);
	/* A change is followed as soon as two samples agree on it. */
	gre_ka_learn_sample(&l, 1000 * MS, 1);
	KUNIT_EXPECT_EQ(test, l.est_ns, 300 * MS);
	gre_ka_learn_sample(&l, 1010 * MS, 1);
	KUNIT_EXPECT_EQ(test, l.est_ns, 1010 * MS);
	gre_ka_learn_sample(&l, 2 * 50 * MS, 2);
	gre_ka_learn_sample(&l, 50 * MS, 1);
	KUNIT_EXPECT_EQ(test, l.est_ns, 50 * MS);
	/* Small differences are smoothed. */
	gre_ka_learn_sample(&l, 58 * MS, 1);
	KUNIT_EXPECT_EQ(test, l.est_ns, 51 * MS);
}

/* Cisco-format requests: arrival times only, with loss and jitter. */
static void learn_loss_jitter(struct kunit *test)
{
	struct gre_ka_learn l;
	u32 rnd = 1, lost = 0;
	u64 acc = 0;
	int i;

	gre_ka_learn_reset(&l);
	for (i = 0; i < 400; i++) {
		acc += jittered(&rnd, 300, 15);
		/* 20 % loss: every fifth request, in varying runs. */
		if ((rnd >> 8) % 5 == 0) {
			lost++;
			continue;
		}
		gre_ka_learn_sample(&l, acc, 0);
		acc = 0;
		if (i >= 20) {
			KUNIT_EXPECT_GE(test, l.est_ns, 270 * MS);
			KUNIT_EXPECT_LE(test, l.est_ns, 330 * MS);
		}
	}
	KUNIT_EXPECT_GT(test, lost, 40u);
}

static void learn_changes(struct kunit *test)
{
	struct gre_ka_learn l;
	u32 rnd = 7;
	int i;

	gre_ka_learn_reset(&l);
	for (i = 0; i < GRE_KA_LEARN_SAMPLES; i++)
		gre_ka_learn_sample(&l, jittered(&rnd, 300, 10), 0);
	KUNIT_EXPECT_GE(test, l.est_ns, 290 * MS);
	KUNIT_EXPECT_LE(test, l.est_ns, 310 * MS);
	/* The peer slows down to 1 s: followed within a dozen intervals. */
	for (i = 0; i < 12; i++)
		gre_ka_learn_sample(&l, jittered(&rnd, 1000, 10), 0);
	KUNIT_EXPECT_GE(test, l.est_ns, 950 * MS);
	KUNIT_EXPECT_LE(test, l.est_ns, 1050 * MS);
	/* And speeds up to 100 ms. */
	for (i = 0; i < 12; i++)
		gre_ka_learn_sample(&l, jittered(&rnd, 100, 5), 0);
	KUNIT_EXPECT_GE(test, l.est_ns, 90 * MS);
	KUNIT_EXPECT_LE(test, l.est_ns, 110 * MS);
	/* A non-multiple change, 100 -> 250 ms. */
	for (i = 0; i < 12; i++)
		gre_ka_learn_sample(&l, jittered(&rnd, 250, 5), 0);
	KUNIT_EXPECT_GE(test, l.est_ns, 235 * MS);
	KUNIT_EXPECT_LE(test, l.est_ns, 265 * MS);
}

/* Whatever the samples claim, the estimate stays in the period range. */
static void learn_clamped(struct kunit *test)
{
	struct gre_ka_learn l;

	gre_ka_learn_reset(&l);
	/* The review's two requests with a send-time step of 2^62 ns. */
	gre_ka_learn_sample(&l, 1ULL << 62, 1);
	KUNIT_EXPECT_EQ(test, l.est_ns, (u64)GRE_KA_PERIOD_MS_MAX * MS);
	gre_ka_learn_reset(&l);
	gre_ka_learn_sample(&l, 1000, 1);
	KUNIT_EXPECT_EQ(test, l.est_ns, (u64)GRE_KA_PERIOD_MS_MIN * MS);
	gre_ka_learn_reset(&l);
	for (int i = 0; i < GRE_KA_LEARN_SAMPLES; i++)
		gre_ka_learn_sample(&l, U64_MAX - i, 0);
	KUNIT_EXPECT_EQ(test, l.est_ns, (u64)GRE_KA_PERIOD_MS_MAX * MS);
	/* And the window over it does not wrap. */
	KUNIT_EXPECT_EQ(test, gre_ka_add_sat(U64_MAX - 5, 10), U64_MAX);
	KUNIT_EXPECT_EQ(test, gre_ka_add_sat(5, 10), 15);
}

static struct kunit_case learn_cases[] = {
	KUNIT_CASE(learn_exact),
	KUNIT_CASE(learn_loss_jitter),
	KUNIT_CASE(learn_changes),
	KUNIT_CASE(learn_clamped),
	{}
};

static struct kunit_suite learn_suite = {
	.name = "gre_ka_learn",
	.test_cases = learn_cases,
};

#define SLACK	(75 * MS)
#define FORGET	(30000 * MS)
/* The sender's clock runs 5,000 s ahead of ours (it booted earlier). */
#define OFF	(5000000ULL * MS)

/* A genuine request of a sender at period p ms: seq n, sent at n * p. */
static enum gre_ka_reason guard_at(struct gre_ka_guard *g, u32 n, u64 p,
				   u64 delay_ms, u32 *k, u64 *dt)
{
	u64 sent = n * p * MS;

	return gre_ka_guard_check(g, n, OFF + sent, sent + delay_ms * MS,
				  SLACK, FORGET, k, dt);
}

static void guard_genuine(struct kunit *test)
{
	struct gre_ka_guard g;
	u32 k, n;
	u64 dt;

	gre_ka_guard_reset(&g);
	KUNIT_EXPECT_EQ(test, guard_at(&g, 1, 300, 5, &k, &dt), GRE_KA_R_OK);
	KUNIT_EXPECT_EQ(test, g.state, GRE_KA_GUARD_TENTATIVE);
	/* A copy of the first is a replay even before the guard is sure. */
	KUNIT_EXPECT_EQ(test, guard_at(&g, 1, 300, 6, &k, &dt),
			GRE_KA_R_REQ_REPLAY);
	KUNIT_EXPECT_EQ(test, guard_at(&g, 2, 300, 7, &k, &dt), GRE_KA_R_OK);
	KUNIT_EXPECT_EQ(test, g.state, GRE_KA_GUARD_KNOWN);
	KUNIT_EXPECT_EQ(test, k, 1);
	KUNIT_EXPECT_EQ(test, dt, 300 * MS);
	/* Jitter of tens of ms either way, and a loss (k = 2). */
	for (n = 3; n < 40; n++) {
		if (n == 20)
			continue;
		KUNIT_EXPECT_EQ(test, guard_at(&g, n, 300, 5 + (n * 37) % 60,
					       &k, &dt), GRE_KA_R_OK);
	}
	KUNIT_EXPECT_EQ(test, guard_at(&g, 41, 300, 5, &k, &dt), GRE_KA_R_OK);
	KUNIT_EXPECT_EQ(test, k, 2);
	KUNIT_EXPECT_EQ(test, dt, 600 * MS);
	/* Replays of any of them, and the older of two reordered ones. */
	KUNIT_EXPECT_EQ(test, guard_at(&g, 41, 300, 50, &k, &dt),
			GRE_KA_R_REQ_REPLAY);
	KUNIT_EXPECT_EQ(test, guard_at(&g, 7, 300, 12000, &k, &dt),
			GRE_KA_R_REQ_REPLAY);
	/* Re-enabled: its sequence starts over, its clock goes on. */
	KUNIT_EXPECT_EQ(test, gre_ka_guard_check(&g, 1, OFF + 42 * 300 * MS,
						 42 * 300 * MS + 5 * MS,
						 SLACK, FORGET, &k, &dt),
			GRE_KA_R_OK);
	KUNIT_EXPECT_EQ(test, k, 0);
	/* A path that gets slower for good. */
	for (n = 43; n < 80; n++)
		KUNIT_EXPECT_EQ(test, guard_at(&g, n, 300, 400, &k, &dt),
				GRE_KA_R_OK);
}

/*
 * The review's forged request: seq = last + 0x7fffffff and a send time of
 * U64_MAX, then one 2^62 ns ahead, then one just past what the time since
 * allows. None may make the genuine requests after it replays.
 */
static void guard_forged(struct kunit *test)
{
	struct gre_ka_guard g;
	u32 k, n;
	u64 dt;

	gre_ka_guard_reset(&g);
	for (n = 1; n <= 5; n++)
		guard_at(&g, n, 300, 5, &k, &dt);
	KUNIT_ASSERT_EQ(test, g.state, GRE_KA_GUARD_KNOWN);

	KUNIT_EXPECT_EQ(test, gre_ka_guard_check(&g, 5U + 0x7fffffff, U64_MAX,
						 5 * 300 * MS + 100 * MS,
						 SLACK, FORGET, &k, &dt),
			GRE_KA_R_REQ_REPLAY);
	KUNIT_EXPECT_EQ(test, guard_at(&g, 6, 300, 5, &k, &dt), GRE_KA_R_OK);
	KUNIT_EXPECT_EQ(test, k, 1);

	KUNIT_EXPECT_EQ(test, gre_ka_guard_check(&g, 7, OFF + (1ULL << 62),
						 6 * 300 * MS + 100 * MS,
						 SLACK, FORGET, &k, &dt),
			GRE_KA_R_REQ_REPLAY);
	KUNIT_EXPECT_EQ(test, guard_at(&g, 7, 300, 5, &k, &dt), GRE_KA_R_OK);

	/* Ahead by a period: more than the 100 ms since plus the slack. */
	KUNIT_EXPECT_EQ(test, gre_ka_guard_check(&g, 100, OFF + 9 * 300 * MS,
						 7 * 300 * MS + 105 * MS,
						 SLACK, FORGET, &k, &dt),
			GRE_KA_R_REQ_REPLAY);
	for (n = 8; n < 12; n++)
		KUNIT_EXPECT_EQ(test, guard_at(&g, n, 300, 5, &k, &dt),
				GRE_KA_R_OK);

	/*
	 * Within the slack a forged one is accepted (and costs the genuine
	 * one after it, at most), but it gives the learner nothing: its
	 * sequence distance is more than it could send in the time.
	 */
	KUNIT_EXPECT_EQ(test, gre_ka_guard_check(&g, 11 + 60,
						 OFF + 11 * 300 * MS + 60 * MS,
						 11 * 300 * MS + 10 * MS,
						 SLACK, FORGET, &k, &dt),
			GRE_KA_R_OK);
	KUNIT_EXPECT_EQ(test, k, 0);
	KUNIT_EXPECT_EQ(test, guard_at(&g, 12, 300, 5, &k, &dt), GRE_KA_R_OK);
}

/*
 * A first request anchors only tentatively, so a forged first one cannot
 * lock the genuine ones out; a run of early ones that agree re-anchors
 * (the path got faster); a long silence forgets (the peer rebooted).
 */
static void guard_anchor(struct kunit *test)
{
	struct gre_ka_guard g;
	u32 k, n;
	u64 dt;

	gre_ka_guard_reset(&g);
	KUNIT_EXPECT_EQ(test, gre_ka_guard_check(&g, 0xffffffff, U64_MAX, 0,
						 SLACK, FORGET, &k, &dt),
			GRE_KA_R_OK);
	KUNIT_EXPECT_EQ(test, guard_at(&g, 1, 300, 5, &k, &dt), GRE_KA_R_OK);
	KUNIT_EXPECT_EQ(test, g.state, GRE_KA_GUARD_TENTATIVE);
	KUNIT_EXPECT_EQ(test, guard_at(&g, 2, 300, 5, &k, &dt), GRE_KA_R_OK);
	KUNIT_EXPECT_EQ(test, g.state, GRE_KA_GUARD_KNOWN);

	/* 500 ms slower at first; after a gap, the path is faster. */
	gre_ka_guard_reset(&g);
	for (n = 1; n <= 3; n++)
		guard_at(&g, n, 300, 500, &k, &dt);
	KUNIT_EXPECT_EQ(test, guard_at(&g, 10, 300, 5, &k, &dt),
			GRE_KA_R_REQ_REPLAY);
	KUNIT_EXPECT_EQ(test, guard_at(&g, 11, 300, 5, &k, &dt),
			GRE_KA_R_REQ_REPLAY);
	KUNIT_EXPECT_EQ(test, guard_at(&g, 12, 300, 5, &k, &dt), GRE_KA_R_OK);
	KUNIT_EXPECT_EQ(test, guard_at(&g, 13, 300, 5, &k, &dt), GRE_KA_R_OK);

	/* Rebooted: its clock starts over, refused until forgotten. */
	KUNIT_EXPECT_EQ(test, gre_ka_guard_check(&g, 1, 1000 * MS,
						 14 * 300 * MS, SLACK, FORGET,
						 &k, &dt),
			GRE_KA_R_REQ_REPLAY);
	KUNIT_EXPECT_EQ(test, gre_ka_guard_check(&g, 1, 1000 * MS,
						 13 * 300 * MS + 5 * MS + FORGET,
						 SLACK, FORGET, &k, &dt),
			GRE_KA_R_OK);
	KUNIT_EXPECT_EQ(test, g.state, GRE_KA_GUARD_TENTATIVE);
}

static struct kunit_case guard_cases[] = {
	KUNIT_CASE(guard_genuine),
	KUNIT_CASE(guard_forged),
	KUNIT_CASE(guard_anchor),
	{}
};

static struct kunit_suite guard_suite = {
	.name = "gre_ka_guard",
	.test_cases = guard_cases,
};

/* A Cisco keepalive as B's peer A sends it: IPv4 A->B, GRE PT=0. */
static unsigned int cisco_ka(u8 *buf)
{
	struct iphdr *iph = (struct iphdr *)buf;

	memset(buf, 0, 24);
	iph->version = 4;
	iph->ihl = 5;
	iph->tot_len = htons(24);
	iph->ttl = 255;
	iph->protocol = IPPROTO_GRE;
	iph->saddr = A_ADDR;
	iph->daddr = B_ADDR;
	iph->check = ip_fast_csum(iph, 5);
	return 24;
}

static void refix(u8 *buf)
{
	struct iphdr *iph = (struct iphdr *)buf;

	iph->check = 0;
	iph->check = ip_fast_csum(iph, iph->ihl);
}

static enum gre_ka_reason parse4(const u8 *buf, unsigned int len)
{
	struct gre_ka_request rq;

	return gre_ka_request_parse4(buf, len, &rq);
}

static void peer_cisco(struct kunit *test)
{
	struct gre_ka_request rq;
	u8 buf[64];
	unsigned int len = cisco_ka(buf);

	KUNIT_EXPECT_EQ(test, gre_ka_request_parse4(buf, len, &rq), GRE_KA_R_OK);
	KUNIT_EXPECT_EQ(test, rq.src.ip, A_ADDR);
	KUNIT_EXPECT_EQ(test, rq.dst.ip, B_ADDR);
	KUNIT_EXPECT_EQ(test, rq.len, 24);
	KUNIT_EXPECT_FALSE(test, rq.ours);
	KUNIT_EXPECT_FALSE(test, rq.has_key);
	/* Trailing bytes beyond tot_len (padding) are tolerated. */
	KUNIT_EXPECT_EQ(test, parse4(buf, len + 8), GRE_KA_R_OK);
}

static void peer_malformed(struct kunit *test)
{
	struct iphdr *iph;
	u8 buf[64];
	unsigned int len;

	len = cisco_ka(buf);
	KUNIT_EXPECT_EQ(test, parse4(buf, 19), GRE_KA_R_NOT_KEEPALIVE);
	KUNIT_EXPECT_EQ(test, parse4(buf, 23), GRE_KA_R_REQ_MALFORMED);

	iph = (struct iphdr *)buf;
	iph->check ^= htons(1);
	KUNIT_EXPECT_EQ(test, parse4(buf, len), GRE_KA_R_REQ_MALFORMED);

	len = cisco_ka(buf);
	iph->version = 6;
	refix(buf);
	KUNIT_EXPECT_EQ(test, parse4(buf, len), GRE_KA_R_REQ_MALFORMED);

	len = cisco_ka(buf);
	iph->ihl = 6;
	iph->tot_len = htons(28);
	refix(buf);
	KUNIT_EXPECT_EQ(test, parse4(buf, 28), GRE_KA_R_REQ_OPTIONS);

	len = cisco_ka(buf);
	iph->frag_off = htons(IP_MF);
	refix(buf);
	KUNIT_EXPECT_EQ(test, parse4(buf, len), GRE_KA_R_REQ_FRAGMENT);
	/* A later fragment cannot be told from tunnelled GRE data. */
	iph->frag_off = htons(1);
	refix(buf);
	KUNIT_EXPECT_EQ(test, parse4(buf, len), GRE_KA_R_NOT_KEEPALIVE);
	iph->frag_off = htons(IP_MF | 1);
	refix(buf);
	KUNIT_EXPECT_EQ(test, parse4(buf, len), GRE_KA_R_NOT_KEEPALIVE);

	len = cisco_ka(buf);
	iph->protocol = IPPROTO_UDP;
	refix(buf);
	KUNIT_EXPECT_EQ(test, parse4(buf, len), GRE_KA_R_NOT_KEEPALIVE);

	/* Too big: told from the header, whatever was pulled of the rest. */
	len = cisco_ka(buf);
	iph->tot_len = htons(GRE_KA_REFLECT_MAX_LEN + 1);
	refix(buf);
	KUNIT_EXPECT_EQ(test, parse4(buf, len), GRE_KA_R_REQ_TOO_BIG);

	len = cisco_ka(buf);
	iph->ttl = 1;
	refix(buf);
	KUNIT_EXPECT_EQ(test, parse4(buf, len), GRE_KA_R_OK);
}

static void peer_bad_gre(struct kunit *test)
{
	u8 buf[64];
	unsigned int len;

	len = cisco_ka(buf);
	buf[21] = 1;			/* version 1 (PPTP) */
	KUNIT_EXPECT_EQ(test, parse4(buf, len), GRE_KA_R_REQ_BAD_GRE);

	len = cisco_ka(buf);
	buf[20] = 0x40;			/* routing present */
	KUNIT_EXPECT_EQ(test, parse4(buf, len), GRE_KA_R_REQ_BAD_GRE);

	len = cisco_ka(buf);
	buf[22] = 0x08;			/* protocol type IPv4: nested data */
	KUNIT_EXPECT_EQ(test, parse4(buf, len), GRE_KA_R_NOT_KEEPALIVE);

	len = cisco_ka(buf);
	buf[20] = 0x20;			/* claims a key that is not there */
	KUNIT_EXPECT_EQ(test, parse4(buf, len), GRE_KA_R_REQ_MALFORMED);
}

/* Reflection over ip6gre: A answers what B built (inner A -> B). */
static void peer6(struct kunit *test)
{
	u8 buf[GRE_KA_PKT_MAX_LEN + 8];
	struct ipv6hdr *ip6h = (struct ipv6hdr *)buf;
	struct gre_ka_request rq;
	unsigned int len;

	len = build6(buf, true, true);
	KUNIT_EXPECT_EQ(test, gre_ka_request_parse6(buf, len, &rq), GRE_KA_R_OK);
	KUNIT_EXPECT_MEMEQ(test, &rq.src.ip6, &a6, 16);
	KUNIT_EXPECT_MEMEQ(test, &rq.dst.ip6, &b6, 16);
	KUNIT_EXPECT_TRUE(test, rq.ours);
	KUNIT_EXPECT_EQ(test, rq.seq, 9);
	KUNIT_EXPECT_EQ(test, gre_ka_request_parse6(buf, len + 8, &rq),
			GRE_KA_R_OK);
	KUNIT_EXPECT_EQ(test, gre_ka_request_parse6(buf, 39, &rq),
			GRE_KA_R_NOT_KEEPALIVE);
	KUNIT_EXPECT_EQ(test, gre_ka_request_parse6(buf, len - 1, &rq),
			GRE_KA_R_REQ_MALFORMED);	/* payload_len beyond len */

	ip6h->nexthdr = IPPROTO_UDP;
	KUNIT_EXPECT_EQ(test, gre_ka_request_parse6(buf, len, &rq),
			GRE_KA_R_NOT_KEEPALIVE);

	len = build6(buf, false, false);
	ip6h->version = 4;
	KUNIT_EXPECT_EQ(test, gre_ka_request_parse6(buf, len, &rq),
			GRE_KA_R_REQ_MALFORMED);
	len = build6(buf, false, false);
	buf[42] = 0x86;			/* 0x86dd: MikroTik's IPv6 keepalive */
	buf[43] = 0xdd;
	KUNIT_EXPECT_EQ(test, gre_ka_request_parse6(buf, len, &rq), GRE_KA_R_OK);
	buf[42] = 0x08;			/* 0x0800: nested data */
	buf[43] = 0x00;
	KUNIT_EXPECT_EQ(test, gre_ka_request_parse6(buf, len, &rq),
			GRE_KA_R_NOT_KEEPALIVE);
	len = build6(buf, false, false);
	buf[40] = 0x10;			/* claims a sequence number... */
	ip6h->payload_len = htons(6);	/* ...that is cut off */
	KUNIT_EXPECT_EQ(test, gre_ka_request_parse6(buf, len, &rq),
			GRE_KA_R_REQ_MALFORMED);
	len = build6(buf, false, false);
	ip6h->payload_len = htons(GRE_KA_REFLECT_MAX_LEN);
	KUNIT_EXPECT_EQ(test, gre_ka_request_parse6(buf,
						    GRE_KA_REFLECT_MAX_LEN + 40,
						    &rq),
			GRE_KA_R_REQ_TOO_BIG);
}

/*
 * Insert an extension header of the given type (8 bytes, next header =
 * what followed) after the IPv6 header of the packet in buf, len bytes.
 */
static unsigned int ins6(u8 *buf, unsigned int len, u8 type, __be16 frag)
{
	struct ipv6hdr *ip6h = (struct ipv6hdr *)buf;
	u8 *eh = buf + sizeof(*ip6h);

	memmove(eh + 8, eh, len - sizeof(*ip6h));
	memset(eh, 0, 8);
	eh[0] = ip6h->nexthdr;
	if (type == NEXTHDR_FRAGMENT)
		memcpy(eh + 2, &frag, 2);
	else
		eh[2] = 1;	/* PadN over the rest: hdrlen 0, 8 bytes */
	ip6h->nexthdr = type;
	be16_add_cpu(&ip6h->payload_len, 8);
	return len + 8;
}

/*
 * Data behind extension headers is not a keepalive (review: fragmented
 * pings and MLD reports were counted as refused ones); a keepalive behind
 * them is refused by what is in the way.
 */
static void peer6_exthdr(struct kunit *test)
{
	u8 buf[GRE_KA_PKT_MAX_LEN + 16 * 8];
	struct ipv6hdr *ip6h = (struct ipv6hdr *)buf;
	struct gre_ka_request rq;
	unsigned int len, i;

	len = ins6(buf, build6(buf, false, false), NEXTHDR_HOP, 0);
	KUNIT_EXPECT_EQ(test, gre_ka_request_parse6(buf, len, &rq),
			GRE_KA_R_REQ_OPTIONS);
	len = ins6(buf, build6(buf, false, false), NEXTHDR_DEST, 0);
	KUNIT_EXPECT_EQ(test, gre_ka_request_parse6(buf, len, &rq),
			GRE_KA_R_REQ_OPTIONS);
	/* A first fragment of a keepalive: refused as a fragment. */
	len = ins6(buf, build6(buf, false, false), NEXTHDR_FRAGMENT,
		   htons(IP6_MF));
	KUNIT_EXPECT_EQ(test, gre_ka_request_parse6(buf, len, &rq),
			GRE_KA_R_REQ_FRAGMENT);
	len = ins6(buf, len, NEXTHDR_HOP, 0);
	KUNIT_EXPECT_EQ(test, gre_ka_request_parse6(buf, len, &rq),
			GRE_KA_R_REQ_FRAGMENT);
	/* A later fragment: whatever it carries, data. */
	len = ins6(buf, build6(buf, false, false), NEXTHDR_FRAGMENT,
		   htons(1448));
	KUNIT_EXPECT_EQ(test, gre_ka_request_parse6(buf, len, &rq),
			GRE_KA_R_NOT_KEEPALIVE);
	/* GRE data (protocol type 0x0800) behind a fragment header. */
	len = ins6(buf, build6(buf, false, false), NEXTHDR_FRAGMENT,
		   htons(IP6_MF));
	buf[48 + 2] = 0x08;
	KUNIT_EXPECT_EQ(test, gre_ka_request_parse6(buf, len, &rq),
			GRE_KA_R_NOT_KEEPALIVE);
	/* An MLD report: ICMPv6 behind a hop-by-hop header. */
	len = build6(buf, false, false);
	ip6h->nexthdr = IPPROTO_ICMPV6;
	len = ins6(buf, len, NEXTHDR_HOP, 0);
	KUNIT_EXPECT_EQ(test, gre_ka_request_parse6(buf, len, &rq),
			GRE_KA_R_NOT_KEEPALIVE);
	/* No next header; a chain longer than the walk; one cut short. */
	len = build6(buf, false, false);
	ip6h->nexthdr = NEXTHDR_NONE;
	KUNIT_EXPECT_EQ(test, gre_ka_request_parse6(buf, len, &rq),
			GRE_KA_R_NOT_KEEPALIVE);
	len = build6(buf, false, false);
	for (i = 0; i < 9; i++)
		len = ins6(buf, len, NEXTHDR_DEST, 0);
	KUNIT_EXPECT_EQ(test, gre_ka_request_parse6(buf, len, &rq),
			GRE_KA_R_NOT_KEEPALIVE);
	len = ins6(buf, build6(buf, false, false), NEXTHDR_HOP, 0);
	KUNIT_EXPECT_EQ(test, gre_ka_request_parse6(buf, 44, &rq),
			GRE_KA_R_NOT_KEEPALIVE);
}

static void peer_unsupported(struct kunit *test)
{
	struct gre_ka_tnl_facts f = { .family = AF_INET, .remote.ip = B_ADDR };

	KUNIT_EXPECT_NULL(test, gre_ka_unsupported_why(&f));
	f.iseq = true;
	KUNIT_EXPECT_NOT_NULL(test, gre_ka_unsupported_why(&f));
	f.iseq = false;
	f.remote.ip = htonl(0xe0000001);
	KUNIT_EXPECT_NOT_NULL(test, gre_ka_unsupported_why(&f));
	/* No remote: a multipoint tunnel, supported, unless with iseq. */
	f.remote.ip = 0;
	KUNIT_EXPECT_TRUE(test, gre_ka_multipoint_facts(&f));
	KUNIT_EXPECT_NULL(test, gre_ka_unsupported_why(&f));
	f.iseq = true;
	KUNIT_EXPECT_NOT_NULL(test, gre_ka_unsupported_why(&f));
	f.iseq = false;
	f.collect_md = true;
	KUNIT_EXPECT_FALSE(test, gre_ka_multipoint_facts(&f));
	KUNIT_EXPECT_NOT_NULL(test, gre_ka_unsupported_why(&f));
	f.collect_md = false;
	f = (struct gre_ka_tnl_facts) { .family = AF_INET6, .remote.ip6 = b6 };
	KUNIT_EXPECT_NULL(test, gre_ka_unsupported_why(&f));
	f.collect_md = true;
	KUNIT_EXPECT_NOT_NULL(test, gre_ka_unsupported_why(&f));
}

/*
 * iseq stops our keepalives but not our answers; nothing else lets a
 * tunnel without a unicast peer it knows answer (review: `remote any
 * iseq` answered towards 0.0.0.0; a multipoint tunnel now answers its
 * peers only, which the receive path checks packet by packet).
 */
static void peer_no_answer(struct kunit *test)
{
	struct gre_ka_tnl_facts f = { .family = AF_INET, .remote.ip = B_ADDR };

	f.iseq = true;
	KUNIT_EXPECT_NULL(test, gre_ka_no_answer_why(&f));
	f.remote.ip = htonl(0xe0000001);
	KUNIT_EXPECT_NOT_NULL(test, gre_ka_no_answer_why(&f));
	f.remote.ip = B_ADDR;
	f.collect_md = true;
	KUNIT_EXPECT_NOT_NULL(test, gre_ka_no_answer_why(&f));
	f.remote.ip = 0;
	KUNIT_EXPECT_NOT_NULL(test, gre_ka_no_answer_why(&f));
	f = (struct gre_ka_tnl_facts) { .family = AF_INET6, .iseq = true };
	KUNIT_EXPECT_TRUE(test, gre_ka_multipoint_facts(&f));
	KUNIT_EXPECT_NULL(test, gre_ka_no_answer_why(&f));
}

/* The reasons' names are ABI: sysfs refused/<name>, tracepoints, netlink. */
static void reason_names(struct kunit *test)
{
	int r;

	KUNIT_EXPECT_STREQ(test, gre_ka_reason_name(GRE_KA_R_REPLY_BAD_MAC),
			   "reply_bad_mac");
	KUNIT_EXPECT_STREQ(test, gre_ka_reason_name(GRE_KA_R_REQ_RATE),
			   "request_rate_limit");
	KUNIT_EXPECT_STREQ(test, gre_ka_reason_name(GRE_KA_R_MAX), "?");
	for (r = GRE_KA_R_FIRST; r < GRE_KA_R_MAX; r++) {
		const char *n = gre_ka_reason_name(r);

		KUNIT_EXPECT_NOT_NULL(test, n);
		KUNIT_EXPECT_EQ(test, gre_ka_reason_is_reply(r),
				!strncmp(n, "reply_", 6));
		KUNIT_EXPECT_TRUE(test, !strncmp(n, "reply_", 6) ||
				  !strncmp(n, "request_", 8));
	}
}

static struct kunit_case peer_cases[] = {
	KUNIT_CASE(peer6),
	KUNIT_CASE(peer6_exthdr),
	KUNIT_CASE(peer_cisco),
	KUNIT_CASE(peer_malformed),
	KUNIT_CASE(peer_bad_gre),
	KUNIT_CASE(peer_unsupported),
	KUNIT_CASE(peer_no_answer),
	KUNIT_CASE(reason_names),
	{}
};

static struct kunit_suite peer_suite = {
	.name = "gre_ka_peer",
	.test_cases = peer_cases,
};

/* A multipoint tunnel without a device: its peer table alone. */
static struct gre_ka_tunnel *table_ka(struct kunit *test, bool multipoint,
				      const union gre_ka_addr *remote)
{
	struct gre_ka_tunnel *ka = kunit_kzalloc(test, sizeof(*ka), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ka);
	spin_lock_init(&ka->lock);
	KUNIT_ASSERT_EQ(test, gre_ka_peers_init(ka, multipoint, remote), 0);
	return ka;
}

static union gre_ka_addr nbma(u32 i)
{
	union gre_ka_addr a = {};

	a.ip = htonl(0xc0000000 | i);
	return a;
}

/*
 * Origins: a peer named by several stays until the last lets go; found by
 * its NBMA address, and nobody else's.
 */
static void table_origins(struct kunit *test)
{
	union gre_ka_addr a = nbma(1), b = nbma(2), any = {};
	struct gre_ka_tunnel *ka = table_ka(test, true, &any);
	struct gre_ka_peer *p, *q;
	int err;

	p = gre_ka_peer_get(ka, &a, GRE_KA_PEER_ORIGIN_STATIC, GFP_KERNEL,
			    &err);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, err, 0);
	q = gre_ka_peer_get(ka, &a, GRE_KA_PEER_ORIGIN_NEIGH, GFP_KERNEL, &err);
	KUNIT_EXPECT_PTR_EQ(test, p, q);
	KUNIT_EXPECT_EQ(test, p->origin,
			GRE_KA_PEER_ORIGIN_STATIC | GRE_KA_PEER_ORIGIN_NEIGH);
	rcu_read_lock();
	KUNIT_EXPECT_PTR_EQ(test, gre_ka_peer_find(ka, &a), p);
	KUNIT_EXPECT_NULL(test, gre_ka_peer_find(ka, &b));
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, ka->npeers, 1);

	KUNIT_EXPECT_FALSE(test, gre_ka_peer_drop(ka, p,
						  GRE_KA_PEER_ORIGIN_STATIC));
	rcu_read_lock();
	KUNIT_EXPECT_PTR_EQ(test, gre_ka_peer_find(ka, &a), p);
	rcu_read_unlock();
	KUNIT_EXPECT_TRUE(test, gre_ka_peer_drop(ka, p,
						 GRE_KA_PEER_ORIGIN_NEIGH));
	rcu_read_lock();
	KUNIT_EXPECT_NULL(test, gre_ka_peer_find(ka, &a));
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, ka->npeers, 0);
	gre_ka_peers_destroy(ka);
}

/*
 * Spread over the timer's slots evenly, walked once each; dropped by
 * origin together; a point-to-point tunnel's one peer is every packet's.
 */
static void table_slots(struct kunit *test)
{
	union gre_ka_addr any = {}, a;
	struct gre_ka_tunnel *ka = table_ka(test, true, &any);
	const struct gre_ka_peers *ps;
	struct gre_ka_peer *p = NULL;
	u32 i, slot = 0, n = 0, per[GRE_KA_SLOTS] = {};
	int err;

	for (i = 1; i <= 1000; i++) {
		a = nbma(i);
		KUNIT_ASSERT_NOT_NULL(test, gre_ka_peer_get(ka, &a,
							    GRE_KA_PEER_ORIGIN_STATIC,
							    GFP_KERNEL, &err));
	}
	KUNIT_EXPECT_EQ(test, ka->npeers, 1000);
	rcu_read_lock();
	ps = rcu_dereference(ka->peers);
	while ((p = gre_ka_peer_next(ps, &slot, p))) {
		n++;
		per[slot]++;
		KUNIT_EXPECT_EQ(test, p->slot_idx, slot);
	}
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, n, 1000);
	for (i = 0; i < GRE_KA_SLOTS; i++) {
		KUNIT_EXPECT_GE(test, per[i], 1000 / GRE_KA_SLOTS);
		KUNIT_EXPECT_LE(test, per[i], 1000 / GRE_KA_SLOTS + 1);
	}
	rtnl_lock();
	gre_ka_peers_drop(ka, GRE_KA_PEER_ORIGIN_STATIC);
	rtnl_unlock();
	KUNIT_EXPECT_EQ(test, ka->npeers, 0);
	gre_ka_peers_destroy(ka);

	a = nbma(7);
	ka = table_ka(test, false, &a);
	rcu_read_lock();
	p = gre_ka_peer_find(ka, &any);
	KUNIT_EXPECT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, p->nbma.ip, a.ip);
	rcu_read_unlock();
	KUNIT_EXPECT_NULL(test, gre_ka_peer_get(ka, &a, GRE_KA_PEER_ORIGIN_STATIC,
						GFP_KERNEL, &err));
	KUNIT_EXPECT_EQ(test, err, -EOPNOTSUPP);
	gre_ka_peers_destroy(ka);
}

/* Passive learning: at most GRE_KA_LEARN_BURST new peers at once. */
static void table_learn(struct kunit *test)
{
	union gre_ka_addr any = {}, a;
	struct gre_ka_tunnel *ka = table_ka(test, true, &any);
	enum gre_ka_reason why;
	u32 i, learned = 0;
	u64 now = ktime_get_ns();

	for (i = 1; i <= 1200; i++) {
		a = nbma(i);
		learned += !!gre_ka_peer_learn(ka, &a, now, &why);
	}
	KUNIT_EXPECT_EQ(test, learned, 1000);
	KUNIT_EXPECT_EQ(test, why, GRE_KA_R_REQ_PEER_LIMIT);
	/* A known peer costs no token; a second later there are more. */
	a = nbma(1);
	KUNIT_EXPECT_NOT_NULL(test, gre_ka_peer_learn(ka, &a, now + NSEC_PER_SEC,
						      &why));
	a = nbma(5000);
	KUNIT_EXPECT_NOT_NULL(test, gre_ka_peer_learn(ka, &a, now + NSEC_PER_SEC,
						      &why));
	rtnl_lock();
	gre_ka_peers_drop(ka, GRE_KA_PEER_ORIGIN_PASSIVE);
	rtnl_unlock();
	gre_ka_peers_destroy(ka);
}

static struct kunit_case table_cases[] = {
	KUNIT_CASE(table_origins),
	KUNIT_CASE(table_slots),
	KUNIT_CASE(table_learn),
	{}
};

static struct kunit_suite table_suite = {
	.name = "gre_ka_peer_table",
	.test_cases = table_cases,
};

kunit_test_suites(&pkt_suite, &trailer_suite, &fsm_suite, &rtt_suite,
		  &bucket_suite, &learn_suite, &guard_suite, &peer_suite,
		  &table_suite);

GRE_KA_IMPORT_TEST_NS();
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit suites for gre_ka's pure core");
