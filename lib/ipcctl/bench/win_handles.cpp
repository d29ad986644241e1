// The Windows mechanisms that are file handles: anonymous pipes, a named pipe
// in byte or message mode, and a mailslot. Side a makes both ends of a pipe;
// side b inherits its own and finds their values in handoff(), so a side b
// that never starts leaves nothing waiting. A mailslot is read only by the
// process that created it: side b creates it, and side a opens it by name,
// for a bounded time. A mailslot's writer never waits for its reader: a shared
// counter of messages read keeps at most k_window in flight, as a socket's
// buffer would, so a stream measures delivery rather than queueing.
#include <ipcctl/bench/spin.hpp>
#include <ipcctl/bench/transports.hpp>
#include <ipcctl/bench/win.hpp>

#include <ipcctl/windows/nt.hpp>

#include <fmt/format.h>

// clang-format off: winsock2 before windows.h
#include <winsock2.h>
#include <windows.h>
// clang-format on

#include <algorithm>
#include <atomic>
#include <cerrno>

namespace ipcctl::bench {

namespace {

using win::Handle;

enum class Kind { anonymous, named_byte, named_message, mailslot };

constexpr std::uint64_t k_window = 64;

std::uintptr_t value(const Handle& h) { return reinterpret_cast<std::uintptr_t>(h.get()); }

std::string unique_name(const char* prefix) {
  static std::atomic<unsigned> counter{0};
  return fmt::format("{}ipcbench-{}-{}", prefix, ::GetCurrentProcessId(), counter++);
}

class HandleTransport : public Transport {
public:
  explicit HandleTransport(Kind kind) : m_kind(kind) {}
  ~HandleTransport() override {
    if (m_window) ::UnmapViewOfFile(m_window);
  }

  Result<void> setup(const ChannelOptions& opts) override {
    m_poll = opts.poll;
    SECURITY_ATTRIBUTES inherit{sizeof inherit, nullptr, TRUE};
    switch (m_kind) {
    case Kind::anonymous: {
      HANDLE down_r, down_w, up_r, up_w;
      if (!::CreatePipe(&down_r, &down_w, nullptr, 0)) return fail(last_error("CreatePipe", "anonymous pipe"));
      m_child_read = Handle(down_r);
      m_write = Handle(down_w);
      if (!::CreatePipe(&up_r, &up_w, nullptr, 0)) return fail(last_error("CreatePipe", "anonymous pipe"));
      m_read = Handle(up_r);
      m_child_write = Handle(up_w);
      for (HANDLE h : {down_r, up_w})
        if (!::SetHandleInformation(h, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT))
          return fail(last_error("SetHandleInformation", "anonymous pipe"));
      return {};
    }
    case Kind::named_byte:
    case Kind::named_message: {
      const bool message = m_kind == Kind::named_message;
      const std::string name = unique_name("\\\\.\\pipe\\");
      const DWORD mode = message ? PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE : PIPE_TYPE_BYTE;
      const auto buffer = static_cast<DWORD>(std::max<std::size_t>(opts.size, 64 * 1024));
      m_read = Handle(::CreateNamedPipeA(name.c_str(), PIPE_ACCESS_DUPLEX | FILE_FLAG_FIRST_PIPE_INSTANCE,
                                         mode | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS, 1, buffer, buffer, 0, nullptr));
      if (!m_read) return fail(last_error("CreateNamedPipe", name));
      m_child_read = Handle(::CreateFileA(name.c_str(), GENERIC_READ | GENERIC_WRITE, 0, &inherit, OPEN_EXISTING, 0, nullptr));
      if (!m_child_read) return fail(last_error("CreateFile", name));
      if (!::ConnectNamedPipe(m_read.get(), nullptr) && ::GetLastError() != ERROR_PIPE_CONNECTED)
        return fail(last_error("ConnectNamedPipe", name));
      if (message) {
        DWORD read_mode = PIPE_READMODE_MESSAGE;
        if (!::SetNamedPipeHandleState(m_child_read.get(), &read_mode, nullptr, nullptr))
          return fail(last_error("SetNamedPipeHandleState", name));
      }
      return {};
    }
    case Kind::mailslot: {
      // Only the process that creates a mailslot reads it: side b creates it
      // in adopt(), side a opens it for writing in attach().
      m_name = unique_name("\\\\.\\mailslot\\");
      m_window_section = Handle(::CreateFileMappingA(INVALID_HANDLE_VALUE, &inherit, PAGE_READWRITE, 0, 64, nullptr));
      if (!m_window_section) return fail(last_error("CreateFileMapping", "mailslot window"));
      return map_window();
    }
    }
    return {};
  }

