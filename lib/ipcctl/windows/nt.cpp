#include <ipcctl/windows/nt.hpp>

#include <fmt/format.h>

// clang-format off: winsock2 and windows.h first
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <iphlpapi.h>
#include <aclapi.h>
#include <sddl.h>
#include <shellapi.h>
#include <tlhelp32.h>
// clang-format on

#include <algorithm>
#include <cstring>
#include <memory>
#include <span>

namespace ipcctl::win {

namespace {

// The ntdll interfaces ipcctl uses, declared here rather than taken from
// whichever winternl.h the compiler has, and resolved at run time.
using NTSTATUS = LONG;
constexpr NTSTATUS k_info_length_mismatch = static_cast<NTSTATUS>(0xC0000004L);
constexpr NTSTATUS k_buffer_too_small = static_cast<NTSTATUS>(0xC0000023L);
constexpr NTSTATUS k_buffer_overflow = static_cast<NTSTATUS>(0x80000005L);
constexpr NTSTATUS k_no_more_entries = static_cast<NTSTATUS>(0x8000001AL);
constexpr NTSTATUS k_no_more_files = static_cast<NTSTATUS>(0x80000006L);
constexpr NTSTATUS k_not_implemented = static_cast<NTSTATUS>(0xC0000002L);
constexpr ULONG k_system_extended_handle_information = 64;
constexpr ULONG k_object_name_information = 1;
constexpr ULONG k_object_type_information = 2;
constexpr ULONG k_file_directory_information = 1;
constexpr ACCESS_MASK k_directory_query = 0x0001;
constexpr ULONG k_obj_case_insensitive = 0x40;
constexpr ACCESS_MASK k_query_state = 0x0001;  // EVENT_, MUTANT_, SEMAPHORE_QUERY_STATE, SECTION_QUERY

bool nt_success(NTSTATUS s) { return s >= 0; }

struct UnicodeString {
  USHORT length;
  USHORT maximum_length;
  PWSTR buffer;
};

struct ObjectAttributes {
  ULONG length;
  HANDLE root_directory;
  UnicodeString* object_name;
  ULONG attributes;
  PVOID security_descriptor;
  PVOID security_quality_of_service;
};

struct IoStatusBlock {
  union {
    NTSTATUS status;
    PVOID pointer;
  };
  ULONG_PTR information;
};

using OpenFn = NTSTATUS(NTAPI*)(PHANDLE, ACCESS_MASK, ObjectAttributes*);
using QueryDirectoryObjectFn = NTSTATUS(NTAPI*)(HANDLE, PVOID, ULONG, BOOLEAN, BOOLEAN, PULONG, PULONG);
using QuerySystemInformationFn = NTSTATUS(NTAPI*)(ULONG, PVOID, ULONG, PULONG);
using QueryObjectFn = NTSTATUS(NTAPI*)(HANDLE, ULONG, PVOID, ULONG, PULONG);
using QueryInfoFn = NTSTATUS(NTAPI*)(HANDLE, ULONG, PVOID, ULONG, PULONG);
using QueryDirectoryFileFn = NTSTATUS(NTAPI*)(HANDLE, HANDLE, PVOID, PVOID, IoStatusBlock*, PVOID, ULONG, ULONG,
                                              BOOLEAN, UnicodeString*, BOOLEAN);
using StatusToDosFn = ULONG(NTAPI*)(NTSTATUS);
using WineVersionFn = const char*(CDECL*)();

template <class Fn>
Fn ntdll(const char* name) {
  static HMODULE const module = ::GetModuleHandleW(L"ntdll.dll");
  return reinterpret_cast<Fn>(reinterpret_cast<void*>(::GetProcAddress(module, name)));
}

Error missing(const char* fn) { return Error{ENOSYS, fn, "ntdll.dll", {}}; }

// A UNICODE_STRING over `text`, which must outlive it.
UnicodeString unicode(std::u16string& text) {
  return {static_cast<USHORT>(text.size() * 2), static_cast<USHORT>(text.size() * 2),
          reinterpret_cast<PWSTR>(text.data())};
}

std::string from_unicode(const UnicodeString& s) {
  return utf8_from_utf16({reinterpret_cast<const char16_t*>(s.buffer), s.length / 2u});
}


Result<Handle> nt_open(const char* fn_name, ACCESS_MASK access, const std::string& path) {
  const auto fn = ntdll<OpenFn>(fn_name);
  if (fn == nullptr) return fail(missing(fn_name));
  std::u16string name = utf16_from_utf8(path);
  UnicodeString us = unicode(name);
  ObjectAttributes oa{sizeof(ObjectAttributes), nullptr, &us, k_obj_case_insensitive, nullptr, nullptr};
  HANDLE h = nullptr;
  const NTSTATUS status = fn(&h, access, &oa);
  if (!nt_success(status)) return fail(nt_error(status, fn_name, path));
  return Handle(h);
}

// NtQueryObject into a buffer grown until it fits; the result starts with a UNICODE_STRING.
Result<std::string> query_object_string(void* h, ULONG cls, const char* what) {
  const auto fn = ntdll<QueryObjectFn>("NtQueryObject");
  if (fn == nullptr) return fail(missing("NtQueryObject"));
  ULONG size = 1024;
  for (int tries = 0; tries < 4; ++tries) {
    auto buf = std::make_unique<std::byte[]>(size);
    ULONG need = 0;
    const NTSTATUS status = fn(h, cls, buf.get(), size, &need);
    if (status == k_info_length_mismatch || status == k_buffer_too_small || status == k_buffer_overflow) {
      size = std::max<ULONG>(need, size * 2);
      continue;
    }
    if (!nt_success(status)) return fail(nt_error(status, "NtQueryObject", what));
    UnicodeString s;
    std::memcpy(&s, buf.get(), sizeof s);
    return from_unicode(s);
  }
  return fail(Error{0, "NtQueryObject", what, "the answer kept growing"});
}

template <class T>
Result<T> query_info(const char* fn_name, void* h) {
  const auto fn = ntdll<QueryInfoFn>(fn_name);
  if (fn == nullptr) return fail(missing(fn_name));
  T out{};
  ULONG got = 0;
  const NTSTATUS status = fn(h, 0, &out, sizeof out, &got);
  if (!nt_success(status)) return fail(nt_error(status, fn_name, "handle"));
  return out;
}

} // namespace

Handle& Handle::operator=(Handle&& o) noexcept {
  if (this != &o) {
    Handle old(m_h);
    m_h = o.release();
  }
  return *this;
}

Handle::~Handle() {
  if (*this) ::CloseHandle(m_h);
}

void* Handle::release() {
  void* h = m_h;
  m_h = nullptr;
  return h;
}

Handle::operator bool() const { return m_h != nullptr && m_h != INVALID_HANDLE_VALUE; }

std::wstring wide(std::string_view s) {
  const std::u16string u = utf16_from_utf8(s);
  return {u.begin(), u.end()};
}

std::string narrow(std::wstring_view s) {
  return utf8_from_utf16({reinterpret_cast<const char16_t*>(s.data()), s.size()});
}

std::vector<std::string> command_line() {
  int argc = 0;
  wchar_t** argv = ::CommandLineToArgvW(::GetCommandLineW(), &argc);
  std::vector<std::string> out;
  for (int i = 0; i < argc; ++i) out.push_back(narrow(argv[i]));
  ::LocalFree(argv);
  return out;
}

unsigned long dos_error_of(long status) {
  const auto fn = ntdll<StatusToDosFn>("RtlNtStatusToDosError");
  return fn != nullptr ? fn(status) : ERROR_GEN_FAILURE;
}

namespace {

// The errno a Win32 error means to Error::gone() and denied(), or 0.
int errno_of(unsigned long code) {
  switch (code) {
  case ERROR_ACCESS_DENIED:
  case ERROR_PRIVILEGE_NOT_HELD: return EACCES;
  case ERROR_FILE_NOT_FOUND:
  case ERROR_PATH_NOT_FOUND:
  case ERROR_INVALID_HANDLE:
  case ERROR_INVALID_PARAMETER: return ENOENT;
  case ERROR_ALREADY_EXISTS:
  case ERROR_FILE_EXISTS: return EEXIST;
  default: return 0;
  }
}

// Windows' own text for a Win32 error, without its final full stop; empty
// where it has none (Wine has few).
std::string system_text(unsigned long code) {
  char* text = nullptr;
  const DWORD n = ::FormatMessageA(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM |
                                       FORMAT_MESSAGE_IGNORE_INSERTS,
                                   nullptr, code, 0, reinterpret_cast<char*>(&text), 0, nullptr);
  std::string why = n > 0 && text != nullptr ? std::string(text, n) : std::string();
  if (text != nullptr) ::LocalFree(text);
  while (!why.empty() && (why.back() == '\n' || why.back() == '\r' || why.back() == ' ' || why.back() == '.'))
    why.pop_back();
  return why;
}

} // namespace

Error win_error(unsigned long code, std::string op, std::string subject) {
  const std::string why = system_text(code);
  return Error{errno_of(code), std::move(op), std::move(subject),
               why.empty() ? fmt::format("Windows error {}", code) : fmt::format("{} (error {})", why, code)};
}

Error nt_error(long status, std::string op, std::string subject) {
  const unsigned long code = dos_error_of(status);
  const std::string why = system_text(code);
  return Error{errno_of(code), std::move(op), std::move(subject),
               why.empty() ? fmt::format("NTSTATUS 0x{:08x}", static_cast<std::uint32_t>(status))
                           : fmt::format("{} (error {})", why, code)};
}

std::optional<std::string> wine_version() {
  const auto fn = ntdll<WineVersionFn>("wine_get_version");
  if (fn == nullptr) return std::nullopt;
  return std::string(fn());
}

Result<std::vector<DirEntry>> list_directory(const std::string& path) {
  auto dir = nt_open("NtOpenDirectoryObject", k_directory_query, path);
  if (!dir) return fail(dir.error());
  const auto query = ntdll<QueryDirectoryObjectFn>("NtQueryDirectoryObject");
  if (query == nullptr) return fail(missing("NtQueryDirectoryObject"));

  std::vector<DirEntry> out;
  constexpr ULONG k_size = 64 * 1024;
  auto buf = std::make_unique<std::byte[]>(k_size);
  const auto base = reinterpret_cast<std::uint64_t>(buf.get());
  ULONG context = 0, got = 0;
  bool single = false, restart = true;
  while (true) {
    NTSTATUS status = query(dir->get(), buf.get(), k_size, single, restart, &context, &got);
    if (status == k_not_implemented && !single) {
      single = true;  // Wine answers one entry per call only
      continue;
    }
    if (status == k_no_more_entries) return out;
    if (!nt_success(status)) return fail(nt_error(status, "NtQueryDirectoryObject", path));
    auto entries = parse_directory({buf.get(), k_size}, base);
    if (!entries) return fail(entries.error());
    out.insert(out.end(), entries->begin(), entries->end());
    restart = false;
    // A batch that filled the buffer says so with STATUS_MORE_ENTRIES (0x105);
    // anything else is the end.
    if (!single && status != 0x105) return out;
  }
}

Result<std::vector<HandleEntry>> handle_table() {
  const auto fn = ntdll<QuerySystemInformationFn>("NtQuerySystemInformation");
  if (fn == nullptr) return fail(missing("NtQuerySystemInformation"));
  ULONG size = 1 << 20;
  for (int tries = 0; tries < 8; ++tries) {
    auto buf = std::make_unique<std::byte[]>(size);
    ULONG need = 0;
    const NTSTATUS status = fn(k_system_extended_handle_information, buf.get(), size, &need);
    if (status == k_info_length_mismatch || status == k_buffer_too_small) {
      size = std::max<ULONG>(need + need / 4, size * 2);
      continue;
    }
    if (!nt_success(status)) return fail(nt_error(status, "NtQuerySystemInformation", "handle table"));
    return parse_handle_table({buf.get(), size});
  }
  return fail(Error{0, "NtQuerySystemInformation", "handle table", "the table kept growing"});
}

namespace {

Result<std::vector<PipeEntry>> list_device(const wchar_t* root, const char* what) {
  Handle dir(::CreateFileW(root, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr, OPEN_EXISTING, 0, nullptr));
  if (!dir) return fail(win_error(::GetLastError(), "open", what));
  const auto query = ntdll<QueryDirectoryFileFn>("NtQueryDirectoryFile");
  if (query == nullptr) return fail(missing("NtQueryDirectoryFile"));
  std::vector<PipeEntry> out;
  constexpr ULONG k_size = 64 * 1024;
  auto buf = std::make_unique<std::byte[]>(k_size);
  bool restart = true;
  while (true) {
    IoStatusBlock io{};
    const NTSTATUS status = query(dir.get(), nullptr, nullptr, nullptr, &io, buf.get(), k_size,
                                  k_file_directory_information, FALSE, nullptr, restart);
    if (status == k_no_more_files) return out;
    if (!nt_success(status)) return fail(nt_error(status, "NtQueryDirectoryFile", what));
    auto entries = parse_pipe_listing({buf.get(), static_cast<std::size_t>(io.information)});
    if (!entries) return fail(entries.error());
    out.insert(out.end(), entries->begin(), entries->end());
    restart = false;
  }
}

} // namespace

Result<std::vector<PipeEntry>> list_pipes() { return list_device(L"\\\\.\\pipe\\", "\\\\.\\pipe\\"); }

Result<std::vector<std::string>> list_mailslots() {
  auto entries = list_device(L"\\\\.\\mailslot\\", "\\\\.\\mailslot\\");
  if (!entries) return fail(entries.error());
  std::vector<std::string> names;
  for (auto& e : *entries) names.push_back(std::move(e.name));
  return names;
}

std::unordered_map<std::uint64_t, std::string> process_names() {
  std::unordered_map<std::uint64_t, std::string> out;
  Handle snap(::CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0));
  if (!snap) return out;
  PROCESSENTRY32W pe{};
  pe.dwSize = sizeof pe;
  for (BOOL ok = ::Process32FirstW(snap.get(), &pe); ok; ok = ::Process32NextW(snap.get(), &pe))
    out.emplace(pe.th32ProcessID, narrow(pe.szExeFile));
  return out;
}

