// SPDX-License-Identifier: GPL-2.0
/*
 * Multipoint tunnels and the neighbour table.
 *
 * On an mGRE device a neighbour entry maps an overlay address to an NBMA
 * address: its link-layer address is the peer's underlay address (static
 * `ip neigh add OVERLAY lladdr NBMA dev mgre1` entries, or FRR's nhrpd
 * answering the kernel's resolution requests). While keepalive runs on
 * the device, every entry with a valid link-layer address makes that NBMA
 * address a peer (origin neigh), followed as entries come, change and go.
 *
 * The effect of a peer going down: every entry that maps to it is held
 * failed (neigh_update() to NUD_FAILED, as an administrator would), so
 * that the FIB stops using it -- an ECMP route over several hubs with
 * net.ipv4.fib_multipath_use_neigh=1 leaves the dead one at once -- and
 * when the peer is up again each entry is given back as it was: a
 * permanent one (the administrator's) permanent, with its address and
 * router flag; a dynamic one (nhrpd's) reachable. While held an entry is
 * marked externally learned (`ip neigh` shows extern_learn), which keeps
 * the neighbour garbage collector, which removes failed entries, from
 * taking an administrator's entry away; the module holds no reference to
 * an entry, so deleting it (`ip neigh del`) works as ever, and drops it
 * for good. Whoever makes a held entry valid again (nhrpd resolving it
 * anew, an administrator replacing it) sees it held again while the peer
 * is down, and given back in their version. Keepalive disabled, the
 * device gone or the module unloaded: every held entry is given back.
 *
 * Context: neighbour events arrive in any context (a netevent notifier,
 * atomic), so the notifier only queues which entry changed (its table and
 * address; a reference would keep a deleted entry in the table) and the
 * device's work looks it up and does the rest in process context, without
 * RTNL (so that RTNL holders may wait for it). The work is the only user of the
 * bindings (entry -> peer) and of the peers' binds lists; a work item
 * never runs twice at once, which is all the locking they need. A peer's
 * transitions (gre_ka_line.c) queue the peer for the same work.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/etherdevice.h>
#include <linux/jhash.h>
#include <linux/llist.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/arp.h>
#include <net/ndisc.h>
#include <net/neighbour.h>
#include <net/netevent.h>

#include "gre_ka.h"

#define GRE_KA_BIND_BITS	10
#define GRE_KA_BIND_BUCKETS	BIT(GRE_KA_BIND_BITS)

/* Entries whose link-layer address makes a peer: not NOARP ones. */
#define GRE_KA_NUD_MAPPED	(NUD_PERMANENT | NUD_REACHABLE | NUD_STALE | \
				 NUD_DELAY | NUD_PROBE)

/* One neighbour entry of the device that maps to a peer. */
struct gre_ka_bind {
	struct hlist_node hnode;	/* ka->binds, by overlay address */
	struct hlist_node pnode;	/* peer->binds */
	struct gre_ka_peer *peer;
	struct neigh_table *tbl;
	u8 key[sizeof(struct in6_addr)];	/* the overlay address */
	bool held;			/* failed by us */
	u8 saved_state;			/* before we held it */
	u8 saved_flags;			/* NTF_ROUTER, NTF_EXT_LEARNED */
};

/* A neighbour event: which entry, for the work to look up. */
struct gre_ka_nev {
	struct llist_node node;
	struct neigh_table *tbl;
	u8 key[sizeof(struct in6_addr)];
};

static bool gre_ka_neigh_tbl(const struct neigh_table *tbl)
{
	return tbl == &arp_tbl || tbl == &nd_tbl;
}

static u32 gre_ka_bind_hash(const struct neigh_table *tbl, const void *key)
{
	return jhash(key, tbl->key_len, tbl->family) >> (32 - GRE_KA_BIND_BITS);
}

