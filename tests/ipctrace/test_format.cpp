#include <ipcctl/trace/format.hpp>
#include <ipcctl/trace/resolve.hpp>

#include <nlohmann/json.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <csignal>
#include <sys/syscall.h>

using namespace ipcctl;
using namespace ipcctl::trace;

namespace {

Record data_record(model::Kind kind, std::uint64_t channel, int pid, Dir dir, std::uint64_t bytes) {
  Record r;
  r.wall_ns = 1'795'000'000'123'456'789;  // 2026-11-18T11:06:40Z
  r.mono_ns = 42;
  r.pid = r.tid = pid;
  r.kind = kind;
  r.channel = channel;
  r.flags = k_has_channel;
  r.op = dir == Dir::out ? Op::send : Op::recv;
  r.dir = dir;
  r.requested = bytes;
  r.transferred = bytes;
  r.result = static_cast<std::int64_t>(bytes);
  r.duration_ns = 1500;
  r.fd = 4;
  r.nr = dir == Dir::out ? SYS_write : SYS_read;
  return r;
}

} // namespace

TEST_CASE("trace::channel_ref") {
  CHECK(channel_ref(data_record(model::Kind::pipe, 4567, 1, Dir::out, 1), "") == "pipe:4567");
  CHECK(channel_ref(data_record(model::Kind::sysv_msg, 3, 1, Dir::out, 1), "") == "sysv-msg:3");
  CHECK(channel_ref(data_record(model::Kind::posix_mq, 77, 1, Dir::out, 1), "/orders") == "posix-mq:/orders");
  CHECK(channel_ref(data_record(model::Kind::fifo, 77, 1, Dir::out, 1), "/run/ctl") == "fifo:/run/ctl");
  CHECK(channel_ref(data_record(model::Kind::fifo, 77, 1, Dir::out, 1), "") == "");
  Record none = data_record(model::Kind::unix_socket, 9, 1, Dir::out, 1);
  none.flags = 0;
  CHECK(channel_ref(none, "") == "");
  Record sig;
  sig.kind = model::Kind::signal;
  sig.target = 812;
  sig.flags = k_has_target;
  CHECK(channel_ref(sig, "") == "signal:812");
}

TEST_CASE("trace::human_bytes and names") {
  CHECK(human_bytes(0) == "0B");
  CHECK(human_bytes(1023) == "1023B");
  CHECK(human_bytes(4096) == "4.0K");
  CHECK(human_bytes(1536 * 1024) == "1.5M");
  CHECK(signal_name(SIGUSR1) == "SIGUSR1");
  CHECK(signal_name(SIGRTMIN + 2) == "SIGRTMIN+2");
  CHECK(errno_name(EAGAIN) == "EAGAIN");
  CHECK(rfc3339_us(1'795'000'000'123'456'789) == "2026-11-18T11:06:40.123456Z");
}

TEST_CASE("trace::percentile") {
  CHECK(percentile({}, 50) == -1);
  CHECK(percentile({5}, 99) == 5);
  CHECK(percentile({4, 1, 3, 2}, 50) == 2);
  std::vector<std::int64_t> v;
  for (int i = 1; i <= 100; ++i) v.push_back(i);
  CHECK(percentile(v, 99) == 99);
  CHECK(percentile(v, 100) == 100);
}

