// The measurement calls of measure.hpp that need a GPU — check_gpu, kernel_tracer, the external
// ids, measure_ceilings — in every build: through the GPU plugin (gpu_plugin.hpp), loaded on the
// first such call. Without it (a build without CUDA, or a missing CUDA library) they answer the
// loader's status, prefixed with the call's name.
#include "gpu_plugin.hpp"

#include "ridgeline/measure.hpp"

#include <string>
#include <utility>

namespace ridgeline {

namespace {

/** The plugin, or null with `s` saying why (prefixed with `what`). */
const ridgeline_gpu_plugin* plugin_for(const char* what, measure_status& s) {
    const auto* gpu = detail::gpu_plugin(s);
    if (gpu == nullptr) s.message = std::string(what) + ": " + s.message;
    return gpu;
}

}  // namespace

bool built_with_cuda() noexcept {
#ifdef RIDGELINE_GPU_PLUGIN_FILE
    return true;
#else
    return false;
#endif
}

measure_status check_gpu(int device) {
    measure_status s;
    if (const auto* gpu = plugin_for("check_gpu", s)) gpu->check_gpu(device, &s);
    return s;
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
    measure_status s;
    const auto* gpu = plugin_for("kernel_tracer::start", s);
    if (gpu == nullptr) return s;
    impl_->result = trace{};
    detail::activity_config config;
    config.memcpy = impl_->options.memcpy;
    config.memset = impl_->options.memset;
    config.nvtx = impl_->options.nvtx;
    config.launches = impl_->options.launches;
    config.buffer_bytes = impl_->options.buffer_bytes;
    gpu->start_tracing(&config, &s);
    impl_->running = s.ok();
    return s;
}

measure_status kernel_tracer::stop() {
    measure_status s;
    const auto* gpu = plugin_for("kernel_tracer::stop", s);
    if (gpu == nullptr) return s;
    if (!impl_->running) return {measure_code::error, "kernel_tracer::stop: not recording"};
    impl_->running = false;
    gpu->stop_tracing(&impl_->result, &s);
    return s;
}

bool kernel_tracer::running() const noexcept { return impl_ && impl_->running; }
const trace& kernel_tracer::result() const noexcept { return impl_->result; }
trace kernel_tracer::take() { return std::move(impl_->result); }

measure_status push_external_id(std::uint64_t id) {
    measure_status s;
    if (const auto* gpu = plugin_for("push_external_id", s)) gpu->push_external_id(id, &s);
    return s;
}

measure_status pop_external_id() {
    measure_status s;
    if (const auto* gpu = plugin_for("pop_external_id", s)) gpu->pop_external_id(&s);
    return s;
}

ceiling_measurements measure_ceilings(const ceilings_options& options) {
    ceiling_measurements m;
    if (const auto* gpu = plugin_for("measure_ceilings", m.status)) gpu->measure_ceilings(&options, &m);
    return m;
}

}  // namespace ridgeline
