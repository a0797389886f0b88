// SPDX-License-Identifier: GPL-2.0
/*
 * gre_fuzz: send randomized and structured-malformed GRE packets at a
 * gre_ka tunnel, from the tunnel's peer, over a packet socket (so that the
 * outer IPv4 header, its checksum and its length are ours to break too).
 * Built by the VM tests at run time (scripts/tests/t-30-fuzz.sh).
 *
 *   gre_fuzz --iface IF --dst-mac MAC --src PEER --dst TUNNEL_LOCAL
 *            --mode reply|reflect|forged|outer --count N --seed S
 *            [--key K] [--csum]
 *
 * Every packet goes from SRC (the tunnel's remote) to DST (the tunnel's
 * local address), Ethernet to DST-MAC out of IF. --key and --csum are the
 * tunnel's input key and checksum flag, which well-formed packets carry.
 *
 * reply:   GRE protocol type 0 with a payload: what a reply to one of the
 *          tunnel's keepalives looks like, with random payloads, forged
 *          trailers (right magic, random MAC), oversize and zero-length
 *          payloads, and mutated GRE headers (every flag combination,
 *          versions, bad checksums, wrong keys) and outer IP options.
 * reflect: GRE protocol type 0x0800 carrying an inner IPv4 + GRE PT=0
 *          packet: what the peer's keepalive looks like, valid (inner DST
 *          to SRC) or with one or more defects (TTL, checksum, version,
 *          IHL, options, length, fragments, GRE flags/version/protocol,
 *          addresses, size).
 * forged:  only well-formed replies carrying a forged trailer (our magic,
 *          a plausible sequence number and send time, a random MAC): the
 *          costliest packet to refuse, as fast as the socket takes them
 *          (a flood; t-32-flood.sh).
 * outer:   garbage at the outer level: truncated and random IPv4 headers,
 *          bad checksums and lengths, fragments, random options, random
 *          GRE headers, zero-length and oversize frames.
 *
 * Prints one JSON line:
 *   {"mode":M,"seed":S,"sent":N,"wellformed":W,"peer_valid":V,
 *    "peer_ttl_ok":T,"secs":X,"pps":P}
 * wellformed: reply mode, packets that ip_gre must deliver to the tunnel
 *   (exact key/csum flags, valid checksums, GRE version 0, no routing,
 *   GRE part of at least 12 bytes, unfragmented outer IPv4);
 * peer_valid: reflect mode, packets whose inner packet is a peer keepalive
 *   by the rules of Documentation/gre_ka.rst ("Reflection"), decided here
 *   independently of the module; peer_ttl_ok: of those, with TTL > 1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define GF_CSUM		0x8000
#define GF_ROUTING	0x4000
#define GF_KEY		0x2000
#define GF_SEQ		0x1000
#define GF_VERSION	0x0007

#define FRAME_MAX	1514
#define MAGIC		0x474b4101u

/* xorshift64*: small, seedable, good enough to pick cases. */
static uint64_t rng_state;

