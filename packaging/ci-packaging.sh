#!/usr/bin/env bash
# CI, after the tests: ipcctl installs and packages like a distribution tool.
#   1. meson install --destdir, and the files land where they should;
#   2. the staged library exports ipcctl's public API only, and each staged
#      header compiles on its own; examples/ builds against the staged
#      ipcctl.pc and runs;
#   3. `meson dist` makes the tarball both packages build from;
#   4. the .debs build (dpkg-buildpackage -b), lintian finds no error;
#   5. dpkg -i, then ipcctl ls, man -w ipcctl, completions in place, the
#      example against libipcctl-dev; dpkg --purge leaves no file behind;
#   6. the RPM builds (rpmbuild) and holds what it should.
# Reuses BUILD_DIR (default: build, which tests/run.sh made) when it exists.
# The two package builds compile without optimisation or debug information
# (DEB_BUILD_OPTIONS=noopt, CXXFLAGS=-O0 for rpm): they check the packaging,
# and -O2 -g would double the time; OPTIMIZE=1 builds them as a release would.
# Needs root (apt-get, dpkg -i). Ends with one line per step and the time.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${BUILD_DIR:-build}
work=$(mktemp -d /tmp/ipcctl-packaging.XXXXXX)
start=$SECONDS
jobs=$(nproc)
deb_options="nocheck noddebs parallel=$jobs"
rpm_cxxflags=-O0
if [ "${OPTIMIZE:-0}" = 0 ]; then
  deb_options+=" noopt"
  export DEB_CXXFLAGS_STRIP=-g
else
  rpm_cxxflags=
fi
summary=()
failed=0

# step NAME FUNCTION: runs it with its output in $work/NAME.log; on failure
# prints the end of the log.
step() {
  local name=$1 t0=$SECONDS rc
  shift
  printf '== %s\n' "$name"
  "$@" > "$work/$name.log" 2>&1
  rc=$?
  if [ $rc -eq 0 ]; then
    summary+=("$(printf '%-10s ok    %4ss' "$name" $((SECONDS - t0)))")
  else
    failed=1
    summary+=("$(printf '%-10s FAIL  %4ss  (%s)' "$name" $((SECONDS - t0)) "$work/$name.log")")
    echo "-- $name failed (exit $rc); the end of its log:"
    tail -n 40 "$work/$name.log" | sed 's/^/   /'
  fi
  return $rc
}

deps() {
  local packages=(
    g++ meson ninja-build pkgconf cmake scdoc git xz-utils
    libcli11-dev nlohmann-json3-dev libfmt-dev libexpected-dev libre2-dev
    debhelper dpkg-dev fakeroot lintian rpm man-db groff bash-completion zsh fish
  ) missing=() p
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && { echo "all installed"; return 0; }
  echo "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends "${missing[@]}" ||
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; }
}

versions() {
  # One version everywhere: meson.build, debian/changelog, the spec.
  local v deb rpmv
  v=$(sed -n "s/^ *version *: *'\([^']*\)'.*/\1/p" meson.build | head -n 1)
  deb=$(sed -n '1s/^ipcctl (\([^-)]*\).*/\1/p' packaging/debian/changelog)
  rpmv=$(sed -n 's/^Version: *//p' packaging/rpm/ipcctl.spec)
  echo "meson.build $v, debian/changelog $deb, ipcctl.spec $rpmv"
  [ -n "$v" ] && [ "$v" = "$deb" ] && [ "$v" = "$rpmv" ]
}

