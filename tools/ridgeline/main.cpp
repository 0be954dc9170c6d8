// ridgeline: the command-line tool, a thin layer over the public API.
//   ridgeline analyze MODEL [--hw ID] [--batch N] [--set S=N ...] [--input NAME=d0,d1,...]
//                     [--dtype fp32|tf32|fp16|bf16|fp8|int8] [--format table|csv|json|md] [--top N]
//                     [--fused] [--training] [--last-percent K] [--from NODE] [--to NODE] [--after TENSOR]
//   ridgeline shapes MODEL [bindings]        every value's inferred shape
//   ridgeline maxbatch MODEL --hw ID [bindings] [--dtype ...]
//   ridgeline sweep MODEL --hw A,B --batch 1,8,32 [--image ...] [--seq ...]
//   ridgeline compare MODEL... --hw A,B --batch N
//   ridgeline report MODEL --hw A,B -o report.html
//   ridgeline check-sample SAMPLE.json [--zoo DIR] [--hw ID] [--fit]
//   ridgeline ceilings --hw ID [-o SPEC.yaml] [--device N] [--quick]        (CUDA builds, on a GPU)
//   ridgeline trace [-o OUT.json] [--inject LIB] [--no-nvtx] -- COMMAND [ARGS...]
//   ridgeline import-trace TRACE.json [-o OUT.json] [--chrome OUT.chrome.json]
//   ridgeline validate MODEL --hw ID --trace FILE [bindings] [--dtype ...]
//   ridgeline hw list | ridgeline hw show ID
// Errors go to stderr with exit status 1 (bad input) or 2 (bad usage).
#include "cli_common.hpp"
#include "measure_commands.hpp"
#include "replay_command.hpp"
#include "report_command.hpp"
#include "ridgeline/analysis.hpp"
#include "ridgeline/cost_model.hpp"
#include "ridgeline/hardware.hpp"
#include "ridgeline/onnx_import.hpp"
#include "ridgeline/report.hpp"
#include "ridgeline/roofline.hpp"
#include "ridgeline/shape.hpp"
#include "ridgeline/sweep.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <iostream>
#include <map>
#include <set>

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

/** One row of a timing sample (the format of ../shared/measurements/h100_pytorch_eager.json). */
struct sample_row {
    std::string model;
    std::string dtype_text;
    std::int64_t batch = 0, image = 0, seq = 0;
    double measured_s = 0;
    latency_prediction predicted;
};

/**
 * Predicts every run of a measured sample. Graph choice: `<model>_eager.onnx` when the zoo has it
 * (batch norm as its own kernel, as PyTorch eager runs it), else `<model>.onnx`.
 */
