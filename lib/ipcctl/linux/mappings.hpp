#pragma once
// Shared mappings no other kind lists, from the walk's /proc/PID/maps:
// anonymous shared memory and regular files mapped MAP_SHARED.
#include <ipcctl/linux/source.hpp>

namespace ipcctl::sys {

const Source& anon_shm_source();
const Source& mapped_file_source();

} // namespace ipcctl::sys
