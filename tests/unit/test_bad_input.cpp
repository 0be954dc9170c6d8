// Issue 15, the library side: bad input never crashes and never slips through. The reproducers of
// ../shared/repro (copied to tests/data/repro), every attribute an op rule reads checked, overflow
// and non-UTF-8 names in messages, spec validation, initializers stored twice, shape constants in
// external data, and the training estimate on a device. (The command line's side is in
// test_tool_usage.cpp; the fuzz targets in fuzz/.)
#include "model_builder.hpp"
#include "onnx_tensors.hpp"
#include "temp_dir.hpp"

#include "ridgeline/analysis.hpp"
#include "ridgeline/error.hpp"
#include "ridgeline/hardware.hpp"
#include "ridgeline/onnx_import.hpp"
#include "ridgeline/pipeline.hpp"
#include "ridgeline/report.hpp"
#include "ridgeline/shape.hpp"
#include "ridgeline/training.hpp"
#include "ridgeline/units.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace ridgeline;
using ridgeline::test::attr_i;
using ridgeline::test::attr_ints;
using ridgeline::test::attr_s;
using ridgeline::test::model_builder;

namespace {

const std::string data_dir = RIDGELINE_TEST_DATA;

using ridgeline::test::temp_dir;

/** Shape options binding the batch only. */
shape_options batch_of(std::int64_t batch) {
    shape_options o;
    o.batch = batch;
    return o;
}

/** The first error diagnostic of inferring `g` under `o`, or "" when inference succeeds. */
std::string first_error(graph& g, const shape_options& o = {}) {
    const auto report = infer_shapes(g, o);
    for (const auto& d : report.diagnostics) {
        if (d.level == severity::error) return d.node + ": " + d.message;
    }
    return "";
}

/** One-node model: x [1, 3, 8, 8] through `op` with weight w [4, 3, 3, 3] when `with_weight`. */
model_builder conv_like([[maybe_unused]] const std::string& op, bool with_weight = true) {
    model_builder b;
    b.input("x", dtype::f32, {std::int64_t{1}, std::int64_t{3}, std::int64_t{8}, std::int64_t{8}});
    if (with_weight) b.weight("w", dtype::f32, {4, 3, 3, 3});
    b.output("y");
    return b;
}

/** Expects inference of `b` to fail on node `node` with a message holding each of `words`. */
void expect_refused(const model_builder& b, const std::string& node, const std::vector<std::string>& words) {
    auto g = b.load();
    const auto e = first_error(g);
    CAPTURE(e);
    CHECK(e.find(node) != std::string::npos);
    for (const auto& w : words) CHECK(e.find(w) != std::string::npos);
}

nlohmann::json json_of(const analysis_report& r) {
    std::ostringstream out;
    write_report(out, r, report_format::json);
    return nlohmann::json::parse(out.str());
}

}  // namespace

// ---- 1. the Concat segfault ------------------------------------------------------------------

TEST_CASE("repro bert_base_opset1_segv: an error naming the node, no crash") {
    auto g = load_onnx(data_dir + "/repro/bert_base_opset1_segv.onnx");
    CHECK(g.opset("") == 1);
    shape_options o;
    o.batch = 1;
    o.symbols["sequence"] = 128;
    const auto e = first_error(g, o);
    CAPTURE(e);
    CHECK(!e.empty());  // opset-1 rules refuse this graph somewhere, with a message
    // Through the pipeline: an error naming the file, never a signal.
    model_request r;
    r.path = data_dir + "/repro/bert_base_opset1_segv.onnx";
    r.shapes = o;
    CHECK_THROWS_AS((void)predict_model(r), error);
}

TEST_CASE("Concat of a scalar: the axis is out of range for rank 0 (the segfault's cause)") {
    model_builder b;
    b.input("a", dtype::f32, {});
    b.input("c", dtype::f32, {});
    b.node("Concat", {"a", "c"}, {"y"}, "cat");
    b.output("y");
    expect_refused(b, "cat", {"axis 0 is out of range for rank 0"});
}