TEST_CASE("trace::format_text") {
  Event e;
  e.rec = data_record(model::Kind::pipe, 4567, 812, Dir::out, 5);
  e.comm = "writer";
  e.syscall = "write";
  e.ref = "pipe:4567";
  e.peers = {Peer{813, "reader"}};
  FormatOptions o;
  o.utc = true;
  SUBCASE("a send: arrow to the peer, size, duration") {
    const std::string line = format_text(e, o);
    CHECK(line.find("11:06:40.123456 writer[812]") == 0);
    CHECK(line.find("-> reader[813]") != std::string::npos);
    CHECK(line.find("pipe:4567") != std::string::npos);
    CHECK(line.find(" 5B") != std::string::npos);
    CHECK(line.find("(1.5µs)") != std::string::npos);
  }
  SUBCASE("a receive points back; unknown peers are ?") {
    e.rec.dir = Dir::in;
    e.peers.clear();
    CHECK(format_text(e, o).find("<- ?") != std::string::npos);
  }
  SUBCASE("entry-only sizes are upper bounds; errors are named") {
    e.rec.flags |= k_entry_only;
    CHECK(format_text(e, o).find("<=5B") != std::string::npos);
    e.rec.flags = k_has_channel;
    e.rec.result = -EPIPE;
    CHECK(format_text(e, o).find("EPIPE") != std::string::npos);
  }
  SUBCASE("columns line up, whatever the names are made of") {
    // The whole line, so that every column's padding is checked: the
    // command name pads to 22 columns, the ref to 24, the syscall to 10, and
    // the size is right-aligned in 7.
    CHECK(format_text(e, o) == "11:06:40.123456 writer[812]            -> reader[813]            pipe:4567                "
                               "write           5B (1.5µs)");
    // A name in UTF-8 pads by the columns it takes, not by its bytes.
    e.comm = "écrivain";
    const std::string line = format_text(e, o);
    CHECK(line.find("écrivain[812]          ->") != std::string::npos);
    e.comm = "ecrivain";
    CHECK(format_text(e, o).size() + 1 == line.size());  // é is two bytes, one column
  }
  SUBCASE("payload, escaped or as hex") {
    e.payload = "hi\n";
    CHECK(format_text(e, o).find("\"hi\\n\"") != std::string::npos);
    o.hex = true;
    CHECK(format_text(e, o).find("0000  68 69 0a") != std::string::npos);
  }
}

TEST_CASE("trace::format_text and Summary::text: names from traced programs are escaped") {
  // A process may name itself anything (prctl PR_SET_NAME), and a socket's
  // abstract name or a FIFO's path may hold any bytes.
  const std::string hostile = "a\nREF x y\x1b[2J\xc2\x9b\xe2\x80\xae\xff";
  const std::string safe = "a\\x0aREF x y\\x1b[2J\\u009b\\u202e\\xff";
  Event e;
  e.rec = data_record(model::Kind::unix_socket, 99, 812, Dir::out, 5);
  e.comm = hostile;
  e.syscall = "sendto";
  e.ref = "fifo:/tmp/" + hostile;
  e.name = "@" + hostile;
  e.peers = {Peer{813, hostile}};
  FormatOptions o;
  o.utc = true;
  const std::string line = format_text(e, o);
  CHECK(line.find('\n') == std::string::npos);
  CHECK(line.find('\x1b') == std::string::npos);
  CHECK(line.find("\xe2\x80\xae") == std::string::npos);
  CHECK(line.find("\xc2\x9b") == std::string::npos);
  CHECK(line.find(safe + "[812]") != std::string::npos);
  CHECK(line.find("-> " + safe + "[813]") != std::string::npos);
  CHECK(line.find("fifo:/tmp/" + safe) != std::string::npos);
  CHECK(line.find("@" + safe) != std::string::npos);
  CHECK(who(hostile, 1) == safe + "[1]");

  Summary s;
  s.add(e);
  const std::string text = s.text();
  // Who talked to whom (heading, one pair, the total), a blank line, the
  // channels (heading, one row).
  CHECK(std::count(text.begin(), text.end(), '\n') == 6);
  CHECK(text.find('\x1b') == std::string::npos);
  CHECK(text.find("fifo:/tmp/" + safe) != std::string::npos);
  CHECK(text.find(safe + "[812]") != std::string::npos);
  // JSON keeps the name as it is, escaped by JSON's rules (the stray byte
  // that is not UTF-8 becomes U+FFFD).
  const std::string json = event_json(e);
  CHECK(json.find('\x1b') == std::string::npos);
  CHECK(nlohmann::json::parse(json)["comm"] == hostile.substr(0, hostile.size() - 1) + "\xef\xbf\xbd");
}

