// ONNX's backend node tests (Debian's libonnx-testdata) as an oracle for shape inference.
//
// Every folder holds model.onnx and test_data_set_0/{input,output}_K.pb. For each model whose
// operators ridgeline all supports, the graph inputs are bound to the dims of the input tensors
// and, for small inputs (at most 4096 elements), to their contents as well: node tests feed
// shape tensors (a Reshape target, Slice starts, an Expand shape, Resize scales …) as graph
// inputs, whose contents ridgeline cannot know otherwise (shape_options::input_values and
// input_real_values). Shapes are inferred, and every graph output's inferred shape must be fully
// numeric and equal to the expected output tensor's dims, and its element type must match.
//
// The shapes the file declares for outputs and intermediate values are removed before inference,
// so a failing rule cannot hide behind the engine's fall-back to declared shapes; no rule may
// fail on the way. The cost rules then run on the inferred shapes (ridgeline::analyze) and must
// neither fail nor go negative.
//
// Outcomes per folder:
//   unsupported     — some operator has no rule (listed, sorted, at the end);
//   not checkable   — inputs or outputs that are not plain tensors (sequences, optionals), data
//                     files that disagree with their own model, or a rule that needed contents
//                     not known at analysis time;
//   checked         — passed, or failed (printed with expected vs got).
//
// The folder is RIDGELINE_ONNX_TESTDATA (CMake); an environment variable of the same name
// overrides it, e.g. to sweep the node tests of a newer ONNX (export_onnx_node_tests.py writes
// them). Absent: exit code 77 (skip).
#include "ridgeline/analysis.hpp"
#include "ridgeline/onnx_import.hpp"
#include "ridgeline/ops.hpp"
#include "ridgeline/shape.hpp"

#include "model_builder.hpp"
#include "onnx_tensors.hpp"

#include <doctest/doctest.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace ridgeline::test;  // NOLINT(google-build-using-namespace): the TensorProto readers

