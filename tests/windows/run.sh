#!/usr/bin/env bash
# Cross-builds ipcctl.exe, the Windows unit tests and the test helper with
# MinGW-w64 (posix threads, static), and runs them under Wine in a fresh
# WINEPREFIX with a persistent wineserver. Needs g++-mingw-w64-x86-64-posix,
# wine and wine64 (packaging/bootstrap.sh --windows installs them).
#   tests/windows/run.sh            build in build-windows and test
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${WIN_BUILD:-build-windows}
cxx=x86_64-w64-mingw32-g++-posix

for tool in "$cxx" wine; do
  command -v "$tool" >/dev/null ||
    { echo "windows: $tool is missing (packaging/bootstrap.sh --windows installs it)" >&2; exit 1; }
done

# Only the header-only dependencies go on the include path, copied into the
# build tree: /usr/include itself holds Linux headers MinGW must not see.
deps=$PWD/$build-deps
mkdir -p "$deps"
for d in fmt nlohmann CLI doctest tl; do
  [ -d "$deps/$d" ] || cp -r "/usr/include/$d" "$deps/$d"
done
cat > "$deps/cross.ini" <<INI
[binaries]
cpp = '$cxx'
ar = 'x86_64-w64-mingw32-ar'
strip = 'x86_64-w64-mingw32-strip'
windres = 'x86_64-w64-mingw32-windres'
exe_wrapper = 'wine'
pkgconfig = 'false'

[built-in options]
cpp_args = ['-isystem', '$deps', '-O1']

[host_machine]
system = 'windows'
cpu_family = 'x86_64'
cpu = 'x86_64'
endian = 'little'
INI

# One wineserver for the whole run: without it every wine start costs seconds.
export WINEPREFIX=${WINEPREFIX:-$PWD/$build-wine}
export WINEDEBUG=${WINEDEBUG:--all}
export WINEDLLOVERRIDES="mscoree,mshtml="  # no Mono or Gecko prompt in a fresh prefix
mkdir -p "$WINEPREFIX"
wineserver -p 2>/dev/null || true  # already running for this prefix: fine
trap 'wineserver -k 2>/dev/null || true' EXIT
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  wineboot -u >/dev/null 2>&1
  wine winecfg -v win10 >/dev/null 2>&1 || true
else
  # Start the prefix's services now: a first Wine process started by meson
  # test (no terminal, stdin closed) can wait for them for ever.
  wineboot >/dev/null 2>&1
fi

if [ ! -f "$build/build.ninja" ]; then
  # -O1 (in the cross file) without debug information: the cross build is
  # there to be run, not debugged.
  meson setup "$build" --cross-file "$deps/cross.ini" -Dbuildtype=plain -Dwerror=true | tail -3
fi
ninja -C "$build"
meson test -C "$build" --print-errorlogs --num-processes 1