std::vector<sample_row> predict_sample(const std::string& sample_path, const std::string& zoo, const hw_spec& hw,
                                       const cost_model_params& params) {
    std::ifstream f(sample_path);
    if (!f) throw error(sample_path + ": cannot open");
    const auto j = nlohmann::json::parse(f);
    std::vector<sample_row> rows;
    std::map<std::string, graph> graphs;
    for (const auto& run : j.at("runs")) {
        sample_row r;
        r.model = run.at("model").get<std::string>();
        r.dtype_text = run.at("dtype").get<std::string>() == "float16" ? "fp16" : "fp32";
        r.batch = run.at("batch").get<std::int64_t>();
        r.image = run.value("image", std::int64_t{0});
        r.seq = run.value("seq", std::int64_t{0});
        r.measured_s = run.at("kernel_sum_us").get<double>() * 1e-6;
        auto it = graphs.find(r.model);
        if (it == graphs.end()) {
            std::string path = zoo + "/" + r.model + "_eager.onnx";
            if (!std::ifstream(path)) path = zoo + "/" + r.model + ".onnx";
            it = graphs.emplace(r.model, load_onnx(path)).first;
        }
        graph& g = it->second;
        shape_options o;
        o.batch = r.batch;
        if (r.seq) o.symbols["sequence"] = r.seq;
        if (r.image)
            o.input_shapes[g.values[static_cast<std::size_t>(g.inputs[0])].name] = {r.batch, 3, r.image, r.image};
        if (!infer_shapes(g, o).ok()) throw error(r.model + ": shape inference failed");
        analysis_options ao;
        const dtype dt = r.dtype_text == "fp16" ? dtype::f16 : dtype::f32;
        if (dt == dtype::f16) ao.float_override = dt;
        r.predicted = predict_latency(g, analyze(g, ao), hw, dt, params);
        rows.push_back(std::move(r));
    }
    return rows;
}

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const auto n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/** Prints predicted vs measured for a sample; with `fit`, also leave-one-model-out calibration. */
int check_sample(const std::string& sample, const std::string& zoo, const std::string& hw_id, bool fit) {
    const auto hw = load_hw(hw_id);
    const auto rows = predict_sample(sample, zoo, hw, {});
    std::cout << fmt::format("{:<14} {:<5} {:>5} {:>6} {:>12} {:>12} {:>8} {:>8}\n", "model", "dtype", "batch",
                             "img/seq", "measured", "predicted", "error", "kernels");
    std::vector<double> ape;
    double bias = 0;
    for (const auto& r : rows) {
        const double err = (r.predicted.gpu_time_s - r.measured_s) / r.measured_s;
        ape.push_back(std::abs(err));
        bias += err;
        std::cout << fmt::format("{:<14} {:<5} {:>5} {:>6} {:>12} {:>12} {:>+7.1f}% {:>8}\n", r.model, r.dtype_text,
                                 r.batch, r.image ? r.image : r.seq, human_time(r.measured_s),
                                 human_time(r.predicted.gpu_time_s), 100 * err, r.predicted.kernels.size());
    }
    std::cout << fmt::format("\n{} runs: median absolute error {:.1f}%, mean signed error {:+.1f}%, within 25%: {}\n",
                             rows.size(), 100 * median(ape), 100 * bias / static_cast<double>(rows.size()),
                             std::count_if(ape.begin(), ape.end(), [](double e) { return e <= 0.25; }));
    if (!fit) return 0;
    // Leave one model out: fit on the other models' runs, predict the held-out model's runs.
    std::set<std::string> models;
    for (const auto& r : rows) models.insert(r.model);
    std::vector<double> cv_ape;
    for (const auto& held : models) {
        std::vector<timing_sample> train;
        for (const auto& r : rows)
            if (r.model != held) train.push_back({r.predicted, r.measured_s});
        const auto params = calibrate(train, {});
        for (const auto& r : rows) {
            if (r.model != held) continue;
            const double t = rescaled_gpu_time_s(r.predicted, params);
            cv_ape.push_back(std::abs(t - r.measured_s) / r.measured_s);
        }
        std::cout << fmt::format("fit without {:<13} matmul x{:.2f} vector x{:.2f} memory x{:.2f} fixed {:.2f} us\n",
                                 held, params.matmul_scale, params.vector_scale, params.memory_scale,
                                 params.kernel_fixed_s * 1e6);
    }
    std::cout << fmt::format("leave-one-model-out calibrated: median absolute error {:.1f}%\n", 100 * median(cv_ape));
    return 0;
}

std::pair<dtype, cost_model_params> precision_of(const std::string& text) {
    cost_model_params p;
    p.use_tf32 = text == "tf32";
    return {text.empty() ? dtype::f32 : parse_dtype(text), p};
}

