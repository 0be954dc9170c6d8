// An ordinary CUDA program that knows nothing of ridgeline: test_gpu_inject traces it through
// CUDA_INJECTION64_PATH. Launches ridgeline_inject_target_kernel 5 times inside the NVTX range
// "inject_range", copies 1 MiB device to device, and exits 0 (77 without a device).
#include <cuda_runtime.h>
#include <nvtx3/nvToolsExt.h>

#include <cstdio>

__global__ void ridgeline_inject_target_kernel(float* x, int n) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) x[i] = x[i] * 2.0f + 1.0f;
}

int main() {
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0) {
        std::printf("no CUDA device\n");
        return 77;
    }
    const int n = 1 << 18;
    float* a = nullptr;
    float* b = nullptr;
    if (cudaMalloc(&a, n * sizeof(float)) != cudaSuccess || cudaMalloc(&b, n * sizeof(float)) != cudaSuccess) return 1;
    cudaMemset(a, 0, n * sizeof(float));
    nvtxRangePushA("inject_range");
    for (int i = 0; i < 5; ++i) ridgeline_inject_target_kernel<<<(n + 255) / 256, 256>>>(a, n);
    nvtxRangePop();
    cudaMemcpy(b, a, n * sizeof(float), cudaMemcpyDeviceToDevice);
    const cudaError_t e = cudaDeviceSynchronize();
    cudaFree(a);
    cudaFree(b);
    return e == cudaSuccess ? 0 : 1;
}
