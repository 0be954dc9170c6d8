#include "model_builder.hpp"

#include "ridgeline/onnx_import.hpp"

#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <stdexcept>

namespace ridgeline::test {

model_builder::model_builder(std::int64_t opset) {
    model_.set_ir_version(8);
    model_.set_producer_name("ridgeline-tests");
    auto* op = model_.add_opset_import();
    op->set_domain("");
    op->set_version(opset);
    model_.mutable_graph()->set_name("test");
}

model_builder& model_builder::input(const std::string& name, dtype type, const std::vector<dim_spec>& dims) {
    auto* vi = model_.mutable_graph()->add_input();
    vi->set_name(name);
    auto* tt = vi->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(static_cast<int>(type));
    auto* sh = tt->mutable_shape();
    for (const auto& d : dims) {
        auto* dd = sh->add_dim();
        if (std::holds_alternative<std::int64_t>(d))
            dd->set_dim_value(std::get<std::int64_t>(d));
        else
            dd->set_dim_param(std::get<std::string>(d));
    }
    return *this;
}

model_builder& model_builder::output(const std::string& name) {
    model_.mutable_graph()->add_output()->set_name(name);
    return *this;
}

model_builder& model_builder::weight(const std::string& name, dtype type, const std::vector<std::int64_t>& dims) {
    auto* t = model_.mutable_graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(static_cast<int>(type));
    for (auto d : dims) t->add_dims(d);
    t->set_data_location(onnx::TensorProto::EXTERNAL);
    auto* e = t->add_external_data();
    e->set_key("location");
    e->set_value("absent.weights");
    return *this;
}

model_builder& model_builder::ints(const std::string& name, const std::vector<std::int64_t>& values) {
    auto* t = model_.mutable_graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::INT64);
    t->add_dims(static_cast<std::int64_t>(values.size()));
    for (auto v : values) t->add_int64_data(v);
    return *this;
}

onnx::NodeProto& model_builder::node(const std::string& op_type, const std::vector<std::string>& inputs,
                                     const std::vector<std::string>& outputs, const std::string& name) {
    auto* n = model_.mutable_graph()->add_node();
    n->set_op_type(op_type);
    n->set_name(name.empty() ? op_type + "_" + std::to_string(model_.graph().node_size()) : name);
    for (const auto& i : inputs) n->add_input(i);
    for (const auto& o : outputs) n->add_output(o);
    return *n;
}

std::string model_builder::bytes() const { return model_.SerializeAsString(); }

graph model_builder::load(const std::string& name) const {
    const auto b = bytes();
    return load_onnx_bytes(b.data(), b.size(), name);
}

void attr_i(onnx::NodeProto& n, const std::string& name, std::int64_t v) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
}

void attr_f(onnx::NodeProto& n, const std::string& name, float v) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(v);
}

void attr_s(onnx::NodeProto& n, const std::string& name, const std::string& v) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::STRING);
    a->set_s(v);
}

void attr_ints(onnx::NodeProto& n, const std::string& name, const std::vector<std::int64_t>& v) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (auto x : v) a->add_ints(x);
}

command_result run_command(const std::string& command) {
    command_result r;
    FILE* p = popen(command.c_str(), "r");
    if (p == nullptr) throw std::runtime_error("cannot run: " + command);
    std::array<char, 4096> buf{};
    while (fgets(buf.data(), static_cast<int>(buf.size()), p)) r.out += buf.data();
    const int st = pclose(p);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

std::string built_file(const std::string& compiled) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (fs::exists(compiled, ec)) return compiled;
    const auto name = fs::path(compiled).filename();
    if (const auto exe = fs::canonical("/proc/self/exe", ec); !ec) {
        for (const auto& dir : {exe.parent_path(), exe.parent_path().parent_path() / "bin"}) {
            if (fs::exists(dir / name, ec)) return (dir / name).string();
        }
    }
    return compiled;
}

std::string tool_path() {
    if (const char* env = std::getenv("RIDGELINE_TEST_TOOL"); env != nullptr && *env != '\0') return env;
    return built_file(RIDGELINE_TOOL);
}

command_result run_tool(const std::string& args, bool with_stderr) {
    return run_command(tool_path() + " " + args + (with_stderr ? " 2>&1" : " 2>/dev/null"));
}

std::vector<std::string> zoo_models(bool analysable_only) {
    std::vector<std::string> out;
    if (!std::filesystem::exists(RIDGELINE_ZOO_DIR)) return out;
    for (const auto& e : std::filesystem::directory_iterator(RIDGELINE_ZOO_DIR)) {
        if (e.path().extension() != ".onnx") continue;
        if (analysable_only && e.path().filename() == "vit_b_16_dynamo.onnx") continue;
        if (e.path().stem().string().ends_with("_decode")) continue;  // KV-cache graphs: zoo_decoder_models
        out.push_back(e.path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string> zoo_decoder_models() {
    std::vector<std::string> out;
    if (!std::filesystem::exists(RIDGELINE_ZOO_DIR)) return out;
    for (const auto& e : std::filesystem::directory_iterator(RIDGELINE_ZOO_DIR)) {
        if (e.path().extension() == ".onnx" && e.path().stem().string().ends_with("_decode"))
            out.push_back(e.path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
}

void require_zoo() {
    if (!std::filesystem::exists(RIDGELINE_ZOO_DIR)) {
        std::cout << "SKIPPED: zoo folder " << RIDGELINE_ZOO_DIR << " is absent\n";
        std::exit(77);
    }
}

std::string zoo_path(const std::string& file) {
    const std::filesystem::path p = std::filesystem::path(RIDGELINE_ZOO_DIR) / file;
    return std::filesystem::exists(p) ? p.string() : std::string();
}

std::string shape_of(const graph& g, const std::string& name) {
    const auto id = g.find_value(name);
    if (id < 0) return "missing";
    const auto& v = g.values[static_cast<std::size_t>(id)];
    return v.dims ? shape_to_string(*v.dims) : "?";
}

}  // namespace ridgeline::test
