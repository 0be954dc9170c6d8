// Sweeps: every point re-binds the graph and goes through the pipeline (pipeline.hpp).
#include "ridgeline/sweep.hpp"

#include "ridgeline/error.hpp"
#include "ridgeline/onnx_import.hpp"

#include <filesystem>

namespace ridgeline {

std::vector<sweep_point> sweep(graph& g, const shape_options& base, const std::vector<hw_spec>& devices,
                               const sweep_axes& axes, const precision& prec, const cost_model_params& params) {
    auto or_zero = [](const std::vector<std::int64_t>& v) { return v.empty() ? std::vector<std::int64_t>{0} : v; };
    std::vector<sweep_point> out;
    model_request r;
    r.path = g.path;
    r.prec = prec;
    r.devices = devices;
    r.params = params;
    r.fused = params.fused;
    for (auto batch : or_zero(axes.batches)) {
        for (auto image : or_zero(axes.images)) {
            for (auto seq : or_zero(axes.sequences)) {
                shape_options& o = r.shapes = base;
                if (batch > 0) o.batch = batch;
                if (seq > 0) o.symbols["sequence"] = seq;
                if (image > 0) {
                    if (g.inputs.empty()) throw usage_error("--image: the model has no graph input");
                    const auto& in = g.values[static_cast<std::size_t>(g.inputs[0])];
                    if (!in.declared || in.declared->size() != 4 || !(*in.declared)[1].is_value()) {
                        throw usage_error("--image: input '" + in.name + "' is not [N, C, H, W] with a known C");
                    }
                    o.input_shapes[in.name] = {batch > 0 ? batch : std::max<std::int64_t>(1, o.batch),
                                               (*in.declared)[1].value(), image, image};
                }
                const std::int64_t items = std::max<std::int64_t>(1, batch > 0 ? batch : o.batch);
                auto p = predict_model(std::move(g), r);
                g = std::move(p.g);
                for (const auto& d : p.devices) {
                    const auto& lat = d.latency;
                    sweep_point pt;
                    pt.device = d.hw.id;
                    pt.batch = items;
                    pt.image = image;
                    pt.sequence = seq;
                    pt.flops = p.m.totals.flops();
                    pt.kernels = static_cast<std::int64_t>(lat.kernels.size());
                    pt.gpu_time_s = lat.gpu_time_s;
                    pt.wall_time_s = lat.wall_time_s;
                    pt.throughput_per_s = lat.gpu_time_s > 0 ? static_cast<double>(items) / lat.gpu_time_s : 0;
                    pt.per_item_s = lat.gpu_time_s / static_cast<double>(items);
                    out.push_back(pt);
                }
            }
        }
    }
    return out;
}

std::vector<sweep_point> sweep(graph& g, const shape_options& base, const std::vector<hw_spec>& devices,
                               const sweep_axes& axes, dtype precision, const cost_model_params& params) {
    return sweep(g, base, devices, axes, precision_of(precision, params.use_tf32), params);
}

model_comparison compare_models(const std::vector<std::string>& paths, const shape_options& base,
                                const std::vector<hw_spec>& devices, std::int64_t batch, const precision& prec,
                                const cost_model_params& params) {
    model_comparison c;
    for (const auto& hw : devices) c.devices.push_back(hw.id);
    for (const auto& path : paths) {
        graph g = load_onnx(path);
        const auto points = sweep(g, base, devices, {{batch}, {}, {}}, prec, params);
        model_comparison_row row;
        row.model = std::filesystem::path(path).stem().string();
        row.flops = points.empty() ? 0 : points.front().flops;
        for (const auto& p : points) row.gpu_time_s.push_back(p.gpu_time_s);
        c.rows.push_back(std::move(row));
    }
    return c;
}

}  // namespace ridgeline
