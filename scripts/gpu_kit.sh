#!/usr/bin/env bash
# Builds the GPU kit: everything a bare GPU machine (driver, CUDA libraries of the build's major
# version or PyTorch's NVIDIA wheels) needs to run ridgeline's GPU checks with one command.
#   scripts/gpu_kit.sh [--arch ARCH] [--build DIR] [--no-build] [--jobs N] OUT_DIR [MODEL ...]
# then, on the GPU machine:
#   OUT_DIR/run.sh [RESULTS_DIR]          (scripts/gpu_run.sh; the summary lands in RESULTS_DIR/SUMMARY.txt)
#
# --arch     CUDA architecture for CMAKE_CUDA_ARCHITECTURES and RIDGELINE_REPLAY_CUDA_ARCHITECTURES
#            (default 90-real: the H200/H100; 80-real for the A100, 89-real for the L4 …)
# --build    build folder (default build-kit-<arch>); configured Release, tests on, examples and
#            benchmarks off, and only the kit's targets built
# --no-build collect from --build as it is (scripts/gpu_checks.sh uses this)
# MODEL      a zoo model name ($ZOO, default ../shared/zoo; then tests/data) or an .onnx path;
#            default resnet50_eager (the one the traces validate against)
#
# OUT_DIR holds: bin/ridgeline; lib/ with libridgeline_gpu.so, libridgeline_inject.so and the
# non-CUDA shared libraries `ldd` names (onnx_proto, protobuf, yaml-cpp, fmt …; not glibc, libstdc++,
# libgcc_s, zlib nor any CUDA library: the machine has those); tests/ with the gpu-labelled test
# programs and test_replay_nodes; hwspecs/; models/; data/onnx_node_tests.tar.gz (ONNX's backend
# node tests, when installed here); measurements/ (the H200 eager trace the replay is compared with,
# the H100 sample when ../shared has it); scripts/; cuda_libraries.txt (the CUDA sonames the
# programs need); MANIFEST.txt (commit, architecture, sizes); run.sh. Binaries are stripped. The
# tool and the tests must stay within 64 MiB (checked).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
ARCH=90-real
BUILD=""
DO_BUILD=1
JOBS=${JOBS:-2}
while [ $# -gt 0 ]; do
    case "$1" in
        --arch) ARCH=$2; shift 2 ;;
        --build) BUILD=$2; shift 2 ;;
        --no-build) DO_BUILD=0; shift ;;
        --jobs) JOBS=$2; shift 2 ;;
        -h | --help) sed -n '2,26p' "$0"; exit 0 ;;
        --*) echo "gpu_kit.sh: unknown option $1" >&2; exit 2 ;;
        *) break ;;
    esac
