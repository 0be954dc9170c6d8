// The latency model on hand-sized cases: wave quantisation, kernel formation for the patterns
// exporters spell out, the fixed per-kernel cost, and calibration recovering known parameters.
#include "model_builder.hpp"

#include "ridgeline/cost_model.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

using namespace ridgeline;

namespace {

/** A 4-SM device with measured ceilings: matmul 1 TFLOPS (fp32), 100 GB/s, 1 µs minimum kernel. */
hw_spec tiny_gpu() {
    const auto dir = std::filesystem::temp_directory_path() / "ridgeline_cost_test";
    std::filesystem::create_directories(dir);
    const auto p = dir / "tinygpu.yaml";
    std::ofstream(p) << "id: tinygpu\nname: Tiny\nkind: gpu\nsources: [test]\ncompute: {sm_count: 4}\n"
                        "peak_tflops: {fp32: 2}\nmemory:\n  dram: {capacity_gib: 1, bandwidth_gbps: 200}\n"
                        "measured:\n  method: test\n  dram_bandwidth_gbps: 100\n  matmul_tflops: {fp32: 1}\n"
                        "  min_kernel_time_us: 1\n";
    return load_hw_file(p.string());
}

latency_prediction predict_graph(test::model_builder& b, const cost_model_params& params = {}) {
    graph g = b.load();
    REQUIRE(infer_shapes(g).ok());
    return predict_latency(g, analyze(g), tiny_gpu(), dtype::f32, params);
}

latency_prediction matmul(std::int64_t m) {
    test::model_builder b;
    b.input("a", dtype::f32, {m, 64}).weight("w", dtype::f32, {64, 128});
    b.node("MatMul", {"a", "w"}, {"y"}, "mm");
    b.output("y");
    return predict_graph(b);
}

}  // namespace

TEST_CASE("wave quantisation: whole waves of tiles") {
    // M=128, N=128, K=64: one 128x128 tile on one of 4 SMs. A wave of 4 slots costs
    // 4 x 2·128·128·64 FLOPs at 1 TFLOPS = 8.388608 µs (smaller tiles do no better).
    const auto one = matmul(128);
    REQUIRE(one.kernels.size() == 1);
    CHECK(one.kernels[0].matmul_s == doctest::Approx(8.388608e-6).scale(0));
    CHECK(one.kernels[0].waves == 1);
    // M=512 fills the wave: same time. M=640 needs a second wave: twice the time.
    CHECK(matmul(512).kernels[0].matmul_s == doctest::Approx(8.388608e-6).scale(0));
    CHECK(matmul(640).kernels[0].matmul_s == doctest::Approx(2 * 8.388608e-6).scale(0));
    // Memory: (128·64 + 64·128 + 128·128) x 4 B = 131072 B at 100 GB/s = 1.31072 µs; compute-bound,
    // plus the 1 µs fixed per-kernel cost.
    CHECK(one.kernels[0].memory_s == doctest::Approx(1.31072e-6).scale(0));
    CHECK(one.kernels[0].bound == bound_kind::compute);
    CHECK(one.gpu_time_s == doctest::Approx(8.388608e-6 + 1e-6).scale(0));
    // Without quantisation: the ideal 2·128·128·64 / 1e12 = 2.097152 µs.
    test::model_builder b;
    b.input("a", dtype::f32, {128, 64}).weight("w", dtype::f32, {64, 128});
    b.node("MatMul", {"a", "w"}, {"y"}, "mm");
    b.output("y");
    cost_model_params flat;
    flat.quantise = false;
    CHECK(predict_graph(b, flat).kernels[0].matmul_s == doctest::Approx(2.097152e-6).scale(0));
}

