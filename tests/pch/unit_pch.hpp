// Precompiled for every unit test file: doctest, fmt and nlohmann/json are
// header-only and cost seconds per file otherwise.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>
