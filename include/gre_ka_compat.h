/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every kernel-version test of gre_ka lives here, so that the rest of the
 * module reads as if written for one kernel. Supported: 6.1 .. 6.16+.
 */
#ifndef _GRE_KA_COMPAT_H
#define _GRE_KA_COMPAT_H

#include <linux/version.h>
#include <linux/hrtimer.h>
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
