// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "gre_ka" (Documentation/netlink/specs/gre_ka.yaml):
 * GET of one tunnel or a dump of the caller's namespace, SET of any
 * setting through the same control functions as sysfs, and the "events"
 * multicast group (gre_ka_event.c). Like sysfs, a thin layer: the policy
 * checks types and ranges, gre_ka_ctl.c decides what a value means.
 *
 * GET reads under RCU only, so a monitor dumping 10,000 tunnels never
 * holds RTNL; SET takes RTNL as every configuration writer does. SET
 * needs CAP_NET_ADMIN in the user namespace owning the caller's network
 * namespace (GENL_UNS_ADMIN_PERM), which is where the tunnel is looked up:
 * a namespace's root manages its own tunnels and nobody else's.
 */

#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "gre_ka.h"
#include "uapi/gre_ka.h"

/* Wider than NLA_POLICY_RANGE()'s s16 bounds; not const for 6.1. */
static struct netlink_range_validation gre_ka_period_range = {
	.min = GRE_KA_PERIOD_MS_MIN,
	.max = GRE_KA_PERIOD_MS_MAX,
};

static const struct nla_policy gre_ka_peer_policy[GRE_KA_A_PEER_MAX + 1] = {
	/* 4 (gre) or 16 (ip6gre) bytes: checked against the tunnel's family. */
	[GRE_KA_A_PEER_ADDR]	= NLA_POLICY_MIN_LEN(4),
};

