/**
 * @file shape.hpp
 * Symbolic shape inference: fills every value's dtype and shape in topological order using the
 * registry's shape rules, propagating small constant integer tensors through the shape-computing
 * subgraphs exporters emit (Shape → Gather → Unsqueeze → Concat → Reshape). Graph-input symbols
 * may be bound first (`batch=32`, `sequence=384`) or an input's whole shape overridden, so the
 * same graph can be swept over batch sizes, image sizes and sequence lengths.
 *
 * A node whose rule fails, or whose operator is unknown, becomes a diagnostic; inference goes on
 * (values downstream of an unknown op use the shapes the file declares, when it declares any).
 *
 * @code
 * ridgeline::graph g = ridgeline::load_onnx("bert_base.onnx");
 * ridgeline::shape_options opt;
 * opt.symbols = {{"batch", 8}, {"sequence", 384}};
 * auto report = ridgeline::infer_shapes(g, opt);
 * // g.values[g.outputs[0]].dims == [8, 384, 768]
 * @endcode
 */
#pragma once

#include "ridgeline/graph.hpp"

#include <map>
#include <string>
#include <vector>

namespace ridgeline {

/** What to bind before inference. */
struct shape_options {
    /** Symbol values, e.g. {{"batch", 32}, {"sequence", 128}}. */
    bindings symbols;
    /** Binds the `batch` symbol and every input's leading symbolic dim, when set (> 0). */
    std::int64_t batch = 0;
    /** Whole-shape overrides per graph input name, e.g. {"input", {8, 3, 320, 320}}. */
    std::map<std::string, std::vector<std::int64_t>> input_shapes;
    /**
     * Known contents of small integer graph inputs (row-major), e.g. a shape tensor fed at run
     * time: {"shape", {2, 3, 4}}. Shape rules then see them as if they were constants (a Reshape
     * target, Slice starts, an Expand shape …). The element count must match the input's shape.
     */
    std::map<std::string, std::vector<std::int64_t>> input_values;
    /** Known contents of small floating graph inputs, e.g. Resize scales fed at run time. */
    std::map<std::string, std::vector<double>> input_real_values;
    /**
     * Bindings as a user typed them (the tool sets this): a symbol of `symbols` that the graph
     * does not have (a typo such as `seqence`), or a `batch` on a graph with nothing to bind it
     * to, is a `usage_error` naming --set / --batch instead of binding nothing.
     */
    bool strict = false;
};

/** What inference found. */
struct shape_report {
    std::vector<diagnostic> diagnostics;    /**< Per-node findings. */
    std::map<std::string, int> unknown_ops; /**< Operator → node count, for unsupported ops. */
    std::size_t values_without_shape = 0;   /**< Values still of unknown rank afterwards. */
    std::size_t symbolic_values = 0;        /**< Values whose shape still has a symbol. */
    /** Nodes whose rule needed contents not known at analysis time (e.g. a Reshape target fed
        as a graph input), control-flow bodies included; their outputs use the shapes the file
        declares, when it declares any. */
    std::size_t unknown_data_nodes = 0;
    /** True when no error-level diagnostic was raised. */
    [[nodiscard]] bool ok() const;
};

/**
 * The symbol values `options` amounts to for `g`: `symbols`, plus `batch` bound to the symbol
 * `batch` and to every graph input's leading single-symbol dimension.
 * @code resolved_bindings(g, {.batch = 8}) // {"batch": 8, "N": 8} when an input is [N, 3, H, W] @endcode
 */
bindings resolved_bindings(const graph& g, const shape_options& options);

/**
 * Every symbol the graph's declared shapes use (graph inputs, outputs and value_info, bodies of
 * control-flow nodes included), sorted: what `--set NAME=N` can bind.
 * @code graph_symbols(bert) == {"batch", "sequence"} @endcode
 */
std::vector<std::string> graph_symbols(const graph& g);

/**
 * Infers every value's dtype and shape in place (re-running resets previous results).
 * Throws `usage_error` for an override that names no graph input or has the wrong rank (and, with
 * `options.strict`, for a binding of a symbol the graph does not have).
 */
shape_report infer_shapes(graph& g, const shape_options& options = {});

/**
 * Parses "NAME=N" bindings and "NAME=d0,d1,..." input overrides (command-line syntax).
 * @code parse_binding("sequence=384") == std::pair{"sequence", 384} @endcode
 */
std::pair<std::string, std::int64_t> parse_binding(const std::string& text);
/** @code parse_input_shape("input=8,3,320,320") @endcode */
std::pair<std::string, std::vector<std::int64_t>> parse_input_shape(const std::string& text);

}  // namespace ridgeline
