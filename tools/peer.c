// SPDX-License-Identifier: GPL-2.0
/*
 * gre-ka peer add|del DEV NBMA: the static peers of a multipoint (mGRE)
 * tunnel, by their underlay address: IPv4 on gre, IPv6 on ip6gre. The
 * kernel keeps a static peer (and sends it keepalives) until it is
 * deleted; peers that neighbour entries or their own keepalives brought
 * come and go by themselves.
 */
#include <errno.h>
#include <string.h>

#include "config.h"
#include "gre-ka.h"
#include "netlink.h"
#include "subcommands.h"

#define PEER_USAGE	"usage: " PROG " peer add|del DEV NBMA"

int cmd_peer(struct gk *g, int argc, char **argv)
{
	const char *dev, *addr_s, *verb;
	unsigned int addr_len;
	uint8_t addr[16];
	struct nl_err e;
	char msg[384];
	uint8_t cmd;

	if (argc < 1)
		die_usage("peer: add or del? " PEER_USAGE);
	verb = argv[0];
	if (!strcmp(verb, "add"))
		cmd = GRE_KA_CMD_PEER_ADD;
	else if (!strcmp(verb, "del") || !strcmp(verb, "delete"))
		cmd = GRE_KA_CMD_PEER_DEL;
	else
		die_usage("peer: unknown action '%s': " PEER_USAGE, verb);
	if (argc != 3)
		die_usage(PEER_USAGE);
	dev = argv[1];
	addr_s = argv[2];
	check_dev_name(dev);
	if (parse_nbma(addr_s, addr, &addr_len))
		die_usage("peer: bad address '%s': expected an IPv4 (gre) or IPv6 (ip6gre) address",
			  addr_s);
	if (!peer_change(g, cmd, dev, addr, addr_len, &e))
		return GK_EXIT_OK;
	switch (e.err) {
	case ENODEV:
		die_code(GK_EXIT_NOT_FOUND, "no such device: %s", dev);
	case ENOENT:
		die_code(GK_EXIT_NOT_FOUND, "%s: no static peer %s%s%s", dev,
			 addr_s, e.msg[0] ? ": " : "", e.msg);
	case EPERM:
	case EACCES:
		die_code(GK_EXIT_PERM,
			 "%s: permission denied: changing peers needs CAP_NET_ADMIN", dev);
	case EOPNOTSUPP:
		/* A module without peers, or not a multipoint tunnel: it says which. */
		if (e.msg[0])
			die_code(GK_EXIT_REFUSED, "%s: peer %s %s refused: %s", dev,
				 verb, addr_s, e.msg);
		die_code(GK_EXIT_NOT_FOUND,
			 "%s: no peer support: not a multipoint tunnel, or a gre_ka module without them",
			 dev);
	}
	die_code(GK_EXIT_REFUSED, "%s: peer %s %s refused: %s", dev, verb, addr_s,
		 kernel_msg(&e, msg, sizeof(msg)));
}
