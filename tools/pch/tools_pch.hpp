// Precompiled for every front-end file: CLI11 is header-only and costs
// seconds per file otherwise.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <string>
#include <vector>