static uint64_t rnd64(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static uint32_t rnd(uint32_t n)	/* 0..n-1 */
{
	return n ? (uint32_t)((rnd64() >> 11) % n) : 0;
}

static void rnd_bytes(uint8_t *p, size_t n)
{
	while (n--)
		*p++ = (uint8_t)rnd64();
}

static uint16_t csum16(const uint8_t *p, size_t n)
{
	uint32_t s = 0;

	while (n > 1) {
		s += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		n -= 2;
	}
	if (n)
		s += (uint32_t)p[0] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, (uint16_t)v);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static struct {
	uint32_t src, dst;	/* host order */
	uint32_t key;
	int has_key, has_csum;
} cfg;

/*
 * An IPv4 header at p with ihl words (options NOP-filled, EOL last), total
 * length tot, protocol 47; checksum valid.
 */
static void ip_build(uint8_t *p, int ihl, uint16_t tot, uint8_t ttl,
		     uint16_t frag, uint32_t src, uint32_t dst)
{
	memset(p, 0, ihl * 4);
	p[0] = 0x40 | (ihl & 15);
	p[1] = 0xc0;
	put16(p + 2, tot);
	put16(p + 4, (uint16_t)rnd64());
	put16(p + 6, frag);
	p[8] = ttl;
	p[9] = 47;
	put32(p + 12, src);
	put32(p + 16, dst);
	if (ihl > 5) {
		memset(p + 20, 1, ihl * 4 - 20);
		p[ihl * 4 - 1] = 0;
	}
	put16(p + 10, csum16(p, ihl * 4));
}

/*
 * A GRE header at p with the given flags word and protocol; key and
 * sequence fields filled, the checksum field left zero. Returns its length.
 */
static int gre_build(uint8_t *p, uint16_t flags, uint16_t proto, uint32_t key)
{
	int n = 4;

	put16(p, flags);
	put16(p + 2, proto);
	if (flags & GF_CSUM) {
		put32(p + n, 0);
		n += 4;
	}
	if (flags & GF_KEY) {
		put32(p + n, key);
		n += 4;
	}
	if (flags & GF_SEQ) {
		put32(p + n, (uint32_t)rnd64());
		n += 4;
	}
	return n;
}

static void gre_csum(uint8_t *gre, size_t len)
{
	put16(gre + 4, 0);
	put16(gre + 4, csum16(gre, len));
}

static uint16_t tunnel_flags(void)
{
	return (cfg.has_csum ? GF_CSUM : 0) | (cfg.has_key ? GF_KEY : 0);
}

/* The outer headers for a GRE packet of gre_len bytes; returns IP hlen. */
static int outer(uint8_t *ip, int ihl, size_t gre_len)
{
	ip_build(ip, ihl, (uint16_t)(ihl * 4 + gre_len), 64, 0x4000,
		 cfg.src, cfg.dst);
	return ihl * 4;
}

/* --- reply path ----------------------------------------------------------- */

static size_t gen_reply(uint8_t *ip, int *wellformed)
{
	int ihl = rnd(8) ? 5 : 5 + 1 + rnd(10);	/* sometimes IP options */
	uint16_t flags = tunnel_flags();
	uint32_t key = cfg.key;
	uint8_t *gre = ip + ihl * 4;
	int good_csum = 1, ghl, c;
	size_t plen;
	uint8_t *pl;

	*wellformed = 1;
	c = rnd(16);
	if (c == 0) {
		flags = (uint16_t)rnd64();	/* any flags, versions */
	} else if (c == 1) {
		flags |= 1 + rnd(7);		/* GRE version 1..7 */
	} else if (c == 2) {
		flags |= GF_ROUTING;
	} else if (c == 3) {
		flags ^= GF_KEY;		/* key where none is, or none */
	} else if (c == 4 && cfg.has_key) {
		key ^= 1 + rnd(0xffffffffu);	/* wrong key */
	} else if (c == 5) {
		flags ^= GF_CSUM;
	} else if (c == 6) {
		good_csum = 0;
	} else if (c == 7) {
		flags |= GF_SEQ;		/* accepted by a non-iseq tunnel */
	}
	ghl = gre_build(gre, flags, 0, key);
	pl = gre + ghl;

	switch (rnd(8)) {
	case 0:
		plen = 0;
		break;
	case 1:
		plen = 1 + rnd(7);		/* below the demux minimum */
		break;
	case 2:
		plen = 1000 + rnd(1400 - 1000 - ihl * 4);	/* oversize */
		break;
	case 3:
	case 4:
		/* A forged trailer: right magic, random MAC, garbage after. */
		plen = 24 + rnd(3) * rnd(41);
		rnd_bytes(pl, plen);
		put32(pl, MAGIC);
		put32(pl + 4, rnd(4) ? rnd(1000) : (uint32_t)rnd64());
		goto built;
	default:
		plen = rnd(80);
		break;
	}
	rnd_bytes(pl, plen);
built:
	if (flags & GF_CSUM) {
		gre_csum(gre, ghl + plen);
		if (!good_csum)
			put16(gre + 4, get16(gre + 4) ^ (1 + rnd(0xfffe)));
	}
	outer(ip, ihl, ghl + plen);

	/* What ip_gre must hand to this tunnel (see the header comment). */
	if ((flags & ~GF_SEQ) != tunnel_flags() || key != cfg.key ||
	    !good_csum || ghl + plen < 12)
		*wellformed = 0;
	return ihl * 4 + ghl + plen;
}

/* A well-formed reply with a forged trailer: MAC verification must fail. */
static size_t gen_forged(uint8_t *ip)
{
	uint8_t *gre = ip + 20, *pl;
	int ghl;

	ghl = gre_build(gre, tunnel_flags(), 0, cfg.key);
	pl = gre + ghl;
	rnd_bytes(pl, 24);
	put32(pl, MAGIC);
	put32(pl + 4, rnd(1000));
	if (tunnel_flags() & GF_CSUM)
		gre_csum(gre, ghl + 24);
	outer(ip, 5, ghl + 24);
	return 20 + ghl + 24;
}

/* --- reflect path --------------------------------------------------------- */

/*
 * Is the inner packet (len bytes) one to reflect? Written from the rules
 * in Documentation/gre_ka.rst, not from the module's code.
 */
static int peer_valid(const uint8_t *p, size_t len)
{
	unsigned int ihl, tot, hl;
	uint16_t flags;

	if (len < 20 || p[9] != 47)
		return 0;
	ihl = p[0] & 15;
	if (p[0] >> 4 != 4 || ihl != 5)
		return 0;
	/* Its own length counts: bytes beyond it are the frame's padding. */
	tot = get16(p + 2);
	if (tot < 24 || tot > len || tot > 256)
		return 0;
	if (csum16(p, 20))
		return 0;
	if (get16(p + 6) & 0x3fff)		/* MF or an offset */
		return 0;
	flags = get16(p + 20);
	if (flags & ~(GF_CSUM | GF_KEY | GF_SEQ) || get16(p + 22))
		return 0;
	hl = 24 + (flags & GF_CSUM ? 4 : 0) + (flags & GF_KEY ? 4 : 0) +
	     (flags & GF_SEQ ? 4 : 0);
	if (hl > tot)
		return 0;
	/*
	 * From the tunnel's local address; to any destination, since the
	 * answer goes to the tunnel's remote whatever the inner header says
	 * (a peer behind NAT puts its private address there).
	 */
	return get16(p + 12) == cfg.dst >> 16 && get16(p + 14) == (uint16_t)cfg.dst;
}

static size_t gen_reflect(uint8_t *ip, int *valid, int *ttl_ok)
{
	uint16_t oflags = tunnel_flags();
	uint8_t *gre = ip + 20, *in, *ig;
	uint16_t iflags, frag = rnd(2) ? 0x4000 : 0;
	uint32_t isrc = cfg.dst, idst = cfg.src;
	int ghl, ighl, ihl = 5, defects, i;
	size_t plen, ilen, tot;
	uint8_t ttl = 2 + rnd(254);

	ghl = gre_build(gre, oflags, 0x0800, cfg.key);
	in = gre + ghl;

	iflags = (rnd(2) ? GF_CSUM : 0) | (rnd(2) ? GF_KEY : 0) |
		 (rnd(2) ? GF_SEQ : 0);
	plen = rnd(4) ? rnd(3) * 12 : rnd(200);
	defects = rnd(3) ? rnd(3) : 0;	/* a third valid, or close to */
	if (rnd(16) == 0)
		ihl = 6 + rnd(10);

	ig = in + ihl * 4;
	ighl = gre_build(ig, iflags, 0, (uint32_t)rnd64());
	rnd_bytes(ig + ighl, plen);
	ilen = ihl * 4 + ighl + plen;
	if (iflags & GF_CSUM)
		gre_csum(ig, ighl + plen);
	ip_build(in, ihl, (uint16_t)ilen, ttl, frag, isrc, idst);
	tot = ilen;

	for (i = 0; i < defects; i++) {
		switch (rnd(14)) {
		case 0:
			in[8] = (uint8_t)rnd(2);	/* TTL 0 or 1 */
			put16(in + 10, 0);
			put16(in + 10, csum16(in, ihl * 4));
			break;
		case 1:
			put16(in + 10, get16(in + 10) ^ (1 + rnd(0xfffe)));
			break;
		case 2:
			in[0] = (uint8_t)(rnd(16) << 4 | (in[0] & 15));
			break;
		case 3:
			in[0] = (in[0] & 0xf0) | rnd(16);
			break;
		case 4:
			put16(in + 2, (uint16_t)rnd(ilen + 40));
			break;
		case 5:
			put16(in + 6, get16(in + 6) | 0x2000);	/* MF */
			break;
		case 6:
			put16(in + 6, get16(in + 6) | (1 + rnd(0x1fff)));
			break;
		case 7:
			put16(ig, (uint16_t)rnd64());
			break;
		case 8:
			put16(ig, get16(ig) | (1 + rnd(7)));	/* version */
			break;
		case 9:
			put16(ig + 2, (uint16_t)(1 + rnd(0xfffe)));
			break;
		case 10:	/* an address that is neither ours nor the peer's */
			put32(in + 12 + 4 * rnd(2), 0xcb007100u | (1 + rnd(250)));
			break;
		case 11:	/* trailing bytes beyond the IP total length */
			tot = ilen + 1 + rnd(60);
			rnd_bytes(in + ilen, tot - ilen);
			break;
		case 12:	/* truncated: the frame ends early */
			tot = rnd(ilen);
			break;
		default:	/* oversize */
			plen = 257 + rnd(900);
			rnd_bytes(ig + ighl, plen);
			ilen = ihl * 4 + ighl + plen;
			ip_build(in, ihl, (uint16_t)ilen, ttl, frag, isrc, idst);
			tot = ilen;
			break;
		}
		/* Recompute the IP checksum half the time: reach deeper checks. */
		if (rnd(2) && (in[0] & 15) >= 5 && tot >= (size_t)(in[0] & 15) * 4) {
			put16(in + 10, 0);
			put16(in + 10, csum16(in, (in[0] & 15) * 4));
		}
	}
	if (oflags & GF_CSUM)
		gre_csum(gre, ghl + tot);
	outer(ip, 5, ghl + tot);
	*valid = peer_valid(in, tot);
	*ttl_ok = *valid && in[8] > 1;
	return 20 + ghl + tot;
}

/* --- outer garbage -------------------------------------------------------- */

static size_t gen_outer(uint8_t *ip)
{
	size_t len;
	int ihl;

	switch (rnd(9)) {
	case 0:				/* nothing after Ethernet */
		return 0;
	case 1:				/* truncated IPv4 header */
		len = 1 + rnd(19);
		rnd_bytes(ip, len);
		ip[0] = 0x45;
		return len;
	case 2:				/* random bytes, IPv4 version */
		len = rnd(FRAME_MAX - 14);
		rnd_bytes(ip, len);
		ip[0] = 0x40 | (ip[0] & 15);
		return len;
	case 3:				/* random options */
		ihl = 6 + rnd(10);
		len = ihl * 4 + 4 + rnd(64);
		rnd_bytes(ip, len);
		ip_build(ip, ihl, (uint16_t)len, 64, 0, cfg.src, cfg.dst);
		rnd_bytes(ip + 20, ihl * 4 - 20);
		put16(ip + 10, 0);
		put16(ip + 10, csum16(ip, ihl * 4));
		gre_build(ip + ihl * 4, tunnel_flags(), 0, cfg.key);
		return len;
	case 4:				/* fragments */
		len = 20 + 8 * (1 + rnd(20));
		rnd_bytes(ip + 20, len - 20);
		gre_build(ip + 20, tunnel_flags(), rnd(2) ? 0 : 0x0800, cfg.key);
		ip_build(ip, 5, (uint16_t)len, 64,
			 (uint16_t)(rnd(2) ? 0x2000 | rnd(8) : 1 + rnd(0x1fff)),
			 cfg.src, cfg.dst);
		return len;
	case 5:				/* bad checksum or length */
		len = 20 + 4 + rnd(100);
		rnd_bytes(ip + 20, len - 20);
		ip_build(ip, 5, (uint16_t)len, 64, 0, cfg.src, cfg.dst);
		if (rnd(2))
			put16(ip + 10, get16(ip + 10) ^ (1 + rnd(0xfffe)));
		else
			put16(ip + 2, (uint16_t)rnd(0x10000));
		return len;
	case 6:				/* oversize */
		len = FRAME_MAX - 14;
		rnd_bytes(ip + 20, len - 20);
		gre_build(ip + 20, tunnel_flags(), rnd(2) ? 0 : 0x0800, cfg.key);
		ip_build(ip, 5, (uint16_t)len, 64, 0, cfg.src, cfg.dst);
		return len;
	default:			/* random GRE header and payload */
		len = 20 + rnd(120);
		rnd_bytes(ip + 20, len - 20);
		if (rnd(2) && len >= 24)
			put16(ip + 22, rnd(2) ? 0 : 0x0800);
		ip_build(ip, 5, (uint16_t)len, 64, 0, cfg.src, cfg.dst);
		return len;
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: gre_fuzz --iface IF --dst-mac MAC --src A --dst B "
		"--mode reply|reflect|forged|outer --count N --seed S [--key K] [--csum]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *iface = NULL, *mode = NULL, *mac = NULL;
	unsigned long long seed = 0, count = 0, sent = 0;
	unsigned long long wf = 0, pv = 0, pt = 0;
	struct sockaddr_ll sll = { 0 };
	struct in_addr a;
	struct ifreq ifr;
	struct timespec t0, t1;
	uint8_t frame[FRAME_MAX + 2048];
	unsigned int m[6];
	int fd, i;
	double secs;

	for (i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(o, "--csum")) {
			cfg.has_csum = 1;
			continue;
		}
		if (!v)
			usage();
		i++;
		if (!strcmp(o, "--iface"))
			iface = v;
		else if (!strcmp(o, "--dst-mac"))
			mac = v;
		else if (!strcmp(o, "--mode"))
			mode = v;
		else if (!strcmp(o, "--count"))
			count = strtoull(v, NULL, 0);
		else if (!strcmp(o, "--seed"))
			seed = strtoull(v, NULL, 0);
		else if (!strcmp(o, "--key")) {
			cfg.key = (uint32_t)strtoul(v, NULL, 0);
			cfg.has_key = 1;
		} else if (!strcmp(o, "--src") && inet_aton(v, &a))
			cfg.src = ntohl(a.s_addr);
		else if (!strcmp(o, "--dst") && inet_aton(v, &a))
			cfg.dst = ntohl(a.s_addr);
		else
			usage();
	}
	if (!iface || !mode || !mac || !cfg.src || !cfg.dst ||
	    sscanf(mac, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3],
		   &m[4], &m[5]) != 6)
		usage();
	if (strcmp(mode, "reply") && strcmp(mode, "reflect") &&
	    strcmp(mode, "forged") && strcmp(mode, "outer"))
		usage();
	rng_state = seed * 0x9E3779B97F4A7C15ULL + 1;

	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_IP));
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", iface);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		perror("SIOCGIFHWADDR");
		return 1;
	}
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = if_nametoindex(iface);
	sll.sll_halen = 6;
	for (i = 0; i < 6; i++) {
		frame[i] = (uint8_t)m[i];
		sll.sll_addr[i] = (uint8_t)m[i];
	}
	memcpy(frame + 6, ifr.ifr_hwaddr.sa_data, 6);
	frame[12] = 0x08;
	frame[13] = 0x00;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (sent < count) {
		size_t len;
		int w = 0, v = 0, t = 0;

		if (mode[0] == 'f') {
			len = gen_forged(frame + 14);
			w = 1;
		} else if (mode[0] == 'r' && mode[2] == 'p')
			len = gen_reply(frame + 14, &w);
		else if (mode[0] == 'r')
			len = gen_reflect(frame + 14, &v, &t);
		else
			len = gen_outer(frame + 14);
		if (len > FRAME_MAX - 14)
			len = FRAME_MAX - 14;
		if (sendto(fd, frame, 14 + len, 0, (struct sockaddr *)&sll,
			   sizeof(sll)) < 0) {
			if (errno == ENOBUFS || errno == EAGAIN)
				continue;	/* the same case is drawn anew */
			perror("sendto");
			return 1;
		}
		sent++;
		wf += w;
		pv += v;
		pt += t;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("{\"mode\":\"%s\",\"seed\":%llu,\"sent\":%llu,\"wellformed\":%llu,"
	       "\"peer_valid\":%llu,\"peer_ttl_ok\":%llu,\"secs\":%.2f,\"pps\":%.0f}\n",
	       mode, seed, sent, wf, pv, pt, secs, secs > 0 ? sent / secs : 0.0);
	return 0;
}
