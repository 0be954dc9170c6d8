// `ridgeline report`: runs the analyses the HTML report shows and writes it (html_report.hpp).
#include "report_command.hpp"

#include "cli_common.hpp"

#include "ridgeline/analysis.hpp"
#include "ridgeline/cost_model.hpp"
#include "ridgeline/error.hpp"
#include "ridgeline/hardware.hpp"
#include "ridgeline/html_report.hpp"
#include "ridgeline/onnx_import.hpp"
#include "ridgeline/report.hpp"
#include "ridgeline/roofline.hpp"
#include "ridgeline/shape.hpp"
#include "ridgeline/sweep.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

namespace {

using namespace ridgeline;

struct report_args {
    std::string model;
    std::string hw;
    std::string output = "report.html";
    std::int64_t batch = 0;
    std::vector<std::string> sets;
    std::vector<std::string> inputs;
    std::string dtype_text;
    std::vector<std::int64_t> sweep_batches = {1, 2, 4, 8, 16, 32, 64, 128, 256};
    std::vector<std::string> compare;
    bool no_max_batch = false;
};

/** True when some graph input's leading dimension is a symbol (a batch the sweep can vary). */
bool has_symbolic_batch(const graph& g) {
    for (auto id : g.inputs) {
        const auto& d = g.values[static_cast<std::size_t>(id)].declared;
        if (d && !d->empty() && !d->front().is_value()) return true;
    }
    return false;
}

int run_report(const report_args& a, const std::string& command_line) {
    const auto devices = cli::load_devices(a.hw);
    shape_options o = cli::make_shape_options(a.batch, a.sets, a.inputs);
    graph g = load_onnx(a.model);
    const bool symbolic_batch = has_symbolic_batch(g);
    // A report needs numbers: a symbolic batch nobody bound is bound to 1.
    if (o.batch <= 0 && symbolic_batch && !o.symbols.count("batch") && o.input_shapes.empty()) o.batch = 1;
    cli::infer_or_throw(g, o, a.model);

    const dtype dt = a.dtype_text.empty() ? dtype::undefined : parse_dtype(a.dtype_text);
    const bool tf32 = a.dtype_text == "tf32";
    analysis_options ao;
    ao.float_override = a.dtype_text == "fp32" || tf32 ? dtype::undefined : dt;
    const dtype precision = dt == dtype::undefined ? dtype::f32 : dt;
    cost_model_params cp;
    cp.use_tf32 = tf32;

    html_report r;
    r.model_path = a.model;
    r.model_nodes = g.nodes.size();
    r.symbols = resolved_bindings(g, o);
    r.dtype_name = a.dtype_text.empty() ? "as stored (fp32 ceilings)" : a.dtype_text;
    r.cost = analyze(g, ao);
    r.memory = inference_memory(r.cost);
    r.generator = command_line;
    for (const auto& hw : devices) {
        html_device d;
        d.hw = hw;
        d.prediction = predict(r.cost, hw, precision, tf32);
        d.latency = predict_latency(g, r.cost, hw, precision, cp);
        r.devices.push_back(std::move(d));
    }
    for (const auto& path : a.compare) {
        graph other = load_onnx(path);
        cli::infer_or_throw(other, o, path);
        const auto m = analyze(other, ao);
        for (const auto& hw : devices) {
            const auto lat = predict_latency(other, m, hw, precision, cp);
            r.other_models.push_back({std::filesystem::path(path).filename().string(), hw.id,
                                      static_cast<double>(m.totals.flops()), static_cast<double>(m.params),
                                      lat.gpu_time_s});
        }
    }
    // The sweep and the batch fits re-bind the graph in place: they come after everything above.
    shape_options base;
    base.symbols = o.symbols;
    base.symbols.erase("batch");
    if (!symbolic_batch) {
        r.sweep_note = "The model's inputs have a fixed batch dimension: there is no batch to sweep.";
    } else if (!o.input_shapes.empty()) {
        r.sweep_note = "--input fixes whole input shapes, so the batch sweep is left out.";
    } else {
        r.sweep = sweep(g, base, devices, {a.sweep_batches, {}, {}}, precision, cp);
    }
    for (auto& d : r.devices) {
        if (a.no_max_batch) {
            d.memory_note = "not computed (--no-max-batch)";
        } else if (d.hw.dram_capacity_gib <= 0) {
            d.memory_note = "the spec gives no memory capacity (memory.dram.capacity_gib)";
        } else if (!symbolic_batch || !o.input_shapes.empty()) {
            d.memory_note = "the batch dimension is fixed";
        } else {
            try {
                d.max_batch = largest_batch(g, base, ao, d.hw.memory_bytes());
            } catch (const error& e) {
                d.memory_note = e.what();
            }
        }
    }
    const std::string html = html_report_text(r);
    std::ofstream out(a.output, std::ios::binary);
    if (!out) throw error(a.output + ": cannot open for writing");
    out << html;
    out.close();
    if (!out) throw error(a.output + ": write failed");
    std::cout << fmt::format(
        "wrote {} ({}): {} on {} device{}\n", a.output, human_bytes(static_cast<double>(html.size())),
        std::filesystem::path(a.model).filename().string(), devices.size(), devices.size() == 1 ? "" : "s");
    return 0;
}

}  // namespace

CLI::App* add_report_command(CLI::App& app, int& exit_code) {
    auto args = std::make_shared<report_args>();
    auto* cmd = app.add_subcommand(
        "report", "one-file HTML report: summary, rooflines, op-type times, batch sweep, memory, layers");
    cmd->add_option("model", args->model, "ONNX model file")->required();
    cmd->add_option("--hw", args->hw, "devices, comma-separated (ridgeline hw list)")->required();
    cmd->add_option("-o,--output", args->output, "HTML file to write (default report.html)");
    cmd->add_option("--batch,-b", args->batch, "bind the batch symbol (default 1 when the model has one)");
    cmd->add_option("--set", args->sets, "bind a symbol: NAME=N (repeatable)");
    cmd->add_option("--input", args->inputs, "override an input's shape: NAME=d0,d1,... (repeatable)");
    cmd->add_option("--dtype", args->dtype_text, "re-type floating tensors: fp32, tf32, fp16, bf16, fp8, int8");
    cmd->add_option("--sweep-batches", args->sweep_batches, "batch sizes of the sweep, comma-separated")
        ->delimiter(',');
    cmd->add_option("--compare", args->compare, "further ONNX models for the cross-model figures (repeatable)");
    cmd->add_flag("--no-max-batch", args->no_max_batch, "skip the largest-batch search");
    cmd->callback([args, &exit_code] {
        std::string line = "ridgeline report " + args->model + " --hw " + args->hw;
        if (args->batch > 0) line += fmt::format(" --batch {}", args->batch);
        for (const auto& s : args->sets) line += " --set " + s;
        for (const auto& s : args->inputs) line += " --input " + s;
        if (!args->dtype_text.empty()) line += " --dtype " + args->dtype_text;
        exit_code = run_report(*args, line);
    });
    return cmd;
}
