/**
 * @file sweep.hpp
 * Sweeps and comparisons over the latency model: predicted GPU time, throughput and per-item time
 * of one model over batch sizes, image sizes and sequence lengths on several devices, and a
 * models × devices table. Each point re-binds the graph and goes through `predict_model`
 * (pipeline.hpp).
 *
 * @code
 * auto g = ridgeline::load_onnx("resnet50.onnx");
 * auto pts = ridgeline::sweep(g, {}, {ridgeline::load_hw("t4"), ridgeline::load_hw("a100-sxm-80gb")},
 *                             {.batches = {1, 8, 32}});
 * @endcode
 */
#pragma once

#include "ridgeline/cost_model.hpp"
#include "ridgeline/pipeline.hpp"
#include "ridgeline/precision.hpp"

#include <string>
#include <vector>

namespace ridgeline {

/** What to vary. An empty list keeps that dimension as bound in `base`. */
struct sweep_axes {
    std::vector<std::int64_t> batches;   /**< Batch sizes. */
    std::vector<std::int64_t> images;    /**< Square image sizes (first input becomes [b, C, s, s]). */
    std::vector<std::int64_t> sequences; /**< Values of the `sequence` symbol. */
};

/** One predicted point. */
struct sweep_point {
    std::string device;          /**< Spec id. */
    std::int64_t batch = 0;      /**< Batch size. */
    std::int64_t image = 0;      /**< Image size (0: not swept). */
    std::int64_t sequence = 0;   /**< Sequence length (0: not swept). */
    std::int64_t flops = 0;      /**< Total FLOPs at this point. */
    std::int64_t kernels = 0;    /**< Predicted kernels. */
    double gpu_time_s = 0;       /**< Predicted GPU time per pass. */
    double wall_time_s = 0;      /**< With host launch overhead overlapped. */
    double throughput_per_s = 0; /**< Items per second (batch / GPU time). */
    double per_item_s = 0;       /**< GPU time / batch. */
};

/**
 * Evaluates every combination of the axes on every device, each point through `predict_model`
 * (the graph is re-bound in place and left bound at the last point).
 * @code auto pts = ridgeline::sweep(g, {}, devices, {.batches = {1, 8}}, ridgeline::parse_precision("fp16")); @endcode
 */
std::vector<sweep_point> sweep(graph& g, const shape_options& base, const std::vector<hw_spec>& devices,
                               const sweep_axes& axes, const precision& prec, const cost_model_params& params = {});

/** The same in a (dtype, params.use_tf32) pair: `precision_of(precision, params.use_tf32)`. */
std::vector<sweep_point> sweep(graph& g, const shape_options& base, const std::vector<hw_spec>& devices,
                               const sweep_axes& axes, dtype precision = dtype::f32,
                               const cost_model_params& params = {});

/** One model's row of a models × devices comparison. */
struct model_comparison_row {
    std::string model;              /**< File stem. */
    std::int64_t flops = 0;         /**< Total FLOPs at the batch compared. */
    std::vector<double> gpu_time_s; /**< Predicted GPU time per device, in `model_comparison::devices` order. */
};

/** Models × devices predicted GPU time (`ridgeline compare`). */
struct model_comparison {
    std::vector<std::string> devices;       /**< Spec ids, in column order. */
    std::vector<model_comparison_row> rows; /**< One per model, in the order given. */
};

/**
 * Predicts each model (loaded from `paths`) at one batch size on every device.
 * @code auto c = ridgeline::compare_models({"a.onnx", "b.onnx"}, {}, devices, 8, ridgeline::parse_precision(""));
 * @endcode
 */
model_comparison compare_models(const std::vector<std::string>& paths, const shape_options& base,
                                const std::vector<hw_spec>& devices, std::int64_t batch, const precision& prec,
                                const cost_model_params& params = {});

}  // namespace ridgeline
