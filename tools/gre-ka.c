// SPDX-License-Identifier: GPL-2.0
/*
 * gre-ka: show and set gre_ka GRE keepalives with Cisco-style commands,
 * keep them in files, watch their events and export their metrics, over
 * the "gre_ka" generic netlink family (include/uapi/gre_ka.h;
 * Documentation/netlink/specs/gre_ka.yaml). man/gre-ka.8 is the manual.
 *
 *   gre-ka [-j] [-n NETNS] show [--format text|json|prometheus] [DEV...]
 *   gre-ka [-j] [-n NETNS] monitor
 *   gre-ka [-n NETNS] keepalive DEV [SECONDS [RETRIES]]
 *   gre-ka [-n NETNS] no keepalive|passive DEV
 *   gre-ka [-n NETNS] passive DEV
 *   gre-ka [-n NETNS] set DEV KEY VALUE [KEY VALUE...]
 *   gre-ka [-n NETNS] showconf DEV
 *   gre-ka [-n NETNS] setconf DEV FILE
 *   gre-ka [-n NETNS] peer add|del DEV NBMA
 *
 * The layout is wg's: this file has the options and the table of
 * subcommands; each family of subcommands has a file (show.c with
 * prometheus.c, set.c, conf.c, peer.c, monitor.c); netlink.c alone talks
 * to the kernel; config.c parses settings for arguments and files alike;
 * output.c writes. show takes one dump of the gre_ka family, whatever
 * the number of tunnels, and buffers its output; a change is one SET,
 * which the kernel validates whole before applying any of it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "gre-ka.h"
#include "netlink.h"
#include "subcommands.h"

enum gk_format opt_format = GK_FMT_TEXT;
static bool format_given;

static void print_usage(FILE *f)
{
	fputs("usage: " PROG " [-j|--json] [-n NETNS] show [--format FORMAT] [DEV...]\n"
	      "       " PROG " [-j|--json] [-n NETNS] monitor\n"
	      "       " PROG " [-n NETNS] keepalive DEV [SECONDS [RETRIES]]\n"
	      "       " PROG " [-n NETNS] no keepalive DEV\n"
	      "       " PROG " [-n NETNS] passive DEV | no passive DEV\n"
	      "       " PROG " [-n NETNS] set DEV KEY VALUE [KEY VALUE...]\n"
	      "       " PROG " [-n NETNS] showconf DEV\n"
	      "       " PROG " [-n NETNS] setconf DEV FILE\n"
	      "       " PROG " [-n NETNS] peer add|del DEV NBMA\n"
	      "       " PROG " help | --version\n"
	      "\n"
	      "show        summary of every tunnel with GRE keepalive (or just DEV...):\n"
	      "            line protocol, settings, passive state, last change and its\n"
	      "            cause, RTT, counters, refusals, the peers of multipoint\n"
	      "            tunnels; the fallback devices gre0 and ip6gre0 only if in use;\n"
	      "            --format text (default), json, or prometheus (metrics for\n"
	      "            node_exporter's textfile collector)\n"
	      "monitor     print keepalive events as they happen, with a timestamp: line\n"
	      "            protocol changes (with their cause) of tunnels and peers, and\n"
	      "            setting changes\n"
	      "keepalive   enable keepalives on DEV, like Cisco's \"keepalive [period\n"
	      "            [retries]]\": every SECONDS (default 10; fractions allowed,\n"
	      "            0.01..32767, 1 ms resolution), line protocol down after\n"
	      "            RETRIES (default 3, 1..255) unanswered keepalives\n"
	      "no keepalive\n"
	      "            disable keepalives on DEV (the line protocol stays up)\n"
	      "passive     the line protocol also follows the peer's keepalives\n"
	      "set         any settings at once (all or nothing): enabled 0|1,\n"
	      "            period_ms 10..32767000, retries 1..255, up_count 1..255,\n"
	      "            reflect 0|1, auth 0|1, passive 0|1\n"
	      "showconf    DEV's settings in the file format setconf reads\n"
	      "setconf     apply a file of settings (KEY VALUE lines, as set takes them;\n"
	      "            FILE - is standard input), all or nothing\n"
	      "peer        add or delete a static peer (its underlay address) of a\n"
	      "            multipoint tunnel\n"
	      "-j, --json  show, monitor: JSON (show: an array; monitor: an object a line)\n"
	      "-n NETNS    work in network namespace NETNS (a name from ip netns, or a path)\n"
	      "\n"
	      "Changing settings and monitoring need CAP_NET_ADMIN; show does not.\n"
	      "Exit status: 0 done, 1 failed, 2 usage or bad value, 3 refused by the\n"
	      "kernel, 4 no such device or peer (or no gre_ka), 5 not permitted.\n", f);
}

static void enter_netns(const char *ns)
{
	char path[PATH_MAX];
	int fd;

	if (strchr(ns, '/'))
		snprintf(path, sizeof(path), "%s", ns);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die_code(errno == ENOENT ? GK_EXIT_NOT_FOUND : GK_EXIT_FAIL,
			 "network namespace %s: %s", ns, strerror(errno));
	if (setns(fd, CLONE_NEWNET) < 0) {
		if (errno == EPERM)
			die_code(GK_EXIT_PERM, "network namespace %s: permission denied", ns);
		die("network namespace %s: %s", ns, strerror(errno));
	}
	close(fd);
}

static void set_format(const char *f)
{
	if (!strcmp(f, "text"))
		opt_format = GK_FMT_TEXT;
	else if (!strcmp(f, "json"))
		opt_format = GK_FMT_JSON;
	else if (!strcmp(f, "prometheus"))
		opt_format = GK_FMT_PROMETHEUS;
	else
		die_usage("unknown format '%s' (text, json or prometheus)", f);
	format_given = true;
}

/*
 * An output option at argv[*i] (-j, --json, --format F, --format=F);
 * false if it is none of those.
 */
