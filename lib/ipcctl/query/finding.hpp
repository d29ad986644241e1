#pragma once
// What ipcctl audit reports, apart from how it finds it: a finding and its
// severity, for the renderers (which build on every platform).
#include <ipcctl/api.hpp>
#include <ipcctl/model/object.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

IPCCTL_API_BEGIN

namespace ipcctl::query {

enum class Severity { info, low, medium, high };
std::string_view severity_name(Severity s);
std::optional<Severity> severity_from_name(std::string_view name);

struct Finding {
  std::string check;
  Severity severity = Severity::low;
  std::string ref;      // the object's ref, or "limit:NAME"
  std::string type;     // the object's type, or "limit"
  std::string summary;  // what is wrong with it, with names as they are: text output escapes them
  std::string why;      // why that matters
  std::string fix;      // a command, or what to do: one line, each name in it one shell word (shell_quote)
  std::vector<model::Holder> holders;
  // Other checks this finding covers, said in its summary rather than
  // reported apart: "world_readable" in a 0666 segment's world_writable.
  std::vector<std::string> also;
};

} // namespace ipcctl::query

IPCCTL_API_END
