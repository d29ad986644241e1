#pragma once
// The selection options the Linux commands share (output.hpp has the
// printing options of every platform).
#include <CLI/CLI.hpp>

#include "common/args.hpp"
#include "common/output.hpp"

#include <ipcctl/collect.hpp>
#ifndef _WIN32
#include <ipcctl/linux/namespaces.hpp>
#include <ipcctl/linux/source.hpp>
#endif
#include <ipcctl/model/kind.hpp>
#include <ipcctl/query/filter.hpp>
#include <ipcctl/query/ref.hpp>
#include <ipcctl/query/select.hpp>
#ifndef _WIN32
#include <ipcctl/util/output_file.hpp>
#endif

#include <string>
#include <vector>

namespace ipcctl::tools {

// The hidden --proc-root for tests (as lscpu --sysroot).
void add_proc_root_option(CLI::App& cmd, std::string& root);

// The selection ls, rm, audit and graph share, with ls's names: -t and -p
// narrow what is collected; -u and -Q select from what was.
struct SelectOptions {
  // -t given twice is one list; -Q given twice is "(A) and (B)", each of
  // its expressions also kept alone in `filters` (for their errors).
  std::string types, pids, user, query;
  std::vector<std::string> filters;
  bool all_namespaces = false;  // -A
  std::string ns;               // -N PID|INODE|PATH
  bool any() const { return !types.empty() || !pids.empty() || !user.empty() || !query.empty(); }
  bool namespaces() const { return all_namespaces || !ns.empty(); }
};
void add_select_options(CLI::App& cmd, SelectOptions& o);

// The parsed selection: sets copts.kinds (when -t is given), copts.pids and
// the namespaces (-A, -N: then only the kinds that live in one), and keeps
// the -u/-Q part for apply(). Throws UsageError, its message
// starting with `prefix` ("rm: ").
class Selector {
public:
  Selector(const SelectOptions& o, CollectOptions& copts, std::string_view prefix = {});
  Selector(const Selector&) = delete;
  Selector& operator=(const Selector&) = delete;
  void apply(std::vector<model::Object>& objects) const { query::select(objects, m_sel); }
  // The columns -Q names (none without -Q).
  const std::vector<const query::Column*>& filter_columns() const { return m_filter.columns(); }

private:
  query::Filter m_filter;
  query::Selection m_sel;
};

#ifndef _WIN32
// Linux alone has what follows: --scan, namespaces, and output files
// opened by util/output_file.hpp's rules.

// --scan's directories must be directories (UsageError).
void check_scan_dirs(const sys::ProcRoot& root, const std::vector<std::string>& dirs, std::string_view prefix = {});

// -A and -N alone, for commands without the rest of the selection (show).
void add_namespace_options(CLI::App& cmd, SelectOptions& o);
// -N/--namespace NS alone (mk), refusing an empty NS.
CLI::Option* add_namespace_option(CLI::App& cmd, std::string& ns, const std::string& help);
// -N's argument; throws UsageError when malformed, Fatal when it names nothing.
std::vector<sys::NsTarget> parse_namespace(const std::string& spec);

// The namespaces refs need read (show, rm): each one a ref names with
// @ipc:/@net:, and ipcctl's own. Refs of a namespaced type without one
// mean copts.namespaces' (-N) where it has one of their type.
void add_ref_namespaces(std::vector<query::RefQuery>& queries, CollectOptions& copts);

// The file an option names for output (--svg, -o), opened by the rules of
// util/output_file.hpp; throws Fatal "OPTION PATH: why" (option is what the
// message names it by: "--svg", "graph: --svg").
OutputFile open_output(std::string_view option, const std::string& path, OutputMode mode = OutputMode::in_place);
// Writes all of `text` to it; throws Fatal "OPTION PATH: write error: why".
void write_output(const OutputFile& out, std::string_view text, std::string_view option, const std::string& path);
// Closes it, checking the close (NFS and quotas report write errors there).
void close_output(OutputFile& out, std::string_view option, const std::string& path);

// A user name or a numeric uid; throws UsageError when unknown.
std::uint32_t parse_user(const std::string& text);

#endif

} // namespace ipcctl::tools
