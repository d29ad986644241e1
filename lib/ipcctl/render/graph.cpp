// Labels say what a reader at the picture needs: the command, pid and user
// on a process; the type and how many objects an edge stands for ("unix
// x400"); a single object's ref, so it can be shown with ipcctl show.
// Commands, refs and container names come from other users: each goes
// through terminal_safe before it is joined into a label, and the label
// then through the format's own quoting (DOT's \" and \\, Mermaid's
// entity codes), so that neither a terminal showing the source nor the
// format's parser sees anything but text. The only line breaks in a label
// are ours.
#include <ipcctl/render/graph.hpp>

#include <ipcctl/render/json.hpp>
#include <ipcctl/util/escape.hpp>

#include <fmt/format.h>

namespace ipcctl::render {

using query::Direction;
using query::Graph;
using query::GraphEdge;
using query::GraphNode;

namespace {

std::string node_label(const GraphNode& n) {
  if (!n.process) return terminal_safe(n.ref);
  std::string label = fmt::format("{}\n{}", n.comm.empty() ? "?" : terminal_safe(n.comm), n.pid);
  if (!n.user.empty()) label += fmt::format(" ({})", terminal_safe(n.user));
  else if (n.uid) label += fmt::format(" (uid {})", *n.uid);
  return label;
}

std::string edge_label(const GraphEdge& e) {
  std::string label(model::kind_name(e.kind));
  if (e.refs.size() > 1) label += fmt::format(" x{}", e.refs.size());
  else if (e.direction != Direction::none) label = terminal_safe(e.refs.front());
  if (!e.access.empty()) label += " " + terminal_safe(e.access);
  return label;
}

// A cluster's label: its lines (namespaces, then the container) each made safe.
std::string cluster_label(std::string_view label) {
  std::string out;
  for (;;) {
    const auto nl = label.find('\n');
    append_terminal_safe(out, label.substr(0, nl));
    if (nl == std::string_view::npos) return out;
    out += '\n';
    label.remove_prefix(nl + 1);
  }
}

// A colour per family (the kinds' descriptors say which), so a picture of
// 200 edges still reads.
std::string_view colour(model::Kind k) { return model::describe(k).colour; }

// A DOT string of safe text; a newline (ours) becomes DOT's centred line
// break, and a backslash stays a backslash (not \l, \N or \G).
std::string dot_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}

// Mermaid labels of safe text: no quotes, brackets, entity codes or
// Markdown of their own; a newline (ours) is <br/>.
std::string mermaid_text(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
    case '"': out += "#quot;"; break;
    case '#': out += "#35;"; break;
    case '`': out += "#96;"; break;
    case '[': out += "#91;"; break;
    case ']': out += "#93;"; break;
    case '|': out += "#124;"; break;
    case '<': out += "#lt;"; break;
    case '>': out += "#gt;"; break;
    case '\n': out += "<br/>"; break;
    default: out += c;
    }
  }
  return out;
}

std::string_view direction_name(Direction d) {
  switch (d) {
  case Direction::forward: return "forward";
  case Direction::both: return "both";
  case Direction::none: return "none";
  }
  return "none";
}

} // namespace

// Calls node(n, indent) for the nodes outside any cluster, then, for each
// cluster, open(c) before its nodes and close() after them.
template <class Node, class Open, class Close>
void each_node(const Graph& g, Node node, Open open, Close close) {
  for (const auto& n : g.nodes)
    if (n.cluster.empty()) node(n, "  ");
  for (const auto& c : g.clusters) {
    open(c);
    for (const auto& n : g.nodes)
      if (n.cluster == c.id) node(n, "    ");
    close();
  }
}

