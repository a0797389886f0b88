// SPDX-License-Identifier: GPL-2.0
/*
 * gre_ka control: what each option means and the only code that writes
 * configuration (ka->conf), the tunnel parameter snapshot (ka->params) and
 * the authentication session (ka->session) -- the role bonding's
 * bond_options.c plays. sysfs and netlink only parse and call in here.
 *
 * The rule: configuration is written here, holding RTNL and ka->lock, so
 * it may be read under either one, or with READ_ONCE() for a single
 * value. Every entry point runs under RTNL.
 *
 * What the configuration applies to is the tunnel's peers: its one for a
 * point-to-point tunnel, each of them for a multipoint one, whose peers
 * also come from the neighbour table while keepalive runs (gre_ka_neigh.c)
 * and from passive learning while passive is on; static peers are added
 * and removed here, and stay while keepalive is off.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/netdevice.h>
#include <linux/netlink.h>
#include <linux/random.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/stringify.h>
#include <net/ipv6.h>

#include "gre_ka.h"

struct gre_ka_opt_info {
	const char *name;
	u32 min;
	u32 max;
	const char *range_msg;		/* static: extack keeps the pointer */
};

static const struct gre_ka_opt_info gre_ka_opts[GRE_KA_OPT_MAX] = {
	[GRE_KA_OPT_ENABLED] = {
		"enabled", 0, 1, "enabled must be 0 or 1" },
	[GRE_KA_OPT_PERIOD_MS] = {
		"period_ms", GRE_KA_PERIOD_MS_MIN, GRE_KA_PERIOD_MS_MAX,
		"period_ms out of range " __stringify(GRE_KA_PERIOD_MS_MIN) ".."
		__stringify(GRE_KA_PERIOD_MS_MAX) },
	[GRE_KA_OPT_RETRIES] = {
		"retries", GRE_KA_RETRIES_MIN, GRE_KA_RETRIES_MAX,
		"retries out of range " __stringify(GRE_KA_RETRIES_MIN) ".."
		__stringify(GRE_KA_RETRIES_MAX) },
	[GRE_KA_OPT_UP_COUNT] = {
		"up_count", GRE_KA_UP_COUNT_MIN, GRE_KA_UP_COUNT_MAX,
		"up_count out of range " __stringify(GRE_KA_UP_COUNT_MIN) ".."
		__stringify(GRE_KA_UP_COUNT_MAX) },
	[GRE_KA_OPT_REFLECT] = {
		"reflect", 0, 1, "reflect must be 0 or 1" },
	[GRE_KA_OPT_AUTH] = {
		"auth", 0, 1, "auth must be 0 or 1" },
	[GRE_KA_OPT_PASSIVE] = {
		"passive", 0, 1, "passive must be 0 or 1" },
};

/* NL_SET_ERR_MSG() wants a literal; these are static strings too. */
static void gre_ka_extack(struct netlink_ext_ack *extack, const char *msg)
{
	if (extack)
		extack->_msg = msg;
}

const char *gre_ka_opt_name(enum gre_ka_opt opt)
{
	return opt < GRE_KA_OPT_MAX ? gre_ka_opts[opt].name : "?";
}

void gre_ka_ctl_defaults(struct gre_ka_tunnel *ka, u32 period_ms, u32 retries)
{
	ka->conf = (struct gre_ka_conf) {
		.period_ms = period_ms,
		.retries = retries,
		.up_count = GRE_KA_UP_COUNT_DEFAULT,
		.reflect = true,
		.auth = true,
	};
}

static struct gre_ka_params *gre_ka_params_read(struct gre_ka_tunnel *ka)
{
	struct gre_ka_tnl_facts f;
	struct gre_ka_params *p;

