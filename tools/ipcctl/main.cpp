// ipcctl: list, inspect, create and remove IPC objects.
#include "common/args.hpp"
#include "common/run.hpp"
#include "ipcctl/commands.hpp"
#include "ipcctl_version.h"

#include <ipcctl/util/error.hpp>

#include <fmt/format.h>

#include <memory>
#include <string>
#include <vector>

namespace {

// CLI11's formatter, but with "Needs:" and "Excludes:" at the end of the
// description, where they read as part of it, not after the option's name,
// where they pushed the description onto a line of its own.
class Formatter : public CLI::Formatter {
public:
  std::string make_option_opts(const CLI::Option* opt) const override {
    std::string opts = CLI::Formatter::make_option_opts(opt);
    if (!opt->get_option_text().empty()) return opts;
    for (const char* label : {"Needs", "Excludes"})
      if (const auto at = opts.find(" " + get_label(label) + ":"); at != std::string::npos) opts.erase(at);
    return opts;
  }
  std::string make_option_desc(const CLI::Option* opt) const override {
    std::string desc = CLI::Formatter::make_option_desc(opt);
    if (!opt->get_option_text().empty()) return desc;
    auto names = [](const auto& options) {
      std::string text;
      for (const CLI::Option* o : options) text += (text.empty() ? "" : ", ") + o->get_name();
      return text;
    };
    if (!opt->get_needs().empty()) desc += fmt::format(" (needs {})", names(opt->get_needs()));
    if (!opt->get_excludes().empty()) desc += fmt::format(" (excludes {})", names(opt->get_excludes()));
    return desc;
  }
};

} // namespace

int main(int argc, char** argv) {
  using namespace ipcctl::tools;
  CLI::App app{"ipcctl: every IPC object of this machine, with the processes that hold it", "ipcctl"};
  app.set_version_flag("-V,--version", std::string("ipcctl ") + IPCCTL_VERSION);
  app.formatter(std::make_shared<Formatter>());  // before the subcommands, which copy it
  app.require_subcommand(1);
  app.footer("Run 'ipcctl help COMMAND' or 'ipcctl COMMAND --help' for a command's options.\n"
             "Exit status: 0 done, 1 failed, 2 bad usage.");

  // The command table. ls, mk and rm are each system's own (cmd_*.cpp on
  // Linux, windows.cpp on Windows); the rest are the same files on both,
  // but limits, which reads Linux's limits.
  Action action;
  setup_ls(app, action);
  setup_show(app, action);
  setup_mk(app, action);
  setup_rm(app, action);
#ifndef _WIN32
  setup_limits(app, action);
#endif
  setup_audit(app, action);
  setup_graph(app, action);
  setup_export(app, action);
  // -q on every command: its warnings off stderr.
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) add_quiet_option(*sub);

  auto commands = [&] {
    std::vector<std::string> names;
    for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
      names.push_back(sub->get_name());
      for (const auto& alias : sub->get_aliases()) names.push_back(alias);
    }
    return names;
  };
  std::string topic;
  auto* help = app.add_subcommand("help", "show help for a command");
  help->add_option("command", topic, "the command")->type_name("COMMAND");
  help->callback([&] {
    action = [&]() -> int {
      if (topic.empty()) {
        // app.help() would print the help of the command given, "help" itself.
        write_stdout(app.get_formatter()->make_help(&app, app.get_name(), CLI::AppFormatMode::Normal));
        return 0;
      }
      for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
        if (sub->check_name(topic)) {
          write_stdout(sub->help(app.get_name()));
          return 0;
        }
      }
      throw ipcctl::UsageError(fmt::format("help: unknown command '{}'{}", topic, did_you_mean(topic, commands())));
    };
  });

  // CLI11 reports an unknown command as "a subcommand is required": name it.
  auto known = [&](const char* name) {
    return !app.get_subcommands([&](CLI::App* sub) { return sub->check_name(name); }).empty();
  };
#ifdef _WIN32
  // Windows passes argv in the console's code page: take the UTF-8 one.
  std::vector<std::string> utf8 = utf8_arguments();
  std::vector<char*> args;
  for (auto& a : utf8) args.push_back(a.data());
  args.push_back(nullptr);
  argc = static_cast<int>(utf8.size());
  argv = args.data();
#endif
  if (argc > 1 && argv[1][0] != '-' && !known(argv[1])) {
    eprint("ipcctl: unknown command '{}'{} (see 'ipcctl --help')\n", argv[1], did_you_mean(argv[1], commands()));
    return 2;
  }
  return run(app, argc, argv, [&] { return action ? action() : 0; });
}
