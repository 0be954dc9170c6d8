// Drawing helpers for the SVG plots: escaping, text boxes, label placement, ticks and axes; and the
// palette and axis mapping plot.hpp declares.
#include "svg_canvas.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace ridgeline::detail {

std::string xml_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char ch : s) {
        switch (ch) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                // Control characters are not allowed in XML 1.0 text.
                if (static_cast<unsigned char>(ch) < 0x20 && ch != '\n' && ch != '\t')
                    out += ' ';
                else
                    out += ch;
        }
    }
    return out;
}

std::size_t utf8_length(std::string_view s) {
    return static_cast<std::size_t>(
        std::count_if(s.begin(), s.end(), [](char ch) { return (static_cast<unsigned char>(ch) & 0xC0) != 0x80; }));
}

double text_width(std::string_view s, double font_px) {
    // DejaVu Sans / Arial average advance is ~0.55–0.6 em for mixed text; 0.62 keeps a margin.
    return static_cast<double>(utf8_length(s)) * font_px * 0.62;
}

std::string coord(double v) {
    std::string s = fmt::format("{:.2f}", v);
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s == "-0" ? "0" : s;
}

box text_box(double x, double y, std::string_view s, double font_px, std::string_view anchor) {
    const double w = text_width(s, font_px);
    const double x0 = anchor == "middle" ? x - w / 2 : anchor == "end" ? x - w : x;
    return {x0, y - font_px * 0.8, x0 + w, y + font_px * 0.25};
}

std::optional<std::size_t> label_placer::place(const std::vector<box>& candidates) {
    std::vector<std::vector<box>> shapes;
    for (const auto& b : candidates) shapes.push_back({b});
    return place_shapes(shapes);
}

std::optional<std::size_t> label_placer::place_shapes(const std::vector<std::vector<box>>& candidates) {
    for (std::size_t i = 0; i < candidates.size(); ++i) {
        const auto& shape = candidates[i];
        const bool ok = std::all_of(shape.begin(), shape.end(), [&](const box& b) {
            return bounds_.contains(b) &&
                   std::none_of(used_.begin(), used_.end(), [&](const box& u) { return b.overlaps(u); });
        });
        if (!ok) continue;
        used_.insert(used_.end(), shape.begin(), shape.end());
        return i;
    }
    return std::nullopt;
}

std::vector<box> rotated_text_boxes(double cx, double cy, double w, double h, double angle_rad) {
    const int chunks = std::max(1, static_cast<int>(std::ceil(2 * w / h)));
    const double step = w / chunks;
    const double c = std::cos(angle_rad), s = std::sin(angle_rad);
    std::vector<box> out;
    for (int i = 0; i < chunks; ++i) {
        const double along = -w / 2 + step * (i + 0.5);
        const double x = cx + along * c, y = cy + along * s;
        const double hw = (std::abs(c) * step + std::abs(s) * h) / 2, hh = (std::abs(s) * step + std::abs(c) * h) / 2;
        out.push_back({x - hw, y - hh, x + hw, y + hh});
    }
    return out;
}

svg_canvas::svg_canvas(double width_px, double height_px, double font_px, std::string title)
    : width_(width_px), height_(height_px), font_(font_px), title_(std::move(title)) {}

void svg_canvas::text(double x, double y, std::string_view s, std::string_view cls, std::string_view anchor,
                      double font_px, std::string_view extra) {
    body_ += fmt::format(R"(<text class="{}" x="{}" y="{}")", cls, coord(x), coord(y));
    if (anchor != "start") body_ += fmt::format(R"( text-anchor="{}")", anchor);
    if (font_px > 0 && font_px != font_) body_ += fmt::format(R"( font-size="{}")", coord(font_px));
    if (!extra.empty()) body_ += fmt::format(" {}", extra);
    body_ += '>';
    body_ += xml_escape(s);
    body_ += "</text>\n";
}

void svg_canvas::line(double x0, double y0, double x1, double y1, std::string_view cls, std::string_view stroke,
                      double width, std::string_view dash) {
    body_ += fmt::format(R"(<line class="{}" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="{}")", cls,
                         coord(x0), coord(y0), coord(x1), coord(y1), stroke, coord(width));
    if (!dash.empty()) body_ += fmt::format(R"( stroke-dasharray="{}")", dash);
    body_ += "/>\n";
}

