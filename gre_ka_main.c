// SPDX-License-Identifier: GPL-2.0
/* Placeholder replaced by the keepalive core. */
#include <linux/module.h>

static int __init gre_ka_init(void)
{
	return 0;
}

static void __exit gre_ka_exit(void)
{
}

module_init(gre_ka_init);
module_exit(gre_ka_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Cisco-compatible GRE keepalives for ip_gre tunnels");
