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

namespace ipcctl::tools {

namespace {

struct LsOptions {
  OutputOptions out;
  SelectOptions select;
  std::string proc_root = "/";
  std::vector<std::string> scan;
  bool summary = false, list_columns = false, list_types = false, no_probe = false;
};

std::vector<const query::Column*> pick_columns(const std::string& spec, const model::KindSet& kinds,
                                              bool namespaces) {
  if (spec.empty()) return query::default_columns(kinds, namespaces);
  std::string_view rest = spec;
  std::vector<const query::Column*> cols;
  if (rest.front() == '+') {
    cols = query::default_columns(kinds, namespaces);
    rest.remove_prefix(1);
  }
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string name(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    if (name.empty()) continue;
    const query::Column* c = query::find_column(name);
    if (c == nullptr) throw UsageError(fmt::format("-o: unknown column '{}' (see --list-columns)", name));
    cols.push_back(c);
  }
  if (cols.empty()) throw UsageError("-o: no column given");
  return cols;
}

void print_columns() {
  for (const auto& c : query::all_columns()) fmt::print("{:>16}  {}\n", c.name, c.help);
}

void print_types() {
  for (auto k : model::all_kinds()) fmt::print("{:>10}  {}\n", model::kind_name(k), model::kind_help(k));
  fmt::print("{:>10}  {}\n", "sysv", "sysv-msg, sysv-shm, sysv-sem");
  fmt::print("{:>10}  {}\n", "posix", "posix-mq, posix-shm, posix-sem");
  fmt::print("{:>10}  {}\n", "socket", "unix, tcp, udp");
  fmt::print("{:>10}  {}\n", "fd", "pipe, fifo, eventfd, memfd, signalfd");
}

int run_ls(const LsOptions& o) {
  if (o.out.json && o.out.jsonl) throw UsageError("--json and --jsonl exclude each other");
  if (o.list_columns) {
    print_columns();
    return 0;
  }
  if (o.list_types) {
    print_types();
    return 0;
  }
  CollectOptions copts;
  const Selector selector(o.select, copts);
  // Signals are listed by default only where one is pending; -t signal shows every process.
  copts.all_signals = !o.select.types.empty() && copts.kinds.has(model::Kind::signal);
  check_scan_dirs(sys::ProcRoot(o.proc_root), o.scan);
  copts.scan_dirs = o.scan;
  copts.probe_pipes = !o.no_probe;

  const auto columns = pick_columns(o.out.output, copts.kinds, o.select.namespaces());
  const query::Column* sort_col = nullptr;
  bool descending = false;
  if (!o.out.sort.empty()) {
    std::string_view name = o.out.sort;
    if (name.front() == '-') {
      descending = true;
      name.remove_prefix(1);
    }
    sort_col = query::find_column(name);
    if (sort_col == nullptr) throw UsageError(fmt::format("--sort: unknown column '{}' (see --list-columns)", name));
  }

  auto snap = collect(sys::ProcRoot(o.proc_root), copts);
  if (!snap) throw Fatal(snap.error().message());
  selector.apply(snap->objects);
  query::sort_default(snap->objects);
  if (sort_col != nullptr) query::sort_by(snap->objects, *sort_col, descending);

  render::TableOptions topts;
  topts.raw = o.out.raw;
  topts.headings = !o.out.noheadings;
  topts.exact_bytes = o.out.bytes || o.out.raw;
  topts.width = o.out.raw ? 0 : terminal_width();

  const render::Sink out = write_stdout;
  if (o.out.json) {
    render::write_json(snap->objects, snap->warnings, out);
    return 0;
  }
  if (o.out.jsonl) render::write_jsonl(snap->objects, out);
  else if (o.summary) fmt::print("{}", render::render_summary(snap->objects, topts));
  else fmt::print("{}", render::render_table(snap->objects, columns, topts));
  print_warnings(snap->warnings);
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
      "  ipcctl ls -p 812 --json                     everything process 812 holds\n");
  ls->callback([&action] { action = [] { return run_ls(o); }; });
}

} // namespace ipcctl::tools
