#!/bin/bash
# clang-tidy, with the checked-in .clang-tidy, over every C++ source under
# the given folders (default: lib and tools). Uses the compile_commands.json
# of TIDY_BUILD (default build-tidy in this checkout, configured here without
# precompiled headers, which clang cannot read from gcc). Prints each finding,
# and each file clang-tidy could not parse, and the count per folder; exits 1
# on any.
#   tests/reliability/tidy.sh [FOLDER...]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${TIDY_BUILD:-$PWD/build-tidy}
jobs=${TIDY_JOBS:-2}
command -v clang-tidy >/dev/null || { echo "tidy: clang-tidy is needed (apt-get install clang-tidy)" >&2; exit 1; }
if [[ ! -f $build/compile_commands.json ]]; then
  meson setup "$build" -Dman=disabled -Db_pch=false >/dev/null
else
  meson configure "$build" -Db_pch=false >/dev/null
fi
# The generated headers the sources include (the version, the BPF skeleton).
mapfile -t generated < <(ninja -C "$build" -t targets all | sed -n 's/^\([^:]*\.h\): .*/\1/p')
((${#generated[@]} == 0)) || ninja -C "$build" "${generated[@]}" >/dev/null

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
  'log="$3/$(echo "$2" | tr / _).log"
   if ! clang-tidy -p "$1" --quiet "$2" >"$log" 2>&1 && grep -q "Error while processing" "$log"; then
     echo "$2: clang-tidy could not process it" >>"$log"
   fi
   true' _ "$build" {} "$work"
# One line per finding, its path relative to the source root (the database
# may name files as ../lib/x.cpp or /build/../lib/x.cpp); a file that did not
# parse is one too, never silently clean.
cat "$work"/*.log | grep -E '^[^ ].*: ((fatal )?error|warning): |: clang-tidy could not process it$' |
  sed -E "s|^[^:]*$PWD/||; s|^([^: ]*/)?(\.\./)+||" | sort -u >"$work/findings" || true
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
