#include <ipcctl/windows/create.hpp>

#include <fmt/format.h>

#include <windows.h>

namespace ipcctl::win {

namespace {

// The handle of a just-made named object, refused when the name was taken:
// Create* then opens the existing object and says so only in GetLastError.
Result<Handle> made(HANDLE h, const std::string& what) {
  const DWORD error = ::GetLastError();
  // ERROR_INVALID_HANDLE: the name is taken by an object of another type.
  if ((h == nullptr || h == INVALID_HANDLE_VALUE) && error == ERROR_INVALID_HANDLE)
    return fail(Error{EEXIST, "create", what, {}});
  if (h == nullptr || h == INVALID_HANDLE_VALUE) return fail(win_error(error, "create", what));
  Handle handle(h);
  if (error == ERROR_ALREADY_EXISTS) return fail(Error{EEXIST, "create", what, {}});
  return handle;
}

} // namespace

Result<Created> create(const CreateRequest& r) {
  using model::Kind;
  const std::wstring name = wide(r.name);
  Result<Handle> h = fail(Error{EINVAL, "create", r.name, "mk makes pipes, mailslots, events, mutexes, semaphores and sections"});
  ::SetLastError(0);
  switch (r.kind) {
  case Kind::win_pipe: {
    const std::wstring path = L"\\\\.\\pipe\\" + name;
    const DWORD mode = r.message_mode ? PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE : PIPE_TYPE_BYTE;
    // FILE_FLAG_FIRST_PIPE_INSTANCE refuses a taken name on Windows; Wine
    // ignores it, so ask first (without taking an instance) whether any
    // instance of the name exists.
    if (::WaitNamedPipeW(path.c_str(), 1) || ::GetLastError() != ERROR_FILE_NOT_FOUND)
      return fail(Error{EEXIST, "create", r.name, {}});
    ::SetLastError(0);
    h = made(::CreateNamedPipeW(path.c_str(), PIPE_ACCESS_DUPLEX | FILE_FLAG_FIRST_PIPE_INSTANCE, mode | PIPE_WAIT,
                                PIPE_UNLIMITED_INSTANCES, 64 * 1024, 64 * 1024, 0, nullptr),
             r.name);
    if (!h && h.error().code == EACCES) h = fail(Error{EEXIST, "create", r.name, {}});  // the first instance exists
    if (!h) return fail(h.error());
    return Created{std::move(*h), fmt::format("win-pipe:\\\\.\\pipe\\{}", r.name)};
  }
  case Kind::win_mailslot: {
    const std::wstring path = L"\\\\.\\mailslot\\" + name;
    h = made(::CreateMailslotW(path.c_str(), 0, MAILSLOT_WAIT_FOREVER, nullptr), r.name);
    if (!h) return fail(h.error());
    return Created{std::move(*h), fmt::format("win-mailslot:\\\\.\\mailslot\\{}", r.name)};
  }
  case Kind::win_event:
    h = made(::CreateEventW(nullptr, r.manual_reset, r.signaled, name.c_str()), r.name);
    break;
  case Kind::win_mutant:
    h = made(::CreateMutexW(nullptr, FALSE, name.c_str()), r.name);
    break;
  case Kind::win_semaphore:
    h = made(::CreateSemaphoreW(nullptr, r.value, r.maximum, name.c_str()), r.name);
    break;
  case Kind::win_section: {
    const auto size = static_cast<std::uint64_t>(r.size);
    h = made(::CreateFileMappingW(INVALID_HANDLE_VALUE, nullptr, PAGE_READWRITE, static_cast<DWORD>(size >> 32),
                                  static_cast<DWORD>(size & 0xffffffffu), name.c_str()),
             r.name);
    break;
  }
  default:
    break;
  }
  if (!h) return fail(h.error());
  auto full = object_name(h->get());
  if (!full) return fail(full.error());
  return Created{std::move(*h), fmt::format("{}:{}", model::kind_name(r.kind), *full)};
}

} // namespace ipcctl::win
