#!/usr/bin/env bash
# The cli tests of ipcctl and ipctrace (both backends) on a Debian kernel
# other than the running one: boots the kernel under QEMU (emulated, so no
# KVM is needed, nor trusted where it would be nested) from an initramfs that
# holds this build's executables and helpers, the tests and what they run
# (bash, jq, python3, util-linux's tools, busybox for the rest), and prints
# each test's result. By default the kernel is Debian 12's stock one (6.1),
# on which ipctrace --system loads its program for kernels before 6.2.
#   tests/kernels/run.sh [PACKAGE]   e.g. linux-image-6.1.0-47-cloud-amd64
# Needs root and Debian's archive (apt-get download); installs qemu-system-x86,
# cpio, jq and python3 where they are missing; KERNELS_CACHE keeps the downloads
# (default /var/cache/ipcctl-kernels). Not part of CI: a download and about
# twenty minutes of emulation. Exit status: 0 every test passed, 1
# otherwise (a failure, a skip, or a VM that did not finish).
set -euo pipefail
cd "$(dirname "$0")/../.."
# The system's own tools, which go into the initramfs with their libraries.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
repo=$PWD
build=${BUILD_DIR:-build}
cache=${KERNELS_CACHE:-/var/cache/ipcctl-kernels}
# Every cli test of tests/cli and tests/ipctrace, or KERNELS_TESTS="DIR/NAME ...".
tests=()
for t in tests/cli/*.sh tests/ipctrace/*.sh; do
  t=${t#tests/}
  [[ $t == */lib.sh ]] || tests+=("${t%.sh}")
done
if [[ -n ${KERNELS_TESTS:-} ]]; then read -ra tests <<<"$KERNELS_TESTS"; fi

die() { echo "kernels: $*" >&2; exit 1; }
[[ $(id -u) == 0 ]] || die "needs root (apt-get download, the tests)"
bins=(tools/ipcctl tools/ipctrace/ipctrace tests/ipctrace/trace_workload tests/helpers/ipc_fixture tests/helpers/churn)
for bin in "${bins[@]/#/$build/}"; do
  [[ -x $bin ]] || die "$bin is missing: build first (ninja -C $build)"
