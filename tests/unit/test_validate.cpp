// Predicted vs measured (validate.hpp) on synthetic data worked out by hand: the statistics, and
// attribution by external ids, by ranges named after nodes (module paths) and by sequence alignment;
// unattributed time is reported, windows divide by passes.
#include "ridgeline/error.hpp"
#include "ridgeline/onnx_import.hpp"
#include "ridgeline/report.hpp"
#include "ridgeline/shape.hpp"
#include "ridgeline/validate.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

namespace {

using namespace ridgeline;

/** Relative comparison: doctest's Approx adds an absolute slack of 1e-5, too coarse for seconds. */
doctest::Approx near(double x) { return doctest::Approx(x).scale(0).epsilon(1e-9); }

constexpr std::uint64_t us = 1000;  // ns per µs

/** A layer as the analysis makes it: its kernel class is the registry's kind of its operator. */
layer_cost make_layer(std::size_t index, const std::string& name, const std::string& op_type) {
    layer_cost l;
    l.node = static_cast<std::int32_t>(index);
    l.name = name;
    l.op_type = op_type;
    const auto* rule = op_registry::builtin().find("", op_type, 17);
    REQUIRE(rule != nullptr);
    l.kind = rule->kind;
    l.is_view = rule->kind == op_kind::view;
    return l;
}

/** A small ResNet-like model: costs do not matter here, only names, op types and kernels. */
struct fixture {
    model_cost m;
    latency_prediction p;

    fixture() {
        const std::vector<std::pair<std::string, std::string>> nodes{{"/conv1/Conv", "Conv"},
                                                                     {"/bn1/BatchNormalization", "BatchNormalization"},
                                                                     {"/relu/Relu", "Relu"},
                                                                     {"/layer1/layer1.0/conv1/Conv", "Conv"},
                                                                     {"/layer1/layer1.0/relu/Relu", "Relu"},
                                                                     {"/layer1/layer1.0/relu_1/Relu", "Relu"},
                                                                     {"/Flatten", "Flatten"},
                                                                     {"/fc/Gemm", "Gemm"}};
        for (std::size_t i = 0; i < nodes.size(); ++i)
            m.layers.push_back(make_layer(i, nodes[i].first, nodes[i].second));
        // Predicted kernels (µs): conv1 10, bn1 4, relu 2, layer1 conv 8, relu 2, relu_1 2, fc 5.
        using K = kernel_class;
        const std::vector<std::tuple<std::size_t, std::string, double, K>> kernels{
            {0, "Conv", 10, K::conv},       {1, "BatchNormalization", 4, K::batchnorm},
            {2, "Relu", 2, K::elementwise}, {3, "Conv", 8, K::conv},
            {4, "Relu", 2, K::elementwise}, {5, "Relu", 2, K::elementwise},
            {7, "Gemm", 5, K::gemm}};
        for (const auto& [layer, label, t, cls] : kernels) {
            kernel_prediction k;
            k.layers = {layer};
            k.label = label;
            k.cls = cls;
            k.name = m.layers[layer].name;
            k.time_s = t * 1e-6;
            p.kernels.push_back(k);
            p.gpu_time_s += k.time_s;
        }
    }
};

/** Appends a kernel (µs times) to a trace; returns it for further settings. */
kernel_record& add_kernel(trace& t, const std::string& name, double start_us, double dur_us) {
    kernel_record r;
    r.name = name;
    r.start_ns = static_cast<std::uint64_t>(std::llround(start_us * us));
    r.end_ns = r.start_ns + static_cast<std::uint64_t>(std::llround(dur_us * us));
    r.device = 0;
    r.stream = 7;
    r.correlation_id = t.records.size() + 1;
    t.records.push_back(r);
    return t.records.back();
}

void add_range(trace& t, const std::string& name, double start_us, double end_us, std::int64_t thread = 1) {
    nvtx_range g;
    g.name = name;
    g.start_ns = static_cast<std::uint64_t>(std::llround(start_us * us));
    g.end_ns = static_cast<std::uint64_t>(std::llround(end_us * us));
    g.thread_id = thread;
    t.ranges.push_back(g);
}

validate_options options(attribution method, const std::string& window = {}, int passes = 0) {
    validate_options o;
    o.method = method;
    o.window = window;
    o.passes = passes;
    return o;
}

const node_comparison& row(const validation_result& v, const std::string& name) {
    for (const auto& r : v.rows) {
        if (r.name == name) return r;
    }
    FAIL("no row " << name);
    return v.rows.front();
}

}  // namespace