install_destdir() {
  if [ ! -f "$build/build.ninja" ]; then
    meson setup "$build" -Dtests=false || return 1
  fi
  ninja -C "$build" -j "$jobs" || return 1
  meson install -C "$build" --destdir "$work/destdir" || return 1
  local d=$work/destdir f missing=0
  for f in bin/ipcctl bin/ipcbench bin/ipctrace include/ipcctl/collect.hpp include/ipcctl/api.hpp \
           include/ipcctl/util/result.hpp share/man/man1/ipcctl.1 share/man/man7/ipcctl-json.7 \
           share/man/man3/ipcctl.3 \
           share/zsh/site-functions/_ipcctl share/fish/vendor_completions.d/ipcctl.fish; do
    compgen -G "$d/*/$f" > /dev/null || compgen -G "$d/*/*/$f" > /dev/null ||
      { echo "not installed: $f"; missing=1; }
  done
  find "$d" -path '*bash-completion/completions/ipcctl' | grep -q . || { echo "not installed: bash completion"; missing=1; }
  find "$d" -name 'libipcctl.so.0' | grep -q . || { echo "not installed: libipcctl.so.0"; missing=1; }
  find "$d" -name ipcctl.pc | grep -q . || { echo "not installed: ipcctl.pc"; missing=1; }
  # Internal headers stay out: the collectors, the bench and the tracer.
  for f in bench trace linux/fds.hpp util/parse.hpp windows; do
    compgen -G "$d/*/include/ipcctl/$f" > /dev/null && { echo "installed, but internal: include/ipcctl/$f"; missing=1; }
  done
  return $missing
}

# The staged library's exports: symbols of namespace ipcctl only, none of
# the benchmark's or the tracer's; each staged header, included alone,
# compiles against the staged include directory.
library_destdir() {
  local so inc syms n h rc=0
  so=$(find "$work/destdir" -name 'libipcctl.so.0' | head -n 1)
  inc=$(find "$work/destdir" -type d -path '*/include/ipcctl' | head -n 1)
  [ -n "$so" ] && [ -n "$inc" ] || { echo "no staged libipcctl.so.0 or include/ipcctl"; return 1; }
  syms=$(nm -D --defined-only "$so" | awk '{ print $3 }' | c++filt)
  n=$(printf '%s\n' "$syms" | grep -c .)
  echo "libipcctl.so.0 exports $n symbols"
  if printf '%s\n' "$syms" | grep -vE '^((typeinfo( name)?|vtable|VTT|guard variable|(non-)?virtual thunk) (for|to) )?ipcctl::'; then
    echo "exported, but not of namespace ipcctl: the lines above"; rc=1
  fi
  # A function or object of those namespaces; not a standard library template
  # instance that returns one of their types ("ipcctl::bench::Row const**
  # std::__copy_move_b<...>(...)", which the version script cannot tell).
  if printf '%s\n' "$syms" | grep -E '^((typeinfo( name)?|vtable|VTT|guard variable|(non-)?virtual thunk) (for|to) )?ipcctl::(bench|trace)::[^ (]*(\(|$)'; then
    echo "exported, but internal: the lines above"; rc=1
  fi
  while read -r h; do
    printf '#include <ipcctl/%s>\n' "$h" |
      c++ -std=c++20 -fsyntax-only -Wall -Wextra -Werror -I"$(dirname "$inc")" -x c++ - ||
      { echo "does not compile alone: ipcctl/$h"; rc=1; }
  done < <(cd "$inc" && find . -name '*.hpp' | sed 's|^\./||' | LC_ALL=C sort)
  echo "$(cd "$inc" && find . -name '*.hpp' | wc -l) headers, each compiles alone"
  return $rc
}

example_destdir() {
  local pc libdir
  pc=$(find "$work/destdir" -name ipcctl.pc | head -n 1)
  libdir=$(find "$work/destdir" -name 'libipcctl.so.0' -printf '%h\n' | head -n 1)
  [ -n "$pc" ] && [ -n "$libdir" ] || { echo "no staged ipcctl.pc or libipcctl.so.0"; return 1; }
  mkdir -p "$work/example-destdir"
  PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR=$work/destdir \
    make -C "$work/example-destdir" -f "$root/examples/Makefile" VPATH="$root/examples" list_ipc || return 1
  LD_LIBRARY_PATH=$libdir "$work/example-destdir/list_ipc" > "$work/example-destdir/out" || return 1
  echo "list_ipc listed $(wc -l < "$work/example-destdir/out") objects; the first:"
  head -n 3 "$work/example-destdir/out"
}

dist() {
  meson dist -C "$build" --no-tests --allow-dirty --formats xztar || return 1
  tarball=$(ls "$build"/meson-dist/ipcctl-*.tar.xz | head -n 1)
  [ -f "$tarball" ] && echo "tarball: $tarball"
}

