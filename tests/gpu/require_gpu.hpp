// The gpu-labelled tests' first step: exit 77 (CTest's skip) with a message when the CUDA runtime
// sees no device, so that they pass as "skipped" on machines without a GPU.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdio>
#include <cstdlib>

namespace ridgeline_test {

/** Returns when CUDA device 0 exists; otherwise prints why and exits 77. */
inline void require_gpu() {
    int count = 0;
    const cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess || count == 0) {
        std::printf("skipped: no CUDA device (%s)\n", e != cudaSuccess ? cudaGetErrorString(e) : "0 devices");
        std::exit(77);
    }
}

}  // namespace ridgeline_test
