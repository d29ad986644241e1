// --svg's file on Windows: opened for writing with the C library; a write
// error, or one the close reports, fails ipcbench.
#include "chart_file.hpp"

#include <ipcctl/util/error.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace ipcctl::tools {

struct ChartFile::Impl {
  std::FILE* file = nullptr;
  std::string path;
  ~Impl() {
    if (file) std::fclose(file);
  }
};

ChartFile::ChartFile() = default;
ChartFile::~ChartFile() = default;

void ChartFile::open(const std::string& path) {
  m = std::make_unique<Impl>();
  m->path = path;
  m->file = std::fopen(path.c_str(), "wb");
  if (m->file == nullptr) throw Fatal(fmt::format("--svg {}: {}", path, std::strerror(errno)));
}

bool ChartFile::is_open() const { return m && m->file; }

void ChartFile::write(std::string_view text) {
  const bool written = std::fwrite(text.data(), 1, text.size(), m->file) == text.size();
  const int err = errno;
  const bool closed = std::fclose(m->file) == 0;
  m->file = nullptr;
  if (!written || !closed) throw Fatal(fmt::format("--svg {}: write error: {}", m->path, std::strerror(written ? errno : err)));
}

} // namespace ipcctl::tools
