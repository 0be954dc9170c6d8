// The one pipeline (pipeline.hpp), the precision value (precision.hpp), timing samples
// (sample.hpp), their reporters (report.hpp), and the subgraph callback shape rules receive.
#include "model_builder.hpp"

#include "ridgeline/cost_model.hpp"
#include "ridgeline/error.hpp"
#include "ridgeline/onnx_import.hpp"
#include "ridgeline/ops.hpp"
#include "ridgeline/pipeline.hpp"
#include "ridgeline/precision.hpp"
#include "ridgeline/report.hpp"
#include "ridgeline/sample.hpp"
#include "ridgeline/sweep.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

using namespace ridgeline;

namespace {

const std::string resnet18 = std::string(RIDGELINE_TEST_DATA) + "/resnet18.onnx";

model_request resnet18_request(std::int64_t batch, const std::string& precision_text) {
    model_request r;
    r.path = resnet18;
    r.shapes.batch = batch;
    r.prec = parse_precision(precision_text);
    r.devices = {load_hw("h100-sxm"), load_hw("t4")};
    return r;
}

}  // namespace

TEST_CASE("parse_precision: what each text implies for storage, compute, TF32 and ceiling keys") {
    const auto stored = parse_precision("");
    CHECK(stored.as_stored());
    CHECK(stored.label() == "as stored");
    CHECK(stored.compute == dtype::f32);
    CHECK(stored.storage == dtype::undefined);
    CHECK_FALSE(stored.tf32);

    const auto fp32 = parse_precision("fp32");
    CHECK(fp32.storage == dtype::undefined);  // fp32 keeps what the file stores
    CHECK(fp32.keys().matmul == "fp32");
    CHECK(fp32.label() == "fp32");

    const auto tf32 = parse_precision("tf32");
    CHECK(tf32.compute == dtype::f32);
    CHECK(tf32.storage == dtype::undefined);
    CHECK(tf32.tf32);
    CHECK(tf32.keys().matmul == "tf32_tensor");
    CHECK(tf32.keys().vector == "fp32");

    const auto fp16 = parse_precision("fp16");
    CHECK(fp16.compute == dtype::f16);
    CHECK(fp16.storage == dtype::f16);
    CHECK(fp16.keys().matmul == "fp16_tensor");
    CHECK(fp16.keys().vector == "fp16");

    CHECK(parse_precision("bf16").storage == dtype::bf16);
    CHECK(parse_precision("fp8").keys().matmul == "fp8_tensor");
    CHECK(parse_precision("fp8").keys().vector == "fp16");
    CHECK(parse_precision("int8").compute == dtype::i8);
    CHECK(parse_precision("int8").keys().matmul == "int8_tensor");
    CHECK(parse_precision("float16").storage == dtype::f16);  // parse_dtype's aliases

    CHECK_THROWS_WITH_AS((void)parse_precision("fp12"), doctest::Contains("'fp12'"), usage_error);
    CHECK_THROWS_AS((void)parse_precision("TF32"), usage_error);

    CHECK(precision_of(dtype::f16).storage == dtype::f16);
    CHECK(precision_of(dtype::f32, true).name == "tf32");
}

TEST_CASE("predict_model: load, infer, analyse and predict resnet18 on two devices") {
    const auto p = predict_model(resnet18_request(2, ""));
    CHECK(p.path == resnet18);
    CHECK(p.g.nodes.size() == 65);
    CHECK(p.symbols.at("batch") == 2);
    CHECK(p.inference.ok());
    CHECK(p.m.totals.macs == 3628146688LL);  // torch.utils.flop_counter's figure at batch 2
    REQUIRE(p.devices.size() == 2);
    CHECK(p.device(0).hw.id == "h100-sxm");
    CHECK(p.device(1).hw.id == "t4");
    CHECK_THROWS_AS((void)p.device(2), usage_error);
    // The same numbers as the lower-level calls.
    graph g = load_onnx(resnet18);
    shape_options batch2;
    batch2.batch = 2;
    infer_shapes(g, batch2);
    const auto m = analyze(g);
    const auto lat = predict_latency(g, m, load_hw("t4"), dtype::f32);
    CHECK(p.device(1).latency.gpu_time_s == doctest::Approx(lat.gpu_time_s));
    CHECK(p.device(1).latency.kernels.size() == lat.kernels.size());
    CHECK(p.device(1).roofline.roof.matmul_key == "fp32");
    CHECK(p.device(0).latency.gpu_time_s < p.device(1).latency.gpu_time_s);  // an H100 beats a T4
}

