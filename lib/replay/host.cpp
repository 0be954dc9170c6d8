// The replay executor on the host: run_graph(host), which operators the executor has, and the
// host executor's matrix product and convolution (double accumulation, ONNX semantics).
#include "host_exec.hpp"
#include "ops/all.hpp"
#include "run_graph.hpp"

#include "ridgeline/replay.hpp"

namespace ridgeline {

namespace {

const replay::op_table<replay::host_exec>& host_ops() {
    static const auto table = replay::all_ops<replay::host_exec>();
    return table;
}

}  // namespace

std::int64_t host_tensor::element_count() const noexcept {
    std::int64_t n = 1;
    for (const auto d : dims) n *= d;
    return n;
}

bool replay_supports(const node& n) {
    return replay::is_view_op(n) ||
           ((n.domain.empty() || n.domain == "ai.onnx") && host_ops().find(n.op_type) != nullptr);
}

std::string_view replay_backend_of(const node& n) {
    if (replay::is_view_op(n)) return "view";
    if (!n.domain.empty() && n.domain != "ai.onnx") return "";
    const auto* e = host_ops().find(n.op_type);
    return e == nullptr ? "" : e->backend;
}

replay_plan replay_dry_run(const graph& g, const model_cost& m, const latency_prediction& p, const replay_options& o) {
    replay_plan plan = plan_replay(g, m, p);
    replay::host_exec ex;
    replay::single_run_hooks hooks;
    replay::run_plan(g, m, ex, host_ops(), plan, o.seed, hooks);
    return plan;
}

namespace replay {

graph_run run_graph_host(const graph& g, const std::vector<host_tensor>& inputs, const replay_options& o) {
    host_exec ex;
    return run_graph_with(ex, host_ops(), g, inputs, o);
}

}  // namespace replay

}  // namespace ridgeline
