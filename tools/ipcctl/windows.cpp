// The commands of ipcctl.exe whose options are Windows' own: ls (with
// --no-holders, without Linux's namespaces and scans), mk (the object
// manager's types) and rm (which closes handles: Windows removes an object
// with its last). show, audit, graph and export are the Linux build's
// files; main.cpp lists them all. Collection and removal are the library's
// (collect(), ops::remove).
#include "common/args.hpp"
#include "common/output.hpp"
#include "common/run.hpp"
#include "ipcctl/commands.hpp"

#include <ipcctl/collect.hpp>
#include <ipcctl/ops/remove.hpp>
#include <ipcctl/query/filter.hpp>
#include <ipcctl/query/ref.hpp>
#include <ipcctl/query/select.hpp>
#include <ipcctl/render/json.hpp>
#include <ipcctl/util/error.hpp>
#include <ipcctl/util/parse.hpp>
#include <ipcctl/windows/create.hpp>
#include <ipcctl/windows/nt.hpp>

#include <fmt/format.h>

#include <windows.h>

#include <algorithm>
#include <atomic>

namespace ipcctl::tools {

namespace {

struct LsOptions {
  OutputOptions out;
  std::string types, pids, query;
  bool summary = false, list_columns = false, list_types = false, no_holders = false;
};

struct MkOptions {
  std::string type, name;
  std::string size = "4K";
  std::int32_t value = 0, maximum = 1;
  bool manual_reset = false, signaled = false, message = false, json = false;
  double hold_seconds = -1;  // <0: until Ctrl-C
};

struct RmOptions {
  std::vector<std::string> refs;
  bool close_handles = false, dry_run = false;
};

CollectOptions collect_options(const std::string& types, const std::string& pids) {
  CollectOptions c;
  if (!types.empty()) c.kinds = parse_type_list(types);
  if (!pids.empty()) c.pids = parse_pid_list(pids);
  return c;
}

model::Snapshot collect_or_fail(const CollectOptions& c) {
  auto snap = collect(c);
  if (!snap) throw Fatal(snap.error().message());
  return std::move(*snap);
}

int run_ls(const LsOptions& o) {
  if (print_lists(o.list_columns, o.list_types)) return 0;
  auto copts = collect_options(o.types, o.pids);
  copts.holders = !o.no_holders;
  query::Filter filter;
  query::Selection sel;
  if (!o.query.empty()) {
    auto f = query::parse_filter(o.query);
    if (!f) throw UsageError(fmt::format("-Q: {}", f.error().detail));
    filter = std::move(*f);
    sel.filter = &filter;
  }
  const Listing listing(o.out, copts.kinds, false);
  auto snap = collect_or_fail(copts);
  query::select(snap.objects, sel);
  listing.print(snap.objects, warning_texts(snap), o.summary, warning_subjects(snap));
  return 0;
}

std::vector<query::RefQuery> parse_refs(std::string_view cmd, const std::vector<std::string>& refs) {
  std::vector<query::RefQuery> out;
  for (const auto& text : refs) {
    auto q = query::parse_ref(text);
    if (!q) throw UsageError(fmt::format("{}: {}", cmd, q.error().detail));
    const auto kinds = model::all_kinds();
    if (q->kind && std::find(kinds.begin(), kinds.end(), *q->kind) == kinds.end())
      throw UsageError(fmt::format("{}: {}: a Linux type; on Windows, see 'ipcctl ls --list-types'", cmd, text));
    out.push_back(std::move(*q));
  }
  return out;
}

// A collection of the kinds the refs name, sorted as ls sorts, with what
// the refs name in it.
struct Named {
  model::Snapshot snap;
  query::RefMatches matches;
};

Named collect_named(const std::vector<query::RefQuery>& queries) {
  CollectOptions copts;
  copts.kinds = model::KindSet::none();
  for (const auto& q : queries)
    for (auto k : model::all_kinds())
      if (q.kinds().has(k)) copts.kinds.add(k);
  Named n{collect_or_fail(copts), {}};
  query::sort_default(n.snap.objects);
  n.matches = query::match_refs(queries, n.snap.objects);
  return n;
}

// Windows has no "remove": a named object lives while a handle to it is
// open. rm says who holds each one and changes nothing, unless it is told
// to close those handles in their processes (--close-handles, as Process
// Explorer's "Close Handle" does): then the object goes with the last one,
// and a fresh look says whether it went.
int run_rm(const RmOptions& o) {
  const auto queries = parse_refs("rm", o.refs);
  if (o.close_handles)
    for (std::size_t i = 0; i < queries.size(); ++i)
      if (queries[i].pid)  // every object a process holds, closed in every process: too wide for one word
        throw UsageError(fmt::format("rm: {}: --close-handles takes the refs of objects, not of a process", o.refs[i]));
  const auto named = collect_named(queries);
  int failed = 0;
  for (const auto* obj : named.matches.objects) {
    if (o.close_handles && o.dry_run) {
      for (const auto& h : obj->holders)
        if (h.via == model::Via::handle && h.fd)  // a socket's owner: no handle to close
          print_out("would close handle 0x{:x} in {} ({}) ({})\n", h.fd.value_or(0), h.pid, h.comm, obj->ref);
      continue;
    }
    const auto r = ops::remove(*obj, o.close_handles);
    for (const auto& step : r.steps) print_out("{} ({})\n", step, obj->ref);
    if (r.status == ops::Status::removed) {
      print_out("removed {}\n", obj->ref);
      continue;
    }
    ++failed;
    if (!o.close_handles) eprint("ipcctl: rm: {}: {} (--close-handles closes them)\n", obj->ref, r.reason);
    else eprint("ipcctl: rm: {}: {}\n", obj->ref, r.reason);
  }
  print_missing("rm", named.matches.missing, named.snap);
  return failed == 0 && named.matches.missing.empty() ? 0 : 1;
}

std::atomic<bool> g_stop{false};

BOOL WINAPI on_console_event(DWORD) {
  g_stop = true;
  return TRUE;
}

int run_mk(const MkOptions& o) {
  win::CreateRequest r;
  const auto kind = model::kind_from_name(o.type);
  if (!kind || !model::is_windows_kind(*kind) || *kind == model::Kind::win_alpc)
    throw UsageError(fmt::format("mk: cannot make '{}': give win-pipe, win-mailslot, win-event, win-mutant, "
                                 "win-semaphore or win-section",
                                 o.type));
  r.kind = *kind;
  if (o.name.empty() || o.name.find_first_of("\r\n") != std::string::npos)
    throw UsageError("mk: give a name, e.g. app-ready or Global\\app-ready");
  if ((r.kind == model::Kind::win_pipe || r.kind == model::Kind::win_mailslot) && o.name.find('\\') != std::string::npos)
    throw UsageError(fmt::format("mk: {}: a pipe or mailslot name is the part after \\\\.\\pipe\\", o.name));
  r.name = o.name;
  const auto size = parse_size(o.size);
  if (!size || *size <= 0) throw UsageError(fmt::format("mk: --size: '{}' is not a size (4096, 4K, 1M)", o.size));
  r.size = *size;
  if (o.maximum < 1 || o.value < 0 || o.value > o.maximum)
    throw UsageError("mk: --value must be from 0 to --max, and --max at least 1");
  r.value = o.value;
  r.maximum = o.maximum;
  r.manual_reset = o.manual_reset;
  r.signaled = o.signaled;
  r.message_mode = o.message;

  auto made = win::create(r);
  if (!made) {
    if (made.error().code == EEXIST)
      throw Fatal(fmt::format("mk: {} {} already exists: mk never opens or replaces an existing object", o.type, o.name));
    throw Fatal(fmt::format("mk: {} {}", o.type, made.error().message()));
  }
  if (o.json) {
    model::Object obj;
    obj.kind = r.kind;
    obj.ref = made->ref;
    obj.name = made->ref.substr(made->ref.find(':') + 1);
    print_out("{}\n", render::object_json(obj));
  }
  else print_out("{}\n", made->ref);
  flush_stdout();
  // The object lives as long as a handle does: hold it.
  ::SetConsoleCtrlHandler(on_console_event, TRUE);
  const auto until = ::GetTickCount64() + static_cast<ULONGLONG>(o.hold_seconds * 1000);
  while (!g_stop && (o.hold_seconds < 0 || ::GetTickCount64() < until)) ::Sleep(50);
  return 0;
}

} // namespace

void setup_ls(CLI::App& app, Action& action) {
  static LsOptions ls_o;
  auto* ls = app.add_subcommand("ls", "list named IPC objects and the processes that hold them");
  ls->alias("list");
  ls->add_option("-t,--type", ls_o.types, "types, comma separated (see --list-types)")->type_name("TYPES");
  ls->add_option("-p,--pid", ls_o.pids, "only objects these processes hold")->type_name("PIDS");
  ls->add_option("-Q,--filter", ls_o.query, "filter expression, e.g. 'type == \"win-event\"'")->type_name("EXPR");
  ls->add_flag("-s,--summary", ls_o.summary, "print counts per type and per owner");
  ls->add_flag("--no-holders", ls_o.no_holders, "do not read the handle table (faster; no holders)");
  add_output_options(*ls, ls_o.out);
  ls->add_flag("--list-columns", ls_o.list_columns, "describe every column and exit");
  ls->add_flag("--list-types", ls_o.list_types, "describe every type and exit");
  ls->callback([&action] { action = [] { return run_ls(ls_o); }; });
}

void setup_mk(CLI::App& app, Action& action) {
  static MkOptions mk_o;
  auto* mk = app.add_subcommand("mk", "create a named object and hold it (Windows removes it with its last handle)");
  mk->alias("create");
  mk->add_option("type", mk_o.type, "win-pipe, win-mailslot, win-event, win-mutant, win-semaphore, win-section")
      ->required()
      ->type_name("TYPE");
  mk->add_option("name", mk_o.name, "the name, as Win32 takes it: NAME, Local\\NAME, Global\\NAME")
      ->required()
      ->type_name("NAME");
  mk->add_option("-s,--size", mk_o.size, "win-section: size (default 4K)")->type_name("SIZE");
  mk->add_option("--value", mk_o.value, "win-semaphore: initial count (default 0)")->type_name("N");
  mk->add_option("--max", mk_o.maximum, "win-semaphore: largest count (default 1)")->type_name("N");
  mk->add_flag("--manual-reset", mk_o.manual_reset, "win-event: stays set until reset");
  mk->add_flag("--set", mk_o.signaled, "win-event: created set");
  mk->add_flag("--message", mk_o.message, "win-pipe: message mode, not byte mode");
  mk->add_option("--hold", mk_o.hold_seconds, "hold the object for SECONDS, then exit (default: until Ctrl-C)")
      ->type_name("SECONDS")
      ->check(CLI::Range(0.0, 31536000.0));
  mk->add_flag("-J,--json", mk_o.json, "print the new object's ref as JSON");
  mk->callback([&action] { action = [] { return run_mk(mk_o); }; });
}

void setup_rm(CLI::App& app, Action& action) {
  static RmOptions rm_o;
  auto* rm = app.add_subcommand("rm", "say who holds objects, or close their handles: Windows removes one with its last");
  rm->add_option("refs", rm_o.refs, "objects, as ls prints them")->required()->type_name("REF");
  auto* close = rm->add_flag("--close-handles", rm_o.close_handles,
                             "close every handle to them in the processes that hold them (those processes may fail)");
  rm->add_flag("-n,--dry-run", rm_o.dry_run, "with --close-handles: print the handles it would close, and close none")
      ->needs(close);
  rm->callback([&action] { action = [] { return run_rm(rm_o); }; });
}

std::vector<std::string> utf8_arguments() {
  ::SetConsoleOutputCP(CP_UTF8);
  return win::command_line();
}

} // namespace ipcctl::tools
