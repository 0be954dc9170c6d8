// ridgeline: the command-line tool, a thin layer over the public API.
//   ridgeline analyze MODEL [--hw ID] [--batch N] [--set S=N ...] [--input NAME=d0,d1,...]
//                     [--dtype fp32|tf32|fp16|bf16|fp8|int8] [--format table|csv|json|md] [--top N]
//                     [--fused] [--training] [--last-percent K] [--from NODE] [--to NODE] [--after TENSOR]
//   ridgeline shapes MODEL [bindings]        every value's inferred shape
//   ridgeline maxbatch MODEL --hw ID [bindings] [--dtype ...]
//   ridgeline hw list | ridgeline hw show ID
// Errors go to stderr with exit status 1 (bad input) or 2 (bad usage).
#include "ridgeline/analysis.hpp"
#include "ridgeline/hardware.hpp"
#include "ridgeline/onnx_import.hpp"
#include "ridgeline/report.hpp"
#include "ridgeline/roofline.hpp"
#include "ridgeline/shape.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>

namespace {

using namespace ridgeline;

struct common_args {
    std::string model;
    std::int64_t batch = 0;
    std::vector<std::string> sets;
    std::vector<std::string> inputs;
    std::string dtype_text;
};

void add_common(CLI::App* cmd, common_args& a) {
    cmd->add_option("model", a.model, "ONNX model file")->required();
    cmd->add_option("--batch,-b", a.batch, "bind the batch symbol (and each input's leading symbolic dim)");
    cmd->add_option("--set", a.sets, "bind a symbol: NAME=N (repeatable)");
    cmd->add_option("--input", a.inputs, "override an input's shape: NAME=d0,d1,... (repeatable)");
    cmd->add_option("--dtype", a.dtype_text, "re-type floating tensors: fp32, tf32, fp16, bf16, fp8, int8");
}

shape_options to_shape_options(const common_args& a) {
    shape_options o;
    o.batch = a.batch;
    for (const auto& s : a.sets) o.symbols.insert(parse_binding(s));
    for (const auto& s : a.inputs) o.input_shapes.insert(parse_input_shape(s));
    return o;
}

/** Loads and infers; prints diagnostics; throws when inference hit an error. */
graph load_and_infer(const common_args& a, const shape_options& o) {
    graph g = load_onnx(a.model);
    const auto report = infer_shapes(g, o);
    for (const auto& d : report.diagnostics) {
        if (d.level == severity::info) continue;
        std::cerr << (d.level == severity::error ? "error: " : "warning: ") << a.model << ": " << d.message << '\n';
    }
    if (!report.ok()) throw error(a.model + ": shape inference failed (see the errors above)");
    return g;
}

bindings bound_symbols(const graph& g, const shape_options& o) {
    bindings b = o.symbols;
    if (o.batch > 0) {
        b["batch"] = o.batch;
        for (auto id : g.inputs) {
            const auto& d = g.values[static_cast<std::size_t>(id)].declared;
            if (d && !d->empty() && !d->front().is_value()) b[d->front().to_string()] = o.batch;
        }
    }
    return b;
}

int run(int argc, char** argv) {
    CLI::App app{"ridgeline: FLOPs, bytes, rooflines and predicted latency for ONNX models"};
    app.require_subcommand(1);

    common_args aa;
    std::string hw_id, format = "table", from, to, after;
    std::size_t top = 0;
    bool fused = false, training = false;
    double last_percent = 0;
    auto* analyze_cmd = app.add_subcommand("analyze", "per-layer and total counts, roofline bound and predicted time");
    add_common(analyze_cmd, aa);
    analyze_cmd->add_option("--hw", hw_id, "hardware spec id (ridgeline hw list)");
    analyze_cmd->add_option("--format,-f", format, "table, csv, json or md");
    analyze_cmd->add_option("--top", top, "table: only the N heaviest layers");
    analyze_cmd->add_flag("--fused", fused, "count only bytes crossing fusion-group boundaries");
    analyze_cmd->add_flag("--training", training, "add the backward pass (training estimate)");
    analyze_cmd->add_option("--last-percent", last_percent, "analyse only the last K% of layers");
    analyze_cmd->add_option("--from", from, "first node of the slice (name)");
    analyze_cmd->add_option("--to", to, "last node of the slice (name)");
    analyze_cmd->add_option("--after", after, "only what depends on this tensor");

    common_args sa;
    auto* shapes_cmd = app.add_subcommand("shapes", "every value's inferred dtype and shape");
    add_common(shapes_cmd, sa);

    common_args ma;
    std::string mb_hw;
    auto* maxbatch_cmd = app.add_subcommand("maxbatch", "largest batch whose inference memory fits the device");
    add_common(maxbatch_cmd, ma);
    maxbatch_cmd->add_option("--hw", mb_hw, "hardware spec id")->required();

    auto* hw_cmd = app.add_subcommand("hw", "hardware specs");
    hw_cmd->require_subcommand(1);
    hw_cmd->add_subcommand("list", "list spec ids");
    std::string show_id;
    auto* hw_show = hw_cmd->add_subcommand("show", "print one spec with derived figures");
    hw_show->add_option("id", show_id)->required();

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }

