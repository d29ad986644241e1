#pragma once
// The busy-wait policy every transport shares, on every system, and the error
// a wait returns once the run is aborted. Internal to lib/ipcctl/bench.
#include <ipcctl/bench/lifecycle.hpp>
#include <ipcctl/util/error.hpp>

#include <cstdint>

namespace ipcctl::bench {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// Gives the CPU to another runnable thread (sched_yield, SwitchToThread).
void yield_cpu();

// How many fruitless rounds a busy-wait pauses before it yields the CPU every
// round. Where both sides share a CPU, spinning only delays the peer: the
// runner sets 0 there; across CPUs it keeps the default of 4,000.
void set_spin_rounds(std::uint32_t rounds);
std::uint32_t spin_rounds();

// The busy-wait policy: pause for spin_rounds() fruitless rounds, then yield
// every round, so that a peer on the same CPU can run.
class Backoff {
public:
  // One fruitless round; false once the run is aborted.
  bool wait() {
    if (m_round < m_limit) {
      ++m_round;
      cpu_relax();
      return true;
    }
    if (aborted()) return false;
    yield_cpu();
    return true;
  }

private:
  std::uint32_t m_round = 0, m_limit = spin_rounds();
};

// Busy-waits until ready() is true; false when the run is aborted.
template <class Ready>
bool spin_until(Ready&& ready) {
  Backoff backoff;
  while (!ready())
    if (!backoff.wait()) return false;
  return true;
}

Error aborted_error(const char* op);

} // namespace ipcctl::bench