void svg_canvas::title(double x, double y, std::string_view s) {
    text(x, y, s, "title", "start", font_ * 1.3, R"(font-weight="bold" fill="#111")");
}

std::string svg_canvas::finish() const {
    return fmt::format(
        R"(<svg xmlns="http://www.w3.org/2000/svg" width="{0}" height="{1}" viewBox="0 0 {0} {1}" )"
        R"(font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="{2}" fill="#222" role="img" aria-label="{3}">)"
        "\n<title>{3}</title>\n"
        R"(<rect class="background" x="0" y="0" width="{0}" height="{1}" fill="#ffffff"/>)"
        "\n{4}</svg>\n",
        coord(width_), coord(height_), coord(font_), xml_escape(title_), body_);
}

namespace {

std::string trim_number(double v, int significant) {
    if (v == 0) return "0";
    const int digits = static_cast<int>(std::floor(std::log10(std::abs(v)))) + 1;
    const int decimals = std::max(0, significant - digits);
    std::string s = fmt::format("{:.{}f}", v, decimals);
    if (s.find('.') != std::string::npos) {
        while (s.back() == '0') s.pop_back();
        if (s.back() == '.') s.pop_back();
    }
    return s;
}

/** The nearest 1, 2 or 5 × 10^k at or below (up = false) or at or above (up = true) v > 0. */
double snap_125(double v, bool up) {
    const double p = std::pow(10.0, std::floor(std::log10(v) + 1e-12));
    const double ms[] = {1, 2, 5, 10};
    if (up) {
        for (double m : ms) {
            if (m * p >= v * (1 - 1e-9)) return m * p;
        }
        return 10 * p;
    }
    double best = p;
    for (double m : ms) {
        if (m * p <= v * (1 + 1e-9)) best = m * p;
    }
    return best;
}

double nice_step(double raw) {
    const double p = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
        if (m * p >= raw * (1 - 1e-9)) return m * p;
    }
    return 10 * p;
}

}  // namespace

std::string tick_text(double v, const axis_spec& a) {
    switch (a.style) {
        case tick_style::time:
            return time_label(v);
        case tick_style::si:
            return si_label(v, a.unit);
        default:
            return trim_number(v, 3) + (a.unit.empty() ? "" : " " + a.unit);
    }
}

std::vector<double> make_ticks(axis_spec& a, double length_px, double font_px, bool horizontal) {
    std::vector<double> ticks;
    auto fits = [&](const std::vector<double>& t) {
        if (t.size() < 2) return true;
        // Smallest pixel gap between neighbouring ticks under the axis's own mapping.
        const axis_map m{a.log, a.lo, a.hi, 0, length_px};
        double per = length_px;
        for (std::size_t i = 1; i < t.size(); ++i)
            per = std::min(per, std::abs(m.to_pixel(t[i]) - m.to_pixel(t[i - 1])));
        if (!horizontal) return per >= font_px * 1.8;
        double widest = 0;
        for (double v : t) widest = std::max(widest, text_width(tick_text(v, a), font_px));
        return per >= widest + font_px;
    };
    if (a.log) {
        if (!(a.lo > 0)) a.lo = a.hi > 0 ? a.hi / 1000 : 1;
        if (!(a.hi > a.lo)) a.hi = a.lo * 10;
        // Ends snap to 1-2-5 × 10^k (no near-empty decade at either end); ticks at the decades
        // inside, thinned until their labels fit, plus 2 and 5 when fewer than two decades show.
        a.lo = snap_125(a.lo, false);
        a.hi = snap_125(a.hi, true);
        const int d0 = static_cast<int>(std::ceil(std::log10(a.lo) - 1e-9));
        const int d1 = static_cast<int>(std::floor(std::log10(a.hi) + 1e-9));
        for (int every = 1; every <= std::max(1, d1 - d0); ++every) {
            ticks.clear();
            for (int d = d0; d <= d1; d += every) ticks.push_back(std::pow(10.0, d));
            if (fits(ticks)) break;
        }
        if (ticks.size() < 2) {
            std::vector<double> more;
            for (int d = d0 - 1; d <= d1; ++d) {
                for (double m : {1.0, 2.0, 5.0}) {
                    const double v = m * std::pow(10.0, d);
                    if (v >= a.lo * (1 - 1e-9) && v <= a.hi * (1 + 1e-9)) more.push_back(v);
                }
            }
            if (fits(more)) ticks = more;
        }
        return ticks;
    }
    if (!(a.hi > a.lo)) a.hi = a.lo + 1;
    const double lo = a.lo, hi = a.hi;
    for (int target = 10; target >= 2; --target) {
        const double step = nice_step((hi - lo) / target);
        const double t0 = std::floor(lo / step + 1e-9) * step;
        const double t1 = std::ceil(hi / step - 1e-9) * step;
        ticks.clear();
        for (double t = t0; t <= t1 + step * 1e-6; t += step) ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
        a.lo = t0;
        a.hi = t1;
        if (fits(ticks)) break;
    }
    return ticks;
}

