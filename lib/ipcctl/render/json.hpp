#pragma once
// The JSON contract (schema "ipcctl/1", documented in ipcctl-json(7)):
// typed numbers, null for what does not apply, RFC 3339 UTC times.
#include <ipcctl/model/object.hpp>

#include <nlohmann/json.hpp>

#include <span>
#include <string>

namespace ipcctl::render {

inline constexpr std::string_view k_schema = "ipcctl/1";

nlohmann::ordered_json object_json(const model::Object& o);
// { "schema", "objects", "warnings" }, pretty-printed.
std::string render_json(std::span<const model::Object> objects, std::span<const std::string> warnings);
// One compact object per line.
std::string render_jsonl(std::span<const model::Object> objects);
// 1764158400 -> "2025-11-26T12:00:00Z"
std::string rfc3339(std::int64_t seconds);

} // namespace ipcctl::render
