// The `ridgeline llm` reporters (report.hpp, write_llm): JSON (the contract of DESIGN.md: one
// object per (batch, context) point, a list when there are several), CSV, Markdown and a console
// table. They only read the llm_estimate.
#include "ridgeline/report.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <ostream>

namespace ridgeline {
namespace {

using nlohmann::json;

json symbols_json(const bindings& b) {
    json j = json::object();
    for (const auto& [k, v] : b) j[k] = v;
    return j;
}

json split_json(const llm_time_split& s) {
    return {{"weights", s.weights_s},
            {"kv_cache", s.kv_cache_s},
            {"activations", s.activations_s},
            {"compute", s.compute_s},
            {"kernel_overhead", s.overhead_s}};
}

json phase_json(const llm_phase& p) {
    return {{"predicted_time_s", p.predicted_time_s},
            {"wall_time_s", p.wall_time_s},
            {"kernels", p.kernels},
            {"flops", p.flops},
            {"bytes", p.bytes},
            {"weights_bytes_read", p.weight_bytes_read},
            {"kv_cache_bytes_read", p.kv_bytes_read},
            {"kv_traffic_bytes", p.kv_traffic_bytes},
            {"operational_intensity", p.operational_intensity},
            {"achieved_flops_per_s", p.achieved_flops_per_s},
            {"attainable_flops_per_s", p.attainable_flops_per_s},
            {"bound", std::string(bound_name(p.bound))},
            {"limiter", p.split.limiter()},
            {"time_split_s", split_json(p.split)},
            {"peak_activation_bytes", p.peak_activation_bytes},
            {"bindings", symbols_json(p.symbols)}};
}

json point_json(const llm_estimate& e, const llm_point& p) {
    const auto& kv = e.kv;
    json tensors = json::array();
    for (const auto& t : kv.tensors) {
        tensors.push_back({{"input", t.input},
                           {"output", t.output},
                           {"layer", t.layer},
                           {"role", t.role == 'k'   ? "key"
                                    : t.role == 'v' ? "value"
                                                    : "key_value"},
                           {"heads", t.heads},
                           {"head_dim", t.head_dim}});
    }
    json j;
    j["model"] = {{"path", e.path}};
    j["hardware"] = {{"id", e.hw_id}, {"name", e.hw_name}};
    j["dtype"] = e.precision_name;
    j["batch"] = p.batch;
    j["context"] = p.context;
    j["prompt"] = e.prompt;
    j["gen"] = e.gen;
    j["weights_bytes"] = e.weights_bytes;
    j["max_batch"] = p.max_batch ? json(*p.max_batch) : json(nullptr);
    j["kv_cache"] = {{"bytes_per_token", e.kv_bytes_per_token},
                     {"bytes", p.kv_cache_bytes},
                     {"tokens", e.prompt + e.gen},
                     {"context_bytes", p.memory.kv_cache_bytes},
                     {"layers", kv.layers},
                     {"kv_heads", kv.kv_heads},
                     {"head_dim", kv.head_dim},
                     {"query_heads", kv.query_heads > 0 ? json(kv.query_heads) : json(nullptr)},
                     {"grouped_query", kv.query_heads > kv.kv_heads},
                     {"uniform", kv.uniform},
                     {"element_bytes", e.element_bytes},
                     {"symbols",
                      {{"batch", kv.batch_symbol},
                       {"sequence", kv.sequence_symbol},
                       {"past_sequence", kv.past_symbol},
                       {"total_sequence", kv.total_symbol}}},
                     {"tensors", tensors}};
    j["prefill"] = phase_json(p.prefill);
    j["prefill"]["tokens"] = e.prompt;
    j["decode"] = phase_json(p.decode);
    j["decode"]["tokens_per_s"] = p.tokens_per_s;
    j["decode"]["batch_tokens_per_s"] = p.batch_tokens_per_s;
    if (p.generation) {
        const auto& g = *p.generation;
        j["generation"] = {{"tokens", g.tokens},
                           {"prefill_time_s", g.prefill_time_s},
                           {"decode_time_s", g.decode_time_s},
                           {"total_time_s", g.total_time_s},
                           {"tokens_per_s", g.tokens_per_s},
                           {"batch_tokens_per_s", g.batch_tokens_per_s},
                           {"decode_tokens_per_s", g.decode_tokens_per_s},
                           {"steps_predicted", g.steps_predicted},
                           {"method", g.method}};
    } else {
        j["generation"] = nullptr;
    }
    const auto& m = p.memory;
    j["memory"] = {{"weights_bytes", m.weights_bytes},
                   {"kv_cache_bytes", m.kv_cache_bytes},
                   {"activation_bytes", m.activation_bytes},
                   {"total_bytes", m.total_bytes},
                   {"capacity_bytes", m.capacity_bytes > 0 ? json(m.capacity_bytes) : json(nullptr)},
                   {"bytes_per_sequence", m.bytes_per_sequence},
                   {"fits", m.capacity_bytes > 0 ? json(m.total_bytes <= m.capacity_bytes) : json(nullptr)}};
    return j;
}

std::string max_batch_text(const llm_point& p) { return p.max_batch ? std::to_string(*p.max_batch) : "n/a"; }

/** "weights 120 µs, kv_cache 30 µs, …" — the split of one phase. */
std::string split_text(const llm_time_split& s) {
    return fmt::format("weights {}, KV cache {}, activations {}, compute {}, kernel overhead {}",
                       human_time(s.weights_s), human_time(s.kv_cache_s), human_time(s.activations_s),
                       human_time(s.compute_s), human_time(s.overhead_s));
}

void write_header(std::ostream& out, const llm_estimate& e) {
    const auto& kv = e.kv;
    out << fmt::format("{} on {} ({}), {}\n", e.path, e.hw_name.empty() ? e.hw_id : e.hw_name, e.hw_id,
                       e.precision_name);
    std::string heads = fmt::format("{} KV heads", kv.kv_heads);
    if (kv.query_heads > kv.kv_heads) heads += fmt::format(" (grouped-query: {} query heads)", kv.query_heads);
    out << fmt::format("KV cache: {} layers, {}, head size {}{}; {} per token ({} bytes per element)\n", kv.layers,
                       heads, kv.head_dim, kv.uniform ? "" : " (layers differ)",
                       human_bytes(static_cast<double>(e.kv_bytes_per_token)), e.element_bytes);
    out << fmt::format("weights {}; prompt {} tokens, generate {} tokens\n\n",
                       human_bytes(static_cast<double>(e.weights_bytes)), e.prompt, e.gen);
}

}  // namespace

void write_llm(std::ostream& out, const llm_estimate& e, report_format format) {
    switch (format) {
        case report_format::json: {
            if (e.points.size() == 1) {
                out << point_json(e, e.points.front()).dump(1) << '\n';
                return;
            }
            json j = json::array();
            for (const auto& p : e.points) j.push_back(point_json(e, p));
            out << j.dump(1) << '\n';
            return;
        }
        case report_format::csv:
            out << "batch,context,prefill_time_s,prefill_bound,decode_time_s,tokens_per_s,batch_tokens_per_s,"
                   "decode_bound,decode_limiter,weights_bytes_read,kv_cache_bytes_read,generation_time_s,"
                   "generation_tokens_per_s,kv_cache_bytes,memory_bytes,max_batch\n";
            for (const auto& p : e.points) {
                out << fmt::format("{},{},{:.6e},{},{:.6e},{:.3f},{:.3f},{},{},{},{},{:.6e},{:.3f},{},{},{}\n", p.batch,
                                   p.context, p.prefill.predicted_time_s, bound_name(p.prefill.bound),
                                   p.decode.predicted_time_s, p.tokens_per_s, p.batch_tokens_per_s,
                                   bound_name(p.decode.bound), p.decode.split.limiter(), p.decode.weight_bytes_read,
                                   p.decode.kv_bytes_read, p.generation ? p.generation->total_time_s : 0.0,
                                   p.generation ? p.generation->tokens_per_s : 0.0, p.kv_cache_bytes,
                                   p.memory.total_bytes, p.max_batch ? std::to_string(*p.max_batch) : "");
            }
            return;
        case report_format::markdown:
            out << "| batch | context | TTFT | per token | tok/s (seq) | tok/s (batch) | decode bound | weights read | "
                   "KV read | generation | memory | max batch |\n"
                   "|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|\n";
            for (const auto& p : e.points) {
                out << fmt::format("| {} | {} | {} | {} | {:.1f} | {:.1f} | {} ({}) | {} | {} | {} | {} | {} |\n",
                                   p.batch, p.context, human_time(p.prefill.predicted_time_s),
                                   human_time(p.decode.predicted_time_s), p.tokens_per_s, p.batch_tokens_per_s,
                                   bound_name(p.decode.bound), p.decode.split.limiter(),
                                   human_bytes(static_cast<double>(p.decode.weight_bytes_read)),
                                   human_bytes(static_cast<double>(p.decode.kv_bytes_read)),
                                   p.generation ? human_time(p.generation->total_time_s) : "n/a",
                                   human_bytes(static_cast<double>(p.memory.total_bytes)), max_batch_text(p));
            }
            return;
        case report_format::table:
            break;
    }
    write_header(out, e);
    out << fmt::format("{:>6} {:>8} {:>11} {:>11} {:>11} {:>12} {:>22} {:>11} {:>11} {:>11} {:>11} {:>9}\n", "batch",
                       "context", "TTFT", "per token", "tok/s seq", "tok/s batch", "decode bound", "weights rd",
                       "KV read", "generation", "memory", "max batch");
    for (const auto& p : e.points) {
        out << right_aligned(std::to_string(p.batch), 6) << ' ' << right_aligned(std::to_string(p.context), 8) << ' '
            << right_aligned(human_time(p.prefill.predicted_time_s), 11) << ' '
            << right_aligned(human_time(p.decode.predicted_time_s), 11) << ' '
            << right_aligned(fmt::format("{:.1f}", p.tokens_per_s), 11) << ' '
            << right_aligned(fmt::format("{:.1f}", p.batch_tokens_per_s), 12) << ' '
            << right_aligned(std::string(bound_name(p.decode.bound)) + " (" + p.decode.split.limiter() + ")", 22) << ' '
            << right_aligned(human_bytes(static_cast<double>(p.decode.weight_bytes_read)), 11) << ' '
            << right_aligned(human_bytes(static_cast<double>(p.decode.kv_bytes_read)), 11) << ' '
            << right_aligned(p.generation ? human_time(p.generation->total_time_s) : "n/a", 11) << ' '
            << right_aligned(human_bytes(static_cast<double>(p.memory.total_bytes)), 11) << ' '
            << right_aligned(max_batch_text(p), 9) << '\n';
    }
    if (e.points.empty()) return;
    const auto& last = e.points.back();
    out << fmt::format("\nprefill (batch {}, {} tokens): {}, {} kernels, {}, {} bound; {}\n", last.batch, e.prompt,
                       human_time(last.prefill.predicted_time_s), last.prefill.kernels,
                       human_flops(static_cast<double>(last.prefill.flops)), bound_name(last.prefill.bound),
                       split_text(last.prefill.split));
    out << fmt::format("decode (batch {}, context {}): {} kernels, {}; {}\n", last.batch, last.context,
                       last.decode.kernels, human_flops(static_cast<double>(last.decode.flops)),
                       split_text(last.decode.split));
    if (last.generation) {
        const auto& g = *last.generation;
        out << fmt::format(
            "generation (batch {}): {} tokens in {} ({:.1f} tokens/s per sequence, {:.1f} for the "
            "batch); decode steps: {}\n",
            last.batch, g.tokens, human_time(g.total_time_s), g.tokens_per_s, g.batch_tokens_per_s, g.method);
    }
    const auto& m = last.memory;
    out << fmt::format(
        "memory (batch {}, context {}): weights {} + KV cache {} + activations {} = {}", last.batch, last.context,
        human_bytes(static_cast<double>(m.weights_bytes)), human_bytes(static_cast<double>(m.kv_cache_bytes)),
        human_bytes(static_cast<double>(m.activation_bytes)), human_bytes(static_cast<double>(m.total_bytes)));
    if (m.capacity_bytes > 0)
        out << fmt::format(" of {}; each more sequence adds {}", human_bytes(static_cast<double>(m.capacity_bytes)),
                           human_bytes(static_cast<double>(m.bytes_per_sequence)));
    out << "\n";
}

}  // namespace ridgeline
