#!/bin/bash
# clang-tidy, with the checked-in .clang-tidy, over every C++ source under
# the given folders (default: lib and tools). Uses the compile_commands.json
# of TIDY_BUILD (default /tmp/ipcctl-tidy, configured here if absent). Prints
# each finding and the count per folder; exits 1 on any finding.
#   tests/reliability/tidy.sh [FOLDER...]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${TIDY_BUILD:-/tmp/ipcctl-tidy}
jobs=${TIDY_JOBS:-2}
command -v clang-tidy >/dev/null || { echo "tidy: clang-tidy is needed (apt-get install clang-tidy)" >&2; exit 1; }
if [[ ! -f $build/compile_commands.json ]]; then
  meson setup "$build" -Dman=disabled >/dev/null
fi
# The generated header tools/ includes.
ninja -C "$build" tools/ipcctl_version.h >/dev/null

folders=("$@")
((${#folders[@]} > 0)) || folders=(lib tools)
# Only the sources this build compiles (no windows/ on Linux).
mapfile -t files < <(find "${folders[@]}" -name '*.cpp' | sort | while read -r f; do
  grep -qF "/$f\"" "$build/compile_commands.json" && echo "$f"
done)
((${#files[@]} > 0)) || { echo "tidy: no compiled source under ${folders[*]}" >&2; exit 1; }

work=$(mktemp -d /tmp/ipcctl-tidy.XXXXXX)
trap 'rm -rf "$work"' EXIT
start=$SECONDS
printf '%s\n' "${files[@]}" | xargs -P "$jobs" -I{} sh -c \
  'clang-tidy -p "$1" --quiet "$2" >"$3/$(echo "$2" | tr / _).log" 2>&1 || true' _ "$build" {} "$work"
# One line per finding, its path relative to the source root (the database
# may name files as ../../src/lib/x.cpp or /build/../src/lib/x.cpp).
cat "$work"/*.log | grep -E '^[^ ].*: (warning|error): ' | sed "s|^[^:]*$PWD/||" | sort -u >"$work/findings" || true
n=$(wc -l <"$work/findings")
echo "tidy: ${#files[@]} files in $((SECONDS - start)) s, $n finding(s)"
if ((n > 0)); then
  cat "$work/findings"
  for f in "${folders[@]}"; do
    echo "tidy: $f: $(grep -c "^$f/" "$work/findings" || true)"
  done
  exit 1
fi
exit 0
