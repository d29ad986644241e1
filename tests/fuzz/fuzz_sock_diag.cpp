// The decoders of sock_diag netlink replies: any byte string, as a kernel
// (or a bug) might send, must decode or fail, never read out of bounds.
#include <ipcctl/linux/sockdiag.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

using namespace ipcctl::sys;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view buf(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] & 1) {
    std::vector<UnixSocket> out;
    (void)decode_unix_diag(buf, out);
  } else {
    std::vector<InetSocket> out;
    (void)decode_inet_diag(buf, out);
  }
  return 0;
}
