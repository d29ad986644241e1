#include <ipcctl/windows/ntbuf.hpp>

#include <algorithm>
#include <cstring>

namespace ipcctl::win {

namespace {

template <class T>
T load(std::span<const std::byte> buf, std::size_t at) {
  T v;
  std::memcpy(&v, buf.data() + at, sizeof v);
  return v;
}

Error bad(std::string_view what, std::string detail) {
  return Error{0, "parse", std::string(what), std::move(detail)};
}

void put_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

constexpr char32_t k_replacement = 0xFFFD;

// A UNICODE_STRING {USHORT Length; USHORT MaximumLength; PWSTR Buffer;} at
// `at`, its text inside `buf` (whose first byte is at address `base`).
Result<std::string> unicode_string(std::span<const std::byte> buf, std::size_t at, std::uint64_t base,
                                   std::string_view what) {
  const auto length = load<std::uint16_t>(buf, at);
  const auto pointer = load<std::uint64_t>(buf, at + 8);
  if (length == 0) return std::string();
  if (length % 2 != 0) return fail(bad(what, "odd string length"));
  if (pointer < base || pointer - base > buf.size() || buf.size() - (pointer - base) < length)
    return fail(bad(what, "string outside the buffer"));
  return utf8_from_utf16le(buf.subspan(pointer - base, length));
}

} // namespace

std::string utf8_from_utf16(std::u16string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char16_t u = s[i];
    if (u >= 0xD800 && u < 0xDC00 && i + 1 < s.size() && s[i + 1] >= 0xDC00 && s[i + 1] < 0xE000) {
      put_utf8(out, 0x10000 + ((static_cast<char32_t>(u) - 0xD800) << 10) + (s[i + 1] - 0xDC00));
      ++i;
    } else if (u >= 0xD800 && u < 0xE000) {
      put_utf8(out, k_replacement);
    } else {
      put_utf8(out, u);
    }
  }
  return out;
}

std::string utf8_from_utf16le(std::span<const std::byte> bytes) {
  std::u16string units(bytes.size() / 2, u'\0');
  for (std::size_t i = 0; i < units.size(); ++i)
    units[i] = static_cast<char16_t>(std::to_integer<unsigned>(bytes[2 * i]) |
                                     (std::to_integer<unsigned>(bytes[2 * i + 1]) << 8));
  return utf8_from_utf16(units);
}

std::u16string utf16_from_utf8(std::string_view s) {
  std::u16string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    int extra = 0;
    char32_t c = 0;
    if (b < 0x80) c = b;
    else if ((b & 0xE0) == 0xC0) c = b & 0x1F, extra = 1;
    else if ((b & 0xF0) == 0xE0) c = b & 0x0F, extra = 2;
    else if ((b & 0xF8) == 0xF0) c = b & 0x07, extra = 3;
    else extra = -1;
    bool ok = extra >= 0 && i + static_cast<std::size_t>(extra) < s.size();
    for (int k = 1; ok && k <= extra; ++k) {
      const auto cont = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
      if ((cont & 0xC0) != 0x80) ok = false;
      else c = (c << 6) | (cont & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are invalid too.
    static constexpr char32_t k_min[] = {0, 0x80, 0x800, 0x10000};
    if (ok && (c < k_min[extra] || (c >= 0xD800 && c < 0xE000) || c > 0x10FFFF)) ok = false;
    if (!ok) {
      out += static_cast<char16_t>(k_replacement);
      ++i;
      continue;
    }
    if (c >= 0x10000) {
      out += static_cast<char16_t>(0xD800 + ((c - 0x10000) >> 10));
      out += static_cast<char16_t>(0xDC00 + ((c - 0x10000) & 0x3FF));
    } else {
      out += static_cast<char16_t>(c);
    }
    i += static_cast<std::size_t>(extra) + 1;
  }
  return out;
}

Result<std::vector<DirEntry>> parse_directory(std::span<const std::byte> buf, std::uint64_t base) {
  constexpr std::size_t k_record = 32;  // two UNICODE_STRINGs of 16 bytes
  std::vector<DirEntry> out;
  for (std::size_t at = 0; at + k_record <= buf.size(); at += k_record) {
    // The list ends with a record of zeros.
    bool zero = true;
    for (std::size_t i = 0; i < k_record && zero; ++i) zero = buf[at + i] == std::byte{0};
    if (zero) return out;
    auto name = unicode_string(buf, at, base, "object directory entry name");
    if (!name) return fail(name.error());
    auto type = unicode_string(buf, at + 16, base, "object directory entry type");
    if (!type) return fail(type.error());
    out.push_back({std::move(*name), std::move(*type)});
  }
  return out;
}

Result<std::vector<HandleEntry>> parse_handle_table(std::span<const std::byte> buf) {
  if (buf.size() < k_handle_table_header) return fail(bad("handle table", "shorter than its header"));
  const auto count = load<std::uint64_t>(buf, 0);
  if (count > (buf.size() - k_handle_table_header) / k_handle_entry_size)
    return fail(bad("handle table", "more handles than the buffer holds"));
  std::vector<HandleEntry> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t at = k_handle_table_header + i * k_handle_entry_size;
    HandleEntry e;
    e.object = load<std::uint64_t>(buf, at);
    e.pid = load<std::uint64_t>(buf, at + 8);
    e.handle = load<std::uint64_t>(buf, at + 16);
    e.access = load<std::uint32_t>(buf, at + 24);
    e.type_index = load<std::uint16_t>(buf, at + 30);
    e.attributes = load<std::uint32_t>(buf, at + 32);
    out.push_back(e);
  }
  return out;
}

