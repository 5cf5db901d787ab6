#!/usr/bin/env bash
# Every test: set up, then
#   1. the C++ unit tests (GoogleTest via ctest), plain and under ASan+UBSan;
#   2. the Python suites (pytest + hypothesis, notebooks, CLI) on the installed package.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test

jobs="${WAKEBENCH_JOBS:-2}"
build="${WAKEBENCH_BUILD:-build}"
werror=OFF
[ -n "${CI:-}" ] && werror=ON

# release; ASan+UBSan on everything; TSan on everything too (the libev
# backend's threads are what it is for).
for variant in release asan tsan; do
  dir="$build/cpp-$variant"
  case "$variant" in
    asan) flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DWAKEBENCH_SANITIZE=address) ;;
    tsan) flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DWAKEBENCH_SANITIZE=thread) ;;
    *) flags=(-DCMAKE_BUILD_TYPE=Release) ;;
  esac
  echo "== C++ unit tests ($variant)"
  cmake -S . -B "$dir" -G Ninja -DWAKEBENCH_TESTS=ON -DWAKEBENCH_WERROR=$werror "${flags[@]}" >/dev/null
  cmake --build "$dir" -j "$jobs"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
    ctest --test-dir "$dir" --output-on-failure --no-tests=error -j "$jobs"
done

echo "== Python tests"
python3 -m pytest "$@"