debs() {
  mkdir -p "$work/deb"
  tar -xf "$tarball" -C "$work/deb" || return 1
  local src
  src=$(ls -d "$work"/deb/ipcctl-*/ | head -n 1)
  cp -a "$src/packaging/debian" "$src/debian" || return 1
  (cd "$src" && DEB_BUILD_OPTIONS=$deb_options dpkg-buildpackage -b -uc -us) || return 1
  ls -l "$work"/deb/*.deb
}

run_lintian() {
  lintian --fail-on error --display-info "$work"/deb/*.changes
}

dpkg_install() {
  dpkg -i "$work"/deb/*.deb || return 1
  local rc=0 p
  for p in ipcctl libipcctl0 libipcctl-dev; do
    dpkg -L "$p" > "$work/files-$p" || rc=1
  done
  /usr/bin/ipcctl --version || rc=1
  /usr/bin/ipcctl ls > "$work/ipcctl-ls.out" || { echo "ipcctl ls failed"; rc=1; }
  echo "ipcctl ls: $(wc -l < "$work/ipcctl-ls.out") lines"
  man -w ipcctl || rc=1
  man -w ipcctl-json || rc=1
  local f
  for f in /usr/share/bash-completion/completions/ipcctl /usr/share/zsh/vendor-completions/_ipcctl \
           /usr/share/fish/vendor_completions.d/ipcctl.fish; do
    [ -f "$f" ] || { echo "missing: $f"; rc=1; }
  done
  # The example against the packaged library, through the system's pkg-config.
  mkdir -p "$work/example-deb"
  make -C "$work/example-deb" -f "$root/examples/Makefile" VPATH="$root/examples" list_ipc &&
    "$work/example-deb/list_ipc" > /dev/null || { echo "example against libipcctl-dev failed"; rc=1; }
  return $rc
}

dpkg_purge() {
  dpkg --purge ipcctl libipcctl-dev libipcctl0 || return 1
  local rc=0 p f
  for p in ipcctl libipcctl0 libipcctl-dev; do
    if dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -qv 'not-installed'; then
      echo "still known to dpkg: $p"
      rc=1
    fi
    [ -f "$work/files-$p" ] || continue
    while read -r f; do
      # Directories other packages share (/usr/share/man/man1) may stay.
      if [ -e "$f" ] && [ ! -d "$f" ]; then echo "left behind: $f"; rc=1; fi
    done < "$work/files-$p"
  done
  for f in /usr/include/ipcctl /usr/share/doc/ipcctl /usr/share/doc/libipcctl0 /usr/share/doc/libipcctl-dev; do
    [ -e "$f" ] && { echo "left behind: $f"; rc=1; }
  done
  [ $rc -eq 0 ] && echo "no files left"
  return $rc
}

rpms() {
  mkdir -p "$work/rpm/SOURCES"
  cp "$tarball" "$work/rpm/SOURCES/" || return 1
  # --nodeps: BuildRequires name Fedora packages, installed here with apt.
  CXXFLAGS=$rpm_cxxflags rpmbuild -bb --nodeps --define "_topdir $work/rpm" --define "debug_package %{nil}" \
    packaging/rpm/ipcctl.spec || return 1
  local rc=0 f
  for f in "$work"/rpm/RPMS/*/*.rpm; do
    echo "$(basename "$f"):"
    rpm -qlp "$f" | sed 's/^/  /'
  done > "$work/rpm-contents"
  cat "$work/rpm-contents"
  for f in /usr/bin/ipcctl /libipcctl.so.0 /ipcctl.pc /usr/share/man/man1/ipcctl.1 /usr/include/ipcctl/collect.hpp \
           /usr/share/man/man3/ipcctl.3; do
    grep -q -- "$f" "$work/rpm-contents" || { echo "not in the RPMs: $f"; rc=1; }
  done
  return $rc
}

tarball=""
step deps deps || { echo "cannot install what packaging needs"; exit 1; }
step versions versions
if step install install_destdir; then
  step library library_destdir
  step example example_destdir
fi
if step dist dist; then
  if step debs debs; then
    step lintian run_lintian
    cat "$work/lintian.log"
    step dpkg-i dpkg_install
    step purge dpkg_purge
  fi
  step rpm rpms
fi

echo
echo "packaging summary (logs in $work):"
printf '  %s\n' "${summary[@]}"
printf '  %-10s %s in %ss\n' total "$([ $failed -eq 0 ] && echo ok || echo FAILED)" $((SECONDS - start))
exit $failed