TEST_CASE("error statistics by hand") {
    // e = (p − m)/m = 0, −0.2, +0.5, −0.2, +0.25; |e| sorted 0, .2, .2, .25, .5.
    const auto s = compare_errors({1, 2, 3, 4, 10}, {1, 2.5, 2, 5, 8});
    CHECK(s.count == 5);
    CHECK(s.median_ape == near(0.2));
    CHECK(s.p90_ape == near(0.4));  // rank 0.9·4 = 3.6: 0.25 + 0.6·(0.5 − 0.25)
    CHECK(s.mean_ape == near(0.23));
    CHECK(s.bias == near(0.07));
    CHECK(s.within_10pct == near(0.2));
    // Ranks: predicted 1 2 3 4 5, measured 1 3 2 4 5: Σd² = 2, ρ = 1 − 6·2/(5·24) = 0.9.
    CHECK(s.spearman == near(0.9));

    // Pairs with nothing measured are left out.
    const auto skip = compare_errors({1, 5, 2}, {1, 0, 2});
    CHECK(skip.count == 2);
    CHECK(skip.median_ape == 0);
    CHECK(skip.within_10pct == 1);

    // |e| = 0.1 exactly counts as within ±10%.
    CHECK(compare_errors({1.1}, {1.0}).within_10pct == 1);
    CHECK_THROWS_AS((void)compare_errors({1}, {1, 2}), usage_error);
}

TEST_CASE("Spearman with ties uses average ranks") {
    // Ranks a: 1, 2.5, 2.5, 4 — b: 1, 3, 2, 4. Centred: (−1.5, 0, 0, 1.5) and (−1.5, .5, −.5, 1.5);
    // ρ = 4.5 / √(4.5 · 5) = √0.9.
    CHECK(spearman_rank_correlation({1, 2, 2, 3}, {1, 3, 2, 4}) == near(std::sqrt(0.9)));
    CHECK(spearman_rank_correlation({1, 2, 3}, {30, 20, 10}) == near(-1.0));
    CHECK(std::isnan(spearman_rank_correlation({5, 5, 5}, {10, 20, 9})));  // no variation
    CHECK(std::isnan(spearman_rank_correlation({1}, {1})));
    CHECK(std::isnan(spearman_rank_correlation({1, 2}, {1})));
}

