// `ridgeline replay` (commands.hpp): every node of a model run on its own on the GPU, timed through
// CUPTI, next to the cost model's prediction (replay.hpp), then validated node by node
// (validate.hpp):
//
//     ridgeline replay MODEL [--hw ID] [--batch N] [--set S=N ...] [--input NAME=d0,...]
//                      [--dtype fp32|tf32|fp16|bf16] [--repeats N] [--warmup N] [--device N]
//                      [--seed N] [--warm-l2] [--trace OUT.json] [--svg OUT.svg] [--format table|json]
//                      [--top N] [--plan]
//
// `--plan` only plans (no GPU needed): which nodes run, and the share of predicted time covered.
// `--trace` writes each node's median repetition as a ridgeline trace whose external ids are node
// indices, for `ridgeline validate --method external-id`.
#include "commands.hpp"

#include "ridgeline/error.hpp"
#include "ridgeline/pipeline.hpp"
#include "ridgeline/plot.hpp"
#include "ridgeline/replay.hpp"
#include "ridgeline/report.hpp"
#include "ridgeline/validate.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

namespace ridgeline::cli {
namespace {

struct replay_args {
    model_options model;  // --hw defaults to h100-sxm
    replay_options options;
    bool warm_l2 = false;
    bool plan_only = false;
    std::string trace_path;
    std::string svg_path;
    std::string format = "table";
    std::size_t top = 20;
};

/** The roofline with each replayed layer at FLOPs / replayed time. */
void write_replay_svg(const std::string& path, const predicted_model& p, const replay_result& r) {
    const auto& d = p.device();
    std::vector<double> measured(p.m.layers.size(), 0.0);
    for (const auto& t : r.nodes) measured[t.layer] = t.measured_s;
    plot_options po;
    po.title = std::filesystem::path(p.path).stem().string() + " replayed on " + d.hw.id;
    std::ofstream svg(path);
    svg << svg_roofline(roofline_for(p.m, d.roofline, d.hw, measured), po);
    if (!svg) throw error(path + ": cannot write");
}

int run_replay(replay_args a) {
    require_table_or_json(a.format);
    if (a.model.hw.empty()) a.model.hw = "h100-sxm";
    const auto p = predict_model(make_request(a.model));
    const auto& d = p.device();
    a.options.flush_l2 = !a.warm_l2;
    a.options.allow_tf32 = p.prec.tf32;
    replay_result r;
    if (a.plan_only) {
        r.plan = plan_replay(p.g, p.m, d.latency);
        r.status = {measure_code::ok, "plan only"};
    } else {
        r = replay_model(p.g, p.m, d.latency, a.options);
    }
    if (a.format == "json") {
        write_replay_json(std::cout, r);
    } else {
        std::cout << fmt::format("{} on {} ({}{})\n", std::filesystem::path(p.path).filename().string(), d.hw.id,
                                 dtype_name(p.prec.compute), p.prec.tf32 ? ", tf32" : "");
        write_replay_table(std::cout, r, a.top);
    }
    if (!r.status) return report_status("replay", r.status);
    if (a.plan_only) return 0;
    if (!a.trace_path.empty()) save_trace(r.median_trace, a.trace_path);
    if (!a.svg_path.empty()) write_replay_svg(a.svg_path, p, r);
    if (a.format == "table") {
        validate_options vo;
        vo.method = attribution::external_id;
        std::cout << "\nvalidation (predicted vs replayed kernels, node groups as the cost model predicts them):\n";
        write_validation_table(std::cout, validate(p.m, d.latency, r.median_trace, vo), a.top);
    }
    return 0;
}

}  // namespace

std::vector<command> add_replay_command(CLI::App& app) {
    auto a = std::make_shared<replay_args>();
    auto* c =
        app.add_subcommand("replay", "run every node on the GPU on its own, timed by CUPTI, against the prediction");
    add_model_options(
        c, a->model,
        "precision: fp32 (no TF32), tf32 (fp32 tensors, TF32 matmuls/convs), fp16, bf16 (floats re-typed)");
    c->add_option("--hw", a->model.hw, "hardware spec id (default h100-sxm)");
    c->add_option("--repeats", a->options.repeats, "timed runs per node (median kept; default 7)");
    c->add_option("--warmup", a->options.warmup, "untimed runs per node first (default 2)");
    c->add_option("--device", a->options.device, "CUDA device index (default 0)");
    c->add_option("--seed", a->options.seed, "seed of the synthesised data");
    c->add_flag("--warm-l2", a->warm_l2, "do not evict the L2 between repetitions");
    c->add_option("--trace", a->trace_path, "write the median repetitions as a ridgeline trace (for validate)");
    c->add_option("--svg", a->svg_path, "write a roofline SVG with every replayed layer at its measured performance");
    c->add_flag("--plan", a->plan_only, "only plan: which nodes run and the predicted time covered (no GPU)");
    c->add_option("--format,-f", a->format, "table or json");
    c->add_option("--top", a->top, "table: rows shown (0 = all)");
    return {{c, [a] { return run_replay(*a); }}};
}

}  // namespace ridgeline::cli
