// A real-time signal per message, its 8-byte payload in sigval: signals queue
// (up to RLIMIT_SIGPENDING), so they carry a stream, though only one word at
// a time. Two ways to receive: sigwaitinfo on the blocked signal (no handler
// runs), or a SA_SIGINFO handler that queues the value while the receiver
// sleeps in sigsuspend, the classic asynchronous form. Signal dispositions and
// masks belong to the process, so the measuring side restores them afterwards.
#include <ipcctl/bench/io.hpp>
#include <ipcctl/bench/transports.hpp>

#include <signal.h>
#include <ucontext.h>
#include <unistd.h>

#include <cstring>

namespace ipcctl::bench {

namespace {

// The handler variant's queue: the handler (which interrupts only this
// process's one thread) pushes, recv pops. When it is full the handler
// returns with the signal blocked (through the mask its return restores), so
// the rest wait in the kernel's queue instead of overwriting ours.
constexpr unsigned k_ring = 8192;
volatile sig_atomic_t g_head = 0, g_tail = 0, g_throttled = 0;
std::uint64_t g_ring[k_ring];

unsigned ring_used() {
  return (static_cast<unsigned>(g_head) + 2 * k_ring - static_cast<unsigned>(g_tail)) % (2 * k_ring);
}

void on_signal(int sig, siginfo_t* info, void* context) {
  const unsigned head = static_cast<unsigned>(g_head);
  g_ring[head % k_ring] = reinterpret_cast<std::uintptr_t>(info->si_value.sival_ptr);
  g_head = static_cast<sig_atomic_t>((head + 1) % (2 * k_ring));
  if (ring_used() >= k_ring) {
    sigaddset(&static_cast<ucontext_t*>(context)->uc_sigmask, sig);
    g_throttled = 1;
  }
}

class SignalTransport : public Transport {
public:
  explicit SignalTransport(bool handler) : m_handler(handler) {}
  ~SignalTransport() override {
    if (!m_attached) return;
    if (m_handler) ::sigaction(m_sig, &m_old_action, nullptr);
    ::sigprocmask(SIG_SETMASK, &m_old_mask, nullptr);
  }

  std::size_t max_size() const override { return 8; }
  std::string max_size_source() const override { return "one sigval word"; }
  std::size_t fixed_size() const override { return 8; }

  Result<void> setup(const ChannelOptions& opts) override {
    m_poll = opts.poll;
    m_sig = SIGRTMIN;
    return {};
  }

  Result<void> attach(Side, pid_t peer) override {
    m_peer = peer;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, m_sig);
    if (::sigprocmask(SIG_BLOCK, &set, &m_old_mask) != 0) return fail(sys_error("sigprocmask", "SIGRTMIN"));
    m_attached = true;
    m_wait_mask = m_old_mask;
    sigdelset(&m_wait_mask, m_sig);
    if (m_handler) {
      g_head = 0;
      g_tail = 0;
      g_throttled = 0;
      struct sigaction sa {};
      sa.sa_sigaction = on_signal;
      sa.sa_flags = SA_SIGINFO | SA_RESTART;
      sigemptyset(&sa.sa_mask);
      if (::sigaction(m_sig, &sa, &m_old_action) != 0) return fail(sys_error("sigaction", "SIGRTMIN"));
      // Busy-polling: leave the signal unblocked and spin on the queue.
      if (m_poll == Poll::spin) ::sigprocmask(SIG_UNBLOCK, &set, nullptr);
    }
    return {};
  }

  Result<void> send(const std::byte* data, std::size_t) override {
    std::uint64_t v;
    std::memcpy(&v, data, 8);
    sigval sv{};
    sv.sival_ptr = reinterpret_cast<void*>(static_cast<std::uintptr_t>(v));
    Backoff backoff;
    for (;;) {
      if (::sigqueue(m_peer, m_sig, sv) == 0) return {};
      if (errno == EAGAIN && backoff.wait()) continue;  // the peer's signal queue is full
      return fail(aborted() ? aborted_error("sigqueue") : sys_error("sigqueue", "peer"));
    }
  }

  Result<void> recv(std::byte* data, std::size_t) override {
    std::uint64_t v = 0;
    if (m_handler) {
      Backoff backoff;
      while (g_tail == g_head) {
        if (m_poll == Poll::spin) {
          if (!backoff.wait()) return fail(aborted_error("sigsuspend"));
        } else {
          ::sigsuspend(&m_wait_mask);  // returns after any handler ran
          if (aborted()) return fail(aborted_error("sigsuspend"));
        }
      }
      const unsigned tail = static_cast<unsigned>(g_tail);
      v = g_ring[tail % k_ring];
      g_tail = static_cast<sig_atomic_t>((tail + 1) % (2 * k_ring));
      if (g_throttled && ring_used() < k_ring / 2) {
        g_throttled = 0;
        // Busy-polling runs with the signal unblocked: undo the handler's block.
        // Blocking receives unblock it in sigsuspend anyway.
        if (m_poll == Poll::spin) {
          sigset_t set;
          sigemptyset(&set);
          sigaddset(&set, m_sig);
          ::sigprocmask(SIG_UNBLOCK, &set, nullptr);
        }
      }
    } else {
      sigset_t set;
      sigemptyset(&set);
      sigaddset(&set, m_sig);
      siginfo_t info{};
      const timespec zero{0, 0};
      Backoff backoff;
      for (;;) {
        const int r = m_poll == Poll::spin ? ::sigtimedwait(&set, &info, &zero) : ::sigwaitinfo(&set, &info);
        if (r == m_sig) break;
        if (errno == EAGAIN && backoff.wait()) continue;
        if (errno == EINTR && !aborted()) continue;
        return fail(aborted() ? aborted_error("sigwaitinfo") : sys_error("sigwaitinfo", "SIGRTMIN"));
      }
      v = reinterpret_cast<std::uintptr_t>(info.si_value.sival_ptr);
    }
    std::memcpy(data, &v, 8);
    return {};
  }

private:
  bool m_handler;
  bool m_attached = false;
  Poll m_poll = Poll::block;
  int m_sig = 0;
  pid_t m_peer = 0;
  sigset_t m_old_mask{}, m_wait_mask{};
  struct sigaction m_old_action {};
};

} // namespace

std::unique_ptr<Transport> make_signal_wait() { return std::make_unique<SignalTransport>(false); }
std::unique_ptr<Transport> make_signal_handler() { return std::make_unique<SignalTransport>(true); }

} // namespace ipcctl::bench
