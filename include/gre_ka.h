/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gre_ka per-tunnel and per-peer state and the interfaces between its
 * files. Each file owns one concern and calls only the files listed under
 * it here, so the calls between them form no cycle (scripts/check-calls.py,
 * run by make check, fails on one). Documentation/maintainers.rst is the
 * one-page map.
 *
 *   gre_ka_main.c    module, netdevice notifier, attach/detach, table
 *                    -> ctl, sysfs, rx, tx, line, peer, neigh, ip4/ip6 ops
 *   gre_ka_sysfs.c   /sys/class/net/<tunnel>/keepalive/: parses, then
 *                    calls ctl; the kobject that owns the tunnel's memory
 *                    -> ctl, line
 *   gre_ka_netlink.c the genetlink family -> ctl, line, event, table, peer
 *   gre_ka_ctl.c     the only writer of configuration, of the parameter
 *                    snapshot and of the session key; enable/disable,
 *                    device up/down, static peers, detach -> tx (timer),
 *                    line, event, peer, neigh, proto
 *   gre_ka_neigh.c   mGRE: peers from the neighbour table, and the
 *                    neighbour entries of a peer that is down held failed
 *                    -> peer, table
 *   gre_ka_tx.c      the hrtimer, keepalives built and sent to each peer
 *                    -> peer, line, route, proto
 *   gre_ka_rx.c      the netfilter ingress hook: replies, requests,
 *                    answers, attributed to their peer -> tx (answers
 *                    through the tunnel), peer, line, route, proto,
 *                    ip4/ip6 ops (the inner packet's family)
 *   gre_ka_peer.c    the peers of a tunnel: one for a point-to-point
 *                    tunnel, an RCU hash of NBMA addresses for mGRE, the
 *                    timer's slots -> line, proto
 *   gre_ka_route.c   routing decisions over the families' lookups
 *   gre_ka_ip4.c     struct gre_ka_af_ops for IPv4 / ip_gre -> proto
 *   gre_ka_ip6.c     the same for IPv6 / ip6gre -> proto
 *   gre_ka_line.c    a peer's line state under its lock: transitions
 *                    (carrier, or the neighbour effect queued), statistics,
 *                    passive liveness, tracepoints -> event, proto
 *   gre_ka_event.c   netlink messages of tunnels and peers, the events
 *   gre_ka_proto.c   the pure core: wire format, validators, state
 *                    machine, learner, token bucket (KUnit-tested)
 * Calls through ka->ops are not file dependencies: the family is chosen
 * once at attach (main) or per packet (rx), by naming its ops table.
 */
#ifndef _GRE_KA_H
#define _GRE_KA_H

#include <linux/hrtimer.h>
#include <linux/kobject.h>
#include <linux/llist.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/rculist.h>
#include <linux/refcount.h>
#include <linux/rhashtable-types.h>
#include <linux/siphash.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "gre_ka_compat.h"
#include "gre_ka_proto.h"
#include "uapi/gre_ka.h"

struct dst_entry;
struct genl_info;
struct gre_ka_peer;
struct gre_ka_tunnel;
struct neighbour;
struct netlink_ext_ack;
struct sk_buff;

/*
 * The ip_gre/ip6gre parameters we use, taken under RTNL at attach and on
 * NETDEV_CHANGE and published with RCU to the timer and the ingress hook:
 * ip_tunnel_update() and ip6gre_tnl_change() rewrite the live parameters
 * without a lock the data path could take. The snapshot is allocated
 * zeroed and compared whole (memcmp) to see whether anything changed, so
 * a field added later can never be forgotten by the comparison.
 */
struct gre_ka_tnl {
	struct net *net;		/* underlay netns (tunnel->net) */
	unsigned short family;		/* AF_INET: ip_gre, AF_INET6: ip6gre */
	union gre_ka_addr local;	/* any: whatever the underlay picks */
	union gre_ka_addr remote;
	__be32 i_key;
	__be32 o_key;
	int link;
	u32 fwmark;
	__be32 flowlabel;		/* ip6gre outer header */
	u8 tclass;
	u8 hop_limit;			/* 0: the route's */
	bool i_key_set;
	bool i_csum;
	bool o_key_set;
	bool o_csum;
	bool o_seq;
	bool collect_md;
	bool iseq;
	bool multipoint;		/* no remote: mGRE, peers by NBMA */
};

/*
 * The GRE side of either kind of tunnel: ip_tunnel_parm and __ip6_tnl_parm
 * name these fields alike, so each family hands them over as they are.
 */
static inline void gre_ka_tnl_gre(struct gre_ka_tnl *t,
				  gre_ka_tnl_flags_t i_flags, __be32 i_key,
				  gre_ka_tnl_flags_t o_flags, __be32 o_key)
{
	t->i_key_set = gre_ka_tnl_flag(i_flags, KEY);
	t->i_key = t->i_key_set ? i_key : 0;
	t->i_csum = gre_ka_tnl_flag(i_flags, CSUM);
	t->iseq = gre_ka_tnl_flag(i_flags, SEQ);
	t->o_key_set = gre_ka_tnl_flag(o_flags, KEY);
	t->o_key = t->o_key_set ? o_key : 0;
	t->o_csum = gre_ka_tnl_flag(o_flags, CSUM);
	t->o_seq = gre_ka_tnl_flag(o_flags, SEQ);
}

struct gre_ka_params {
	struct gre_ka_tnl t;
	const char *why;		/* why keepalive cannot run, or NULL */
	const char *no_answer;		/* why we may not answer, or NULL */
	struct rcu_head rcu;
};

/* A route lookup of either family (struct gre_ka_af_ops.route). */
struct gre_ka_flow {
	union gre_ka_addr dst;
	union gre_ka_addr src;		/* any: the route's, filled in */
	int oif;
	u32 mark;
	__be32 flowlabel;
	u8 tos;
};

/*
 * What differs between the address families, chosen once at attach for
 * the underlay (ka->ops) and per packet for an inner packet. Each family
 * implements these in its own file, calling only the core and the kernel.
 */
struct gre_ka_af_ops {
	unsigned short family;
	__be16 eth_proto;		/* of an inner packet of this family */
	unsigned int hlen;		/* its fixed header */
	unsigned int xmit_headroom;	/* what xmit adds besides the device */

	/* The underlay side: tunnels of this family. */
	bool (*is_tunnel)(const struct net_device *dev);
	void (*params_read)(struct net_device *dev, struct gre_ka_tnl *t);
	bool (*underlay_has_addr)(const struct gre_ka_tnl *t,
				  const union gre_ka_addr *a);
	/* Route lookup in net; fills f->src if it was any. */
	struct dst_entry *(*route)(struct net *net, struct gre_ka_flow *f);
	/*
	 * The FIB's next hop towards dst in dev's netns and VRF, whatever
	 * the state of the links (a passive tunnel whose carrier is off
	 * must still recognise its peers): its device, and whether it is
	 * the destination itself (no gateway). Under RCU.
	 */
	int (*fib_hop)(struct net_device *dev, const union gre_ka_addr *src,
		       const union gre_ka_addr *dst, struct net_device **hop,
		       bool *direct);
	/*
	 * Send an inner packet through the tunnel to the peer at NBMA
	 * address peer (the remote of a point-to-point tunnel); consumes skb.
	 * An error only if it certainly did not leave: ip_gre's own drops
	 * further on are the device's (tx_dropped, tx_carrier_errors).
	 */
	int (*xmit)(struct gre_ka_tunnel *ka, const struct gre_ka_tnl *t,
		    const union gre_ka_addr *peer, struct sk_buff *skb);
	/*
	 * mGRE: the outer source of a packet the tunnel received, i.e. the
	 * peer that sent it; false if it cannot be told. Under RCU.
	 */
	bool (*outer_src)(const struct sk_buff *skb, const struct gre_ka_tnl *t,
			  union gre_ka_addr *a);

	/* The inner side: requests of this family. */
	enum gre_ka_reason (*parse)(const void *data, unsigned int len,
				    struct gre_ka_request *rq);
	bool (*maybe_keepalive)(const void *hdr);
	bool (*dev_has_addr)(struct net_device *dev,
			     const union gre_ka_addr *a);
	void (*set_daddr)(struct sk_buff *skb, const union gre_ka_addr *dst);
	/* Decrement TTL or hop limit, forget the receive control block. */
	void (*forward)(struct sk_buff *skb);
	int (*local_out)(struct net *net, struct sk_buff *skb);
	u8 (*tos)(const struct sk_buff *skb);
};

extern const struct gre_ka_af_ops gre_ka_ip4_ops;
extern const struct gre_ka_af_ops gre_ka_ip6_ops;

/*
 * Configuration, written only by gre_ka_ctl.c holding both RTNL and
 * ka->lock; so read it under either, or with READ_ONCE() for one value
 * (a peer's lock does not protect it).
 */
struct gre_ka_conf {
	u32 period_ms;
	u32 retries;
	u32 up_count;
	bool enabled;
	bool reflect;
	bool auth;
	bool passive;
};

/* The settable options, in the order of the ABI (sysfs and netlink). */
enum gre_ka_opt {
	GRE_KA_OPT_ENABLED,
	GRE_KA_OPT_PERIOD_MS,
	GRE_KA_OPT_RETRIES,
	GRE_KA_OPT_UP_COUNT,
	GRE_KA_OPT_REFLECT,
	GRE_KA_OPT_AUTH,
	GRE_KA_OPT_PASSIVE,
	GRE_KA_OPT_MAX,
};

/* A set of option changes, validated whole before any is applied. */
struct gre_ka_conf_change {
	u32 mask;			/* BIT(enum gre_ka_opt) */
	u32 val[GRE_KA_OPT_MAX];
};

/* The per-enable authentication key, published with RCU. */
struct gre_ka_session {
	siphash_key_t key;
	struct rcu_head rcu;
};

/* Counters as shown: a tunnel's totals, or one peer's. */
struct gre_ka_stats {
	u64 tx;
	u64 rx;
	u64 rx_invalid;
	u64 reflected;
	u64 reflect_dropped;
	u64 down_transitions;
	u64 up_transitions;
	u64 rx_requests;
	u64 tx_errors;
	u64 refused[GRE_KA_R_MAX];
};

/*
 * A tunnel's totals over all its peers (and what no peer can be charged
 * with), counted with atomics in any context and without a lock: a flood
 * of forged packets must not serialise on the locks keepalives need.
 */
struct gre_ka_atomic_stats {
	atomic64_t tx;
	atomic64_t rx;
	atomic64_t rx_invalid;
	atomic64_t reflected;
	atomic64_t reflect_dropped;
	atomic64_t down_transitions;
	atomic64_t up_transitions;
	atomic64_t rx_requests;
	atomic64_t tx_errors;
	atomic64_t refused[GRE_KA_R_MAX];
};

/* A peer's own counters, under its lock (refusals: peer->refused). */
struct gre_ka_peer_stats {
	u64 tx;
	u64 rx;
	u64 reflected;
	u64 rx_requests;
	u64 tx_errors;
	u64 down_transitions;
	u64 up_transitions;
};

/* A peer's runtime state, under peer->lock; only gre_ka_line.c takes it. */
struct gre_ka_line {
	struct gre_ka_fsm fsm;
	u32 tx_seq;
	u32 rx_seq;
	u64 last_change_ns;
	u8 cause;			/* enum gre_ka_cause */
	bool req_seen;			/* a valid request since the reset */
	struct gre_ka_rtt rtt;
	struct gre_ka_bucket bucket;	/* reflections */
	u64 req_last_ns;		/* arrival of the last valid request */
	struct gre_ka_guard guard;	/* replays of requests of ours */
	struct gre_ka_learn learn;
	struct gre_ka_peer_stats stats;
};

/* gre_ka_peer.flags */
enum {
	GRE_KA_PEER_F_ONE,		/* a point-to-point tunnel's remote */
	GRE_KA_PEER_F_LINKED,		/* in the tunnel's table (ka->lock) */
	GRE_KA_PEER_F_QUEUED,		/* on ka->effects, for gre_ka_neigh.c */
};

/*
 * One peer: the far end of a point-to-point tunnel, or an NBMA address of
 * a multipoint one. Looked up under RCU (the hook, the timer, dumps);
 * freed after a grace period once its last reference is dropped: the
 * tunnel's table holds one while linked, the neighbour work one while the
 * peer waits on ka->effects.
 */
struct gre_ka_peer {
	union gre_ka_addr nbma;
	struct rhash_head node;		/* ka->peers (multipoint) */
	struct hlist_node slot;		/* ka->slots[], the timer's walk */
	spinlock_t lock;		/* line */
	refcount_t ref;
	u8 origin;			/* GRE_KA_PEER_ORIGIN_*, ka->lock */
	u8 slot_idx;
	unsigned long flags;		/* GRE_KA_PEER_F_* */
	struct llist_node effect;	/* ka->effects */
	/* gre_ka_neigh.c's, its work only (read racily for show) */
	struct hlist_head binds;	/* neighbour entries mapping to it */
	u32 nbinds;
	u32 nheld;			/* of those, held failed */
	atomic64_t __rcu *refused;	/* per reason, from the first refusal */
	struct gre_ka_line line;
	struct rcu_head rcu;
};

/* mGRE: the timer's walk is spread over this many slots of a period. */
#define GRE_KA_SLOTS		64

/*
 * A tunnel's set of peers, published with RCU as a whole, so that a
 * tunnel that changes kind (a remote set or cleared) swaps one for the
 * other under readers. Linked and unlinked under ka->lock.
 */
struct gre_ka_peers {
	struct rcu_head rcu;
	bool multipoint;
	u32 nslots;
	struct gre_ka_peer __rcu *one;	/* point-to-point: the remote */
	struct rhashtable table;	/* multipoint: by NBMA address */
	struct hlist_head slots[];	/* the timer's walk */
};

struct gre_ka_tunnel {
	struct net_device *dev;
	netdevice_tracker dev_tracker;
	const struct gre_ka_af_ops *ops;	/* the underlay's, fixed */
	struct hlist_node node;		/* gre_ka_table.c */
	u32 id;				/* netlink dump order, see table */
	struct kobject kobj;		/* keepalive/, owns this memory */
	bool sysfs_added;		/* RTNL */
	struct nf_hook_ops hook;
	bool hook_registered;		/* RTNL */
	bool refresh_pending;		/* RTNL */
	struct hrtimer timer;

	struct gre_ka_conf conf;
	struct gre_ka_params __rcu *params;
	struct gre_ka_session __rcu *session;

	/* conf with RTNL, see above; the set of peers (gre_ka_peer.c) */
	spinlock_t lock;
	struct gre_ka_atomic_stats totals;

	/*
	 * The peers (gre_ka_peer.c). A point-to-point tunnel has exactly
	 * one, its remote; a multipoint one any number, by NBMA address.
	 */
	struct gre_ka_peers __rcu *peers;
	u32 next_slot;			/* the timer's (multipoint) */
	u32 assign_slot;		/* where the next peer goes, ka->lock */
	u32 npeers;			/* ka->lock */
	u32 peers_gen;			/* bumped at each add and remove */
	struct gre_ka_bucket learn_bucket;	/* passive learning, ka->lock */

	/* gre_ka_neigh.c: its work, and what line.c queues for it */
	struct delayed_work neigh_work;
	struct llist_head neigh_events;
	struct llist_head effects;
	struct hlist_head *binds;	/* by overlay address, the work's */
	bool following;			/* the work's */
	bool follow;			/* wanted: RTNL writes, work reads */
	bool neigh_resync;		/* an event was lost; any context */

	struct rcu_head rcu;
};

/* A consistent copy of a tunnel's state, for sysfs, netlink and events. */
struct gre_ka_info {
	struct gre_ka_conf conf;
	const char *state;		/* "disabled", "up", "down" */
	bool down;
	u32 counter;
	u32 up_needed;
	u64 last_change_ms;		/* age of the last transition */
	enum gre_ka_cause cause;
	u32 peer_period_ms;
	struct gre_ka_rtt rtt;
	struct gre_ka_stats stats;
	bool multipoint;
	u32 npeers;
	u32 npeers_down;
};

/* The same of one peer of a multipoint tunnel. */
struct gre_ka_peer_info {
	unsigned short family;
	union gre_ka_addr nbma;
	u8 origin;
	bool running;			/* keepalive enabled or passive */
	bool down;
	u32 counter;
	u32 up_needed;
	u64 last_change_ms;
	enum gre_ka_cause cause;
	u32 peer_period_ms;
	struct gre_ka_rtt rtt;
	struct gre_ka_stats stats;
	u32 neighs;
	u32 neighs_held;
};

/* gre_ka_ctl.c: configuration semantics, the only writer. */
const char *gre_ka_opt_name(enum gre_ka_opt opt);
void gre_ka_ctl_defaults(struct gre_ka_tunnel *ka, u32 period_ms, u32 retries);
int gre_ka_ctl_params_init(struct gre_ka_tunnel *ka);
int gre_ka_ctl_params_changed(struct gre_ka_tunnel *ka);
int gre_ka_ctl_apply(struct gre_ka_tunnel *ka,
		     const struct gre_ka_conf_change *chg,
		     struct netlink_ext_ack *extack);
int gre_ka_ctl_set(struct gre_ka_tunnel *ka, enum gre_ka_opt opt, u32 val);
u32 gre_ka_ctl_get(const struct gre_ka_tunnel *ka, enum gre_ka_opt opt);
int gre_ka_ctl_peer_add(struct gre_ka_tunnel *ka, const union gre_ka_addr *a,
			struct netlink_ext_ack *extack);
int gre_ka_ctl_peer_del(struct gre_ka_tunnel *ka, const union gre_ka_addr *a,
			struct netlink_ext_ack *extack);
void gre_ka_ctl_dev_up(struct gre_ka_tunnel *ka);
void gre_ka_ctl_dev_down(struct gre_ka_tunnel *ka);
void gre_ka_ctl_detach(struct gre_ka_tunnel *ka, bool restore_carrier);

/* gre_ka_peer.c: the peers of a tunnel. */
int gre_ka_peer_cache_init(void);
void gre_ka_peer_cache_exit(void);
int gre_ka_peers_init(struct gre_ka_tunnel *ka, bool multipoint,
		      const union gre_ka_addr *remote);
void gre_ka_peers_destroy(struct gre_ka_tunnel *ka);
bool gre_ka_multipoint(struct gre_ka_tunnel *ka);
struct gre_ka_peer *gre_ka_peer_find(struct gre_ka_tunnel *ka,
				     const union gre_ka_addr *a);
struct gre_ka_peer *gre_ka_peer_get(struct gre_ka_tunnel *ka,
				    const union gre_ka_addr *a, u8 origin,
				    gfp_t gfp, int *err);
bool gre_ka_peer_drop(struct gre_ka_tunnel *ka, struct gre_ka_peer *p,
		      u8 origin);
void gre_ka_peers_drop(struct gre_ka_tunnel *ka, u8 origin);
void gre_ka_peer_put(struct gre_ka_peer *p);
struct gre_ka_peer *gre_ka_peer_learn(struct gre_ka_tunnel *ka,
				      const union gre_ka_addr *a, u64 now_ns,
				      enum gre_ka_reason *why);

/*
 * Walking the peers in slot order, under RCU: the one after p (the first
 * if p is NULL) on slot *slot or the slots after it; NULL at the end. A
 * peer unlinked meanwhile still leads on to its successors.
 */
static inline struct gre_ka_peer *gre_ka_peer_next(const struct gre_ka_peers *ps,
						   u32 *slot,
						   struct gre_ka_peer *p)
{
	struct hlist_node *n = NULL;

	if (p) {
		n = rcu_dereference(hlist_next_rcu(&p->slot));
		if (!n)
			++*slot;
	}
	while (!n && *slot < ps->nslots) {
		n = rcu_dereference(hlist_first_rcu(&ps->slots[*slot]));
		if (!n)
			++*slot;
	}
	return n ? hlist_entry(n, struct gre_ka_peer, slot) : NULL;
}

/* gre_ka_neigh.c: peers from the neighbour table, and its entries held. */
int gre_ka_neigh_init(void);
void gre_ka_neigh_exit(void);
void gre_ka_neigh_attach(struct gre_ka_tunnel *ka);
void gre_ka_neigh_follow(struct gre_ka_tunnel *ka, bool on);
void gre_ka_neigh_detach(struct gre_ka_tunnel *ka);

/*
 * For gre_ka_line.c: a peer's state changed, so its neighbour entries
 * must be held or given back (gre_ka_neigh.c's work). Takes a reference
 * that the work drops.
 */
static inline void gre_ka_neigh_queue(struct gre_ka_tunnel *ka,
				      struct gre_ka_peer *p)
{
	if (test_and_set_bit(GRE_KA_PEER_F_QUEUED, &p->flags))
		return;
	refcount_inc(&p->ref);
	llist_add(&p->effect, &ka->effects);
	mod_delayed_work(system_wq, &ka->neigh_work, 0);
}

/* gre_ka_route.c: routing decisions over the families' lookups. */
int gre_ka_route_local(const struct gre_ka_af_ops *af,
		       const struct gre_ka_tnl *t,
		       const union gre_ka_addr *peer, union gre_ka_addr *a);
struct dst_entry *gre_ka_route_peer(const struct gre_ka_af_ops *af,
				    const struct gre_ka_tnl *t,
				    const union gre_ka_addr *peer,
				    const union gre_ka_addr *src, u8 tos);
bool gre_ka_route_onlink(const struct gre_ka_af_ops *af,
			 struct net_device *dev, const union gre_ka_addr *src,
			 const union gre_ka_addr *dst);

/* gre_ka_table.c: the attached tunnels. */
int gre_ka_table_add(struct gre_ka_tunnel *ka);
void gre_ka_table_del(struct gre_ka_tunnel *ka);
struct gre_ka_tunnel *gre_ka_table_find(const struct net_device *dev);
struct gre_ka_tunnel *gre_ka_table_next(unsigned long *id);
struct gre_ka_tunnel *gre_ka_table_first(void);
unsigned int gre_ka_table_gen(void);

/* gre_ka_sysfs.c */
void gre_ka_sysfs_init(struct gre_ka_tunnel *ka);
int gre_ka_sysfs_add(struct gre_ka_tunnel *ka);
void gre_ka_sysfs_moved(struct gre_ka_tunnel *ka);
void gre_ka_sysfs_del(struct gre_ka_tunnel *ka);

/* gre_ka_tx.c */
void gre_ka_timer_init(struct gre_ka_tunnel *ka);
void gre_ka_timer_start(struct gre_ka_tunnel *ka);
void gre_ka_timer_stop(struct gre_ka_tunnel *ka);
void gre_ka_timer_period_changed(struct gre_ka_tunnel *ka);
int gre_ka_tx_inner(struct gre_ka_tunnel *ka, const struct gre_ka_tnl *t,
		    const union gre_ka_addr *peer, struct sk_buff *skb);

/* gre_ka_rx.c */
int gre_ka_hook_register(struct gre_ka_tunnel *ka);
void gre_ka_hook_unregister(struct gre_ka_tunnel *ka);

/* gre_ka_line.c: a peer's state, under its lock. */
u64 gre_ka_window_ns(const struct gre_ka_conf *conf, u64 period_ns);
void gre_ka_line_init(struct gre_ka_peer *p, u64 now_ns);
void gre_ka_line_start(struct gre_ka_tunnel *ka, struct gre_ka_peer *p,
		       bool new_session, bool restore_carrier);
void gre_ka_line_stop(struct gre_ka_tunnel *ka, struct gre_ka_peer *p,
		      bool restore_carrier);
bool gre_ka_line_tick(struct gre_ka_tunnel *ka, struct gre_ka_peer *p,
		      u64 now_ns, struct gre_ka_trailer *tr);
void gre_ka_line_unsent(struct gre_ka_tunnel *ka, struct gre_ka_peer *p);
u64 gre_ka_line_expire(struct gre_ka_tunnel *ka, struct gre_ka_peer *p,
		       u64 now_ns);
bool gre_ka_line_forgotten(struct gre_ka_tunnel *ka, struct gre_ka_peer *p,
			   u64 now_ns);
int gre_ka_line_reply(struct gre_ka_tunnel *ka, struct gre_ka_peer *p,
		      const struct gre_ka_session *s,
		      const struct gre_ka_trailer *tr, enum gre_ka_reason r,
		      unsigned int len, u64 now_ns);
enum gre_ka_reason gre_ka_line_request(struct gre_ka_tunnel *ka,
				       struct gre_ka_peer *p,
				       const struct gre_ka_request *rq,
				       u64 now_ns);
bool gre_ka_line_reflect_allowed(struct gre_ka_peer *p, u64 now_ns);
void gre_ka_line_refused(struct gre_ka_tunnel *ka, struct gre_ka_peer *p,
			 enum gre_ka_reason r, unsigned short family,
			 unsigned int len);
void gre_ka_line_reflected(struct gre_ka_tunnel *ka, struct gre_ka_peer *p,
			   unsigned short family, unsigned int len,
			   bool overlay);
void gre_ka_line_info(struct gre_ka_tunnel *ka, struct gre_ka_info *info);
void gre_ka_line_peer_info(struct gre_ka_tunnel *ka, struct gre_ka_peer *p,
			   struct gre_ka_peer_info *pi);

/* gre_ka_event.c: netlink messages, shared by GET and the events. */
struct genl_family;
void gre_ka_event_init(const struct genl_family *family);
void gre_ka_event_exit(void);
int gre_ka_event_fill(struct sk_buff *skb, const struct gre_ka_tunnel *ka,
		      const struct gre_ka_info *info, u32 portid, u32 seq,
		      int flags, u8 cmd);
int gre_ka_event_fill_peer(struct sk_buff *skb,
			   const struct gre_ka_peer_info *pi);
bool gre_ka_event_wanted(const struct gre_ka_tunnel *ka);
void gre_ka_event_state(const struct gre_ka_tunnel *ka,
			const struct gre_ka_info *info);
void gre_ka_event_peer(const struct gre_ka_tunnel *ka,
		       const struct gre_ka_peer_info *pi);
void gre_ka_event_conf(const struct gre_ka_tunnel *ka,
		       const struct gre_ka_info *info);

/* gre_ka_netlink.c */
int gre_ka_netlink_init(void);
void gre_ka_netlink_exit(void);

#endif /* _GRE_KA_H */
