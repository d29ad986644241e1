/* bench/readlink_walk.c: the floor under `ipcctl ls`, for bench/ls.sh.
 *
 * Listing who holds what starts with reading every descriptor link of every process.
 * This program does only that: it opens /proc, opens each /proc/PID/fd, and readlinkat()s
 * every entry, keeping nothing. Whatever ipcctl spends beyond this walk is its own work
 * (the other sources, the model, the JSON), so bench/ls.sh prints ipcctl's time as a
 * multiple of this one's.
 *
 * Usage: readlink_walk [PROC]   (PROC defaults to /proc)
 * Prints "processes=N descriptors=N" on stdout. Processes that vanish mid-walk or
 * cannot be read are skipped, as a listing would.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char** argv) {
  const char* root = argc > 1 ? argv[1] : "/proc";
  DIR* proc = opendir(root);
  if (!proc) {
    perror(root);
    return 1;
  }
  long processes = 0, descriptors = 0;
  char target[4096];
  struct dirent* p;
  while ((p = readdir(proc))) {
    if (p->d_name[0] < '0' || p->d_name[0] > '9') continue;
    char path[sizeof p->d_name + 4];
    snprintf(path, sizeof path, "%s/fd", p->d_name);
    const int fd_dir = openat(dirfd(proc), path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd_dir == -1) continue;
    DIR* fds = fdopendir(fd_dir);
    if (!fds) {
      close(fd_dir);
      continue;
    }
    ++processes;
    struct dirent* f;
    while ((f = readdir(fds))) {
      if (f->d_name[0] == '.') continue;
      if (readlinkat(fd_dir, f->d_name, target, sizeof target) > 0) ++descriptors;
    }
    closedir(fds);
  }
  closedir(proc);
  printf("processes=%ld descriptors=%ld\n", processes, descriptors);
  return 0;
}