TEST_CASE("trace::event_json") {
  Event e;
  e.rec = data_record(model::Kind::unix_socket, 99, 812, Dir::out, 4096);
  e.rec.requested = 8192;
  e.comm = "app";
  e.syscall = "sendto";
  e.ref = "unix:99";
  e.peers = {Peer{813, "srv"}};
  e.name = "/run/x.sock";
  const auto j = nlohmann::json::parse(event_json(e));
  CHECK(j["time"] == "2026-11-18T11:06:40.123456Z");
  CHECK(j["pid"] == 812);
  CHECK(j["mechanism"] == "unix");
  CHECK(j["op"] == "send");
  CHECK(j["direction"] == "out");
  CHECK(j["bytes_requested"] == 8192);
  CHECK(j["bytes"] == 4096);
  CHECK(j["exact"] == true);
  CHECK(j["errno"].is_null());
  CHECK(j["peers"][0]["pid"] == 813);
  CHECK(j["detail"]["address"] == "/run/x.sock");
  CHECK(j["payload_hex"].is_null());
  CHECK(j["namespace"].is_null());
  SUBCASE("the channel's namespace") {
    Event n = e;
    n.ns = std::pair{model::NsType::net, std::uint64_t{4026531840}};
    const auto k = nlohmann::json::parse(event_json(n));
    CHECK(k["namespace"]["type"] == "net");
    CHECK(k["namespace"]["inode"] == 4026531840u);
  }
  SUBCASE("every key is present for a lifecycle event too") {
    Event c;
    c.rec.kind = model::Kind::pipe;
    c.rec.op = Op::close;
    c.rec.flags = k_entry_only;
    const auto k = nlohmann::json::parse(event_json(c));
    for (const char* key : {"time", "mono_ns", "pid", "tid", "comm", "syscall", "mechanism", "op", "ref", "fd",
                            "direction", "bytes_requested", "bytes", "exact", "result", "errno", "duration_ns",
                            "peers", "namespace", "detail", "payload_hex"})
      CHECK_MESSAGE(k.contains(key), key);
    CHECK(k["bytes"].is_null());
    CHECK(k["result"].is_null());
  }
}

TEST_CASE("trace::Summary") {
  Summary s;
  auto ev = [](int pid, Dir dir, std::uint64_t bytes, std::int64_t dur, std::int64_t result) {
    Event e;
    e.rec = data_record(model::Kind::pipe, 7, pid, dir, bytes);
    e.rec.duration_ns = dur;
    e.rec.result = result;
    e.comm = pid == 1 ? "w" : "r";
    e.ref = "pipe:7";
    e.peers = {Peer{pid == 1 ? 2 : 1, pid == 1 ? "r" : "w"}};
    return e;
  };
  s.add(ev(1, Dir::out, 100, 10, 100));
  s.add(ev(1, Dir::out, 300, 30, 300));
  s.add(ev(1, Dir::out, 0, 5, -EPIPE));
  s.add(ev(2, Dir::in, 50, 20, 50));
  // Below -4095 a result is a value, not an errno: counted as a message, as
  // the text and JSON forms read it.
  s.add(ev(2, Dir::in, 0, 20, -5000));
  const auto rows = s.sorted();
  REQUIRE(rows.size() == 2);
  CHECK(rows[0]->bytes == 400);
  CHECK(rows[0]->messages == 2);
  CHECK(rows[0]->errors == 1);
  CHECK(rows[1]->bytes == 50);
  CHECK(rows[1]->messages == 2);
  CHECK(rows[1]->errors == 0);
  const auto j = nlohmann::json::parse(s.json());
  CHECK(j["schema"] == "ipctrace/1");
  CHECK(j["summary"][0]["ref"] == "pipe:7");
  CHECK(j["summary"][0]["p50_ns"] == 10);
  CHECK(j["summary"][0]["p99_ns"] == 30);
  const std::string text = s.text();
  CHECK(text.find("FROM") == 0);
  // Each message once, at its sender: 2 messages, 400 bytes, not 4 and 450.
  CHECK(text.find("w[1]   ->  r[2]           1     2    400\n") != std::string::npos);
  CHECK(text.find("total      1 pair         1     2    400\n") != std::string::npos);
  CHECK(text.find("\nCHANNEL") > text.find("total"));
  CHECK(text.find("w[1]", text.find("CHANNEL")) < text.find("r[2]", text.find("CHANNEL")));
  SUBCASE("a process under every name it had") {
    const std::string named = s.text([](int pid, const std::string& comm) { return pid == 2 ? "sh→cat" : comm; });
    CHECK(named.find("w[1]   ->  sh→cat[2]") != std::string::npos);
    CHECK(named.find("r[2]") == std::string::npos);
  }
}

