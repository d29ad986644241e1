#pragma once
// Creating IPC objects (ipcctl mk): checks of what the user typed, then one
// exclusive creation per type. Nothing here opens or replaces an object that
// already exists: creation fails with EEXIST instead.
#include <ipcctl/api.hpp>
#include <ipcctl/model/object.hpp>
#include <ipcctl/util/result.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

IPCCTL_API_BEGIN

namespace ipcctl::ops {

// What to create. Fields that do not apply to `kind` are ignored.
struct CreateRequest {
  model::Kind kind = model::Kind::sysv_shm;
  std::string name;           // posix-*: "/name" (parse_posix_name); fifo: absolute path (fifo_path)
  std::uint32_t key = 0;      // sysv-*: 0 is IPC_PRIVATE
  std::uint32_t mode = 0600;  // set exactly, whatever the umask
  std::int64_t size = 0;      // sysv-shm (at least 1), posix-shm
  std::int64_t nsems = 1;     // sysv-sem
  std::int64_t value = 0;     // sysv-sem (every semaphore), posix-sem
  std::optional<std::int64_t> maxmsg, msgsize;  // posix-mq; unset: the system's default
  // sysv-*, posix-mq: the IPC namespace to create it in (see
  // sys::run_in_namespace); unset or own: ipcctl's own.
  std::optional<model::Namespace> ns;
};

// The kinds mk can create: sysv-msg, sysv-shm, sysv-sem, posix-mq, posix-shm, posix-sem, fifo.
bool creatable(model::Kind k);

// --- pure checks of the user's text. Errors have code 0 and a message()
// that names what is wrong and what is accepted, on one line.

// "/name" or "name" -> "/name". One leading slash at most, no other slash,
// not "." or "..", not empty, at most NAME_MAX bytes (NAME_MAX - 4 for
// posix-sem, whose file is /dev/shm/sem.NAME).
Result<std::string> parse_posix_name(std::string_view text, model::Kind kind);
// "4096", "4K", "1M", "1G": bytes, binary units; no sign, no overflow.
Result<std::int64_t> parse_object_size(std::string_view text);
// Octal permission bits "600", "0640", at most 07777.
Result<std::uint32_t> parse_mode(std::string_view text);
// A SysV key: "private" (0, IPC_PRIVATE), decimal, or hexadecimal "0x1234";
// within 32 bits.
Result<std::uint32_t> parse_key(std::string_view text);
// The key ftok(3) makes for a file: low 16 bits of the inode, low 8 bits of
// the device, low 8 bits of `proj`.
std::uint32_t ftok_key(std::uint64_t dev, std::uint64_t ino, int proj);
// The combination of fields for the request's kind: a mode a SysV or POSIX
// object can take (0777 at most but for FIFOs), sizes, nsems, semaphore
// values (SEMVMX, SEM_VALUE_MAX), queue attributes at least 1.
Result<void> check_request(const CreateRequest& r);

// --- checks that look at the file system. Errors have the errno.

// ftok(path, proj). ENOENT etc. when `path` cannot be stat'ed; code 0 when
// proj is not within 1..255.
Result<std::uint32_t> key_from_path(const std::string& path, int proj);
// The absolute path a FIFO at `path` gets: its directory resolved, its last
// component kept. ENOENT/ENOTDIR when the directory does not exist; code 0
// for an empty path or one ending in "/", "." or "..".
Result<std::string> fifo_path(std::string_view path);

// Creates the object, exclusively, with exactly r.mode, and describes it:
// ref ("sysv-shm:ID", "posix-mq:/NAME", "fifo:/abs/path"), kind, id, key,
// name, inode, mode, size, owner ids, and the detail keys of its type that
// creation sets (nsems and values, maxmsg and msgsize, value).
// Errors carry errno: EEXIST when the object exists (it is left untouched),
// EACCES, ENOSPC, EINVAL... For a limit the request exceeds, `detail` names
// the limit and the sysctl that raises it (message() shows strerror only:
// callers print detail as well). A half-made object (mode or initial values
// could not be set) is removed before returning the error.
Result<model::Object> create(const CreateRequest& r);

} // namespace ipcctl::ops

IPCCTL_API_END
