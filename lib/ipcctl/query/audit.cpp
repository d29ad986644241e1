// The checks come from what goes wrong with IPC in production: channels
// anyone may write (the classic SysV 0666 segment, a socket file in a
// world-writable directory), objects leaked by crashed programs (the next
// start fails with ENOSPC once a limit is reached), and channels that are
// stuck (a full queue, a listener that never accepts). Each finding says
// what to run next, so that an audit is a to-do list, not a lecture.
// People paste those commands as root, and the names in them are chosen by
// other users ("a;touch PWNED;b"): every path and ref in a fix is one
// shell word (shell_quote), and the whole fix stays on one line.
// One problem is one finding: a 0666 segment is world_writable, and its
// being readable too is said in that finding (and in its "also"), not in a
// second one a reader has to match with the first.
// The kernel keeps no start time for a lock wait: lock_contention judges the
// waiter's waiting_ms, the time since it last ran (see linux/locks.cpp), and
// says so; where that is unknown it reports the waiter at info severity,
// without a duration, rather than guess.
#include <ipcctl/query/audit.hpp>

#include <ipcctl/util/escape.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace ipcctl::query {

using model::Kind;
using model::Object;

namespace {

constexpr std::array k_checks{
    Check{"world_writable", Severity::high, "any user may write it: SysV mode, or the file's mode"},
    Check{"group_writable", Severity::medium, "its group may write it"},
    Check{"world_readable", Severity::low, "any user may read a segment's or queue's contents"},
    Check{"dir_writable", Severity::medium,
          "a FIFO or socket file in a directory anyone may write, without the sticky bit: it can be replaced"},
    Check{"unknown_owner", Severity::medium, "owned by a user id with no account"},
    Check{"orphaned", Severity::low, "nobody uses it any more (the rules of rm --orphaned)"},
    Check{"near_limit", Severity::medium, "a system limit is 80% used or more (high at 95%)"},
    Check{"queue_full", Severity::high, "a message queue is full: senders block or fail with EAGAIN"},
    Check{"queue_stale", Severity::medium, "a queue holds messages nobody has read for a while (--stale)"},
    Check{"pipe_full", Severity::medium, "a pipe or FIFO is full: its writer blocks, its reader is stuck"},
    Check{"destroyed_attached", Severity::low, "a segment marked for removal is still attached: its memory stays"},
    Check{"abstract_socket", Severity::low,
          "an abstract unix socket listens: any process in the network namespace may connect"},
    Check{"backlog_full", Severity::high, "a unix listener's backlog is full: it is not accepting"},
    Check{"lock_contention", Severity::medium,
          "a process has waited for a file lock longer than --lock-wait (info: for how long is unknown)"},
};

bool is_sysv(Kind k) { return model::describe(k).ref == model::RefForm::sysv; }

// The file behind an object, where it has one.
std::optional<std::string> file_of(const Object& o) {
  if (!o.name) return std::nullopt;
  const std::string& n = *o.name;
  const auto& desc = model::describe(o.kind);
  if (desc.file) return fmt::format("{}/{}{}", desc.file->dir, desc.file->prefix, n.substr(std::min<std::size_t>(1, n.size())));
  if ((desc.ref == model::RefForm::path || desc.ref == model::RefForm::unix) && !n.empty() && n.front() == '/') return n;
  return std::nullopt;
}

// "3d4h", "2h5m", "40s"
std::string human_age(std::int64_t s) {
  if (s >= 86400) return fmt::format("{}d{}h", s / 86400, s % 86400 / 3600);
  if (s >= 3600) return fmt::format("{}h{}m", s / 3600, s % 3600 / 60);
  if (s >= 60) return fmt::format("{}m{}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

// A text detail, or "?".
std::string text_of(const Object& o, const model::DetailKey& key) {
  const model::Value* v = o.find(key);
  if (v == nullptr || !std::holds_alternative<std::string>(*v)) return "?";
  return std::get<std::string>(*v);
}

class Auditor {
public:
  Auditor(const model::Snapshot& snap, const AuditOptions& opts) : m_snap(snap), m_opts(opts) {}

  std::vector<Finding> run() {
    for (const auto& o : m_snap.objects) object(o);
    if (m_opts.limits != nullptr && on("near_limit"))
      for (const auto& l : *m_opts.limits) limit(l);
    std::stable_sort(m_found.begin(), m_found.end(), [](const Finding& a, const Finding& b) {
      if (a.severity != b.severity) return a.severity > b.severity;
      if (a.check != b.check) return a.check < b.check;
      return a.ref < b.ref;
    });
    return std::move(m_found);
  }

private:
  bool on(std::string_view check) const { return m_opts.checks.empty() || m_opts.checks.contains(std::string(check)); }

  void add(std::string_view check, const Object& o, std::string summary, std::string why, std::string fix,
           std::optional<Severity> severity = std::nullopt, std::vector<std::string> also = {}) {
    if (!on(check)) return;
    Finding f;
    f.check = std::string(check);
    f.severity = severity.value_or(find_check(check)->severity);
    f.ref = o.ref;
    f.type = std::string(model::kind_name(o.kind));
    f.summary = std::move(summary);
    f.why = std::move(why);
    f.fix = std::move(fix);
    f.holders = o.holders;
    f.also = std::move(also);
    m_found.push_back(std::move(f));
  }

  // Permission bits: the object's, or for a bound socket its file's.
  std::optional<std::uint32_t> mode_of(const Object& o) const {
    if (o.mode) return o.mode;
    if (o.kind != Kind::unix_socket || !m_opts.inputs.stat_file) return std::nullopt;
    const auto file = file_of(o);
    if (!file) return std::nullopt;
    const auto st = m_opts.inputs.stat_file(*file, false);
    if (!st || !st->socket) return std::nullopt;
    return st->mode & 07777;
  }

  void permissions(const Object& o) {
    if (!is_sysv(o.kind) && !file_of(o)) return;
    const auto mode = mode_of(o);
    if (!mode) return;
    const auto file = file_of(o);
    const std::string target = file ? *file : o.ref;
    const std::string mode_text = model::mode_text(*mode);
    const auto remake = [&](std::string_view bits) {
      return file ? fmt::format("chmod {} {}", bits, shell_quote(*file))
                  : fmt::format("have its creator make it with mode 0600 (ipcctl mk {} --mode 0600); "
                                "this one: ipcctl rm {}",
                                model::kind_name(o.kind), shell_quote(o.ref));
    };
    const bool data = o.kind == Kind::sysv_shm || o.kind == Kind::sysv_msg || o.kind == Kind::posix_shm ||
                      o.kind == Kind::posix_mq;
    const bool readable = data && (*mode & 0004) && on("world_readable");
    // The most severe problem is the finding; world_readable under a
    // writable one is mentioned in it, and its fix takes both bits away.
    const std::string group = o.owner.group.empty() ? std::string("?") : o.owner.group;
    if ((*mode & 0002) && on("world_writable")) {
      add("world_writable", o,
          fmt::format("mode {}: any user may write{} {}", mode_text, readable ? " and read" : "", target),
          readable ? "any local user can corrupt, inject or read what it holds"
                   : "any local user can corrupt, inject or (for sockets and FIFOs) talk to what uses it",
          remake(readable ? "o-rw" : "o-w"), std::nullopt, also_of(readable));
    } else if ((*mode & 0020) && on("group_writable")) {
      add("group_writable", o,
          fmt::format("mode {}: group {} may write {}{}", mode_text, group, target,
                      readable ? ", and any user may read it" : ""),
          readable ? "every member of the group can write to it, and every local user can read it"
                   : "every member of the group can write to it",
          remake(readable ? "g-w,o-r" : "g-w"), std::nullopt, also_of(readable));
    } else if (readable) {
      add("world_readable", o, fmt::format("mode {}: any user may read it", mode_text),
          "its contents (shared memory, queued messages) are visible to every local user", remake("o-r"));
    }
  }

  static std::vector<std::string> also_of(bool readable) {
    if (!readable) return {};
    return {"world_readable"};
  }

  // A waiter for a file lock (a lock object with blocked set), judged by how
  // long it has slept as the scheduler tells (waiting_ms).
  void lock(const Object& o) {
    if (o.kind != Kind::lock || !on("lock_contention")) return;
    if (o.flag(model::key::lock_blocked) != true) return;
    const std::string behind = text_of(o, model::key::blocked_on);
    std::string who = o.holders.empty() ? std::string("a process")
                                        : fmt::format("{}[{}]", o.holders.front().comm, o.holders.front().pid);
    std::string held_by;
    for (const auto& other : m_snap.objects) {
      if (other.ref != behind) continue;
      for (const auto& h : other.holders) {
        if (held_by.find(fmt::format("[{}]", h.pid)) != std::string::npos) continue;
        held_by += fmt::format("{}{}[{}]", held_by.empty() ? "" : ", ", h.comm, h.pid);
      }
    }
    const std::string what = fmt::format("{} {} lock on {}", text_of(o, model::key::kind),
                                         text_of(o, model::key::lock_mode), o.name.value_or("?"));
    const std::string holder_part = held_by.empty() ? "" : fmt::format(", held by {}", held_by);
    const std::string fix = fmt::format("see what holds it: ipcctl show {}", shell_quote(behind));
    const auto ms = o.number(model::key::waiting_ms);
    if (!ms) {
      add("lock_contention", o,
          fmt::format("{} waits behind {} ({}{}) for an unknown time: the kernel does not say since when, "
                      "and /proc/PID/sched could not be read",
                      who, behind, what, holder_part),
          "a waiter is stuck until the holder unlocks, closes the file or exits", fix, Severity::info);
      return;
    }
    if (*ms < m_opts.lock_wait_after * 1000) return;
    add("lock_contention", o,
        fmt::format("{} has waited about {} behind {} ({}{}), by the time since it last ran", who,
                    human_age(*ms / 1000), behind, what, holder_part),
        "the waiter is stuck until the holder unlocks, closes the file or exits: a holder that hangs stalls "
        "everyone behind it",
        fix);
  }

  void directory(const Object& o) {
    if ((o.kind != Kind::fifo && o.kind != Kind::unix_socket) || !m_opts.inputs.stat_file) return;
    const auto file = file_of(o);
    if (!file) return;
    const std::string dir = file->substr(0, std::max<std::size_t>(1, file->rfind('/')));
    const auto st = m_opts.inputs.stat_file(dir, true);
    // Written by others (o+w), without the sticky bit.
    if (!st || !(st->mode & 0002) || (st->mode & 01000)) return;
    add("dir_writable", o, fmt::format("{} is in {}, which any user may write (mode {})", *file, dir,
                                       model::mode_text(st->mode & 07777)),
        "anyone can remove it and put their own in its place, and catch what its clients send",
        fmt::format("chmod o-w {0}  # or: chmod +t {0}", shell_quote(dir)));
  }

  void owner(const Object& o) {
    if (!o.owner.uid || !o.owner.user.empty()) return;
    add("unknown_owner", o, fmt::format("owned by uid {}, which has no account", *o.owner.uid),
        "a deleted user's leftovers, or an id a new account will inherit with everything it owns",
        fmt::format("ipcctl rm {} if unused; else chown it to a real user", shell_quote(o.ref)));
  }

  void orphan(const Object& o) {
    if (!on("orphaned") || !m_opts.inputs.orphaned) return;
    const auto v = m_opts.inputs.orphaned(o);
    if (!v) return;
    std::string summary = v->why;
    if (v->changed_at) summary += fmt::format(", unchanged for {}", human_age(m_opts.now - *v->changed_at));
    if (o.size && *o.size > 0) summary += fmt::format(", {} bytes", *o.size);
    add("orphaned", o, std::move(summary), "leaked objects count against the system's limits and keep memory",
        fmt::format("ipcctl rm {}", shell_quote(o.ref)));
  }

  void queue(const Object& o) {
    const auto messages = o.number(model::key::messages);
    if (!messages) return;
    if (o.kind == Kind::sysv_msg) {
      const auto bytes = o.number(model::key::bytes), max = o.number(model::key::max_bytes);
      if (bytes && max && *max > 0 && *bytes >= *max)
        add("queue_full", o, fmt::format("{} of {} bytes queued ({} messages)", *bytes, *max, *messages),
            "senders block, or fail with EAGAIN",
            fmt::format("find why its readers stopped: ipcctl show {}", shell_quote(o.ref)));
    } else if (o.kind == Kind::posix_mq) {
      const auto max = o.number(model::key::maxmsg);
      if (max && *max > 0 && *messages >= *max)
        add("queue_full", o, fmt::format("{} of {} messages queued", *messages, *max),
            "senders block, or fail with EAGAIN",
            fmt::format("find why its readers stopped: ipcctl show {}", shell_quote(o.ref)));
    }
    if (*messages <= 0) return;
    // The last read (SysV), else the last change of the queue.
    std::optional<model::Time> last = o.kind == Kind::sysv_msg ? o.time(model::key::rtime) : o.time(model::key::mtime);
    if (!last && o.kind == Kind::sysv_msg) last = o.time(model::key::ctime);
    if (!last || m_opts.now - last->seconds < m_opts.stale_after) return;
    add("queue_stale", o,
        fmt::format("{} messages, none read for {}", *messages, human_age(m_opts.now - last->seconds)),
        "its reader is gone or stuck; the messages wait forever and hold kernel memory",
        fmt::format("ipcctl show {0}; ipcctl rm {0} if it is abandoned", shell_quote(o.ref)));
  }

  void pipe(const Object& o) {
    if (o.kind != Kind::pipe && o.kind != Kind::fifo) return;
    const auto unread = o.number(model::key::unread_bytes), capacity = o.number(model::key::capacity_bytes);
    if (!unread || !capacity || *capacity <= 0 || *unread < *capacity) return;
    std::string readers;
    for (const auto& h : o.holders)
      if (h.access.find('r') != std::string::npos)
        readers += fmt::format("{}{}[{}]", readers.empty() ? "" : ", ", shell_quote(h.comm), h.pid);
    add("pipe_full", o, fmt::format("{} of {} bytes unread", *unread, *capacity),
        "its writer blocks (or gets EAGAIN) until the reader drains it",
        readers.empty() ? std::string("nobody reads it: find its writer with ipcctl show " + shell_quote(o.ref))
                        : fmt::format("see why {} stopped reading", readers));
  }

  void segment(const Object& o) {
    if (o.kind != Kind::sysv_shm) return;
    const model::Value* dest = o.find(model::key::dest);
    const auto nattch = o.number(model::key::nattch);
    if (dest == nullptr || *dest != model::Value{true} || !nattch || *nattch <= 0) return;
    add("destroyed_attached", o,
        fmt::format("marked for removal, still attached by {} process{}", *nattch, *nattch == 1 ? "" : "es"),
        fmt::format("its {} bytes stay in use until the last of them detaches or exits", o.size.value_or(0)),
        fmt::format("ipcctl show {} names who holds it", shell_quote(o.ref)));
  }

  void socket(const Object& o) {
    if (o.kind != Kind::unix_socket) return;
    const model::Value* state = o.find(model::key::state);
    const bool listening = state != nullptr && *state == model::Value{std::string("LISTEN")};
    if (!listening) return;
    const model::Value* abstract = o.find(model::key::abstract);
    if (abstract != nullptr && *abstract == model::Value{true})
      add("abstract_socket", o, fmt::format("listens on the abstract name {}", o.name.value_or("?")),
          "abstract names have no file permissions: any process in the network namespace can connect",
          "bind to a path in a directory only its clients may enter, or check SO_PEERCRED on accept");
    const auto rq = o.number(model::key::rqueue), wq = o.number(model::key::wqueue);
    if (rq && wq && *wq > 0 && *rq >= *wq)
      add("backlog_full", o, fmt::format("{} connections wait, backlog {}", *rq, *wq),
          "new clients block or get EAGAIN: the listener is not accepting",
          fmt::format("see what its holders are doing: ipcctl show {}", shell_quote(o.ref)));
  }

  void object(const Object& o) {
    if (o.kind == Kind::lock) {  // a lock has no mode, owner or file of its own to judge
      lock(o);
      return;
    }
    permissions(o);
    directory(o);
    owner(o);
    orphan(o);
    queue(o);
    pipe(o);
    segment(o);
    socket(o);
  }

  void limit(const model::Limit& l) {
    const auto pct = l.percent();
    if (!pct || *pct < model::k_high_percent) return;
    Finding f;
    f.check = "near_limit";
    f.severity = *pct >= 95.0 ? Severity::high : Severity::medium;
    f.ref = "limit:" + l.name;
    f.type = "limit";
    f.summary = fmt::format("{} {:.0f}% used ({} of {} {})", l.name, *pct, l.used.value_or(0), l.value.value_or(0),
                            l.unit);
    f.why = fmt::format("at 100%, creating {} fails (ENOSPC or EMFILE)", l.description);
    f.fix = l.sysctl.empty() ? std::string("raise the limit, or find what leaks: ipcctl rm --orphaned --dry-run")
                             : fmt::format("find what leaks (ipcctl rm --orphaned --dry-run), or raise {} "
                                           "(sysctl -w {}=...)",
                                           l.sysctl, l.sysctl);
    m_found.push_back(std::move(f));
  }

  const model::Snapshot& m_snap;
  const AuditOptions& m_opts;
  std::vector<Finding> m_found;
};

} // namespace

std::span<const Check> all_checks() { return k_checks; }

const Check* find_check(std::string_view name) {
  for (const auto& c : k_checks)
    if (c.name == name) return &c;
  return nullptr;
}

std::vector<Finding> audit(const model::Snapshot& snap, const AuditOptions& opts) {
  return Auditor(snap, opts).run();
}

} // namespace ipcctl::query
