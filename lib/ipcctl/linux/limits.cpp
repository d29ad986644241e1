#include <ipcctl/linux/limits.hpp>
