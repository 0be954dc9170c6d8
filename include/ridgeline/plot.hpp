/**
 * @file plot.hpp
 * Plots as SVG text, written by the library itself (no plotting runtime): a roofline of one device
 * (log–log, one polyline per ceiling, the ridge point marked, one circle per kernel layer coloured
 * by op type), small multiples of rooflines for several devices, latency-vs-FLOPs and
 * latency-vs-parameters scatters, throughput and per-item time over batch sizes (from sweep
 * points), per-op-type predicted time as sorted horizontal bars, and a Spearman rank-correlation
 * heat map; tick labels are `si_label` and `time_label` of units.hpp. Like every reporter,
 * plotting only reads result structs; the small "data" functions here (`roofline_for`,
 * `op_type_times`, `spearman_matrix`) turn those structs into exactly what is drawn, so a caller
 * (or a test) can check the drawing against the data.
 *
 * Every plot has a title, axis labels with units, a colour-blind-safe palette (Okabe–Ito; markers
 * and dash patterns also differ, so nothing depends on colour alone) and labels placed so they do
 * not overlap. Elements carry classes a reader can find: `axis`, `tick`, `axis-label`, `title`,
 * `ceiling`, `ridge`, `point`, `series`, `legend-entry`, `bar`, `cell`, `note`. The plot area is a
 * `<g class="plot-area">` whose `data-*` attributes give the axis mapping (`axis_map`).
 *
 * @code
 * auto m = ridgeline::analyze(g);
 * auto h100 = ridgeline::load_hw("h100-sxm");
 * auto pred = ridgeline::predict(m, h100, ridgeline::dtype::f16);
 * std::ofstream("roofline.svg") << ridgeline::svg_roofline(ridgeline::roofline_for(m, pred, h100));
 * @endcode
 */
#pragma once

