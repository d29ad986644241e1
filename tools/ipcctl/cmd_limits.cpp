// ipcctl limits: every IPC limit next to its use, so that "No space left on
// device" from shmget or mq_open can be traced to the sysctl that caused it.
// The library reads, computes and writes the JSON; this file prints the table.
#include "common/cli.hpp"
#include "common/run.hpp"
#include "ipcctl/commands.hpp"

#include <ipcctl/linux/limits.hpp>
#include <ipcctl/render/json.hpp>
#include <ipcctl/render/text.hpp>
#include <ipcctl/util/error.hpp>

#include <fmt/format.h>

#include <array>
#include <cstdlib>
#include <limits>

namespace ipcctl::tools {

namespace {

struct LimitsOptions {
  bool json = false, raw = false, noheadings = false, bytes = false;
  std::string color = "auto", proc_root = "/";
};

// Byte counts as 4K/1M unless --bytes; above INT64_MAX (shmmax's default) in E.
std::string amount(std::uint64_t v, const sys::Limit& l, const LimitsOptions& o) {
  if (l.unit != "bytes" || o.bytes || o.raw) return fmt::format("{}", v);
  if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    return fmt::format("{:.0f}E", static_cast<double>(v) / static_cast<double>(1ULL << 60));
  return render::human_size(static_cast<std::int64_t>(v));
}

std::string percent_text(const sys::Limit& l) {
  const auto p = l.percent();
  if (!p) return "-";
  const std::string text = *p < 10 ? fmt::format("{:.1f}%", *p) : fmt::format("{:.0f}%", *p);
  return l.high() ? text + "!" : text;
}

bool use_color(const std::string& when) {
  if (when == "always") return true;
  if (when == "never") return false;
  const char* no_color = std::getenv("NO_COLOR");
  return stdout_is_tty() && (no_color == nullptr || *no_color == '\0');
}

void print_table(const sys::LimitsReport& report, const LimitsOptions& o) {
  enum Col { group, name, limit, used, use, description, ncols };
  static constexpr const char* k_head[ncols] = {"GROUP", "NAME", "LIMIT", "USED", "USE%", "DESCRIPTION"};
  static constexpr bool k_right[ncols] = {false, false, true, true, true, false};
  std::vector<std::array<std::string, ncols>> rows;
  std::vector<bool> high;
  if (!o.noheadings) {
    rows.push_back({k_head[0], k_head[1], k_head[2], k_head[3], k_head[4], k_head[5]});
    high.push_back(false);
  }
  for (const auto& l : report.limits) {
    std::string lim = l.unlimited ? "unlimited" : l.value ? amount(*l.value, l, o) : "-";
    std::string usd = l.used ? amount(*l.used, l, o) : "-";
    rows.push_back({l.group, l.name, std::move(lim), std::move(usd), percent_text(l),
                    render::escape(l.description, o.raw)});
    high.push_back(l.high());
  }
  const bool color = use_color(o.color);
  std::array<std::size_t, ncols> width{};
  for (const auto& r : rows)
    for (std::size_t c = 0; c < ncols; ++c) width[c] = std::max(width[c], r[c].size());
  std::string out;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    std::string line;
    for (std::size_t c = 0; c < ncols; ++c) {
      if (c > 0) line += ' ';
      if (o.raw) line += rows[i][c];
      else if (c + 1 == ncols) line += rows[i][c];
      else if (k_right[c]) line += fmt::format("{:>{}}", rows[i][c], width[c]);
      else line += fmt::format("{:<{}}", rows[i][c], width[c]);
    }
    if (color && high[i]) line = fmt::format("\033[1;31m{}\033[0m", line);
    out += line;
    out += '\n';
  }
  write_stdout(out);
}

int run_limits(const LimitsOptions& o) {
  if (o.json && (o.raw || o.noheadings)) throw UsageError("--json excludes --raw and --noheadings");
  const sys::ProcRoot root(o.proc_root);
  const auto report = sys::read_limits(root, sys::host_facts(root));
  if (o.json) {
    render::write_limits(report.limits, report.warnings, write_stdout);
    return 0;
  }
  print_table(report, o);
  print_warnings(report.warnings);
  return 0;
}

} // namespace

void setup_limits(CLI::App& app, Action& action) {
  static LimitsOptions o;
  auto* cmd = app.add_subcommand("limits", "show every IPC limit with its current use");
  cmd->add_flag("-J,--json", o.json, "print JSON (the ipcctl-json(7) contract)");
  cmd->add_flag("-r,--raw", o.raw, "print cells separated by one space, unaligned, numbers exact");
  cmd->add_flag("-n,--noheadings", o.noheadings, "do not print headings");
  cmd->add_flag("-b,--bytes", o.bytes, "print sizes in bytes, not 4K/1M");
  cmd->add_option("--color", o.color, "colour the rows above 80% use: auto (a terminal without NO_COLOR), "
                                      "always, never")
      ->type_name("WHEN")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  add_proc_root_option(*cmd, o.proc_root);
  cmd->footer("USE% is USED against LIMIT; a trailing '!' marks use above 80%.\n"
              "Raise a limit with sysctl, e.g. 'sysctl -w kernel.shmmni=8192'.");
  cmd->callback([&action] { action = [] { return run_limits(o); }; });
}

} // namespace ipcctl::tools
