// SPDX-License-Identifier: GPL-2.0
/*
 * gre_ka wire format and state machine. Pure functions only: the callers
 * own locking and packet memory, which keeps every rule here testable from
 * KUnit without a device.
 */

#include <linux/ip.h>
#include <linux/if_tunnel.h>
#include <linux/string.h>
#include <net/checksum.h>
#include <net/gre.h>
#include <net/ip.h>
#include <crypto/algapi.h>

#include "gre_ka_proto.h"

/* The MAC covers the trailer up to, not including, the MAC itself. */
#define GRE_KA_MAC_INPUT_LEN	offsetof(struct gre_ka_trailer, mac)

unsigned int gre_ka_pkt_len(const struct gre_ka_pkt_params *pp)
{
	return sizeof(struct iphdr) + sizeof(struct gre_base_hdr) +
	       (pp->has_csum ? 4 : 0) + (pp->has_key ? 4 : 0) +
	       GRE_KA_TRAILER_LEN;
}

/*
 * Build the inner packet the peer will route back to us: IPv4 from the
 * tunnel's remote to us, carrying GRE with protocol type 0 and our *input*
 * flags, because the reply is received through our own tunnel lookup.
 * DF is set and the ID left 0 (RFC 6864: atomic datagram); TTL is 255 as
 * Cisco sends it. Returns the length written, gre_ka_pkt_len() bytes.
 */
unsigned int gre_ka_pkt_build(void *buf, const struct gre_ka_pkt_params *pp,
			      const struct gre_ka_trailer *tr)
{
	unsigned int len = gre_ka_pkt_len(pp);
	struct iphdr *iph = buf;
	struct gre_base_hdr *greh = (struct gre_base_hdr *)(iph + 1);
	u8 *opt = (u8 *)(greh + 1);
	__sum16 *csum = NULL;

	memset(buf, 0, len);

	iph->version = 4;
	iph->ihl = sizeof(*iph) / 4;
	iph->tos = pp->tos;
	iph->tot_len = htons(len);
	iph->frag_off = htons(IP_DF);
	iph->ttl = 255;
	iph->protocol = IPPROTO_GRE;
	iph->saddr = pp->src;
	iph->daddr = pp->dst;
	iph->check = ip_fast_csum(iph, iph->ihl);

	greh->protocol = 0;
	if (pp->has_csum) {
		greh->flags |= GRE_CSUM;
		csum = (__sum16 *)opt;
		opt += 4;
	}
	if (pp->has_key) {
		greh->flags |= GRE_KEY;
		memcpy(opt, &pp->key, sizeof(pp->key));
		opt += 4;
	}
	memcpy(opt, tr, GRE_KA_TRAILER_LEN);

	if (csum)
		*csum = csum_fold(csum_partial(greh, len - sizeof(*iph), 0));

	return len;
}

void gre_ka_trailer_seal(struct gre_ka_trailer *tr, u32 seq, u64 tx_ns,
			 const siphash_key_t *key)
{
	tr->magic = htonl(GRE_KA_MAGIC);
	tr->seq = htonl(seq);
	tr->tx_ns = cpu_to_be64(tx_ns);
	tr->mac = cpu_to_be64(siphash(tr, GRE_KA_MAC_INPUT_LEN, key));
}

/*
 * A reply is ours only if the MAC verifies under the tunnel's key, it is
 * fresh (sent less than window_ns ago, and not in the future) and its
 * sequence number is newer than the last one accepted (serial arithmetic,
 * so the 32-bit sequence may wrap).
 */
