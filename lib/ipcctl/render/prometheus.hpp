#pragma once
// The Prometheus text exposition format, for node_exporter's textfile
// collector: object counts and bytes per type and user, queue depths,
// attachments, unread pipe bytes, limits and their use, audit findings.
// Labels stay bounded (type, user, limit, check, severity): a ref, pid or
// inode becomes a label only with per_object.
#include <ipcctl/api.hpp>
#include <ipcctl/model/limit.hpp>
#include <ipcctl/model/object.hpp>
#include <ipcctl/query/audit.hpp>

#include <span>
#include <string>

IPCCTL_API_BEGIN

namespace ipcctl::render {

struct MetricsInput {
  std::span<const model::Object> objects;
  std::span<const model::Limit> limits;
  std::span<const query::Finding> findings;
  std::span<const query::Check> checks;  // the checks that ran: each gets a 0 when clean
  std::size_t warnings = 0;
  double scrape_seconds = 0;
  std::string version;
  bool per_object = false;
};

std::string render_prometheus(const MetricsInput& in);

// A label value as the format requires: valid UTF-8 (a stray byte becomes
// U+FFFD), with \, " and newline escaped.
std::string prometheus_label(std::string_view value);

} // namespace ipcctl::render

IPCCTL_API_END