TEST_CASE("bert mutants of the issue (opset 6, initializer dims deleted / 0 / extended, emptied inputs)") {
    const auto bytes = test::read_bytes(data_dir + "/repro/bert_base_opset1_segv.onnx");
    onnx::ModelProto base;
    REQUIRE(base.ParseFromString(bytes));
    std::vector<std::pair<std::string, onnx::ModelProto>> mutants;
    auto add = [&](const std::string& what, auto&& edit) {
        onnx::ModelProto m = base;
        edit(m);
        mutants.emplace_back(what, std::move(m));
    };
    add("opset 6", [](onnx::ModelProto& m) { m.mutable_opset_import(0)->set_version(6); });
    for (int k = 0; k < std::min(base.graph().initializer_size(), 40); k += 3) {
        add("dims deleted " + std::to_string(k),
            [k](onnx::ModelProto& m) { m.mutable_graph()->mutable_initializer(k)->clear_dims(); });
        add("dims zero " + std::to_string(k), [k](onnx::ModelProto& m) {
            auto* t = m.mutable_graph()->mutable_initializer(k);
            if (t->dims_size() > 0) t->set_dims(0, 0);
        });
        add("dims extended " + std::to_string(k),
            [k](onnx::ModelProto& m) { m.mutable_graph()->mutable_initializer(k)->add_dims(7); });
    }
    for (int k = 0; k < std::min(base.graph().node_size(), 200); k += 7) {
        add("input emptied " + std::to_string(k), [k](onnx::ModelProto& m) {
            auto* n = m.mutable_graph()->mutable_node(k);
            if (n->input_size() > 0) n->set_input(0, "");
        });
    }
    for (const auto& version : {1, 13}) {
        for (auto& [what, m] : mutants) {
            CAPTURE(what);
            CAPTURE(version);
            m.mutable_opset_import(0)->set_version(version);
            const auto text = m.SerializeAsString();
            model_request r;
            r.path = "mutant.onnx";
            r.shapes.batch = 1;
            r.shapes.symbols["sequence"] = 16;
            r.devices = {load_hw("h100-sxm")};
            try {
                auto p = predict_model(load_onnx_bytes(text.data(), text.size(), "mutant.onnx"), r);
                CHECK(p.m.totals.flops() >= 0);
            } catch (const error& e) {
                CHECK(std::string(e.what()).size() > 10);  // refused, with a message
            }
        }
    }
}

// ---- 2. every attribute an op rule reads is validated ---------------------------------------

TEST_CASE("repro resnet18_maxpool_negative_kernel: refused naming the node and the attribute") {
    auto g = load_onnx(data_dir + "/repro/resnet18_maxpool_negative_kernel.onnx");
    const auto e = first_error(g, batch_of(1));
    CAPTURE(e);
    CHECK(e.find("/maxpool/MaxPool") != std::string::npos);
    CHECK(e.find("kernel_shape[0] = -100 must be at least 1") != std::string::npos);
    model_request r;
    r.path = data_dir + "/repro/resnet18_maxpool_negative_kernel.onnx";
    r.shapes.batch = 1;
    try {
        (void)predict_model(r);
        FAIL("a negative kernel must not give a result");
    } catch (const error& err) {
        CHECK(std::string(err.what()).find("kernel_shape") != std::string::npos);
    }
}

