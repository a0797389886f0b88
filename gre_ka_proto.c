// SPDX-License-Identifier: GPL-2.0
/*
 * gre_ka's pure core: wire format, validators, state machine, period
 * learner, RTT and token bucket. Pure functions only: the callers own the
 * clock, the locking and the packet memory, which keeps every rule here
 * testable from KUnit without a device (kunit/gre_ka_test.c).
 */

#include <linux/ip.h>
#include <linux/if_ether.h>
#include <linux/if_tunnel.h>
#include <linux/math64.h>
#include <linux/string.h>
#include <net/checksum.h>
#include <net/gre.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <crypto/algapi.h>

#include "gre_ka_proto.h"
#include "gre_ka_compat.h"

/* The MAC covers the trailer up to, not including, the MAC itself. */
#define GRE_KA_MAC_INPUT_LEN	offsetof(struct gre_ka_trailer, mac)

/* ... followed by the peer's address, in the family's length. */
static __be64 gre_ka_mac(const struct gre_ka_trailer *tr,
			 const siphash_key_t *key, unsigned short family,
			 const union gre_ka_addr *peer)
{
	u8 in[GRE_KA_MAC_INPUT_LEN + sizeof(struct in6_addr)];
	unsigned int alen = family == AF_INET6 ? sizeof(struct in6_addr) :
						 sizeof(__be32);

	memcpy(in, tr, GRE_KA_MAC_INPUT_LEN);
	memcpy(in + GRE_KA_MAC_INPUT_LEN, peer, alen);
	return cpu_to_be64(siphash(in, GRE_KA_MAC_INPUT_LEN + alen, key));
}

bool gre_ka_addr_any(unsigned short family, const union gre_ka_addr *a)
{
	return family == AF_INET6 ? ipv6_addr_any(&a->ip6) : !a->ip;
}
EXPORT_SYMBOL_IF_KUNIT(gre_ka_addr_any);

bool gre_ka_addr_eq(unsigned short family, const union gre_ka_addr *a,
		    const union gre_ka_addr *b)
{
	return family == AF_INET6 ? ipv6_addr_equal(&a->ip6, &b->ip6) :
				    a->ip == b->ip;
}
EXPORT_SYMBOL_IF_KUNIT(gre_ka_addr_eq);

unsigned int gre_ka_gre_hlen(bool csum, bool key, bool seq)
{
	return sizeof(struct gre_base_hdr) + (csum ? 4 : 0) + (key ? 4 : 0) +
	       (seq ? 4 : 0);
}
EXPORT_SYMBOL_IF_KUNIT(gre_ka_gre_hlen);

/*
 * Write a GRE header (RFC 2890 field order: checksum, key, sequence) and
 * return its length. The checksum field is left 0 for gre_ka_gre_csum(),
 * which can only run once the payload is in place.
 */
unsigned int gre_ka_gre_fill(void *buf, __be16 proto, bool csum, bool key,
			     __be32 keyv, bool seq, __be32 seqv)
{
	struct gre_base_hdr *greh = buf;
	u8 *opt = (u8 *)(greh + 1);

	greh->flags = 0;
	greh->protocol = proto;
	if (csum) {
		greh->flags |= GRE_CSUM;
		memset(opt, 0, 4);
		opt += 4;
	}
	if (key) {
		greh->flags |= GRE_KEY;
		memcpy(opt, &keyv, 4);
		opt += 4;
	}
	if (seq) {
		greh->flags |= GRE_SEQ;
		memcpy(opt, &seqv, 4);
		opt += 4;
	}
	return opt - (u8 *)buf;
}
EXPORT_SYMBOL_IF_KUNIT(gre_ka_gre_fill);

/* The GRE checksum covers the GRE header and its payload, len bytes. */
void gre_ka_gre_csum(void *greh, unsigned int len)
{
	__sum16 *csum = (__sum16 *)((struct gre_base_hdr *)greh + 1);

	*csum = 0;
	*csum = csum_fold(csum_partial(greh, len, 0));
}
EXPORT_SYMBOL_IF_KUNIT(gre_ka_gre_csum);

static unsigned int gre_ka_inner_hlen(const struct gre_ka_pkt_params *pp)
{
	return pp->family == AF_INET6 ? sizeof(struct ipv6hdr) :
					sizeof(struct iphdr);
}

unsigned int gre_ka_pkt_len(const struct gre_ka_pkt_params *pp)
{
	return gre_ka_inner_hlen(pp) +
	       gre_ka_gre_hlen(pp->has_csum, pp->has_key, false) +
	       GRE_KA_TRAILER_LEN;
}
EXPORT_SYMBOL_IF_KUNIT(gre_ka_pkt_len);

