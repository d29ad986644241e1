#include <ipcctl/query/finding.hpp>

namespace ipcctl::query {

std::string_view severity_name(Severity s) {
  switch (s) {
  case Severity::info: return "info";
  case Severity::low: return "low";
  case Severity::medium: return "medium";
  case Severity::high: return "high";
  }
  return "?";
}

std::optional<Severity> severity_from_name(std::string_view name) {
  for (auto s : {Severity::info, Severity::low, Severity::medium, Severity::high})
    if (severity_name(s) == name) return s;
  return std::nullopt;
}

} // namespace ipcctl::query
