// The analysis subcommands (commands.hpp): analyze, shapes, maxbatch, sweep, compare, check-sample,
// hw list and hw show. Each parses its options, calls the library and hands the result to a
// reporter (report.hpp).
#include "commands.hpp"

#include "ridgeline/analysis.hpp"
#include "ridgeline/error.hpp"
#include "ridgeline/hardware.hpp"
#include "ridgeline/onnx_import.hpp"
#include "ridgeline/pipeline.hpp"
#include "ridgeline/report.hpp"
#include "ridgeline/sample.hpp"
#include "ridgeline/sweep.hpp"

#include <iostream>
#include <memory>

namespace ridgeline::cli {
namespace {

const char* const dtype_help = "re-type floating tensors: fp32, tf32, fp16, bf16, fp8, int8";

// ---- analyze ----------------------------------------------------------------------------------

struct analyze_args {
    model_options model;
    std::string format = "table";
    std::size_t top = 0;
    bool fused = false;
    bool training = false;
    graph_slice slice;
};

int run_analyze(const analyze_args& a) {
    const auto format = parse_report_format(a.format);
    auto r = make_request(a.model);
    r.fused = a.fused;
    r.training = a.training;
    r.slice = a.slice;
    const auto p = predict_model(r);
    write_report(std::cout, make_analysis_report(p, a.top), format);
    return 0;
}

command add_analyze(CLI::App& app) {
    auto a = std::make_shared<analyze_args>();
    auto* c = app.add_subcommand("analyze", "per-layer and total counts, roofline bound and predicted time");
    add_model_options(c, a->model, dtype_help);
    c->add_option("--hw", a->model.hw, "hardware spec id (ridgeline hw list)");
    c->add_option("--format,-f", a->format, "table, csv, json or md");
    c->add_option("--top", a->top, "table: only the N heaviest layers");
    c->add_flag("--fused", a->fused, "count only bytes crossing fusion-group boundaries");
    c->add_flag("--training", a->training, "add the backward pass (training estimate)");
    c->add_option("--last-percent", a->slice.last_percent, "analyse only the last K% of layers");
    c->add_option("--from", a->slice.from_node, "first node of the slice (name)");
    c->add_option("--to", a->slice.to_node, "last node of the slice (name)");
    c->add_option("--after", a->slice.after_tensor, "only what depends on this tensor");
    return {c, [a] { return run_analyze(*a); }};
}

// ---- shapes and maxbatch ----------------------------------------------------------------------

command add_shapes(CLI::App& app) {
    auto a = std::make_shared<model_options>();
    auto* c = app.add_subcommand("shapes", "every value's inferred dtype and shape");
    add_model_options(c, *a, dtype_help);
    return {c, [a] {
                const auto r = make_request(*a);
                write_shapes(std::cout, infer_model(load_onnx(r.path), r).g);
                return 0;
            }};
}

command add_maxbatch(CLI::App& app) {
    auto a = std::make_shared<model_options>();
    auto* c = app.add_subcommand("maxbatch", "largest batch whose inference memory fits the device");
    add_model_options(c, *a, dtype_help);
    c->add_option("--hw", a->hw, "hardware spec id")->required();
    return {c, [a] {
                const auto r = make_request(*a);
                const auto& hw = r.devices.front();
                graph g = load_onnx(r.path);
                analysis_options opt;
                opt.float_override = r.prec.storage;
                write_batch_fit(std::cout, hw, largest_batch(g, r.shapes, opt, hw.memory_bytes()));
                return 0;
            }};
}

// ---- sweep and compare ------------------------------------------------------------------------

struct sweep_args {
    std::string model, hw, dtype_text, format = "table";
    sweep_axes axes;
    std::vector<std::string> sets;
};

int run_sweep(const sweep_args& a) {
    const auto format = parse_report_format(a.format);
    const auto devices = load_devices(a.hw);
    const auto prec = parse_precision(a.dtype_text);
    graph g = load_onnx(a.model);
    write_sweep(std::cout, sweep(g, make_shape_options(0, a.sets, {}), devices, a.axes, prec), format);
    return 0;
}

command add_sweep(CLI::App& app) {
    auto a = std::make_shared<sweep_args>();
    auto* c = app.add_subcommand("sweep", "predicted latency, throughput and per-item time over batch/image/sequence");
    c->add_option("model", a->model, "ONNX model file")->required();
    c->add_option("--hw", a->hw, "devices, comma-separated")->required();
    c->add_option("--batch", a->axes.batches, "batch sizes, comma-separated")->delimiter(',');
    c->add_option("--image", a->axes.images, "square image sizes, comma-separated")->delimiter(',');
    c->add_option("--seq", a->axes.sequences, "sequence lengths, comma-separated")->delimiter(',');
    c->add_option("--set", a->sets, "bind a symbol: NAME=N (repeatable)");
    c->add_option("--dtype", a->dtype_text, "fp32, tf32, fp16, bf16, fp8, int8");
    c->add_option("--format,-f", a->format, "table, csv, json or md");
    return {c, [a] { return run_sweep(*a); }};
}

struct compare_args {
    std::vector<std::string> models, sets;
    std::string hw, dtype_text;
    std::int64_t batch = 1;
};

command add_compare(CLI::App& app) {
    auto a = std::make_shared<compare_args>();
    auto* c = app.add_subcommand("compare", "models x devices table of predicted GPU time");
    c->add_option("models", a->models, "ONNX model files")->required();
    c->add_option("--hw", a->hw, "devices, comma-separated")->required();
    c->add_option("--batch", a->batch, "batch size");
    c->add_option("--set", a->sets, "bind a symbol: NAME=N (repeatable)");
    c->add_option("--dtype", a->dtype_text, "fp32, tf32, fp16, bf16, fp8, int8");
    return {c, [a] {
                const auto devices = load_devices(a->hw);
                const auto prec = parse_precision(a->dtype_text);
                write_model_comparison(
                    std::cout, compare_models(a->models, make_shape_options(0, a->sets, {}), devices, a->batch, prec));
                return 0;
            }};
}

// ---- check-sample -----------------------------------------------------------------------------

struct sample_args {
    std::string path, zoo = "../shared/zoo", hw = "h100-sxm";
    bool fit = false;
};

int run_check_sample(const sample_args& a) {
    const auto hw = load_hw(a.hw);
    const auto rows = predict_sample(load_timing_sample(a.path), a.zoo, hw);
    write_sample_table(std::cout, rows, summarize_sample(rows));
    if (a.fit) write_sample_fit(std::cout, leave_one_model_out(rows));
    return 0;
}

command add_check_sample(CLI::App& app) {
    auto a = std::make_shared<sample_args>();
    auto* c = app.add_subcommand("check-sample", "predicted vs measured kernel time for a timing sample");
    c->add_option("sample", a->path, "timing sample JSON (e.g. ../shared/measurements/h100_pytorch_eager.json)")
        ->required();
    c->add_option("--zoo", a->zoo, "folder with the models' ONNX graphs");
    c->add_option("--hw", a->hw, "hardware spec id");
    c->add_flag("--fit", a->fit, "also calibrate, leaving one model out at a time");
    return {c, [a] { return run_check_sample(*a); }};
}

// ---- hw ---------------------------------------------------------------------------------------

std::vector<command> add_hw(CLI::App& app) {
    auto* hw = app.add_subcommand("hw", "hardware specs");
    hw->require_subcommand(1);
    auto* list = hw->add_subcommand("list", "list spec ids");
    auto id = std::make_shared<std::string>();
    auto* show = hw->add_subcommand("show", "print one spec with derived figures");
    show->add_option("id", *id)->required();
    return {{list,
             [] {
                 write_hw_list(std::cout, list_hw());
                 return 0;
             }},
            {show, [id] {
                 write_hw_spec(std::cout, load_hw(*id));
                 return 0;
             }}};
}

}  // namespace

std::vector<command> add_analysis_commands(CLI::App& app) {
    std::vector<command> out{add_analyze(app), add_shapes(app),  add_maxbatch(app),
                             add_sweep(app),   add_compare(app), add_check_sample(app)};
    for (auto& c : add_hw(app)) out.push_back(std::move(c));
    return out;
}

}  // namespace ridgeline::cli
