#pragma once
// Refs as users type them, for show (and later rm): "sysv-shm:32769",
// "sysv-shm:key=0x1234", a bare SysV key ("0x1234" or "key=4660": the
// objects of all three SysV types that have it), "posix-mq:/orders", "pipe:48213", a plain path
// ("/dev/shm/x", a FIFO or unix socket path), or "pid:812" (everything that
// process holds). Parsing checks the identity's form for the type. A SysV
// or POSIX queue ref may end in "@ipc:INODE" (a socket's in "@net:INODE"):
// the object of that namespace; without it, the object of ipcctl's own.
#include <ipcctl/api.hpp>
#include <ipcctl/model/object.hpp>
#include <ipcctl/util/result.hpp>

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

IPCCTL_API_BEGIN

namespace ipcctl::query {

struct RefQuery {
  std::string text;                   // as typed
  std::optional<model::Kind> kind;
  std::optional<std::string> ref;     // an exact ref
  std::optional<std::uint32_t> key;   // sysv-*:key=K, or a bare key (no kind: any SysV type)
  std::optional<int> pid;             // pid:N
  std::optional<std::string> path;    // a plain absolute path
  std::optional<std::uint64_t> ns;    // @ipc:INODE, @net:INODE: the namespace's inode

  // The kinds a collection must run to answer this query.
  model::KindSet kinds() const;
  bool matches(const model::Object& o) const;
  // Whether the ref names an object of another namespace than ipcctl's own.
  bool foreign() const { return ns.has_value(); }
  // The file a path, fifo: or unix:PATH ref names: a listing must look at
  // it, as ls --scan does, to find a FIFO or socket file nobody holds.
  std::optional<std::string> file() const;
  // The inode a socket ref names (unix:1234, tcp:1234); null for a path.
  std::optional<std::uint64_t> socket_inode() const;
};

// Errors have code 0 and name what is wrong with the ref and what is accepted.
Result<RefQuery> parse_ref(std::string_view text);

// What a list of refs names in a listing: every object named, once, in the
// order of the refs and then of the listing; and the refs, as typed, that
// named nothing.
struct RefMatches {
  std::vector<const model::Object*> objects;
  std::vector<std::string> missing;
};
RefMatches match_refs(std::span<const RefQuery> queries, std::span<const model::Object> objects);

} // namespace ipcctl::query

IPCCTL_API_END
