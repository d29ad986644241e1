// SPDX-License-Identifier: GPL-2.0-or-later
/* ipctrace --system: the in-kernel half. Only stable hooks: the raw
 * sys_enter/sys_exit tracepoints (one pair for every call; the call map says
 * which matter), sock:sock_send_length/sock_recv_length (the socket behind
 * any send or receive), signal:signal_generate/signal_deliver and
 * sched:sched_process_fork/exec/exit. All are tp_btf programs, so nothing
 * needs tracefs or kprobes, and every structure is read with CO-RE.
 *
 * Cheap checks come first: the call number (an inlined array lookup, at
 * sys_enter and at sys_exit), then the process filter (tgid map, cgroup id,
 * comm map) at sys_enter, so an untraced call costs one array load and an
 * unrelated process nothing more. A remembered call lives in per-task
 * storage (no hash insert or delete per call) and becomes
 * one event at its exit, with the channel read from the descriptor's file
 * (pipe and FIFO inode, mq inode and name, eventfd id) or from the socket
 * the sock tracepoints saw; with --summary it is added to a per-CPU hash
 * instead and nothing crosses to user space per event.
 *
 * What a call is comes from its row of the syscall table (syscalls.cpp),
 * which the loader writes into the call map: sys_exit has one handler per
 * family, and the row says which argument is the descriptor, the buffer,
 * the address or the id. A call of a known family needs no code here. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "ipctrace_bpf.h"
#include "ipctrace_syscalls.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by the loader before the program is loaded. */
const volatile __u32 self_tgid = 0;
const volatile __u8 filter_pids = 0;    /* only tgids in the tgids map (and their children) */
const volatile __u8 filter_cgroup = 0;  /* only tasks in cgroup_id */
const volatile __u8 filter_comm = 0;    /* only tasks whose comm is in the comms map */
const volatile __u8 summary = 0;        /* aggregate data events, send nothing per event */
const volatile __u64 cgroup_id = 0;
const volatile __u32 kinds = 0xffffffff; /* bit per enum ipt_kind */
const volatile __u8 aid = IPT_AID_NONE;  /* enum ipt_aid; the verifier drops what it does not take */

/* libbpf 1.1 reads five syscall arguments; the sixth is in r9 (x86-64) or x5 (arm64). */
#ifndef PT_REGS_PARM6_CORE_SYSCALL
#if defined(__TARGET_ARCH_x86)
#define PT_REGS_PARM6_CORE_SYSCALL(x) BPF_CORE_READ(x, r9)
#elif defined(__TARGET_ARCH_arm64)
#define PT_REGS_PARM6_CORE_SYSCALL(x) BPF_CORE_READ((struct user_pt_regs *)(x), regs[5])
#else
#define PT_REGS_PARM6_CORE_SYSCALL(x) 0
#endif
#endif

#define PIPEFS_MAGIC 0x50495045
#define MQUEUE_MAGIC 0x19800202
#define ANON_INODE_FS_MAGIC 0x09041934
#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define S_IFIFO 0010000
#define O_CREAT 0100
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct ipt_sys);
} calls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u8);
} tgids SEC(".maps");

struct comm_key {
	char comm[16];
};
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct comm_key);
	__type(value, __u8);
} comms SEC(".maps");

/* The call a thread is in, between sys_enter and sys_exit: per-task
 * storage, so the hot path does no hash insert or delete; sys.family is
 * IPT_FAM_NONE when the thread is in no traced call. */
struct call {
	__u64 start;
	__u64 a[6];
	__u64 sk;           /* the socket the sock tracepoints saw */
	__s64 sock_bytes;   /* bytes they reported */
	__u32 sock_msgs;
	__s32 sig_target;   /* tgid signal_generate saw */
	__u32 nr;
	struct ipt_sys sys; /* its row of the syscall table */
};
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct call);
} inflight SEC(".maps");

/* The current thread's call, or NULL when it is in none. */
static __always_inline struct call *current_call(void)
{
	struct call *c = bpf_task_storage_get(&inflight, bpf_get_current_task_btf(), 0, 0);

	return c && c->sys.family != IPT_FAM_NONE ? c : NULL;
}

/* The row of a system call the call map names, or NULL: an array lookup
 * the verifier inlines, so the first check of every hook is cheap. */