std::uint32_t session_id() {
  DWORD id = 0;
  ::ProcessIdToSessionId(::GetCurrentProcessId(), &id);
  return id;
}

Result<Handle> duplicate_from(std::uint64_t pid, std::uint64_t h) {
  HANDLE dup = nullptr;
  if (pid == ::GetCurrentProcessId()) {
    if (!::DuplicateHandle(::GetCurrentProcess(), reinterpret_cast<HANDLE>(h), ::GetCurrentProcess(), &dup, 0, FALSE,
                           DUPLICATE_SAME_ACCESS))
      return fail(win_error(::GetLastError(), "DuplicateHandle", fmt::format("handle 0x{:x} of process {}", h, pid)));
    return Handle(dup);
  }
  Handle process(::OpenProcess(PROCESS_DUP_HANDLE, FALSE, static_cast<DWORD>(pid)));
  if (!process) return fail(win_error(::GetLastError(), "OpenProcess", fmt::format("process {}", pid)));
  if (!::DuplicateHandle(process.get(), reinterpret_cast<HANDLE>(h), ::GetCurrentProcess(), &dup, 0, FALSE,
                         DUPLICATE_SAME_ACCESS))
    return fail(win_error(::GetLastError(), "DuplicateHandle", fmt::format("handle 0x{:x} of process {}", h, pid)));
  return Handle(dup);
}

