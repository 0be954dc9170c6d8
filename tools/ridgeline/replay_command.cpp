// `ridgeline replay` (replay_command.hpp).
#include "replay_command.hpp"

#include "cli_common.hpp"

#include "ridgeline/plot.hpp"
#include "ridgeline/replay.hpp"
#include "ridgeline/roofline.hpp"
#include "ridgeline/validate.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

namespace {

using namespace ridgeline;

struct replay_args {
    cli::model_options model;  // --hw defaults to h100-sxm
    replay_options options;
    bool warm_l2 = false;
    bool plan_only = false;
    std::string trace_path;
    std::string svg_path;
    std::string format = "table";
    std::size_t top = 20;
};

int run_replay(replay_args a) {
    if (a.format != "table" && a.format != "json")
        throw usage_error("unknown format '" + a.format + "' (table or json)");
    a.options.flush_l2 = !a.warm_l2;
    a.options.allow_tf32 = a.model.dtype_text == "tf32";
    if (a.model.hw.empty()) a.model.hw = "h100-sxm";
    const auto p = cli::predict_model(a.model, false);
    replay_result r;
    if (a.plan_only) {
        r.plan = plan_replay(p.g, p.m, p.lat);
        r.status = {measure_code::ok, "plan only"};
    } else {
        r = replay_model(p.g, p.m, p.lat, a.options);
    }
    if (a.format == "json") {
        write_replay_json(std::cout, r);
    } else {
        std::cout << fmt::format("{} on {} ({}{})\n", std::filesystem::path(a.model.model).filename().string(), p.hw.id,
                                 dtype_name(p.precision), a.model.dtype_text == "tf32" ? ", tf32" : "");
        write_replay_table(std::cout, r, a.top);
    }
    if (!r.status) return cli::report_status("replay", r.status);
    if (a.plan_only) return 0;
    if (!a.trace_path.empty()) save_trace(r.median_trace, a.trace_path);
    if (!a.svg_path.empty()) {
        // The roofline with each replayed layer at FLOPs / replayed time.
        std::vector<double> measured(p.m.layers.size(), 0.0);
        for (const auto& t : r.nodes) measured[t.layer] = t.measured_s;
        const auto data = roofline_for(p.m, predict(p.m, p.hw, p.precision), p.hw, measured);
        plot_options po;
        po.title = std::filesystem::path(a.model.model).stem().string() + " replayed on " + p.hw.id;
        std::ofstream svg(a.svg_path);
        svg << svg_roofline(data, po);
        if (!svg) throw error(a.svg_path + ": cannot write");
    }
    if (a.format == "table") {
        validate_options vo;
        vo.method = attribution::external_id;
        const auto v = validate(p.m, p.lat, r.median_trace, vo);
        std::cout << "\nvalidation (predicted vs replayed kernels, node groups as the cost model predicts them):\n";
        write_validation_table(std::cout, v, a.top);
    }
    return 0;
}

}  // namespace

void add_replay_command(CLI::App& app, int& exit_code) {
    auto a = std::make_shared<replay_args>();
    auto* c =
        app.add_subcommand("replay", "run every node on the GPU on its own, timed by CUPTI, against the prediction");
    cli::add_model_options(
        c, a->model, false,  // --hw: default h100-sxm
        "precision: fp32 (no TF32), tf32 (fp32 tensors, TF32 matmuls/convs), fp16, bf16 (floats re-typed)");
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
    c->callback([a, &exit_code] { exit_code = run_replay(*a); });
}
