// The -Q filter language: parse any text, and evaluate what parses on an
// object with every kind of cell (numbers, text, times, lists, nulls); and
// the text as a regex, on every engine.
#include <ipcctl/query/filter.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

using namespace ipcctl;

namespace {

model::Object sample() {
  model::Object o;
  o.kind = model::Kind::sysv_shm;
  o.ref = "sysv-shm:32769";
  o.id = 32769;
  o.key = 0x1234;
  o.name = "/x";
  o.mode = 0600;
  o.size = 4096;
  o.owner.uid = 0;
  o.owner.user = "root";
  o.holders.push_back(model::Holder{812, "postgres", 3, "rw", model::Via::map, 0});
  o.set(model::key::nattch, std::int64_t{1});
  o.set(model::key::ctime, model::Time{1764158400});
  o.set(model::key::values, std::vector<std::int64_t>{1, 2});
  o.set(model::key::pending, std::vector<std::string>{"SIGUSR1"});
  o.set(model::key::dest, false);
  o.set(model::key::lpid, model::Value{});
  return o;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const model::Object obj = sample();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto f = query::parse_filter(text);
  if (f) (void)f->matches(obj);
  // The input as a -Q regex on each engine (the fallback too), searched for in itself.
  for (auto e : {query::Regex::Engine::re2, query::Regex::Engine::std_regex})
    if (auto re = query::Regex::compile(text, e)) (void)re->search(text);
  return 0;
}