Result<void> close_remote_handle(std::uint64_t pid, std::uint64_t h) {
  const std::string what = fmt::format("handle 0x{:x} of process {}", h, pid);
  Handle process(::OpenProcess(PROCESS_DUP_HANDLE, FALSE, static_cast<DWORD>(pid)));
  if (!process) return fail(win_error(::GetLastError(), "OpenProcess", fmt::format("process {}", pid)));
  // Moved into this process and closed here: Wine refuses a null target.
  // Windows closes the source even when the duplicate fails: say so.
  HANDLE moved = nullptr;
  if (!::DuplicateHandle(process.get(), reinterpret_cast<HANDLE>(h), ::GetCurrentProcess(), &moved, 0, FALSE,
                         DUPLICATE_CLOSE_SOURCE | DUPLICATE_SAME_ACCESS)) {
    Error e = win_error(::GetLastError(), "DuplicateHandle(DUPLICATE_CLOSE_SOURCE)", what);
    e.subject += " (it may be closed nonetheless)";
    return fail(std::move(e));
  }
  ::CloseHandle(moved);
  return {};
}

Result<std::string> object_type_name(void* h) { return query_object_string(h, k_object_type_information, "object type"); }
Result<std::string> object_name(void* h) { return query_object_string(h, k_object_name_information, "object name"); }

