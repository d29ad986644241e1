// Records stay small and flat so the tracer can write them between two
// ptrace stops without allocating per event; everything with a variable
// length goes to the batch's tables, which are cleared, not freed.
#include <ipcctl/trace/event.hpp>

#include <fmt/format.h>

namespace ipcctl::trace {

std::string_view op_name(Op op) {
  switch (op) {
  case Op::send: return "send";
  case Op::recv: return "recv";
  case Op::create: return "create";
  case Op::open: return "open";
  case Op::bind: return "bind";
  case Op::connect: return "connect";
  case Op::accept: return "accept";
  case Op::close: return "close";
  case Op::unlink: return "unlink";
  case Op::attach: return "attach";
  case Op::detach: return "detach";
  case Op::sem_op: return "sem_op";
  case Op::sem_set: return "sem_set";
  case Op::notify: return "notify";
  case Op::signal_send: return "signal_send";
  case Op::signal_deliver: return "signal_deliver";
  case Op::fd_pass: return "fd_pass";
  }
  return "?";
}

std::string_view dir_name(Dir d) {
  switch (d) {
  case Dir::out: return "out";
  case Dir::in: return "in";
  case Dir::none: break;
  }
  return "";
}

std::uint32_t StringTable::add(std::string s) {
  if (s.empty()) return 0;
  m_strings.push_back(std::move(s));
  return static_cast<std::uint32_t>(m_strings.size() - 1);
}

const std::string& StringTable::get(std::uint32_t i) const {
  return i < m_strings.size() ? m_strings[i] : m_strings[0];
}

std::uint32_t Batch::add_payload(std::string bytes) {
  payloads.push_back(std::move(bytes));
  return static_cast<std::uint32_t>(payloads.size() - 1);
}

void Batch::clear() {
  records.clear();
  strings.clear();
  payloads.resize(1);
  in_flight_since = 0;
}

std::string channel_ref(const Record& r, std::string_view name) {
  const std::string_view kind = model::kind_name(r.kind);
  switch (r.kind) {
  case model::Kind::fifo:
  case model::Kind::posix_mq:
  case model::Kind::posix_shm:
  case model::Kind::posix_sem:
    if (name.empty()) return {};
    return fmt::format("{}:{}", kind, name);
  case model::Kind::signal:
    if (!(r.flags & k_has_target)) return {};
    return fmt::format("signal:{}", r.target);
  default:
    if (!(r.flags & k_has_channel)) return {};
    return fmt::format("{}:{}", kind, r.channel);
  }
}

} // namespace ipcctl::trace
