#pragma once
// STUB: IPC limits and usage for ipcctl limits (to be written).
#include <ipcctl/util/result.hpp>