bool is_pipe(void* h) { return ::GetFileType(h) == FILE_TYPE_PIPE; }

struct FileNamer::Worker {
  Handle thread, request{::CreateEventW(nullptr, FALSE, FALSE, nullptr)}, done{::CreateEventW(nullptr, FALSE, FALSE, nullptr)};
  // The question and its answers live here, not with the caller: a worker
  // that does not end when told outlives the call that gave up on it.
  void* handle = nullptr;
  int question = 0;  // k_name or k_socket
  std::optional<std::string> name;
  std::optional<SocketEnds> socket;
  bool quit = false;

  static DWORD WINAPI run(void* self) {
    auto& w = *static_cast<Worker*>(self);
    while (::WaitForSingleObject(w.request.get(), INFINITE) == WAIT_OBJECT_0 && !w.quit) {
      w.name.reset();
      w.socket.reset();
      if (w.question == k_socket) {
        w.socket = socket_ends(w.handle);
      } else if (is_pipe(w.handle)) {  // sockets too are of this file type
        if (auto n = object_name(w.handle)) w.name = std::move(*n);
      }
      ::SetEvent(w.done.get());
    }
    return 0;
  }
  Worker() { thread = Handle(::CreateThread(nullptr, 64 * 1024, run, this, 0, nullptr)); }

