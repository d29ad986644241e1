// ipcctl: list, inspect, create and remove IPC objects.
#include "common/run.hpp"
#include "ipcctl/commands.hpp"
#include "ipcctl_version.h"

#include <ipcctl/util/error.hpp>

#include <fmt/format.h>

int main(int argc, char** argv) {
  using namespace ipcctl::tools;
  CLI::App app{"ipcctl: every IPC object of this machine, with the processes that hold it", "ipcctl"};
  app.set_version_flag("-V,--version", std::string("ipcctl ") + IPCCTL_VERSION);
  app.require_subcommand(1);
  app.footer("Run 'ipcctl help COMMAND' or 'ipcctl COMMAND --help' for a command's options.\n"
             "Exit status: 0 done, 1 failed, 2 bad usage.");

  Action action;
  setup_ls(app, action);
  setup_show(app, action);
  setup_mk(app, action);
  setup_rm(app, action);
  setup_limits(app, action);
  setup_audit(app, action);
  setup_graph(app, action);
  setup_export(app, action);

  std::string topic;
  auto* help = app.add_subcommand("help", "show help for a command");
  help->add_option("command", topic, "the command")->type_name("COMMAND");
  help->callback([&] {
    action = [&]() -> int {
      if (topic.empty()) {
        write_stdout(app.help());
        return 0;
      }
      for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
        if (sub->get_name() == topic) {
          write_stdout(sub->help(app.get_name()));
          return 0;
        }
      }
      throw ipcctl::UsageError(fmt::format("help: unknown command '{}'", topic));
    };
  });

  // CLI11 reports an unknown command as "a subcommand is required": name it.
  auto known = [&](const char* name) {
    return !app.get_subcommands([&](CLI::App* sub) { return sub->check_name(name); }).empty();
  };
  if (argc > 1 && argv[1][0] != '-' && !known(argv[1])) {
    eprint("ipcctl: unknown command '{}' (see 'ipcctl --help')\n", argv[1]);
    return 2;
  }
  return run(app, argc, argv, [&] { return action ? action() : 0; });
}