enum gre_ka_verdict gre_ka_trailer_check(const struct gre_ka_trailer *tr,
					 unsigned int len,
					 const siphash_key_t *key,
					 u32 last_seq, u64 now_ns,
					 u64 window_ns)
{
	__be64 mac;
	u64 tx_ns;

	if (len < GRE_KA_TRAILER_LEN)
		return GRE_KA_REPLY_SHORT;
	if (tr->magic != htonl(GRE_KA_MAGIC))
		return GRE_KA_REPLY_FOREIGN;

	mac = cpu_to_be64(siphash(tr, GRE_KA_MAC_INPUT_LEN, key));
	if (crypto_memneq(&mac, &tr->mac, sizeof(mac)))
		return GRE_KA_REPLY_BAD_MAC;

	tx_ns = be64_to_cpu(tr->tx_ns);
	if (tx_ns > now_ns)
		return GRE_KA_REPLY_FUTURE;
	if (now_ns - tx_ns >= window_ns)
		return GRE_KA_REPLY_STALE;
	if ((s32)(ntohl(tr->seq) - last_seq) <= 0)
		return GRE_KA_REPLY_REPLAY;

	return GRE_KA_REPLY_OK;
}

/* A fresh start: up, trusted, no dampening. */
void gre_ka_fsm_reset(struct gre_ka_fsm *fsm)
{
	fsm->counter = 0;
	fsm->streak = 0;
	fsm->stable = GRE_KA_STABLE_REPLIES;
	fsm->penalty = 0;
	fsm->down = false;
}

u32 gre_ka_fsm_up_needed(const struct gre_ka_fsm *fsm, u32 up_count)
{
	return up_count << fsm->penalty;
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
		fsm->down = true;
		if (fsm->stable < GRE_KA_STABLE_REPLIES &&
		    fsm->penalty < GRE_KA_PENALTY_MAX)
			fsm->penalty++;
		t = GRE_KA_GO_DOWN;
	}
	if (fsm->counter < U32_MAX)
		fsm->counter++;
	return t;
}

/* Called for each valid reply. */
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

/*
 * Is this decapsulated IPv4 packet a peer's keepalive that we may send
 * back? Ingress runs before ip_rcv(), so nothing has validated the header
 * yet. local == 0 means a tunnel without a local address: the caller checks
 * that the source is one of the underlay's addresses.
 */
enum gre_ka_peer_verdict gre_ka_peer_check(const void *data, unsigned int len,
					   __be32 local, __be32 remote)
{
	const struct iphdr *iph = data;
	const struct gre_base_hdr *greh;
	unsigned int tot, hlen;

	if (len < sizeof(*iph))
		return GRE_KA_PEER_MALFORMED;
	if (iph->protocol != IPPROTO_GRE)
		return GRE_KA_PEER_NOT_GRE;
	if (iph->version != 4 || iph->ihl < 5)
		return GRE_KA_PEER_MALFORMED;
	if (iph->ihl != 5)
		return GRE_KA_PEER_OPTIONS;
	tot = ntohs(iph->tot_len);
	if (tot < sizeof(*iph) + sizeof(*greh) || tot > len)
		return GRE_KA_PEER_MALFORMED;
	if (tot > GRE_KA_REFLECT_MAX_LEN)
		return GRE_KA_PEER_TOO_BIG;
	if (ip_fast_csum(iph, iph->ihl))
		return GRE_KA_PEER_MALFORMED;
	if (iph->frag_off & htons(IP_MF | IP_OFFSET))
		return GRE_KA_PEER_FRAGMENT;

	greh = (const struct gre_base_hdr *)(iph + 1);
	if (greh->flags & ~(GRE_CSUM | GRE_KEY | GRE_SEQ))
		return GRE_KA_PEER_BAD_GRE;
	if (greh->protocol)
		return GRE_KA_PEER_BAD_GRE;
	hlen = sizeof(*iph) + sizeof(*greh);
	hlen += (greh->flags & GRE_CSUM) ? 4 : 0;
	hlen += (greh->flags & GRE_KEY) ? 4 : 0;
	hlen += (greh->flags & GRE_SEQ) ? 4 : 0;
	if (hlen > tot)
		return GRE_KA_PEER_MALFORMED;

	if (!remote || iph->daddr != remote)
		return GRE_KA_PEER_ADDRESS;
	if (local && iph->saddr != local)
		return GRE_KA_PEER_ADDRESS;
	return GRE_KA_PEER_OK;
}
