// The replay's entry points per executor, behind the public calls in replay.hpp: the host executor
// (host.cpp, every build); the GPU executor as libridgeline reaches it, through the GPU plugin
// (gpu_calls.cpp: "not supported" in a build without CUDA, the loader's status when a CUDA library
// is missing), and as the plugin runs it (gpu/replay_gpu.cu, built into libridgeline_gpu.so only).
#pragma once

#include "ridgeline/replay.hpp"

#include <vector>

namespace ridgeline::replay {

/** run_graph on the host executor. */
graph_run run_graph_host(const graph& g, const std::vector<host_tensor>& inputs, const replay_options& o);

/** run_graph on the GPU executor, through the plugin. */
graph_run run_graph_gpu(const graph& g, const std::vector<host_tensor>& inputs, const replay_options& o);

/** Times the plan's kernel nodes on the GPU through the plugin (replay_model after planning); fills result.nodes. */
void replay_on_gpu(const graph& g, const model_cost& m, const replay_options& o, replay_result& result);

/** Plugin side of run_graph_gpu. */
graph_run gpu_run_graph(const graph& g, const std::vector<host_tensor>& inputs, const replay_options& o);

/**
 * Plugin side of replay_on_gpu: runs result.plan's kernel nodes (warm-up and repetitions, each run
 * tagged with replay_external_id) under the CUPTI collector; marks nodes that turn out unsupported
 * in the plan; sets result.status and result.device_name; leaves the records in `records`.
 */
void gpu_replay(const graph& g, const model_cost& m, const replay_options& o, replay_result& result, trace& records);

}  // namespace ridgeline::replay
