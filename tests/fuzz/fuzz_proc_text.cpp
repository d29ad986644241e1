// Every parser of text the kernel writes under /proc: the first byte picks
// the parser, the rest is the file. A parser must take any bytes (a file
// can be cut short, or change under the reader) without crashing.
#include <ipcctl/linux/fd_scan.hpp>
#include <ipcctl/linux/fds.hpp>
#include <ipcctl/linux/locks.hpp>
#include <ipcctl/linux/posixipc.hpp>
#include <ipcctl/linux/sockdiag.hpp>
#include <ipcctl/linux/sysvipc.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

using namespace ipcctl::sys;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  std::vector<ipcctl::model::MapEntry> maps;
  std::uint64_t inode = 0;
  switch ((data[0] & 0x7f) % 12) {  // the high bit is a flag (IPv6 for case 10)
  case 0: (void)parse_sysvipc_msg(text); break;
  case 1: (void)parse_sysvipc_shm(text); break;
  case 2: (void)parse_sysvipc_sem(text); break;
  case 3: (void)parse_status(1, text); break;
  case 4: parse_maps(1, text, maps); break;
  case 5: (void)parse_fdinfo(text); break;
  case 6: (void)parse_locks(text); break;
  case 7: (void)parse_fdinfo_locks(text); break;
  case 8: (void)parse_mqueue_status(text); break;
  case 9: (void)parse_proc_net_unix(text); break;
  case 10: (void)parse_proc_net_inet(text, data[0] & 0x80 ? InetFamily::inet6 : InetFamily::inet); break;
  case 11: (void)classify_fd_link(text, inode); break;
  }
  return 0;
}
