#include <ipcctl/model/object.hpp>

#include <fmt/format.h>

namespace ipcctl::model {

std::string_view via_name(Via v) {
  switch (v) {
  case Via::fd: return "fd";
  case Via::map: return "map";
  case Via::attach: return "attach";
  }
  return "fd";
}

std::string key_text(std::uint32_t key) { return fmt::format("0x{:08x}", key); }
std::string mode_text(std::uint32_t mode) { return fmt::format("{:04o}", mode); }

const Value* Object::find(std::string_view key) const {
  for (const auto& f : detail)
    if (f.key == key) return &f.value;
  return nullptr;
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
