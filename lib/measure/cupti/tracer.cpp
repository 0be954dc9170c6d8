// kernel_tracer and the external-id calls of a CUDA build (measure.hpp): the device check through the
// CUDA runtime, then the shared CUPTI collector (activity.hpp).
#include "activity.hpp"
#include "check.hpp"

#include <cuda_runtime_api.h>

#include <cstdlib>
#include <string>

namespace ridgeline {

bool built_with_cuda() noexcept { return true; }

measure_status check_gpu(int device) {
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

struct kernel_tracer::impl {
    tracer_options options;
    bool running = false;
    trace result;
};

kernel_tracer::kernel_tracer(tracer_options options) : impl_(std::make_unique<impl>()) { impl_->options = options; }

kernel_tracer::~kernel_tracer() {
    if (impl_ && impl_->running) stop();
}

kernel_tracer::kernel_tracer(kernel_tracer&&) noexcept = default;

kernel_tracer& kernel_tracer::operator=(kernel_tracer&& other) noexcept {
    if (this != &other) {
        if (impl_ && impl_->running) stop();
        impl_ = std::move(other.impl_);
    }
    return *this;
}

measure_status kernel_tracer::start() {
    if (impl_->running) return {measure_code::error, "kernel_tracer::start: already recording"};
    if (auto s = check_gpu(0); !s) return s;
    impl_->result = trace{};
    if (impl_->options.nvtx && std::getenv("NVTX_INJECTION64_PATH") == nullptr) {
        // NVTX reads this on each module's first NVTX call: later first calls reach CUPTI.
        if (const auto path = detail::cupti_library_path(); !path.empty())
            ::setenv("NVTX_INJECTION64_PATH", path.c_str(), 0);
    }
    detail::activity_config config;
    config.memcpy = impl_->options.memcpy;
    config.memset = impl_->options.memset;
    config.nvtx = impl_->options.nvtx;
    config.launches = impl_->options.launches;
    config.buffer_bytes = impl_->options.buffer_bytes;
    auto s = detail::activity_start(config);
    impl_->running = s.ok();
    return s;
}

measure_status kernel_tracer::stop() {
    if (!impl_->running) return {measure_code::error, "kernel_tracer::stop: not recording"};
    impl_->running = false;
    // Records exist only for finished work: wait for the device first.
    const cudaError_t synced = cudaDeviceSynchronize();
    auto s = detail::activity_stop(impl_->result);
    if (synced != cudaSuccess) return detail::cuda_status(synced, "cudaDeviceSynchronize");
    return s;
}

bool kernel_tracer::running() const noexcept { return impl_ && impl_->running; }
const trace& kernel_tracer::result() const noexcept { return impl_->result; }
trace kernel_tracer::take() { return std::move(impl_->result); }

measure_status push_external_id(std::uint64_t id) { return detail::activity_push_external_id(id); }
measure_status pop_external_id() { return detail::activity_pop_external_id(); }

}  // namespace ridgeline