static struct gre_ka_bind *gre_ka_bind_find(struct gre_ka_tunnel *ka,
					    struct neigh_table *tbl,
					    const void *key)
{
	struct gre_ka_bind *b;

	hlist_for_each_entry(b, &ka->binds[gre_ka_bind_hash(tbl, key)], hnode)
		if (b->tbl == tbl && !memcmp(b->key, key, tbl->key_len))
			return b;
	return NULL;
}

/*
 * Hold an entry of a peer that is down failed. Called with the entry's
 * state as read just before; the echo of our update finds it held.
 */
static void gre_ka_bind_hold(struct gre_ka_bind *b, struct neighbour *n,
			     u8 state, u8 flags)
{
	if (b->held)
		return;
	b->saved_state = state;
	b->saved_flags = flags & (NTF_ROUTER | NTF_EXT_LEARNED);
	b->held = true;
	b->peer->nheld++;
	neigh_update(n, NULL, NUD_FAILED, NEIGH_UPDATE_F_OVERRIDE |
		     NEIGH_UPDATE_F_ADMIN | NEIGH_UPDATE_F_EXT_LEARNED, 0);
}

/*
 * Give a held entry back as it was: permanent with the peer's address,
 * or (a dynamic one) reachable: the keepalive just proved the peer is;
 * with the flags it had. An entry deleted meanwhile is left alone.
 */
static void gre_ka_bind_restore(struct gre_ka_tunnel *ka, struct gre_ka_bind *b,
				bool update)
{
	u32 flags = NEIGH_UPDATE_F_OVERRIDE | NEIGH_UPDATE_F_ADMIN;
	struct neighbour *n;
	u8 state;

	if (!b->held)
		return;
	b->held = false;
	b->peer->nheld--;
	if (!update)
		return;
	n = neigh_lookup(b->tbl, b->key, ka->dev);
	if (!n)
		return;
	state = b->saved_state & NUD_PERMANENT ? NUD_PERMANENT : NUD_REACHABLE;
	if (b->saved_flags & NTF_EXT_LEARNED)
		flags |= NEIGH_UPDATE_F_EXT_LEARNED;
	if (b->tbl == &nd_tbl)
		flags |= NEIGH_UPDATE_F_OVERRIDE_ISROUTER |
			 (b->saved_flags & NTF_ROUTER ?
			  NEIGH_UPDATE_F_ISROUTER : 0);
	neigh_update(n, (const u8 *)&b->peer->nbma, state, flags, 0);
	neigh_release(n);
}

/* The entry no longer maps to b's peer; a peer with no entry left goes. */
static void gre_ka_bind_del(struct gre_ka_tunnel *ka, struct gre_ka_bind *b,
			    bool restore)
{
	struct gre_ka_peer *p = b->peer;

	gre_ka_bind_restore(ka, b, restore);
	hlist_del(&b->hnode);
	hlist_del(&b->pnode);
	kfree(b);
	if (!--p->nbinds)
		gre_ka_peer_drop(ka, p, GRE_KA_PEER_ORIGIN_NEIGH);
}

static bool gre_ka_neigh_running(const struct gre_ka_tunnel *ka)
{
	return READ_ONCE(ka->conf.enabled) || READ_ONCE(ka->conf.passive);
}

/* The current state of entry n, and what it maps to. */
static void gre_ka_neigh_read(struct gre_ka_tunnel *ka, struct neighbour *n,
			      u8 *state, u8 *flags, bool *dead,
			      union gre_ka_addr *nbma)
{
	unsigned int alen = min_t(unsigned int, ka->dev->addr_len,
				  sizeof(*nbma));

	memset(nbma, 0, sizeof(*nbma));
	read_lock_bh(&n->lock);
	*state = n->nud_state;
	*flags = n->flags;
	*dead = n->dead;
	memcpy(nbma, n->ha, alen);
	read_unlock_bh(&n->lock);
}

/*
 * One entry of the device changed, or is seen for the first time: the
 * entry at key in tbl, as it is now (gone: n is NULL).
 */
