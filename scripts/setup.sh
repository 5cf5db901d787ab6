#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian machine: system packages with apt-get
# when missing, then the wakebench package (and its test extras) with pip,
# into a virtual environment: the active one, else .venv here (created on
# first use; scripts/venv.sh says which, and $PYTHON overrides it).
#   scripts/setup.sh           the package
#   scripts/setup.sh --test    the package, test extras, and the C++ test deps
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

# Debian packages: a C++ compiler and CMake come with the machine; GoogleTest
# for the C++ unit tests, libev for the real-loop backend; Debian's Rust and
# its packaged crates (tokio, futures, async-task) for tests/runtimes/, the
# real programs the bench's verdicts are compared with; python3-venv when
# .venv is to be made and Python cannot make it without.
base="${BASE_PYTHON:-python3}"
debs=(g++ libev-dev)
[ "$want_test" = 1 ] && debs+=(libgtest-dev cargo rustc librust-tokio-dev librust-futures-dev
                               librust-async-task-dev)
[ -n "$venv_dir" ] && [ ! -x "$py" ] && ! "$base" -c "import ensurepip" 2>/dev/null &&
  debs+=(python3-venv)
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

if [ -n "$venv_dir" ] && [ ! -x "$py" ]; then
  echo "setup: creating the virtual environment $venv_dir"
  "$base" -m venv "$venv_dir"
fi
echo "setup: installing into $("$py" -c 'import sys; print(sys.prefix)')"
command -v cmake >/dev/null || "$py" -m pip install -q cmake ninja
"$py" -m pip install -q tqdm  # for the build's progress bar (a dependency of the package too)

# The package: pip builds the extension (CMake, a few minutes the first
# time); its whole output goes to a log, the terminal shows a progress bar
# over the build steps (scripts/build_progress.py).
extras=""
[ "$want_test" = 1 ] && extras="[test]"
mkdir -p build
log=build/setup-pip.log
echo "setup: pip install .${extras} (the whole output: $log)"
if ! "$py" -m pip install -v ".${extras}" 2>&1 | "$py" scripts/build_progress.py "$log"; then
  echo "setup: pip install failed; the end of $log:" >&2
  tail -n 40 "$log" >&2
  exit 1
fi
