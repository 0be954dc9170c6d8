// SVG plots over result structs: rooflines (single and small multiples), latency scatters, batch
// sweeps, per-op-type time bars and a Spearman heat map. Layout helpers live in svg_canvas.cpp.
#include "ridgeline/plot.hpp"

#include "ridgeline/error.hpp"
#include "svg_canvas.hpp"

#include <fmt/format.h>
#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>
#include <stdexcept>

namespace ridgeline {

using namespace detail;

const std::vector<std::string>& plot_palette() {
    // Okabe & Ito (2008), "Color Universal Design"; black is kept for ceilings and axes.
    static const std::vector<std::string> p = {"#0072B2", "#E69F00", "#009E73", "#D55E00",
                                               "#CC79A7", "#56B4E9", "#F0E442"};
    return p;
}

double axis_map::to_pixel(double v) const {
    double t = 0;
    if (log) {
        t = (std::log10(v) - std::log10(data_min)) / (std::log10(data_max) - std::log10(data_min));
    } else {
        t = (v - data_min) / (data_max - data_min);
    }
    return pixel_min + t * (pixel_max - pixel_min);
}

double axis_map::to_data(double px) const {
    const double t = (px - pixel_min) / (pixel_max - pixel_min);
    if (log) return std::pow(10.0, std::log10(data_min) + t * (std::log10(data_max) - std::log10(data_min)));
    return data_min + t * (data_max - data_min);
}

double roofline_ceiling::attainable(double intensity_flop_per_byte) const {
    return attainable_flops(intensity_flop_per_byte, peak_flops_per_s, bandwidth_bytes_per_s);
}

namespace {

std::string mantissa(double v) {
    // Three significant digits, trailing zeros dropped: 989.4 -> "989", 3.35 -> "3.35", 10 -> "10".
    if (v == 0) return "0";
    const int digits = static_cast<int>(std::floor(std::log10(std::abs(v)) + 1e-12)) + 1;
    std::string s = fmt::format("{:.{}f}", v, std::max(0, 3 - digits));
    if (s.find('.') != std::string::npos) {
        while (s.back() == '0') s.pop_back();
        if (s.back() == '.') s.pop_back();
    }
    return s;
}

}  // namespace

std::string si_label(double value, const std::string& unit) {
    static const char* const big[] = {"", "k", "M", "G", "T", "P", "E"};
    static const char* const small[] = {"", "m", "µ", "n"};
    if (value == 0 || !std::isfinite(value)) return unit.empty() ? "0" : "0 " + unit;
    double v = value;
    std::string prefix;
    if (std::abs(v) >= 1000) {
        int i = 0;
        while (i < 6 && std::abs(v) >= 999.5) {
            v /= 1000;
            ++i;
        }
        prefix = big[i];
    } else if (std::abs(v) < 1 && !unit.empty() && unit != "FLOP/byte") {
        int i = 0;
        while (i < 3 && std::abs(v) < 0.9995) {
            v *= 1000;
            ++i;
        }
        prefix = small[i];
    }
    const std::string u = prefix + unit;
    return u.empty() ? mantissa(v) : mantissa(v) + " " + u;
}

std::string time_label(double seconds) {
    if (seconds == 0 || !std::isfinite(seconds)) return "0";
    const double a = std::abs(seconds);
    if (a >= 0.9995) return mantissa(seconds) + " s";
    if (a >= 0.9995e-3) return mantissa(seconds * 1e3) + " ms";
    if (a >= 0.9995e-6) return mantissa(seconds * 1e6) + " µs";
    return mantissa(seconds * 1e9) + " ns";
}

// ---------------------------------------------------------------------------------------------
// Rooflines
// ---------------------------------------------------------------------------------------------

roofline_data roofline_for(const model_cost& m, const model_prediction& p, const hw_spec& hw,
                           const std::vector<double>& measured_time_s) {
    if (!measured_time_s.empty() && measured_time_s.size() != m.layers.size()) {
        throw usage_error(
            fmt::format("roofline_for: {} measured times for {} layers", measured_time_s.size(), m.layers.size()));
    }
    if (p.layers.size() != m.layers.size()) {
        throw usage_error(
            fmt::format("roofline_for: prediction has {} layers, the model {}", p.layers.size(), m.layers.size()));
    }
    roofline_data d;
    d.device_id = hw.id;
    d.device_name = hw.name.empty() ? hw.id : hw.name;
    const auto& r = p.roof;
    // Which figures are measured rather than datasheet peaks (ceilings_for prefers measured ones).
    const bool bw_measured = r.bandwidth_measured;
    const bool mm_measured = r.matmul_measured;
    const std::string dram = "DRAM " + si_label(r.bandwidth_bytes_per_s, "B/s") + (bw_measured ? " (measured)" : "");
    auto make = [&](std::string id, const char* what, const std::string& key, double peak, bool measured,
                    std::string applies, std::string memory, double bw, bool measured_bw) {
        roofline_ceiling c;
        c.id = std::move(id);
        c.key = key;
        c.label = fmt::format("{} {} ({}{})", what, si_label(peak, "FLOP/s"), key, measured ? ", measured" : "");
        c.memory_label = std::move(memory);
        c.applies_to = std::move(applies);
        c.peak_flops_per_s = peak;
        c.bandwidth_bytes_per_s = bw;
        c.measured_peak = measured;
        c.measured_bandwidth = measured_bw;
        return c;
    };
    const bool same = r.vector_flops_per_s == r.matmul_flops_per_s;
    d.ceilings.push_back(make("dram-matmul", same ? "matmul & vector" : "matmul", r.matmul_key, r.matmul_flops_per_s,
                              mm_measured, same ? "all" : "matmul", dram, r.bandwidth_bytes_per_s, bw_measured));
    std::size_t vector_ceiling = 0;
    if (!same) {
        d.ceilings.push_back(make("dram-vector", "vector", r.vector_key, r.vector_flops_per_s, r.vector_measured,
                                  "vector", dram, r.bandwidth_bytes_per_s, bw_measured));
        vector_ceiling = 1;
    }
    if (hw.l2_bandwidth_gbps > 0) {
        const double bw = hw.l2_bandwidth_gbps * 1e9;
        d.ceilings.push_back(make("l2-matmul", "matmul", r.matmul_key, r.matmul_flops_per_s, mm_measured, "cache",
                                  "L2 " + si_label(bw, "B/s"), bw, false));
    }
    for (std::size_t i = 0; i < m.layers.size(); ++i) {
        const auto& l = m.layers[i];
        if (!l.is_kernel()) continue;
        const auto& f = l.forward;
        if (l.unknown || f.flops() <= 0 || f.bytes() <= 0) {
            ++d.kernels_without_flops;
            continue;
        }
        roofline_point pt;
        pt.layer = i;
        pt.name = l.name;
        pt.op_type = l.op_type;
        pt.ceiling = f.flops_matmul > 0 ? 0 : vector_ceiling;
        pt.operational_intensity = f.operational_intensity();
        pt.roof_flops_per_s = d.ceilings[pt.ceiling].attainable(pt.operational_intensity);
        pt.flops_per_s = pt.roof_flops_per_s;
        if (!measured_time_s.empty() && measured_time_s[i] > 0) {
            pt.measured = true;
            pt.flops_per_s = static_cast<double>(f.flops()) / measured_time_s[i];
            if (pt.flops_per_s > pt.roof_flops_per_s) {
                pt.flops_per_s = pt.roof_flops_per_s;
                pt.clamped = true;
                ++d.clamped_points;
            }
        }
        d.points.push_back(std::move(pt));
    }
    return d;
}

namespace {

/** Colour and fill of each op type, shared across panels: most frequent first. */
struct op_style {
    std::string color;
    bool hollow = false;
    std::size_t count = 0;
};

std::vector<std::pair<std::string, op_style>> op_styles(const std::vector<const roofline_data*>& ds) {
    std::map<std::string, std::size_t> count;
    for (const auto* d : ds) {
        for (const auto& p : d->points) ++count[p.op_type];
    }
    std::vector<std::pair<std::string, std::size_t>> order(count.begin(), count.end());
    std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    std::vector<std::pair<std::string, op_style>> out;
    const auto& pal = plot_palette();
    for (std::size_t i = 0; i < order.size(); ++i) {
        out.push_back(
            {order[i].first,
             {pal[i % pal.size()], (i / pal.size()) % 2 == 1, order[i].second / std::max<std::size_t>(1, ds.size())}});
    }
    return out;
}

const op_style& style_of(const std::vector<std::pair<std::string, op_style>>& styles, const std::string& op) {
    for (const auto& [name, s] : styles) {
        if (name == op) return s;
    }
    throw std::logic_error("op type without a style: " + op);
}

/** Shared axis ranges of one or more rooflines. */
std::pair<axis_spec, axis_spec> roofline_axes(const std::vector<const roofline_data*>& ds) {
    double xmin = std::numeric_limits<double>::infinity(), xmax = 0;
    double ymin = std::numeric_limits<double>::infinity(), ymax = 0, min_peak = std::numeric_limits<double>::infinity();
    for (const auto* d : ds) {
        for (const auto& c : d->ceilings) {
            xmin = std::min(xmin, c.ridge_point());
            xmax = std::max(xmax, c.ridge_point());
            ymax = std::max(ymax, c.peak_flops_per_s);
            min_peak = std::min(min_peak, c.peak_flops_per_s);
        }
        for (const auto& p : d->points) {
            xmin = std::min(xmin, p.operational_intensity);
            xmax = std::max(xmax, p.operational_intensity);
            ymin = std::min(ymin, p.flops_per_s);
        }
    }
    if (!std::isfinite(xmin)) xmin = 0.1, xmax = 100;
    if (!std::isfinite(min_peak)) min_peak = 1e12, ymax = 1e12;
    // Room right of the last point for the roof labels; at least three decades of intensity.
    axis_spec x{true, xmin / 1.6, xmax * 3, "operational intensity (FLOP/byte)", tick_style::si, ""};
    if (x.hi / x.lo < 1e3) x.lo = x.hi / 1e3;
    const double lowest = std::isfinite(ymin) ? std::min(ymin / 1.6, min_peak / 100) : min_peak / 1000;
    axis_spec y{true, lowest, ymax * 2.2, "performance (FLOP/s)", tick_style::si, "FLOP/s"};
    return {x, y};
}

/** Points of a ceiling's polyline inside the frame: the slope from the frame's floor, the ridge, the roof. */
std::vector<std::pair<double, double>> ceiling_path(const roofline_ceiling& c, const frame& f) {
    const double x_lo = f.x.data_min, x_hi = f.x.data_max, y_lo = f.y.data_min;
    const double start = std::max(x_lo, y_lo / c.bandwidth_bytes_per_s);
    const double ridge = c.ridge_point();
    std::vector<std::pair<double, double>> pts;
    pts.push_back({start, c.attainable(start)});
    if (ridge > start && ridge < x_hi) pts.push_back({ridge, c.peak_flops_per_s});
    pts.push_back({x_hi, c.attainable(x_hi)});
    return pts;
}

std::string font_attr(double fs, double font) { return fs != font ? fmt::format(R"( font-size="{}")", coord(fs)) : ""; }

/** Text on a roof: which roof and its figure (compact panels leave the precision key out). */
std::string roof_text(const roofline_ceiling& c) { return si_label(c.peak_flops_per_s, "FLOP/s"); }

/** What a ceiling's line style stands for, in the legend. */
std::string ceiling_legend_text(const roofline_ceiling& c, bool with_key) {
    std::string what = c.applies_to == "all"     ? "matmul & vector roof"
                       : c.applies_to == "cache" ? "L2 slope, matmul roof"
                                                 : c.applies_to + " roof";
    if (with_key) what += fmt::format(" ({}{})", c.key, c.measured_peak ? ", measured" : "");
    return what;
}

const std::string_view ceiling_dashes[] = {"", "8 5", "2 4"};

/** Draws one roofline panel (ceilings, ridge marks, points, inline labels) into a frame. */
void draw_roofline_panel(svg_canvas& c, const roofline_data& d, const frame& f, const axis_spec& xa,
                         const axis_spec& ya, const std::vector<double>& xt, const std::vector<double>& yt,
                         const std::vector<std::pair<std::string, op_style>>& styles, double font, bool compact,
                         bool y_labels) {
    label_placer placer(f.area());
    draw_axes(c, f, xa, ya, xt, yt, nullptr, font, y_labels);
    c.raw(plot_area_open(f));
    const double fs = compact ? font * 0.92 : font;
    const double r = compact ? 3.6 : 4.5;
    const double bottom = f.top + f.height;
    // Ceilings: one polyline each; their segments are reserved so no label crosses a line.
    for (std::size_t i = 0; i < d.ceilings.size(); ++i) {
        const auto& ce = d.ceilings[i];
        const bool cache = ce.applies_to == "cache";
        const auto pts = ceiling_path(ce, f);
        std::string path;
        for (std::size_t k = 0; k < pts.size(); ++k) {
            const double px = f.x.to_pixel(pts[k].first), py = f.y.to_pixel(pts[k].second);
            path += fmt::format("{}{},{}", path.empty() ? "" : " ", coord(px), coord(py));
            if (k + 1 < pts.size()) {
                const double qx = f.x.to_pixel(pts[k + 1].first), qy = f.y.to_pixel(pts[k + 1].second);
                const double len = std::hypot(qx - px, qy - py);
                for (const auto& b :
                     rotated_text_boxes((px + qx) / 2, (py + qy) / 2, len, 2, std::atan2(qy - py, qx - px))) {
                    placer.reserve(b);
                }
            }
        }
        const auto dash = ceiling_dashes[std::min<std::size_t>(i, 2)];
        c.raw(fmt::format(
            R"(<polyline class="ceiling" data-ceiling="{}" data-applies-to="{}" data-peak-flops-per-s="{:.9g}" )"
            R"(data-bandwidth-bytes-per-s="{:.9g}" points="{}" fill="none" stroke="{}" stroke-width="{}"{}>)"
            "<title>{}</title></polyline>\n",
            ce.id, ce.applies_to, ce.peak_flops_per_s, ce.bandwidth_bytes_per_s, path, cache ? "#777777" : "#222222",
            cache ? 1.5 : 2.2, dash.empty() ? "" : fmt::format(R"( stroke-dasharray="{}")", dash),
            xml_escape(ce.memory_label + " · " + ce.label)));
    }
    // Points, reserved so labels keep off the data.
    std::string points;
    for (const auto& p : d.points) {
        const auto& ce = d.ceilings[p.ceiling];
        const double roof = ce.attainable(p.operational_intensity);
        const double y = std::min(p.flops_per_s, roof);  // never above its roofline
        const double px = f.x.to_pixel(p.operational_intensity), py = f.y.to_pixel(y);
        const auto& st = style_of(styles, p.op_type);
        placer.reserve({px - r, py - r, px + r, py + r});
        const auto tip = fmt::format("{} ({}): {:.3g} FLOP/byte, {}{}", p.name, p.op_type, p.operational_intensity,
                                     si_label(y, "FLOP/s"), p.measured ? " measured" : " attainable");
        points += fmt::format(
            R"(<circle class="point" data-layer="{}" data-op="{}" data-ceiling="{}" data-intensity="{:.9g}" )"
            R"(data-flops-per-s="{:.9g}" data-roof-flops-per-s="{:.9g}" cx="{}" cy="{}" r="{}" fill="{}" )"
            R"(fill-opacity="{}" stroke="{}" stroke-width="{}"><title>{}</title></circle>)"
            "\n",
            p.layer, xml_escape(p.op_type), ce.id, p.operational_intensity, y, roof, coord(px), coord(py), coord(r),
            st.hollow ? "#ffffff" : st.color, st.hollow ? "1" : "0.85", st.hollow ? st.color : "#ffffff",
            st.hollow ? 1.8 : 0.8, xml_escape(tip));
    }
    for (const auto& ce : d.ceilings) {
        const double rx = f.x.to_pixel(ce.ridge_point()), ry = f.y.to_pixel(ce.peak_flops_per_s);
        placer.reserve({rx - 5, ry - 5, rx + 5, ry + 5});
    }
    std::string labels;
    // Roof labels: above the flat part (clear of the points sitting on it), else below it.
    for (const auto& ce : d.ceilings) {
        if (ce.applies_to == "cache") continue;
        const std::string s = roof_text(ce);
        const double roof_px = f.y.to_pixel(ce.peak_flops_per_s);
        std::vector<box> cands;
        std::vector<std::pair<double, double>> at;
        // Right to left, so a label stays right of its ridge when it can; above, then below the roof.
        for (double x = f.left + f.width - 4; x > f.left + text_width(s, fs); x -= 16) {
            for (double y : {roof_px - r - 7, roof_px + r + fs + 4}) {
                cands.push_back(text_box(x, y, s, fs, "end"));
                at.push_back({x, y});
            }
        }
        if (auto k = placer.place(cands)) {
            labels += fmt::format(
                R"(<text class="ceiling-label" data-ceiling="{}" x="{}" y="{}" text-anchor="end"{}>{}</text>)"
                "\n",
                ce.id, coord(at[*k].first), coord(at[*k].second), font_attr(fs, font), xml_escape(s));
        }
    }
    // Bandwidth labels along each distinct slope, above it, else below it.
    std::set<double> labelled_bandwidths;
    for (const auto& ce : d.ceilings) {
        if (!labelled_bandwidths.insert(ce.bandwidth_bytes_per_s).second) continue;
        std::string s = ce.memory_label.substr(0, ce.memory_label.find(" ("));
        const auto pts = ceiling_path(ce, f);
        const double x0 = f.x.to_pixel(pts.front().first), y0 = f.y.to_pixel(pts.front().second);
        const double x1 = std::min(f.x.to_pixel(ce.ridge_point()), f.left + f.width);
        const double y1 = f.y.to_pixel(ce.attainable(f.x.to_data(x1)));
        const double angle = std::atan2(y1 - y0, x1 - x0);
        const double w = text_width(s, fs), h = fs * 1.05;
        std::vector<std::vector<box>> cands;
        std::vector<std::pair<double, double>> at;
        for (double side : {1.0, -1.0}) {
            const double off = side * (h / 2 + r + 8);
            for (double t : {0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74, 0.18, 0.82}) {
                const double cx = x0 + t * (x1 - x0) + std::sin(angle) * off,
                             cy = y0 + t * (y1 - y0) - std::cos(angle) * off;
                cands.push_back(rotated_text_boxes(cx, cy, w, h, angle));
                at.push_back({cx, cy});
            }
        }
        if (auto k = placer.place_shapes(cands)) {
            const auto [cx, cy] = at[*k];
            labels += fmt::format(
                R"~(<text class="bandwidth-label" x="{0}" y="{1}" text-anchor="middle" dominant-baseline="central" transform="rotate({2} {0} {1})"{3} fill="{4}">{5}</text>)~"
                "\n",
                coord(cx), coord(cy), coord(angle * 180 / 3.14159265358979), font_attr(fs, font),
                ce.applies_to == "cache" ? "#555555" : "#222222", xml_escape(s));
        }
    }
    // Ridge marks: a diamond on the knee, a dotted drop to the axis, the label upright along it.
    // Drop lines are reserved only now: a roof label may cross one, a ridge label may not.
    for (const auto& ce : d.ceilings) {
        if (ce.applies_to == "cache") continue;
        const double rx = f.x.to_pixel(ce.ridge_point()), ry = f.y.to_pixel(ce.peak_flops_per_s);
        placer.reserve({rx - 1, ry + 5, rx + 1, bottom});
    }
    std::string ridges;
    for (const auto& ce : d.ceilings) {
        const double rx = f.x.to_pixel(ce.ridge_point()), ry = f.y.to_pixel(ce.peak_flops_per_s);
        const std::string s = "ridge " + si_label(ce.ridge_point(), "") + " FLOP/B";
        std::string g =
            fmt::format(R"(<g class="ridge" data-ceiling="{}" data-intensity="{:.9g}">)", ce.id, ce.ridge_point());
        if (ce.applies_to != "cache") {
            g += fmt::format(
                R"(<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="#888888" stroke-width="1" stroke-dasharray="2 3"/>)",
                coord(rx), coord(ry + 5), coord(bottom));
        }
        g += fmt::format(
            R"(<polygon class="ridge-mark" points="{},{} {},{} {},{} {},{}" fill="#222222" stroke="#ffffff" stroke-width="1"/>)",
            coord(rx), coord(ry - 5), coord(rx + 5), coord(ry), coord(rx), coord(ry + 5), coord(rx - 5), coord(ry));
        const double w = text_width(s, fs);
        // Upright text reading upwards (rotate -90): glyphs lie left of the baseline x.
        std::vector<std::vector<box>> cands;
        std::vector<std::tuple<double, double, bool>> at;  // baseline x, start y, upright
        for (double y = bottom - 5; y - w > ry + 8; y -= 24) {
            cands.push_back({{rx + 3, y - w, rx + 4 + fs, y}});
            at.push_back({rx + 3 + fs * 0.8, y, true});
            cands.push_back({{rx - 4 - fs, y - w, rx - 3, y}});
            at.push_back({rx - 3 - fs * 0.22, y, true});
        }
        // Horizontal fallbacks near the knee.
        for (auto [dx, dy] : {std::pair{-8.0, -8.0}, std::pair{8.0, fs + 8}, std::pair{-8.0, fs + 8}}) {
            const double x = rx + dx, y = ry + dy;
            cands.push_back({text_box(x, y, s, fs, dx < 0 ? "end" : "start")});
            at.push_back({x, y, false});
        }
        if (auto k = placer.place_shapes(cands)) {
            const auto [x, y, upright] = at[*k];
            const bool left = !upright && x < rx;
            g += fmt::format(R"(<text class="ridge-label" x="{0}" y="{1}"{2}{3} fill="#333333"{4}>{5}</text>)",
                             coord(x), coord(y),
                             upright ? fmt::format(R"~( transform="rotate(-90 {} {})")~", coord(x), coord(y)) : "",
                             left ? R"( text-anchor="end")" : "", font_attr(fs, font), xml_escape(s));
        }
        ridges += g + "<title>" + xml_escape(s + " (" + ce.label + ", " + ce.memory_label + ")") + "</title></g>\n";
    }
    c.raw(ridges);
    c.raw(points);
    c.raw(labels);
    c.raw("</g>\n");
}

/**
 * Legend: op types (swatch, name, layer count), then the line style of each kind of ceiling.
 * Returns its height.
 */
double draw_op_legend(svg_canvas& c, double x, double y, const std::vector<std::pair<std::string, op_style>>& styles,
                      const std::vector<const roofline_data*>& ds, double font) {
    c.text(x, y, "op type (layers)", "legend-title", "start", font, R"(font-weight="600")");
    double yy = y + font * 1.6;
    std::string g = R"(<g class="legend">)";
    for (const auto& [op, st] : styles) {
        g += fmt::format(
            R"(<g class="legend-entry" data-op="{}"><circle cx="{}" cy="{}" r="5" fill="{}" stroke="{}" stroke-width="{}"/>)"
            R"(<text x="{}" y="{}">{} ({})</text></g>)"
            "\n",
            xml_escape(op), coord(x + 6), coord(yy - font * 0.35), st.hollow ? "#ffffff" : st.color,
            st.hollow ? st.color : "#ffffff", st.hollow ? 1.8 : 0.8, coord(x + 18), coord(yy), xml_escape(op),
            st.count);
        yy += font * 1.5;
    }
    // Ceiling kinds in the order of their dash index (same position = same style on every panel).
    std::vector<std::pair<std::size_t, std::string>> kinds;
    for (const auto* d : ds) {
        for (std::size_t i = 0; i < d->ceilings.size(); ++i) {
            const auto t = ceiling_legend_text(d->ceilings[i], false);
            if (std::none_of(kinds.begin(), kinds.end(), [&](const auto& k) { return k.second == t; }))
                kinds.push_back({i, t});
        }
    }
    yy += font * 0.6;
    g += fmt::format(R"(<text class="legend-title" x="{}" y="{}" font-weight="600">rooflines</text>)", coord(x),
                     coord(yy));
    yy += font * 1.6;
    for (const auto& [i, t] : kinds) {
        const auto dash = ceiling_dashes[std::min<std::size_t>(i, 2)];
        g += fmt::format(
            R"(<g class="legend-ceiling"><line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2"{}/><text x="{}" y="{}">{}</text></g>)"
            "\n",
            coord(x), coord(yy - font * 0.35), coord(x + 26), coord(yy - font * 0.35), i >= 2 ? "#777777" : "#222222",
            dash.empty() ? "" : fmt::format(R"( stroke-dasharray="{}")", dash), coord(x + 32), coord(yy),
            xml_escape(t));
        yy += font * 1.5;
    }
    g += fmt::format(
        R"(<g class="legend-ridge"><polygon points="{},{} {},{} {},{} {},{}" fill="#222222"/><text x="{}" y="{}">ridge point</text></g>)",
        coord(x + 13), coord(yy - font * 0.35 - 5), coord(x + 18), coord(yy - font * 0.35), coord(x + 13),
        coord(yy - font * 0.35 + 5), coord(x + 8), coord(yy - font * 0.35), coord(x + 32), coord(yy));
    yy += font * 1.5;
    c.raw(g + "</g>\n");
    return yy - y;
}

double legend_width(const std::vector<std::string>& names, double font, double swatch = 18) {
    double w = text_width("device", font);
    for (const auto& n : names) w = std::max(w, swatch + text_width(n, font));
    return w + 16;
}

/** Width of the roofline legend: op types, then the ceiling kinds. */
double roofline_legend_width(const std::vector<std::string>& names, double font) {
    return std::max({legend_width(names, font), text_width("op type (layers)", font) + 16,
                     32 + text_width("matmul & vector roof", font) + 16});
}

std::vector<std::string> op_legend_names(const std::vector<std::pair<std::string, op_style>>& styles) {
    std::vector<std::string> names;
    for (const auto& [n, s] : styles) names.push_back(fmt::format("{} ({})", n, s.count));
    return names;
}

std::vector<std::string> roofline_notes(const roofline_data& d) {
    std::vector<std::string> notes;
    const bool measured = std::any_of(d.points.begin(), d.points.end(), [](const auto& p) { return p.measured; });
    notes.push_back(fmt::format(
        "{} kernel layers, each at its {} performance; colour = op type; layers at the same intensity overlap.",
        d.points.size(), measured ? "measured (where given) or attainable" : "attainable"));
    std::string roofs;
    for (const auto& c : d.ceilings) roofs += (roofs.empty() ? "" : "; ") + c.label;
    notes.push_back("Roofs: " + roofs + "; slope: " + d.ceilings.front().memory_label + ".");
    if (d.ceilings.size() > 1 && d.ceilings[1].applies_to == "vector") {
        notes.push_back(
            "Layers with matmul-class FLOPs are bounded by the matmul roof, the others by the vector roof.");
    }
    if (d.kernels_without_flops) {
        notes.push_back(fmt::format("{} kernel layer{} without FLOPs (pure data movement) not drawn.",
                                    d.kernels_without_flops, d.kernels_without_flops == 1 ? "" : "s"));
    }
    if (d.clamped_points)
        notes.push_back(fmt::format("{} measured points above their roof drawn on it.", d.clamped_points));
    return notes;
}

}  // namespace

