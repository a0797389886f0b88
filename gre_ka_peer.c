// SPDX-License-Identifier: GPL-2.0
/*
 * The peers of a tunnel. A point-to-point tunnel has exactly one, its
 * remote, whose line state drives the tunnel's carrier: it is the tunnel
 * with one peer, not a second copy of the code. A multipoint (mGRE) tunnel
 * has any number, each an NBMA (underlay) address, found by address under
 * RCU when a packet arrives (an rhashtable: O(1) to add, find and remove,
 * whatever the churn of nhrpd's short-lived shortcut peers). They come
 * from the neighbour table (gre_ka_neigh.c), from netlink (static) and
 * from passive learning (the ingress hook, in softirq context), which is
 * why the set is changed under ka->lock, a BH spinlock, from any context;
 * a peer named by several of them keeps an origin bit for each and goes
 * when the last goes.
 *
 * Every peer is on one of the tunnel's slots, the lists the timer walks
 * (gre_ka_tx.c). A multipoint tunnel spreads its peers round-robin over
 * GRE_KA_SLOTS slots and walks one part of them at a time, so that a hub's
 * 10,000 keepalives leave in small bursts spread over the period.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jhash.h>
#include <linux/moduleparam.h>
#include <linux/rculist.h>
#include <linux/rhashtable.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>

#include "gre_ka.h"

/*
 * At most this many peers on one multipoint tunnel: the memory a tunnel
 * may take, whoever adds them (a passive hub learns from whatever valid
 * keepalives arrive).
 */
static unsigned int max_peers = 100000;
module_param(max_peers, uint, 0644);
MODULE_PARM_DESC(max_peers, "Most peers on one multipoint (mGRE) tunnel");

/*
 * New peers a passive hub learns per second (and in a burst): enough for
 * a hub restarted under 10,000 spokes to know them all within seconds,
 * while spoofed sources cannot churn the table faster than that.
 */
#define GRE_KA_LEARN_RATE	1000
#define GRE_KA_LEARN_BURST	1000

static struct kmem_cache *gre_ka_peer_cache;

static const struct rhashtable_params gre_ka_peer_params = {
	.key_len = sizeof(union gre_ka_addr),
	.key_offset = offsetof(struct gre_ka_peer, nbma),
	.head_offset = offsetof(struct gre_ka_peer, node),
	.automatic_shrinking = true,
};

int gre_ka_peer_cache_init(void)
{
	gre_ka_peer_cache = KMEM_CACHE(gre_ka_peer, 0);
	return gre_ka_peer_cache ? 0 : -ENOMEM;
}

/* After the last peer's grace period: the caller waited (rcu_barrier). */
void gre_ka_peer_cache_exit(void)
{
	kmem_cache_destroy(gre_ka_peer_cache);
}

static void gre_ka_peer_free_rcu(struct rcu_head *head)
{
	struct gre_ka_peer *p = container_of(head, struct gre_ka_peer, rcu);

	kfree(rcu_dereference_protected(p->refused, true));
	kmem_cache_free(gre_ka_peer_cache, p);
}

void gre_ka_peer_put(struct gre_ka_peer *p)
{
	if (refcount_dec_and_test(&p->ref))
		call_rcu(&p->rcu, gre_ka_peer_free_rcu);
}
EXPORT_SYMBOL_IF_KUNIT(gre_ka_peer_put);

static struct gre_ka_peer *gre_ka_peer_alloc(const union gre_ka_addr *a,
					     gfp_t gfp)
{
	struct gre_ka_peer *p;

	/* Zeroed: the whole address is the hash key, padding included. */
	p = kmem_cache_zalloc(gre_ka_peer_cache, gfp);
	if (!p)
		return NULL;
	p->nbma = *a;
	spin_lock_init(&p->lock);
	refcount_set(&p->ref, 1);
	gre_ka_line_init(p, ktime_get_ns());
	return p;
}

static struct gre_ka_peers *gre_ka_peers_locked(struct gre_ka_tunnel *ka)
{
	return rcu_dereference_protected(ka->peers, lockdep_is_held(&ka->lock));
}

/* On a slot, in the table, counted: the caller holds ka->lock. */
static void gre_ka_peer_link(struct gre_ka_tunnel *ka, struct gre_ka_peers *ps,
			     struct gre_ka_peer *p)
{
	lockdep_assert_held(&ka->lock);
	p->slot_idx = ka->assign_slot++ % ps->nslots;
	hlist_add_head_rcu(&p->slot, &ps->slots[p->slot_idx]);
	set_bit(GRE_KA_PEER_F_LINKED, &p->flags);
	ka->npeers++;
	WRITE_ONCE(ka->peers_gen, ka->peers_gen + 1);
}

/*
 * Out of the table and off its slot; the table's reference is the
 * caller's to drop, once the lock is released. Readers under RCU may
 * still hold the peer, and find F_LINKED clear.
 */
