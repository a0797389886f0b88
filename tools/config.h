/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gre-ka: the settings, parsed the same way from the command line (set,
 * keepalive) and from configuration files (setconf).
 */
#ifndef GRE_KA_CONFIG_H
#define GRE_KA_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define KEYS		"enabled period_ms retries up_count reflect auth passive"
#define NSETTINGS	7

/* What may be changed: its key, attribute, and the width on the wire. */
struct setting {
	const char *key;
	int attr;
	bool u8;
};

extern const struct setting settings[NSETTINGS];

/* Settings to change, each with the line of the file that gave it. */
struct change {
	uint32_t mask;			/* bit i: settings[i] */
	uint32_t val[NSETTINGS];
	unsigned int line[NSETTINGS];
};

/* A reason, for the caller to print after its own prefix. */
struct why {
	char msg[160];
};

int setting_index(int attr);
const char *attr_key(int attr);
void change_put(struct change *c, int attr, uint32_t v, unsigned int line);

int parse_seconds(const char *s, uint32_t *ms, struct why *w);
int parse_retries(const char *s, uint32_t *v, struct why *w);
int parse_setting(struct change *c, const char *key, const char *val,
		  unsigned int line, struct why *w);
int parse_keepalive(struct change *c, int argc, char **argv,
		    unsigned int line, struct why *w);
int parse_conf(FILE *f, const char *name, struct change *c);
int parse_nbma(const char *s, uint8_t *addr, unsigned int *len);

#endif /* GRE_KA_CONFIG_H */