TEST_CASE("pooling attributes: kernel, strides, dilations, pads, auto_pad, window larger than the input") {
    auto pool = [](const std::string& attr, const std::vector<std::int64_t>& v) {
        auto b = conv_like("MaxPool", false);
        auto& n = b.node("MaxPool", {"x"}, {"y"}, "pool");
        if (attr != "kernel_shape") attr_ints(n, "kernel_shape", {3, 3});
        attr_ints(n, attr, v);
        return b;
    };
    expect_refused(pool("kernel_shape", {0, 3}), "pool", {"kernel_shape[0] = 0"});
    expect_refused(pool("strides", {1, 0}), "pool", {"strides[1] = 0"});
    expect_refused(pool("dilations", {-1, 1}), "pool", {"dilations[0] = -1"});
    expect_refused(pool("pads", {0, -1, 0, 0}), "pool", {"pads[1] = -1"});
    expect_refused(pool("kernel_shape", {9, 3}), "pool", {"larger than spatial axis 0"});
    auto b = conv_like("MaxPool", false);
    auto& n = b.node("MaxPool", {"x"}, {"y"}, "pool");
    attr_ints(n, "kernel_shape", {3, 3});
    attr_s(n, "auto_pad", "SAME_SIDEWAYS");
    expect_refused(b, "pool", {"auto_pad", "SAME_SIDEWAYS"});
}

TEST_CASE("convolution attributes: group, strides, dilations, pads, kernel_shape against the weight") {
    auto conv = [](const std::string& attr, const std::vector<std::int64_t>& v, bool list = true) {
        auto b = conv_like("Conv");
        auto& n = b.node("Conv", {"x", "w"}, {"y"}, "conv");
        if (list)
            attr_ints(n, attr, v);
        else
            attr_i(n, attr, v.front());
        return b;
    };
    expect_refused(conv("group", {0}, false), "conv", {"group = 0 must be at least 1"});
    expect_refused(conv("group", {-3}, false), "conv", {"group = -3"});
    expect_refused(conv("strides", {0, 1}), "conv", {"strides[0] = 0"});
    expect_refused(conv("dilations", {1, -2}), "conv", {"dilations[1] = -2"});
    expect_refused(conv("pads", {-1, 0, 0, 0}), "conv", {"pads[0] = -1"});
    expect_refused(conv("kernel_shape", {5, 5}), "conv", {"kernel_shape [5, 5] differs from the weight"});
    expect_refused(conv("kernel_shape", {-3, 3}), "conv", {"kernel_shape[0] = -3"});
    expect_refused(conv("dilations", {4, 1}), "conv", {"larger than spatial axis 0"});
    // ConvTranspose: output_padding, output_shape of the wrong length.
    auto t = conv_like("ConvTranspose", false);
    t.weight("wt", dtype::f32, {3, 4, 3, 3});
    auto& n = t.node("ConvTranspose", {"x", "wt"}, {"y"}, "deconv");
    attr_ints(n, "output_shape", {9});
    expect_refused(t, "deconv", {"output_shape has 1 entries for 2 spatial axes"});
    auto t2 = conv_like("ConvTranspose", false);
    t2.weight("wt", dtype::f32, {3, 4, 3, 3});
    attr_ints(t2.node("ConvTranspose", {"x", "wt"}, {"y"}, "deconv"), "output_padding", {-1, 0});
    expect_refused(t2, "deconv", {"output_padding[0] = -1"});
}

