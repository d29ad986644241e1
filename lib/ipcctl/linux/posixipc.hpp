#pragma once
// POSIX named IPC: message queues (/dev/mqueue), shared memory (/dev/shm)
// and named semaphores (/dev/shm/sem.NAME).
#include <ipcctl/linux/source.hpp>

#include <optional>
#include <string_view>

namespace ipcctl::sys {

// The text of a /dev/mqueue file: "QSIZE:12 NOTIFY:0 SIGNO:0 NOTIFY_PID:0".
struct MqueueStatus {
  std::int64_t qsize = 0;
  std::int64_t notify = 0, signo = 0, notify_pid = 0;
};
std::optional<MqueueStatus> parse_mqueue_status(std::string_view text);

const Source& posix_mq_source();
const Source& posix_shm_source();
const Source& posix_sem_source();

} // namespace ipcctl::sys
