#!/usr/bin/env bash
# The GPU kit's one command (scripts/gpu_kit.sh copies this file to KIT/run.sh):
#   KIT/run.sh [OUT_DIR]                          (default KIT/out)
# on a machine with an NVIDIA GPU, its driver, and the CUDA libraries of the build's major version
# (a CUDA toolkit, or PyTorch's NVIDIA wheels; cuDNN from PyTorch's wheel is found by itself).
#  1. the GPU tests (they must run, not skip): tracer vs CUDA events, ceilings, the injection
#     library, the replay (records > 0), the replay's node tests on the GPU;
#  2. `ridgeline ceilings --hw HW -o OUT/HW.yaml` (HW from the GPU's name: scripts/gpu_spec.sh);
#  3. with PyTorch + torchvision: a resnet50 batch-32 fp32 forward traced by the injection library
#     (`ridgeline trace`) and by torch.profiler, imported, and validated against
#     models/resnet50_eager.onnx by ranges and by sequence;
#  4. `ridgeline replay` of every model in KIT/models at each of $REPLAY (batch:dtype), and the
#     summary: predicted vs replayed, and resnet50_eager b32 fp32 next to this GPU's eager trace
#     (step 3) and the H200 reference trace (measurements/);
#  5. with PyTorch: scripts/microbench.py --extended and `ridgeline calibrate` on this GPU's spec.
# Every step's output lands in OUT; OUT/SUMMARY.txt has one line per step and the key figures.
# Exit status 0 when every step passed.
# Environment: HW (spec id), PYTHON (python3), REPLAY ("32:fp32 32:fp16 1:fp32 1:fp16"),
# REPEATS (7), SKIP_TRACES=1, SKIP_REPLAY=1, SKIP_MICROBENCH=1.
set -uo pipefail

KIT=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-$KIT/out}
mkdir -p "$OUT/tests"
OUT=$(cd "$OUT" && pwd)
PYTHON=${PYTHON:-python3}
REPLAY=${REPLAY:-32:fp32 32:fp16 1:fp32 1:fp16}
REPEATS=${REPEATS:-7}
SUMMARY="$OUT/SUMMARY.txt"
: > "$SUMMARY"
tool="$KIT/bin/ridgeline"
failures=0

note() { echo "$*" | tee -a "$SUMMARY"; }
# step NAME COMMAND...: runs it, output to OUT/NAME.txt (and the terminal), status to the summary.
step() {
    local name=$1
    shift
    echo "== $name: $*" | tee "$OUT/$name.txt"
    local t0=$SECONDS
    "$@" 2>&1 | tee -a "$OUT/$name.txt"
    local rc=${PIPESTATUS[0]}
    note "$(printf '%-30s exit %-3s %4ss  %s' "$name" "$rc" $((SECONDS - t0)) "$*")"
    [ "$rc" -eq 0 ] || failures=$((failures + 1))
    return "$rc"
}

note "ridgeline GPU kit run, $(date -u '+%Y-%m-%d %H:%M UTC'), $(hostname)"
[ -f "$KIT/MANIFEST.txt" ] && sed -n '1,3p' "$KIT/MANIFEST.txt" | sed 's/^/kit: /' | tee -a "$SUMMARY"
gpu_name=""
if command -v nvidia-smi > /dev/null; then
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv | tee -a "$SUMMARY"
    gpu_name=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)
else
    note "nvidia-smi not found: is this the GPU machine?"
fi
# shellcheck source=/dev/null
source "$KIT/scripts/gpu_spec.sh"
HW=${HW:-$(gpu_spec_for "${gpu_name:-unknown}")}
note "spec: $HW (from the GPU's name '${gpu_name:-unknown}'; set HW to choose)"

# ---- libraries --------------------------------------------------------------------------------
# Everything: the kit's own non-CUDA libraries (onnx_proto, protobuf, yaml-cpp, fmt …) and
# PyTorch's cuDNN folder (cuDNN loads its sub-libraries by name) on LD_LIBRARY_PATH. The CUDA
# libraries (cuda_libraries.txt) from the first folder holding each — the toolkit's, then the
# Python environment's NVIDIA wheels: passed to the GPU plugin's loader (RIDGELINE_CUDA_PATH), and
# on LD_LIBRARY_PATH only for the test programs, which link the CUDA runtime themselves (a traced
# PyTorch keeps its own).
site_dirs=$("$PYTHON" -c 'import site, sys; print("\n".join(site.getsitepackages() + [site.getusersitepackages()]))' 2> /dev/null)
cudnn_dir=$("$PYTHON" -c 'import os, nvidia.cudnn as c; print(os.path.join(list(c.__path__)[0], "lib"))' 2> /dev/null)
[ -n "$cudnn_dir" ] && [ -d "$cudnn_dir" ] || cudnn_dir=""
candidates=("${CUDA_HOME:-/usr/local/cuda}/lib64" /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib
    /usr/local/cuda/targets/sbsa-linux/lib /usr/local/cuda/extras/CUPTI/lib64)