TEST_CASE("percentile interpolates between order statistics") {
    CHECK(percentile({}, 0.5) == 0);
    CHECK(percentile({7}, 0.9) == 7);
    CHECK(percentile({4, 1, 3, 2}, 0.5) == near(2.5));
    CHECK(percentile({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0.9) == near(9.1));
    CHECK(percentile({3, 1, 2}, 0) == 1);
    CHECK(percentile({3, 1, 2}, 1) == 3);
}

TEST_CASE("external ids attribute kernels to graph nodes; the rest is reported") {
    fixture f;
    trace t;
    t.source = "cupti";
    add_kernel(t, "conv_a", 0, 11).external_id = 0;
    add_kernel(t, "bn", 20, 4).external_id = 1;
    add_kernel(t, "relu_k", 30, 2).external_id = 2;
    add_kernel(t, "conv_b1", 40, 4).external_id = 3;
    add_kernel(t, "conv_b2", 50, 4.5).external_id = 3;
    add_kernel(t, "mystery_kernel", 60, 3);  // no id
    add_kernel(t, "relu_k", 70, 2.2).external_id = 4;
    add_kernel(t, "copy_for_flatten", 80, 1).external_id = 6;  // a view the model gives no kernel
    add_kernel(t, "gemm", 90, 5).external_id = 7;
    add_kernel(t, "stray", 100, 1).external_id = 999;  // not a node
    kernel_record copy;
    copy.kind = activity_kind::memcpy;
    copy.name = "Memcpy HtoD";
    copy.start_ns = 200 * us;
    copy.end_ns = 206 * us;
    t.records.push_back(copy);

    const auto v = validate(f.m, f.p, t);  // automatic: a non-Kineto trace with ids
    CHECK(v.method == attribution::external_id);
    CHECK(v.passes == 1);
    CHECK(v.predicted_s == near(33e-6));
    CHECK(v.measured_s == near(37.7e-6));
    CHECK(v.attributed_s == near(33.7e-6));
    CHECK(v.unattributed_s == near(4e-6));
    CHECK(v.measured_kernels == 10);
    CHECK(v.attributed_kernels == 8);
    CHECK(v.model_error == near((33 - 37.7) / 37.7));
    CHECK(v.memcpy_s == near(6e-6));
    CHECK(v.rows_not_measured == 1);  // relu_1

    CHECK(row(v, "/conv1/Conv").measured_s == near(11e-6));
    CHECK(row(v, "/layer1/layer1.0/conv1/Conv").measured_s == near(8.5e-6));
    CHECK(row(v, "/layer1/layer1.0/conv1/Conv").measured_kernels == 2);
    CHECK(row(v, "/layer1/layer1.0/relu_1/Relu").measured_s == 0);
    const auto& flatten = row(v, "/Flatten");
    CHECK(flatten.predicted_s == 0);
    CHECK(flatten.op_type == "Flatten");
    CHECK(flatten.relative_error() == near(-1));

    // Rows with time: |e| = 1/11, 0, 0, 0.5/8.5, 0.2/2.2, 0, 1 (the Flatten copy).
    CHECK(v.per_node.count == 7);
    CHECK(v.per_node.median_ape == near(0.5 / 8.5));
    CHECK(v.per_node.within_10pct == near(6.0 / 7));
    CHECK(v.per_node.bias == near(-(1.0 / 11 + 0.5 / 8.5 + 0.2 / 2.2 + 1) / 7));

    REQUIRE(v.unattributed.size() == 2);
    CHECK(v.unattributed[0].name == "mystery_kernel");
    CHECK(v.unattributed[0].time_s == near(3e-6));
    CHECK(v.unattributed[1].name == "stray");

    // Per op type: Conv has two rows (10 vs 11, 8 vs 8.5).
    const auto conv =
        std::find_if(v.by_op_type.begin(), v.by_op_type.end(), [](const auto& o) { return o.op_type == "Conv"; });
    REQUIRE(conv != v.by_op_type.end());
    CHECK(conv->rows == 2);
    CHECK(conv->predicted_s == near(18e-6));
    CHECK(conv->measured_s == near(19.5e-6));
    CHECK(v.by_op_type.front().op_type == "Conv");  // largest measured time first

    // Reporters read the result.
    std::ostringstream table, json;
    write_validation_table(table, v);
    write_validation_json(json, v);
    CHECK(table.str().find("mystery_kernel") != std::string::npos);
    const auto j = nlohmann::json::parse(json.str());
    CHECK(j["method"] == "external-id");
    CHECK(j["model"]["unattributed_s"].get<double>() == near(4e-6));
    CHECK(j["rows"].size() == v.rows.size());
    CHECK(j["per_node"]["count"] == 7);

    // Kineto traces: external ids are the framework's, so automatic does not read them as nodes.
    t.source = "kineto";
    const auto k = validate(f.m, f.p, t);
    CHECK(k.method != attribution::external_id);
}

TEST_CASE("ranges named after modules attribute the kernels launched inside them") {
    fixture f;
    trace t;
    t.source = "cupti";
    // Host ranges on thread 1 as forward hooks would push them; "forward" names no node.
    add_range(t, "forward", 0, 200);
    add_range(t, "conv1", 1, 9);
    add_range(t, "bn1", 10, 19);
    add_range(t, "relu", 20, 29);
    add_range(t, "layer1", 30, 120);
    add_range(t, "layer1.0", 31, 119);
    add_range(t, "layer1.0.conv1", 32, 49);
    add_range(t, "layer1.0.relu", 50, 59);  // first call: relu
    add_range(t, "layer1.0.relu", 60, 69);  // second call: relu_1
    add_range(t, "fc", 130, 139);
    sort_trace(t);
    const auto launched = [&](const std::string& name, double launch_us, double start_us, double dur_us) {
        auto& k = add_kernel(t, name, start_us, dur_us);
        k.launch = launch_info{"cudaLaunchKernel", static_cast<std::uint64_t>(launch_us * us),
                               static_cast<std::uint64_t>((launch_us + 0.5) * us), 1};
    };
    launched("conv_a", 2, 300, 11);
    launched("bn", 11, 320, 4);
    launched("relu_k", 21, 330, 2);
    launched("conv_b", 33, 340, 8);
    launched("relu_k", 51, 350, 2);
    launched("relu_k", 61, 360, 2.5);
    launched("between_blocks", 100, 370, 1);  // inside layer1.0 and layer1 only: names no node
    launched("gemm", 131, 380, 5);
    launched("after_everything", 250, 390, 3);
    auto& other_thread = add_kernel(t, "other_thread", 400, 1);  // launched by thread 2 inside "fc"'s time
    other_thread.launch = launch_info{"cudaLaunchKernel", 132 * us, 133 * us, 2};

    const auto v = validate(f.m, f.p, t);
    CHECK(v.method == attribution::ranges);
    CHECK(row(v, "/conv1/Conv").measured_s == near(11e-6));
    CHECK(row(v, "/bn1/BatchNormalization").measured_s == near(4e-6));
    CHECK(row(v, "/relu/Relu").measured_s == near(2e-6));
    CHECK(row(v, "/layer1/layer1.0/conv1/Conv").measured_s == near(8e-6));
    CHECK(row(v, "/layer1/layer1.0/relu/Relu").measured_s == near(2e-6));
    CHECK(row(v, "/layer1/layer1.0/relu_1/Relu").measured_s == near(2.5e-6));
    CHECK(row(v, "/fc/Gemm").measured_s == near(5e-6));
    CHECK(v.unattributed_s == near(5e-6));
    CHECK(v.unattributed.size() == 3);  // between_blocks, after_everything, other_thread
    CHECK(v.per_node.count == 7);
    CHECK(v.rows_not_measured == 0);

    // Exact node names work too, and GPU ranges place kernels without launch records.
    trace g;
    g.source = "kineto";
    nvtx_range on_gpu;
    on_gpu.name = "/fc/Gemm";
    on_gpu.gpu = true;
    on_gpu.device = 0;
    on_gpu.start_ns = 10 * us;
    on_gpu.end_ns = 20 * us;
    g.ranges.push_back(on_gpu);
    add_kernel(g, "gemm", 11, 5);
    add_kernel(g, "outside", 30, 1);
    const auto vg = validate(f.m, f.p, g, options(attribution::ranges));
    CHECK(row(vg, "/fc/Gemm").measured_s == near(5e-6));
    CHECK(vg.unattributed_s == near(1e-6));
}

TEST_CASE("a module range holding several nodes spreads its kernels over them by class") {
    // An attention module whose forward computes MatMul → Softmax → MatMul itself: one range, three nodes.
    model_cost m;
    latency_prediction p;
    const std::vector<std::pair<std::string, std::string>> nodes{
        {"/encoder/attn/MatMul", "MatMul"},
        {"/encoder/attn/Softmax", "Softmax"},
        {"/encoder/attn/MatMul_1", "MatMul"},
        {"/encoder/norm/LayerNormalization", "LayerNormalization"}};
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        const auto l = make_layer(i, nodes[i].first, nodes[i].second);
        m.layers.push_back(l);
        kernel_prediction k;
        k.layers = {i};
        k.label = l.op_type;
        k.time_s = 1e-6;
        p.kernels.push_back(k);
        p.gpu_time_s += k.time_s;
    }
    trace t;
    t.source = "cupti";
    for (int pass = 0; pass < 2; ++pass) {
        const double at = 1000.0 * pass;
        add_range(t, "ridgeline_pass", at, at + 900);
        add_range(t, "encoder.attn", at + 10, at + 50);
        add_range(t, "encoder.norm", at + 60, at + 70);
        const auto launched = [&](const std::string& name, double launch_us, double dur_us) {
            auto& k = add_kernel(t, name, at + 100 + launch_us, dur_us);
            k.launch = launch_info{"cudaLaunchKernel", static_cast<std::uint64_t>((at + launch_us) * us),
                                   static_cast<std::uint64_t>((at + launch_us + 0.5) * us), 1};
        };
        launched("ampere_sgemm_128x64_tn", 11, 4);
        launched("void at::native::softmax_warp_forward<float>", 21, 2);
        launched("ampere_sgemm_64x64_nn", 31, 3);
        launched("void at::native::vectorized_layer_norm_kernel<float>", 61, 1);
    }
    sort_trace(t);
    const auto v = validate(m, p, t, options(attribution::ranges, "ridgeline_pass"));
    CHECK(v.passes == 2);
    CHECK(row(v, "/encoder/attn/MatMul").measured_s == near(4e-6));
    CHECK(row(v, "/encoder/attn/Softmax").measured_s == near(2e-6));
    CHECK(row(v, "/encoder/attn/MatMul_1").measured_s == near(3e-6));
    CHECK(row(v, "/encoder/norm/LayerNormalization").measured_s == near(1e-6));
    CHECK(v.unattributed_s == 0);
}

