#include <ipcctl/query/column.hpp>
#include <ipcctl/render/json.hpp>
#include <ipcctl/render/prometheus.hpp>
#include <ipcctl/render/text.hpp>

#include <nlohmann/json.hpp>

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
  o.set("unread_bytes", std::int64_t{2048});
  o.set("ctime", model::Time{1764158400});
  o.set("deleted", false);
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
  shm.set("nattch", std::int64_t{2});
  model::Object q = shm;
  q.kind = model::Kind::posix_mq;
  q.ref = "posix-mq:/a\"b";
  q.size = 30;
  q.detail.clear();
  q.set("messages", std::int64_t{3});
  q.set("bytes", std::int64_t{30});
  const std::vector<model::Object> objects{shm, q};
  sys::Limit lim{"msgmni", "sysv-msg", "kernel.msgmni", 100, 25, "queues", "queues"};
  const std::vector<sys::Limit> limits{lim};
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
