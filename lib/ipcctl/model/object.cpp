#include <ipcctl/model/object.hpp>

namespace ipcctl::model {

std::string_view via_name(Via v) {
  switch (v) {
  case Via::fd: return "fd";
  case Via::map: return "map";
  case Via::attach: return "attach";
  }
  return "fd";
}

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
