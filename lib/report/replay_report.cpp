// Reporters of a replay (replay.hpp, report.hpp): JSON (everything) and a console table (coverage, totals, op types,
// heaviest nodes, what was not run). Reads replay_result only.
#include "ridgeline/report.hpp"

#include "json_text.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <ostream>

namespace ridgeline {

namespace {

/** Σ predicted and replayed time and node count per op type, over nodes that ran. */
struct op_totals {
    std::size_t nodes = 0;
    double predicted_s = 0;
    double measured_s = 0;
    std::string reason;  // not run: the first node's reason
};

std::string ratio_text(double predicted, double measured) {
    return measured > 0 ? fmt::format("{:+.0f}%", 100 * (predicted - measured) / measured) : "-";
}

}  // namespace

void write_replay_json(std::ostream& out, const replay_result& r) {
    nlohmann::ordered_json j;
    j["status"] = std::string(measure_code_name(r.status.code));
    if (!r.status) j["message"] = r.status.message;
    j["device"] = r.device_name;
    j["warmup"] = r.warmup;
    j["repeats"] = r.repeats;
    j["predicted_s"] = r.plan.predicted_s;
    j["covered_predicted_s"] = r.plan.covered_predicted_s;
    j["coverage"] = r.plan.coverage();
    j["measured_s"] = r.measured_s;
    std::map<std::int32_t, const replay_node_timing*> timing;
    for (const auto& t : r.nodes) timing[t.node] = &t;
    auto nodes = nlohmann::ordered_json::array();
    for (const auto& p : r.plan.nodes) {
        nlohmann::ordered_json n;
        n["name"] = p.name;
        n["op_type"] = p.op_type;
        n["step"] = std::string(replay_step_name(p.step));
        if (!p.backend.empty()) n["backend"] = p.backend;
        n["predicted_s"] = p.predicted_s;
        if (const auto it = timing.find(p.node); it != timing.end()) {
            n["measured_s"] = it->second->measured_s;
            n["min_s"] = it->second->min_s;
            n["max_s"] = it->second->max_s;
            n["kernels"] = it->second->kernels;
        }
        if (!p.reason.empty()) n["reason"] = p.reason;
        nodes.push_back(std::move(n));
    }
    j["nodes"] = std::move(nodes);
    j["unsupported"] = r.plan.unsupported;
    report_detail::write_json_text(out, j, 2);
}

void write_replay_table(std::ostream& out, const replay_result& r, std::size_t top_rows) {
    const auto& plan = r.plan;
    out << fmt::format("coverage: {:.2f}% of the predicted time ({} of {}) is on nodes the replay runs\n",
                       100 * plan.coverage(), human_time(plan.covered_predicted_s), human_time(plan.predicted_s));
    if (r.status && r.repeats == 0) {
        out << "plan only: nothing was run\n";
    } else if (r.status) {
        out << fmt::format("device: {}; {} warm-up + {} timed runs per node, median kept\n", r.device_name, r.warmup,
                           r.repeats);
        double predicted_run = 0;
        for (const auto& t : r.nodes) predicted_run += t.predicted_s;
        out << fmt::format("replayed {} nodes: predicted {}, replayed {} ({} vs replay)\n\n", r.nodes.size(),
                           human_time(predicted_run), human_time(r.measured_s),
                           ratio_text(predicted_run, r.measured_s));
        std::map<std::string, op_totals> by_type;
        for (const auto& t : r.nodes) {
            auto& e = by_type[t.op_type];
            ++e.nodes;
            e.predicted_s += t.predicted_s;
            e.measured_s += t.measured_s;
        }
        std::vector<std::pair<std::string, op_totals>> types(by_type.begin(), by_type.end());
        std::sort(types.begin(), types.end(),
                  [](const auto& a, const auto& b) { return a.second.measured_s > b.second.measured_s; });
        out << fmt::format("{:<24} {:>6} {:>12} {:>12} {:>8}\n", "op type", "nodes", "predicted", "replayed", "error");
        for (const auto& [type, e] : types) {
            out << fmt::format("{:<24} {:>6} {:>12} {:>12} {:>8}\n", type, e.nodes, human_time(e.predicted_s),
                               human_time(e.measured_s), ratio_text(e.predicted_s, e.measured_s));
        }
        std::vector<const replay_node_timing*> heavy;
        for (const auto& t : r.nodes) heavy.push_back(&t);
        std::sort(heavy.begin(), heavy.end(),
                  [](const auto* a, const auto* b) { return a->measured_s > b->measured_s; });
        if (top_rows > 0 && heavy.size() > top_rows) heavy.resize(top_rows);
        out << fmt::format("\n{:<44} {:<14} {:>10} {:>10} {:>8} {:>7}\n", "node", "op type", "predicted", "replayed",
                           "error", "kernels");
        for (const auto* t : heavy) {
            const std::string name = t->name.size() > 44 ? "…" + t->name.substr(t->name.size() - 43) : t->name;
            out << fmt::format("{:<44} {:<14} {:>10} {:>10} {:>8} {:>7}\n", name, t->op_type,
                               human_time(t->predicted_s), human_time(t->measured_s),
                               ratio_text(t->predicted_s, t->measured_s), t->kernels);
        }
    } else {
        out << fmt::format("not replayed: {}: {}\n", measure_code_name(r.status.code), r.status.message);
    }
    // What is not covered, by op type, with its predicted time.
    std::map<std::string, op_totals> uncovered;
    for (const auto& p : plan.nodes) {
        if (p.step != replay_step::unsupported && p.step != replay_step::control) continue;
        auto& e = uncovered[p.op_type];
        ++e.nodes;
        e.predicted_s += p.predicted_s;
        if (e.reason.empty()) e.reason = p.reason;
    }
    if (!uncovered.empty()) {
        out << "\nnot run (predicted time not covered):\n";
        for (const auto& [type, e] : uncovered) {
            out << fmt::format("  {:<24} {:>5} nodes {:>12}  {}\n", type, e.nodes, human_time(e.predicted_s), e.reason);
        }
    }
}

}  // namespace ridgeline
