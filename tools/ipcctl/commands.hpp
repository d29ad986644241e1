#pragma once
// Each subcommand adds itself to the app and sets `action` when selected.
#include <CLI/CLI.hpp>

#include <functional>

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

} // namespace ipcctl::tools
