// The replay without a GPU: the host executor computes hand-checked results, the plan accounts
// for every node's predicted time, the timing aggregation and the reports work on a synthetic
// trace, the GPU calls answer a status, and the tool's `replay` command plans anywhere and exits 3
// where it cannot measure.
#include "ridgeline/analysis.hpp"
#include "ridgeline/cost_model.hpp"
#include "ridgeline/hardware.hpp"
#include "ridgeline/onnx_import.hpp"
#include "ridgeline/replay.hpp"
#include "ridgeline/report.hpp"
#include "ridgeline/shape.hpp"

#include "model_builder.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <cstring>
#include <sstream>
#include <string>
#include <vector>

using namespace ridgeline;
using ridgeline::test::model_builder;

namespace {

host_tensor floats(std::vector<std::int64_t> dims, const std::vector<float>& values) {
    host_tensor t;
    t.type = dtype::f32;
    t.dims = std::move(dims);
    t.bytes.resize(values.size() * sizeof(float));
    if (!values.empty()) std::memcpy(t.bytes.data(), values.data(), t.bytes.size());
    return t;
}

std::vector<float> values_of(const host_tensor& t) {
    std::vector<float> v(t.bytes.size() / sizeof(float));
    std::memcpy(v.data(), t.bytes.data(), t.bytes.size());
    return v;
}

/** resnet18 from the test data, shapes inferred at `batch`. */
graph resnet18(std::int64_t batch) {
    graph g = load_onnx(std::string(RIDGELINE_TEST_DATA) + "/resnet18.onnx");
    shape_options o;
    o.batch = batch;
    infer_shapes(g, o);
    return g;
}

/** x[2,3]·w[3,2] + b[2], then Relu: every input given, so the result is worked out by hand. */
graph mlp_graph() {
    model_builder b;
    b.input("x", dtype::f32, {2, 3}).input("w", dtype::f32, {3, 2}).input("b", dtype::f32, {2});
    b.node("MatMul", {"x", "w"}, {"xw"});
    b.node("Add", {"xw", "b"}, {"y"});
    b.node("Relu", {"y"}, {"out"});
    b.output("out");
    graph g = b.load();
    infer_shapes(g, {});
    return g;
}

struct analysed {
    graph g;
    model_cost m;
    latency_prediction p;
};

analysed analyse(graph g) {
    analysed a{std::move(g), {}, {}};
    a.m = analyze(a.g);
    a.p = predict_latency(a.g, a.m, load_hw("h100-sxm"), dtype::f32);
    return a;
}

}  // namespace

TEST_CASE("run_graph on the host computes MatMul, Add and Relu as worked out by hand") {
    const graph g = mlp_graph();
    // x·w = [[1+0+3, 0+2-3], [-1+0+1, 0+0-1]] = [[4, -1], [0, -1]]; + [0.5, 0.5]; Relu.
    const auto run = run_graph(
        g, {floats({2, 3}, {1, 2, 3, -1, 0, 1}), floats({3, 2}, {1, 0, 0, 1, 1, -1}), floats({2}, {0.5F, 0.5F})},
        replay_backend::host);
    REQUIRE_MESSAGE(run.status.ok(), run.status.message);
    REQUIRE(run.outputs.size() == 1);
    CHECK(run.outputs[0].dims == std::vector<std::int64_t>{2, 2});
    CHECK(values_of(run.outputs[0]) == std::vector<float>{4.5F, 0.0F, 0.5F, 0.0F});
}

