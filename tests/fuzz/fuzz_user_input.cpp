// What users type: refs, type lists, sizes, modes, keys, POSIX names,
// durations, column lists, ipcbench's size lists; and the small texts read
// beside them: /proc/PID/cgroup (containers), /proc/cpuinfo, /proc/stat and
// /proc/loadavg (ipcbench's machine line). Each must be accepted or refused
// with a message, whatever the bytes. The selector's high bit is a flag.
#include <ipcctl/bench/machine.hpp>
#include <ipcctl/bench/message.hpp>
#include <ipcctl/linux/namespaces.hpp>
#include <ipcctl/model/kind.hpp>
#include <ipcctl/ops/create.hpp>
#include <ipcctl/ops/remove.hpp>
#include <ipcctl/query/column.hpp>
#include <ipcctl/query/ref.hpp>
#include <ipcctl/util/parse.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

using namespace ipcctl;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  switch ((data[0] & 0x7f) % 11) {
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
  case 8: (void)sys::parse_container(text); break;
  case 9: {
    std::string bad;
    (void)bench::parse_size_list(text, &bad);
    for (const auto& name : split_commas(text)) (void)query::find_column(name);  // -o, --sort
    break;
  }
  case 10: {
    double l1 = 0, l5 = 0, l15 = 0;
    (void)bench::parse_cpu_model(text);
    (void)bench::parse_hypervisor(text);
    (void)bench::parse_cpu_times(text);
    (void)bench::parse_loadavg(text, l1, l5, l15);
    break;
  }
  }
  return 0;
}
