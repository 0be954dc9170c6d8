// The one-file HTML report: inline CSS and SVG, a tiny inline script for the sortable table.
// Written in XHTML syntax (every element closed, attributes quoted, no named entities beyond
// XML's) so the page parses as XML too.
#include "ridgeline/html_report.hpp"

#include "llm_html.hpp"
#include "ridgeline/error.hpp"
#include "ridgeline/report.hpp"
#include "svg_canvas.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <ostream>
#include <set>

namespace ridgeline {

using detail::xml_escape;

namespace {

const char* const style_sheet = R"(
:root { --ink: #1d1d1f; --muted: #5b5b60; --line: #d9d9de; --panel: #f6f6f8; --accent: #0072B2; }
* { box-sizing: border-box; }
body { margin: 0; font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; color: var(--ink); background: #ffffff;
       font-size: 15px; line-height: 1.45; }
main { max-width: 1340px; margin: 0 auto; padding: 24px 28px 48px; }
header { border-bottom: 3px solid var(--accent); padding-bottom: 10px; margin-bottom: 18px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 34px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 16px; margin: 18px 0 6px; }
p.lead, p.note { color: var(--muted); margin: 4px 0 10px; max-width: 1000px; }
nav a { color: var(--accent); margin-right: 14px; text-decoration: none; font-size: 14px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(210px, 1fr)); gap: 12px; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; }
.card .k { color: var(--muted); font-size: 13px; }
.card .v { font-size: 22px; font-weight: bold; }
.card .s { color: var(--muted); font-size: 13px; }
.bar { display: flex; height: 10px; border-radius: 3px; overflow: hidden; margin-top: 6px; }
.bar span { display: block; height: 100%; }
table { border-collapse: collapse; font-size: 13.5px; }
th, td { padding: 4px 9px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th { background: var(--panel); position: sticky; top: 0; }
table.devices th { white-space: normal; vertical-align: bottom; }
td .sub { color: var(--muted); font-size: 12px; }
.sw { display: inline-block; width: 9px; height: 9px; margin-right: 3px; border-radius: 2px; }
td.t, th.t { text-align: left; }
table.sortable th { cursor: pointer; user-select: none; }
table.sortable th[data-dir="asc"]::after { content: " \25B2"; }
table.sortable th[data-dir="desc"]::after { content: " \25BC"; }
.scroll { max-height: 720px; overflow: auto; border: 1px solid var(--line); }
.figs { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
figure { margin: 0; }
figure svg { max-width: 100%; height: auto; }
.tag { display: inline-block; padding: 0 5px; border-radius: 3px; font-size: 12px; }
td.name { white-space: normal; overflow-wrap: anywhere; max-width: 250px; text-align: left; }
td.wrap { white-space: normal; text-align: left; max-width: 320px; }
.tag.compute { background: #d6e6f4; color: #0b3d66; }
.tag.memory { background: #fbe3c9; color: #7a3d00; }
.tag.none { background: #eeeeee; color: #555555; }
details { margin: 10px 0; }
summary { cursor: pointer; color: var(--accent); }
footer { margin-top: 40px; color: var(--muted); font-size: 13px; border-top: 1px solid var(--line); padding-top: 8px; }
)";

// Sorts a table by the clicked column: numeric when both cells carry data-v, else by text.
const char* const sort_script = R"(//<![CDATA[
document.querySelectorAll('table.sortable').forEach(function (table) {
  var heads = table.querySelectorAll('thead th');
  heads.forEach(function (th, col) {
    th.addEventListener('click', function () {
      var asc = th.getAttribute('data-dir') !== 'asc';
      heads.forEach(function (h) { h.removeAttribute('data-dir'); });
      th.setAttribute('data-dir', asc ? 'asc' : 'desc');
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[col], y = b.cells[col];
        var u = x.getAttribute('data-v'), v = y.getAttribute('data-v');
        var r = (u === null || v === null) ? x.textContent.localeCompare(y.textContent) : parseFloat(u) - parseFloat(v);
        return asc ? r : -r;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
//]]>)";

/**
 * A figure around an inline SVG. The SVG keeps its xmlns attribute: HTML implies the namespace,
 * but an SVG saved or copied out of the page opens only with it. (The namespace name is the one
 * "http" string in the page; it is an identifier, never fetched.)
 */
std::string figure(const std::string& svg, const std::string& caption = "") {
    std::string out = "<figure>" + svg;
    if (!caption.empty()) out += "<figcaption class=\"note\">" + xml_escape(caption) + "</figcaption>";
    return out + "</figure>\n";
}

std::string hb(std::int64_t bytes) { return human_bytes(static_cast<double>(bytes)); }
std::string hf(std::int64_t flops) { return human_flops(static_cast<double>(flops)); }

std::string card(const std::string& key, const std::string& value, const std::string& sub = "",
                 const std::string& extra = "") {
    return fmt::format(R"(<div class="card"><div class="k">{}</div><div class="v">{}</div>{}{}</div>)", xml_escape(key),
                       xml_escape(value), sub.empty() ? "" : "<div class=\"s\">" + xml_escape(sub) + "</div>", extra);
}

std::string percent(double part, double whole) { return whole > 0 ? fmt::format("{:.1f}%", 100 * part / whole) : "–"; }

std::string count_text(std::int64_t n) {
    // Thousands separated by thin spaces: 11 689 512.
    std::string s = std::to_string(n < 0 ? -n : n);
    for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<std::size_t>(i), "\u202F");
    return n < 0 ? "-" + s : s;
}

std::string model_name(const std::string& path) { return std::filesystem::path(path).filename().string(); }

std::string bound_tag(bound_kind b) {
    const auto name = bound_name(b);
    return fmt::format(R"(<span class="tag {0}">{0}</span>)", name);
}

void summary_section(std::string& h, const html_report& r) {
    const auto& t = r.cost.totals;
    const double flops = static_cast<double>(t.flops());
    const auto& pal = plot_palette();
    const std::pair<std::int64_t, const char*> classes[] = {
        {t.flops_matmul, "matmul"}, {t.flops_vector, "vector"}, {t.flops_special, "special"}};
    std::string split = R"(<div class="bar">)", key = R"(<div class="s">)";
    for (std::size_t i = 0; i < 3; ++i) {
        const double share = flops > 0 ? 100 * static_cast<double>(classes[i].first) / flops : 0;
        if (share > 0) split += fmt::format(R"(<span style="width:{:.2f}%;background:{}"></span>)", share, pal[i]);
        key += fmt::format(R"({}<span class="sw" style="background:{}"></span>{} {})", i ? " · " : "", pal[i],
                           classes[i].second, xml_escape(hf(classes[i].first)));
    }
    split += "</div>";
    key += "</div>";
    h += R"(<section id="summary"><h2>Model summary</h2><div class="cards">)";
    h += card("graph", fmt::format("{} nodes", r.model_nodes), fmt::format("{} launch a kernel", r.cost.kernels));
    h += card("parameters", count_text(r.cost.params), hb(r.cost.param_bytes) + " of weights");
    h += card("FLOPs (forward)", hf(t.flops()), "", split + key);
    h += card("MACs", si_label(static_cast<double>(t.macs), "MAC"),
              "multiply-accumulates of matmul-class layers (2 FLOPs each)");
    h += card("bytes moved", hb(t.bytes()),
              fmt::format("read {} (weights {}), written {}", hb(t.bytes_read()), hb(t.bytes_read_weights),
                          hb(t.bytes_written)));
    h += card("operational intensity", fmt::format("{:.1f} FLOP/B", t.operational_intensity()),
              "whole model, unfused bytes");
    h += card("peak activation memory", hb(r.cost.peak_activation_bytes), "live activations, topological order");
    h += card("inference memory", hb(r.memory.total()),
              fmt::format("weights {} + activations {} + workspace {}", hb(r.memory.weight_bytes),
                          hb(r.memory.activation_bytes), hb(r.memory.workspace_bytes)));
    h += "</div>";
    if (!r.cost.unknown_ops.empty()) {
        std::string ops;
        for (const auto& [op, n] : r.cost.unknown_ops) ops += fmt::format("{}{} ×{}", ops.empty() ? "" : ", ", op, n);
        h += "<p class=\"note\">Operators without a cost rule (counted as zero): " + xml_escape(ops) + ".</p>";
    }
    h += "</section>\n";
}

void devices_section(std::string& h, const html_report& r) {
    h += R"(<section id="devices"><h2>Devices</h2>)";
    h +=
        R"(<p class="lead">Predicted GPU time is the sum over kernels of max(compute, memory) at achievable ceilings plus a fixed per-kernel cost; host launch overhead is reported apart and overlaps GPU work in the wall time. The plain roofline time uses peak ceilings and no per-kernel cost.</p>)";
    h +=
        R"(<table class="devices"><thead><tr><th class="t">device</th><th>matmul roof</th><th>vector roof</th><th>DRAM bandwidth</th><th>ridge point</th>)"
        R"(<th>predicted GPU time</th><th>host launch overhead</th><th>wall time</th><th>kernels</th><th class="t">bound</th><th>plain roofline time</th></tr></thead><tbody>)";
    for (const auto& d : r.devices) {
        const auto& roof = d.prediction.roof;
        h += fmt::format(
            R"(<tr><td class="t">{}<div class="sub">{}</div></td><td>{}<div class="sub">{}</div></td><td>{}<div class="sub">{}</div></td>)"
            R"(<td>{}</td><td>{} FLOP/B</td><td><b>{}</b></td><td>{}</td><td>{}</td><td>{}</td><td class="t">{}</td><td>{}</td></tr>)",
            xml_escape(d.hw.name.empty() ? d.hw.id : d.hw.name), xml_escape(d.hw.id),
            si_label(roof.matmul_flops_per_s, "FLOP/s"), xml_escape(roof.matmul_key),
            si_label(roof.vector_flops_per_s, "FLOP/s"), xml_escape(roof.vector_key),
            si_label(roof.bandwidth_bytes_per_s, "B/s"), fmt::format("{:.1f}", roof.ridge_point()),
            human_time(d.latency.gpu_time_s), human_time(d.latency.launch_s), human_time(d.latency.wall_time_s),
            d.latency.kernels.size(), bound_tag(d.latency.bound), human_time(d.prediction.total_time_s));
    }
    h += "</tbody></table></section>\n";
}

void roofline_section(std::string& h, const html_report& r, const std::vector<roofline_data>& roofs) {
    h += R"(<section id="rooflines"><h2>Rooflines</h2>)";
    h +=
        R"(<p class="lead">One point per kernel layer at (operational intensity, attainable performance), coloured by op type. )"
        R"(Layers with matmul-class FLOPs sit under the tensor/matmul roof (solid line), the others under the vector roof (dashed). )"
        R"(The diamond marks the ridge point, where memory and compute times are equal. Hover a point for its layer.</p>)";
    if (roofs.size() > 1) h += figure(svg_roofline_multiples(roofs));
    for (std::size_t i = 0; i < roofs.size(); ++i) {
        const bool open = roofs.size() == 1;
        h += fmt::format(R"(<details{}><summary>Full-size roofline: {}</summary>)", open ? R"( open="open")" : "",
                         xml_escape(roofs[i].device_name));
        h += figure(svg_roofline(roofs[i],
                                 {.title = "Roofline — " + model_name(r.model_path) + " on " + roofs[i].device_name}));
        h += "</details>\n";
    }
    h += "</section>\n";
}

void op_time_section(std::string& h, const html_report& r) {
    std::vector<op_time_series> series;
    for (const auto& d : r.devices) series.push_back({d.hw.id, op_type_times(d.latency)});
    h += R"(<section id="op-types"><h2>Predicted time by op type</h2>)";
    h +=
        R"(<p class="lead">Kernels grouped by op type, or by the fused pattern the cost model recognises (Attention, Gelu, SiLU; NchwToNhwc and NhwcToNchw are the layout conversions eager frameworks run around half-precision convolutions).</p>)";
    if (!series.empty()) h += figure(svg_op_time_bars(series));
    h += "</section>\n";
}

void sweep_section(std::string& h, const html_report& r) {
    h += R"(<section id="sweep"><h2>Batch sweep</h2>)";
    if (r.sweep.empty()) {
        h += "<p class=\"note\">" + xml_escape(r.sweep_note.empty() ? "No sweep points." : r.sweep_note) +
             "</p></section>\n";
        return;
    }
    h +=
        R"(<p class="lead">Each point re-binds the batch, re-infers shapes and re-runs the analysis and the latency model. Throughput = batch / predicted GPU time.</p>)";
    if (!r.sweep_note.empty()) h += "<p class=\"note\">" + xml_escape(r.sweep_note) + "</p>";
    h += R"(<div class="figs">)";
    h += figure(svg_sweep(r.sweep, sweep_metric::throughput, {.width_px = 620}));
    h += figure(svg_sweep(r.sweep, sweep_metric::per_item_time, {.width_px = 620}));
    h += "</div></section>\n";
}

void memory_section(std::string& h, const html_report& r) {
    h += R"(<section id="memory"><h2>Memory and largest batch</h2>)";
    std::string batch_text = "the bound shapes";
    if (auto it = r.symbols.find("batch"); it != r.symbols.end()) batch_text = fmt::format("batch {}", it->second);
    h += fmt::format(
        R"(<p class="lead">Inference memory = weights + peak live activations + workspace (the largest matmul-class output). At {}: {}. )"
        R"(The largest batch re-binds shapes until the estimate no longer fits the device memory.</p>)",
        xml_escape(batch_text), xml_escape(hb(r.memory.total())));
    h +=
        R"(<table><thead><tr><th class="t">device</th><th>memory</th><th>used at report shapes</th><th>largest batch</th>)"
        R"(<th>weights</th><th>activations</th><th>workspace</th><th>total at largest batch</th><th class="t">note</th></tr></thead><tbody>)";
    for (const auto& d : r.devices) {
        const double cap = d.hw.dram_capacity_gib * 1073741824.0;
        if (!d.max_batch) {
            h += fmt::format(
                R"(<tr><td class="t">{}</td><td>{}</td><td>{}</td><td>–</td><td>–</td><td>–</td><td>–</td><td>–</td><td class="wrap">{}</td></tr>)",
                xml_escape(d.hw.id), cap > 0 ? human_bytes(cap) : "unknown",
                cap > 0 ? percent(static_cast<double>(r.memory.total()), cap) : "–",
                xml_escape(d.memory_note.empty() ? "not computed" : d.memory_note));
            continue;
        }
        const auto& m = d.max_batch->at_batch;
        h += fmt::format(
            R"(<tr><td class="t">{}</td><td>{}</td><td>{}</td><td><b>{}</b></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class="wrap">{}</td></tr>)",
            xml_escape(d.hw.id), human_bytes(cap), percent(static_cast<double>(r.memory.total()), cap),
            count_text(d.max_batch->batch), hb(m.weight_bytes), hb(m.activation_bytes), hb(m.workspace_bytes),
            hb(m.total()),
            xml_escape(d.max_batch->at_next.total() <= 0
                           ? "fits up to the search limit; the estimate never exceeded the memory"
                       : d.max_batch->batch > 0
                           ? fmt::format("batch {} would need {} ({} more than the device has)", d.max_batch->batch + 1,
                                         hb(d.max_batch->at_next.total()),
                                         human_bytes(static_cast<double>(d.max_batch->at_next.total()) - cap))
                           : "not even batch 1 fits"));
    }
    h += "</tbody></table></section>\n";
}

void correlation_section(std::string& h, const html_report& r) {
    h += R"(<section id="correlation"><h2>Do FLOPs predict time?</h2>)";
    // Per layer: FLOPs, params, bytes and each device's predicted time.
    std::vector<std::size_t> layers;
    for (std::size_t i = 0; i < r.cost.layers.size(); ++i) {
        if (r.cost.layers[i].is_kernel() && !r.cost.layers[i].unknown) layers.push_back(i);
    }
    std::vector<std::string> labels = {"FLOPs", "parameters", "bytes moved"};
    std::vector<std::vector<double>> cols(3);
    for (auto i : layers) {
        const auto& l = r.cost.layers[i];
        cols[0].push_back(static_cast<double>(l.forward.flops()));
        cols[1].push_back(static_cast<double>(l.params));
        cols[2].push_back(static_cast<double>(l.forward.bytes()));
    }
    std::vector<model_sample> layer_samples;
    for (const auto& d : r.devices) {
        labels.push_back("time " + d.hw.id);
        cols.emplace_back();
        for (auto i : layers) {
            const double t = i < d.latency.layer_time_s.size() ? d.latency.layer_time_s[i] : 0.0;
            cols.back().push_back(t);
            const auto& l = r.cost.layers[i];
            layer_samples.push_back(
                {l.name, d.hw.id, static_cast<double>(l.forward.flops()), static_cast<double>(l.params), t});
        }
    }
    h +=
        R"(<p class="lead">Spearman rank correlation across this model's kernel layers: 1 means the quantities order the layers identically. )"
        R"(Where FLOPs rank layers differently from predicted time, FLOP counts are a poor proxy for latency on that device.</p>)";
    h += R"(<div class="figs">)";
    h += figure(svg_correlation_heatmap(spearman_matrix(labels, cols), {.title = "Rank correlation across layers"}));
    h += figure(svg_latency_scatter(
        layer_samples, scatter_x::flops,
        {.width_px = 620, .title = "Predicted layer time vs layer FLOPs", .y_label = "predicted layer time (s)"}));
    h += "</div>";
    // Across models, when further models were given.
    std::set<std::string> models;
    for (const auto& s : r.other_models) models.insert(s.model);
    if (!models.empty()) {
        std::vector<model_sample> all = r.other_models;
        const std::string self = model_name(r.model_path);
        if (!models.count(self)) {
            for (const auto& d : r.devices) {
                all.push_back({self, d.hw.id, static_cast<double>(r.cost.totals.flops()),
                               static_cast<double>(r.cost.params), d.latency.gpu_time_s});
            }
            models.insert(self);
        }
        std::vector<std::string> names(models.begin(), models.end());
        std::vector<std::string> devs;
        for (const auto& s : all) {
            if (std::find(devs.begin(), devs.end(), s.device) == devs.end()) devs.push_back(s.device);
        }
        std::vector<std::string> mlabels = {"FLOPs", "parameters"};
        std::vector<std::vector<double>> mcols(2 + devs.size(), std::vector<double>(names.size(), std::nan("")));
        for (const auto& s : all) {
            const auto mi = static_cast<std::size_t>(std::find(names.begin(), names.end(), s.model) - names.begin());
            const auto di = static_cast<std::size_t>(std::find(devs.begin(), devs.end(), s.device) - devs.begin());
            mcols[0][mi] = s.flops;
            mcols[1][mi] = s.params;
            mcols[2 + di][mi] = s.latency_s;
        }
        for (const auto& d : devs) mlabels.push_back("latency " + d);
        h += fmt::format(R"(<h3>Across {} models</h3><div class="figs">)", names.size());
        h += figure(svg_latency_scatter(all, scatter_x::flops, {.width_px = 620}));
        h += figure(svg_latency_scatter(all, scatter_x::params, {.width_px = 620}));
        if (names.size() >= 3) {
            h += figure(
                svg_correlation_heatmap(spearman_matrix(mlabels, mcols), {.title = "Rank correlation across models"}));
        } else {
            h += R"(<p class="note">A rank correlation across models needs at least 3 models.</p>)";
        }
        h += "</div>";
    }
    h += "</section>\n";
}

void layer_table(std::string& h, const html_report& r) {
    h +=
        R"(<section id="layers"><h2>Layers</h2><p class="lead">Kernel layers in execution order; click a column header to sort. Per device: the latency model's time for the layer (its share of the kernel it belongs to) and what bounds it on the roofline.</p>)";
    h +=
        R"(<div class="scroll"><table class="sortable"><thead><tr><th>#</th><th class="t">layer</th><th class="t">op</th><th class="t">output shape</th>)"
        R"(<th>FLOPs</th><th>params</th><th>bytes</th><th>FLOP/B</th>)";
    for (const auto& d : r.devices) h += fmt::format("<th>{}</th>", xml_escape(d.hw.id));
    h += "</tr></thead><tbody>\n";
    std::size_t row = 0;
    for (std::size_t i = 0; i < r.cost.layers.size(); ++i) {
        const auto& l = r.cost.layers[i];
        if (!l.is_kernel() && !l.unknown) continue;
        std::string shapes;
        for (const auto& s : l.output_shapes) shapes += (shapes.empty() ? "" : " ") + s;
        h += fmt::format(
            R"(<tr><td data-v="{}">{}</td><td class="name">{}</td><td class="t">{}</td><td class="t">{}</td>)"
            R"(<td data-v="{}">{}</td><td data-v="{}">{}</td><td data-v="{}">{}</td><td data-v="{:.6g}">{:.1f}</td>)",
            row, row, xml_escape(l.name), xml_escape(l.op_type), xml_escape(shapes), l.forward.flops(),
            l.unknown ? "unknown" : hf(l.forward.flops()), l.params, l.params ? count_text(l.params) : "",
            l.forward.bytes(), hb(l.forward.bytes()), l.forward.operational_intensity(),
            l.forward.operational_intensity());
        for (const auto& d : r.devices) {
            const double t = i < d.latency.layer_time_s.size() ? d.latency.layer_time_s[i] : 0.0;
            const auto b = i < d.prediction.layers.size() ? d.prediction.layers[i].bound : bound_kind::none;
            h += fmt::format(R"(<td data-v="{:.6g}">{} {}</td>)", t, human_time(t), bound_tag(b));
        }
        h += "</tr>\n";
        ++row;
    }
    h += "</tbody></table></div></section>\n";
}

}  // namespace

std::string html_report_text(const html_report& r) {
    std::vector<roofline_data> roofs;
    for (const auto& d : r.devices)
        roofs.push_back(roofline_for(r.cost, d.prediction, d.hw, {}, d.latency.layer_time_s));
    std::string binds;
    for (const auto& [k, v] : r.symbols) binds += fmt::format("{}{}={}", binds.empty() ? "" : ", ", k, v);
    std::string devices;
    for (const auto& d : r.devices)
        devices += (devices.empty() ? "" : ", ") + (d.hw.name.empty() ? d.hw.id : d.hw.name);
    const std::string name = model_name(r.model_path);
    std::string h;
    h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n";
    h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n";
    h += "<title>" + xml_escape("ridgeline report — " + name) + "</title>\n<style>" + style_sheet +
         "</style>\n</head>\n<body>\n<main>\n";
    h += "<header><h1>" + xml_escape(name) + "</h1>";
    h += fmt::format(R"(<p class="lead">{} · bound: {} · precision: {} · devices: {}</p>)", xml_escape(r.model_path),
                     xml_escape(binds.empty() ? "(none)" : binds), xml_escape(r.dtype_name),
                     xml_escape(devices.empty() ? "(none)" : devices));
    h +=
        R"(<nav><a href="#summary">summary</a><a href="#devices">devices</a><a href="#rooflines">rooflines</a><a href="#op-types">op types</a>)"
        R"(<a href="#sweep">batch sweep</a>)";
    if (!r.llm.empty()) h += R"(<a href="#llm">LLM serving</a>)";
    h +=
        R"(<a href="#memory">memory</a><a href="#correlation">correlation</a><a href="#layers">layers</a></nav></header>)"
        "\n";
    summary_section(h, r);
    if (!r.devices.empty()) {
        devices_section(h, r);
        roofline_section(h, r, roofs);
        op_time_section(h, r);
        sweep_section(h, r);
        if (!r.llm.empty()) detail::llm_section(h, r, figure);
        memory_section(h, r);
        correlation_section(h, r);
    } else {
        h +=
            R"(<p class="note">No device given: rooflines, predicted times, the sweep and memory fits need at least one.</p>)";
    }
    layer_table(h, r);
    h += "<footer>Generated by " + xml_escape(r.generator) +
         ". Counting conventions: FLOPs count a multiply-accumulate as 2; bytes are unfused (each input read once, "
         "each output written once); "
         "see docs/counting.md. Predictions are estimates from datasheet or measured ceilings, not "
         "measurements.</footer>\n";
    h += "</main>\n<script>" + std::string(sort_script) + "</script>\n</body>\n</html>\n";
    return h;
}

void write_html_report(std::ostream& out, const html_report& r) { out << html_report_text(r); }

}  // namespace ridgeline