  std::vector<std::uintptr_t> inherited() const override {
    std::vector<std::uintptr_t> out;
    for (const Handle* h : {&m_child_read, &m_child_write, &m_window_section})
      if (*h) out.push_back(value(*h));
    return out;
  }
  std::string handoff() const override {
    const std::string handles = handle_list(inherited());
    return m_kind == Kind::mailslot ? fmt::format("{},{}", handles, m_name) : handles;
  }

  Result<void> adopt(std::string_view text, const ChannelOptions& opts) override {
    m_poll = opts.poll;
    if (m_kind == Kind::mailslot) {  // "WINDOW,NAME"
      const auto comma = text.find(',');
      const auto h = parse_handle_list(text.substr(0, comma), 1);
      if (h.empty() || comma == std::string_view::npos) return fail(Error{EINVAL, "adopt", std::string(text), "expected WINDOW,NAME"});
      m_window_section = Handle(reinterpret_cast<HANDLE>(h[0]));
      const std::string name(text.substr(comma + 1));
      m_read = Handle(::CreateMailslotA(name.c_str(), 0, MAILSLOT_WAIT_FOREVER, nullptr));
      if (!m_read) return fail(last_error("CreateMailslot", name));
      return map_window();
    }
    const auto h = parse_handle_list(text, m_kind == Kind::anonymous ? 2 : 1);
    if (h.empty()) return fail(Error{EINVAL, "adopt", std::string(text), "expected handle values"});
    m_read = Handle(reinterpret_cast<HANDLE>(h[0]));
    if (m_kind == Kind::anonymous) m_write = Handle(reinterpret_cast<HANDLE>(h[1]));
    return {};
  }

  Result<void> attach(Side side, pid_t) override {
    if (side == Side::a) {  // side b holds its own copies now
      m_child_read = Handle();
      m_child_write = Handle();
    }
    if (side == Side::a && m_kind == Kind::mailslot) {
      // Side b creates the mailslot once started: up to 10 s, then it never will.
      for (int tries = 0; tries < 1000 && !m_write && !aborted(); ++tries) {
        m_write = Handle(::CreateFileA(m_name.c_str(), GENERIC_WRITE, FILE_SHARE_READ, nullptr, OPEN_EXISTING,
                                       FILE_FLAG_OVERLAPPED, nullptr));
        if (!m_write) ::Sleep(10);
      }
      if (!m_write) return fail(last_error("CreateFile", m_name));
      m_written = Handle(::CreateEventA(nullptr, TRUE, FALSE, nullptr));
      if (!m_written) return fail(last_error("CreateEvent", m_name));
    }
    return {};
  }

  Result<void> send(const std::byte* data, std::size_t size) override {
    if (m_window) {
      Backoff backoff;
      while (m_sent - m_window->load(std::memory_order_acquire) >= k_window)
        if (!backoff.wait()) return fail(aborted_error("WriteFile"));
    }
    if (m_written) return write_overlapped(data, size);
    HANDLE h = m_write ? m_write.get() : m_read.get();
    while (size > 0) {
      DWORD n = 0;
      if (!::WriteFile(h, data, static_cast<DWORD>(size), &n, nullptr)) return fail(last_error("WriteFile", "channel"));
      data += n;
      size -= n;
    }
    ++m_sent;
    return {};
  }

