#!/usr/bin/env bash
# The hardware spec (hwspecs/<id>.yaml) for a GPU, from the name the driver gives it:
#   scripts/gpu_spec.sh                  the spec id of GPU 0 (nvidia-smi), or h100-sxm when unknown
#   scripts/gpu_spec.sh "NVIDIA H200"    the spec id of that name
#   source scripts/gpu_spec.sh           defines gpu_spec_for NAME (used by the GPU kit's run.sh,
#                                        gpu_checks.sh and replay_zoo.sh)
# Names as nvidia-smi and cudaGetDeviceProperties write them: "NVIDIA H200", "NVIDIA H100 80GB
# HBM3", "NVIDIA H100 PCIe", "NVIDIA A100-SXM4-80GB", "NVIDIA A100-PCIE-40GB", "Tesla T4",
# "NVIDIA L4", "Tesla V100-SXM2-32GB" … A name no spec matches answers h100-sxm and says so on stderr.

gpu_spec_for() {
    local name
    name=$(echo "$1" | tr '[:lower:]' '[:upper:]')
    case "$name" in
        *H200*) echo h200-sxm ;;
        *H100*PCIE*) echo h100-pcie ;;
        *H100*) echo h100-sxm ;;
        *A100*PCIE*) echo a100-pcie-40gb ;;
        *A100*) echo a100-sxm-80gb ;;
        *" L4" | *" L4 "*) echo l4 ;;
        *T4*) echo t4 ;;
        *V100*PCIE*) echo v100-pcie ;;
        *V100*) echo v100-sxm2 ;;
        *P100*) echo p100-pcie ;;
        *A5000*) echo rtx-a5000 ;;
        *"RTX 8000"*) echo rtx-8000 ;;
        *ORIN*) echo jetson-agx-orin ;;
        *)
            echo "gpu_spec.sh: no spec for '$1'; using h100-sxm (set HW=<spec id> to choose)" >&2
            echo h100-sxm
            ;;
    esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    if [ $# -gt 0 ]; then
        gpu_spec_for "$1"
    else
        gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader 2> /dev/null | head -1)
        gpu_spec_for "${gpu:-unknown}"
    fi
fi
