#!/usr/bin/env bash
# Builds everything and runs the whole test suite (installs missing packages first).
# GPU tests carry the label "gpu" and are skipped when no GPU is present. The fuzz tests (label
# "fuzz") run from their own clang build in build-fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DRIDGELINE_BUILD_TESTS=ON -DRIDGELINE_BUILD_EXAMPLES=ON \
      -DRIDGELINE_BUILD_BENCHMARKS=ON >/dev/null
cmake --build build
ctest --test-dir build --output-on-failure -j2
# The fuzz targets (docs/fuzzing.md): a clang build of the library and the two targets only, under
# ASan + UBSan; replays the crash reproducers, then fuzzes each target for a minute.
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
ctest --preset fuzz -j2