/*
 * Build the inner packet the peer will route back to us: IP from the
 * tunnel's remote to us, carrying GRE with protocol type 0 and our *input*
 * flags, because the reply is received through our own tunnel lookup.
 * IPv4: DF set, ID 0 (RFC 6864: atomic datagram), TTL 255 as Cisco sends
 * it. IPv6: no extension headers, flow label 0, hop limit 255, as OpenBSD
 * builds it. Returns the length written, gre_ka_pkt_len() bytes.
 */
unsigned int gre_ka_pkt_build(void *buf, const struct gre_ka_pkt_params *pp,
			      const struct gre_ka_trailer *tr)
{
	unsigned int len = gre_ka_pkt_len(pp);
	unsigned int nhlen = gre_ka_inner_hlen(pp);
	u8 *greh = (u8 *)buf + nhlen;
	unsigned int glen;

	memset(buf, 0, len);

	if (pp->family == AF_INET6) {
		struct ipv6hdr *ip6h = buf;

		ip6_flow_hdr(ip6h, pp->tos, 0);
		ip6h->payload_len = htons(len - nhlen);
		ip6h->nexthdr = IPPROTO_GRE;
		ip6h->hop_limit = 255;
		ip6h->saddr = pp->src.ip6;
		ip6h->daddr = pp->dst.ip6;
	} else {
		struct iphdr *iph = buf;

		iph->version = 4;
		iph->ihl = sizeof(*iph) / 4;
		iph->tos = pp->tos;
		iph->tot_len = htons(len);
		iph->frag_off = htons(IP_DF);
		iph->ttl = 255;
		iph->protocol = IPPROTO_GRE;
		iph->saddr = pp->src.ip;
		iph->daddr = pp->dst.ip;
		iph->check = ip_fast_csum(iph, iph->ihl);
	}

	glen = gre_ka_gre_fill(greh, 0, pp->has_csum, pp->has_key, pp->key,
			       false, 0);
	memcpy(greh + glen, tr, GRE_KA_TRAILER_LEN);
	if (pp->has_csum)
		gre_ka_gre_csum(greh, len - nhlen);

	return len;
}
EXPORT_SYMBOL_IF_KUNIT(gre_ka_pkt_build);

void gre_ka_trailer_seal(struct gre_ka_trailer *tr, u32 seq, u64 tx_ns,
			 const siphash_key_t *key, unsigned short family,
			 const union gre_ka_addr *peer)
{
	tr->magic = htonl(GRE_KA_MAGIC);
	tr->seq = htonl(seq);
	tr->tx_ns = cpu_to_be64(tx_ns);
	tr->mac = gre_ka_mac(tr, key, family, peer);
}
EXPORT_SYMBOL_IF_KUNIT(gre_ka_trailer_seal);

static const char * const gre_ka_reason_names[GRE_KA_R_MAX] = {
	[GRE_KA_R_OK]			= "ok",
	[GRE_KA_R_NOT_KEEPALIVE]	= "not_keepalive",
	[GRE_KA_R_REPLY_SHORT]		= "reply_short",
	[GRE_KA_R_REPLY_FOREIGN]	= "reply_foreign",
	[GRE_KA_R_REPLY_BAD_MAC]	= "reply_bad_mac",
	[GRE_KA_R_REPLY_STALE]		= "reply_stale",
	[GRE_KA_R_REPLY_FUTURE]		= "reply_future",
	[GRE_KA_R_REPLY_REPLAY]		= "reply_replay",
	[GRE_KA_R_REQ_MALFORMED]	= "request_malformed",
	[GRE_KA_R_REQ_FRAGMENT]		= "request_fragment",
	[GRE_KA_R_REQ_OPTIONS]		= "request_options",
	[GRE_KA_R_REQ_BAD_GRE]		= "request_bad_gre",
	[GRE_KA_R_REQ_ADDRESS]		= "request_address",
	[GRE_KA_R_REQ_TOO_BIG]		= "request_too_big",
	[GRE_KA_R_REQ_TTL]		= "request_ttl",
	[GRE_KA_R_REQ_RATE]		= "request_rate_limit",
	[GRE_KA_R_REQ_NO_ROUTE]		= "request_no_route",
	[GRE_KA_R_REQ_LOOP]		= "request_loop",
	[GRE_KA_R_REQ_NOMEM]		= "request_nomem",
	[GRE_KA_R_REQ_REPLAY]		= "request_replay",
	[GRE_KA_R_REQ_HUAWEI]		= "request_huawei_probe",
	[GRE_KA_R_REQ_OFF]		= "request_reflect_off",
	[GRE_KA_R_REPLY_NOT_PEER]	= "reply_not_peer",
	[GRE_KA_R_REQ_NOT_PEER]		= "request_not_peer",
	[GRE_KA_R_REQ_PEER_LIMIT]	= "request_peer_limit",
};

