// The Windows buffer parsers on canned buffers laid out as 64-bit Windows
// fills them: they run on Linux in the main suite and on Windows (Wine).
#include <ipcctl/windows/ntbuf.hpp>

#include <doctest/doctest.h>

#include <cstring>

using namespace ipcctl;
using namespace ipcctl::win;

namespace {

// A buffer built the way ntdll writes it: fixed records first, strings after.
struct Canned {
  std::vector<std::byte> bytes;

  template <class T>
  void put(std::size_t at, T v) {
    if (bytes.size() < at + sizeof v) bytes.resize(at + sizeof v);
    std::memcpy(bytes.data() + at, &v, sizeof v);
  }
  // Appends the UTF-16LE text; returns its offset.
  std::size_t text(std::u16string_view s) {
    const std::size_t at = bytes.size();
    for (char16_t c : s) {
      bytes.push_back(static_cast<std::byte>(c & 0xff));
      bytes.push_back(static_cast<std::byte>(c >> 8));
    }
    return at;
  }
  std::uint64_t base() const { return reinterpret_cast<std::uint64_t>(bytes.data()); }
};

// OBJECT_DIRECTORY_INFORMATION records for `entries`, a zeroed record, then the strings.
Canned directory(const std::vector<std::pair<std::u16string, std::u16string>>& entries) {
  Canned c;
  const std::size_t records = (entries.size() + 1) * 32;
  c.bytes.resize(records);
  std::vector<std::pair<std::size_t, std::size_t>> at;
  for (const auto& [name, type] : entries) {
    const std::size_t n = c.text(name);
    const std::size_t t = c.text(type);
    at.emplace_back(n, t);
  }
  // Pointers are written once the buffer has stopped growing.
  for (std::size_t i = 0; i < entries.size(); ++i) {
    c.put<std::uint16_t>(i * 32, static_cast<std::uint16_t>(entries[i].first.size() * 2));
    c.put<std::uint16_t>(i * 32 + 2, static_cast<std::uint16_t>(entries[i].first.size() * 2));
    c.put<std::uint64_t>(i * 32 + 8, c.base() + at[i].first);
    c.put<std::uint16_t>(i * 32 + 16, static_cast<std::uint16_t>(entries[i].second.size() * 2));
    c.put<std::uint16_t>(i * 32 + 18, static_cast<std::uint16_t>(entries[i].second.size() * 2));
    c.put<std::uint64_t>(i * 32 + 24, c.base() + at[i].second);
  }
  return c;
}

} // namespace

TEST_CASE("utf16 and utf8 both ways") {
  CHECK(utf8_from_utf16(u"BaseNamedObjects") == "BaseNamedObjects");
  CHECK(utf8_from_utf16(u"caf\u00e9 \u65e5\u672c") == "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac");
  CHECK(utf8_from_utf16(u"\U0001F600") == "\xf0\x9f\x98\x80");
  CHECK(utf8_from_utf16(std::u16string_view(u"a\xd800z", 3)) == "a\xef\xbf\xbdz");  // unpaired surrogate
  CHECK(utf16_from_utf8("caf\xc3\xa9") == u"caf\u00e9");
  CHECK(utf16_from_utf8("\xf0\x9f\x98\x80") == u"\U0001F600");
  CHECK(utf16_from_utf8("a\xff") == u"a\ufffd");
  CHECK(utf16_from_utf8("\xc0\xaf") == u"\ufffd\ufffd");  // overlong '/'
  CHECK(utf16_from_utf8("\xe2\x82") == u"\ufffd\ufffd");   // cut short
}

