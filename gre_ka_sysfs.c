// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/class/net/<tunnel>/keepalive/: the per-tunnel ABI, described in
 * Documentation/ABI/testing/sysfs-class-net-keepalive. A thin layer: a
 * store parses one number and hands it to gre_ka_ctl.c, which owns what
 * it means; a show prints a value of one consistent snapshot.
 *
 * The keepalive kobject owns the tunnel state: its release frees it, after
 * an RCU grace period because the ingress hook may still be reading it.
 * It exists even when the module is loaded with sysfs=0, without being
 * added to sysfs. Stores take RTNL with rtnl_trylock() and restart the
 * syscall when it is busy: detach removes these files under RTNL and waits
 * for active readers and writers to leave, so a writer blocking on RTNL
 * would deadlock (the same reasoning as net/core/net-sysfs.c).
 *
 * The files belong to the root of the device's network namespace, as the
 * device's own files do, so that in a namespace owned by a user namespace
 * its root can configure keepalive (and must hold CAP_NET_ADMIN there).
 */

#include <linux/capability.h>
#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <net/net_namespace.h>

#include "gre_ka.h"
#include "gre_ka_compat.h"

static struct gre_ka_tunnel *to_ka(struct kobject *kobj)
{
	return container_of(kobj, struct gre_ka_tunnel, kobj);
}

/* A writable option: one of enum gre_ka_opt. */
struct gre_ka_opt_attr {
	struct kobj_attribute attr;
	enum gre_ka_opt opt;
};

static ssize_t gre_ka_opt_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	const struct gre_ka_opt_attr *oa =
		container_of(attr, struct gre_ka_opt_attr, attr);

	return sysfs_emit(buf, "%u\n", gre_ka_ctl_get(to_ka(kobj), oa->opt));
}

static ssize_t gre_ka_opt_store(struct kobject *kobj,
				struct kobj_attribute *attr,
				const char *buf, size_t count)
{
	const struct gre_ka_opt_attr *oa =
		container_of(attr, struct gre_ka_opt_attr, attr);
	struct gre_ka_tunnel *ka = to_ka(kobj);
	u32 val;
	int err;

	if (!ns_capable(dev_net(ka->dev)->user_ns, CAP_NET_ADMIN))
		return -EPERM;
	if (kstrtou32(buf, 10, &val)) {
		netdev_warn(ka->dev, "keepalive: %s: expected a number\n",
			    attr->attr.name);
		return -EINVAL;
	}
	if (!rtnl_trylock())
		return restart_syscall();
	err = gre_ka_ctl_set(ka, oa->opt, val);
	rtnl_unlock();
	return err ? err : count;
}

#define GRE_KA_OPT_ATTR(_name, _opt)					\
static struct gre_ka_opt_attr gre_ka_opt_##_name = {			\
	.attr = __ATTR(_name, 0644, gre_ka_opt_show, gre_ka_opt_store),	\
	.opt = _opt,							\
}

GRE_KA_OPT_ATTR(enabled, GRE_KA_OPT_ENABLED);
GRE_KA_OPT_ATTR(period_ms, GRE_KA_OPT_PERIOD_MS);
GRE_KA_OPT_ATTR(retries, GRE_KA_OPT_RETRIES);
GRE_KA_OPT_ATTR(up_count, GRE_KA_OPT_UP_COUNT);
GRE_KA_OPT_ATTR(reflect, GRE_KA_OPT_REFLECT);
GRE_KA_OPT_ATTR(auth, GRE_KA_OPT_AUTH);
GRE_KA_OPT_ATTR(passive, GRE_KA_OPT_PASSIVE);

static ssize_t state_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	struct gre_ka_info info;

	gre_ka_line_info(to_ka(kobj), &info);
	return sysfs_emit(buf, "%s\n", info.state);
}

static struct kobj_attribute gre_ka_attr_state = __ATTR_RO(state);

/* A read-only number of the snapshot: a u32 or u64 at offset, divided. */
struct gre_ka_num_attr {
	struct kobj_attribute attr;
	unsigned int offset;
	bool wide;
	u32 div;
};

static ssize_t gre_ka_num_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	const struct gre_ka_num_attr *na =
		container_of(attr, struct gre_ka_num_attr, attr);
	struct gre_ka_info info;
	const void *p = (const u8 *)&info + na->offset;
	u64 val;

	gre_ka_line_info(to_ka(kobj), &info);
	val = na->wide ? *(const u64 *)p : *(const u32 *)p;
	return sysfs_emit(buf, "%llu\n", div_u64(val, na->div));
}

#define GRE_KA_NUM(_var, _file, _wide, _field, _div)			\
static struct gre_ka_num_attr gre_ka_num_##_var = {			\
	.attr = {							\
		.attr = { .name = _file, .mode = 0444 },		\
		.show = gre_ka_num_show,				\
	},								\
	.offset = offsetof(struct gre_ka_info, _field),			\
	.wide = _wide,							\
	.div = _div,							\
}

