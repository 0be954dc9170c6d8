// Sweeps: re-bind, re-infer, re-analyse and predict at every point.
#include "ridgeline/sweep.hpp"

#include "ridgeline/error.hpp"

namespace ridgeline {

std::vector<sweep_point> sweep(graph& g, const shape_options& base, const std::vector<hw_spec>& devices,
                               const sweep_axes& axes, dtype precision, const cost_model_params& params) {
    auto or_zero = [](const std::vector<std::int64_t>& v) { return v.empty() ? std::vector<std::int64_t>{0} : v; };
    std::vector<sweep_point> out;
    analysis_options ao;
    if (precision != dtype::f32) ao.float_override = precision;
    for (auto batch : or_zero(axes.batches)) {
        for (auto image : or_zero(axes.images)) {
            for (auto seq : or_zero(axes.sequences)) {
                shape_options o = base;
                if (batch > 0) o.batch = batch;
                if (seq > 0) o.symbols["sequence"] = seq;
                if (image > 0) {
                    if (g.inputs.empty()) throw usage_error("image sweep: the model has no graph input");
                    const auto& in = g.values[static_cast<std::size_t>(g.inputs[0])];
                    if (!in.declared || in.declared->size() != 4 || !(*in.declared)[1].is_value()) {
                        throw usage_error("image sweep: input '" + in.name + "' is not [N, C, H, W] with a known C");
                    }
                    o.input_shapes[in.name] = {batch > 0 ? batch : std::max<std::int64_t>(1, o.batch),
                                               (*in.declared)[1].value(), image, image};
                }
                const auto report = infer_shapes(g, o);
                if (!report.ok()) {
                    throw error("sweep point batch=" + std::to_string(batch) + " image=" + std::to_string(image) +
                                " sequence=" + std::to_string(seq) + ": " + report.diagnostics.front().message);
                }
                const auto m = analyze(g, ao);
                const std::int64_t items = std::max<std::int64_t>(1, batch > 0 ? batch : o.batch);
                for (const auto& hw : devices) {
                    const auto lat = predict_latency(g, m, hw, precision, params);
                    sweep_point p;
                    p.device = hw.id;
                    p.batch = items;
                    p.image = image;
                    p.sequence = seq;
                    p.flops = m.totals.flops();
                    p.kernels = static_cast<std::int64_t>(lat.kernels.size());
                    p.gpu_time_s = lat.gpu_time_s;
                    p.wall_time_s = lat.wall_time_s;
                    p.throughput_per_s = lat.gpu_time_s > 0 ? static_cast<double>(items) / lat.gpu_time_s : 0;
                    p.per_item_s = lat.gpu_time_s / static_cast<double>(items);
                    out.push_back(p);
                }
            }
        }
    }
    return out;
}

}  // namespace ridgeline