	ASSERT_RTNL();
	/* Zeroed: the snapshot is compared whole, padding included. */
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return NULL;
	ka->ops->params_read(ka->dev, &p->t);
	f = (struct gre_ka_tnl_facts) {
		.family = p->t.family,
		.remote = p->t.remote,
		.collect_md = p->t.collect_md,
		.iseq = p->t.iseq,
	};
	p->t.multipoint = gre_ka_multipoint_facts(&f);
	p->why = gre_ka_unsupported_why(&f);
	p->no_answer = gre_ka_no_answer_why(&f);
	return p;
}

/* The parameter snapshot and the peers of a tunnel being attached. */
int gre_ka_ctl_params_init(struct gre_ka_tunnel *ka)
{
	struct gre_ka_params *p = gre_ka_params_read(ka);
	int err;

	if (!p)
		return -ENOMEM;
	RCU_INIT_POINTER(ka->params, p);
	err = gre_ka_peers_init(ka, p->t.multipoint, &p->t.remote);
	if (err) {
		RCU_INIT_POINTER(ka->params, NULL);
		kfree(p);
	}
	return err;
}

/* Under RTNL: f on every peer of the tunnel. */
static void gre_ka_ctl_each_peer(struct gre_ka_tunnel *ka,
				 void (*f)(struct gre_ka_tunnel *ka,
					   struct gre_ka_peer *p, bool arg),
				 bool arg)
{
	const struct gre_ka_peers *ps;
	struct gre_ka_peer *p = NULL;
	u32 slot = 0;

	ASSERT_RTNL();
	rcu_read_lock();
	ps = rcu_dereference(ka->peers);
	while (ps && (p = gre_ka_peer_next(ps, &slot, p)))
		f(ka, p, arg);
	rcu_read_unlock();
}

static void gre_ka_ctl_peer_start(struct gre_ka_tunnel *ka,
				  struct gre_ka_peer *p, bool new_session)
{
	gre_ka_line_start(ka, p, new_session, true);
}

static void gre_ka_ctl_peer_stop(struct gre_ka_tunnel *ka,
				 struct gre_ka_peer *p, bool restore)
{
	gre_ka_line_stop(ka, p, restore);
}

/* Everything the option values change, in order; see gre_ka_ctl_apply(). */
static bool gre_ka_running_mode(const struct gre_ka_conf *c)
{
	return c->enabled || c->passive;
}

/*
 * Make the new configuration take effect. A change of mode (enabled, or
 * passive without enabled) restarts the line protocol, up, as Cisco does
 * at "keepalive": the timer is stopped first, so that no tick can take
 * the carrier down behind the reset, and the reset gives the carrier back.
 */
static void gre_ka_ctl_commit(struct gre_ka_tunnel *ka,
			      const struct gre_ka_conf *new,
			      struct gre_ka_session *session)
{
	struct gre_ka_conf old = ka->conf;
	struct gre_ka_session *old_session = NULL;
	bool mode_changed;

	mode_changed = old.enabled != new->enabled ||
		       (!new->enabled && old.passive != new->passive);
	if (mode_changed)
		gre_ka_timer_stop(ka);

	spin_lock_bh(&ka->lock);
	WRITE_ONCE(ka->conf.period_ms, new->period_ms);
	WRITE_ONCE(ka->conf.retries, new->retries);
	WRITE_ONCE(ka->conf.up_count, new->up_count);
	WRITE_ONCE(ka->conf.reflect, new->reflect);
	WRITE_ONCE(ka->conf.auth, new->auth);
	WRITE_ONCE(ka->conf.passive, new->passive);
	WRITE_ONCE(ka->conf.enabled, new->enabled);
	if (session) {
		old_session = rcu_dereference_protected(ka->session,
							lockdep_rtnl_is_held());
		rcu_assign_pointer(ka->session, session);
	}
	spin_unlock_bh(&ka->lock);
	if (old_session)
		kfree_rcu(old_session, rcu);