TEST_CASE("parse_directory: names and types up to the zeroed record") {
  auto c = directory({{u"app-ready", u"Event"}, {u"Global", u"SymbolicLink"}, {u"db-lock", u"Mutant"}});
  auto entries = parse_directory(c.bytes, c.base());
  REQUIRE(entries.has_value());
  REQUIRE(entries->size() == 3);
  CHECK((*entries)[0] == DirEntry{"app-ready", "Event"});
  CHECK((*entries)[1] == DirEntry{"Global", "SymbolicLink"});
  CHECK((*entries)[2] == DirEntry{"db-lock", "Mutant"});

  SUBCASE("an empty directory is the zeroed record alone") {
    auto empty = directory({});
    auto none = parse_directory(empty.bytes, empty.base());
    REQUIRE(none.has_value());
    CHECK(none->empty());
  }
  SUBCASE("a string pointing outside the buffer is refused") {
    c.put<std::uint64_t>(8, c.base() + c.bytes.size());
    CHECK_FALSE(parse_directory(c.bytes, c.base()).has_value());
  }
  SUBCASE("a pointer below the buffer is refused") {
    c.put<std::uint64_t>(24, c.base() - 2);
    CHECK_FALSE(parse_directory(c.bytes, c.base()).has_value());
  }
  SUBCASE("an odd length is refused") {
    c.put<std::uint16_t>(0, 3);
    CHECK_FALSE(parse_directory(c.bytes, c.base()).has_value());
  }
}

TEST_CASE("parse_handle_table") {
  Canned c;
  c.put<std::uint64_t>(0, 2);
  c.put<std::uint64_t>(8, 0);
  const std::size_t e0 = k_handle_table_header, e1 = e0 + k_handle_entry_size;
  c.put<std::uint64_t>(e0, 0xffffa00012345670);
  c.put<std::uint64_t>(e0 + 8, 1234);
  c.put<std::uint64_t>(e0 + 16, 0x1a4);
  c.put<std::uint32_t>(e0 + 24, 0x1f0003);
  c.put<std::uint16_t>(e0 + 28, 0);
  c.put<std::uint16_t>(e0 + 30, 16);
  c.put<std::uint32_t>(e0 + 32, 0);
  c.put<std::uint32_t>(e0 + 36, 0);
  c.put<std::uint64_t>(e1 + 8, 4);
  c.put<std::uint64_t>(e1 + 16, 8);
  c.put<std::uint16_t>(e1 + 30, 37);
  c.put<std::uint32_t>(e1 + 36, 0);
  auto table = parse_handle_table(c.bytes);
  REQUIRE(table.has_value());
  REQUIRE(table->size() == 2);
  CHECK((*table)[0] == HandleEntry{0xffffa00012345670, 1234, 0x1a4, 0x1f0003, 16, 0});
  CHECK((*table)[1].pid == 4);
  CHECK((*table)[1].type_index == 37);

  SUBCASE("a count the buffer cannot hold is refused") {
    c.put<std::uint64_t>(0, 3);
    CHECK_FALSE(parse_handle_table(c.bytes).has_value());
    c.put<std::uint64_t>(0, ~std::uint64_t{0});
    CHECK_FALSE(parse_handle_table(c.bytes).has_value());
  }
  SUBCASE("a buffer shorter than the header is refused") {
    CHECK_FALSE(parse_handle_table(std::span(c.bytes).first(8)).has_value());
  }
}

