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

/* 6.10 turned the ip_tunnel flag words into bitmaps. */
#ifdef IP_TUNNEL_DECLARE_FLAGS
#define gre_ka_tnl_flag(flags, name)	test_bit(IP_TUNNEL_##name##_BIT, (flags))
#else
#define gre_ka_tnl_flag(flags, name)	(!!((flags) & TUNNEL_##name))
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

#endif /* _GRE_KA_COMPAT_H */
