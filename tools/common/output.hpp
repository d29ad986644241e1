#pragma once
// How listings are printed, on every platform: util-linux's -o, --json,
// --jsonl, --raw, --noheadings, --sort, --bytes, -W (--wrap),
// --no-truncate, --color, and --csv; and the list of columns and types.
#include <CLI/CLI.hpp>

#include <ipcctl/model/object.hpp>
#include <ipcctl/model/snapshot.hpp>
#include <ipcctl/query/column.hpp>

#include <span>
#include <string>
#include <vector>

namespace ipcctl::tools {

struct OutputOptions {
  bool json = false;
  bool jsonl = false;
  bool csv = false;
  bool raw = false;
  bool wrap = false;         // -W: wrap every wide column, cut none
  bool no_truncate = false;  // neither cut nor wrap
  std::string color = "auto";  // --color: auto, always, never
  bool noheadings = false;
  bool bytes = false;
  std::string output;  // -o: "COL,COL" or "+COL,COL" to add to the defaults
  std::string sort;    // --sort: "COL" or "-COL"
};

void add_output_options(CLI::App& cmd, OutputOptions& out);

// The columns -o names, or the defaults for these kinds (with the
// namespace columns where namespaces are listed). UsageError on an unknown name.
std::vector<const query::Column*> pick_columns(const std::string& spec, const model::KindSet& kinds,
                                               bool namespaces);

// Whether to colour what goes to standard output (fd 1) or standard error
// (fd 2): --color=always or never says so; auto colours a terminal whose
// TERM is set and not "dumb", unless NO_COLOR is set and not empty.
bool use_color(const std::string& when, int fd);

// Checks --json against --jsonl and the -o and --sort names (UsageError),
// then sorts and prints `objects` as the options say, and the warnings.
class Listing {
public:
  Listing(const OutputOptions& out, const model::KindSet& kinds, bool namespaces);
  // `about`: what each warning counts, for JSON (see render::write_json).
  void print(std::vector<model::Object>& objects, const std::vector<std::string>& warnings, bool summary,
             std::span<const model::WarningSubjects> about = {}) const;
  // The --sort column, or null.
  const query::Column* sort_column() const { return m_sort; }
  // Whether the listing can be written as collect() hands over the objects
  // (ObjectSink): JSON or JSON lines in the default order.
  bool streams(bool summary) const { return (m_out.json || m_out.jsonl) && m_sort == nullptr && !summary; }
  // Prints the warnings on stderr, as print() does after a table.
  void warn(const std::vector<std::string>& warnings) const;

private:
  const OutputOptions& m_out;
  std::vector<const query::Column*> m_columns;
  const query::Column* m_sort = nullptr;
  bool m_descending = false;
};

// ls --list-columns and --list-types: prints what was asked for, and
// whether anything was.
bool print_lists(bool columns, bool types);

} // namespace ipcctl::tools
