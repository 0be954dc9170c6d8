// Whole-graph analysis on hand-built graphs: unfused vs fused bytes, liveness peak, slices,
// training estimate and the largest batch that fits.
#include "model_builder.hpp"

#include "ridgeline/analysis.hpp"

#include <doctest/doctest.h>

using namespace ridgeline;

namespace {

/** x [batch, 1024] → MatMul(W 1024x1024) → Add(bias 1024) → Relu: a three-node chain. */
test::model_builder chain() {
    test::model_builder b;
    b.input("x", dtype::f32, {std::string("batch"), 1024});
    b.weight("w", dtype::f32, {1024, 1024}).weight("bias", dtype::f32, {1024});
    b.node("MatMul", {"x", "w"}, {"y"}, "matmul");
    b.node("Add", {"y", "bias"}, {"z"}, "add");
    b.node("Relu", {"z"}, {"out"}, "relu");
    b.output("out");
    return b;
}

model_cost run(graph& g, std::int64_t batch, const analysis_options& opt = {}, const graph_slice& s = {}) {
    shape_options o;
    o.batch = batch;
    REQUIRE(infer_shapes(g, o).ok());
    return analyze(g, opt, s);
}

}  // namespace

TEST_CASE("three-node chain: bytes unfused and fused, worked out by hand") {
    graph g = chain().load();
    const auto u = run(g, 1);
    // Each activation is 1024 floats = 4096 B; W is 4 MiB, bias 4096 B.
    // MatMul reads x + W, writes y; Add reads y + bias, writes z; Relu reads z, writes out.
    CHECK(u.totals.bytes_read_activations == 3 * 4096);
    CHECK(u.totals.bytes_read_weights == 4194304 + 4096);
    CHECK(u.totals.bytes_written == 3 * 4096);
    CHECK(u.kernels == 3);

    analysis_options fused;
    fused.fused = true;
    const auto f = run(g, 1, fused);
    // Add and Relu fuse into the MatMul's epilogue: only x, W, bias are read and out written.
    CHECK(f.totals.bytes_read_activations == 4096);
    CHECK(f.totals.bytes_read_weights == 4194304 + 4096);
    CHECK(f.totals.bytes_written == 4096);
    CHECK(f.totals.flops() == u.totals.flops());  // fusion moves no FLOPs
    CHECK(f.layers[1].fusion_group == f.layers[0].node);
}

TEST_CASE("liveness: a known peak") {
    // x → relu1 → a; x → relu2 → b; add(a, b) → c. Each tensor 1000 floats = 4000 B.
    // Before relu1: {x} = 4000; after relu1: {x, a} = 8000; after relu2: {x, a, b} = 12000, then x
    // dies; after add: {a, b, c} = 12000, then a and b die. Peak 12000.
    test::model_builder b;
    b.input("x", dtype::f32, {1000});
    b.node("Relu", {"x"}, {"a"}, "relu1");
    b.node("Relu", {"x"}, {"b"}, "relu2");
    b.node("Add", {"a", "b"}, {"c"}, "add");
    b.output("c");
    graph g = b.load();
    const auto m = run(g, 0);
    CHECK(m.peak_activation_bytes == 12000);
    CHECK(m.input_bytes == 4000);
}

TEST_CASE("liveness: views alias their input") {
    test::model_builder b;
    b.input("x", dtype::f32, {10, 100}).ints("shape", {1000});
    b.node("Reshape", {"x", "shape"}, {"flat"}, "view");
    b.node("Relu", {"flat"}, {"y"}, "relu");
    b.output("y");
    graph g = b.load();
    const auto m = run(g, 0);
    CHECK(m.peak_activation_bytes == 8000);  // x (aliased by flat) and y; the view adds nothing
    CHECK(m.kernels == 1);
}

TEST_CASE("slices: a node range, the last k%, everything after a tensor") {
    graph g = chain().load();
    graph_slice range;
    range.from_node = "add";
    range.to_node = "relu";
    const auto r = run(g, 1, {}, range);
    REQUIRE(r.layers.size() == 2);
    CHECK(r.layers[0].name == "add");
    CHECK(r.params == 1024);  // only the bias is read inside the slice

    graph_slice last;
    last.last_percent = 34;  // ceil(3 x 0.34) = 2 kernels
    CHECK(run(g, 1, {}, last).kernels == 2);

    graph_slice after;
    after.after_tensor = "z";
    const auto a = run(g, 1, {}, after);
    REQUIRE(a.layers.size() == 1);
    CHECK(a.layers[0].name == "relu");

    graph_slice bad;
    bad.from_node = "nope";
    CHECK_THROWS_AS(run(g, 1, {}, bad), usage_error);
}

TEST_CASE("training estimate: backward of matmul is two products, one where the input needs no gradient") {
    analysis_options t;
    t.training = true;
    {
        // The MatMul reads the graph input: dW only (no dX), as autograd runs it.
        graph g = chain().load();
        const auto m = run(g, 4, t);
        CHECK(m.totals.flops_matmul == 2 * 4 * 1024 * 1024);
        CHECK(m.backward_totals.flops_matmul == m.totals.flops_matmul);
        CHECK(m.backward_totals.flops_vector == m.totals.flops_vector);
    }
    {
        // After a layer with a parameter, the input carries a gradient: dX and dW.
        test::model_builder b;
        b.input("x", dtype::f32, {std::string("batch"), 1024});
        b.weight("shift", dtype::f32, {1024}).weight("w", dtype::f32, {1024, 1024});
        b.node("Add", {"x", "shift"}, {"x1"}, "shift");
        b.node("MatMul", {"x1", "w"}, {"y"}, "matmul");
        b.output("y");
        graph g = b.load();
        const auto m = run(g, 4, t);
        CHECK(m.backward_totals.flops_matmul == 2 * m.totals.flops_matmul);
        // A layer on the graph input with no parameter would have no backward work at all.
        graph bare = [] {
            test::model_builder r;
            r.input("x", dtype::f32, {std::string("batch"), 8});
            r.node("Relu", {"x"}, {"y"}, "relu");
            r.output("y");
            return r.load();
        }();
        CHECK(run(bare, 4, t).backward_totals.flops() == 0);
    }
}

TEST_CASE("largest batch that fits, and unbound symbols are named") {
    graph g = chain().load();
    // At batch B: weights 4 MiB + 4096 B; peak activations: x, y live together = 2·4096·B; the
    // workspace is the largest matmul output, 4096·B.
    const std::int64_t weights = 4194304 + 4096;
    const std::int64_t capacity = weights + 100 * 3 * 4096;
    const auto fit = largest_batch(g, {}, {}, capacity);
    CHECK(fit.batch == 100);
    CHECK(fit.at_batch.total() <= capacity);
    CHECK(fit.at_next.total() > capacity);

    graph unbound = chain().load();
    REQUIRE(infer_shapes(unbound).ok());
    try {
        (void)analyze(unbound);
        FAIL("expected unbound_symbol_error");
    } catch (const unbound_symbol_error& e) {
        CHECK(e.symbol() == "batch");
    }
}