TEST_CASE("predict_model: the precision reaches the counts, the ceilings and the latency model") {
    const auto fp32 = predict_model(resnet18_request(2, "fp32"));
    const auto fp16 = predict_model(resnet18_request(2, "fp16"));
    const auto tf32 = predict_model(resnet18_request(2, "tf32"));
    CHECK(fp16.m.float_override == dtype::f16);
    CHECK(fp16.m.param_bytes * 2 == fp32.m.param_bytes);
    CHECK(tf32.m.param_bytes == fp32.m.param_bytes);
    CHECK(fp16.device().roofline.roof.matmul_key == "fp16_tensor");
    CHECK(tf32.device().roofline.roof.matmul_key == "tf32_tensor");
    CHECK(tf32.device().latency.params.use_tf32);
    CHECK_FALSE(fp32.device().latency.params.use_tf32);
    CHECK(fp16.device().latency.gpu_time_s < fp32.device().latency.gpu_time_s);
}

TEST_CASE("predict_model: failures name the file and the bindings; findings reach the callback") {
    auto r = resnet18_request(2, "");
    r.shapes.input_shapes["input"] = {2, 5, 224, 224};  // conv1 expects 3 channels
    std::vector<diagnostic> seen;
    r.on_diagnostic = [&](const diagnostic& d) { seen.push_back(d); };
    REQUIRE(load_onnx(resnet18).find_value("input") >= 0);
    CHECK_THROWS_WITH_AS((void)predict_model(r), doctest::Contains("shape inference failed"), error);
    CHECK_THROWS_WITH_AS((void)predict_model(r), doctest::Contains(resnet18.c_str()), error);
    CHECK_THROWS_WITH_AS((void)predict_model(r), doctest::Contains("input=[2, 5, 224, 224]"), error);
    REQUIRE_FALSE(seen.empty());
    CHECK(std::any_of(seen.begin(), seen.end(), [](const diagnostic& d) { return d.level == severity::error; }));
    // Unbound batch: inference alone is fine, counting is not.
    auto unbound = resnet18_request(0, "");
    CHECK_NOTHROW((void)infer_model(load_onnx(resnet18), unbound));
    CHECK_THROWS_AS((void)predict_model(unbound), unbound_symbol_error);
}

TEST_CASE("sweep: the precision overload and the (dtype, use_tf32) overload agree") {
    graph g = load_onnx(resnet18);
    const std::vector<hw_spec> devices{load_hw("a100-sxm-80gb")};
    cost_model_params tf32;
    tf32.use_tf32 = true;
    sweep_axes batches;
    batches.batches = {1, 4};
    const auto a = sweep(g, {}, devices, batches, parse_precision("tf32"));
    const auto b = sweep(g, {}, devices, batches, dtype::f32, tf32);
    REQUIRE(a.size() == 2);
    REQUIRE(b.size() == 2);
    for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i].gpu_time_s == doctest::Approx(b[i].gpu_time_s));
    CHECK(a[1].batch == 4);
}

