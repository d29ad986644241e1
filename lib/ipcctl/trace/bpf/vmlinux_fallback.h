/* The kernel types ipctrace.bpf.c uses, trimmed to the fields it reads: the
 * build uses this when the build machine has no /sys/kernel/btf/vmlinux (or
 * no bpftool to dump it). Field offsets do not matter here: every access is
 * relocated (CO-RE, preserve_access_index) against the running kernel's BTF
 * when the program is loaded. The user ABI structures (iovec, user_msghdr)
 * are copied whole and must keep their real layout. */
#ifndef IPCTRACE_VMLINUX_H
#define IPCTRACE_VMLINUX_H
#define __VMLINUX_H__ /* bpf_tracing.h: kernel pt_regs names (di, not rdi) */

typedef unsigned char __u8;
typedef signed char __s8;
typedef unsigned short __u16;
typedef short __s16;
typedef unsigned int __u32;
typedef int __s32;
typedef unsigned long long __u64;
typedef long long __s64;
typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s64 s64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u16 __sum16;
typedef __u32 __wsum;
typedef int pid_t;
typedef unsigned long size_t;
typedef _Bool bool;
#define true 1
#define false 0

enum bpf_map_type {
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_ARRAY = 2,
	BPF_MAP_TYPE_PERCPU_HASH = 5,
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
	BPF_MAP_TYPE_LRU_HASH = 9,
	BPF_MAP_TYPE_RINGBUF = 27,
	BPF_MAP_TYPE_TASK_STORAGE = 29,
};
enum { BPF_ANY = 0, BPF_NOEXIST = 1, BPF_EXIST = 2 };
enum { BPF_RB_NO_WAKEUP = 1, BPF_RB_FORCE_WAKEUP = 2 };
enum { BPF_F_NO_PREALLOC = 1 };
enum { BPF_LOCAL_STORAGE_GET_F_CREATE = 1 };

#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)

struct pt_regs {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8, ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
};
struct user_pt_regs {
	__u64 regs[31];
	__u64 sp, pc, pstate;
};

struct qstr {
	const unsigned char *name;
};
struct super_block {
	unsigned long s_magic;
};
struct inode {
	unsigned short i_mode;
	struct super_block *i_sb;
	unsigned long i_ino;
};
struct dentry {
	struct qstr d_name;
};
struct path {
	struct dentry *dentry;
};
struct file {
	struct path f_path;
	struct inode *f_inode;
	void *private_data;
};
struct kiocb {
	struct file *ki_filp;
};
struct fdtable {
	unsigned int max_fds;
	struct file **fd;
};
struct files_struct {
	struct fdtable *fdt;
};
struct ns_common {
	unsigned int inum;
};
struct ipc_namespace {
	struct ns_common ns;
};
struct net {
	struct ns_common ns;
};
struct nsproxy {
	struct ipc_namespace *ipc_ns;
	struct net *net_ns;
};
struct task_struct {
	pid_t pid;
	pid_t tgid;
	char comm[16];
	struct files_struct *files;
	struct nsproxy *nsproxy;
};

struct in6_addr {
	union {
		__u8 u6_addr8[16];
		__be16 u6_addr16[8];
		__be32 u6_addr32[4];
	} in6_u;
};
struct sock_common {
	__be32 skc_daddr;
	__be32 skc_rcv_saddr;
	__be16 skc_dport;
	__u16 skc_num;
	unsigned short skc_family;
	struct in6_addr skc_v6_daddr;
	struct in6_addr skc_v6_rcv_saddr;
};
struct socket;
struct sock {
	struct sock_common __sk_common;
	__u16 sk_type;
	__u16 sk_protocol;
	struct socket *sk_socket;
};
struct socket {
	struct sock *sk;
	struct file *file;
};

struct unix_sock {
	struct sock *peer;
};

struct eventfd_ctx {
	int id;
};

union __sifields {
	struct {
		int _pid;
		unsigned int _uid;
	} _kill;
};
struct kernel_siginfo {
	struct {
		int si_signo;
		int si_errno;
		int si_code;
		union __sifields _sifields;
	};
};
struct k_sigaction;
struct linux_binprm;

#pragma clang attribute pop

struct iovec {
	void *iov_base;
	unsigned long iov_len;
};
struct user_msghdr {
	void *msg_name;
	int msg_namelen;
	struct iovec *msg_iov;
	unsigned long msg_iovlen;
	void *msg_control;
	unsigned long msg_controllen;
	unsigned int msg_flags;
};

#endif
