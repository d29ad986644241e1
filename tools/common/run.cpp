#include "common/run.hpp"

#include <ipcctl/util/error.hpp>
#include <ipcctl/util/escape.hpp>

#include <fmt/format.h>

#ifdef _WIN32
#include <io.h>
#include <windows.h>
#else
#include <sys/ioctl.h>
#include <unistd.h>
#endif

#include <cstdio>
#include <cstdlib>

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

int run(CLI::App& app, int argc, char** argv, const std::function<int()>& body) {
  const std::string prog = app.get_name();
  try {
    app.parse(argc, argv);
    refuse_empty_values(app);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "{}: {} (see '{} --help')\n", prog, printable(one_line(e.what())), prog);
    return 2;
  }
  try {
    return body();
  } catch (const UsageError& e) {
    fmt::print(stderr, "{}: {}\n", prog, printable(e.what()));
    return 2;
  } catch (const Fatal& e) {
    fmt::print(stderr, "{}: {}\n", prog, printable(e.what()));
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}: internal error: {}\n", prog, printable(e.what()));
    return 1;
  }
}

void write_stdout(std::string_view text) { std::fwrite(text.data(), 1, text.size(), stdout); }

void print_warnings(const std::vector<std::string>& warnings) {
  std::fflush(stdout);
  for (const auto& w : warnings) fmt::print(stderr, "ipcctl: warning: {}\n", w);
}

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
      fmt::print(stderr, "ipcctl: {}: {}: not read: its namespace could not be entered ({})\n", cmd, ref, it->second);
    else if (unread == 0) fmt::print(stderr, "ipcctl: {}: {}: no such object\n", cmd, ref);
    else
      fmt::print(stderr, "ipcctl: {}: {}: no such object, or held only by the {} process{} that could not be read{}\n",
                 cmd, ref, unread, unread == 1 ? "" : "es", root ? "" : " (run as root)");
  }
}

} // namespace ipcctl::tools
