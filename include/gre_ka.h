/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gre_ka per-tunnel state and the interfaces between its files:
 *   gre_ka_main.c  module, netdevice notifier, attach/detach, enable/disable
 *   gre_ka_sysfs.c /sys/class/net/<tunnel>/keepalive/
 *   gre_ka_tx.c    hrtimer, keepalive building and transmit
 *   gre_ka_rx.c    netfilter ingress hook: replies and reflection
 *   gre_ka_proto.c pure wire format and state machine
 * Documentation/gre_ka.rst describes what protects what.
 */
#ifndef _GRE_KA_H
#define _GRE_KA_H

#include <linux/hrtimer.h>
#include <linux/kobject.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/siphash.h>
#include <linux/spinlock.h>

#include "gre_ka_proto.h"

/*
 * Snapshot of the ip_gre/ip6gre parameters we use, taken under RTNL at
 * attach and on NETDEV_CHANGE, published with RCU to the timer and the
 * ingress hook. ip_tunnel_update() and ip6gre_tnl_change() rewrite the
 * live parameters without a lock the data path could take, so we never
 * read them outside RTNL.
 */
struct gre_ka_params {
	struct net *net;	/* underlay netns (tunnel->net) */
	unsigned short family;	/* AF_INET: ip_gre, AF_INET6: ip6gre */
	__be32 local;		/* 0: any address of the underlay */
	__be32 remote;
	struct in6_addr local6;	/* ::, any address of the underlay */
	struct in6_addr remote6;
	__be32 i_key;
	__be32 o_key;		/* ip6gre: we encapsulate ourselves */
	int link;
	u32 fwmark;
	__be32 flowlabel;	/* ip6gre outer header */
	u8 tclass;
	u8 hop_limit;		/* 0: the route's */
	bool i_key_set;
	bool i_csum;
	bool o_key_set;
	bool o_csum;
	bool o_seq;
	int unsupported;	/* 0, or why keepalive cannot run (-errno) */
	const char *why;	/* and the reason in words */
	struct rcu_head rcu;
};

struct gre_ka_stats {
	u64 tx;
	u64 rx;
	u64 rx_invalid;
	u64 reflected;
	u64 reflect_dropped;
	u64 down_transitions;
	u64 up_transitions;
};

/* Token bucket for reflections, refilled by elapsed time. */
#define GRE_KA_REFLECT_RATE	100	/* per second, sustained */
#define GRE_KA_REFLECT_BURST	20

struct gre_ka_tunnel {
	struct net_device *dev;
	netdevice_tracker dev_tracker;
	struct hlist_node node;		/* gre_ka_tunnels, RTNL */
	struct kobject kobj;		/* keepalive/ */
	struct nf_hook_ops hook;
	bool hook_registered;		/* RTNL */
	bool refresh_pending;		/* RTNL */
	struct hrtimer timer;

	/*
	 * Configuration: written under RTNL and lock, read under either, or
	 * with READ_ONCE() where a single value is enough.
	 */
	bool enabled;
	bool reflect;
	bool auth;
	u32 period_ms;
	u32 retries;
	u32 up_count;
	struct gre_ka_params __rcu *params;

	/* Runtime state shared by the timer (softirq) and the hook (softirq). */
	spinlock_t lock;
	struct gre_ka_fsm fsm;
	u32 tx_seq;
	u32 rx_seq;
	siphash_key_t key;
	u64 last_change_ns;
	u64 rl_stamp_ns;
	u32 rl_tokens;
	struct gre_ka_rtt rtt;
	struct gre_ka_stats stats;

	struct rcu_head rcu;
};

/* gre_ka_main.c */
const char *gre_ka_state(const struct gre_ka_tunnel *ka);
int gre_ka_enable(struct gre_ka_tunnel *ka);
void gre_ka_disable(struct gre_ka_tunnel *ka);
void gre_ka_set_period(struct gre_ka_tunnel *ka, u32 period_ms);
void gre_ka_carrier_change(struct gre_ka_tunnel *ka, enum gre_ka_transition t,
			   u64 now_ns);
u64 gre_ka_window_ns(const struct gre_ka_tunnel *ka);

/* gre_ka_sysfs.c */
void gre_ka_sysfs_init(struct gre_ka_tunnel *ka);
int gre_ka_sysfs_add(struct gre_ka_tunnel *ka);
void gre_ka_sysfs_del(struct gre_ka_tunnel *ka);

/* gre_ka_tx.c */
void gre_ka_timer_init(struct gre_ka_tunnel *ka);
void gre_ka_timer_start(struct gre_ka_tunnel *ka);
void gre_ka_timer_stop(struct gre_ka_tunnel *ka);

/* gre_ka_rx.c */
int gre_ka_hook_register(struct gre_ka_tunnel *ka);
void gre_ka_hook_unregister(struct gre_ka_tunnel *ka);
bool gre_ka_reflect_allowed(struct gre_ka_tunnel *ka, u64 now);
void gre_ka_reflect_done(struct gre_ka_tunnel *ka, unsigned short family,
			 unsigned int len, int err);

/* gre_ka_ip6.c: what differs for ip6gre tunnels */
bool gre_ka_is_ip6gre(const struct net_device *dev);
void gre_ka_ip6_params_read(struct net_device *dev, struct gre_ka_params *p);
bool gre_ka_ip6_local_addr(const struct gre_ka_params *p,
			   struct in6_addr *addr);
void gre_ka_ip6_xmit(struct gre_ka_tunnel *ka, const struct gre_ka_params *p,
		     struct sk_buff *skb);
unsigned int gre_ka_rx_ipv6(struct gre_ka_tunnel *ka, struct sk_buff *skb);

#endif /* _GRE_KA_H */
