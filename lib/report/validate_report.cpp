// Reporters of a validation (validate.hpp): a console table and JSON (report.hpp). They only read
// the result.
#include "ridgeline/report.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <ostream>

namespace ridgeline {

namespace {

nlohmann::json number_or_null(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); }

nlohmann::json stats_json(const error_statistics& s) {
    return {{"count", s.count},
            {"median_ape", s.median_ape},
            {"p90_ape", s.p90_ape},
            {"mean_ape", s.mean_ape},
            {"bias", s.bias},
            {"within_10pct", s.within_10pct},
            {"within_25pct", s.within_25pct},
            {"spearman", number_or_null(s.spearman)}};
}

std::string rho(double x) { return std::isfinite(x) ? fmt::format("{:.3f}", x) : "n/a"; }

std::string clip(const std::string& s, std::size_t n) { return s.size() <= n ? s : s.substr(0, n - 3) + "..."; }

}  // namespace

void write_validation_table(std::ostream& out, const validation_result& v, std::size_t top_rows) {
    out << fmt::format("attribution  {} — {}\n", attribution_name(v.method), v.method_note);
    out << fmt::format("passes       {:g}\n", v.passes);
    out << fmt::format("model        predicted {} over {} kernels, measured {} over {:g} kernels: error {}\n",
                       human_time(v.predicted_s), v.predicted_kernels, human_time(v.measured_s), v.measured_kernels,
                       signed_percent(v.model_error));
    out << fmt::format(
        "             attributed {} ({:g} kernels), unattributed {}; memcpy {}, memset {} (not modelled)\n",
        human_time(v.attributed_s), v.attributed_kernels, human_time(v.unattributed_s), human_time(v.memcpy_s),
        human_time(v.memset_s));
    const auto& s = v.per_node;
    out << fmt::format(
        "per node     {} rows measured ({} predicted rows without measured time): median |e| {}, p90 {}, "
        "bias {}, within ±10% {}, Spearman {}\n\n",
        s.count, v.rows_not_measured, percent(s.median_ape), percent(s.p90_ape), signed_percent(s.bias),
        percent(s.within_10pct), rho(s.spearman));

    out << fmt::format("{:<24} {:>5} {:>12} {:>12} {:>9} {:>9} {:>8}\n", "op type", "rows", "predicted", "measured",
                       "median|e|", "bias", "rho");
    for (const auto& o : v.by_op_type) {
        out << fmt::format("{:<24} {:>5} {:>12} {:>12} {:>9} {:>9} {:>8}\n", clip(o.op_type, 24), o.rows,
                           human_time(o.predicted_s), human_time(o.measured_s), percent(o.errors.median_ape),
                           signed_percent(o.errors.bias), rho(o.errors.spearman));
    }

    std::vector<const node_comparison*> rows;
    for (const auto& r : v.rows) rows.push_back(&r);
    std::stable_sort(rows.begin(), rows.end(), [](const auto* a, const auto* b) {
        return std::max(a->measured_s, a->predicted_s) > std::max(b->measured_s, b->predicted_s);
    });
    if (top_rows > 0 && rows.size() > top_rows) rows.resize(top_rows);
    out << fmt::format("\n{:<48} {:<20} {:>12} {:>12} {:>9} {:>7}\n", "node", "op", "predicted", "measured", "error",
                       "kernels");
    for (const auto* r : rows) {
        out << fmt::format("{:<48} {:<20} {:>12} {:>12} {:>9} {:>7.3g}\n", clip(r->name, 48), clip(r->op_type, 20),
                           human_time(r->predicted_s), r->measured() ? human_time(r->measured_s) : "-",
                           r->measured() ? signed_percent(r->relative_error()) : "-", r->measured_kernels);
    }
    if (!v.unattributed.empty()) {
        out << fmt::format("\nunattributed kernel time {} ({} kernel names):\n", human_time(v.unattributed_s),
                           v.unattributed.size());
        std::size_t shown = 0;
        for (const auto& u : v.unattributed) {
            if (++shown > 10) {
                out << fmt::format("  … {} more\n", v.unattributed.size() - 10);
                break;
            }
            out << fmt::format("  {:>12} {:>7.3g}x  {}\n", human_time(u.time_s), u.count, clip(u.name, 100));
        }
    }
}

void write_validation_json(std::ostream& out, const validation_result& v) {
    nlohmann::json j;
    j["method"] = attribution_name(v.method);
    j["method_note"] = v.method_note;
    j["passes"] = v.passes;
    j["model"] = {{"predicted_s", v.predicted_s},
                  {"measured_s", v.measured_s},
                  {"attributed_s", v.attributed_s},
                  {"unattributed_s", v.unattributed_s},
                  {"error", v.model_error},
                  {"predicted_kernels", v.predicted_kernels},
                  {"measured_kernels", v.measured_kernels},
                  {"attributed_kernels", v.attributed_kernels},
                  {"rows_not_measured", v.rows_not_measured},
                  {"memcpy_s", v.memcpy_s},
                  {"memset_s", v.memset_s}};
    j["per_node"] = stats_json(v.per_node);
    auto& types = j["by_op_type"] = nlohmann::json::array();
    for (const auto& o : v.by_op_type) {
        types.push_back({{"op_type", o.op_type},
                         {"rows", o.rows},
                         {"predicted_s", o.predicted_s},
                         {"measured_s", o.measured_s},
                         {"errors", stats_json(o.errors)}});
    }
    auto& rows = j["rows"] = nlohmann::json::array();
    for (const auto& r : v.rows) {
        rows.push_back({{"name", r.name},
                        {"op_type", r.op_type},
                        {"layers", r.layers},
                        {"predicted_s", r.predicted_s},
                        {"measured_s", r.measured_s},
                        {"predicted_kernels", r.predicted_kernels},
                        {"measured_kernels", r.measured_kernels},
                        {"error", r.measured() ? nlohmann::json(r.relative_error()) : nlohmann::json(nullptr)}});
    }
    auto& un = j["unattributed"] = nlohmann::json::array();
    for (const auto& u : v.unattributed) un.push_back({{"name", u.name}, {"count", u.count}, {"time_s", u.time_s}});
    out << j.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

}  // namespace ridgeline
