// The GPU side of the replay in a build without it (no CUDA, or no cuDNN): a status that says so.
#include "backends.hpp"

namespace ridgeline::replay {

namespace {
const char* const no_cuda =
    "ridgeline was built without CUDA (RIDGELINE_WITH_CUDA=OFF): the GPU replay is not available";
}

graph_run run_graph_gpu(const graph&, const std::vector<host_tensor>&, const replay_options&) {
    graph_run r;
    r.status = {measure_code::not_supported, no_cuda};
    return r;
}

void replay_on_gpu(const graph&, const model_cost&, const replay_options&, replay_result& result) {
    result.status = {measure_code::not_supported, no_cuda};
}

}  // namespace ridgeline::replay