TEST_CASE("other attributes: dtypes, block sizes, batch_dims, equations, recurrences, slice steps") {
    {
        auto b = conv_like("Cast", false);
        attr_i(b.node("Cast", {"x"}, {"y"}, "cast"), "to", 99);
        expect_refused(b, "cast", {"to = 99 is not an ONNX data type"});
    }
    {
        auto b = conv_like("LayerNormalization", false);
        attr_i(b.node("LayerNormalization", {"x"}, {"y"}, "ln"), "stash_type", -4);
        expect_refused(b, "ln", {"stash_type = -4"});
    }
    {
        auto b = conv_like("DepthToSpace", false);
        attr_i(b.node("DepthToSpace", {"x"}, {"y"}, "d2s"), "blocksize", 0);
        expect_refused(b, "d2s", {"blocksize = 0"});
    }
    {
        model_builder b;
        b.input("a", dtype::f32, {std::int64_t{2}, std::int64_t{3}});
        b.input("c", dtype::f32, {std::int64_t{3}, std::int64_t{4}});
        attr_s(b.node("Einsum", {"a", "c"}, {"y"}, "ein"), "equation", "ij,jk->i.k");
        b.output("y");
        expect_refused(b, "ein", {"equation 'ij,jk->i.k'"});
    }
    {
        model_builder b;
        b.input("x", dtype::f32, {std::int64_t{5}, std::int64_t{2}, std::int64_t{4}});
        b.weight("W", dtype::f32, {1, 12, 4});
        b.weight("R", dtype::f32, {1, 12, 3});
        auto& n = b.node("GRU", {"x", "W", "R"}, {"y"}, "gru");
        attr_i(n, "hidden_size", -3);
        b.output("y");
        expect_refused(b, "gru", {"hidden_size = -3"});
    }
    {
        model_builder b;
        b.input("x", dtype::f32, {std::int64_t{2}, std::int64_t{3}, std::int64_t{4}});
        b.input("i", dtype::i64, {std::int64_t{2}, std::int64_t{1}});
        attr_i(b.node("GatherND", {"x", "i"}, {"y"}, "gnd"), "batch_dims", -1);
        b.output("y");
        expect_refused(b, "gnd", {"batch_dims = -1"});
    }
    {
        model_builder b;
        b.input("x", dtype::f32, {std::int64_t{10}});
        b.ints("starts", {0});
        b.ints("ends", {10});
        b.ints("axes", {0});
        b.ints("steps", {INT64_MIN});
        b.node("Slice", {"x", "starts", "ends", "axes", "steps"}, {"y"}, "slice");
        b.output("y");
        expect_refused(b, "slice", {"out of range"});
    }
}

TEST_CASE("a cost rule can never report negative FLOPs: the analysis refuses, naming the node") {
    // Every figure of every layer of the bundled models is non-negative (the analysis checks it).
    auto g = load_onnx(data_dir + "/resnet18.onnx");
    REQUIRE(infer_shapes(g, batch_of(2)).ok());
    const auto m = analyze(g, {.training = true});
    for (const auto& l : m.layers) {
        CHECK(l.forward.flops() >= 0);
        CHECK(l.backward.flops() >= 0);
        CHECK(l.forward.bytes() >= 0);
    }
}

// ---- 3. messages that name something ----------------------------------------------------------

TEST_CASE("an overflow names the node and the shapes it was counting") {
    model_builder b;
    b.input("x", dtype::f32, {std::string("batch"), std::int64_t{3}, std::int64_t{224}, std::int64_t{224}});
    b.weight("w", dtype::f32, {64, 3, 7, 7});
    b.node("Conv", {"x", "w"}, {"y"}, "stem_conv");
    b.output("y");
    auto g = b.load();
    REQUIRE(infer_shapes(g, batch_of(std::int64_t{1} << 61)).ok());
    try {
        (void)analyze(g);
        FAIL("expected an overflow");
    } catch (const overflow_error& e) {
        const std::string m = e.what();
        CAPTURE(m);
        CHECK(m.find("node 'stem_conv' (Conv)") != std::string::npos);
        CHECK(m.find("integer overflow computing") != std::string::npos);
        CHECK(m.find("'x' [2305843009213693952, 3, 224, 224]") != std::string::npos);
    }
}

