// `ridgeline llm` (commands.hpp): LLM serving estimates of a decoder graph with a KV cache
// (llm.hpp) — prefill, decode per (batch, context), generation, memory and the largest batch.
//
//     ridgeline llm MODEL --hw ID [--batch 1,8,32] [--context 128,512,1000] [--prompt 512] [--gen 128]
//                   [--dtype fp16] [--set SYMBOL=N ...] [--generation-samples K] [--max-batch]
//                   [--format table|json|csv|md]
#include "commands.hpp"

#include "ridgeline/error.hpp"
#include "ridgeline/hardware.hpp"
#include "ridgeline/llm.hpp"
#include "ridgeline/precision.hpp"
#include "ridgeline/report.hpp"
#include "ridgeline/units.hpp"

#include <fmt/format.h>

#include <iostream>
#include <memory>

namespace ridgeline::cli {
namespace {

struct llm_args {
    std::string model, hw, dtype_text, format = "table";
    std::vector<std::int64_t> batches{1}, contexts;
    std::int64_t prompt = 512, gen = 128, samples = 0;
    std::vector<std::string> sets;
    bool max_batch_only = false;
};

/** --max-batch: the largest batch per context and the memory terms it rests on. */
void write_max_batch(std::ostream& out, const llm_estimate& e) {
    out << fmt::format("{} on {}: KV cache {} per token ({} bytes per element), weights {}\n", e.path, e.hw_id,
                       human_bytes(static_cast<double>(e.kv_bytes_per_token)), e.element_bytes,
                       human_bytes(static_cast<double>(e.weights_bytes)));
    out << fmt::format("{:>8} {:>10} {:>14} {:>14} {:>12}\n", "context", "max batch", "per sequence", "capacity",
                       "weights");
    for (const auto& p : e.points) {
        if (p.batch != e.points.front().batch) continue;  // the answer does not depend on the batch asked
        out << right_aligned(std::to_string(p.context), 8) << ' '
            << right_aligned(p.max_batch ? std::to_string(*p.max_batch) : "n/a", 10) << ' '
            << right_aligned(human_bytes(static_cast<double>(p.memory.bytes_per_sequence)), 14) << ' '
            << right_aligned(human_bytes(static_cast<double>(p.memory.capacity_bytes)), 14) << ' '
            << right_aligned(human_bytes(static_cast<double>(p.memory.weights_bytes)), 12) << '\n';
    }
}

int run_llm(const llm_args& a) {
    const auto format = parse_report_format(a.format);
    llm_request r;
    r.path = a.model;
    r.hw = load_hw(a.hw);
    r.prec = parse_precision(a.dtype_text);
    r.batches = a.batches;
    r.contexts = a.contexts;
    r.prompt = a.prompt;
    r.gen = a.gen;
    r.generation_samples = a.samples;
    for (const auto& s : a.sets) r.extra.insert(parse_binding(s));
    const auto e = estimate_llm(r);
    if (a.max_batch_only && format == report_format::table) {
        write_max_batch(std::cout, e);
    } else {
        write_llm(std::cout, e, format);
    }
    return 0;
}

}  // namespace

std::vector<command> add_llm_command(CLI::App& app) {
    auto a = std::make_shared<llm_args>();
    auto* c = app.add_subcommand(
        "llm", "LLM serving estimates of a decoder graph with a KV cache: prefill, decode, tokens/s, memory");
    c->add_option("model", a->model, "ONNX decoder graph with KV-cache inputs")->required();
    c->add_option("--hw", a->hw, "hardware spec id (ridgeline hw list)")->required();
    c->add_option("--batch,-b", a->batches, "batch sizes, comma-separated (default 1)")->delimiter(',');
    c->add_option("--context", a->contexts, "cached tokens of the decode steps, comma-separated (default: --prompt)")
        ->delimiter(',');
    c->add_option("--prompt", a->prompt, "prompt tokens of the prefill (default 512)");
    c->add_option("--gen", a->gen, "tokens generated after the prompt (default 128; 0: none)");
    c->add_option("--dtype", a->dtype_text, "fp32, tf32, fp16, bf16, fp8, int8 (default: as stored)");
    c->add_option("--set", a->sets, "bind a further symbol: NAME=N (repeatable)");
    c->add_option("--generation-samples", a->samples,
                  "decode steps predicted for --gen (0: every step; K >= 2: K steps, the rest interpolated)");
    c->add_flag("--max-batch", a->max_batch_only, "table: only the largest batch that fits per context");
    c->add_option("--format,-f", a->format, "table, csv, json or md");
    return {{c, [a] { return run_llm(*a); }}};
}

}  // namespace ridgeline::cli