static void gre_ka_neigh_update(struct gre_ka_tunnel *ka,
				struct neigh_table *tbl, const u8 *key,
				struct neighbour *n)
{
	unsigned short family = ka->ops->family;
	union gre_ka_addr nbma;
	struct gre_ka_bind *b;
	struct gre_ka_peer *p;
	u8 state, flags;
	bool dead = true;
	int err;

	if (n)
		gre_ka_neigh_read(ka, n, &state, &flags, &dead, &nbma);
	b = gre_ka_bind_find(ka, tbl, key);
	if (dead) {
		if (b)
			gre_ka_bind_del(ka, b, false);
		return;
	}
	if (!(state & GRE_KA_NUD_MAPPED) || gre_ka_addr_any(family, &nbma)) {
		/*
		 * Held by us (our own update, or the kernel resolving it again
		 * because of traffic): still held. Otherwise it was deleted
		 * (nhrpd marks its deletions failed) or expired.
		 */
		if (b && !b->held)
			gre_ka_bind_del(ka, b, false);
		return;
	}

	if (b && gre_ka_addr_eq(family, &b->peer->nbma, &nbma)) {
		/*
		 * Made valid again while held (nhrpd, an administrator): held
		 * again below if need be, and given back in their version.
		 */
		if (b->held)
			gre_ka_bind_restore(ka, b, false);
	} else {
		if (b)
			gre_ka_bind_del(ka, b, false);
		b = kzalloc(sizeof(*b), GFP_KERNEL);
		if (!b)
			goto fail;
		p = gre_ka_peer_get(ka, &nbma, GRE_KA_PEER_ORIGIN_NEIGH,
				    GFP_KERNEL, &err);
		if (!p) {
			kfree(b);
			goto fail;
		}
		b->peer = p;
		b->tbl = tbl;
		memcpy(b->key, key, tbl->key_len);
		hlist_add_head(&b->hnode,
			       &ka->binds[gre_ka_bind_hash(tbl, b->key)]);
		hlist_add_head(&b->pnode, &p->binds);
		p->nbinds++;
	}
	if (READ_ONCE(b->peer->line.fsm.down) && gre_ka_neigh_running(ka))
		gre_ka_bind_hold(b, n, state, flags);
	return;

fail:
	net_warn_ratelimited("%s: keepalive: cannot follow a neighbour entry (no memory, or max_peers)\n",
			     ka->dev->name);
}

/* A peer changed state, or went: hold or give back its entries. */
static void gre_ka_neigh_effect(struct gre_ka_tunnel *ka, struct gre_ka_peer *p)
{
	bool down = READ_ONCE(p->line.fsm.down) && gre_ka_neigh_running(ka) &&
		    test_bit(GRE_KA_PEER_F_LINKED, &p->flags);
	union gre_ka_addr nbma;
	struct gre_ka_bind *b;
	struct neighbour *n;
	u8 state, flags;
	bool dead;

	hlist_for_each_entry(b, &p->binds, pnode) {
		if (!down) {
			gre_ka_bind_restore(ka, b, true);
			continue;
		}
		if (b->held)
			continue;
		n = neigh_lookup(b->tbl, b->key, ka->dev);
		if (!n)
			continue;
		gre_ka_neigh_read(ka, n, &state, &flags, &dead, &nbma);
		if (!dead && state & GRE_KA_NUD_MAPPED &&
		    gre_ka_addr_eq(ka->ops->family, &nbma, &p->nbma))
			gre_ka_bind_hold(b, n, state, flags);
		neigh_release(n);
	}
}

/*
 * Queue entry n for the work to look at; any context. Without memory for
 * the event, the work resynchronises with the whole table instead.
 */
static void gre_ka_neigh_queue_event(struct gre_ka_tunnel *ka,
				     struct neighbour *n)
{
	struct gre_ka_nev *ev = kmalloc(sizeof(*ev), GFP_ATOMIC);

