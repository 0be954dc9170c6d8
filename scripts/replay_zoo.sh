#!/usr/bin/env bash
# Per-node replay of the whole zoo on the GPU (issue 7), for the GPU machine. Builds nothing: build
# first (see scripts/gpu_checks.sh), then from the repository root:
#   scripts/replay_zoo.sh [BUILD_DIR] [OUT_DIR]          (defaults: build-measure, $OUT or replay-out)
# For every zoo model (sequence 128) at batch 1 and 32, fp32 and fp16: `ridgeline replay --format
# json` into OUT/<model>_b<batch>_<dtype>.json, and the median-repetition trace next to it
# (.trace.json, for `ridgeline validate --method external-id`). Then the replay node tests on the GPU
# (ctest -R test_replay_nodes_gpu) and scripts/replay_summary.py: per model predicted vs replayed
# time, coverage, the model-level median absolute percentage error per precision, and the replay's
# total for resnet50_eager batch 32 fp32 next to eager PyTorch: the H200 trace of the same forward
# (11.44 ms of kernels per pass; tests/data/traces/h200_resnet50.tar.xz, unpacked into
# BUILD/tests/data/h200 by CMake) and, when ../shared has it, the H100 sample's kernel_sum_us.
# Environment: ZOO (default ../shared/zoo), HW (default: from the GPU's name, scripts/gpu_spec.sh),
# MODELS (space-separated subset), REPEATS (default 7), PYTHON (default python3).
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here" || exit 2
BUILD=${1:-build-measure}
OUT=${2:-${OUT:-replay-out}}
ZOO=${ZOO:-../shared/zoo}
HW=${HW:-$(scripts/gpu_spec.sh)}
REPEATS=${REPEATS:-7}
PYTHON=${PYTHON:-python3}
export RIDGELINE_HWSPECS="$here/hwspecs"
tool="$BUILD/tools/ridgeline/ridgeline"
[ -x "$tool" ] || { echo "missing $tool: build first"; exit 2; }
mkdir -p "$OUT"
if [ -z "${MODELS:-}" ]; then
    MODELS=$(cd "$ZOO" && ls *.onnx | sed 's/\.onnx$//' | grep -v '^vit_b_16_dynamo$')
fi
failures=0
for m in $MODELS; do
    for b in 1 32; do
        for d in fp32 fp16; do
            base="$OUT/${m}_b${b}_${d}"
            t0=$SECONDS
            "$tool" replay "$ZOO/$m.onnx" --hw "$HW" --batch "$b" --set sequence=128 --dtype "$d" \
                --repeats "$REPEATS" --format json --trace "$base.trace.json" > "$base.json" 2> "$base.err"
            rc=$?
            printf '%-24s b%-3s %-5s exit %s  %4ss\n' "$m" "$b" "$d" "$rc" $((SECONDS - t0))
            [ "$rc" -eq 0 ] || { failures=$((failures + 1)); tail -3 "$base.err"; }
        done
    done
done
RIDGELINE_REPLAY_BACKEND=gpu "$BUILD/tests/test_replay_nodes" > "$OUT/replay_node_tests_gpu.txt" 2>&1
echo "replay node tests on the GPU: exit $? ($(grep 'replay node tests' "$OUT/replay_node_tests_gpu.txt" | cut -c1-120))"
echo "spec: $HW"
refs=()
for t in "$BUILD/tests/data/h200/resnet50_inject.json" ../shared/measurements/h200/resnet50_inject.json; do
    if [ -f "$t" ]; then
        refs+=(--eager-trace "H200, PyTorch 2.11 eager, ridgeline trace=$t")
        break
    fi
done
[ -f ../shared/measurements/h100_pytorch_eager.json ] && refs+=(--sample ../shared/measurements/h100_pytorch_eager.json)
"$PYTHON" scripts/replay_summary.py "$OUT" "${refs[@]}" | tee "$OUT/SUMMARY.md"
exit $((failures > 0))
