#pragma once
// Options shared by the listing commands (ls now; show, graph later), with
// util-linux's names: -o, --json, --raw, --noheadings, --sort, --bytes.
#include <CLI/CLI.hpp>

#include <ipcctl/model/kind.hpp>

#include <string>
#include <vector>

namespace ipcctl::tools {

struct OutputOptions {
  bool json = false;
  bool jsonl = false;
  bool raw = false;
  bool noheadings = false;
  bool bytes = false;
  std::string output;  // -o: "COL,COL" or "+COL,COL" to add to the defaults
  std::string sort;    // --sort: "COL" or "-COL"
};

void add_output_options(CLI::App& cmd, OutputOptions& out);
// The hidden --proc-root for tests (as lscpu --sysroot).
void add_proc_root_option(CLI::App& cmd, std::string& root);

// "1,2,3" -> pids; throws UsageError on junk.
std::vector<int> parse_pid_list(const std::string& text);
// A user name or a numeric uid; throws UsageError when unknown.
std::uint32_t parse_user(const std::string& text);
// -t list; throws UsageError naming the unknown word.
model::KindSet parse_type_list(const std::string& text);

} // namespace ipcctl::tools