#include "ridgeline/analysis.hpp"
#include "ridgeline/cost_model.hpp"
#include "ridgeline/hardware.hpp"
#include "ridgeline/roofline.hpp"
#include "ridgeline/stats.hpp"
#include "ridgeline/sweep.hpp"
#include "ridgeline/units.hpp"

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace ridgeline {

/**
 * Size and title of a plot. A zero width or height picks the plot's default.
 * @code ridgeline::plot_options o{.width_px = 900, .title = "ResNet-18 on H100"}; @endcode
 */
struct plot_options {
    double width_px = 0;      /**< Whole SVG width (0: the plot's default). */
    double height_px = 0;     /**< Whole SVG height (0: the plot's default). */
    double font_size_px = 13; /**< Tick and legend text; titles are a little larger. */
    std::string title{};      /**< Empty: a default title naming what is drawn. */
    std::string x_label{};    /**< Empty: the default axis label (scatters and sweeps; keep the unit). */
    std::string y_label{};    /**< Empty: the default axis label (scatters and sweeps; keep the unit). */
};

/**
 * The colour-blind-safe palette used for series and op types (Okabe–Ito, black left out because
 * ceilings use it), as "#rrggbb".
 * @code auto first = ridgeline::plot_palette().front(); // "#0072B2" @endcode
 */
const std::vector<std::string>& plot_palette();

/**
 * Maps data values on one axis to pixels, linearly or on log10. `pixel_min` is where `data_min`
 * lands (the bottom edge for a y axis), `pixel_max` where `data_max` lands.
 * @code
 * ridgeline::axis_map x{.log = true, .data_min = 0.1, .data_max = 1000, .pixel_min = 80, .pixel_max = 680};
 * double px = x.to_pixel(10);   // 380
 * @endcode
 */
struct axis_map {
    bool log = false;     /**< log10 scale. */
    double data_min = 0;  /**< Data value at `pixel_min`. */
    double data_max = 1;  /**< Data value at `pixel_max`. */
    double pixel_min = 0; /**< Pixel of `data_min`. */
    double pixel_max = 1; /**< Pixel of `data_max`. */
    /** Pixel coordinate of a data value. */
    [[nodiscard]] double to_pixel(double v) const;
    /** Data value at a pixel coordinate (inverse of `to_pixel`). */
    [[nodiscard]] double to_data(double px) const;
};

/**
 * One roof of a roofline: a memory slope (bandwidth) meeting a compute roof (peak), drawn as one
 * polyline. `applies_to` says which layers it bounds: "matmul" (layers with matmul-class FLOPs),
 * "vector" (the others) or "cache" (an upper cache level, drawn for reference only).
 * @code double y = ceiling.attainable(50.0);   // min(peak, 50 × bandwidth) @endcode
 */
struct roofline_ceiling {
    std::string id;                   /**< "dram-matmul", "dram-vector", "l2-matmul". */
    std::string label;                /**< e.g. "matmul 989 TFLOP/s (fp16_tensor)". */
    std::string memory_label;         /**< e.g. "DRAM 3.35 TB/s" (", measured" when it is). */
    std::string key;                  /**< Spec key of the roof, e.g. "fp16_tensor". */
    bool measured_peak = false;       /**< The roof is a measured ceiling, not a datasheet peak. */
    bool measured_bandwidth = false;  /**< The slope is a measured bandwidth. */
    std::string applies_to;           /**< "matmul", "vector" or "cache". */
    double peak_flops_per_s = 0;      /**< Compute roof. */
    double bandwidth_bytes_per_s = 0; /**< Memory slope. */
    /** min(peak, intensity × bandwidth). */
    [[nodiscard]] double attainable(double intensity_flop_per_byte) const;
    /** Intensity where slope and roof meet, FLOP/byte. */
    [[nodiscard]] double ridge_point() const { return peak_flops_per_s / bandwidth_bytes_per_s; }
};

/**
 * One kernel layer on the roofline. `flops_per_s` is never above `roof_flops_per_s` (the
 * attainable performance of the ceiling that applies to the layer at its intensity): a measured
 * value above its roof is clamped and `clamped` set.
 * @code assert(p.flops_per_s <= p.roof_flops_per_s); @endcode
 */
struct roofline_point {
    std::size_t layer = 0;            /**< Index into model_cost::layers. */
    std::string name;                 /**< Layer name. */
    std::string op_type;              /**< Operator (colour and legend). */
    std::size_t ceiling = 0;          /**< Index into roofline_data::ceilings. */
    double operational_intensity = 0; /**< FLOP/byte. */
    double flops_per_s = 0;           /**< Plotted performance (attainable or measured). */
    double roof_flops_per_s = 0;      /**< The applicable roof at this intensity. */
    bool measured = false;            /**< From a measured time rather than the roofline. */
    bool predicted = false;           /**< From the latency model's predicted time (FLOPs / time). */
    bool clamped = false;             /**< Measured value was above the roof and was clamped. */
};

/**
 * Everything a roofline plot draws.
 * @code auto data = ridgeline::roofline_for(m, pred, hw); std::size_t n = data.points.size(); @endcode
 */
struct roofline_data {
    std::string device_id;                  /**< Spec id. */
    std::string device_name;                /**< Marketing name (panel titles). */
    std::vector<roofline_ceiling> ceilings; /**< DRAM+matmul first, then DRAM+vector, then L2 when known. */
    std::vector<roofline_point> points;     /**< One per kernel layer with FLOPs and bytes. */
    std::size_t kernels_without_flops = 0;  /**< Kernel layers not drawn (no FLOPs or no bytes). */
    std::size_t clamped_points = 0;         /**< Measured or predicted points clamped to their roof. */
};

/**
 * The roofline of one analysed model on one device: ceilings from `p.roof` (DRAM bandwidth with
 * the matmul roof and with the vector roof — one ceiling when both roofs are the same — plus L2
 * when the spec gives or measured an L2 bandwidth), and one point per kernel layer with FLOPs, at its
 * intensity and attainable performance. `predicted_time_s` (the latency model's
 * `layer_time_s`) and `measured_time_s`, when not empty, are parallel to `m.layers` (0 = none) and
 * place the point at FLOPs / time instead — what the layer attains, below the roof it is bounded
 * by; a measured time wins over a predicted one. A point above its roof is clamped to it (and
 * counted). The roofs themselves never change.
 * @code auto data = ridgeline::roofline_for(m, ridgeline::predict(m, hw, ridgeline::dtype::f32), hw); @endcode
 */
roofline_data roofline_for(const model_cost& m, const model_prediction& p, const hw_spec& hw,
                           const std::vector<double>& measured_time_s = {},
                           const std::vector<double>& predicted_time_s = {});

/**
 * Roofline of one device as a standalone SVG document.
 * @code std::string svg = ridgeline::svg_roofline(data, {.title = "resnet18 on H100"}); @endcode
 */
std::string svg_roofline(const roofline_data& data, const plot_options& options = {});

/**
 * Small multiples: one small roofline per device side by side, on shared axes so panels compare
 * at a glance, with one legend.
 * @code std::string svg = ridgeline::svg_roofline_multiples({t4_data, h100_data}); @endcode
 */
std::string svg_roofline_multiples(const std::vector<roofline_data>& devices, const plot_options& options = {});

/**
 * One model (or one layer) on one device, for the latency scatters and correlation tables.
 * @code ridgeline::model_sample s{.model = "resnet18", .device = "t4", .flops = 3.6e9, .params = 1.2e7, .latency_s =
 * 2e-3}; @endcode
 */
struct model_sample {
    std::string model;    /**< Model (or layer) name. */
    std::string device;   /**< Spec id (one series per device). */
    double flops = 0;     /**< FLOPs. */
    double params = 0;    /**< Parameters. */
    double latency_s = 0; /**< Predicted (or measured) latency. */
};

/** The x quantity of `svg_latency_scatter`. @code auto x = ridgeline::scatter_x::params; @endcode */
enum class scatter_x { flops, params };

/**
 * Latency vs FLOPs or vs parameters, one marker style per device. Axes are linear unless the data
 * span more than two decades, then log (a note under the plot says so; non-positive values cannot
 * be drawn on a log axis and are counted in the note).
 * @code std::string svg = ridgeline::svg_latency_scatter(samples, ridgeline::scatter_x::flops); @endcode
 */
std::string svg_latency_scatter(const std::vector<model_sample>& samples, scatter_x x,
                                const plot_options& options = {});

/** The y quantity of `svg_sweep`. @code auto y = ridgeline::sweep_metric::per_item_time; @endcode */
enum class sweep_metric { throughput, per_item_time, gpu_time };

/**
 * Throughput (items/s), per-item time or GPU time against batch size, one line per device, from
 * `ridgeline::sweep` points (points with image or sequence sweeps are drawn against batch too).
 * Axes follow the two-decade rule of `svg_latency_scatter`.
 * @code std::string svg = ridgeline::svg_sweep(points, ridgeline::sweep_metric::throughput); @endcode
 */
std::string svg_sweep(const std::vector<sweep_point>& points, sweep_metric metric, const plot_options& options = {});

/** How an axis of `svg_line_chart` reads its values. @code auto u = ridgeline::axis_units::time; @endcode */
enum class axis_units {
    plain, /**< Bare numbers ("512"). */
    si,    /**< An SI prefix and the axis's unit ("1.5 kB/s"). */
    time,  /**< Seconds in s/ms/µs/ns. */
};

/**
 * One line of `svg_line_chart`.
 * @code ridgeline::line_series s{.name = "batch 8", .x = {128, 512}, .y = {1e-3, 1.4e-3}}; @endcode
 */
struct line_series {
    std::string name;                  /**< Legend entry. */
    std::vector<double> x{};           /**< X values. */
    std::vector<double> y{};           /**< Y values, parallel to x. */
    std::vector<std::string> labels{}; /**< Per-point tooltip text (may be empty). */
};

/**
 * A horizontal reference line across a chart (a capacity, a budget), drawn dashed and labelled.
 * @code ridgeline::reference_line cap{.y = 80.0 * (1LL << 30), .label = "H100 memory 80 GiB"}; @endcode
 */
struct reference_line {
    double y = 0;      /**< Where, in y data units. */
    std::string label; /**< Text drawn at its right end. */
};

/**
 * A line chart of named series (linear axes from zero unless the data span more than two decades,
 * then log, as `svg_latency_scatter`), with optional horizontal reference lines.
 * @code
 * ridgeline::line_chart c{.title = "Decode time vs context", .x_label = "context (tokens)",
 *                         .y_label = "time per token (s)", .y_units = ridgeline::axis_units::time};
 * @endcode
 */
struct line_chart {
    std::string title;                        /**< Chart title. */
    std::string x_label;                      /**< X axis label, with units. */
    std::string y_label;                      /**< Y axis label, with units. */
    axis_units x_units = axis_units::plain;   /**< How x ticks read. */
    axis_units y_units = axis_units::plain;   /**< How y ticks read. */
    std::string x_unit{};                     /**< SI unit of x ticks (axis_units::si). */
    std::string y_unit{};                     /**< SI unit of y ticks (axis_units::si). */
    std::string legend_title{};               /**< Heading over the legend. */
    std::vector<line_series> series{};        /**< The lines. */
    std::vector<reference_line> references{}; /**< Horizontal reference lines (class "reference"). */
};

/**
 * Draws a line chart (classes as the other plots: `series`, `point`, `legend-entry`, `note`, plus
 * `reference` and `reference-label` for reference lines).
 * @code std::string svg = ridgeline::svg_line_chart(chart, {.width_px = 620}); @endcode
 */
std::string svg_line_chart(const line_chart& chart, const plot_options& options = {});

/**
 * Predicted time per op type (kernel label: op type or fused pattern such as "Attention"), summed
 * over a model's kernels.
 * @code auto by_op = ridgeline::op_type_times(latency);  // {"Conv": 1.2e-3, "Relu": 2e-4, ...} @endcode
 */
std::map<std::string, double> op_type_times(const latency_prediction& latency);

/**
 * Per-op-type predicted time of one device, for `svg_op_time_bars`.
 * @code ridgeline::op_time_series s{.device = "t4", .time_s_by_op = ridgeline::op_type_times(lat)}; @endcode
 */
struct op_time_series {
    std::string device;                         /**< Spec id. */
    std::map<std::string, double> time_s_by_op; /**< Op type → seconds. */
};

/**
 * Horizontal bars of predicted time per op type, sorted by the first device's time (largest
 * first), one bar per device in each group. More than `max_bars` op types: the rest are summed
 * into one "other" row.
 * @code std::string svg = ridgeline::svg_op_time_bars({{"t4", ridgeline::op_type_times(lat)}}); @endcode
 */
std::string svg_op_time_bars(const std::vector<op_time_series>& series, const plot_options& options = {},
                             std::size_t max_bars = 14);

/**
 * A symmetric matrix of rank correlations between labelled columns.
 * @code auto c = ridgeline::spearman_matrix({"FLOPs", "params"}, {flops, params}); double r = c.rho[0][1]; @endcode
 */
struct correlation_matrix {
    std::vector<std::string> labels;      /**< Column names, e.g. "FLOPs", "latency t4". */
    std::vector<std::vector<double>> rho; /**< rho[i][j]; NaN where undefined. */
    std::size_t items = 0;                /**< Rows (models or layers) the columns hold. */
};

/**
 * Spearman correlation of every pair of columns (each column one quantity over the same items),
 * each by `spearman_rank_correlation` (stats.hpp: NaN with fewer than 3 items or a constant
 * column). Throws usage_error when lengths differ.
 * @code auto c = ridgeline::spearman_matrix({"FLOPs", "params", "latency t4"}, {f, p, t}); @endcode
 */
correlation_matrix spearman_matrix(const std::vector<std::string>& labels,
                                   const std::vector<std::vector<double>>& columns);

/**
 * The correlation matrix as a heat map: labelled cells showing the coefficient, a diverging
 * colour-blind-safe scale from −1 to +1 with its key.
 * @code std::string svg = ridgeline::svg_correlation_heatmap(c, {.title = "Rank correlation across models"}); @endcode
 */
std::string svg_correlation_heatmap(const correlation_matrix& c, const plot_options& options = {});

}  // namespace ridgeline