TEST_CASE("trace::duration_text: one family of units, two or three figures") {
  CHECK(duration_text(850) == "850ns");
  CHECK(duration_text(1500) == "1.5µs");
  CHECK(duration_text(9'960) == "10µs");
  CHECK(duration_text(31'000) == "31µs");
  CHECK(duration_text(2'100'000) == "2.1ms");
  CHECK(duration_text(13'000'000) == "13ms");
  CHECK(duration_text(1'200'000'000) == "1.2s");
  CHECK(duration_text(-1) == "");
  CHECK(duration_range_text(4096, 8192) == "4.1-8.2µs");
  CHECK(duration_range_text(512, 1024) == "512ns-1.0µs");
}

TEST_CASE("trace::Summary: durations counted in buckets are shown as their range") {
  // --system: the kernel counts each duration in its power-of-two bucket;
  // three in [4096, 8192) ns.
  Summary s;
  Event e;
  e.rec = data_record(model::Kind::pipe, 7, 1, Dir::out, 1);
  e.comm = "w";
  e.ref = "pipe:7";
  s.add_totals(e, 3, 3, 0, {{4096, 3}});
  const std::string text = s.text();
  CHECK(text.find("4.1-8.2µs  4.1-8.2µs\n") != std::string::npos);
  CHECK(text.find("6144") == std::string::npos);
  // The JSON keeps the bucket's middle, as it always had.
  CHECK(nlohmann::json::parse(s.json())["summary"][0]["p50_ns"] == 6144);
  SUBCASE("the last bucket has no end") {
    Summary t;
    t.add_totals(e, 1, 1, 0, {{k_last_bucket_low, 1}});
    CHECK(t.text().find(">2.1s") != std::string::npos);
  }
}

TEST_CASE("trace::text_header: its columns over format_text's") {
  Event e;
  e.rec = data_record(model::Kind::pipe, 4567, 812, Dir::out, 5);
  e.comm = "writer";
  e.syscall = "write";
  e.ref = "pipe:4567";
  e.peers = {Peer{813, "reader"}};
  FormatOptions o;
  o.utc = true;
  const std::string header = text_header(), line = format_text(e, o);
  CHECK(header.find("TIME") == 0);
  CHECK(header.find("PROCESS") == line.find("writer"));
  CHECK(header.find("PEER") == line.find("reader"));
  CHECK(header.find("CHANNEL") == line.find("pipe:4567"));
  CHECK(header.find("CALL") == line.find("write "));
  CHECK(header.find("SIZE") + 4 == line.find("5B") + 2);  // right-aligned
}

TEST_CASE("trace::Resolver without a live system") {
  Resolver r(false);
  r.note_process(10, "sender");
  r.note_process(11, "receiver");
  Batch b;
  SUBCASE("a queue's peers are the processes seen on the other side") {
    r.note_user(model::Kind::sysv_msg, 3, 11, Dir::in);  // blocked in msgrcv
    const Event e = r.resolve(b, data_record(model::Kind::sysv_msg, 3, 10, Dir::out, 256));
    CHECK(e.ref == "sysv-msg:3");
    CHECK(e.comm == "sender");
    REQUIRE(e.peers.size() == 1);
    CHECK(e.peers[0] == Peer{11, "receiver"});
  }
  SUBCASE("a sender is a peer of later receives") {
    r.resolve(b, data_record(model::Kind::sysv_msg, 3, 10, Dir::out, 256));
    const Event e = r.resolve(b, data_record(model::Kind::sysv_msg, 3, 11, Dir::in, 256));
    REQUIRE(e.peers.size() == 1);
    CHECK(e.peers[0].pid == 10);
  }
  SUBCASE("a signal's peer is its target") {
    Record s;
    s.kind = model::Kind::signal;
    s.op = Op::signal_send;
    s.pid = 10;
    s.target = 11;
    s.aux = SIGUSR1;
    s.flags = k_has_target;
    const Event e = r.resolve(b, s);
    CHECK(e.ref == "signal:11");
    REQUIRE(e.peers.size() == 1);
    CHECK(e.peers[0].comm == "receiver");
  }
}
