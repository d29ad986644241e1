#include "common/cli.hpp"

#include <ipcctl/util/error.hpp>
#include <ipcctl/util/parse.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#ifndef _WIN32
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace ipcctl::tools {

void add_proc_root_option(CLI::App& cmd, std::string& root) {
  cmd.add_option("--proc-root", root, "read /proc and /dev below DIR (for captured trees)")
      ->type_name("DIR")
      ->group("");
}

void add_select_options(CLI::App& cmd, SelectOptions& o) {
  cmd.add_option(
         "-t,--type",
         [&o](const CLI::results_t& lists) {
           o.types.clear();
           for (const auto& list : lists) o.types += (o.types.empty() ? "" : ",") + list;
           return true;
         },
         "types, comma separated: kinds or families (see ls --list-types); repeated -t add up")
      ->type_name("TYPES")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd.add_option("-p,--pid", o.pids, "only objects these processes hold (scans only them)")->type_name("PIDS");
#ifndef _WIN32  // Windows has no uids to select by, nor namespaces
  cmd.add_option("-u,--user", o.user, "only objects owned by USER or held by its processes")->type_name("USER");
#endif
  cmd.add_option(
         "-Q,--filter",
         [&o](const CLI::results_t& exprs) {
           o.filters.clear();
           for (const auto& e : exprs)
             if (!e.empty()) o.filters.push_back(e);
           o.query = o.filters.size() == 1 ? o.filters.front() : std::string();
           if (o.filters.size() > 1)
             for (const auto& e : o.filters) o.query += fmt::format("{}({})", o.query.empty() ? "" : " and ", e);
           return true;
         },
         "filter expression, e.g. 'type == \"sysv-shm\" and nattch == 0'; repeated -Q must all match")
      ->type_name("EXPR")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
#ifndef _WIN32
  add_namespace_options(cmd, o);
#endif
}

#ifndef _WIN32
void check_scan_dirs(const sys::ProcRoot& root, const std::vector<std::string>& dirs, std::string_view prefix) {
  for (const auto& dir : dirs) {
    struct stat st {};
    // One the user may not read is the scan's to report, as a warning.
    if (::stat(root.path(dir).c_str(), &st) != 0 ? errno != EACCES : !S_ISDIR(st.st_mode))
      throw UsageError(fmt::format("{}--scan: '{}' is not a directory", prefix, dir));
  }
}

void add_namespace_options(CLI::App& cmd, SelectOptions& o) {
  auto* all = cmd.add_flag("-A,--all-namespaces", o.all_namespaces,
                           "every IPC and network namespace of the machine (containers), not only ipcctl's own");
  add_namespace_option(cmd, o.ns, "only the namespace of PID, or with that inode, or of a namespace file (/run/netns/NAME)")
      ->excludes(all);
}

CLI::Option* add_namespace_option(CLI::App& cmd, std::string& ns, const std::string& help) {
  return cmd.add_option("-N,--namespace", ns, help)->type_name("NS")->check([](const std::string& s) {
    return s.empty() ? std::string("is empty: give a PID, a namespace inode or a path") : std::string();
  });
}

std::vector<sys::NsTarget> parse_namespace(const std::string& spec) {
  auto found = sys::resolve_namespace(sys::ProcRoot("/"), spec);
  if (!found) {
    if (found.error().code == 0) throw UsageError(found.error().detail);
    const auto& e = found.error();
    throw Fatal(e.detail.empty() ? fmt::format("-N: {}", e.message()) : fmt::format("-N: {}: {}", e.message(), e.detail));
  }
  return std::move(*found);
}
#endif

Selector::Selector(const SelectOptions& o, CollectOptions& copts, std::string_view prefix) {
  if (!o.types.empty()) copts.kinds = parse_type_list(o.types);
  if (!o.pids.empty()) copts.pids = parse_pid_list(o.pids);
#ifndef _WIN32
  for (int pid : copts.pids)
    if (::kill(pid, 0) != 0 && errno == ESRCH) throw Fatal(fmt::format("{}-p: no process {}", prefix, pid));
  copts.all_namespaces = o.all_namespaces;
  if (!o.ns.empty()) {
    copts.namespaces = parse_namespace(o.ns);
    for (auto k : model::all_kinds())
      if (!model::ns_type_of(k)) copts.kinds.remove(k);
    if (copts.kinds.empty())
      throw UsageError(fmt::format("{}-N: none of these types lives in a namespace (sysv, posix-mq and socket do)", prefix));
  }
  if (!o.user.empty()) m_sel.uid = parse_user(o.user);
#endif
  if (o.filters.size() > 1) {  // each alone first, for an error in its own positions
    for (std::size_t i = 0; i < o.filters.size(); ++i)
      if (auto f = query::parse_filter(o.filters[i]); !f)
        throw UsageError(fmt::format("{}-Q (#{}): {}", prefix, i + 1, f.error().detail));
  }
  if (!o.query.empty()) {
    auto f = query::parse_filter(o.query);
    if (!f) throw UsageError(fmt::format("{}-Q: {}", prefix, f.error().detail));
    m_filter = std::move(*f);
    m_sel.filter = &m_filter;
  }
}

#ifndef _WIN32
void add_ref_namespaces(std::vector<query::RefQuery>& queries, CollectOptions& copts) {
  const sys::ProcRoot root("/");
  const std::vector<sys::NsTarget> chosen = copts.namespaces;
  auto listed = [&](model::NsType t, std::uint64_t inode) {
    return std::any_of(copts.namespaces.begin(), copts.namespaces.end(),
                       [&](const sys::NsTarget& n) { return n.ns.type == t && n.ns.inode == inode; });
  };
  bool foreign = false;
  for (auto& q : queries) {
    const auto t = q.kind ? model::ns_type_of(*q.kind) : std::nullopt;
    if (!t) continue;
    if (!q.ns) {
      const auto it = std::find_if(chosen.begin(), chosen.end(), [&](const sys::NsTarget& n) { return n.ns.type == *t; });
      if (it != chosen.end()) {
        q.ns = it->ns.inode;
      } else if (auto inode = q.socket_inode()) {
        // unix:INODE names one socket on the machine: read the namespace it is in.
        const auto ns = sys::socket_namespace(root, *inode);
        if (!ns || ns == sys::ns_inode(root, 0, *t)) continue;
        q.ns = ns;
      } else {
        continue;
      }
    }
    if (listed(*t, *q.ns)) continue;
    // A namespace no process is in names nothing: the ref is reported missing.
    if (auto found = sys::find_namespace(root, *t, *q.ns)) {
      foreign = foreign || !found->ns.own;
      copts.namespaces.push_back(std::move(*found));
    }
  }
  if (!chosen.empty()) return;
  if (!foreign) {  // only ipcctl's own namespaces: the default reads them
    copts.namespaces.clear();
    return;
  }
  for (auto t : {model::NsType::ipc, model::NsType::net})
    if (const auto own = sys::ns_inode(root, 0, t); own && !listed(t, *own))
      if (auto found = sys::find_namespace(root, t, *own)) copts.namespaces.push_back(std::move(*found));
}

OutputFile open_output(std::string_view option, const std::string& path, OutputMode mode) {
  auto out = open_output_file(path, mode);
  if (!out) throw Fatal(fmt::format("{} {}", option, out.error().message()));
  return std::move(*out);
}

void write_output(const OutputFile& out, std::string_view text, std::string_view option, const std::string& path) {
  if (auto w = write_all(out.fd.get(), text); !w)
    throw Fatal(fmt::format("{} {}: write error: {}", option, path, std::strerror(w.error().code)));
}

void close_output(OutputFile& out, std::string_view option, const std::string& path) {
  if (!out.fd) return;
  // A close reports what the file system could not write; the descriptor
  // itself is closed by its owner, so close a duplicate of it.
  const int dup = ::fcntl(out.fd.get(), F_DUPFD_CLOEXEC, 3);
  const int err = dup < 0 ? 0 : ::close(dup) == 0 ? 0 : errno;
  out.fd = UniqueFd();
  if (err != 0 && err != EINTR)
    throw Fatal(fmt::format("{} {}: write error: {}", option, path, std::strerror(err)));
}

std::uint32_t parse_user(const std::string& text) {
  if (const passwd* pw = ::getpwnam(text.c_str())) return pw->pw_uid;
  if (auto uid = to_u64(text); uid && *uid <= 0xffffffffu) return static_cast<std::uint32_t>(*uid);
  throw UsageError(fmt::format("-u: no such user '{}'", text));
}

#endif

} // namespace ipcctl::tools
