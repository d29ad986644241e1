#pragma once
// The JSON contract (schema "ipcctl/1", documented in ipcctl-json(7)):
// typed numbers, null for what does not apply, RFC 3339 UTC times.
//
// Output is streamed object by object through a sink, so listing 30,000
// descriptors never builds the whole document in memory.
#include <ipcctl/api.hpp>
#include <ipcctl/model/limit.hpp>
#include <ipcctl/model/object.hpp>
#include <ipcctl/model/snapshot.hpp>
#include <ipcctl/query/finding.hpp>
#include <ipcctl/render/json_writer.hpp>

#include <span>
#include <string>
#include <string_view>

IPCCTL_API_BEGIN

namespace ipcctl::render {

inline constexpr std::string_view k_schema = "ipcctl/1";

// One object; pretty (indented as inside "objects") or compact.
std::string object_json(const model::Object& o, bool pretty = false);
// The documents of ls, show, rm and audit end with "warnings" (the texts)
// and "warning_details": one {"text", "pids", "refs"} per warning, in the
// same order, with what `about` (parallel to the warnings; shorter: the rest
// count nothing) says it counts.
//
// { "schema", "objects", "warnings", "warning_details" }, pretty-printed, written in pieces to `sink`.
void write_json(std::span<const model::Object> objects, std::span<const std::string> warnings, const Sink& sink,
                std::span<const model::WarningSubjects> about = {});
// One compact object per line.
void write_jsonl(std::span<const model::Object> objects, const Sink& sink);

// write_json's document (or write_jsonl's lines) written as the objects
// come, for a listing that collects them a kind at a time (collect()'s
// ObjectSink). Nothing is written before the first write() or finish().
class ObjectStream {
public:
  ObjectStream(Sink sink, bool lines);
  ObjectStream(const ObjectStream&) = delete;
  ObjectStream& operator=(const ObjectStream&) = delete;
  void write(std::span<const model::Object> objects);
  // Ends the document with `warnings` and what they count (`about`, as
  // write_json takes them; --jsonl prints none) and flushes.
  void finish(std::span<const std::string> warnings, std::span<const model::WarningSubjects> about = {});

private:
  void open();
  JsonWriter m_w;
  bool m_lines = false, m_open = false;
};

// What a command did to one object (rm): status "removed", "refused",
// "failed" or "would_remove", and why (empty: null).
struct Outcome {
  const model::Object* object = nullptr;
  std::string_view status;
  std::string reason;
};
// { "schema", "results": [ {"ref", "type", "status", "reason", "object"} ], "warnings" }
void write_outcomes(std::span<const Outcome> results, std::span<const std::string> warnings, const Sink& sink,
                    std::span<const model::WarningSubjects> about = {});

// { "schema", "findings": [ {"check", "severity", "ref", "type", "summary",
// "why", "fix", "holders"} ], "warnings" } (ipcctl audit)
void write_findings(std::span<const query::Finding> findings, std::span<const std::string> warnings,
                    const Sink& sink, std::span<const model::WarningSubjects> about = {});

// { "schema", "limits": [ {"name", "group", "sysctl", "limit", "unlimited",
// "used", "percent", "unit", "description"} ], "warnings" } (ipcctl limits):
// percent to one decimal, null where a number is unknown. Laid out as
// nlohmann's dump(2), the closing brace on a line of its own.
void write_limits(std::span<const model::Limit> limits, std::span<const std::string> warnings, const Sink& sink);

// Whole-string forms, for tests and small outputs.
std::string render_json(std::span<const model::Object> objects, std::span<const std::string> warnings);
std::string render_jsonl(std::span<const model::Object> objects);

// 1764158400 -> "2025-11-26T12:00:00Z"
std::string rfc3339(std::int64_t seconds);

} // namespace ipcctl::render

IPCCTL_API_END
