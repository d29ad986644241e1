#pragma once
// Selection and order of a Snapshot's objects: -u, -Q and --sort. Works on
// the objects only; never reads the system.
#include <ipcctl/api.hpp>
#include <ipcctl/query/column.hpp>
#include <ipcctl/query/filter.hpp>

#include <optional>
#include <vector>

IPCCTL_API_BEGIN

namespace ipcctl::query {

struct Selection {
  std::optional<std::uint32_t> uid;  // owned by this user, or held by one of its processes
  const Filter* filter = nullptr;
};

void select(std::vector<model::Object>& objects, const Selection& sel);

// Default order: by type (as all_kinds()), then id, inode, name.
void sort_default(std::vector<model::Object>& objects);
// Stable sort on a column: numbers by value, text by text, nulls last.
void sort_by(std::vector<model::Object>& objects, const Column& col, bool descending);

} // namespace ipcctl::query

IPCCTL_API_END