static __always_inline const struct ipt_sys *traced_call(long id)
{
	__u32 nr = (__u32)id;
	const struct ipt_sys *s;

	if (id < 0 || id >= 1024)
		return NULL;
	s = bpf_map_lookup_elem(&calls, &nr);
	return s && s->family != IPT_FAM_NONE ? s : NULL;
}

/* Argument I of the call, an index from its row; 0 where the row has -1. */
static __always_inline __u64 arg(const struct call *c, int i)
{
	return i >= 0 && i < 6 ? c->a[i] : 0;
}

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct ipt_agg_key);
	__type(value, struct ipt_agg_value);
} agg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, IPT_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/* A zeroed long event, for building one on the stack is too big. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ipt_event_long);
} scratch SEC(".maps");

static __always_inline void count(__u32 which)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &which);
	if (c)
		*c += 1;
}

static __always_inline bool wanted(__u32 tgid)
{
	if (tgid == self_tgid)
		return false;
	if (filter_pids && !bpf_map_lookup_elem(&tgids, &tgid))
		return false;
	if (filter_cgroup && bpf_get_current_cgroup_id() != cgroup_id)
		return false;
	if (filter_comm) {
		struct comm_key k = {};
		bpf_get_current_comm(k.comm, sizeof(k.comm));
		if (!bpf_map_lookup_elem(&comms, &k))
			return false;
	}
	return true;
}

static __always_inline bool kind_on(__u8 kind)
{
	return kinds & (1u << kind);
}

/* Linux 6.2 and later. Weak: an object that refers to it still loads on
 * 6.1, where only on_sys_exit_compat, which never calls it, is loaded. */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;

/* A field of a file, inode or socket that fd_file returned. TYPED (a
 * constant, so that the other branch is compiled out): the pointer went
 * through bpf_rdonly_cast, and its fields are plain loads; otherwise each
 * is a probe read, as kernels before 6.2 need. */
#define FIELD(typed, p, field) ((typed) ? (p)->field : BPF_CORE_READ(p, field))

static __always_inline struct file *fd_file(int fd, const bool typed)
{
	/* Plain loads through the task's trusted pointer; the indexed slot is
	 * a probe read only where bpf_rdonly_cast is missing (before 6.2). */
	struct task_struct *task = bpf_get_current_task_btf();
	struct files_struct *files = task->files;
	struct fdtable *fdt = files ? files->fdt : NULL;
	struct file *f = NULL;

	if (fd < 0 || !fdt || (unsigned int)fd >= fdt->max_fds)
		return NULL;
	if (typed && bpf_core_field_offset(struct kiocb, ki_filp) == 0) {
		/* The slot read as the first member of a kiocb, a struct file
		 * pointer: a plain load that cannot fault, not a helper call. */
		struct kiocb *slot = bpf_rdonly_cast(&fdt->fd[fd], bpf_core_type_id_kernel(struct kiocb));
		f = slot->ki_filp;
	} else {
		bpf_probe_read_kernel(&f, sizeof(f), &fdt->fd[fd]);
	}
	if (!f || !typed)
		return f;
	/* Typed again, so that its fields are plain loads too. */
	return bpf_rdonly_cast(f, bpf_core_type_id_kernel(struct file));
}

/* Sum of iov_len over at most 16 iovecs. */
static __always_inline __u64 iov_total(const struct iovec *iov, __u64 n)
{
	__u64 total = 0;

	for (int i = 0; i < 16; i++) {
		struct iovec v = {};
		if ((__u64)i >= n)
			break;
		if (bpf_probe_read_user(&v, sizeof(v), &iov[i]))
			break;
		total += v.iov_len;
	}
	return total;
}

/* The six arguments. tp_btf hands a pointer the verifier trusts: on x86-64
 * they are plain loads, not one bpf_probe_read per register. */
static __always_inline void read_args(struct call *c, struct pt_regs *regs)
{
#if defined(__TARGET_ARCH_x86)
	c->a[0] = regs->di;
	c->a[1] = regs->si;
	c->a[2] = regs->dx;
	c->a[3] = regs->r10;
	c->a[4] = regs->r8;
	c->a[5] = regs->r9;
#else
	c->a[0] = PT_REGS_PARM1_CORE_SYSCALL(regs);
	c->a[1] = PT_REGS_PARM2_CORE_SYSCALL(regs);
	c->a[2] = PT_REGS_PARM3_CORE_SYSCALL(regs);
	c->a[3] = PT_REGS_PARM4_CORE_SYSCALL(regs);
	c->a[4] = PT_REGS_PARM5_CORE_SYSCALL(regs);
	c->a[5] = PT_REGS_PARM6_CORE_SYSCALL(regs);
#endif
}

