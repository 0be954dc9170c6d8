// The latency model on hand-sized cases: GEMM views of MatMul, kernels as eager PyTorch forms
// them (the convolution rules with their layout conversions, folded batch norms, nn.Linear,
// attention, views), tile/wave quantisation and the curves' arithmetic, L2 residency, and the
// whole-model calibration recovering known scales.
#include "model_builder.hpp"

#include "ridgeline/cost_model.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

using namespace ridgeline;

namespace {

/** Every class the same curve: compute and memory at the ceilings, 1 µs fixed, tile reuse half 64. */
efficiency_table flat_curves(double tile_half = 64) {
    efficiency_table t;
    t.method = "test";
    for (const auto& p : efficiency_precisions()) {
        for (auto c : all_kernel_classes()) t.curves[p][c] = {1.0, 1.0, 0, 0, 1.0, 0, 0};
        for (auto c : {kernel_class::gemm, kernel_class::gemm_unaligned, kernel_class::conv, kernel_class::conv_generic,
                       kernel_class::conv_first_layer, kernel_class::attention})
            t.curves[p][c].half_elements = tile_half;
    }
    return t;
}

/** A 4-SM device: matmul 1 TFLOPS (fp32 and fp16), 100 GB/s DRAM, the flat curves; `l2_mib` of L2 at 400 GB/s. */
hw_spec tiny_gpu(double l2_mib = 0) {
    const auto dir = std::filesystem::temp_directory_path() / "ridgeline_cost_test";
    std::filesystem::create_directories(dir);
    const auto p = dir / "tinygpu.yaml";
    std::ofstream(p)
        << "id: tinygpu\nname: Tiny\nkind: gpu\nsources: [test]\ncompute: {sm_count: 4}\n"
        << "peak_tflops: {fp32: 2, fp16: 4, fp16_tensor: 2}\nmemory:\n  dram: {capacity_gib: 1, bandwidth_gbps: 200}\n"
        << (l2_mib > 0 ? "  l2: {size_mib: " + std::to_string(l2_mib) + "}\n" : std::string())
        << "measured:\n  method: test\n  dram_bandwidth_gbps: 100\n  l2_bandwidth_gbps: 400\n"
        << "  matmul_tflops: {fp32: 1, fp16_tensor: 1}\n  vector_tflops: {fp32: 1, fp16: 1}\n"
        << "  min_kernel_time_us: 1\n"
        << efficiency_yaml(flat_curves());
    return load_hw_file(p.string());
}

latency_prediction predict_graph(test::model_builder& b, const cost_model_params& params = {},
                                 dtype precision = dtype::f32, const hw_spec& hw = tiny_gpu()) {
    graph g = b.load();
    REQUIRE(infer_shapes(g).ok());
    analysis_options o;
    if (precision != dtype::f32) o.float_override = precision;
    return predict_latency(g, analyze(g, o), hw, precision, params);
}

latency_prediction matmul(std::int64_t m) {
    test::model_builder b;
    b.input("a", dtype::f32, {m, 64}).weight("w", dtype::f32, {64, 128});
    b.node("MatMul", {"a", "w"}, {"y"}, "mm");
    b.output("y");
    return predict_graph(b);
}

/** The kernel classes of a prediction, in order. */
std::vector<kernel_class> classes(const latency_prediction& p) {
    std::vector<kernel_class> v;
    for (const auto& k : p.kernels) v.push_back(k.cls);
    return v;
}

/** One Conv's eager kernels: input [n, cin, hw, hw], weight [cout, cin/g, k, k]. */
latency_prediction conv(std::int64_t n, std::int64_t cin, std::int64_t cout, std::int64_t hw, std::int64_t k,
                        std::int64_t stride, std::int64_t groups, dtype precision, const std::string& weight = "w") {
    test::model_builder b;
    b.input("x", dtype::f32, {n, cin, hw, hw}).weight(weight, dtype::f32, {cout, cin / groups, k, k});
    b.weight("bias", dtype::f32, {cout});
    auto& c = b.node("Conv", {"x", weight, "bias"}, {"y"}, "conv");
    const std::int64_t pad = k == stride ? 0 : k / 2;
    test::attr_ints(c, "kernel_shape", {k, k});
    test::attr_ints(c, "strides", {stride, stride});
    test::attr_ints(c, "pads", {pad, pad, pad, pad});
    test::attr_i(c, "group", groups);
    b.output("y");
    return predict_graph(b, {}, precision);
}

using K = kernel_class;

}  // namespace

