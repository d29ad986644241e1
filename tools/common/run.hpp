#pragma once
// The one place exceptions become exit statuses, for every executable:
// 0 done, 1 failed, 2 bad usage (CLI11's parse errors included).
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <ipcctl/model/snapshot.hpp>

#include <functional>
#include <string>
#include <vector>
#include <string_view>
#include <utility>

namespace ipcctl::tools {

// Parses, then runs `body`; prints "<prog>: <what>" for errors.
int run(CLI::App& app, int argc, char** argv, const std::function<int()>& body);

// Standard output is checked as coreutils' close_stdout does: every write,
// and at the end run() flushes and closes it; on a failure (a full disk, a
// closed pipe with SIGPIPE ignored, a closed descriptor) it prints
// "PROG: write error: STRERROR" and the exit status is 1. After a failed
// write, the rest of the output is dropped.
//
// Writes to stdout as is (a render::Sink).
void write_stdout(std::string_view text);
template <class... T>
void print_out(fmt::format_string<T...> format, T&&... args) {
  write_stdout(fmt::format(format, std::forward<T>(args)...));
}
// Flushes stdout, noting a failure for run() to report.
void flush_stdout();
// For output written to stdout by other means (a FILE* writer): the errno
// of its failure, reported by run() at the end.
void note_stdout_error(int err);
// Whether a write to stdout has failed.
bool stdout_failed();

// Standard error, best effort: these never throw and never fail the
// command, whatever stderr is (closed, /dev/full). Every message goes here.
// write_stderr writes its text as is (ipcbench's progress line, with its own
// terminal controls); eprint writes a message: names in it come from other
// users, so all of it but a final newline goes through terminal_safe, and a
// name cannot end the line or act on the terminal.
void write_stderr(std::string_view text) noexcept;
void write_message(std::string_view text) noexcept;
template <class... T>
void eprint(fmt::format_string<T...> format, T&&... args) noexcept {
  try {
    write_message(fmt::format(format, std::forward<T>(args)...));
  } catch (...) {
  }
}

// -q, --quiet on a command: its warnings are not printed on stderr (its
// JSON keeps them). quiet() says whether it was given.
void add_quiet_option(CLI::App& cmd);
bool quiet();
// The warnings of `snap` as they are printed: one that counts processes or
// objects ("2 processes were not readable") names the first few of them,
// "(processes sshd[812], cron[990] and 3 more)"; and, in the same order,
// what each counts, all of it (for JSON's warning_details).
std::vector<std::string> warning_texts(const model::Snapshot& snap);
std::vector<model::WarningSubjects> warning_subjects(const model::Snapshot& snap);
// Flushes stdout, then prints the warnings to stderr (unless quiet()).
void print_warnings(const std::vector<std::string>& warnings);
void print_warnings(const model::Snapshot& snap);
// "ipcctl: CMD: REF: no such object", for each ref that named nothing; when
// the walk could not read some processes, says that they may hold it.
void print_missing(std::string_view cmd, const std::vector<std::string>& refs, const model::Snapshot& snap);

// Whether stdout is a terminal, and its width (0 when not a terminal).
bool stdout_is_tty();
std::size_t terminal_width();

} // namespace ipcctl::tools
