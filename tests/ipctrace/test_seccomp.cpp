#include <ipcctl/trace/syscalls.hpp>

#include <doctest/doctest.h>

#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <cstring>

using namespace ipcctl;
using namespace ipcctl::trace;

namespace {

// Runs a classic BPF seccomp program (the instructions build_filter emits)
// on one seccomp_data, as the kernel would.
std::uint32_t run(const std::vector<sock_filter>& prog, const seccomp_data& d) {
  std::uint32_t a = 0;
  for (std::size_t pc = 0; pc < prog.size(); ++pc) {
    const sock_filter& i = prog[pc];
    switch (i.code) {
    case BPF_LD | BPF_W | BPF_ABS:
      REQUIRE(i.k + 4 <= sizeof d);
      std::memcpy(&a, reinterpret_cast<const char*>(&d) + i.k, 4);
      break;
    case BPF_ALU | BPF_AND | BPF_K: a &= i.k; break;
    case BPF_JMP | BPF_JEQ | BPF_K: pc += (a == i.k) ? i.jt : i.jf; break;
    case BPF_JMP | BPF_JGE | BPF_K: pc += (a >= i.k) ? i.jt : i.jf; break;
    case BPF_JMP | BPF_JSET | BPF_K: pc += (a & i.k) ? i.jt : i.jf; break;
    case BPF_RET | BPF_K: return i.k;
    default: FAIL("unexpected instruction ", i.code); return 0;
    }
  }
  FAIL("fell off the end");
  return 0;
}

seccomp_data call(long nr, std::initializer_list<std::uint64_t> args = {}) {
  seccomp_data d{};
  d.nr = static_cast<int>(nr);
#if defined(__x86_64__)
  d.arch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
  d.arch = AUDIT_ARCH_AARCH64;
#endif
  int i = 0;
  for (auto a : args) d.args[i++] = a;
  return d;
}

} // namespace

TEST_CASE("trace::build_filter") {
  const auto all = syscalls_for(traceable_kinds());
  auto prog = build_filter(all);
  REQUIRE(prog.has_value());
  SUBCASE("every traced call stops, others run") {
    for (const SyscallInfo* s : all) {
      if (s->check != ArgCheck::none) continue;
      CHECK_MESSAGE(run(*prog, call(s->nr)) == SECCOMP_RET_TRACE, s->name);
    }
    CHECK(run(*prog, call(SYS_getpid)) == SECCOMP_RET_ALLOW);
    CHECK(run(*prog, call(SYS_openat)) == SECCOMP_RET_ALLOW);
    CHECK(run(*prog, call(SYS_futex)) == SECCOMP_RET_ALLOW);
  }
  SUBCASE("mmap stops only for shared mappings of a descriptor") {
    CHECK(run(*prog, call(SYS_mmap, {0, 4096, PROT_READ, MAP_SHARED, 5, 0})) == SECCOMP_RET_TRACE);
    CHECK(run(*prog, call(SYS_mmap, {0, 4096, PROT_READ, MAP_PRIVATE, 5, 0})) == SECCOMP_RET_ALLOW);
    CHECK(run(*prog, call(SYS_mmap, {0, 4096, PROT_READ, MAP_SHARED | MAP_ANONYMOUS, 0xffffffffffffffff, 0})) ==
          SECCOMP_RET_ALLOW);
  }
  SUBCASE("mknodat stops only for FIFOs") {
    CHECK(run(*prog, call(SYS_mknodat, {0, 0, S_IFIFO | 0600, 0})) == SECCOMP_RET_TRACE);
    CHECK(run(*prog, call(SYS_mknodat, {0, 0, S_IFCHR | 0600, 0})) == SECCOMP_RET_ALLOW);
  }
  SUBCASE("prctl stops only for PR_SET_NAME, which renames") {
    CHECK(run(*prog, call(SYS_prctl, {PR_SET_NAME, 0})) == SECCOMP_RET_TRACE);
    CHECK(run(*prog, call(SYS_prctl, {PR_GET_NAME, 0})) == SECCOMP_RET_ALLOW);
    CHECK(run(*prog, call(SYS_prctl, {PR_SET_PDEATHSIG, 9})) == SECCOMP_RET_ALLOW);
    CHECK(run(*prog, call(SYS_prctl, {PR_SET_NAME | (std::uint64_t{1} << 32), 0})) == SECCOMP_RET_TRACE);  // int option
  }
  SUBCASE("a foreign architecture is let through") {
    auto d = call(SYS_write);
    d.arch = 0x40000003;  // AUDIT_ARCH_I386
    CHECK(run(*prog, d) == SECCOMP_RET_ALLOW);
  }
#if defined(__x86_64__)
  SUBCASE("x32 numbers are let through") { CHECK(run(*prog, call(SYS_write | 0x40000000)) == SECCOMP_RET_ALLOW); }
#endif
}

