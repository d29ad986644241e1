#pragma once
// The one place exceptions become exit statuses, for every executable:
// 0 done, 1 failed, 2 bad usage (CLI11's parse errors included).
#include <CLI/CLI.hpp>

#include <functional>
#include <string_view>

namespace ipcctl::tools {

// Parses, then runs `body`; prints "<prog>: <what>" for errors.
int run(CLI::App& app, int argc, char** argv, const std::function<int()>& body);

// Whether stdout is a terminal, and its width (0 when not a terminal).
bool stdout_is_tty();
std::size_t terminal_width();

} // namespace ipcctl::tools
