// SPDX-License-Identifier: GPL-2.0
/*
 * gre_ka: Cisco-compatible GRE keepalives for Linux ip_gre and ip6gre
 * tunnels.
 *
 * This file owns the lifecycle: a netdevice notifier attaches per-tunnel
 * state to every ip_gre and ip6gre device, has gre_ka_ctl.c keep its
 * parameter snapshot current and follow the device up and down, and
 * detaches on unregister and at module exit. All of that runs under RTNL;
 * Documentation/maintainers.rst has the map, gre_ka.rst the locking rules.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "gre_ka.h"
#include "gre_ka_version.h"

static unsigned int period_ms = GRE_KA_PERIOD_MS_DEFAULT;
module_param(period_ms, uint, 0444);
MODULE_PARM_DESC(period_ms, "Default keepalive period in ms for new tunnels (10..32767000)");

static unsigned int retries = GRE_KA_RETRIES_DEFAULT;
module_param(retries, uint, 0444);
MODULE_PARM_DESC(retries, "Default unanswered keepalives before the line protocol goes down (1..255)");

static bool auto_enable;
module_param(auto_enable, bool, 0444);
MODULE_PARM_DESC(auto_enable, "Enable keepalive on every supported ip_gre or ip6gre tunnel as it appears");

/*
 * A hub with thousands of tunnels may do without the per-tunnel sysfs
 * directories (about 2/3 of what a tunnel costs) and use netlink only.
 */
static bool sysfs = true;
module_param(sysfs, bool, 0444);
MODULE_PARM_DESC(sysfs, "Create /sys/class/net/<tunnel>/keepalive/ (0: netlink only, less memory)");

/*
 * A tunnel we could not attach to (no memory) exists without keepalive:
 * logged, counted here, and tried again at its next NETDEV_UP or
 * NETDEV_CHANGE (ip link set up, any change of its parameters); a GET
 * for it says so (gre_ka_netlink.c). The same holds for the ingress hook
 * of a tunnel that moved to another netns.
 */
static atomic_t gre_ka_attach_failures = ATOMIC_INIT(0);

static int gre_ka_attach_failures_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&gre_ka_attach_failures));
}

static const struct kernel_param_ops gre_ka_attach_failures_ops = {
	.get = gre_ka_attach_failures_get,
};

module_param_cb(attach_failures, &gre_ka_attach_failures_ops, NULL, 0444);
MODULE_PARM_DESC(attach_failures, "Tunnels keepalive could not attach to (read-only; retried at the next up or change)");

/* Set under RTNL at module exit so that no late event attaches again. */
static bool gre_ka_exiting;

static void gre_ka_refresh_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(gre_ka_refresh_work, gre_ka_refresh_fn);

static const struct gre_ka_af_ops *gre_ka_tunnel_ops(const struct net_device *dev)
{
	if (gre_ka_ip4_ops.is_tunnel(dev))
		return &gre_ka_ip4_ops;
	if (gre_ka_ip6_ops.is_tunnel(dev))
		return &gre_ka_ip6_ops;
	return NULL;
}

/*
 * ip_gre's SIOCCHGTUNNEL and changelink raise NETDEV_CHANGE from
 * ip_tunnel_update() but copy the new key/csum/seq flags only afterwards,
 * still under RTNL. The netlink path raises a second NETDEV_CHANGE once
 * they are in place; the ioctl path does not. So every NETDEV_CHANGE also
 * queues a second look, which takes RTNL and therefore runs after the
 * change that queued it is complete. It walks the table rather than owning
 * a work item per tunnel, so detach never has to cancel work that may be
 * waiting for the RTNL that detach holds.
 */
static void gre_ka_refresh_fn(struct work_struct *work)
{
	struct gre_ka_tunnel *ka;
	unsigned long id = 0;
	bool again = false;

	rtnl_lock();
	for (; (ka = gre_ka_table_next(&id)); id++) {
		if (!ka->refresh_pending)
			continue;
		/* Out of memory: the stale snapshot is read again later. */
		ka->refresh_pending = gre_ka_ctl_params_changed(ka) < 0;
		again |= ka->refresh_pending;
	}
	rtnl_unlock();
	if (again)
		schedule_delayed_work(&gre_ka_refresh_work, HZ);
}

