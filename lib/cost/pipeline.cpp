// The one pipeline (pipeline.hpp): load → infer → analyse → predict on each device.
#include "ridgeline/pipeline.hpp"

#include "ridgeline/error.hpp"
#include "ridgeline/onnx_import.hpp"

#include <algorithm>

namespace ridgeline {

namespace {

/** "batch=8, sequence=128, input=[8, 3, 320, 320]", or "" when nothing is bound. */
std::string bindings_text(const bindings& symbols, const shape_options& o) {
    std::string out;
    for (const auto& [k, v] : symbols) out += (out.empty() ? "" : ", ") + k + "=" + std::to_string(v);
    for (const auto& [name, dims] : o.input_shapes) {
        std::string d;
        for (auto x : dims) d += (d.empty() ? "" : ", ") + std::to_string(x);
        out += (out.empty() ? "" : ", ") + name + "=[" + d + "]";
    }
    return out;
}

}  // namespace

const device_prediction& predicted_model::device(std::size_t i) const {
    if (i >= devices.size()) {
        throw usage_error(path + ": no prediction for device " + std::to_string(i) + " (" +
                          std::to_string(devices.size()) + " devices requested)");
    }
    return devices[i];
}

predicted_model predict_model(const model_request& r) { return predict_model(load_onnx(r.path), r); }

inferred_model infer_model(graph g, const model_request& r) {
    inferred_model p;
    p.path = r.path;
    p.symbols = resolved_bindings(g, r.shapes);
    p.inference = infer_shapes(g, r.shapes);
    if (r.on_diagnostic) {
        for (const auto& d : p.inference.diagnostics) {
            if (d.level != severity::info) r.on_diagnostic(d);
        }
    }
    if (!p.inference.ok()) {
        const auto& first = *std::find_if(p.inference.diagnostics.begin(), p.inference.diagnostics.end(),
                                          [](const diagnostic& d) { return d.level == severity::error; });
        const auto bound = bindings_text(p.symbols, r.shapes);
        throw error(r.path + ": shape inference failed" + (bound.empty() ? "" : " with " + bound) + ": " +
                    (first.node.empty() || first.message.rfind("node '" + first.node + "'", 0) == 0
                         ? ""
                         : "node '" + first.node + "': ") +
                    first.message);
    }
    p.g = std::move(g);
    return p;
}

predicted_model predict_model(graph g, const model_request& r) {
    predicted_model p;
    static_cast<inferred_model&>(p) = infer_model(std::move(g), r);
    p.prec = r.prec;
    p.training = r.training;
    analysis_options ao;
    ao.float_override = r.prec.storage;
    ao.fused = r.fused;
    ao.training = r.training;
    p.m = analyze(p.g, ao, r.slice);
    cost_model_params params = r.params;
    params.use_tf32 = r.prec.tf32;
    params.fused = r.fused;
    p.devices.reserve(r.devices.size());
    for (const auto& hw : r.devices) {
        device_prediction d;
        d.hw = hw;
        d.roofline = predict(p.m, hw, r.prec.compute, r.prec.tf32);
        d.latency = predict_latency(p.g, p.m, hw, r.prec.compute, params);
        if (r.training) d.training = predict_training(p.m, d.roofline, d.latency);
        p.devices.push_back(std::move(d));
    }
    return p;
}

}  // namespace ridgeline
