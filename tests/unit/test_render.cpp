#include <ipcctl/query/column.hpp>
#include <ipcctl/render/csv.hpp>
#include <ipcctl/render/graph.hpp>
#include <ipcctl/render/json.hpp>
#include <ipcctl/render/prometheus.hpp>
#include <ipcctl/render/text.hpp>
#include <ipcctl/util/escape.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>

#include <doctest/doctest.h>

using namespace ipcctl;

namespace {
model::Object fifo() {
  model::Object o;
  o.kind = model::Kind::fifo;
  o.ref = "fifo:/run/a\nb";
  o.name = "/run/a\nb";
  o.inode = 99;
  o.mode = 0644;
  o.size = 2048;
  o.holders.push_back(model::Holder{812, "cat", 3, "r", model::Via::fd, 0u});
  o.set(model::key::unread_bytes, std::int64_t{2048});
  o.set(model::key::ctime, model::Time{1764158400});
  o.set(model::key::deleted, false);
  return o;
}
} // namespace

TEST_CASE("render::object_json follows the contract") {
  const auto j = nlohmann::json::parse(render::object_json(fifo()));
  CHECK(j["ref"] == "fifo:/run/a\nb");
  CHECK(j["type"] == "fifo");
  CHECK(j["id"].is_null());
  CHECK(j["key"].is_null());
  CHECK(j["inode"] == 99);
  CHECK(j["mode"] == "0644");
  CHECK(j["owner"].is_null());
  CHECK(j["peer"].is_null());
  CHECK(j["holders"][0]["pid"] == 812);
  CHECK(j["holders"][0]["fd"] == 3);
  CHECK(j["holders"][0]["access"] == "r");
  CHECK(j["holders"][0]["via"] == "fd");
  CHECK(j["detail"]["unread_bytes"] == 2048);
  CHECK(j["detail"]["ctime"] == "2025-11-26T12:00:00Z");
  CHECK(j["detail"]["deleted"] == false);
}

TEST_CASE("render::render_json envelope") {
  const std::vector<model::Object> objs{fifo()};
  const std::vector<std::string> warnings{"1 processes were not readable"};
  const auto doc = nlohmann::json::parse(render::render_json(objs, warnings));
  CHECK(doc["schema"] == "ipcctl/1");
  CHECK(doc["objects"].size() == 1);
  CHECK(doc["warnings"][0] == warnings[0]);
  const auto lines = render::render_jsonl(objs);
  CHECK(std::count(lines.begin(), lines.end(), '\n') == 1);
}

TEST_CASE("render::render_table escapes, aligns and fits") {
  const std::vector<model::Object> objs{fifo()};
  std::vector<const query::Column*> cols{query::find_column("REF"), query::find_column("SIZE"),
                                         query::find_column("HOLDERS")};
  render::TableOptions opts;
  const auto text = render::render_table(objs, cols, opts);
  CHECK(text == "REF              SIZE HOLDERS\nfifo:/run/a\\x0ab   2K cat[812]:3,r\n");
  opts.raw = true;
  opts.headings = false;
  opts.exact_bytes = true;
  CHECK(render::render_table(objs, cols, opts) == "fifo:/run/a\\x0ab 2048 cat[812]:3,r\n");
  render::TableOptions narrow;
  narrow.width = 30;
  const auto fitted = render::render_table(objs, cols, narrow);
  for (std::size_t start = 0; start < fitted.size();) {
    const auto nl = fitted.find('\n', start);
    const std::string line = fitted.substr(start, nl - start);
    std::size_t width = 0;
    for (char c : line) width += (static_cast<unsigned char>(c) & 0xc0) != 0x80;
    CHECK(width <= 30);
    start = nl + 1;
  }
}

