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

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>
#include <set>

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
    print_analysis_findings(p.path, p.m);
    write_report(std::cout, make_analysis_report(p, a.top), format);
    return 0;
}

command add_analyze(CLI::App& app) {
    auto a = std::make_shared<analyze_args>();
    auto* c = app.add_subcommand("analyze", "per-layer and total counts, roofline bound and predicted time");
    add_model_options(c, a->model, dtype_help);
    c->add_option("--hw", a->model.hw, "hardware spec id (ridgeline hw list)");
    c->add_option("--format,-f", a->format, "table, csv, json or md")->check(format_name());
    c->add_option("--top", a->top, "table: only the N heaviest layers")->check(positive_integer());
    c->add_flag("--fused", a->fused, "count only bytes crossing fusion-group boundaries");
    c->add_flag("--training", a->training,
                "add the backward pass: its FLOPs, bytes and predicted time per layer and in total, and the "
                "forward:backward ratios");
    c->add_option("--last-percent", a->slice.last_percent, "analyse only the last K% of layers")->check(percentage());
    c->add_option("--from", a->slice.from_node, "first node of the slice (name)")->check(not_empty());
    c->add_option("--to", a->slice.to_node, "last node of the slice (name)")->check(not_empty());
    c->add_option("--after", a->slice.after_tensor, "only what depends on this tensor")->check(not_empty());
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

/** "batch, sequence" or "none". */
std::string symbol_list(const std::vector<std::string>& symbols) {
    std::string out;
    for (const auto& s : symbols) out += (out.empty() ? "" : ", ") + s;
    return out.empty() ? "none" : out;
}

int run_sweep(const sweep_args& a) {
    const auto format = parse_report_format(a.format);
    const auto devices = load_devices(a.hw);
    const auto prec = parse_precision(a.dtype_text);
    graph g = load_onnx(a.model);
    const auto symbols = graph_symbols(g);
    if (!a.axes.sequences.empty() && !std::binary_search(symbols.begin(), symbols.end(), std::string("sequence"))) {
        throw usage_error("--seq: the model has no symbol 'sequence' to sweep (its symbols: " + symbol_list(symbols) +
                          ")");
    }
    write_sweep(std::cout, sweep(g, make_shape_options(0, a.sets, {}), devices, a.axes, prec), format);
    return 0;
}

command add_sweep(CLI::App& app) {
    auto a = std::make_shared<sweep_args>();
    auto* c = app.add_subcommand("sweep", "predicted latency, throughput and per-item time over batch/image/sequence");
    c->add_option("model", a->model, "ONNX model file")->required();
    c->add_option("--hw", a->hw, "devices, comma-separated")->required();
    c->add_option("--batch", a->axes.batches, "batch sizes, comma-separated")
        ->delimiter(',')
        ->check(positive_integer());
    c->add_option("--image", a->axes.images, "square image sizes, comma-separated")
        ->delimiter(',')
        ->check(positive_integer());
    c->add_option("--seq", a->axes.sequences, "sequence lengths, comma-separated")
        ->delimiter(',')
        ->check(positive_integer());
    c->add_option("--set", a->sets, "bind a symbol: NAME=N (repeatable)");
    c->add_option("--dtype", a->dtype_text, "fp32, tf32, fp16, bf16, fp8, int8")->check(precision_name());
    c->add_option("--format,-f", a->format, "table, csv, json or md")->check(format_name());
    return {c, [a] { return run_sweep(*a); }};
}

struct compare_args {
    std::vector<std::string> models, sets;
    std::string hw, dtype_text, format = "table";
    std::int64_t batch = 1;
};

int run_compare(const compare_args& a) {
    const auto format = parse_report_format(a.format);
    const auto devices = load_devices(a.hw);
    const auto prec = parse_precision(a.dtype_text);
    // Models differ in their symbols: a --set must name a symbol of at least one of them.
    auto base = make_shape_options(0, a.sets, {});
    base.strict = false;
    if (!base.symbols.empty()) {
        std::set<std::string> known;
        for (const auto& m : a.models) {
            for (auto& s : graph_symbols(load_onnx(m))) known.insert(std::move(s));
        }
        for (const auto& [name, value] : base.symbols) {
            if (known.count(name)) continue;
            throw usage_error("--set " + name + "=" + std::to_string(value) + ": none of the models has a symbol '" +
                              name + "' (their symbols: " + symbol_list({known.begin(), known.end()}) + ")");
        }
    }
    write_model_comparison(std::cout, compare_models(a.models, base, devices, a.batch, prec), format);
    return 0;
}

command add_compare(CLI::App& app) {
    auto a = std::make_shared<compare_args>();
    auto* c = app.add_subcommand("compare", "models x devices table of predicted GPU time");
    c->add_option("models", a->models, "ONNX model files")->required()->check(not_empty());
    c->add_option("--hw", a->hw, "devices, comma-separated")->required();
    c->add_option("--batch", a->batch, "batch size")->check(positive_integer());
    c->add_option("--set", a->sets, "bind a symbol: NAME=N (repeatable)");
    c->add_option("--dtype", a->dtype_text, "fp32, tf32, fp16, bf16, fp8, int8")->check(precision_name());
    c->add_option("--format,-f", a->format, "table, csv, json or md")->check(format_name());
    return {c, [a] { return run_compare(*a); }};
}

// ---- check-sample -----------------------------------------------------------------------------

struct sample_args {
    std::string path, zoo, hw = "h100-sxm";
    bool fit = false;
};

/**
 * The zoo folder for a sample when --zoo is not given: `zoo/` beside the sample's folder (the
 * shared layout, ../shared/measurements/x.json and ../shared/zoo), so the command works from any
 * folder; else ../shared/zoo.
 */
std::string default_zoo(const std::string& sample) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const auto beside = fs::absolute(sample, ec).parent_path().parent_path() / "zoo";
    if (!ec && fs::is_directory(beside, ec)) return beside.string();
    return "../shared/zoo";
}