TEST_CASE("a window selects the measured passes and divides by their count") {
    fixture f;
    trace t;
    t.source = "cupti";
    // A warm-up pass outside any window, then two windows of one pass each.
    for (int pass = 0; pass < 3; ++pass) {
        const double at = 1000.0 * pass;
        if (pass > 0) add_range(t, "ridgeline_pass", at, at + 500);
        add_range(t, "conv1", at + 1, at + 9);
        auto& k = add_kernel(t, "conv_a", at + 100, pass == 0 ? 50 : 10 + pass);  // 11 and 12 µs measured
        k.launch = launch_info{"cudaLaunchKernel", static_cast<std::uint64_t>((at + 2) * us),
                               static_cast<std::uint64_t>((at + 3) * us), 1};
    }
    sort_trace(t);
    const auto v = validate(f.m, f.p, t, options(attribution::automatic, "ridgeline_pass"));
    CHECK(v.passes == 2);
    CHECK(v.measured_kernels == 1);
    CHECK(row(v, "/conv1/Conv").measured_s == near(11.5e-6));
    CHECK(v.measured_s == near(11.5e-6));
    const auto forced = validate(f.m, f.p, t, options(attribution::automatic, "ridgeline_pass", 1));
    CHECK(forced.measured_s == near(23e-6));
    CHECK_THROWS_WITH_AS((void)validate(f.m, f.p, t, options(attribution::automatic, "nope")),
                         doctest::Contains("'nope'"), usage_error);
    CHECK_THROWS_AS((void)validate(f.m, f.p, t, options(attribution::automatic, "", -1)), usage_error);
}

