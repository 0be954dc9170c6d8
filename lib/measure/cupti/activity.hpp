// Private: the process-wide CUPTI activity collector that kernel_tracer, measure_ceilings and the
// injection library share. CUPTI keeps one set of activity buffers per process, so this is a single
// collector behind a mutex: start() enables the kinds and registers the buffer callbacks (once),
// stop() flushes, disables and assembles what arrived into a ridgeline::trace (launch calls and
// external ids joined to records by correlation id; NVTX start/end markers paired into ranges).
// Needs only libcupti (no CUDA runtime), so the injection library can use it inside any program.
#pragma once

#include "ridgeline/measure.hpp"

#include <cstdint>
#include <string>

namespace ridgeline::detail {

/** What the collector records. */
struct activity_config {
    bool memcpy = true;                  /**< MEMCPY records. */
    bool memset = true;                  /**< MEMSET records. */
    bool nvtx = true;                    /**< MARKER records (NVTX ranges). */
    bool launches = true;                /**< RUNTIME and DRIVER API records (launch calls). */
    std::size_t buffer_bytes = 8u << 20; /**< Activity buffer size. */
};

/** Enables recording. error when already recording; CUPTI's failures as statuses. */
measure_status activity_start(const activity_config& config);

/** Flushes CUPTI's buffers (forced), disables recording and moves what was recorded into `out`. */
measure_status activity_stop(trace& out);

/** True while recording. */
bool activity_running() noexcept;

/** The external correlation kind ridgeline pushes (CUSTOM2; Kineto uses CUSTOM0/CUSTOM1). */
measure_status activity_push_external_id(std::uint64_t id);
/** Pops the id pushed last on this thread. */
measure_status activity_pop_external_id();

/** Path of the libcupti this process uses (for NVTX_INJECTION64_PATH); empty when unknown. */
std::string cupti_library_path();

/** Demangled C++ name ("void foo<float>(float*, int)"), or the name itself when not mangled. */
std::string demangle(const char* name);

}  // namespace ridgeline::detail
