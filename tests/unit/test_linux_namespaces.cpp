#include <ipcctl/linux/namespaces.hpp>

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

using namespace ipcctl;

namespace {

const std::string k_id = "4f0b1c8e2d7a6b5c4f0b1c8e2d7a6b5c4f0b1c8e2d7a6b5c4f0b1c8e2d7a6b5c";

std::optional<model::Container> v2(const std::string& path) { return sys::parse_container("0::" + path + "\n"); }

} // namespace

TEST_CASE("sys::parse_container: runtimes told by their cgroup paths") {
  SUBCASE("systemd cgroup drivers: RUNTIME-ID.scope") {
    const auto docker = v2("/system.slice/docker-" + k_id + ".scope");
    REQUIRE(docker.has_value());
    CHECK(docker->runtime == "docker");
    CHECK(docker->id == k_id);
    CHECK(docker->cgroup == "/system.slice/docker-" + k_id + ".scope");
    CHECK(v2("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice/cri-containerd-" + k_id +
             ".scope")
              ->runtime == "containerd");
    CHECK(v2("/kubepods.slice/kubepods-pod2.slice/crio-" + k_id + ".scope")->runtime == "cri-o");
    CHECK(v2("/machine.slice/libpod-" + k_id + ".scope/container")->runtime == "podman");
  }
  SUBCASE("cgroupfs drivers: a directory named by the id") {
    CHECK(v2("/docker/" + k_id)->runtime == "docker");
    CHECK(v2("/libpod_parent/libpod-" + k_id)->runtime == "podman");
    const auto k8s = v2("/kubepods/besteffort/pod0b6b2d8e/" + k_id);
    REQUIRE(k8s.has_value());
    CHECK(k8s->runtime == "kubernetes");
    CHECK(k8s->id == k_id);
    const auto crio = v2("/kubepods/besteffort/pod0b6b2d8e/crio-" + k_id);
    REQUIRE(crio.has_value());
    CHECK(crio->runtime == "cri-o");
    CHECK(crio->id == k_id);
    CHECK(v2("/kubepods/pod0b6b2d8e/cri-containerd-" + k_id)->runtime == "containerd");
    CHECK(v2("/default/" + k_id)->runtime == "containerd");  // nerdctl and ctr, containerd's "default" namespace
    CHECK(v2("/system.slice/nerdctl-" + k_id + ".scope")->runtime == "containerd");
    CHECK_FALSE(v2("/default/notanid").has_value());
    CHECK_FALSE(v2("/srv/default/" + k_id).has_value());
  }
  SUBCASE("machines: systemd-nspawn and LXC, by name") {
    const auto nspawn = v2("/machine.slice/machine-web\\x2d1.scope/payload");
    REQUIRE(nspawn.has_value());
    CHECK(nspawn->runtime == "systemd-nspawn");
    CHECK(nspawn->id == "web-1");
    CHECK(v2("/lxc.payload.db")->id == "db");
    CHECK(v2("/lxc/db")->runtime == "lxc");
  }
  SUBCASE("cgroup v1: any hierarchy names it; v2's line comes first") {
    const auto c = sys::parse_container("12:pids:/docker/" + k_id + "\n11:memory:/docker/" + k_id + "\n0::/\n");
    REQUIRE(c.has_value());
    CHECK(c->runtime == "docker");
    // Each runtime as a v1 host shows it: a named hierarchy first, then the controllers.
    auto v1 = [](const std::string& path) {
      return sys::parse_container("12:pids:" + path + "\n4:memory:" + path + "\n1:name=systemd:" + path + "\n");
    };
    CHECK(v1("/kubepods/burstable/pod7c1d/" + k_id)->runtime == "kubernetes");
    CHECK(v1("/kubepods.slice/kubepods-pod7c1d.slice/cri-containerd-" + k_id + ".scope")->runtime == "containerd");
    CHECK(v1("/kubepods/burstable/pod7c1d/crio-" + k_id)->runtime == "cri-o");
    CHECK(v1("/machine.slice/libpod-" + k_id + ".scope")->runtime == "podman");
    CHECK(v1("/libpod_parent/libpod-" + k_id)->runtime == "podman");
    CHECK(v1("/machine.slice/machine-web.scope")->id == "web");
    CHECK(v1("/default/" + k_id)->runtime == "containerd");
  }
  SUBCASE("hosts, services and look-alikes are no container") {
    CHECK_FALSE(v2("/").has_value());
    CHECK_FALSE(v2("/system.slice/ssh.service").has_value());
    CHECK_FALSE(v2("/user.slice/user-1000.slice/session-3.scope").has_value());
    CHECK_FALSE(v2("/system.slice/docker-abc.scope").has_value());  // not a 64-digit id
    CHECK_FALSE(v2("/process_api/8edfb2a0270254b951a735fe62330923").has_value());
    CHECK_FALSE(sys::parse_container("").has_value());
    CHECK_FALSE(sys::parse_container("garbage without colons").has_value());
  }
}

TEST_CASE("sys namespaces of the running system") {
  const sys::ProcRoot root("/");
  const auto own = sys::ns_inode(root, 0, model::NsType::ipc);
  REQUIRE(own.has_value());
  struct stat st {};
  REQUIRE(::stat("/proc/self/ns/ipc", &st) == 0);
  CHECK(*own == st.st_ino);
  CHECK(sys::ns_inode(root, ::getpid(), model::NsType::ipc) == own);
  CHECK_FALSE(sys::ns_inode(sys::ProcRoot("/nonexistent"), 0, model::NsType::ipc).has_value());

  SUBCASE("a PID names both of its namespaces; junk is bad usage") {
    auto both = sys::resolve_namespace(root, std::to_string(::getpid()));
    REQUIRE(both.has_value());
    REQUIRE(both->size() == 2);
    CHECK((*both)[0].ns.own);
    CHECK((*both)[0].ns.inode == *own);
    for (const char* bad : {"", "abc", "0", "-1", "12x"}) {
      CAPTURE(bad);
      const auto r = sys::resolve_namespace(root, bad);
      REQUIRE_FALSE(r.has_value());
      CHECK(r.error().code == 0);
    }
    CHECK(sys::resolve_namespace(root, "/etc/passwd").error().code == 0);  // not a namespace file
    CHECK(sys::resolve_namespace(root, "/nonexistent").error().code == ENOENT);
    CHECK(sys::resolve_namespace(root, "999999999999").error().code == ENOENT);  // no such namespace
  }
  SUBCASE("a namespace file that now names another namespace is not entered") {
    model::Namespace stale{model::NsType::ipc, *own + 1, false, std::nullopt, "/proc/self/ns/ipc"};
    bool ran = false;
    const auto r = sys::run_in_namespace(stale, [&](const std::string&) { ran = true; });
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == ESTALE);
    CHECK_FALSE(ran);
  }
}
