// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/class/net/<tunnel>/keepalive/: the per-tunnel ABI, described in
 * Documentation/ABI/testing/sysfs-class-net-keepalive.
 *
 * The keepalive kobject owns the tunnel state: its release frees it, after
 * an RCU grace period because the ingress hook may still be reading it.
 * Stores take RTNL with rtnl_trylock() and restart the syscall when it is
 * busy: detach removes these files under RTNL and waits for active
 * readers and writers to leave, so a writer blocking on RTNL would deadlock
 * (the same reasoning as net/core/net-sysfs.c).
 */

#include <linux/kobject.h>
#include <linux/kernel.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "gre_ka.h"

static struct gre_ka_tunnel *to_ka(struct kobject *kobj)
{
	return container_of(kobj, struct gre_ka_tunnel, kobj);
}

/* Parse and range-check a write; nothing changes when this fails. */
static int gre_ka_parse(struct gre_ka_tunnel *ka, const char *name,
			const char *buf, u32 min, u32 max, u32 *val)
{
	if (kstrtou32(buf, 10, val)) {
		netdev_warn(ka->dev, "keepalive: %s: expected a number in %u..%u\n",
			    name, min, max);
		return -EINVAL;
	}
	if (*val < min || *val > max) {
		netdev_warn(ka->dev, "keepalive: %s: %u is out of range %u..%u\n",
			    name, *val, min, max);
		return -ERANGE;
	}
	return 0;
}

static int gre_ka_apply_enabled(struct gre_ka_tunnel *ka, u32 val)
{
	if (val)
		return gre_ka_enable(ka);
	gre_ka_disable(ka);
	return 0;
}

static int gre_ka_apply_period(struct gre_ka_tunnel *ka, u32 val)
{
	gre_ka_set_period(ka, val);
	return 0;
}

static int gre_ka_apply_retries(struct gre_ka_tunnel *ka, u32 val)
{
	spin_lock_bh(&ka->lock);
	WRITE_ONCE(ka->retries, val);
	spin_unlock_bh(&ka->lock);
	return 0;
}

static int gre_ka_apply_up_count(struct gre_ka_tunnel *ka, u32 val)
{
	spin_lock_bh(&ka->lock);
	WRITE_ONCE(ka->up_count, val);
	spin_unlock_bh(&ka->lock);
	return 0;
}

static int gre_ka_apply_reflect(struct gre_ka_tunnel *ka, u32 val)
{
	WRITE_ONCE(ka->reflect, val);
	return 0;
}

static int gre_ka_apply_auth(struct gre_ka_tunnel *ka, u32 val)
{
	spin_lock_bh(&ka->lock);
	WRITE_ONCE(ka->auth, val);
	spin_unlock_bh(&ka->lock);
	return 0;
}

/* A writable setting: its bounds and how to apply a value. */
struct gre_ka_conf_attr {
	struct kobj_attribute attr;
	u32 min;
	u32 max;
	int (*apply)(struct gre_ka_tunnel *ka, u32 val);
	u32 (*get)(const struct gre_ka_tunnel *ka);
};

static ssize_t gre_ka_conf_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	const struct gre_ka_conf_attr *ca =
		container_of(attr, struct gre_ka_conf_attr, attr);

	return sysfs_emit(buf, "%u\n", ca->get(to_ka(kobj)));
}

static ssize_t gre_ka_conf_store(struct kobject *kobj,
				 struct kobj_attribute *attr,
				 const char *buf, size_t count)
{
	const struct gre_ka_conf_attr *ca =
		container_of(attr, struct gre_ka_conf_attr, attr);
	struct gre_ka_tunnel *ka = to_ka(kobj);
	u32 val;
	int err;

	err = gre_ka_parse(ka, attr->attr.name, buf, ca->min, ca->max, &val);
	if (err)
		return err;
	if (!rtnl_trylock())
		return restart_syscall();
	err = ca->apply(ka, val);
	rtnl_unlock();
	return err ? err : count;
}

static u32 gre_ka_get_enabled(const struct gre_ka_tunnel *ka)
{
	return READ_ONCE(ka->enabled);
}

static u32 gre_ka_get_period(const struct gre_ka_tunnel *ka)
{
	return READ_ONCE(ka->period_ms);
}

static u32 gre_ka_get_retries(const struct gre_ka_tunnel *ka)
{
	return READ_ONCE(ka->retries);
}

static u32 gre_ka_get_up_count(const struct gre_ka_tunnel *ka)
{
	return READ_ONCE(ka->up_count);
}

static u32 gre_ka_get_reflect(const struct gre_ka_tunnel *ka)
{
	return READ_ONCE(ka->reflect);
}

static u32 gre_ka_get_auth(const struct gre_ka_tunnel *ka)
{
	return READ_ONCE(ka->auth);
}

#define GRE_KA_CONF(_name, _field, _min, _max)				\
static struct gre_ka_conf_attr gre_ka_conf_##_name = {			\
	.attr = __ATTR(_name, 0644, gre_ka_conf_show, gre_ka_conf_store),\
	.min = _min,							\
	.max = _max,							\
	.apply = gre_ka_apply_##_field,					\
	.get = gre_ka_get_##_field,					\
}

GRE_KA_CONF(enabled, enabled, 0, 1);
GRE_KA_CONF(period_ms, period, GRE_KA_PERIOD_MS_MIN, GRE_KA_PERIOD_MS_MAX);
GRE_KA_CONF(retries, retries, GRE_KA_RETRIES_MIN, GRE_KA_RETRIES_MAX);
GRE_KA_CONF(up_count, up_count, GRE_KA_UP_COUNT_MIN, GRE_KA_UP_COUNT_MAX);
GRE_KA_CONF(reflect, reflect, 0, 1);
GRE_KA_CONF(auth, auth, 0, 1);

