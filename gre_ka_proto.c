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
#include <net/ipv6.h>
#include <crypto/algapi.h>

#include "gre_ka_proto.h"

/* The MAC covers the trailer up to, not including, the MAC itself. */
#define GRE_KA_MAC_INPUT_LEN	offsetof(struct gre_ka_trailer, mac)

unsigned int gre_ka_gre_hlen(bool csum, bool key, bool seq)
{
	return sizeof(struct gre_base_hdr) + (csum ? 4 : 0) + (key ? 4 : 0) +
	       (seq ? 4 : 0);
}

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

/* The GRE checksum covers the GRE header and its payload, len bytes. */
void gre_ka_gre_csum(void *greh, unsigned int len)
{
	__sum16 *csum = (__sum16 *)((struct gre_base_hdr *)greh + 1);

	*csum = 0;
	*csum = csum_fold(csum_partial(greh, len, 0));
}

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
		ip6h->saddr = pp->src6;
		ip6h->daddr = pp->dst6;
	} else {
		struct iphdr *iph = buf;

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
	}

	glen = gre_ka_gre_fill(greh, 0, pp->has_csum, pp->has_key, pp->key,
			       false, 0);
	memcpy(greh + glen, tr, GRE_KA_TRAILER_LEN);
	if (pp->has_csum)
		gre_ka_gre_csum(greh, len - nhlen);

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
 * The GRE header of a peer keepalive: version 0, no routing, protocol type
 * 0 (or alt_proto, when not 0), and room for the optional fields its flags
 * announce (len bytes of GRE header and payload).
 */
static enum gre_ka_peer_verdict gre_ka_peer_gre(const void *data,
						unsigned int len,
						__be16 alt_proto)
{
	const struct gre_base_hdr *greh = data;
	unsigned int hlen;

	if (greh->flags & ~(GRE_CSUM | GRE_KEY | GRE_SEQ))
		return GRE_KA_PEER_BAD_GRE;
	if (greh->protocol && (!alt_proto || greh->protocol != alt_proto))
		return GRE_KA_PEER_BAD_GRE;
	hlen = gre_ka_gre_hlen(greh->flags & GRE_CSUM, greh->flags & GRE_KEY,
			       greh->flags & GRE_SEQ);
	if (hlen > len)
		return GRE_KA_PEER_MALFORMED;
	return GRE_KA_PEER_OK;
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
	enum gre_ka_peer_verdict v;
	unsigned int tot;

	if (len < sizeof(*iph))
		return GRE_KA_PEER_MALFORMED;
	if (iph->protocol != IPPROTO_GRE)
		return GRE_KA_PEER_NOT_GRE;
	if (iph->version != 4 || iph->ihl < 5)
		return GRE_KA_PEER_MALFORMED;
	if (iph->ihl != 5)
		return GRE_KA_PEER_OPTIONS;
	tot = ntohs(iph->tot_len);
	if (tot < sizeof(*iph) + sizeof(struct gre_base_hdr) || tot > len)
		return GRE_KA_PEER_MALFORMED;
	if (tot > GRE_KA_REFLECT_MAX_LEN)
		return GRE_KA_PEER_TOO_BIG;
	if (ip_fast_csum(iph, iph->ihl))
		return GRE_KA_PEER_MALFORMED;
	if (iph->frag_off & htons(IP_MF | IP_OFFSET))
		return GRE_KA_PEER_FRAGMENT;

	v = gre_ka_peer_gre(iph + 1, tot - sizeof(*iph), 0);
	if (v != GRE_KA_PEER_OK)
		return v;

	if (!remote || iph->daddr != remote)
		return GRE_KA_PEER_ADDRESS;
	if (local && iph->saddr != local)
		return GRE_KA_PEER_ADDRESS;
	return GRE_KA_PEER_OK;
}

/*
 * The same for a decapsulated IPv6 packet (ip6gre). GRE must follow the
 * IPv6 header directly: a keepalive has no extension headers, and skipping
 * them would mean parsing attacker-chosen chains for nothing. An unspecified
 * local address means a tunnel without one; the caller checks the source.
 * Protocol type 0x86dd is accepted besides 0: MikroTik RouterOS is reported
 * to send its IPv6 keepalives so; the addresses still have to match.
 */
enum gre_ka_peer_verdict gre_ka_peer_check6(const void *data, unsigned int len,
					    const struct in6_addr *local,
					    const struct in6_addr *remote)
{
	const struct ipv6hdr *ip6h = data;
	unsigned int tot;
	enum gre_ka_peer_verdict v;

	if (len < sizeof(*ip6h))
		return GRE_KA_PEER_MALFORMED;
	if (ip6h->version != 6)
		return GRE_KA_PEER_MALFORMED;
	if (ip6h->nexthdr == NEXTHDR_FRAGMENT)
		return GRE_KA_PEER_FRAGMENT;
	if (ip6h->nexthdr != IPPROTO_GRE)
		return ipv6_ext_hdr(ip6h->nexthdr) ? GRE_KA_PEER_OPTIONS :
						     GRE_KA_PEER_NOT_GRE;
	tot = sizeof(*ip6h) + ntohs(ip6h->payload_len);
	if (tot < sizeof(*ip6h) + sizeof(struct gre_base_hdr) || tot > len)
		return GRE_KA_PEER_MALFORMED;
	if (tot > GRE_KA_REFLECT_MAX_LEN)
		return GRE_KA_PEER_TOO_BIG;

	v = gre_ka_peer_gre(ip6h + 1, tot - sizeof(*ip6h), htons(ETH_P_IPV6));
	if (v != GRE_KA_PEER_OK)
		return v;

	if (ipv6_addr_any(remote) || !ipv6_addr_equal(&ip6h->daddr, remote))
		return GRE_KA_PEER_ADDRESS;
	if (!ipv6_addr_any(local) && !ipv6_addr_equal(&ip6h->saddr, local))
		return GRE_KA_PEER_ADDRESS;
	return GRE_KA_PEER_OK;
}