const char *gre_ka_reason_name(enum gre_ka_reason r)
{
	return (unsigned int)r < GRE_KA_R_MAX ? gre_ka_reason_names[r] : "?";
}
EXPORT_SYMBOL_IF_KUNIT(gre_ka_reason_name);

bool gre_ka_reason_is_reply(enum gre_ka_reason r)
{
	return (r >= GRE_KA_R_FIRST && r < GRE_KA_R_FIRST_REQ) ||
	       r == GRE_KA_R_REPLY_NOT_PEER;
}
EXPORT_SYMBOL_IF_KUNIT(gre_ka_reason_is_reply);

/* Is this one of our trailers, sealed under key? Constant time MAC check. */
enum gre_ka_reason gre_ka_trailer_verify(const struct gre_ka_trailer *tr,
					 unsigned int len,
					 const siphash_key_t *key,
					 unsigned short family,
					 const union gre_ka_addr *peer)
{
	__be64 mac;

	if (len < GRE_KA_TRAILER_LEN)
		return GRE_KA_R_REPLY_SHORT;
	if (tr->magic != htonl(GRE_KA_MAGIC))
		return GRE_KA_R_REPLY_FOREIGN;
	mac = gre_ka_mac(tr, key, family, peer);
	if (crypto_memneq(&mac, &tr->mac, sizeof(mac)))
		return GRE_KA_R_REPLY_BAD_MAC;
	return GRE_KA_R_OK;
}
EXPORT_SYMBOL_IF_KUNIT(gre_ka_trailer_verify);

/*
 * A verified reply counts only if fresh (sent less than window_ns ago, and
 * not in the future) and newer than the last one accepted.
 */
enum gre_ka_reason gre_ka_trailer_fresh(const struct gre_ka_trailer *tr,
					u32 last_seq, u64 now_ns,
					u64 window_ns)
{
	u64 tx_ns = be64_to_cpu(tr->tx_ns);

	if (tx_ns > now_ns)
		return GRE_KA_R_REPLY_FUTURE;
	if (now_ns - tx_ns >= window_ns)
		return GRE_KA_R_REPLY_STALE;
	if (!gre_ka_seq_after(ntohl(tr->seq), last_seq))
		return GRE_KA_R_REPLY_REPLAY;
	return GRE_KA_R_OK;
}
EXPORT_SYMBOL_IF_KUNIT(gre_ka_trailer_fresh);

static const char * const gre_ka_cause_names[GRE_KA_CAUSE_MAX] = {
	[GRE_KA_CAUSE_NONE]		= "none",
	[GRE_KA_CAUSE_START]		= "start",
	[GRE_KA_CAUSE_STOP]		= "stop",
	[GRE_KA_CAUSE_UNANSWERED]	= "unanswered",
	[GRE_KA_CAUSE_SILENT]		= "silent",
	[GRE_KA_CAUSE_REPLY]		= "reply",
	[GRE_KA_CAUSE_REQUEST]		= "request",
};

const char *gre_ka_cause_name(enum gre_ka_cause c)
{
	return (unsigned int)c < GRE_KA_CAUSE_MAX ? gre_ka_cause_names[c] : "?";
}
EXPORT_SYMBOL_IF_KUNIT(gre_ka_cause_name);

/* A fresh start: up, trusted, no dampening. */
void gre_ka_fsm_reset(struct gre_ka_fsm *fsm)
{
	fsm->counter = 0;
	fsm->streak = 0;
	fsm->stable = GRE_KA_STABLE_REPLIES;
	fsm->penalty = 0;
	fsm->down = false;
}
EXPORT_SYMBOL_IF_KUNIT(gre_ka_fsm_reset);

u32 gre_ka_fsm_up_needed(const struct gre_ka_fsm *fsm, u32 up_count)
{
	return up_count << fsm->penalty;
}
EXPORT_SYMBOL_IF_KUNIT(gre_ka_fsm_up_needed);

/* Down, and a flap if the line had not been up for long. */
static void gre_ka_fsm_down(struct gre_ka_fsm *fsm)
{
	fsm->down = true;
	if (fsm->stable < GRE_KA_STABLE_REPLIES &&
	    fsm->penalty < GRE_KA_PENALTY_MAX)
		fsm->penalty++;
}

/*
 * Called once per period, before a keepalive is sent. Cisco semantics:
 * when `retries` keepalives in a row went unanswered, the line protocol goes
 * down at the next send. A keepalive still unanswered when the next one is
 * due breaks the run of replies counted towards coming back up.
 */
