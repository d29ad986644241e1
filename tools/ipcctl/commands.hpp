#pragma once
// Each subcommand adds itself to the app and sets `action` when selected.
#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace ipcctl::tools {

using Action = std::function<int()>;

void setup_ls(CLI::App& app, Action& action);
void setup_show(CLI::App& app, Action& action);
void setup_mk(CLI::App& app, Action& action);
void setup_rm(CLI::App& app, Action& action);
void setup_limits(CLI::App& app, Action& action);
void setup_audit(CLI::App& app, Action& action);
void setup_graph(CLI::App& app, Action& action);
void setup_export(CLI::App& app, Action& action);

#ifdef _WIN32
// This process's arguments in UTF-8, whatever the console's code page, with
// the console set to print UTF-8 (windows.cpp).
std::vector<std::string> utf8_arguments();
#endif

} // namespace ipcctl::tools