static const struct nla_policy gre_ka_policy[GRE_KA_A_MAX + 1] = {
	[GRE_KA_A_IFINDEX]	= NLA_POLICY_MIN(NLA_U32, 1),
	[GRE_KA_A_IFNAME]	= { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[GRE_KA_A_ENABLED]	= NLA_POLICY_MAX(NLA_U8, 1),
	[GRE_KA_A_PERIOD_MS]	= NLA_POLICY_FULL_RANGE(NLA_U32,
							&gre_ka_period_range),
	[GRE_KA_A_RETRIES]	= NLA_POLICY_RANGE(NLA_U32, GRE_KA_RETRIES_MIN,
						   GRE_KA_RETRIES_MAX),
	[GRE_KA_A_UP_COUNT]	= NLA_POLICY_RANGE(NLA_U32, GRE_KA_UP_COUNT_MIN,
						   GRE_KA_UP_COUNT_MAX),
	[GRE_KA_A_REFLECT]	= NLA_POLICY_MAX(NLA_U8, 1),
	[GRE_KA_A_AUTH]		= NLA_POLICY_MAX(NLA_U8, 1),
	[GRE_KA_A_PASSIVE]	= NLA_POLICY_MAX(NLA_U8, 1),
	[GRE_KA_A_PEER]		= NLA_POLICY_NESTED(gre_ka_peer_policy),
};

/* The settable attributes, in the order of enum gre_ka_opt. */
static const int gre_ka_opt_attr[GRE_KA_OPT_MAX] = {
	[GRE_KA_OPT_ENABLED]	= GRE_KA_A_ENABLED,
	[GRE_KA_OPT_PERIOD_MS]	= GRE_KA_A_PERIOD_MS,
	[GRE_KA_OPT_RETRIES]	= GRE_KA_A_RETRIES,
	[GRE_KA_OPT_UP_COUNT]	= GRE_KA_A_UP_COUNT,
	[GRE_KA_OPT_REFLECT]	= GRE_KA_A_REFLECT,
	[GRE_KA_OPT_AUTH]	= GRE_KA_A_AUTH,
	[GRE_KA_OPT_PASSIVE]	= GRE_KA_A_PASSIVE,
};

static struct genl_family gre_ka_genl_family;

/* The tunnel attrs name (ifindex or ifname) in net; under RCU. */
static struct gre_ka_tunnel *gre_ka_nl_find(struct net *net,
					    struct nlattr **attrs,
					    struct netlink_ext_ack *extack)
{
	struct net_device *dev = NULL;
	struct gre_ka_tunnel *ka;

	if (attrs[GRE_KA_A_IFINDEX]) {
		dev = dev_get_by_index_rcu(net, nla_get_u32(attrs[GRE_KA_A_IFINDEX]));
	} else if (attrs[GRE_KA_A_IFNAME]) {
		dev = dev_get_by_name_rcu(net, nla_data(attrs[GRE_KA_A_IFNAME]));
	} else {
		NL_SET_ERR_MSG(extack, "ifindex or ifname required");
		return ERR_PTR(-EINVAL);
	}
	if (!dev) {
		NL_SET_ERR_MSG(extack, "no such device");
		return ERR_PTR(-ENODEV);
	}
	ka = gre_ka_table_find(dev);
	if (ka)
		return ka;
	/* Attaching failed (gre_ka_main.c): transient, unlike the rest. */
	if (gre_ka_ip4_ops.is_tunnel(dev) || gre_ka_ip6_ops.is_tunnel(dev)) {
		NL_SET_ERR_MSG(extack,
			       "keepalive could not attach to this tunnel (see the kernel log); retried when it goes up or changes");
		return ERR_PTR(-EAGAIN);
	}
	NL_SET_ERR_MSG(extack, "not an ip_gre or ip6gre tunnel");
	return ERR_PTR(-EOPNOTSUPP);
}

/* The tunnel a request names, in the caller's netns; under RCU. */
static struct gre_ka_tunnel *gre_ka_nl_tunnel(struct genl_info *info)
{
	return gre_ka_nl_find(genl_info_net(info), info->attrs, info->extack);
}

static int gre_ka_nl_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct gre_ka_info ki;
	struct gre_ka_tunnel *ka;
	struct sk_buff *msg;
	int err;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	rcu_read_lock();
	ka = gre_ka_nl_tunnel(info);
	if (IS_ERR(ka)) {
		err = PTR_ERR(ka);
		goto unlock;
	}
	gre_ka_line_info(ka, &ki);
	err = gre_ka_event_fill(msg, ka, &ki, info->snd_portid, info->snd_seq,
				0, GRE_KA_CMD_GET);
unlock:
	rcu_read_unlock();
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/*
 * The dump's state across calls: every tunnel of the caller's netns in
 * attach order (or the one the request names); a multipoint tunnel's
 * message is followed by messages of its peers (ifindex, ifname and as
 * many GRE_KA_A_PEER nests as fit), resumed at a slot and the number of
 * its peers already sent. Tunnels attached meanwhile come after the
 * cursor (ids are cyclic), but one detached and attached again may be
 * missed or seen twice, and peers added or removed while a tunnel's peers
 * span several calls shift the cursor: the messages then carry
 * NLM_F_DUMP_INTR, and the tool dumps again.
 */
enum {
	GRE_KA_DUMP_ID,		/* the tunnel being dumped */
	GRE_KA_DUMP_PEERS,	/* 0: its own message still to send */
	GRE_KA_DUMP_SLOT,
	GRE_KA_DUMP_SKIP,	/* peers of that slot already sent */
	GRE_KA_DUMP_PEERS_GEN,	/* its peers' generation when they began */
	GRE_KA_DUMP_GEN,	/* the table's generation, plus one */
};

static void *gre_ka_nl_dump_hdr(struct sk_buff *skb,
				struct netlink_callback *cb,
				const struct gre_ka_tunnel *ka)
{
	void *hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				cb->nlh->nlmsg_seq, &gre_ka_genl_family,
				NLM_F_MULTI, GRE_KA_CMD_GET);

	if (!hdr)
		return NULL;
	if (nla_put_u32(skb, GRE_KA_A_IFINDEX, ka->dev->ifindex) ||
	    nla_put_string(skb, GRE_KA_A_IFNAME, ka->dev->name)) {
		genlmsg_cancel(skb, hdr);
		return NULL;
	}
	return hdr;
}

/* The peers of one tunnel from where args say; -EMSGSIZE: skb full. */
static int gre_ka_nl_dump_peers(struct sk_buff *skb,
				struct netlink_callback *cb,
				struct gre_ka_tunnel *ka, bool intr)
{
	const struct gre_ka_peers *ps = rcu_dereference(ka->peers);
	u32 slot = cb->args[GRE_KA_DUMP_SLOT];
	long skip = cb->args[GRE_KA_DUMP_SKIP];
	struct gre_ka_peer_info pi;
	struct gre_ka_peer *p = NULL;
	void *hdr = NULL;
	int err = 0;

	if (!ps || !ps->multipoint)
		return 0;
	while ((p = gre_ka_peer_next(ps, &slot, p))) {
		if (slot != cb->args[GRE_KA_DUMP_SLOT]) {
			cb->args[GRE_KA_DUMP_SLOT] = slot;
			cb->args[GRE_KA_DUMP_SKIP] = 0;
			skip = 0;
		}
		if (skip > 0) {
			skip--;
			continue;
		}
		if (!hdr) {
			hdr = gre_ka_nl_dump_hdr(skb, cb, ka);
			if (!hdr)
				return -EMSGSIZE;
		}
		gre_ka_line_peer_info(ka, p, &pi);
		err = gre_ka_event_fill_peer(skb, &pi);
		if (err)
			break;
		cb->args[GRE_KA_DUMP_SKIP]++;
	}
	if (!hdr)
		return 0;
	genlmsg_end(skb, hdr);
	if (intr)
		genlmsg_nlhdr(hdr)->nlmsg_flags |= NLM_F_DUMP_INTR;
	return err;
}

