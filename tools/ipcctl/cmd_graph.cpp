// ipcctl graph: collect and select as ls does, build the graph, print it as
// DOT, Mermaid or JSON, or (on Linux) render it to SVG through Graphviz's
// dot. The same file on Linux and Windows.
#include "common/cli.hpp"
#include "common/run.hpp"
#include "ipcctl/commands.hpp"

#include <ipcctl/collect.hpp>
#include <ipcctl/query/filter.hpp>
#include <ipcctl/query/graph.hpp>
#include <ipcctl/query/select.hpp>
#include <ipcctl/render/graph.hpp>
#include <ipcctl/util/error.hpp>

#include <fmt/format.h>

#ifndef _WIN32
#include <ipcctl/util/fd.hpp>

#include <fcntl.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

#include <cstring>

#ifndef _WIN32
extern char** environ;
#endif

namespace ipcctl::tools {

namespace {

struct GraphCliOptions {
  SelectOptions select;
  std::string format = "dot", svg;
  int around = 0, depth = 1;
};

#ifndef _WIN32

// dot -Tsvg, fed the DOT text from a memfd and read back through a pipe:
// the file is opened by ipcctl (util/output_file.hpp: no planted symlink is
// followed, /dev/null stays a device), never by dot, and every write is checked.
void write_svg(const std::string& dot_text, OutputFile& out, const std::string& file) {
  UniqueFd input(::memfd_create("ipcctl-graph", MFD_CLOEXEC));
  if (!input) throw Fatal(fmt::format("graph: memfd_create: {}", std::strerror(errno)));
  if (auto w = write_all(input.get(), dot_text); !w || ::lseek(input.get(), 0, SEEK_SET) != 0)
    throw Fatal(fmt::format("graph: memfd: {}", std::strerror(w ? errno : w.error().code)));
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw Fatal(fmt::format("graph: pipe: {}", std::strerror(errno)));
  UniqueFd read_end(fds[0]), write_end(fds[1]);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, input.get(), 0);
  posix_spawn_file_actions_adddup2(&actions, write_end.get(), 1);
  char* argv[] = {const_cast<char*>("dot"), const_cast<char*>("-Tsvg"), nullptr};
  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, "dot", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0)
    throw Fatal(rc == ENOENT ? "graph: --svg needs Graphviz's dot, which is not installed (apt-get install graphviz); "
                               "--format dot prints the source"
                             : fmt::format("graph: dot: {}", std::strerror(rc)));
  write_end = UniqueFd();
  std::string svg;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(read_end.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    svg.append(buf, static_cast<std::size_t>(n));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw Fatal(fmt::format("graph: dot failed to draw {}", file));
  write_output(out, svg, "graph: --svg", file);
  close_output(out, "graph: --svg", file);
}
#endif

int run_graph(const GraphCliOptions& o, bool around_given) {
  if (o.format != "dot" && o.format != "mermaid" && o.format != "json")
    throw UsageError(fmt::format("graph: --format: '{}': expected dot, mermaid or json", o.format));
  if (o.depth < 1) throw UsageError("graph: --depth: at least 1");
  CollectOptions copts;
  const Selector selector(o.select, copts, "graph: ");
#ifndef _WIN32
  // Opened first: a collection is not wasted on a path that cannot be written.
  OutputFile svg;
  if (!o.svg.empty()) svg = open_output("graph: --svg", o.svg);
#endif
  copts.probe_pipes = false;
  auto snap = collect(copts);
  if (!snap) throw Fatal(snap.error().message());
  selector.apply(snap->objects);
  query::GraphOptions gopts;
  if (around_given) {
    if (o.around <= 0) throw UsageError("graph: --around: a process id");
    if (snap->process(o.around) == nullptr) throw Fatal(fmt::format("graph: --around {}: no such process", o.around));
    gopts.around = o.around;
  }
  gopts.depth = o.depth;
  const auto g = query::build_graph(*snap, gopts);

#ifndef _WIN32
  if (!o.svg.empty()) {
    write_svg(render::render_dot(g), svg, o.svg);
    print_warnings(*snap);
    return 0;
  }
#endif
  if (o.format == "json") {
    write_stdout(render::render_graph_json(g, warning_texts(*snap)));
    return 0;
  } else {
    write_stdout(o.format == "dot" ? render::render_dot(g) : render::render_mermaid(g));
  }
  print_warnings(*snap);
  return 0;
}

} // namespace

void setup_graph(CLI::App& app, Action& action) {
  static GraphCliOptions o;
  auto* graph = app.add_subcommand("graph", "draw who talks to whom: processes joined by their IPC objects");
  add_select_options(*graph, o.select);
  auto* around = graph->add_option("--around", o.around, "only PID and its neighbours (see --depth)")->type_name("PID");
  graph->add_option("--depth", o.depth, "with --around: how many hops (default 1)")->type_name("N");
  graph->add_option("-F,--format", o.format, "dot (default), mermaid or json")->type_name("FORMAT");
#ifndef _WIN32
  graph->add_option("--svg", o.svg, "render to FILE as SVG with Graphviz's dot")->type_name("FILE");
#endif
  graph->footer(
      "Examples:\n"
      "  ipcctl graph --svg ipc.svg                   the whole machine, drawn\n"
      "  ipcctl graph --around 812 --depth 2          process 812 and two hops around it\n"
      "  ipcctl graph -t pipe,fifo -F mermaid          pipelines, for a Markdown page\n");
  graph->callback([&action, around] { action = [around] { return run_graph(o, around->count() > 0); }; });
}

} // namespace ipcctl::tools
