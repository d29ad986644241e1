// --svg's file on Linux: util/output_file.hpp's rules, through tools/common.
#include "chart_file.hpp"

#include "common/cli.hpp"

namespace ipcctl::tools {

struct ChartFile::Impl {
  OutputFile out;
  std::string path;
};

ChartFile::ChartFile() = default;
ChartFile::~ChartFile() = default;

void ChartFile::open(const std::string& path) {
  m = std::make_unique<Impl>();
  m->path = path;
  m->out = open_output("--svg", path);
}

bool ChartFile::is_open() const { return m && m->out.fd; }

void ChartFile::write(std::string_view text) {
  write_output(m->out, text, "--svg", m->path);
  close_output(m->out, "--svg", m->path);
}

} // namespace ipcctl::tools