TEST_CASE("GEMM views: A·W folds A's leading dims into M; only operands both batched are a batched GEMM") {
    auto gemm_of = [](const std::vector<std::int64_t>& a, const std::vector<std::int64_t>& w, bool w_weight) {
        test::model_builder b;
        b.input("a", dtype::f32, {a.begin(), a.end()});
        if (w_weight)
            b.weight("w", dtype::f32, w);
        else
            b.input("w", dtype::f32, {w.begin(), w.end()});
        b.node("MatMul", {"a", "w"}, {"y"}, "mm");
        b.output("y");
        graph g = b.load();
        REQUIRE(infer_shapes(g).ok());
        const auto m = analyze(g);
        const auto& n = g.nodes[0];
        const auto* rule = op_registry::builtin().find("", "MatMul", 17);
        const cost_context ctx(g, n);
        op_cost c;
        c.macs = m.layers[0].forward.macs;
        const auto ks = eager_kernels(*rule, kernel_context{ctx, c, dtype::f32, nullptr});
        REQUIRE(ks.size() == 1);
        return ks[0].gemm;
    };
    // vit_b_16's [197, 1, 768]·[768, 2304] projection: one GEMM of 197 rows, not 197 GEMMs of one.
    auto v = gemm_of({197, 1, 768}, {768, 2304}, true);
    CHECK(v.batch == 1);
    CHECK(v.m == 197);
    CHECK(v.n == 2304);
    CHECK(v.k == 768);
    // ConvNeXt / Swin [B, H, W, C]·[C, 4C]: M = B·H·W.
    v = gemm_of({8, 56, 56, 96}, {96, 384}, true);
    CHECK((v.batch == 1 && v.m == 8 * 56 * 56 && v.n == 384 && v.k == 96));
    // Longformer's [S, 1, E]·[E, N].
    v = gemm_of({512, 1, 768}, {768, 768}, true);
    CHECK((v.batch == 1 && v.m == 512));
    // A W with leading 1s is still 2-D.
    v = gemm_of({4, 128, 64}, {1, 64, 32}, false);
    CHECK((v.batch == 1 && v.m == 512 && v.n == 32));
    // Both operands batched: attention's QKᵀ is batch × (Sq × Sk).
    v = gemm_of({2, 12, 128, 64}, {2, 12, 64, 128}, false);
    CHECK((v.batch == 24 && v.m == 128 && v.n == 128 && v.k == 64));
    // A 2-D A against a batched B: broadcast over B's batch.
    v = gemm_of({128, 64}, {6, 64, 32}, false);
    CHECK((v.batch == 6 && v.m == 128 && v.n == 32));
}