TEST_CASE("sequence alignment matches framework kernels by operation class") {
    fixture f;
    trace t;
    t.source = "kineto";
    add_kernel(t, "void at::native::elementwise_kernel<128, 2>(copy input)", 0,
               3);  // before the first conv: fits nowhere
    add_kernel(t, "sm90_xmma_fprop_implicit_gemm_f32f32_tf32f32_f32_nhwckrsc_nchw", 10, 11);
    add_kernel(t, "void cudnn::bn_fw_inf_1C11_kernel_NCHW<float, float, true, 1>(float, float)", 30, 4);
    add_kernel(t, "void at::native::vectorized_elementwise_kernel<4, clamp_scalar>", 40, 2);
    add_kernel(t, "void implicit_convolve_sgemm<float, float, 128, 5, 5, 3, 3, 3, 1, false>", 50, 8);
    add_kernel(t, "void at::native::vectorized_elementwise_kernel<4, clamp_scalar>", 60, 2);
    // (relu_1 launched nothing in this run)
    add_kernel(t, "sm90_xmma_gemm_f32f32_tf32f32_f32_tn_n_tilesize64x64x32", 70, 5);
    const auto v = validate(f.m, f.p, t);
    CHECK(v.method == attribution::sequence);
    CHECK(row(v, "/conv1/Conv").measured_s == near(11e-6));
    CHECK(row(v, "/bn1/BatchNormalization").measured_s == near(4e-6));
    CHECK(row(v, "/relu/Relu").measured_s == near(2e-6));
    CHECK(row(v, "/layer1/layer1.0/conv1/Conv").measured_s == near(8e-6));
    CHECK(row(v, "/layer1/layer1.0/relu/Relu").measured_s == near(2e-6));  // ties go to the earlier node
    CHECK(row(v, "/layer1/layer1.0/relu_1/Relu").measured_s == 0);
    CHECK(row(v, "/fc/Gemm").measured_s == near(5e-6));
    REQUIRE(v.unattributed.size() == 1);
    CHECK(v.unattributed[0].time_s == near(3e-6));

    // With Kineto's op names the op decides: an "aten::batch_norm" elementwise kernel is a norm.
    trace ops;
    ops.source = "kineto";
    add_kernel(ops, "void at::native::elementwise_kernel<128, 2>(conv)", 0, 10).op = "aten::cudnn_convolution";
    add_kernel(ops, "void at::native::elementwise_kernel<128, 2>(bn)", 20, 4).op = "aten::native_batch_norm";
    add_kernel(ops, "void at::native::elementwise_kernel<128, 2>(relu)", 30, 2).op = "aten::relu_";
    const auto vo = validate(f.m, f.p, ops, options(attribution::sequence));
    CHECK(row(vo, "/conv1/Conv").measured_s == near(10e-6));
    CHECK(row(vo, "/bn1/BatchNormalization").measured_s == near(4e-6));
    CHECK(row(vo, "/relu/Relu").measured_s == near(2e-6));
}

