#include "common/run.hpp"

#include <ipcctl/util/error.hpp>
#include <ipcctl/util/escape.hpp>

#include <fmt/format.h>

#ifdef _WIN32
#include <io.h>
#include <windows.h>
#else
#include <ipcctl/util/fd.hpp>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>
#endif

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <system_error>

namespace ipcctl::tools {

namespace {

// CLI11 prints multi-line errors with a "Run with --help" tail: make it one line.
std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n') c = ' ';
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

// An error is one line whatever the user typed: control characters in a
// message (a name with a newline) are escaped as every text output does.
std::string printable(std::string_view s) { return terminal_safe(s); }

// An option given an empty value ("-t ''") is bad usage, never "not given":
// rm --older-than '' must not widen a removal. Positional arguments (refs,
// the traced command's words) are checked where they are used.
void refuse_empty_values(const CLI::App& app) {
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->get_positional() || opt->get_expected_min() == 0 || opt->count() == 0) continue;
    for (const auto& value : opt->results())
      if (value.find_first_not_of(" \t") == std::string::npos)
        throw CLI::ValidationError(opt->get_name(), "is empty: give a value");
  }
  for (const CLI::App* sub : app.get_subcommands()) refuse_empty_values(*sub);
}

} // namespace

namespace {

int g_stdout_errno = 0;  // the first failure writing stdout (-1: unknown)

// "PROG: TEXT", one line; never throws (out of memory included).
void report(const std::string& prog, std::string_view what, std::string_view text) noexcept {
  try {
    write_stderr(fmt::format("{}: {}{}\n", prog, what, printable(text)));
  } catch (...) {
    write_stderr(prog);
    write_stderr(": error\n");
  }
}

#ifndef _WIN32
// As gnulib's stdopen: a standard descriptor the caller closed (2>&-) is
// opened on /dev/null, the wrong way round (stdout and stderr for reading),
// so that writes to it fail and are reported instead of going into the
// next file the command opens, which would get its number.
void keep_standard_fds() noexcept {
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    const int null = ::open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY);
    if (null >= 0 && null != fd) {
      ::dup2(null, fd);
      ::close(null);
    }
  }
}
#endif

// The end of every run, as coreutils' close_stdout: flush and close stdout,
// and turn a write error into status 1.
int close_stdout(const std::string& prog, int rc) noexcept {
  int err = g_stdout_errno;
  errno = 0;
  if (std::fflush(stdout) != 0 && err == 0) err = errno != 0 ? errno : -1;
  if (std::ferror(stdout) != 0 && err == 0) err = -1;
  errno = 0;
  if (std::fclose(stdout) != 0 && err == 0) err = errno != 0 ? errno : -1;
  if (err == 0) return rc;
  if (err > 0) report(prog, "write error: ", std::strerror(err));
  else report(prog, "write error", "");
  return 1;
}

// --help and --version: CLI11's text, written as all our output is.
int exit_with_text(const CLI::App& app, const CLI::Error& e) {
  std::ostringstream out, err;
  const int rc = app.exit(e, out, err);
  write_stdout(out.str());
  write_stderr(err.str());
  return rc;
}

int run_body(CLI::App& app, int argc, char** argv, const std::function<int()>& body) noexcept {
  const std::string prog = app.get_name();
  try {
    try {
      app.parse(argc, argv);
      refuse_empty_values(app);
    } catch (const CLI::CallForHelp& e) {
      return exit_with_text(app, e);
    } catch (const CLI::CallForAllHelp& e) {
      return exit_with_text(app, e);
    } catch (const CLI::CallForVersion& e) {
      return exit_with_text(app, e);
    } catch (const CLI::ParseError& e) {
      report(prog, "", fmt::format("{} (see '{} --help')", one_line(e.what()), prog));
      return 2;
    }
  } catch (const std::exception& e) {
    report(prog, "internal error: ", e.what());
    return 1;
  } catch (...) {
    report(prog, "internal error", "");
    return 1;
  }
  try {
    return body();
  } catch (const UsageError& e) {
    report(prog, "", e.what());
    return 2;
  } catch (const Fatal& e) {
    report(prog, "", e.what());
    return 1;
  } catch (const std::system_error& e) {
    // fmt::print to stdout, where a write of ours was missed: its errno.
    if (std::string_view(e.what()).starts_with("cannot write to file")) {
      note_stdout_error(e.code().value());
      return 1;
    }
    report(prog, "internal error: ", e.what());
    return 1;
  } catch (const std::exception& e) {
    report(prog, "internal error: ", e.what());
    return 1;
  } catch (...) {
    report(prog, "internal error", "");
    return 1;
  }
}

} // namespace

int run(CLI::App& app, int argc, char** argv, const std::function<int()>& body) {
#ifndef _WIN32
  keep_standard_fds();
#endif
  const int rc = run_body(app, argc, argv, body);
  return close_stdout(app.get_name(), rc);
}

void write_stdout(std::string_view text) {
  if (g_stdout_errno != 0 || text.empty()) return;
  errno = 0;
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size()) note_stdout_error(errno != 0 ? errno : -1);
}

