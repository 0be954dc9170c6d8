#include "cli_common.hpp"

#include "ridgeline/error.hpp"
#include "ridgeline/onnx_import.hpp"

#include <iostream>
#include <sstream>

namespace ridgeline::cli {

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
