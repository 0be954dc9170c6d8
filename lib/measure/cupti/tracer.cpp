// The tracer as the GPU plugin runs it (device.hpp): the device check through the CUDA runtime,
// then the shared CUPTI collector (activity.hpp). libridgeline's kernel_tracer calls these through
// the plugin's table (gpu_calls.cpp).
#include "device.hpp"

#include "check.hpp"
#include "nvtx_path.hpp"

#include <cuda_runtime_api.h>

#include <cstdlib>
#include <string>

namespace ridgeline::gpu {

measure_status check_device(int device) {
    int count = 0;
    RIDGELINE_CUDA_CHECK(cudaGetDeviceCount(&count));
    if (count <= 0) return {measure_code::no_device, "cudaGetDeviceCount: no CUDA device"};
    if (device < 0 || device >= count) {
        return {measure_code::no_device,
                "CUDA device " + std::to_string(device) + " does not exist (" + std::to_string(count) + " present)"};
    }
    cudaDeviceProp prop{};
    RIDGELINE_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
    return {measure_code::ok, std::string(prop.name) + ", compute capability " + std::to_string(prop.major) + "." +
                                  std::to_string(prop.minor) + ", " + std::to_string(prop.multiProcessorCount) +
                                  " SMs"};
}

measure_status start_tracing(const detail::activity_config& config) {
    if (auto s = check_device(0); !s) return s;
    if (config.nvtx) {
        // NVTX reads this on each module's first NVTX call: later first calls reach this CUPTI
        // (not another libcupti file, which would be a second CUPTI that records nothing).
        if (const auto path =
                detail::nvtx_injection_path(std::getenv("NVTX_INJECTION64_PATH"), detail::cupti_library_path()))
            ::setenv("NVTX_INJECTION64_PATH", path->c_str(), 1);
    }
    return detail::activity_start(config);
}

measure_status stop_tracing(trace& out) {
    // Records exist only for finished work: wait for the device first.
    const cudaError_t synced = cudaDeviceSynchronize();
    auto s = detail::activity_stop(out);
    if (synced != cudaSuccess) return detail::cuda_status(synced, "cudaDeviceSynchronize");
    return s;
}

}  // namespace ridgeline::gpu
