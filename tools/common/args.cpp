#include "common/args.hpp"

#include <ipcctl/util/error.hpp>
#include <ipcctl/util/parse.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace ipcctl::tools {

std::vector<int> parse_pid_list(const std::string& text) {
  std::vector<int> pids;
  std::string_view rest = text;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const auto word = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    const auto pid = to_i64(word);
    if (!pid || *pid <= 0 || *pid > 4194304) throw UsageError(fmt::format("-p: '{}' is not a process id", word));
    pids.push_back(static_cast<int>(*pid));
  }
  if (pids.empty()) throw UsageError("-p: no process id given");
  return pids;
}

model::KindSet parse_type_list(const std::string& text) {
  const auto parsed = model::parse_kinds(text);
  if (!parsed.unknown.empty())
    throw UsageError(fmt::format("-t: unknown type '{}'{} (see 'ipcctl ls --list-types')", parsed.unknown,
                                 did_you_mean(parsed.unknown, type_words())));
  if (parsed.kinds.empty()) throw UsageError("-t: no type given");
  return parsed.kinds;
}

std::vector<std::string> type_words() {
  std::vector<std::string> words;
  for (auto k : model::all_kinds()) words.emplace_back(model::kind_name(k));
#ifdef _WIN32
  for (const char* w : {"win", "socket", "all"}) words.emplace_back(w);
#else
  for (const char* w : {"sysv", "posix", "socket", "fd", "all"}) words.emplace_back(w);
#endif
  return words;
}

namespace {

// Optimal string alignment distance, letter case ignored.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  auto same = [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  };
  const std::size_t w = b.size() + 1;
  std::vector<std::size_t> d((a.size() + 1) * w);
  for (std::size_t i = 0; i <= a.size(); ++i) d[i * w] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = same(a[i - 1], b[j - 1]) ? 0 : 1;
      std::size_t best = std::min({d[(i - 1) * w + j] + 1, d[i * w + j - 1] + 1, d[(i - 1) * w + j - 1] + cost});
      if (i > 1 && j > 1 && same(a[i - 1], b[j - 2]) && same(a[i - 2], b[j - 1]))
        best = std::min(best, d[(i - 2) * w + j - 2] + 1);
      d[i * w + j] = best;
    }
  }
  return d.back();
}

} // namespace

std::string did_you_mean(std::string_view word, const std::vector<std::string>& names) {
  // Up to one edit in three letters, at least one: "lss" is ls, "x" is nothing.
  if (word.empty() || word.size() > 64) return {};
  const std::size_t limit = std::max<std::size_t>(1, word.size() / 3);
  const std::string* best = nullptr;
  std::size_t best_d = limit + 1;
  for (const auto& name : names) {
    const std::size_t d = edit_distance(word, name);
    if (d < best_d && d < name.size()) {
      best = &name;
      best_d = d;
    }
  }
  return best ? fmt::format("; did you mean '{}'?", *best) : std::string();
}

} // namespace ipcctl::tools
