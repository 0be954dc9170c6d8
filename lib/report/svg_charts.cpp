// SVG charts over result structs (plot.hpp): latency scatters, batch sweeps, per-op-type time bars
// and the Spearman heat map. Rooflines live in svg_roofline.cpp, layout helpers in svg_canvas.cpp.
#include "ridgeline/plot.hpp"

#include "ridgeline/error.hpp"
#include "ridgeline/stats.hpp"
#include "ridgeline/units.hpp"
#include "svg_canvas.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>
#include <stdexcept>

namespace ridgeline {

using namespace detail;

// ---------------------------------------------------------------------------------------------
// Scatter and line charts
// ---------------------------------------------------------------------------------------------

namespace {

struct xy_series {
    std::string name;
    std::vector<double> x, y;
    std::vector<std::string> labels;  // per point (tooltips; scatter point labels)
};

struct xy_chart {
    std::string title;
    axis_spec x, y;
    bool lines = false;
    bool label_points = false;
    std::string legend_title;
    std::vector<xy_series> series;
    std::vector<std::string> notes;
    std::vector<reference_line> references;  // horizontal, dashed
};

/** Linear from zero unless the positive values span more than two decades. */
struct scale_choice {
    bool log = false;
    double lo = 0, hi = 1, decades = 0;
};

scale_choice choose_scale(const std::vector<double>& v) {
    double pmin = std::numeric_limits<double>::infinity(), pmax = 0, mn = 0, mx = 0;
    for (double x : v) {
        if (!std::isfinite(x)) continue;
        mn = std::min(mn, x);
        mx = std::max(mx, x);
        if (x > 0) pmin = std::min(pmin, x), pmax = std::max(pmax, x);
    }
    scale_choice s;
    if (pmax > 0 && pmax / pmin > 100) {
        s.log = true;
        s.lo = pmin / 1.25;  // markers keep clear of the axes
        s.hi = pmax * 1.25;
        s.decades = std::log10(pmax / pmin);
        return s;
    }
    s.lo = std::min(0.0, mn);
    s.hi = mx > s.lo ? mx * 1.05 : s.lo + 1;
    if (pmax > 0) s.decades = std::log10(pmax / pmin);
    return s;
}

std::string draw_xy(xy_chart ch, const plot_options& options, double default_w, double default_h) {
    const double font = options.font_size_px;
    if (!options.x_label.empty()) ch.x.label = options.x_label;
    if (!options.y_label.empty()) ch.y.label = options.y_label;
    const double width = options.width_px > 0 ? options.width_px : default_w;
    const double height = options.height_px > 0 ? options.height_px : default_h;
    std::vector<double> all_x, all_y;
    for (const auto& s : ch.series) {
        all_x.insert(all_x.end(), s.x.begin(), s.x.end());
        all_y.insert(all_y.end(), s.y.begin(), s.y.end());
    }
    for (const auto& r : ch.references) all_y.push_back(r.y);
    const auto sx = choose_scale(all_x), sy = choose_scale(all_y);
    ch.x.log = sx.log, ch.x.lo = sx.lo, ch.x.hi = sx.hi;
    ch.y.log = sy.log, ch.y.lo = sy.lo, ch.y.hi = sy.hi;
    if (sx.log || sy.log) {
        std::string which = sx.log && sy.log ? "both axes" : sx.log ? "x axis" : "y axis";
        ch.notes.push_back(fmt::format("Log scale on {}: the data span more than 2 decades (x {:.1f}, y {:.1f}).",
                                       which, sx.decades, sy.decades));
    } else {
        ch.notes.push_back("Linear axes from zero: the data span 2 decades or less.");
    }
    std::size_t dropped = 0;
    for (const auto& s : ch.series) {
        for (std::size_t i = 0; i < s.x.size(); ++i) {
            if ((sx.log && !(s.x[i] > 0)) || (sy.log && !(s.y[i] > 0))) ++dropped;
        }
    }
    if (dropped)
        ch.notes.push_back(fmt::format("{} point{} with a zero value cannot be drawn on the log axis.", dropped,
                                       dropped == 1 ? "" : "s"));
    std::vector<std::string> names;
    for (const auto& s : ch.series) names.push_back(s.name);
    const double legend_w = ch.series.size() > 1 || !ch.legend_title.empty() ? legend_width(names, font, 34) : 0;
    const double top = 28 + font * 2.2;
    const double bottom = 26 + font * 3.4 + static_cast<double>(ch.notes.size()) * font * 1.45;
    const double plot_h = std::max(160.0, height - top - bottom);
    const auto yt = make_ticks(ch.y, plot_h, font, false);
    double widest = 0;
    for (double t : yt) widest = std::max(widest, text_width(tick_text(t, ch.y), font));
    const double left = 22 + widest + font * 1.8;
    const double plot_w = std::max(200.0, width - left - legend_w - 28);
    const auto xt = make_ticks(ch.x, plot_w, font, true);
    svg_canvas c(width, std::max(height, top + plot_h + bottom + 4), font, ch.title);
    c.title(left, 14 + font * 1.3, ch.title);
    const frame f = make_frame(left, top, plot_w, plot_h, ch.x, ch.y);
    draw_axes(c, f, ch.x, ch.y, xt, yt, nullptr, font);
    c.raw(plot_area_open(f));
    label_placer placer(f.area());
    std::string markers, lines, labels;
    const auto& pal = plot_palette();
    for (std::size_t si = 0; si < ch.series.size(); ++si) {
        const auto& s = ch.series[si];
        const auto& color = pal[si % pal.size()];
        std::vector<std::size_t> order(s.x.size());
        std::iota(order.begin(), order.end(), 0);
        if (ch.lines) std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return s.x[a] < s.x[b]; });
        std::string path;
        for (auto i : order) {
            if ((sx.log && !(s.x[i] > 0)) || (sy.log && !(s.y[i] > 0))) continue;
            const double px = f.x.to_pixel(s.x[i]), py = f.y.to_pixel(s.y[i]);
            path += fmt::format("{}{},{}", path.empty() ? "" : " ", coord(px), coord(py));
            placer.reserve({px - 4.5, py - 4.5, px + 4.5, py + 4.5});
            const std::string tip = (s.labels.size() > i ? s.labels[i] + " — " : std::string()) + s.name + ": " +
                                    tick_text(s.x[i], ch.x) + ", " + tick_text(s.y[i], ch.y);
            markers += marker(
                static_cast<int>(si), px, py, 4.5, color, "#ffffff",
                fmt::format(R"(data-series="{}" data-x="{:.9g}" data-y="{:.9g}")", xml_escape(s.name), s.x[i], s.y[i]),
                tip);
        }
        if (ch.lines && !path.empty()) {
            lines += fmt::format(
                R"(<polyline class="series" data-series="{}" points="{}" fill="none" stroke="{}" stroke-width="2"{}/>)"
                "\n",
                xml_escape(s.name), path, color,
                dash_pattern(si).empty() ? "" : fmt::format(R"( stroke-dasharray="{}")", dash_pattern(si)));
        }
    }
    for (const auto& r : ch.references) {
        if (sy.log && !(r.y > 0)) continue;
        const double py = f.y.to_pixel(r.y);
        lines += fmt::format(
            R"(<line class="reference" x1="{}" y1="{}" x2="{}" y2="{}" stroke="#333333" stroke-width="1.5" )"
            R"(stroke-dasharray="7 4" data-y="{:.9g}"/>)"
            "\n",
            coord(left), coord(py), coord(left + plot_w), coord(py), r.y);
        const auto b = text_box(left + plot_w - 6, py - 5, r.label, font * 0.9, "end");
        placer.reserve(b);
        labels += fmt::format(R"(<text class="reference-label" x="{}" y="{}" font-size="{}" text-anchor="end" )"
                              R"(fill="#333333">{}</text>)"
                              "\n",
                              coord(left + plot_w - 6), coord(py - 5), coord(font * 0.9), xml_escape(r.label));
    }
    if (ch.label_points && !ch.series.empty()) {
        const auto& s = ch.series.front();
        for (std::size_t i = 0; i < s.x.size() && i < s.labels.size(); ++i) {
            if ((sx.log && !(s.x[i] > 0)) || (sy.log && !(s.y[i] > 0))) continue;
            const double px = f.x.to_pixel(s.x[i]), py = f.y.to_pixel(s.y[i]);
            std::vector<std::pair<double, double>> anchors = {
                {px + 7, py - 6}, {px + 7, py + font + 4}, {px - 7, py - 6}, {px - 7, py + font + 4}};
            std::vector<box> cands;
            for (std::size_t k = 0; k < anchors.size(); ++k) {
                cands.push_back(
                    text_box(anchors[k].first, anchors[k].second, s.labels[i], font * 0.9, k < 2 ? "start" : "end"));
            }
            if (auto k = placer.place(cands)) {
                labels +=
                    fmt::format(R"(<text class="point-label" x="{}" y="{}" font-size="{}"{} fill="#333333">{}</text>)"
                                "\n",
                                coord(anchors[*k].first), coord(anchors[*k].second), coord(font * 0.9),
                                *k < 2 ? "" : R"( text-anchor="end")", xml_escape(s.labels[i]));
            }
        }
    }
    c.raw(lines + markers + labels + "</g>\n");
    if (legend_w > 0) {
        double ly = top + font;
        if (!ch.legend_title.empty()) {
            c.text(left + plot_w + 24, ly, ch.legend_title, "legend-title", "start", font, R"(font-weight="600")");
            ly += font * 1.6;
        }
        std::string g = R"(<g class="legend">)";
        for (std::size_t si = 0; si < ch.series.size(); ++si) {
            const auto& color = pal[si % pal.size()];
            const double lx = left + plot_w + 24;
            g += fmt::format(R"(<g class="legend-entry" data-series="{}">)", xml_escape(ch.series[si].name));
            if (ch.lines) {
                g += fmt::format(
                    R"(<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2"{}/>)", coord(lx),
                    coord(ly - font * 0.35), coord(lx + 26), coord(ly - font * 0.35), color,
                    dash_pattern(si).empty() ? "" : fmt::format(R"( stroke-dasharray="{}")", dash_pattern(si)));
            }
            std::string m = marker(static_cast<int>(si), lx + 13, ly - font * 0.35, 4.5, color, "#ffffff", "", "");
            m.replace(m.find("class=\"point\""), 13, "class=\"swatch\"");
            g += m;
            g += fmt::format(R"(<text x="{}" y="{}">{}</text></g>)"
                             "\n",
                             coord(lx + 34), coord(ly), xml_escape(ch.series[si].name));
            ly += font * 1.5;
        }
        c.raw(g + "</g>\n");
    }
    double ny = top + plot_h + 26 + font * 3.2;
    for (const auto& n : ch.notes) {
        c.text(left, ny, n, "note", "start", font * 0.95, R"(fill="#555555")");
        ny += font * 1.45;
    }
    return c.finish();
}

