// SPDX-License-Identifier: GPL-2.0
/*
 * gre_ka: Cisco-compatible GRE keepalives for Linux ip_gre and ip6gre
 * tunnels.
 *
 * This file owns the lifecycle: a netdevice notifier attaches per-tunnel
 * state to every ip_gre and ip6gre device, keeps its parameter snapshot
 * current, starts and stops the keepalive timer with the device, and
 * detaches on unregister and at module exit. All of that runs under RTNL; see
 * Documentation/gre_ka.rst for the locking rules.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hashtable.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/random.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <net/ip_tunnels.h>
#include <net/ipv6.h>

#include "gre_ka.h"
#include "gre_ka_compat.h"

#define CREATE_TRACE_POINTS
#include "gre_ka_trace.h"

static unsigned int period_ms = GRE_KA_PERIOD_MS_DEFAULT;
module_param(period_ms, uint, 0444);
MODULE_PARM_DESC(period_ms, "Default keepalive period in ms for new tunnels (10..32767000)");

static unsigned int retries = GRE_KA_RETRIES_DEFAULT;
module_param(retries, uint, 0444);
MODULE_PARM_DESC(retries, "Default unanswered keepalives before the line protocol goes down (1..255)");

static bool auto_enable;
module_param(auto_enable, bool, 0444);
MODULE_PARM_DESC(auto_enable, "Enable keepalive on every supported ip_gre or ip6gre tunnel as it appears");

/* Every attached tunnel, keyed by its net_device. RTNL protects it. */
static DEFINE_HASHTABLE(gre_ka_tunnels, 8);

/* Set under RTNL at module exit so that no late event attaches again. */
static bool gre_ka_exiting;

static void gre_ka_refresh_fn(struct work_struct *work);
static DECLARE_WORK(gre_ka_refresh_work, gre_ka_refresh_fn);

/* Point-to-point ip_gre and ip6gre devices; not gretap, erspan, ... */
static bool gre_ka_is_tunnel(const struct net_device *dev)
{
	return dev->rtnl_link_ops &&
	       (!strcmp(dev->rtnl_link_ops->kind, "gre") ||
		gre_ka_is_ip6gre(dev));
}

static struct gre_ka_tunnel *gre_ka_find(const struct net_device *dev)
{
	struct gre_ka_tunnel *ka;

	ASSERT_RTNL();
	hash_for_each_possible(gre_ka_tunnels, ka, node, (unsigned long)dev)
		if (ka->dev == dev)
			return ka;
	return NULL;
}

static void gre_ka_ip4_params_read(struct net_device *dev,
				   struct gre_ka_params *p)
{
	struct ip_tunnel *t = netdev_priv(dev);

	p->family = AF_INET;
	p->net = t->net;
	p->local = t->parms.iph.saddr;
	p->remote = t->parms.iph.daddr;
	p->link = t->parms.link;
	p->fwmark = t->fwmark;
	p->i_key_set = gre_ka_tnl_flag(t->parms.i_flags, KEY);
	p->i_key = p->i_key_set ? t->parms.i_key : 0;
	p->i_csum = gre_ka_tnl_flag(t->parms.i_flags, CSUM);

	if (t->collect_md)
		p->why = "collect_md (external) tunnels have no fixed peer";
	else if (!p->remote)
		p->why = "the tunnel has no remote address";
	else if (ipv4_is_multicast(p->remote))
		p->why = "the tunnel's remote address is multicast";
	else if (gre_ka_tnl_flag(t->parms.i_flags, SEQ))
		p->why = "input sequencing (iseq) would drop the replies";
}

static struct gre_ka_params *gre_ka_params_read(struct net_device *dev)
{
	struct gre_ka_params *p;

	ASSERT_RTNL();
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return NULL;

	if (gre_ka_is_ip6gre(dev))
		gre_ka_ip6_params_read(dev, p);
	else
		gre_ka_ip4_params_read(dev, p);
	p->unsupported = p->why ? -EOPNOTSUPP : 0;
	return p;
}

/* True when the fields the data path uses are the same. */
static bool gre_ka_params_same(const struct gre_ka_params *a,
			       const struct gre_ka_params *b)
{
	return a->net == b->net && a->family == b->family &&
	       a->local == b->local && a->remote == b->remote &&
	       ipv6_addr_equal(&a->local6, &b->local6) &&
	       ipv6_addr_equal(&a->remote6, &b->remote6) &&
	       a->i_key == b->i_key && a->o_key == b->o_key &&
	       a->link == b->link && a->fwmark == b->fwmark &&
	       a->flowlabel == b->flowlabel && a->tclass == b->tclass &&
	       a->hop_limit == b->hop_limit &&
	       a->i_key_set == b->i_key_set && a->i_csum == b->i_csum &&
	       a->o_key_set == b->o_key_set && a->o_csum == b->o_csum &&
	       a->o_seq == b->o_seq && a->unsupported == b->unsupported;
}

u64 gre_ka_window_ns(const struct gre_ka_tunnel *ka)
{
	return (u64)(ka->retries + 1) * ka->period_ms * NSEC_PER_MSEC;
}