	if (mode_changed) {
		if (gre_ka_running_mode(new)) {
			gre_ka_ctl_each_peer(ka, gre_ka_ctl_peer_start,
					     session || !old.passive);
			if (gre_ka_multipoint(ka))
				gre_ka_neigh_follow(ka, true);
			if (netif_running(ka->dev))
				gre_ka_timer_start(ka);
		} else {
			gre_ka_ctl_each_peer(ka, gre_ka_ctl_peer_stop, true);
			gre_ka_neigh_follow(ka, false);
		}
	} else if (old.period_ms != new->period_ms) {
		gre_ka_timer_period_changed(ka);
	}
	/* Peers learned passively are the passive mode's. */
	if (old.passive && !new->passive)
		gre_ka_peers_drop(ka, GRE_KA_PEER_ORIGIN_PASSIVE);

	if (gre_ka_event_wanted(ka)) {
		struct gre_ka_info info;

		gre_ka_line_info(ka, &info);
		gre_ka_event_conf(ka, &info);
	}
}

/*
 * Validate every change first, then apply them all: a refused change
 * leaves everything as it was. Errors log one line (sysfs has no other
 * way to say why) and, over netlink, set the extack message.
 */
int gre_ka_ctl_apply(struct gre_ka_tunnel *ka,
		     const struct gre_ka_conf_change *chg,
		     struct netlink_ext_ack *extack)
{
	const struct gre_ka_params *p = rtnl_dereference(ka->params);
	struct gre_ka_session *session = NULL;
	struct gre_ka_conf new = ka->conf;
	u32 *field[GRE_KA_OPT_MAX] = {};
	bool *flag[GRE_KA_OPT_MAX] = {};
	enum gre_ka_opt o;

	ASSERT_RTNL();
	flag[GRE_KA_OPT_ENABLED] = &new.enabled;
	field[GRE_KA_OPT_PERIOD_MS] = &new.period_ms;
	field[GRE_KA_OPT_RETRIES] = &new.retries;
	field[GRE_KA_OPT_UP_COUNT] = &new.up_count;
	flag[GRE_KA_OPT_REFLECT] = &new.reflect;
	flag[GRE_KA_OPT_AUTH] = &new.auth;
	flag[GRE_KA_OPT_PASSIVE] = &new.passive;

	for (o = 0; o < GRE_KA_OPT_MAX; o++) {
		const struct gre_ka_opt_info *oi = &gre_ka_opts[o];
		u32 v = chg->val[o];

		if (!(chg->mask & BIT(o)))
			continue;
		if (v < oi->min || v > oi->max) {
			netdev_warn(ka->dev, "keepalive: %s: %u is out of range %u..%u\n",
				    oi->name, v, oi->min, oi->max);
			gre_ka_extack(extack, oi->range_msg);
			return -ERANGE;
		}
		if (field[o])
			*field[o] = v;
		else
			*flag[o] = v;
	}

	if (p->why && ((new.enabled && !ka->conf.enabled) ||
		       (new.passive && !ka->conf.passive))) {
		netdev_warn(ka->dev, "keepalive: cannot enable: %s\n", p->why);
		NL_SET_ERR_MSG(extack, "keepalive unsupported on this tunnel, see dmesg");
		return -EOPNOTSUPP;
	}

	if (new.enabled && !ka->conf.enabled) {
		session = kmalloc(sizeof(*session), GFP_KERNEL);
		if (!session) {
			NL_SET_ERR_MSG(extack, "out of memory");
			return -ENOMEM;
		}
		/* A new key makes every reply to an earlier session invalid. */
		get_random_bytes(&session->key, sizeof(session->key));
	}

	gre_ka_ctl_commit(ka, &new, session);
	return 0;
}

int gre_ka_ctl_set(struct gre_ka_tunnel *ka, enum gre_ka_opt opt, u32 val)
{
	struct gre_ka_conf_change chg = { .mask = BIT(opt) };

	chg.val[opt] = val;
	return gre_ka_ctl_apply(ka, &chg, NULL);
}

