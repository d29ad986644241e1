#!/usr/bin/env bash
# Installs what ipcctl needs to build and test on Debian 12 or Ubuntu 22.04+.
# Safe to run twice: it installs only what is missing. With --windows, also
# the MinGW-w64 cross compiler and Wine, for tests/windows/run.sh.
set -euo pipefail

packages=(
  g++ meson ninja-build pkg-config cmake
  libcli11-dev nlohmann-json3-dev libfmt-dev doctest-dev libexpected-dev libre2-dev
  util-linux iproute2 jq python3 scdoc graphviz prometheus groff bash-completion zsh fish
  clang libbpf-dev bpftool libclang-rt-14-dev clang-tidy
  strace
)
if [ "${1:-}" = "--windows" ]; then
  packages+=(g++-mingw-w64-x86-64-posix wine wine64)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "bootstrap: all build dependencies are installed"
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "bootstrap: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
echo "bootstrap: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# A CI machine is thrown away after the run: dpkg need not sync every file.
dpkg_options=()
[ "${CI:-}" = true ] && dpkg_options=(-o Dpkg::Options::=--force-unsafe-io)
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${dpkg_options[@]}" "${missing[@]}"
