#pragma once
// Thin wrappers over ntdll and Win32, one call each: they return what
// Windows returned (bytes parsed by ntbuf.hpp, or plain values) and never
// decide anything. Windows only.
#include <ipcctl/util/result.hpp>
#include <ipcctl/windows/ntbuf.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ipcctl::win {

// A kernel handle closed on destruction (nullptr and INVALID_HANDLE_VALUE are empty).
class Handle {
public:
  Handle() = default;
  explicit Handle(void* h) : m_h(h) {}
  Handle(Handle&& o) noexcept : m_h(o.release()) {}
  Handle& operator=(Handle&& o) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle();
  void* get() const { return m_h; }
  void* release();
  explicit operator bool() const;

private:
  void* m_h = nullptr;
};

// UTF-8 to the wide strings Win32 takes, and back.
std::wstring wide(std::string_view s);
std::string narrow(std::wstring_view s);
// This process's arguments in UTF-8, whatever the console's code page.
std::vector<std::string> command_line();

// An Error from an NTSTATUS or a Win32 error code, with Windows' own text.
Error nt_error(long status, std::string op, std::string subject);
Error win_error(unsigned long code, std::string op, std::string subject);
// The Win32 error code an NTSTATUS maps to (RtlNtStatusToDosError).
unsigned long dos_error_of(long status);

// "8.0" when ntdll is Wine's (wine_get_version), nullopt on Windows.
std::optional<std::string> wine_version();

// The entries of an object directory ("\BaseNamedObjects"), asked for a
// batch at a time and, where batches are not implemented (Wine), one at a
// time.
Result<std::vector<DirEntry>> list_directory(const std::string& path);

// The system handle table (SystemExtendedHandleInformation).
Result<std::vector<HandleEntry>> handle_table();

// The named pipes under \\.\pipe\ and the mailslots under \\.\mailslot\.
Result<std::vector<PipeEntry>> list_pipes();
Result<std::vector<std::string>> list_mailslots();

// Process ids to image names ("svchost.exe"), and this process's session.
std::unordered_map<std::uint64_t, std::string> process_names();
std::uint32_t session_id();

// A duplicate, in this process, of handle `h` of process `pid`, with the
// same access; empty when the process or handle cannot be reached.
Result<Handle> duplicate_from(std::uint64_t pid, std::uint64_t h);
// The object's type name ("Event") and its name ("\BaseNamedObjects\x",
// "\Device\NamedPipe\x"; empty when unnamed), from NtQueryObject.
// Closes handle `h` in process `pid` (DuplicateHandle with
// DUPLICATE_CLOSE_SOURCE), whatever it refers to: see close_handle_of().
Result<void> close_remote_handle(std::uint64_t pid, std::uint64_t h);
Result<std::string> object_type_name(void* h);
Result<std::string> object_name(void* h);
// GetFileType(h) == FILE_TYPE_PIPE, without waiting on the file.
bool is_pipe(void* h);

// What getsockname and getpeername say of a socket handle (duplicated into
// this process), as refs print it: inet ends "127.0.0.1:5000" and
// "[::1]:5000", with an unconnected socket's remote the any-address and
// port 0, as the IP helper's tables give it; an AF_UNIX socket's paths
// (empty when unbound or unconnected). remote is nullopt where getpeername
// fails other than for an unconnected socket, and type and listening where
// getsockopt does not answer: Wine answers neither on a duplicated handle.
struct SocketEnds {
  int family = 0;  // AF_INET (2), AF_INET6 (23), AF_UNIX (1)
  std::string local;
  std::optional<std::string> remote;
  bool connected = false;
  std::optional<int> type;  // SOCK_STREAM (1), SOCK_DGRAM (2), SOCK_SEQPACKET (5)
  std::optional<bool> listening;
};
// nullopt: not a socket, or of another family.
std::optional<SocketEnds> socket_ends(void* h);

// Asks file handles what they are on a thread of its own: on a synchronous
// handle with a read pending (a pipe server waiting for a client, a socket
// in a blocking receive), NtQueryObject and the socket calls wait for that
// read. A query that does not answer in time costs its handle, not the run:
// that thread is ended and another started.
class FileNamer {
public:
  FileNamer();
  ~FileNamer();
  FileNamer(const FileNamer&) = delete;
  FileNamer& operator=(const FileNamer&) = delete;
  // The NT name of a pipe, mailslot or socket handle ("\Device\NamedPipe\x",
  // "\Device\Afd"; Wine names no socket); nullopt for other files, on
  // failure, or after `ms` without an answer.
  std::optional<std::string> name(void* h, unsigned ms);
  // socket_ends(h), within `ms`.
  std::optional<SocketEnds> socket(void* h, unsigned ms);
  int timeouts() const { return m_timeouts; }

private:
  struct Worker;
  bool ask(void* h, int question, unsigned ms);
  std::unique_ptr<Worker> m_worker;
  int m_timeouts = 0;
};

// The owner of a kernel object as "DOMAIN\user", or its SID string.
std::optional<std::string> owner_of(void* h);

// Opens a named object of an object directory ("\BaseNamedObjects\x")
// for reading its state: type is "Event", "Mutant", "Semaphore" or "Section".
Result<Handle> open_object(const std::string& type, const std::string& nt_path);

// What NtQuery{Event,Mutant,Semaphore,Section} say about an object opened
// with open_object.
struct EventState { bool manual_reset = false; bool signaled = false; };
struct MutantState { std::int32_t count = 0; bool owned_by_caller = false; bool abandoned = false; };
struct SemaphoreState { std::int32_t count = 0; std::int32_t maximum = 0; };
struct SectionState { std::int64_t size = 0; std::uint32_t attributes = 0; };
Result<EventState> query_event(void* h);
Result<MutantState> query_mutant(void* h);
Result<SemaphoreState> query_semaphore(void* h);
Result<SectionState> query_section(void* h);

// One row of the IP helper's TCP or UDP table with its owning process.
struct InetRow {
  bool v6 = false;
  std::string local, remote;  // "127.0.0.1:5000", "[::1]:5000"; remote empty for UDP
  int state = 0;              // MIB_TCP_STATE_*; 0 for UDP
  std::uint64_t pid = 0;
};
Result<std::vector<InetRow>> tcp_table();
Result<std::vector<InetRow>> udp_table();
// "LISTEN", "ESTAB", ... as ss(8) and the Linux build print them.
std::string_view tcp_state_name(int state);

// For a handle to a named pipe: which end it is, and the processes at each.
struct PipeEnds {
  bool server_end = false;
  bool message_mode = false;
  std::optional<std::uint64_t> server_pid, client_pid;
  std::optional<std::uint32_t> max_instances;  // nullopt: unlimited
  std::uint32_t in_buffer = 0, out_buffer = 0;
};
Result<PipeEnds> pipe_ends(void* h);

} // namespace ipcctl::win