    if (*analyze_cmd) {
        const auto o = to_shape_options(aa);
        const auto fmt_kind = parse_report_format(format);
        graph g = load_and_infer(aa, o);
        analysis_options opt;
        opt.fused = fused;
        opt.training = training;
        const dtype dt = aa.dtype_text.empty() ? dtype::undefined : parse_dtype(aa.dtype_text);
        opt.float_override = aa.dtype_text == "fp32" || aa.dtype_text == "tf32" ? dtype::undefined : dt;
        graph_slice slice{last_percent, from, to, after};
        analysis_report r;
        r.model_path = aa.model;
        r.model_nodes = g.nodes.size();
        r.symbols = bound_symbols(g, o);
        r.dtype_name = aa.dtype_text.empty() ? "as stored" : aa.dtype_text;
        r.cost = analyze(g, opt, slice);
        r.top = top;
        hw_spec hw;
        if (!hw_id.empty()) {
            hw = load_hw(hw_id);
            r.hw = &hw;
            r.prediction = predict(r.cost, hw, dt == dtype::undefined ? dtype::f32 : dt, aa.dtype_text == "tf32");
        }
        write_report(std::cout, r, fmt_kind);
        return 0;
    }
    if (*shapes_cmd) {
        const auto o = to_shape_options(sa);
        graph g = load_and_infer(sa, o);
        for (auto id : g.topological_order()) {
            const auto& n = g.nodes[static_cast<std::size_t>(id)];
            for (auto out : n.outputs) {
                if (out < 0) continue;
                const auto& v = g.values[static_cast<std::size_t>(out)];
                std::cout << fmt::format("{:<40} {:<18} {:<6} {}\n", v.name, n.op_type, dtype_name(v.type),
                                         v.dims ? shape_to_string(*v.dims) : "?");
            }
        }
        return 0;
    }
    if (*maxbatch_cmd) {
        auto o = to_shape_options(ma);
        const auto hw = load_hw(mb_hw);
        graph g = load_onnx(ma.model);
        analysis_options opt;
        if (!ma.dtype_text.empty() && ma.dtype_text != "fp32" && ma.dtype_text != "tf32") opt.float_override = parse_dtype(ma.dtype_text);
        const auto capacity = hw.memory_bytes();
        const auto fit = largest_batch(g, o, opt, capacity);
        std::cout << fmt::format("device      {} ({}), {} of memory\n", hw.name, hw.id, human_bytes(static_cast<double>(capacity)));
        std::cout << fmt::format("largest batch that fits: {}\n", fit.batch);
        auto line = [](const char* what, const memory_estimate& m) {
            return fmt::format("  {:<12} weights {}, activations {}, workspace {}, total {}\n", what,
                               human_bytes(static_cast<double>(m.weight_bytes)), human_bytes(static_cast<double>(m.activation_bytes)),
                               human_bytes(static_cast<double>(m.workspace_bytes)), human_bytes(static_cast<double>(m.total())));
        };
        if (fit.batch > 0) std::cout << line(fmt::format("batch {}", fit.batch).c_str(), fit.at_batch);
        if (fit.at_next.total() > 0) std::cout << line(fmt::format("batch {}", fit.batch + 1).c_str(), fit.at_next);
        return 0;
    }
    if (*hw_cmd) {
        if (hw_show->parsed()) {
            const auto h = load_hw(show_id);
            std::cout << fmt::format("{} ({}) — {} {} {}\n", h.name, h.id, h.vendor, h.architecture, h.kind);
            if (h.sm_count) std::cout << fmt::format("  SMs {}  boost {:.0f} MHz\n", h.sm_count, h.boost_clock_mhz);
            for (const auto& [k, v] : h.peak_tflops) std::cout << fmt::format("  peak {:<12} {:>10.2f} TFLOPS (dense)\n", k, v);
            if (h.dram_capacity_gib > 0) std::cout << fmt::format("  memory {:.0f} GiB\n", h.dram_capacity_gib);
            if (h.dram_bandwidth_gbps > 0) {
                std::cout << fmt::format("  DRAM bandwidth {:.1f} GB/s\n", h.dram_bandwidth_gbps);
                for (const auto& [k, v] : h.peak_tflops) {
                    std::cout << fmt::format("  ridge point {:<12} {:>8.1f} FLOP/B\n", k, v * 1e12 / (h.dram_bandwidth_gbps * 1e9));
                }
            }
            if (h.measured) {
                std::cout << fmt::format("  measured ({}): DRAM {:.1f} GB/s", h.measured->method, h.measured->dram_bandwidth_gbps);
                for (const auto& [k, v] : h.measured->matmul_tflops) std::cout << fmt::format(", {} {:.1f} TFLOPS", k, v);
                std::cout << '\n';
            }
            for (const auto& d : h.derived) std::cout << "  derived: " << d << '\n';
            for (const auto& s : h.sources) std::cout << "  source: " << s << '\n';
        } else {
            for (const auto& id : list_hw()) std::cout << id << '\n';
        }
        return 0;
    }
    return 2;
}

