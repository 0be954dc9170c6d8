// Bad input, one TEST_CASE per kind: each checks the exception TYPE and that the message names
// what a user needs to find the fault (the file, the node, the symbol), or, for inputs the library
// accepts with a finding (unknown operators, subgraphs, functions), that it goes on and reports it.
// Run under AddressSanitizer + UBSan too (the `asan` preset): none of these may crash.
#include "model_builder.hpp"

#include "ridgeline/analysis.hpp"
#include "ridgeline/error.hpp"
#include "ridgeline/onnx_import.hpp"
#include "ridgeline/shape.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using ridgeline::dtype;
using ridgeline::test::model_builder;
using ridgeline::test::shape_of;

namespace {

/** A file in a private temporary folder, removed (with the folder) on scope exit. */
class temp_file {
public:
    explicit temp_file(const std::string& name) {
        static std::atomic<int> counter{0};
        dir_ = fs::temp_directory_path() /
               ("ridgeline_test_errors_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
        fs::create_directories(dir_);
        path_ = (dir_ / name).string();
    }
    temp_file(const temp_file&) = delete;
    temp_file& operator=(const temp_file&) = delete;
    ~temp_file() {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    /** Writes `bytes` as the whole file. */
    void write(const std::string& bytes) const {
        std::ofstream out(path_, std::ios::binary | std::ios::trunc);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        REQUIRE(out.good());
    }
    [[nodiscard]] const std::string& path() const { return path_; }
    [[nodiscard]] const fs::path& dir() const { return dir_; }

private:
    fs::path dir_;
    std::string path_;
};

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/** A small valid model: x[1,3] → MatMul(w[3,4]) → Relu → y, with an external weight. */
model_builder small_model() {
    model_builder b;
    b.input("x", dtype::f32, {std::int64_t{1}, std::int64_t{3}});
    b.weight("w", dtype::f32, {3, 4});
    b.ints("shape", {1, 4});
    b.node("MatMul", {"x", "w"}, {"h"}, "mm");
    b.node("Reshape", {"h", "shape"}, {"r"}, "reshape");
    b.node("Relu", {"r"}, {"y"}, "relu");
    b.output("y");
    return b;
}

/** Loads `bytes` (named `name`); CHECKs that it fails with model_error naming `name`. */
void check_model_error(const std::string& bytes, const std::string& name) {
    try {
        (void)ridgeline::load_onnx_bytes(bytes.data(), bytes.size(), name);
        FAIL("loaded without an error: ", name);
    } catch (const ridgeline::model_error& e) {
        CHECK(e.file() == name);
        CHECK(contains(e.what(), name));
    } catch (const std::exception& e) {
        FAIL("wrong exception type for ", name, ": ", e.what());
    }
}

/** Adds a value_info entry declaring `name` as fp32 with static `dims`. */
void declare(model_builder& b, const std::string& name, const std::vector<std::int64_t>& dims) {
    auto* vi = b.proto().mutable_graph()->add_value_info();
    vi->set_name(name);
    auto* tt = vi->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(onnx::TensorProto::FLOAT);
    for (auto d : dims) tt->mutable_shape()->add_dim()->set_dim_value(d);
}

/** Whether a diagnostic about `node` whose message contains `part` exists in `ds`. */
bool has_diagnostic(const std::vector<ridgeline::diagnostic>& ds, const std::string& node, const std::string& part) {
    return std::any_of(ds.begin(), ds.end(),
                       [&](const ridgeline::diagnostic& d) { return d.node == node && contains(d.message, part); });
}

}  // namespace

TEST_CASE("truncated model: every cut of a built model is a model_error naming the file") {
    const auto bytes = small_model().bytes();
    REQUIRE(bytes.size() > 40);
    {  // the whole model loads: the cuts below are the only fault
        auto g = ridgeline::load_onnx_bytes(bytes.data(), bytes.size(), "whole.onnx");
        CHECK(g.nodes.size() == 3);
    }
    for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
        CAPTURE(cut);
        check_model_error(bytes.substr(0, cut), "cut_" + std::to_string(cut) + ".onnx");
    }
    // One cut through a real file on disk, to see the message a user gets.
    temp_file f("truncated.onnx");
    f.write(bytes.substr(0, bytes.size() / 2));
    try {
        (void)ridgeline::load_onnx(f.path());
        FAIL("a truncated file loaded");
    } catch (const ridgeline::model_error& e) {
        MESSAGE("truncated file: ", std::string(e.what()));
        CHECK(e.file() == f.path());
        CHECK(contains(e.what(), "truncated"));
    }
}

TEST_CASE("truncated model: cuts of the zoo's resnet18.onnx") {
    const auto path = ridgeline::test::zoo_path("resnet18.onnx");
    if (path.empty()) {
        MESSAGE("skipped: zoo absent (" RIDGELINE_ZOO_DIR "/resnet18.onnx)");
        return;
    }
    std::ifstream in(path, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    REQUIRE(bytes.size() > 1000);
    {
        auto g = ridgeline::load_onnx_bytes(bytes.data(), bytes.size(), "resnet18.onnx");
        CHECK(g.nodes.size() == 65);
    }
    // Every length: the top-level walk refuses a cut before it reads anything below it, so this
    // is cheap; the cut just after the graph (only opset_import lost) is the subtle one.
    for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
        CAPTURE(cut);
        check_model_error(bytes.substr(0, cut), "resnet18_cut.onnx");
    }
}

TEST_CASE("random bytes are a model_error naming the file") {
    for (std::uint32_t seed : {1U, 2U, 3U, 42U, 1234U, 99991U}) {
        std::mt19937 gen(seed);
        for (std::size_t size : {1U, 2U, 7U, 64U, 1000U, 65536U}) {
            std::string bytes(size, '\0');
            for (auto& c : bytes) c = static_cast<char>(gen() & 0xFFU);
            CAPTURE(seed);
            CAPTURE(size);
            check_model_error(bytes, "random_" + std::to_string(seed) + ".onnx");
        }
    }
}

/**
 * A model with every kind of field the importer reads: initializers (external, int64_data, raw
 * data), a Constant with a tensor attribute, int/float/string/list attributes, an If with two
 * subgraphs, a model-local function with an attribute reference, and value_info.
 */
std::string rich_model_bytes() {
    auto b = small_model();
    auto* op = b.proto().add_opset_import();
    op->set_domain("local");
    op->set_version(1);
    auto& fn = *b.proto().add_functions();
    fn.set_name("F");
    fn.set_domain("local");
    fn.add_input("a");
    fn.add_output("b");
    fn.add_attribute("alpha");
    auto* body = fn.add_node();
    body->set_op_type("LeakyRelu");
    body->add_input("a");
    body->add_output("b");
    auto* ref = body->add_attribute();
    ref->set_name("alpha");
    ref->set_type(onnx::AttributeProto::FLOAT);
    ref->set_ref_attr_name("alpha");
    auto& call = b.node("F", {"y"}, {"z"}, "call");
    call.set_domain("local");
    ridgeline::test::attr_f(call, "alpha", 0.5F);
    auto& c = b.node("Constant", {}, {"k"}, "const");
    auto* t = c.add_attribute();
    t->set_name("value");
    t->set_type(onnx::AttributeProto::TENSOR);
    t->mutable_t()->set_data_type(onnx::TensorProto::FLOAT);
    t->mutable_t()->add_dims(4);
    const float vals[4] = {1.0F, 2.0F, 3.0F, 4.0F};
    t->mutable_t()->set_raw_data(std::string(reinterpret_cast<const char*>(vals), sizeof vals));
    b.node("Add", {"z", "k"}, {"s"}, "add");
    auto& tr = b.node("Transpose", {"s"}, {"tr"}, "transpose");
    ridgeline::test::attr_ints(tr, "perm", {1, 0});
    ridgeline::test::attr_s(tr, "note", "kept as is");
    auto& iff = b.node("If", {"cond"}, {"w_out"}, "choose");
    for (const char* branch : {"then_branch", "else_branch"}) {
        auto* a = iff.add_attribute();
        a->set_name(branch);
        a->set_type(onnx::AttributeProto::GRAPH);
        auto* g = a->mutable_g();
        auto* n = g->add_node();
        n->set_op_type("Relu");
        n->add_input("tr");
        n->add_output(std::string(branch) + "_o");
        g->add_output()->set_name(std::string(branch) + "_o");
    }
    b.input("cond", dtype::boolean, {});
    b.output("w_out");
    declare(b, "s", {1, 4});
    return b.bytes();
}

TEST_CASE("corrupted bytes of a valid model: an error or a load, never a crash") {
    // Flips, overwrites and deletes bytes of valid models. The importer may accept some of the
    // results (a changed name is still a valid model); anything else must be a ridgeline::error.
    std::vector<std::string> models{rich_model_bytes()};
    if (const auto p = ridgeline::test::zoo_path("resnet18.onnx"); !p.empty()) {
        std::ifstream in(p, std::ios::binary);
        models.emplace_back((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    }
    {
        const auto& rich = models.front();
        auto g = ridgeline::load_onnx_bytes(rich.data(), rich.size(), "rich.onnx");  // valid as built
        CHECK(g.nodes.size() == 8);
        const auto r = ridgeline::infer_shapes(g);
        CHECK(shape_of(g, "s") == "[1, 4]");
        CHECK(r.unknown_ops.empty());
    }
    std::mt19937 gen(7);
    int loaded = 0;
    int refused = 0;
    for (const auto& bytes : models) {
        for (int trial = 0; trial < 3000; ++trial) {
            auto m = bytes;
            const auto pos = gen() % m.size();
            switch (trial % 3) {
                case 0:
                    m[pos] = static_cast<char>(m[pos] ^ static_cast<char>(1U << (gen() % 8)));
                    break;
                case 1:
                    m[pos] = static_cast<char>(gen() & 0xFFU);
                    break;
                default:
                    m.erase(pos, 1 + gen() % 4);
                    break;
            }
            try {
                auto g = ridgeline::load_onnx_bytes(m.data(), m.size(), "fuzz.onnx");
                ridgeline::shape_options o;
                o.batch = 1;
                (void)ridgeline::infer_shapes(g, o);
                (void)ridgeline::analyze(g);
                ++loaded;
            } catch (const ridgeline::model_error& e) {
                CHECK(e.file() == "fuzz.onnx");
                ++refused;
            } catch (const ridgeline::error&) {
                ++refused;  // graph_error, unbound_symbol_error …: a clean refusal
            }
        }
    }
    MESSAGE("corrupted models: ", loaded, " loaded and analysed, ", refused, " refused");
    CHECK(refused > 0);
}

TEST_CASE("empty file is a model_error naming the file") {
    temp_file f("empty.onnx");
    f.write("");
    try {
        (void)ridgeline::load_onnx(f.path());
        FAIL("an empty file loaded");
    } catch (const ridgeline::model_error& e) {
        MESSAGE("empty file: ", std::string(e.what()));
        CHECK(e.file() == f.path());
        CHECK(contains(e.what(), f.path()));
        CHECK(contains(e.what(), "empty"));
    }
    // Same from memory.
    check_model_error(std::string(), "empty_bytes.onnx");
}

TEST_CASE("nonexistent path and a folder are model_errors naming the path") {
    temp_file f("placeholder");
    const auto missing = (f.dir() / "does_not_exist.onnx").string();
    try {
        (void)ridgeline::load_onnx(missing);
        FAIL("a missing file loaded");
    } catch (const ridgeline::model_error& e) {
        MESSAGE("missing file: ", std::string(e.what()));
        CHECK(e.file() == missing);
        CHECK(contains(e.what(), missing));
        CHECK(contains(e.what(), "No such file"));
    }
    try {
        (void)ridgeline::load_onnx(f.dir().string());
        FAIL("a folder loaded");
    } catch (const ridgeline::model_error& e) {
        MESSAGE("folder: ", std::string(e.what()));
        CHECK(e.file() == f.dir().string());
        CHECK(contains(e.what(), "not a regular file"));
    }
}

TEST_CASE("a node reading an undefined value is a graph_error naming the node") {
    model_builder b;
    b.input("x", dtype::f32, {std::int64_t{2}, std::int64_t{2}});
    b.node("Add", {"x", "ghost"}, {"y"}, "adder");
    b.output("y");
    try {
        (void)b.load();
        FAIL("an undefined value was accepted");
    } catch (const ridgeline::graph_error& e) {
        MESSAGE("undefined value: ", std::string(e.what()));
        CHECK(e.node() == "adder");
        CHECK(contains(e.what(), "adder"));
        CHECK(contains(e.what(), "ghost"));
    }
}

TEST_CASE("a cycle is a graph_error naming a node on it") {
    model_builder b;
    b.input("x", dtype::f32, {std::int64_t{2}});
    b.node("Relu", {"x"}, {"a"}, "entry");
    b.node("Add", {"a", "c"}, {"b"}, "loop_add");
    b.node("Neg", {"b"}, {"c"}, "loop_neg");
    b.output("b");
    try {
        (void)b.load();
        FAIL("a cycle was accepted");
    } catch (const ridgeline::graph_error& e) {
        MESSAGE("cycle: ", std::string(e.what()));
        CHECK((e.node() == "loop_add" || e.node() == "loop_neg"));
        CHECK(contains(e.what(), "cycle"));
    }
    // A node reading its own output.
    model_builder s;
    s.input("x", dtype::f32, {std::int64_t{2}});
    s.node("Add", {"x", "y"}, {"y"}, "self_loop");
    s.output("y");
    CHECK_THROWS_WITH_AS((void)s.load(), doctest::Contains("self_loop"), ridgeline::graph_error);
}

TEST_CASE("a value defined twice is a graph_error naming the node and the value") {
    model_builder b;
    b.input("x", dtype::f32, {std::int64_t{2}});
    b.node("Relu", {"x"}, {"y"}, "first");
    b.node("Neg", {"x"}, {"y"}, "second");
    b.output("y");
    try {
        (void)b.load();
        FAIL("a value defined twice was accepted");
    } catch (const ridgeline::graph_error& e) {
        MESSAGE("defined twice: ", std::string(e.what()));
        CHECK(e.node() == "second");
        CHECK(contains(e.what(), "'y'"));
        CHECK(contains(e.what(), "more than once"));
    }
    // A node overwriting a graph input, and one overwriting an initializer.
    model_builder i;
    i.input("x", dtype::f32, {std::int64_t{2}});
    i.node("Relu", {"x"}, {"x"}, "overwrites_input");
    i.output("x");
    CHECK_THROWS_WITH_AS((void)i.load(), doctest::Contains("overwrites_input"), ridgeline::graph_error);
    model_builder w;
    w.input("x", dtype::f32, {std::int64_t{2}});
    w.weight("w", dtype::f32, {2});
    w.node("Relu", {"x"}, {"w"}, "overwrites_weight");
    w.output("w");
    CHECK_THROWS_WITH_AS((void)w.load(), doctest::Contains("overwrites_weight"), ridgeline::graph_error);
    // The same initializer stored twice is a fault of the file.
    model_builder t;
    t.input("x", dtype::f32, {std::int64_t{2}});
    t.weight("w", dtype::f32, {2});
    t.weight("w", dtype::f32, {2});
    t.node("Add", {"x", "w"}, {"y"}, "add");
    t.output("y");
    CHECK_THROWS_WITH_AS((void)t.load("twice.onnx"), doctest::Contains("stored twice"), ridgeline::model_error);
    // A graph input listed twice.
    model_builder d;
    d.input("x", dtype::f32, {std::int64_t{2}});
    d.input("x", dtype::f32, {std::int64_t{2}});
    d.node("Relu", {"x"}, {"y"}, "relu");
    d.output("y");
    CHECK_THROWS_WITH_AS((void)d.load(), doctest::Contains("'x'"), ridgeline::graph_error);
}

TEST_CASE("a shape contradiction is an error diagnostic naming the node, and inference goes on") {
    model_builder b;
    b.input("a", dtype::f32, {std::int64_t{2}, std::int64_t{3}});
    b.input("b", dtype::f32, {std::int64_t{4}, std::int64_t{5}});
    b.input("c", dtype::f32, {std::int64_t{2}, std::int64_t{2}});
    b.node("MatMul", {"a", "b"}, {"y"}, "bad_matmul");
    b.node("Relu", {"y"}, {"z"}, "after_bad");
    b.node("Relu", {"c"}, {"d"}, "independent");
    b.output("z");
    b.output("d");
    auto g = b.load();
    ridgeline::shape_report r;
    REQUIRE_NOTHROW(r = ridgeline::infer_shapes(g));
    CHECK_FALSE(r.ok());
    const auto it = std::find_if(r.diagnostics.begin(), r.diagnostics.end(),
                                 [](const ridgeline::diagnostic& d) { return d.level == ridgeline::severity::error; });
    REQUIRE(it != r.diagnostics.end());
    MESSAGE("shape contradiction: ", it->node, ": ", it->message);
    CHECK(it->node == "bad_matmul");
    CHECK(it->op_type == "MatMul");
    CHECK(contains(it->message, "inner dimensions"));
    CHECK(shape_of(g, "y") == "?");
    CHECK(shape_of(g, "d") == "[2, 2]");  // the rest of the graph is still inferred
}

TEST_CASE("a missing binding: analyze throws unbound_symbol_error naming the symbol") {
    model_builder b;
    b.input("x", dtype::f32, {std::string("batch"), std::int64_t{4}});
    b.weight("w", dtype::f32, {4, 8});
    b.node("MatMul", {"x", "w"}, {"y"}, "proj");
    b.output("y");
    auto g = b.load();
    const auto r = ridgeline::infer_shapes(g);  // no binding
    CHECK(r.ok());
    CHECK(shape_of(g, "y") == "[batch, 8]");
    try {
        (void)ridgeline::analyze(g);
        FAIL("analyze counted an unbound dimension");
    } catch (const ridgeline::unbound_symbol_error& e) {
        MESSAGE("missing binding: ", std::string(e.what()));
        CHECK(e.symbol() == "batch");
        CHECK(contains(e.what(), "proj"));
        CHECK(contains(e.what(), "--batch"));
    }
    // Bound, the same graph counts: 8 × 4 × 8 MACs.
    ridgeline::shape_options o;
    o.batch = 8;
    (void)ridgeline::infer_shapes(g, o);
    CHECK(ridgeline::analyze(g).totals.macs == 8 * 4 * 8);
}

TEST_CASE("an unknown operator is reported and the analysis goes on with declared shapes") {
    model_builder b;
    b.input("x", dtype::f32, {std::int64_t{2}, std::int64_t{3}});
    b.node("FrobnicateXYZ", {"x"}, {"f"}, "mystery");  // declared below
    b.node("Relu", {"f"}, {"g"}, "after_declared");
    b.node("FrobnicateXYZ", {"x"}, {"u"}, "mystery_undeclared");  // not declared
    b.node("Relu", {"u"}, {"v"}, "after_undeclared");
    b.output("g");
    b.output("v");
    declare(b, "f", {2, 6});
    auto g = b.load();
    const auto r = ridgeline::infer_shapes(g);
    REQUIRE(r.unknown_ops.count("FrobnicateXYZ") == 1);
    CHECK(r.unknown_ops.at("FrobnicateXYZ") == 2);
    CHECK(has_diagnostic(r.diagnostics, "mystery", "FrobnicateXYZ"));
    CHECK(shape_of(g, "f") == "[2, 6]");
    CHECK(shape_of(g, "g") == "[2, 6]");  // downstream of the declared shape
    CHECK(shape_of(g, "v") == "?");       // nothing declared: unknown, no crash
    ridgeline::model_cost m;
    REQUIRE_NOTHROW(m = ridgeline::analyze(g));
    CHECK(m.unknown_ops.count("FrobnicateXYZ") == 1);
    CHECK(m.totals.flops_vector == 12);  // the Relu after the declared shape is still counted
}

TEST_CASE("com.microsoft operators: known ones are counted, unknown ones reported, never a crash") {
    model_builder b;
    auto* op = b.proto().add_opset_import();
    op->set_domain("com.microsoft");
    op->set_version(1);
    b.input("x", dtype::f32, {std::int64_t{2}, std::int64_t{8}});
    b.weight("gamma", dtype::f32, {8});
    b.node("Gelu", {"x"}, {"g"}, "ms_gelu").set_domain("com.microsoft");
    b.node("SkipLayerNormalization", {"g", "x", "gamma"}, {"s"}, "ms_skipln").set_domain("com.microsoft");
    b.node("Relu", {"s"}, {"y"}, "relu");
    b.output("y");
    declare(b, "s", {2, 8});
    auto g = b.load();
    const auto r = ridgeline::infer_shapes(g);
    CHECK(shape_of(g, "g") == "[2, 8]");
    CHECK(r.unknown_ops.count("com.microsoft::SkipLayerNormalization") == 1);
    CHECK(r.unknown_ops.count("com.microsoft::Gelu") == 0);
    CHECK(shape_of(g, "y") == "[2, 8]");
    ridgeline::model_cost m;
    REQUIRE_NOTHROW(m = ridgeline::analyze(g));
    CHECK(m.unknown_ops.count("SkipLayerNormalization") == 1);
    // Without the com.microsoft opset import the domain is unknown as a whole: still no crash.
    model_builder n;
    n.input("x", dtype::f32, {std::int64_t{2}});
    n.node("FusedMatMul", {"x", "x"}, {"y"}, "fused").set_domain("com.microsoft");
    n.output("y");
    auto g2 = n.load();
    const auto r2 = ridgeline::infer_shapes(g2);
    CHECK(r2.unknown_ops.count("com.microsoft::FusedMatMul") == 1);
    CHECK_NOTHROW((void)ridgeline::analyze(g2));
}

TEST_CASE("a model-local function is inlined and shapes flow through it") {
    model_builder b;
    auto* op = b.proto().add_opset_import();
    op->set_domain("custom");
    op->set_version(1);
    // custom::ScaledAct(X, W) = Relu(MatMul(X, W)) * X2, with X2 = Add(X…) kept simple: two nodes
    // reading the formal inputs, one reading an intermediate, and an attribute reference.
    auto& fn = *b.proto().add_functions();
    fn.set_name("ProjAct");
    fn.set_domain("custom");
    fn.add_input("X");
    fn.add_input("W");
    fn.add_output("Y");
    fn.add_attribute("alpha");
    auto* fop = fn.add_opset_import();
    fop->set_domain("");
    fop->set_version(17);
    auto* n1 = fn.add_node();
    n1->set_op_type("MatMul");
    n1->add_input("X");
    n1->add_input("W");
    n1->add_output("H");
    auto* n2 = fn.add_node();
    n2->set_op_type("LeakyRelu");
    n2->add_input("H");
    n2->add_output("Y");
    auto* ref = n2->add_attribute();
    ref->set_name("alpha");
    ref->set_type(onnx::AttributeProto::FLOAT);
    ref->set_ref_attr_name("alpha");

    b.input("x", dtype::f32, {std::string("batch"), std::int64_t{16}});
    b.weight("w1", dtype::f32, {16, 32});
    b.weight("w2", dtype::f32, {32, 4});
    auto& call1 = b.node("ProjAct", {"x", "w1"}, {"h"}, "block1");
    call1.set_domain("custom");
    ridgeline::test::attr_f(call1, "alpha", 0.25F);
    b.node("ProjAct", {"h", "w2"}, {"y"}, "block2").set_domain("custom");
    b.output("y");

    auto g = b.load();
    std::vector<std::string> ops;
    for (const auto& n : g.nodes) ops.push_back(n.op_type);
    CHECK(ops == std::vector<std::string>{"MatMul", "LeakyRelu", "MatMul", "LeakyRelu"});
    CHECK(
        std::none_of(g.nodes.begin(), g.nodes.end(), [](const ridgeline::node& n) { return n.op_type == "ProjAct"; }));
    CHECK(g.nodes[0].name.rfind("block1/", 0) == 0);
    CHECK(g.nodes[1].attr_f("alpha", -1) == doctest::Approx(0.25));  // resolved reference
    CHECK(g.nodes[3].find("alpha") == nullptr);                      // unresolved: op default
    CHECK(has_diagnostic(g.diagnostics, "block1", "inlined"));
    ridgeline::shape_options o;
    o.batch = 2;
    const auto r = ridgeline::infer_shapes(g, o);
    CHECK(r.ok());
    CHECK(r.unknown_ops.empty());
    CHECK(shape_of(g, "h") == "[2, 32]");
    CHECK(shape_of(g, "y") == "[2, 4]");
    CHECK(ridgeline::analyze(g).totals.macs == 2 * 16 * 32 + 2 * 32 * 4);

    // A function that calls itself is refused, naming the file and the function.
    model_builder rb;
    auto* rop = rb.proto().add_opset_import();
    rop->set_domain("custom");
    rop->set_version(1);
    auto& rec = *rb.proto().add_functions();
    rec.set_name("Forever");
    rec.set_domain("custom");
    rec.add_input("X");
    rec.add_output("Y");
    auto* self = rec.add_node();
    self->set_op_type("Forever");
    self->set_domain("custom");
    self->add_input("X");
    self->add_output("Y");
    rb.input("x", dtype::f32, {std::int64_t{2}});
    rb.node("Forever", {"x"}, {"y"}, "call").set_domain("custom");
    rb.output("y");
    CHECK_THROWS_WITH_AS((void)rb.load("recursive.onnx"), doctest::Contains("Forever"), ridgeline::model_error);

    // A "function bomb": L0 calls L1 ten times, L1 calls L2 ten times … 10^8 nodes once inlined.
    // It is refused up front, before any of it is built.
    model_builder bb;
    auto* bop = bb.proto().add_opset_import();
    bop->set_domain("custom");
    bop->set_version(1);
    for (int level = 0; level < 8; ++level) {
        auto& f = *bb.proto().add_functions();
        f.set_name("L" + std::to_string(level));
        f.set_domain("custom");
        f.add_input("X");
        f.add_output("Y");
        std::string prev = "X";
        for (int k = 0; k < 10; ++k) {
            auto* n = f.add_node();
            n->set_op_type(level == 7 ? std::string("Relu") : "L" + std::to_string(level + 1));
            if (level != 7) n->set_domain("custom");
            n->add_input(prev);
            prev = k == 9 ? "Y" : "t" + std::to_string(k);
            n->add_output(prev);
        }
    }
    bb.input("x", dtype::f32, {std::int64_t{2}});
    bb.node("L0", {"x"}, {"y"}, "bomb").set_domain("custom");
    bb.output("y");
    CHECK_THROWS_WITH_AS((void)bb.load("bomb.onnx"), doctest::Contains("would create more than"),
                         ridgeline::model_error);
}

TEST_CASE("an If node with subgraphs is imported and reported") {
    auto branch = [](const std::string& name, const std::string& op) {
        onnx::GraphProto g;
        g.set_name(name);
        auto* n = g.add_node();
        n->set_op_type(op);
        n->set_name(name + "_op");
        n->add_input("x");  // from the enclosing scope
        n->add_output(name + "_out");
        auto* out = g.add_output();
        out->set_name(name + "_out");
        auto* tt = out->mutable_type()->mutable_tensor_type();
        tt->set_elem_type(onnx::TensorProto::FLOAT);
        tt->mutable_shape()->add_dim()->set_dim_value(3);
        return g;
    };
    model_builder b;
    b.input("x", dtype::f32, {std::int64_t{3}});
    b.input("cond", dtype::boolean, {});
    auto& node = b.node("If", {"cond"}, {"y"}, "choose");
    auto* then_attr = node.add_attribute();
    then_attr->set_name("then_branch");
    then_attr->set_type(onnx::AttributeProto::GRAPH);
    *then_attr->mutable_g() = branch("then", "Relu");
    auto* else_attr = node.add_attribute();
    else_attr->set_name("else_branch");
    else_attr->set_type(onnx::AttributeProto::GRAPH);
    *else_attr->mutable_g() = branch("else", "Neg");
    b.node("Relu", {"y"}, {"z"}, "after_if");
    b.output("z");

    auto g = b.load();
    REQUIRE(g.nodes.size() == 2);
    const auto* then_g = g.nodes[0].find("then_branch");
    REQUIRE(then_g != nullptr);
    REQUIRE(then_g->graphs.size() == 1);
    CHECK(then_g->graphs[0]->nodes.size() == 1);
    CHECK(then_g->graphs[0]->nodes[0].op_type == "Relu");
    CHECK(has_diagnostic(g.diagnostics, "choose", "subgraph"));
    for (const auto& d : g.diagnostics) MESSAGE("If: ", d.node, ": ", d.message);
    const auto r = ridgeline::infer_shapes(g);
    CHECK(shape_of(g, "y") == "[3]");
    CHECK(shape_of(g, "z") == "[3]");
    ridgeline::model_cost m;
    REQUIRE_NOTHROW(m = ridgeline::analyze(g));
    CHECK(has_diagnostic(m.diagnostics, "choose", "not counted"));
}

TEST_CASE("a file over 2 GiB is a model_error mentioning 2 GiB, without writing 2 GiB") {
    temp_file f("huge.onnx");
    {
        const int fd = ::open(f.path().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        REQUIRE(fd >= 0);
        const off_t size = (off_t{1} << 31) + 1;  // 2 GiB + 1 byte, a hole: no block is written
        const int rc = ::ftruncate(fd, size);
        ::close(fd);
        if (rc != 0) {
            MESSAGE("skipped: this file system cannot make a 2 GiB sparse file");
            return;
        }
    }
    struct stat st {};
    REQUIRE(::stat(f.path().c_str(), &st) == 0);
    CHECK(st.st_size == (off_t{1} << 31) + 1);
    CHECK(st.st_blocks * 512 < (1 << 20));  // sparse: (almost) nothing on disk
    try {
        (void)ridgeline::load_onnx(f.path());
        FAIL("a file over 2 GiB loaded");
    } catch (const ridgeline::model_error& e) {
        MESSAGE("over 2 GiB: ", std::string(e.what()));
        CHECK(e.file() == f.path());
        CHECK(contains(e.what(), "2 GiB"));
        CHECK(contains(e.what(), "external data"));
    }
    REQUIRE(::stat(f.path().c_str(), &st) == 0);
    CHECK(st.st_blocks * 512 < (1 << 20));  // and loading did not fill it in
}

TEST_CASE("external initializers with an absent weights file load and count") {
    temp_file f("external.onnx");
    f.write(small_model().bytes());
    REQUIRE_FALSE(fs::exists(f.dir() / "absent.weights"));
    auto g = ridgeline::load_onnx(f.path());
    const auto w = g.find_value("w");
    REQUIRE(w >= 0);
    const auto& v = g.values[static_cast<std::size_t>(w)];
    CHECK(v.is_initializer);
    CHECK(v.external_data);
    CHECK(v.data == nullptr);
    CHECK(shape_of(g, "w") == "[3, 4]");
    const auto r = ridgeline::infer_shapes(g);
    CHECK(r.ok());
    CHECK(shape_of(g, "y") == "[1, 4]");
    const auto m = ridgeline::analyze(g);
    CHECK(m.params == 12);
    CHECK(m.totals.macs == 12);
}

TEST_CASE("other malformed models: messages name the file or the value") {
    SUBCASE("no ir_version") {
        auto b = small_model();
        b.proto().clear_ir_version();
        const auto bytes = b.bytes();
        CHECK_THROWS_WITH_AS((void)ridgeline::load_onnx_bytes(bytes.data(), bytes.size(), "noir.onnx"),
                             doctest::Contains("noir.onnx: ir_version 0"), ridgeline::model_error);
    }
    SUBCASE("no graph") {
        auto b = small_model();
        b.proto().clear_graph();
        const auto bytes = b.bytes();
        CHECK_THROWS_WITH_AS((void)ridgeline::load_onnx_bytes(bytes.data(), bytes.size(), "nograph.onnx"),
                             doctest::Contains("no graph"), ridgeline::model_error);
    }
    SUBCASE("a node without an operator") {
        auto b = small_model();
        b.proto().mutable_graph()->mutable_node(2)->clear_op_type();
        const auto bytes = b.bytes();
        CHECK_THROWS_WITH_AS((void)ridgeline::load_onnx_bytes(bytes.data(), bytes.size(), "noop.onnx"),
                             doctest::Contains("relu"), ridgeline::model_error);
    }
    SUBCASE("an initializer with a negative dimension") {
        auto b = small_model();
        b.proto().mutable_graph()->mutable_initializer(0)->set_dims(0, -3);
        const auto bytes = b.bytes();
        CHECK_THROWS_WITH_AS((void)ridgeline::load_onnx_bytes(bytes.data(), bytes.size(), "negdim.onnx"),
                             doctest::Contains("'w'"), ridgeline::model_error);
    }
    SUBCASE("a graph output nothing computes") {
        auto b = small_model();
        b.output("nowhere");
        CHECK_THROWS_WITH_AS((void)b.load(), doctest::Contains("nowhere"), ridgeline::graph_error);
    }
    SUBCASE("a corrupt attribute names its node") {
        model_builder b;
        b.input("x", dtype::f32, {std::int64_t{2}, std::int64_t{3}});
        ridgeline::test::attr_ints(b.node("Transpose", {"x"}, {"y"}, "my_transpose"), "perm", {1, 0});
        b.output("y");
        auto bytes = b.bytes();
        const auto at = bytes.find("perm");
        REQUIRE(at != std::string::npos);
        REQUIRE(at >= 2);
        bytes[at - 2] = '\x0f';  // AttributeProto.name's tag → wire type 7, which does not exist
        CHECK_THROWS_WITH_AS((void)ridgeline::load_onnx_bytes(bytes.data(), bytes.size(), "attr.onnx"),
                             doctest::Contains("my_transpose"), ridgeline::model_error);
    }
    SUBCASE("a field with the wrong wire type") {
        // ModelProto.graph (field 7) sent as a varint.
        const std::string bytes("\x08\x08\x38\x01\x42\x02\x10\x11", 8);
        check_model_error(bytes, "wiretype.onnx");
    }
}
