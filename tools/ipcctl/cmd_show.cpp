// ipcctl show REF...: one collection for all the refs, then every object
// each ref names, in full. A ref that names nothing is reported and makes
// the exit status 1; the others are still shown. The same on Linux and
// Windows; only Linux has namespaces to read (-A, -N), pipes to probe and
// a /proc tree to point elsewhere (--proc-root).
#ifndef _WIN32
#include "common/cli.hpp"
#endif
#include "common/run.hpp"
#include "ipcctl/commands.hpp"

#include <ipcctl/collect.hpp>
#include <ipcctl/query/ref.hpp>
#include <ipcctl/query/select.hpp>
#include <ipcctl/render/json.hpp>
#include <ipcctl/render/text.hpp>
#include <ipcctl/util/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <span>

namespace ipcctl::tools {

namespace {

struct ShowOptions {
  std::vector<std::string> refs;
  bool json = false, bytes = false, no_probe = false;
  std::string proc_root = "/";
#ifndef _WIN32
  SelectOptions select;  // only -A and -N
#endif
};

// A path names the locks on its file as well: a locked regular file is no
// object of its own, and its locks are what there is to show of it. A lock's
// name is its file's path as the kernel gives it in a holder's descriptor
// link, so the path typed is matched as typed and with its symbolic links
// resolved.
void add_locks(std::span<const query::RefQuery> queries, std::span<const model::Object> objects,
               query::RefMatches& named) {
  for (const auto& q : queries) {
    if (!q.path) continue;
    std::vector<std::string> paths{*q.path};
#ifndef _WIN32
    if (char* real = ::realpath(q.path->c_str(), nullptr)) {
      paths.emplace_back(real);
      std::free(real);
    }
#endif
    bool any = false;
    for (const auto& obj : objects) {
      if (obj.kind != model::Kind::lock || !obj.name) continue;
      if (std::find(paths.begin(), paths.end(), *obj.name) == paths.end()) continue;
      any = true;
      if (std::find(named.objects.begin(), named.objects.end(), &obj) == named.objects.end())
        named.objects.push_back(&obj);
    }
    if (any) std::erase(named.missing, q.text);
  }
}

int run_show(const ShowOptions& o) {
  std::vector<query::RefQuery> queries;
  for (const auto& text : o.refs) {
    auto q = query::parse_ref(text);
    if (!q) throw UsageError(fmt::format("show: {}", q.error().detail));
    // Windows lists no Linux type: a ref of one is a mistake, not a miss.
    const auto kinds = model::all_kinds();
    if (q->kind && !model::is_windows_kind(*q->kind) && std::find(kinds.begin(), kinds.end(), *q->kind) == kinds.end())
      throw UsageError(fmt::format("show: {}: a Linux type; on Windows, see 'ipcctl ls --list-types'", text));
    queries.push_back(std::move(*q));
  }
  CollectOptions copts;
  copts.root = o.proc_root;
  copts.kinds = model::KindSet::none();
  for (const auto& q : queries) {
    for (auto k : model::all_kinds())
      if (q.kinds().has(k)) copts.kinds.add(k);
    // pid:N includes that process's signal state, pending or not.
    if (q.pid || q.kind == model::Kind::signal) copts.all_signals = true;
    if (auto file = q.file()) copts.scan_dirs.push_back(*file);
  }
  copts.explicit_kinds = copts.kinds;  // a ref names its object, as -t does its kind
  copts.probe_pipes = !o.no_probe;
#ifndef _WIN32
  copts.all_namespaces = o.select.all_namespaces;
  if (!o.select.ns.empty()) copts.namespaces = parse_namespace(o.select.ns);
  // A bare key has no type to take a namespace from: -N's IPC namespace is its.
  for (const auto& n : copts.namespaces)
    for (auto& q : queries)
      if (q.key && !q.kind && !q.ns && n.ns.type == model::NsType::ipc) q.ns = n.ns.inode;
  add_ref_namespaces(queries, copts);
#endif
  auto snap = collect(copts);
  if (!snap) throw Fatal(snap.error().message());
  query::sort_default(snap->objects);

  auto named = query::match_refs(queries, snap->objects);
  add_locks(queries, snap->objects, named);
  std::vector<model::Object> found;
  for (const auto* obj : named.objects) found.push_back(*obj);

  if (o.json) {
    render::write_json(found, warning_texts(*snap), write_stdout, warning_subjects(*snap));
  } else {
    render::TableOptions topts;
    topts.exact_bytes = o.bytes;
    write_stdout(render::render_details(found, topts));
    print_warnings(*snap);
  }
  print_missing("show", named.missing, *snap);
  return named.missing.empty() ? 0 : 1;
}

} // namespace

void setup_show(CLI::App& app, Action& action) {
  static ShowOptions o;
  auto* show = app.add_subcommand("show", "show everything known about IPC objects");
#ifdef _WIN32
  show->add_option("refs", o.refs, "objects: win-event:\\BaseNamedObjects\\NAME, win-pipe:\\\\.\\pipe\\NAME, ...")
#else
  show->add_option("refs", o.refs,
                   "objects to show: a ref (sysv-shm:32769, sysv-shm:key=0x1234, posix-mq:/orders, pipe:48213, "
                   "0x1234 for every SysV object with that key, "
                   "sysv-shm:0@ipc:4026532281 in another namespace), "
                   "a path (/dev/shm/x, a FIFO, a unix socket, or a locked file: its locks), or pid:N for all a process holds")
#endif
      ->required()
      ->type_name("REF");
  show->add_flag("-J,--json", o.json, "print JSON (the ipcctl-json(7) contract)");
  show->add_flag("-b,--bytes", o.bytes, "print sizes in bytes only");
#ifndef _WIN32
  show->add_flag("--no-probe", o.no_probe, "do not open pipes to measure their unread bytes");
  add_namespace_options(*show, o.select);
  add_proc_root_option(*show, o.proc_root);
#endif
  show->callback([&action] { action = [] { return run_show(o); }; });
}

} // namespace ipcctl::tools
