#include "cli_common.hpp"

#include "ridgeline/error.hpp"
#include "ridgeline/onnx_import.hpp"

#include <iostream>
#include <sstream>

namespace ridgeline::cli {

int report_status(const char* command, const measure_status& s) {
    std::cerr << "ridgeline " << command << ": " << measure_code_name(s.code) << ": " << s.message << '\n';
    return s.code == measure_code::not_supported || s.code == measure_code::no_device ? not_available_exit : 1;
}

shape_options make_shape_options(std::int64_t batch, const std::vector<std::string>& sets,
                                 const std::vector<std::string>& inputs) {
    shape_options o;
    o.batch = batch;
    for (const auto& s : sets) o.symbols.insert(parse_binding(s));
    for (const auto& s : inputs) o.input_shapes.insert(parse_input_shape(s));
    return o;
}

void infer_or_throw(graph& g, const shape_options& options, const std::string& path) {
    const auto report = infer_shapes(g, options);
    for (const auto& d : report.diagnostics) {
        if (d.level == severity::info) continue;
        std::cerr << (d.level == severity::error ? "error: " : "warning: ") << path << ": " << d.message << '\n';
    }
    if (!report.ok()) throw error(path + ": shape inference failed (see the errors above)");
}

graph load_and_infer(const std::string& path, const shape_options& options) {
    graph g = load_onnx(path);
    infer_or_throw(g, options, path);
    return g;
}

predicted_model predict_model(const std::string& model, const shape_options& options, const std::string& dtype_text,
                              const std::string& hw_id, bool fused) {
    predicted_model p;
    p.hw = load_hw(hw_id);
    p.g = load_and_infer(model, options);
    const dtype dt = dtype_text.empty() ? dtype::undefined : parse_dtype(dtype_text);
    const bool tf32 = dtype_text == "tf32";
    analysis_options ao;
    ao.fused = fused;
    ao.float_override = dtype_text == "fp32" || tf32 ? dtype::undefined : dt;
    p.m = analyze(p.g, ao);
    cost_model_params cp;
    cp.use_tf32 = tf32;
    cp.fused = fused;
    p.precision = dt == dtype::undefined ? dtype::f32 : dt;
    p.lat = predict_latency(p.g, p.m, p.hw, p.precision, cp);
    return p;
}

std::vector<hw_spec> load_devices(const std::string& list) {
    std::vector<hw_spec> out;
    std::stringstream ss(list);
    std::string id;
    while (std::getline(ss, id, ',')) {
        if (!id.empty()) out.push_back(load_hw(id));
    }
    if (out.empty()) throw usage_error("--hw names no device");
    return out;
}

}  // namespace ridgeline::cli