frame make_frame(double left, double top, double width, double height, const axis_spec& x, const axis_spec& y) {
    frame f{left, top, width, height, {}, {}};
    f.x = {x.log, x.lo, x.hi, left, left + width};
    f.y = {y.log, y.lo, y.hi, top + height, top};
    return f;
}

void draw_axes(svg_canvas& c, const frame& f, const axis_spec& x, const axis_spec& y,
               const std::vector<double>& x_ticks, const std::vector<double>& y_ticks, label_placer* placer,
               double font_px, bool y_labels) {
    std::string grid = R"(<g class="grid" stroke="#e3e3e3" stroke-width="1">)";
    for (double t : x_ticks) {
        const double px = f.x.to_pixel(t);
        grid += fmt::format(R"(<line x1="{0}" y1="{1}" x2="{0}" y2="{2}"/>)", coord(px), coord(f.top),
                            coord(f.top + f.height));
    }
    for (double t : y_ticks) {
        const double py = f.y.to_pixel(t);
        grid += fmt::format(R"(<line x1="{1}" y1="{0}" x2="{2}" y2="{0}"/>)", coord(py), coord(f.left),
                            coord(f.left + f.width));
    }
    // Minor grid lines at 2..9 within each decade of log axes.
    auto minor = [&](const axis_map& m, bool vertical) {
        if (!m.log) return;
        for (double d = std::pow(10.0, std::floor(std::log10(m.data_min) + 1e-9)); d < m.data_max * 0.999; d *= 10) {
            for (int k = 2; k <= 9; ++k) {
                if (d * k < m.data_min * 1.0001 || d * k > m.data_max * 0.9999) continue;
                const double p = m.to_pixel(d * k);
                grid += vertical ? fmt::format(R"(<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="#f2f2f2"/>)",
                                               coord(p), coord(f.top), coord(f.top + f.height))
                                 : fmt::format(R"(<line x1="{1}" y1="{0}" x2="{2}" y2="{0}" stroke="#f2f2f2"/>)",
                                               coord(p), coord(f.left), coord(f.left + f.width));
            }
        }
    };
    minor(f.x, true);
    minor(f.y, false);
    grid += "</g>\n";
    c.raw(grid);
    const double bottom = f.top + f.height;
    c.raw(fmt::format(R"(<g class="axis x-axis" data-log="{}">)", x.log ? 1 : 0));
    c.line(f.left, bottom, f.left + f.width, bottom, "axis-line", "#333", 1.2);
    for (double t : x_ticks) {
        const double px = f.x.to_pixel(t);
        c.line(px, bottom, px, bottom + 5, "tick-mark", "#333", 1);
        const auto s = tick_text(t, x);
        c.text(px, bottom + 7 + font_px, s, "tick", "middle");
        if (placer) placer->reserve(text_box(px, bottom + 7 + font_px, s, font_px, "middle"));
    }
    c.text(f.left + f.width / 2, bottom + 14 + 2.2 * font_px, x.label, "axis-label", "middle", font_px * 1.08,
           R"(font-weight="600")");
    c.raw("</g>\n");
    c.raw(fmt::format(R"(<g class="axis y-axis" data-log="{}">)", y.log ? 1 : 0));
    c.line(f.left, f.top, f.left, bottom, "axis-line", "#333", 1.2);
    double widest = 0;
    for (double t : y_ticks) {
        const double py = f.y.to_pixel(t);
        c.line(f.left - 5, py, f.left, py, "tick-mark", "#333", 1);
        if (!y_labels) continue;
        const auto s = tick_text(t, y);
        widest = std::max(widest, text_width(s, font_px));
        c.text(f.left - 8, py + font_px * 0.35, s, "tick", "end");
        if (placer) placer->reserve(text_box(f.left - 8, py + font_px * 0.35, s, font_px, "end"));
    }
    const double lx = f.left - 14 - widest - font_px * 0.4;
    const double ly = f.top + f.height / 2;
    if (y_labels)
        c.text(lx, ly, y.label, "axis-label", "middle", font_px * 1.08,
               fmt::format(R"~(font-weight="600" transform="rotate(-90 {} {})")~", coord(lx), coord(ly)));
    c.raw("</g>\n");
}

