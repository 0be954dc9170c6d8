// Private drawing helpers shared by the SVG plots (svg.cpp) and the HTML report (html.cpp): an SVG
// text builder, axes with ticks whose labels never collide, a label placer that refuses overlapping
// boxes, and the text-width estimate they all rely on. Not installed; not part of the public API.
#pragma once

#include "ridgeline/plot.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ridgeline::detail {

/** XML-escapes text for element content and attribute values. */
std::string xml_escape(std::string_view s);

/** Code points in a UTF-8 string. */
std::size_t utf8_length(std::string_view s);

/** Estimated rendered width of `s` at `font_px` in a sans-serif face (conservative). */
double text_width(std::string_view s, double font_px);

/** A coordinate as SVG text: two decimals, no trailing zeros. */
std::string coord(double v);

/** An axis-aligned box in pixels. */
struct box {
    double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    /** True when the boxes intersect after growing this one by `pad`. */
    [[nodiscard]] bool overlaps(const box& o, double pad = 2) const {
        return x0 - pad < o.x1 && o.x0 < x1 + pad && y0 - pad < o.y1 && o.y0 < y1 + pad;
    }
    /** True when `o` lies inside this box. */
    [[nodiscard]] bool contains(const box& o) const { return o.x0 >= x0 && o.x1 <= x1 && o.y0 >= y0 && o.y1 <= y1; }
};

/** The box of a text drawn with baseline at y and the given anchor ("start", "middle", "end"). */
box text_box(double x, double y, std::string_view s, double font_px, std::string_view anchor);

/**
 * Boxes covering a text of width `w` and height `h` centred at (cx, cy) and rotated by
 * `angle_rad`: one small box per chunk along the text, a tight cover even at 45°.
 */
std::vector<box> rotated_text_boxes(double cx, double cy, double w, double h, double angle_rad);

/** Keeps the boxes already used and accepts a new label only where it overlaps none of them. */
class label_placer {
public:
    /** Labels must stay inside `bounds`. */
    explicit label_placer(box bounds) : bounds_(bounds) {}
    /** Marks a box as used (a label, a legend, a marker). */
    void reserve(const box& b) { used_.push_back(b); }
    /** First candidate that is inside the bounds and overlaps nothing; it is then reserved. */
    std::optional<std::size_t> place(const std::vector<box>& candidates);
    /** The same for candidates made of several boxes (rotated text as boxes along its length). */
    std::optional<std::size_t> place_shapes(const std::vector<std::vector<box>>& candidates);
    /** Boxes reserved so far (the test of "no overlapping labels" reads them). */
    [[nodiscard]] const std::vector<box>& used() const { return used_; }

private:
    box bounds_;
    std::vector<box> used_;
};

/** Builds one SVG document. */
class svg_canvas {
public:
    /** A canvas of the given size; `title` becomes the accessible name. */
    svg_canvas(double width_px, double height_px, double font_px, std::string title);
    /** Raw markup appended to the body. */
    svg_canvas& raw(std::string_view s) {
        body_ += s;
        return *this;
    }
    /** A text element (escaped). `extra` is appended to the attributes verbatim. */
    void text(double x, double y, std::string_view s, std::string_view cls, std::string_view anchor = "start",
              double font_px = 0, std::string_view extra = "");
    /** A line. */
    void line(double x0, double y0, double x1, double y1, std::string_view cls, std::string_view stroke, double width,
              std::string_view dash = "");
    /** The title, bold, baseline at (x, y). */
    void title(double x, double y, std::string_view s);
    /** The finished document. */
    [[nodiscard]] std::string finish() const;
    /** Size. */
    [[nodiscard]] double width() const { return width_; }
    /** Size. */
    [[nodiscard]] double height() const { return height_; }
    /** Grows the canvas (layouts that learn their height late). */
    void set_height(double h) { height_ = h; }
    /** Base font size. */
    [[nodiscard]] double font() const { return font_; }

private:
    double width_, height_, font_;
    std::string title_;
    std::string body_;
};

/** How tick labels read. */
enum class tick_style { plain, si, time };

/** One axis before layout: its data range, scale and how its ticks read. */
struct axis_spec {
    bool log = false;
    double lo = 0, hi = 1; /**< Data range (already "nice" after `make_ticks`). */
    std::string label;     /**< With units, e.g. "operational intensity (FLOP/byte)". */
    tick_style style = tick_style::plain;
    std::string unit; /**< SI unit for tick labels ("FLOP/s"); empty for bare numbers. */
};

/** Text of a tick value on an axis. */
std::string tick_text(double v, const axis_spec& a);

/**
 * Ticks of an axis whose pixel length is `length_px`, spaced so labels of `font_px` do not
 * collide (horizontal: label widths; vertical: line height). Widens `a.lo`/`a.hi` to tick values.
 */
std::vector<double> make_ticks(axis_spec& a, double length_px, double font_px, bool horizontal);

/** A plot area with its two axis mappings. */
struct frame {
    double left = 0, top = 0, width = 0, height = 0;
    axis_map x, y;
    /** The plot area's box. */
    [[nodiscard]] box area() const { return {left, top, left + width, top + height}; }
};

/** Maps the axes onto a plot area. */
frame make_frame(double left, double top, double width, double height, const axis_spec& x, const axis_spec& y);

/**
 * Draws grid lines, the two axes, tick labels and axis labels (classes grid, axis, tick,
 * axis-label) and reserves their boxes in the placer. `x_ticks`/`y_ticks` come from make_ticks.
 * Without `y_labels` the y axis keeps its ticks but not their text (panels sharing an axis).
 */
void draw_axes(svg_canvas& c, const frame& f, const axis_spec& x, const axis_spec& y,
               const std::vector<double>& x_ticks, const std::vector<double>& y_ticks, label_placer* placer,
               double font_px, bool y_labels = true);

/** Opens `<g class="plot-area" data-…>` carrying the axis mapping; close with "</g>". */
std::string plot_area_open(const frame& f);

/** A marker of shape index `shape` (0 circle, 1 square, 2 triangle, 3 diamond), class "point". */
std::string marker(int shape, double x, double y, double r, std::string_view fill, std::string_view stroke,
                   std::string_view extra, std::string_view tooltip);

/** Dash pattern for series index i ("" = solid). */
std::string_view dash_pattern(std::size_t i);

/** Text colour readable on a fill "#rrggbb". */
std::string_view ink_on(std::string_view fill);

/** Width of a legend listing `names` after swatches `swatch` px wide (at least "device" wide). */
double legend_width(const std::vector<std::string>& names, double font, double swatch = 18);

}  // namespace ridgeline::detail
