#!/usr/bin/env bash
# GPU checks of the measurement layer from a build tree, on a machine with an NVIDIA GPU: collects
# the GPU kit from BUILD without rebuilding (scripts/gpu_kit.sh --no-build) and runs it
# (scripts/gpu_run.sh) without the replays. Build first, for the GPU's architecture:
#   cmake -S . -B build-measure -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90-real \
#         -DRIDGELINE_REPLAY_CUDA_ARCHITECTURES=90-real
#   ninja -C build-measure
# then from the repository root:
#   scripts/gpu_checks.sh [BUILD_DIR] [OUT_DIR]        (defaults: build-measure, $OUT or gpu-checks-out)
#
# 1. the gpu tests (they must run, not skip); 2. ridgeline ceilings --hw HW (HW from the GPU's
# name, scripts/gpu_spec.sh), the spec with a fresh measured: section written to OUT (the
# repository's hwspecs/ is left alone); 3. a PyTorch resnet50 batch-32 forward
# (scripts/resnet50_forward.py: eval, no_grad, cudnn.benchmark and tf32 off, 5 warm-up then 5
# measured passes in `ridgeline_pass` ranges, each module in a range named after it) traced with
# the injection library and with torch.profiler; 4. ridgeline validate against resnet50_eager.onnx
# for both traces, by ranges and by sequence. OUT/SUMMARY.txt lists every step and the figures.
# Environment: as scripts/gpu_run.sh (HW, PYTHON …); SKIP_REPLAY=0 also replays resnet50_eager.
set -uo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here" || exit 2
BUILD=${1:-build-measure}
OUT=${2:-${OUT:-gpu-checks-out}}
[ -x "$BUILD/tools/ridgeline/ridgeline" ] || { echo "missing $BUILD/tools/ridgeline/ridgeline: build first (see the top of this script)"; exit 2; }
[ -f "$BUILD/lib/libridgeline_inject.so" ] || { echo "missing $BUILD/lib/libridgeline_inject.so: the build has no CUDA layer"; exit 2; }
kit="$BUILD/gpu-kit"
scripts/gpu_kit.sh --no-build --build "$BUILD" "$kit" resnet50_eager > "$BUILD/gpu-kit.log" 2>&1 ||
    { tail -5 "$BUILD/gpu-kit.log"; exit 2; }
SKIP_REPLAY=${SKIP_REPLAY:-1} "$kit/run.sh" "$OUT"