/** Series per device in order of first appearance. */
std::vector<std::string> devices_in_order(const std::vector<model_sample>& samples) {
    std::vector<std::string> out;
    for (const auto& s : samples) {
        if (std::find(out.begin(), out.end(), s.device) == out.end()) out.push_back(s.device);
    }
    return out;
}

}  // namespace

std::string svg_latency_scatter(const std::vector<model_sample>& samples, scatter_x x, const plot_options& options) {
    xy_chart ch;
    const bool by_flops = x == scatter_x::flops;
    ch.title = !options.title.empty() ? options.title
               : by_flops             ? "Predicted latency vs FLOPs"
                                      : "Predicted latency vs parameters";
    ch.x = {false, 0, 1, by_flops ? "work (FLOPs)" : "parameters (count)", tick_style::si, by_flops ? "FLOP" : ""};
    ch.y = {false, 0, 1, "predicted latency (s)", tick_style::time, ""};
    ch.legend_title = "device";
    std::set<std::string> models;
    for (const auto& s : samples) models.insert(s.model);
    ch.label_points = models.size() <= 12;
    for (const auto& dev : devices_in_order(samples)) {
        xy_series s;
        s.name = dev;
        for (const auto& m : samples) {
            if (m.device != dev) continue;
            s.x.push_back(by_flops ? m.flops : m.params);
            s.y.push_back(m.latency_s);
            s.labels.push_back(m.model);
        }
        ch.series.push_back(std::move(s));
    }
    return draw_xy(std::move(ch), options, 760, 480);
}

