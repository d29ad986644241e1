// Lists every IPC object of this machine with its holders, through the
// installed libipcctl: what another program needs to embed ipcctl's view.
#include <ipcctl/collect.hpp>

#include <cstdio>

int main() {
  auto snap = ipcctl::collect(ipcctl::CollectOptions{});
  if (!snap) {
    std::fprintf(stderr, "list_ipc: %s\n", snap.error().message().c_str());
    return 1;
  }
  for (const auto& o : snap->objects)
    std::printf("%-32s %zu holder(s)\n", o.ref.c_str(), o.holders.size());
  return 0;
}
