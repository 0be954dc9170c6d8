/**
 * @file pipeline.hpp
 * One pipeline from an ONNX file to predictions (cost layer, `lib/cost`): load → infer shapes →
 * analyse → predict on each device (the roofline of roofline.hpp and the latency model of
 * cost_model.hpp), in one precision (precision.hpp). Every command of the tool, the examples, the
 * sweeps and the timing-sample check go through `predict_model`; `predict_latency` stays the
 * lower-level call for a graph already analysed.
 *
 * Inference findings are kept in the result (and, when the request asks, handed to a callback as
 * they are found); inference that fails throws `error` naming the file, the bindings and the
 * first error. Nothing here prints.
 *
 * @code
 * ridgeline::model_request r;
 * r.path = "resnet50.onnx";
 * r.shapes.batch = 32;
 * r.prec = ridgeline::parse_precision("fp16");
 * r.devices = {ridgeline::load_hw("h100-sxm")};
 * auto p = ridgeline::predict_model(r);
 * std::cout << p.device().latency.gpu_time_s * 1e3 << " ms\n";
 * @endcode
 */
#pragma once

#include "ridgeline/analysis.hpp"
#include "ridgeline/cost_model.hpp"
#include "ridgeline/hardware.hpp"
#include "ridgeline/precision.hpp"
#include "ridgeline/roofline.hpp"
#include "ridgeline/shape.hpp"
#include "ridgeline/training.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace ridgeline {

/** What to load, how to bind and count it, and where to predict it. */
struct model_request {
    std::string path;             /**< ONNX file (also names the graph in messages). */
    shape_options shapes;         /**< Bindings and input overrides. */
    precision prec;               /**< Precision (default: as stored, fp32 ceilings). */
    std::vector<hw_spec> devices; /**< Devices to predict on (none: counts only). */
    cost_model_params params;     /**< Latency-model parameters; `use_tf32` and `fused` are set from
                                       `prec` and `fused`. */
    bool fused = false;           /**< Count and predict with fused elementwise chains. */
    bool training = false;        /**< Also count the backward pass. */
    graph_slice slice;            /**< Analyse only part of the graph. */
    /** Called with each warning and error of shape inference as it is found (may be empty). */
    std::function<void(const diagnostic&)> on_diagnostic;
};

/** One device's predictions of an analysed model. */
struct device_prediction {
    hw_spec hw;                 /**< The device. */
    model_prediction roofline;  /**< Plain roofline: ceilings, bound per layer. */
    latency_prediction latency; /**< Latency model: kernels and predicted times. */
    /** The backward pass's predicted time (training.hpp), when the request asked for training. */
    std::optional<training_prediction> training;
};

/** A model loaded and its shapes inferred: the pipeline's first two steps. */
struct inferred_model {
    std::string path;       /**< The request's path. */
    graph g;                /**< Shapes inferred (bound as requested). */
    shape_report inference; /**< What inference found. */
    bindings symbols;       /**< The bindings in force (`resolved_bindings`). */
};

/** A model loaded, inferred, analysed and predicted. */
struct predicted_model : inferred_model {
    precision prec;                         /**< The precision counted and predicted in. */
    model_cost m;                           /**< analyze(g) in that precision. */
    bool training = false;                  /**< `m` includes the backward pass (layer_cost::backward). */
    std::vector<device_prediction> devices; /**< One per requested device, in order. */

    /** Device `i`'s predictions; throws usage_error when there are not that many devices. */
    [[nodiscard]] const device_prediction& device(std::size_t i = 0) const;
};

/**
 * The first two steps alone: infers `g`'s shapes under `r.shapes` (findings to
 * `r.on_diagnostic`), without analysing. Throws `error` naming the file, the bindings and the
 * first error when inference fails.
 * @code auto m = ridgeline::infer_model(ridgeline::load_onnx("m.onnx"), {.shapes = {.batch = 8}}); @endcode
 */
inferred_model infer_model(graph g, const model_request& r);

/**
 * Loads `r.path` (load_onnx), then runs the steps of the overload below.
 * @code auto p = ridgeline::predict_model({.path = "m.onnx", .devices = {ridgeline::load_hw("t4")}}); @endcode
 */
predicted_model predict_model(const model_request& r);

/**
 * Infers `g`'s shapes under `r.shapes`, analyses it in `r.prec` and predicts it on every device of
 * `r.devices`. The graph is taken by value and returned in the result, so a caller sweeping one
 * graph moves it in and out: `auto p = predict_model(std::move(g), r); g = std::move(p.g);`.
 * Throws `error` when shape inference fails, `unbound_symbol_error` when a count needs a symbol
 * nobody bound, `spec_error` when a device lacks a ceiling.
 * @code auto p = ridgeline::predict_model(ridgeline::load_onnx("m.onnx"), request); @endcode
 */
predicted_model predict_model(graph g, const model_request& r);

}  // namespace ridgeline
