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

std::optional<NsType> ns_type_of(Kind k) { return describe(k).ns; }

std::string ns_suffix(NsType t, std::uint64_t inode) { return fmt::format("@{}:{}", ns_type_name(t), inode); }

std::string key_text(std::uint32_t key) { return fmt::format("0x{:08x}", key); }
std::string mode_text(std::uint32_t mode) { return fmt::format("{:04o}", mode); }

// Keys compare by name: a key's constant is one object in the library, but
// a program using the installed library may hold its own copy of it.
const Value* Object::find(const DetailKey& key) const { return find_named(key.name); }

const Value* Object::find_named(std::string_view name) const {
  for (const auto& f : detail)
    if (f.key->name == name) return &f.value;
  return nullptr;
}

std::optional<std::int64_t> Object::number(const DetailKey& key) const {
  const Value* v = find(key);
  const auto* n = v ? std::get_if<std::int64_t>(v) : nullptr;
  return n ? std::optional(*n) : std::nullopt;
}

const std::vector<std::int64_t>* Object::numbers(const DetailKey& key) const {
  const Value* v = find(key);
  return v ? std::get_if<std::vector<std::int64_t>>(v) : nullptr;
}

std::optional<Time> Object::time(const DetailKey& key) const {
  const Value* v = find(key);
  const auto* t = v ? std::get_if<Time>(v) : nullptr;
  return t ? std::optional(*t) : std::nullopt;
}

std::optional<bool> Object::flag(const DetailKey& key) const {
  const Value* v = find(key);
  const auto* b = v ? std::get_if<bool>(v) : nullptr;
  return b ? std::optional(*b) : std::nullopt;
}

void Object::set(const DetailKey& key, Value v) {
  for (auto& f : detail) {
    if (f.key->name == key.name) {
      f.value = std::move(v);
      return;
    }
  }
  detail.push_back(Field{&key, std::move(v)});
}

} // namespace ipcctl::model
