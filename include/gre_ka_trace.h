/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gre_ka tracepoints: /sys/kernel/tracing/events/gre_ka/, for perf,
 * trace-cmd and bpftrace. The device name is copied into a fixed array
 * rather than a __string() so that one definition builds on every kernel
 * (the __assign_str() signature changed in 6.10).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM gre_ka

#if !defined(_GRE_KA_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _GRE_KA_TRACE_H

#include <linux/netdevice.h>
#include <linux/tracepoint.h>

#include "gre_ka_proto.h"

#define gre_ka_show_verdict(v)						\
	__print_symbolic(v,						\
			 { GRE_KA_REPLY_OK,	 "ok" },		\
			 { GRE_KA_REPLY_SHORT,	 "short" },		\
			 { GRE_KA_REPLY_FOREIGN, "foreign" },		\
			 { GRE_KA_REPLY_BAD_MAC, "bad_mac" },		\
			 { GRE_KA_REPLY_STALE,	 "stale" },		\
			 { GRE_KA_REPLY_FUTURE,	 "future" },		\
			 { GRE_KA_REPLY_REPLAY,	 "replay" })

TRACE_EVENT(gre_ka_send,
	TP_PROTO(const struct net_device *dev, u32 seq, u32 counter,
		 bool down),
	TP_ARGS(dev, seq, counter, down),
	TP_STRUCT__entry(
		__array(char, name, IFNAMSIZ)
		__field(int, ifindex)
		__field(u32, seq)
		__field(u32, counter)
		__field(bool, down)
	),
	TP_fast_assign(
		strscpy(__entry->name, dev->name, IFNAMSIZ);
		__entry->ifindex = dev->ifindex;
		__entry->seq = seq;
		__entry->counter = counter;
		__entry->down = down;
	),
	TP_printk("dev=%s ifindex=%d seq=%u counter=%u line=%s",
		  __entry->name, __entry->ifindex, __entry->seq,
		  __entry->counter, __entry->down ? "down" : "up")
);

TRACE_EVENT(gre_ka_reply,
	TP_PROTO(const struct net_device *dev, int verdict, bool accepted,
		 u32 seq, s64 rtt_ns),
	TP_ARGS(dev, verdict, accepted, seq, rtt_ns),
	TP_STRUCT__entry(
		__array(char, name, IFNAMSIZ)
		__field(int, ifindex)
		__field(int, verdict)
		__field(bool, accepted)
		__field(u32, seq)
		__field(s64, rtt_ns)
	),
	TP_fast_assign(
		strscpy(__entry->name, dev->name, IFNAMSIZ);
		__entry->ifindex = dev->ifindex;
		__entry->verdict = verdict;
		__entry->accepted = accepted;
		__entry->seq = seq;
		__entry->rtt_ns = rtt_ns;
	),
	TP_printk("dev=%s ifindex=%d verdict=%s accepted=%d seq=%u rtt_ns=%lld",
		  __entry->name, __entry->ifindex,
		  gre_ka_show_verdict(__entry->verdict), __entry->accepted,
		  __entry->seq, __entry->rtt_ns)
);

TRACE_EVENT(gre_ka_reflect,
	TP_PROTO(const struct net_device *dev, unsigned short family,
		 unsigned int len, int err),
	TP_ARGS(dev, family, len, err),
	TP_STRUCT__entry(
		__array(char, name, IFNAMSIZ)
		__field(int, ifindex)
		__field(unsigned short, family)
		__field(unsigned int, len)
		__field(int, err)
	),
	TP_fast_assign(
		strscpy(__entry->name, dev->name, IFNAMSIZ);
		__entry->ifindex = dev->ifindex;
		__entry->family = family;
		__entry->len = len;
		__entry->err = err;
	),
	TP_printk("dev=%s ifindex=%d family=%s len=%u err=%d",
		  __entry->name, __entry->ifindex,
		  __entry->family == AF_INET6 ? "inet6" : "inet",
		  __entry->len, __entry->err)
);

TRACE_EVENT(gre_ka_state_change,
	TP_PROTO(const struct net_device *dev, bool up, u32 counter,
		 u32 up_needed),
	TP_ARGS(dev, up, counter, up_needed),
	TP_STRUCT__entry(
		__array(char, name, IFNAMSIZ)
		__field(int, ifindex)
		__field(bool, up)
		__field(u32, counter)
		__field(u32, up_needed)
	),
	TP_fast_assign(
		strscpy(__entry->name, dev->name, IFNAMSIZ);
		__entry->ifindex = dev->ifindex;
		__entry->up = up;
		__entry->counter = counter;
		__entry->up_needed = up_needed;
	),
	TP_printk("dev=%s ifindex=%d line=%s counter=%u up_needed=%u",
		  __entry->name, __entry->ifindex,
		  __entry->up ? "up" : "down", __entry->counter,
		  __entry->up_needed)
);

#endif /* _GRE_KA_TRACE_H */

/* Must stay outside the include guard. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE gre_ka_trace
#include <trace/define_trace.h>