TEST_CASE("parse_pipe_listing follows NextEntryOffset") {
  Canned c;
  const std::u16string a = u"app\\ctl", b = u"InitShutdown";
  // Record 0 at 0, record 1 aligned to 8 after it.
  const std::size_t second = (64 + a.size() * 2 + 7) / 8 * 8;
  c.put<std::uint32_t>(0, static_cast<std::uint32_t>(second));
  c.put<std::int64_t>(40, 2);   // instances
  c.put<std::int64_t>(48, -1);  // unlimited
  c.put<std::uint32_t>(60, static_cast<std::uint32_t>(a.size() * 2));
  c.bytes.resize(64);
  c.text(a);
  c.bytes.resize(second);
  c.put<std::uint32_t>(second, 0);
  c.put<std::int64_t>(second + 40, 1);
  c.put<std::int64_t>(second + 48, 3);
  c.put<std::uint32_t>(second + 60, static_cast<std::uint32_t>(b.size() * 2));
  c.bytes.resize(second + 64);
  c.text(b);
  auto pipes = parse_pipe_listing(c.bytes);
  REQUIRE(pipes.has_value());
  REQUIRE(pipes->size() == 2);
  CHECK((*pipes)[0] == PipeEntry{"app\\ctl", 2, -1});
  CHECK((*pipes)[1] == PipeEntry{"InitShutdown", 1, 3});

  SUBCASE("a next offset into the record itself is refused") {
    c.put<std::uint32_t>(0, 8);
    CHECK_FALSE(parse_pipe_listing(c.bytes).has_value());
  }
  SUBCASE("a name longer than the buffer is refused") {
    c.put<std::uint32_t>(second + 60, 4096);
    CHECK_FALSE(parse_pipe_listing(c.bytes).has_value());
  }
  SUBCASE("a next offset past the end is refused") {
    c.put<std::uint32_t>(second, 4096);
    CHECK_FALSE(parse_pipe_listing(c.bytes).has_value());
  }
}

TEST_CASE("NT paths, pipe names and access") {
  CHECK(pipe_name_of("\\Device\\NamedPipe\\app\\ctl") == "app\\ctl");
  CHECK_FALSE(pipe_name_of("\\Device\\NamedPipe\\").has_value());
  CHECK_FALSE(pipe_name_of("\\Device\\HarddiskVolume1\\x").has_value());
  CHECK(mailslot_name_of("\\Device\\Mailslot\\logs") == "logs");
  CHECK(access_text("File", 0x0012019f) == "rw");
  CHECK(access_text("File", 0x00120089) == "r");
  CHECK(access_text("Section", 0x000f001f) == "rw");
  CHECK(access_text("Section", 0x00000004) == "r");
  CHECK(access_text("Event", 0x001f0003) == "rw");
  CHECK(access_text("Event", 0x00100000) == "r");
  CHECK(access_text("Semaphore", 0x00000002) == "w");
  CHECK(access_text("Mutant", 0x001f0001) == "rw");
  CHECK(access_text("Job", 0x001f001f).empty());
}

TEST_CASE("sockets: which file handles may be one, and an AF_UNIX address's path") {
  CHECK(may_be_socket("\\Device\\Afd"));
  CHECK(may_be_socket("\\Device\\Afd\\Endpoint"));
  CHECK(may_be_socket(""));  // Wine names no socket handle
  CHECK_FALSE(may_be_socket("\\Device\\Afdx"));
  CHECK_FALSE(may_be_socket("\\Device\\NamedPipe\\app"));

  auto sockaddr_un = [](std::uint16_t family, std::string_view path, std::size_t len) {
    Canned c;
    c.put<std::uint16_t>(0, family);
    for (std::size_t i = 0; i < path.size(); ++i) c.put<char>(2 + i, path[i]);
    c.bytes.resize(len);
    return c.bytes;
  };
  const std::string_view path = "C:\\Users\\me\\AppData\\Local\\Temp\\app.sock";
  // getsockname counts the NUL, or not: both give the path.
  CHECK(unix_path_of(sockaddr_un(1, path, 2 + path.size() + 1)) == path);
  CHECK(unix_path_of(sockaddr_un(1, path, 2 + path.size())) == path);
  CHECK(unix_path_of(sockaddr_un(1, path, 2 + 4)) == path.substr(0, 4));  // only what was filled
  CHECK(unix_path_of(sockaddr_un(1, "", 2)).empty());  // unbound
  CHECK(unix_path_of(sockaddr_un(2, path, 2 + path.size())).empty());  // AF_INET
  CHECK(unix_path_of(sockaddr_un(1, std::string(200, 'x'), 202)) == std::string(108, 'x'));  // sun_path's size
  CHECK(unix_path_of({}).empty());
}
