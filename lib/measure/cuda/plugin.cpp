// The GPU plugin's entry point (gpu_plugin.hpp): the table of what libridgeline_gpu.so offers — the
// tracer and the device check (cupti/tracer.cpp), the ceilings (ceilings.cu) and, when built with
// cuDNN, the replay's GPU executor (lib/replay/gpu). The only symbol the plugin exports.
#include "../cupti/device.hpp"
#include "../gpu_plugin.hpp"

#ifdef RIDGELINE_PLUGIN_WITH_REPLAY
#include "../../replay/backends.hpp"
#endif

namespace {

using namespace ridgeline;

void check_gpu(int device, measure_status* out) { *out = gpu::check_device(device); }

void start_tracing(const detail::activity_config* config, measure_status* out) { *out = gpu::start_tracing(*config); }

void stop_tracing(trace* records, measure_status* out) { *out = gpu::stop_tracing(*records); }

void push_external_id(std::uint64_t id, measure_status* out) { *out = detail::activity_push_external_id(id); }

void pop_external_id(measure_status* out) { *out = detail::activity_pop_external_id(); }

void measure_ceilings(const ceilings_options* options, ceiling_measurements* out) {
    *out = gpu::measure_ceilings(*options);
}

#ifdef RIDGELINE_PLUGIN_WITH_REPLAY
void run_graph(const graph* g, const std::vector<host_tensor>* inputs, const replay_options* options, graph_run* out) {
    *out = replay::gpu_run_graph(*g, *inputs, *options);
}

void replay_nodes(const graph* g, const model_cost* m, const replay_options* options, replay_result* result,
                  trace* records) {
    replay::gpu_replay(*g, *m, *options, *result, *records);
}
#endif

}  // namespace

extern "C" __attribute__((visibility("default"))) const ridgeline_gpu_plugin* ridgeline_gpu_plugin_v1() {
    static const ridgeline_gpu_plugin table = {
        detail::gpu_plugin_abi,
        detail::gpu_plugin_build,
        detail::gpu_plugin_layout(),
#ifdef RIDGELINE_PLUGIN_WITH_REPLAY
        nullptr,
#else
        "the GPU plugin was built without the replay executor (cuDNN was not found when ridgeline was "
        "configured; install it and reconfigure with -DRIDGELINE_REPLAY_GPU=ON)",
#endif
        &check_gpu,
        &start_tracing,
        &stop_tracing,
        &push_external_id,
        &pop_external_id,
        &measure_ceilings,
#ifdef RIDGELINE_PLUGIN_WITH_REPLAY
        &run_graph,
        &replay_nodes,
#else
        nullptr,
        nullptr,
#endif
    };
    return &table;
}
