/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gre-ka: what every part of the command shares: the exit codes and the
 * ways out, the options, the program's name and version.
 */
#ifndef GRE_KA_TOOL_H
#define GRE_KA_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "gre_ka_version.h"

#define PROG		"gre-ka"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define BIT(n)		(1u << (n))

/*
 * Exit codes (gre-ka.8, EXIT STATUS): scripts, udev and systemd units
 * tell a missing tunnel from a refused change by them.
 */
enum gk_exit {
	GK_EXIT_OK		= 0,
	GK_EXIT_FAIL		= 1,	/* anything else: netlink, output, memory */
	GK_EXIT_USAGE		= 2,	/* bad command line, value or file */
	GK_EXIT_REFUSED		= 3,	/* the kernel refused the request */
	GK_EXIT_NOT_FOUND	= 4,	/* no such device or peer; no gre_ka */
	GK_EXIT_PERM		= 5,	/* not permitted (CAP_NET_ADMIN) */
};

enum gk_format {
	GK_FMT_TEXT,
	GK_FMT_JSON,
	GK_FMT_PROMETHEUS,
};

extern enum gk_format opt_format;

/*
 * Say why on stderr and exit with CODE (macros: the compiler checks the
 * format). stdout is flushed first so that the message comes last.
 */
#define die_code(code, ...) do {			\
	fflush(stdout);					\
	fputs(PROG ": ", stderr);			\
	fprintf(stderr, __VA_ARGS__);			\
	fputc('\n', stderr);				\
	exit(code);					\
} while (0)

#define die(...)	die_code(GK_EXIT_FAIL, __VA_ARGS__)
#define die_usage(...)	die_code(GK_EXIT_USAGE, __VA_ARGS__)

void *xrealloc(void *p, size_t size);

#endif /* GRE_KA_TOOL_H */
