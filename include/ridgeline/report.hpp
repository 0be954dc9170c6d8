/**
 * @file report.hpp
 * Reporters (report layer, `lib/report`): every table, CSV, JSON and Markdown writer of the
 * library and the tool, in one place. They only read result structs and write text; nothing here
 * computes a count, and units come from units.hpp.
 *
 * - an analysis (`analysis_report`): console table, CSV, JSON (the command-line contract of
 *   DESIGN.md) and Markdown;
 * - sweeps and model comparisons (sweep.hpp), timing-sample checks (sample.hpp), LLM serving
 *   estimates (llm.hpp);
 * - hardware specs (`hw list`, `hw show`), the largest batch that fits, inferred shapes;
 * - traces and measured ceilings (measure.hpp), validations (validate.hpp), replays (replay.hpp).
 *
 * @code
 * auto p = ridgeline::predict_model({.path = "resnet50.onnx", .devices = {ridgeline::load_hw("h100-sxm")}});
 * ridgeline::write_report(std::cout, ridgeline::make_analysis_report(p), ridgeline::report_format::table);
 * @endcode
 */
#pragma once

#include "ridgeline/analysis.hpp"
#include "ridgeline/calibrate.hpp"
#include "ridgeline/cost_model.hpp"
#include "ridgeline/hardware.hpp"
#include "ridgeline/llm.hpp"
#include "ridgeline/measure.hpp"
#include "ridgeline/pipeline.hpp"
#include "ridgeline/replay.hpp"
#include "ridgeline/roofline.hpp"
#include "ridgeline/sample.hpp"
#include "ridgeline/sweep.hpp"
#include "ridgeline/units.hpp"
#include "ridgeline/validate.hpp"

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace ridgeline {

/** Output formats of the tool's text reports. */
enum class report_format { table, csv, json, markdown };

/** Parses "table|csv|json|md" ("markdown" too). Throws usage_error naming the text. */
report_format parse_report_format(const std::string& name);

// ---------------------------------------------------------------------------------------------
// One model's analysis
// ---------------------------------------------------------------------------------------------

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
    bool training = false;                      /**< The counts include the backward pass (`layer_cost::backward`). */
    /** The backward pass's predicted time, when the model was analysed for training on a device. */
    std::optional<training_prediction> training_time;
    std::size_t top = 0; /**< Table: only the N heaviest layers (0 = all). */
};

/**
 * The report of a pipeline result: its counts, and its first device's roofline and latency when it
 * was predicted on one. `hw` points into `p`, which must outlive the report.
 * @code auto r = ridgeline::make_analysis_report(p, 12); @endcode
 */
analysis_report make_analysis_report(const predicted_model& p, std::size_t top = 0);

/** Writes the report in the chosen format. */
void write_report(std::ostream& out, const analysis_report& r, report_format format);

/**
 * Every value's name, producing op, dtype and shape, in topological order, under a header line
 * (`ridgeline shapes`).
 */
void write_shapes(std::ostream& out, const graph& g);

/** The largest batch that fits a device, with the memory at that batch and at the next. */
void write_batch_fit(std::ostream& out, const hw_spec& hw, const batch_fit& fit);

// ---------------------------------------------------------------------------------------------
// Sweeps, comparisons, timing samples
// ---------------------------------------------------------------------------------------------

/**
 * Sweep points as a table, CSV, JSON (`[{"device", "batch", "image", "sequence", "flops",
 * "kernels", "predicted_time_s", "wall_time_s", "throughput_per_s", "per_item_s"}]`) or Markdown.
 * A dimension not swept (image or sequence 0) shows as "-" (empty in CSV, null in JSON).
 * @code ridgeline::write_sweep(std::cout, points, ridgeline::report_format::csv); @endcode
 */
void write_sweep(std::ostream& out, const std::vector<sweep_point>& points, report_format format);

/**
 * An LLM serving estimate (`ridgeline llm`): JSON as DESIGN.md's contract (one object per (batch,
 * context) point, a list of them when there are several: `{"batch", "context", "prefill":
 * {"predicted_time_s", ...}, "decode": {"predicted_time_s", "tokens_per_s", ...}, "kv_cache":
 * {"bytes_per_token", "bytes", ...}, "weights_bytes", "max_batch", "generation", "memory"}`), CSV
 * and Markdown (one row per point), or a console table with the cache layout and the last point's
 * time split.
 * @code ridgeline::write_llm(std::cout, ridgeline::estimate_llm(request), ridgeline::report_format::json); @endcode
 */