int run_check_sample(const sample_args& a) {
    const auto hw = load_hw(a.hw);
    const auto rows = predict_sample(load_timing_sample(a.path), a.zoo.empty() ? default_zoo(a.path) : a.zoo, hw);
    write_sample_table(std::cout, rows, summarize_sample(rows));
    if (a.fit) write_sample_fit(std::cout, leave_one_model_out(rows));
    return 0;
}

command add_check_sample(CLI::App& app) {
    auto a = std::make_shared<sample_args>();
    auto* c = app.add_subcommand("check-sample", "predicted vs measured kernel time for a timing sample");
    c->add_option("sample", a->path, "timing sample JSON (e.g. ../shared/measurements/h100_pytorch_eager.json)")
        ->required();
    c->add_option("--zoo", a->zoo,
                  "folder with the models' ONNX graphs (default: zoo/ beside the sample's folder, else ../shared/zoo)")
        ->check(not_empty());
    c->add_option("--hw", a->hw, "hardware spec id");
    c->add_flag("--fit", a->fit, "also calibrate, leaving one model out at a time");
    return {c, [a] { return run_check_sample(*a); }};
}

// ---- hw ---------------------------------------------------------------------------------------

std::vector<command> add_hw(CLI::App& app) {
    auto* hw = app.add_subcommand("hw", "hardware specs");
    hw->require_subcommand(1);
    auto* list = hw->add_subcommand("list", "list the specs: id, name, kind, memory, peak and DRAM bandwidth");
    auto id = std::make_shared<std::string>();
    auto* show = hw->add_subcommand("show", "print one spec with derived figures");
    show->add_option("id", *id)->required();
    return {{list,
             [] {
                 std::vector<hw_list_entry> entries;
                 for (const auto& spec_id : list_hw()) {
                     hw_list_entry e{spec_id, std::nullopt, {}};
                     try {
                         e.spec = load_hw(spec_id);
                     } catch (const error& err) {
                         e.error = err.what();
                     }
                     entries.push_back(std::move(e));
                 }
                 write_hw_list(std::cout, entries);
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