Result<std::vector<PipeEntry>> parse_pipe_listing(std::span<const std::byte> buf) {
  constexpr std::size_t k_name_at = 64;  // FILE_DIRECTORY_INFORMATION.FileName
  std::vector<PipeEntry> out;
  std::size_t at = 0;
  while (true) {
    if (buf.size() < k_name_at || at > buf.size() - k_name_at)
      return fail(bad("named pipe listing", "record outside the buffer"));
    const auto next = load<std::uint32_t>(buf, at);
    const auto name_bytes = load<std::uint32_t>(buf, at + 60);
    if (name_bytes % 2 != 0 || name_bytes > buf.size() - at - k_name_at)
      return fail(bad("named pipe listing", "name outside the buffer"));
    if (next != 0 && next < k_name_at + name_bytes)
      return fail(bad("named pipe listing", "next record overlaps this one"));
    out.push_back({utf8_from_utf16le(buf.subspan(at + k_name_at, name_bytes)),
                   load<std::int64_t>(buf, at + 40), load<std::int64_t>(buf, at + 48)});
    if (next == 0) return out;
    at += next;
  }
}

namespace {

std::optional<std::string> under(std::string_view nt_name, std::string_view device) {
  if (nt_name.size() <= device.size() || nt_name.substr(0, device.size()) != device) return std::nullopt;
  // Windows prints device names with this case; "\Device\NamedPipe\"
  // alone names the file system, not a pipe.
  return std::string(nt_name.substr(device.size()));
}

} // namespace

std::optional<std::string> pipe_name_of(std::string_view nt_name) {
  return under(nt_name, "\\Device\\NamedPipe\\");
}

std::optional<std::string> mailslot_name_of(std::string_view nt_name) {
  return under(nt_name, "\\Device\\Mailslot\\");
}

bool may_be_socket(std::string_view nt_name) {
  constexpr std::string_view afd = "\\Device\\Afd";
  return nt_name.empty() || (nt_name.starts_with(afd) && (nt_name.size() == afd.size() || nt_name[afd.size()] == '\\'));
}

std::string unix_path_of(std::span<const std::byte> addr) {
  constexpr std::size_t path_at = 2, path_max = 108;  // ADDRESS_FAMILY sun_family; char sun_path[108]
  if (addr.size() <= path_at || (std::to_integer<unsigned>(addr[0]) | std::to_integer<unsigned>(addr[1]) << 8) != 1)
    return {};
  const auto path = addr.subspan(path_at, std::min(addr.size() - path_at, path_max));
  std::string out;
  for (const std::byte b : path) {
    if (b == std::byte{0}) break;
    out.push_back(static_cast<char>(b));
  }
  return out;
}

std::string access_text(std::string_view type, std::uint32_t access) {
  bool r = false, w = false;
  if (type == "File") {
    r = (access & 0x0001) != 0;  // FILE_READ_DATA
    w = (access & 0x0002) != 0;  // FILE_WRITE_DATA
  } else if (type == "Section") {
    r = (access & 0x0004) != 0;  // SECTION_MAP_READ
    w = (access & 0x0002) != 0;  // SECTION_MAP_WRITE
  } else if (type == "Event" || type == "Semaphore") {
    r = (access & 0x00100000) != 0;  // SYNCHRONIZE
    w = (access & 0x0002) != 0;      // EVENT_MODIFY_STATE, SEMAPHORE_MODIFY_STATE
  } else if (type == "Mutant") {
    // Waiting on a mutex takes it; releasing needs no right beyond that.
    r = w = (access & 0x00100000) != 0;
  }
  return std::string(r ? "r" : "") + (w ? "w" : "");
}

} // namespace ipcctl::win
