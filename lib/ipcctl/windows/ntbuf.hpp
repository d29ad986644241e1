#pragma once
// The buffers Windows fills for ipcctl, read as bytes: object directory
// listings, the system handle table, named pipe listings, object names.
// Pure functions on memory, no Windows headers, so they build and are
// tested on Linux with canned buffers and fuzzed there. Layouts are those of
// 64-bit Windows (the only target); every offset and length is checked
// against the buffer before it is read.
#include <ipcctl/util/result.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ipcctl::win {

// UTF-16LE code units to UTF-8; an unpaired surrogate becomes U+FFFD.
std::string utf8_from_utf16(std::u16string_view s);
// UTF-8 to UTF-16; invalid bytes become U+FFFD.
std::u16string utf16_from_utf8(std::string_view s);
// The UTF-16LE code units in `bytes` (unaligned; an odd last byte is dropped), to UTF-8.
std::string utf8_from_utf16le(std::span<const std::byte> bytes);

// One entry of NtQueryDirectoryObject: an OBJECT_DIRECTORY_INFORMATION
// record {UNICODE_STRING Name; UNICODE_STRING TypeName;}.
struct DirEntry {
  std::string name;  // "Foo", in its directory
  std::string type;  // "Event", "Mutant", "Semaphore", "Section", "Directory", "ALPC Port", ...
  bool operator==(const DirEntry&) const = default;
};

// The records of an NtQueryDirectoryObject buffer, up to the zeroed record
// that ends them (or the buffer's end). The strings' Buffer pointers are
// addresses in the caller's memory: `base` is the address of buf[0], and
// every string must lie inside the buffer.
Result<std::vector<DirEntry>> parse_directory(std::span<const std::byte> buf, std::uint64_t base);

// One SYSTEM_HANDLE_TABLE_ENTRY_INFO_EX of
// NtQuerySystemInformation(SystemExtendedHandleInformation).
struct HandleEntry {
  std::uint64_t object = 0;  // the kernel object's address (0 where hidden, as under Wine)
  std::uint64_t pid = 0;
  std::uint64_t handle = 0;
  std::uint32_t access = 0;  // GrantedAccess
  std::uint16_t type_index = 0;
  std::uint32_t attributes = 0;
  bool operator==(const HandleEntry&) const = default;
};
inline constexpr std::size_t k_handle_entry_size = 40;
inline constexpr std::size_t k_handle_table_header = 16;  // NumberOfHandles, Reserved

// The entries of a SYSTEM_HANDLE_INFORMATION_EX buffer. Refuses a count the
// buffer cannot hold.
Result<std::vector<HandleEntry>> parse_handle_table(std::span<const std::byte> buf);

// One FILE_DIRECTORY_INFORMATION record of NtQueryDirectoryFile on the
// named pipe file system (\Device\NamedPipe\): for a pipe, EndOfFile is the
// number of instances and AllocationSize the most it allows (-1: unlimited).
struct PipeEntry {
  std::string name;
  std::int64_t instances = 0;
  std::int64_t max_instances = 0;
  bool operator==(const PipeEntry&) const = default;
};

// The records chained by NextEntryOffset; an offset that points backwards,
// outside the buffer or into a record is refused.
Result<std::vector<PipeEntry>> parse_pipe_listing(std::span<const std::byte> buf);

// Object names as Windows prints them and as refs carry them.
// "\Device\NamedPipe\foo" -> "foo" (the name under \\.\pipe\); nullopt for
// any other path. Also accepts "\Device\NamedPipe" + "\" + nested names.
std::optional<std::string> pipe_name_of(std::string_view nt_name);
// Likewise for mailslots under "\Device\Mailslot\".
std::optional<std::string> mailslot_name_of(std::string_view nt_name);

// The handles a socket is reached by on Windows: a File handle named
// "\Device\Afd" (or below it), or, under Wine, an unnamed one.
bool may_be_socket(std::string_view nt_name);
// The path of a SOCKADDR_UN that getsockname or getpeername filled `len`
// bytes of: up to the first NUL or `len`; empty for an unbound socket or a
// buffer that is not AF_UNIX (family 1).
std::string unix_path_of(std::span<const std::byte> addr);

// Access masks as the model's "r", "w", "rw" for an object type:
// File (pipes, mailslots): FILE_READ_DATA / FILE_WRITE_DATA;
// Section: SECTION_MAP_READ / SECTION_MAP_WRITE; Event, Semaphore, Mutant:
// SYNCHRONIZE (wait) is "r", *_MODIFY_STATE (signal, release) is "w".
std::string access_text(std::string_view type, std::uint32_t access);

} // namespace ipcctl::win
