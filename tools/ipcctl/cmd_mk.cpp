// STUB: ipcctl mk (to be written).
#include "ipcctl/commands.hpp"

namespace ipcctl::tools {

void setup_mk(CLI::App&, Action&) {}

} // namespace ipcctl::tools
