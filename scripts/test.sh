#!/usr/bin/env bash
# Every test: set up, then
#   1. the C++ unit tests (GoogleTest via ctest), plain, under ASan+UBSan and under TSan;
#   2. the Python suites (pytest + hypothesis, notebooks, CLI) on the installed package;
#   3. the fuzz test (tests/fuzz) on the ASan+UBSan build of the extension.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
. scripts/venv.sh  # the Python setup.sh installed into: $py

jobs="${WAKEBENCH_JOBS:-2}"
build="${WAKEBENCH_BUILD:-build}"
werror=OFF
[ -n "${CI:-}" ] && werror=ON

# release; ASan+UBSan on everything, the Python extension too (for the fuzz
# test below); TSan on everything too (the libev backend's threads are what
# it is for).
for variant in release asan tsan; do
  dir="$build/cpp-$variant"
  case "$variant" in
    asan) flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DWAKEBENCH_SANITIZE=address
                 -DWAKEBENCH_PYTHON=ON -DPython_EXECUTABLE="$(command -v "$py")"
                 -Dpybind11_DIR="$("$py" -m pybind11 --cmakedir)") ;;
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
"$py" -m pytest "$@"

# The fuzz test again, on the ASan+UBSan build of the extension: the
# package's Python files beside that build's _core, the sanitizer runtime
# preloaded (Python itself is not instrumented), and libstdc++ with it (the
# runtime intercepts __cxa_throw, which the python binary does not link).
# Any report aborts the run; -s lets the report reach the log.
echo "== fuzz test on the ASan+UBSan extension"
site="$build/py-asan"
rm -rf "$site" && mkdir -p "$site"
cp -r python/wakebench "$site/"
cp "$build"/cpp-asan/cpp/_core*.so "$site/wakebench/"
cxx="${CXX:-g++}"
PYTHONPATH="$site" WAKEBENCH_EXPECT_CORE="$site/wakebench" WAKEBENCH_FUZZ_EXAMPLES="${WAKEBENCH_FUZZ_EXAMPLES:-1000}" \
  LD_PRELOAD="$("$cxx" -print-file-name=libasan.so) $("$cxx" -print-file-name=libstdc++.so)" \
  ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  "$py" -m pytest -p no:cacheprovider -p no:faulthandler -s -q tests/fuzz
