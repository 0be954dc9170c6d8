// Planning a replay (which nodes run, and the predicted time they cover) and the public entry
// points that choose the executor. Needs no GPU.
#include "backends.hpp"
#include "runner.hpp"

#include "ridgeline/replay.hpp"

namespace ridgeline {

std::string_view replay_step_name(replay_step step) noexcept {
    switch (step) {
        case replay_step::kernel:
            return "kernel";
        case replay_step::view:
            return "view";
        case replay_step::folded:
            return "folded";
        case replay_step::control:
            return "control";
        case replay_step::unsupported:
            return "unsupported";
    }
    return "?";
}

replay_plan plan_replay(const graph& g, const model_cost& m, const latency_prediction& p) {
    replay_plan plan;
    plan.nodes.reserve(m.layers.size());
    for (std::size_t i = 0; i < m.layers.size(); ++i) {
        const layer_cost& l = m.layers[i];
        replay_node_plan r;
        r.layer = i;
        r.node = l.node;
        r.name = l.name;
        r.op_type = l.op_type;
        r.predicted_s = i < p.layer_time_s.size() ? p.layer_time_s[i] : 0.0;
        const node& n = g.nodes[static_cast<std::size_t>(l.node)];
        if (l.folded) {
            r.step = replay_step::folded;
        } else if (l.is_view || replay::is_view_op(n)) {
            r.step = replay_step::view;
        } else if (l.kind == op_kind::control) {
            r.step = replay_step::control;
            r.reason = "control flow is not replayed";
        } else if (!replay_supports(n)) {
            r.step = replay_step::unsupported;
            r.reason = l.unknown ? "operator unknown to ridgeline" : "no replay implementation";
        } else {
            r.step = replay_step::kernel;
            r.backend = std::string(replay_backend_of(n));
        }
        plan.predicted_s += r.predicted_s;
        if (r.step == replay_step::kernel || r.step == replay_step::view || r.step == replay_step::folded) {
            plan.covered_predicted_s += r.predicted_s;
        } else {
            ++plan.unsupported[(n.domain.empty() || n.domain == "ai.onnx" ? "" : n.domain + "::") + n.op_type];
        }
        plan.nodes.push_back(std::move(r));
    }
    return plan;
}

replay_result replay_model(const graph& g, const model_cost& m, const latency_prediction& p, const replay_options& o) {
    replay_result r;
    r.plan = plan_replay(g, m, p);
    r.warmup = o.warmup;
    r.repeats = o.repeats;
    if (o.repeats < 1 || o.warmup < 0) {
        throw usage_error("replay: repeats must be at least 1 and warmup at least 0");
    }
    replay::replay_on_gpu(g, m, o, r);
    return r;
}

graph_run run_graph(const graph& g, const std::vector<host_tensor>& inputs, replay_backend backend,
                    const replay_options& o) {
    return backend == replay_backend::host ? replay::run_graph_host(g, inputs, o) : replay::run_graph_gpu(g, inputs, o);
}

}  // namespace ridgeline