/* One tunnel: its message, then its peers. -EMSGSIZE: skb full. */
static int gre_ka_nl_dump_one(struct sk_buff *skb, struct netlink_callback *cb,
			      struct gre_ka_tunnel *ka, bool intr)
{
	struct gre_ka_info ki;
	unsigned int start;
	int err;

	if (!cb->args[GRE_KA_DUMP_PEERS]) {
		gre_ka_line_info(ka, &ki);
		start = skb->len;
		err = gre_ka_event_fill(skb, ka, &ki,
					NETLINK_CB(cb->skb).portid,
					cb->nlh->nlmsg_seq, NLM_F_MULTI,
					GRE_KA_CMD_GET);
		if (err)
			return err;
		if (intr)
			((struct nlmsghdr *)(skb->data + start))->nlmsg_flags |=
				NLM_F_DUMP_INTR;
		cb->args[GRE_KA_DUMP_PEERS] = 1;
		cb->args[GRE_KA_DUMP_SLOT] = 0;
		cb->args[GRE_KA_DUMP_SKIP] = 0;
		cb->args[GRE_KA_DUMP_PEERS_GEN] = READ_ONCE(ka->peers_gen);
	}
	return gre_ka_nl_dump_peers(skb, cb, ka, intr);
}

static int gre_ka_nl_get_dumpit(struct sk_buff *skb,
				struct netlink_callback *cb)
{
	struct nlattr **attrs = gre_ka_dump_attrs(cb);
	struct net *net = sock_net(skb->sk);
	unsigned long id = cb->args[GRE_KA_DUMP_ID];
	unsigned long gen = gre_ka_table_gen() + 1UL;
	struct gre_ka_tunnel *ka, *only = NULL;
	bool intr;
	int err = 0;

	rcu_read_lock();
	if (attrs && (attrs[GRE_KA_A_IFINDEX] || attrs[GRE_KA_A_IFNAME])) {
		only = gre_ka_nl_find(net, attrs, cb->extack);
		if (IS_ERR(only)) {
			rcu_read_unlock();
			return PTR_ERR(only);
		}
	}
	/* Anything attached or detached since the last call? */
	intr = cb->args[GRE_KA_DUMP_GEN] && cb->args[GRE_KA_DUMP_GEN] != gen;
	cb->args[GRE_KA_DUMP_GEN] = gen;
	while ((ka = gre_ka_table_next(&id))) {
		if (cb->args[GRE_KA_DUMP_ID] != id) {
			cb->args[GRE_KA_DUMP_ID] = id;
			cb->args[GRE_KA_DUMP_PEERS] = 0;
		}
		if (net_eq(dev_net(ka->dev), net) && (!only || ka == only)) {
			/* Its peers changed since they began. */
			bool pintr = cb->args[GRE_KA_DUMP_PEERS] &&
				     cb->args[GRE_KA_DUMP_PEERS_GEN] !=
				     READ_ONCE(ka->peers_gen);

			err = gre_ka_nl_dump_one(skb, cb, ka, intr || pintr);
			if (err)
				break;
		}
		id++;
	}
	rcu_read_unlock();
	if (!ka)
		cb->args[GRE_KA_DUMP_ID] = id;
	/* A full skb: the rest comes in the next call. */
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err ?: skb->len;
}

static int gre_ka_nl_get_peer_addr(struct genl_info *info,
				   const struct gre_ka_tunnel *ka,
				   union gre_ka_addr *a)
{
	struct nlattr *tb[GRE_KA_A_PEER_MAX + 1];
	unsigned int alen = ka->ops->family == AF_INET6 ?
			    sizeof(struct in6_addr) : sizeof(__be32);
	int err;

	if (!info->attrs[GRE_KA_A_PEER]) {
		NL_SET_ERR_MSG(info->extack, "a peer (its address) required");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, GRE_KA_A_PEER_MAX, info->attrs[GRE_KA_A_PEER],
			       gre_ka_peer_policy, info->extack);
	if (err)
		return err;
	if (!tb[GRE_KA_A_PEER_ADDR]) {
		NL_SET_ERR_MSG(info->extack, "the peer's address required");
		return -EINVAL;
	}
	if (nla_len(tb[GRE_KA_A_PEER_ADDR]) != alen) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[GRE_KA_A_PEER_ADDR],
				    "the peer's address is not of the tunnel's family");
		return -EINVAL;
	}
	memset(a, 0, sizeof(*a));
	memcpy(a, nla_data(tb[GRE_KA_A_PEER_ADDR]), alen);
	return 0;
}