int run_sweep(const std::string& model, const std::string& hw, const std::vector<std::int64_t>& batches,
              const std::vector<std::int64_t>& images, const std::vector<std::int64_t>& seqs,
              const std::vector<std::string>& sets, const std::string& dtype_text, const std::string& format) {
    const auto devices = cli::load_devices(hw);
    graph g = load_onnx(model);
    shape_options base;
    for (const auto& s : sets) base.symbols.insert(parse_binding(s));
    const auto [precision, params] = precision_of(dtype_text);
    const auto points = sweep(g, base, devices, {batches, images, seqs}, precision, params);
    if (format == "json") {
        nlohmann::json j = nlohmann::json::array();
        for (const auto& p : points) {
            j.push_back({{"device", p.device},
                         {"batch", p.batch},
                         {"image", p.image},
                         {"sequence", p.sequence},
                         {"flops", p.flops},
                         {"kernels", p.kernels},
                         {"predicted_time_s", p.gpu_time_s},
                         {"wall_time_s", p.wall_time_s},
                         {"throughput_per_s", p.throughput_per_s},
                         {"per_item_s", p.per_item_s}});
        }
        std::cout << j.dump(1) << '\n';
        return 0;
    }
    const bool csv = format == "csv";
    if (!csv && format != "table") throw usage_error("unknown format '" + format + "' (table, csv or json)");
    std::cout << (csv ? "device,batch,image,sequence,flops,predicted_time_s,throughput_per_s,per_item_s\n"
                      : fmt::format("{:<18} {:>6} {:>6} {:>6} {:>12} {:>12} {:>14} {:>12}\n", "device", "batch",
                                    "image", "seq", "FLOPs", "GPU time", "items/s", "per item"));
    for (const auto& p : points) {
        if (csv) {
            std::cout << fmt::format("{},{},{},{},{},{:.6e},{:.3f},{:.6e}\n", p.device, p.batch, p.image, p.sequence,
                                     p.flops, p.gpu_time_s, p.throughput_per_s, p.per_item_s);
        } else {
            std::cout << fmt::format("{:<18} {:>6} {:>6} {:>6} {:>12} {:>12} {:>14.1f} {:>12}\n", p.device, p.batch,
                                     p.image, p.sequence, human_flops(static_cast<double>(p.flops)),
                                     human_time(p.gpu_time_s), p.throughput_per_s, human_time(p.per_item_s));
        }
    }
    return 0;
}

