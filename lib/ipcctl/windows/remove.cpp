// ipcctl rm on Windows: the ops entry points of ops/remove.hpp. Windows has
// no "remove": a named object lives while a handle to it is open. So every
// object is in use while it is listed, and removing one means closing its
// handles in the processes that hold them (as Process Explorer's "Close
// Handle" does), each only while it still refers to the object; the object
// then goes with the last one, and a fresh look says whether it went.
// For the same reason no Windows object is ever orphaned: one nobody holds
// is already gone (audit's orphaned check and rm --orphaned find nothing).
#include <ipcctl/ops/remove.hpp>

#include <ipcctl/collect.hpp>
#include <ipcctl/windows/collect.hpp>
#include <ipcctl/windows/nt.hpp>

#include <fmt/format.h>

#include <windows.h>

#include <algorithm>

namespace ipcctl::ops {

namespace {

// "held by 52 (app.exe, handle 0x1c), ..." or why no holder is named.
std::string holders_text(const model::Object& o) {
  std::string text;
  for (const auto& h : o.holders)
    text += fmt::format("{}{} ({}, handle 0x{:x})", text.empty() ? "" : ", ", h.pid, h.comm, h.fd.value_or(0));
  return text.empty() ? std::string("no handle to it could be seen") : "held by " + text;
}

} // namespace

// Every listed object has handles, or had: rm may try any of them.
bool removable(model::Kind k) {
  const auto kinds = model::all_kinds();
  return std::find(kinds.begin(), kinds.end(), k) != kinds.end();
}

std::string not_removable(model::Kind k) {
  return fmt::format("{} is not a type of Windows objects", model::kind_name(k));
}

model::KindSet removable_kinds() { return model::KindSet::all(); }

std::optional<std::string> in_use(const model::Object& o) {
  if (o.holders.empty()) return std::nullopt;
  return holders_text(o);
}

Verdict orphaned(const model::Object&, const model::Walk&, const Alive&, bool) {
  return Verdict{false, "Windows removes a named object with its last handle: a listed one is held", false};
}

// The process can be opened and has not exited; one we may not open exists.
bool process_alive(std::int64_t pid) {
  if (pid <= 0 || pid > 0xffffffffLL) return false;
  HANDLE h = ::OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, static_cast<DWORD>(pid));
  if (h == nullptr) return ::GetLastError() == ERROR_ACCESS_DENIED;
  DWORD code = 0;
  const bool alive = ::GetExitCodeProcess(h, &code) != 0 && code == STILL_ACTIVE;
  ::CloseHandle(h);
  return alive;
}

// Windows keeps no change time for a named object.
std::optional<std::int64_t> changed_at(const model::Object&) { return std::nullopt; }

Removal remove(const model::Object& o, bool force) {
  Removal r;
  if (!force) {
    r.status = Status::refused;
    r.reason = fmt::format("not removed: Windows removes a named object when its last handle closes; {}", holders_text(o));
    return r;
  }
  if (o.holders.empty()) {
    r.status = Status::refused;
    r.reason = "not removed: no handle to it could be seen";
    return r;
  }
  win::FileNamer namer;
  std::vector<std::string> errors;
  for (const auto& h : o.holders) {
    if (h.via != model::Via::handle || !h.fd) continue;  // a socket's owner: no handle to close
    const auto handle = static_cast<std::uint64_t>(static_cast<std::uint32_t>(*h.fd));
    if (auto closed = win::close_handle_of(static_cast<std::uint64_t>(h.pid), handle, o.ref, namer))
      r.steps.push_back(fmt::format("closed handle 0x{:x} in {} ({})", handle, h.pid, h.comm));
    else
      errors.push_back(closed.error().message());
  }
  // Did the object go with the handles?
  CollectOptions again;
  again.kinds = model::KindSet::none();
  again.kinds.add(o.kind);
  auto after = collect(again);
  if (!after) {
    errors.push_back(fmt::format("whether it went is not known: {}", after.error().message()));
  } else {
    const auto it = std::find_if(after->objects.begin(), after->objects.end(),
                                 [&](const model::Object& now) { return now.ref == o.ref; });
    if (it != after->objects.end()) errors.push_back(fmt::format("still exists: {}", holders_text(*it)));
  }
  if (errors.empty()) {
    r.status = Status::removed;
    return r;
  }
  r.status = Status::failed;
  for (const auto& e : errors) r.reason += (r.reason.empty() ? "" : "; ") + e;
  return r;
}

} // namespace ipcctl::ops