static int gre_ka_attach(struct net_device *dev,
			 const struct gre_ka_af_ops *ops)
{
	struct gre_ka_tunnel *ka;
	int err;

	ASSERT_RTNL();
	ka = kzalloc(sizeof(*ka), GFP_KERNEL);
	if (!ka)
		return -ENOMEM;
	/* From here on kobject_put() frees ka, see gre_ka_sysfs.c. */
	gre_ka_sysfs_init(ka);

	ka->dev = dev;
	ka->ops = ops;
	spin_lock_init(&ka->lock);
	gre_ka_ctl_defaults(ka, period_ms, retries);
	gre_ka_timer_init(ka);
	gre_ka_neigh_attach(ka);
	/* The parameters, and the peers they make. */
	err = gre_ka_ctl_params_init(ka);
	if (err)
		goto put_kobj;

	netdev_hold(dev, &ka->dev_tracker, GFP_KERNEL);
	if (sysfs) {
		err = gre_ka_sysfs_add(ka);
		if (err)
			goto put_dev;
	}
	err = gre_ka_table_add(ka);
	if (err)
		goto del_sysfs;
	err = gre_ka_hook_register(ka);
	if (err)
		goto del_table;

	if (auto_enable && !rtnl_dereference(ka->params)->why)
		gre_ka_ctl_set(ka, GRE_KA_OPT_ENABLED, 1);
	/*
	 * The device's "add" uevent went out before NETDEV_REGISTER reached
	 * us, so udev may look before keepalive/ exists; and tunnels that
	 * predate the module had theirs long ago. A "change" event tells
	 * udev rules that the directory is there now.
	 */
	kobject_uevent(&dev->dev.kobj, KOBJ_CHANGE);
	return 0;

del_table:
	gre_ka_table_del(ka);
del_sysfs:
	gre_ka_sysfs_del(ka);
put_dev:
	netdev_put(dev, &ka->dev_tracker);
	gre_ka_peers_destroy(ka);
put_kobj:
	kobject_put(&ka->kobj);
	return err;
}

/*
 * Teardown order: out of the table (the deferred work and the neighbour
 * notifier no longer find it); the hook unregistered (invocations in
 * flight may still run: see gre_ka_line.c); everything stopped, the
 * carrier or the neighbour entries given back and the peers freed
 * (gre_ka_ctl_detach()); the sysfs files removed (waiting for readers and
 * writers to leave); the device reference dropped; then the kobject's,
 * whose release frees the state after an RCU grace period.
 */
static void gre_ka_detach(struct gre_ka_tunnel *ka, bool restore_carrier)
{
	struct net_device *dev = ka->dev;

	ASSERT_RTNL();
	gre_ka_table_del(ka);
	gre_ka_hook_unregister(ka);
	gre_ka_ctl_detach(ka, restore_carrier);
	gre_ka_sysfs_del(ka);
	netdev_put(dev, &ka->dev_tracker);
	kobject_put(&ka->kobj);
}

static void gre_ka_attach_failed(struct net_device *dev, const char *what,
				 int err)
{
	atomic_inc(&gre_ka_attach_failures);
	netdev_warn(dev, "keepalive: cannot %s (%d): retried when the tunnel goes up or changes\n",
		    what, err);
}

static struct gre_ka_tunnel *gre_ka_try_attach(struct net_device *dev,
					       const struct gre_ka_af_ops *ops)
{
	int err = gre_ka_attach(dev, ops);

	if (err) {
		gre_ka_attach_failed(dev, "attach", err);
		return NULL;
	}
	return gre_ka_table_find(dev);
}

static void gre_ka_try_hook(struct gre_ka_tunnel *ka)
{
	int err = gre_ka_hook_register(ka);

	if (err)
		gre_ka_attach_failed(ka->dev, "hook into the new netns", err);
}

/* A tunnel left without keepalive, or without its hook: try again. */
static struct gre_ka_tunnel *gre_ka_retry(struct net_device *dev,
					  const struct gre_ka_af_ops *ops,
					  struct gre_ka_tunnel *ka)
{
	if (!ka)
		return gre_ka_try_attach(dev, ops);
	if (!ka->hook_registered)
		gre_ka_try_hook(ka);
	return ka;
}