  static constexpr int k_name = 0, k_socket = 1;
};

FileNamer::FileNamer() = default;

FileNamer::~FileNamer() {
  if (!m_worker || !m_worker->thread) return;
  m_worker->quit = true;
  ::SetEvent(m_worker->request.get());
  ::WaitForSingleObject(m_worker->thread.get(), 1000);
}

bool FileNamer::ask(void* h, int question, unsigned ms) {
  if (!m_worker) m_worker = std::make_unique<Worker>();
  if (!m_worker->thread) return false;
  m_worker->handle = h;
  m_worker->question = question;
  ::SetEvent(m_worker->request.get());
  if (::WaitForSingleObject(m_worker->done.get(), ms) == WAIT_OBJECT_0) return true;
  // Stuck in the query: end that thread (it holds no lock of ours) and
  // start afresh next time.
  ::TerminateThread(m_worker->thread.get(), 1);
  if (::WaitForSingleObject(m_worker->thread.get(), 1000) == WAIT_OBJECT_0) m_worker.reset();
  else (void)m_worker.release();  // still running somewhere: its state must outlive it
  ++m_timeouts;
  return false;
}

std::optional<std::string> FileNamer::name(void* h, unsigned ms) {
  return ask(h, Worker::k_name, ms) ? m_worker->name : std::nullopt;
}

