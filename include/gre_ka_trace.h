/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gre_ka tracepoints: /sys/kernel/tracing/events/gre_ka/, for perf,
 * trace-cmd and bpftrace. All of them are emitted from gre_ka_line.c,
 * under the tunnel's lock, so one tunnel's events are in causal order. The
 * device name is copied into a fixed array rather than a __string() so
 * that one definition builds on every kernel (the __assign_str() signature
 * changed in 6.10). Reasons are carried as numbers and printed by name
 * (enum gre_ka_reason, the names of sysfs refused/). Every event names the
 * peer it is about (a point-to-point tunnel's remote; 0.0.0.0 or :: when a
 * refused packet could be charged to no peer) as a socket address, which
 * %pISc prints in either family.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM gre_ka

#if !defined(_GRE_KA_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _GRE_KA_TRACE_H

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/netdevice.h>
#include <linux/tracepoint.h>

#include "gre_ka_proto.h"

#ifndef GRE_KA_TRACE_PEER
#define GRE_KA_TRACE_PEER
static inline void gre_ka_trace_peer(u8 *buf, unsigned short family,
				     const union gre_ka_addr *a)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)buf;
	struct sockaddr_in *sin = (struct sockaddr_in *)buf;

	memset(buf, 0, sizeof(*sin6));
	if (family == AF_INET6) {
		sin6->sin6_family = AF_INET6;
		if (a)
			sin6->sin6_addr = a->ip6;
	} else {
		sin->sin_family = AF_INET;
		if (a)
			sin->sin_addr.s_addr = a->ip;
	}
}
#endif

#define gre_ka_show_reason(r)						\
	__print_symbolic(r,						\
			 { GRE_KA_R_OK,			"ok" },		\
			 { GRE_KA_R_REPLY_SHORT,	"short" },	\
			 { GRE_KA_R_REPLY_FOREIGN,	"foreign" },	\
			 { GRE_KA_R_REPLY_BAD_MAC,	"bad_mac" },	\
			 { GRE_KA_R_REPLY_STALE,	"stale" },	\
			 { GRE_KA_R_REPLY_FUTURE,	"future" },	\
			 { GRE_KA_R_REPLY_REPLAY,	"replay" },	\
			 { GRE_KA_R_REQ_MALFORMED,	"malformed" },	\
			 { GRE_KA_R_REQ_FRAGMENT,	"fragment" },	\
			 { GRE_KA_R_REQ_OPTIONS,	"options" },	\
			 { GRE_KA_R_REQ_BAD_GRE,	"bad_gre" },	\
			 { GRE_KA_R_REQ_ADDRESS,	"address" },	\
			 { GRE_KA_R_REQ_TOO_BIG,	"too_big" },	\
			 { GRE_KA_R_REQ_TTL,		"ttl" },	\
			 { GRE_KA_R_REQ_RATE,		"rate_limit" },	\
			 { GRE_KA_R_REQ_NO_ROUTE,	"no_route" },	\
			 { GRE_KA_R_REQ_LOOP,		"loop" },	\
			 { GRE_KA_R_REQ_NOMEM,		"nomem" },	\
			 { GRE_KA_R_REQ_REPLAY,		"replay" },	\
			 { GRE_KA_R_REQ_HUAWEI,		"huawei_probe" }, \
			 { GRE_KA_R_REQ_OFF,		"reflect_off" }, \
			 { GRE_KA_R_REPLY_NOT_PEER,	"not_peer" },	\
			 { GRE_KA_R_REQ_NOT_PEER,	"not_peer" },	\
			 { GRE_KA_R_REQ_PEER_LIMIT,	"peer_limit" })