TEST_CASE("Kineto's doubled ranges (host and GPU) count once") {
    fixture f;
    trace t;
    t.source = "kineto";
    const auto gpu_range = [&](const std::string& name, double start_us, double end_us) {
        add_range(t, name, start_us, end_us, 7);
        t.ranges.back().gpu = true;
        t.ranges.back().device = 0;
    };
    for (int pass = 0; pass < 2; ++pass) {
        const double at = 1000.0 * pass;
        add_range(t, "ridgeline_pass", at, at + 500);
        add_range(t, "layer1.0.relu", at + 10, at + 20);
        add_range(t, "layer1.0.relu", at + 30, at + 40);
        gpu_range("ridgeline_pass", at + 100, at + 113);
        gpu_range("layer1.0.relu", at + 100, at + 102);
        gpu_range("layer1.0.relu", at + 110, at + 113);
        auto& a = add_kernel(t, "void at::native::vectorized_elementwise_kernel<4, clamp>", at + 100, 2);
        a.launch = launch_info{"cudaLaunchKernel", static_cast<std::uint64_t>((at + 11) * us),
                               static_cast<std::uint64_t>((at + 12) * us), 1};
        auto& b = add_kernel(t, "void at::native::vectorized_elementwise_kernel<4, clamp>", at + 110, 3);
        b.launch = launch_info{"cudaLaunchKernel", static_cast<std::uint64_t>((at + 31) * us),
                               static_cast<std::uint64_t>((at + 32) * us), 1};
    }
    sort_trace(t);
    const auto v = validate(f.m, f.p, t, options(attribution::automatic, "ridgeline_pass"));
    CHECK(v.passes == 2);
    CHECK(v.method == attribution::ranges);
    CHECK(row(v, "/layer1/layer1.0/relu/Relu").measured_s == near(2e-6));
    CHECK(row(v, "/layer1/layer1.0/relu_1/Relu").measured_s == near(3e-6));
    // The same kernels by GPU ranges alone (no launch records) land on the same nodes.
    for (auto& r : t.records) r.launch.reset();
    const auto g = validate(f.m, f.p, t, options(attribution::ranges, "ridgeline_pass"));
    CHECK(g.passes == 2);
    CHECK(row(g, "/layer1/layer1.0/relu/Relu").measured_s == near(2e-6));
    CHECK(row(g, "/layer1/layer1.0/relu_1/Relu").measured_s == near(3e-6));
    // Sequence alignment per pass: two elementwise kernels pair with two Relu nodes, one each.
    const auto q = validate(f.m, f.p, t, options(attribution::sequence, "ridgeline_pass"));
    CHECK(q.attributed_kernels == 2);
    CHECK(row(q, "/relu/Relu").measured_s == near(2e-6));
    CHECK(row(q, "/layer1/layer1.0/relu/Relu").measured_s == near(3e-6));
}

