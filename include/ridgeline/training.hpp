/**
 * @file training.hpp
 * The training estimate on a device (cost layer, `lib/cost`): the backward pass's predicted time
 * per layer and in total, next to the forward pass, and the forward:backward ratios of FLOPs,
 * bytes and time. The backward counts come from the analysis (`layer_cost::backward`, with
 * `analysis_options::training`); the time is derived from the forward prediction through the
 * public latency API, without a second latency model:
 *
 *     backward_time(layer) = forward_time(layer) × backward work / forward work
 *
 * where "work" is the layer's dominant term on the device (the plain roofline's bound for it):
 * FLOPs for a compute-bound layer, bytes moved for a memory-bound one. A layer without forward
 * work of that kind (and any view or folded node) gets no backward time.
 *
 * Limits (docs/counting.md): the backward kernels are assumed to run at the efficiency of the
 * forward kernel they mirror (in eager PyTorch dX and dW are separate GEMMs or convolutions of
 * other shapes, whose tiles and fixed costs differ); the optimizer step, gradient accumulation,
 * the loss and autograd's bookkeeping kernels are not included; activations are assumed kept,
 * not recomputed.
 *
 * @code
 * ridgeline::model_request r{.path = "resnet50.onnx", .training = true};
 * r.devices = {ridgeline::load_hw("h100-sxm")};
 * auto p = ridgeline::predict_model(r);
 * std::cout << p.device().training->time_ratio() << " backward/forward time\n";
 * @endcode
 */
#pragma once

#include "ridgeline/analysis.hpp"
#include "ridgeline/cost_model.hpp"
#include "ridgeline/roofline.hpp"

#include <vector>

namespace ridgeline {

/** A training step's forward and backward predicted time on one device. */
struct training_prediction {
    std::vector<double> backward_time_s; /**< Per model_cost::layers entry. */
    double forward_time_s = 0;           /**< Σ forward: the latency model's GPU time. */
    double backward_time_s_total = 0;    /**< Σ backward_time_s. */
    /** (forward + backward) / forward predicted time (0 when the forward time is 0). */
    [[nodiscard]] double step_time_ratio() const {
        return forward_time_s > 0 ? (forward_time_s + backward_time_s_total) / forward_time_s : 0.0;
    }
    /** backward / forward predicted time (0 when the forward time is 0). */
    [[nodiscard]] double time_ratio() const {
        return forward_time_s > 0 ? backward_time_s_total / forward_time_s : 0.0;
    }
};

/**
 * The backward pass's predicted time per layer from a model analysed with
 * `analysis_options::training` and its forward predictions on one device (see the file comment).
 * Throws `error` when the three do not describe the same layers.
 * @code auto t = ridgeline::predict_training(p.m, p.device().roofline, p.device().latency); @endcode
 */
training_prediction predict_training(const model_cost& m, const model_prediction& roofline,
                                     const latency_prediction& latency);

}  // namespace ridgeline