namespace {

/** The outcome of one test folder. */
struct outcome {
    enum class kind { passed, failed, unsupported, not_checkable } what = kind::passed;
    std::string detail;                    // why it failed or could not be checked
    std::vector<std::string> unsupported;  // operators without a rule
};

/** Runs one backend node test folder. */
outcome run_case(const fs::path& dir) {
    outcome r;
    const auto model_path = dir / "model.onnx";
    const auto data_dir = dir / "test_data_set_0";

    // The ONNX proto tells which graph inputs/outputs are plain tensors.
    onnx::ModelProto proto;
    if (!proto.ParseFromString(read_bytes(model_path))) {
        return {outcome::kind::failed, "model.onnx does not parse as an ONNX model", {}};
    }
    ridgeline::graph g;
    try {
        g = ridgeline::load_onnx(model_path.string());
    } catch (const std::exception& e) {
        return {outcome::kind::failed, std::string("load_onnx: ") + e.what(), {}};
    }

    // Every top-level operator must have a rule.
    std::set<std::string> missing;
    for (const auto& n : g.nodes) {
        if (!ridgeline::op_registry::builtin().find(n.domain, n.op_type, g.opset(n.domain))) {
            missing.insert((n.domain.empty() || n.domain == "ai.onnx" ? "" : n.domain + "::") + n.op_type);
        }
    }
    if (!missing.empty()) {
        r.what = outcome::kind::unsupported;
        r.unsupported.assign(missing.begin(), missing.end());
        return r;
    }

    for (const auto& vi : proto.graph().input()) {
        if (!vi.type().has_tensor_type()) return {outcome::kind::not_checkable, "non-tensor graph input", {}};
    }
    for (const auto& vi : proto.graph().output()) {
        if (!vi.type().has_tensor_type()) return {outcome::kind::not_checkable, "non-tensor graph output", {}};
    }

    // Bind inputs: input_K.pb feeds the K-th graph input that is not an initializer.
    ridgeline::shape_options opt;
    if (const auto in = bind_node_test_inputs(g, data_dir, opt, node_test_max_fed_elements);
        !in.not_checkable.empty()) {
        return {outcome::kind::not_checkable, in.not_checkable, {}};
    }

    // Drop every declared hint below the inputs, so only the rules produce shapes.
    for (auto& v : g.values) {
        if (v.is_graph_input || v.is_initializer) continue;
        v.declared.reset();
        v.declared_type = ridgeline::dtype::undefined;
    }

    ridgeline::shape_report report;
    try {
        report = ridgeline::infer_shapes(g, opt);
    } catch (const std::exception& e) {
        return {outcome::kind::failed, std::string("infer_shapes: ") + e.what(), {}};
    }
    if (report.unknown_data_nodes > 0) {
        std::string why = "a rule needed contents not known at analysis time";
        for (const auto& d : report.diagnostics) {
            if (d.message.find("not known at analysis time") != std::string::npos) {
                why = d.message;
                break;
            }
        }
        return {outcome::kind::not_checkable, why, {}};
    }
    std::string errors;
    for (const auto& d : report.diagnostics) {
        if (d.level == ridgeline::severity::error) errors += "\n      " + d.message;
    }

    for (std::size_t k = 0; k < g.outputs.size(); ++k) {
        const auto& v = g.values[static_cast<std::size_t>(g.outputs[k])];
        const auto file = data_dir / ("output_" + std::to_string(k) + ".pb");
        auto t = read_tensor(file);
        if (!t) return {outcome::kind::not_checkable, "output_" + std::to_string(k) + ".pb is not a tensor", {}};
        const int declared_type = proto.graph().output(static_cast<int>(k)).type().tensor_type().elem_type();
        if (t->data_type() != declared_type) {  // e.g. a bfloat16 output stored as uint16
            return {outcome::kind::not_checkable,
                    "output_" + std::to_string(k) + ".pb disagrees with the type the model declares",
                    {}};
        }
        const std::vector<std::int64_t> expected(t->dims().begin(), t->dims().end());
        std::string got = v.dims ? ridgeline::shape_to_string(*v.dims) : "?";
        bool same = v.dims && v.dims->size() == expected.size();
        for (std::size_t i = 0; same && i < expected.size(); ++i) {
            const auto& d = (*v.dims)[i];
            same = d.is_value() && d.value() == expected[i];
        }
        if (!same) {
            return {outcome::kind::failed,
                    "output '" + v.name + "': expected " + dims_text(expected) + ", got " + got + errors,
                    {}};
        }
        if (static_cast<int>(v.type) != t->data_type()) {
            return {outcome::kind::failed,
                    "output '" + v.name + "': expected element type " +
                        std::string(ridgeline::dtype_name(static_cast<ridgeline::dtype>(t->data_type()))) + ", got " +
                        std::string(ridgeline::dtype_name(v.type)) + errors,
                    {}};
        }
    }

    // Right outputs are not enough: no rule may have failed on the way.
    if (!errors.empty()) return {outcome::kind::failed, "a shape rule failed:" + errors, {}};

    // The cost rules must handle every shape the shape rules produce.
    try {
        const auto costs = ridgeline::analyze(g);
        for (const auto& d : costs.diagnostics) {
            if (d.level == ridgeline::severity::error) {
                return {outcome::kind::failed, "cost rule of " + d.op_type + ": " + d.message, {}};
            }
        }
        const auto& t = costs.totals;
        if (t.macs < 0 || t.flops_matmul < 0 || t.flops_vector < 0 || t.flops_special < 0 || t.bytes_read() < 0 ||
            t.bytes_written < 0) {
            return {outcome::kind::failed, "cost rules gave a negative count", {}};
        }
    } catch (const std::exception& e) {
        return {outcome::kind::failed, std::string("analyze: ") + e.what(), {}};
    }
    return r;
}

}  // namespace

// ---- rules the node tests do not reach ----------------------------------------------------
// (Kept before the sweep, which ends the program with 77 when the test data are absent.)

namespace {

using ridgeline::dtype;
using ridgeline::test::model_builder;

/** Declares a tensor input or output of a subgraph. */
void body_value(google::protobuf::RepeatedPtrField<onnx::ValueInfoProto>* list, const std::string& name, dtype t,
                const std::vector<std::int64_t>& dims) {
    auto* vi = list->Add();
    vi->set_name(name);
    auto* tt = vi->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(static_cast<int>(t));
    auto* sh = tt->mutable_shape();
    for (auto d : dims) sh->add_dim()->set_dim_value(d);
}

onnx::NodeProto* body_node(onnx::GraphProto& g, const std::string& op, const std::vector<std::string>& in,
                           const std::vector<std::string>& out) {
    auto* n = g.add_node();
    n->set_op_type(op);
    n->set_name(op + "_" + std::to_string(g.node_size()));
    for (const auto& i : in) n->add_input(i);
    for (const auto& o : out) n->add_output(o);
    return n;
}

void graph_attr(onnx::NodeProto& n, const std::string& name, const onnx::GraphProto& g) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::GRAPH);
    *a->mutable_g() = g;
}