TEST_CASE("tile/wave quantisation with tile reuse: worked by hand on a 4-SM, 1 TFLOPS device") {
    // Per-SM rate 0.25 TFLOPS; a tile's rate is scaled by I/(I + 64), I = tm·tn/(tm + tn).
    // M=128, N=128, K=64: the 64×64 tile (I = 32, rate × 1/3) gives 4 tiles = one wave:
    // 2·64·64·64 / (0.25e12 / 3) = 6.291456 µs — better than one 128×128 tile (16.78 µs) or
    // two waves of 64×32 (8.39 µs).
    const auto one = matmul(128);
    REQUIRE(one.kernels.size() == 1);
    CHECK(one.kernels[0].matmul_s == doctest::Approx(6.291456e-6).epsilon(1e-9));
    CHECK(one.kernels[0].waves == 1);
    // M=256: four 128×64 tiles (I = 42.67, rate × 0.4) in one wave: 2·128·64·64 / 0.1e12 = 10.48576 µs,
    // better than two 128×128 tiles (16.78 µs) or sixteen 64×64 tiles in four waves (25.17 µs).
    CHECK(matmul(256).kernels[0].matmul_s == doctest::Approx(10.48576e-6).epsilon(1e-9));
    // M=640: five 128×128 tiles need two waves (33.55 µs); 128×64 in three waves does better, 31.45728 µs.
    CHECK(matmul(640).kernels[0].matmul_s == doctest::Approx(31.45728e-6).epsilon(1e-9));
    // Memory: (128·64 + 64·128 + 128·128) × 4 B = 131072 B at 100 GB/s = 1.31072 µs (no L2): compute-bound,
    // plus the class's 1 µs fixed cost.
    CHECK(one.kernels[0].memory_s == doctest::Approx(1.31072e-6).epsilon(1e-9));
    CHECK(one.kernels[0].bound == bound_kind::compute);
    CHECK(one.gpu_time_s == doctest::Approx(6.291456e-6 + 1e-6).epsilon(1e-9));
    // Without quantisation: 2·128·128·(64 + k_half 0) at the full rate = 2.097152 µs.
    test::model_builder b;
    b.input("a", dtype::f32, {128, 64}).weight("w", dtype::f32, {64, 128});
    b.node("MatMul", {"a", "w"}, {"y"}, "mm");
    b.output("y");
    cost_model_params flat;
    flat.quantise = false;
    CHECK(predict_graph(b, flat).kernels[0].matmul_s == doctest::Approx(2.097152e-6).epsilon(1e-9));
}

TEST_CASE("half-precision GEMMs whose N or K is not a multiple of 8 are their own class") {
    test::model_builder b;
    b.input("a", dtype::f32, {64, 768}).weight("w", dtype::f32, {768, 50257});
    b.node("MatMul", {"a", "w"}, {"y"}, "mm");
    b.output("y");
    CHECK(classes(predict_graph(b, {}, dtype::f16)) == std::vector<K>{K::gemm_unaligned});
    CHECK(classes(predict_graph(b, {}, dtype::f32)) == std::vector<K>{K::gemm});
}

