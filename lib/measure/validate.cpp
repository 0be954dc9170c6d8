// Predicted versus measured (validate.hpp): the window and passes, the choice of attribution
// (attribution.cpp), rows of node groups, and the error statistics (stats.hpp). No CUDA.
#include "ridgeline/validate.hpp"

#include "ridgeline/error.hpp"
#include "ridgeline/units.hpp"

#include "../support/enum_names.hpp"
#include "attribution.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

namespace ridgeline {

namespace {

constexpr auto attribution_names = support::make_enum_names<attribution>({{attribution::automatic, "auto"},
                                                                          {attribution::external_id, "external-id"},
                                                                          {attribution::ranges, "ranges"},
                                                                          {attribution::sequence, "sequence"}});

}  // namespace

std::string_view attribution_name(attribution a) noexcept { return attribution_names.name_of(a); }

attribution parse_attribution(const std::string& text) {
    if (const auto a = attribution_names.parse(text)) return *a;
    throw usage_error("unknown attribution method '" + text + "' (" + attribution_names.choices() + ")");
}

// ---- validate --------------------------------------------------------------------------------

using namespace attribution_detail;

validation_result validate(const model_cost& m, const latency_prediction& p, const trace& t,
                           const validate_options& o) {
    if (o.passes < 0) throw usage_error("passes must be ≥ 0, got " + std::to_string(o.passes));
    validation_result v;
    context c{m, p, t, {}, {}, {}, 1};
    for (const auto& g : t.ranges) c.ranges.push_back(&g);
    std::stable_sort(c.ranges.begin(), c.ranges.end(), [](const nvtx_range* a, const nvtx_range* b) {
        return a->start_ns != b->start_ns ? a->start_ns < b->start_ns : a->end_ns > b->end_ns;
    });

    // Window and passes.
    for (const auto* g : c.ranges) {
        if (!o.window.empty() && g->name == o.window) c.windows.push_back(g);
    }
    if (!o.window.empty() && c.windows.empty())
        throw usage_error("--window '" + o.window + "' names no range in the trace");
    // Kineto writes each record_function twice (host and GPU projection): count passes once, by host.
    if (std::any_of(c.windows.begin(), c.windows.end(), [](const nvtx_range* w) { return !w->gpu; })) {
        c.windows.erase(std::remove_if(c.windows.begin(), c.windows.end(), [](const nvtx_range* w) { return w->gpu; }),
                        c.windows.end());
    }
    const auto in_window = [&](const kernel_record& r) {
        return c.windows.empty() || std::any_of(c.windows.begin(), c.windows.end(),
                                                [&](const nvtx_range* w) { return inside(r, *w, true); });
    };
    c.passes = o.passes > 0 ? o.passes : (c.windows.empty() ? 1.0 : static_cast<double>(c.windows.size()));
    v.passes = c.passes;
    for (const auto& r : t.records) {
        if (!in_window(r)) continue;
        if (r.kind == activity_kind::kernel) c.kernels.push_back(&r);
        if (r.kind == activity_kind::memcpy) v.memcpy_s += r.duration_s();
        if (r.kind == activity_kind::memset) v.memset_s += r.duration_s();
    }
    if (c.kernels.empty()) {
        // Nothing measured: an error with the reason, never a measured time of zero.
        std::string where = o.window.empty() ? std::string()
                                             : " inside its " + std::to_string(c.windows.size()) + " '" + o.window +
                                                   "' range" + (c.windows.size() == 1 ? "" : "s");
        throw error("validate: the " + (t.source.empty() ? std::string("trace") : t.source + " trace") +
                    " holds no kernel" + where + " (" + std::to_string(t.count(activity_kind::kernel)) + " kernels, " +
                    std::to_string(t.count(activity_kind::memcpy)) + " memcpy, " +
                    std::to_string(t.count(activity_kind::memset)) + " memset, " + std::to_string(t.ranges.size()) +
                    " ranges in all): nothing measured to compare with");
    }
    std::stable_sort(c.kernels.begin(), c.kernels.end(),
                     [](const kernel_record* a, const kernel_record* b) { return a->start_ns < b->start_ns; });
    v.memcpy_s /= c.passes;
    v.memset_s /= c.passes;

    // Attribution.
    const double total = total_time(c);
    std::vector<long> layer_of;
    const auto share = [&](const std::vector<long>& a) { return total > 0 ? time_of(c, a) / total : 0.0; };
    switch (o.method) {
        case attribution::external_id:
            layer_of = by_external_id(c);
            v.method = attribution::external_id;
            v.method_note = "external correlation ids read as graph node indices; attribute " +
                            percent(share(layer_of)) + " of kernel time";
            break;
        case attribution::ranges:
            layer_of = by_ranges(c);
            v.method = attribution::ranges;
            v.method_note =
                "innermost enclosing range naming a node; attributes " + percent(share(layer_of)) + " of kernel time";
            break;
        case attribution::sequence:
            layer_of = by_sequence(c);
            v.method = attribution::sequence;
            v.method_note = "order-preserving alignment by operation class (heuristic); attributes " +
                            percent(share(layer_of)) + " of kernel time";
            break;
        case attribution::automatic: {
            std::string why;
            const bool framework = t.source.rfind("kineto", 0) == 0;
            const bool has_ids = std::any_of(c.kernels.begin(), c.kernels.end(),
                                             [](const kernel_record* r) { return r->external_id.has_value(); });
            if (!framework && has_ids) {
                layer_of = by_external_id(c);
                const double s = share(layer_of);
                if (s >= 0.5) {
                    v.method = attribution::external_id;
                    v.method_note = "auto: external ids attribute " + percent(s) + " of kernel time";
                    break;
                }
                why += "external ids attribute only " + percent(s) + "; ";
            } else {
                why += framework ? "framework trace (its external ids are the framework's); " : "no external ids; ";
            }
            layer_of = by_ranges(c);
            const double s = share(layer_of);
            if (s >= 0.5) {
                v.method = attribution::ranges;
                v.method_note = "auto: " + why + "ranges naming nodes attribute " + percent(s) + " of kernel time";
                break;
            }
            layer_of = by_sequence(c);
            v.method = attribution::sequence;
            v.method_note = "auto: " + why + "ranges attribute " + percent(s) +
                            "; order-preserving alignment by operation class (heuristic) attributes " +
                            percent(share(layer_of));
            break;
        }
    }

    // Rows: layers tied together by predicted kernels (union-find), in predicted order.
    std::vector<std::size_t> parent(m.layers.size());
    std::iota(parent.begin(), parent.end(), 0);
    const auto root = [&](std::size_t x) {
        while (parent[x] != x) x = parent[x] = parent[parent[x]];
        return x;
    };
    for (const auto& k : p.kernels) {
        for (std::size_t i = 1; i < k.layers.size(); ++i) parent[root(k.layers[i])] = root(k.layers[0]);
    }
    std::vector<long> row_of_root(m.layers.size(), none);
    for (const auto& k : p.kernels) {
        if (k.layers.empty()) continue;
        const auto r = root(k.layers.front());
        if (row_of_root[r] == none) {
            row_of_root[r] = static_cast<long>(v.rows.size());
            node_comparison row;
            row.name = m.layers[k.layers.front()].name;
            row.op_type = k.label;
            v.rows.push_back(std::move(row));
        }
        auto& row = v.rows[static_cast<std::size_t>(row_of_root[r])];
        row.predicted_s += k.time_s;
        ++row.predicted_kernels;
    }
    for (std::size_t i = 0; i < m.layers.size(); ++i) {
        const auto r = row_of_root[root(i)];
        if (r != none) v.rows[static_cast<std::size_t>(r)].layers.push_back(i);
    }
    std::map<std::string, std::pair<double, double>> unattributed;  // name → (count, seconds)
    for (std::size_t i = 0; i < c.kernels.size(); ++i) {
        const auto& k = *c.kernels[i];
        const double d = k.duration_s();
        v.measured_s += d;
        v.measured_kernels += 1;
        const long l = layer_of[i];
        if (l == none || static_cast<std::size_t>(l) >= m.layers.size()) {
            auto& u = unattributed[k.name];
            u.first += 1;
            u.second += d;
            v.unattributed_s += d;
            continue;
        }
        auto& r = row_of_root[root(static_cast<std::size_t>(l))];
        if (r == none) {  // a node the model gives no kernel (a view, a folded node) that ran one anyway
            r = static_cast<long>(v.rows.size());
            node_comparison row;
            row.name = m.layers[static_cast<std::size_t>(l)].name;
            row.op_type = m.layers[static_cast<std::size_t>(l)].op_type;
            row.layers = {static_cast<std::size_t>(l)};
            v.rows.push_back(std::move(row));
        }
        auto& row = v.rows[static_cast<std::size_t>(r)];
        row.measured_s += d;
        row.measured_kernels += 1;
        v.attributed_s += d;
        v.attributed_kernels += 1;
    }
    for (auto& row : v.rows) {
        row.measured_s /= c.passes;
        row.measured_kernels /= c.passes;
        if (row.predicted_kernels > 0 && !row.measured()) ++v.rows_not_measured;
    }
    v.measured_s /= c.passes;
    v.attributed_s /= c.passes;
    v.unattributed_s /= c.passes;
    v.measured_kernels /= c.passes;
    v.attributed_kernels /= c.passes;
    for (const auto& [name, cs] : unattributed)
        v.unattributed.push_back({name, cs.first / c.passes, cs.second / c.passes});
    std::sort(v.unattributed.begin(), v.unattributed.end(),
              [](const auto& a, const auto& b) { return a.time_s > b.time_s; });

    // Statistics.
    std::vector<double> pred, meas;
    std::map<std::string, std::pair<std::vector<double>, std::vector<double>>> per_type;
    for (const auto& row : v.rows) {
        if (!row.measured()) continue;
        pred.push_back(row.predicted_s);
        meas.push_back(row.measured_s);
        auto& [tp, tm] = per_type[row.op_type];
        tp.push_back(row.predicted_s);
        tm.push_back(row.measured_s);
    }
    v.per_node = compare_errors(pred, meas);
    for (const auto& [type, pm] : per_type) {
        op_type_comparison oc;
        oc.op_type = type;
        oc.rows = pm.first.size();
        oc.predicted_s = std::accumulate(pm.first.begin(), pm.first.end(), 0.0);
        oc.measured_s = std::accumulate(pm.second.begin(), pm.second.end(), 0.0);
        oc.errors = compare_errors(pm.first, pm.second);
        v.by_op_type.push_back(std::move(oc));
    }
    std::sort(v.by_op_type.begin(), v.by_op_type.end(),
              [](const auto& a, const auto& b) { return a.measured_s > b.measured_s; });
    v.predicted_s = p.gpu_time_s;
    v.predicted_kernels = p.kernels.size();
    v.model_error = v.measured_s > 0 ? (v.predicted_s - v.measured_s) / v.measured_s : 0.0;
    return v;
}

}  // namespace ridgeline