/** A Loop over x [3] that doubles it, with a condition passed through (data-dependent). */
ridgeline::graph loop_model(std::int64_t max_trips) {
    model_builder b(17);
    b.input("cond", dtype::boolean, {}).input("x", dtype::f32, {3}).ints("M", {max_trips});
    onnx::GraphProto body;
    body.set_name("body");
    body_value(body.mutable_input(), "i", dtype::i64, {});
    body_value(body.mutable_input(), "c_in", dtype::boolean, {});
    body_value(body.mutable_input(), "x_in", dtype::f32, {3});
    body_node(body, "Identity", {"c_in"}, {"c_out"});
    body_node(body, "Add", {"x_in", "x_in"}, {"x_out"});
    body_node(body, "Identity", {"x_out"}, {"scan"});
    for (const auto* name : {"c_out", "x_out", "scan"}) body.add_output()->set_name(name);
    auto& loop = b.node("Loop", {"M", "cond", "x"}, {"x_final", "stacked"});
    graph_attr(loop, "body", body);
    b.output("x_final").output("stacked");
    return b.load();
}

}  // namespace

TEST_CASE("Slice clamps a negative-step start into [0, n-1], as the spec says") {
    model_builder b(13);
    b.input("x", dtype::f32, {5}).ints("starts", {-10}).ints("ends", {INT64_MIN}).ints("axes", {0}).ints("steps", {-1});
    b.node("Slice", {"x", "starts", "ends", "axes", "steps"}, {"y"});
    b.output("y");
    auto g = b.load();
    ridgeline::infer_shapes(g);
    CHECK(ridgeline::test::shape_of(g, "y") == "[1]");  // start −5 → 0, end → −1: element 0 only
}

TEST_CASE("Loop: a data-dependent condition bounds the trip count by M; no M means unknown") {
    auto g = loop_model(4);
    auto r = ridgeline::infer_shapes(g);
    CHECK(ridgeline::test::shape_of(g, "x_final") == "[3]");
    CHECK(ridgeline::test::shape_of(g, "stacked") == "[4, 3]");

    ridgeline::shape_options known;  // a condition known to be true all along: exactly M trips
    known.input_values["cond"] = {1};
    g = loop_model(4);
    r = ridgeline::infer_shapes(g, known);
    CHECK(ridgeline::test::shape_of(g, "stacked") == "[4, 3]");
    CHECK(r.unknown_data_nodes == 0);

    g = loop_model(INT64_MAX);  // a while-loop: how often it runs depends on data
    r = ridgeline::infer_shapes(g);
    CHECK(r.unknown_data_nodes == 1);
    CHECK(ridgeline::test::shape_of(g, "stacked") == "?");
}

TEST_CASE("If: a known condition picks its branch; an unknown one merges both branches") {
    auto make = [] {
        model_builder b(17);
        b.input("cond", dtype::boolean, {}).input("a", dtype::f32, {2, 3});
        onnx::GraphProto then_g, else_g;
        then_g.set_name("then");
        body_node(then_g, "Identity", {"a"}, {"t"});  // reads `a` from the enclosing graph
        then_g.add_output()->set_name("t");
        else_g.set_name("else");
        auto* cat = body_node(else_g, "Concat", {"a", "a"}, {"e"});
        ridgeline::test::attr_i(*cat, "axis", 0);
        else_g.add_output()->set_name("e");
        auto& n = b.node("If", {"cond"}, {"y"});
        graph_attr(n, "then_branch", then_g);
        graph_attr(n, "else_branch", else_g);
        b.output("y");
        return b.load();
    };
    auto g = make();
    ridgeline::infer_shapes(g);
    const auto id = g.find_value("y");
    REQUIRE(g.values[static_cast<std::size_t>(id)].dims);
    const auto& y = *g.values[static_cast<std::size_t>(id)].dims;
    REQUIRE(y.size() == 2);
    CHECK_FALSE(y[0].is_value());  // 2 or 4: an opaque symbol
    CHECK(y[1] == ridgeline::dim(3));

    for (auto [cond, expected] : {std::pair{1, "[2, 3]"}, std::pair{0, "[4, 3]"}}) {
        ridgeline::shape_options opt;
        opt.input_values["cond"] = {cond};
        g = make();
        ridgeline::infer_shapes(g, opt);
        CHECK(ridgeline::test::shape_of(g, "y") == expected);
    }
}