enum gre_ka_transition gre_ka_fsm_tick(struct gre_ka_fsm *fsm, u32 retries)
{
	enum gre_ka_transition t = GRE_KA_STAY;

	if (fsm->counter > 0)
		fsm->streak = 0;
	if (!fsm->down && fsm->counter >= retries) {
		gre_ka_fsm_down(fsm);
		t = GRE_KA_GO_DOWN;
	}
	if (fsm->counter < U32_MAX)
		fsm->counter++;
	return t;
}
EXPORT_SYMBOL_IF_KUNIT(gre_ka_fsm_tick);

/*
 * Passive only: no valid request arrived within the window. The run of
 * requests counted towards coming back up is broken too.
 */
enum gre_ka_transition gre_ka_fsm_expire(struct gre_ka_fsm *fsm)
{
	fsm->streak = 0;
	if (fsm->down)
		return GRE_KA_STAY;
	gre_ka_fsm_down(fsm);
	return GRE_KA_GO_DOWN;
}
EXPORT_SYMBOL_IF_KUNIT(gre_ka_fsm_expire);

/* Called for each valid reply, and for each valid request when passive. */
enum gre_ka_transition gre_ka_fsm_reply(struct gre_ka_fsm *fsm, u32 up_count)
{
	fsm->counter = 0;
	if (!fsm->down) {
		if (fsm->stable < U32_MAX)
			fsm->stable++;
		if (fsm->penalty && !(fsm->stable % GRE_KA_STABLE_REPLIES))
			fsm->penalty--;
		return GRE_KA_STAY;
	}
	if (++fsm->streak < gre_ka_fsm_up_needed(fsm, up_count))
		return GRE_KA_STAY;
	fsm->down = false;
	fsm->streak = 0;
	fsm->stable = 0;
	return GRE_KA_GO_UP;
}
EXPORT_SYMBOL_IF_KUNIT(gre_ka_fsm_reply);

void gre_ka_learn_reset(struct gre_ka_learn *l)
{
	memset(l, 0, sizeof(*l));
}
EXPORT_SYMBOL_IF_KUNIT(gre_ka_learn_reset);

static void gre_ka_learn_again(struct gre_ka_learn *l)
{
	l->relearn = true;
	l->samples = 0;
	l->cand_ns = 0;
	l->misfit = 0;
	l->multiple = 0;
}

/*
 * One interval between two requests, interval_ns long and k periods apart
 * (k = 0: unknown). Loss makes intervals whole multiples of the period,
 * jitter makes them a little off: the smallest of the first few intervals
 * is the first estimate, later ones refine it by 1/8 when they fit a whole
 * multiple within a quarter period. Intervals that stop fitting, or a run
 * of multiples no random loss would plausibly produce, mean the peer
 * changed its period: learn it again, keeping the old estimate meanwhile.
 */
/*
 * Whatever the samples said, the estimate stays within the periods a peer
 * can be configured with: a learned period beyond them is a forged or
 * broken request, and would make the deadline built on it meaningless.
 */
static void gre_ka_learn_clamp(struct gre_ka_learn *l)
{
	if (!l->est_ns)
		return;
	l->est_ns = clamp_t(u64, l->est_ns,
			    (u64)GRE_KA_PERIOD_MS_MIN * NSEC_PER_MSEC,
			    (u64)GRE_KA_PERIOD_MS_MAX * NSEC_PER_MSEC);
}

static void gre_ka_learn_one(struct gre_ka_learn *l, u64 interval_ns, u32 k);

void gre_ka_learn_sample(struct gre_ka_learn *l, u64 interval_ns, u32 k)
{
	gre_ka_learn_one(l, interval_ns, k);
	gre_ka_learn_clamp(l);
}
EXPORT_SYMBOL_IF_KUNIT(gre_ka_learn_sample);