TEST_CASE("timing samples: read, predicted through the pipeline, summarised by batch, fitted leaving one out") {
    const auto sample = load_timing_sample(std::string(RIDGELINE_TEST_DATA) + "/timing_sample.json");
    CHECK(sample.device == "test GPU");
    REQUIRE(sample.runs.size() == 8);
    CHECK(sample.runs[1].prec.storage == dtype::f16);
    CHECK(sample.runs[0].measured_s == doctest::Approx(900e-6));
    CHECK(zoo_graph_path(RIDGELINE_TEST_DATA, "resnet18") ==
          (std::filesystem::path(RIDGELINE_TEST_DATA) / "resnet18.onnx").string());

    const auto hw = load_hw("h100-sxm");
    const auto rows = predict_sample(sample, RIDGELINE_TEST_DATA, hw);
    REQUIRE(rows.size() == 8);
    auto r = resnet18_request(1, "");
    r.devices = {hw};
    CHECK(rows[0].predicted.gpu_time_s == doctest::Approx(predict_model(r).device().latency.gpu_time_s));
    CHECK(rows[0].error() == doctest::Approx((rows[0].predicted.gpu_time_s - 900e-6) / 900e-6));

    const auto s = summarize_sample(rows);
    CHECK(s.overall.count == 8);
    REQUIRE(s.by_batch.size() == 3);
    CHECK(s.by_batch.at(1).count == 3);
    CHECK(s.by_batch.at(4).count == 4);
    CHECK(s.by_batch.at(16).count == 1);
    CHECK(s.by_batch.at(16).median_ape == doctest::Approx(std::abs(rows[6].error())));
    CHECK(s.by_batch.at(16).bias == doctest::Approx(rows[6].error()));

    const auto fit = leave_one_model_out(rows);
    REQUIRE(fit.fits.size() == 2);
    CHECK(fit.fits[0].model == "resnet18");
    CHECK(fit.errors.count == 8);

    std::ostringstream table;
    write_sample_table(table, rows, s);
    CHECK(table.str().find("8 runs: median |error| (MdAPE)") != std::string::npos);
    CHECK(table.str().find("P90 |error|") != std::string::npos);
    CHECK(table.str().find("mean signed error (bias)") != std::string::npos);
    CHECK(table.str().find("batch    4:   4 runs") != std::string::npos);
    std::ostringstream fitted;
    write_sample_fit(fitted, fit);
    CHECK(fitted.str().find("fit without tiny_mlp") != std::string::npos);

    const auto dir = std::filesystem::temp_directory_path() / ("ridgeline_sample_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "bad.json") << R"({"runs": [{"model": "resnet18", "dtype": "float32"}]})";
    CHECK_THROWS_WITH_AS((void)load_timing_sample((dir / "bad.json").string()), doctest::Contains("runs[0]"), error);
    CHECK_THROWS_WITH_AS((void)load_timing_sample((dir / "missing.json").string()), doctest::Contains("missing.json"),
                         error);
    std::filesystem::remove_all(dir);
}

TEST_CASE("hw show prints each ridge point as ceilings::ridge_point computes it") {
    const auto h = load_hw("h100-sxm");
    const auto ridge = ridge_points(h);
    REQUIRE(ridge.count("fp16_tensor"));
    CHECK(ridge.at("fp16_tensor") ==
          doctest::Approx(h.peak_tflops.at("fp16_tensor") * 1e12 / (h.dram_bandwidth_gbps * 1e9)));
    std::ostringstream out;
    write_hw_spec(out, h);
    CHECK(out.str().find("ridge point fp16_tensor") != std::string::npos);
}

TEST_CASE("an If rule infers its branches only through the callback the engine hands it") {
    auto branch = [](const std::string& name) {
        onnx::GraphProto g;
        g.set_name(name);
        auto* n = g.add_node();
        n->set_op_type("Identity");
        n->add_input("x");  // from the enclosing scope
        n->add_output(name + "_out");
        g.add_output()->set_name(name + "_out");
        return g;
    };
    test::model_builder b;
    b.input("x", dtype::f32, {std::int64_t{3}});
    b.input("cond", dtype::boolean, {});
    auto& node = b.node("If", {"cond"}, {"y"}, "choose");
    for (const char* attr : {"then_branch", "else_branch"}) {
        auto* a = node.add_attribute();
        a->set_name(attr);
        a->set_type(onnx::AttributeProto::GRAPH);
        *a->mutable_g() = branch(attr);
    }
    b.output("y");
    graph g = b.load();
    const auto* rule = op_registry::builtin().find("", "If", 17);
    REQUIRE(rule != nullptr);

    infer_context alone(g, g.nodes[0], 17);
    CHECK_THROWS_WITH_AS(rule->infer(alone), doctest::Contains("no subgraph inference"), graph_error);

    int calls = 0;
    const subgraph_inferrer fake = [&](graph& body, const std::vector<const value*>&) {
        ++calls;
        for (auto id : body.outputs) {
            auto& v = body.values[static_cast<std::size_t>(id)];
            v.type = dtype::f16;
            v.dims = shape{dim(7)};
        }
        return subgraph_report{};
    };
    infer_context with(g, g.nodes[0], 17, &fake);
    rule->infer(with);
    CHECK(calls == 2);  // the condition is not known: both branches
    CHECK(test::shape_of(g, "y") == "[7]");

    // The engine's own callback: the branches read x from the enclosing graph.
    CHECK(infer_shapes(g).ok());
    CHECK(test::shape_of(g, "y") == "[3]");
}
