// Private: the interface between libridgeline and its GPU plugin, libridgeline_gpu.so. The plugin
// holds everything that needs a CUDA library — the CUPTI tracer, the ceiling kernels and the
// replay's GPU executor — and links the CUDA runtime, CUPTI, cuBLASLt and cuDNN normally;
// libridgeline links none of them and loads the plugin with dlopen the first time a measuring call
// needs it (gpu_loader.cpp), after loading each CUDA library itself by soname from the folders it
// searches (so that a missing one is named with those folders).
//
// The plugin exports one C symbol, `ridgeline_gpu_plugin_v1`, which returns this table. The
// arguments are ridgeline's own structs: plugin and library come from one build (the loader
// refuses a table whose `abi`, `build` or `layout` differ), so they share every layout. A plugin
// function reports failures of the GPU as statuses, as the public calls do; bad input raises the
// same ridgeline exceptions the library would.
//
// @code
// measure_status why;
// if (const ridgeline_gpu_plugin* gpu = ridgeline::detail::gpu_plugin(why)) gpu->check_gpu(0, &why);
// @endcode
#pragma once

#include "cupti/activity.hpp"
#include "gpu_loader.hpp"

#include "ridgeline/measure.hpp"
#include "ridgeline/replay.hpp"

#include <cstdint>
#include <vector>

namespace ridgeline::detail {

/** Version of the table below; the loader refuses any other. */
inline constexpr std::uint32_t gpu_plugin_abi = 1;

/** Name of the plugin's entry point (dlsym). */
inline constexpr const char* gpu_plugin_entry = "ridgeline_gpu_plugin_v1";

/** This build as a string both sides compile in: ridgeline's version and the C++ compiler's. */
#ifndef RIDGELINE_VERSION_STRING
#error "RIDGELINE_VERSION_STRING, ridgeline's version, must be defined (lib/CMakeLists.txt defines it)"
#endif
inline constexpr const char* gpu_plugin_build = RIDGELINE_VERSION_STRING " " __VERSION__;

/** The sizes of the structs that cross, mixed into one number both sides compute. */
constexpr std::uint64_t gpu_plugin_layout() {
    std::uint64_t h = 1469598103934665603ULL;
    for (const std::uint64_t size :
         {sizeof(measure_status), sizeof(trace), sizeof(kernel_record), sizeof(activity_config),
          sizeof(ceilings_options), sizeof(ceiling_measurements), sizeof(graph), sizeof(node), sizeof(value),
          sizeof(model_cost), sizeof(replay_options), sizeof(replay_result), sizeof(replay_plan), sizeof(graph_run),
          sizeof(host_tensor)}) {
        h = (h ^ size) * 1099511628211ULL;
    }
    return h;
}

}  // namespace ridgeline::detail

extern "C" {

/** What the GPU plugin offers (see the file comment). Every function pointer is set unless noted. */
struct ridgeline_gpu_plugin {
    std::uint32_t abi;       /**< ridgeline::detail::gpu_plugin_abi. */
    const char* build;       /**< ridgeline::detail::gpu_plugin_build as the plugin was compiled. */
    std::uint64_t layout;    /**< ridgeline::detail::gpu_plugin_layout() as the plugin was compiled. */
    const char* replay_note; /**< Why the replay entries are null (a plugin built without cuDNN); else null. */

    /** check_gpu. */
    void (*check_gpu)(int device, ridgeline::measure_status* out);
    /** kernel_tracer::start (device check included). */
    void (*start_tracing)(const ridgeline::detail::activity_config* config, ridgeline::measure_status* out);
    /** kernel_tracer::stop: waits for the device, moves the records into *records. */
    void (*stop_tracing)(ridgeline::trace* records, ridgeline::measure_status* out);
    /** push_external_id. */
    void (*push_external_id)(std::uint64_t id, ridgeline::measure_status* out);
    /** pop_external_id. */
    void (*pop_external_id)(ridgeline::measure_status* out);
    /** measure_ceilings. */
    void (*measure_ceilings)(const ridgeline::ceilings_options* options, ridgeline::ceiling_measurements* out);
    /** run_graph on the GPU executor (null without the replay). */
    void (*run_graph)(const ridgeline::graph* g, const std::vector<ridgeline::host_tensor>* inputs,
                      const ridgeline::replay_options* options, ridgeline::graph_run* out);
    /**
     * The replay's timed runs (null without the replay): runs result->plan's kernel nodes, marks
     * those that turn out unsupported, sets result->status and device_name, and leaves the recorded
     * trace in *records for collect_replay_timings.
     */
    void (*replay)(const ridgeline::graph* g, const ridgeline::model_cost* m, const ridgeline::replay_options* options,
                   ridgeline::replay_result* result, ridgeline::trace* records);
};

/** The plugin's entry point: its table (static storage). */
const ridgeline_gpu_plugin* ridgeline_gpu_plugin_v1();
}
