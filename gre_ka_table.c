// SPDX-License-Identifier: GPL-2.0
/*
 * The index of attached tunnels: by device, for the notifier and netlink,
 * and by an id in attach order, so that a netlink dump of 10,000 tunnels
 * resumes where it stopped in O(log n) rather than rescanning. Ids are
 * allocated cyclically: a freed id is not handed out again until the 32-bit
 * space wraps, so a tunnel attached during a dump lands after the cursor
 * and the order is the attach order. A generation count, bumped by every
 * attach and detach, lets a dump say it was interrupted (NLM_F_DUMP_INTR).
 * Written under RTNL (attach, detach), read under RTNL or RCU: entries are
 * freed after a grace period (see gre_ka_sysfs.c).
 */

#include <linux/hashtable.h>
#include <linux/rculist.h>
#include <linux/rtnetlink.h>
#include <linux/xarray.h>

#include "gre_ka.h"

static DEFINE_HASHTABLE(gre_ka_by_dev, 10);
static DEFINE_XARRAY_ALLOC1(gre_ka_by_id);
static u32 gre_ka_next_id;
/* Never 0: a dump's sequence 0 means "nothing to compare". */
static unsigned int gre_ka_gen = 1;

static void gre_ka_table_changed(void)
{
	WRITE_ONCE(gre_ka_gen, gre_ka_gen + 1 ?: 1);
}

int gre_ka_table_add(struct gre_ka_tunnel *ka)
{
	int err;

	ASSERT_RTNL();
	err = xa_alloc_cyclic(&gre_ka_by_id, &ka->id, ka, xa_limit_32b,
			      &gre_ka_next_id, GFP_KERNEL);
	if (err < 0)
		return err;
	hash_add_rcu(gre_ka_by_dev, &ka->node, (unsigned long)ka->dev);
	gre_ka_table_changed();
	return 0;
}

void gre_ka_table_del(struct gre_ka_tunnel *ka)
{
	ASSERT_RTNL();
	hash_del_rcu(&ka->node);
	xa_erase(&gre_ka_by_id, ka->id);
	gre_ka_table_changed();
}

/* Any context: changes with every attach and detach. */
unsigned int gre_ka_table_gen(void)
{
	return READ_ONCE(gre_ka_gen);
}

/* Under RTNL or rcu_read_lock(). */
struct gre_ka_tunnel *gre_ka_table_find(const struct net_device *dev)
{
	struct gre_ka_tunnel *ka;

	hash_for_each_possible_rcu(gre_ka_by_dev, ka, node, (unsigned long)dev,
				   lockdep_rtnl_is_held())
		if (ka->dev == dev)
			return ka;
	return NULL;
}

/* The first tunnel with an id of at least *id, or NULL; under RCU. */
struct gre_ka_tunnel *gre_ka_table_next(unsigned long *id)
{
	return xa_find(&gre_ka_by_id, id, ULONG_MAX, XA_PRESENT);
}

/* Under RTNL: the caller may detach the one it is given. */
struct gre_ka_tunnel *gre_ka_table_first(void)
{
	unsigned long id = 0;

	ASSERT_RTNL();
	return xa_find(&gre_ka_by_id, &id, ULONG_MAX, XA_PRESENT);
}