TEST_CASE("run_graph reports a wrong input count and a wrong input type as a status") {
    const graph g = mlp_graph();
    const auto few = run_graph(g, {floats({2, 3}, {1, 2, 3, 4, 5, 6})}, replay_backend::host);
    CHECK(few.status.code == measure_code::error);
    CHECK(few.status.message.find('3') != std::string::npos);
    host_tensor ints;
    ints.type = dtype::i64;
    ints.dims = {2, 3};
    ints.bytes.resize(std::size_t{6} * 8);
    const auto typed =
        run_graph(g, {ints, floats({3, 2}, {1, 0, 0, 1, 1, -1}), floats({2}, {0.5F, 0.5F})}, replay_backend::host);
    CHECK(typed.status.code == measure_code::error);
    CHECK(typed.status.message.find("int64") != std::string::npos);
    auto short_x = floats({2, 3}, {1, 2, 3});  // 3 values for 6 elements
    const auto truncated =
        run_graph(g, {short_x, floats({3, 2}, {1, 0, 0, 1, 1, -1}), floats({2}, {0.5F, 0.5F})}, replay_backend::host);
    CHECK(truncated.status.code == measure_code::error);
    CHECK(truncated.status.message.find("bytes") != std::string::npos);
}

TEST_CASE("an operator the executor lacks is named in the status, not computed") {
    model_builder b;
    b.input("x", dtype::f32, {4});
    b.node("NonZero", {"x"}, {"nz"}, "where_are_they");
    b.output("nz");
    graph g = b.load();
    infer_shapes(g, {});
    CHECK_FALSE(replay_supports(g.nodes[0]));
    const auto run = run_graph(g, {floats({4}, {0, 1, 0, 2})}, replay_backend::host);
    CHECK(run.status.code == measure_code::error);
    CHECK(run.status.message.find("where_are_they") != std::string::npos);
}

TEST_CASE("the plan: views launch nothing and covered + uncovered time is the predicted time") {
    const auto a = analyse(resnet18(2));
    const auto plan = plan_replay(a.g, a.m, a.p);
    REQUIRE(plan.nodes.size() == a.m.layers.size());
    double predicted = 0, uncovered = 0;
    int views = 0;
    for (const auto& n : plan.nodes) {
        predicted += n.predicted_s;
        if (n.step == replay_step::unsupported || n.step == replay_step::control) uncovered += n.predicted_s;
        if (n.step == replay_step::view) {
            ++views;
            CHECK(n.backend.empty());
        }
        if (n.step == replay_step::kernel) CHECK_FALSE(n.backend.empty());
        CHECK((n.step == replay_step::unsupported) != replay_supports(a.g.nodes[static_cast<std::size_t>(n.node)]));
    }
    CHECK(views >= 1);  // the Flatten before the classifier
    CHECK(plan.predicted_s == doctest::Approx(predicted));
    CHECK(plan.covered_predicted_s + uncovered == doctest::Approx(plan.predicted_s));
    CHECK(plan.coverage() == doctest::Approx(plan.covered_predicted_s / plan.predicted_s));
}

TEST_CASE("a host dry run of resnet18 runs every node with synthesised weights") {
    const auto a = analyse(resnet18(1));
    const auto plan = replay_dry_run(a.g, a.m, a.p);
    for (const auto& n : plan.nodes) {
        INFO(n.name << " (" << n.op_type << "): " << n.reason);
        CHECK(n.step != replay_step::unsupported);
    }
    CHECK(plan.coverage() == doctest::Approx(1.0));
}

