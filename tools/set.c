// SPDX-License-Identifier: GPL-2.0
/*
 * gre-ka keepalive / no keepalive / passive / no passive / set: changes
 * as Cisco spells them, or any settings at once. Each is one SET, which
 * the kernel validates whole before applying any of it.
 */
#include <string.h>

#include "config.h"
#include "gre-ka.h"
#include "netlink.h"
#include "subcommands.h"

#define KA_USAGE	"usage: " PROG " keepalive DEV [SECONDS [RETRIES]]"

static int apply(struct gk *g, const char *dev, const struct change *c)
{
	struct nl_err e;

	check_dev_name(dev);
	if (tunnel_set(g, dev, c, &e))
		set_failed(g, dev, &e, NULL);
	return GK_EXIT_OK;
}

int cmd_keepalive(struct gk *g, int argc, char **argv)
{
	struct change c = {};
	struct why w;

	if (argc < 1)
		die_usage("keepalive: which device? " KA_USAGE);
	if (argc > 3)
		die_usage("keepalive: too many arguments: " KA_USAGE);
	check_dev_name(argv[0]);
	if (parse_keepalive(&c, argc - 1, argv + 1, 0, &w))
		die_usage("%s", w.msg);
	return apply(g, argv[0], &c);
}

static int passive(struct gk *g, int argc, char **argv, bool on)
{
	struct change c = {};

	if (argc != 1)
		die_usage("usage: " PROG " %spassive DEV", on ? "" : "no ");
	change_put(&c, GRE_KA_A_PASSIVE, on, 0);
	return apply(g, argv[0], &c);
}

int cmd_passive(struct gk *g, int argc, char **argv)
{
	return passive(g, argc, argv, true);
}

int cmd_no(struct gk *g, int argc, char **argv)
{
	struct change c = {};

	if (argc >= 1 && !strcmp(argv[0], "passive"))
		return passive(g, argc - 1, argv + 1, false);
	if (argc < 1 || strcmp(argv[0], "keepalive") || argc != 2)
		die_usage("usage: " PROG " no keepalive DEV | " PROG " no passive DEV");
	change_put(&c, GRE_KA_A_ENABLED, 0, 0);
	return apply(g, argv[1], &c);
}

/* set DEV KEY VALUE...: every pair in one SET, validated by the kernel. */
int cmd_set(struct gk *g, int argc, char **argv)
{
	struct change c = {};
	struct why w;
	int k;

	if (argc < 3 || argc % 2 == 0)
		die_usage("usage: " PROG " set DEV KEY VALUE [KEY VALUE...] (keys: " KEYS ")");
	for (k = 1; k < argc; k += 2)
		if (parse_setting(&c, argv[k], argv[k + 1], 0, &w))
			die_usage("set: %s", w.msg);
	return apply(g, argv[0], &c);
}