std::optional<SocketEnds> FileNamer::socket(void* h, unsigned ms) {
  return ask(h, Worker::k_socket, ms) ? m_worker->socket : std::nullopt;
}

std::optional<std::string> owner_of(void* h) {
  PSID owner = nullptr;
  PSECURITY_DESCRIPTOR sd = nullptr;
  if (::GetSecurityInfo(h, SE_KERNEL_OBJECT, OWNER_SECURITY_INFORMATION, &owner, nullptr, nullptr, nullptr, &sd) !=
          ERROR_SUCCESS ||
      owner == nullptr)
    return std::nullopt;
  std::optional<std::string> out;
  wchar_t name[256], domain[256];
  DWORD name_len = 256, domain_len = 256;
  SID_NAME_USE use{};
  if (::LookupAccountSidW(nullptr, owner, name, &name_len, domain, &domain_len, &use)) {
    out = domain_len > 0 ? narrow(domain) + "\\" + narrow(name) : narrow(name);
  } else {
    wchar_t* text = nullptr;
    if (::ConvertSidToStringSidW(owner, &text)) {
      out = narrow(text);
      ::LocalFree(text);
    }
  }
  ::LocalFree(sd);
  return out;
}

Result<Handle> open_object(const std::string& type, const std::string& nt_path) {
  const char* fn = type == "Event"       ? "NtOpenEvent"
                   : type == "Mutant"    ? "NtOpenMutant"
                   : type == "Semaphore" ? "NtOpenSemaphore"
                   : type == "Section"   ? "NtOpenSection"
                                         : nullptr;
  if (fn == nullptr) return fail(Error{EINVAL, "open", nt_path, {}});
  // READ_CONTROL as well, for the owner; without it where it is refused.
  auto h = nt_open(fn, k_query_state | READ_CONTROL, nt_path);
  if (!h && h.error().denied()) h = nt_open(fn, k_query_state, nt_path);
  return h;
}

Result<EventState> query_event(void* h) {
  struct Info {
    LONG type;
    LONG state;
  };
  auto info = query_info<Info>("NtQueryEvent", h);
  if (!info) return fail(info.error());
  return EventState{info->type == 0, info->state != 0};  // NotificationEvent is manual reset
}

Result<MutantState> query_mutant(void* h) {
  struct Info {
    LONG count;
    BOOLEAN owned_by_caller;
    BOOLEAN abandoned;
  };
  auto info = query_info<Info>("NtQueryMutant", h);
  if (!info) return fail(info.error());
  return MutantState{info->count, info->owned_by_caller != 0, info->abandoned != 0};
}

Result<SemaphoreState> query_semaphore(void* h) {
  struct Info {
    LONG count;
    LONG maximum;
  };
  auto info = query_info<Info>("NtQuerySemaphore", h);
  if (!info) return fail(info.error());
  return SemaphoreState{info->count, info->maximum};
}

Result<SectionState> query_section(void* h) {
  struct Info {
    PVOID base;
    ULONG attributes;
    LARGE_INTEGER size;
  };
  auto info = query_info<Info>("NtQuerySection", h);
  if (!info) return fail(info.error());
  return SectionState{info->size.QuadPart, info->attributes};
}

