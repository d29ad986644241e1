// ipcctl export: the machine's IPC as metrics, for node_exporter's textfile
// collector. The file is written whole or not at all (a temporary file in
// the same directory, then rename), so the collector never reads half.
#include "common/cli.hpp"
#include "common/run.hpp"
#include "ipcctl/commands.hpp"
#include "ipcctl_version.h"

#include <ipcctl/collect.hpp>
#include <ipcctl/linux/limits.hpp>
#include <ipcctl/ops/audit_inputs.hpp>
#include <ipcctl/query/audit.hpp>
#include <ipcctl/render/prometheus.hpp>
#include <ipcctl/util/error.hpp>

#include <fmt/format.h>

#include <unistd.h>

#include <chrono>
#include <cstring>
#include <ctime>

namespace ipcctl::tools {

namespace {

struct ExportOptions {
  std::string format = "prometheus", output, types;
  bool per_object = false;
};

// -o FILE: a regular file (or a new name) is replaced whole, through a new
// file in the same directory and a rename, so that the collector never reads
// half of one; anything else (/dev/null, /dev/stdout, a FIFO) is written to,
// never replaced. A symlink is followed only when it is the caller's own or
// root's (util/output_file.hpp).
void write_output_file(OutputFile& out, const std::string& path, std::string_view text) {
  if (out.needs_replace()) {
    if (auto r = replace_file(out, text, 0644); !r)
      throw Fatal(fmt::format("export: -o {}: {}", path, r.error().message()));
    return;
  }
  write_output(out, text, "export: -o", path);
  close_output(out, "export: -o", path);
}

int run_export(const ExportOptions& o) {
  if (o.format != "prometheus") throw UsageError(fmt::format("export: --format: '{}': expected prometheus", o.format));
  if (!o.output.empty()) {
    const auto slash = o.output.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : o.output.substr(0, slash);
    if (::access(dir.c_str(), F_OK) != 0) throw UsageError(fmt::format("export: -o: no directory {}", dir));
  }
  // Judged before the collection, so that a refused path costs nothing.
  OutputFile file;
  if (!o.output.empty()) file = open_output("export: -o", o.output, OutputMode::replace);
  const auto start = std::chrono::steady_clock::now();
  CollectOptions copts;
  copts.kinds = model::KindSet::all();
  copts.kinds.remove(model::Kind::signal);
  if (!o.types.empty()) copts.kinds = parse_type_list(o.types);
  const sys::ProcRoot root("/");
  auto snap = collect(root, copts);
  if (!snap) throw Fatal(snap.error().message());
  const auto limits = sys::read_limits(root, sys::host_facts(root));
  query::AuditOptions aopts;
  aopts.now = std::time(nullptr);
  aopts.limits = &limits.limits;
  aopts.inputs = ops::audit_inputs(*snap);
  const auto findings = query::audit(*snap, aopts);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  render::MetricsInput in;
  in.objects = snap->objects;
  in.limits = limits.limits;
  in.findings = findings;
  in.checks = query::all_checks();
  in.warnings = snap->warnings.size() + limits.warnings.size();
  in.scrape_seconds = seconds;
  in.version = IPCCTL_VERSION;
  in.per_object = o.per_object;
  const std::string text = render::render_prometheus(in);
  if (o.output.empty()) write_stdout(text);
  else write_output_file(file, o.output, text);
  print_warnings(snap->warnings);
  print_warnings(limits.warnings);
  return 0;
}

} // namespace

void setup_export(CLI::App& app, Action& action) {
  static ExportOptions o;
  auto* exp = app.add_subcommand("export", "write the machine's IPC as metrics (Prometheus text format)");
  exp->add_option("-F,--format", o.format, "prometheus (the default and, for now, the only one)")
      ->type_name("FORMAT");
  exp->add_option("-o,--output", o.output, "write to FILE atomically (for node_exporter's textfile directory)")
      ->type_name("FILE");
  exp->add_option("-t,--type", o.types, "only these types (see ls --list-types)")->type_name("TYPES");
  exp->add_flag("--per-object", o.per_object, "also one series per object, labelled with its ref (many series)");
  exp->footer(
      "Example, every minute from cron or the ipcctl-export.timer unit:\n"
      "  ipcctl export -o /var/lib/prometheus/node-exporter/ipcctl.prom\n");
  exp->callback([&action] { action = [] { return run_export(o); }; });
}

} // namespace ipcctl::tools