#define gre_ka_show_cause(c)						\
	__print_symbolic(c,						\
			 { GRE_KA_CAUSE_NONE,		"none" },	\
			 { GRE_KA_CAUSE_START,		"start" },	\
			 { GRE_KA_CAUSE_STOP,		"stop" },	\
			 { GRE_KA_CAUSE_UNANSWERED,	"unanswered" },	\
			 { GRE_KA_CAUSE_SILENT,		"silent" },	\
			 { GRE_KA_CAUSE_REPLY,		"reply" },	\
			 { GRE_KA_CAUSE_REQUEST,	"request" })

#define gre_ka_show_family(f)	((f) == AF_INET6 ? "inet6" : "inet")

TRACE_EVENT(gre_ka_send,
	    TP_PROTO(const struct net_device *dev, unsigned short family,
		     const union gre_ka_addr *peer, u32 seq, u32 counter,
		     bool down),
	    TP_ARGS(dev, family, peer, seq, counter, down),
	    TP_STRUCT__entry(__array(char, name, IFNAMSIZ)
			     __field(int, ifindex)
			     __field(u32, seq)
			     __field(u32, counter)
			     __field(bool, down)
			     __array(u8, peer, sizeof(struct sockaddr_in6))),
	    TP_fast_assign(strscpy(__entry->name, dev->name, IFNAMSIZ);
			   __entry->ifindex = dev->ifindex;
			   __entry->seq = seq;
			   __entry->counter = counter;
			   __entry->down = down;
			   gre_ka_trace_peer(__entry->peer, family, peer);),
	    TP_printk("dev=%s ifindex=%d seq=%u counter=%u line=%s peer=%pISc",
		      __entry->name, __entry->ifindex, __entry->seq,
		      __entry->counter, __entry->down ? "down" : "up",
		      __entry->peer)
);

TRACE_EVENT(gre_ka_reply,
	    TP_PROTO(const struct net_device *dev, unsigned short family,
		     const union gre_ka_addr *peer, int verdict, bool accepted,
		     u32 seq, s64 rtt_ns),
	    TP_ARGS(dev, family, peer, verdict, accepted, seq, rtt_ns),
	    TP_STRUCT__entry(__array(char, name, IFNAMSIZ)
			     __field(int, ifindex)
			     __field(int, verdict)
			     __field(bool, accepted)
			     __field(u32, seq)
			     __field(s64, rtt_ns)
			     __array(u8, peer, sizeof(struct sockaddr_in6))),
	    TP_fast_assign(strscpy(__entry->name, dev->name, IFNAMSIZ);
			   __entry->ifindex = dev->ifindex;
			   __entry->verdict = verdict;
			   __entry->accepted = accepted;
			   __entry->seq = seq;
			   __entry->rtt_ns = rtt_ns;
			   gre_ka_trace_peer(__entry->peer, family, peer);),
	    TP_printk("dev=%s ifindex=%d verdict=%s accepted=%d seq=%u rtt_ns=%lld peer=%pISc",
		      __entry->name, __entry->ifindex,
		      gre_ka_show_reason(__entry->verdict), __entry->accepted,
		      __entry->seq, __entry->rtt_ns, __entry->peer)
);

/* Every keepalive-shaped packet from the peer: counted, or why not. */
TRACE_EVENT(gre_ka_request,
	    TP_PROTO(const struct net_device *dev, unsigned short family,
		     const union gre_ka_addr *peer, unsigned int len,
		     int reason, bool ours, u32 seq, u64 peer_period_ns),
	    TP_ARGS(dev, family, peer, len, reason, ours, seq, peer_period_ns),
	    TP_STRUCT__entry(__array(char, name, IFNAMSIZ)
			     __field(int, ifindex)
			     __field(unsigned short, family)
			     __field(unsigned int, len)
			     __field(int, reason)
			     __field(bool, ours)
			     __field(u32, seq)
			     __field(u64, peer_period_ns)
			     __array(u8, peer, sizeof(struct sockaddr_in6))),
	    TP_fast_assign(strscpy(__entry->name, dev->name, IFNAMSIZ);
			   __entry->ifindex = dev->ifindex;
			   __entry->family = family;
			   __entry->len = len;
			   __entry->reason = reason;
			   __entry->ours = ours;
			   __entry->seq = seq;
			   __entry->peer_period_ns = peer_period_ns;
			   gre_ka_trace_peer(__entry->peer, family, peer);),
	    TP_printk("dev=%s ifindex=%d family=%s len=%u reason=%s ours=%d seq=%u peer_period_ns=%llu peer=%pISc",
		      __entry->name, __entry->ifindex,
		      gre_ka_show_family(__entry->family), __entry->len,
		      gre_ka_show_reason(__entry->reason), __entry->ours,
		      __entry->seq, __entry->peer_period_ns, __entry->peer)
);