TEST_CASE("names that are not UTF-8: printed escaped, never a JSON failure") {
    CHECK(escape_invalid_utf8("conv\xff") == "conv\\xff");
    CHECK(escape_invalid_utf8("12.3 µs") == "12.3 µs");  // valid multi-byte sequences pass
    CHECK(escape_invalid_utf8("a\xc0\xaf"
                              "b") == "a\\xc0\\xafb");                // an overlong '/'
    CHECK(escape_invalid_utf8("\xe2\x82") == "\\xe2\\x82");           // a sequence cut short
    CHECK(escape_invalid_utf8("\xed\xa0\x80") == "\\xed\\xa0\\x80");  // a UTF-16 surrogate

    model_builder b;
    b.input("x\xfe", dtype::f32, {std::int64_t{2}, std::int64_t{8}});
    b.node("Relu", {"x\xfe"}, {"y\xff"}, "relu\xff\x80");
    b.output("y\xff");
    model_request r;
    r.devices = {load_hw("t4")};
    const auto bytes = b.bytes();
    const auto p = predict_model(load_onnx_bytes(bytes.data(), bytes.size(), "names.onnx"), r);
    const auto j = json_of(make_analysis_report(p));  // parses: valid UTF-8 throughout
    REQUIRE(j["layers"].size() == 1);
    CHECK(j["layers"][0]["name"] == "relu\\xff\\x80");
    std::ostringstream table;
    write_report(table, make_analysis_report(p), report_format::table);
    CHECK(table.str().find("relu\\xff\\x80") != std::string::npos);
}

// ---- 4. specs ---------------------------------------------------------------------------------

TEST_CASE("specs: duplicate keys anywhere, and every numeric key finite and in range") {
    const std::string head = "id: s\nname: S\nkind: gpu\nsources: [a]\n";
    auto expect_key = [&](const std::string& body, const std::string& key, const std::string& words) {
        CAPTURE(body);
        try {
            (void)parse_hw_text(head + body, "s.yaml");
            FAIL("expected spec_error at " << key);
        } catch (const spec_error& e) {
            CHECK(e.key() == key);
            CHECK(std::string(e.what()).find(words) != std::string::npos);
        }
    };
    expect_key("peak_tflops:\n  fp32: 8.1\n  fp32: 0.001\n", "peak_tflops.fp32", "given twice (lines 6 and 7)");
    expect_key("peak_tflops: {fp32: 8}\nname: T\n", "name", "given twice");
    expect_key("peak_tflops: {fp32: 8}\nmeasured:\n  method: m\n  efficiency:\n    date: a\n    date: b\n",
               "measured.efficiency.date", "given twice");
    expect_key("peak_tflops: {fp32: 8}\npower_w: .nan\n", "power_w", "finite");
    expect_key("peak_tflops: {fp32: 8}\ncompute:\n  cuda_cores: .inf\n", "compute.cuda_cores", "finite");
    expect_key("peak_tflops: {fp32: 8}\ncompute:\n  tensor_cores: -528\n", "compute.tensor_cores", "positive");
    expect_key("peak_tflops: {fp32: 8}\ncompute:\n  base_clock_mhz: 0\n", "compute.base_clock_mhz", "positive");
    expect_key("peak_tflops: {fp32: 8}\ncompute:\n  base_clock_mhz: 9e9\n", "compute.base_clock_mhz", "plausible");
    expect_key("peak_tflops: {fp32: 8}\ncompute:\n  compute_units: 2.5\n", "compute.compute_units", "whole number");
    expect_key("peak_tflops: {fp32: 8}\nmemory:\n  shared_l1_per_sm_kib: -64\n", "memory.shared_l1_per_sm_kib",
               "positive");
    expect_key("peak_tflops: {fp32: 8}\npower_w: 70 W\n", "power_w", "plain number");
    expect_key("peak_tflops: {fp32: .nan}\n", "peak_tflops.fp32", "finite");
    // Found by fuzz_spec (tests/data/fuzz/spec/section_is_a_scalar.yaml): a section that is a
    // scalar or a list threw yaml-cpp's BadSubscript, which named nothing.
    expect_key("peak_tflops: {fp32: 8}\ncompute:\n  no keys here, a sentence\n", "compute", "must be a mapping");
    expect_key("peak_tflops: {fp32: 8}\nmemory: [1, 2]\n", "memory", "must be a mapping");
    {
        std::ifstream in(data_dir + "/fuzz/spec/section_is_a_scalar.yaml", std::ios::binary);
        const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        REQUIRE(!text.empty());
        CHECK_THROWS_WITH_AS((void)parse_hw_text(text, "crash.yaml"), doctest::Contains("compute"), spec_error);
    }
    // Every shipped spec still loads (the checks accept what real devices have).
    for (const auto& id : list_hw()) {
        CAPTURE(id);
        CHECK_NOTHROW((void)load_hw(id));
    }
}

