#pragma once
// ipcctl mk on Windows: a named pipe, mailslot, event, mutex, semaphore or
// section, created exclusively (an existing object is never opened). Windows
// removes a named object when its last handle closes, so the caller keeps
// the returned handle for as long as the object is to live. Windows only.
#include <ipcctl/model/kind.hpp>
#include <ipcctl/util/result.hpp>
#include <ipcctl/windows/nt.hpp>

#include <cstdint>
#include <string>

namespace ipcctl::win {

struct CreateRequest {
  model::Kind kind = model::Kind::win_event;
  std::string name;                 // as Win32 takes it: "app-ready", "Global\\app-ready"; a pipe's NAME
  std::int64_t size = 4096;         // section
  std::int32_t value = 0;           // semaphore: initial count
  std::int32_t maximum = 1;         // semaphore: largest count
  bool manual_reset = false;        // event
  bool signaled = false;            // event: initially set
  bool message_mode = false;        // pipe: PIPE_TYPE_MESSAGE
};

struct Created {
  Handle handle;
  std::string ref;  // "win-event:\Sessions\1\BaseNamedObjects\app-ready", "win-pipe:\\.\pipe\NAME"
};

// Fails with EEXIST when the name is taken, EINVAL for a kind mk cannot make.
Result<Created> create(const CreateRequest& r);

} // namespace ipcctl::win
