// SPDX-License-Identifier: GPL-2.0
/*
 * gre-ka showconf DEV / setconf DEV FILE: a tunnel's settings as a file
 * (the format: config.c, gre-ka.8), and such a file applied all or
 * nothing: the whole file is parsed before anything is sent, and then
 * it is one SET, which the kernel validates whole. A setting the kernel
 * refuses is reported at the line of the file that gave it. What
 * showconf prints, setconf takes back unchanged.
 */
#include <errno.h>
#include <string.h>

#include "config.h"
#include "gre-ka.h"
#include "netlink.h"
#include "output.h"
#include "subcommands.h"

int cmd_showconf(struct gk *g, int argc, char **argv)
{
	struct out *o = &out_stdout;
	struct tunnels ts = {};
	const struct tunnel *t;
	unsigned int i;

	if (argc != 1)
		die_usage("usage: " PROG " showconf DEV");
	tunnel_get_or_die(g, argv[0], &ts, "showconf");
	t = &ts.v[0];
	out_s(o, "# gre_ka settings of ");
	out_s(o, t->name);
	out_s(o, " (" PROG " showconf; " PROG " setconf DEV FILE applies them)\n");
	for (i = 0; i < NSETTINGS; i++) {
		const struct setting *s = &settings[i];
		unsigned long long v;

		if (!HAS(t, s->attr))
			continue;
		switch (s->attr) {
		case GRE_KA_A_ENABLED:
			v = t->enabled;
			break;
		case GRE_KA_A_PERIOD_MS:
			v = t->period_ms;
			break;
		case GRE_KA_A_RETRIES:
			v = t->retries;
			break;
		case GRE_KA_A_UP_COUNT:
			v = t->up_count;
			break;
		case GRE_KA_A_REFLECT:
			v = t->reflect;
			break;
		case GRE_KA_A_AUTH:
			v = t->auth;
			break;
		default:
			v = t->passive;
			break;
		}
		out_s(o, s->key);
		out_c(o, ' ');
		if (s->u8 && v <= 1)
			out_s(o, v ? "on" : "off");
		else
			put_u(o, v);
		out_c(o, '\n');
	}
	out_flush(o);
	tunnels_free(&ts);
	return GK_EXIT_OK;
}

int cmd_setconf(struct gk *g, int argc, char **argv)
{
	const char *dev, *file, *name;
	struct tunnels ts = {};
	char where[300] = "";
	struct change c;
	struct nl_err e;
	FILE *f;
	int i;

	if (argc != 2)
		die_usage("usage: " PROG " setconf DEV FILE (FILE - : standard input)");
	dev = argv[0];
	file = argv[1];
	check_dev_name(dev);
	if (!strcmp(file, "-")) {
		f = stdin;
		name = "<stdin>";
	} else {
		f = fopen(file, "re");
		if (!f)
			die_code(errno == ENOENT ? GK_EXIT_NOT_FOUND :
				 errno == EACCES || errno == EPERM ? GK_EXIT_PERM :
				 GK_EXIT_FAIL, "%s: %s", file, strerror(errno));
		name = file;
	}
	parse_conf(f, name, &c);
	if (f != stdin)
		fclose(f);
	if (!c.mask) {
		/* Nothing to change; the device must still be one of ours. */
		tunnel_get_or_die(g, dev, &ts, "setconf");
		tunnels_free(&ts);
		return GK_EXIT_OK;
	}
	if (!tunnel_set(g, dev, &c, &e))
		return GK_EXIT_OK;
	i = setting_index(e.attr);
	if (i >= 0 && (c.mask & BIT(i)))
		snprintf(where, sizeof(where), "%s:%u: ", name, c.line[i]);
	set_failed(g, dev, &e, where[0] ? where : NULL);
	return GK_EXIT_FAIL;
}
