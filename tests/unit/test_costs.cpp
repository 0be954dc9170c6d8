// Hand-derived cost checks, one or more per operator family, on shapes small enough to count by
// hand. Each expectation's arithmetic is written next to it.
#include "model_builder.hpp"

#include "ridgeline/analysis.hpp"

#include <doctest/doctest.h>

using namespace ridgeline;
using test::attr_f;
using test::attr_i;
using test::attr_ints;
using test::attr_s;

namespace {

/** Infers and analyses a built model; returns the layer of the node named "op". */
layer_cost the_op(test::model_builder& b, const analysis_options& opt = {}) {
    graph g = b.load();
    const auto r = infer_shapes(g);
    for (const auto& d : r.diagnostics) MESSAGE(d.message);
    REQUIRE(r.ok());
    const auto m = analyze(g, opt);
    for (const auto& l : m.layers) {
        if (l.name == "op") return l;
    }
    FAIL("no node named op");
    return {};
}

}  // namespace

TEST_CASE("Conv: groups, strides, padding, bias") {
    test::model_builder b;
    b.input("x", dtype::f32, {1, 4, 5, 5}).weight("w", dtype::f32, {6, 2, 3, 3}).weight("bias", dtype::f32, {6});
    auto& n = b.node("Conv", {"x", "w", "bias"}, {"y"}, "op");
    attr_i(n, "group", 2);
    attr_ints(n, "strides", {2, 2});
    attr_ints(n, "pads", {1, 1, 1, 1});
    b.output("y");
    const auto l = the_op(b);
    CHECK(l.output_shapes[0] == "[1, 6, 3, 3]");  // floor((5 + 2 - 3) / 2) + 1 = 3
    CHECK(l.forward.macs == 54 * 18);             // 54 outputs x (4/2 channels x 3 x 3)
    CHECK(l.forward.flops_matmul == 2 * 972);
    CHECK(l.forward.flops_vector == 54);                   // bias add
    CHECK(l.forward.bytes_read_activations == 100 * 4);    // x
    CHECK(l.forward.bytes_read_weights == (108 + 6) * 4);  // w + bias
    CHECK(l.forward.bytes_written == 54 * 4);
    CHECK(l.params == 114);
}

TEST_CASE("Conv: depthwise with dilation; ConvTranspose with stride") {
    test::model_builder b;
    b.input("x", dtype::f32, {1, 3, 7, 7}).weight("w", dtype::f32, {3, 1, 3, 3});
    auto& n = b.node("Conv", {"x", "w"}, {"y"}, "op");
    attr_i(n, "group", 3);
    attr_ints(n, "dilations", {2, 2});
    b.output("y");
    const auto l = the_op(b);
    CHECK(l.output_shapes[0] == "[1, 3, 3, 3]");  // effective kernel 2·(3-1)+1 = 5: 7 - 5 + 1 = 3
    CHECK(l.forward.macs == 27 * 9);

    test::model_builder t;
    t.input("x", dtype::f32, {1, 2, 3, 3}).weight("w", dtype::f32, {2, 4, 3, 3});
    attr_ints(t.node("ConvTranspose", {"x", "w"}, {"y"}, "op"), "strides", {2, 2});
    t.output("y");
    const auto lt = the_op(t);
    CHECK(lt.output_shapes[0] == "[1, 4, 7, 7]");  // 2·(3-1) + 3 = 7
    CHECK(lt.forward.macs == 18 * 36);             // each of 18 inputs scatters into 4 x 3 x 3 outputs
}

TEST_CASE("MatMul with batch broadcasting; Gemm with transposition, bias and alpha") {
    test::model_builder b;
    b.input("a", dtype::f32, {2, 1, 3, 4}).input("c", dtype::f32, {5, 4, 6});
    b.node("MatMul", {"a", "c"}, {"y"}, "op");
    b.output("y");
    const auto l = the_op(b);
    CHECK(l.output_shapes[0] == "[2, 5, 3, 6]");
    CHECK(l.forward.macs == 2 * 5 * 3 * 6 * 4);

    test::model_builder g;
    g.input("a", dtype::f32, {4, 3}).weight("w", dtype::f32, {5, 4}).weight("bias", dtype::f32, {5});
    auto& n = g.node("Gemm", {"a", "w", "bias"}, {"y"}, "op");
    attr_i(n, "transA", 1);
    attr_i(n, "transB", 1);
    attr_f(n, "alpha", 2.0F);
    g.output("y");
    const auto lg = the_op(g);
    CHECK(lg.output_shapes[0] == "[3, 5]");  // A' is 3x4, B' is 4x5
    CHECK(lg.forward.macs == 3 * 5 * 4);
    CHECK(lg.forward.flops_vector == 15 + 15);  // bias add + alpha scaling
}

TEST_CASE("Einsum contraction, as attention writes it") {
    test::model_builder b;
    b.input("q", dtype::f32, {2, 3, 4, 5}).input("k", dtype::f32, {2, 3, 6, 5});
    attr_s(b.node("Einsum", {"q", "k"}, {"y"}, "op"), "equation", "bhqd,bhkd->bhqk");
    b.output("y");
    const auto l = the_op(b, {});
    CHECK(l.output_shapes[0] == "[2, 3, 4, 6]");
    CHECK(l.forward.macs == 2 * 3 * 4 * 6 * 5);
}

