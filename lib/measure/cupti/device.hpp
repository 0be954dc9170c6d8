// Private, GPU plugin side (libridgeline_gpu.so): the device check, the tracer's start and stop
// (tracer.cpp) and the ceilings (cuda/ceilings.cu) as the plugin runs them, and an external-id
// scope for plugin code (the replay's timing loop). libridgeline reaches these only through the
// plugin's table (gpu_plugin.hpp), never by name; plugin code calls these, never the public
// measure.hpp functions (which, inside the plugin, would go round through the loader).
#pragma once

#include "activity.hpp"

#include "ridgeline/measure.hpp"

#include <cstdint>

namespace ridgeline::gpu {

/** check_gpu: the CUDA runtime's device count and properties. */
measure_status check_device(int device);

/** kernel_tracer::start: the device check, NVTX_INJECTION64_PATH (nvtx_path.hpp), the collector. */
measure_status start_tracing(const detail::activity_config& config);

/** kernel_tracer::stop: waits for the device, then stops the collector and moves its records into `out`. */
measure_status stop_tracing(trace& out);

/** measure_ceilings (cuda/ceilings.cu). */
ceiling_measurements measure_ceilings(const ceilings_options& options);

/** Tags device work launched by this thread with `id` for its lifetime (the collector's stack). */
class scoped_id {
public:
    /** Pushes `id`. */
    explicit scoped_id(std::uint64_t id) : status_(detail::activity_push_external_id(id)) {}
    /** Pops it again, when the push succeeded. */
    ~scoped_id() {
        if (status_.ok()) detail::activity_pop_external_id();
    }
    scoped_id(const scoped_id&) = delete;
    scoped_id& operator=(const scoped_id&) = delete;
    /** The push's status. */
    [[nodiscard]] const measure_status& status() const noexcept { return status_; }

private:
    measure_status status_;
};

}  // namespace ridgeline::gpu
