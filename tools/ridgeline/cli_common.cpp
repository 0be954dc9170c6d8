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

void add_model_options(CLI::App* c, model_options& o, bool hw_required, const std::string& dtype_help) {
    c->add_option("model", o.model, "ONNX model file")->required();
    auto* hw = c->add_option("--hw", o.hw, "hardware spec id");
    if (hw_required) hw->required();
    c->add_option("--batch,-b", o.batch, "bind the batch symbol (and each input's leading symbolic dim)");
    c->add_option("--set", o.sets, "bind a symbol: NAME=N (repeatable)");
    c->add_option("--input", o.inputs, "override an input's shape: NAME=d0,d1,... (repeatable)");
    c->add_option("--dtype", o.dtype_text, dtype_help);
}

predicted_model predict_model(const model_options& o, bool fused) {
    const std::string& dtype_text = o.dtype_text;
    predicted_model p;
    p.hw = load_hw(o.hw);
    p.g = load_and_infer(o.model, make_shape_options(o.batch, o.sets, o.inputs));
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
