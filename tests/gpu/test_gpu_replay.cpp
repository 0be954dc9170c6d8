// GPU (label gpu): the per-node replay measures. A small graph (a cuDNN Conv, Relu, Flatten, a
// cuBLASLt MatMul, Add) replays with every kernel node recorded — kernels in each node's median
// run, a measured time above zero, external ids that attribute all of the median trace — and
// `ridgeline replay` says the same with exit 0. On the H200 every replay said "ok" with 0 s: CUPTI
// wrote no external ids because the replay recorded without API records (kinds_for). Skipped (exit
// 77) without a CUDA device or a plugin without the replay.
#include "model_builder.hpp"
#include "require_gpu.hpp"

#include "ridgeline/analysis.hpp"
#include "ridgeline/cost_model.hpp"
#include "ridgeline/hardware.hpp"
#include "ridgeline/replay.hpp"
#include "ridgeline/shape.hpp"
#include "ridgeline/validate.hpp"

#include <cuda_runtime_api.h>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace {

using namespace ridgeline;
using ridgeline::test::model_builder;

using ridgeline_test::require_gpu;

/** x[2,3,16,16] → Conv(8, 3×3, pad 1) → Relu → Flatten → MatMul [2048×16] → Add; weights synthesised. */
model_builder small_model() {
    model_builder b;
    b.input("x", dtype::f32, {2, 3, 16, 16});
    b.weight("w", dtype::f32, {8, 3, 3, 3});
    b.weight("w2", dtype::f32, {2048, 16});
    b.weight("b2", dtype::f32, {16});
    auto& conv = b.node("Conv", {"x", "w"}, {"c"}, "conv");
    test::attr_ints(conv, "pads", {1, 1, 1, 1});
    test::attr_ints(conv, "kernel_shape", {3, 3});
    b.node("Relu", {"c"}, {"r"}, "relu");
    b.node("Flatten", {"r"}, {"f"}, "flatten");
    b.node("MatMul", {"f", "w2"}, {"m"}, "matmul");
    b.node("Add", {"m", "b2"}, {"y"}, "add");
    b.output("y");
    return b;
}

}  // namespace

TEST_CASE("a replay records every kernel node and measures more than zero") {
    require_gpu();
    graph g = small_model().load();
    infer_shapes(g, {});
    const auto m = analyze(g);
    const auto p = predict_latency(g, m, load_hw("h100-sxm"), dtype::f32);
    replay_options o;
    o.warmup = 1;
    o.repeats = 3;
    const auto r = replay_model(g, m, p, o);
    if (r.status.code == measure_code::not_supported) {
        std::printf("skipped: %s\n", r.status.message.c_str());
        std::exit(77);
    }
    REQUIRE_MESSAGE(r.status.ok(), r.status.message);
    CHECK(r.plan.coverage() == doctest::Approx(1.0));
    REQUIRE(r.nodes.size() == 4);  // Conv, Relu, MatMul, Add (Flatten is a view)
    for (const auto& n : r.nodes) {
        CAPTURE(n.name);
        CHECK(n.kernels > 0);
        CHECK(n.measured_s > 0);
        CHECK(n.min_s <= n.measured_s);
        CHECK(n.measured_s <= n.max_s);
    }
    CHECK(r.measured_s > 0);
    REQUIRE_FALSE(r.median_trace.records.empty());
    for (const auto& k : r.median_trace.records) CHECK(k.external_id.has_value());
    validate_options vo;
    vo.method = attribution::external_id;
    const auto v = validate(m, p, r.median_trace, vo);
    CHECK(v.attributed_s == doctest::Approx(v.measured_s));
    CHECK(v.measured_s == doctest::Approx(r.measured_s).epsilon(1e-6));
}

TEST_CASE("ridgeline replay exits 0 with a measured time, and its trace validates") {
    require_gpu();
    namespace fs = std::filesystem;
    const auto dir = fs::temp_directory_path() / ("ridgeline-gpu-replay-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const auto model = (dir / "small.onnx").string();
    std::ofstream(model, std::ios::binary) << small_model().bytes();
    const auto trace_path = (dir / "small.trace.json").string();
    const auto r = test::run_tool(
        "replay " + model + " --hw h100-sxm --repeats 3 --warmup 1 --format json --trace " + trace_path, false);
    CAPTURE(r.out);
    if (r.status == 3) {
        std::printf("skipped: ridgeline replay exits 3 here (no GPU replay)\n");
        std::exit(77);
    }
    REQUIRE(r.status == 0);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j["status"] == "ok");
    CHECK(j["measured_s"].get<double>() > 0);
    const auto v = test::run_tool("validate " + model + " --hw h100-sxm --method external-id --trace " + trace_path);
    CAPTURE(v.out);
    CHECK(v.status == 0);
    CHECK(v.out.find("100.0% of kernel time") != std::string::npos);
    fs::remove_all(dir);
}
