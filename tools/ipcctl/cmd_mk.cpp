// ipcctl mk: every check of the command line comes before the one call that
// creates, so bad input (exit 2) never leaves anything behind; a refusal by
// the system (exists, denied, over a limit) is exit 1.
#include "common/cli.hpp"
#include "common/run.hpp"
#include "ipcctl/commands.hpp"

#include <ipcctl/ops/create.hpp>
#include <ipcctl/render/json.hpp>
#include <ipcctl/util/error.hpp>
#include <ipcctl/util/escape.hpp>

#include <fmt/format.h>

#include <cstdio>

namespace ipcctl::tools {

namespace {

using model::Kind;

constexpr std::string_view k_types = "sysv-msg, sysv-shm, sysv-sem, posix-mq, posix-shm, posix-sem or fifo";

struct MkOptions {
  std::string type, target, size, mode = "0600", key_from, ns;
  int proj = 1;
  std::int64_t nsems = 1, value = 0, maxmsg = 0, msgsize = 0;
  bool json = false;
  // Which options were given, to refuse those that do not apply to the type.
  CLI::Option *target_opt = nullptr, *size_opt = nullptr, *nsems_opt = nullptr, *value_opt = nullptr;
  CLI::Option *maxmsg_opt = nullptr, *msgsize_opt = nullptr, *key_from_opt = nullptr, *proj_opt = nullptr;
};

bool is_sysv(Kind k) { return k == Kind::sysv_msg || k == Kind::sysv_shm || k == Kind::sysv_sem; }

void only_for(const CLI::Option* opt, std::string_view name, Kind k, std::initializer_list<Kind> kinds) {
  if (opt->count() == 0) return;
  for (Kind ok : kinds)
    if (k == ok) return;
  throw UsageError(fmt::format("mk: {} does not apply to {}", name, model::kind_name(k)));
}

template <class T>
T usage_or(Result<T> r) {
  if (!r) throw UsageError("mk: " + r.error().message());
  return std::move(*r);
}

std::uint32_t sysv_key(const MkOptions& o) {
  if (o.key_from_opt->count() > 0) {
    if (o.target_opt->count() > 0) throw UsageError("mk: give a KEY or --key-from PATH, not both");
    auto key = ops::key_from_path(o.key_from, o.proj);
    if (!key) throw UsageError(fmt::format("mk: --key-from {}: {}", o.key_from, key.error().message()));
    return *key;
  }
  return o.target_opt->count() == 0 ? 0 : usage_or(ops::parse_key(o.target));
}

ops::CreateRequest build_request(const MkOptions& o) {
  const auto kind = model::kind_from_name(o.type);
  if (!kind || !ops::creatable(*kind)) {
    std::vector<std::string> names;
    for (auto c : model::all_kinds())
      if (ops::creatable(c)) names.emplace_back(model::kind_name(c));
    throw UsageError(fmt::format("mk: unknown type '{}': give {}{}", o.type, k_types, did_you_mean(o.type, names)));
  }
  const Kind k = *kind;
  only_for(o.size_opt, "--size", k, {Kind::sysv_shm, Kind::posix_shm});
  only_for(o.nsems_opt, "--nsems", k, {Kind::sysv_sem});
  only_for(o.value_opt, "--value", k, {Kind::sysv_sem, Kind::posix_sem});
  only_for(o.maxmsg_opt, "--maxmsg", k, {Kind::posix_mq});
  only_for(o.msgsize_opt, "--msgsize", k, {Kind::posix_mq});
  only_for(o.key_from_opt, "--key-from", k, {Kind::sysv_msg, Kind::sysv_shm, Kind::sysv_sem});
  only_for(o.proj_opt, "--proj", k, {Kind::sysv_msg, Kind::sysv_shm, Kind::sysv_sem});
  if (o.proj_opt->count() > 0 && o.key_from.empty()) throw UsageError("mk: --proj needs --key-from PATH");

  ops::CreateRequest r;
  r.kind = k;
  r.mode = usage_or(ops::parse_mode(o.mode));
  if (is_sysv(k)) {
    r.key = sysv_key(o);
  } else if (o.target_opt->count() == 0) {
    throw UsageError(fmt::format("mk: {} needs a {}", o.type, k == Kind::fifo ? "PATH" : "NAME, e.g. /orders"));
  } else if (k == Kind::fifo) {
    auto path = ops::fifo_path(o.target);
    if (!path) {
      const Error& e = path.error();
      throw UsageError(e.code == 0 ? "mk: " + e.message()
                                   : fmt::format("mk: {}: give a FIFO path in an existing directory", e.message()));
    }
    r.name = std::move(*path);
  } else {
    r.name = usage_or(ops::parse_posix_name(o.target, k));
  }
  if (o.size_opt->count() > 0) r.size = usage_or(ops::parse_object_size(o.size));
  else if (k == Kind::sysv_shm) throw UsageError("mk: sysv-shm needs --size, e.g. --size 4K");
  r.nsems = o.nsems;
  r.value = o.value;
  if (o.maxmsg_opt->count() > 0) r.maxmsg = o.maxmsg;
  if (o.msgsize_opt->count() > 0) r.msgsize = o.msgsize;
  if (auto ok = ops::check_request(r); !ok) throw UsageError("mk: " + ok.error().message());
  if (!o.ns.empty()) {
    if (model::ns_type_of(k) != model::NsType::ipc)
      throw UsageError(fmt::format("mk: --namespace: a {} is a file, not an object of an IPC namespace "
                                   "(sysv-msg, sysv-shm, sysv-sem and posix-mq are)", o.type));
    for (auto& t : parse_namespace(o.ns))
      if (t.ns.type == model::NsType::ipc) r.ns = std::move(t.ns);
    if (!r.ns) throw UsageError(fmt::format("mk: --namespace: '{}' is not an IPC namespace", o.ns));
  }
  return r;
}

int run_mk(const MkOptions& o) {
  const ops::CreateRequest r = build_request(o);
  auto made = ops::create(r);
  if (!made) {
    const Error& e = made.error();
    if (e.code == EEXIST)
      throw Fatal(fmt::format("mk: {} {} already exists: mk never opens or replaces an existing object", o.type,
                              e.subject));
    const std::string hint = e.code == 0 || e.detail.empty() ? "" : ": " + e.detail;
    throw Fatal(fmt::format("mk: {} {}{}", o.type, e.message(), hint));
  }
  if (o.json) print_out("{}\n", render::object_json(*made));
  else print_out("{}\n", terminal_safe(made->ref));
  flush_stdout();
  return 0;
}

} // namespace

void setup_mk(CLI::App& app, Action& action) {
  static MkOptions o;
  auto* mk = app.add_subcommand("mk", "create an IPC object (never opens or replaces an existing one)");
  mk->alias("create");
  mk->add_option("type", o.type, std::string("what to create: ") + std::string(k_types))
      ->required()
      ->type_name("TYPE");
  o.target_opt = mk->add_option("target", o.target,
                 "SysV: the key (decimal, 0x hex or 'private', the default); POSIX: the name (/orders); fifo: the path")
      ->type_name("NAME|KEY|PATH");
  o.size_opt = mk->add_option("-s,--size", o.size, "size of sysv-shm (required) or posix-shm: 4096, 4K, 1M, 1G")
                   ->type_name("SIZE");
  o.nsems_opt = mk->add_option("--nsems", o.nsems, "sysv-sem: number of semaphores (default 1)")->type_name("N");
  o.value_opt = mk->add_option("--value", o.value, "sysv-sem (each) or posix-sem: initial value (default 0)")
                    ->type_name("N");
  o.maxmsg_opt = mk->add_option("--maxmsg", o.maxmsg, "posix-mq: most messages queued (default: fs.mqueue.msg_default)")
                     ->type_name("N");
  o.msgsize_opt =
      mk->add_option("--msgsize", o.msgsize, "posix-mq: largest message in bytes (default: fs.mqueue.msgsize_default)")
          ->type_name("BYTES");
  mk->add_option("-m,--mode", o.mode, "permission bits in octal (default 0600)")->type_name("MODE");
  o.key_from_opt = mk->add_option("--key-from", o.key_from, "SysV: make the key from PATH, as ftok(3)")
                       ->type_name("PATH");
  o.proj_opt = mk->add_option("--proj", o.proj, "with --key-from: the project id, 1 to 255 (default 1)")
                   ->type_name("N");
  add_namespace_option(*mk, o.ns, "create it in the IPC namespace of PID, or with that inode, or of a namespace file");
  mk->add_flag("-J,--json", o.json, "print the new object as JSON (see ipcctl-json(7)) instead of its ref");
  mk->footer(
      "Examples:\n"
      "  ipcctl mk sysv-shm 0x1234 --size 1M --mode 0640\n"
      "  ipcctl mk sysv-sem --key-from /etc/app.conf --nsems 4 --value 1\n"
      "  ipcctl mk posix-mq /orders --maxmsg 10 --msgsize 512\n"
      "  ipcctl mk fifo /run/app/ctl\n");
  mk->callback([&action] { action = [] { return run_mk(o); }; });
}

} // namespace ipcctl::tools