  Result<void> recv(std::byte* data, std::size_t size) override {
    const bool message = m_kind == Kind::named_message || m_kind == Kind::mailslot;
    while (size > 0) {
      if (m_poll == Poll::spin)
        if (auto r = wait_readable(); !r) return r;
      DWORD n = 0;
      if (!::ReadFile(m_read.get(), data, static_cast<DWORD>(size), &n, nullptr)) return fail(last_error("ReadFile", "channel"));
      if (message) {
        if (n != size) return fail(Error{EMSGSIZE, "ReadFile", "channel", fmt::format("message of {} bytes, expected {}", n, size)});
        break;
      }
      if (n == 0) return fail(Error{EPIPE, "ReadFile", "channel", "end of file: the other side is gone"});
      data += n;
      size -= n;
    }
    if (m_window) m_window->fetch_add(1, std::memory_order_release);
    return {};
  }

private:
  Result<void> map_window() {
    void* view = ::MapViewOfFile(m_window_section.get(), FILE_MAP_ALL_ACCESS, 0, 0, 64);
    if (view == nullptr) return fail(last_error("MapViewOfFile", "mailslot window"));
    m_window = static_cast<std::atomic<std::uint64_t>*>(view);
    return {};
  }

  // A mailslot's write, which may wait for room: the abort event ends the wait
  // (a reader that died does not always fail it).
  Result<void> write_overlapped(const std::byte* data, std::size_t size) {
    OVERLAPPED ov{};
    ov.hEvent = m_written.get();
    DWORD n = 0;
    if (!::WriteFile(m_write.get(), data, static_cast<DWORD>(size), &n, &ov)) {
      if (::GetLastError() != ERROR_IO_PENDING) return fail(last_error("WriteFile", "mailslot"));
      HANDLE waits[2] = {ov.hEvent, abort_event()};
      if (::WaitForMultipleObjects(2, waits, FALSE, INFINITE) != WAIT_OBJECT_0) {
        ::CancelIo(m_write.get());
        ::GetOverlappedResult(m_write.get(), &ov, &n, TRUE);
        return fail(aborted_error("WriteFile"));
      }
      if (!::GetOverlappedResult(m_write.get(), &ov, &n, FALSE)) return fail(last_error("WriteFile", "mailslot"));
    }
    if (n != size) return fail(Error{EMSGSIZE, "WriteFile", "mailslot", "message written in part"});
    ++m_sent;
    return {};
  }

  // --poll spin: waits without blocking until a read would not block.
  Result<void> wait_readable() {
    Backoff backoff;
    for (;;) {
      DWORD avail = 0, next = MAILSLOT_NO_MESSAGE;
      const BOOL ok = m_kind == Kind::mailslot ? ::GetMailslotInfo(m_read.get(), nullptr, &next, nullptr, nullptr)
                                                : ::PeekNamedPipe(m_read.get(), nullptr, 0, nullptr, &avail, nullptr);
      if (!ok) return fail(last_error(m_kind == Kind::mailslot ? "GetMailslotInfo" : "PeekNamedPipe", "channel"));
      if (m_kind == Kind::mailslot ? next != MAILSLOT_NO_MESSAGE : avail > 0) return {};
      if (!backoff.wait()) return fail(aborted_error("ReadFile"));
    }
  }

  Kind m_kind;
  Poll m_poll = Poll::block;
  Handle m_read, m_write;                    // this side's ends (one duplex handle: m_read)
  Handle m_child_read, m_child_write;        // side b's, until side a attaches
  Handle m_window_section;                   // mailslot: the count of messages read
  std::string m_name;                        // mailslot: its name
  Handle m_written;                          // mailslot: side a's write completion event
  std::atomic<std::uint64_t>* m_window = nullptr;
  std::uint64_t m_sent = 0;
};

} // namespace

std::unique_ptr<Transport> make_win_anon_pipe() { return std::make_unique<HandleTransport>(Kind::anonymous); }
std::unique_ptr<Transport> make_win_named_pipe() { return std::make_unique<HandleTransport>(Kind::named_byte); }
std::unique_ptr<Transport> make_win_named_pipe_msg() { return std::make_unique<HandleTransport>(Kind::named_message); }
std::unique_ptr<Transport> make_win_mailslot() { return std::make_unique<HandleTransport>(Kind::mailslot); }

} // namespace ipcctl::bench
