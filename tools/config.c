// SPDX-License-Identifier: GPL-2.0
/*
 * gre-ka: one parser for settings, whether they come as arguments (set
 * DEV KEY VALUE..., keepalive DEV SECONDS RETRIES) or as lines of a
 * configuration file (setconf), so that both accept and refuse the same
 * values with the same words. The file format (gre-ka.8, CONFIGURATION
 * FILE): a KEY VALUE pair a line, or "keepalive [SECONDS [RETRIES]]";
 * "#" starts a comment.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "gre-ka.h"
#include "uapi/gre_ka.h"

#define PERIOD_MS_MIN	10
#define PERIOD_MS_MAX	32767000
#define RETRIES_MAX	255

const struct setting settings[NSETTINGS] = {
	{ "enabled",	GRE_KA_A_ENABLED,	true },
	{ "period_ms",	GRE_KA_A_PERIOD_MS,	false },
	{ "retries",	GRE_KA_A_RETRIES,	false },
	{ "up_count",	GRE_KA_A_UP_COUNT,	false },
	{ "reflect",	GRE_KA_A_REFLECT,	true },
	{ "auth",	GRE_KA_A_AUTH,		true },
	{ "passive",	GRE_KA_A_PASSIVE,	true },
};

/* A reason into w, and -1 (a macro: the compiler checks the format). */
#define fail(w, ...)	\
	(snprintf((w)->msg, sizeof((w)->msg), __VA_ARGS__), -1)

int setting_index(int attr)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(settings); i++)
		if (settings[i].attr == attr)
			return i;
	return -1;
}

/* The name an error of the kernel's gives an attribute, or NULL. */
const char *attr_key(int attr)
{
	int i = setting_index(attr);

	if (i >= 0)
		return settings[i].key;
	if (attr == GRE_KA_A_IFNAME)
		return "ifname";
	if (attr == GRE_KA_A_IFINDEX)
		return "ifindex";
	return NULL;
}

void change_put(struct change *c, int attr, uint32_t v, unsigned int line)
{
	int i = setting_index(attr);

	c->mask |= BIT(i);
	c->val[i] = v;
	c->line[i] = line;
}

/* SECONDS ("10", "0.5", "0.015") to milliseconds. */
int parse_seconds(const char *s, uint32_t *ms_out, struct why *w)
{
	const char *dot = strchr(s, '.');
	const char *p, *frac = dot ? dot + 1 : "";
	uint64_t ms = 0;
	unsigned int i;

	if (!*s || *s == '.' || strspn(s, "0123456789.") != strlen(s) ||
	    (dot && strchr(frac, '.')))
		return fail(w, "bad period '%s': expected seconds like 10 or 0.5", s);
	/* Only milliseconds reach the kernel: finer fractions must be 0. */
	for (p = frac + (strlen(frac) > 3 ? 3 : strlen(frac)); *p; p++)
		if (*p != '0')
			return fail(w, "bad period '%s': the resolution is 1 ms (0.001 s)", s);
	for (p = s; *p == '0' && p[1] && p[1] != '.'; p++)
		;
	if ((dot ? (size_t)(dot - p) : strlen(p)) > 6)
		return fail(w, "period %s s is out of range 0.01..32767", s);
	for (; *p && *p != '.'; p++)
		ms = ms * 10 + (*p - '0');
	for (i = 0; i < 3; i++)
		ms = ms * 10 + (frac[0] && i < strlen(frac) ? frac[i] - '0' : 0);
	if (ms < PERIOD_MS_MIN || ms > PERIOD_MS_MAX)
		return fail(w, "period %s s is out of range 0.01..32767", s);
	*ms_out = ms;
	return 0;
}

int parse_retries(const char *s, uint32_t *out, struct why *w)
{
	const char *p = s;
	unsigned long v;

	if (!*s || strspn(s, "0123456789") != strlen(s))
		return fail(w, "bad retries '%s': expected a whole number 1..255", s);
	while (*p == '0' && p[1])
		p++;
	v = strlen(p) > 3 ? RETRIES_MAX + 1 : strtoul(p, NULL, 10);
	if (v < 1 || v > RETRIES_MAX)
		return fail(w, "retries %s is out of range 1..255", p);
	*out = v;
	return 0;
}

/* The same setting twice is a mistake, in a file as on the command line. */
static int given_twice(const struct change *c, unsigned int i,
		       unsigned int line, struct why *w)
{
	if (!(c->mask & BIT(i)))
		return 0;
	if (line && c->line[i])
		return fail(w, "%s given twice (also on line %u)",
			    settings[i].key, c->line[i]);
	return fail(w, "%s given twice", settings[i].key);
}

