// The descriptors: one entry per kind, each saying all the library needs
// to know of it. Collectors set only the keys their kind lists here (a test
// runs every collector and fixture against these lists), ls shows the
// columns named here, rm removes by the rule named here.
#include <ipcctl/model/kind.hpp>

#include <ipcctl/util/parse.hpp>

#include <algorithm>
#include <string>

namespace ipcctl::model {

namespace {

using K = DetailKey;
namespace k = key;

// The keys, default columns and summary of each kind. The columns name
// detail keys in upper case or the common columns of query/columns.cpp.
constexpr const K* k_sysv_msg_keys[] = {&k::cuid,  &k::cgid,  &k::messages, &k::bytes, &k::max_bytes,
                                        &k::lspid, &k::lrpid, &k::stime,    &k::rtime, &k::ctime};
constexpr std::string_view k_sysv_msg_cols[] = {"REF", "KEY", "OWNER", "PERMS", "MESSAGES", "BYTES", "MAX_BYTES", "LSPID", "LRPID"};
constexpr const K* k_sysv_msg_sum[] = {&k::messages, &k::bytes};

constexpr const K* k_sysv_shm_keys[] = {&k::cuid,  &k::cgid,  &k::nattch,    &k::cpid,       &k::lpid, &k::atime,
                                        &k::dtime, &k::ctime, &k::rss_bytes, &k::swap_bytes, &k::dest, &k::locked};
constexpr std::string_view k_sysv_shm_cols[] = {"REF", "KEY", "OWNER", "PERMS", "SIZE", "NATTCH", "CPID", "LPID", "HOLDERS"};
constexpr const K* k_sysv_shm_sum[] = {&k::nattch, &k::dest};

constexpr const K* k_sysv_sem_keys[] = {&k::cuid, &k::cgid,      &k::nsems, &k::values, &k::ncnt,
                                        &k::zcnt, &k::last_pids, &k::otime, &k::ctime};
constexpr std::string_view k_sysv_sem_cols[] = {"REF", "KEY", "OWNER", "PERMS", "NSEMS", "VALUES", "NCNT", "ZCNT"};
constexpr const K* k_sysv_sem_sum[] = {&k::nsems, &k::values};

constexpr const K* k_posix_mq_keys[] = {&k::mtime,   &k::ctime,     &k::dev,        &k::ctime_nsec,
                                        &k::btime,   &k::btime_nsec, &k::messages,  &k::bytes,
                                        &k::maxmsg,  &k::msgsize,   &k::notify_pid, &k::notify_signal};
constexpr std::string_view k_posix_mq_cols[] = {"REF", "OWNER", "PERMS", "MESSAGES", "MAXMSG", "MSGSIZE", "BYTES", "HOLDERS"};
constexpr const K* k_posix_mq_sum[] = {&k::messages, &k::maxmsg, &k::msgsize};

constexpr const K* k_posix_shm_keys[] = {&k::mtime, &k::ctime,      &k::dev,         &k::ctime_nsec,
                                         &k::btime, &k::btime_nsec, &k::blocks_bytes};
constexpr std::string_view k_posix_shm_cols[] = {"REF", "OWNER", "PERMS", "SIZE", "HOLDERS"};

constexpr const K* k_posix_sem_keys[] = {&k::mtime, &k::ctime,      &k::dev,   &k::ctime_nsec,
                                         &k::btime, &k::btime_nsec, &k::value, &k::waiters};
constexpr std::string_view k_posix_sem_cols[] = {"REF", "OWNER", "PERMS", "VALUE", "WAITERS", "HOLDERS"};
constexpr const K* k_posix_sem_sum[] = {&k::value, &k::waiters};

constexpr const K* k_fifo_keys[] = {&k::unread_bytes, &k::capacity_bytes, &k::dev,    &k::ctime_nsec,
                                    &k::btime,        &k::btime_nsec,     &k::deleted, &k::ctime};
constexpr std::string_view k_fifo_cols[] = {"REF", "OWNER", "PERMS", "UNREAD_BYTES", "CAPACITY_BYTES", "HOLDERS"};
constexpr const K* k_pipe_keys[] = {&k::unread_bytes, &k::capacity_bytes};
constexpr std::string_view k_pipe_cols[] = {"REF", "UNREAD_BYTES", "CAPACITY_BYTES", "HOLDERS"};
constexpr const K* k_pipe_sum[] = {&k::unread_bytes};

// A unix socket on Windows has the ends of an inet socket (ws2 reports them).
constexpr const K* k_unix_keys[] = {&k::sock_type, &k::state, &k::abstract, &k::rqueue, &k::wqueue, &k::file_inode,
                                    &k::dev,       &k::stale, &k::ctime,    &k::local,  &k::remote};
constexpr std::string_view k_unix_cols[] = {"REF", "SOCK_TYPE", "STATE", "NAME", "PEER", "RQUEUE", "WQUEUE", "HOLDERS"};
constexpr const K* k_unix_sum[] = {&k::sock_type, &k::state};
constexpr const K* k_inet_keys[] = {&k::local, &k::remote, &k::state, &k::rqueue, &k::wqueue, &k::family};
constexpr std::string_view k_inet_cols[] = {"REF", "STATE", "LOCAL", "REMOTE", "RQUEUE", "WQUEUE", "HOLDERS"};
constexpr const K* k_inet_sum[] = {&k::state, &k::local, &k::remote};
constexpr const K* k_netlink_keys[] = {&k::protocol, &k::portid, &k::dst_portid, &k::dst_group,
                                       &k::groups,   &k::state,  &k::rqueue,     &k::wqueue};
constexpr std::string_view k_netlink_cols[] = {"REF",    "PROTOCOL", "PORTID", "GROUPS", "PEER",
                                               "RQUEUE", "WQUEUE",   "HOLDERS"};
constexpr const K* k_netlink_sum[] = {&k::protocol, &k::portid, &k::groups};

constexpr const K* k_eventfd_keys[] = {&k::eventfd_id, &k::count, &k::semaphore};
constexpr std::string_view k_eventfd_cols[] = {"REF", "COUNT", "HOLDERS"};
constexpr const K* k_eventfd_sum[] = {&k::count};
constexpr const K* k_memfd_keys[] = {&k::seals};
constexpr std::string_view k_memfd_cols[] = {"REF", "NAME", "SIZE", "SEALS", "HOLDERS"};
// Shared mappings. SIZE is the mapping's length (anon-shm) or the file's
// size where a holder also has it open, else the longest mapping (mapped-file).
constexpr const K* k_anon_shm_keys[] = {&k::mapped_bytes};
constexpr std::string_view k_anon_shm_cols[] = {"REF", "SIZE", "NHOLDERS", "HOLDERS"};
constexpr const K* k_mapped_file_keys[] = {&k::mapped_bytes, &k::deleted, &k::dev};
constexpr std::string_view k_mapped_file_cols[] = {"REF", "SIZE", "MAPPED_BYTES", "NHOLDERS", "HOLDERS"};
constexpr const K* k_mapped_file_sum[] = {&k::deleted};
constexpr const K* k_signalfd_keys[] = {&k::mask};
constexpr std::string_view k_signalfd_cols[] = {"REF", "MASK", "HOLDERS"};

constexpr const K* k_lock_keys[] = {&k::kind,         &k::lock_mode,  &k::start, &k::end,        &k::path,
                                    &k::mandatory,    &k::lock_blocked, &k::blocked_on, &k::pid, &k::lease_state,
                                    &k::wchan,        &k::waiting_ms};
// BLOCKED_ON marks a waiter, as lslocks' BLOCKER does: the lock it waits behind.
constexpr std::string_view k_lock_cols[] = {"REF", "KIND", "LOCK_MODE", "START", "END", "BLOCKED_ON", "PATH", "HOLDERS"};
constexpr const K* k_lock_sum[] = {&k::kind, &k::lock_mode, &k::blocked_on, &k::path};

constexpr const K* k_signal_keys[] = {&k::pid,     &k::pending, &k::pending_thread, &k::pending_shared,
                                      &k::blocked, &k::ignored, &k::caught};
constexpr std::string_view k_signal_cols[] = {"REF", "NAME", "OWNER", "PENDING", "BLOCKED", "CAUGHT"};
constexpr const K* k_signal_sum[] = {&k::pending};

constexpr std::string_view k_win_cols[] = {"REF", "OWNER", "SIZE", "DETAIL", "HOLDERS"};
constexpr const K* k_win_pipe_keys[] = {&k::instances,        &k::max_instances, &k::message_mode, &k::in_buffer_bytes,
                                        &k::out_buffer_bytes, &k::server_pids,   &k::client_pids};
constexpr const K* k_win_pipe_sum[] = {&k::instances, &k::server_pids, &k::client_pids};
constexpr const K* k_win_section_keys[] = {&k::file_backed};
constexpr const K* k_win_event_keys[] = {&k::event_type, &k::signaled};
constexpr const K* k_win_mutant_keys[] = {&k::held, &k::abandoned};
constexpr const K* k_win_semaphore_keys[] = {&k::count, &k::maximum};

constexpr std::string_view k_blue = "#1f77b4", k_green = "#2ca02c", k_red = "#d62728", k_purple = "#9467bd",
                           k_grey = "#7f7f7f";

constexpr PosixFile k_mqueue_dir{"/dev/mqueue", ""}, k_shm_dir{"/dev/shm", ""}, k_sem_file{"/dev/shm", "sem."};

// In the order of Kind (checked below).
constexpr std::array<KindDesc, k_kind_count> k_kinds{{
    {Kind::sysv_msg, "sysv-msg", "sysv", "System V message queue (/proc/sysvipc/msg)", "sysv-msg:ID, sysv-msg:key=KEY",
     RefForm::sysv, false, NsType::ipc, std::nullopt, k_sysv_msg_keys, k_sysv_msg_cols, k_sysv_msg_sum, false,
     Removal::sysv, {}, GraphRole::last_ops, k_purple},
    {Kind::sysv_shm, "sysv-shm", "sysv", "System V shared memory segment (/proc/sysvipc/shm)",
     "sysv-shm:ID, sysv-shm:key=KEY", RefForm::sysv, false, NsType::ipc, std::nullopt, k_sysv_shm_keys,
     k_sysv_shm_cols, k_sysv_shm_sum, false, Removal::sysv, {}, GraphRole::shared, k_red},
    {Kind::sysv_sem, "sysv-sem", "sysv", "System V semaphore set (/proc/sysvipc/sem)", "sysv-sem:ID, sysv-sem:key=KEY",
     RefForm::sysv, false, NsType::ipc, std::nullopt, k_sysv_sem_keys, k_sysv_sem_cols, k_sysv_sem_sum, false,
     Removal::sysv, {}, GraphRole::none, k_grey},
    {Kind::posix_mq, "posix-mq", "posix", "POSIX message queue (/dev/mqueue)", "posix-mq:/NAME, /dev/mqueue/NAME",
     RefForm::posix_name, false, NsType::ipc, k_mqueue_dir, k_posix_mq_keys, k_posix_mq_cols, k_posix_mq_sum, false,
     Removal::file, {}, GraphRole::directed, k_purple},
    {Kind::posix_shm, "posix-shm", "posix", "POSIX shared memory object (/dev/shm)", "posix-shm:/NAME, /dev/shm/NAME",
     RefForm::posix_name, false, std::nullopt, k_shm_dir, k_posix_shm_keys, k_posix_shm_cols, {}, false,
     Removal::file, {}, GraphRole::shared, k_red},
    {Kind::posix_sem, "posix-sem", "posix", "POSIX named semaphore (/dev/shm/sem.NAME)",
     "posix-sem:/NAME, /dev/shm/sem.NAME", RefForm::posix_name, false, std::nullopt, k_sem_file, k_posix_sem_keys,
     k_posix_sem_cols, k_posix_sem_sum, false, Removal::file, {}, GraphRole::shared, k_grey},
    {Kind::fifo, "fifo", "fd", "named pipe, open by a process or found with --scan", "fifo:PATH, PATH", RefForm::path,
     false, std::nullopt, std::nullopt, k_fifo_keys, k_fifo_cols, k_pipe_sum, false, Removal::file, {},
     GraphRole::directed, k_blue},
    {Kind::pipe, "pipe", "fd", "anonymous pipe, by inode", "pipe:INODE", RefForm::inode, false, std::nullopt,
     std::nullopt, k_pipe_keys, k_pipe_cols, k_pipe_sum, false, Removal::none, {}, GraphRole::directed, k_blue},
    {Kind::unix_socket, "unix", "socket", "unix domain socket (stream, dgram, seqpacket)", "unix:INODE, unix:PATH, PATH",
     RefForm::unix, false, NsType::net, std::nullopt, k_unix_keys, k_unix_cols, k_unix_sum, true, Removal::file, {},
     GraphRole::none, k_green},
    {Kind::tcp, "tcp", "socket", "TCP socket, IPv4 or IPv6", "tcp:INODE", RefForm::socket, false, NsType::net,
     std::nullopt, k_inet_keys, k_inet_cols, k_inet_sum, false, Removal::none, {}, GraphRole::none, k_green},
    {Kind::udp, "udp", "socket", "UDP socket, IPv4 or IPv6", "udp:INODE", RefForm::socket, false, NsType::net,
     std::nullopt, k_inet_keys, k_inet_cols, k_inet_sum, false, Removal::none, {}, GraphRole::none, k_green},
    {Kind::netlink, "netlink", "", "netlink socket (route, kobject_uevent, generic...), listed only with -t netlink",
     "netlink:INODE", RefForm::socket, false, NsType::net, std::nullopt, k_netlink_keys, k_netlink_cols,
     k_netlink_sum, false, Removal::none, {}, GraphRole::none, k_green, false},
    {Kind::eventfd, "eventfd", "fd", "eventfd counter, by eventfd-id", "eventfd:ID, eventfd:PID:FD", RefForm::eventfd,
     false, std::nullopt, std::nullopt, k_eventfd_keys, k_eventfd_cols, k_eventfd_sum, false, Removal::none, {},
     GraphRole::shared, k_grey},
    {Kind::memfd, "memfd", "fd", "anonymous memory file (memfd_create)", "memfd:INODE", RefForm::inode, false,
     std::nullopt, std::nullopt, k_memfd_keys, k_memfd_cols, k_memfd_keys, true, Removal::none, {},
     GraphRole::shared, k_red},
    {Kind::anon_shm, "anon-shm", "", "anonymous shared memory (mmap MAP_SHARED|MAP_ANONYMOUS), by shmem inode",
     "anon-shm:INODE", RefForm::inode, false, std::nullopt, std::nullopt, k_anon_shm_keys, k_anon_shm_cols,
     k_anon_shm_keys, false, Removal::none,
     "anonymous shared memory cannot be removed: it goes when the last process that maps it unmaps it or exits",
     GraphRole::shared, k_red},
    {Kind::mapped_file, "mapped-file", "", "regular file mapped MAP_SHARED (SQLite -shm, LMDB); SIZE: the file's, or the longest mapping "
     "where the file cannot be seen",
     "mapped-file:PATH", RefForm::path, false, std::nullopt, std::nullopt, k_mapped_file_keys, k_mapped_file_cols,
     k_mapped_file_sum, true, Removal::none,
     "a mapped file is not removed by ipcctl: it is an ordinary file of its application", GraphRole::shared, k_red},
    {Kind::signalfd, "signalfd", "fd", "signalfd descriptor, per holder and fd", "signalfd:PID:FD", RefForm::pid_fd,
     false, std::nullopt, std::nullopt, k_signalfd_keys, k_signalfd_cols, k_signalfd_keys, false, Removal::none, {},
     GraphRole::none, k_grey},
    {Kind::lock, "lock", "", "file lock: flock, POSIX or OFD (/proc/locks)", "lock:N, lock:N.W", RefForm::lock, false,
     std::nullopt, std::nullopt, k_lock_keys, k_lock_cols, k_lock_sum, false, Removal::none,
     "a lock cannot be removed: it goes when its holder unlocks it, closes the file or exits", GraphRole::none,
     k_grey},
    {Kind::signal, "signal", "", "a process's signal state: listed where a signal is pending, every process's with -t signal", "signal:PID", RefForm::pid, false,
     std::nullopt, std::nullopt, k_signal_keys, k_signal_cols, k_signal_sum, false, Removal::none,
     "a pending signal cannot be removed: it goes when it is delivered", GraphRole::none, k_grey},
    {Kind::win_pipe, "win-pipe", "win", "Windows named pipe (\\\\.\\pipe\\NAME)", "win-pipe:\\\\.\\pipe\\NAME",
     RefForm::win_pipe, true, std::nullopt, std::nullopt, k_win_pipe_keys, k_win_cols, k_win_pipe_sum, false,
     Removal::handle, {}, GraphRole::shared, k_grey},
    {Kind::win_mailslot, "win-mailslot", "win", "Windows mailslot (\\\\.\\mailslot\\NAME)",
     "win-mailslot:\\\\.\\mailslot\\NAME", RefForm::win_mailslot, true, std::nullopt, std::nullopt, {}, k_win_cols,
     {}, false, Removal::handle, {}, GraphRole::shared, k_grey},
    {Kind::win_section, "win-section", "win", "Windows named section: shared memory (CreateFileMapping)",
     "win-section:\\BaseNamedObjects\\NAME", RefForm::win_path, true, std::nullopt, std::nullopt, k_win_section_keys,
     k_win_cols, k_win_section_keys, false, Removal::handle, {}, GraphRole::shared, k_grey},
    {Kind::win_event, "win-event", "win", "Windows named event", "win-event:\\BaseNamedObjects\\NAME",
     RefForm::win_path, true, std::nullopt, std::nullopt, k_win_event_keys, k_win_cols, k_win_event_keys, false,
     Removal::handle, {}, GraphRole::shared, k_grey},
    {Kind::win_mutant, "win-mutant", "win", "Windows named mutex (a Mutant to the kernel)",
     "win-mutant:\\BaseNamedObjects\\NAME", RefForm::win_path, true, std::nullopt, std::nullopt, k_win_mutant_keys,
     k_win_cols, k_win_mutant_keys, false, Removal::handle, {}, GraphRole::shared, k_grey},
    {Kind::win_semaphore, "win-semaphore", "win", "Windows named semaphore", "win-semaphore:\\BaseNamedObjects\\NAME",
     RefForm::win_path, true, std::nullopt, std::nullopt, k_win_semaphore_keys, k_win_cols, k_win_semaphore_keys,
     false, Removal::handle, {}, GraphRole::shared, k_grey},
    {Kind::win_alpc, "win-alpc", "win", "Windows ALPC port (\\RPC Control)", "win-alpc:\\RPC Control\\NAME",
     RefForm::win_path, true, std::nullopt, std::nullopt, {}, k_win_cols, {}, false, Removal::handle, {},
     GraphRole::none, k_grey},
}};

constexpr bool in_kind_order() {
  for (std::size_t i = 0; i < k_kinds.size(); ++i)
    if (static_cast<std::size_t>(k_kinds[i].kind) != i || k_kinds[i].name.empty()) return false;
  return true;
}
static_assert(in_kind_order(), "k_kinds has one descriptor per Kind, in the order of the enum");

// The kinds of this platform, in listing order.
std::vector<Kind> platform_order() {
  std::vector<Kind> out;
#ifdef _WIN32
  for (const auto& d : k_kinds)
    if (d.windows) out.push_back(d.kind);
  // Sockets come after the object manager's kinds.
  for (Kind k : {Kind::unix_socket, Kind::tcp, Kind::udp}) out.push_back(k);
#else
  for (const auto& d : k_kinds)
    if (!d.windows) out.push_back(d.kind);
#endif
  return out;
}

const std::vector<Kind>& order() {
  static const std::vector<Kind> k_order = platform_order();
  return k_order;
}

// This platform's kinds' keys first, then the other's: a column of the
// other platform's (NATTCH on Windows) parses and is null, as the other
// platform's type names select nothing.
std::vector<const DetailKey*> collect_keys() {
  std::vector<const DetailKey*> out;
  const auto add = [&](Kind kind) {
    for (const DetailKey* key : describe(kind).keys)
      if (std::none_of(out.begin(), out.end(), [&](const DetailKey* k) { return k->name == key->name; }))
        out.push_back(key);
  };
  for (Kind kind : order()) add(kind);
  for (const auto& d : k_kinds) add(d.kind);
  return out;
}

// "sockets" and "windows" read as the families socket and win.
std::string_view family_word(std::string_view word) {
  if (word == "sockets") return "socket";
  if (word == "windows") return "win";
  return word;
}

} // namespace

const KindDesc& describe(Kind k) { return k_kinds[static_cast<std::size_t>(k)]; }

std::span<const KindDesc> descriptors() { return k_kinds; }

std::span<const DetailKey* const> all_keys() {
  static const std::vector<const DetailKey*> k_all = collect_keys();
  return k_all;
}

const DetailKey* find_key(std::string_view name) {
  for (const DetailKey* k : all_keys())
    if (k->name == name) return k;
  return nullptr;
}

bool has_key(Kind k, std::string_view name) {
  const auto keys = describe(k).keys;
  return std::any_of(keys.begin(), keys.end(), [&](const DetailKey* key) { return key->name == name; });
}

std::string_view kind_name(Kind k) { return describe(k).name; }
std::string_view kind_help(Kind k) { return describe(k).help; }

std::optional<Kind> kind_from_name(std::string_view name) {
  for (const auto& d : k_kinds)
    if (d.name == name) return d.kind;
  return std::nullopt;
}

std::span<const Kind> all_kinds() { return order(); }

bool is_windows_kind(Kind k) { return describe(k).windows; }

KindSet KindSet::all() {
  KindSet s;
  for (Kind k : order()) s.add(k);
  return s;
}

KindSet KindSet::defaults() {
  KindSet s;
  for (Kind k : order())
    if (describe(k).listed_by_default) s.add(k);
  return s;
}

bool KindSet::any_of(std::initializer_list<Kind> ks) const {
  for (Kind k : ks)
    if (has(k)) return true;
  return false;
}

bool KindSet::empty() const {
  for (bool b : m_bits)
    if (b) return false;
  return true;
}

KindParse parse_kinds(std::string_view list) {
  KindParse out;
  while (!list.empty()) {
    const auto comma = list.find(',');
    const std::string_view word = trim(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    if (word.empty()) continue;
    if (auto k = kind_from_name(word)) {
      out.kinds.add(*k);
      continue;
    }
    if (word == "all") {
      out.kinds = KindSet::all();
      continue;
    }
    const std::string_view family = family_word(word);
    bool known = false;
    for (const auto& d : k_kinds) {
      if (d.family.empty() || d.family != family) continue;
      out.kinds.add(d.kind);
      known = true;
    }
    if (!known) {
      out.unknown = word;
      return out;
    }
  }
  return out;
}

} // namespace ipcctl::model