u32 gre_ka_ctl_get(const struct gre_ka_tunnel *ka, enum gre_ka_opt opt)
{
	const struct gre_ka_conf *c = &ka->conf;

	switch (opt) {
	case GRE_KA_OPT_ENABLED:
		return READ_ONCE(c->enabled);
	case GRE_KA_OPT_PERIOD_MS:
		return READ_ONCE(c->period_ms);
	case GRE_KA_OPT_RETRIES:
		return READ_ONCE(c->retries);
	case GRE_KA_OPT_UP_COUNT:
		return READ_ONCE(c->up_count);
	case GRE_KA_OPT_REFLECT:
		return READ_ONCE(c->reflect);
	case GRE_KA_OPT_AUTH:
		return READ_ONCE(c->auth);
	case GRE_KA_OPT_PASSIVE:
		return READ_ONCE(c->passive);
	default:
		return 0;
	}
}

/*
 * The tunnel changed kind (a remote set or cleared), or a point-to-point
 * tunnel its remote: its peers are not the same any more, and start anew
 * (a multipoint tunnel's static peers too: they were the old kind's).
 */
static void gre_ka_ctl_peers_renew(struct gre_ka_tunnel *ka,
				   const struct gre_ka_tnl *t)
{
	bool running = gre_ka_running_mode(&ka->conf);
	int err;

	gre_ka_timer_stop(ka);
	gre_ka_ctl_each_peer(ka, gre_ka_ctl_peer_stop, true);
	gre_ka_neigh_follow(ka, false);
	gre_ka_peers_destroy(ka);
	err = gre_ka_peers_init(ka, t->multipoint, &t->remote);
	if (err) {
		struct gre_ka_conf_change off = {
			.mask = BIT(GRE_KA_OPT_ENABLED) |
				BIT(GRE_KA_OPT_PASSIVE),
		};

		netdev_warn(ka->dev, "keepalive: disabled: no memory for the new peers (%d)\n",
			    err);
		gre_ka_ctl_apply(ka, &off, NULL);
		return;
	}
	if (!running)
		return;
	if (t->multipoint)
		gre_ka_neigh_follow(ka, true);
	if (netif_running(ka->dev))
		gre_ka_timer_start(ka);
}

/* Tunnel parameters changed (or only the carrier: linkwatch says CHANGE). */
int gre_ka_ctl_params_changed(struct gre_ka_tunnel *ka)
{
	struct gre_ka_params *old = rtnl_dereference(ka->params);
	struct gre_ka_params *new = gre_ka_params_read(ka);
	struct gre_ka_conf_change off = {
		.mask = BIT(GRE_KA_OPT_ENABLED) | BIT(GRE_KA_OPT_PASSIVE),
	};

	if (!new) {
		netdev_warn(ka->dev, "keepalive: out of memory, keeping the old tunnel parameters for now\n");
		return -ENOMEM;
	}
	if (!memcmp(&old->t, &new->t, sizeof(new->t))) {
		kfree(new);
		return 0;
	}
	rcu_assign_pointer(ka->params, new);
	netdev_dbg(ka->dev, "keepalive: tunnel parameters changed\n");

	if (new->why && gre_ka_running_mode(&ka->conf)) {
		netdev_warn(ka->dev, "keepalive: disabled: %s\n", new->why);
		gre_ka_ctl_apply(ka, &off, NULL);
	}
	if (old->t.multipoint != new->t.multipoint ||
	    (!new->t.multipoint &&
	     !gre_ka_addr_eq(new->t.family, &old->t.remote, &new->t.remote)))
		gre_ka_ctl_peers_renew(ka, &new->t);
	kfree_rcu(old, rcu);
	return 0;
}

/* A static peer's address: unicast, of the tunnel's family. */
static bool gre_ka_ctl_peer_addr_ok(const struct gre_ka_tunnel *ka,
				    const union gre_ka_addr *a)
{
	if (ka->ops->family == AF_INET6)
		return !ipv6_addr_any(&a->ip6) &&
		       !ipv6_addr_is_multicast(&a->ip6);
	return a->ip && !ipv4_is_multicast(a->ip) &&
	       !ipv4_is_lbcast(a->ip) && !ipv4_is_zeronet(a->ip);
}