	if (!ev) {
		WRITE_ONCE(ka->neigh_resync, true);
		return;
	}
	ev->tbl = n->tbl;
	memcpy(ev->key, n->primary_key, n->tbl->key_len);
	llist_add(&ev->node, &ka->neigh_events);
}

/* neigh_for_each() callback: the device's entries, queued like events. */
static void gre_ka_neigh_scan_one(struct neighbour *n, void *cookie)
{
	struct gre_ka_tunnel *ka = cookie;

	if (n->dev == ka->dev)
		gre_ka_neigh_queue_event(ka, n);
}

/* Start following: bindings for every entry the device has now. */
static int gre_ka_neigh_start(struct gre_ka_tunnel *ka)
{
	ka->binds = kcalloc(GRE_KA_BIND_BUCKETS, sizeof(*ka->binds),
			    GFP_KERNEL);
	if (!ka->binds)
		return -ENOMEM;
	ka->following = true;
	neigh_for_each(&arp_tbl, gre_ka_neigh_scan_one, ka);
	neigh_for_each(&nd_tbl, gre_ka_neigh_scan_one, ka);
	return 0;
}

/*
 * After a lost event: every binding checked against its entry as it is
 * now (changed, or gone), and every entry queued again (new ones). If
 * that loses events too, the work comes back a second later.
 */
static void gre_ka_neigh_resync(struct gre_ka_tunnel *ka)
{
	u8 key[sizeof(struct in6_addr)];
	struct gre_ka_bind *b;
	struct hlist_node *tmp;
	struct neigh_table *tbl;
	struct neighbour *n;
	u32 i;

	WRITE_ONCE(ka->neigh_resync, false);
	for (i = 0; i < GRE_KA_BIND_BUCKETS; i++) {
		/* Bindings made here go to the head, behind tmp. */
		hlist_for_each_entry_safe(b, tmp, &ka->binds[i], hnode) {
			/* gre_ka_neigh_update() may free b. */
			tbl = b->tbl;
			memcpy(key, b->key, tbl->key_len);
			n = neigh_lookup(tbl, key, ka->dev);
			gre_ka_neigh_update(ka, tbl, key, n);
			if (n)
				neigh_release(n);
		}
	}
	neigh_for_each(&arp_tbl, gre_ka_neigh_scan_one, ka);
	neigh_for_each(&nd_tbl, gre_ka_neigh_scan_one, ka);
}

/* Stop following: every entry given back, every neigh origin dropped. */
static void gre_ka_neigh_stop(struct gre_ka_tunnel *ka)
{
	struct gre_ka_bind *b;
	struct hlist_node *tmp;
	u32 i;

	for (i = 0; i < GRE_KA_BIND_BUCKETS; i++)
		hlist_for_each_entry_safe(b, tmp, &ka->binds[i], hnode)
			gre_ka_bind_del(ka, b, true);
	kfree(ka->binds);
	ka->binds = NULL;
	ka->following = false;
}