std::string plot_area_open(const frame& f) {
    return fmt::format(
        R"(<g class="plot-area" data-left="{}" data-top="{}" data-width="{}" data-height="{}" )"
        R"(data-x-log="{}" data-x-min="{:.9g}" data-x-max="{:.9g}" data-x-px-min="{}" data-x-px-max="{}" )"
        R"(data-y-log="{}" data-y-min="{:.9g}" data-y-max="{:.9g}" data-y-px-min="{}" data-y-px-max="{}">)"
        "\n",
        coord(f.left), coord(f.top), coord(f.width), coord(f.height), f.x.log ? 1 : 0, f.x.data_min, f.x.data_max,
        coord(f.x.pixel_min), coord(f.x.pixel_max), f.y.log ? 1 : 0, f.y.data_min, f.y.data_max, coord(f.y.pixel_min),
        coord(f.y.pixel_max));
}

std::string marker(int shape, double x, double y, double r, std::string_view fill, std::string_view stroke,
                   std::string_view extra, std::string_view tooltip) {
    std::string open;
    const std::string common = fmt::format(R"(class="point" fill="{}" stroke="{}" stroke-width="1")", fill, stroke);
    switch (shape % 4) {
        case 0:
            open = fmt::format(R"(<circle {} cx="{}" cy="{}" r="{}")", common, coord(x), coord(y), coord(r));
            break;
        case 1: {
            const double s = r * 0.9;
            open = fmt::format(R"(<rect {} x="{}" y="{}" width="{}" height="{}")", common, coord(x - s), coord(y - s),
                               coord(2 * s), coord(2 * s));
            break;
        }
        case 2: {
            const double s = r * 1.15;
            open = fmt::format(R"(<polygon {} points="{},{} {},{} {},{}")", common, coord(x), coord(y - s),
                               coord(x + s), coord(y + s * 0.8), coord(x - s), coord(y + s * 0.8));
            break;
        }
        default: {
            const double s = r * 1.2;
            open = fmt::format(R"(<polygon {} points="{},{} {},{} {},{} {},{}")", common, coord(x), coord(y - s),
                               coord(x + s), coord(y), coord(x), coord(y + s), coord(x - s), coord(y));
        }
    }
    if (!extra.empty()) open += fmt::format(" {}", extra);
    if (tooltip.empty()) return open + "/>\n";
    return open + "><title>" + xml_escape(tooltip) + "</title></" +
           (shape % 4 == 0   ? "circle"
            : shape % 4 == 1 ? "rect"
                             : "polygon") +
           ">\n";
}

std::string_view dash_pattern(std::size_t i) {
    static const std::string_view dashes[] = {"", "7 4", "2 3", "9 3 2 3"};
    return dashes[i % 4];
}

std::string_view ink_on(std::string_view fill) {
    if (fill.size() != 7 || fill[0] != '#') return "#111";
    auto channel = [&](int i) {
        return std::stoi(std::string(fill.substr(static_cast<std::size_t>(1 + 2 * i), 2)), nullptr, 16) / 255.0;
    };
    const double lum = 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
    return lum < 0.5 ? "#ffffff" : "#111111";
}

double legend_width(const std::vector<std::string>& names, double font, double swatch) {
    double w = text_width("device", font);
    for (const auto& n : names) w = std::max(w, swatch + text_width(n, font));
    return w + 16;
}

}  // namespace ridgeline::detail

namespace ridgeline {

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

}  // namespace ridgeline