done
missing=()
command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
command -v cpio >/dev/null || missing+=(cpio)
command -v jq >/dev/null || missing+=(jq)
command -v python3 >/dev/null || missing+=(python3)
if ((${#missing[@]})); then
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null ||
    die "could not install ${missing[*]}"
fi

# The newest Debian 12 cloud kernel (virtio built in, small) unless named.
pkg=${1:-$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-cloud-amd64$' | cut -d' ' -f1 | sort -V | tail -n1)}
[[ -n $pkg ]] || die "no linux-image-6.1.0-*-cloud-amd64 in the package lists (apt-get update?)"
mkdir -p "$cache"
for p in "$pkg" busybox-static; do
  if [[ ! -d $cache/$p ]]; then
    (cd "$cache" && apt-get download "$p" >/dev/null 2>&1) || die "apt-get download $p failed"
    dpkg -x "$cache/${p}"_*.deb "$cache/$p.tmp" && mv "$cache/$p.tmp" "$cache/$p"
  fi
done
kernel=$(ls "$cache/$pkg"/boot/vmlinuz-* | head -n1)
[[ -f $kernel ]] || die "no vmlinuz in $pkg"

work=$(mktemp -d /tmp/ipcctl-kernels.XXXXXX)
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/{bin,dev,etc,proc,sys,tmp,run}
printf 'root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"

# put FILE...: each file at its own path, with the shared libraries it loads.
put() {
  local f lib
  for f in "$@"; do
    mkdir -p "$root$(dirname "$f")"
    cp -L "$f" "$root$f"
    for lib in $(ldd "$f" 2>/dev/null | grep -o '/[^ ]*' || true); do
      [[ -e $root$lib ]] && continue
      mkdir -p "$root$(dirname "$lib")"
      cp -L "$lib" "$root$lib"
    done
  done
}
cp "$cache/busybox-static/bin/busybox" "$root/bin/busybox"
# GNU and util-linux tools where the tests use what busybox lacks (date +%N,
# setpriv's and unshare's options, the ipc* anchors).
for tool in bash jq python3 setpriv unshare nsenter flock mountpoint ipcs ipcrm ipcmk pgrep date stat sed grep sort; do
  put "$(command -v "$tool")"
done
py=$(python3 -c 'import sys; print(sys.prefix + "/lib/python%d.%d" % sys.version_info[:2])')
mkdir -p "$root$(dirname "$py")"
cp -a "$py" "$root$py"
rm -rf "$root$py/test" "$root$py"/*/test "$root$py"/*/tests "$root$py/dist-packages" "$root$py/site-packages"
find "$root$py/lib-dynload" -name '*.so' | while read -r so; do put "${so#"$root"}"; done
for bin in "${bins[@]}"; do put "$repo/$build/$bin"; done
# The tests' own files, at their paths in the tree.
mkdir -p "$root$repo/tests"
cp -a "$repo/tests/cli" "$repo/tests/ipctrace" "$repo/tests/data" "$root$repo/tests/"

# The socket diagnostics, modules on Debian's kernels that a full system
# loads on first use; here nothing would (no modprobe, no module tree).
mkdir -p "$root/modules"
for m in inet_diag tcp_diag udp_diag unix_diag; do
  f=$(find "$cache/$pkg/lib/modules" -name "$m.ko*" | head -n1)
  [[ -n $f ]] && cp "$f" "$root/modules/$m.ko"
done

cat >"$root/init" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/usr/bin:/usr/sbin:/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
ln -s /proc/self/fd /dev/fd
mkdir -p /dev/shm /dev/mqueue /sys/fs/cgroup
mount -t tmpfs tmp /tmp
mount -t tmpfs shm /dev/shm
mount -t mqueue mqueue /dev/mqueue
mount -t cgroup2 cgroup2 /sys/fs/cgroup
ip link set lo up
for m in inet_diag tcp_diag udp_diag unix_diag; do [ -f /modules/\$m.ko ] && insmod /modules/\$m.ko; done
echo "kernels: running \$(uname -r)"
export IPCTRACE=$repo/$build/tools/ipctrace/ipctrace TRACE_WORKLOAD=$repo/$build/tests/ipctrace/trace_workload
export IPCCTL=$repo/$build/tools/ipcctl IPC_FIXTURE=$repo/$build/tests/helpers/ipc_fixture
export CHURN=$repo/$build/tests/helpers/churn TESTS_DIR=$repo/tests
for t in ${tests[*]}; do
  /usr/bin/bash $repo/tests/\$t.sh > /tmp/log 2>&1
  rc=\$?
  echo "kernels: test \$t exit \$rc"
  sed 's/^/kernels:   /' /tmp/log
done
echo "kernels: done"
poweroff -f
EOF
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$work/initrd.gz"

echo "kernels: booting $(basename "$kernel") ($pkg)"
timeout "${KERNELS_TIMEOUT:-600}" qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m 2048 -nographic -no-reboot \
  -kernel "$kernel" -initrd "$work/initrd.gz" \
  -append "console=ttyS0 quiet panic=-1 rdinit=/init" </dev/null >"$work/console" 2>&1 || true
tr -d '\r' <"$work/console" | grep '^kernels:' || true
grep -q '^kernels: done' "$work/console" || { tail -n 30 "$work/console" >&2; die "the VM did not finish"; }
results=$(tr -d '\r' <"$work/console" | sed -n 's/^kernels: test [a-z/-]* exit \([0-9]*\)$/\1/p')
passed=$(grep -c '^0$' <<<"$results" || true)
skipped=$(grep -c '^77$' <<<"$results" || true)
echo "kernels: $passed passed, $((${#tests[@]} - passed - skipped)) failed, $skipped skipped of ${#tests[@]} on $pkg"
((passed == ${#tests[@]}))
