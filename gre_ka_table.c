// SPDX-License-Identifier: GPL-2.0
/*
 * The index of attached tunnels: by device, for the notifier and netlink,
 * and by a small id in attach order, so that a netlink dump of 10,000
 * tunnels resumes where it stopped in O(log n) rather than rescanning.
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

int gre_ka_table_add(struct gre_ka_tunnel *ka)
{
	int err;

	ASSERT_RTNL();
	err = xa_alloc(&gre_ka_by_id, &ka->id, ka, xa_limit_32b, GFP_KERNEL);
	if (err)
		return err;
	hash_add_rcu(gre_ka_by_dev, &ka->node, (unsigned long)ka->dev);
	return 0;
}

void gre_ka_table_del(struct gre_ka_tunnel *ka)
{
	ASSERT_RTNL();
	hash_del_rcu(&ka->node);
	xa_erase(&gre_ka_by_id, ka->id);
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
