// The HTML report's LLM-serving section (llm_html.hpp): for each device's estimate, the cache
// layout, the points as a table, and four figures drawn from the estimate alone.
#include "llm_html.hpp"

#include "ridgeline/plot.hpp"
#include "ridgeline/units.hpp"
#include "svg_canvas.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

namespace ridgeline::detail {
namespace {

std::vector<std::int64_t> distinct(const llm_estimate& e, bool batches) {
    std::set<std::int64_t> s;
    for (const auto& p : e.points) s.insert(batches ? p.batch : p.context);
    return {s.begin(), s.end()};
}

std::string decode_vs_context(const llm_estimate& e) {
    line_chart c{.title = "Decode time per token vs context",
                 .x_label = "cached tokens (context)",
                 .y_label = "predicted time per token (s)",
                 .y_units = axis_units::time,
                 .legend_title = "batch"};
    for (auto b : distinct(e, true)) {
        line_series s{.name = fmt::format("batch {}", b)};
        for (const auto& p : e.points) {
            if (p.batch != b) continue;
            s.x.push_back(static_cast<double>(p.context));
            s.y.push_back(p.decode.predicted_time_s);
            s.labels.push_back(fmt::format("{} bound ({})", bound_name(p.decode.bound), p.decode.split.limiter()));
        }
        c.series.push_back(std::move(s));
    }
    return svg_line_chart(c, {.width_px = 620});
}

std::string tokens_vs_batch(const llm_estimate& e) {
    line_chart c{.title = "Decode tokens/s vs batch",
                 .x_label = "batch (sequences)",
                 .y_label = "tokens/s of the batch",
                 .y_units = axis_units::si,
                 .y_unit = "tokens/s",
                 .legend_title = "context"};
    for (auto ctx : distinct(e, false)) {
        line_series s{.name = fmt::format("context {}", ctx)};
        for (const auto& p : e.points) {
            if (p.context != ctx) continue;
            s.x.push_back(static_cast<double>(p.batch));
            s.y.push_back(p.batch_tokens_per_s);
            s.labels.push_back(fmt::format("{:.1f} tokens/s per sequence", p.tokens_per_s));
        }
        c.series.push_back(std::move(s));
    }
    return svg_line_chart(c, {.width_px = 620});
}

/** Memory is linear in the batch at a decode step: the point's total plus a slope per sequence. */
std::string memory_vs_batch(const llm_estimate& e, const hw_spec& hw) {
    line_chart c{.title = "Memory vs batch",
                 .x_label = "batch (sequences)",
                 .y_label = "device memory (bytes)",
                 .y_units = axis_units::si,
                 .y_unit = "B",
                 .legend_title = "context"};
    std::int64_t widest = 1;
    for (const auto& p : e.points) widest = std::max({widest, p.batch, p.max_batch.value_or(0)});
    std::vector<double> xs;
    for (std::int64_t b = 1; b <= widest * 5 / 4 + 1 && b <= (std::int64_t{1} << 24); b *= 2)
        xs.push_back(static_cast<double>(b));
    std::map<std::int64_t, const llm_point*> by_context;  // the first point of each context
    for (const auto& p : e.points) by_context.try_emplace(p.context, &p);
    for (const auto& [ctx, p] : by_context) {
        line_series s{.name = fmt::format("context {}", ctx)};
        const double slope = static_cast<double>(p->memory.bytes_per_sequence);
        for (double b : xs) {
            s.x.push_back(b);
            s.y.push_back(static_cast<double>(p->memory.total_bytes) + slope * (b - static_cast<double>(p->batch)));
        }
        c.series.push_back(std::move(s));
    }
    if (hw.dram_capacity_gib > 0)
        c.references.push_back(
            {static_cast<double>(hw.memory_bytes()),
             fmt::format("{} memory {}", hw.id, human_bytes(static_cast<double>(hw.memory_bytes())))});
    return svg_line_chart(c, {.width_px = 620});
}

/** The prefill and every decode step on the device's roofline, at their predicted performance. */
std::string steps_on_roofline(const llm_estimate& e, const hw_spec& hw) {
    model_prediction mp;
    mp.roof = e.roof;
    auto data = roofline_for(model_cost{}, mp, hw);
    auto add = [&](const llm_phase& ph, const std::string& group, const std::string& name) {
        if (ph.flops <= 0 || ph.bytes <= 0) return;
        roofline_point pt;
        pt.name = name;
        pt.op_type = group;
        pt.ceiling = 0;
        pt.operational_intensity = ph.operational_intensity;
        pt.roof_flops_per_s = data.ceilings.front().attainable(pt.operational_intensity);
        pt.flops_per_s = std::min(ph.achieved_flops_per_s, pt.roof_flops_per_s);
        pt.predicted = true;  // a whole-step figure (FLOPs / predicted time), not the roof itself
        data.points.push_back(std::move(pt));
    };
    std::set<std::int64_t> prefilled;
    for (const auto& p : e.points) {
        add(p.decode, fmt::format("decode, batch {}", p.batch), fmt::format("context {}", p.context));
        if (prefilled.insert(p.batch).second)
            add(p.prefill, "prefill", fmt::format("batch {}, {} tokens", p.batch, e.prompt));
    }
    return svg_roofline(data, {.width_px = 620, .title = "Prefill and decode steps on the " + hw.id + " roofline"});
}

std::string time_text(double s) { return human_time(s); }

}  // namespace

void llm_section(std::string& h, const html_report& r, figure_writer figure) {
    h += R"(<section id="llm"><h2>LLM serving</h2>)";
    for (std::size_t i = 0; i < r.llm.size() && i < r.devices.size(); ++i) {
        const auto& e = r.llm[i];
        const auto& hw = r.devices[i].hw;
        const auto& kv = e.kv;
        if (r.llm.size() > 1) h += "<h3>" + xml_escape(hw.name.empty() ? hw.id : hw.name) + "</h3>";
        std::string heads = fmt::format("{} KV heads", kv.kv_heads);
        if (kv.query_heads > kv.kv_heads) heads += fmt::format(" for {} query heads (grouped-query)", kv.query_heads);
        h += "<p class=\"lead\">" +
             xml_escape(fmt::format(
                 "KV cache found in the graph: {} layers, {}, head size {}; {} per token at {} bytes per element. "
                 "Prefill: {} prompt tokens over an empty cache. Decode: one token over the context. Generation: "
                 "the prefill then {} decode steps. Times are summed kernel time (PyTorch eager, no host overhead), "
                 "from the same cost rules and efficiency curves as every other prediction.",
                 kv.layers, heads, kv.head_dim, human_bytes(static_cast<double>(e.kv_bytes_per_token)), e.element_bytes,
                 e.prompt, std::max<std::int64_t>(0, e.gen - 1))) +
             "</p>";
        h += "<table class=\"sortable\"><thead><tr><th>batch</th><th>context</th><th>TTFT</th><th>per token</th>"
             "<th>tokens/s (sequence)</th><th>tokens/s (batch)</th><th class=\"t\">decode bound</th>"
             "<th>weights read</th><th>KV read</th><th>generation</th><th>memory</th><th>max batch</th></tr></thead>"
             "<tbody>";
        for (const auto& p : e.points) {
            h += fmt::format(
                "<tr><td data-v=\"{}\">{}</td><td data-v=\"{}\">{}</td><td data-v=\"{:.9g}\">{}</td>"
                "<td data-v=\"{:.9g}\">{}</td><td data-v=\"{:.9g}\">{:.1f}</td><td data-v=\"{:.9g}\">{:.1f}</td>"
                "<td class=\"t\"><span class=\"tag {}\">{}</span> {}</td><td>{}</td><td>{}</td><td>{}</td>"
                "<td data-v=\"{}\">{}</td><td>{}</td></tr>",
                p.batch, p.batch, p.context, p.context, p.prefill.predicted_time_s,
                time_text(p.prefill.predicted_time_s), p.decode.predicted_time_s, time_text(p.decode.predicted_time_s),
                p.tokens_per_s, p.tokens_per_s, p.batch_tokens_per_s, p.batch_tokens_per_s, bound_name(p.decode.bound),
                bound_name(p.decode.bound), xml_escape(p.decode.split.limiter()),
                human_bytes(static_cast<double>(p.decode.weight_bytes_read)),
                human_bytes(static_cast<double>(p.decode.kv_bytes_read)),
                p.generation ? time_text(p.generation->total_time_s) : "n/a", p.memory.total_bytes,
                human_bytes(static_cast<double>(p.memory.total_bytes)),
                p.max_batch ? std::to_string(*p.max_batch) : "n/a");
        }
        h += "</tbody></table>";
        h += "<div class=\"figs\">";
        h += figure(decode_vs_context(e), "Each line one batch; hover a point for its bound and limiter.");
        h += figure(tokens_vs_batch(e), "Tokens/s of the whole batch: batch / time per token.");
        h += figure(memory_vs_batch(e, hw),
                    "Weights + KV cache + activations at a decode step; the dashed line is the device's memory.");
        h += figure(steps_on_roofline(e, hw),
                    "Whole steps at FLOPs / predicted time: far below the roof where fixed kernel costs dominate.");
        h += "</div>";
    }
    h += "</section>\n";
}

}  // namespace ridgeline::detail