TEST_CASE("convolutions as eager PyTorch runs them through cuDNN, per shape and precision") {
    const auto f16 = dtype::f16, f32 = dtype::f32;
    const std::vector<K> converted{K::layout_conversion, K::filter_conversion, K::conv, K::layout_conversion};
    // A 1×1 filter reads the same in NCHW and NHWC: only the activations are converted.
    const std::vector<K> converted_1x1{K::layout_conversion, K::conv, K::layout_conversion};
    // k×k: fp32 one implicit-GEMM kernel; half precision NHWC with input, filter and output conversions.
    CHECK(classes(conv(8, 64, 64, 56, 3, 1, 1, f32)) == std::vector<K>{K::conv});
    CHECK(classes(conv(8, 64, 64, 56, 3, 1, 1, f16)) == converted);
    CHECK(classes(conv(1, 64, 64, 56, 3, 1, 1, f16)) == converted);  // at every batch size
    // 1×1, stride 1: a cuBLAS GEMM per image in half precision, no conversion; an unaligned plane
    // (14×14 = 196) runs the unaligned kernels; odd planes (7×7) at batch > 1 go the NHWC way.
    CHECK(classes(conv(8, 64, 256, 56, 1, 1, 1, f16)) == std::vector<K>{K::gemm});
    CHECK(classes(conv(8, 1024, 256, 14, 1, 1, 1, f16)) == std::vector<K>{K::gemm_unaligned});
    CHECK(classes(conv(8, 2048, 512, 7, 1, 1, 1, f16)) == converted_1x1);
    CHECK(classes(conv(1, 2048, 512, 7, 1, 1, 1, f16)) == std::vector<K>{K::gemm_unaligned});
    CHECK(classes(conv(8, 64, 256, 56, 1, 1, 1, f32)) == std::vector<K>{K::conv});
    // A strided 1×1 (ResNet downsample) is no plain GEMM.
    CHECK(classes(conv(8, 256, 512, 56, 1, 2, 1, f16)) == converted_1x1);
    // Depthwise: a CUDA-core stencil, never converted.
    CHECK(classes(conv(8, 96, 96, 56, 7, 1, 96, f16)) == std::vector<K>{K::conv_depthwise});
    CHECK(classes(conv(8, 96, 96, 56, 3, 1, 96, f16)) == std::vector<K>{K::conv_depthwise_cudnn});
    CHECK(classes(conv(8, 96, 96, 56, 3, 2, 96, f16)) == std::vector<K>{K::conv_depthwise});
    CHECK(classes(conv(1, 96, 96, 56, 3, 1, 96, f32)) == std::vector<K>{K::conv_depthwise});
    // Grouped: cuDNN's direct kernel at batch 1; beyond, fp32 runs one generic kernel per group,
    // half precision the converted NHWC kernel.
    CHECK(classes(conv(1, 128, 128, 28, 3, 1, 32, f32)) == std::vector<K>{K::conv_grouped_direct});
    CHECK(classes(conv(1, 128, 128, 28, 3, 1, 32, f16)) == std::vector<K>{K::conv_grouped_direct});
    const auto grouped = conv(8, 128, 128, 28, 3, 1, 32, f32);
    REQUIRE(classes(grouped) == std::vector<K>{K::conv_generic});
    CHECK(grouped.kernels[0].launches == 32);
    CHECK(grouped.launches == 32);
    CHECK(classes(conv(8, 128, 128, 28, 3, 1, 32, f16)) == converted);
    // 3-channel inputs (stems, patch embeddings): fp32 the generic kernel; half precision the
    // generic one at batch 1 and the converted first-layer kernel beyond.
    CHECK(classes(conv(8, 3, 64, 224, 7, 2, 1, f32)) == std::vector<K>{K::conv_generic});
    CHECK(classes(conv(1, 3, 768, 224, 16, 16, 1, f16)) == std::vector<K>{K::conv_generic});
    CHECK(classes(conv(8, 3, 768, 224, 16, 16, 1, f16)) ==
          std::vector<K>{K::layout_conversion, K::filter_conversion, K::conv_first_layer, K::layout_conversion});
    // The conversions move what they convert: the input, the filter, the output (fp16: 2 bytes).
    const auto c = conv(8, 64, 64, 56, 3, 1, 1, f16);
    CHECK(c.kernels[0].bytes == 2 * 8 * 64 * 56 * 56 * 2);
    CHECK(c.kernels[1].bytes == 2 * 64 * 64 * 9 * 2);
    CHECK(c.kernels[3].bytes == 2 * 8 * 64 * 56 * 56 * 2);
    // Off (compiled deployments): the convolution alone, reading and writing NCHW itself.
    test::model_builder b;
    b.input("x", dtype::f32, {8, 64, 56, 56}).weight("w", dtype::f32, {64, 64, 3, 3});
    auto& n = b.node("Conv", {"x", "w"}, {"y"}, "conv");
    test::attr_ints(n, "pads", {1, 1, 1, 1});
    b.output("y");
    cost_model_params none;
    none.nchw_conversions = false;
    const auto plain = predict_graph(b, none, f16);
    REQUIRE(classes(plain) == std::vector<K>{K::conv});
    CHECK(plain.kernels[0].bytes == (2 * 8 * 64 * 56 * 56 + 64 * 64 * 9) * 2);
}