done
[ $# -ge 1 ] || { echo "usage: scripts/gpu_kit.sh [--arch ARCH] [--build DIR] [--no-build] OUT_DIR [MODEL ...]" >&2; exit 2; }
OUT=$1
shift
MODELS=("$@")
[ ${#MODELS[@]} -gt 0 ] || MODELS=(resnet50_eager)
BUILD=${BUILD:-build-kit-${ARCH//[^0-9a-z]/-}}
ZOO=${ZOO:-$here/../shared/zoo}
SHARED=${SHARED:-$here/../shared}

targets=(ridgeline_cli ridgeline_gpu ridgeline_inject test_gpu_tracer test_gpu_ceilings test_gpu_inject
    test_gpu_replay ridgeline_gpu_inject_target test_replay_nodes)
if [ "$DO_BUILD" -eq 1 ]; then
    cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DRIDGELINE_BUILD_TESTS=ON \
        -DRIDGELINE_BUILD_EXAMPLES=OFF -DRIDGELINE_BUILD_BENCHMARKS=OFF -DRIDGELINE_WITH_CUDA=ON \
        -DRIDGELINE_REPLAY_GPU=ON -DCMAKE_CUDA_ARCHITECTURES="$ARCH" -DRIDGELINE_REPLAY_CUDA_ARCHITECTURES="$ARCH"
    nice cmake --build "$BUILD" -j "$JOBS" --target "${targets[@]}"
fi
built_arch=$(sed -n 's/^RIDGELINE_REPLAY_CUDA_ARCHITECTURES:STRING=//p' "$BUILD/CMakeCache.txt")

rm -rf "$OUT"
mkdir -p "$OUT"/{bin,lib,tests,hwspecs,models,data,measurements,scripts}
OUT=$(cd "$OUT" && pwd)
install -m 755 "$BUILD/tools/ridgeline/ridgeline" "$OUT/bin/"
install -m 755 "$BUILD/lib/libridgeline_gpu.so" "$BUILD/lib/libridgeline_inject.so" "$OUT/lib/"
for t in test_gpu_tracer test_gpu_ceilings test_gpu_inject test_gpu_replay ridgeline_gpu_inject_target test_replay_nodes; do
    install -m 755 "$BUILD/tests/$t" "$OUT/tests/"
done

# Shared libraries: the non-CUDA ones travel; the CUDA ones (and the base system's) are the machine's.
base='^(linux-vdso|ld-linux|libc\.so|libm\.so|libdl\.so|libpthread\.so|librt\.so|libresolv\.so|libutil\.so|libstdc\+\+\.so|libgcc_s\.so|libz\.so)'
cuda='^(libcuda\.so|libcudart|libcupti|libcublas|libcudnn|libnvrtc|libnvJitLink|libnvidia|libcufft|libcurand|libcusparse|libcusolver|libnvToolsExt)'
: > "$OUT/cuda_libraries.txt"
for f in "$OUT"/bin/* "$OUT"/lib/libridgeline*.so "$OUT"/tests/*; do
    ldd "$f" | awk '/=>/ { print $1, $3 }'
done | sort -u | while read -r soname path; do
    if [[ $soname =~ $cuda ]]; then
        echo "$soname" >> "$OUT/cuda_libraries.txt"
    elif [[ ! $soname =~ $base ]]; then
        [ -f "$path" ] || { echo "gpu_kit.sh: $soname not found here ($path)" >&2; exit 1; }
        cp -L "$path" "$OUT/lib/$soname"
    fi
done
sort -u -o "$OUT/cuda_libraries.txt" "$OUT/cuda_libraries.txt"
strip --strip-unneeded "$OUT"/bin/* "$OUT"/lib/*.so* "$OUT"/tests/* 2> /dev/null || true

cp hwspecs/*.yaml hwspecs/README.md "$OUT/hwspecs/"
for m in "${MODELS[@]}"; do
    if [ -f "$m" ]; then
        cp "$m" "$OUT/models/"
    elif [ -f "$ZOO/$m.onnx" ]; then
        cp "$ZOO/$m.onnx" "$OUT/models/"
    elif [ -f "tests/data/$m.onnx" ]; then
        cp "tests/data/$m.onnx" "$OUT/models/"
    else
        echo "gpu_kit.sh: model '$m' not found (an .onnx path, or a name in $ZOO or tests/data)" >&2
        exit 2
    fi
done
[ -f "$OUT/models/resnet50_eager.onnx" ] || cp tests/data/resnet50_eager.onnx "$OUT/models/"  # validate's model
node_data=$(sed -n 's/^RIDGELINE_ONNX_TESTDATA:PATH=//p' "$BUILD/CMakeCache.txt")
if [ -d "$node_data" ]; then
    tar -czf "$OUT/data/onnx_node_tests.tar.gz" -C "$(dirname "$node_data")" "$(basename "$node_data")"
else
    echo "gpu_kit.sh: no ONNX backend node tests at '$node_data': test_replay_nodes will skip on the GPU" >&2
fi
# The eager trace the replay is compared with (H200, PyTorch 2.11): from the repository's test data.
tar -xJf tests/data/traces/h200_resnet50.tar.xz -C "$OUT/measurements" resnet50_inject.json
mv "$OUT/measurements/resnet50_inject.json" "$OUT/measurements/h200_resnet50_inject.json"
[ -f "$SHARED/measurements/h100_pytorch_eager.json" ] && cp "$SHARED/measurements/h100_pytorch_eager.json" "$OUT/measurements/"
cp scripts/gpu_spec.sh scripts/replay_summary.py scripts/resnet50_forward.py scripts/microbench.py "$OUT/scripts/"
install -m 755 scripts/gpu_run.sh "$OUT/run.sh"

tool_and_tests=$(du -scb "$OUT"/bin "$OUT"/lib "$OUT"/tests | tail -1 | cut -f1)
{
    echo "ridgeline GPU kit, commit $(git rev-parse --short HEAD 2> /dev/null || echo unknown)$(git diff --quiet 2> /dev/null || echo ' (with local changes)'), built $(date -u '+%Y-%m-%d %H:%M UTC') on $(hostname)"
    cuda_version=$(sed -n 's/^set(CMAKE_CUDA_COMPILER_VERSION "\(.*\)")/\1/p' "$BUILD"/CMakeFiles/*/CMakeCUDACompiler.cmake | head -1)
    echo "CUDA architectures ${built_arch:-?}; CUDA ${cuda_version:-?} (nvcc)"
    echo "tool + libraries + tests: $((tool_and_tests / 1048576)) MiB ($tool_and_tests bytes); kit: $(du -sb "$OUT" | cut -f1) bytes"
    echo "models: $(cd "$OUT/models" && ls | tr '\n' ' ')"
    echo "CUDA libraries needed on the GPU machine: $(tr '\n' ' ' < "$OUT/cuda_libraries.txt")"
    echo
    (cd "$OUT" && find . -type f ! -name MANIFEST.txt | sort | xargs ls -l | awk '{ printf "%10d  %s\n", $5, $9 }')
} > "$OUT/MANIFEST.txt"
sed -n "1,5p" "$OUT/MANIFEST.txt"
limit=$((64 * 1048576))
if [ "$tool_and_tests" -gt "$limit" ]; then
    echo "gpu_kit.sh: the tool and the tests take $tool_and_tests bytes, over 64 MiB" >&2
    exit 1
fi
echo "kit in $OUT; on the GPU machine: $OUT/run.sh [RESULTS_DIR]"
