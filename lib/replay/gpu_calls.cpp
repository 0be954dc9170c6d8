// The replay's GPU side as libridgeline reaches it: through the GPU plugin (lib/measure/gpu_plugin.hpp),
// loaded on first use. The plugin runs the nodes and records them; the records become timings here
// (collect_replay_timings, plan.cpp). Without the plugin — a build without CUDA, a missing CUDA
// library, a plugin built without cuDNN — a status says why.
#include "backends.hpp"

#include "../measure/gpu_plugin.hpp"

#include <string>

namespace ridgeline::replay {

namespace {

/** The plugin when it has the replay, or null with `s` saying why (prefixed with `what`). */
const ridgeline_gpu_plugin* replay_plugin(const char* what, measure_status& s) {
    const auto* gpu = detail::gpu_plugin(s);
    if (gpu != nullptr && gpu->replay == nullptr) {
        s = {measure_code::not_supported, gpu->replay_note != nullptr ? gpu->replay_note : "no GPU replay"};
        gpu = nullptr;
    }
    if (gpu == nullptr) s.message = std::string(what) + ": " + s.message;
    return gpu;
}

}  // namespace

graph_run run_graph_gpu(const graph& g, const std::vector<host_tensor>& inputs, const replay_options& o) {
    graph_run r;
    if (const auto* gpu = replay_plugin("run_graph on the GPU", r.status)) gpu->run_graph(&g, &inputs, &o, &r);
    return r;
}

void replay_on_gpu(const graph& g, const model_cost& m, const replay_options& o, replay_result& result) {
    const auto* gpu = replay_plugin("replay", result.status);
    if (gpu == nullptr) return;
    trace records;
    gpu->replay(&g, &m, &o, &result, &records);
    if (result.status) collect_replay_timings(records, result);
}

}  // namespace ridgeline::replay