TEST_CASE("collect_replay_timings keeps each node's median run, drops warm-ups and setup work") {
    const auto a = analyse(mlp_graph());
    replay_result r;
    r.plan = plan_replay(a.g, a.m, a.p);
    r.warmup = 1;
    r.repeats = 3;
    REQUIRE(r.plan.nodes.size() == 3);
    const std::int32_t matmul = r.plan.nodes[0].node;
    const std::int32_t add = r.plan.nodes[1].node;
    std::uint64_t clock = 1000;
    trace t;
    auto record = [&](std::uint64_t id, std::uint64_t ns, const char* name,
                      activity_kind kind = activity_kind::kernel) {
        kernel_record k;
        k.kind = kind;
        k.name = name;
        k.start_ns = clock;
        k.end_ns = clock + ns;
        k.external_id = id;
        clock += ns + 10;
        t.records.push_back(k);
    };
    record(replay_setup_id, 5000, "fill");                // setup: ignored
    record(replay_external_id(matmul, 0), 9000, "gemm");  // warm-up: ignored
    record(replay_external_id(matmul, 1), 300, "gemm");   // run 1: 300 + 40
    record(replay_external_id(matmul, 1), 40, "Memcpy DtoD", activity_kind::memcpy);
    record(replay_external_id(matmul, 2), 200, "gemm");  // run 2: 200 (fastest)
    record(replay_external_id(matmul, 3), 500, "gemm");  // run 3: 500 (slowest)
    record(replay_external_id(add, 1), 70, "add");       // Add: runs 70, 80 and none (0)
    record(replay_external_id(add, 2), 80, "add");
    kernel_record untagged;
    untagged.name = "stray";
    untagged.start_ns = clock;
    untagged.end_ns = clock + 1;
    t.records.push_back(untagged);

    collect_replay_timings(t, r);
    REQUIRE(r.nodes.size() == 3);  // every kernel node, even one without records (Relu here)
    CHECK(r.nodes[0].node == matmul);
    CHECK(r.nodes[0].measured_s == doctest::Approx(340e-9));  // median of {340, 200, 500}
    CHECK(r.nodes[0].min_s == doctest::Approx(200e-9));
    CHECK(r.nodes[0].max_s == doctest::Approx(500e-9));
    CHECK(r.nodes[0].kernels == 2);
    CHECK(r.nodes[1].measured_s == doctest::Approx(70e-9));  // median of {0, 70, 80}
    CHECK(r.nodes[1].min_s == 0);
    CHECK(r.nodes[2].measured_s == 0);
    CHECK(r.measured_s == doctest::Approx(410e-9));
    // The median runs as a trace: node indices as ids, the copy counted as the node's kernel.
    REQUIRE(r.median_trace.records.size() == 3);
    CHECK(r.median_trace.source == "replay");
    for (const auto& k : r.median_trace.records) {
        CHECK(k.kind == activity_kind::kernel);
        CHECK((*k.external_id == static_cast<std::uint64_t>(matmul) ||
               *k.external_id == static_cast<std::uint64_t>(add)));
    }
    CHECK(r.median_trace.kernel_time_s() == doctest::Approx(410e-9));

    // The reports read the result: per-op-type rows, and every node with its step and times.
    r.status = {measure_code::ok, "test device"};
    r.device_name = "test device";
    std::ostringstream table;
    write_replay_table(table, r);
    CHECK(table.str().find("coverage: 100.00%") != std::string::npos);
    CHECK(table.str().find("MatMul") != std::string::npos);
    CHECK(table.str().find("7 timed runs") == std::string::npos);
    CHECK(table.str().find("3 timed runs per node") != std::string::npos);
    std::ostringstream json;
    write_replay_json(json, r);
    const auto j = nlohmann::json::parse(json.str());
    CHECK(j["status"] == "ok");
    CHECK(j["nodes"].size() == 3);
    CHECK(j["nodes"][0]["measured_s"].get<double>() == doctest::Approx(340e-9));
    CHECK(j["nodes"][0]["kernels"] == 2);
    CHECK(j["measured_s"].get<double>() == doctest::Approx(410e-9));
}

