#!/usr/bin/env bash
# GPU checks of the measurement layer, for a machine with an NVIDIA GPU. Builds nothing: build first
#   cmake -S . -B build-measure -G Ninja -DCMAKE_BUILD_TYPE=Release -DRIDGELINE_BUILD_BENCHMARKS=OFF
#   ninja -C build-measure
# then run from the repository root:
#   scripts/gpu_checks.sh [BUILD_DIR] [OUT_DIR]        (defaults: build-measure, $OUT or gpu-checks-out)
#
# 1. the gpu-labelled tests (they must run, not skip);
# 2. ridgeline ceilings --hw h100-sxm, writing the spec with a fresh measured: section to OUT (the
#    repository's hwspecs/ is left alone: copy it over by hand after a look);
# 3. a PyTorch resnet50 batch-32 fp32 forward (eval, no_grad, cudnn.benchmark and tf32 off — the
#    settings of ../shared/measurements/h100_pytorch_eager.json), 5 warm-up then 5 measured passes,
#    each leaf and block module wrapped in a range named after it; traced twice: with the injection
#    library (`ridgeline trace`, NVTX ranges) and with torch.profiler (Kineto Chrome trace,
#    record_function ranges);
# 4. ridgeline validate against resnet50_eager.onnx for both traces, attributed by ranges (auto) and
#    by sequence alignment, with the datasheet spec and with the freshly measured one.
# Every step's output lands in OUT; SUMMARY.txt lists what ran, its status and the key figures.
# Environment: ZOO (folder with resnet50_eager.onnx), PYTHON (default python3), HW (default h100-sxm).
set -uo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here" || exit 2
BUILD=${1:-build-measure}
OUT=${2:-${OUT:-gpu-checks-out}}
HW=${HW:-h100-sxm}
PYTHON=${PYTHON:-python3}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
SUMMARY="$OUT/SUMMARY.txt"
: > "$SUMMARY"
export RIDGELINE_HWSPECS="$here/hwspecs"   # spec lookup independent of paths compiled into the build

note() { echo "$*" | tee -a "$SUMMARY"; }
failures=0
# step NAME COMMAND...: runs it, output to OUT/NAME.txt (and the terminal), status to the summary.
step() {
    local name=$1
    shift
    echo "== $name: $*" | tee "$OUT/$name.txt"
    local t0=$SECONDS
    "$@" 2>&1 | tee -a "$OUT/$name.txt"
    local rc=${PIPESTATUS[0]}
    note "$(printf '%-28s exit %-3s %4ss  %s' "$name" "$rc" $((SECONDS - t0)) "$*")"
    [ "$rc" -eq 0 ] || failures=$((failures + 1))
    return "$rc"
}

note "ridgeline GPU checks, $(date -u '+%Y-%m-%d %H:%M UTC'), $(hostname)"
if command -v nvidia-smi > /dev/null; then
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv | tee -a "$SUMMARY"
else
    note "nvidia-smi not found: is this the GPU machine?"
fi

# ---- the tools ---------------------------------------------------------------------------------
tool="$BUILD/tools/ridgeline/ridgeline"
[ -x "$tool" ] || { note "missing $tool: build first (see the top of this script)"; exit 2; }
inject="$BUILD/lib/libridgeline_inject.so"
[ -f "$inject" ] || { note "missing $inject: the build has no CUDA layer (RIDGELINE_WITH_CUDA=OFF?)"; exit 2; }

# ---- 1. GPU tests ------------------------------------------------------------------------------
step gpu_tests ctest --test-dir "$BUILD" -L gpu --output-on-failure
if grep -q "Skipped" "$OUT/gpu_tests.txt"; then
    note "gpu tests were SKIPPED: no usable GPU seen by the CUDA runtime"
    failures=$((failures + 1))
fi

# ---- 2. ceilings -------------------------------------------------------------------------------
step ceilings "$tool" ceilings --hw "$HW" -o "$OUT/$HW.yaml"

# ---- 3. traces of a PyTorch resnet50 forward ---------------------------------------------------
cat > "$OUT/resnet50_forward.py" << 'PY'
"""resnet50 batch-32 fp32 forward, eager, as in ../shared/measurements/h100_pytorch_eager.json.
Every named module runs inside a range named after it (NVTX for --mode nvtx, torch.profiler
record_function for --mode profiler); the measured passes run inside ranges named ridgeline_pass."""
import argparse, json, sys, time

import torch
import torchvision

p = argparse.ArgumentParser()
p.add_argument("--mode", choices=["nvtx", "profiler"], required=True)
p.add_argument("--out", default="")
p.add_argument("--batch", type=int, default=32)
p.add_argument("--warmup", type=int, default=5)
p.add_argument("--passes", type=int, default=5)
a = p.parse_args()

torch.backends.cudnn.benchmark = False
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
model = torchvision.models.resnet50(weights=None).cuda().eval()
x = torch.randn(a.batch, 3, 224, 224, device="cuda")

stack = []
def pre(name):
    def hook(module, inputs):
        if a.mode == "nvtx":
            torch.cuda.nvtx.range_push(name)
        else:
            rf = torch.autograd.profiler.record_function(name)
            rf.__enter__()
            stack.append(rf)
    return hook
