// The measurement calls of a build without CUDA (RIDGELINE_WITH_CUDA=OFF): the same API as
// lib/measure/cupti/tracer.cpp and lib/measure/cuda/ceilings.cu, answering "not supported".
#include "ridgeline/measure.hpp"

namespace ridgeline {

namespace {

measure_status not_supported(const char* what) {
    return {measure_code::not_supported,
            std::string(what) +
                ": ridgeline was built without CUDA (configure with the CUDA toolkit and CUPTI "
                "installed, -DRIDGELINE_WITH_CUDA=ON)"};
}

}  // namespace

bool built_with_cuda() noexcept { return false; }

measure_status check_gpu(int /*device*/) { return not_supported("check_gpu"); }

struct kernel_tracer::impl {
    trace result;
};

kernel_tracer::kernel_tracer(tracer_options /*options*/) : impl_(std::make_unique<impl>()) {}
kernel_tracer::~kernel_tracer() = default;
kernel_tracer::kernel_tracer(kernel_tracer&&) noexcept = default;
kernel_tracer& kernel_tracer::operator=(kernel_tracer&&) noexcept = default;

measure_status kernel_tracer::start() { return not_supported("kernel_tracer::start"); }
measure_status kernel_tracer::stop() { return not_supported("kernel_tracer::stop"); }
bool kernel_tracer::running() const noexcept { return false; }
const trace& kernel_tracer::result() const noexcept { return impl_->result; }
trace kernel_tracer::take() { return std::move(impl_->result); }

measure_status push_external_id(std::uint64_t /*id*/) { return not_supported("push_external_id"); }
measure_status pop_external_id() { return not_supported("pop_external_id"); }

ceiling_measurements measure_ceilings(const ceilings_options& /*options*/) {
    ceiling_measurements m;
    m.status = not_supported("measure_ceilings");
    return m;
}

}  // namespace ridgeline
