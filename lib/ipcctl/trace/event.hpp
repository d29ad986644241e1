#pragma once
// The event model every tracer backend feeds: a compact, fixed-size Record
// written in the hot path (no strings, no allocation beyond the batch), and
// the resolved Event the output stages read (channel ref, names, peers).
// Backends (ptrace now, eBPF later) only ever produce Records.
#include <ipcctl/model/kind.hpp>
#include <ipcctl/model/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ipcctl::trace {

// What happened on the channel.
enum class Op : std::uint8_t {
  send, recv,                 // data moved (bytes)
  create, open, bind, connect, accept, close, unlink,  // lifecycle
  attach, detach,             // shmat/shmdt, mmap of a POSIX shm object
  sem_op, sem_set,            // semop/semtimedop, semctl SETVAL/SETALL
  notify,                     // mq_notify
  signal_send, signal_deliver,
  fd_pass,                    // descriptors passed with SCM_RIGHTS
};
std::string_view op_name(Op op);

// Out: from the process into the channel; in: from the channel into it.
enum class Dir : std::uint8_t { none, out, in };
std::string_view dir_name(Dir d);  // "out", "in", ""

// Record flags.
inline constexpr std::uint8_t k_entry_only = 1;   // no exit stop: result and duration unknown,
                                                   // bytes is the requested count (an upper bound)
inline constexpr std::uint8_t k_has_channel = 2;  // channel identifies the object
inline constexpr std::uint8_t k_has_target = 4;   // target is a pid (signals)

// One event as the tracer saw it: plain data, 104 bytes. Strings (POSIX
// names, FIFO paths, addresses) live in the batch's string table and
// payload previews in its byte arena; the record keeps their indexes.
struct Record {
  std::int64_t mono_ns = 0;      // CLOCK_MONOTONIC at the syscall's entry
  std::int64_t wall_ns = 0;      // CLOCK_REALTIME at the syscall's entry
  std::int64_t duration_ns = -1; // entry to exit; -1 when unknown
  std::int64_t result = 0;       // return value, or -errno
  std::uint64_t channel = 0;     // inode (pipe, socket, memfd), id (SysV), eventfd-id
  std::uint64_t requested = 0;   // bytes asked for (send/recv), sops (sem_op)
  std::uint64_t transferred = 0; // bytes moved; == requested for k_entry_only
  std::int32_t pid = 0, tid = 0;
  std::int32_t fd = -1;          // the descriptor used, -1 when none
  std::int32_t target = 0;       // signal target (tgid or tid), passed fd count
  std::int32_t aux = 0;          // signal number, semctl command
  std::uint32_t name = 0;        // string table index (0: none): posix name, fifo path, fd list
  std::uint32_t payload = 0;     // payload arena index (0: none)
  std::uint32_t ipc_ns = 0;      // the IPC namespace's inode when the backend saw it; 0: the process's
  std::uint16_t nr = 0;          // syscall number
  model::Kind kind = model::Kind::pipe;
  Op op = Op::send;
  Dir dir = Dir::none;
  std::uint8_t flags = 0;
  std::uint8_t sock_type = 0;    // SOCK_STREAM... for unix sockets, 0 unknown
};
static_assert(sizeof(Record) <= 104, "Record is the hot path's unit: keep it small");

// Interned strings; index 0 is the empty string.
class StringTable {
public:
  StringTable() : m_strings(1) {}
  std::uint32_t add(std::string s);
  const std::string& get(std::uint32_t i) const;
  void clear() { m_strings.resize(1); }

private:
  std::vector<std::string> m_strings;
};

// A run of records with their strings and payloads, handed from the hot path
// to the output stage and then cleared.
struct Batch {
  std::vector<Record> records;
  StringTable strings;
  std::vector<std::string> payloads{std::string()};  // index 0: none
  // The entry time (as Record::mono_ns) of the oldest call still in flight,
  // whose record comes in a later batch: the output stage holds back the
  // records that entered after it, to write every record in entry order.
  // INT64_MAX: nothing is in flight; 0: the backend cannot tell (the output
  // stage then waits a fixed window, OutputOptions::reorder_window_ns).
  std::int64_t in_flight_since = 0;
  std::uint32_t add_payload(std::string bytes);
  void clear();
};

// The other end of a channel.
struct Peer {
  int pid = 0;
  std::string comm;
  bool operator==(const Peer&) const = default;
};

// A record resolved for output.
struct Event {
  Record rec;
  std::string comm;      // of rec.pid
  std::string syscall;   // "write", "msgsnd"
  std::string ref;       // ipcctl ref: "pipe:4567", "posix-mq:/orders"; "" when unknown
  std::vector<Peer> peers;  // sorted by pid; empty when unknown
  std::string name;      // the record's string (path, fd list), if any
  std::string payload;   // the first bytes moved, when asked for
  // The namespace the channel lives in (IPC for SysV and POSIX queues, net
  // for sockets), as the process's /proc/PID/ns link says; none when unknown.
  std::optional<std::pair<model::NsType, std::uint64_t>> ns;
};

// "pipe:4567", "posix-mq:/q", "signal:812": the ipcctl ref of a record's
// channel, or "" when the channel is unknown.
std::string channel_ref(const Record& r, std::string_view name);

} // namespace ipcctl::trace
