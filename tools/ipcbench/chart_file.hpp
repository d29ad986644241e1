#pragma once
// The file --svg names: opened before the run, so that no run is wasted on a
// path that cannot be written, and written once the run is done. One file per
// system: chart_file_linux.cpp opens it by the rules of util/output_file.hpp
// (no planted symlink followed); chart_file_windows.cpp with the C library.
#include <memory>
#include <string>
#include <string_view>

namespace ipcctl::tools {

class ChartFile {
public:
  ChartFile();
  ~ChartFile();
  // Throws Fatal "--svg PATH: why".
  void open(const std::string& path);
  bool is_open() const;
  // Writes all of `text` and closes the file; throws Fatal on a write error.
  void write(std::string_view text);

private:
  struct Impl;
  std::unique_ptr<Impl> m;
};

} // namespace ipcctl::tools
