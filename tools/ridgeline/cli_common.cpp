// What the subcommands share (commands.hpp): model options → a pipeline request, device lists,
// measurement statuses.
#include "commands.hpp"

#include "ridgeline/error.hpp"
#include "ridgeline/hardware.hpp"
#include "ridgeline/precision.hpp"

#include <iostream>
#include <sstream>

namespace ridgeline::cli {

int report_status(const char* command, const measure_status& s) {
    std::cerr << "ridgeline " << command << ": " << measure_code_name(s.code) << ": " << s.message << '\n';
    return s.code == measure_code::not_supported || s.code == measure_code::no_device ? not_available_exit : 1;
}

void require_table_or_json(const std::string& format) {
    if (format != "table" && format != "json") throw usage_error("unknown format '" + format + "' (table or json)");
}

shape_options make_shape_options(std::int64_t batch, const std::vector<std::string>& sets,
                                 const std::vector<std::string>& inputs) {
    shape_options o;
    o.batch = batch;
    for (const auto& s : sets) o.symbols.insert(parse_binding(s));
    for (const auto& s : inputs) o.input_shapes.insert(parse_input_shape(s));
    return o;
}

void add_model_options(CLI::App* c, model_options& o, const std::string& dtype_help) {
    c->add_option("model", o.model, "ONNX model file")->required();
    c->add_option("--batch,-b", o.batch, "bind the batch symbol (and each input's leading symbolic dim)");
    c->add_option("--set", o.sets, "bind a symbol: NAME=N (repeatable)");
    c->add_option("--input", o.inputs, "override an input's shape: NAME=d0,d1,... (repeatable)");
    c->add_option("--dtype", o.dtype_text, dtype_help);
}

model_request make_request(const model_options& o) {
    model_request r;
    r.path = o.model;
    r.shapes = make_shape_options(o.batch, o.sets, o.inputs);
    r.prec = parse_precision(o.dtype_text);
    if (!o.hw.empty()) r.devices = {load_hw(o.hw)};
    r.on_diagnostic = [path = o.model](const diagnostic& d) {
        std::cerr << (d.level == severity::error ? "error: " : "warning: ") << path << ": " << d.message << '\n';
    };
    return r;
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