TEST_CASE("input_values: names a graph input and matches its element count") {
    auto g = loop_model(4);
    ridgeline::shape_options opt;
    opt.input_values["nope"] = {1};
    CHECK_THROWS_AS(ridgeline::infer_shapes(g, opt), ridgeline::usage_error);
    opt.input_values.clear();
    opt.input_values["cond"] = {1, 0};  // a scalar takes one element
    CHECK_THROWS_AS(ridgeline::infer_shapes(g, opt), ridgeline::usage_error);
    opt.input_values.clear();
    opt.input_values["x"] = {1, 2, 3};  // a float input takes input_real_values
    CHECK_THROWS_AS(ridgeline::infer_shapes(g, opt), ridgeline::usage_error);
}

// ---- the sweep ----------------------------------------------------------------------------

TEST_CASE("ONNX backend node tests: inferred output shapes match the expected outputs") {
    // The environment variable of the same name points the sweep at another copy, e.g. node
    // tests generated by a newer ONNX (onnx.backend.test.case.node.collect_testcases()).
    const char* override_dir = std::getenv("RIDGELINE_ONNX_TESTDATA");
    const fs::path root = override_dir && *override_dir ? override_dir : RIDGELINE_ONNX_TESTDATA;
    if (!fs::is_directory(root)) {
        std::cout << "SKIPPED: ONNX backend node tests not found at " << root.string()
                  << " (install Debian's libonnx-testdata)\n";
        std::exit(77);  // CTest's SKIP_RETURN_CODE
    }
    std::vector<fs::path> dirs;
    for (const auto& e : fs::directory_iterator(root)) {
        if (e.is_directory() && fs::exists(e.path() / "model.onnx")) dirs.push_back(e.path());
    }
    std::sort(dirs.begin(), dirs.end());

    int checked = 0;
    int passed = 0;
    int unsupported_tests = 0;
    std::vector<std::string> failures;
    std::vector<std::string> not_checkable;
    std::map<std::string, int> unsupported_ops;  // operator -> number of tests using it
    for (const auto& dir : dirs) {
        const auto name = dir.filename().string();
        const auto r = run_case(dir);
        switch (r.what) {
            case outcome::kind::passed:
                ++checked;
                ++passed;
                break;
            case outcome::kind::failed:
                ++checked;
                failures.push_back(name + ": " + r.detail);
                break;
            case outcome::kind::unsupported:
                ++unsupported_tests;
                for (const auto& op : r.unsupported) ++unsupported_ops[op];
                break;
            case outcome::kind::not_checkable:
                not_checkable.push_back(name + ": " + r.detail);
                break;
        }
    }

    std::cout << "ONNX backend node tests in " << root.string() << ": " << dirs.size() << " folders\n"
              << "  checked " << checked << ", passed " << passed << ", failed " << failures.size()
              << ", not checkable " << not_checkable.size() << ", skipped (unsupported operators) " << unsupported_tests
              << "\n";
    if (!failures.empty()) {
        std::cout << "  failures:\n";
        for (const auto& f : failures) std::cout << "    " << f << "\n";
    }
    if (!not_checkable.empty()) {
        std::cout << "  not checkable:\n";
        for (const auto& f : not_checkable) std::cout << "    " << f << "\n";
    }
    std::cout << "  unsupported operators (" << unsupported_ops.size() << "):";
    for (const auto& [op, count] : unsupported_ops) std::cout << " " << op << "(" << count << ")";
    std::cout << "\n";

    REQUIRE(checked > 0);
    REQUIRE(passed * 100 >= checked * 95);
}