#define GRE_KA_U32(_var, _file, _field)	GRE_KA_NUM(_var, _file, false, _field, 1)
#define GRE_KA_U64(_var, _file, _field)	GRE_KA_NUM(_var, _file, true, _field, 1)
#define GRE_KA_RTT(_var, _file, _field)					\
	GRE_KA_NUM(_var, _file, true, _field, NSEC_PER_USEC)

GRE_KA_U32(counter, "counter", counter);
GRE_KA_U32(up_needed, "up_needed", up_needed);
GRE_KA_U64(last_change_ms, "last_change_ms", last_change_ms);
GRE_KA_U32(peer_period_ms, "peer_period_ms", peer_period_ms);
GRE_KA_U32(peers, "peers", npeers);
GRE_KA_U32(peers_down, "peers_down", npeers_down);
GRE_KA_U64(tx, "tx", stats.tx);
GRE_KA_U64(rx, "rx", stats.rx);
GRE_KA_U64(rx_invalid, "rx_invalid", stats.rx_invalid);
GRE_KA_U64(reflected, "reflected", stats.reflected);
GRE_KA_U64(reflect_dropped, "reflect_dropped", stats.reflect_dropped);
GRE_KA_U64(down_transitions, "down_transitions", stats.down_transitions);
GRE_KA_U64(up_transitions, "up_transitions", stats.up_transitions);
GRE_KA_U64(rx_requests, "rx_requests", stats.rx_requests);
GRE_KA_U64(tx_errors, "tx_errors", stats.tx_errors);
GRE_KA_RTT(rtt_last_us, "rtt_last_us", rtt.last);
GRE_KA_RTT(rtt_min_us, "rtt_min_us", rtt.min);
GRE_KA_RTT(rtt_avg_us, "rtt_avg_us", rtt.avg);
GRE_KA_RTT(rtt_max_us, "rtt_max_us", rtt.max);

/* File names are gre_ka_reason_name()'s; KUnit checks the prefixes. */
GRE_KA_U64(r_reply_short, "reply_short", stats.refused[GRE_KA_R_REPLY_SHORT]);
GRE_KA_U64(r_reply_foreign, "reply_foreign",
	   stats.refused[GRE_KA_R_REPLY_FOREIGN]);
GRE_KA_U64(r_reply_bad_mac, "reply_bad_mac",
	   stats.refused[GRE_KA_R_REPLY_BAD_MAC]);
GRE_KA_U64(r_reply_stale, "reply_stale", stats.refused[GRE_KA_R_REPLY_STALE]);
GRE_KA_U64(r_reply_future, "reply_future",
	   stats.refused[GRE_KA_R_REPLY_FUTURE]);
GRE_KA_U64(r_reply_replay, "reply_replay",
	   stats.refused[GRE_KA_R_REPLY_REPLAY]);
GRE_KA_U64(r_request_malformed, "request_malformed",
	   stats.refused[GRE_KA_R_REQ_MALFORMED]);
GRE_KA_U64(r_request_fragment, "request_fragment",
	   stats.refused[GRE_KA_R_REQ_FRAGMENT]);
GRE_KA_U64(r_request_options, "request_options",
	   stats.refused[GRE_KA_R_REQ_OPTIONS]);
GRE_KA_U64(r_request_bad_gre, "request_bad_gre",
	   stats.refused[GRE_KA_R_REQ_BAD_GRE]);
GRE_KA_U64(r_request_address, "request_address",
	   stats.refused[GRE_KA_R_REQ_ADDRESS]);
GRE_KA_U64(r_request_too_big, "request_too_big",
	   stats.refused[GRE_KA_R_REQ_TOO_BIG]);
GRE_KA_U64(r_request_ttl, "request_ttl", stats.refused[GRE_KA_R_REQ_TTL]);
GRE_KA_U64(r_request_rate_limit, "request_rate_limit",
	   stats.refused[GRE_KA_R_REQ_RATE]);
GRE_KA_U64(r_request_no_route, "request_no_route",
	   stats.refused[GRE_KA_R_REQ_NO_ROUTE]);
GRE_KA_U64(r_request_loop, "request_loop", stats.refused[GRE_KA_R_REQ_LOOP]);
GRE_KA_U64(r_request_nomem, "request_nomem", stats.refused[GRE_KA_R_REQ_NOMEM]);
GRE_KA_U64(r_request_replay, "request_replay",
	   stats.refused[GRE_KA_R_REQ_REPLAY]);
GRE_KA_U64(r_request_huawei_probe, "request_huawei_probe",
	   stats.refused[GRE_KA_R_REQ_HUAWEI]);
GRE_KA_U64(r_request_reflect_off, "request_reflect_off",
	   stats.refused[GRE_KA_R_REQ_OFF]);
GRE_KA_U64(r_reply_not_peer, "reply_not_peer",
	   stats.refused[GRE_KA_R_REPLY_NOT_PEER]);
GRE_KA_U64(r_request_not_peer, "request_not_peer",
	   stats.refused[GRE_KA_R_REQ_NOT_PEER]);
GRE_KA_U64(r_request_peer_limit, "request_peer_limit",
	   stats.refused[GRE_KA_R_REQ_PEER_LIMIT]);

