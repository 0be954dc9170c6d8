// run_graph over any executor: every node in topological order through the op table, graph inputs
// from the caller, outputs copied back. Shared by the host (host.cpp) and the GPU (gpu/).
#pragma once

#include "runner.hpp"

#include <string>
#include <vector>

namespace ridgeline::replay {

/** Computes g's outputs with executor `ex` (see ridgeline::run_graph). */
template <class Exec>
graph_run run_graph_with(Exec& ex, const op_table<Exec>& ops, const graph& g, const std::vector<host_tensor>& inputs,
                         const replay_options& o) {
    graph_run result;
    if (inputs.size() != g.inputs.size()) {
        result.status = {measure_code::error, "run_graph: " + std::to_string(inputs.size()) +
                                                  " inputs given, the graph has " + std::to_string(g.inputs.size())};
        return result;
    }
    const auto& order = g.topological_order();
    std::vector<std::int32_t> keep(g.outputs.begin(), g.outputs.end());
    graph_runner<Exec> runner(g, ex, ops, dtype::undefined, o.seed, order, keep);
    single_run_hooks hooks;
    try {
        for (std::size_t k = 0; k < inputs.size(); ++k) runner.provide(g.inputs[k], inputs[k]);
        for (const auto ni : order) {
            const node& n = g.nodes[static_cast<std::size_t>(ni)];
            try {
                run_node(runner, n, hooks);
            } catch (const unsupported_node& e) {
                result.skipped.push_back("node '" + n.display_name() + "' (" + n.op_type + "): " + e.what());
                throw;
            }
            runner.consumed(n);
        }
        for (const auto v : g.outputs) result.outputs.push_back(runner.fetch(v));
    } catch (const unsupported_node& e) {
        result.status = {measure_code::error,
                         "run_graph: " + (result.skipped.empty() ? std::string(e.what()) : result.skipped.back())};
        result.outputs.clear();
    }
    return result;
}

}  // namespace ridgeline::replay