static void gre_ka_neigh_work(struct work_struct *work)
{
	struct gre_ka_tunnel *ka = container_of(to_delayed_work(work),
						struct gre_ka_tunnel,
						neigh_work);
	struct gre_ka_nev *ev, *ev_next;
	struct gre_ka_peer *p, *p_next;
	bool follow = READ_ONCE(ka->follow);
	struct llist_node *list;
	struct neighbour *n;

	if (follow && !ka->following && gre_ka_neigh_start(ka))
		net_warn_ratelimited("%s: keepalive: cannot follow the neighbour table (no memory)\n",
				     ka->dev->name);
	if (ka->following && READ_ONCE(ka->neigh_resync))
		gre_ka_neigh_resync(ka);

	list = llist_reverse_order(llist_del_all(&ka->neigh_events));
	llist_for_each_entry_safe(ev, ev_next, list, node) {
		if (ka->following) {
			n = neigh_lookup(ev->tbl, ev->key, ka->dev);
			gre_ka_neigh_update(ka, ev->tbl, ev->key, n);
			if (n)
				neigh_release(n);
		}
		kfree(ev);
	}

	list = llist_del_all(&ka->effects);
	llist_for_each_entry_safe(p, p_next, list, effect) {
		clear_bit(GRE_KA_PEER_F_QUEUED, &p->flags);
		if (ka->following)
			gre_ka_neigh_effect(ka, p);
		gre_ka_peer_put(p);
	}

	if (!follow && ka->following)
		gre_ka_neigh_stop(ka);
	/* Out of memory: try again later rather than spin. */
	if (follow && (!ka->following || READ_ONCE(ka->neigh_resync)))
		queue_delayed_work(system_wq, &ka->neigh_work, HZ);
}

/*
 * The netevent chain is atomic: queue the entry for its device's work,
 * if the device is a multipoint tunnel following its neighbours.
 */
static int gre_ka_netevent(struct notifier_block *nb, unsigned long event,
			   void *ptr)
{
	struct neighbour *n = ptr;
	struct gre_ka_tunnel *ka;

	if (event != NETEVENT_NEIGH_UPDATE || !gre_ka_neigh_tbl(n->tbl))
		return NOTIFY_DONE;
	rcu_read_lock();
	ka = gre_ka_table_find(n->dev);
	if (ka && READ_ONCE(ka->follow)) {
		gre_ka_neigh_queue_event(ka, n);
		mod_delayed_work(system_wq, &ka->neigh_work, 0);
	}
	rcu_read_unlock();
	return NOTIFY_DONE;
}

static struct notifier_block gre_ka_netevent_nb = {
	.notifier_call = gre_ka_netevent,
};

int gre_ka_neigh_init(void)
{
	return register_netevent_notifier(&gre_ka_netevent_nb);
}

void gre_ka_neigh_exit(void)
{
	unregister_netevent_notifier(&gre_ka_netevent_nb);
}

void gre_ka_neigh_attach(struct gre_ka_tunnel *ka)
{
	INIT_DELAYED_WORK(&ka->neigh_work, gre_ka_neigh_work);
	init_llist_head(&ka->neigh_events);
	init_llist_head(&ka->effects);
}

/*
 * Follow the neighbour table, or stop: under RTNL, for a multipoint
 * tunnel whose keepalive runs. Stopping waits until every held entry is
 * given back (the work takes no RTNL).
 */
void gre_ka_neigh_follow(struct gre_ka_tunnel *ka, bool on)
{
	ASSERT_RTNL();
	if (READ_ONCE(ka->follow) == on)
		return;
	WRITE_ONCE(ka->follow, on);
	mod_delayed_work(system_wq, &ka->neigh_work, 0);
	if (!on) {
		/* No notifier that saw it on queues anything after this. */
		synchronize_rcu();
		flush_delayed_work(&ka->neigh_work);
	}
}

/*
 * Before the tunnel goes: its entries given back, its work finished and
 * nothing left queued (the timer and the hook are stopped, so nothing
 * queues a peer any more).
 */
void gre_ka_neigh_detach(struct gre_ka_tunnel *ka)
{
	struct gre_ka_nev *ev, *ev_next;
	struct gre_ka_peer *p, *p_next;
	struct llist_node *list;

	gre_ka_neigh_follow(ka, false);
	cancel_delayed_work_sync(&ka->neigh_work);
	list = llist_del_all(&ka->neigh_events);
	llist_for_each_entry_safe(ev, ev_next, list, node)
		kfree(ev);
	list = llist_del_all(&ka->effects);
	llist_for_each_entry_safe(p, p_next, list, effect) {
		clear_bit(GRE_KA_PEER_F_QUEUED, &p->flags);
		gre_ka_peer_put(p);
	}
}
