// A shared section (anonymous, inherited by side b) with one slot per
// direction and a sequence word for each: a message is signalled by an
// auto-reset event, or, in section-spin, only by the word, which the
// receiver busy-waits on (the floor: no kernel on the path). One slot each
// way means a sender waits for its reply before it writes again: there is
// no stream to measure.
#include <ipcctl/bench/spin.hpp>
#include <ipcctl/bench/transports.hpp>
#include <ipcctl/bench/win.hpp>

#include <ipcctl/windows/nt.hpp>

#include <fmt/format.h>

// clang-format off: winsock2 before windows.h
#include <winsock2.h>
#include <windows.h>
// clang-format on

#include <atomic>
#include <cerrno>
#include <cstring>

namespace ipcctl::bench {

namespace {

using win::Handle;

struct alignas(64) Header {
  std::atomic<std::uint64_t> seq[2];  // [0] side a -> side b, [1] back
  char pad[48];
};

class SectionTransport : public Transport {
public:
  explicit SectionTransport(bool spin) : m_spin(spin) {}
  ~SectionTransport() override {
    if (m_base) ::UnmapViewOfFile(m_base);
  }

  Result<void> setup(const ChannelOptions& opts) override {
    m_size = opts.size;
    m_poll = opts.poll;
    SECURITY_ATTRIBUTES inherit{sizeof inherit, nullptr, TRUE};
    const std::uint64_t total = sizeof(Header) + 2 * std::uint64_t{m_size};
    m_mapping = Handle(::CreateFileMappingA(INVALID_HANDLE_VALUE, &inherit, PAGE_READWRITE,
                                            static_cast<DWORD>(total >> 32), static_cast<DWORD>(total), nullptr));
    if (!m_mapping) return fail(last_error("CreateFileMapping", "section"));
    if (!m_spin)
      for (auto& e : m_event) {
        e = Handle(::CreateEventA(&inherit, FALSE, FALSE, nullptr));
        if (!e) return fail(last_error("CreateEvent", "section"));
      }
    return map();
  }

  std::vector<std::uintptr_t> inherited() const override {
    std::vector<std::uintptr_t> out{reinterpret_cast<std::uintptr_t>(m_mapping.get())};
    if (!m_spin)
      for (const auto& e : m_event) out.push_back(reinterpret_cast<std::uintptr_t>(e.get()));
    return out;
  }
  std::string handoff() const override { return handle_list(inherited()); }

  Result<void> adopt(std::string_view text, const ChannelOptions& opts) override {
    m_size = opts.size;
    m_poll = opts.poll;
    const auto h = parse_handle_list(text, m_spin ? 1 : 3);
    if (h.empty()) return fail(Error{EINVAL, "adopt", std::string(text), "expected handle values"});
    m_mapping = Handle(reinterpret_cast<HANDLE>(h[0]));
    if (!m_spin)
      for (int i = 0; i < 2; ++i) m_event[i] = Handle(reinterpret_cast<HANDLE>(h[static_cast<std::size_t>(i) + 1]));
    return map();
  }

  Result<void> attach(Side side, pid_t) override {
    m_side = side == Side::a ? 0 : 1;
    return {};
  }

  Result<void> send(const std::byte* data, std::size_t size) override {
    std::memcpy(slot(m_side), data, size);
    header().seq[m_side].store(++m_sent, std::memory_order_release);
    if (!m_spin && !::SetEvent(m_event[m_side].get())) return fail(last_error("SetEvent", "section"));
    return {};
  }

  Result<void> recv(std::byte* data, std::size_t size) override {
    const int from = 1 - m_side;
    const std::uint64_t want = ++m_received;
    auto arrived = [&] { return header().seq[from].load(std::memory_order_acquire) == want; };
    if (m_spin || m_poll == Poll::spin) {
      if (!spin_until(arrived)) return fail(aborted_error("recv"));
    } else {
      while (!arrived()) {
        // Event i signals a message in direction i; the abort event ends the wait.
        HANDLE waits[2] = {m_event[from].get(), abort_event()};
        const DWORD r = ::WaitForMultipleObjects(2, waits, FALSE, INFINITE);
        if (r == WAIT_OBJECT_0 + 1) return fail(aborted_error("WaitForMultipleObjects"));
        if (r != WAIT_OBJECT_0) return fail(last_error("WaitForMultipleObjects", "section event"));
      }
    }
    std::memcpy(data, slot(from), size);
    return {};
  }

private:
  Result<void> map() {
    m_base = static_cast<std::byte*>(::MapViewOfFile(m_mapping.get(), FILE_MAP_ALL_ACCESS, 0, 0, 0));
    if (m_base == nullptr) return fail(last_error("MapViewOfFile", "section"));
    return {};
  }
  Header& header() { return *reinterpret_cast<Header*>(m_base); }
  std::byte* slot(int side) { return m_base + sizeof(Header) + static_cast<std::size_t>(side) * m_size; }

  bool m_spin;
  Poll m_poll = Poll::block;
  std::size_t m_size = 0;
  Handle m_mapping, m_event[2];
  std::byte* m_base = nullptr;
  int m_side = 0;
  std::uint64_t m_sent = 0, m_received = 0;
};

} // namespace

std::unique_ptr<Transport> make_win_section_event() { return std::make_unique<SectionTransport>(false); }
std::unique_ptr<Transport> make_win_section_spin() { return std::make_unique<SectionTransport>(true); }

} // namespace ipcctl::bench
