#include "common/output.hpp"

#include "common/args.hpp"
#include "common/run.hpp"

#include <ipcctl/query/select.hpp>
#include <ipcctl/render/csv.hpp>
#include <ipcctl/render/json.hpp>
#include <ipcctl/render/text.hpp>
#include <ipcctl/util/error.hpp>

#include <fmt/format.h>

#ifdef _WIN32
#include <io.h>
#else
#include <unistd.h>
#endif

#include <algorithm>
#include <cstdlib>
#include <string_view>
#include <utility>
#include <vector>

namespace ipcctl::tools {

namespace {

// "; did you mean 'NAME'?" for a column name that is not one.
std::string column_hint(std::string_view name) {
  std::vector<std::string> names;
  for (const auto& c : query::all_columns()) names.emplace_back(c.name);
  return did_you_mean(name, names);
}

} // namespace

void add_output_options(CLI::App& cmd, OutputOptions& out) {
  cmd.add_flag("-J,--json", out.json, "print JSON (the ipcctl-json(7) contract)");
  cmd.add_flag("--jsonl", out.jsonl, "print one JSON object per line");
  cmd.add_flag("--csv", out.csv, "print CSV (RFC 4180): a line of headings, then one per object");
  cmd.add_flag("-r,--raw", out.raw, "print cells separated by one space, unaligned");
  cmd.add_flag("-W,--wrap", out.wrap, "wrap wide cells onto continuation lines rather than cut them");
  cmd.add_flag("--no-truncate", out.no_truncate, "neither cut nor wrap: one line per object, however long");
  cmd.add_option("--color", out.color, "colour types, socket states, errors and warnings: auto (a terminal, "
                                       "without NO_COLOR), always, never")
      ->type_name("WHEN")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  cmd.add_flag("-n,--noheadings", out.noheadings, "do not print headings");
  cmd.add_flag("-b,--bytes", out.bytes, "print sizes in bytes, not 4K/1M");
  cmd.add_option("-o,--output", out.output, "columns to print, comma separated; +COL,... adds to the defaults")
      ->type_name("COLS");
  cmd.add_option("--sort", out.sort, "sort by COL; -COL sorts descending")->type_name("COL");
}

std::vector<const query::Column*> pick_columns(const std::string& spec, const model::KindSet& kinds,
                                               bool namespaces) {
  if (spec.empty()) return query::default_columns(kinds, namespaces);
  std::string_view rest = spec;
  std::vector<const query::Column*> cols;
  if (rest.front() == '+') {
    cols = query::default_columns(kinds, namespaces);
    rest.remove_prefix(1);
  }
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string name(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    if (name.empty()) continue;
    const query::Column* c = query::find_column(name);
    if (c == nullptr) throw UsageError(fmt::format("-o: unknown column '{}'{} (see --list-columns)", name, column_hint(name)));
    cols.push_back(c);
  }
  if (cols.empty()) throw UsageError("-o: no column given");
  return cols;
}

bool use_color(const std::string& when, int fd) {
  if (when == "always") return true;
  if (when == "never") return false;
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color != nullptr && *no_color != '\0') return false;
  const char* term = std::getenv("TERM");
  if (term == nullptr || std::string_view(term).empty() || std::string_view(term) == "dumb") return false;
#ifdef _WIN32
  return ::_isatty(fd) != 0;
#else
  return ::isatty(fd) == 1;
#endif
}

Listing::Listing(const OutputOptions& out, const model::KindSet& kinds, bool namespaces)
    : m_out(out), m_columns(pick_columns(out.output, kinds, namespaces)) {
  if (out.json && out.jsonl) throw UsageError("--json and --jsonl exclude each other");
  if (out.csv && (out.json || out.jsonl || out.raw))
    throw UsageError(fmt::format("--csv and {} exclude each other", out.json ? "--json" : out.jsonl ? "--jsonl" : "--raw"));
  if (out.wrap && out.no_truncate) throw UsageError("-W (--wrap) and --no-truncate exclude each other");
  if (out.sort.empty()) return;
  std::string_view name = out.sort;
  if (name.front() == '-') {
    m_descending = true;
    name.remove_prefix(1);
  }
  m_sort = query::find_column(name);
  if (m_sort == nullptr) throw UsageError(fmt::format("--sort: unknown column '{}'{} (see --list-columns)", name, column_hint(name)));
}

void Listing::print(std::vector<model::Object>& objects, const std::vector<std::string>& warnings,
                    bool summary, std::span<const model::WarningSubjects> about) const {
  query::sort_default(objects);
  if (m_sort != nullptr) query::sort_by(objects, *m_sort, m_descending);

  render::TableOptions topts;
  topts.raw = m_out.raw;
  topts.headings = !m_out.noheadings;
  topts.exact_bytes = m_out.bytes || m_out.raw;
  topts.width = m_out.raw ? 0 : terminal_width();
  topts.overflow = m_out.wrap ? render::Overflow::wrap
                   : m_out.no_truncate ? render::Overflow::keep
                                       : render::Overflow::fit;
  // JSON and CSV are for programs: never coloured.
  topts.color = !m_out.raw && !m_out.csv && !m_out.jsonl && use_color(m_out.color, 1);

  if (m_out.json) {
    render::write_json(objects, warnings, write_stdout, about);
    return;
  }
  if (m_out.csv && summary) throw UsageError("--csv and --summary exclude each other");
  if (m_out.jsonl) render::write_jsonl(objects, write_stdout);
  else if (m_out.csv) write_stdout(render::render_csv(objects, m_columns, {.headings = !m_out.noheadings}));
  else if (summary) write_stdout(render::render_summary(objects, topts));
  else write_stdout(render::render_table(objects, m_columns, topts));
  warn(warnings);
}

void Listing::warn(const std::vector<std::string>& warnings) const {
  if (!use_color(m_out.color, 2)) {
    print_warnings(warnings);
    return;
  }
  flush_stdout();
  if (quiet()) return;
  for (const auto& w : warnings) {
    write_stderr("\033[33m");
    eprint("ipcctl: warning: {}", w);
    write_stderr("\033[0m\n");
  }
}

namespace {

void print_columns() {
  for (const auto& c : query::all_columns()) print_out("{:>16}  {}\n", c.name, c.help);
}

// The kinds, then the families their descriptors name, each with its kinds.
void print_types() {
  std::vector<std::pair<std::string_view, std::string>> families;
  for (auto k : model::all_kinds()) {
    const auto& d = model::describe(k);
    print_out("{:>13}  {}\n", d.name, d.help);
    if (d.family.empty()) continue;
    auto it = std::find_if(families.begin(), families.end(), [&](const auto& f) { return f.first == d.family; });
    if (it == families.end()) it = families.insert(families.end(), {d.family, {}});
    it->second += fmt::format("{}{}", it->second.empty() ? "" : ", ", d.name);
  }
  for (const auto& [family, kinds] : families) print_out("{:>13}  {}\n", family, kinds);
}

} // namespace

bool print_lists(bool columns, bool types) {
  if (columns) print_columns();
  else if (types) print_types();
  return columns || types;
}

} // namespace ipcctl::tools