TEST_CASE("a batch norm the exporter folded into a convolution still runs in eager mode") {
    // torch.onnx folds BatchNormalization into the preceding Conv and names the result onnx::Conv_*.
    const auto folded = conv(8, 64, 64, 56, 3, 1, 1, dtype::f32, "onnx::Conv_17");
    CHECK(classes(folded) == std::vector<K>{K::conv, K::batchnorm});
    CHECK(folded.kernels[1].label == "BatchNormalization");
    CHECK(folded.kernels[1].bytes == 2 * 8 * 64 * 56 * 56 * 4);
    // Half precision: the native kernel and two small ones preparing per-channel factors.
    const auto half = conv(8, 64, 64, 56, 3, 1, 1, dtype::f16, "onnx::Conv_17");
    const auto half_classes = classes(half);
    CHECK(std::count(half_classes.begin(), half_classes.end(), K::batchnorm) == 1);
    CHECK(half.kernels.size() == 4 + 3);
    // A weight with the module's own name had no batch norm folded into it.
    CHECK(classes(conv(8, 64, 64, 56, 3, 1, 1, dtype::f32, "features.0.weight")) == std::vector<K>{K::conv});
}

TEST_CASE("kernels: GELU, nn.Linear and SDPA attention are one kernel each; written-out attention is not") {
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
    CHECK(gelu.kernels[0].bytes == 2 * 256 * 4 + 12);  // x read, y written, three scalars

    test::model_builder l;
    l.input("a", dtype::f32, {2, 16, 64}).weight("w", dtype::f32, {64, 32}).weight("bias", dtype::f32, {32});
    l.node("MatMul", {"a", "w"}, {"h"}, "mm");
    l.node("Add", {"bias", "h"}, {"y"}, "add");
    l.output("y");
    const auto linear = predict_graph(l);
    REQUIRE(linear.kernels.size() == 1);
    CHECK(linear.kernels[0].label == "Linear");
    CHECK(linear.kernels[0].cls == K::gemm);
    CHECK(linear.kernels[0].bytes == (2 * 16 * 64 + 64 * 32 + 32 + 2 * 16 * 32) * 4);

    // scaled_dot_product_attention as torch.onnx decomposes it: √scale on Q and on Kᵀ, then the product.
    auto attention = [](bool sdpa) {
        test::model_builder t;
        t.input("q", dtype::f32, {1, 2, 8, 16})
            .input("k", dtype::f32, {1, 2, 16, 8})
            .input("v", dtype::f32, {1, 2, 8, 16});
        t.weight("s", dtype::f32, {});
        if (sdpa) {
            t.node("Mul", {"q", "s"}, {"qs"}, "qs");
            t.node("Mul", {"k", "s"}, {"ks"}, "ks");
            t.node("MatMul", {"qs", "ks"}, {"scores"}, "qk");
        } else {  // Hugging Face's eager attention: the scale after the product
            t.node("MatMul", {"q", "k"}, {"raw"}, "qk");
            t.node("Mul", {"raw", "s"}, {"scores"}, "scale");
        }
        t.node("Softmax", {"scores"}, {"p"}, "softmax");
        t.node("MatMul", {"p", "v"}, {"o"}, "pv");
        t.output("o");
        return predict_graph(t);
    };
    const auto fused = attention(true);
    REQUIRE(fused.kernels.size() == 1);
    CHECK(fused.kernels[0].label == "Attention");
    CHECK(fused.kernels[0].cls == K::attention);
    CHECK(fused.kernels[0].bytes == 4 * 256 * 4 + 4);  // Q, K, V read, O written; the scores never leave
    CHECK(attention(false).kernels.size() == 4);       // matmul, scale, softmax, matmul
}

