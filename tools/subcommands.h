/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gre-ka: the subcommands, one family a file; gre-ka.c dispatches.
 * Each returns the exit code, or exits itself saying why.
 */
#ifndef GRE_KA_SUBCOMMANDS_H
#define GRE_KA_SUBCOMMANDS_H

#include "netlink.h"
#include "output.h"

int cmd_show(struct gk *g, int argc, char **argv);		/* show.c */
void prometheus_show(struct out *o, const struct tunnels *ts);	/* prometheus.c */
int cmd_keepalive(struct gk *g, int argc, char **argv);		/* set.c */
int cmd_no(struct gk *g, int argc, char **argv);
int cmd_passive(struct gk *g, int argc, char **argv);
int cmd_set(struct gk *g, int argc, char **argv);
int cmd_showconf(struct gk *g, int argc, char **argv);		/* conf.c */
int cmd_setconf(struct gk *g, int argc, char **argv);
int cmd_peer(struct gk *g, int argc, char **argv);		/* peer.c */
int cmd_monitor(struct gk *g, int argc, char **argv);		/* monitor.c */

#endif /* GRE_KA_SUBCOMMANDS_H */
