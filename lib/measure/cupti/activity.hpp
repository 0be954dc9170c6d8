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
#include <vector>

namespace ridgeline::detail {

/** What the collector records. */
struct activity_config {
    bool memcpy = true;                  /**< MEMCPY records. */
    bool memset = true;                  /**< MEMSET records. */
    bool nvtx = true;                    /**< MARKER records (NVTX ranges). */
    bool launches = true;                /**< Each record's launch call (host time, thread) in the trace. */
    bool external_ids = true;            /**< EXTERNAL_CORRELATION records (activity_push_external_id). */
    std::size_t buffer_bytes = 8u << 20; /**< Activity buffer size. */
};

/** The CUPTI activity kinds a configuration enables (activity_start), as flags. */
struct activity_kinds {
    bool concurrent_kernel = true;     /**< CONCURRENT_KERNEL: always. */
    bool external_correlation = false; /**< EXTERNAL_CORRELATION. */
    bool memcpy = false;               /**< MEMCPY. */
    bool memset = false;               /**< MEMSET. */
    bool marker = false;               /**< MARKER (NVTX). */
    bool runtime = false;              /**< RUNTIME API records. */
    bool driver = false;               /**< DRIVER API records. */
};

/**
 * The kinds `config` needs. CUPTI writes an EXTERNAL_CORRELATION record only in front of an API
 * record (RUNTIME or DRIVER) made while an id is pushed — never for a kernel on its own — so
 * external ids enable the API kinds even when the launch calls are not wanted in the trace;
 * without them every record comes back untagged (what made the H200 replay measure nothing).
 */
constexpr activity_kinds kinds_for(const activity_config& config) noexcept {
    activity_kinds k;
    k.external_correlation = config.external_ids;
    k.memcpy = config.memcpy;
    k.memset = config.memset;
    k.marker = config.nvtx;
    k.runtime = k.driver = config.launches || config.external_ids;
    return k;
}

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

/** Every libcupti file loaded in this process (real paths, sorted): more than one is a second CUPTI. */
std::vector<std::string> loaded_cupti_libraries();

/** Demangled C++ name ("void foo<float>(float*, int)"), or the name itself when not mangled. */
std::string demangle(const char* name);

}  // namespace ridgeline::detail
