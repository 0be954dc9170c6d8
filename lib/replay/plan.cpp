// Planning a replay (which nodes run, and the predicted time they cover) and the public entry
// points that choose the executor. Needs no GPU.
#include "backends.hpp"
#include "runner.hpp"

#include "ridgeline/replay.hpp"

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

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

namespace {

/**
 * Why a replay's trace holds no record of any node: what CUPTI delivered and how it was tagged
 * (`tagged`: records with a node's id, warm-ups included; `setup`: with the setup id; `timed`: of
 * timed runs).
 */
std::string nothing_recorded(const trace& t, std::size_t tagged, std::size_t setup, std::size_t timed) {
    std::string why = "no kernel of any node was recorded; ";
    if (t.records.empty()) {
        why +=
            "CUPTI delivered no activity record at all (kernel activity not enabled, or its buffers were "
            "not flushed before they were read)";
    } else if (tagged == 0) {
        why += "CUPTI delivered " + std::to_string(t.records.size()) + " records (" +
               std::to_string(t.count(activity_kind::kernel)) + " kernels, " + std::to_string(setup) +
               " tagged as setup work) but none carried a node's external correlation id (CUPTI writes those "
               "only in front of RUNTIME/DRIVER API records, which must be enabled)";
    } else if (timed == 0) {
        why += std::to_string(tagged) + " records carry a node's id, all of them in warm-up runs";
    } else {
        why += std::to_string(timed) +
               " records of timed runs carry a node's id, but no node has them in its "
               "median run (most runs recorded nothing)";
    }
    if (t.dropped_records > 0) why += "; CUPTI dropped " + std::to_string(t.dropped_records) + " records";
    return why;
}

}  // namespace

void collect_replay_timings(const trace& t, replay_result& r) {
    std::map<std::pair<std::int32_t, int>, std::vector<const kernel_record*>> runs;
    std::size_t tagged = 0;
    std::size_t setup = 0;
    for (const auto& rec : t.records) {
        if (!rec.external_id) continue;
        if (*rec.external_id == replay_setup_id) {
            ++setup;
            continue;
        }
        ++tagged;
        const auto node = static_cast<std::int32_t>(*rec.external_id >> 12);
        const int rep = static_cast<int>(*rec.external_id & 0xfffU);
        if (rep < r.warmup) continue;
        runs[{node, rep}].push_back(&rec);
    }
    r.nodes.clear();
    r.measured_s = 0;
    r.median_trace = trace{};
    r.median_trace.source = "replay";
    r.median_trace.process_id = t.process_id;
    r.median_trace.dropped_records = t.dropped_records;
    for (const auto& p : r.plan.nodes) {
        if (p.step != replay_step::kernel || r.repeats < 1) continue;
        std::vector<std::pair<double, int>> sums;  // (time of the run, run)
        for (int rep = r.warmup; rep < r.warmup + r.repeats; ++rep) {
            double s = 0;
            if (const auto it = runs.find({p.node, rep}); it != runs.end()) {
                for (const auto* rec : it->second) s += rec->duration_s();
            }
            sums.emplace_back(s, rep);
        }
        std::sort(sums.begin(), sums.end());
        const auto& median = sums[(sums.size() - 1) / 2];
        replay_node_timing timing;
        timing.layer = p.layer;
        timing.node = p.node;
        timing.name = p.name;
        timing.op_type = p.op_type;
        timing.backend = p.backend;
        timing.predicted_s = p.predicted_s;
        timing.measured_s = median.first;
        timing.min_s = sums.front().first;
        timing.max_s = sums.back().first;
        if (const auto it = runs.find({p.node, median.second}); it != runs.end()) {
            timing.kernels = it->second.size();
            for (const auto* rec : it->second) {
                kernel_record copy = *rec;
                copy.external_id = static_cast<std::uint64_t>(p.node);
                copy.kind = activity_kind::kernel;  // a node's copies are its device work (validate counts kernels)
                r.median_trace.records.push_back(std::move(copy));
            }
        }
        r.measured_s += timing.measured_s;
        r.nodes.push_back(std::move(timing));
    }
    sort_trace(r.median_trace);
    // Kernel nodes ran, yet nothing of theirs was recorded: an error, never a time of zero.
    if (!r.nodes.empty() && (runs.empty() || r.median_trace.records.empty())) {
        std::size_t timed = 0;
        for (const auto& [run, recs] : runs) timed += recs.size();
        r.status = {measure_code::error, nothing_recorded(t, tagged, setup, timed)};
    }
}

replay_result replay_model(const graph& g, const model_cost& m, const latency_prediction& p, const replay_options& o) {
    replay_result r;
    r.plan = plan_replay(g, m, p);
    r.warmup = o.warmup;
    r.repeats = o.repeats;
    if (o.repeats < 1 || o.warmup < 0 || o.warmup + o.repeats > replay_max_runs) {
        throw usage_error("replay: repeats must be at least 1, warmup at least 0, and together at most " +
                          std::to_string(replay_max_runs));
    }
    replay::replay_on_gpu(g, m, o, r);
    return r;
}

graph_run run_graph(const graph& g, const std::vector<host_tensor>& inputs, replay_backend backend,
                    const replay_options& o) {
    return backend == replay_backend::host ? replay::run_graph_host(g, inputs, o) : replay::run_graph_gpu(g, inputs, o);
}

}  // namespace ridgeline