TEST_CASE("render::render_summary counts holding processes, not descriptors") {
  // Two FIFOs, each held by process 812 twice and by 813 once: 2 holders.
  model::Object a = fifo(), b = fifo();
  b.ref = "fifo:/run/b";
  for (auto* o : {&a, &b}) {
    o->owner.uid = 1000;
    o->owner.user = "ana";
    o->holders.push_back(model::Holder{812, "cat", 4, "r", model::Via::fd, 0u});
    o->holders.push_back(model::Holder{813, "sh", 1, "w", model::Via::fd, 0u});
  }
  const std::vector<model::Object> v{a, b};
  render::TableOptions opts;
  opts.exact_bytes = true;
  const auto text = render::render_summary(v, opts);
  CHECK(text.find("fifo        2       4096        2\n") != std::string::npos);
  CHECK(text.find("ana          2       4096        2\n") != std::string::npos);
}

TEST_CASE("render::append_json_string keeps the output valid JSON") {
  std::string out;
  render::append_json_string(out, std::string("a\"b\\c\n\x01\xff\xc3\xa9", 10));
  CHECK(out == "\"a\\\"b\\\\c\\n\\u0001\\ufffd\xc3\xa9\"");
  CHECK(nlohmann::json::parse(out).get<std::string>() == "a\"b\\c\n\x01\xef\xbf\xbd\xc3\xa9");
}

TEST_CASE("render::write_json pretty layout matches compact content") {
  const std::vector<model::Object> objs{fifo(), fifo()};
  const auto pretty = nlohmann::json::parse(render::render_json(objs, {}));
  const auto compact = nlohmann::json::parse(render::object_json(objs[0]));
  CHECK(pretty["objects"][1] == compact);
  CHECK(pretty["warnings"].is_array());
  CHECK(pretty["warnings"].empty());
}

TEST_CASE("render::human_size") {
  CHECK(render::human_size(0) == "0");
  CHECK(render::human_size(1023) == "1023");
  CHECK(render::human_size(4096) == "4K");
  CHECK(render::human_size(1536) == "1.5K");
  CHECK(render::human_size(std::int64_t{3} << 30) == "3G");
}

TEST_CASE("render::render_prometheus") {
  model::Object shm;
  shm.kind = model::Kind::sysv_shm;
  shm.ref = "sysv-shm:5";
  shm.size = 4096;
  shm.owner.uid = 0;
  shm.owner.user = "root";
  shm.set(model::key::nattch, std::int64_t{2});
  model::Object q = shm;
  q.kind = model::Kind::posix_mq;
  q.ref = "posix-mq:/a\"b";
  q.size = 30;
  q.detail.clear();
  q.set(model::key::messages, std::int64_t{3});
  q.set(model::key::bytes, std::int64_t{30});
  const std::vector<model::Object> objects{shm, q};
  model::Limit lim{"msgmni", "sysv-msg", "kernel.msgmni", 100, 25, "queues", "queues"};
  const std::vector<model::Limit> limits{lim};
  render::MetricsInput in;
  in.objects = objects;
  in.limits = limits;
  in.checks = query::all_checks();
  in.version = "1.0";
  const std::string text = render::render_prometheus(in);
  CHECK(text.find("# TYPE ipcctl_objects gauge\n") != std::string::npos);
  CHECK(text.find("ipcctl_objects{type=\"sysv-shm\",user=\"root\"} 1\n") != std::string::npos);
  CHECK(text.find("ipcctl_shm_attachments{type=\"sysv-shm\",user=\"root\"} 2\n") != std::string::npos);
  CHECK(text.find("ipcctl_queued_bytes{type=\"posix-mq\",user=\"root\"} 30\n") != std::string::npos);
  CHECK(text.find("ipcctl_limit_used_ratio{name=\"msgmni\",group=\"sysv-msg\"} 0.25\n") != std::string::npos);
  CHECK(text.find("ipcctl_audit_findings{check=\"world_writable\",severity=\"high\"} 0\n") != std::string::npos);
  CHECK(text.find("ref=") == std::string::npos);  // bounded without per_object
  in.per_object = true;
  CHECK(render::render_prometheus(in).find(R"(ipcctl_object_queued_messages{ref="posix-mq:/a\"b",type="posix-mq",user="root"} 3)") !=
        std::string::npos);
  CHECK(render::prometheus_label("a\\b\"c\nd") == R"(a\\b\"c\nd)");
}