def post(name):
    def hook(module, inputs, output):
        if a.mode == "nvtx":
            torch.cuda.nvtx.range_pop()
        else:
            stack.pop().__exit__(None, None, None)
    return hook
for name, module in model.named_modules():
    if name:
        module.register_forward_pre_hook(pre(name))
        module.register_forward_hook(post(name))

def forward():
    with torch.no_grad():
        model(x)

for _ in range(a.warmup):
    forward()
torch.cuda.synchronize()

if a.mode == "nvtx":
    times = []
    for _ in range(a.passes):
        torch.cuda.nvtx.range_push("ridgeline_pass")
        t0 = time.perf_counter()
        forward()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
        torch.cuda.nvtx.range_pop()
    print(json.dumps({"mode": a.mode, "wall_ms_per_pass": [t * 1e3 for t in times]}))
else:
    from torch.profiler import ProfilerActivity, profile, record_function
    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
        for _ in range(a.passes):
            with record_function("ridgeline_pass"):
                forward()
                torch.cuda.synchronize()
    prof.export_chrome_trace(a.out)
    events = json.load(open(a.out))["traceEvents"]
    kernels = [e for e in events if e.get("ph") == "X" and str(e.get("cat", "")).lower() == "kernel"]
    print(json.dumps({"mode": a.mode, "kernels_per_pass": len(kernels) / a.passes,
                      "kernel_sum_us_per_pass": sum(float(e["dur"]) for e in kernels) / a.passes,
                      "torch": torch.__version__, "cuda": torch.version.cuda,
                      "cudnn": torch.backends.cudnn.version(), "device": torch.cuda.get_device_name()}))
PY

zoo=${ZOO:-/work/shared/zoo}
[ -f "$zoo/resnet50_eager.onnx" ] || zoo="$here/../shared/zoo"
model="$zoo/resnet50_eager.onnx"
have_torch=1
if ! "$PYTHON" -c "import torch, torchvision; assert torch.cuda.is_available()" > "$OUT/torch_check.txt" 2>&1; then
    have_torch=0
    note "PyTorch with CUDA (and torchvision) not importable by $PYTHON: traces skipped ($(tail -1 "$OUT/torch_check.txt"))"
    failures=$((failures + 1))
fi

if [ "$have_torch" -eq 1 ]; then
    step trace_inject "$tool" trace -o "$OUT/resnet50_inject.json" -- "$PYTHON" "$OUT/resnet50_forward.py" --mode nvtx
    step trace_profiler "$PYTHON" "$OUT/resnet50_forward.py" --mode profiler --out "$OUT/resnet50_kineto.json"
    step import_kineto "$tool" import-trace "$OUT/resnet50_kineto.json" -o "$OUT/resnet50_kineto.ridgeline.json"

    # ---- 4. predicted vs measured --------------------------------------------------------------
    if [ -f "$model" ]; then
        common=("$model" --batch 32 --window ridgeline_pass)
        for t in inject kineto; do
            trace_file="$OUT/resnet50_$t.json"
            [ -f "$trace_file" ] || continue
            step "validate_${t}_ranges" "$tool" validate "${common[@]}" --hw "$HW" --trace "$trace_file"
            "$tool" validate "${common[@]}" --hw "$HW" --trace "$trace_file" --format json > "$OUT/validate_${t}_ranges.json" 2>&1
            step "validate_${t}_sequence" "$tool" validate "${common[@]}" --hw "$HW" --trace "$trace_file" --method sequence
            "$tool" validate "${common[@]}" --hw "$HW" --trace "$trace_file" --method sequence --format json \
                > "$OUT/validate_${t}_sequence.json" 2>&1
            if [ -f "$OUT/$HW.yaml" ]; then
                step "validate_${t}_measured_spec" "$tool" validate "${common[@]}" --hw "$OUT/$HW.yaml" --trace "$trace_file"
            fi
        done
        # The two tracers should see the same kernels: compare per-pass counts and sums.
        "$PYTHON" - "$OUT" << 'PY' | tee -a "$SUMMARY"
import json, os, sys
out = sys.argv[1]
for t in ("inject", "kineto"):
    path = os.path.join(out, f"validate_{t}_ranges.json")
    try:
        v = json.load(open(path))
    except Exception as e:  # noqa: BLE001
        print(f"{t}: no validation ({e})")
        continue
    m, s = v["model"], v["per_node"]
    print(f"{t:7s} {v['method']:8s} passes {v['passes']:g}: measured {m['measured_s']*1e3:.3f} ms over "
          f"{m['measured_kernels']:g} kernels, predicted {m['predicted_s']*1e3:.3f} ms over {m['predicted_kernels']} "
          f"(model error {100*m['error']:+.1f}%); attributed {100*m['attributed_s']/max(m['measured_s'],1e-12):.1f}%; "
          f"per node median |e| {100*s['median_ape']:.1f}%, p90 {100*s['p90_ape']:.1f}%, bias {100*s['bias']:+.1f}%, "
          f"within 10% {100*s['within_10pct']:.0f}%, Spearman {s['spearman']}")
PY
    else
        note "missing $model: validation skipped (set ZOO)"
        failures=$((failures + 1))
    fi
fi

note "done: $failures step(s) failed; outputs in $OUT"
[ "$failures" -eq 0 ]