static bool format_option(int argc, char **argv, int *i)
{
	const char *a = argv[*i];

	if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
		set_format("json");
	} else if (!strcmp(a, "--format") || !strcmp(a, "-f")) {
		if (++*i == argc)
			die_usage("%s: which format? (text, json or prometheus)", a);
		set_format(argv[*i]);
	} else if (!strncmp(a, "--format=", 9)) {
		set_format(a + 9);
	} else {
		return false;
	}
	return true;
}

/*
 * The version of this command, and of the module if it is loaded (a
 * lookup of the family would load it: /sys/module says without).
 */
static int cmd_version(struct gk *g, int argc, char **argv)
{
	char ver[64] = "";
	uint32_t family;
	FILE *f;

	(void)g;
	(void)argv;
	if (argc)
		die_usage("usage: " PROG " --version");
	printf(PROG " %s\n", GRE_KA_VERSION);
	if (access("/sys/module/gre_ka", F_OK))
		return GK_EXIT_OK;
	f = fopen("/sys/module/gre_ka/version", "re");
	if (f) {
		if (!fgets(ver, sizeof(ver), f))
			ver[0] = '\0';
		fclose(f);
		ver[strcspn(ver, "\n")] = '\0';
	}
	printf("gre_ka module %s", ver[0] ? ver : "(no version)");
	if (!gk_family_version(&family))
		printf(", netlink family version %u", family);
	if (strcmp(ver, GRE_KA_VERSION))
		printf(" (not this " PROG "'s %s: install the same version of both)",
		       GRE_KA_VERSION);
	putchar('\n');
	return GK_EXIT_OK;
}

static int cmd_help(struct gk *g, int argc, char **argv)
{
	(void)g;
	(void)argc;
	(void)argv;
	print_usage(stdout);
	return GK_EXIT_OK;
}

static const struct {
	const char *name;
	int (*fn)(struct gk *g, int argc, char **argv);
} subcommands[] = {
	{ "show",	cmd_show },
	{ "monitor",	cmd_monitor },
	{ "keepalive",	cmd_keepalive },
	{ "no",		cmd_no },
	{ "passive",	cmd_passive },
	{ "set",	cmd_set },
	{ "showconf",	cmd_showconf },
	{ "setconf",	cmd_setconf },
	{ "peer",	cmd_peer },
	{ "version",	cmd_version },
	{ "help",	cmd_help },
};

int main(int argc, char **argv)
{
	struct gk g = {};
	unsigned int c;
	int i = 1, j, n;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return cmd_help(&g, 0, NULL);
		if (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version"))
			return cmd_version(&g, 0, NULL);
		if (format_option(argc, argv, &i))
			continue;
		if (!strcmp(argv[i], "-n") || !strcmp(argv[i], "--netns")) {
			if (++i == argc)
				die_usage("%s: which network namespace?", argv[i - 1]);
			enter_netns(argv[i]);
		} else {
			die_usage("unknown option '%s' (" PROG " help lists them)", argv[i]);
		}
	}
	if (i == argc) {
		print_usage(stderr);
		return GK_EXIT_USAGE;
	}
	for (c = 0; c < ARRAY_SIZE(subcommands); c++)
		if (!strcmp(argv[i], subcommands[c].name))
			break;
	if (c == ARRAY_SIZE(subcommands))
		die_usage("unknown command '%s' (" PROG " help lists them)", argv[i]);
	argc -= i + 1;
	argv += i + 1;
	/* show: options may also follow the command (show --json gre1). */
	if (subcommands[c].fn == cmd_show) {
		for (j = 0, n = 0; j < argc; j++) {
			if (format_option(argc, argv, &j))
				continue;
			if (argv[j][0] == '-')
				die_usage("unknown option '%s'", argv[j]);
			argv[n++] = argv[j];
		}
		argc = n;
	} else if (format_given && opt_format == GK_FMT_PROMETHEUS) {
		die_usage("--format prometheus is for show");
	}
	n = subcommands[c].fn(&g, argc, argv);
	if (fflush(stdout) == EOF || ferror(stdout))
		die("writing the output: %s", strerror(errno));
	return n;
}
