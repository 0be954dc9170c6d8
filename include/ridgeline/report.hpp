/**
 * @file report.hpp
 * Reporters: they only read result structs (an `analysis_report`) and write text — a console
 * table in human units, CSV, JSON (the command-line contract of DESIGN.md) and Markdown. Nothing
 * here computes a count.
 *
 * @code
 * ridgeline::analysis_report r{.model_path = "resnet50.onnx", .cost = m, .prediction = p, .hw = &h100};
 * ridgeline::write_report(std::cout, r, ridgeline::report_format::table);
 * @endcode
 */
#pragma once

#include "ridgeline/analysis.hpp"
#include "ridgeline/cost_model.hpp"
#include "ridgeline/hardware.hpp"
#include "ridgeline/roofline.hpp"

#include <iosfwd>
#include <optional>
#include <string>

namespace ridgeline {

/** Output formats of `ridgeline analyze`. */
enum class report_format { table, csv, json, markdown };

/** Parses "table|csv|json|md". Throws usage_error. */
report_format parse_report_format(const std::string& name);

/** Everything a reporter may show about one analysis. */
struct analysis_report {
    std::string model_path;                     /**< Model file. */
    std::size_t model_nodes = 0;                /**< Node count of the graph. */
    bindings symbols;                           /**< Bound symbols. */
    std::string dtype_name = "as stored";       /**< Precision the counts use. */
    model_cost cost;                            /**< Counts. */
    std::optional<model_prediction> prediction; /**< Roofline (bounds, attainable), when a device was given. */
    std::optional<latency_prediction> latency;  /**< Latency model (predicted times), when a device was given. */
    const hw_spec* hw = nullptr;                /**< The device, when given. */
    std::size_t top = 0;                        /**< Table: only the N heaviest layers (0 = all). */
};

/** Writes the report in the chosen format. */
void write_report(std::ostream& out, const analysis_report& r, report_format format);

/** "1.23 GFLOP", "45.6 MiB", "12.3 us" — the units the table uses. */
std::string human_flops(double flops);
/** A plain count with an SI prefix and a trailing space for the unit: "130.85 G" (as in "130.85 G MACs"). */
std::string human_count(double count);
/** Bytes in binary units. */
std::string human_bytes(double bytes);
/** Seconds in s/ms/us/ns. */
std::string human_time(double seconds);

}  // namespace ridgeline
