#pragma once
// The one place exceptions become exit statuses, for every executable:
// 0 done, 1 failed, 2 bad usage (CLI11's parse errors included).
#include <CLI/CLI.hpp>

#include <ipcctl/model/snapshot.hpp>

#include <functional>
#include <string>
#include <vector>
#include <string_view>

namespace ipcctl::tools {

// Parses, then runs `body`; prints "<prog>: <what>" for errors.
int run(CLI::App& app, int argc, char** argv, const std::function<int()>& body);

// Writes to stdout as is (a render::Sink); prints warnings to stderr.
void write_stdout(std::string_view text);
void print_warnings(const std::vector<std::string>& warnings);
// "ipcctl: CMD: REF: no such object", for each ref that named nothing; when
// the walk could not read some processes, says that they may hold it.
void print_missing(std::string_view cmd, const std::vector<std::string>& refs, const model::Snapshot& snap);

// Whether stdout is a terminal, and its width (0 when not a terminal).
bool stdout_is_tty();
std::size_t terminal_width();

} // namespace ipcctl::tools
