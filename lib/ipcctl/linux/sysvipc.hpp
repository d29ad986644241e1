#pragma once
// System V IPC: message queues, shared memory segments, semaphore sets.
#include <ipcctl/linux/source.hpp>

#include <cstdint>
#include <string_view>
#include <vector>

namespace ipcctl::sys {

// One line of /proc/sysvipc/{msg,shm,sem}, or one *_STAT result.
struct SysvCommon {
  std::int32_t key = 0;
  std::int64_t id = 0;
  std::uint32_t mode = 0;  // with SHM_DEST / SHM_LOCKED bits for segments
  std::uint32_t uid = 0, gid = 0, cuid = 0, cgid = 0;
  std::int64_t ctime = 0;
};
struct MsgInfo : SysvCommon {
  std::int64_t cbytes = 0, qnum = 0, lspid = 0, lrpid = 0, stime = 0, rtime = 0;
  std::optional<std::int64_t> qbytes;  // only from IPC_STAT
};
struct ShmInfo : SysvCommon {
  std::int64_t size = 0, cpid = 0, lpid = 0, nattch = 0, atime = 0, dtime = 0;
  std::optional<std::int64_t> rss, swap;  // 16-field lines only
};
struct SemInfo : SysvCommon {
  std::int64_t nsems = 0, otime = 0;
};

// Parse the text of /proc/sysvipc/*, header included. Lines with too few
// fields are skipped (shm: Linux 2.6.32 prints 14 fields, newer kernels 16).
std::vector<MsgInfo> parse_sysvipc_msg(std::string_view text);
std::vector<ShmInfo> parse_sysvipc_shm(std::string_view text);
std::vector<SemInfo> parse_sysvipc_sem(std::string_view text);

// The fallback where /proc/sysvipc is absent: *_INFO for the highest index,
// then *_STAT on every index (as util-linux ipcutils.c).
Result<std::vector<MsgInfo>> stat_all_msg();
Result<std::vector<ShmInfo>> stat_all_shm();
Result<std::vector<SemInfo>> stat_all_sem();

const Source& sysv_msg_source();
const Source& sysv_shm_source();
const Source& sysv_sem_source();

} // namespace ipcctl::sys