while IFS= read -r s; do
    [ -n "$s" ] || continue
    for d in "$s"/nvidia/*/lib; do [ -d "$d" ] && candidates+=("$d"); done
done <<< "$site_dirs"
cuda_path=""
add_dir() {
    case ":$cuda_path:" in *":$1:"*) ;; *) cuda_path="${cuda_path:+$cuda_path:}$1" ;; esac
}
[ -n "$cudnn_dir" ] && add_dir "$cudnn_dir"
while IFS= read -r soname; do
    [ -n "$soname" ] || continue
    found=""
    for d in "${candidates[@]}"; do
        if [ -e "$d/$soname" ]; then found=$d; break; fi
    done
    if [ -n "$found" ]; then
        add_dir "$found"
    elif ! ldconfig -p 2> /dev/null | grep -q "$soname"; then
        note "warning: $soname not found in ${candidates[*]} nor by ldconfig"
    fi
done < "$KIT/cuda_libraries.txt"
user_library_path=${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH="$KIT/lib${cudnn_dir:+:$cudnn_dir}$user_library_path"
export RIDGELINE_CUDA_PATH="$cuda_path${RIDGELINE_CUDA_PATH:+:$RIDGELINE_CUDA_PATH}"
test_library_path="$KIT/lib${cuda_path:+:$cuda_path}$user_library_path"
export RIDGELINE_PLUGIN_PATH="$KIT/lib"
export RIDGELINE_HWSPECS="$KIT/hwspecs"
export RIDGELINE_INJECT_LIBRARY="$KIT/lib/libridgeline_inject.so"
export RIDGELINE_TEST_TOOL="$tool"  # the tests run the kit's tool, whatever build tree they came from
note "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
note "RIDGELINE_CUDA_PATH=$RIDGELINE_CUDA_PATH"
missing=$(for f in "$tool" "$KIT"/lib/libridgeline*.so "$KIT"/tests/*; do
    LD_LIBRARY_PATH=$test_library_path ldd "$f" 2> /dev/null | grep "not found"
done | sort -u)
[ -z "$missing" ] || note "libraries not found: $(echo "$missing" | tr '\n' ' ')"

# ---- 1. GPU tests -----------------------------------------------------------------------------
# test NAME [VAR=VALUE ...]: runs KIT/tests/NAME (77, skipped, counts as a failure here).
gpu_test() {
    local name=$1
    shift
    local t0=$SECONDS
    env LD_LIBRARY_PATH="$test_library_path" "$@" "$KIT/tests/${name%_gpu}" > "$OUT/tests/$name.txt" 2>&1
    local rc=$?
    local what=passed
    [ "$rc" -eq 0 ] || what=FAILED
    [ "$rc" -eq 77 ] && what="SKIPPED (no GPU seen)"
    note "$(printf 'test %-26s %-22s %4ss' "$name" "$what" $((SECONDS - t0)))"
    [ "$rc" -eq 0 ] || { failures=$((failures + 1)); tail -25 "$OUT/tests/$name.txt"; }
}
gpu_test test_gpu_tracer
gpu_test test_gpu_ceilings
gpu_test test_gpu_inject
gpu_test test_gpu_replay
node_env=(RIDGELINE_REPLAY_BACKEND=gpu)
if [ -f "$KIT/data/onnx_node_tests.tar.gz" ]; then
    mkdir -p "$OUT/onnx_node_tests"
    tar -xzf "$KIT/data/onnx_node_tests.tar.gz" -C "$OUT/onnx_node_tests"
    node_env+=(RIDGELINE_ONNX_TESTDATA="$OUT/onnx_node_tests/node")
fi
gpu_test test_replay_nodes_gpu "${node_env[@]}"
grep -h "replay node tests" "$OUT/tests/test_replay_nodes_gpu.txt" | tee -a "$SUMMARY"

# ---- 2. ceilings ------------------------------------------------------------------------------
step ceilings "$tool" ceilings --hw "$HW" -o "$OUT/$HW.yaml"

# ---- 3. traces of a PyTorch resnet50 forward ---------------------------------------------------
model="$KIT/models/resnet50_eager.onnx"
have_torch=0
if [ "${SKIP_TRACES:-0}" != 1 ]; then
    if "$PYTHON" -c "import torch, torchvision; assert torch.cuda.is_available()" > "$OUT/torch_check.txt" 2>&1; then
        have_torch=1
    else
        note "PyTorch with CUDA (and torchvision) not importable by $PYTHON: traces skipped ($(tail -1 "$OUT/torch_check.txt"))"
        failures=$((failures + 1))
    fi
fi
if [ "$have_torch" -eq 1 ]; then
    forward="$KIT/scripts/resnet50_forward.py"
    step trace_inject "$tool" trace -o "$OUT/resnet50_inject.json" -- "$PYTHON" "$forward" --mode nvtx
    step trace_profiler "$PYTHON" "$forward" --mode profiler --out "$OUT/resnet50_kineto.json"
    step import_kineto "$tool" import-trace "$OUT/resnet50_kineto.json" -o "$OUT/resnet50_kineto.ridgeline.json"
    if [ -f "$model" ]; then
        common=("$model" --batch 32 --window ridgeline_pass --hw "$HW")
        for t in inject kineto; do
            trace_file="$OUT/resnet50_$t.json"
            [ -f "$trace_file" ] || continue
            for method in ranges sequence; do
                step "validate_${t}_$method" "$tool" validate "${common[@]}" --trace "$trace_file" --method "$method"
                "$tool" validate "${common[@]}" --trace "$trace_file" --method "$method" --format json \
                    > "$OUT/validate_${t}_$method.json" 2> /dev/null
            done
            [ -f "$OUT/$HW.yaml" ] && step "validate_${t}_measured_spec" "$tool" validate "$model" --batch 32 \
                --window ridgeline_pass --hw "$OUT/$HW.yaml" --trace "$trace_file"
        done
        "$PYTHON" - "$OUT" << 'PY' | tee -a "$SUMMARY"
import json, os, sys
out = sys.argv[1]
for t in ("inject", "kineto"):
    for method in ("ranges", "sequence"):
        try:
            v = json.load(open(os.path.join(out, f"validate_{t}_{method}.json")))
        except Exception as e:  # noqa: BLE001
            print(f"{t} {method}: no validation ({e})")
            continue
        m, s = v["model"], v["per_node"]
        print(f"{t:7s} {method:8s} passes {v['passes']:g}: measured {m['measured_s']*1e3:.3f} ms over "
              f"{m['measured_kernels']:g} kernels, predicted {m['predicted_s']*1e3:.3f} ms (model error "
              f"{100*m['error']:+.1f}%); attributed {100*m['attributed_s']/max(m['measured_s'],1e-12):.1f}%; "
              f"per node median |e| {100*s['median_ape']:.1f}%, Spearman {s['spearman']:.3f}")
PY
    else
        note "missing $model: validation skipped"
        failures=$((failures + 1))
    fi
fi

# ---- 4. replay ----------------------------------------------------------------------------------
if [ "${SKIP_REPLAY:-0}" != 1 ]; then
    mkdir -p "$OUT/replay"
    for path in "$KIT"/models/*.onnx; do
        [ -f "$path" ] || continue
        m=$(basename "$path" .onnx)
        for config in $REPLAY; do
            b=${config%%:*}
            d=${config##*:}
            base="$OUT/replay/${m}_b${b}_${d}"
            t0=$SECONDS
            "$tool" replay "$path" --hw "$HW" --batch "$b" --set sequence=128 --dtype "$d" --repeats "$REPEATS" \
                --format json --trace "$base.trace.json" > "$base.json" 2> "$base.err"
            rc=$?
            note "$(printf 'replay %-24s b%-3s %-5s exit %-3s %4ss' "$m" "$b" "$d" "$rc" $((SECONDS - t0)))"
            [ "$rc" -eq 0 ] || { failures=$((failures + 1)); tail -3 "$base.err" | tee -a "$SUMMARY"; }
        done
    done
    eager=()
    [ -f "$OUT/resnet50_inject.json" ] && eager+=(--eager-trace "this GPU, ridgeline trace=$OUT/resnet50_inject.json")
    [ -f "$KIT/measurements/h200_resnet50_inject.json" ] &&
        eager+=(--eager-trace "H200 reference (PyTorch 2.11 eager)=$KIT/measurements/h200_resnet50_inject.json")
    [ -f "$KIT/measurements/h100_pytorch_eager.json" ] && eager+=(--sample "$KIT/measurements/h100_pytorch_eager.json")
    "$PYTHON" "$KIT/scripts/replay_summary.py" "$OUT/replay" "${eager[@]}" | tee "$OUT/replay/SUMMARY.md" | tee -a "$SUMMARY"
fi

# ---- 5. latency-model curves -------------------------------------------------------------------
# The single-operator microbenchmarks of `ridgeline calibrate` (the default shapes plus the small-M
# fp32 GEMMs and one-row decode attention products docs/accuracy.md and docs/llm.md lack), then the
# fit on this GPU's spec: per-class fit quality, and the fitted spec for hwspecs/.
if [ "${SKIP_MICROBENCH:-0}" != 1 ] && "$PYTHON" -c "import torch; assert torch.cuda.is_available()" 2> /dev/null; then
    step microbench "$PYTHON" "$KIT/scripts/microbench.py" --extended -o "$OUT/microbench_extended.json" &&
        step calibrate "$tool" calibrate --from "$OUT/microbench_extended.json" --hw "$HW" --rows \
            -o "$OUT/$HW.calibrated.yaml"
fi

note "done: $failures step(s) failed; outputs in $OUT"
[ "$failures" -eq 0 ]