static void gre_ka_learn_one(struct gre_ka_learn *l, u64 interval_ns, u32 k)
{
	u64 est = l->est_ns, s;
	u64 m;

	if (!interval_ns)
		return;
	if (k) {
		s = div_u64(interval_ns, k);
		l->relearn = false;
		l->samples = 0;
		l->misfit = 0;
		l->multiple = 0;
		/*
		 * The sender's own clock: exact but for its timer's latency. A
		 * change of period is followed once two samples in a row agree
		 * on it; one outlier alone (a send delayed by a stalled CPU,
		 * and the prompt one after it) is not a change.
		 */
		if (est && (s > est + est / 4 || s + est / 4 < est)) {
			if (l->cand_ns && s <= l->cand_ns + l->cand_ns / 4 &&
			    s + l->cand_ns / 4 >= l->cand_ns) {
				l->est_ns = s;
				l->cand_ns = 0;
			} else {
				l->cand_ns = s;
			}
			return;
		}
		l->cand_ns = 0;
		l->est_ns = est ? est - (est >> 3) + (s >> 3) : s;
		return;
	}

	if (!est || l->relearn) {
		if (!l->cand_ns || interval_ns < l->cand_ns)
			l->cand_ns = interval_ns;
		if (++l->samples >= GRE_KA_LEARN_SAMPLES) {
			l->est_ns = l->cand_ns;
			l->relearn = false;
			l->samples = 0;
			l->cand_ns = 0;
		}
		return;
	}

	m = div64_u64(interval_ns + est / 2, est);
	if (!m) {
		/* Much shorter than a period: the peer sends faster now. */
		if (++l->misfit >= GRE_KA_LEARN_MISFIT - 1)
			gre_ka_learn_again(l);
		return;
	}
	s = div64_u64(interval_ns, m);
	if (s > est + est / 4 || s + est / 4 < est) {
		if (++l->misfit >= GRE_KA_LEARN_MISFIT)
			gre_ka_learn_again(l);
		return;
	}
	l->misfit = 0;
	l->est_ns = est - (est >> 3) + (s >> 3);
	if (m < 2) {
		l->multiple = 0;
		return;
	}
	/*
	 * At 50 % random loss, GRE_KA_LEARN_SAMPLES multiples in a row happen
	 * once in 16; relearning then costs nothing but a few samples (their
	 * smallest is still the period), while a peer that slowed down to
	 * a multiple of its old period is followed.
	 */
	if (++l->multiple >= GRE_KA_LEARN_SAMPLES)
		gre_ka_learn_again(l);
}

void gre_ka_guard_reset(struct gre_ka_guard *g)
{
	memset(g, 0, sizeof(*g));
}
EXPORT_SYMBOL_IF_KUNIT(gre_ka_guard_reset);

static void gre_ka_guard_anchor(struct gre_ka_guard *g, u32 seq, u64 tx_ns,
				u64 now_ns, enum gre_ka_guard_state state)
{
	g->seq = seq;
	g->tx_ns = tx_ns;
	g->at_ns = now_ns;
	g->lag_ns = 0;
	g->early = 0;
	g->batch_n = 0;
	g->state = state;
}

/* Our time since t, never negative: two CPUs may read the clock out of order. */
static s64 gre_ka_since(u64 now_ns, u64 t)
{
	return max_t(s64, (s64)(now_ns - t), 0);
}

/*
 * The learner may use the sender's own interval only when the request
 * moved the guard as a plausible successor: newer by sequence, not too
 * far (GRE_KA_LEARN_MAX_K), and no faster than a sender can send.
 */
static void gre_ka_guard_sample(const struct gre_ka_guard *g, u32 seq,
				s64 dt, u32 *k, u64 *dt_ns)
{
	u32 d = seq - g->seq;

	if (!gre_ka_seq_after(seq, g->seq) || d > GRE_KA_LEARN_MAX_K ||
	    (u64)d * GRE_KA_PERIOD_MS_MIN * NSEC_PER_MSEC > dt + dt / 4)
		return;
	*k = d;
	*dt_ns = dt;
}

/* A run of early requests that agree with each other re-anchors. */
static bool gre_ka_guard_early(struct gre_ka_guard *g, u32 seq, u64 tx_ns,
			       u64 now_ns, s64 slack)
{
	s64 dt = (s64)(tx_ns - g->early_tx_ns);

	if (g->early && dt > 0 &&
	    abs(gre_ka_since(now_ns, g->early_at_ns) - dt) <= slack) {
		g->early++;
	} else {
		g->early = 1;
		g->early_tx_ns = tx_ns;
		g->early_at_ns = now_ns;
	}
	if (g->early < GRE_KA_GUARD_EARLY_RUN)
		return false;
	gre_ka_guard_anchor(g, seq, tx_ns, now_ns, GRE_KA_GUARD_KNOWN);
	return true;
}

