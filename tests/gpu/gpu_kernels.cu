// Known kernels for the GPU tests: they spin on %globaltimer (ns) so their duration is set by the test.
#include "gpu_kernels.hpp"

namespace {

__device__ std::uint64_t global_ns() {
    std::uint64_t t = 0;
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
    return t;
}

__device__ void spin(std::uint64_t ns, int* out, int tag) {
    const std::uint64_t start = global_ns();
    while (global_ns() - start < ns) {
    }
    if (threadIdx.x == 0 && blockIdx.x == 0) out[tag] = tag + 1;
}

}  // namespace

__global__ void ridgeline_test_spin_a(std::uint64_t ns, int* out) { spin(ns, out, 0); }
__global__ void ridgeline_test_spin_b(std::uint64_t ns, int* out) { spin(ns, out, 1); }
__global__ void ridgeline_test_spin_c(std::uint64_t ns, int* out) { spin(ns, out, 2); }

namespace ridgeline_test {

cudaError_t launch_spin(int which, unsigned grid, unsigned block, std::uint64_t ns, int* out, cudaStream_t stream) {
    switch (which) {
        case 0:
            ridgeline_test_spin_a<<<grid, block, 0, stream>>>(ns, out);
            break;
        case 1:
            ridgeline_test_spin_b<<<grid, block, 0, stream>>>(ns, out);
            break;
        default:
            ridgeline_test_spin_c<<<grid, block, 0, stream>>>(ns, out);
            break;
    }
    return cudaGetLastError();
}

}  // namespace ridgeline_test