void write_llm(std::ostream& out, const llm_estimate& e, report_format format);

/**
 * Models × devices: GFLOP and predicted GPU time per device, as a table, CSV, JSON
 * (`[{"model", "flops", "predicted_time_s": {device: seconds}}]`) or Markdown.
 */
void write_model_comparison(std::ostream& out, const model_comparison& c, report_format format = report_format::table);

/**
 * Predicted against measured per run, then the summary: runs, MdAPE, P90 |error|, bias and the
 * runs within 25%, overall and by batch size.
 */
void write_sample_table(std::ostream& out, const std::vector<sample_row>& rows, const sample_summary& summary);

/** Each leave-one-model-out fit's parameters, then the held-out errors. */
void write_sample_fit(std::ostream& out, const leave_one_out& fit);

/**
 * A curve fit (`ridgeline calibrate`): the fit quality per microbenchmark op and precision (rows,
 * median |ln(predicted/measured)|), the fitted figures per kernel class, and with `rows` every row
 * predicted against measured.
 * @code ridgeline::write_curve_fit(std::cout, mb, fit, false); @endcode
 */
void write_curve_fit(std::ostream& out, const microbench& mb, const curve_fit& fit, bool rows);

/** One line of `hw list`: a spec id and the spec, or why it does not load. */
struct hw_list_entry {
    std::string id;              /**< Spec id (file stem). */
    std::optional<hw_spec> spec; /**< The spec, when it loads. */
    std::string error;           /**< Why it does not load (spec empty). */
};

/** One spec a line: id, name, kind, memory, peak (the highest dense figure) and DRAM bandwidth. */
void write_hw_list(std::ostream& out, const std::vector<hw_list_entry>& entries);

/** One spec with its derived figures and datasheet ridge points (`ridgeline hw show`). */
void write_hw_spec(std::ostream& out, const hw_spec& hw);

// ---------------------------------------------------------------------------------------------
// Measurement: traces, ceilings, validations, replays
// ---------------------------------------------------------------------------------------------

/** Kernel, memcpy and memset counts and times, then the ten kernel names with most time. */
void write_trace_summary(std::ostream& out, const trace& t);

/** Measured ceilings next to the spec's datasheet figures, how each was taken, and the YAML block. */
void write_ceilings_table(std::ostream& out, const ceiling_measurements& m, const hw_spec& hw);

/** Console table of a validation (summary, op types, the rows with most measured time, unattributed). */
void write_validation_table(std::ostream& out, const validation_result& v, std::size_t top_rows = 25);

/**
 * JSON of a validation: `{"method", "method_note", "passes", "model": {"predicted_s", "measured_s",
 * "attributed_s", "unattributed_s", "error", "predicted_kernels", "measured_kernels",
 * "attributed_kernels", "memcpy_s", "memset_s"}, "per_node": {statistics}, "by_op_type": [...],
 * "rows": [{"name", "op_type", "layers", "predicted_s", "measured_s", "predicted_kernels",
 * "measured_kernels", "error"}], "unattributed": [{"name", "count", "time_s"}]}`; statistics are
 * `{"count", "median_ape", "p90_ape", "mean_ape", "bias", "within_10pct", "within_25pct",
 * "spearman"}` (null when NaN).
 * @code ridgeline::write_validation_json(std::cout, v); @endcode
 */
void write_validation_json(std::ostream& out, const validation_result& v);

/**
 * Writes the replay as JSON: `{"device", "warmup", "repeats", "predicted_s", "measured_s",
 * "coverage", "nodes": [{"name", "op_type", "step", "backend", "predicted_s", "measured_s", "min_s",
 * "max_s", "kernels", "reason"?}], "unsupported": {op: count}}`.
 * @code ridgeline::write_replay_json(std::cout, r); @endcode
 */
void write_replay_json(std::ostream& out, const replay_result& r);

/** Console summary: coverage, totals, per-op-type predicted vs replayed, uncovered nodes. */
void write_replay_table(std::ostream& out, const replay_result& r, std::size_t top_rows = 20);

}  // namespace ridgeline
