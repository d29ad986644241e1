#pragma once
// STUB: object creation for ipcctl mk (to be written).
#include <ipcctl/model/object.hpp>
#include <ipcctl/util/result.hpp>