TEST_CASE("sequence alignment lets a conv take its conversion kernels") {
    fixture f;
    trace t;
    t.source = "kineto";
    add_kernel(t, "void cudnn::ops::nchwToNhwcKernel<float, float, float, false, true>", 0, 1);
    add_kernel(t, "sm80_xmma_fprop_implicit_gemm_indexed_f16f16_f16f32_f32_nhwckrsc_nhwc", 5, 9);
    add_kernel(t, "void cudnn::ops::nhwcToNchwKernel<float, float, float, true, false>", 20, 1);
    add_kernel(t, "void cudnn::bn_fw_inf_1C11_kernel_NCHW<float, float, true, 1>(float, float)", 30, 4);
    const auto v = validate(f.m, f.p, t, options(attribution::sequence));
    CHECK(row(v, "/conv1/Conv").measured_s == near(11e-6));
    CHECK(row(v, "/conv1/Conv").measured_kernels == 3);
    CHECK(row(v, "/bn1/BatchNormalization").measured_s == near(4e-6));
    CHECK(v.unattributed_s == 0);
}

TEST_CASE("sequence alignment recovers a resnet18 run with dropped and stray kernels") {
    // A framework-like run of the bundled resnet18: each predicted kernel becomes the kernel PyTorch
    // would launch for it, a few launch nothing, a few extra copies and conversions appear.
    graph g = load_onnx(std::string(RIDGELINE_TEST_DATA) + "/resnet18.onnx");
    shape_options so;
    so.batch = 8;
    REQUIRE(infer_shapes(g, so).ok());
    const auto m = analyze(g);
    const auto p = predict_latency(g, m, load_hw("h100-sxm"), dtype::f32);
    const std::map<std::string, std::string> names{
        {"Conv", "sm90_xmma_fprop_implicit_gemm_tf32f32_tf32f32_f32_nhwckrsc_nchw_tilesize128x128x32"},
        {"BatchNormalization", "void cudnn::bn_fw_inf_1C11_kernel_NCHW<float, float, int, 512, true, 1, true>"},
        {"Relu", "void at::native::vectorized_elementwise_kernel<4, at::native::launch_clamp_scalar>"},
        {"Add", "void at::native::vectorized_elementwise_kernel<4, at::native::CUDAFunctor_add<float>>"},
        {"MaxPool", "void at::native::max_pool_forward_nchw<float, float>"},
        {"GlobalAveragePool", "void at::native::reduce_kernel<512, 1, at::native::MeanOps<float>>"},
        {"Gemm", "sm90_xmma_gemm_f32f32_tf32f32_f32_tn_n_tilesize64x64x32"}};
    std::mt19937 rng(7);
    trace t;
    t.source = "kineto";
    std::vector<long> truth;  // predicted kernel index of each measured kernel (-1: stray)
    double at = 0;
    bool dropped = false;
    for (std::size_t k = 0; k < p.kernels.size(); ++k) {
        const auto it = names.find(p.kernels[k].label);
        REQUIRE_MESSAGE(it != names.end(), p.kernels[k].label);
        if (rng() % 25 == 0 && p.kernels[k].label == "Relu") {  // launched nothing
            dropped = true;
            continue;
        }
        // A stray copy right where an elementwise kernel went missing would be indistinguishable
        // from it (a copy plausibly implements a pointwise op): strays go elsewhere.
        if (rng() % 15 == 0 && !dropped) {
            add_kernel(t, "void at::native::elementwise_kernel<128, 2, copy_>", at, 1);  // a stray copy
            truth.push_back(-1);
            at += 2;
        }
        dropped = false;
        add_kernel(t, it->second, at, 5);
        truth.push_back(static_cast<long>(k));
        at += 6;
    }
    const auto v = validate(m, p, t, options(attribution::sequence));
    // Every row should hold exactly the kernels that were launched for it.
    std::map<std::string, double> expected;
    std::size_t strays = 0;
    for (auto k : truth) {
        if (k < 0) {
            ++strays;
        } else {
            // Rows are layers: a folded batch norm's kernel belongs to its convolution's row.
            expected[m.layers[p.kernels[static_cast<std::size_t>(k)].layers.front()].name] += 1;
        }
    }
    REQUIRE(strays > 0);
    std::size_t exact = 0;
    for (const auto& r : v.rows) exact += r.measured_kernels == expected[r.name] ? 1 : 0;
    CAPTURE(exact);
    CHECK(static_cast<double>(exact) >= 0.95 * static_cast<double>(v.rows.size()));
    REQUIRE(v.unattributed.size() == 1);  // the stray copies, reported
    CHECK(v.unattributed[0].count == static_cast<double>(strays));
    CHECK(v.attributed_kernels == static_cast<double>(truth.size() - strays));
}