enum gre_ka_reason gre_ka_guard_check(struct gre_ka_guard *g, u32 seq,
				      u64 tx_ns, u64 now_ns, u64 slack_ns,
				      u64 forget_ns, u32 *k, u64 *dt_ns)
{
	s64 slack = min_t(u64, slack_ns, S64_MAX / 4);
	s64 dt = (s64)(tx_ns - g->tx_ns);
	s64 elapsed, excess, allow, lag;

	*k = 0;
	*dt_ns = 0;
	if (g->state != GRE_KA_GUARD_NONE &&
	    (u64)gre_ka_since(now_ns, g->at_ns) >= forget_ns)
		g->state = GRE_KA_GUARD_NONE;
	elapsed = gre_ka_since(now_ns, g->at_ns);

	switch (g->state) {
	case GRE_KA_GUARD_NONE:
		gre_ka_guard_anchor(g, seq, tx_ns, now_ns,
				    GRE_KA_GUARD_TENTATIVE);
		return GRE_KA_R_OK;
	case GRE_KA_GUARD_TENTATIVE:
		/* The same send time again is a copy, whoever sent the first. */
		if (!dt)
			return GRE_KA_R_REQ_REPLAY;
		if (dt > 0 && dt <= S64_MAX / 4 && abs(elapsed - dt) <= slack) {
			gre_ka_guard_sample(g, seq, dt, k, dt_ns);
			gre_ka_guard_anchor(g, seq, tx_ns, now_ns,
					    GRE_KA_GUARD_KNOWN);
			g->lag_ns = max_t(s64, elapsed - dt, 0);
		} else {
			gre_ka_guard_anchor(g, seq, tx_ns, now_ns,
					    GRE_KA_GUARD_TENTATIVE);
		}
		return GRE_KA_R_OK;
	}

	/* Replays, and the older of two reordered ones. */
	if (dt <= 0)
		return GRE_KA_R_REQ_REPLAY;
	allow = min_t(s64, elapsed >> GRE_KA_GUARD_DRIFT_SHIFT, slack / 2);
	/* How much earlier than any accepted one this one arrived. */
	excess = dt > S64_MAX / 4 ? S64_MAX / 4 : dt - (elapsed + g->lag_ns);
	if (excess > slack + allow)
		return gre_ka_guard_early(g, seq, tx_ns, now_ns, slack) ?
		       GRE_KA_R_OK : GRE_KA_R_REQ_REPLAY;

	gre_ka_guard_sample(g, seq, dt, k, dt_ns);
	lag = -excess;
	if (lag < 0)
		lag += min(-lag, allow);
	/*
	 * The reference rises only by what every request of a batch lagged:
	 * a path that got slower for good, not jitter (the earliest of a
	 * batch stays the reference).
	 */
	if (!g->batch_n || lag < g->batch_min_ns)
		g->batch_min_ns = lag;
	if (++g->batch_n >= GRE_KA_GUARD_BATCH) {
		if (g->batch_min_ns > 0)
			lag -= g->batch_min_ns;
		g->batch_n = 0;
	}
	g->seq = seq;
	g->tx_ns = tx_ns;
	g->at_ns = now_ns;
	g->lag_ns = lag;
	g->early = 0;
	return GRE_KA_R_OK;
}
EXPORT_SYMBOL_IF_KUNIT(gre_ka_guard_check);

void gre_ka_rtt_update(struct gre_ka_rtt *rtt, u64 sample_ns)
{
	rtt->last = sample_ns;
	if (!rtt->max) {
		/* First sample: nothing to smooth against. */
		rtt->min = sample_ns;
		rtt->avg = sample_ns;
		rtt->max = sample_ns ? sample_ns : 1;
		return;
	}
	if (sample_ns < rtt->min)
		rtt->min = sample_ns;
	if (sample_ns > rtt->max)
		rtt->max = sample_ns;
	/* avg += (sample - avg) / 8, as TCP smooths its srtt (RFC 6298). */
	rtt->avg = rtt->avg - (rtt->avg >> 3) + (sample_ns >> 3);
}
EXPORT_SYMBOL_IF_KUNIT(gre_ka_rtt_update);

void gre_ka_bucket_init(struct gre_ka_bucket *b, u64 now_ns, u32 burst)
{
	b->stamp_ns = now_ns;
	b->tokens = burst;
}
EXPORT_SYMBOL_IF_KUNIT(gre_ka_bucket_init);

