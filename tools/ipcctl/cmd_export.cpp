// ipcctl export: the machine's IPC as metrics, for node_exporter's textfile
// collector. The file is written whole or not at all (a temporary file in
// the same directory, then rename), so the collector never reads half.
// On Windows the same metrics but the limits (Linux's), and -o replaces the
// file the same way, by MoveFileEx.
#include "common/cli.hpp"
#include "common/run.hpp"
#include "ipcctl/commands.hpp"
#include "ipcctl_version.h"

#include <ipcctl/collect.hpp>
#ifndef _WIN32
#include <ipcctl/linux/limits.hpp>
#endif
#include <ipcctl/ops/audit_inputs.hpp>
#include <ipcctl/query/audit.hpp>
#include <ipcctl/render/prometheus.hpp>
#include <ipcctl/util/error.hpp>

#include <fmt/format.h>

#ifdef _WIN32
#include <ipcctl/windows/nt.hpp>

#include <windows.h>
#else
#include <unistd.h>
#endif

#include <chrono>
#include <cstring>
#include <ctime>

namespace ipcctl::tools {

namespace {

struct ExportOptions {
  std::string format = "prometheus", output, types;
  bool per_object = false;
};

#ifdef _WIN32

std::wstring wide(const std::string& s) {
  if (s.empty()) return {};
  const int n = ::MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s.data(), static_cast<int>(s.size()), nullptr, 0);
  if (n <= 0) throw UsageError(fmt::format("export: -o: '{}' is not UTF-8", s));
  std::wstring w(static_cast<std::size_t>(n), L'\0');
  ::MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s.data(), static_cast<int>(s.size()), w.data(), n);
  return w;
}

// The directory -o names: "." for a bare name, "C:\" for "C:\x.prom".
std::string dir_of(const std::string& path) {
  const auto sep = path.find_last_of("/\\");
  if (sep == std::string::npos) return path.size() >= 2 && path[1] == ':' ? path.substr(0, 2) : ".";
  if (sep == 0 || (sep == 2 && path[1] == ':')) return path.substr(0, sep + 1);
  return path.substr(0, sep);
}

// -o FILE: written whole to a new file beside it, then moved onto it
// (MoveFileEx replaces it in one step), so that the collector never reads
// half of one. The new file is removed on failure.
void write_output_file(const std::string& path, std::string_view text) {
  const std::wstring target = wide(path);
  const std::wstring temp = target + L".tmp-" + std::to_wstring(::GetCurrentProcessId());
  auto failed = [&](const char* op, DWORD code) {
    return Fatal(fmt::format("export: -o {}", win::win_error(code, op, path).message()));
  };
  HANDLE h = ::CreateFileW(temp.c_str(), GENERIC_WRITE, 0, nullptr, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (h == INVALID_HANDLE_VALUE) throw failed("CreateFile", ::GetLastError());
  const char* op = nullptr;  // the call that failed, if one did
  DWORD code = 0;
  while (!text.empty() && op == nullptr) {
    DWORD wrote = 0;
    const auto chunk = static_cast<DWORD>(std::min<std::size_t>(text.size(), 1U << 20));
    if (::WriteFile(h, text.data(), chunk, &wrote, nullptr) == 0 || wrote == 0) {
      op = "WriteFile";
      code = ::GetLastError();
    } else {
      text.remove_prefix(wrote);
    }
  }
  if (op == nullptr && ::FlushFileBuffers(h) == 0) {
    op = "FlushFileBuffers";
    code = ::GetLastError();
  }
  ::CloseHandle(h);
  if (op == nullptr &&
      ::MoveFileExW(temp.c_str(), target.c_str(), MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH) == 0) {
    op = "MoveFileEx";
    code = ::GetLastError();
  }
  if (op != nullptr) {
    ::DeleteFileW(temp.c_str());
    throw failed(op, code);
  }
}

#else

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

#endif

int run_export(const ExportOptions& o) {
  if (o.format != "prometheus") throw UsageError(fmt::format("export: --format: '{}': expected prometheus", o.format));
#ifdef _WIN32
  if (!o.output.empty()) {
    const std::string dir = dir_of(o.output);
    const DWORD attrs = ::GetFileAttributesW(wide(dir).c_str());
    if (attrs == INVALID_FILE_ATTRIBUTES || (attrs & FILE_ATTRIBUTE_DIRECTORY) == 0)
      throw UsageError(fmt::format("export: -o: no directory {}", dir));
  }
#else
  if (!o.output.empty()) {
    const auto slash = o.output.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : o.output.substr(0, slash);
    if (::access(dir.c_str(), F_OK) != 0) throw UsageError(fmt::format("export: -o: no directory {}", dir));
  }
  // Judged before the collection, so that a refused path costs nothing.
  OutputFile file;
  if (!o.output.empty()) file = open_output("export: -o", o.output, OutputMode::replace);
#endif
  const auto start = std::chrono::steady_clock::now();
  CollectOptions copts;
  copts.kinds = model::KindSet::all();
  copts.kinds.remove(model::Kind::signal);
  if (!o.types.empty()) copts.kinds = parse_type_list(o.types);
#ifdef _WIN32
  auto snap = collect(copts);
  if (!snap) throw Fatal(snap.error().message());
  struct {
    std::vector<model::Limit> limits;
    std::vector<std::string> warnings;
  } limits;  // Windows has no such limits
  query::AuditOptions aopts;
  aopts.now = std::time(nullptr);
#else
  const sys::ProcRoot root("/");
  auto snap = collect(root, copts);
  if (!snap) throw Fatal(snap.error().message());
  const auto limits = sys::read_limits(root, sys::host_facts(root));
  query::AuditOptions aopts;
  aopts.now = std::time(nullptr);
  aopts.limits = &limits.limits;
#endif
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
#ifdef _WIN32
  else write_output_file(o.output, text);
  print_warnings(*snap);
#else
  else write_output_file(file, o.output, text);
  print_warnings(*snap);
  print_warnings(limits.warnings);
#endif
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