TEST_CASE("attribution names parse and print") {
    CHECK(parse_attribution("auto") == attribution::automatic);
    CHECK(parse_attribution("external-id") == attribution::external_id);
    CHECK(parse_attribution("ranges") == attribution::ranges);
    CHECK(parse_attribution("sequence") == attribution::sequence);
    CHECK(attribution_name(attribution::external_id) == "external-id");
    CHECK_THROWS_WITH_AS((void)parse_attribution("magic"), doctest::Contains("magic"), usage_error);
}

TEST_CASE("a trace without kernels is an error saying so, never a measured time of zero") {
    fixture f;
    CHECK_THROWS_WITH_AS((void)validate(f.m, f.p, trace{}), doctest::Contains("holds no kernel"), error);
    // Copies alone, or kernels outside the window, measure nothing either.
    trace t;
    t.source = "cupti";
    kernel_record copy;
    copy.kind = activity_kind::memcpy;
    copy.name = "Memcpy HtoD";
    copy.start_ns = 100;
    copy.end_ns = 200;
    t.records.push_back(copy);
    CHECK_THROWS_WITH_AS((void)validate(f.m, f.p, t), doctest::Contains("0 kernels, 1 memcpy"), error);
    kernel_record k;
    k.name = "late_kernel";
    k.start_ns = 5000;
    k.end_ns = 6000;
    t.records.push_back(k);
    t.ranges.push_back({"pass", "", 0, 1000, 1, false, -1, -1});
    validate_options o;
    o.window = "pass";
    CHECK_THROWS_WITH_AS((void)validate(f.m, f.p, t, o), doctest::Contains("no kernel inside its 1 'pass' range"),
                         error);
    CHECK(validate(f.m, f.p, t).measured_kernels == 1);
}
