// attacker: what another user does to root's ipcctl rm and mk, for the
// race tests of tests/reliability (rm-race.sh, mk-race.sh, rm-identity.sh).
// It runs as that user (uid 65534) in directories of its own.
//
//   attacker exchange A B SECONDS
//       swaps A and B (renameat2 RENAME_EXCHANGE: a directory and a symlink)
//       in a tight loop for SECONDS; 0 swaps once.
//   attacker replace PATH TARGET SECONDS
//       whenever PATH is a FIFO, puts a symlink to TARGET in its place
//       (symlink to PATH.attacker, renamed over PATH), for SECONDS.
//   attacker shm-again KEY SIZE1 SIZE2
//       makes a SysV segment (KEY, SIZE1) and prints its id; on a line on
//       stdin removes it and makes one again (KEY, SIZE2), from the same
//       process, and prints that id; exits at end of input, leaving it.
// Prints how many swaps or replacements it made on exit (SIGTERM ends a loop).
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

volatile sig_atomic_t g_stop = 0;

void on_term(int) { g_stop = 1; }

double now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

int usage() {
  std::fputs("usage: attacker exchange A B SECONDS | replace PATH TARGET SECONDS | shm-again KEY SIZE1 SIZE2\n", stderr);
  return 2;
}

int exchange(const char* a, const char* b, double seconds) {
  long swaps = 0;
  const double end = now() + seconds;
  do {
    if (renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) != 0) {
      std::fprintf(stderr, "attacker: renameat2 %s %s: %s\n", a, b, std::strerror(errno));
      return 1;
    }
    ++swaps;
  } while (seconds > 0 && !g_stop && now() < end);
  std::printf("%ld swaps\n", swaps);
  return 0;
}

int replace(const char* path, const char* target, double seconds) {
  const std::string tmp = std::string(path) + ".attacker";
  long replaced = 0;
  const double end = now() + seconds;
  while (!g_stop && now() < end) {
    struct stat st {};
    if (lstat(path, &st) != 0 || !S_ISFIFO(st.st_mode)) continue;
    unlink(tmp.c_str());
    if (symlink(target, tmp.c_str()) == 0 && rename(tmp.c_str(), path) == 0) ++replaced;
  }
  unlink(tmp.c_str());
  std::printf("%ld replaced\n", replaced);
  return 0;
}

int shm_again(key_t key, size_t size1, size_t size2) {
  const int first = shmget(key, size1, IPC_CREAT | IPC_EXCL | 0600);
  if (first < 0) {
    std::fprintf(stderr, "attacker: shmget: %s\n", std::strerror(errno));
    return 1;
  }
  std::printf("%d\n", first);
  std::fflush(stdout);
  char line[64];
  if (std::fgets(line, sizeof line, stdin) == nullptr) return 0;
  shmctl(first, IPC_RMID, nullptr);
  const int second = shmget(key, size2, IPC_CREAT | IPC_EXCL | 0600);
  if (second < 0) {
    std::fprintf(stderr, "attacker: shmget again: %s\n", std::strerror(errno));
    return 1;
  }
  std::printf("%d\n", second);
  std::fflush(stdout);
  while (std::fgets(line, sizeof line, stdin) != nullptr) {
  }
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 5) return usage();
  const std::string cmd = argv[1];
  if (cmd != "shm-again") {  // the loops report their count when ended
    signal(SIGTERM, on_term);
    signal(SIGINT, on_term);
  }
  if (cmd == "exchange") return exchange(argv[2], argv[3], std::atof(argv[4]));
  if (cmd == "replace") return replace(argv[2], argv[3], std::atof(argv[4]));
  if (cmd == "shm-again")
    return shm_again(static_cast<key_t>(std::strtoul(argv[2], nullptr, 0)), std::strtoul(argv[3], nullptr, 0),
                     std::strtoul(argv[4], nullptr, 0));
  return usage();
}