const char *gre_ka_state(const struct gre_ka_tunnel *ka)
{
	lockdep_assert_held(&ka->lock);
	if (!ka->enabled)
		return "disabled";
	return ka->fsm.down ? "down" : "up";
}

/*
 * Apply a state-machine transition to the carrier. Only the timer takes
 * the carrier down and only a reply brings it up; both hold ka->lock, so
 * the carrier always matches fsm.down.
 */
void gre_ka_carrier_change(struct gre_ka_tunnel *ka, enum gre_ka_transition t,
			   u64 now_ns)
{
	lockdep_assert_held(&ka->lock);

	if (t != GRE_KA_STAY)
		trace_gre_ka_state_change(ka->dev, t == GRE_KA_GO_UP,
					  ka->fsm.counter,
					  gre_ka_fsm_up_needed(&ka->fsm,
							       ka->up_count));
	switch (t) {
	case GRE_KA_GO_DOWN:
		netif_carrier_off(ka->dev);
		ka->stats.down_transitions++;
		ka->last_change_ns = now_ns;
		netdev_info(ka->dev,
			    "keepalive: line protocol changed state to down (%u keepalives unanswered)\n",
			    ka->fsm.counter);
		break;
	case GRE_KA_GO_UP:
		netif_carrier_on(ka->dev);
		ka->stats.up_transitions++;
		ka->last_change_ns = now_ns;
		netdev_info(ka->dev,
			    "keepalive: line protocol changed state to up\n");
		break;
	case GRE_KA_STAY:
		break;
	}
}

/* Forget the line-protocol state; give the carrier back if we took it. */
static void gre_ka_reset(struct gre_ka_tunnel *ka, bool restore_carrier)
{
	bool was_down;

	spin_lock_bh(&ka->lock);
	was_down = ka->fsm.down;
	gre_ka_fsm_reset(&ka->fsm);
	ka->last_change_ns = ktime_get_ns();
	spin_unlock_bh(&ka->lock);

	if (was_down && restore_carrier)
		netif_carrier_on(ka->dev);
}

int gre_ka_enable(struct gre_ka_tunnel *ka)
{
	const struct gre_ka_params *p = rtnl_dereference(ka->params);

	ASSERT_RTNL();
	if (p->unsupported) {
		netdev_warn(ka->dev, "keepalive: cannot enable: %s\n", p->why);
		return p->unsupported;
	}
	if (ka->enabled)
		return 0;

	spin_lock_bh(&ka->lock);
	/* A new key makes every reply to an earlier session invalid. */
	get_random_bytes(&ka->key, sizeof(ka->key));
	ka->tx_seq = 0;
	ka->rx_seq = 0;
	gre_ka_fsm_reset(&ka->fsm);
	ka->last_change_ns = ktime_get_ns();
	WRITE_ONCE(ka->enabled, true);
	spin_unlock_bh(&ka->lock);

	if (netif_running(ka->dev))
		gre_ka_timer_start(ka);
	netdev_dbg(ka->dev, "keepalive enabled: period %u ms, retries %u\n",
		   ka->period_ms, ka->retries);
	return 0;
}

void gre_ka_disable(struct gre_ka_tunnel *ka)
{
	ASSERT_RTNL();
	if (!ka->enabled)
		return;

	gre_ka_timer_stop(ka);
	spin_lock_bh(&ka->lock);
	WRITE_ONCE(ka->enabled, false);
	spin_unlock_bh(&ka->lock);
	gre_ka_reset(ka, true);
	netdev_dbg(ka->dev, "keepalive disabled\n");
}

/*
 * A shorter period takes effect now rather than after the current, longer
 * wait; a longer one at the next keepalive.
 */
void gre_ka_set_period(struct gre_ka_tunnel *ka, u32 new_ms)
{
	ASSERT_RTNL();
	spin_lock_bh(&ka->lock);
	WRITE_ONCE(ka->period_ms, new_ms);
	spin_unlock_bh(&ka->lock);

	if (hrtimer_active(&ka->timer) &&
	    ktime_to_ms(hrtimer_get_remaining(&ka->timer)) > new_ms) {
		gre_ka_timer_stop(ka);
		gre_ka_timer_start(ka);
	}
}

static void gre_ka_dev_up(struct gre_ka_tunnel *ka)
{
	if (!ka->enabled)
		return;
	gre_ka_reset(ka, true);
	gre_ka_timer_start(ka);
}

static void gre_ka_dev_down(struct gre_ka_tunnel *ka)
{
	if (!ka->enabled)
		return;
	gre_ka_timer_stop(ka);
	gre_ka_reset(ka, true);
}