SEC("tp_btf/sys_enter")
int BPF_PROG(on_sys_enter, struct pt_regs *regs, long id)
{
	const struct ipt_sys *which = traced_call(id);
	struct call *c;

	if (aid == IPT_AID_HOOKS)
		return 0;
	if (!which || !wanted(bpf_get_current_pid_tgid() >> 32))
		return 0;
	c = bpf_task_storage_get(&inflight, bpf_get_current_task_btf(), 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!c)
		return 0;
	c->sys = *which;
	c->nr = (__u32)id;
	c->sk = 0;
	c->sock_bytes = 0;
	c->sock_msgs = 0;
	c->sig_target = 0;
	read_args(c, regs);
	c->start = bpf_ktime_get_ns();
	return 0;
}

static __always_inline void on_sock(struct sock *sk, int ret)
{
	struct call *c = current_call();

	if (!c)
		return;
	c->sk = (__u64)sk;
	if (ret > 0) {
		c->sock_bytes += ret;
		c->sock_msgs += 1;
	}
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(on_sock_send, struct sock *sk, int ret, int flags)
{
	on_sock(sk, ret);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(on_sock_recv, struct sock *sk, int ret, int flags)
{
	on_sock(sk, ret);
	return 0;
}

SEC("tp_btf/signal_generate")
int BPF_PROG(on_signal_generate, int sig, struct kernel_siginfo *info, struct task_struct *task,
	     int group, int result)
{
	struct call *c = current_call();

	if (c && c->sys.family == IPT_FAM_SIGNAL_SEND)
		c->sig_target = BPF_CORE_READ(task, tgid);
	return 0;
}

static __always_inline void set_namespaces(struct ipt_event *e, struct task_struct *t)
{
	struct nsproxy *ns = t->nsproxy;

	if (!ns)
		return; /* an exiting task */
	e->ipc_ns = ns->ipc_ns->ns.inum;
	e->net_ns = ns->net_ns->ns.inum;
}

static __always_inline void fill_common(struct ipt_event *e, __u64 pid_tgid)
{
	e->pid = pid_tgid >> 32;
	e->tid = (__u32)pid_tgid;
	e->fd = -1;
	e->type = IPT_EV_IPC;
}

/* The command and namespaces, only for an event that goes out: a counted
 * one (--summary) needs neither. The command is two plain loads through
 * the task's trusted pointer, not bpf_get_current_comm's copy loop (a
 * tenth of the hook): the kernel pads comm with zeros when it sets it. */
static __always_inline void fill_identity(struct ipt_event *e)
{
	struct task_struct *t = bpf_get_current_task_btf();
	const __u64 *comm = (const __u64 *)t->comm;

	((__u64 *)e->comm)[0] = comm[0];
	((__u64 *)e->comm)[1] = comm[1];
	set_namespaces(e, t);
}

/* floor(log2(d)) for d >= 2, else 0, capped at the last bucket: five
 * halvings of the range, not a loop of up to 31 shifts. */
static __always_inline __u32 hist_bucket(__s64 d)
{
	__u64 v = d > 1 ? (__u64)d : 1;
	__u32 b = 0;

	if (v >> 32) { v >>= 32; b += 32; }
	if (v >> 16) { v >>= 16; b += 16; }
	if (v >> 8) { v >>= 8; b += 8; }
	if (v >> 4) { v >>= 4; b += 4; }
	if (v >> 2) { v >>= 2; b += 2; }
	if (v >> 1) b += 1;
	return b < IPT_HIST_BUCKETS ? b : IPT_HIST_BUCKETS - 1;
}

/* --summary: sockets already described to user space. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u8);
} described SEC(".maps");

/* --summary: a socket's ends and peer go out once, for resolving its rows. */
static __always_inline void describe_once(struct ipt_event_long *l)
{
	__u64 ino = l->e.channel;
	__u8 one = 1;

	if (!(l->e.flags & (IPT_F_TUPLE | IPT_F_PEER | IPT_F_ADDR)) || !(l->e.flags & IPT_F_CHANNEL))
		return;
	if (bpf_map_lookup_elem(&described, &ino))
		return;
	bpf_map_update_elem(&described, &ino, &one, BPF_ANY);
	fill_identity(&l->e);
	l->e.type = IPT_EV_SOCKET;
	if (bpf_ringbuf_output(&events, l, sizeof(*l), BPF_RB_NO_WAKEUP))
		count(IPT_LOST_EVENTS);
	l->e.type = IPT_EV_IPC;
}

/* --summary: add a counted event to its row; false when it must go out as an event. */
static __always_inline bool aggregate(struct ipt_event_long *l)
{
	struct ipt_event *e = &l->e;
	struct ipt_agg_key k = {};
	struct ipt_agg_value *v;

	if (!summary)
		return false;
	if (e->op != IPT_OP_SEND && e->op != IPT_OP_RECV && e->op != IPT_OP_SEM_OP && e->op != IPT_OP_SIGNAL_SEND)
		return false;
	k.channel = e->op == IPT_OP_SIGNAL_SEND ? (__u64)e->target : e->channel;
	k.pid = e->pid;
	k.kind = e->kind;
	k.op = e->op;
	k.dir = e->dir;
	k.sock_type = e->sock_type;
	if (e->kind <= IPT_K_POSIX_MQ) {
		struct nsproxy *ns = bpf_get_current_task_btf()->nsproxy;

		if (ns)
			k.ipc_ns = ns->ipc_ns->ns.inum;
	}
	if (e->kind == IPT_K_UNIX || e->kind == IPT_K_TCP || e->kind == IPT_K_UDP)
		describe_once(l);
	v = bpf_map_lookup_elem(&agg, &k);
	if (!v) {
		struct ipt_agg_value zero = {};
		zero.nr = e->nr;
		bpf_get_current_comm(zero.comm, sizeof(zero.comm));
		if (bpf_map_update_elem(&agg, &k, &zero, BPF_NOEXIST) && bpf_map_lookup_elem(&agg, &k) == NULL) {
			count(IPT_LOST_AGG);
			return true;
		}
		v = bpf_map_lookup_elem(&agg, &k);
		if (!v)
			return true;
	}
	if (e->result < 0 && e->result >= -4095) { /* IS_ERR_VALUE, as user space reads it */
		v->errors += 1;
	} else {
		if (e->op == IPT_OP_SEND || e->op == IPT_OP_RECV) {
			v->messages += e->aux > 0 ? e->aux : 1; /* aux: sendmmsg/recvmmsg messages */
			v->bytes += e->transferred;
		} else {
			v->messages += 1;
		}
	}
	if (e->duration_ns >= 0) {
		__u32 b = hist_bucket(e->duration_ns);
		if (b < IPT_HIST_BUCKETS)
			v->hist[b] += 1;
	}
	return true;
}

static __always_inline void submit(struct ipt_event_long *l)
{
	if (aggregate(l))
		return;
	fill_identity(&l->e);
	if (l->e.flags & IPT_F_NAME) {
		if (bpf_ringbuf_output(&events, l, sizeof(*l), BPF_RB_NO_WAKEUP))
			count(IPT_LOST_EVENTS);
	} else if (bpf_ringbuf_output(&events, &l->e, sizeof(l->e), BPF_RB_NO_WAKEUP)) {
		count(IPT_LOST_EVENTS);
	}
}

/* The socket behind a descriptor, when it is one. */
static __always_inline struct sock *fd_sock(struct file *f, const bool typed)
{
	struct inode *ino = FIELD(typed, f, f_inode);
	struct socket *s;

	if ((FIELD(typed, ino, i_mode) & S_IFMT) != S_IFSOCK)
		return NULL;
	s = FIELD(typed, f, private_data);
	return s ? BPF_CORE_READ(s, sk) : NULL;
}

/* Classifies a socket: kind, type, inode, and for inet its two ends.
 * False for families ipctrace does not report (netlink, packet). */
static __always_inline bool describe_sock(struct sock *sk, struct ipt_event_long *l)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	__u16 proto = BPF_CORE_READ(sk, sk_protocol);

	if (family == AF_UNIX) {
		struct sock *peer = BPF_CORE_READ((struct unix_sock *)sk, peer);
		l->e.kind = IPT_K_UNIX;
		l->e.sock_type = (__u8)BPF_CORE_READ(sk, sk_type);
		if (peer) {
			l->peer_ino = BPF_CORE_READ(peer, sk_socket, file, f_inode, i_ino);
			if (l->peer_ino)
				l->e.flags |= IPT_F_PEER | IPT_F_NAME;
		}
	} else if (family == AF_INET || family == AF_INET6) {
		if (proto == IPPROTO_TCP)
			l->e.kind = IPT_K_TCP;
		else if (proto == IPPROTO_UDP)
			l->e.kind = IPT_K_UDP;
		else
			return false;
		l->tuple.family = family;
		l->tuple.lport = BPF_CORE_READ(sk, __sk_common.skc_num);
		l->tuple.rport = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
		if (family == AF_INET) {
			bpf_core_read(l->tuple.laddr, 4, &sk->__sk_common.skc_rcv_saddr);
			bpf_core_read(l->tuple.raddr, 4, &sk->__sk_common.skc_daddr);
		} else {
			bpf_core_read(l->tuple.laddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
			bpf_core_read(l->tuple.raddr, 16, &sk->__sk_common.skc_v6_daddr);
		}
		l->e.flags |= IPT_F_TUPLE | IPT_F_NAME;
	} else {
		return false;
	}
	l->e.channel = BPF_CORE_READ(sk, sk_socket, file, f_inode, i_ino);
	if (l->e.channel)
		l->e.flags |= IPT_F_CHANNEL;
	return true;
}

/* Classifies a descriptor's file that is not a socket: pipe, FIFO, mq,
 * eventfd. False for anything else (files, terminals). */
static __always_inline bool describe_file(struct file *f, struct ipt_event_long *l, const bool typed)
{
	struct inode *ino = FIELD(typed, f, f_inode);
	struct super_block *sb = FIELD(typed, ino, i_sb);
	unsigned long magic = FIELD(typed, sb, s_magic);
	__u16 mode = FIELD(typed, ino, i_mode);

	if ((mode & S_IFMT) == S_IFIFO) {
		l->e.kind = magic == PIPEFS_MAGIC ? IPT_K_PIPE : IPT_K_FIFO;
		l->e.channel = FIELD(typed, ino, i_ino);
		l->e.flags |= IPT_F_CHANNEL;
		return true;
	}
	if (magic == MQUEUE_MAGIC) {
		const unsigned char *name = BPF_CORE_READ(f, f_path.dentry, d_name.name);
		l->e.kind = IPT_K_POSIX_MQ;
		l->e.channel = BPF_CORE_READ(ino, i_ino);
		l->e.flags |= IPT_F_CHANNEL | IPT_F_NAME;
		l->name[0] = '/';
		bpf_probe_read_kernel_str(&l->name[1], IPT_NAME_MAX - 1, name);
		return true;
	}
	if (magic == ANON_INODE_FS_MAGIC) {
		char n[10] = {};
		const unsigned char *name = BPF_CORE_READ(f, f_path.dentry, d_name.name);
		bpf_probe_read_kernel(n, sizeof(n), name);
		if (n[0] != '[' || n[1] != 'e' || n[2] != 'v' || n[3] != 'e' || n[4] != 'n' || n[5] != 't' ||
		    n[6] != 'f' || n[7] != 'd' || n[8] != ']')
			return false;
		struct eventfd_ctx *ctx = BPF_CORE_READ(f, private_data);
		l->e.kind = IPT_K_EVENTFD;
		l->e.channel = (__u64)BPF_CORE_READ(ctx, id);
		l->e.flags |= IPT_F_CHANNEL;
		return true;
	}
	return false;
}

static __always_inline void read_addr(struct ipt_event_long *l, __u64 uaddr, __u64 len, __u32 flag)
{
	if (!uaddr || !len)
		return;
	__u32 n = len > IPT_ADDR_MAX ? IPT_ADDR_MAX : (__u32)len;
	asm volatile("" : "+r"(n)); /* keep the bound below for the verifier */
	n &= 0x7f;
	if (n > IPT_ADDR_MAX)
		return;
	if (bpf_probe_read_user(l->addr, n, (const void *)uaddr) == 0) {
		l->addr_len = n;
		l->e.flags |= IPT_F_ADDR | IPT_F_NAME | flag;
	}
}

/* What a send or receive moved: a call that returns 0 on success moved all
 * it was asked to; the others return the bytes. */
static __always_inline void set_transferred(struct call *c, struct ipt_event_long *l)
{
	if (c->sys.flags & IPT_SYS_ZERO_OK) {
		if (l->e.result == 0)
			l->e.transferred = l->e.requested;
	} else if (l->e.result > 0) {
		l->e.transferred = l->e.result;
	}
}

/* Family fd_data, a send or receive on a descriptor: false when it is not IPC. */
static __always_inline bool data_call(struct call *c, struct ipt_event_long *l, const bool typed)
{
	const struct ipt_sys *s = &c->sys;
	struct sock *sk = (struct sock *)c->sk;
	struct file *f = NULL;
	const bool send = s->dir == IPT_DIR_OUT;

	l->e.fd = (int)arg(c, s->fd);
	l->e.op = send ? IPT_OP_SEND : IPT_OP_RECV;
	l->e.dir = send ? IPT_DIR_OUT : IPT_DIR_IN;
	if (!sk) {
		f = fd_file(l->e.fd, typed);
		if (!f)
			return false;
		sk = fd_sock(f, typed);
	}
	if (sk) {
		if (!describe_sock(sk, l))
			return false;
	} else if (!describe_file(f, l, typed)) {
		return false;
	}
	switch (s->shape) {
	case IPT_SHAPE_BYTES:
		l->e.requested = arg(c, s->len);
		break;
	case IPT_SHAPE_IOV:
		l->e.requested = iov_total((const struct iovec *)arg(c, s->buf), arg(c, s->len));
		break;
	case IPT_SHAPE_MSGHDR: {
		struct user_msghdr m = {};
		if (bpf_probe_read_user(&m, sizeof(m), (const void *)arg(c, s->buf)) == 0) {
			l->e.requested = iov_total(m.msg_iov, m.msg_iovlen);
			if (send)
				read_addr(l, (__u64)m.msg_name, m.msg_namelen, 0);
		}
		break;
	}
	default:
		break;
	}
	/* An address argument: its length follows, a value for a send (the
	 * destination), a pointer for a receive (the source). */
	if (s->addr >= 0) {
		__u64 uaddr = arg(c, s->addr), ulen = arg(c, s->addr + 1);
		if (send) {
			read_addr(l, uaddr, ulen, 0);
		} else if (uaddr && ulen && l->e.result >= 0) {
			__u32 len = 0;
			bpf_probe_read_user(&len, sizeof(len), (const void *)ulen);
			read_addr(l, uaddr, len, IPT_F_ADDR_SRC);
		}
	}
	if (s->shape == IPT_SHAPE_MMSGHDR) {
		l->e.aux = c->sock_msgs;
		l->e.transferred = c->sock_bytes > 0 ? c->sock_bytes : 0;
		l->e.requested = l->e.transferred;
	} else {
		set_transferred(c, l);
	}
	return true;
}

/* Families sysv_data, sem_op, shm_attach, shm_detach: a SysV object by its
 * id (shmdt: by the address its shmat returned, which user space knows). */
static __always_inline void sysv_call(struct call *c, struct ipt_event_long *l)
{
	const struct ipt_sys *s = &c->sys;

	l->e.kind = s->kind;
	if (s->id >= 0) {
		l->e.channel = arg(c, s->id);
		l->e.flags |= IPT_F_CHANNEL;
	}
	l->e.op = s->op;
	if (s->len >= 0)
		l->e.requested = arg(c, s->len);
	if (s->family == IPT_FAM_SHM_DETACH)
		l->e.requested = arg(c, s->buf);
	if (s->family == IPT_FAM_SYSV_DATA) {
		l->e.op = s->dir == IPT_DIR_OUT ? IPT_OP_SEND : IPT_OP_RECV;
		l->e.dir = s->dir;
		set_transferred(c, l);
	}
}

/* Family mq_name: mq_open, mq_unlink. */
static __always_inline void mq_call(struct call *c, struct ipt_event_long *l, long ret, const bool typed)
{
	const struct ipt_sys *s = &c->sys;

	l->e.kind = s->kind;
	l->e.flags |= IPT_F_NAME;
	l->e.op = s->flags_arg >= 0 && (arg(c, s->flags_arg) & O_CREAT) ? IPT_OP_CREATE : s->op;
	bpf_probe_read_user_str(l->name, IPT_NAME_MAX, (const void *)arg(c, s->path));
	if (s->op != IPT_OP_UNLINK && ret >= 0) {
		struct file *f = fd_file((int)ret, typed);
		if (f) {
			l->e.channel = BPF_CORE_READ(f, f_inode, i_ino);
			l->e.flags |= IPT_F_CHANNEL;
		}
	}
}

/* Family fifo_open: only a FIFO's opening, which names the path its ref needs. */
static __always_inline bool fifo_open(struct call *c, struct ipt_event_long *l, long ret, const bool typed)
{
	struct file *f = ret >= 0 ? fd_file((int)ret, typed) : NULL;

	if (!f)
		return false;
	struct inode *ino = BPF_CORE_READ(f, f_inode);
	if ((BPF_CORE_READ(ino, i_mode) & S_IFMT) != S_IFIFO || BPF_CORE_READ(ino, i_sb, s_magic) == PIPEFS_MAGIC)
		return false;
	l->e.kind = IPT_K_FIFO;
	l->e.op = c->sys.op;
	l->e.fd = (int)ret;
	l->e.channel = BPF_CORE_READ(ino, i_ino);
	l->e.flags |= IPT_F_CHANNEL | IPT_F_NAME;
	bpf_probe_read_user_str(l->name, IPT_NAME_MAX, (const void *)arg(c, c->sys.path));
	return true;
}

/* Family signal_send: false for signal 0, which only asks whether the target is there. */
static __always_inline bool signal_call(struct call *c, struct ipt_event_long *l)
{
	const struct ipt_sys *s = &c->sys;

	l->e.aux = (int)arg(c, s->sig);
	if (l->e.aux == 0)
		return false;
	l->e.kind = s->kind;
	l->e.op = s->op;
	l->e.dir = s->dir;
	/* signal_generate saw the target's process; a pid argument is the
	 * fallback (a thread or a pidfd is not a process's id). */
	if (c->sig_target > 0)
		l->e.target = c->sig_target;
	else if (s->target_is == IPT_TARGET_PID)
		l->e.target = (int)arg(c, s->target);
	if (l->e.target > 0)
		l->e.flags |= IPT_F_TARGET;
	if (s->target_is == IPT_TARGET_PIDFD)
		l->e.fd = (int)arg(c, s->target);
	return true;
}

/* The number of the system call that returns, where the architecture says
 * where it is; elsewhere -1, and the per-task call alone decides. */
#if defined(__TARGET_ARCH_x86)
#define EXIT_SYSCALL_NR(regs) ((long)(regs)->orig_ax)
#elif defined(__TARGET_ARCH_arm64)
#define EXIT_SYSCALL_NR(regs) ((long)BPF_CORE_READ((struct user_pt_regs *)(regs), syscallno))
#else
#define EXIT_SYSCALL_NR(regs) (-1L)
#endif

/* An empty event: the header and whatever of the long form user space reads
 * by its flags; the 100-odd bytes of addr and name stay as they are. */
static __always_inline void clear_event(struct ipt_event_long *l)
{
	__builtin_memset(&l->e, 0, sizeof(l->e));
	__builtin_memset(&l->tuple, 0, sizeof(l->tuple));
	l->peer_ino = 0;
	l->addr_len = 0;
	l->name[0] = 0;
}

/* The return of a traced call: the event. TYPED: as in FIELD. */
static __always_inline int sys_exit(struct pt_regs *regs, long ret, const bool typed)
{
	const long nr = EXIT_SYSCALL_NR(regs);
	__u64 pid_tgid;
	__u32 zero = 0;
	struct call *c;
	struct ipt_event_long *l;
	bool keep = false;

	/* Every call of every process comes here: first the cheap no. */
	if (aid == IPT_AID_HOOKS || (nr >= 0 && !traced_call(nr)))
		return 0;
	c = current_call();
	if (!c)
		return 0;
	if (aid == IPT_AID_TIMING) {
		c->start = bpf_ktime_get_ns() - c->start;
		c->sys.family = IPT_FAM_NONE;
		return 0;
	}
	l = bpf_map_lookup_elem(&scratch, &zero);
	if (!l) {
		c->sys.family = IPT_FAM_NONE;
		return 0;
	}
	pid_tgid = bpf_get_current_pid_tgid();
	clear_event(l);
	fill_common(&l->e, pid_tgid);
	l->e.mono_ns = c->start;
	l->e.duration_ns = bpf_ktime_get_ns() - c->start;
	/* A call interrupted by a signal (-ERESTARTSYS and kin) shows as EINTR. */
	l->e.result = (ret <= -512 && ret >= -516) ? -4 : ret;
	l->e.nr = c->nr;

	/* One handler for each family the program decodes (bpf_decodes(),
	 * syscall_facts.hpp); the row gives the rest. */
	switch (c->sys.family) {
	case IPT_FAM_FD_DATA:
		keep = data_call(c, l, typed);
		break;
	case IPT_FAM_SYSV_DATA: case IPT_FAM_SEM_OP: case IPT_FAM_SHM_ATTACH: case IPT_FAM_SHM_DETACH:
		sysv_call(c, l);
		keep = true;
		break;
	case IPT_FAM_MQ_NAME:
		mq_call(c, l, ret, typed);
		keep = true;
		break;
	case IPT_FAM_FIFO_OPEN:
		keep = fifo_open(c, l, ret, typed);
		break;
	case IPT_FAM_SIGNAL_SEND:
		keep = signal_call(c, l);
		break;
	default:
		break;
	}
	c->sys.family = IPT_FAM_NONE;
	if (keep && kind_on(l->e.kind))
		submit(l);
	return 0;
}

/* User space loads one of the two: the first where the kernel has
 * bpf_rdonly_cast (6.2 and later), the second elsewhere. */
SEC("tp_btf/sys_exit")
int BPF_PROG(on_sys_exit, struct pt_regs *regs, long ret)
{
	return sys_exit(regs, ret, true);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(on_sys_exit_compat, struct pt_regs *regs, long ret)
{
	return sys_exit(regs, ret, false);
}

SEC("tp_btf/signal_deliver")
int BPF_PROG(on_signal_deliver, int sig, struct kernel_siginfo *info, struct k_sigaction *ka)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 zero = 0;
	struct ipt_event_long *l;

	if (!kind_on(IPT_K_SIGNAL) || !wanted(pid_tgid >> 32))
		return 0;
	/* Only signals a process sent (si_code <= 0), not the kernel's SIGCHLD or SIGSEGV. */
	if (BPF_CORE_READ(info, si_code) > 0)
		return 0;
	l = bpf_map_lookup_elem(&scratch, &zero);
	if (!l)
		return 0;
	clear_event(l);
	fill_common(&l->e, pid_tgid);
	l->e.mono_ns = bpf_ktime_get_ns();
	l->e.duration_ns = -1;
	l->e.kind = IPT_K_SIGNAL;
	l->e.op = IPT_OP_SIGNAL_DELIVER;
	l->e.dir = IPT_DIR_IN;
	l->e.aux = sig;
	l->e.target = pid_tgid >> 32;
	l->e.channel = (__u64)BPF_CORE_READ(info, _sifields._kill._pid);
	l->e.flags = IPT_F_TARGET;
	submit(l);
	return 0;
}

static __always_inline void proc_event(__u8 type, __u32 pid, __u32 other, struct task_struct *t)
{
	struct ipt_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		count(IPT_LOST_EVENTS);
		return;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->type = type;
	e->pid = pid;
	e->tid = pid;
	e->target = other;
	e->mono_ns = bpf_ktime_get_ns();
	BPF_CORE_READ_STR_INTO(&e->comm, t, comm);
	set_namespaces(e, t);
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = BPF_CORE_READ(parent, tgid);
	__u32 ctgid = BPF_CORE_READ(child, tgid);
	__u8 one = 1;

	if (ptgid == ctgid)
		return 0; /* a thread */
	if (filter_pids && bpf_map_lookup_elem(&tgids, &ptgid))
		bpf_map_update_elem(&tgids, &ctgid, &one, BPF_ANY);
	if (!wanted(ptgid))
		return 0;
	proc_event(IPT_EV_FORK, ctgid, ptgid, child);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = BPF_CORE_READ(p, tgid);

	if (!wanted(tgid))
		return 0;
	proc_event(IPT_EV_EXEC, tgid, 0, p);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *p)
{
	__u32 tgid = BPF_CORE_READ(p, tgid);

	if (BPF_CORE_READ(p, pid) != tgid)
		return 0; /* a thread */
	if (wanted(tgid))
		proc_event(IPT_EV_EXIT, tgid, 0, p);
	if (filter_pids)
		bpf_map_delete_elem(&tgids, &tgid);
	return 0;
}
