#include <ipcctl/query/select.hpp>

#include <algorithm>

namespace ipcctl::query {

using model::Object;

void select(std::vector<Object>& objects, const Selection& sel) {
  auto keep = [&](const Object& o) {
    if (sel.uid) {
      bool mine = o.owner.uid == sel.uid;
      for (const auto& h : o.holders) mine = mine || h.uid == sel.uid;
      if (!mine) return false;
    }
    return sel.filter == nullptr || sel.filter->matches(o);
  };
  objects.erase(std::remove_if(objects.begin(), objects.end(), [&](const Object& o) { return !keep(o); }),
                objects.end());
}

namespace {

int kind_rank(model::Kind k) {
  const auto kinds = model::all_kinds();
  return static_cast<int>(std::find(kinds.begin(), kinds.end(), k) - kinds.begin());
}

// <0, 0, >0; null after everything.
int compare_cells(const Cell& a, const Cell& b) {
  const bool an = std::holds_alternative<std::monostate>(a), bn = std::holds_alternative<std::monostate>(b);
  if (an || bn) return an == bn ? 0 : (an ? 1 : -1);
  const auto* ai = std::get_if<std::int64_t>(&a);
  const auto* bi = std::get_if<std::int64_t>(&b);
  if (ai && bi) return *ai < *bi ? -1 : (*ai > *bi ? 1 : 0);
  return cell_text(a).compare(cell_text(b));
}

// Puts objects[order[0]] first, objects[order[1]] second...: by following
// each cycle of the permutation, so every object moves once and no second
// array of objects is needed.
void permute(std::vector<Object>& objects, std::vector<std::size_t>& order) {
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (order[i] == i) continue;
    Object held = std::move(objects[i]);
    std::size_t at = i;
    while (order[at] != i) {
      const std::size_t from = order[at];
      objects[at] = std::move(objects[from]);
      order[at] = at;
      at = from;
    }
    objects[at] = std::move(held);
    order[at] = at;
  }
}

} // namespace

// Sorted by index: comparing reads the objects, and only the final moves
// touch them.
void sort_default(std::vector<Object>& objects) {
  std::vector<int> rank(objects.size());
  for (std::size_t i = 0; i < objects.size(); ++i) rank[i] = kind_rank(objects[i].kind);
  std::vector<std::size_t> order(objects.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    if (rank[x] != rank[y]) return rank[x] < rank[y];
    const Object& a = objects[x];
    const Object& b = objects[y];
    if (a.id != b.id) return a.id < b.id;
    if (a.inode != b.inode) return a.inode < b.inode;
    return a.ref < b.ref;
  });
  permute(objects, order);
}

void sort_by(std::vector<Object>& objects, const Column& col, bool descending) {
  std::vector<std::pair<Cell, std::size_t>> keys;
  keys.reserve(objects.size());
  for (std::size_t i = 0; i < objects.size(); ++i) keys.emplace_back(col.get(objects[i]), i);
  std::stable_sort(keys.begin(), keys.end(), [&](const auto& x, const auto& y) {
    const bool xn = std::holds_alternative<std::monostate>(x.first);
    const bool yn = std::holds_alternative<std::monostate>(y.first);
    if (xn || yn) return !xn && yn;  // nulls last either way
    const int c = compare_cells(x.first, y.first);
    return descending ? c > 0 : c < 0;
  });
  std::vector<std::size_t> order;
  order.reserve(keys.size());
  for (const auto& key : keys) order.push_back(key.second);
  permute(objects, order);
}

} // namespace ipcctl::query
