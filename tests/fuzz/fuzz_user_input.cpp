// What users type: refs, type lists, sizes, modes, keys, POSIX names,
// durations. Each must be accepted or refused with a message, whatever the
// bytes.
#include <ipcctl/model/kind.hpp>
#include <ipcctl/ops/create.hpp>
#include <ipcctl/ops/remove.hpp>
#include <ipcctl/query/ref.hpp>
#include <ipcctl/util/parse.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

using namespace ipcctl;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 8) {
  case 0:
    if (auto q = query::parse_ref(text)) {
      model::Object o;
      o.ref = std::string(text);
      (void)q->matches(o);
      (void)q->file();
    }
    break;
  case 1: (void)model::parse_kinds(text); break;
  case 2: (void)ops::parse_object_size(text); break;
  case 3: (void)ops::parse_mode(text); break;
  case 4: (void)ops::parse_key(text); break;
  case 5: (void)ops::parse_posix_name(text, data[0] & 0x80 ? model::Kind::posix_sem : model::Kind::posix_shm); break;
  case 6: (void)ops::parse_duration(text); break;
  case 7: (void)parse_size(text); break;
  }
  return 0;
}