static void gre_ka_peer_unlink(struct gre_ka_tunnel *ka,
			       struct gre_ka_peers *ps, struct gre_ka_peer *p)
{
	lockdep_assert_held(&ka->lock);
	if (ps->multipoint)
		rhashtable_remove_fast(&ps->table, &p->node,
				       gre_ka_peer_params);
	hlist_del_rcu(&p->slot);
	clear_bit(GRE_KA_PEER_F_LINKED, &p->flags);
	ka->npeers--;
	WRITE_ONCE(ka->peers_gen, ka->peers_gen + 1);
}

/*
 * A tunnel's peers as its kind wants them: a point-to-point tunnel gets
 * its one peer, the remote; a multipoint one an empty table and its
 * slots. Under RTNL, with no peer set published yet.
 */
int gre_ka_peers_init(struct gre_ka_tunnel *ka, bool multipoint,
		      const union gre_ka_addr *remote)
{
	u32 nslots = multipoint ? GRE_KA_SLOTS : 1;
	struct gre_ka_peers *ps;
	struct gre_ka_peer *p;
	int err;

	ps = kzalloc(struct_size(ps, slots, nslots), GFP_KERNEL);
	if (!ps)
		return -ENOMEM;
	ps->multipoint = multipoint;
	ps->nslots = nslots;
	ka->npeers = 0;
	ka->next_slot = 0;
	gre_ka_bucket_init(&ka->learn_bucket, ktime_get_ns(),
			   GRE_KA_LEARN_BURST);

	if (multipoint) {
		err = rhashtable_init(&ps->table, &gre_ka_peer_params);
		if (err)
			goto free_peers;
		spin_lock_bh(&ka->lock);
		rcu_assign_pointer(ka->peers, ps);
		spin_unlock_bh(&ka->lock);
		return 0;
	}

	p = gre_ka_peer_alloc(remote, GFP_KERNEL);
	if (!p) {
		err = -ENOMEM;
		goto free_peers;
	}
	set_bit(GRE_KA_PEER_F_ONE, &p->flags);
	spin_lock_bh(&ka->lock);
	gre_ka_peer_link(ka, ps, p);
	rcu_assign_pointer(ps->one, p);
	rcu_assign_pointer(ka->peers, ps);
	spin_unlock_bh(&ka->lock);
	return 0;

free_peers:
	kfree(ps);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(gre_ka_peers_init);

/*
 * Every peer gone, and the set with them: after the timer was cancelled
 * and the neighbour work stopped. Readers under RCU (a hook invocation in
 * flight, a dump) may still walk the set, so it is freed after a grace
 * period; its peers after theirs. A multipoint set's hash table can only
 * be destroyed in process context, so that waits for the grace period
 * (a few hubs); a point-to-point one is freed by RCU, so that unloading
 * the module under 10,000 tunnels does not wait 10,000 grace periods.
 * Under RTNL.
 */
void gre_ka_peers_destroy(struct gre_ka_tunnel *ka)
{
	struct gre_ka_peers *ps;
	struct gre_ka_peer *p;
	struct hlist_node *n;
	u32 i;

	spin_lock_bh(&ka->lock);
	ps = gre_ka_peers_locked(ka);
	if (!ps) {
		spin_unlock_bh(&ka->lock);
		return;
	}
	for (i = 0; i < ps->nslots; i++) {
		hlist_for_each_entry_safe(p, n, &ps->slots[i], slot) {
			gre_ka_peer_unlink(ka, ps, p);
			gre_ka_peer_put(p);
		}
	}
	RCU_INIT_POINTER(ps->one, NULL);
	RCU_INIT_POINTER(ka->peers, NULL);
	spin_unlock_bh(&ka->lock);

	if (!ps->multipoint) {
		kfree_rcu(ps, rcu);
		return;
	}
	synchronize_rcu();
	rhashtable_destroy(&ps->table);
	kfree(ps);
}
EXPORT_SYMBOL_IF_KUNIT(gre_ka_peers_destroy);

/* Under RTNL: the kind of the tunnel's peer set. */
bool gre_ka_multipoint(struct gre_ka_tunnel *ka)
{
	const struct gre_ka_peers *ps = rcu_dereference_rtnl(ka->peers);

	return ps && ps->multipoint;
}

/*
 * The peer a packet belongs to: a point-to-point tunnel's one, or the one
 * at a multipoint tunnel's NBMA address a. Under RCU or ka->lock.
 */
struct gre_ka_peer *gre_ka_peer_find(struct gre_ka_tunnel *ka,
				     const union gre_ka_addr *a)
{
	struct gre_ka_peers *ps;

	ps = rcu_dereference_check(ka->peers, lockdep_is_held(&ka->lock));
	if (!ps)
		return NULL;
	if (!ps->multipoint)
		return rcu_dereference_check(ps->one,
					     lockdep_is_held(&ka->lock));
	return rhashtable_lookup(&ps->table, a, gre_ka_peer_params);
}
EXPORT_SYMBOL_IF_KUNIT(gre_ka_peer_find);

/*
 * The multipoint tunnel's peer at a, named by origin from now on: found,
 * or made (with gfp). NULL and *err on failure (-ENOSPC: max_peers,
 * -EOPNOTSUPP: not multipoint). The pointer is good under RCU, or as long
 * as its origin holds it (only the owner of an origin drops it).
 */
struct gre_ka_peer *gre_ka_peer_get(struct gre_ka_tunnel *ka,
				    const union gre_ka_addr *a, u8 origin,
				    gfp_t gfp, int *err)
{
	struct gre_ka_peer *p, *q = NULL;
	struct gre_ka_peers *ps;

	spin_lock_bh(&ka->lock);
	ps = gre_ka_peers_locked(ka);
	*err = -EOPNOTSUPP;
	if (!ps || !ps->multipoint)
		goto unlock;
	*err = 0;
	q = rhashtable_lookup_fast(&ps->table, a, gre_ka_peer_params);
	if (q) {
		q->origin |= origin;
		goto unlock;
	}
	*err = -ENOSPC;
	if (ka->npeers >= READ_ONCE(max_peers))
		goto unlock;
	spin_unlock_bh(&ka->lock);

	p = gre_ka_peer_alloc(a, gfp);
	if (!p) {
		*err = -ENOMEM;
		return NULL;
	}
	p->origin = origin;

	spin_lock_bh(&ka->lock);
	/* The set may have changed kind meanwhile; or a second maker won. */
	if (gre_ka_peers_locked(ka) != ps) {
		*err = -EAGAIN;
	} else if (ka->npeers >= READ_ONCE(max_peers)) {
		*err = -ENOSPC;
	} else {
		q = rhashtable_lookup_get_insert_fast(&ps->table, &p->node,
						      gre_ka_peer_params);
		if (IS_ERR(q)) {
			*err = PTR_ERR(q);
			q = NULL;
		} else if (q) {
			q->origin |= origin;
			*err = 0;
		} else {
			gre_ka_peer_link(ka, ps, p);
			*err = 0;
			q = p;
			p = NULL;
		}
	}
	spin_unlock_bh(&ka->lock);
	if (p)
		gre_ka_peer_put(p);
	return q;

unlock:
	spin_unlock_bh(&ka->lock);
	return q;
}
EXPORT_SYMBOL_IF_KUNIT(gre_ka_peer_get);

/*
 * origin no longer names the peer; named by nothing any more, it goes.
 * Returns true if it went. It may be freed after the caller's next grace
 * period, unless the caller holds a reference.
 */
bool gre_ka_peer_drop(struct gre_ka_tunnel *ka, struct gre_ka_peer *p,
		      u8 origin)
{
	struct gre_ka_peers *ps;
	bool gone = false;

	spin_lock_bh(&ka->lock);
	ps = gre_ka_peers_locked(ka);
	p->origin &= ~origin;
	if (!p->origin && ps && ps->multipoint &&
	    test_bit(GRE_KA_PEER_F_LINKED, &p->flags)) {
		gre_ka_peer_unlink(ka, ps, p);
		gone = true;
	}
	spin_unlock_bh(&ka->lock);
	if (gone)
		gre_ka_peer_put(p);
	return gone;
}
EXPORT_SYMBOL_IF_KUNIT(gre_ka_peer_drop);

/* origin names no peer any more; those named by nothing else go. */
void gre_ka_peers_drop(struct gre_ka_tunnel *ka, u8 origin)
{
	struct gre_ka_peers *ps;
	struct gre_ka_peer *p;
	struct hlist_node *n;
	u32 i;

	ASSERT_RTNL();
	ps = rtnl_dereference(ka->peers);
	if (!ps || !ps->multipoint)
		return;
	for (i = 0; i < ps->nslots; i++) {
		spin_lock_bh(&ka->lock);
		hlist_for_each_entry_safe(p, n, &ps->slots[i], slot) {
			p->origin &= ~origin;
			if (p->origin)
				continue;
			gre_ka_peer_unlink(ka, ps, p);
			gre_ka_peer_put(p);
		}
		spin_unlock_bh(&ka->lock);
	}
}
EXPORT_SYMBOL_IF_KUNIT(gre_ka_peers_drop);

/*
 * Passive learning: the source a of a valid keepalive is no peer yet.
 * Made one (GFP_ATOMIC: the hook's softirq), at most GRE_KA_LEARN_RATE a
 * second and max_peers in all; else NULL, and *why says which.
 */
struct gre_ka_peer *gre_ka_peer_learn(struct gre_ka_tunnel *ka,
				      const union gre_ka_addr *a, u64 now_ns,
				      enum gre_ka_reason *why)
{
	struct gre_ka_peer *p;
	bool ok;
	int err;

	spin_lock_bh(&ka->lock);
	ok = gre_ka_bucket_take(&ka->learn_bucket, now_ns, GRE_KA_LEARN_RATE,
				GRE_KA_LEARN_BURST);
	spin_unlock_bh(&ka->lock);
	*why = GRE_KA_R_REQ_PEER_LIMIT;
	if (!ok)
		return NULL;
	p = gre_ka_peer_get(ka, a, GRE_KA_PEER_ORIGIN_PASSIVE, GFP_ATOMIC,
			    &err);
	if (!p && err == -ENOMEM)
		*why = GRE_KA_R_REQ_NOMEM;
	return p;
}
EXPORT_SYMBOL_IF_KUNIT(gre_ka_peer_learn);