int run_compare(const std::vector<std::string>& models, const std::string& hw, std::int64_t batch,
                const std::vector<std::string>& sets, const std::string& dtype_text) {
    const auto devices = cli::load_devices(hw);
    const auto [precision, params] = precision_of(dtype_text);
    shape_options base;
    for (const auto& s : sets) base.symbols.insert(parse_binding(s));
    std::cout << fmt::format("{:<28} {:>12}", "model", "GFLOP");
    for (const auto& d : devices) std::cout << fmt::format(" {:>16}", d.id);
    std::cout << '\n';
    for (const auto& path : models) {
        graph g = load_onnx(path);
        const auto points = sweep(g, base, devices, {{batch}, {}, {}}, precision, params);
        std::cout << fmt::format("{:<28} {:>12.2f}", std::filesystem::path(path).stem().string(),
                                 static_cast<double>(points.front().flops) / 1e9);
        for (const auto& p : points) std::cout << fmt::format(" {:>16}", human_time(p.gpu_time_s));
        std::cout << '\n';
    }
    return 0;
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

    std::string sw_model, sw_hw, sw_dtype, sw_format = "table";
    std::vector<std::int64_t> sw_batches, sw_images, sw_seqs;
    std::vector<std::string> sw_sets;
    auto* sweep_cmd =
        app.add_subcommand("sweep", "predicted latency, throughput and per-item time over batch/image/sequence");
    sweep_cmd->add_option("model", sw_model, "ONNX model file")->required();
    sweep_cmd->add_option("--hw", sw_hw, "devices, comma-separated")->required();
    sweep_cmd->add_option("--batch", sw_batches, "batch sizes, comma-separated")->delimiter(',');
    sweep_cmd->add_option("--image", sw_images, "square image sizes, comma-separated")->delimiter(',');
    sweep_cmd->add_option("--seq", sw_seqs, "sequence lengths, comma-separated")->delimiter(',');
    sweep_cmd->add_option("--set", sw_sets, "bind a symbol: NAME=N (repeatable)");
    sweep_cmd->add_option("--dtype", sw_dtype, "fp32, tf32, fp16, bf16, fp8, int8");
    sweep_cmd->add_option("--format,-f", sw_format, "table, csv or json");

    std::vector<std::string> cmp_models;
    std::string cmp_hw, cmp_dtype;
    std::int64_t cmp_batch = 1;
    std::vector<std::string> cmp_sets;
    auto* compare_cmd = app.add_subcommand("compare", "models x devices table of predicted GPU time");
    compare_cmd->add_option("models", cmp_models, "ONNX model files")->required();
    compare_cmd->add_option("--hw", cmp_hw, "devices, comma-separated")->required();
    compare_cmd->add_option("--batch", cmp_batch, "batch size");
    compare_cmd->add_option("--set", cmp_sets, "bind a symbol: NAME=N (repeatable)");
    compare_cmd->add_option("--dtype", cmp_dtype, "fp32, tf32, fp16, bf16, fp8, int8");

    std::string sample_path, sample_zoo = "../shared/zoo", sample_hw = "h100-sxm";
    bool sample_fit = false;
    auto* sample_cmd = app.add_subcommand("check-sample", "predicted vs measured kernel time for a timing sample");
    sample_cmd
        ->add_option("sample", sample_path, "timing sample JSON (e.g. ../shared/measurements/h100_pytorch_eager.json)")
        ->required();
    sample_cmd->add_option("--zoo", sample_zoo, "folder with the models' ONNX graphs");
    sample_cmd->add_option("--hw", sample_hw, "hardware spec id");
    sample_cmd->add_flag("--fit", sample_fit, "also calibrate, leaving one model out at a time");

    auto* hw_cmd = app.add_subcommand("hw", "hardware specs");
    hw_cmd->require_subcommand(1);
    hw_cmd->add_subcommand("list", "list spec ids");
    std::string show_id;
    auto* hw_show = hw_cmd->add_subcommand("show", "print one spec with derived figures");
    hw_show->add_option("id", show_id)->required();

    int report_exit = 0;
    auto* report_cmd = add_report_command(app, report_exit);
    int measure_exit = -1;  // set by ceilings, trace, import-trace, validate, replay
    add_measure_commands(app, measure_exit);
    add_replay_command(app, measure_exit);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    if (*report_cmd) return report_exit;
    if (measure_exit >= 0) return measure_exit;

    if (*analyze_cmd) {
        const auto o = cli::make_shape_options(aa.batch, aa.sets, aa.inputs);
        const auto fmt_kind = parse_report_format(format);
        graph g = cli::load_and_infer(aa.model, o);
        analysis_options opt;
        opt.fused = fused;
        opt.training = training;
        const dtype dt = aa.dtype_text.empty() ? dtype::undefined : parse_dtype(aa.dtype_text);
        opt.float_override = aa.dtype_text == "fp32" || aa.dtype_text == "tf32" ? dtype::undefined : dt;
        graph_slice slice{last_percent, from, to, after};
        analysis_report r;
        r.model_path = aa.model;
        r.model_nodes = g.nodes.size();
        r.symbols = resolved_bindings(g, o);
        r.dtype_name = aa.dtype_text.empty() ? "as stored" : aa.dtype_text;
        r.cost = analyze(g, opt, slice);
        r.top = top;
        hw_spec hw;
        if (!hw_id.empty()) {
            hw = load_hw(hw_id);
            r.hw = &hw;
            const dtype precision = dt == dtype::undefined ? dtype::f32 : dt;
            r.prediction = predict(r.cost, hw, precision, aa.dtype_text == "tf32");
            cost_model_params cp;
            cp.fused = fused;
            cp.use_tf32 = aa.dtype_text == "tf32";
            r.latency = predict_latency(g, r.cost, hw, precision, cp);
        }
        write_report(std::cout, r, fmt_kind);
        return 0;
    }
    if (*shapes_cmd) {
        const auto o = cli::make_shape_options(sa.batch, sa.sets, sa.inputs);
        graph g = cli::load_and_infer(sa.model, o);
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
        auto o = cli::make_shape_options(ma.batch, ma.sets, ma.inputs);
        const auto hw = load_hw(mb_hw);
        graph g = load_onnx(ma.model);
        analysis_options opt;
        if (!ma.dtype_text.empty() && ma.dtype_text != "fp32" && ma.dtype_text != "tf32")
            opt.float_override = parse_dtype(ma.dtype_text);
        const auto capacity = hw.memory_bytes();
        const auto fit = largest_batch(g, o, opt, capacity);
        std::cout << fmt::format("device      {} ({}), {} of memory\n", hw.name, hw.id,
                                 human_bytes(static_cast<double>(capacity)));
        std::cout << fmt::format("largest batch that fits: {}\n", fit.batch);
        auto line = [](const char* what, const memory_estimate& m) {
            return fmt::format(
                "  {:<12} weights {}, activations {}, workspace {}, total {}\n", what,
                human_bytes(static_cast<double>(m.weight_bytes)), human_bytes(static_cast<double>(m.activation_bytes)),
                human_bytes(static_cast<double>(m.workspace_bytes)), human_bytes(static_cast<double>(m.total())));
        };
        if (fit.batch > 0) std::cout << line(fmt::format("batch {}", fit.batch).c_str(), fit.at_batch);
        if (fit.at_next.total() > 0) std::cout << line(fmt::format("batch {}", fit.batch + 1).c_str(), fit.at_next);
        return 0;
    }
    if (*sweep_cmd) return run_sweep(sw_model, sw_hw, sw_batches, sw_images, sw_seqs, sw_sets, sw_dtype, sw_format);
    if (*compare_cmd) return run_compare(cmp_models, cmp_hw, cmp_batch, cmp_sets, cmp_dtype);
    if (*sample_cmd) return check_sample(sample_path, sample_zoo, sample_hw, sample_fit);
    if (*hw_cmd) {
        if (hw_show->parsed()) {
            const auto h = load_hw(show_id);
            std::cout << fmt::format("{} ({}) — {} {} {}\n", h.name, h.id, h.vendor, h.architecture, h.kind);
            if (h.sm_count) std::cout << fmt::format("  SMs {}  boost {:.0f} MHz\n", h.sm_count, h.boost_clock_mhz);
            for (const auto& [k, v] : h.peak_tflops)
                std::cout << fmt::format("  peak {:<12} {:>10.2f} TFLOPS (dense)\n", k, v);
            if (h.dram_capacity_gib > 0) std::cout << fmt::format("  memory {:.0f} GiB\n", h.dram_capacity_gib);
            if (h.dram_bandwidth_gbps > 0) {
                std::cout << fmt::format("  DRAM bandwidth {:.1f} GB/s\n", h.dram_bandwidth_gbps);
                for (const auto& [k, v] : h.peak_tflops) {
                    std::cout << fmt::format("  ridge point {:<12} {:>8.1f} FLOP/B\n", k,
                                             v * 1e12 / (h.dram_bandwidth_gbps * 1e9));
                }
            }
            if (h.measured) {
                std::cout << fmt::format("  measured ({}): DRAM {:.1f} GB/s", h.measured->method,
                                         h.measured->dram_bandwidth_gbps);
                for (const auto& [k, v] : h.measured->matmul_tflops)
                    std::cout << fmt::format(", {} {:.1f} TFLOPS", k, v);
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

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const ridgeline::usage_error& e) {
        std::cerr << "ridgeline: " << e.what() << '\n';
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "ridgeline: " << e.what() << '\n';
        return 1;
    }
}
