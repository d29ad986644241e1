#pragma once
// What the ipcbench unit tests share: captured files under tests/ipcbench/data,
// found next to the tree that IPCCTL_TEST_DATA names.
#include <ipcctl/util/fd.hpp>

#include <doctest/doctest.h>

#include <cstdlib>
#include <string>
#include <string_view>

namespace ipcctl::bench::test {

inline std::string bench_data(std::string_view rel) {
  const char* dir = std::getenv("IPCCTL_TEST_DATA");
  REQUIRE_MESSAGE(dir != nullptr, "IPCCTL_TEST_DATA is not set");
  auto text = read_file(std::string(dir) + "/../ipcbench/data/" + std::string(rel));
  REQUIRE_MESSAGE(text.has_value(), rel);
  return *text;
}

} // namespace ipcctl::bench::test