static ssize_t state_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	struct gre_ka_tunnel *ka = to_ka(kobj);
	const char *state;

	spin_lock_bh(&ka->lock);
	state = gre_ka_state(ka);
	spin_unlock_bh(&ka->lock);
	return sysfs_emit(buf, "%s\n", state);
}

static struct kobj_attribute gre_ka_attr_state = __ATTR_RO(state);

/* A read-only number taken under ka->lock, optionally scaled down. */
struct gre_ka_num_attr {
	struct kobj_attribute attr;
	u64 (*get)(const struct gre_ka_tunnel *ka);
	u32 div;
};

static ssize_t gre_ka_num_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	const struct gre_ka_num_attr *na =
		container_of(attr, struct gre_ka_num_attr, attr);
	struct gre_ka_tunnel *ka = to_ka(kobj);
	u64 val;

	spin_lock_bh(&ka->lock);
	val = na->get(ka);
	spin_unlock_bh(&ka->lock);
	return sysfs_emit(buf, "%llu\n", div_u64(val, na->div));
}

#define GRE_KA_NUM(_name, _expr, _div)					\
static u64 gre_ka_get_##_name(const struct gre_ka_tunnel *ka)		\
{									\
	return _expr;							\
}									\
static struct gre_ka_num_attr gre_ka_num_##_name = {			\
	.attr = __ATTR(_name, 0444, gre_ka_num_show, NULL),		\
	.get = gre_ka_get_##_name,					\
	.div = _div,							\
}

GRE_KA_NUM(counter, ka->fsm.counter, 1);
GRE_KA_NUM(up_needed, gre_ka_fsm_up_needed(&ka->fsm, ka->up_count), 1);
GRE_KA_NUM(last_change_ms, ktime_get_ns() - ka->last_change_ns,
	   NSEC_PER_MSEC);
GRE_KA_NUM(tx, ka->stats.tx, 1);
GRE_KA_NUM(rx, ka->stats.rx, 1);
GRE_KA_NUM(rx_invalid, ka->stats.rx_invalid, 1);
GRE_KA_NUM(reflected, ka->stats.reflected, 1);
GRE_KA_NUM(reflect_dropped, ka->stats.reflect_dropped, 1);
GRE_KA_NUM(down_transitions, ka->stats.down_transitions, 1);
GRE_KA_NUM(up_transitions, ka->stats.up_transitions, 1);
GRE_KA_NUM(rtt_last_us, ka->rtt.last, NSEC_PER_USEC);
GRE_KA_NUM(rtt_min_us, ka->rtt.min, NSEC_PER_USEC);
GRE_KA_NUM(rtt_avg_us, ka->rtt.avg, NSEC_PER_USEC);
GRE_KA_NUM(rtt_max_us, ka->rtt.max, NSEC_PER_USEC);

static struct attribute *gre_ka_attrs[] = {
	&gre_ka_conf_enabled.attr.attr,
	&gre_ka_conf_period_ms.attr.attr,
	&gre_ka_conf_retries.attr.attr,
	&gre_ka_conf_up_count.attr.attr,
	&gre_ka_conf_reflect.attr.attr,
	&gre_ka_conf_auth.attr.attr,
	&gre_ka_attr_state.attr,
	&gre_ka_num_counter.attr.attr,
	&gre_ka_num_up_needed.attr.attr,
	&gre_ka_num_last_change_ms.attr.attr,
	NULL,
};

static const struct attribute_group gre_ka_group = {
	.attrs = gre_ka_attrs,
};

static struct attribute *gre_ka_stat_attrs[] = {
	&gre_ka_num_tx.attr.attr,
	&gre_ka_num_rx.attr.attr,
	&gre_ka_num_rx_invalid.attr.attr,
	&gre_ka_num_reflected.attr.attr,
	&gre_ka_num_reflect_dropped.attr.attr,
	&gre_ka_num_down_transitions.attr.attr,
	&gre_ka_num_up_transitions.attr.attr,
	&gre_ka_num_rtt_last_us.attr.attr,
	&gre_ka_num_rtt_min_us.attr.attr,
	&gre_ka_num_rtt_avg_us.attr.attr,
	&gre_ka_num_rtt_max_us.attr.attr,
	NULL,
};

static const struct attribute_group gre_ka_stat_group = {
	.name = "statistics",
	.attrs = gre_ka_stat_attrs,
};

static const struct attribute_group *gre_ka_groups[] = {
	&gre_ka_group,
	&gre_ka_stat_group,
	NULL,
};

static void gre_ka_release(struct kobject *kobj)
{
	struct gre_ka_tunnel *ka = to_ka(kobj);
	struct gre_ka_params *p = rcu_dereference_protected(ka->params, true);

	if (p)
		kfree_rcu(p, rcu);
	kfree_rcu(ka, rcu);
}

static const struct kobj_type gre_ka_ktype = {
	.release = gre_ka_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = gre_ka_groups,
};

void gre_ka_sysfs_init(struct gre_ka_tunnel *ka)
{
	kobject_init(&ka->kobj, &gre_ka_ktype);
}

int gre_ka_sysfs_add(struct gre_ka_tunnel *ka)
{
	ASSERT_RTNL();
	return kobject_add(&ka->kobj, &ka->dev->dev.kobj, "keepalive");
}

void gre_ka_sysfs_del(struct gre_ka_tunnel *ka)
{
	ASSERT_RTNL();
	kobject_del(&ka->kobj);
}