TEST_CASE("a replay whose trace has nothing of any node is an error saying what CUPTI delivered") {
    // The H200 replay: CUPTI delivered kernels without external ids (API records were off), every
    // node measured 0 and the status said ok.
    const auto a = analyse(mlp_graph());
    const auto collect = [&](const trace& t) {
        replay_result r;
        r.plan = plan_replay(a.g, a.m, a.p);
        r.warmup = 1;
        r.repeats = 3;
        r.status = {measure_code::ok, "test device"};
        collect_replay_timings(t, r);
        return r;
    };
    // An error whose message says `text`.
    const auto error_saying = [](const replay_result& x, const char* text) {
        return x.status.code == measure_code::error && x.status.message.find(text) != std::string::npos;
    };
    CHECK(error_saying(collect(trace{}), "no activity record at all"));

    trace untagged;
    for (int i = 0; i < 4; ++i) {
        kernel_record k;
        k.name = "gemm";
        k.start_ns = 1000 * (i + 1);
        k.end_ns = k.start_ns + 500;
        untagged.records.push_back(k);
    }
    untagged.records[0].external_id = replay_setup_id;
    const auto r = collect(untagged);
    CHECK(error_saying(r, "4 records (4 kernels, 1 tagged as setup work)"));
    CHECK(error_saying(r, "RUNTIME/DRIVER"));
    const std::int32_t node = r.plan.nodes[0].node;

    trace warmups = untagged;
    warmups.records[1].external_id = replay_external_id(node, 0);
    warmups.dropped_records = 3;
    CHECK(error_saying(collect(warmups), "all of them in warm-up runs"));
    CHECK(error_saying(collect(warmups), "dropped 3"));

    // A record in one timed run of three: the median run is empty, still nothing measured.
    trace one = untagged;
    one.records[1].external_id = replay_external_id(node, 1);
    CHECK(error_saying(collect(one), "no node has them in its median run"));
    // Records in every timed run of one node are a measurement: the status stays ok.
    one.records[2].external_id = replay_external_id(node, 2);
    one.records[3].external_id = replay_external_id(node, 3);
    const auto ok = collect(one);
    CHECK(ok.status.ok());
    CHECK(ok.measured_s == doctest::Approx(500e-9));
}

TEST_CASE("without a GPU the GPU replay answers a status, with the plan filled in") {
    if (check_gpu(0).ok()) {
        MESSAGE("a GPU is present: the no-GPU checks do not apply");
        return;
    }
    const auto a = analyse(mlp_graph());
    const auto r = replay_model(a.g, a.m, a.p);
    CHECK((r.status.code == measure_code::no_device || r.status.code == measure_code::not_supported));
    CHECK_FALSE(r.status.message.empty());
    CHECK(r.nodes.empty());
    CHECK(r.plan.nodes.size() == 3);
    const auto run = run_graph(a.g, {floats({2, 3}, {}), floats({3, 2}, {}), floats({2}, {})}, replay_backend::gpu);
    CHECK((run.status.code == measure_code::no_device || run.status.code == measure_code::not_supported));
    CHECK_THROWS_AS(replay_model(a.g, a.m, a.p, {.repeats = 0}), usage_error);
    CHECK_THROWS_AS(replay_model(a.g, a.m, a.p, {.warmup = 100, .repeats = replay_max_runs}), usage_error);
}

TEST_CASE("ridgeline replay: --plan works anywhere; without a GPU the replay exits 3") {
    const std::string model = std::string(RIDGELINE_TEST_DATA) + "/resnet18.onnx";
    const auto plan = test::run_tool("replay " + model + " --batch 1 --plan", true);
    CHECK(plan.status == 0);
    CHECK(plan.out.find("coverage: ") != std::string::npos);
    CHECK(plan.out.find("plan only") != std::string::npos);
    const auto json = test::run_tool("replay " + model + " --batch 1 --plan --format json", false);
    CHECK(json.status == 0);
    CHECK(json.out.find("\"coverage\"") != std::string::npos);
    CHECK(json.out.find("\"step\": \"view\"") != std::string::npos);
    CHECK(test::run_tool("replay " + model + " --batch 1 --format xml", true).status == 2);
    if (!check_gpu(0).ok()) {
        const auto r = test::run_tool("replay " + model + " --batch 1", true);
        CHECK(r.status == 3);
        CHECK((r.out.find("no device") != std::string::npos || r.out.find("not supported") != std::string::npos));
    }
}
