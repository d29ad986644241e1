// ipcctl rm: name what to remove (refs), or select it as ls does, never
// "everything". Each target is judged before anything is removed: in use
// (refused unless --force), then removed by ops::remove, which checks that
// the id or name still means the object that was listed. What could be
// removed is removed; each refusal and failure is reported; exit 1 if any.
#include "common/cli.hpp"
#include "common/run.hpp"
#include "ipcctl/commands.hpp"

#include <ipcctl/collect.hpp>
#include <ipcctl/ops/remove.hpp>
#include <ipcctl/query/filter.hpp>
#include <ipcctl/query/ref.hpp>
#include <ipcctl/query/select.hpp>
#include <ipcctl/render/json.hpp>
#include <ipcctl/util/error.hpp>
#include <ipcctl/util/escape.hpp>

#include <fmt/format.h>

#include <cstdio>
#include <ctime>
#include <set>

namespace ipcctl::tools {

namespace {

using model::Kind;

constexpr std::string_view k_removable =
    "sysv-msg, sysv-shm, sysv-sem, posix-mq, posix-shm, posix-sem, fifo, unix (socket files)";

struct RmOptions {
  std::vector<std::string> refs, scan;
  SelectOptions select;
  std::string older_than;
  bool orphaned = false, ignore_unreadable = false, force = false, dry_run = false, json = false;
};

struct Target {
  model::Object object;
  std::string qualifies;  // why a selection picked it (--orphaned)
};

void require_removable(Kind k, std::string_view what) {
  if (!ops::removable(k))
    throw UsageError(fmt::format("rm: {}: {}; removable: {}", what, ops::not_removable(k), k_removable));
}

int run_rm(const RmOptions& o) {
  std::vector<query::RefQuery> queries;
  for (const auto& text : o.refs) {
    auto q = query::parse_ref(text);
    if (!q) throw UsageError(fmt::format("rm: {}", q.error().detail));
    // rm acts on one object per ref, as ipcrm -M/-Q/-S: a bare key may name a
    // segment, a queue and a semaphore set, and key 0 every private object.
    if (q->key && !q->kind)
      throw UsageError(fmt::format("rm: '{}': a bare key may name objects of three SysV types; give the type, as "
                                   "sysv-shm:key={} (or sysv-msg:, sysv-sem:)", text, model::key_text(*q->key)));
    if (q->key == 0u)
      throw UsageError(fmt::format("rm: '{}': key 0 is IPC_PRIVATE, the key of every private object; name each by "
                                   "its id, as ls prints it", text));
    if (q->kind) require_removable(*q->kind, text);
    queries.push_back(std::move(*q));
  }
  const bool selects = o.select.any() || o.orphaned;
  if (queries.empty() && !selects)
    throw UsageError(!o.older_than.empty()
                         ? "rm: --older-than only narrows a selection: add refs, --orphaned, -t, -u, -p or -Q"
                         : "rm: name what to remove: refs, or a selection (--orphaned, -t, -u, -p, -Q); "
                           "there is no --all");

  CollectOptions copts;
  copts.kinds = ops::removable_kinds();
  const Selector selector(o.select, copts, "rm: ");
  for (auto k : model::all_kinds())
    if (copts.kinds.has(k)) require_removable(k, "-t");
  if (!queries.empty()) {
    auto wanted = model::KindSet::none();
    for (const auto& q : queries)
      for (auto k : model::all_kinds())
        if (q.kinds().has(k) && ops::removable(k)) wanted.add(k);
    for (auto k : model::all_kinds())
      if (!wanted.has(k)) copts.kinds.remove(k);
  }
  add_ref_namespaces(queries, copts);
  check_scan_dirs(sys::ProcRoot("/"), o.scan, "rm: ");
  copts.scan_dirs = o.scan;
  for (const auto& q : queries)
    if (auto file = q.file()) copts.scan_dirs.push_back(*file);
  copts.probe_pipes = false;

  std::optional<std::int64_t> older_than;
  if (!o.older_than.empty()) {
    auto d = ops::parse_duration(o.older_than);
    if (!d) throw UsageError(fmt::format("rm: --older-than: {}", d.error().detail));
    older_than = *d;
  }

  auto snap = collect(sys::ProcRoot("/"), copts);
  if (!snap) throw Fatal(snap.error().message());
  selector.apply(snap->objects);
  query::sort_default(snap->objects);

  // Refs first: each must name something.
  const auto matches = query::match_refs(queries, snap->objects);
  std::set<std::string> named;
  for (const auto* obj : matches.objects) named.insert(obj->ref);
  const auto& missing = matches.missing;
  const std::time_t now = std::time(nullptr);
  std::vector<Target> targets;
  std::vector<std::string> kept_by_unreadable;  // refs
  for (auto& obj : snap->objects) {
    if (!queries.empty() && !named.contains(obj.ref)) continue;
    if (!ops::removable(obj.kind)) continue;
    Target t{std::move(obj), {}};
    if (o.orphaned) {
      auto v = ops::orphaned(t.object, *snap->walk, ops::process_alive, o.ignore_unreadable);
      if (!v.yes) {
        if (v.unreadable) kept_by_unreadable.push_back(t.object.ref);
        continue;
      }
      t.qualifies = std::move(v.why);
    }
    if (older_than) {
      const auto changed = ops::changed_at(t.object);
      if (!changed || now - *changed < *older_than) continue;
      const std::string age = fmt::format("unchanged for {}s", now - *changed);
      t.qualifies = t.qualifies.empty() ? age : t.qualifies + "; " + age;
    }
    targets.push_back(std::move(t));
  }

  if (o.orphaned && !o.ignore_unreadable && !kept_by_unreadable.empty()) {
    const std::size_t n = kept_by_unreadable.size();
    snap->warn(fmt::format("--orphaned: {} not called orphaned because processes that could hold {} could not be "
                           "read; --ignore-unreadable counts them as holding nothing",
                           n == 1 ? "1 object was" : fmt::format("{} objects were", n), n == 1 ? "it" : "them"),
               {{}, std::move(kept_by_unreadable)});
  }

  std::vector<render::Outcome> outcomes;
  int bad = 0;
  for (const auto& t : targets) {
    render::Outcome out{&t.object, "removed", t.qualifies};
    auto busy = o.force ? std::nullopt : ops::in_use(t.object);
    if (busy) {
      out.status = "refused", out.reason = *busy + "; --force removes it anyway";
    } else if (o.dry_run) {
      out.status = "would_remove";
    } else {
      auto r = ops::remove(t.object, o.force);
      if (r.status != ops::Status::removed) {
        out.status = r.status == ops::Status::refused ? "refused" : "failed";
        out.reason = std::move(r.reason);
      }
    }
    if (out.status == "refused" || out.status == "failed") ++bad;
    outcomes.push_back(std::move(out));
  }

  if (o.json) {
    render::write_outcomes(outcomes, warning_texts(*snap), write_stdout, warning_subjects(*snap));
  } else {
    for (const auto& out : outcomes) {
      // Refs and reasons carry names other users chose: shown as ls shows them.
      const std::string ref = terminal_safe(out.object->ref);
      const std::string why = out.reason.empty() ? "" : ": " + terminal_safe(out.reason);
      if (out.status == "removed") print_out("removed {}{}\n", ref, why);
      else if (out.status == "would_remove") print_out("would remove {}{}\n", ref, why);
      else if (out.reason.starts_with("permission denied")) eprint("ipcctl: rm: {}{}\n", ref, why);
      else eprint("ipcctl: rm: {}: {}{}\n", ref, out.status, why);
    }
    if (targets.empty() && queries.empty()) eprint("ipcctl: rm: no object matches: nothing removed\n");
    print_warnings(*snap);
  }
  print_missing("rm", missing, *snap);
  return bad == 0 && missing.empty() ? 0 : 1;
}

} // namespace

void setup_rm(CLI::App& app, Action& action) {
  static RmOptions o;
  auto* rm = app.add_subcommand("rm", "remove IPC objects, safely");
  rm->alias("remove");
  rm->add_option("refs", o.refs,
                 "objects to remove: a ref (sysv-shm:32769, sysv-shm:key=0x1234, posix-mq:/orders, fifo:/run/x), "
                 "a path (/dev/shm/x, a FIFO or a socket file), or pid:N")
      ->type_name("REF");
  add_select_options(*rm, o.select);
  rm->get_option("-t")->description("remove objects of these types (" + std::string(k_removable) + ")");
  rm->add_flag("--orphaned", o.orphaned, "remove only objects nobody uses any more (see ipcctl(1))");
  rm->add_flag("--ignore-unreadable", o.ignore_unreadable,
               "with --orphaned: count processes that cannot be read as holding nothing");
  rm->add_option("--older-than", o.older_than, "remove only objects unchanged for DURATION (90s, 15m, 2h, 7d, 1w)")
      ->type_name("DURATION");
  rm->add_option("--scan", o.scan, "also consider the FIFOs and stale socket files under DIR (repeatable)")
      ->type_name("DIR");
  rm->add_flag("-f,--force", o.force,
               "remove objects in use: attached segments, non-empty queues, semaphores with waiters, held files");
  rm->add_flag("-n,--dry-run", o.dry_run, "print what would be removed and why, and change nothing");
  rm->add_flag("-J,--json", o.json, "report each object as removed, refused, failed or would_remove, in JSON");
  rm->footer(
      "Examples:\n"
      "  ipcctl rm sysv-shm:32769                    one segment (refused while attached)\n"
      "  ipcctl rm --orphaned --dry-run              what nobody uses any more\n"
      "  ipcctl rm --orphaned -t sysv -u ci --older-than 1d\n"
      "  ipcctl rm --orphaned --scan /run/app        also FIFOs and stale socket files there\n");
  rm->callback([&action] { action = [] { return run_rm(o); }; });
}

} // namespace ipcctl::tools
