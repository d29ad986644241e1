#include <ipcctl/model/object.hpp>

#include <fmt/format.h>

namespace ipcctl::model {

std::string_view via_name(Via v) {
  switch (v) {
  case Via::fd: return "fd";
  case Via::map: return "map";
  case Via::attach: return "attach";
  case Via::handle: return "handle";
  }
  return "fd";
}

std::string_view ns_type_name(NsType t) { return t == NsType::ipc ? "ipc" : "net"; }

std::optional<NsType> ns_type_of(Kind k) {
  switch (k) {
  case Kind::sysv_msg:
  case Kind::sysv_shm:
  case Kind::sysv_sem:
  case Kind::posix_mq: return NsType::ipc;
  case Kind::unix_socket:
  case Kind::tcp:
  case Kind::udp: return NsType::net;
  default: return std::nullopt;
  }
}

std::string ns_suffix(NsType t, std::uint64_t inode) { return fmt::format("@{}:{}", ns_type_name(t), inode); }

std::string key_text(std::uint32_t key) { return fmt::format("0x{:08x}", key); }
std::string mode_text(std::uint32_t mode) { return fmt::format("{:04o}", mode); }

const Value* Object::find(std::string_view key) const {
  for (const auto& f : detail)
    if (f.key == key) return &f.value;
  return nullptr;
}

std::optional<std::int64_t> Object::number(std::string_view key) const {
  const Value* v = find(key);
  const auto* n = v ? std::get_if<std::int64_t>(v) : nullptr;
  return n ? std::optional(*n) : std::nullopt;
}

const std::vector<std::int64_t>* Object::numbers(std::string_view key) const {
  const Value* v = find(key);
  return v ? std::get_if<std::vector<std::int64_t>>(v) : nullptr;
}

std::optional<Time> Object::time(std::string_view key) const {
  const Value* v = find(key);
  const auto* t = v ? std::get_if<Time>(v) : nullptr;
  return t ? std::optional(*t) : std::nullopt;
}

void Object::set(std::string key, Value v) {
  for (auto& f : detail) {
    if (f.key == key) {
      f.value = std::move(v);
      return;
    }
  }
  detail.push_back(Field{std::move(key), std::move(v)});
}

} // namespace ipcctl::model
