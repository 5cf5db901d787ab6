#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian machine: system packages with apt-get
# when missing, then the wakebench package (and its test extras) with pip.
#   scripts/setup.sh           the package
#   scripts/setup.sh --test    the package, test extras, and the C++ test deps
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

# Debian packages: a C++ compiler and CMake come with the machine; GoogleTest
# for the C++ unit tests, libev for the real-loop backend; Debian's Rust and
# its packaged crates (tokio, futures, async-task) for tests/runtimes/, the
# real programs the bench's verdicts are compared with.
debs=(g++ libev-dev)
[ "$want_test" = 1 ] && debs+=(libgtest-dev cargo rustc librust-tokio-dev librust-futures-dev
                               librust-async-task-dev)
missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo=""
  [ "$(id -u)" != 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

py="${PYTHON:-python3}"
command -v cmake >/dev/null || "$py" -m pip install -q cmake ninja
extras=""
[ "$want_test" = 1 ] && extras="[test]"
echo "setup: pip install .${extras}"
"$py" -m pip install -q ".${extras}"
