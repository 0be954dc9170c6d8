// Builds small ONNX models in memory for tests (hand-made graphs whose counts are worked out by
// hand), and finds the shared test data.
#pragma once

#include "ridgeline/graph.hpp"

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace ridgeline::test {

/** A dimension for a graph input: a number or a symbol name. */
using dim_spec = std::variant<std::int64_t, std::string>;

/** Fluent builder over onnx::ModelProto. */
class model_builder {
public:
    /** A model importing the default domain at `opset`. */
    explicit model_builder(std::int64_t opset = 17);
    /** Adds a graph input. */
    model_builder& input(const std::string& name, dtype type, const std::vector<dim_spec>& dims);
    /** Adds a graph output (no declared shape). */
    model_builder& output(const std::string& name);
    /** Adds an initializer without data (as if stored externally). */
    model_builder& weight(const std::string& name, dtype type, const std::vector<std::int64_t>& dims);
    /** Adds an int64 initializer with its values (a shape constant). */
    model_builder& ints(const std::string& name, const std::vector<std::int64_t>& values);
    /** Adds a node; returns it so attributes can be added. */
    onnx::NodeProto& node(const std::string& op_type, const std::vector<std::string>& inputs,
                          const std::vector<std::string>& outputs, const std::string& name = "");
    /** The serialized model. */
    [[nodiscard]] std::string bytes() const;
    /** The model loaded through ridgeline's importer. */
    [[nodiscard]] graph load(const std::string& name = "built.onnx") const;
    /** Direct access for unusual cases. */
    onnx::ModelProto& proto() { return model_; }

private:
    onnx::ModelProto model_;
};

/** Attribute helpers. */
void attr_i(onnx::NodeProto& n, const std::string& name, std::int64_t v);
void attr_f(onnx::NodeProto& n, const std::string& name, float v);
void attr_s(onnx::NodeProto& n, const std::string& name, const std::string& v);
void attr_ints(onnx::NodeProto& n, const std::string& name, const std::vector<std::int64_t>& v);

/** Exit status and captured output of a shell command. */
struct command_result {
    int status = -1; /**< Exit status (-1 when it did not exit normally). */
    std::string out; /**< What it printed on stdout (and stderr when redirected there). */
};

/** Runs a shell command and captures its stdout. */
command_result run_command(const std::string& command);

/**
 * A file this build made, by the path compiled in when it exists, else the same file name next to
 * this test program or in ../bin beside its folder (a copied tree: the GPU kit's bin/ and tests/).
 */
std::string built_file(const std::string& compiled);

/** The ridgeline tool: $RIDGELINE_TEST_TOOL when set, else built_file(RIDGELINE_TOOL). */
std::string tool_path();

/** Runs the ridgeline tool (tool_path) with `args`; stderr is captured too when `with_stderr`. */
command_result run_tool(const std::string& args, bool with_stderr = true);

/**
 * Every zoo model's path, sorted; with `analysable_only`, without vit_b_16_dynamo (its exporter
 * left shape constants in an absent weights file: see test_zoo_shapes). The decoder graphs with a
 * KV cache (`*_decode.onnx`, which also need `past_sequence` and `total_sequence` bound) are
 * listed apart by `zoo_decoder_models`. Empty without the zoo.
 */
std::vector<std::string> zoo_models(bool analysable_only = false);

/** The zoo's decoder graphs with a KV cache (`*_decode.onnx`), sorted; empty without the zoo. */
std::vector<std::string> zoo_decoder_models();

/** Exits 77 (CTest's skip) with a message when the zoo folder is absent. */
void require_zoo();

/** Path of a zoo model, or "" when the zoo is absent (tests then skip, saying so). */
std::string zoo_path(const std::string& file);

/** Shape of value `name` as text, e.g. "[1, 3]"; "?" when unknown, "missing" when absent. */
std::string shape_of(const graph& g, const std::string& name);

}  // namespace ridgeline::test