TEST_CASE("trace::syscalls_for") {
  auto names = [](const std::vector<const SyscallInfo*>& calls) {
    std::vector<std::string> out;
    for (const auto* s : calls) out.emplace_back(s->name);
    return out;
  };
  auto has = [](const std::vector<std::string>& v, const char* n) { return std::find(v.begin(), v.end(), n) != v.end(); };
  SUBCASE("sysv-msg alone: no read/write stops at all") {
    model::KindSet k;
    k.add(model::Kind::sysv_msg);
    const auto v = names(syscalls_for(k));
    CHECK(has(v, "msgsnd"));
    CHECK(has(v, "msgrcv"));
    CHECK_FALSE(has(v, "write"));
    CHECK_FALSE(has(v, "close"));
    CHECK(has(v, "prctl"));  // every event names its process: renames are followed
  }
  SUBCASE("pipe: data calls and the descriptor bookkeeping") {
    model::KindSet k;
    k.add(model::Kind::pipe);
    const auto v = names(syscalls_for(k));
    CHECK(has(v, "write"));
    CHECK(has(v, "pipe2"));
    CHECK(has(v, "close"));
    CHECK(has(v, "dup3"));
    CHECK_FALSE(has(v, "kill"));
    CHECK_FALSE(has(v, "sendmsg"));
  }
  SUBCASE("lookup by number") {
    REQUIRE(syscall_info(SYS_write) != nullptr);
    CHECK(syscall_info(SYS_write)->name == "write");
    CHECK(syscall_info(SYS_getpid) == nullptr);
    CHECK(syscall_info(-1) == nullptr);
    CHECK(syscall_info(100000) == nullptr);
  }
}