/** Developer mode kept for quick checks: `ridgeline MODEL.onnx [batch [sequence]]`. */
int debug_counts(int argc, char** argv) {
    auto g = load_onnx(argv[1]);
    shape_options o;
    o.batch = argc > 2 ? std::stoll(argv[2]) : 0;
    if (argc > 3) o.symbols["sequence"] = std::stoll(argv[3]);
    auto r = infer_shapes(g, o);
    for (const auto& d : r.diagnostics) std::cout << d.node << ": " << d.message << '\n';
    std::cout << "noshape " << r.values_without_shape << " symbolic " << r.symbolic_values << '\n';
    for (auto out : g.outputs) {
        const auto& v = g.values[static_cast<std::size_t>(out)];
        std::cout << v.name << ' ' << (v.dims ? shape_to_string(*v.dims) : "?") << '\n';
    }
    if (argc > 2) {
        auto m = analyze(g);
        std::cout << "matmul " << m.totals.flops_matmul << " params " << m.params << " peak " << m.peak_activation_bytes << '\n';
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        if (argc > 1 && std::string_view(argv[1]).ends_with(".onnx")) return debug_counts(argc, argv);
        return run(argc, argv);
    } catch (const ridgeline::usage_error& e) {
        std::cerr << "ridgeline: " << e.what() << '\n';
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "ridgeline: " << e.what() << '\n';
        return 1;
    }
}
