#pragma once
// The kinds of IPC object ipcctl knows, with their user-facing names
// ("sysv-shm") and the families a user can name instead ("sysv", "socket").
#include <array>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace ipcctl::model {

enum class Kind {
  sysv_msg, sysv_shm, sysv_sem,
  posix_mq, posix_shm, posix_sem,
  fifo, pipe,
  unix_socket, tcp, udp,
  eventfd, memfd, signalfd,
  lock, signal,
};
inline constexpr std::size_t k_kind_count = 16;

std::string_view kind_name(Kind k);              // "sysv-shm"
std::string_view kind_help(Kind k);              // one line for --help and --list-types
std::optional<Kind> kind_from_name(std::string_view name);
std::span<const Kind> all_kinds();               // in listing order

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
// socket (unix, tcp, udp), fd (pipe, fifo, eventfd, memfd, signalfd), all.
// Returns the first unknown word on failure.
struct KindParse {
  KindSet kinds;
  std::string_view unknown;  // empty on success
};
KindParse parse_kinds(std::string_view list);

} // namespace ipcctl::model