void flush_stdout() {
  if (g_stdout_errno != 0) return;
  errno = 0;
  if (std::fflush(stdout) != 0) note_stdout_error(errno != 0 ? errno : -1);
}

void note_stdout_error(int err) {
  if (g_stdout_errno == 0 && err != 0) g_stdout_errno = err;
}

bool stdout_failed() { return g_stdout_errno != 0; }

void write_stderr(std::string_view text) noexcept {
#ifdef _WIN32
  try {
    fmt::print(stderr, "{}", text);
  } catch (...) {
  }
#else
  (void)write_all(STDERR_FILENO, text);  // best effort: nowhere to report it
#endif
}

void write_message(std::string_view text) noexcept {
  try {
    const bool newline = !text.empty() && text.back() == '\n';
    if (newline) text.remove_suffix(1);
    std::string line = terminal_safe(text);
    if (newline) line += '\n';
    write_stderr(line);
  } catch (...) {
    write_stderr("ipcctl: (message lost: out of memory)\n");
  }
}

namespace {
bool g_quiet = false;
constexpr std::size_t k_named = 5;  // subjects a warning names before "and N more"
} // namespace

void add_quiet_option(CLI::App& cmd) {
  cmd.add_flag("-q,--quiet", g_quiet, "do not print warnings on stderr (JSON keeps them)");
}

bool quiet() { return g_quiet; }

std::vector<std::string> warning_texts(const model::Snapshot& snap) {
  std::vector<std::string> out;
  for (const auto& text : snap.warnings) {
    const auto it = snap.subjects.find(text);
    if (it == snap.subjects.end() || (it->second.pids.empty() && it->second.refs.empty())) {
      out.push_back(text);
      continue;
    }
    std::vector<std::string> names;
    for (int pid : it->second.pids) {
      const model::Process* p = snap.process(pid);
      names.push_back(p != nullptr && !p->comm.empty() ? fmt::format("{}[{}]", p->comm, pid) : std::to_string(pid));
    }
    names.insert(names.end(), it->second.refs.begin(), it->second.refs.end());
    std::string list;
    for (std::size_t i = 0; i < names.size() && i < k_named; ++i)
      list += fmt::format("{}{}", i == 0 ? "" : ", ", names[i]);
    if (names.size() > k_named) list += fmt::format(" and {} more", names.size() - k_named);
    const bool processes = !it->second.pids.empty() && it->second.refs.empty();
    out.push_back(fmt::format("{} ({}{})", text, processes ? (names.size() == 1 ? "process " : "processes ") : "",
                              list));
  }
  return out;
}

std::vector<model::WarningSubjects> warning_subjects(const model::Snapshot& snap) {
  std::vector<model::WarningSubjects> out;
  for (const auto& text : snap.warnings) {
    const auto it = snap.subjects.find(text);
    out.push_back(it == snap.subjects.end() ? model::WarningSubjects{} : it->second);
  }
  return out;
}

void print_warnings(const std::vector<std::string>& warnings) {
  flush_stdout();
  if (g_quiet) return;
  for (const auto& w : warnings) eprint("ipcctl: warning: {}\n", w);
}

void print_warnings(const model::Snapshot& snap) { print_warnings(warning_texts(snap)); }

#ifdef _WIN32
bool stdout_is_tty() { return ::_isatty(1) != 0; }
#else
bool stdout_is_tty() { return ::isatty(STDOUT_FILENO) == 1; }
#endif

std::size_t terminal_width() {
  if (!stdout_is_tty()) return 0;
#ifdef _WIN32
  CONSOLE_SCREEN_BUFFER_INFO info{};
  if (::GetConsoleScreenBufferInfo(::GetStdHandle(STD_OUTPUT_HANDLE), &info))
    return static_cast<std::size_t>(info.srWindow.Right - info.srWindow.Left + 1);
#else
  winsize ws{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
#endif
  if (const char* cols = std::getenv("COLUMNS")) {
    const long n = std::strtol(cols, nullptr, 10);
    if (n > 0) return static_cast<std::size_t>(n);
  }
  return 80;
}

void print_missing(std::string_view cmd, const std::vector<std::string>& refs, const model::Snapshot& snap) {
  const std::size_t unread = snap.walk->fds_denied.size();
#ifdef _WIN32
  const bool root = false;
#else
  const bool root = ::geteuid() == 0;
#endif
  for (const auto& ref : refs) {
    const auto at = ref.rfind('@');
    if (const auto it = at == std::string::npos ? snap.unentered.end() : snap.unentered.find(ref.substr(at));
        it != snap.unentered.end())
      eprint("ipcctl: {}: {}: not read: its namespace could not be entered ({})\n", cmd, ref, it->second);
    else if (unread == 0) eprint("ipcctl: {}: {}: no such object\n", cmd, ref);
    else
      eprint("ipcctl: {}: {}: no such object, or held only by the {} process{} that could not be read{}\n",
                 cmd, ref, unread, unread == 1 ? "" : "es", root ? "" : " (run as root)");
  }
}

} // namespace ipcctl::tools
