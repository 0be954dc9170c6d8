// The replay's entry points per executor, behind the public calls in replay.hpp: the host executor
// (host.cpp, every build) and the GPU executor (gpu/, CUDA builds; stub.cpp answers "not supported").
#pragma once

#include "ridgeline/replay.hpp"

#include <vector>

namespace ridgeline::replay {

/** run_graph on the host executor. */
graph_run run_graph_host(const graph& g, const std::vector<host_tensor>& inputs, const replay_options& o);

/** run_graph on the GPU executor. */
graph_run run_graph_gpu(const graph& g, const std::vector<host_tensor>& inputs, const replay_options& o);

/** Times the plan's kernel nodes on the GPU (replay_model after planning); fills result.nodes. */
void replay_on_gpu(const graph& g, const model_cost& m, const replay_options& o, replay_result& result);

}  // namespace ridgeline::replay