TEST_CASE("elementwise: broadcasting and classes") {
    test::model_builder b;
    b.input("x", dtype::f32, {2, 3, 4}).input("y", dtype::f32, {4});
    b.node("Add", {"x", "y"}, {"s"}, "op");
    b.node("Div", {"s", "y"}, {"q"}, "div");
    b.output("q");
    const auto l = the_op(b);
    CHECK(l.output_shapes[0] == "[2, 3, 4]");
    CHECK(l.forward.flops_vector == 24);
    CHECK(l.forward.flops_special == 0);
    CHECK(l.forward.bytes_read_activations == (24 + 4) * 4);

    test::model_builder e;
    e.input("x", dtype::f16, {10, 10});
    e.node("Erf", {"x"}, {"y"}, "op");
    e.output("y");
    const auto le = the_op(e);
    CHECK(le.forward.flops_special == 100);
    CHECK(le.forward.bytes() == 2 * 100 * 2);  // fp16: 2 bytes per element, read + write
}

TEST_CASE("normalisation: Softmax and LayerNormalization") {
    test::model_builder b;
    b.input("x", dtype::f32, {2, 10});
    b.node("Softmax", {"x"}, {"y"}, "op");
    b.output("y");
    const auto l = the_op(b);
    CHECK(l.forward.flops_vector == 3 * 20);   // max, subtract, sum
    CHECK(l.forward.flops_special == 2 * 20);  // exp, divide

    test::model_builder n;
    n.input("x", dtype::f32, {2, 3, 8}).weight("gamma", dtype::f32, {8}).weight("beta", dtype::f32, {8});
    n.node("LayerNormalization", {"x", "gamma", "beta"}, {"y"}, "op");
    n.output("y");
    const auto ln = the_op(n);
    CHECK(ln.forward.flops_vector == 7 * 48 + 3 * 6);  // 7 per element, 3 per row (6 rows)
    CHECK(ln.forward.flops_special == 6);              // one rsqrt per row
}

TEST_CASE("pooling with ceil_mode and padding; reductions") {
    test::model_builder b;
    b.input("x", dtype::f32, {1, 1, 5, 5});
    auto& n = b.node("MaxPool", {"x"}, {"y"}, "op");
    attr_ints(n, "kernel_shape", {3, 3});
    attr_ints(n, "strides", {2, 2});
    attr_ints(n, "pads", {1, 1, 1, 1});
    attr_i(n, "ceil_mode", 1);
    b.output("y");
    const auto l = the_op(b);
    CHECK(l.output_shapes[0] == "[1, 1, 3, 3]");  // ceil((5 + 2 - 3) / 2) + 1 = 3
    CHECK(l.forward.flops_vector == 9 * 9);

    test::model_builder r;
    r.input("x", dtype::f32, {2, 3, 4}).ints("axes", {1});
    attr_i(r.node("ReduceMean", {"x", "axes"}, {"y"}, "op"), "keepdims", 0);
    r.output("y");
    r.proto().mutable_opset_import(0)->set_version(18);
    const auto lr = the_op(r);
    CHECK(lr.output_shapes[0] == "[2, 4]");
    CHECK(lr.forward.flops_vector == 24 + 8);  // one add per input, one scale per output
}

TEST_CASE("data movement: Gather reads only gathered rows; Reshape is a view; Resize linear") {
    test::model_builder b;
    b.weight("table", dtype::f32, {100, 8}).input("ids", dtype::i64, {2, 3});
    b.node("Gather", {"table", "ids"}, {"y"}, "op");
    b.output("y");
    const auto l = the_op(b);
    CHECK(l.output_shapes[0] == "[2, 3, 8]");
    CHECK(l.forward.bytes_read_weights == 48 * 4);     // 6 rows of 8 floats, not the whole table
    CHECK(l.forward.bytes_read_activations == 6 * 8);  // the int64 indices
    CHECK(l.forward.bytes_written == 48 * 4);
    CHECK(l.params == 800);

    test::model_builder v;
    v.input("x", dtype::f32, {2, 3, 4}).ints("shape", {0, -1});
    v.node("Reshape", {"x", "shape"}, {"y"}, "op");
    v.output("y");
    const auto lv = the_op(v);
    CHECK(lv.output_shapes[0] == "[2, 12]");
    CHECK(lv.is_view);
    CHECK(lv.forward.bytes() == 0);

    test::model_builder z;
    z.input("x", dtype::f32, {1, 1, 4, 4});
    auto* scales = z.proto().mutable_graph()->add_initializer();
    scales->set_name("scales");
    scales->set_data_type(onnx::TensorProto::FLOAT);
    scales->add_dims(4);
    for (float s : {1.0F, 1.0F, 2.0F, 2.0F}) scales->add_float_data(s);
    attr_s(z.node("Resize", {"x", "", "scales"}, {"y"}, "op"), "mode", "linear");
    z.output("y");
    const auto lz = the_op(z);
    CHECK(lz.output_shapes[0] == "[1, 1, 8, 8]");
    CHECK(lz.forward.flops_vector == 64 * 3 * 2);  // 3 per resized axis, 2 axes
}

TEST_CASE("dtype override re-types floating tensors only") {
    test::model_builder b;
    b.weight("table", dtype::f32, {10, 4}).input("ids", dtype::i64, {3});
    b.node("Gather", {"table", "ids"}, {"y"}, "op");
    b.output("y");
    analysis_options half;
    half.float_override = dtype::f16;
    const auto l = the_op(b, half);
    CHECK(l.forward.bytes_read_weights == 12 * 2);     // 3 rows x 4 at 2 bytes
    CHECK(l.forward.bytes_read_activations == 3 * 8);  // int64 indices unchanged
}
