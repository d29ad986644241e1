#pragma once
// What a Windows source reads: the SourceContext windows/collect.cpp
// prepares once per collection. It holds the process names, the named
// objects of the object directories, the IP helper's TCP and UDP rows, and
// the walk of the system handle table: what each handle to an object of a
// listed kind refers to, asked of its first handle. Each source then lists
// its kind and joins its holders from the walk, as the Linux sources join
// theirs from the /proc walk. Windows only.
#include <ipcctl/collect.hpp>
#include <ipcctl/windows/nt.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace ipcctl {

namespace win {

// A named object of an object directory: its NT type ("Event") and path.
struct NamedEntry {
  std::string type;
  std::string path;
};

// One kernel object the handle table shows, as its first handle said it.
struct SeenObject {
  std::string type;                        // its NT type ("Event", "File")
  std::optional<model::Kind> kind;         // a named object, pipe or mailslot: its kind and name
  std::string name;
  std::optional<SocketEnds> socket;        // a socket: its ends
  std::optional<std::string> inet_ref;     // an inet socket: the IP helper's row it is ("tcp:A,B", "udp:A")
  std::optional<PipeEnds> ends;            // a pipe handle: its end
  std::uint64_t address = 0, first_pid = 0, first_handle = 0;
};

// One handle to a SeenObject.
struct HandleUse {
  std::size_t object = 0;  // index into SourceContext::seen
  std::uint64_t pid = 0, handle = 0;
  std::uint32_t access = 0;
};

} // namespace win

class SourceContext {
public:
  std::optional<std::string> wine;                          // Wine's version, nullopt on Windows
  std::unordered_map<std::uint64_t, std::string> names;     // pid -> image name
  std::vector<win::NamedEntry> named;                       // under \BaseNamedObjects and each session's
  std::optional<std::vector<win::InetRow>> tcp, udp;        // the IP helper's rows (nullopt: not read)
  std::vector<win::SeenObject> seen;                        // the handle walk
  std::vector<win::HandleUse> handles;

  // " (not implemented by Wine 8.0)" under Wine, else "".
  std::string wine_note() const;
};

namespace win {

const Source& section_source();
const Source& event_source();
const Source& mutant_source();
const Source& semaphore_source();
const Source& alpc_source();
const Source& pipe_source();
const Source& mailslot_source();
const Source& tcp_source();
const Source& udp_source();
const Source& unix_socket_source();

} // namespace win

} // namespace ipcctl
