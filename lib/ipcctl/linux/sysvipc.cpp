// /proc/sysvipc lists every object of the IPC namespace whatever its
// permissions, so it is the primary source. It lacks a queue's byte limit
// and a semaphore set's values and waiters, which only msgctl/semctl give
// (and only with read permission): those are filled where readable, and an
// object that cannot be read in full says so in .error, never disappears.
// Segment holders come from /proc/PID/maps, whose /SYSV<key> lines carry the
// shmid in the inode column: every attached process, not only NATTCH.
#include <ipcctl/linux/sysvipc.hpp>

#include <ipcctl/linux/namespaces.hpp>

#include <ipcctl/util/fd.hpp>
#include <ipcctl/util/parse.hpp>

#include <fmt/format.h>

#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

namespace ipcctl::sys {

using model::Kind;
using model::Object;
using model::Time;

namespace {

template <class Info, std::size_t MinFields, class Fill>
std::vector<Info> parse_table(std::string_view text, Fill&& fill) {
  std::vector<Info> out;
  bool header = true;
  for_each_line(text, [&](std::string_view line) {
    if (header) {
      header = false;
      return;
    }
    const auto f = split_ws(line);
    if (f.size() < MinFields) return;
    Info info;
    bool ok = true;
    auto num = [&](std::size_t i) {
      const auto v = to_i64(f[i]);
      if (!v) ok = false;
      return v.value_or(0);
    };
    info.key = static_cast<std::int32_t>(num(0));
    info.id = num(1);
    info.mode = static_cast<std::uint32_t>(to_u64(f[2], 8).value_or(0));
    fill(info, f, num);
    if (ok) out.push_back(std::move(info));
  });
  return out;
}

std::uint32_t u32(std::int64_t v) { return static_cast<std::uint32_t>(v); }

} // namespace

std::vector<MsgInfo> parse_sysvipc_msg(std::string_view text) {
  // key msqid perms cbytes qnum lspid lrpid uid gid cuid cgid stime rtime ctime
  return parse_table<MsgInfo, 14>(text, [](MsgInfo& m, const auto&, auto&& num) {
    m.cbytes = num(3), m.qnum = num(4), m.lspid = num(5), m.lrpid = num(6);
    m.uid = u32(num(7)), m.gid = u32(num(8)), m.cuid = u32(num(9)), m.cgid = u32(num(10));
    m.stime = num(11), m.rtime = num(12), m.ctime = num(13);
  });
}

std::vector<ShmInfo> parse_sysvipc_shm(std::string_view text) {
  // key shmid perms size cpid lpid nattch uid gid cuid cgid atime dtime ctime [rss swap]
  return parse_table<ShmInfo, 14>(text, [](ShmInfo& s, const auto& f, auto&& num) {
    s.size = num(3), s.cpid = num(4), s.lpid = num(5), s.nattch = num(6);
    s.uid = u32(num(7)), s.gid = u32(num(8)), s.cuid = u32(num(9)), s.cgid = u32(num(10));
    s.atime = num(11), s.dtime = num(12), s.ctime = num(13);
    if (f.size() >= 16) s.rss = num(14), s.swap = num(15);
  });
}

std::vector<SemInfo> parse_sysvipc_sem(std::string_view text) {
  // key semid perms nsems uid gid cuid cgid otime ctime
  return parse_table<SemInfo, 10>(text, [](SemInfo& s, const auto&, auto&& num) {
    s.nsems = num(3);
    s.uid = u32(num(4)), s.gid = u32(num(5)), s.cuid = u32(num(6)), s.cgid = u32(num(7));
    s.otime = num(8), s.ctime = num(9);
  });
}

namespace {

void fill_common(SysvCommon& c, const ipc_perm& p, int id, std::int64_t ctime) {
  c.key = p.__key;
  c.id = id;
  c.mode = p.mode;
  c.uid = p.uid, c.gid = p.gid, c.cuid = p.cuid, c.cgid = p.cgid;
  c.ctime = ctime;
}

} // namespace

Result<std::vector<MsgInfo>> stat_all_msg() {
  msginfo info{};
  const int maxidx = ::msgctl(0, MSG_INFO, reinterpret_cast<msqid_ds*>(&info));
  if (maxidx < 0) return fail(sys_error("msgctl(MSG_INFO)", ""));
  std::vector<MsgInfo> out;
  for (int i = 0; i <= maxidx; ++i) {
    msqid_ds ds{};
    const int id = ::msgctl(i, MSG_STAT, &ds);
    if (id < 0) continue;  // unused index, or not readable
    MsgInfo m;
    fill_common(m, ds.msg_perm, id, ds.msg_ctime);
    m.cbytes = static_cast<std::int64_t>(ds.__msg_cbytes), m.qnum = static_cast<std::int64_t>(ds.msg_qnum);
    m.qbytes = static_cast<std::int64_t>(ds.msg_qbytes);
    m.lspid = ds.msg_lspid, m.lrpid = ds.msg_lrpid, m.stime = ds.msg_stime, m.rtime = ds.msg_rtime;
    out.push_back(m);
  }
  return out;
}

Result<std::vector<ShmInfo>> stat_all_shm() {
  shm_info info{};
  const int maxidx = ::shmctl(0, SHM_INFO, reinterpret_cast<shmid_ds*>(&info));
  if (maxidx < 0) return fail(sys_error("shmctl(SHM_INFO)", ""));
  std::vector<ShmInfo> out;
  for (int i = 0; i <= maxidx; ++i) {
    shmid_ds ds{};
    const int id = ::shmctl(i, SHM_STAT, &ds);
    if (id < 0) continue;
    ShmInfo s;
    fill_common(s, ds.shm_perm, id, ds.shm_ctime);
    s.size = static_cast<std::int64_t>(ds.shm_segsz), s.cpid = ds.shm_cpid, s.lpid = ds.shm_lpid;
    s.nattch = static_cast<std::int64_t>(ds.shm_nattch), s.atime = ds.shm_atime, s.dtime = ds.shm_dtime;
    out.push_back(s);
  }
  return out;
}

Result<std::vector<SemInfo>> stat_all_sem() {
  seminfo info{};
  const int maxidx = ::semctl(0, 0, SEM_INFO, &info);
  if (maxidx < 0) return fail(sys_error("semctl(SEM_INFO)", ""));
  std::vector<SemInfo> out;
  for (int i = 0; i <= maxidx; ++i) {
    semid_ds ds{};
    const int id = ::semctl(i, 0, SEM_STAT, &ds);
    if (id < 0) continue;
    SemInfo s;
    fill_common(s, ds.sem_perm, id, ds.sem_ctime);
    s.nsems = static_cast<std::int64_t>(ds.sem_nsems), s.otime = ds.sem_otime;
    out.push_back(s);
  }
  return out;
}

namespace {

std::optional<Time> time_or_null(std::int64_t t) {
  if (t == 0) return std::nullopt;
  return Time{t};
}

model::Value time_value(std::int64_t t) {
  if (auto v = time_or_null(t)) return *v;
  return {};
}

Object common_object(Kind kind, const SysvCommon& c) {
  Object o;
  o.kind = kind;
  o.id = c.id;
  o.ref = fmt::format("{}:{}", model::kind_name(kind), c.id);
  o.key = static_cast<std::uint32_t>(c.key);
  o.owner.uid = c.uid;
  o.owner.gid = c.gid;
  o.mode = c.mode & 0777;
  o.set(model::key::cuid, static_cast<std::int64_t>(c.cuid));
  o.set(model::key::cgid, static_cast<std::int64_t>(c.cgid));
  return o;
}

// Reads /proc/sysvipc/NAME, or falls back to the *_STAT calls on a live system.
template <class Info>
Result<std::vector<Info>> load(const ProcRoot& root, const char* name,
                               std::vector<Info> (*parse)(std::string_view),
                               Result<std::vector<Info>> (*stat_all)()) {
  auto text = read_file(root.path(fmt::format("/proc/sysvipc/{}", name)));
  if (text) return parse(*text);
  if (!root.live()) return fail(text.error());
  return stat_all();
}

// With -p, a SysV object is kept where one of the pids maps it, or created
// or last used it.
class SysvMsgSource final : public Source {
public:
  model::Kind kind() const override { return Kind::sysv_msg; }
  bool needs_fds() const override { return false; }
  Result<void> collect(const SourceContext& ctx, const CollectOptions& opts, model::Snapshot& snap) const override {
    const ProcRoot& root = ctx.root();
    auto list = load(root, "msg", parse_sysvipc_msg, stat_all_msg);
    if (!list) return fail(list.error());
    int unreadable = 0;
    for (auto& m : *list) {
      Object o = common_object(Kind::sysv_msg, m);
      if (!m.qbytes && root.live()) {
        msqid_ds ds{};
        if (::msgctl(static_cast<int>(m.id), IPC_STAT, &ds) == 0) {
          m.qbytes = static_cast<std::int64_t>(ds.msg_qbytes);
        } else if (errno == EACCES) {
          ++unreadable;
          o.error = "msgctl(IPC_STAT): Permission denied: max_bytes unknown";
        }
      }
      o.size = m.cbytes;
      o.set(model::key::messages, m.qnum);
      o.set(model::key::bytes, m.cbytes);
      o.set(model::key::max_bytes, m.qbytes ? model::Value{*m.qbytes} : model::Value{});
      o.set(model::key::lspid, m.lspid);
      o.set(model::key::lrpid, m.lrpid);
      o.set(model::key::stime, time_value(m.stime));
      o.set(model::key::rtime, time_value(m.rtime));
      o.set(model::key::ctime, time_value(m.ctime));
      if (opts.keeps(o, {m.lspid, m.lrpid})) snap.objects.push_back(std::move(o));
    }
    if (unreadable > 0)
      snap.warn(fmt::format("{} SysV message {} not readable: their byte limit is unknown", unreadable,
                            unreadable == 1 ? "queue was" : "queues were"));
    return {};
  }
};

class SysvShmSource final : public Source {
public:
  model::Kind kind() const override { return Kind::sysv_shm; }
  bool needs_fds() const override { return false; }
  bool needs_maps() const override { return true; }
  Result<void> collect(const SourceContext& ctx, const CollectOptions& opts, model::Snapshot& snap) const override {
    const ProcRoot& root = ctx.root();
    auto list = load(root, "shm", parse_sysvipc_shm, stat_all_shm);
    if (!list) return fail(list.error());
    // shmid -> holders, from the /SYSV mappings of the walk by processes of
    // the IPC namespace being read: in another, the same id is another segment.
    std::unordered_map<int, bool> in_ns;
    auto same_ns = [&](int pid) {
      if (opts.ipc_ns == 0) return true;
      auto [it, fresh] = in_ns.try_emplace(pid, true);
      if (fresh) {
        const auto inode = ns_inode(root, pid, model::NsType::ipc);
        it->second = !inode || *inode == opts.ipc_ns;  // unreadable: as before namespaces were known
      }
      return it->second;
    };
    std::unordered_multimap<std::int64_t, const model::MapEntry*> by_id;
    for (const auto& m : snap.walk->maps)
      if (starts_with(m.path, "/SYSV") && same_ns(m.pid)) by_id.emplace(static_cast<std::int64_t>(m.inode), &m);
    for (const auto& s : *list) {
      Object o = common_object(Kind::sysv_shm, s);
      o.size = s.size;
      const auto [lo, hi] = by_id.equal_range(s.id);
      for (auto it = lo; it != hi; ++it) {
        model::Holder h = snap.holder(*it->second);
        // A process that attached twice shows two mappings: list it once.
        if (std::find(o.holders.begin(), o.holders.end(), h) == o.holders.end()) o.holders.push_back(std::move(h));
      }
      o.set(model::key::nattch, s.nattch);
      o.set(model::key::cpid, s.cpid);
      o.set(model::key::lpid, s.lpid);
      o.set(model::key::atime, time_value(s.atime));
      o.set(model::key::dtime, time_value(s.dtime));
      o.set(model::key::ctime, time_value(s.ctime));
      o.set(model::key::rss_bytes, s.rss ? model::Value{*s.rss} : model::Value{});
      o.set(model::key::swap_bytes, s.swap ? model::Value{*s.swap} : model::Value{});
      o.set(model::key::dest, (s.mode & SHM_DEST) != 0);
      o.set(model::key::locked, (s.mode & SHM_LOCKED) != 0);
      if (opts.keeps(o, {s.cpid, s.lpid})) snap.objects.push_back(std::move(o));
    }
    return {};
  }
};

class SysvSemSource final : public Source {
public:
  model::Kind kind() const override { return Kind::sysv_sem; }
  bool needs_fds() const override { return false; }
  Result<void> collect(const SourceContext& ctx, const CollectOptions& opts, model::Snapshot& snap) const override {
    const ProcRoot& root = ctx.root();
    auto list = load(root, "sem", parse_sysvipc_sem, stat_all_sem);
    if (!list) return fail(list.error());
    int unreadable = 0;
    for (const auto& s : *list) {
      Object o = common_object(Kind::sysv_sem, s);
      o.set(model::key::nsems, s.nsems);
      model::Value values, ncnt, zcnt, last_pids;
      if (root.live() && s.nsems > 0) {
        const int id = static_cast<int>(s.id);
        std::vector<unsigned short> raw(static_cast<std::size_t>(s.nsems));
        if (::semctl(id, 0, GETALL, raw.data()) == 0) {
          std::vector<std::int64_t> v(raw.begin(), raw.end()), n, z, p;
          for (int i = 0; i < s.nsems; ++i) {
            n.push_back(::semctl(id, i, GETNCNT));
            z.push_back(::semctl(id, i, GETZCNT));
            p.push_back(::semctl(id, i, GETPID));
          }
          values = std::move(v), ncnt = std::move(n), zcnt = std::move(z), last_pids = std::move(p);
        } else if (errno == EACCES) {
          ++unreadable;
          o.error = "semctl(GETALL): Permission denied: values unknown";
        }
      }
      o.set(model::key::values, std::move(values));
      o.set(model::key::ncnt, std::move(ncnt));
      o.set(model::key::zcnt, std::move(zcnt));
      o.set(model::key::last_pids, std::move(last_pids));
      o.set(model::key::otime, time_value(s.otime));
      o.set(model::key::ctime, time_value(s.ctime));
      if (opts.keeps(o)) snap.objects.push_back(std::move(o));
    }
    if (unreadable > 0)
      snap.warn(fmt::format("{} SysV semaphore {} not readable: their values are unknown", unreadable,
                            unreadable == 1 ? "set was" : "sets were"));
    return {};
  }
};

} // namespace

const Source& sysv_msg_source() {
  static const SysvMsgSource s;
  return s;
}
const Source& sysv_shm_source() {
  static const SysvShmSource s;
  return s;
}
const Source& sysv_sem_source() {
  static const SysvSemSource s;
  return s;
}

} // namespace ipcctl::sys