std::string svg_roofline(const roofline_data& data, const plot_options& options) {
    const double font = options.font_size_px;
    const double width = options.width_px > 0 ? options.width_px : 880;
    const double height = options.height_px > 0 ? options.height_px : 580;
    const std::string title = options.title.empty() ? "Roofline — " + data.device_name : options.title;
    const auto styles = op_styles({&data});
    const double legend_w = roofline_legend_width(op_legend_names(styles), font);
    auto [xa, ya] = roofline_axes({&data});
    const auto notes = roofline_notes(data);
    const double top = 28 + font * 2.2;
    const double bottom = 26 + font * 3.4 + static_cast<double>(notes.size()) * font * 1.45;
    const double plot_h = std::max(200.0, height - top - bottom);
    const auto yt = make_ticks(ya, plot_h, font, false);
    double widest = 0;
    for (double t : yt) widest = std::max(widest, text_width(tick_text(t, ya), font));
    const double left = 22 + widest + font * 1.8;
    const double plot_w = std::max(240.0, width - left - legend_w - 28);
    const auto xt = make_ticks(xa, plot_w, font, true);
    svg_canvas c(width, std::max(height, top + plot_h + bottom + 4), font, title);
    c.title(left, 14 + font * 1.3, title);
    const frame f = make_frame(left, top, plot_w, plot_h, xa, ya);
    draw_roofline_panel(c, data, f, xa, ya, xt, yt, styles, font, false, true);
    draw_op_legend(c, left + plot_w + 24, top + font, styles, {&data}, font);
    double ny = top + plot_h + 26 + font * 3.2;
    for (const auto& n : notes) {
        c.text(left, ny, n, "note", "start", font * 0.95, R"(fill="#555555")");
        ny += font * 1.45;
    }
    return c.finish();
}

std::string svg_roofline_multiples(const std::vector<roofline_data>& devices, const plot_options& options) {
    if (devices.empty()) throw usage_error("svg_roofline_multiples: no device");
    if (devices.size() == 1) return svg_roofline(devices.front(), options);
    const double font = options.font_size_px;
    std::vector<const roofline_data*> ds;
    for (const auto& d : devices) ds.push_back(&d);
    const auto styles = op_styles(ds);
    const double legend_w = roofline_legend_width(op_legend_names(styles), font);
    const std::size_t cols = std::min<std::size_t>(devices.size(), 3);
    const std::size_t rows = (devices.size() + cols - 1) / cols;
    const double gap = 30;
    const double width = options.width_px > 0
                             ? options.width_px
                             : std::min(1300.0, legend_w + 170 + static_cast<double>(cols) * (330 + gap));
    const double panel_h = options.height_px > 0 ? (options.height_px - 60) / static_cast<double>(rows) : 430;
    const std::string title = options.title.empty() ? "Rooflines side by side (shared axes)" : options.title;
    auto [xa, ya] = roofline_axes(ds);
    const double ptop = font * 2.4, pbottom = 24 + font * 3.4 + font * 1.4;
    const double plot_h = panel_h - ptop - pbottom;
    auto yt = make_ticks(ya, plot_h, font, false);
    double widest = 0;
    for (double t : yt) widest = std::max(widest, text_width(tick_text(t, ya), font));
    // Shared y axis: tick labels and the axis label only left of the first column.
    const double yaxis_w = 18 + widest + font * 1.8;
    const double plot_w =
        (width - yaxis_w - legend_w - 24 - gap * static_cast<double>(cols - 1)) / static_cast<double>(cols);
    auto xt = make_ticks(xa, plot_w, font, true);
    const double top0 = 22 + font * 2.0;
    svg_canvas c(width, top0 + static_cast<double>(rows) * panel_h + 10, font, title);
    c.title(14, 14 + font * 1.3, title);
    for (std::size_t i = 0; i < devices.size(); ++i) {
        const auto& d = devices[i];
        const double ox = yaxis_w + static_cast<double>(i % cols) * (plot_w + gap);
        const double oy = top0 + static_cast<double>(i / cols) * panel_h;
        c.raw(fmt::format(R"(<g class="panel" data-device="{}">)", xml_escape(d.device_id)));
        c.text(ox, oy + font * 1.5, d.device_name, "panel-title", "start", font * 1.1, R"(font-weight="bold")");
        const frame f = make_frame(ox, oy + ptop, plot_w, plot_h, xa, ya);
        draw_roofline_panel(c, d, f, xa, ya, xt, yt, styles, font, true, i % cols == 0);
        const std::string note =
            d.kernels_without_flops
                ? fmt::format("{} points; {} kernels without FLOPs not drawn", d.points.size(), d.kernels_without_flops)
                : fmt::format("{} points, one per kernel layer", d.points.size());
        c.text(ox, oy + ptop + plot_h + 24 + font * 3.2, note, "note", "start", font * 0.9, R"(fill="#555555")");
        c.raw("</g>\n");
    }
    draw_op_legend(c, width - legend_w - 4, top0 + ptop + font, styles, ds, font);
    return c.finish();
}

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

namespace {

/** Ranks 1..n, ties sharing their average rank. */
Eigen::VectorXd ranks(const std::vector<double>& v) {
    const auto n = v.size();
    std::vector<std::size_t> idx(n);
    std::iota(idx.begin(), idx.end(), 0);
    std::stable_sort(idx.begin(), idx.end(), [&](auto a, auto b) { return v[a] < v[b]; });
    Eigen::VectorXd r(static_cast<Eigen::Index>(n));
    for (std::size_t i = 0; i < n;) {
        std::size_t j = i;
        while (j + 1 < n && v[idx[j + 1]] == v[idx[i]]) ++j;
        const double avg = (static_cast<double>(i) + static_cast<double>(j)) / 2 + 1;
        for (std::size_t k = i; k <= j; ++k) r[static_cast<Eigen::Index>(idx[k])] = avg;
        i = j + 1;
    }
    return r;
}

}  // namespace

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
    const double nan = std::numeric_limits<double>::quiet_NaN();
    c.rho.assign(k, std::vector<double>(k, nan));
    if (n < 3) return c;
    // Pearson correlation of the rank columns: centre, then normalise the Gram matrix.
    Eigen::MatrixXd r(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(k));
    for (std::size_t j = 0; j < k; ++j) r.col(static_cast<Eigen::Index>(j)) = ranks(columns[j]);
    r.rowwise() -= r.colwise().mean();
    const Eigen::MatrixXd gram = r.transpose() * r;
    for (std::size_t i = 0; i < k; ++i) {
        for (std::size_t j = 0; j < k; ++j) {
            const auto ii = static_cast<Eigen::Index>(i), jj = static_cast<Eigen::Index>(j);
            const double denom = std::sqrt(gram(ii, ii) * gram(jj, jj));
            if (denom > 0) c.rho[i][j] = std::clamp(gram(ii, jj) / denom, -1.0, 1.0);
        }
    }
    return c;
}

double spearman(const std::vector<double>& a, const std::vector<double>& b) {
    return spearman_matrix({"a", "b"}, {a, b}).rho[0][1];
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
