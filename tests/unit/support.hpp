#pragma once
// What the unit tests share: the captured trees under tests/data, found
// through IPCCTL_TEST_DATA (set by meson test).
#include <ipcctl/util/fd.hpp>

#include <doctest/doctest.h>

#include <cstdlib>
#include <string>
#include <string_view>

namespace ipcctl::test {

// tests/data/<rel>
inline std::string data_path(std::string_view rel) {
  const char* dir = std::getenv("IPCCTL_TEST_DATA");
  REQUIRE_MESSAGE(dir != nullptr, "IPCCTL_TEST_DATA is not set");
  return std::string(dir) + "/" + std::string(rel);
}

// The text of tests/data/<rel>.
inline std::string data_text(std::string_view rel) {
  auto text = read_file(data_path(rel));
  REQUIRE_MESSAGE(text.has_value(), rel);
  return *text;
}

} // namespace ipcctl::test
