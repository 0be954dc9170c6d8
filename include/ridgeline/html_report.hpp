/**
 * @file html_report.hpp
 * The one-file HTML report: everything `ridgeline report` shows, in a single self-contained page
 * (inline SVG from plot.hpp and inline CSS; no network, no JS framework — one tiny inline script
 * makes the layer table sortable). Sections: model summary (nodes, parameters, FLOPs by class,
 * bytes, peak activation memory), per-device figures, rooflines (small multiples and one full
 * size per device), predicted time per op type, the batch sweep (throughput and per-item time),
 * memory and the largest batch per device, rank correlations, and the layer table; for a decoder graph
 * with a KV cache, LLM serving (decode time vs context, tokens/s vs batch, memory vs batch against
 * the device's capacity, the decode steps on the roofline).
 *
 * Like every reporter it only reads result structs: the caller runs analyze, predict,
 * predict_latency, sweep and largest_batch (the `ridgeline report` command does exactly that) and
 * fills an `html_report`. The page is also well-formed XML (XHTML syntax), so tools and tests can
 * parse it.
 *
 * @code
 * ridgeline::html_report r;
 * r.model_path = "resnet18.onnx";
 * r.cost = ridgeline::analyze(g);
 * r.devices.push_back({.hw = h100, .prediction = ridgeline::predict(r.cost, h100, ridgeline::dtype::f32),
 *                      .latency = ridgeline::predict_latency(g, r.cost, h100, ridgeline::dtype::f32)});
 * std::ofstream("report.html") << ridgeline::html_report_text(r);
 * @endcode
 */
#pragma once

#include "ridgeline/analysis.hpp"
#include "ridgeline/cost_model.hpp"
#include "ridgeline/hardware.hpp"
#include "ridgeline/llm.hpp"
#include "ridgeline/plot.hpp"
#include "ridgeline/roofline.hpp"
#include "ridgeline/sweep.hpp"

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace ridgeline {

/**
 * One device's results for the report.
 * @code ridgeline::html_device d{.hw = t4, .prediction = ridgeline::predict(m, t4, ridgeline::dtype::f16)}; @endcode
 */
struct html_device {
    hw_spec hw;                         /**< The device. */
    model_prediction prediction;        /**< Roofline per layer (bounds, attainable performance). */
    latency_prediction latency;         /**< Latency model (predicted times per kernel and layer). */
    std::optional<batch_fit> max_batch; /**< Largest batch that fits, when computed. */
    std::string memory_note;            /**< Why `max_batch` is absent (e.g. the spec gives no capacity). */
};

/**
 * Everything the HTML report shows.
 * @code ridgeline::html_report r{.model_path = "m.onnx", .cost = m}; @endcode
 */
struct html_report {
    std::string model_path;                 /**< Model file. */
    std::size_t model_nodes = 0;            /**< Node count of the graph. */
    bindings symbols;                       /**< Bound symbols (batch …). */
    std::string dtype_name = "as stored";   /**< Precision the counts and predictions use. */
    model_cost cost;                        /**< Counts at the bound shapes. */
    memory_estimate memory;                 /**< Inference memory at the bound shapes. */
    std::vector<html_device> devices;       /**< One entry per device, in the order given. */
    std::vector<sweep_point> sweep;         /**< Batch sweep (may be empty). */
    std::string sweep_note;                 /**< Why the sweep is absent or what it assumed. */
    std::vector<model_sample> other_models; /**< Optional: further models' samples (cross-model figures). */
    std::vector<llm_estimate> llm;          /**< Optional: LLM serving estimates (llm.hpp), one per device. */
    std::string generator = "ridgeline";    /**< Footer text (command line that produced it). */
};

/**
 * The report as one HTML document (UTF-8).
 * @code std::string html = ridgeline::html_report_text(r); @endcode
 */
std::string html_report_text(const html_report& r);

/**
 * Writes `html_report_text(r)` to a stream.
 * @code std::ofstream out("report.html"); ridgeline::write_html_report(out, r); @endcode
 */
void write_html_report(std::ostream& out, const html_report& r);

}  // namespace ridgeline