namespace {

std::string endpoint(int family, const void* addr, DWORD port) {
  char text[INET6_ADDRSTRLEN] = "?";
  ::inet_ntop(family, addr, text, sizeof text);
  const auto p = ntohs(static_cast<u_short>(port));
  return family == AF_INET6 ? fmt::format("[{}]:{}", text, p) : fmt::format("{}:{}", text, p);
}

// Winsock, started once for the socket calls and left running: the process
// ends soon after.
bool winsock_ready() {
  static const bool ready = [] {
    WSADATA d;
    return ::WSAStartup(MAKEWORD(2, 2), &d) == 0;
  }();
  return ready;
}

// A socket address as refs print it; nullopt for a family ipcctl does not list.
std::optional<std::string> address_text(const sockaddr_storage& a, int len) {
  switch (a.ss_family) {
  case AF_INET: {
    const auto& in = reinterpret_cast<const sockaddr_in&>(a);
    return endpoint(AF_INET, &in.sin_addr, in.sin_port);
  }
  case AF_INET6: {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(a);
    return endpoint(AF_INET6, &in6.sin6_addr, in6.sin6_port);
  }
  case AF_UNIX:
    return unix_path_of(std::span(reinterpret_cast<const std::byte*>(&a), static_cast<std::size_t>(std::max(len, 0))));
  default:
    return std::nullopt;
  }
}

// GetExtendedTcpTable or GetExtendedUdpTable into a buffer grown until it fits.
template <class Get>
Result<std::vector<std::byte>> ip_table(Get get, const char* what) {
  ULONG size = 16 * 1024;
  for (int tries = 0; tries < 6; ++tries) {
    std::vector<std::byte> buf(size);
    const DWORD r = get(buf.data(), &size);
    if (r == NO_ERROR) return buf;
    if (r != ERROR_INSUFFICIENT_BUFFER) return fail(win_error(r, what, "IP helper"));
  }
  return fail(Error{0, what, "IP helper", "the table kept growing"});
}

} // namespace

std::optional<SocketEnds> socket_ends(void* h) {
  if (!winsock_ready()) return std::nullopt;
  const auto s = reinterpret_cast<SOCKET>(h);
  sockaddr_storage local{}, remote{};
  int local_len = sizeof local, remote_len = sizeof remote;
  if (::getsockname(s, reinterpret_cast<sockaddr*>(&local), &local_len) != 0) return std::nullopt;
  SocketEnds out;
  out.family = local.ss_family;
  out.connected = ::getpeername(s, reinterpret_cast<sockaddr*>(&remote), &remote_len) == 0;
  const bool unconnected = !out.connected && ::WSAGetLastError() == WSAENOTCONN;
  if (unconnected) {  // the any-address, port 0; no path
    remote = {};
    remote.ss_family = local.ss_family;
    remote_len = sizeof remote.ss_family;
  }
  auto l = address_text(local, local_len);
  if (!l) return std::nullopt;
  out.local = std::move(*l);
  if (out.connected || unconnected) out.remote = address_text(remote, remote_len);
  int type = 0, len = sizeof type;
  if (::getsockopt(s, SOL_SOCKET, SO_TYPE, reinterpret_cast<char*>(&type), &len) == 0) out.type = type;
  BOOL listening = FALSE;
  len = sizeof listening;
  if (::getsockopt(s, SOL_SOCKET, SO_ACCEPTCONN, reinterpret_cast<char*>(&listening), &len) == 0)
    out.listening = listening != FALSE;
  return out;
}

Result<std::vector<InetRow>> tcp_table() {
  std::vector<InetRow> out;
  for (const int family : {AF_INET, AF_INET6}) {
    auto buf = ip_table([&](void* b, ULONG* n) {
      return ::GetExtendedTcpTable(b, n, FALSE, family, TCP_TABLE_OWNER_PID_ALL, 0);
    }, "GetExtendedTcpTable");
    if (!buf) return fail(buf.error());
    if (family == AF_INET) {
      const auto* t = reinterpret_cast<const MIB_TCPTABLE_OWNER_PID*>(buf->data());
      for (DWORD i = 0; i < t->dwNumEntries; ++i) {
        const auto& r = t->table[i];
        out.push_back({false, endpoint(AF_INET, &r.dwLocalAddr, r.dwLocalPort),
                       endpoint(AF_INET, &r.dwRemoteAddr, r.dwRemotePort), static_cast<int>(r.dwState), r.dwOwningPid});
      }
    } else {
      const auto* t = reinterpret_cast<const MIB_TCP6TABLE_OWNER_PID*>(buf->data());
      for (DWORD i = 0; i < t->dwNumEntries; ++i) {
        const auto& r = t->table[i];
        out.push_back({true, endpoint(AF_INET6, r.ucLocalAddr, r.dwLocalPort),
                       endpoint(AF_INET6, r.ucRemoteAddr, r.dwRemotePort), static_cast<int>(r.dwState), r.dwOwningPid});
      }
    }
  }
  return out;
}

