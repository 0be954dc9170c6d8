// Known kernels for the GPU tests (gpu_kernels.cu): each spins for a given time on the device clock.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace ridgeline_test {

/** Launches spin kernel `which` (0: a, 1: b, 2: c) for about `ns` nanoseconds on `stream`. */
cudaError_t launch_spin(int which, unsigned grid, unsigned block, std::uint64_t ns, int* out, cudaStream_t stream);

}  // namespace ridgeline_test
