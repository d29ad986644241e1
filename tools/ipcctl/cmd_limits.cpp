// STUB: ipcctl limits (to be written).
#include "ipcctl/commands.hpp"

namespace ipcctl::tools {

void setup_limits(CLI::App&, Action&) {}

} // namespace ipcctl::tools
