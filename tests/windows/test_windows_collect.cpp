// Windows collection against objects this test makes: each is listed with
// its type, its state and this process as its holder. Runs on Windows (Wine).
#include <ipcctl/collect.hpp>
#include <ipcctl/model/keys.hpp>
#include <ipcctl/windows/collect.hpp>
#include <ipcctl/windows/create.hpp>
#include <ipcctl/windows/nt.hpp>

#include <doctest/doctest.h>

#include <fmt/format.h>

#include <winsock2.h>
#include <windows.h>

#include <algorithm>

using namespace ipcctl;
using model::Kind;

namespace {

std::string unique(std::string_view what) {
  return fmt::format("ipcctl-unit-{}-{}", ::GetCurrentProcessId(), what);
}

const model::Object* find_named(const model::Snapshot& snap, Kind k, std::string_view leaf) {
  for (const auto& o : snap.objects)
    if (o.kind == k && o.name && o.name->ends_with(leaf)) return &o;
  return nullptr;
}

bool held_by_me(const model::Object& o) {
  return std::any_of(o.holders.begin(), o.holders.end(), [](const model::Holder& h) {
    return h.pid == static_cast<int>(::GetCurrentProcessId()) && h.via == model::Via::handle && h.fd.has_value();
  });
}

} // namespace

TEST_CASE("win::create and collect(): every kind mk makes is listed, held by its maker") {
  win::CreateRequest ev{Kind::win_event, unique("event")};
  ev.manual_reset = true;
  ev.signaled = true;
  auto event = win::create(ev);
  REQUIRE_MESSAGE(event.has_value(), event.error().message());
  CHECK(event->ref == fmt::format("win-event:{}\\{}", win::session_directory(), ev.name));

  win::CreateRequest sem{Kind::win_semaphore, unique("sem")};
  sem.value = 3;
  sem.maximum = 7;
  auto semaphore = win::create(sem);
  REQUIRE(semaphore.has_value());
  win::CreateRequest sec{Kind::win_section, unique("section")};
  sec.size = 3 * 4096;
  auto section = win::create(sec);
  REQUIRE(section.has_value());
  auto mutex = win::create({Kind::win_mutant, unique("mutex")});
  REQUIRE(mutex.has_value());
  auto pipe = win::create({Kind::win_pipe, unique("pipe")});
  REQUIRE(pipe.has_value());
  CHECK(pipe->ref == fmt::format("win-pipe:\\\\.\\pipe\\{}", unique("pipe")));

  auto snap = collect(CollectOptions{});
  REQUIRE(snap.has_value());

  const auto* e = find_named(*snap, Kind::win_event, ev.name);
  REQUIRE(e != nullptr);
  CHECK(e->ref == event->ref);
  CHECK(held_by_me(*e));
  CHECK(e->find(model::key::event_type) != nullptr);
  CHECK(std::get<std::string>(*e->find(model::key::event_type)) == "manual-reset");
  CHECK(std::get<bool>(*e->find(model::key::signaled)));

  const auto* s = find_named(*snap, Kind::win_semaphore, sem.name);
  REQUIRE(s != nullptr);
  CHECK(s->number(model::key::count) == 3);
  CHECK(s->number(model::key::maximum) == 7);
  CHECK(held_by_me(*s));

  const auto* m = find_named(*snap, Kind::win_section, sec.name);
  REQUIRE(m != nullptr);
  CHECK(m->size == 3 * 4096);
  CHECK(held_by_me(*m));

  const auto* mx = find_named(*snap, Kind::win_mutant, unique("mutex"));
  REQUIRE(mx != nullptr);
  CHECK(held_by_me(*mx));

  const auto* p = find_named(*snap, Kind::win_pipe, unique("pipe"));
  REQUIRE(p != nullptr);
  CHECK(held_by_me(*p));
  const auto* servers = p->numbers(model::key::server_pids);
  REQUIRE(servers != nullptr);
  CHECK(*servers == std::vector<std::int64_t>{static_cast<std::int64_t>(::GetCurrentProcessId())});

  SUBCASE("-t narrows the collection") {
    CollectOptions only;
    only.kinds = model::KindSet::none();
    only.kinds.add(Kind::win_semaphore);
    auto narrow = collect(only);
    REQUIRE(narrow.has_value());
    CHECK(find_named(*narrow, Kind::win_semaphore, sem.name) != nullptr);
    CHECK(std::all_of(narrow->objects.begin(), narrow->objects.end(),
                      [](const model::Object& o) { return o.kind == Kind::win_semaphore; }));
  }
  SUBCASE("an object goes with its last handle") {
    event->handle = win::Handle();
    auto after = collect(CollectOptions{});
    REQUIRE(after.has_value());
    CHECK(find_named(*after, Kind::win_event, ev.name) == nullptr);
  }
}

TEST_CASE("win::create never opens an existing object") {
  auto first = win::create({Kind::win_event, unique("twice")});
  REQUIRE(first.has_value());
  for (Kind k : {Kind::win_event}) {
    auto again = win::create({k, unique("twice")});
    REQUIRE_FALSE(again.has_value());
    CHECK(again.error().code == EEXIST);
  }
  auto pipe = win::create({Kind::win_pipe, unique("pipe-twice")});
  REQUIRE(pipe.has_value());
  auto pipe_again = win::create({Kind::win_pipe, unique("pipe-twice")});
  REQUIRE_FALSE(pipe_again.has_value());
  CHECK(pipe_again.error().code == EEXIST);
}

TEST_CASE("collect(): an AF_UNIX socket, by its path, held by its handle") {
  WSADATA wsa;
  REQUIRE(::WSAStartup(MAKEWORD(2, 2), &wsa) == 0);
  constexpr int af_unix = 1;
  const SOCKET s = ::socket(af_unix, SOCK_STREAM, 0);
  if (s == INVALID_SOCKET) {
    // Windows has had AF_UNIX since 10 1803: only Wine may lack it.
    const int error = ::WSAGetLastError();
    REQUIRE_MESSAGE(win::wine_version().has_value(), fmt::format("socket(AF_UNIX): error {}", error));
    MESSAGE("skipped: AF_UNIX is not implemented by Wine " << *win::wine_version() << " (error " << error << ")");
    return;
  }
  char dir[MAX_PATH] = {};
  REQUIRE(::GetTempPathA(MAX_PATH, dir) > 0);
  const std::string path = fmt::format("{}{}", dir, unique("sock"));
  struct {
    std::uint16_t family;
    char path[108];
  } a{};
  a.family = af_unix;
  REQUIRE(path.size() < sizeof a.path);
  std::copy(path.begin(), path.end(), a.path);
  REQUIRE(::bind(s, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::listen(s, 1) == 0);

  CollectOptions only;
  only.kinds = model::KindSet::none();
  only.kinds.add(Kind::unix_socket);
  auto snap = collect(only);
  ::closesocket(s);
  ::DeleteFileA(path.c_str());
  REQUIRE(snap.has_value());
  const auto* o = find_named(*snap, Kind::unix_socket, path);
  REQUIRE_MESSAGE(o != nullptr, "no unix object named " << path);
  CHECK(o->ref.starts_with("unix:"));
  CHECK(held_by_me(*o));
  CHECK(o->find(model::key::local) != nullptr);
  const auto* state = o->find(model::key::state);
  REQUIRE(state != nullptr);
  CHECK(std::get<std::string>(*state) == "LISTEN");
}