std::string svg_sweep(const std::vector<sweep_point>& points, sweep_metric metric, const plot_options& options) {
    xy_chart ch;
    ch.lines = true;
    ch.legend_title = "device";
    switch (metric) {
        case sweep_metric::throughput:
            ch.title = "Throughput vs batch size";
            ch.y = {false, 0, 1, "throughput (items/s)", tick_style::si, "items/s"};
            break;
        case sweep_metric::per_item_time:
            ch.title = "Time per item vs batch size";
            ch.y = {false, 0, 1, "predicted GPU time per item (s)", tick_style::time, ""};
            break;
        case sweep_metric::gpu_time:
            ch.title = "GPU time per pass vs batch size";
            ch.y = {false, 0, 1, "predicted GPU time per pass (s)", tick_style::time, ""};
            break;
    }
    if (!options.title.empty()) ch.title = options.title;
    ch.x = {false, 0, 1, "batch size (items)", tick_style::si, ""};
    std::vector<std::string> keys;
    std::map<std::string, xy_series> by_key;
    for (const auto& p : points) {
        std::string key = p.device;
        if (p.image) key += fmt::format(" img {}", p.image);
        if (p.sequence) key += fmt::format(" seq {}", p.sequence);
        if (!by_key.count(key)) keys.push_back(key);
        auto& s = by_key[key];
        s.name = key;
        s.x.push_back(static_cast<double>(p.batch));
        s.y.push_back(metric == sweep_metric::throughput      ? p.throughput_per_s
                      : metric == sweep_metric::per_item_time ? p.per_item_s
                                                              : p.gpu_time_s);
        s.labels.push_back(fmt::format("batch {}", p.batch));
    }
    for (const auto& k : keys) ch.series.push_back(std::move(by_key[k]));
    return draw_xy(std::move(ch), options, 640, 420);
}

