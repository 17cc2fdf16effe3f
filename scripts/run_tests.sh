#!/usr/bin/env bash
# Installs the dependencies, builds xquant, and runs every test: once in Release, then once more
# under AddressSanitizer + UndefinedBehaviorSanitizer. Exits non-zero if anything fails.
#   scripts/run_tests.sh            # everything
#   XQ_SKIP_SANITIZERS=1 scripts/run_tests.sh   # Release only (quicker, for development)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh

jobs=$(nproc)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build -j "$jobs"
(cd build && ctest --output-on-failure --timeout 1800)

if [ "${XQ_SKIP_SANITIZERS:-0}" != "1" ]; then
  cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DXQ_SANITIZE=ON -DXQ_BUILD_BENCH=OFF
  cmake --build build-sanitize -j "$jobs"
  # oneDNN's JIT and OpenMP runtime allocate thread caches that are never freed: not our leaks.
  export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  (cd build-sanitize && ctest --output-on-failure --timeout 3600)
fi