/*
 * KEY VALUE: a number, or on/off for the settings that are switches.
 * The ranges are the kernel's to check (so that it names them), except
 * what would not fit the attribute.
 */
int parse_setting(struct change *c, const char *key, const char *val,
		  unsigned int line, struct why *w)
{
	unsigned long long v;
	unsigned int i;
	char *end;

	for (i = 0; i < ARRAY_SIZE(settings); i++)
		if (!strcmp(key, settings[i].key))
			break;
	if (i == ARRAY_SIZE(settings))
		return fail(w, "unknown setting '%s' (keys: " KEYS ")", key);
	if (given_twice(c, i, line, w))
		return -1;
	if (settings[i].u8 && (!strcmp(val, "on") || !strcmp(val, "off"))) {
		v = !strcmp(val, "on");
	} else {
		errno = 0;
		v = strtoull(val, &end, 10);
		if (!*val || *end || val[0] == '-' || val[0] == '+' || errno)
			return fail(w, "bad value '%s' for %s: expected a whole number",
				    val, key);
	}
	if (v > (settings[i].u8 ? 255ULL : UINT32_MAX))
		return fail(w, "%s %s is out of range", key, val);
	change_put(c, settings[i].attr, v, line);
	return 0;
}

/* Cisco's "keepalive [SECONDS [RETRIES]]": on, every 10 s, 3 retries. */
int parse_keepalive(struct change *c, int argc, char **argv,
		    unsigned int line, struct why *w)
{
	static const int attrs[] = {
		GRE_KA_A_PERIOD_MS, GRE_KA_A_RETRIES, GRE_KA_A_ENABLED,
	};
	uint32_t ms, retries;
	unsigned int i;

	if (parse_seconds(argc > 0 ? argv[0] : "10", &ms, w) ||
	    parse_retries(argc > 1 ? argv[1] : "3", &retries, w))
		return -1;
	for (i = 0; i < ARRAY_SIZE(attrs); i++)
		if (given_twice(c, setting_index(attrs[i]), line, w))
			return -1;
	change_put(c, GRE_KA_A_PERIOD_MS, ms, line);
	change_put(c, GRE_KA_A_RETRIES, retries, line);
	change_put(c, GRE_KA_A_ENABLED, 1, line);
	return 0;
}

#define MAX_WORDS	4

/* One line of a file: 0 if it set something or was empty, -1 with w. */
static int parse_line(struct change *c, char *s, unsigned int line,
		      struct why *w)
{
	char *word[MAX_WORDS + 1];
	char *hash = strchr(s, '#');
	int n = 0;

	if (hash)
		*hash = '\0';
	for (s = strtok(s, " \t\r\n"); s; s = strtok(NULL, " \t\r\n")) {
		if (n == MAX_WORDS)
			return fail(w, "too many words: expected KEY VALUE");
		word[n++] = s;
	}
	if (!n)
		return 0;
	word[n] = NULL;
	if (!strcmp(word[0], "keepalive")) {
		if (n > 3)
			return fail(w, "too many words: expected keepalive [SECONDS [RETRIES]]");
		return parse_keepalive(c, n - 1, word + 1, line, w);
	}
	if (n != 2) {
		for (n = 0; n < NSETTINGS; n++)
			if (!strcmp(word[0], settings[n].key))
				return fail(w, "expected KEY VALUE: %s needs one value",
					    word[0]);
		return fail(w, "unknown setting '%s' (keys: " KEYS ", or keepalive)",
			    word[0]);
	}
	return parse_setting(c, word[0], word[1], line, w);
}

/*
 * A whole file, before anything is sent: a bad line is an error of the
 * file's ("NAME:LINE: why", usage exit code) and nothing is changed.
 */
int parse_conf(FILE *f, const char *name, struct change *c)
{
	unsigned int line = 0;
	size_t size = 0;
	char *buf = NULL;
	struct why w;
	ssize_t n;

	memset(c, 0, sizeof(*c));
	errno = 0;
	while ((n = getline(&buf, &size, f)) >= 0) {
		line++;
		if (memchr(buf, '\0', n)) {
			free(buf);
			die_usage("%s:%u: not a text line", name, line);
		}
		if (parse_line(c, buf, line, &w)) {
			free(buf);
			die_usage("%s:%u: %s", name, line, w.msg);
		}
	}
	free(buf);
	if (ferror(f) || errno == ENOMEM)
		die("%s: %s", name, strerror(errno ? errno : EIO));
	return 0;
}

/* An NBMA (underlay) address: IPv4 for gre, IPv6 for ip6gre. */
int parse_nbma(const char *s, uint8_t *addr, unsigned int *len)
{
	if (inet_pton(AF_INET, s, addr) == 1) {
		*len = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, addr) == 1) {
		*len = 16;
		return 0;
	}
	return -1;
}
