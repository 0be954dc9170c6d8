#!/usr/bin/env bash
# The main job on a fresh machine: install what is missing, build, and analyse a bundled model on
# the default device. Extra arguments go to `ridgeline analyze` (e.g. --batch 32 --format json).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DRIDGELINE_BUILD_TESTS=OFF -DRIDGELINE_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build build --target ridgeline_cli
./build/tools/ridgeline/ridgeline analyze tests/data/resnet18.onnx --hw h100-sxm --batch 1 --top 15 "$@"