TEST_CASE("kernels: GELU written with Erf and attention written out are one kernel each; views none") {
    test::model_builder b;
    b.input("x", dtype::f32, {4, 64});
    for (const char* c : {"sqrt2", "one", "half"}) b.weight(c, dtype::f32, {});
    b.node("Div", {"x", "sqrt2"}, {"d"}, "div");
    b.node("Erf", {"d"}, {"e"}, "erf");
    b.node("Add", {"e", "one"}, {"a"}, "add");
    b.node("Mul", {"x", "a"}, {"m"}, "mul");
    b.node("Mul", {"m", "half"}, {"y"}, "mul2");
    b.output("y");
    const auto gelu = predict_graph(b);
    REQUIRE(gelu.kernels.size() == 1);
    CHECK(gelu.kernels[0].label == "Gelu");
    CHECK(gelu.kernels[0].layers.size() == 5);
    // One kernel reads x and writes y: 2 x 256 x 4 B (the constants are scalars: 3 x 4 B).
    CHECK(gelu.kernels[0].bytes == 2 * 256 * 4 + 12);

    test::model_builder t;
    t.input("q", dtype::f32, {1, 2, 8, 16}).input("k", dtype::f32, {1, 2, 16, 8}).input("v", dtype::f32, {1, 2, 8, 16});
    t.weight("scale", dtype::f32, {}).ints("flat", {1, 2, 128});
    t.node("MatMul", {"q", "k"}, {"s"}, "qk");
    t.node("Div", {"s", "scale"}, {"ss"}, "div");
    t.node("Softmax", {"ss"}, {"p"}, "softmax");
    t.node("MatMul", {"p", "v"}, {"o"}, "pv");
    t.node("Reshape", {"o", "flat"}, {"y"}, "view");
    t.output("y");
    const auto att = predict_graph(t);
    REQUIRE(att.kernels.size() == 1);
    CHECK(att.kernels[0].label == "Attention");
    // Q, K, V read and O written; the scores never reach memory: 4 x 256 x 4 B + the scale.
    CHECK(att.kernels[0].bytes == 4 * 256 * 4 + 4);
}

TEST_CASE("fused mode merges elementwise chains into the producer") {
    test::model_builder b;
    b.input("a", dtype::f32, {128, 64}).weight("w", dtype::f32, {64, 128}).weight("bias", dtype::f32, {128});
    b.node("MatMul", {"a", "w"}, {"y"}, "mm");
    b.node("Add", {"y", "bias"}, {"z"}, "add");
    b.node("Relu", {"z"}, {"r"}, "relu");
    b.output("r");
    CHECK(predict_graph(b).kernels.size() == 3);
    graph g = b.load();
    REQUIRE(infer_shapes(g).ok());
    cost_model_params fused;
    fused.fused = true;
    const auto p = predict_latency(g, analyze(g, {.fused = true}), tiny_gpu(), dtype::f32, fused);
    CHECK(p.kernels.size() == 1);
    CHECK(p.launch_s == doctest::Approx(5e-6).scale(0));  // one launch at the default 5 µs
}

TEST_CASE("calibration recovers known parameters") {
    // Synthetic "measurements" made with matmul x1.3, memory x1.5, 2 µs per kernel.
    std::vector<timing_sample> samples;
    for (std::int64_t m : {64, 256, 1024, 4096, 16384, 65536}) {
        auto p = matmul(m);
        double t = 0;
        for (const auto& k : p.kernels) t += std::max(1.3 * k.matmul_s + k.vector_s, 1.5 * k.memory_s) + 2e-6;
        samples.push_back({p, t});
        // A memory-bound kernel too, so the memory scale is observable.
        test::model_builder b;
        b.input("x", dtype::f32, {m, 256});
        b.node("Relu", {"x"}, {"y"}, "relu");
        b.output("y");
        auto q = predict_graph(b);
        double tq = 0;
        for (const auto& k : q.kernels) tq += std::max(1.3 * k.matmul_s + k.vector_s, 1.5 * k.memory_s) + 2e-6;
        samples.push_back({q, tq});
    }
    const auto fit = calibrate(samples, {});
    CHECK(fit.matmul_scale == doctest::Approx(1.3).epsilon(1e-6));
    CHECK(fit.memory_scale == doctest::Approx(1.5).epsilon(1e-6));
    CHECK(fit.kernel_fixed_s == doctest::Approx(2e-6).epsilon(1e-6).scale(0));
    CHECK_THROWS_AS(calibrate({samples[0]}, {}), usage_error);
}
