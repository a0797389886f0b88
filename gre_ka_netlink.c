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

/* The tunnel a request names, in the caller's netns; under RCU. */
static struct gre_ka_tunnel *gre_ka_nl_tunnel(struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct nlattr **attrs = info->attrs;
	struct net_device *dev = NULL;
	struct gre_ka_tunnel *ka;

	if (attrs[GRE_KA_A_IFINDEX]) {
		dev = dev_get_by_index_rcu(net, nla_get_u32(attrs[GRE_KA_A_IFINDEX]));
	} else if (attrs[GRE_KA_A_IFNAME]) {
		dev = dev_get_by_name_rcu(net, nla_data(attrs[GRE_KA_A_IFNAME]));
	} else {
		NL_SET_ERR_MSG(info->extack, "ifindex or ifname required");
		return ERR_PTR(-EINVAL);
	}
	if (!dev) {
		NL_SET_ERR_MSG(info->extack, "no such device");
		return ERR_PTR(-ENODEV);
	}
	ka = gre_ka_table_find(dev);
	if (!ka) {
		NL_SET_ERR_MSG(info->extack, "not an ip_gre or ip6gre tunnel");
		return ERR_PTR(-EOPNOTSUPP);
	}
	return ka;
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
 * cb->args[0]: the id of the next tunnel to put into the dump. Tunnels
 * attached meanwhile come after the cursor (ids are cyclic), but one
 * detached and attached again may be missed or seen twice: every message
 * then carries NLM_F_DUMP_INTR, and the tool dumps again.
 */
static int gre_ka_nl_get_dumpit(struct sk_buff *skb,
				struct netlink_callback *cb)
{
	struct net *net = sock_net(skb->sk);
	unsigned long id = cb->args[0];
	struct gre_ka_tunnel *ka;
	struct gre_ka_info ki;
	unsigned int start;
	int err = 0;

	rcu_read_lock();
	cb->seq = gre_ka_table_gen();
	while ((ka = gre_ka_table_next(&id))) {
		if (net_eq(dev_net(ka->dev), net)) {
			gre_ka_line_info(ka, &ki);
			start = skb->len;
			err = gre_ka_event_fill(skb, ka, &ki,
						NETLINK_CB(cb->skb).portid,
						cb->nlh->nlmsg_seq, NLM_F_MULTI,
						GRE_KA_CMD_GET);
			if (err)
				break;
			nl_dump_check_consistent(cb, (struct nlmsghdr *)
						 (skb->data + start));
		}
		id++;
	}
	rcu_read_unlock();
	cb->args[0] = id;
	/* A full skb: the rest comes in the next call. */
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err ?: skb->len;
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
