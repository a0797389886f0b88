/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every kernel-version test of gre_ka lives here, so that the rest of the
 * module reads as if written for one kernel. Supported: 6.1 .. 6.16+.
 */
#ifndef _GRE_KA_COMPAT_H
#define _GRE_KA_COMPAT_H

#include <linux/version.h>
#include <linux/hrtimer.h>
#include <linux/kobject.h>
#include <linux/sysfs.h>
#include <net/flow.h>
#include <net/ip_tunnels.h>

/* 6.12 moved the unaligned accessors out of asm/. */
#if KERNEL_VERSION(6, 12, 0) <= LINUX_VERSION_CODE
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/* 6.10 turned the ip_tunnel flag words into bitmaps. */
#ifdef IP_TUNNEL_DECLARE_FLAGS
#define gre_ka_tnl_flag(flags, name)	test_bit(IP_TUNNEL_##name##_BIT, (flags))
#else
#define gre_ka_tnl_flag(flags, name)	(!!((flags) & TUNNEL_##name))
#endif

/* The type of a GRE flag word, the same for ip_gre and ip6gre. */
#ifdef IP_TUNNEL_DECLARE_FLAGS
#define gre_ka_tnl_flags_t	const unsigned long *
#else
#define gre_ka_tnl_flags_t	__be16
#endif

/* hrtimer_setup() arrived in 6.13 and hrtimer_init() left in 6.15. */
static inline void gre_ka_hrtimer_setup(struct hrtimer *timer,
					enum hrtimer_restart (*fn)(struct hrtimer *),
					clockid_t clock, enum hrtimer_mode mode)
{
#if KERNEL_VERSION(6, 13, 0) <= LINUX_VERSION_CODE
	hrtimer_setup(timer, fn, clock, mode);
#else
	hrtimer_init(timer, clock, mode);
	timer->function = fn;
#endif
}

/*
 * 6.18 turned the TOS of struct flowi4 into a DSCP (flowi4_tos, a __u8,
 * became flowi4_dscp, a dscp_t): the route lookups of keepalives and
 * reflections take the tunnel's TOS as ip_gre's own lookup does on
 * either side of the change. Both names are macros of net/flow.h.
 */
#ifdef flowi4_dscp
#include <net/inet_dscp.h>
#define GRE_KA_FLOWI4_TOS(tos)	.flowi4_dscp = inet_dsfield_to_dscp(tos)
#else
#define GRE_KA_FLOWI4_TOS(tos)	.flowi4_tos = (tos) & IPTOS_TOS_MASK
#endif

/*
 * 7.0 stopped exporting sysfs_change_owner(). sysfs_groups_change_owner(),
 * still exported, does the same for a kobject whose files all come from
 * its ktype's default groups: an unnamed group's directory is the
 * kobject's own, so it changes hands too. One path on every kernel, so
 * that the tests on 6.1 and 6.12 cover what runs on 7.x.
 */
static inline int gre_ka_sysfs_change_owner(struct kobject *kobj,
					    kuid_t uid, kgid_t gid)
{
	return sysfs_groups_change_owner(kobj, get_ktype(kobj)->default_groups,
					 uid, gid);
}

/* 6.6 put a genl_info into the dump's: where its request attributes are. */
#if KERNEL_VERSION(6, 6, 0) <= LINUX_VERSION_CODE
#define gre_ka_dump_attrs(cb)	(genl_info_dump(cb)->attrs)
#else
#define gre_ka_dump_attrs(cb)	(genl_dumpit_info(cb)->attrs)
#endif

/* 6.2 made the kobject of get_ownership() const. */
#if KERNEL_VERSION(6, 2, 0) <= LINUX_VERSION_CODE
#define GRE_KA_KOBJ_CONST const
#else
#define GRE_KA_KOBJ_CONST
#endif

/*
 * The pure core is exported to the KUnit module (kunit/gre_ka_test.c)
 * with EXPORT_SYMBOL_IF_KUNIT(), which exports only on kernels built with
 * KUnit: gre_ka.ko itself carries no KUnit code (Debian's 6.1 has it
 * too). 6.13 made symbol namespaces strings.
 */
#include <kunit/visibility.h>

#if KERNEL_VERSION(6, 13, 0) <= LINUX_VERSION_CODE
#define GRE_KA_IMPORT_TEST_NS()	MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING")
#else
#define GRE_KA_IMPORT_TEST_NS()	MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING)
#endif

#endif /* _GRE_KA_COMPAT_H */