/* Tunnel parameters changed (or only the carrier: linkwatch says CHANGE). */
static void gre_ka_params_refresh(struct gre_ka_tunnel *ka)
{
	struct gre_ka_params *old = rtnl_dereference(ka->params);
	struct gre_ka_params *new = gre_ka_params_read(ka->dev);

	if (!new) {
		netdev_warn(ka->dev, "keepalive: out of memory, keeping the old tunnel parameters\n");
		return;
	}
	if (gre_ka_params_same(old, new)) {
		kfree(new);
		return;
	}
	rcu_assign_pointer(ka->params, new);
	kfree_rcu(old, rcu);
	netdev_dbg(ka->dev, "keepalive: tunnel parameters changed\n");

	if (ka->enabled && new->unsupported) {
		netdev_warn(ka->dev, "keepalive: disabled: %s\n", new->why);
		gre_ka_disable(ka);
	}
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
	int bkt;

	rtnl_lock();
	hash_for_each(gre_ka_tunnels, bkt, ka, node) {
		if (ka->refresh_pending) {
			ka->refresh_pending = false;
			gre_ka_params_refresh(ka);
		}
	}
	rtnl_unlock();
}

static int gre_ka_attach(struct net_device *dev)
{
	struct gre_ka_tunnel *ka;
	struct gre_ka_params *p;
	int err;

	ASSERT_RTNL();
	ka = kzalloc(sizeof(*ka), GFP_KERNEL);
	if (!ka)
		return -ENOMEM;
	/* From here on kobject_put() frees ka, see gre_ka_sysfs.c. */
	gre_ka_sysfs_init(ka);

	ka->dev = dev;
	spin_lock_init(&ka->lock);
	ka->period_ms = period_ms;
	ka->retries = retries;
	ka->up_count = GRE_KA_UP_COUNT_DEFAULT;
	ka->reflect = true;
	ka->auth = true;
	ka->rl_tokens = GRE_KA_REFLECT_BURST;
	ka->rl_stamp_ns = ktime_get_ns();
	ka->last_change_ns = ka->rl_stamp_ns;
	gre_ka_timer_init(ka);

	p = gre_ka_params_read(dev);
	if (!p) {
		err = -ENOMEM;
		goto put_kobj;
	}
	RCU_INIT_POINTER(ka->params, p);

	netdev_hold(dev, &ka->dev_tracker, GFP_KERNEL);
	err = gre_ka_sysfs_add(ka);
	if (err)
		goto put_dev;
	err = gre_ka_hook_register(ka);
	if (err)
		goto del_sysfs;

	hash_add(gre_ka_tunnels, &ka->node, (unsigned long)dev);
	if (auto_enable && !p->unsupported)
		gre_ka_enable(ka);
	return 0;

del_sysfs:
	gre_ka_sysfs_del(ka);
put_dev:
	netdev_put(dev, &ka->dev_tracker);
put_kobj:
	kobject_put(&ka->kobj);
	return err;
}

/*
 * Teardown order: no packet can reach us once the hook is gone (those in
 * flight finish within an RCU grace period, and ka is freed after one),
 * no keepalive once the timer is cancelled, then the carrier is ours to
 * give back, then the sysfs files go (waiting for readers to leave).
 */
static void gre_ka_detach(struct gre_ka_tunnel *ka, bool restore_carrier)
{
	struct net_device *dev = ka->dev;

	ASSERT_RTNL();
	hash_del(&ka->node);
	gre_ka_hook_unregister(ka);
	gre_ka_timer_stop(ka);
	gre_ka_reset(ka, restore_carrier);
	gre_ka_sysfs_del(ka);
	netdev_put(dev, &ka->dev_tracker);
	kobject_put(&ka->kobj);
}

static int gre_ka_netdev_event(struct notifier_block *nb, unsigned long event,
			       void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct gre_ka_tunnel *ka;
	int err;

	if (!gre_ka_is_tunnel(dev) || gre_ka_exiting)
		return NOTIFY_DONE;

	ka = gre_ka_find(dev);
	switch (event) {
	case NETDEV_REGISTER:
		if (ka) {
			/* Arrived in a new netns: settings survive the move. */
			err = gre_ka_hook_register(ka);
		} else {
			err = gre_ka_attach(dev);
		}
		if (err)
			netdev_warn(dev, "keepalive: cannot attach: %d\n", err);
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
		if (ka)
			gre_ka_dev_up(ka);
		break;
	case NETDEV_DOWN:
		if (ka)
			gre_ka_dev_down(ka);
		break;
	case NETDEV_CHANGE:
		if (!ka)
			break;
		gre_ka_params_refresh(ka);
		ka->refresh_pending = true;
		schedule_work(&gre_ka_refresh_work);
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

	/* Replays NETDEV_REGISTER and NETDEV_UP for existing devices. */
	return register_netdevice_notifier(&gre_ka_notifier);
}

static void __exit gre_ka_exit(void)
{
	struct gre_ka_tunnel *ka;
	struct hlist_node *tmp;
	int bkt;

	rtnl_lock();
	gre_ka_exiting = true;
	hash_for_each_safe(gre_ka_tunnels, bkt, tmp, ka, node)
		gre_ka_detach(ka, true);
	rtnl_unlock();

	unregister_netdevice_notifier(&gre_ka_notifier);
	/* Finds the table empty if it runs; must not outlive the module. */
	cancel_work_sync(&gre_ka_refresh_work);
}

module_init(gre_ka_init);
module_exit(gre_ka_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Cisco-compatible GRE keepalives for ip_gre and ip6gre tunnels");
