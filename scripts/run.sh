#!/usr/bin/env bash
# The main job on a fresh machine: install what is missing, build, and analyse a bundled model on
# the default device. Extra arguments go to `ridgeline analyze` (e.g. --batch 32 --format json).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DRIDGELINE_BUILD_TESTS=OFF -DRIDGELINE_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build build --target ridgeline_cli
# Defaults the caller's own flags replace (a flag given twice is a usage error).
defaults=()
[[ " $* " == *" --batch "* || " $* " == *" -b "* || " $* " == *" --batch="* ]] || defaults+=(--batch 1)
[[ " $* " == *" --hw "* || " $* " == *" --hw="* ]] || defaults+=(--hw h100-sxm)
[[ " $* " == *" --top "* ]] || defaults+=(--top 15)
echo "ridgeline is built at build/tools/ridgeline/ridgeline" >&2
./build/tools/ridgeline/ridgeline analyze tests/data/resnet18.onnx "${defaults[@]}" "$@"
