// `ridgeline report` (commands.hpp): predicts the model on every device through the pipeline,
// adds the batch sweep, the other models and the largest batch per device, and writes the one-file
// HTML report (html_report.hpp).
//
//     ridgeline report MODEL --hw ID[,ID...] -o report.html [--batch N] [--set S=N ...]
//                      [--input NAME=d0,d1,...] [--dtype fp32|tf32|fp16|bf16|fp8|int8]
//                      [--sweep-batches 1,2,4,...] [--compare OTHER.onnx ...] [--no-max-batch]
//
// A decoder graph with a KV cache (llm.hpp) is analysed at a decode step (one new token over 512
// cached ones unless --set says otherwise) and gets the LLM-serving section.
#include "commands.hpp"

#include "ridgeline/analysis.hpp"
#include "ridgeline/error.hpp"
#include "ridgeline/html_report.hpp"
#include "ridgeline/llm.hpp"
#include "ridgeline/onnx_import.hpp"
#include "ridgeline/pipeline.hpp"
#include "ridgeline/sweep.hpp"
#include "ridgeline/units.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

namespace ridgeline::cli {
namespace {

struct report_args {
    model_options model;
    std::string output = "report.html";
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

/** The command line the report says it was made with. */
std::string command_line(const report_args& a) {
    const auto& m = a.model;
    std::string line = "ridgeline report " + m.model + " --hw " + m.hw;
    if (m.batch > 0) line += fmt::format(" --batch {}", m.batch);
    for (const auto& s : m.sets) line += " --set " + s;
    for (const auto& s : m.inputs) line += " --input " + s;
    if (!m.dtype_text.empty()) line += " --dtype " + m.dtype_text;
    return line;
}

/** A decoder's decode step: one new token over 512 cached ones, where --set leaves them open. */
void bind_decode_step(const kv_cache_layout& kv, shape_options& o) {
    for (const auto& [k, v] : kv.bind(1, 1, 512)) {
        if (k != kv.batch_symbol) o.symbols.try_emplace(k, v);
    }
    if (!kv.total_symbol.empty() && o.symbols.count(kv.past_symbol) && o.symbols.count(kv.sequence_symbol))
        o.symbols[kv.total_symbol] = o.symbols[kv.past_symbol] + o.symbols[kv.sequence_symbol];
}

/** LLM serving on each device: batches 1, 8, 32 over contexts 128, 512, 2048 after a 512-token prompt. */
std::vector<llm_estimate> llm_estimates(const model_request& r, const kv_cache_layout& kv) {
    std::vector<llm_estimate> out;
    for (const auto& hw : r.devices) {
        llm_request q;
        q.path = r.path;
        q.hw = hw;
        q.prec = r.prec;
        q.batches =
            kv.fixed_batch > 0 ? std::vector<std::int64_t>{kv.fixed_batch} : std::vector<std::int64_t>{1, 8, 32};
        q.contexts = {128, 512, 2048};
        for (const auto& [k, v] : r.shapes.symbols) {
            if (k != kv.batch_symbol && k != kv.past_symbol && k != kv.sequence_symbol && k != kv.total_symbol)
                q.extra[k] = v;
        }
        out.push_back(estimate_llm(q));
    }
    return out;
}

/** The largest batch on each device, or why it is left out. */
void fit_batches(const report_args& a, graph& g, const shape_options& base, const precision& prec, bool batch_fixed,
                 std::vector<html_device>& devices) {
    analysis_options ao;
    ao.float_override = prec.storage;
    for (auto& d : devices) {
        if (a.no_max_batch) {
            d.memory_note = "not computed (--no-max-batch)";
        } else if (d.hw.dram_capacity_gib <= 0) {
            d.memory_note = "the spec gives no memory capacity (memory.dram.capacity_gib)";
        } else if (batch_fixed) {
            d.memory_note = "the batch dimension is fixed";
        } else {
            try {
                d.max_batch = largest_batch(g, base, ao, d.hw.memory_bytes());
            } catch (const error& e) {
                d.memory_note = e.what();
            }
        }
    }
}

int run_report(const report_args& a) {
    // Never write over what the report reads (report m.onnx -o m.onnx would replace the model).
    std::vector<std::string> inputs{a.model.model};
    inputs.insert(inputs.end(), a.compare.begin(), a.compare.end());
    refuse_overwrite("-o", a.output, inputs);
    const auto devices = load_devices(a.model.hw);
    auto options = a.model;
    options.hw.clear();  // a list here: loaded above
    auto r = make_request(options);
    r.devices = devices;
    graph g = load_onnx(r.path);
    const bool symbolic_batch = has_symbolic_batch(g);
    auto& o = r.shapes;
    const auto kv = find_kv_cache(g);
    if (kv) bind_decode_step(*kv, o);
    // A report needs numbers: a symbolic batch nobody bound is bound to 1.
    if (o.batch <= 0 && symbolic_batch && !o.symbols.count("batch") && o.input_shapes.empty()) o.batch = 1;
    auto p = predict_model(std::move(g), r);

    html_report h;
    h.model_path = p.path;
    h.model_nodes = p.g.nodes.size();
    h.symbols = p.symbols;
    h.dtype_name = p.prec.as_stored() ? "as stored (fp32 ceilings)" : p.prec.name;
    h.cost = p.m;
    h.memory = inference_memory(p.m);
    h.generator = command_line(a);
    for (const auto& d : p.devices) h.devices.push_back({d.hw, d.roofline, d.latency, std::nullopt, {}});
    if (kv) h.llm = llm_estimates(r, *kv);
    for (const auto& path : a.compare) {
        auto other = r;
        other.path = path;
        const auto q = predict_model(other);
        for (const auto& d : q.devices) {
            h.other_models.push_back({std::filesystem::path(path).filename().string(), d.hw.id,
                                      static_cast<double>(q.m.totals.flops()), static_cast<double>(q.m.params),
                                      d.latency.gpu_time_s});
        }
    }
    // The sweep and the batch fits re-bind the graph in place: they come after everything above.
    shape_options base;
    base.symbols = o.symbols;
    base.symbols.erase("batch");
    if (!symbolic_batch) {
        h.sweep_note = "The model's inputs have a fixed batch dimension: there is no batch to sweep.";
    } else if (!o.input_shapes.empty()) {
        h.sweep_note = "--input fixes whole input shapes, so the batch sweep is left out.";
    } else {
        h.sweep = sweep(p.g, base, r.devices, {a.sweep_batches, {}, {}}, p.prec);
    }
    fit_batches(a, p.g, base, p.prec, !symbolic_batch || !o.input_shapes.empty(), h.devices);

    const std::string html = html_report_text(h);
    if (a.output == "-") {  // stdout: the page alone
        std::cout << html;
        std::cout.flush();
        if (!std::cout) throw error("standard output: write failed");
        return 0;
    }
    std::ofstream out(a.output, std::ios::binary);
    if (!out) throw error(a.output + ": cannot open for writing");
    out << html;
    out.close();
    if (!out) throw error(a.output + ": write failed");
    std::cout << fmt::format(
        "wrote {} ({}): {} on {} device{}\n", a.output, human_bytes(static_cast<double>(html.size())),
        std::filesystem::path(p.path).filename().string(), p.devices.size(), p.devices.size() == 1 ? "" : "s");
    return 0;
}

}  // namespace

std::vector<command> add_report_command(CLI::App& app) {
    auto a = std::make_shared<report_args>();
    auto* c = app.add_subcommand(
        "report", "one-file HTML report: summary, rooflines, op-type times, batch sweep, memory, layers");
    add_model_options(c, a->model, "re-type floating tensors: fp32, tf32, fp16, bf16, fp8, int8");
    c->add_option("--hw", a->model.hw, "devices, comma-separated (ridgeline hw list)")->required();
    c->add_option("-o,--output", a->output, "HTML file to write (default report.html; - for standard output)")
        ->check(not_empty());
    c->add_option("--sweep-batches", a->sweep_batches, "batch sizes of the sweep, comma-separated")
        ->delimiter(',')
        ->check(positive_integer());
    c->add_option("--compare", a->compare, "further ONNX models for the cross-model figures (repeatable)")
        ->check(not_empty());
    c->add_flag("--no-max-batch", a->no_max_batch, "skip the largest-batch search");
    return {{c, [a] { return run_report(*a); }}};
}

}  // namespace ridgeline::cli