std::string svg_line_chart(const line_chart& chart, const plot_options& options) {
    auto style = [](axis_units u) {
        return u == axis_units::time ? tick_style::time : u == axis_units::si ? tick_style::si : tick_style::plain;
    };
    xy_chart ch;
    ch.lines = true;
    ch.title = !options.title.empty() ? options.title : chart.title;
    ch.legend_title = chart.legend_title;
    ch.x = {false, 0, 1, chart.x_label, style(chart.x_units), chart.x_unit};
    ch.y = {false, 0, 1, chart.y_label, style(chart.y_units), chart.y_unit};
    for (const auto& s : chart.series) {
        if (s.x.size() != s.y.size())
            throw usage_error("svg_line_chart: series '" + s.name + "' has x and y of different lengths");
        ch.series.push_back({s.name, s.x, s.y, s.labels});
    }
    ch.references = chart.references;
    return draw_xy(std::move(ch), options, 640, 420);
}

// ---------------------------------------------------------------------------------------------
// Bars
// ---------------------------------------------------------------------------------------------

std::map<std::string, double> op_type_times(const latency_prediction& latency) {
    std::map<std::string, double> out;
    for (const auto& k : latency.kernels) out[k.label] += k.time_s;
    return out;
}

std::string svg_op_time_bars(const std::vector<op_time_series>& series, const plot_options& options,
                             std::size_t max_bars) {
    if (series.empty()) throw usage_error("svg_op_time_bars: no series");
    const double font = options.font_size_px;
    const double width = options.width_px > 0 ? options.width_px : 900;
    const std::string title = !options.title.empty() ? options.title : "Predicted time per op type";
    // Categories sorted by the first series, largest first; the tail folded into "other".
    std::vector<std::pair<std::string, double>> cats(series.front().time_s_by_op.begin(),
                                                     series.front().time_s_by_op.end());
    for (std::size_t s = 1; s < series.size(); ++s) {
        for (const auto& [op, t] : series[s].time_s_by_op) {
            if (!series.front().time_s_by_op.count(op)) cats.push_back({op, 0.0});
        }
    }
    std::stable_sort(cats.begin(), cats.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    std::vector<std::string> shown;
    std::vector<std::string> folded;
    for (std::size_t i = 0; i < cats.size(); ++i) {
        (i + 1 < max_bars || cats.size() <= max_bars ? shown : folded).push_back(cats[i].first);
    }
    auto value = [&](const op_time_series& s, const std::string& cat) {
        if (cat == "other") {
            double sum = 0;
            for (const auto& op : folded) {
                if (auto it = s.time_s_by_op.find(op); it != s.time_s_by_op.end()) sum += it->second;
            }
            return sum;
        }
        auto it = s.time_s_by_op.find(cat);
        return it == s.time_s_by_op.end() ? 0.0 : it->second;
    };
    std::vector<std::string> rows = shown;
    if (!folded.empty()) rows.push_back("other");
    std::vector<std::string> row_labels = rows;
    if (!folded.empty()) row_labels.back() = fmt::format("other ({} op types)", folded.size());
    double vmax = 0;
    for (const auto& s : series) {
        for (const auto& r : rows) vmax = std::max(vmax, value(s, r));
    }
    std::vector<std::string> names;
    for (const auto& s : series) names.push_back(s.device);
    const double legend_w = series.size() > 1 ? legend_width(names, font) : 0;
    double label_w = 0;
    for (const auto& l : row_labels) label_w = std::max(label_w, text_width(l, font));
    const double bar_h = series.size() > 1 ? std::max(9.0, font * 0.95) : font * 1.35;
    const double group_h = bar_h * static_cast<double>(series.size()) + font * 0.8;
    const double top = 28 + font * 2.2;
    const double plot_h = group_h * static_cast<double>(rows.size());
    const double left = 20 + label_w + 10;
    const double value_room = text_width("000 ms", font) + 12;
    const double plot_w = std::max(200.0, width - left - legend_w - 28 - value_room);
    axis_spec xa{false, 0, vmax > 0 ? vmax : 1, "predicted time (s)", tick_style::time, ""};
    const auto xt = make_ticks(xa, plot_w, font, true);
    const std::string note =
        "Kernels grouped by op type or fused pattern; bars sorted by " + series.front().device + ".";
    const double height = top + plot_h + 30 + font * 3.4 + font * 1.45;
    svg_canvas c(width, options.height_px > 0 ? std::max(options.height_px, height) : height, font, title);
    c.title(left, 14 + font * 1.3, title);
    axis_spec ya{false, 0, 1, "", tick_style::plain, ""};
    frame f = make_frame(left, top, plot_w, plot_h, xa, ya);
    draw_axes(c, f, xa, ya, xt, {}, nullptr, font);
    c.raw(plot_area_open(f));
    const auto& pal = plot_palette();
    std::string g;
    for (std::size_t r = 0; r < rows.size(); ++r) {
        const double gy = top + group_h * static_cast<double>(r) + font * 0.4;
        c.text(left - 8, gy + bar_h * static_cast<double>(series.size()) / 2 + font * 0.35, row_labels[r], "category",
               "end");
        for (std::size_t s = 0; s < series.size(); ++s) {
            const double v = value(series[s], rows[r]);
            const double y = gy + bar_h * static_cast<double>(s);
            const double w = std::max(0.0, f.x.to_pixel(v) - left);
            const auto& color = pal[s % pal.size()];
            g += fmt::format(
                R"(<rect class="bar" data-op="{}" data-device="{}" data-time-s="{:.9g}" x="{}" y="{}" width="{}" height="{}" fill="{}">)"
                "<title>{}</title></rect>\n",
                xml_escape(rows[r]), xml_escape(series[s].device), v, coord(left), coord(y), coord(w),
                coord(bar_h - 1.5), color,
                xml_escape(fmt::format("{} on {}: {}", row_labels[r], series[s].device, time_label(v))));
            const std::string t = time_label(v);
            const double fs = series.size() > 1 ? std::min(font * 0.85, bar_h) : font * 0.92;
            g += fmt::format(R"(<text class="value" x="{}" y="{}" font-size="{}" fill="#333333">{}</text>)"
                             "\n",
                             coord(left + w + 4), coord(y + bar_h / 2 + fs * 0.3), coord(fs), xml_escape(t));
        }
    }
    c.raw(g + "</g>\n");
    if (series.size() > 1) {
        const double lx = left + plot_w + value_room + 16;
        double ly = top + font;
        c.text(lx, ly, "device", "legend-title", "start", font, R"(font-weight="600")");
        ly += font * 1.6;
        std::string lg = R"(<g class="legend">)";
        for (std::size_t s = 0; s < series.size(); ++s) {
            lg += fmt::format(
                R"(<g class="legend-entry" data-series="{}"><rect x="{}" y="{}" width="12" height="12" fill="{}"/>)"
                R"(<text x="{}" y="{}">{}</text></g>)"
                "\n",
                xml_escape(series[s].device), coord(lx), coord(ly - font * 0.85), pal[s % pal.size()], coord(lx + 18),
                coord(ly), xml_escape(series[s].device));
            ly += font * 1.5;
        }
        c.raw(lg + "</g>\n");
    }
    c.text(left, top + plot_h + 26 + font * 3.2, note, "note", "start", font * 0.95, R"(fill="#555555")");
    return c.finish();
}

// ---------------------------------------------------------------------------------------------
// Rank correlation
// ---------------------------------------------------------------------------------------------

correlation_matrix spearman_matrix(const std::vector<std::string>& labels,
                                   const std::vector<std::vector<double>>& columns) {
    if (labels.size() != columns.size()) {
        throw usage_error(fmt::format("spearman_matrix: {} labels for {} columns", labels.size(), columns.size()));
    }
    correlation_matrix c;
    c.labels = labels;
    const std::size_t k = columns.size();
    const std::size_t n = k ? columns.front().size() : 0;
    for (const auto& col : columns) {
        if (col.size() != n) throw usage_error("spearman_matrix: columns of different lengths");
    }
    c.items = n;
    c.rho.assign(k, std::vector<double>(k, std::numeric_limits<double>::quiet_NaN()));
    for (std::size_t i = 0; i < k; ++i) {
        for (std::size_t j = i; j < k; ++j)
            c.rho[i][j] = c.rho[j][i] = spearman_rank_correlation(columns[i], columns[j]);
    }
    return c;
}

namespace {

/** PuOr diverging scale (colour-blind safe): −1 orange-brown, 0 light grey, +1 purple. */
std::string diverging(double t) {
    struct rgb {
        double r, g, b;
    };
    static const rgb stops[] = {{179, 88, 6}, {241, 163, 64}, {247, 247, 247}, {153, 142, 195}, {84, 39, 136}};
    t = std::clamp((t + 1) / 2, 0.0, 1.0) * 4;
    const int i = std::min(3, static_cast<int>(t));
    const double u = t - i;
    const auto& a = stops[i];
    const auto& b = stops[i + 1];
    return fmt::format("#{:02x}{:02x}{:02x}", static_cast<int>(std::lround(a.r + u * (b.r - a.r))),
                       static_cast<int>(std::lround(a.g + u * (b.g - a.g))),
                       static_cast<int>(std::lround(a.b + u * (b.b - a.b))));
}

}  // namespace

std::string svg_correlation_heatmap(const correlation_matrix& cm, const plot_options& options) {
    const double font = options.font_size_px;
    const std::size_t k = cm.labels.size();
    const std::string title = !options.title.empty() ? options.title : "Spearman rank correlation";
    double label_w = 0;
    for (const auto& l : cm.labels) label_w = std::max(label_w, text_width(l, font));
    const double cell = std::clamp(380.0 / std::max<double>(1.0, static_cast<double>(k)), 50.0, 80.0);
    const double left = 20 + label_w + 10;
    // Column labels are rotated -40°: their height is about sin(40°) × width.
    const double top = 28 + font * 2.2 + label_w * 0.66 + font;
    const double grid = cell * static_cast<double>(k);
    const double key_x = left + grid + 30;
    // The last column label runs up and to the right of its column.
    const double labels_right = left + grid - cell / 2 + label_w * 0.77 + 8;
    const double width = options.width_px > 0 ? options.width_px : std::max({420.0, key_x + 60, labels_right});
    const double height = top + grid + 30 + font * 3.2;
    svg_canvas c(width, options.height_px > 0 ? std::max(options.height_px, height) : height, font, title);
    c.title(20, 14 + font * 1.3, title);
    std::string g = fmt::format(R"(<g class="heatmap" data-items="{}">)", cm.items);
    for (std::size_t i = 0; i < k; ++i) {
        const double y = top + cell * static_cast<double>(i);
        g += fmt::format(R"(<text class="row-label" x="{}" y="{}" text-anchor="end">{}</text>)", coord(left - 8),
                         coord(y + cell / 2 + font * 0.35), xml_escape(cm.labels[i]));
        const double cx = left + cell * (static_cast<double>(i) + 0.5);
        g += fmt::format(R"~(<text class="col-label" x="{0}" y="{1}" transform="rotate(-40 {0} {1})">{2}</text>)~",
                         coord(cx), coord(top - 8), xml_escape(cm.labels[i]));
        for (std::size_t j = 0; j < k; ++j) {
            const double v = cm.rho[i][j];
            const bool ok = std::isfinite(v);
            const std::string fill = ok ? diverging(v) : "#dddddd";
            const double x = left + cell * static_cast<double>(j);
            const std::string text = ok ? fmt::format("{:.2f}", v) : "n/a";
            g += fmt::format(
                R"(<g class="cell" data-row="{}" data-col="{}" data-rho="{}"><rect x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="#ffffff" stroke-width="2"/>)"
                R"(<text x="{}" y="{}" text-anchor="middle" fill="{}">{}</text><title>{}</title></g>)"
                "\n",
                i, j, ok ? fmt::format("{:.6f}", v) : "nan", coord(x), coord(y), coord(cell), coord(cell), fill,
                coord(x + cell / 2), coord(y + cell / 2 + font * 0.35), ink_on(fill), text,
                xml_escape(fmt::format("{} vs {}: {}", cm.labels[i], cm.labels[j], text)));
        }
    }
    c.raw(g + "</g>\n");
    // Colour key: discrete steps from +1 (top) to −1 (bottom).
    std::string key = R"(<g class="color-key">)";
    const int steps = 20;
    const double kh = std::min(grid, 220.0);
    for (int s = 0; s < steps; ++s) {
        const double v = 1 - 2.0 * (s + 0.5) / steps;
        key += fmt::format(R"(<rect x="{}" y="{}" width="16" height="{}" fill="{}"/>)", coord(key_x),
                           coord(top + kh * s / steps), coord(kh / steps + 0.5), diverging(v));
    }
    for (auto [v, lbl] : {std::pair{1.0, "+1"}, std::pair{0.0, "0"}, std::pair{-1.0, "−1"}}) {
        const double y = top + kh * (1 - v) / 2;
        key += fmt::format(R"(<text x="{}" y="{}">{}</text>)", coord(key_x + 22), coord(y + font * 0.35), lbl);
    }
    c.raw(key + "</g>\n");
    c.text(20, top + grid + 26, fmt::format("Spearman ρ over {} items (1: same order, −1: reversed).", cm.items),
           "note", "start", font * 0.95, R"(fill="#555555")");
    c.text(20, top + grid + 26 + font * 1.45, "n/a: the quantity does not vary, or fewer than 3 items.", "note",
           "start", font * 0.95, R"(fill="#555555")");
    return c.finish();
}

}  // namespace ridgeline
