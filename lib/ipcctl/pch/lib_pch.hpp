// Precompiled for every library file: fmt, tl::expected and the standard
// headers most files include.
#include <fmt/format.h>
#include <tl/expected.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>