/*
 * Every answer to a valid request: err 0 and how it left (underlay:
 * routed to the peer; tunnel: sent back through the tunnel), or why not
 * (err -ENOBUFS rate limit, -ETIMEDOUT TTL, -ENETUNREACH no route,
 * -ELOOP, -ENOMEM; reason says the same by name).
 */
TRACE_EVENT(gre_ka_reflect,
	    TP_PROTO(const struct net_device *dev, unsigned short family,
		     const union gre_ka_addr *peer, unsigned int len, int err,
		     int reason, bool overlay),
	    TP_ARGS(dev, family, peer, len, err, reason, overlay),
	    TP_STRUCT__entry(__array(char, name, IFNAMSIZ)
			     __field(int, ifindex)
			     __field(unsigned short, family)
			     __field(unsigned int, len)
			     __field(int, err)
			     __field(int, reason)
			     __field(bool, overlay)
			     __array(u8, peer, sizeof(struct sockaddr_in6))),
	    TP_fast_assign(strscpy(__entry->name, dev->name, IFNAMSIZ);
			   __entry->ifindex = dev->ifindex;
			   __entry->family = family;
			   __entry->len = len;
			   __entry->err = err;
			   __entry->reason = reason;
			   __entry->overlay = overlay;
			   gre_ka_trace_peer(__entry->peer, family, peer);),
	    TP_printk("dev=%s ifindex=%d family=%s len=%u err=%d reason=%s via=%s peer=%pISc",
		      __entry->name, __entry->ifindex,
		      gre_ka_show_family(__entry->family), __entry->len,
		      __entry->err, gre_ka_show_reason(__entry->reason),
		      __entry->overlay ? "tunnel" : "underlay", __entry->peer)
);

TRACE_EVENT(gre_ka_state_change,
	    TP_PROTO(const struct net_device *dev, unsigned short family,
		     const union gre_ka_addr *peer, bool up, u32 counter,
		     u32 up_needed, int cause),
	    TP_ARGS(dev, family, peer, up, counter, up_needed, cause),
	    TP_STRUCT__entry(__array(char, name, IFNAMSIZ)
			     __field(int, ifindex)
			     __field(bool, up)
			     __field(u32, counter)
			     __field(u32, up_needed)
			     __field(int, cause)
			     __array(u8, peer, sizeof(struct sockaddr_in6))),
	    TP_fast_assign(strscpy(__entry->name, dev->name, IFNAMSIZ);
			   __entry->ifindex = dev->ifindex;
			   __entry->up = up;
			   __entry->counter = counter;
			   __entry->up_needed = up_needed;
			   __entry->cause = cause;
			   gre_ka_trace_peer(__entry->peer, family, peer);),
	    TP_printk("dev=%s ifindex=%d line=%s counter=%u up_needed=%u cause=%s peer=%pISc",
		      __entry->name, __entry->ifindex,
		      __entry->up ? "up" : "down", __entry->counter,
		      __entry->up_needed, gre_ka_show_cause(__entry->cause),
		      __entry->peer)
);

#endif /* _GRE_KA_TRACE_H */

/* Must stay outside the include guard. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE gre_ka_trace
#include <trace/define_trace.h>