/* PEER_ADD and PEER_DEL: a static peer of a multipoint tunnel. */
static int gre_ka_nl_peer_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct gre_ka_tunnel *ka;
	union gre_ka_addr a;
	int err;

	rtnl_lock();
	rcu_read_lock();
	ka = gre_ka_nl_tunnel(info);
	rcu_read_unlock();
	if (IS_ERR(ka)) {
		err = PTR_ERR(ka);
		goto unlock;
	}
	err = gre_ka_nl_get_peer_addr(info, ka, &a);
	if (err)
		goto unlock;
	if (info->genlhdr->cmd == GRE_KA_CMD_PEER_ADD)
		err = gre_ka_ctl_peer_add(ka, &a, info->extack);
	else
		err = gre_ka_ctl_peer_del(ka, &a, info->extack);
unlock:
	rtnl_unlock();
	return err;
}

static int gre_ka_nl_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct gre_ka_conf_change chg = {};
	struct gre_ka_tunnel *ka;
	enum gre_ka_opt o;
	int err;

	for (o = 0; o < GRE_KA_OPT_MAX; o++) {
		const struct nlattr *a = info->attrs[gre_ka_opt_attr[o]];

		if (!a)
			continue;
		chg.mask |= BIT(o);
		chg.val[o] = nla_type(a) == GRE_KA_A_PERIOD_MS ||
			     nla_type(a) == GRE_KA_A_RETRIES ||
			     nla_type(a) == GRE_KA_A_UP_COUNT ?
			     nla_get_u32(a) : nla_get_u8(a);
	}
	if (!chg.mask) {
		NL_SET_ERR_MSG(info->extack, "nothing to set");
		return -EINVAL;
	}

	rtnl_lock();
	/* Looked up under RCU; RTNL keeps it attached afterwards. */
	rcu_read_lock();
	ka = gre_ka_nl_tunnel(info);
	rcu_read_unlock();
	err = IS_ERR(ka) ? PTR_ERR(ka) : gre_ka_ctl_apply(ka, &chg, info->extack);
	rtnl_unlock();
	return err;
}

static const struct genl_ops gre_ka_nl_ops[] = {
	{
		.cmd = GRE_KA_CMD_GET,
		.doit = gre_ka_nl_get_doit,
		.dumpit = gre_ka_nl_get_dumpit,
		.policy = gre_ka_policy,
		.maxattr = GRE_KA_A_MAX,
	},
	{
		.cmd = GRE_KA_CMD_SET,
		.flags = GENL_UNS_ADMIN_PERM,
		.doit = gre_ka_nl_set_doit,
		.policy = gre_ka_policy,
		.maxattr = GRE_KA_A_MAX,
	},
	{
		.cmd = GRE_KA_CMD_PEER_ADD,
		.flags = GENL_UNS_ADMIN_PERM,
		.doit = gre_ka_nl_peer_doit,
		.policy = gre_ka_policy,
		.maxattr = GRE_KA_A_MAX,
	},
	{
		.cmd = GRE_KA_CMD_PEER_DEL,
		.flags = GENL_UNS_ADMIN_PERM,
		.doit = gre_ka_nl_peer_doit,
		.policy = gre_ka_policy,
		.maxattr = GRE_KA_A_MAX,
	},
};

static const struct genl_multicast_group gre_ka_nl_mcgrps[] = {
	/* CAP_NET_ADMIN in the user namespace owning the caller's netns. */
	{ .name = GRE_KA_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_NET_ADMIN },
};

static struct genl_family gre_ka_genl_family __ro_after_init = {
	.name = GRE_KA_FAMILY_NAME,
	.version = GRE_KA_FAMILY_VERSION,
	.maxattr = GRE_KA_A_MAX,
	.policy = gre_ka_policy,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = gre_ka_nl_ops,
	.n_ops = ARRAY_SIZE(gre_ka_nl_ops),
	.mcgrps = gre_ka_nl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(gre_ka_nl_mcgrps),
};

int gre_ka_netlink_init(void)
{
	int err = genl_register_family(&gre_ka_genl_family);

	if (!err)
		gre_ka_event_init(&gre_ka_genl_family);
	return err;
}

void gre_ka_netlink_exit(void)
{
	gre_ka_event_exit();
	genl_unregister_family(&gre_ka_genl_family);
}

/* So that `gre-ka` (genl's CTRL_CMD_GETFAMILY) loads the module on demand. */
MODULE_ALIAS_GENL_FAMILY(GRE_KA_FAMILY_NAME);