TEST_CASE("specs: a path is a path (the id need not match the file name); found by id, it must") {
    temp_dir d;
    std::ifstream in(std::string(RIDGELINE_HWSPECS) + "/t4.yaml");
    const std::string t4((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto mine = d.write("my_t4.yaml", t4);
    const auto h = load_hw(mine);
    CHECK(h.id == "t4");
    CHECK(h.path == mine);
    // In the search path the file name is the id: a mismatch there is refused, naming the key.
    (void)d.write("other.yaml", t4);
    ::setenv("RIDGELINE_HWSPECS", d.path.c_str(), 1);
    try {
        (void)load_hw("other");
        FAIL("expected spec_error");
    } catch (const spec_error& e) {
        CHECK(e.key() == "id");
    }
    ::unsetenv("RIDGELINE_HWSPECS");
}

// ---- 9. training: backward time through the public latency API ------------------------------

TEST_CASE("training on a device: backward FLOPs, bytes and time per layer; forward:backward ratios") {
    model_request r;
    r.path = data_dir + "/resnet18.onnx";
    r.shapes.batch = 8;
    r.training = true;
    r.devices = {load_hw("h100-sxm")};
    const auto p = predict_model(r);
    const auto& d = p.device();
    REQUIRE(d.training.has_value());
    const auto& t = *d.training;
    REQUIRE(t.backward_time_s.size() == p.m.layers.size());
    CHECK(t.forward_time_s == doctest::Approx(d.latency.gpu_time_s));
    // The method: per layer, forward time × backward/forward work of the dominant term.
    double sum = 0;
    for (std::size_t i = 0; i < p.m.layers.size(); ++i) {
        const auto& l = p.m.layers[i];
        sum += t.backward_time_s[i];
        if (!l.is_kernel() || l.forward.flops() == 0) continue;
        const bool compute = d.roofline.layers[i].bound == bound_kind::compute;
        const double work = compute ? static_cast<double>(l.backward.flops()) / static_cast<double>(l.forward.flops())
                                    : static_cast<double>(l.backward.bytes()) / static_cast<double>(l.forward.bytes());
        CHECK(t.backward_time_s[i] == doctest::Approx(d.latency.layer_time_s[i] * work));
    }
    CHECK(t.backward_time_s_total == doctest::Approx(sum));
    // Convolutions do twice their forward work backward (dX and dW): FLOPs (fwd+bwd)/fwd near 3,
    // as PyTorch counts for CNNs (resnet50 on an H100: FLOPs 2.97, kernel time 3.38).
    const double f = static_cast<double>(p.m.totals.flops());
    const double b = static_cast<double>(p.m.backward_totals.flops());
    CHECK((f + b) / f > 2.8);
    CHECK((f + b) / f < 3.0);
    CHECK(t.step_time_ratio() > 2.0);
    CHECK(t.step_time_ratio() < 4.0);
    // Without --training, no backward figures.
    r.training = false;
    CHECK_FALSE(predict_model(r).device().training.has_value());
}

// ---- 10. JSON output_shapes are arrays -------------------------------------------------------

TEST_CASE("JSON output_shapes: arrays of integers, a symbolic dim as its expression") {
    analysis_report r;
    layer_cost l;
    l.name = "n";
    l.op_type = "Relu";
    l.output_shapes = {"[2, sequence]", "?"};
    l.output_dims = {shape{dim(2), dim::symbol("sequence")}, std::nullopt};
    r.cost.layers.push_back(l);
    const auto j = json_of(r);
    CHECK(j["layers"][0]["output_shapes"][0] == nlohmann::json::array({2, "sequence"}));
    CHECK(j["layers"][0]["output_shapes"][1].is_null());
}

// ---- 11. initializers stored twice ------------------------------------------------------------

TEST_CASE("an initializer provably stored twice counts once, noted") {
    auto external = [](onnx::TensorProto* t, const std::string& name, const std::string& offset,
                       const std::string& length) {
        t->set_name(name);
        t->set_data_type(onnx::TensorProto::FLOAT);
        t->add_dims(16);
        t->add_dims(16);
        t->set_data_location(onnx::TensorProto::EXTERNAL);
        for (const auto& [k, v] : {std::pair<std::string, std::string>{"location", "model.weights"},
                                   {"offset", offset},
                                   {"length", length}}) {
            auto* e = t->add_external_data();
            e->set_key(k);
            e->set_value(v);
        }
    };
    model_builder b;
    b.input("x", dtype::f32, {std::int64_t{4}, std::int64_t{16}});
    external(b.proto().mutable_graph()->add_initializer(), "wte", "0", "1024");
    external(b.proto().mutable_graph()->add_initializer(), "lm_head", "0", "1024");  // the same bytes
    external(b.proto().mutable_graph()->add_initializer(), "other", "1024", "1024");
    b.node("MatMul", {"x", "wte"}, {"a"});
    b.node("MatMul", {"a", "lm_head"}, {"c"});
    b.node("MatMul", {"c", "other"}, {"y"});
    b.output("y");
    auto g = b.load();
    CHECK(g.values[static_cast<std::size_t>(g.find_value("lm_head"))].same_as == g.find_value("wte"));
    CHECK(g.values[static_cast<std::size_t>(g.find_value("other"))].same_as == -1);
    REQUIRE(infer_shapes(g).ok());
    const auto m = analyze(g);
    CHECK(m.params == 2 * 256);
    CHECK(m.duplicate_params == 256);
    REQUIRE(m.duplicate_initializers.size() == 1);
    CHECK(m.duplicate_initializers[0] == std::pair<std::string, std::string>{"lm_head", "wte"});
    analysis_report r;
    r.cost = m;
    const auto j = json_of(r);
    CHECK(j["totals"]["params"] == 512);
    CHECK(j["totals"]["params_duplicated"] == 256);

    // Embedded: the same raw bytes are the same tensor; other bytes are not.
    model_builder e;
    e.input("x", dtype::f32, {std::int64_t{4}, std::int64_t{4}});
    auto embedded = [&](const std::string& name, float fill) {
        auto* t = e.proto().mutable_graph()->add_initializer();
        t->set_name(name);
        t->set_data_type(onnx::TensorProto::FLOAT);
        t->add_dims(4);
        t->add_dims(4);
        std::string raw(16 * sizeof(float), '\0');
        for (int i = 0; i < 16; ++i) {
            const float v = fill + static_cast<float>(i);
            std::memcpy(raw.data() + i * sizeof(float), &v, sizeof v);
        }
        t->set_raw_data(raw);
    };
    embedded("w1", 1.0F);
    embedded("w2", 1.0F);
    embedded("w3", 2.0F);
    e.node("MatMul", {"x", "w1"}, {"a"});
    e.node("MatMul", {"a", "w2"}, {"c"});
    e.node("MatMul", {"c", "w3"}, {"y"});
    e.output("y");
    auto ge = e.load();
    REQUIRE(infer_shapes(ge).ok());
    const auto me = analyze(ge);
    CHECK(me.params == 32);
    CHECK(me.duplicate_params == 16);
    // Weights of the test builder name a file but no region: never taken for one another.
    model_builder w;
    w.input("x", dtype::f32, {std::int64_t{4}, std::int64_t{4}});
    w.weight("p", dtype::f32, {4, 4});
    w.weight("q", dtype::f32, {4, 4});
    w.node("MatMul", {"x", "p"}, {"a"});
    w.node("MatMul", {"a", "q"}, {"y"});
    w.output("y");
    auto gw = w.load();
    REQUIRE(infer_shapes(gw).ok());
    CHECK(analyze(gw).params == 32);
}

TEST_CASE("a tied embedding stored transposed (gpt2's lm_head): counted, noted as possibly tied") {
    model_builder b;
    b.input("ids", dtype::i64, {std::int64_t{1}, std::int64_t{5}});
    b.weight("wte", dtype::f32, {50, 8}).weight("lm_head", dtype::f32, {8, 50}).weight("proj", dtype::f32, {8, 8});
    b.node("Gather", {"wte", "ids"}, {"h"});
    b.node("MatMul", {"h", "proj"}, {"h2"});
    b.node("MatMul", {"h2", "lm_head"}, {"logits"});
    b.output("logits");
    auto g = b.load();
    REQUIRE(infer_shapes(g).ok());
    const auto m = analyze(g);
    CHECK(m.params == 400 + 400 + 64);  // not provable: still counted
    REQUIRE(m.possibly_tied.size() == 1);
    CHECK(m.possibly_tied[0] == std::pair<std::string, std::string>{"lm_head", "wte"});
    CHECK(m.possibly_tied_params == 400);
    analysis_report r;
    r.cost = m;
    const auto j = json_of(r);
    CHECK(j["totals"]["params_if_tied"] == 464);
    CHECK(j["possibly_tied_initializers"][0]["transpose_of"] == "wte");
    std::ostringstream table;
    write_report(table, r, report_format::table);
    CHECK(table.str().find("'lm_head' has the transposed shape of the embedding 'wte'") != std::string::npos);
    CHECK(table.str().find("464 params if tied") != std::string::npos);
}

// ---- 12. shape constants in external data ------------------------------------------------------

TEST_CASE("a shape constant in external data: read when the file is there, named when it is not") {
    temp_dir d;
    model_builder b;
    b.input("x", dtype::f32, {std::int64_t{2}, std::int64_t{3}, std::int64_t{4}});
    auto* t = b.proto().mutable_graph()->add_initializer();
    t->set_name("target_shape");
    t->set_data_type(onnx::TensorProto::INT64);
    t->add_dims(2);
    t->set_data_location(onnx::TensorProto::EXTERNAL);
    for (const auto& [k, v] :
         {std::pair<std::string, std::string>{"location", "model.weights"}, {"offset", "8"}, {"length", "16"}}) {
        auto* e = t->add_external_data();
        e->set_key(k);
        e->set_value(v);
    }
    b.node("Reshape", {"x", "target_shape"}, {"y"}, "reshape");
    b.output("y");
    const auto model = d.write("model.onnx", b.bytes());
    std::string weights(24, '\0');
    const std::int64_t dims[] = {6, 4};
    std::memcpy(weights.data() + 8, dims, sizeof dims);
    const auto weights_path = d.write("model.weights", weights);

    auto g = load_onnx(model);
    REQUIRE(infer_shapes(g).ok());
    CHECK(test::shape_of(g, "y") == "[6, 4]");

    fs::remove(weights_path);
    auto absent = load_onnx(model);
    const auto e = first_error(absent);
    CAPTURE(e);
    CHECK(e.find("reshape") != std::string::npos);
    CHECK(e.find("target shape not known at analysis time") != std::string::npos);
    CHECK(e.find("'target_shape' is stored in the external data file 'model.weights', which is absent") !=
          std::string::npos);
    CHECK(absent.values[static_cast<std::size_t>(absent.find_value("target_shape"))].storage.missing);
}
