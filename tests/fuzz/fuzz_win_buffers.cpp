// The readers of the buffers Windows fills (object directories, the handle
// table, named pipe listings, socket addresses): whatever the bytes, they parse or fail,
// never read outside the buffer. The first byte picks the reader.
#include <ipcctl/windows/ntbuf.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

using namespace ipcctl::win;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // A copy, so that the directory's string pointers can point into it.
  std::vector<std::byte> buf(size - 1);
  if (!buf.empty()) std::memcpy(buf.data(), data + 1, buf.size());
  switch (data[0] % 4) {
  case 0: {
    // Pointers in the input are offsets from the buffer's start.
    const auto base = reinterpret_cast<std::uint64_t>(buf.data());
    for (std::size_t at = 8; at + 8 <= buf.size(); at += 16) {
      std::uint64_t off;
      std::memcpy(&off, buf.data() + at, 8);
      off += base;
      std::memcpy(buf.data() + at, &off, 8);
    }
    (void)parse_directory(buf, base);
    break;
  }
  case 1: (void)parse_handle_table(buf); break;
  case 2: (void)parse_pipe_listing(buf); break;
  default: {
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    (void)utf8_from_utf16le(buf);
    (void)utf16_from_utf8(text);
    (void)pipe_name_of(text);
    (void)may_be_socket(text);
    (void)unix_path_of(buf);
    (void)access_text(text, static_cast<std::uint32_t>(size));
    break;
  }
  }
  return 0;
}
