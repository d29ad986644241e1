#include <ipcctl/model/kind.hpp>

#include <ipcctl/util/parse.hpp>

namespace ipcctl::model {

namespace {

struct KindInfo {
  Kind kind;
  std::string_view name;
  std::string_view help;
};

constexpr std::array<KindInfo, k_kind_count> k_kinds{{
    {Kind::sysv_msg, "sysv-msg", "System V message queue (/proc/sysvipc/msg)"},
    {Kind::sysv_shm, "sysv-shm", "System V shared memory segment (/proc/sysvipc/shm)"},
    {Kind::sysv_sem, "sysv-sem", "System V semaphore set (/proc/sysvipc/sem)"},
    {Kind::posix_mq, "posix-mq", "POSIX message queue (/dev/mqueue)"},
    {Kind::posix_shm, "posix-shm", "POSIX shared memory object (/dev/shm)"},
    {Kind::posix_sem, "posix-sem", "POSIX named semaphore (/dev/shm/sem.NAME)"},
    {Kind::fifo, "fifo", "named pipe, open by a process or found with --scan"},
    {Kind::pipe, "pipe", "anonymous pipe, by inode"},
    {Kind::unix_socket, "unix", "unix domain socket (stream, dgram, seqpacket)"},
    {Kind::tcp, "tcp", "TCP socket, IPv4 or IPv6"},
    {Kind::udp, "udp", "UDP socket, IPv4 or IPv6"},
    {Kind::eventfd, "eventfd", "eventfd counter, by eventfd-id"},
    {Kind::memfd, "memfd", "anonymous memory file (memfd_create)"},
    {Kind::signalfd, "signalfd", "signalfd descriptor, per holder and fd"},
    {Kind::lock, "lock", "file lock: flock, POSIX or OFD (/proc/locks)"},
    {Kind::signal, "signal", "a process's signal state (pending by default)"},
    {Kind::win_pipe, "win-pipe", "Windows named pipe (\\\\.\\pipe\\NAME)"},
    {Kind::win_mailslot, "win-mailslot", "Windows mailslot (\\\\.\\mailslot\\NAME)"},
    {Kind::win_section, "win-section", "Windows named section: shared memory (CreateFileMapping)"},
    {Kind::win_event, "win-event", "Windows named event"},
    {Kind::win_mutant, "win-mutant", "Windows named mutex (a Mutant to the kernel)"},
    {Kind::win_semaphore, "win-semaphore", "Windows named semaphore"},
    {Kind::win_alpc, "win-alpc", "Windows ALPC port (\\RPC Control)"},
}};

#ifdef _WIN32
constexpr std::array k_order{Kind::win_pipe,      Kind::win_mailslot, Kind::win_section, Kind::win_event,
                             Kind::win_mutant,    Kind::win_semaphore, Kind::win_alpc,   Kind::unix_socket,
                             Kind::tcp,           Kind::udp};
#else
constexpr std::array k_order{
    Kind::sysv_msg, Kind::sysv_shm,  Kind::sysv_sem,    Kind::posix_mq, Kind::posix_shm, Kind::posix_sem,
    Kind::fifo,     Kind::pipe,      Kind::unix_socket, Kind::tcp,      Kind::udp,       Kind::eventfd,
    Kind::memfd,    Kind::signalfd,  Kind::lock,        Kind::signal};
#endif

} // namespace

std::string_view kind_name(Kind k) { return k_kinds[static_cast<std::size_t>(k)].name; }
std::string_view kind_help(Kind k) { return k_kinds[static_cast<std::size_t>(k)].help; }

std::optional<Kind> kind_from_name(std::string_view name) {
  for (const auto& info : k_kinds)
    if (info.name == name) return info.kind;
  return std::nullopt;
}

std::span<const Kind> all_kinds() { return k_order; }

bool is_windows_kind(Kind k) { return k >= Kind::win_pipe; }

KindSet KindSet::all() {
  KindSet s;
  for (Kind k : k_order) s.add(k);
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
    } else if (word == "sysv") {
      for (Kind k : {Kind::sysv_msg, Kind::sysv_shm, Kind::sysv_sem}) out.kinds.add(k);
    } else if (word == "posix") {
      for (Kind k : {Kind::posix_mq, Kind::posix_shm, Kind::posix_sem}) out.kinds.add(k);
    } else if (word == "socket" || word == "sockets") {
      for (Kind k : {Kind::unix_socket, Kind::tcp, Kind::udp}) out.kinds.add(k);
    } else if (word == "fd") {
      for (Kind k : {Kind::pipe, Kind::fifo, Kind::eventfd, Kind::memfd, Kind::signalfd}) out.kinds.add(k);
    } else if (word == "win" || word == "windows") {
      for (Kind k : {Kind::win_pipe, Kind::win_mailslot, Kind::win_section, Kind::win_event, Kind::win_mutant,
                     Kind::win_semaphore, Kind::win_alpc})
        out.kinds.add(k);
    } else if (word == "all") {
      out.kinds = KindSet::all();
    } else {
      out.unknown = word;
      return out;
    }
  }
  return out;
}

} // namespace ipcctl::model
