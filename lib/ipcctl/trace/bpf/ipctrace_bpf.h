/* The data the BPF program (ipctrace.bpf.c) and its loader (system.cpp)
 * share: the ring buffer's event layouts, the --summary aggregation key and
 * value, a traced call's facts, and the numbering of kinds, ops and
 * directions. Plain C, so
 * that both clang -target bpf and g++ read it. Kind, op and direction values
 * are those of ipcctl::model::Kind and ipcctl::trace::Op/Dir (system.cpp
 * checks them with static_assert). */
#ifndef IPCTRACE_BPF_H
#define IPCTRACE_BPF_H

#ifndef __bpf__
#include <linux/types.h>
#endif

/* What the program knows of a traced call: the facts of its row in the one
 * syscall table (syscalls.cpp), which user space writes into the call map
 * (syscall number -> these) from the architecture's numbers before the
 * program runs. family is IPT_FAM_NONE (ipctrace_syscalls.h, generated from
 * the table's vocabulary) for a call not traced. Argument fields index the
 * six arguments, -1 where the call has none of the kind. */
struct ipt_sys {
	__u8 family;    /* enum ipt_family */
	__u8 kind;      /* enum ipt_kind when no descriptor says it, else IPT_K_NONE */
	__u8 op;        /* enum ipt_op, where the direction does not say it */
	__u8 dir;       /* enum ipt_dir: out sends, in receives */
	__u8 shape;     /* enum ipt_shape: how buf and len give the bytes */
	__u8 target_is; /* enum ipt_target */
	__u8 flags;     /* IPT_SYS_* */
	__s8 fd, buf, len, addr, id, flags_arg, path, sig, target;
};
#define IPT_SYS_ZERO_OK 1u /* returns 0 on success, having moved all it was asked to */

/* model::Kind */
enum ipt_kind {
	IPT_K_SYSV_MSG = 0, IPT_K_SYSV_SHM = 1, IPT_K_SYSV_SEM = 2,
	IPT_K_POSIX_MQ = 3, IPT_K_FIFO = 6, IPT_K_PIPE = 7,
	IPT_K_UNIX = 8, IPT_K_TCP = 9, IPT_K_UDP = 10, IPT_K_EVENTFD = 12, IPT_K_SIGNAL = 18,
	IPT_K_NONE = 255, /* not a Kind: the call's row names none */
};
/* trace::Op */
enum ipt_op {
	IPT_OP_SEND = 0, IPT_OP_RECV = 1, IPT_OP_CREATE = 2, IPT_OP_OPEN = 3, IPT_OP_UNLINK = 8,
	IPT_OP_ATTACH = 9, IPT_OP_DETACH = 10, IPT_OP_SEM_OP = 11,
	IPT_OP_SIGNAL_SEND = 14, IPT_OP_SIGNAL_DELIVER = 15,
};
/* trace::Dir */
enum ipt_dir { IPT_DIR_NONE = 0, IPT_DIR_OUT = 1, IPT_DIR_IN = 2 };

/* Event types in the ring buffer. */
enum ipt_type {
	IPT_EV_IPC = 1, IPT_EV_FORK = 2, IPT_EV_EXEC = 3, IPT_EV_EXIT = 4,
	IPT_EV_SOCKET = 5, /* --summary: a socket's ends, once per socket (a long event) */
};

/* Event flags (beyond Record's, which user space sets). */
#define IPT_F_CHANNEL 1u   /* channel is known */
#define IPT_F_TARGET 2u    /* target is known */
#define IPT_F_NAME 4u      /* the long form: name and addresses follow */
#define IPT_F_ADDR 8u      /* addr holds a sockaddr (addr_len bytes) */
#define IPT_F_TUPLE 16u    /* tuple holds the socket's local and remote ends */
#define IPT_F_ADDR_SRC 32u /* addr is the source (recvfrom, recvmsg), not the destination */
#define IPT_F_PEER 64u     /* peer_ino is the connected unix socket at the other end */

#define IPT_NAME_MAX 128
#define IPT_ADDR_MAX 112

struct ipt_event {
	__u64 mono_ns;      /* entry, CLOCK_MONOTONIC */
	__s64 duration_ns;
	__s64 result;       /* return value or -errno */
	__u64 channel;      /* inode, SysV id, eventfd id; sender pid for signal_deliver */
	__u64 requested;
	__u64 transferred;
	__u32 pid, tid;     /* tgid and thread id (for fork: the child's) */
	__s32 fd;
	__s32 target;       /* signal target tgid; for fork: the parent */
	__s32 aux;          /* signal number; sendmmsg/recvmmsg: messages */
	__u16 nr;           /* syscall number */
	__u8 type;          /* enum ipt_type */
	__u8 kind, op, dir, flags, sock_type;
	char comm[16];
	__u32 ipc_ns, net_ns; /* the process's namespaces (inode numbers) */
};

struct ipt_tuple {
	__u16 family;       /* AF_INET or AF_INET6 */
	__u16 lport, rport; /* host order */
	__u16 pad;
	__u8 laddr[16], raddr[16];
};

/* The long form, for events with a name (fifo path, mq name) or addresses. */
struct ipt_event_long {
	struct ipt_event e;
	struct ipt_tuple tuple;
	__u64 peer_ino;
	__u32 addr_len;
	__u8 addr[IPT_ADDR_MAX];
	char name[IPT_NAME_MAX];
};

/* --summary: the per-CPU aggregation, keyed by channel, process and direction. */
#define IPT_HIST_BUCKETS 32 /* log2 of the duration in ns */
struct ipt_agg_key {
	__u64 channel;
	__u32 pid;
	__u8 kind, op, dir, sock_type;
	__u32 ipc_ns; /* SysV and POSIX queue kinds: their ids repeat across IPC namespaces */
	__u32 pad;
};
struct ipt_agg_value {
	__u64 messages, bytes, errors;
	__u64 hist[IPT_HIST_BUCKETS];
	__u16 nr;
	__u16 pad[3];
	char comm[16];
};

/* Counters (a per-CPU array): events lost for a full ring buffer, and
 * aggregation entries lost for a full map. */
enum ipt_counter { IPT_LOST_EVENTS = 0, IPT_LOST_AGG = 1, IPT_COUNTERS = 2 };

/* Measuring aids (IPCTRACE_BPF=hooks, timing; bench/trace-system.sh), read
 * only by a build with -Dbench_knobs=true and never set in use: HOOKS
 * returns from sys_enter and sys_exit at once, what the two hooks cost by
 * being attached; TIMING only times each traced call, what a duration costs
 * on top of them. Either records nothing. */
enum ipt_aid { IPT_AID_NONE = 0, IPT_AID_HOOKS = 1, IPT_AID_TIMING = 2 };

#endif
