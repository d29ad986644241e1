#pragma once
// ipcbench on Windows: each mechanism is a pair of channel ends, one made by
// the measuring process, the other opened by a child process (ipcbench.exe
// itself, started with the child's argument). Windows only.
#include <ipcctl/util/result.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace ipcctl::win::bench {

// One end of a channel. send() delivers the whole buffer; recv() fills the
// whole buffer (one message for the message-oriented mechanisms).
class Channel {
public:
  virtual ~Channel() = default;
  virtual Result<void> send(std::span<const std::byte> msg) = 0;
  virtual Result<void> recv(std::span<std::byte> msg) = 0;
};

struct Opened {
  std::unique_ptr<Channel> channel;
  std::string child_arg;         // what the child needs to open its end
  std::vector<void*> inherit;    // handles the child must inherit (anonymous pipes)
};

struct Mechanism {
  std::string_view name;
  std::string_view help;
  bool round_trip = true;    // false: one way only (mailslot), measured as throughput
  std::size_t max_size = 0;  // largest message; 0: any
  // Why it has no one-way stream to measure (empty: it has one).
  std::string_view no_stream;
  bool lossy = false;        // datagrams may be dropped (UDP): counted, not an error
  // The measuring end, made before the child starts; `tag` makes names unique.
  std::function<Result<Opened>(const std::string& tag, std::size_t size)> make;
  // The child's end, from child_arg, once the child runs.
  std::function<Result<std::unique_ptr<Channel>>(const std::string& arg, std::size_t size)> open;
  // Called on the measuring end once the child has opened its end (accept, connect).
  std::function<Result<void>(Channel&)> accept;
};

std::span<const Mechanism> mechanisms();
const Mechanism* find_mechanism(std::string_view name);

// Why a mechanism cannot run here (AF_UNIX on a Windows or Wine without
// it), or empty.
std::string unavailable(const Mechanism& m);

} // namespace ipcctl::win::bench