Result<std::vector<InetRow>> udp_table() {
  std::vector<InetRow> out;
  for (const int family : {AF_INET, AF_INET6}) {
    auto buf = ip_table([&](void* b, ULONG* n) {
      return ::GetExtendedUdpTable(b, n, FALSE, family, UDP_TABLE_OWNER_PID, 0);
    }, "GetExtendedUdpTable");
    if (!buf) return fail(buf.error());
    if (family == AF_INET) {
      const auto* t = reinterpret_cast<const MIB_UDPTABLE_OWNER_PID*>(buf->data());
      for (DWORD i = 0; i < t->dwNumEntries; ++i)
        out.push_back({false, endpoint(AF_INET, &t->table[i].dwLocalAddr, t->table[i].dwLocalPort), {}, 0,
                       t->table[i].dwOwningPid});
    } else {
      const auto* t = reinterpret_cast<const MIB_UDP6TABLE_OWNER_PID*>(buf->data());
      for (DWORD i = 0; i < t->dwNumEntries; ++i)
        out.push_back({true, endpoint(AF_INET6, t->table[i].ucLocalAddr, t->table[i].dwLocalPort), {}, 0,
                       t->table[i].dwOwningPid});
    }
  }
  return out;
}

std::string_view tcp_state_name(int state) {
  switch (state) {
  case MIB_TCP_STATE_CLOSED: return "UNCONN";
  case MIB_TCP_STATE_LISTEN: return "LISTEN";
  case MIB_TCP_STATE_SYN_SENT: return "SYN-SENT";
  case MIB_TCP_STATE_SYN_RCVD: return "SYN-RECV";
  case MIB_TCP_STATE_ESTAB: return "ESTAB";
  case MIB_TCP_STATE_FIN_WAIT1: return "FIN-WAIT-1";
  case MIB_TCP_STATE_FIN_WAIT2: return "FIN-WAIT-2";
  case MIB_TCP_STATE_CLOSE_WAIT: return "CLOSE-WAIT";
  case MIB_TCP_STATE_CLOSING: return "CLOSING";
  case MIB_TCP_STATE_LAST_ACK: return "LAST-ACK";
  case MIB_TCP_STATE_TIME_WAIT: return "TIME-WAIT";
  case MIB_TCP_STATE_DELETE_TCB: return "DELETE-TCB";
  default: return "UNKNOWN";
  }
}

Result<PipeEnds> pipe_ends(void* h) {
  PipeEnds out;
  DWORD flags = 0, out_size = 0, in_size = 0, max = 0;
  if (!::GetNamedPipeInfo(h, &flags, &out_size, &in_size, &max))
    return fail(win_error(::GetLastError(), "GetNamedPipeInfo", "pipe handle"));
  out.server_end = (flags & PIPE_SERVER_END) != 0;
  out.message_mode = (flags & PIPE_TYPE_MESSAGE) != 0;
  out.in_buffer = in_size;
  out.out_buffer = out_size;
  if (max != PIPE_UNLIMITED_INSTANCES) out.max_instances = max;
  ULONG pid = 0;
  if (::GetNamedPipeServerProcessId(h, &pid) && pid != 0) out.server_pid = pid;
  pid = 0;
  if (::GetNamedPipeClientProcessId(h, &pid) && pid != 0) out.client_pid = pid;
  return out;
}

} // namespace ipcctl::win
