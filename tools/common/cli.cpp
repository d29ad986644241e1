#include "common/cli.hpp"

#include <ipcctl/util/error.hpp>
#include <ipcctl/util/parse.hpp>

#include <fmt/format.h>

#include <pwd.h>

namespace ipcctl::tools {

void add_output_options(CLI::App& cmd, OutputOptions& out) {
  cmd.add_flag("-J,--json", out.json, "print JSON (the ipcctl-json(7) contract)");
  cmd.add_flag("--jsonl", out.jsonl, "print one JSON object per line");
  cmd.add_flag("-r,--raw", out.raw, "print cells separated by one space, unaligned");
  cmd.add_flag("-n,--noheadings", out.noheadings, "do not print headings");
  cmd.add_flag("-b,--bytes", out.bytes, "print sizes in bytes, not 4K/1M");
  cmd.add_option("-o,--output", out.output, "columns to print, comma separated; +COL,... adds to the defaults")
      ->type_name("COLS");
  cmd.add_option("--sort", out.sort, "sort by COL; -COL sorts descending")->type_name("COL");
}

void add_proc_root_option(CLI::App& cmd, std::string& root) {
  cmd.add_option("--proc-root", root, "read /proc and /dev below DIR (for captured trees)")
      ->type_name("DIR")
      ->group("");
}

void add_select_options(CLI::App& cmd, SelectOptions& o) {
  cmd.add_option("-t,--type", o.types, "types, comma separated: kinds or families (see ls --list-types)")
      ->type_name("TYPES");
  cmd.add_option("-p,--pid", o.pids, "only objects these processes hold (scans only them)")->type_name("PIDS");
  cmd.add_option("-u,--user", o.user, "only objects owned by USER or held by its processes")->type_name("USER");
  cmd.add_option("-Q,--filter", o.query, "filter expression, e.g. 'type == \"sysv-shm\" and nattch == 0'")
      ->type_name("EXPR");
}

Selector::Selector(const SelectOptions& o, CollectOptions& copts, std::string_view prefix) {
  if (!o.types.empty()) copts.kinds = parse_type_list(o.types);
  if (!o.pids.empty()) copts.pids = parse_pid_list(o.pids);
  if (!o.user.empty()) m_sel.uid = parse_user(o.user);
  if (!o.query.empty()) {
    auto f = query::parse_filter(o.query);
    if (!f) throw UsageError(fmt::format("{}-Q: {}", prefix, f.error().detail));
    m_filter = std::move(*f);
    m_sel.filter = &m_filter;
  }
}

std::vector<int> parse_pid_list(const std::string& text) {
  std::vector<int> pids;
  std::string_view rest = text;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const auto word = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    const auto pid = to_i64(word);
    if (!pid || *pid <= 0 || *pid > 4194304) throw UsageError(fmt::format("-p: '{}' is not a process id", word));
    pids.push_back(static_cast<int>(*pid));
  }
  if (pids.empty()) throw UsageError("-p: no process id given");
  return pids;
}

std::uint32_t parse_user(const std::string& text) {
  if (const passwd* pw = ::getpwnam(text.c_str())) return pw->pw_uid;
  if (auto uid = to_u64(text); uid && *uid <= 0xffffffffu) return static_cast<std::uint32_t>(*uid);
  throw UsageError(fmt::format("-u: no such user '{}'", text));
}

model::KindSet parse_type_list(const std::string& text) {
  const auto parsed = model::parse_kinds(text);
  if (!parsed.unknown.empty())
    throw UsageError(fmt::format("-t: unknown type '{}' (see 'ipcctl ls --list-types')", parsed.unknown));
  if (parsed.kinds.empty()) throw UsageError("-t: no type given");
  return parsed.kinds;
}

} // namespace ipcctl::tools
