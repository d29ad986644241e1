#include <ipcctl/ops/create.hpp>