bool gre_ka_bucket_take(struct gre_ka_bucket *b, u64 now_ns, u32 rate,
			u32 burst)
{
	u64 token_ns = div_u64(NSEC_PER_SEC, rate);
	u64 add = 0;

	/* A time before the stamp (read earlier on another CPU) adds none. */
	if (now_ns > b->stamp_ns)
		add = div64_u64(now_ns - b->stamp_ns, token_ns);
	if (add >= burst) {
		b->tokens = burst;
		b->stamp_ns = now_ns;
	} else if (add) {
		b->tokens = min_t(u32, b->tokens + add, burst);
		b->stamp_ns += add * token_ns;
	}
	if (!b->tokens)
		return false;
	b->tokens--;
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(gre_ka_bucket_take);

/*
 * The GRE header of a peer keepalive and what follows it (len bytes):
 * protocol type 0 (or alt_proto, when not 0), version 0, no routing, and
 * room for the optional fields its flags announce. Our trailer, when the
 * payload starts with one, gives the sequence number and send time.
 */
static enum gre_ka_reason gre_ka_request_gre(const u8 *data, unsigned int len,
					     __be16 alt_proto,
					     struct gre_ka_request *rq)
{
	const struct gre_base_hdr *greh = (const void *)data;
	const struct gre_ka_trailer *tr;
	unsigned int hlen;
	const u8 *opt;

	if (len < sizeof(*greh))
		return GRE_KA_R_REQ_MALFORMED;
	if (greh->protocol && (!alt_proto || greh->protocol != alt_proto))
		return GRE_KA_R_NOT_KEEPALIVE;
	if (greh->flags & ~(GRE_CSUM | GRE_KEY | GRE_SEQ))
		return GRE_KA_R_REQ_BAD_GRE;
	hlen = gre_ka_gre_hlen(greh->flags & GRE_CSUM, greh->flags & GRE_KEY,
			       greh->flags & GRE_SEQ);
	if (hlen > len)
		return GRE_KA_R_REQ_MALFORMED;

	opt = data + sizeof(*greh) + (greh->flags & GRE_CSUM ? 4 : 0);
	rq->has_key = greh->flags & GRE_KEY;
	rq->key = rq->has_key ? get_unaligned((const __be32 *)opt) : 0;

	tr = (const void *)(data + hlen);
	rq->ours = len - hlen >= GRE_KA_TRAILER_LEN &&
		   get_unaligned(&tr->magic) == htonl(GRE_KA_MAGIC);
	if (rq->ours) {
		rq->seq = get_unaligned_be32(&tr->seq);
		rq->tx_ns = get_unaligned_be64(&tr->tx_ns);
	}
	return GRE_KA_R_OK;
}

enum gre_ka_reason gre_ka_request_parse4(const void *data, unsigned int len,
					 struct gre_ka_request *rq)
{
	const struct iphdr *iph = data;
	const struct gre_base_hdr *greh;
	enum gre_ka_reason r;
	unsigned int tot, hl;

	memset(rq, 0, sizeof(*rq));
	if (len < sizeof(*iph) || iph->protocol != IPPROTO_GRE)
		return GRE_KA_R_NOT_KEEPALIVE;
	hl = iph->ihl * 4;
	tot = ntohs(iph->tot_len);
	if (iph->version != 4 || hl < sizeof(*iph) || len < hl + sizeof(*greh) ||
	    tot < hl + sizeof(*greh) || ip_fast_csum(iph, iph->ihl))
		return GRE_KA_R_REQ_MALFORMED;
	/*
	 * Only a first fragment shows the GRE header to tell: a later one
	 * is most likely tunnelled GRE data, passed on uncounted.
	 */
	if (iph->frag_off & htons(IP_OFFSET))
		return GRE_KA_R_NOT_KEEPALIVE;
	greh = (const void *)((const u8 *)iph + hl);
	if (greh->protocol)
		return GRE_KA_R_NOT_KEEPALIVE;
	if (hl != sizeof(*iph))
		return GRE_KA_R_REQ_OPTIONS;
	/* Told from the header: the caller pulls no more than the limit. */
	if (tot > GRE_KA_REFLECT_MAX_LEN)
		return GRE_KA_R_REQ_TOO_BIG;
	if (tot > len)
		return GRE_KA_R_REQ_MALFORMED;
	r = gre_ka_request_gre((const u8 *)greh, tot - hl, 0, rq);
	if (r != GRE_KA_R_OK)
		return r;
	if (iph->frag_off & htons(IP_MF))
		return GRE_KA_R_REQ_FRAGMENT;

	rq->src.ip = iph->saddr;
	rq->dst.ip = iph->daddr;
	rq->len = tot;
	rq->ttl = iph->ttl;
	return GRE_KA_R_OK;
}
EXPORT_SYMBOL_IF_KUNIT(gre_ka_request_parse4);

/* Extension headers walked before giving up on a packet: data, then. */
#define GRE_KA_EXTHDR_MAX	8

/*
 * The upper protocol of an IPv6 packet and where it starts, walking at
 * most GRE_KA_EXTHDR_MAX extension headers within len. *why: what the
 * headers on the way make of a keepalive behind them (a keepalive has
 * none: every implementation builds it so). False if the walk cannot
 * tell: a later fragment, no next header, a chain beyond len.
 */
static bool gre_ka_ip6_upper(const u8 *data, unsigned int len, u8 *proto,
			     unsigned int *off, enum gre_ka_reason *why)
{
	u8 nh = ((const struct ipv6hdr *)data)->nexthdr;
	unsigned int o = sizeof(struct ipv6hdr), n;

	*why = GRE_KA_R_OK;
	for (n = 0; ipv6_ext_hdr(nh); n++) {
		const u8 *eh = data + o;

		if (nh == NEXTHDR_NONE || n >= GRE_KA_EXTHDR_MAX || len < o + 8)
			return false;
		if (nh == NEXTHDR_FRAGMENT) {
			const struct frag_hdr *fh = (const void *)eh;

			if (fh->frag_off & htons(IP6_OFFSET))
				return false;
			*why = GRE_KA_R_REQ_FRAGMENT;
			o += sizeof(*fh);
		} else {
			const struct ipv6_opt_hdr *oh = (const void *)eh;

			if (*why == GRE_KA_R_OK)
				*why = GRE_KA_R_REQ_OPTIONS;
			o += nh == NEXTHDR_AUTH ? ipv6_authlen(oh) : ipv6_optlen(oh);
		}
		nh = eh[0];
	}
	*proto = nh;
	*off = o;
	return true;
}

/*
 * GRE must follow the IPv6 header directly: a keepalive behind extension
 * headers is refused (options, or fragment), while any other packet behind
 * them -- a fragmented datagram, an MLD report after its hop-by-hop
 * header -- is ordinary traffic. Protocol type 0x86dd is accepted besides
 * 0: MikroTik RouterOS is reported to send its IPv6 keepalives so.
 */
enum gre_ka_reason gre_ka_request_parse6(const void *data, unsigned int len,
					 struct gre_ka_request *rq)
{
	const struct ipv6hdr *ip6h = data;
	const struct gre_base_hdr *greh;
	enum gre_ka_reason r, why;
	unsigned int tot, off;
	u8 proto;

	memset(rq, 0, sizeof(*rq));
	if (len < sizeof(*ip6h) ||
	    !gre_ka_ip6_upper(data, len, &proto, &off, &why) ||
	    proto != IPPROTO_GRE || len < off + sizeof(*greh))
		return GRE_KA_R_NOT_KEEPALIVE;
	greh = (const void *)((const u8 *)data + off);
	if (greh->protocol && greh->protocol != htons(ETH_P_IPV6))
		return GRE_KA_R_NOT_KEEPALIVE;
	if (why != GRE_KA_R_OK)
		return why;
	if (ip6h->version != 6)
		return GRE_KA_R_REQ_MALFORMED;
	tot = sizeof(*ip6h) + ntohs(ip6h->payload_len);
	if (tot < sizeof(*ip6h) + sizeof(*greh))
		return GRE_KA_R_REQ_MALFORMED;
	if (tot > GRE_KA_REFLECT_MAX_LEN)
		return GRE_KA_R_REQ_TOO_BIG;
	if (tot > len)
		return GRE_KA_R_REQ_MALFORMED;
	r = gre_ka_request_gre((const u8 *)greh, tot - sizeof(*ip6h),
			       htons(ETH_P_IPV6), rq);
	if (r != GRE_KA_R_OK)
		return r;

	rq->src.ip6 = ip6h->saddr;
	rq->dst.ip6 = ip6h->daddr;
	rq->len = tot;
	rq->ttl = ip6h->hop_limit;
	return GRE_KA_R_OK;
}
EXPORT_SYMBOL_IF_KUNIT(gre_ka_request_parse6);

bool gre_ka_multipoint_facts(const struct gre_ka_tnl_facts *f)
{
	return !f->collect_md && gre_ka_addr_any(f->family, &f->remote);
}
EXPORT_SYMBOL_IF_KUNIT(gre_ka_multipoint_facts);

/* A multipoint tunnel answers its peers: the rx path checks the sender. */
const char *gre_ka_no_answer_why(const struct gre_ka_tnl_facts *f)
{
	if (f->collect_md)
		return "collect_md (external) tunnels have no fixed peer";
	if (gre_ka_multipoint_facts(f))
		return NULL;
	if (f->family == AF_INET6 ? ipv6_addr_is_multicast(&f->remote.ip6) :
				    ipv4_is_multicast(f->remote.ip))
		return "the tunnel's remote address is multicast";
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(gre_ka_no_answer_why);

const char *gre_ka_unsupported_why(const struct gre_ka_tnl_facts *f)
{
	const char *why = gre_ka_no_answer_why(f);

	if (!why && f->iseq)
		why = "input sequencing (iseq) would drop the replies";
	return why;
}
EXPORT_SYMBOL_IF_KUNIT(gre_ka_unsupported_why);
