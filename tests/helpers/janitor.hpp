#pragma once
// The test helpers' janitor: a process forked before a helper makes any IPC
// object, in a session of its own, that outlives the helper. The helper
// writes each object it makes to a pipe ("msg 32769", "unlink /tmp/x/fifo")
// and "done" once it has removed them itself; when the pipe ends without
// "done" (the helper was SIGKILLed), the janitor removes them, newest first.
// SysV ids are not reused soon (the sequence number in the id moves on), and
// paths are the helper's own temporary names, so nothing else is removed.
// A helper killed at any moment (even between msgget and its journal line)
// makes its SysV objects with keyed(): the key is journalled first, and the
// janitor removes an object by key only if it was made after the janitor
// started, so a stranger's object that happens to hold the key is left alone.
#include <fcntl.h>
#include <mqueue.h>
#include <semaphore.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace janitor {

inline int g_fd = -1;
inline time_t g_started = 0;  // when start() ran: keyed objects older than that are not ours

// The id of the SysV object of kind OP ("msgkey", "semkey", "shmkey") with
// KEY, if it was made since start(); -1 otherwise.
inline int keyed_id(std::string_view op, key_t key) {
  if (op == "msgkey") {
    msqid_ds ds{};
    const int id = ::msgget(key, 0);
    return id >= 0 && ::msgctl(id, IPC_STAT, &ds) == 0 && ds.msg_ctime >= g_started ? id : -1;
  }
  if (op == "semkey") {
    semid_ds ds{};
    const int id = ::semget(key, 0, 0);
    return id >= 0 && ::semctl(id, 0, IPC_STAT, &ds) == 0 && ds.sem_ctime >= g_started ? id : -1;
  }
  if (op == "shmkey") {
    shmid_ds ds{};
    const int id = ::shmget(key, 0, 0);
    return id >= 0 && ::shmctl(id, IPC_STAT, &ds) == 0 && ds.shm_ctime >= g_started ? id : -1;
  }
  return -1;
}

// Carries out one journal line.
inline void remove_one(std::string_view line) {
  const auto space = line.find(' ');
  if (space == std::string_view::npos) return;
  const std::string_view op = line.substr(0, space);
  const std::string arg(line.substr(space + 1));
  const int id = std::atoi(arg.c_str());
  if (op == "msg") ::msgctl(id, IPC_RMID, nullptr);
  else if (op == "shm") ::shmctl(id, IPC_RMID, nullptr);
  else if (op == "sem") ::semctl(id, 0, IPC_RMID);
  else if (op == "mq") ::mq_unlink(arg.c_str());
  else if (op == "pshm") ::shm_unlink(arg.c_str());
  else if (op == "psem") ::sem_unlink(arg.c_str());
  else if (op == "unlink") ::unlink(arg.c_str());
  else if (op == "rmdir") ::rmdir(arg.c_str());
  else if (const int keyed = keyed_id(op, static_cast<key_t>(std::strtol(arg.c_str(), nullptr, 0))); keyed >= 0)
    remove_one(std::string(op.substr(0, 3)) + " " + std::to_string(keyed));
}

// Forks the janitor; call before making anything. Children the helper forks
// later must call forget() so that only the helper holds the pipe.
inline void start() {
  g_started = ::time(nullptr);
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return;  // no janitor: the helper still cleans up when it can
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(p[0]);
    ::close(p[1]);
    return;
  }
  if (pid == 0) {
    ::close(p[1]);
    ::setsid();  // out of the test's process group and its signals
    const int null = ::open("/dev/null", O_RDWR);
    for (int fd : {0, 1, 2}) ::dup2(null, fd);
    std::string all;
    char buf[4096];
    for (;;) {
      const ssize_t n = ::read(p[0], buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      all.append(buf, static_cast<std::size_t>(n));
    }
    std::vector<std::string_view> lines;
    for (std::string_view rest = all; !rest.empty();) {
      const auto nl = rest.find('\n');
      lines.push_back(rest.substr(0, nl));
      rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    }
    if (lines.empty() || lines.back() != "done")
      for (auto it = lines.rbegin(); it != lines.rend(); ++it) remove_one(*it);
    ::_exit(0);
  }
  ::close(p[0]);
  g_fd = p[1];
}

// Journals an object the helper made ("msg 32769", "unlink /tmp/ipcfix.x/fifo").
inline void note(const std::string& line) {
  if (g_fd < 0) return;
  const std::string l = line + "\n";
  (void)!::write(g_fd, l.data(), l.size());
}

// Makes a SysV object with MAKE(key) ("msg", "sem" or "shm": KIND), under a
// key journalled before the object exists; returns its id, or -1 with errno
// for a failure other than the key being taken.
template <class Make>
int keyed(std::string_view kind, Make make) {
  static unsigned counter = 0;
  for (int attempt = 0; attempt < 64; ++attempt) {
    const auto key = static_cast<key_t>((static_cast<unsigned>(::getpid()) * 2654435761u + ++counter * 40503u) | 1u);
    note(std::string(kind) + "key " + std::to_string(key));
    const int id = make(key);
    if (id >= 0 || errno != EEXIST) return id;
  }
  return -1;
}

// In a child of the helper, or once done: no longer part of the journal.
inline void forget() {
  if (g_fd >= 0) ::close(g_fd);
  g_fd = -1;
}

// The helper removed everything itself: the janitor has nothing to do.
inline void done() {
  note("done");
  forget();
}

} // namespace janitor