namespace {

// Bytes a terminal would act on, or that forge or reorder a line.
bool terminal_unsafe(std::string_view text, bool newlines_allowed) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n' && newlines_allowed) continue;
    if (c < 0x20 || c == 0x7f) return true;
    if (c == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
        static_cast<unsigned char>(text[i + 1]) <= 0x9f)
      return true;
    if (c == 0xe2 && i + 2 < text.size()) {
      const auto c1 = static_cast<unsigned char>(text[i + 1]), c2 = static_cast<unsigned char>(text[i + 2]);
      if (c1 == 0x80 && c2 >= 0xaa && c2 <= 0xae) return true;
      if (c1 == 0x81 && c2 >= 0xa6 && c2 <= 0xa9) return true;
    }
  }
  return !valid_utf8(text);
}

constexpr std::string_view k_hostile = "a\nREF x y\x1b[2J\xc2\x9b\xe2\x80\xae\xe2\x81\xa6\xff\xfe";

model::Object hostile_fifo() {
  model::Object o = fifo();
  o.name = "/tmp/" + std::string(k_hostile);
  o.ref = "fifo:" + *o.name;
  o.holders[0].comm = "\x1b]0;pwned\x07";
  return o;
}

} // namespace

TEST_CASE("render: hostile names reach no text output raw") {
  const std::vector<model::Object> objs{hostile_fifo(), fifo()};
  std::vector<const query::Column*> cols{query::find_column("REF"), query::find_column("NAME"),
                                         query::find_column("HOLDERS")};
  render::TableOptions opts;
  SUBCASE("ls table: one line per object") {
    const auto text = render::render_table(objs, cols, opts);
    CHECK(std::count(text.begin(), text.end(), '\n') == 3);
    CHECK_FALSE(terminal_unsafe(text, true));
    CHECK(text.find("a\\x0aREF x y\\x1b[2J\\u009b\\u202e\\u2066\\xff\\xfe") != std::string::npos);
  }
  SUBCASE("ls --raw: one line per object, one field per cell") {
    opts.raw = true;
    const auto text = render::render_table(objs, cols, opts);
    CHECK(std::count(text.begin(), text.end(), '\n') == 3);
    CHECK_FALSE(terminal_unsafe(text, true));
    const auto second = text.substr(text.find('\n') + 1);
    CHECK(std::count(second.begin(), second.begin() + static_cast<std::ptrdiff_t>(second.find('\n')), ' ') == 2);
  }
  SUBCASE("ls --summary and show") {
    model::Object o = hostile_fifo();
    o.owner.uid = 1000;
    o.owner.user = std::string(k_hostile);
    const std::vector<model::Object> one{o};
    CHECK_FALSE(terminal_unsafe(render::render_summary(one, opts), true));
    const auto details = render::render_details(one, opts);
    CHECK_FALSE(terminal_unsafe(details, true));
    CHECK(details.find("\\x1b]0;pwned\\x07") != std::string::npos);
  }
}

