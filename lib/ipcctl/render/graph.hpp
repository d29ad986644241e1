#pragma once
// A Graph as Graphviz DOT, Mermaid, or JSON (ipcctl-json(7) GRAPH).
#include <ipcctl/api.hpp>
#include <ipcctl/query/graph.hpp>

#include <span>
#include <string>

IPCCTL_API_BEGIN

namespace ipcctl::render {

std::string render_dot(const query::Graph& g);
std::string render_mermaid(const query::Graph& g);
std::string render_graph_json(const query::Graph& g, std::span<const std::string> warnings);

} // namespace ipcctl::render

IPCCTL_API_END
