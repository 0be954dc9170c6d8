// Text reporters of one model: the analysis as table, CSV, JSON (DESIGN.md contract) and Markdown;
// inferred shapes; the largest batch that fits.
#include "ridgeline/report.hpp"

#include "ridgeline/error.hpp"

#include "../support/enum_names.hpp"
#include "json_text.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <numeric>
#include <ostream>

namespace ridgeline {

namespace {

constexpr auto report_format_names = support::make_enum_names<report_format>({{report_format::table, "table"},
                                                                              {report_format::csv, "csv"},
                                                                              {report_format::json, "json"},
                                                                              {report_format::markdown, "md"}});

}  // namespace

report_format parse_report_format(const std::string& name) {
    if (name == "markdown") return report_format::markdown;
    if (const auto f = report_format_names.parse(name)) return *f;
    throw usage_error("unknown format '" + name + "' (expected " + report_format_names.choices() + ")");
}

analysis_report make_analysis_report(const predicted_model& p, std::size_t top) {
    analysis_report r;
    r.model_path = p.path;
    r.model_nodes = p.g.nodes.size();
    r.symbols = p.symbols;
    r.dtype_name = p.prec.label();
    r.cost = p.m;
    r.training = p.training;
    r.top = top;
    if (!p.devices.empty()) {
        const auto& d = p.devices.front();
        r.hw = &d.hw;
        r.prediction = d.roofline;
        r.latency = d.latency;
        r.training_time = d.training;
    }
    return r;
}

void write_shapes(std::ostream& out, const graph& g) {
    out << fmt::format("{:<40} {:<18} {:<6} {}\n", "value", "op", "dtype", "shape");
    for (auto id : g.topological_order()) {
        const auto& n = g.nodes[static_cast<std::size_t>(id)];
        for (auto o : n.outputs) {
            if (o < 0) continue;
            const auto& v = g.values[static_cast<std::size_t>(o)];
            out << fmt::format("{:<40} {:<18} {:<6} {}\n", escape_invalid_utf8(v.name), escape_invalid_utf8(n.op_type),
                               dtype_name(v.type), v.dims ? shape_to_string(*v.dims) : "?");
        }
    }
}

void write_batch_fit(std::ostream& out, const hw_spec& hw, const batch_fit& fit) {
    out << fmt::format("device      {} ({}), {} of memory\n", hw.name, hw.id,
                       human_bytes(static_cast<double>(hw.memory_bytes())));
    out << fmt::format("largest batch that fits: {}\n", fit.batch);
    const auto line = [&](std::int64_t batch, const memory_estimate& m) {
        out << fmt::format(
            "  {:<12} weights {}, activations {}, workspace {}, total {}\n", fmt::format("batch {}", batch),
            human_bytes(static_cast<double>(m.weight_bytes)), human_bytes(static_cast<double>(m.activation_bytes)),
            human_bytes(static_cast<double>(m.workspace_bytes)), human_bytes(static_cast<double>(m.total())));
    };
    if (fit.batch > 0) line(fit.batch, fit.at_batch);
    if (fit.at_next.total() > 0) line(fit.batch + 1, fit.at_next);
}

namespace {

std::string join_shapes(const std::vector<std::string>& s) {
    std::string out;
    for (const auto& x : s) out += (out.empty() ? "" : " ") + x;
    return out;
}

/** Predicted time of layer i: the latency model's when present, else the plain roofline's. */
double layer_time(const analysis_report& r, std::size_t i) {
    if (r.latency) return r.latency->layer_time_s[i];
    return r.prediction ? r.prediction->layers[i].time_s : 0.0;
}

double total_time(const analysis_report& r) {
    if (r.latency) return r.latency->gpu_time_s;
    return r.prediction ? r.prediction->total_time_s : 0.0;
}

/** Layers shown: kernels (and unknown ops) only, optionally the N heaviest by time or FLOPs. */
std::vector<std::size_t> shown_layers(const analysis_report& r) {
    std::vector<std::size_t> idx;
    for (std::size_t i = 0; i < r.cost.layers.size(); ++i) {
        const auto& l = r.cost.layers[i];
        if (l.is_kernel() || l.unknown) idx.push_back(i);
    }
    if (r.top > 0 && r.top < idx.size()) {
        auto weight = [&](std::size_t i) {
            return r.prediction ? layer_time(r, i) : static_cast<double>(r.cost.layers[i].forward.flops());
        };
        std::stable_sort(idx.begin(), idx.end(), [&](auto a, auto b) { return weight(a) > weight(b); });
        idx.resize(r.top);
    }
    return idx;
}

/** `s` (made printable) in at most `width` bytes: its tail after "…" when longer. */
std::string fit(const std::string& raw, std::size_t width) {
    const std::string s = escape_invalid_utf8(raw);
    if (s.size() <= width) return s;
    std::size_t from = s.size() - (width - 1);
    while (from < s.size() && (static_cast<unsigned char>(s[from]) & 0xC0U) == 0x80U) ++from;  // whole code points
    return "…" + s.substr(from);
}

/** "GPU", "CPU", "TPU" … for "predicted GPU time"; "device" for other kinds. */
std::string device_word(const hw_spec* hw) {
    if (!hw) return "GPU";
    if (hw->kind == "gpu" || hw->kind == "cpu" || hw->kind == "tpu") {
        std::string w = hw->kind;
        for (auto& c : w) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        return w;
    }
    return "device";
}

/** backward / forward (0 when forward is 0). */
double ratio(double forward, double backward) { return forward > 0 ? backward / forward : 0.0; }

/** Backward predicted time of layer i, when known. */
double backward_time(const analysis_report& r, std::size_t i) {
    return r.training_time ? r.training_time->backward_time_s[i] : 0.0;
}

void write_table(std::ostream& out, const analysis_report& r) {
    const auto& t = r.cost.totals;
    // One figure for "how many kernels": the layers that launch one, and (with a device) the
    // launches the latency model predicts for them (extra conversions, folded batch norms …).
    out << fmt::format("model   {}  ({} nodes, {} layers{})\n", escape_invalid_utf8(r.model_path), r.model_nodes,
                       r.cost.kernels,
                       r.latency ? fmt::format(", {} kernel launches", r.latency->launches) : std::string());
    std::string binds;
    for (const auto& [k, v] : r.symbols) binds += fmt::format("{}{}={}", binds.empty() ? "" : ", ", k, v);
    out << fmt::format("bound   {}   precision {}{}\n", binds.empty() ? "(none)" : escape_invalid_utf8(binds),
                       r.dtype_name, r.training ? "   training: forward + backward" : "");
    if (r.hw) out << fmt::format("device  {} ({})\n", r.hw->name, r.hw->id);
    out << '\n';
    const bool pred = r.prediction.has_value();
    const bool bwd = r.training;
    const bool bwd_time = bwd && r.training_time.has_value();
    const std::size_t width = 99 + (pred ? 18 : 0) + (bwd ? 12 : 0) + (bwd_time ? 11 : 0);
    out << fmt::format("{:<34} {:<18} {:>11} {:>10} {:>10} {:>7}", "layer", "op", "FLOPs", "params", "bytes", "FLOP/B");
    if (pred) out << fmt::format(" {:>10} {:>7}", "time", "bound");
    if (bwd) out << fmt::format(" {:>11}", "bwd FLOPs");
    if (bwd_time) out << fmt::format(" {:>10}", "bwd time");
    out << '\n' << std::string(width, '-') << '\n';
    for (auto i : shown_layers(r)) {
        const auto& l = r.cost.layers[i];
        out << fmt::format("{:<34} {:<18} {:>11} {:>10} {:>10} {:>7.1f}", fit(l.name, 34), fit(l.op_type, 18),
                           l.unknown ? "unknown" : human_flops(static_cast<double>(l.forward.flops())),
                           l.params ? fmt::format("{}", l.params) : "",
                           human_bytes(static_cast<double>(l.forward.bytes())), l.forward.operational_intensity());
        if (pred) {
            const auto& p = r.prediction->layers[i];
            out << fmt::format(" {:>10} {:>7}", human_time(layer_time(r, i)), bound_name(p.bound));
        }
        if (bwd) out << fmt::format(" {:>11}", l.unknown ? "" : human_flops(static_cast<double>(l.backward.flops())));
        if (bwd_time) out << fmt::format(" {:>10}", l.unknown ? "" : human_time(backward_time(r, i)));
        out << '\n';
    }
    out << std::string(width, '-') << '\n';
    out << fmt::format("total   {} ({} matmul, {} vector, {} special), {} MACs\n",
                       human_flops(static_cast<double>(t.flops())), human_flops(static_cast<double>(t.flops_matmul)),
                       human_flops(static_cast<double>(t.flops_vector)),
                       human_flops(static_cast<double>(t.flops_special)), human_count(static_cast<double>(t.macs)));
    out << fmt::format("params  {} ({})", r.cost.params, human_bytes(static_cast<double>(r.cost.param_bytes)));
    if (r.cost.duplicate_params > 0) {
        const auto& d = r.cost.duplicate_initializers;
        out << fmt::format("; {} more stored twice, not counted: {} initializer{} repeating another ('{}' = '{}'{})",
                           r.cost.duplicate_params, d.size(), d.size() == 1 ? "" : "s",
                           escape_invalid_utf8(d.front().first), escape_invalid_utf8(d.front().second),
                           d.size() > 1 ? ", …" : "");
    }
    if (!r.cost.possibly_tied.empty()) {
        const auto& [w, e] = r.cost.possibly_tied.front();
        out << fmt::format(
            "; '{}' has the transposed shape of the embedding '{}' (a tied weight stored twice? "
            "not provable from the graph; {} params if tied)",
            escape_invalid_utf8(w), escape_invalid_utf8(e), r.cost.params - r.cost.possibly_tied_params);
    }
    out << '\n';
    out << fmt::format("bytes   {} read ({} activations, {} weights), {} written; intensity {:.1f} FLOP/B\n",
                       human_bytes(static_cast<double>(t.bytes_read())),
                       human_bytes(static_cast<double>(t.bytes_read_activations)),
                       human_bytes(static_cast<double>(t.bytes_read_weights)),
                       human_bytes(static_cast<double>(t.bytes_written)), t.operational_intensity());
    out << fmt::format("memory  peak activations {}\n", human_bytes(static_cast<double>(r.cost.peak_activation_bytes)));
    const std::string word = device_word(r.hw);
    if (pred) {
        const auto& p = *r.prediction;
        out << fmt::format(
            "roof    {}-bound at the roofline ({} compute-bound, {} memory-bound layers; ceilings {} / {}{}; "
            "plain roofline time {})\n",
            bound_name(p.bound), p.compute_bound_kernels, p.memory_bound_kernels, p.roof.matmul_key, p.roof.vector_key,
            p.roof.measured ? ", measured" : ", datasheet", human_time(p.total_time_s));
        if (r.latency) {
            out << fmt::format(
                "time    {} predicted {} time over {} kernel launches ({} layers) (+ {} host launch overhead, "
                "reported apart)\n",
                human_time(r.latency->gpu_time_s), word, r.latency->launches, r.cost.kernels,
                human_time(r.latency->launch_s));
        }
    }
    if (bwd) {
        const auto& b = r.cost.backward_totals;
        out << fmt::format(
            "backward {} ({} matmul, {} vector, {} special); {} read, {} written",
            human_flops(static_cast<double>(b.flops())), human_flops(static_cast<double>(b.flops_matmul)),
            human_flops(static_cast<double>(b.flops_vector)), human_flops(static_cast<double>(b.flops_special)),
            human_bytes(static_cast<double>(b.bytes_read())), human_bytes(static_cast<double>(b.bytes_written)));
        if (bwd_time)
            out << fmt::format("; predicted {} time {}", word, human_time(r.training_time->backward_time_s_total));
        out << '\n';
        const double ff = static_cast<double>(t.flops());
        const double fb = static_cast<double>(b.flops());
        out << fmt::format("ratios  forward:backward FLOPs 1:{:.2f}, bytes 1:{:.2f}", ratio(ff, fb),
                           ratio(static_cast<double>(t.bytes()), static_cast<double>(b.bytes())));
        if (bwd_time) out << fmt::format(", time 1:{:.2f}", r.training_time->time_ratio());
        out << fmt::format("; (forward + backward) / forward FLOPs {:.2f}", ff > 0 ? (ff + fb) / ff : 0.0);
        if (bwd_time) out << fmt::format(", time {:.2f}", r.training_time->step_time_ratio());
        out << '\n';
    }
    if (!r.cost.unknown_ops.empty()) {
        out << "unknown ";
        for (const auto& [op, n] : r.cost.unknown_ops) out << escape_invalid_utf8(op) << " x" << n << "  ";
        out << "(not counted)\n";
    }
}

void write_csv(std::ostream& out, const analysis_report& r) {
    out << "name,op_type,flops,macs,flops_matmul,flops_vector,flops_special,params,bytes_read,bytes_written,"
           "operational_intensity,bound,predicted_time_s,output_shapes";
    if (r.training) out << ",backward_flops,backward_bytes_read,backward_bytes_written,backward_predicted_time_s";
    out << '\n';
    for (std::size_t i = 0; i < r.cost.layers.size(); ++i) {
        const auto& l = r.cost.layers[i];
        if (!l.is_kernel() && !l.unknown) continue;
        const auto* p = r.prediction ? &r.prediction->layers[i] : nullptr;
        // RFC 4180: a field holding a comma or a quote is quoted, quotes doubled (names, and
        // output shapes such as "[32, 256]").
        auto field = [](const std::string& raw) {
            const std::string v = escape_invalid_utf8(raw);
            if (v.find_first_of(",\"\n\r") == std::string::npos) return v;
            std::string q;
            for (char c : v) q += c == '"' ? std::string("\"\"") : std::string(1, c);
            return "\"" + q + "\"";
        };
        const std::string name = field(l.name);
        out << fmt::format("{},{},{},{},{},{},{},{},{},{},{:.4f},{},{},{}", name, field(l.op_type), l.forward.flops(),
                           l.forward.macs, l.forward.flops_matmul, l.forward.flops_vector, l.forward.flops_special,
                           l.params, l.forward.bytes_read(), l.forward.bytes_written, l.forward.operational_intensity(),
                           p ? bound_name(p->bound) : "", p ? fmt::format("{:.6e}", layer_time(r, i)) : "",
                           field(join_shapes(l.output_shapes)));
        if (r.training) {
            out << fmt::format(",{},{},{},{}", l.backward.flops(), l.backward.bytes_read(), l.backward.bytes_written,
                               r.training_time ? fmt::format("{:.6e}", backward_time(r, i)) : "");
        }
        out << '\n';
    }
}

/** A shape as the JSON contract has it: an array of integers, a symbolic dim as its expression. */
nlohmann::json shape_json(const std::optional<shape>& s) {
    if (!s) return nullptr;
    nlohmann::json a = nlohmann::json::array();
    for (const auto& d : *s) {
        if (d.is_value())
            a.push_back(d.value());
        else
            a.push_back(d.to_string());
    }
    return a;
}

/** FLOPs and bytes of one pass, as the JSON writes them. */
nlohmann::json counts_json(const counts& c) {
    return {{"flops", c.flops()},
            {"macs", c.macs},
            {"flops_by_class", {{"matmul", c.flops_matmul}, {"vector", c.flops_vector}, {"special", c.flops_special}}},
            {"bytes_read", c.bytes_read()},
            {"bytes_written", c.bytes_written}};
}

void write_json(std::ostream& out, const analysis_report& r) {
    using nlohmann::json;
    const auto& t = r.cost.totals;
    json j;
    j["model"] = {
        {"path", r.model_path}, {"nodes", r.model_nodes}, {"params", r.cost.params}, {"kernels", r.cost.kernels}};
    j["bindings"] = json::object();
    for (const auto& [k, v] : r.symbols) j["bindings"][k] = v;
    j["precision"] = r.dtype_name;
    if (r.hw) {
        j["hardware"] = {{"id", r.hw->id}, {"name", r.hw->name}};
        if (r.prediction) {
            j["hardware"]["matmul_ceiling_flops_per_s"] = r.prediction->roof.matmul_flops_per_s;
            j["hardware"]["vector_ceiling_flops_per_s"] = r.prediction->roof.vector_flops_per_s;
            j["hardware"]["bandwidth_bytes_per_s"] = r.prediction->roof.bandwidth_bytes_per_s;
            j["hardware"]["ridge_point"] = r.prediction->roof.ridge_point();
        }
    } else {
        j["hardware"] = nullptr;
    }
    j["totals"] = {
        {"flops", t.flops()},
        {"macs", t.macs},
        {"flops_by_class", {{"matmul", t.flops_matmul}, {"vector", t.flops_vector}, {"special", t.flops_special}}},
        {"params", r.cost.params},
        {"param_bytes", r.cost.param_bytes},
        {"bytes_read", t.bytes_read()},
        {"bytes_read_activations", t.bytes_read_activations},
        {"bytes_read_weights", t.bytes_read_weights},
        {"bytes_written", t.bytes_written},
        {"operational_intensity", t.operational_intensity()},
        {"peak_activation_bytes", r.cost.peak_activation_bytes}};
    j["totals"]["predicted_time_s"] = r.prediction ? json(total_time(r)) : json(nullptr);
    j["totals"]["roofline_time_s"] = r.prediction ? json(r.prediction->total_time_s) : json(nullptr);
    if (r.latency) {
        j["totals"]["kernels"] = r.latency->kernels.size();
        j["totals"]["launch_overhead_s"] = r.latency->launch_s;
        j["totals"]["wall_time_s"] = r.latency->wall_time_s;
    }
    j["totals"]["bound"] = r.prediction ? json(std::string(bound_name(r.prediction->bound))) : json(nullptr);
    json layers = json::array();
    for (std::size_t i = 0; i < r.cost.layers.size(); ++i) {
        const auto& l = r.cost.layers[i];
        if (!l.is_kernel() && !l.unknown) continue;
        const auto* p = r.prediction ? &r.prediction->layers[i] : nullptr;
        json output_shapes = json::array();
        for (const auto& d : l.output_dims) output_shapes.push_back(shape_json(d));
        layers.push_back({{"name", l.name},
                          {"op_type", l.op_type},
                          {"kind", std::string(op_kind_name(l.kind))},
                          {"unknown", l.unknown},
                          {"flops", l.forward.flops()},
                          {"macs", l.forward.macs},
                          {"flops_by_class",
                           {{"matmul", l.forward.flops_matmul},
                            {"vector", l.forward.flops_vector},
                            {"special", l.forward.flops_special}}},
                          {"params", l.params},
                          {"bytes_read", l.forward.bytes_read()},
                          {"bytes_written", l.forward.bytes_written},
                          {"operational_intensity", l.forward.operational_intensity()},
                          {"bound", p ? json(std::string(bound_name(p->bound))) : json(nullptr)},
                          {"predicted_time_s", p ? json(layer_time(r, i)) : json(nullptr)},
                          {"output_shapes", output_shapes}});
        if (r.training) {
            auto b = counts_json(l.backward);
            b["predicted_time_s"] = r.training_time ? nlohmann::json(backward_time(r, i)) : nlohmann::json(nullptr);
            layers.back()["backward"] = std::move(b);
        }
    }
    j["layers"] = std::move(layers);
    if (r.cost.duplicate_params > 0) {
        j["totals"]["params_duplicated"] = r.cost.duplicate_params;
        json dups = json::array();
        for (const auto& [dup, of] : r.cost.duplicate_initializers)
            dups.push_back({{"initializer", dup}, {"same_as", of}});
        j["duplicate_initializers"] = std::move(dups);
    }
    if (!r.cost.possibly_tied.empty()) {
        json ties = json::array();
        for (const auto& [w, e] : r.cost.possibly_tied) ties.push_back({{"initializer", w}, {"transpose_of", e}});
        j["possibly_tied_initializers"] = std::move(ties);
        j["totals"]["params_if_tied"] = r.cost.params - r.cost.possibly_tied_params;
    }
    if (r.training) {
        const auto& b = r.cost.backward_totals;
        auto bt = counts_json(b);
        bt["predicted_time_s"] = r.training_time ? json(r.training_time->backward_time_s_total) : json(nullptr);
        j["totals"]["backward"] = std::move(bt);
        const double ff = static_cast<double>(t.flops());
        const double fb = static_cast<double>(b.flops());
        json tr = {
            {"backward_forward_flops_ratio", ratio(ff, fb)},
            {"backward_forward_bytes_ratio", ratio(static_cast<double>(t.bytes()), static_cast<double>(b.bytes()))},
            {"step_forward_flops_ratio", ff > 0 ? (ff + fb) / ff : 0.0},
            {"time_method",
             "per layer: forward predicted time x backward/forward work of its dominant term "
             "(FLOPs when compute-bound, bytes when memory-bound)"}};
        tr["backward_forward_time_ratio"] = r.training_time ? json(r.training_time->time_ratio()) : json(nullptr);
        tr["step_forward_time_ratio"] = r.training_time ? json(r.training_time->step_time_ratio()) : json(nullptr);
        j["training"] = std::move(tr);
    }
    json unknown = json::object();
    for (const auto& [op, n] : r.cost.unknown_ops) unknown[op] = n;
    j["unknown_ops"] = std::move(unknown);
    report_detail::write_json_text(out, j, 1);
}

void write_markdown(std::ostream& out, const analysis_report& r) {
    const auto& t = r.cost.totals;
    out << "# " << escape_invalid_utf8(r.model_path) << "\n\n";
    out << "| total FLOPs | matmul | vector | special | params | bytes moved | peak activations |";
    if (r.prediction) out << " predicted time |";
    out << "\n|---:|---:|---:|---:|---:|---:|---:|" << (r.prediction ? "---:|" : "") << '\n';
    out << fmt::format(
        "| {} | {} | {} | {} | {} | {} | {} |", human_flops(static_cast<double>(t.flops())),
        human_flops(static_cast<double>(t.flops_matmul)), human_flops(static_cast<double>(t.flops_vector)),
        human_flops(static_cast<double>(t.flops_special)), r.cost.params, human_bytes(static_cast<double>(t.bytes())),
        human_bytes(static_cast<double>(r.cost.peak_activation_bytes)));
    if (r.prediction) out << ' ' << human_time(total_time(r)) << " |";
    if (r.training) {
        const auto& b = r.cost.backward_totals;
        out << fmt::format("\n\nTraining: backward {}, {} moved", human_flops(static_cast<double>(b.flops())),
                           human_bytes(static_cast<double>(b.bytes())));
        if (r.training_time) out << ", predicted " << human_time(r.training_time->backward_time_s_total);
        out << fmt::format("; forward:backward FLOPs 1:{:.2f}",
                           ratio(static_cast<double>(t.flops()), static_cast<double>(b.flops())));
        if (r.training_time) out << fmt::format(", time 1:{:.2f}", r.training_time->time_ratio());
        out << '.';
    }
    out << "\n\n| layer | op | FLOPs | params | bytes | FLOP/B |" << (r.prediction ? " time | bound |" : "") << '\n';
    out << "|---|---|---:|---:|---:|---:|" << (r.prediction ? "---:|---|" : "") << '\n';
    for (auto i : shown_layers(r)) {
        const auto& l = r.cost.layers[i];
        out << fmt::format("| `{}` | {} | {} | {} | {} | {:.1f} |", escape_invalid_utf8(l.name),
                           escape_invalid_utf8(l.op_type),
                           l.unknown ? "unknown" : human_flops(static_cast<double>(l.forward.flops())), l.params,
                           human_bytes(static_cast<double>(l.forward.bytes())), l.forward.operational_intensity());
        if (r.prediction) {
            const auto& p = r.prediction->layers[i];
            out << fmt::format(" {} | {} |", human_time(layer_time(r, i)), bound_name(p.bound));
        }
        out << '\n';
    }
}

}  // namespace

void write_report(std::ostream& out, const analysis_report& r, report_format format) {
    switch (format) {
        case report_format::table:
            write_table(out, r);
            break;
        case report_format::csv:
            write_csv(out, r);
            break;
        case report_format::json:
            write_json(out, r);
            break;
        case report_format::markdown:
            write_markdown(out, r);
            break;
    }
}

}  // namespace ridgeline