TEST_CASE("trace::traced_syscalls: every row has what its family's handlers read") {
  auto in_args = [](std::int8_t i) { return i >= -1 && i < 6; };
  auto find = [](std::string_view name) -> const SyscallInfo* {
    for (const auto& s : traced_syscalls())
      if (s.name == name) return &s;
    return nullptr;
  };
  for (const SyscallInfo& s : traced_syscalls()) {
    INFO(s.name);
    CHECK(s.family != Family::none);
    CHECK(s.nr >= 0);
    for (std::int8_t i : {s.fd, s.fd_other, s.buf, s.len, s.id, s.flags, s.path, s.dirfd, s.sig, s.target})
      CHECK(in_args(i));
    CHECK(s.addr >= -1);
    CHECK(s.addr < 5);  // its length is the next argument
    switch (s.family) {
    case Family::fd_data:
      CHECK(s.fd >= 0);
      CHECK(s.dir != Dir::none);
      CHECK(s.shape != Shape::none);
      CHECK(s.buf >= 0);
      CHECK((s.len >= 0 || s.shape == Shape::msghdr));
      break;
    case Family::fd_splice:
      CHECK(s.fd >= 0);
      CHECK(s.dir == Dir::out);
      CHECK(s.len >= 0);
      break;
    case Family::sysv_data:
    case Family::sem_op:
    case Family::shm_attach:
      CHECK(s.kind.has_value());
      CHECK(s.id >= 0);
      break;
    case Family::ipc_get:
      CHECK(s.kind.has_value());
      CHECK(s.flags >= 0);
      break;
    case Family::mq_name:
    case Family::fifo_open:
      CHECK(s.kind.has_value());
      CHECK(s.path >= 0);
      break;
    case Family::signal_send:
      CHECK(s.kind == model::Kind::signal);
      CHECK(s.sig >= 0);
      CHECK(s.target >= 0);
      CHECK(s.target_is != Target::none);
      break;
    case Family::fd_op:
    case Family::close:
    case Family::fd_table:
      CHECK(s.fd >= 0);
      break;
    case Family::fd_pair:
      CHECK(s.kind.has_value());
      CHECK(s.buf >= 0);
      break;
    case Family::shm_detach:
      CHECK(s.buf >= 0);
      break;
    case Family::mknod:
      CHECK(s.path >= 0);
      break;
    default:
      break;
    }
    // The families whose handlers take the mechanism from the row.
    for (Family f : {Family::sysv_data, Family::sem_op, Family::sem_ctl, Family::ipc_get, Family::shm_attach,
                     Family::shm_detach, Family::mq_name, Family::mknod, Family::fd_pair, Family::signal_send,
                     Family::fifo_open})
      if (s.family == f) CHECK(s.kind.has_value());
    // A call whose kind is neither in its row nor in a descriptor is one
    // whose kind the exit tells, or bookkeeping with none.
    if (!s.kind && s.fd < 0) CHECK((kind_at_exit(s.family) || s.family == Family::rename));
  }
  SUBCASE("rows say what the calls are") {
    REQUIRE(find("sendto"));
    CHECK(find("sendto")->dir == Dir::out);
    CHECK(find("sendto")->addr == 4);
    REQUIRE(find("recvmsg"));
    CHECK(find("recvmsg")->dir == Dir::in);
    CHECK(find("recvmsg")->shape == Shape::msghdr);
    REQUIRE(find("splice"));
    CHECK(find("splice")->fd == 2);        // written to
    CHECK(find("splice")->fd_other == 0);  // read from
    REQUIRE(find("msgsnd"));
    CHECK(find("msgsnd")->zero_ok);
    CHECK(find("msgsnd")->shape == Shape::msgbuf);
    CHECK_FALSE(find("sendmmsg")->fast_entry);  // its bytes are known only at the exit
  }
  SUBCASE("the eBPF backend's own rows are not the ptrace backend's") {
    REQUIRE(find("openat"));
    CHECK_FALSE(find("openat")->ptrace);
    CHECK(bpf_decodes(find("openat")->family));
    CHECK(syscall_info(SYS_openat) == nullptr);
    for (const SyscallInfo* s : syscalls_for(traceable_kinds())) CHECK(s->ptrace);
  }
  SUBCASE("the eBPF program decodes the data, SysV, queue and signal calls") {
    std::vector<std::string> bpf;
    for (const SyscallInfo& s : traced_syscalls())
      if (bpf_decodes(s.family)) bpf.emplace_back(s.name);
    auto has = [&](const char* n) { return std::find(bpf.begin(), bpf.end(), n) != bpf.end(); };
    for (const char* n : {"write", "writev", "sendto", "recvmsg", "sendmmsg", "mq_timedsend", "mq_timedreceive", "msgsnd",
                          "msgrcv", "semop", "semtimedop", "shmat", "shmdt", "mq_open", "mq_unlink", "kill", "tgkill",
                          "pidfd_send_signal", "openat"})
      CHECK_MESSAGE(has(n), n);
    for (const char* n : {"splice", "sendfile", "msgget", "semctl", "mmap", "pipe2", "socket", "close", "dup3", "prctl"})
      CHECK_MESSAGE(!has(n), n);
  }
}
