// Signal state costs nothing to collect: the walk already read each
// process's status for its name and uid, and with it the five masks. What is
// left is naming bits. The names follow what people type to kill(1), not the
// kernel's numbering: glibc moves SIGRTMIN to 34 because it uses 32 and 33
// internally, so a program's "SIGRTMIN+3" is signal 37, and 32 and 33 get
// plain numeric names that cannot be mistaken for one a program sent.
// SigPnd is the main thread's pending set only; other threads' own pending
// signals are in /proc/PID/task/TID/status, which the walk does not read.
#include <ipcctl/linux/signals.hpp>

#include <ipcctl/util/parse.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace ipcctl::sys {

namespace {

constexpr int k_rtmin = 34;  // glibc's SIGRTMIN
constexpr int k_rtmax = 64;

constexpr std::array<std::string_view, 32> k_names = {
    "",          "SIGHUP",  "SIGINT",    "SIGQUIT", "SIGILL",  "SIGTRAP", "SIGABRT",   "SIGBUS",
    "SIGFPE",    "SIGKILL", "SIGUSR1",   "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM",   "SIGTERM",
    "SIGSTKFLT", "SIGCHLD", "SIGCONT",   "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU",   "SIGURG",
    "SIGXCPU",   "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO",  "SIGPWR",    "SIGSYS",
};

struct Alias {
  std::string_view name;
  int number;
};
constexpr std::array<Alias, 3> k_aliases = {{{"IOT", 6}, {"POLL", 29}, {"CLD", 17}}};

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) == std::toupper(static_cast<unsigned char>(y));
         });
}

std::optional<int> in_range(std::optional<std::int64_t> n) {
  if (!n || *n < 1 || *n > k_rtmax) return std::nullopt;
  return static_cast<int>(*n);
}

class SignalSource final : public Source {
public:
  model::Kind kind() const override { return model::Kind::signal; }
  bool needs_fds() const override { return false; }

  Result<void> collect(const SourceContext&, const CollectOptions& opts, model::Snapshot& snap) const override {
    std::vector<const model::Process*> procs;
    for (const auto& [pid, p] : snap.walk->processes) {
      if (p.kernel_thread) continue;
      if (!opts.selects(pid)) continue;
      if (!opts.all_signals && (p.signals.pending | p.signals.shared_pending) == 0) continue;
      procs.push_back(&p);
    }
    std::sort(procs.begin(), procs.end(), [](const auto* a, const auto* b) { return a->pid < b->pid; });
    for (const model::Process* p : procs) {
      const model::SignalMasks& m = p->signals;
      model::Object o;
      o.kind = model::Kind::signal;
      o.ref = fmt::format("signal:{}", p->pid);
      o.id = p->pid;
      o.name = p->comm;
      o.owner.uid = p->uid;
      o.owner.gid = p->gid;
      o.set(model::key::pid, std::int64_t{p->pid});
      o.set(model::key::pending, signal_names(m.pending | m.shared_pending));
      o.set(model::key::pending_thread, signal_names(m.pending));
      o.set(model::key::pending_shared, signal_names(m.shared_pending));
      o.set(model::key::blocked, signal_names(m.blocked));
      o.set(model::key::ignored, signal_names(m.ignored));
      o.set(model::key::caught, signal_names(m.caught));
      snap.objects.push_back(std::move(o));
    }
    return {};
  }
};

} // namespace

std::string signal_name(int number) {
  if (number >= 1 && number < 32) return std::string(k_names[static_cast<std::size_t>(number)]);
  if (number == 32 || number == 33) return fmt::format("SIG{}", number);
  if (number == k_rtmin) return "SIGRTMIN";
  if (number > k_rtmin && number <= k_rtmax) return fmt::format("SIGRTMIN+{}", number - k_rtmin);
  return {};
}

std::vector<std::string> signal_names(std::uint64_t mask) {
  std::vector<std::string> out;
  for (int n = 1; n <= k_rtmax; ++n)
    if (mask & (std::uint64_t{1} << (n - 1))) out.push_back(signal_name(n));
  return out;
}

std::optional<int> signal_number(std::string_view name) {
  name = trim(name);
  if (!name.empty() && std::isdigit(static_cast<unsigned char>(name.front()))) return in_range(to_i64(name));
  if (name.size() > 3 && iequals(name.substr(0, 3), "SIG")) name.remove_prefix(3);
  if (name.empty()) return std::nullopt;

  for (std::size_t n = 1; n < k_names.size(); ++n)
    if (iequals(name, k_names[n].substr(3))) return static_cast<int>(n);
  for (const Alias& a : k_aliases)
    if (iequals(name, a.name)) return a.number;
  if (name == "32" || name == "33") return name[1] == '2' ? 32 : 33;

  // RTMIN, RTMIN+n, RTMAX, RTMAX-n
  if (name.size() < 5) return std::nullopt;
  const std::string_view base = name.substr(0, 5), offset = name.substr(5);
  int number = 0;
  if (iequals(base, "RTMIN")) number = k_rtmin;
  else if (iequals(base, "RTMAX")) number = k_rtmax;
  else return std::nullopt;
  if (offset.empty()) return number;
  const char sign = number == k_rtmin ? '+' : '-';
  if (offset.size() < 2 || offset.front() != sign) return std::nullopt;
  const auto n = to_i64(offset.substr(1));
  if (!n || *n < 0 || *n > k_rtmax - k_rtmin) return std::nullopt;
  return sign == '+' ? number + static_cast<int>(*n) : number - static_cast<int>(*n);
}

const Source& signal_source() {
  static const SignalSource s;
  return s;
}

} // namespace ipcctl::sys
