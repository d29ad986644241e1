#pragma once
// Object and Holder: one IPC object and the processes that hold it. Plain
// data, no I/O; collectors fill them, query and render read them.
#include <ipcctl/api.hpp>
#include <ipcctl/model/kind.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

IPCCTL_API_BEGIN

namespace ipcctl::model {

// Seconds since the epoch. A distinct type so renderers can print RFC 3339
// in JSON and local time for people.
struct Time {
  std::int64_t seconds = 0;
  bool operator==(const Time&) const = default;
};

// A value in an object's `detail`: null, a number, text, a time, a list.
using Value = std::variant<std::monostate, bool, std::int64_t, std::string, Time,
                           std::vector<std::int64_t>, std::vector<std::string>>;

// One detail field: a registered key (keys.hpp) and its value.
struct Field {
  const DetailKey* key = nullptr;
  Value value;
};

// On Windows, a holder holds a handle: `fd` is the handle's value.
enum class Via { fd, map, attach, handle };
std::string_view via_name(Via v);

struct Holder {
  int pid = 0;
  std::string comm;
  std::optional<int> fd;  // null for a mapping; the handle value for Via::handle
  std::string access;     // "r", "w", "rw", "" when unknown
  Via via = Via::fd;
  std::optional<std::uint32_t> uid;  // the holding process's real uid
  bool operator==(const Holder&) const = default;
};

struct Owner {
  std::optional<std::uint32_t> uid;
  std::optional<std::uint32_t> gid;
  std::string user;   // resolved name; empty when unresolved
  std::string group;
};

// The namespace an object lives in: SysV objects and POSIX message queues in
// an IPC namespace, sockets in a network namespace (see ns_type_of). Ids and
// names repeat across IPC namespaces, so refs of objects outside ipcctl's
// own namespace carry "@ipc:INODE".
std::string_view ns_type_name(NsType t);         // "ipc", "net"
std::optional<NsType> ns_type_of(Kind k);        // describe(k).ns; nullopt: the kind has no namespace
// "@ipc:4026532281": the ref suffix of an object in a namespace not ipcctl's own.
std::string ns_suffix(NsType t, std::uint64_t inode);

// A container told from the cgroup path of a namespace's processes.
struct Container {
  std::string runtime;  // "docker", "containerd", "cri-o", "podman", "systemd-nspawn", "lxc"
  std::string id;       // the runtime's container id (a machine name for nspawn and lxc)
  std::string cgroup;   // the cgroup path it was told from
  bool operator==(const Container&) const = default;
};

struct Namespace {
  NsType type = NsType::ipc;
  std::uint64_t inode = 0;
  bool own = true;                     // ipcctl's own namespace: refs carry no suffix
  std::optional<Container> container;  // null for ipcctl's own, or when no runtime is recognised
  std::string path;  // the file it is entered through: /proc/PID/ns/ipc, /run/netns/NAME
  bool operator==(const Namespace&) const = default;
};

// How people and JSON spell a SysV key ("0x00001234") and permission bits ("0600").
std::string key_text(std::uint32_t key);
std::string mode_text(std::uint32_t mode);

struct Object {
  std::string ref;  // what a user types: "sysv-shm:32769", "posix-mq:/orders"
  Kind kind{};
  std::optional<std::int64_t> id;
  std::optional<std::uint32_t> key;  // SysV key
  std::optional<std::string> name;
  std::optional<std::uint64_t> inode;
  Owner owner;
  std::optional<std::uint32_t> mode;  // permission bits
  std::optional<std::int64_t> size;
  std::vector<Holder> holders;
  std::optional<std::string> peer;  // ref of the other end
  std::vector<Holder> peer_holders;  // the other end's holders, where it was listed
  std::vector<Field> detail;
  std::optional<std::string> error;  // set when part of the object could not be read
  std::optional<Namespace> ns;       // for the kinds ns_type_of names, when known

  // The detail value for `key`, or nullptr.
  const Value* find(const DetailKey& key) const;
  // The detail value for the key of that name (a column, a -Q name), or nullptr.
  const Value* find_named(std::string_view name) const;
  // The detail value for `key` if it is a number, a list of numbers, a time, a flag.
  std::optional<std::int64_t> number(const DetailKey& key) const;
  const std::vector<std::int64_t>* numbers(const DetailKey& key) const;
  std::optional<Time> time(const DetailKey& key) const;
  std::optional<bool> flag(const DetailKey& key) const;
  // Sets `key`, keeping the place of a key set before.
  void set(const DetailKey& key, Value v);
  void set(const DetailKey&& key, Value v) = delete;  // the field keeps a pointer to a registered key
};

} // namespace ipcctl::model

IPCCTL_API_END