/* A static peer of a multipoint tunnel: there until it is removed. */
int gre_ka_ctl_peer_add(struct gre_ka_tunnel *ka, const union gre_ka_addr *a,
			struct netlink_ext_ack *extack)
{
	struct gre_ka_peer *p;
	bool exists;
	int err;

	ASSERT_RTNL();
	if (!gre_ka_multipoint(ka)) {
		NL_SET_ERR_MSG(extack, "not a multipoint tunnel: its peer is its remote");
		return -EOPNOTSUPP;
	}
	if (!gre_ka_ctl_peer_addr_ok(ka, a)) {
		NL_SET_ERR_MSG(extack, "a peer is a unicast address");
		return -EINVAL;
	}
	rcu_read_lock();
	p = gre_ka_peer_find(ka, a);
	exists = p && (READ_ONCE(p->origin) & GRE_KA_PEER_ORIGIN_STATIC);
	rcu_read_unlock();
	if (exists) {
		NL_SET_ERR_MSG(extack, "already a static peer");
		return -EEXIST;
	}
	p = gre_ka_peer_get(ka, a, GRE_KA_PEER_ORIGIN_STATIC, GFP_KERNEL, &err);
	if (!p) {
		if (err == -ENOSPC)
			NL_SET_ERR_MSG(extack, "max_peers reached");
		else
			NL_SET_ERR_MSG(extack, "cannot add the peer");
		return err;
	}
	return 0;
}

int gre_ka_ctl_peer_del(struct gre_ka_tunnel *ka, const union gre_ka_addr *a,
			struct netlink_ext_ack *extack)
{
	struct gre_ka_peer *p;
	int err = 0;

	ASSERT_RTNL();
	if (!gre_ka_multipoint(ka)) {
		NL_SET_ERR_MSG(extack, "not a multipoint tunnel: its peer is its remote");
		return -EOPNOTSUPP;
	}
	rcu_read_lock();
	p = gre_ka_peer_find(ka, a);
	if (!p || !(READ_ONCE(p->origin) & GRE_KA_PEER_ORIGIN_STATIC)) {
		NL_SET_ERR_MSG(extack, "no such static peer");
		err = -ENOENT;
	} else {
		gre_ka_peer_drop(ka, p, GRE_KA_PEER_ORIGIN_STATIC);
	}
	rcu_read_unlock();
	return err;
}

void gre_ka_ctl_dev_up(struct gre_ka_tunnel *ka)
{
	ASSERT_RTNL();
	if (!gre_ka_running_mode(&ka->conf))
		return;
	gre_ka_ctl_each_peer(ka, gre_ka_ctl_peer_start, false);
	gre_ka_timer_start(ka);
}

void gre_ka_ctl_dev_down(struct gre_ka_tunnel *ka)
{
	ASSERT_RTNL();
	if (!gre_ka_running_mode(&ka->conf))
		return;
	gre_ka_timer_stop(ka);
	gre_ka_ctl_each_peer(ka, gre_ka_ctl_peer_stop, true);
}

/*
 * Before the tunnel state goes away: nothing may run any more. Clearing
 * enabled and passive under the lock makes a hook invocation still in
 * flight after its unregistration (netfilter does not wait for those) a
 * no-op once each peer has been reset under its lock; then the timer is
 * cancelled, the carrier or the neighbour entries given back, the peers
 * freed.
 */
void gre_ka_ctl_detach(struct gre_ka_tunnel *ka, bool restore_carrier)
{
	ASSERT_RTNL();
	spin_lock_bh(&ka->lock);
	WRITE_ONCE(ka->conf.enabled, false);
	WRITE_ONCE(ka->conf.passive, false);
	WRITE_ONCE(ka->conf.reflect, false);
	spin_unlock_bh(&ka->lock);
	gre_ka_timer_stop(ka);
	gre_ka_ctl_each_peer(ka, gre_ka_ctl_peer_stop, restore_carrier);
	gre_ka_neigh_detach(ka);
	gre_ka_peers_destroy(ka);
}