TEST_CASE("render::render_dot and render_mermaid: hostile names stay inside their label") {
  query::Graph g;
  query::GraphNode p;
  p.id = "p1";
  p.pid = 1;
  p.comm = std::string(k_hostile) + "\"\\#quot;`[x]|<b>";
  p.user = "u\x1b[2J";
  g.nodes.push_back(p);
  query::GraphNode o;
  o.id = "o1";
  o.process = false;
  o.ref = "fifo:/tmp/" + std::string(k_hostile);
  o.kind = model::Kind::fifo;
  o.cluster = "ns1_2";
  g.nodes.push_back(o);
  g.edges.push_back(query::GraphEdge{"p1", "o1", model::Kind::fifo, query::Direction::forward, "", {o.ref}});
  g.clusters.push_back(query::GraphCluster{"ns1_2", "ipc:1 net:2\ndocker \x1b[2J", 1, 2});

  const auto dot = render::render_dot(g);
  CHECK_FALSE(terminal_unsafe(dot, true));
  // Every line is a statement of ours: no label spills onto a line of its own.
  for (std::size_t start = 0; start < dot.size();) {
    const auto nl = dot.find('\n', start);
    const std::string line = dot.substr(start, nl - start);
    CHECK((line.find("REF x y") == std::string::npos || line.find("label=\"") != std::string::npos));
    start = nl + 1;
  }
  CHECK(dot.find(R"x(label="a\\x0aREF x y\\x1b[2J\\u009b\\u202e\\u2066\\xff\\xfe\"\\#quot;`[x]|<b>\n1 (u\\x1b[2J)")x") !=
        std::string::npos);
  CHECK(dot.find(R"x(label="ipc:1 net:2\ndocker \\x1b[2J")x") != std::string::npos);

  const auto mermaid = render::render_mermaid(g);
  CHECK_FALSE(terminal_unsafe(mermaid, true));
  CHECK(mermaid.find("p1[\"a\\x0aREF x y\\x1b#91;2J\\u009b\\u202e\\u2066\\xff\\xfe#quot;\\#35;quot;#96;#91;x#93;#124;"
                     "#lt;b#gt;<br/>1 (u\\x1b#91;2J)\"]") != std::string::npos);
  CHECK(mermaid.find("subgraph ns1_2[\"ipc:1 net:2<br/>docker \\x1b#91;2J\"]") != std::string::npos);
  // Five statements and the header: nothing else became a line.
  CHECK(std::count(mermaid.begin(), mermaid.end(), '\n') == 6);
}

TEST_CASE("render::render_prometheus: labels are valid UTF-8, the invalid names counted") {
  model::Object a;
  a.kind = model::Kind::posix_shm;
  a.ref = "posix-shm:/\xff\xfe";
  a.size = 4096;
  a.owner.uid = 0;
  a.owner.user = "root";
  model::Object b = a;
  b.ref = "posix-shm:/\xfe\xff";  // the same once repaired
  b.size = 8192;
  model::Object c = a;
  c.ref = "posix-shm:/ok\n\"";
  model::Object d = a;
  d.ref = "posix-shm:/\x1b[2J\xe2\x80\xae";
  c.owner.user = "us\xe9r";
  const std::vector<model::Object> objects{a, b, c, d};
  render::MetricsInput in;
  in.objects = objects;
  in.checks = query::all_checks();
  in.version = "1.0";
  in.per_object = true;
  const std::string text = render::render_prometheus(in);
  CHECK(valid_utf8(text));
  CHECK_FALSE(terminal_unsafe(text, true));
  CHECK(text.find("ipcctl_labels_repaired 3\n") != std::string::npos);
  CHECK(text.find("ipcctl_object_bytes{ref=\"posix-shm:/\xef\xbf\xbd\xef\xbf\xbd\",type=\"posix-shm\",user=\"root\"} 4096\n") !=
        std::string::npos);
  CHECK(text.find("ipcctl_object_bytes{ref=\"posix-shm:/\xef\xbf\xbd\xef\xbf\xbd\",type=\"posix-shm\",user=\"root\","
                  "duplicate=\"2\"} 8192\n") != std::string::npos);
  // As ls shows it: a newline in a name is \x0a, its backslash escaped by the format.
  CHECK(text.find("ipcctl_object_bytes{ref=\"posix-shm:/ok\\\\x0a\\\"\",type=\"posix-shm\",user=\"us\xef\xbf\xbdr\"} 4096\n") !=
        std::string::npos);
  CHECK(text.find("ipcctl_object_bytes{ref=\"posix-shm:/\\\\x1b[2J\\\\u202e\",type=\"posix-shm\",user=\"root\"} 4096\n") !=
        std::string::npos);
  CHECK(text.find("ipcctl_objects{type=\"posix-shm\",user=\"root\"} 3\n") != std::string::npos);
  CHECK(text.find("ipcctl_objects{type=\"posix-shm\",user=\"us\xef\xbf\xbdr\"} 1\n") != std::string::npos);
  CHECK(render::prometheus_label("\xff" "a") == "\xef\xbf\xbd" "a");
  // Clean names: a count of 0.
  const std::vector<model::Object> clean{fifo()};
  in.objects = clean;
  CHECK(render::render_prometheus(in).find("ipcctl_labels_repaired 0\n") != std::string::npos);
}

TEST_CASE("render::wrap_text loses nothing but the spaces it breaks at") {
  using V = std::vector<std::string>;
  CHECK(render::wrap_text("short", 10) == V{"short"});
  CHECK(render::wrap_text("cat[812]:3,r sed[813]:4,w", 16) == V{"cat[812]:3,r", "sed[813]:4,w"});
  // A holder moves whole to the next line; one wider than a line breaks after its pid.
  CHECK(render::wrap_text("a[1]:4,r worker[1638]:5,w", 20) == V{"a[1]:4,r", "worker[1638]:5,w"});
  CHECK(render::wrap_text("broker[51602]:map,rw", 14) == V{"broker[51602]", ":map,rw"});
  // Then after commas, then anywhere, counting characters, not bytes.
  CHECK(render::wrap_text("aaaaaa,bbbbbb", 8) == V{"aaaaaa,", "bbbbbb"});
  CHECK(render::wrap_text("ééééééé", 3) == V{"ééé", "ééé", "é"});
}

TEST_CASE("render::render_table: holders wrap, DETAIL is cut, colour only when asked") {
  model::Object o = fifo();
  o.holders.push_back(model::Holder{813, "orders-ingestor", 4, "w", model::Via::fd, 0u});
  o.peer = "fifo:/run/a-rather-long-name-for-the-other-end";  // in DETAIL
  const std::vector<model::Object> objs{o};
  std::vector<const query::Column*> cols{query::find_column("INODE"), query::find_column("DETAIL"),
                                         query::find_column("HOLDERS")};
  render::TableOptions opts;
  opts.width = 50;
  const std::string text = render::render_table(objs, cols, opts);
  CHECK(text.find("orders-ingestor[813]:4,w") != std::string::npos);
  CHECK(text.find("cat[812]:3,r") != std::string::npos);
  CHECK(text.find("…") != std::string::npos);  // DETAIL, cut
  CHECK(text.find("\033[") == std::string::npos);
  opts.overflow = render::Overflow::keep;
  const std::string kept = render::render_table(objs, cols, opts);
  CHECK(std::count(kept.begin(), kept.end(), '\n') == 2);
  opts.color = true;
  cols.insert(cols.begin(), query::find_column("REF"));
  CHECK(render::render_table(objs, cols, opts).find("\033[34mfifo:/run/a\\x0ab\033[0m") != std::string::npos);
}

TEST_CASE("render::render_csv is RFC 4180 with the table's columns") {
  CHECK(render::csv_field("plain") == "plain");
  CHECK(render::csv_field("a,b") == "\"a,b\"");
  CHECK(render::csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(render::csv_field(" lead") == "\" lead\"");
  CHECK(render::csv_field("=1+1") == "=1+1");
  const std::vector<model::Object> objs{fifo()};
  std::vector<const query::Column*> cols{query::find_column("NAME"), query::find_column("SIZE"),
                                         query::find_column("KEY"), query::find_column("HOLDERS")};
  CHECK(render::render_csv(objs, cols, {}) == "NAME,SIZE,KEY,HOLDERS\n/run/a\\x0ab,2048,,\"cat[812]:3,r\"\n");
  CHECK(render::render_csv(objs, cols, {.headings = false}) == "/run/a\\x0ab,2048,,\"cat[812]:3,r\"\n");
}
