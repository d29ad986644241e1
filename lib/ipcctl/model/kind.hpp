#pragma once
// The kinds of IPC object ipcctl knows, with their user-facing names
// ("sysv-shm") and the families a user can name instead ("sysv", "socket").
#include <ipcctl/api.hpp>

#include <array>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

IPCCTL_API_BEGIN

namespace ipcctl::model {

enum class Kind {
  sysv_msg, sysv_shm, sysv_sem,
  posix_mq, posix_shm, posix_sem,
  fifo, pipe,
  unix_socket, tcp, udp,
  eventfd, memfd, signalfd,
  lock, signal,
  // Windows: the object manager's named objects, and named pipes and mailslots.
  win_pipe, win_mailslot, win_section, win_event, win_mutant, win_semaphore, win_alpc,
};
inline constexpr std::size_t k_kind_count = 23;

std::string_view kind_name(Kind k);              // "sysv-shm"
std::string_view kind_help(Kind k);              // one line for --help and --list-types
std::optional<Kind> kind_from_name(std::string_view name);
// The kinds of this platform (Linux's, or Windows' and its sockets), in
// listing order. Names of the other platform's kinds still parse: they
// select nothing.
std::span<const Kind> all_kinds();
bool is_windows_kind(Kind k);

// A set of kinds, as selected with --type.
class KindSet {
public:
  static KindSet all();
  static KindSet none() { return {}; }
  void add(Kind k) { m_bits[static_cast<std::size_t>(k)] = true; }
  void remove(Kind k) { m_bits[static_cast<std::size_t>(k)] = false; }
  bool has(Kind k) const { return m_bits[static_cast<std::size_t>(k)]; }
  bool any_of(std::initializer_list<Kind> ks) const;
  bool empty() const;
  bool operator==(const KindSet&) const = default;

private:
  std::array<bool, k_kind_count> m_bits{};
};

// Parses "sysv-shm,posix,socket": kind names and the families sysv, posix,
// socket (unix, tcp, udp), fd (pipe, fifo, eventfd, memfd, signalfd), win
// (the Windows kinds), all.
// Returns the first unknown word on failure.
struct KindParse {
  KindSet kinds;
  std::string_view unknown;  // empty on success
};
KindParse parse_kinds(std::string_view list);

} // namespace ipcctl::model

IPCCTL_API_END
