/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gre-ka: buffered output without printf, and the names of the values
 * the kernel sends as numbers.
 */
#ifndef GRE_KA_OUTPUT_H
#define GRE_KA_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "netlink.h"

#define OUT_BUF_SIZE	(1024 * 1024)

/*
 * Output without printf or stdio: their per-call work was most of the
 * time show took for 10,000 tunnels under emulation. One buffer, written
 * out when full and at the end (the monitor: after each event).
 */
struct out {
	char buf[OUT_BUF_SIZE];
	size_t len;
};

extern struct out out_stdout;

extern const char * const state_names[3];
extern const char * const cause_names[7];
extern const char * const reason_names[GRE_KA_A_REFUSED_MAX + 1];
extern const char * const stat_json[GRE_KA_A_STATS_MAX + 1];
extern const char * const rtt_json[GRE_KA_A_RTT_MAX_ATTR + 1];

void out_flush(struct out *f);

static inline void out_w(struct out *f, const char *p, size_t n)
{
	while (n) {
		size_t k;

		if (f->len == sizeof(f->buf))
			out_flush(f);
		k = sizeof(f->buf) - f->len;
		if (k > n)
			k = n;
		memcpy(f->buf + f->len, p, k);
		f->len += k;
		p += k;
		n -= k;
	}
}

static inline void out_s(struct out *f, const char *s)
{
	out_w(f, s, strlen(s));
}

static inline void out_c(struct out *f, char c)
{
	if (f->len == sizeof(f->buf))
		out_flush(f);
	f->buf[f->len++] = c;
}

void put_u(struct out *f, unsigned long long v);
void put_num(struct out *f, bool have, unsigned long long v);
void put_2(struct out *f, unsigned int v);
void put_milli(struct out *f, unsigned long long v);
void put_secs(struct out *f, unsigned long long ms);
void put_fixed(struct out *f, unsigned long long v, unsigned int digits);
void put_ago(struct out *f, unsigned long long ms);
void put_addr(struct out *f, const uint8_t *addr, unsigned int len);

const char *value_name(const char * const *names, unsigned int n,
		       bool have, unsigned int v);
const char *state_name(const struct tunnel *t);
const char *cause_name(const struct tunnel *t);
const char *peer_state_name(const struct peer *p);
const char *peer_cause_name(const struct peer *p);
const char *line_protocol(const struct tunnel *t);
const char *peer_line_protocol(const struct peer *p);

#define PEER_ORIGINS	3
struct peer_origin_name {
	const char *name;
	unsigned int bit;
};

extern const struct peer_origin_name peer_origins[PEER_ORIGINS];

const char *peer_origin(const struct peer *p);
bool reason_shown(const struct tunnel *t, unsigned int r);

void json_str(struct out *f, const char *s);
void json_key(struct out *f, const char *key);
void json_u(struct out *f, const char *key, bool have, unsigned long long v);
void json_b(struct out *f, const char *key, int v);
void json_s(struct out *f, const char *key, const char *v);
void json_counters(struct out *f, const char * const *names, unsigned int n,
		   const unsigned long long *v, uint32_t present,
		   const char *sep);
void json_fields(struct out *f, const struct tunnel *t);
void json_peer_fields(struct out *f, const struct tunnel *t,
		      const struct peer *p);

#endif /* GRE_KA_OUTPUT_H */
