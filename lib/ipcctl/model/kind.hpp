#pragma once
// The registry of kinds: each kind of IPC object ipcctl knows has one
// descriptor (kind.cpp) that says everything the rest of the library needs
// to know about it: its name and ref syntax, its detail keys, its default
// and summary columns, whether and how rm removes it, how the graph draws
// it. Columns, -Q, --list-columns, --list-types, refs, rm and the graph read
// the descriptors; adding a kind is an enum value, a descriptor and a
// collector. (The way lsfd's anon_ops[] and ss's columns[] are tables.)
#include <ipcctl/api.hpp>
#include <ipcctl/model/keys.hpp>

#include <array>
#include <cstdint>
#include <initializer_list>
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
  unix_socket, tcp, udp, netlink,
  eventfd, memfd, anon_shm, mapped_file, signalfd,
  lock, signal,
  // Windows: the object manager's named objects, and named pipes and mailslots.
  win_pipe, win_mailslot, win_section, win_event, win_mutant, win_semaphore, win_alpc,
};
inline constexpr std::size_t k_kind_count = static_cast<std::size_t>(Kind::win_alpc) + 1;

// The namespace a kind's objects live in (see object.hpp's Namespace).
enum class NsType : std::uint8_t { ipc, net };

// The form of what follows "TYPE:" in a ref, checked by query::parse_ref.
enum class RefForm : unsigned char {
  sysv,        // ID or key=KEY
  posix_name,  // /NAME: one leading slash and no other
  path,        // an absolute path
  unix,        // an inode number or the socket file's path
  inode,       // an inode number
  socket,      // an inode number; on Windows LOCAL,REMOTE as ls prints it
  eventfd,     // the eventfd-id, or PID:FD
  pid_fd,      // PID:FD
  lock,        // the /proc/locks number, N or N.W
  pid,         // a process id
  win_pipe,    // \\.\pipe\NAME
  win_mailslot,  // \\.\mailslot\NAME
  win_path,    // a full object manager path, \BaseNamedObjects\NAME
};

// What rm does with an object of the kind.
enum class Removal : unsigned char {
  none,    // it cannot be removed: it goes with its holders (descriptor kinds) or by itself
  sysv,    // IPC_RMID, after checking the id still names the object listed
  file,    // unlinkat on a held directory descriptor, after checking the file's identity
  handle,  // Windows: closing the handles that keep it (rm --close-handles)
};

// How the graph draws an object of the kind between its holders. An object
// with a peer (a socket pair, a connection) is an edge between the two ends'
// holders whatever its kind.
enum class GraphRole : unsigned char {
  none,      // not drawn
  directed,  // writers to readers, from each holder's access (pipes, FIFOs, queues)
  shared,    // every holder with every other (shared memory, semaphores, eventfds)
  last_ops,  // the last sender to the last receiver (lspid, lrpid of a SysV queue)
};

// Where a POSIX object's file is: the directory and the prefix of its entry
// ("/dev/shm", "sem." for a named semaphore /NAME).
struct PosixFile {
  std::string_view dir;
  std::string_view prefix;
};

struct KindDesc {
  Kind kind;
  std::string_view name;       // "sysv-shm": in refs, -t and JSON's "type"
  std::string_view family;     // the -t word that selects it with its kin ("sysv"), or empty
  std::string_view help;       // one line for --help and --list-types
  std::string_view ref_help;   // the ref's forms, for --list-types and errors
  RefForm ref;
  bool windows = false;        // a kind of Windows' (tcp, udp and unix are both systems')
  std::optional<NsType> ns;    // the namespace its objects live in, when per namespace
  std::optional<PosixFile> file;                  // where its file is, for a POSIX object
  std::span<const DetailKey* const> keys;         // every detail key its objects carry
  std::span<const std::string_view> columns;      // ls's columns when only this kind is listed
  std::span<const DetailKey* const> summary;      // the keys DETAIL shows
  bool summary_name = false;                      // DETAIL starts with the object's name
  Removal removal = Removal::none;
  std::string_view not_removable;  // why rm refuses it (Removal::none); empty: the general reason
  GraphRole graph = GraphRole::none;
  std::string_view colour;         // its edges' colour in DOT and SVG (by family)
  // Whether ls lists it when no -t is given (KindSet::defaults()); a kind a
  // machine holds by the hundred (netlink) is listed only when named.
  bool listed_by_default = true;
};

// The descriptor of a kind.
const KindDesc& describe(Kind k);
// Every kind's descriptor, of both platforms, in the order of Kind: what
// parses (a /dev/shm path, a SysV key) whatever the platform lists.
std::span<const KindDesc> descriptors();
// Every detail key of every kind, once each (by name), this platform's
// first, in listing order: the detail columns.
std::span<const DetailKey* const> all_keys();
// The registered key of that name, or nullptr.
const DetailKey* find_key(std::string_view name);
// Whether `k`'s descriptor lists a key of that name.
bool has_key(Kind k, std::string_view name);

std::string_view kind_name(Kind k);              // describe(k).name: "sysv-shm"
std::string_view kind_help(Kind k);              // describe(k).help
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
  // The kinds listed when none is named: all() but those whose descriptor
  // says listed_by_default = false.
  static KindSet defaults();
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

// Parses "sysv-shm,posix,socket": kind names, the families the descriptors
// name (sysv, posix, socket, fd, win) and all.
// Returns the first unknown word on failure.
struct KindParse {
  KindSet kinds;
  std::string_view unknown;  // empty on success
};
KindParse parse_kinds(std::string_view list);

} // namespace ipcctl::model

IPCCTL_API_END
