// The busy-wait setting the runner chooses per placement (spin.hpp).
#include <ipcctl/bench/spin.hpp>

#include <cerrno>

namespace ipcctl::bench {

namespace {
std::uint32_t g_spin_rounds = 4000;
}

void set_spin_rounds(std::uint32_t rounds) { g_spin_rounds = rounds; }
std::uint32_t spin_rounds() { return g_spin_rounds; }

Error aborted_error(const char* op) { return Error{EINTR, op, "the run", "aborted by the watchdog"}; }

} // namespace ipcctl::bench
