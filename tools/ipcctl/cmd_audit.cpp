// ipcctl audit: collect, select as ls does, run the checks, print the
// findings most severe first. The exit status is for cron and CI: 1 when a
// finding reaches --fail-on. On Windows the same file runs the checks that
// hold there: no --scan, no limits, and no orphans (a named object goes
// with its last handle).
#include "common/cli.hpp"
#include "common/run.hpp"
#include "ipcctl/commands.hpp"

#include <ipcctl/collect.hpp>
#ifndef _WIN32
#include <ipcctl/linux/limits.hpp>
#endif
#include <ipcctl/ops/audit_inputs.hpp>
#include <ipcctl/ops/remove.hpp>
#include <ipcctl/query/audit.hpp>
#include <ipcctl/query/filter.hpp>
#include <ipcctl/query/select.hpp>
#include <ipcctl/render/json.hpp>
#include <ipcctl/util/error.hpp>
#include <ipcctl/util/escape.hpp>

#include <fmt/format.h>

#include <ctime>
#include <map>

namespace ipcctl::tools {

namespace {

using model::Kind;

struct AuditCliOptions {
  SelectOptions select;
  std::string checks, skip, fail_on = "low", stale = "1h", lock_wait = "1m";
  std::vector<std::string> scan;
  bool json = false, list_checks = false, ignore_unreadable = false;
};

std::set<std::string> check_list(const std::string& text, std::string_view option) {
  std::set<std::string> out;
  std::string_view rest = text;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string name(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    if (name.empty()) continue;
    if (query::find_check(name) == nullptr)
      throw UsageError(fmt::format("audit: {}: unknown check '{}' (see --list-checks)", option, name));
    out.insert(name);
  }
  return out;
}

std::string holder_text(const std::vector<model::Holder>& holders) {
  std::string out;
  std::vector<int> seen;
  for (const auto& h : holders) {
    if (std::find(seen.begin(), seen.end(), h.pid) != seen.end()) continue;
    seen.push_back(h.pid);
    if (seen.size() > 5) continue;
    out += fmt::format("{}{}[{}]", out.empty() ? "" : ", ", terminal_safe(h.comm), h.pid);
  }
  if (seen.size() > 5) out += fmt::format(" and {} more", seen.size() - 5);
  return out;
}

int run_audit(const AuditCliOptions& o) {
  if (o.list_checks) {
    for (const auto& c : query::all_checks())
      print_out("{:<20} {:<7} {}\n", c.name, query::severity_name(c.severity), c.help);
    return 0;
  }
  std::optional<query::Severity> fail_on;
  if (o.fail_on != "none") {
    fail_on = query::severity_from_name(o.fail_on);
    if (!fail_on) throw UsageError(fmt::format("audit: --fail-on: '{}': expected info, low, medium, high or none", o.fail_on));
  }
  query::AuditOptions aopts;
  aopts.checks = check_list(o.checks, "--check");
  const auto skipped = check_list(o.skip, "--skip");
  if (!skipped.empty()) {
    if (aopts.checks.empty())
      for (const auto& c : query::all_checks()) aopts.checks.insert(std::string(c.name));
    for (const auto& s : skipped) aopts.checks.erase(s);
    if (aopts.checks.empty()) throw UsageError("audit: --skip leaves no check to run");
  }
  auto stale = ops::parse_duration(o.stale);
  if (!stale) throw UsageError(fmt::format("audit: --stale: {}", stale.error().detail));
  aopts.stale_after = *stale;
  auto lock_wait = ops::parse_duration(o.lock_wait);
  if (!lock_wait) throw UsageError(fmt::format("audit: --lock-wait: {}", lock_wait.error().detail));
  aopts.lock_wait_after = *lock_wait;
  aopts.now = std::time(nullptr);

  CollectOptions copts;
  copts.kinds = model::KindSet::none();
  for (auto k : model::all_kinds())
    if (k != Kind::signal && k != Kind::lock && k != Kind::tcp && k != Kind::udp) copts.kinds.add(k);
  // Locks only for lock_contention, the one check that judges them.
  if (aopts.checks.empty() || aopts.checks.contains("lock_contention")) copts.kinds.add(Kind::lock);
  const Selector selector(o.select, copts, "audit: ");
#ifdef _WIN32
  auto snap = collect(copts);
  if (!snap) throw Fatal(snap.error().message());
  selector.apply(snap->objects);
#else
  check_scan_dirs(sys::ProcRoot("/"), o.scan, "audit: ");
  copts.scan_dirs = o.scan;

  const sys::ProcRoot root("/");
  auto snap = collect(root, copts);
  if (!snap) throw Fatal(snap.error().message());
  selector.apply(snap->objects);
  // Limits are machine-wide: only an unnarrowed audit judges them.
  sys::LimitsReport limits;
  if (!o.select.any()) {
    limits = sys::read_limits(root, sys::host_facts(root));
    aopts.limits = &limits.limits;
  }
#endif
  aopts.inputs = ops::audit_inputs(*snap, ops::process_alive, o.ignore_unreadable);
  const auto findings = query::audit(*snap, aopts);

  if (o.json) {
    render::write_findings(findings, warning_texts(*snap), write_stdout, warning_subjects(*snap));
  } else {
    std::map<query::Severity, int> count;
    std::string out;
    for (const auto& f : findings) {
      ++count[f.severity];
      // Names in every field are another user's: each line is made safe whole.
      out += fmt::format("{:<7} {:<18} {}\n", query::severity_name(f.severity), f.check, terminal_safe(f.ref));
      out += fmt::format("{:<8}{}\n", "", terminal_safe(f.summary));
      out += fmt::format("{:<8}why: {}\n", "", terminal_safe(f.why));
      if (!f.holders.empty()) out += fmt::format("{:<8}holders: {}\n", "", holder_text(f.holders));
      if (!f.also.empty()) out += fmt::format("{:<8}also: {}\n", "", fmt::join(f.also, ", "));
      out += fmt::format("{:<8}fix: {}\n", "", terminal_safe(f.fix));
    }
    if (findings.empty()) {
      out += "no findings\n";
    } else {
      std::string parts;
      for (auto s : {query::Severity::high, query::Severity::medium, query::Severity::low, query::Severity::info})
        if (count[s] > 0) parts += fmt::format("{}{} {}", parts.empty() ? "" : ", ", count[s], query::severity_name(s));
      out += fmt::format("{} finding{}: {}\n", findings.size(), findings.size() == 1 ? "" : "s", parts);
    }
    write_stdout(out);
    print_warnings(*snap);
  }
  for (const auto& f : findings)
    if (fail_on && f.severity >= *fail_on) return 1;
  return 0;
}

} // namespace

void setup_audit(CLI::App& app, Action& action) {
  static AuditCliOptions o;
  auto* audit = app.add_subcommand("audit", "find what is wrong: open permissions, leaks, stuck channels, limits");
  add_select_options(*audit, o.select);
#ifndef _WIN32
  audit->add_option("--scan", o.scan, "also audit the FIFOs and stale socket files under DIR (repeatable)")
      ->type_name("DIR");
#endif
  audit->add_option("--check", o.checks, "run only these checks, comma separated (see --list-checks)")
      ->type_name("CHECKS");
  audit->add_option("--skip", o.skip, "do not run these checks")->type_name("CHECKS");
  audit->add_option("--fail-on", o.fail_on, "exit 1 when a finding is this severe or more: info, low (default), "
                                            "medium, high, or none")
      ->type_name("SEVERITY");
  audit->add_option("--stale", o.stale, "queue_stale: how long without a read makes a queue stale (default 1h)")
      ->type_name("DURATION");
  audit->add_option("--lock-wait", o.lock_wait,
                    "lock_contention: how long a waiter must have slept for a lock to be reported (default 1m)")
      ->type_name("DURATION");
  audit->add_flag("--ignore-unreadable", o.ignore_unreadable,
                  "orphaned: count processes that cannot be read as holding nothing");
  audit->add_flag("-J,--json", o.json, "print the findings as JSON (see ipcctl-json(7))");
  audit->add_flag("--list-checks", o.list_checks, "describe every check and exit");
  audit->footer(
      "Examples:\n"
      "  ipcctl audit                                  everything, most severe first\n"
      "  ipcctl audit --fail-on high --json            for CI and cron\n"
#ifndef _WIN32
      "  ipcctl audit --check world_writable,dir_writable --scan /run\n"
#endif
      );
  audit->callback([&action] { action = [] { return run_audit(o); }; });
}

} // namespace ipcctl::tools