static struct attribute *gre_ka_attrs[] = {
	&gre_ka_opt_enabled.attr.attr,
	&gre_ka_opt_period_ms.attr.attr,
	&gre_ka_opt_retries.attr.attr,
	&gre_ka_opt_up_count.attr.attr,
	&gre_ka_opt_reflect.attr.attr,
	&gre_ka_opt_auth.attr.attr,
	&gre_ka_opt_passive.attr.attr,
	&gre_ka_attr_state.attr,
	&gre_ka_num_counter.attr.attr,
	&gre_ka_num_up_needed.attr.attr,
	&gre_ka_num_last_change_ms.attr.attr,
	&gre_ka_num_peer_period_ms.attr.attr,
	&gre_ka_num_peers.attr.attr,
	&gre_ka_num_peers_down.attr.attr,
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
	&gre_ka_num_rx_requests.attr.attr,
	&gre_ka_num_tx_errors.attr.attr,
	NULL,
};

static const struct attribute_group gre_ka_stat_group = {
	.name = "statistics",
	.attrs = gre_ka_stat_attrs,
};

static struct attribute *gre_ka_refused_attrs[] = {
	&gre_ka_num_r_reply_short.attr.attr,
	&gre_ka_num_r_reply_foreign.attr.attr,
	&gre_ka_num_r_reply_bad_mac.attr.attr,
	&gre_ka_num_r_reply_stale.attr.attr,
	&gre_ka_num_r_reply_future.attr.attr,
	&gre_ka_num_r_reply_replay.attr.attr,
	&gre_ka_num_r_request_malformed.attr.attr,
	&gre_ka_num_r_request_fragment.attr.attr,
	&gre_ka_num_r_request_options.attr.attr,
	&gre_ka_num_r_request_bad_gre.attr.attr,
	&gre_ka_num_r_request_address.attr.attr,
	&gre_ka_num_r_request_too_big.attr.attr,
	&gre_ka_num_r_request_ttl.attr.attr,
	&gre_ka_num_r_request_rate_limit.attr.attr,
	&gre_ka_num_r_request_no_route.attr.attr,
	&gre_ka_num_r_request_loop.attr.attr,
	&gre_ka_num_r_request_nomem.attr.attr,
	&gre_ka_num_r_request_replay.attr.attr,
	&gre_ka_num_r_request_huawei_probe.attr.attr,
	&gre_ka_num_r_request_reflect_off.attr.attr,
	&gre_ka_num_r_reply_not_peer.attr.attr,
	&gre_ka_num_r_request_not_peer.attr.attr,
	&gre_ka_num_r_request_peer_limit.attr.attr,
	NULL,
};

static const struct attribute_group gre_ka_refused_group = {
	.name = "refused",
	.attrs = gre_ka_refused_attrs,
};

static const struct attribute_group *gre_ka_groups[] = {
	&gre_ka_group,
	&gre_ka_stat_group,
	&gre_ka_refused_group,
	NULL,
};

static void gre_ka_release(struct kobject *kobj)
{
	struct gre_ka_tunnel *ka = to_ka(kobj);
	struct gre_ka_session *s = rcu_dereference_protected(ka->session, true);
	struct gre_ka_params *p = rcu_dereference_protected(ka->params, true);

	if (s)
		kfree_rcu(s, rcu);
	if (p)
		kfree_rcu(p, rcu);
	kfree_rcu(ka, rcu);
}

/* As net-sysfs does for the device's own files. */
static void gre_ka_get_ownership(GRE_KA_KOBJ_CONST struct kobject *kobj,
				 kuid_t *uid, kgid_t *gid)
{
	const struct gre_ka_tunnel *ka =
		container_of(kobj, struct gre_ka_tunnel, kobj);

	net_ns_get_ownership(dev_net(ka->dev), uid, gid);
}

static const struct kobj_type gre_ka_ktype = {
	.release = gre_ka_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = gre_ka_groups,
	.get_ownership = gre_ka_get_ownership,
};

void gre_ka_sysfs_init(struct gre_ka_tunnel *ka)
{
	kobject_init(&ka->kobj, &gre_ka_ktype);
}

int gre_ka_sysfs_add(struct gre_ka_tunnel *ka)
{
	int err;

	ASSERT_RTNL();
	err = kobject_add(&ka->kobj, &ka->dev->dev.kobj, "keepalive");
	if (!err)
		ka->sysfs_added = true;
	return err;
}

/*
 * After a move to another netns, whose owner may be another user
 * namespace: the files follow the device's own ownership.
 */
void gre_ka_sysfs_moved(struct gre_ka_tunnel *ka)
{
	kuid_t uid;
	kgid_t gid;

	ASSERT_RTNL();
	if (!ka->sysfs_added)
		return;
	net_ns_get_ownership(dev_net(ka->dev), &uid, &gid);
	if (gre_ka_sysfs_change_owner(&ka->kobj, uid, gid))
		netdev_warn(ka->dev, "keepalive: cannot change the owner of keepalive/\n");
}

void gre_ka_sysfs_del(struct gre_ka_tunnel *ka)
{
	ASSERT_RTNL();
	if (!ka->sysfs_added)
		return;
	kobject_del(&ka->kobj);
	ka->sysfs_added = false;
}
