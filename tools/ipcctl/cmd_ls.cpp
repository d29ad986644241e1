// ipcctl ls: collect -> select -> sort -> render. Selections that can be
// pushed into collection are: -t runs only those sources, -p walks only
// those processes.
#include "common/cli.hpp"
#include "common/run.hpp"
#include "ipcctl/commands.hpp"

#include <ipcctl/collect.hpp>
#include <ipcctl/query/filter.hpp>
#include <ipcctl/query/select.hpp>
#include <ipcctl/render/json.hpp>
#include <ipcctl/render/text.hpp>
#include <ipcctl/util/error.hpp>

#include <fmt/format.h>

#include <sys/stat.h>

#include <algorithm>
#include <string_view>

namespace ipcctl::tools {

namespace {

struct LsOptions {
  OutputOptions out;
  SelectOptions select;
  std::string proc_root = "/";
  std::vector<std::string> scan;
  bool summary = false, list_columns = false, list_types = false, no_probe = false;
};

// The columns whose value only a POSIX queue's file holds: its bytes (hence
// SIZE) and its notification. Reading that file sets the queue's atime and
// ctime, so it is read only when -o, --sort or -Q names one of them (with
// --json too, where -o selects no column but still asks).
bool needs_queue_file(std::string_view column) {
  return column == "BYTES" || column == "SIZE" || column == "NOTIFY_PID" || column == "NOTIFY_SIGNAL";
}

// Whether the -o list names such a column itself (the defaults, which +COL
// adds to, do not count: they show a queue's bytes only where known).
bool output_names_queue_file(std::string_view spec) {
  if (!spec.empty() && spec.front() == '+') spec.remove_prefix(1);
  while (!spec.empty()) {
    const auto comma = spec.find(',');
    const query::Column* c = query::find_column(spec.substr(0, comma));
    if (c != nullptr && needs_queue_file(c->name)) return true;
    spec = comma == std::string_view::npos ? std::string_view{} : spec.substr(comma + 1);
  }
  return false;
}

int run_ls(const LsOptions& o) {
  if (print_lists(o.list_columns, o.list_types)) return 0;
  CollectOptions copts;
  const Selector selector(o.select, copts);
  // Signals are listed by default only where one is pending; -t signal shows every process.
  copts.all_signals = !o.select.types.empty() && copts.kinds.has(model::Kind::signal);
  // Likewise anon-shm and mapped-file list what one process maps only with -t.
  if (!o.select.types.empty()) copts.explicit_kinds = copts.kinds;
  check_scan_dirs(sys::ProcRoot(o.proc_root), o.scan);
  copts.scan_dirs = o.scan;
  copts.probe_pipes = !o.no_probe;
  const Listing listing(o.out, copts.kinds, o.select.namespaces());
  const auto& filtered = selector.filter_columns();
  copts.queue_status =
      output_names_queue_file(o.out.output) ||
      (listing.sort_column() != nullptr && needs_queue_file(listing.sort_column()->name)) ||
      std::any_of(filtered.begin(), filtered.end(), [](const query::Column* c) { return needs_queue_file(c->name); });

  if (listing.streams(o.summary)) {
    // Each kind is written as soon as it is collected, and freed: memory
    // holds the walk and a few kinds, not every object of the machine.
    render::ObjectStream out(write_stdout, o.out.jsonl);
    const ObjectSink each = [&](std::vector<model::Object>& objects) {
      selector.apply(objects);
      query::sort_default(objects);
      out.write(objects);
    };
    auto snap = collect(sys::ProcRoot(o.proc_root), copts, &each);
    if (!snap) throw Fatal(snap.error().message());
    const auto warnings = warning_texts(*snap);
    if (o.out.jsonl) {
      out.finish({});
      listing.warn(warnings);
    } else {
      out.finish(warnings, warning_subjects(*snap));
    }
    return 0;
  }
  auto snap = collect(sys::ProcRoot(o.proc_root), copts);
  if (!snap) throw Fatal(snap.error().message());
  selector.apply(snap->objects);
  listing.print(snap->objects, warning_texts(*snap), o.summary, warning_subjects(*snap));
  return 0;
}

} // namespace

void setup_ls(CLI::App& app, Action& action) {
  static LsOptions o;
  auto* ls = app.add_subcommand("ls", "list IPC objects and the processes that hold them");
  ls->alias("list");
  add_select_options(*ls, o.select);
  ls->add_option("--scan", o.scan, "also list FIFOs under DIR that no process holds (repeatable)")
      ->type_name("DIR");
  ls->add_flag("-s,--summary", o.summary, "print counts and bytes per type and per owner");
  ls->add_flag("--no-probe", o.no_probe, "do not open pipes to measure their unread bytes");
  add_output_options(*ls, o.out);
  ls->add_flag("--list-columns", o.list_columns, "describe every column and exit");
  ls->add_flag("--list-types", o.list_types, "describe every type and exit");
  add_proc_root_option(*ls, o.proc_root);
  ls->footer(
      "Filter: == != < <= > >= =~ !~, and or not, parentheses; sizes take K, M, G.\n"
      "Examples:\n"
      "  ipcctl ls -t sysv-shm -Q 'nattch == 0'     segments nobody is attached to\n"
      "  ipcctl ls -t pipe,fifo -Q 'unread_bytes > 0'   stuck pipes\n"
      "  ipcctl ls -p 812 --json                     everything process 812 holds\n"
      "  ipcctl ls -t pipe --csv -o REF,HOLDERS      for a spreadsheet\n"
      "On a terminal the holder lists wrap and DETAIL is cut; -W wraps every wide column,\n"
      "--no-truncate keeps one line per object. Times are local with their UTC offset.\n");
  ls->callback([&action] { action = [] { return run_ls(o); }; });
}

} // namespace ipcctl::tools