TEST_CASE("eager views: permutes read in place by cuBLAS, split, slice and expand launch nothing") {
    // [B, S, H, D] → [B, H, S, D] into a MatMul: a strided batched operand only when B = 1.
    auto qk = [](std::int64_t batch) {
        test::model_builder t;
        t.input("q", dtype::f32, {batch, 16, 2, 8}).input("k", dtype::f32, {batch, 2, 8, 16});
        auto& tr = t.node("Transpose", {"q"}, {"qt"}, "permute");
        test::attr_ints(tr, "perm", {0, 2, 1, 3});
        t.node("MatMul", {"qt", "k"}, {"s"}, "qk");
        t.output("s");
        return predict_graph(t);
    };
    CHECK(classes(qk(1)) == std::vector<K>{K::gemm});
    CHECK(classes(qk(4)) == std::vector<K>{K::copy, K::gemm});
    // A weight transposed for a MatMul is read transposed.
    test::model_builder w;
    w.input("a", dtype::f32, {16, 64}).weight("w", dtype::f32, {32, 64});
    auto& wt = w.node("Transpose", {"w"}, {"wt"}, "wT");
    test::attr_ints(wt, "perm", {1, 0});
    w.node("MatMul", {"a", "wt"}, {"y"}, "mm");
    w.output("y");
    CHECK(classes(predict_graph(w)) == std::vector<K>{K::gemm});
    // Split and Slice are views; Concat copies like a pointwise kernel.
    test::model_builder s;
    s.input("x", dtype::f32, {4, 96}).ints("sizes", {32, 64});
    auto& sp = s.node("Split", {"x", "sizes"}, {"a", "b"}, "split");
    test::attr_i(sp, "axis", 1);
    auto& cat = s.node("Concat", {"b", "a"}, {"y"}, "cat");
    test::attr_i(cat, "axis", 1);
    s.output("y");
    CHECK(classes(predict_graph(s)) == std::vector<K>{K::elementwise});
}

TEST_CASE("L2 residency: a consumer right after its producer reads from L2; what does not fit streams from DRAM") {
    auto chain = [](std::int64_t elements) {
        test::model_builder b;
        b.input("x", dtype::f32, {elements});
        b.node("Relu", {"x"}, {"a"}, "r1");
        b.node("Relu", {"a"}, {"y"}, "r2");
        b.output("y");
        return predict_graph(b, {}, dtype::f32, tiny_gpu(1));
    };
    // 16 KiB tensors in a 1 MiB L2: everything stays resident across the repeated pass.
    const auto small = chain(4096);
    REQUIRE(small.kernels.size() == 2);
    for (const auto& k : small.kernels) CHECK(k.dram_bytes == doctest::Approx(0));
    // Memory time then runs at the L2's 400 GB/s: 32 KiB in 81.92 ns.
    CHECK(small.kernels[1].memory_s == doctest::Approx(2 * 4096 * 4 / 400e9));
    // 16 MiB tensors: nothing fits, every byte is DRAM traffic at 100 GB/s.
    const auto large = chain(4 << 20);
    for (const auto& k : large.kernels) CHECK(k.dram_bytes == doctest::Approx(static_cast<double>(k.bytes)));
    CHECK(large.kernels[1].memory_s == doctest::Approx(2.0 * (16 << 20) / 100e9));
}

TEST_CASE("fused mode merges elementwise chains into the producer") {
    test::model_builder b;
    b.input("a", dtype::f32, {128, 64}).weight("w", dtype::f32, {64, 128}).weight("bias", dtype::f32, {128});
    b.node("MatMul", {"a", "w"}, {"y"}, "mm");
    b.node("Add", {"y", "bias"}, {"z"}, "add");
    b.node("Relu", {"z"}, {"r"}, "relu");
    b.output("r");
    CHECK(predict_graph(b).kernels.size() == 2);  // Linear (MatMul + bias), Relu
    graph g = b.load();
    REQUIRE(infer_shapes(g).ok());
    cost_model_params fused;
    fused.fused = true;
    const auto p = predict_latency(g, analyze(g, {.fused = true}), tiny_gpu(), dtype::f32, fused);
    CHECK(p.kernels.size() == 1);
    CHECK(p.launch_s == doctest::Approx(5e-6).scale(0));  // one launch at the default 5 µs
}

TEST_CASE("whole-model calibration (users' own measurements) recovers known scales") {
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
