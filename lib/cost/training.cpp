// The training estimate on a device (training.hpp): the backward pass's predicted time per layer,
// scaled from the forward prediction by the backward/forward work of the layer's dominant term.
#include "ridgeline/training.hpp"

#include "ridgeline/error.hpp"

namespace ridgeline {

namespace {

/** b / a (0 when a is 0). */
double ratio(std::int64_t a, std::int64_t b) { return a > 0 ? static_cast<double>(b) / static_cast<double>(a) : 0.0; }

}  // namespace

training_prediction predict_training(const model_cost& m, const model_prediction& roofline,
                                     const latency_prediction& latency) {
    const auto n = m.layers.size();
    if (roofline.layers.size() != n || latency.layer_time_s.size() != n) {
        throw error("training estimate: the prediction covers " + std::to_string(latency.layer_time_s.size()) +
                    " layers, the analysis " + std::to_string(n));
    }
    training_prediction t;
    t.backward_time_s.assign(n, 0.0);
    t.forward_time_s = latency.gpu_time_s;
    for (std::size_t i = 0; i < n; ++i) {
        const auto& l = m.layers[i];
        if (!l.is_kernel() || l.unknown) continue;
        // The dominant term decides which work scales the time: FLOPs when compute-bound, bytes
        // moved when memory-bound (the plain roofline's bound for the layer).
        const double scale = roofline.layers[i].bound == bound_kind::compute
                                 ? ratio(l.forward.flops(), l.backward.flops())
                                 : ratio(l.forward.bytes(), l.backward.bytes());
        t.backward_time_s[i] = latency.layer_time_s[i] * scale;
        t.backward_time_s_total += t.backward_time_s[i];
    }
    return t;
}

}  // namespace ridgeline