static int gre_ka_netdev_event(struct notifier_block *nb, unsigned long event,
			       void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	const struct gre_ka_af_ops *ops = gre_ka_tunnel_ops(dev);
	struct gre_ka_tunnel *ka;

	if (!ops || gre_ka_exiting)
		return NOTIFY_DONE;

	ka = gre_ka_table_find(dev);
	switch (event) {
	case NETDEV_REGISTER:
		if (ka) {
			/* Arrived in a new netns: settings survive the move. */
			gre_ka_sysfs_moved(ka);
			gre_ka_try_hook(ka);
		} else {
			gre_ka_try_attach(dev, ops);
		}
		break;
	case NETDEV_UNREGISTER:
		if (!ka)
			break;
		/*
		 * A device changing netns is "unregistered" from the old one
		 * while still NETREG_REGISTERED: only the hook, which belongs
		 * to the old netns, has to go.
		 */
		if (dev->reg_state == NETREG_REGISTERED)
			gre_ka_hook_unregister(ka);
		else
			gre_ka_detach(ka, false);
		break;
	case NETDEV_UP:
		ka = gre_ka_retry(dev, ops, ka);
		if (ka)
			gre_ka_ctl_dev_up(ka);
		break;
	case NETDEV_DOWN:
		if (ka)
			gre_ka_ctl_dev_down(ka);
		break;
	case NETDEV_CHANGE:
		ka = gre_ka_retry(dev, ops, ka);
		if (!ka)
			break;
		gre_ka_ctl_params_changed(ka);
		ka->refresh_pending = true;
		mod_delayed_work(system_wq, &gre_ka_refresh_work, 0);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block gre_ka_notifier = {
	.notifier_call = gre_ka_netdev_event,
};

static int __init gre_ka_check_param(const char *name, unsigned int val,
				     unsigned int min, unsigned int max)
{
	if (val >= min && val <= max)
		return 0;
	pr_err("%s=%u out of range %u..%u\n", name, val, min, max);
	return -ERANGE;
}

static int __init gre_ka_init(void)
{
	int err;

	err = gre_ka_check_param("period_ms", period_ms, GRE_KA_PERIOD_MS_MIN,
				 GRE_KA_PERIOD_MS_MAX);
	if (!err)
		err = gre_ka_check_param("retries", retries, GRE_KA_RETRIES_MIN,
					 GRE_KA_RETRIES_MAX);
	if (err)
		return err;

	err = gre_ka_peer_cache_init();
	if (err)
		return err;
	err = gre_ka_netlink_init();
	if (err)
		goto destroy_cache;
	err = gre_ka_neigh_init();
	if (err)
		goto unregister_netlink;
	/* Replays NETDEV_REGISTER and NETDEV_UP for existing devices. */
	err = register_netdevice_notifier(&gre_ka_notifier);
	if (err)
		goto unregister_netevent;
	return 0;

unregister_netevent:
	gre_ka_neigh_exit();
unregister_netlink:
	gre_ka_netlink_exit();
destroy_cache:
	gre_ka_peer_cache_exit();
	return err;
}

static void __exit gre_ka_exit(void)
{
	struct gre_ka_tunnel *ka;

	rtnl_lock();
	gre_ka_exiting = true;
	while ((ka = gre_ka_table_first()))
		gre_ka_detach(ka, true);
	rtnl_unlock();

	unregister_netdevice_notifier(&gre_ka_notifier);
	gre_ka_neigh_exit();
	gre_ka_netlink_exit();
	/* Finds the table empty if it runs; must not outlive the module. */
	cancel_delayed_work_sync(&gre_ka_refresh_work);
	/* The peers' and the states' RCU callbacks, before their cache. */
	rcu_barrier();
	gre_ka_peer_cache_exit();
}

module_init(gre_ka_init);
module_exit(gre_ka_exit);

MODULE_LICENSE("GPL");
MODULE_VERSION(GRE_KA_VERSION);
MODULE_DESCRIPTION("Cisco-compatible GRE keepalives for ip_gre and ip6gre tunnels");