std::string render_dot(const Graph& g) {
  std::string out = "digraph ipc {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=10];\n"
                    "  edge [fontname=\"Helvetica\", fontsize=9];\n";
  each_node(
      g,
      [&](const GraphNode& n, std::string_view indent) {
        if (n.process) out += fmt::format("{}{} [shape=box, label={}];\n", indent, n.id, dot_quote(node_label(n)));
        else
          out += fmt::format("{}{} [shape=ellipse, style=filled, fillcolor=\"#f0f0f0\", color=\"{}\", label={}];\n",
                             indent, n.id, colour(n.kind), dot_quote(node_label(n)));
      },
      [&](const query::GraphCluster& c) {
        out += fmt::format("  subgraph cluster_{} {{\n    label={};\n    style=rounded;\n    color=\"#999999\";\n", c.id,
                           dot_quote(cluster_label(c.label)));
      },
      [&] { out += "  }\n"; });
  for (const auto& e : g.edges) {
    out += fmt::format("  {} -> {} [dir={}, color=\"{}\", label={}];\n", e.from, e.to, direction_name(e.direction),
                       colour(e.kind),
                       dot_quote(edge_label(e)));
  }
  return out + "}\n";
}

std::string render_mermaid(const Graph& g) {
  std::string out = "flowchart LR\n";
  each_node(
      g,
      [&](const GraphNode& n, std::string_view indent) {
        if (n.process) out += fmt::format("{}{}[\"{}\"]\n", indent, n.id, mermaid_text(node_label(n)));
        else out += fmt::format("{}{}((\"{}\"))\n", indent, n.id, mermaid_text(node_label(n)));
      },
      [&](const query::GraphCluster& c) {
        out += fmt::format("  subgraph {}[\"{}\"]\n", c.id, mermaid_text(cluster_label(c.label)));
      },
      [&] { out += "  end\n"; });
  for (const auto& e : g.edges) {
    const std::string_view arrow = e.direction == Direction::forward ? "-->"
                                   : e.direction == Direction::both  ? "<-->"
                                                                     : "---";
    out += fmt::format("  {} {}|\"{}\"| {}\n", e.from, arrow, mermaid_text(edge_label(e)), e.to);
  }
  return out;
}

// One node or edge a line (a graph of 2,000 edges stays greppable), the
// short lists of clusters and warnings on one line each.
std::string render_graph_json(const Graph& g, std::span<const std::string> warnings) {
  using Layout = JsonWriter::Layout;
  std::string out;
  JsonWriter w(out, true);
  // A string, or null when empty.
  const auto text_or_null = [&](std::string_view key, std::string_view s) {
    w.key(key);
    if (s.empty()) w.null();
    else w.value(s);
  };
  w.begin_object();
  w.field("schema", k_schema);
  w.key("nodes").begin_array();
  for (const auto& n : g.nodes) {
    w.begin_object(Layout::spaced);
    w.field("id", n.id);
    if (n.process) {
      w.field("kind", "process").field("pid", n.pid).field("comm", n.comm).field("uid", n.uid);
      text_or_null("user", n.user);
      w.field("ref", nullptr).field("type", nullptr);
    } else {
      w.field("kind", "object").field("pid", nullptr).field("comm", nullptr).field("uid", nullptr);
      w.field("user", nullptr).field("ref", n.ref).field("type", model::kind_name(n.kind));
    }
    text_or_null("cluster", n.cluster);
    w.end_object();
  }
  w.end_array();
  w.key("edges").begin_array();
  for (const auto& e : g.edges) {
    w.begin_object(Layout::spaced);
    w.field("from", e.from).field("to", e.to).field("type", model::kind_name(e.kind));
    w.field("direction", direction_name(e.direction));
    text_or_null("access", e.access);
    w.field("count", e.refs.size());
    w.key("refs").begin_array();
    for (const auto& r : e.refs) w.value(r);
    w.end_array();
    w.end_object();
  }
  w.end_array();
  w.key("clusters").begin_array(Layout::spaced);
  for (const auto& c : g.clusters) {
    w.begin_object();
    w.field("id", c.id);
    w.key("namespace").begin_object().field("type", "ipc").field("inode", c.inode).end_object();
    w.key("net_namespace").begin_object().field("type", "net").field("inode", c.net_inode).end_object();
    w.field("label", c.label);
    w.end_object();
  }
  w.end_array();
  w.key("warnings").begin_array(Layout::spaced);
  for (const auto& text : warnings) w.value(text);
  w.end_array();
  w.end_object();
  w.end_line();
  return out;
}

} // namespace ipcctl::render
