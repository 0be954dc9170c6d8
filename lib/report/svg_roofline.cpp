// SVG rooflines over result structs (plot.hpp): the data of one device's roofline, one roofline,
// and small multiples. Charts (scatters, sweeps, bars, heat map) live in svg_charts.cpp, layout
// helpers in svg_canvas.cpp.
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

double roofline_ceiling::attainable(double intensity_flop_per_byte) const {
    return attainable_flops(intensity_flop_per_byte, peak_flops_per_s, bandwidth_bytes_per_s);
}

// ---------------------------------------------------------------------------------------------
// Rooflines
// ---------------------------------------------------------------------------------------------

roofline_data roofline_for(const model_cost& m, const model_prediction& p, const hw_spec& hw,
                           const std::vector<double>& measured_time_s, const std::vector<double>& predicted_time_s) {
    if (!measured_time_s.empty() && measured_time_s.size() != m.layers.size()) {
        throw usage_error(
            fmt::format("roofline_for: {} measured times for {} layers", measured_time_s.size(), m.layers.size()));
    }
    if (!predicted_time_s.empty() && predicted_time_s.size() != m.layers.size()) {
        throw usage_error(
            fmt::format("roofline_for: {} predicted times for {} layers", predicted_time_s.size(), m.layers.size()));
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
    const double l2_gbps =
        hw.measured && hw.measured->l2_bandwidth_gbps > 0 ? hw.measured->l2_bandwidth_gbps : hw.l2_bandwidth_gbps;
    if (l2_gbps > 0) {
        const double bw = l2_gbps * 1e9;
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
        const double measured = measured_time_s.empty() ? 0.0 : measured_time_s[i];
        const double predicted = predicted_time_s.empty() ? 0.0 : predicted_time_s[i];
        if (measured > 0 || predicted > 0) {
            pt.measured = measured > 0;
            pt.predicted = !pt.measured;
            pt.flops_per_s = static_cast<double>(f.flops()) / (pt.measured ? measured : predicted);
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
                                     si_label(y, "FLOP/s"),
                                     p.measured    ? " measured"
                                     : p.predicted ? " predicted"
                                                   : " attainable");
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
    const bool predicted = std::any_of(d.points.begin(), d.points.end(), [](const auto& p) { return p.predicted; });
    const char* what = measured && predicted ? "measured (else predicted)"
                       : measured            ? "measured (where given) or attainable"
                       : predicted           ? "predicted (FLOPs / predicted time)"
                                             : "attainable";
    notes.push_back(fmt::format(
        "{} kernel layers, each at its {} performance; colour = op type; layers at the same intensity overlap.",
        d.points.size(), what));
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
    if (d.clamped_points) notes.push_back(fmt::format("{} points above their roof drawn on it.", d.clamped_points));
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

}  // namespace ridgeline
