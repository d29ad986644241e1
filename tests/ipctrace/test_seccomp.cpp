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
