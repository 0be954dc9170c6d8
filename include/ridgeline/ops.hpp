/**
 * @file ops.hpp
 * The operator registry: one `op_rule` per operator (and since-version), holding its shape rule
 * and its cost rule side by side. Families live in `lib/ops/<family>.cpp` and register through one
 * explicit list; lookup picks the newest rule not newer than the model's opset for the node's
 * domain. Adding an operator means adding one rule in one family file.
 *
 * Shape rules read input shapes, dtypes and known contents through `infer_context` and set the
 * outputs. Cost rules read bound (numeric) shapes through `cost_context` and fill an `op_cost`;
 * bytes read and written are pre-filled by the analysis with the convention (every input read
 * once, every output written once) and a rule adjusts them only where an operator physically
 * moves less (Gather reads only the rows it gathers; Slice only the slice).
 *
 * @code
 * const auto* rule = ridgeline::op_registry::builtin().find("", "Conv", 17);
 * assert(rule && rule->kind == ridgeline::op_kind::matmul);
 * @endcode
 */
#pragma once

#include "ridgeline/graph.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ridgeline {

/** What sort of kernel an operator becomes; drives the cost model and the default bytes. */
enum class op_kind : std::uint8_t {
    view,          /**< No kernel, moves nothing (Reshape, Squeeze, Shape, Identity, Constant …). */
    elementwise,   /**< One pass over the output (Add, Relu, Erf, Where, Cast …). */
    matmul,        /**< Tensor-core class work (Conv, Gemm, MatMul, Einsum, attention). */
    normalization, /**< Softmax and the *Normalization family. */
    reduction,     /**< Reduce*, ArgMax, CumSum, global pooling. */
    pooling,       /**< Windowed pooling. */
    data_movement, /**< Copies without arithmetic (Transpose, Concat, Gather, Pad, Resize …). */
    control,       /**< If/Loop/Scan: subgraph bodies, not counted. */
};

/** Name of an `op_kind`, e.g. "matmul". */
std::string_view op_kind_name(op_kind k) noexcept;

/** Counts for one node, forward pass. */
struct op_cost {
    std::int64_t macs = 0;                   /**< Multiply-accumulates of matmul-class work. */
    std::int64_t flops_matmul = 0;           /**< 2 × macs (no bias add). */
    std::int64_t flops_vector = 0;           /**< Adds, muls, compares, reductions, bias adds. */
    std::int64_t flops_special = 0;          /**< exp, log, sqrt, erf, tanh, sigmoid, div … */
    std::int64_t bytes_read_activations = 0; /**< Non-initializer inputs read. */
    std::int64_t bytes_read_weights = 0;     /**< Initializer inputs read. */
    std::int64_t bytes_written = 0;          /**< Outputs written. */
    /** Backward-pass matmul FLOPs multiplier over forward (2 = dX and dW products). */
    double backward_matmul_factor = 2.0;
    /** Backward-pass vector/special FLOPs multiplier over forward. */
    double backward_vector_factor = 1.0;
};

/** What inferring a control-flow body found (the part of the engine's report rules read). */
struct subgraph_report {
    std::vector<diagnostic> diagnostics; /**< The body's findings, by node. */
    std::size_t unknown_data_nodes = 0;  /**< Body nodes that needed contents not known at analysis time. */
};

/**
 * How the shape engine infers a control-flow body for a rule (ONNX hands its shape functions a
 * GraphInferencer the same way): `formal[k]` gives the type, shape and known contents of the
 * body's k-th formal input (nullptr: what the body declares); names the body reads from enclosing
 * scopes take the values inferred there, innermost first; the body's findings join the enclosing
 * graph's report. The registry thus never calls the engine: the dependency points one way.
 * @code auto r = ctx.infer_subgraph(body, {&iteration, &condition, &state}); @endcode
 */
using subgraph_inferrer = std::function<subgraph_report(graph& body, const std::vector<const value*>& formal)>;

/** Read access to a node's inputs and outputs for shape rules; sets the outputs. */
class infer_context {
public:
    /** Built by the shape engine; `subgraphs` infers control-flow bodies (nullptr: none can be). */
    infer_context(graph& g, const node& n, std::int64_t opset, const subgraph_inferrer* subgraphs = nullptr)
        : g_(g), n_(n), opset_(opset), subgraphs_(subgraphs) {}

    /** The node being inferred. */
    [[nodiscard]] const node& n() const noexcept { return n_; }
    /** The opset version in force for the node's domain. */
    [[nodiscard]] std::int64_t opset() const noexcept { return opset_; }
    /** Number of inputs listed (omitted optional inputs included). */
    [[nodiscard]] std::size_t input_count() const noexcept { return n_.inputs.size(); }
    /** True when input i is present (listed and not the empty name). */
    [[nodiscard]] bool has_input(std::size_t i) const noexcept { return i < n_.inputs.size() && n_.inputs[i] >= 0; }
    /** Input i's value; requires `has_input(i)`. */
    [[nodiscard]] const value& input(std::size_t i) const;
    /** Input i's shape; fails (graph_error) if absent or of unknown rank. */
    [[nodiscard]] const shape& in_shape(std::size_t i) const;
    /** Input i's rank. */
    [[nodiscard]] std::int64_t in_rank(std::size_t i) const { return static_cast<std::int64_t>(in_shape(i).size()); }
    /** Input i's dtype. */
    [[nodiscard]] dtype in_type(std::size_t i) const { return input(i).type; }
    /** Input i's known contents, or nullptr. */
    [[nodiscard]] const known_data* in_data(std::size_t i) const;
    /** Input i's contents as concrete integers, when known and all numeric. */
    [[nodiscard]] std::optional<std::vector<std::int64_t>> in_ints(std::size_t i) const;
    /** Number of outputs listed. */
    [[nodiscard]] std::size_t output_count() const noexcept { return n_.outputs.size(); }
    /** Sets output i (ignored when the output is omitted). */
    void set_output(std::size_t i, dtype t, shape s, std::shared_ptr<const known_data> data = nullptr);
    /** Normalises a possibly negative axis against `rank`; fails when out of range. */
    [[nodiscard]] std::int64_t axis(std::int64_t a, std::int64_t rank) const;
    /** Throws `graph_error` naming this node. */
    [[noreturn]] void fail(const std::string& message) const;
    /** Throws `unknown_data_error`: `what` (e.g. "target shape") is not known at analysis time. */
    [[noreturn]] void unknown(const std::string& what) const;
    /** Infers a body graph in place through the engine's `subgraph_inferrer`; fails without one. */
    subgraph_report infer_subgraph(graph& body, const std::vector<const value*>& formal) const;

private:
    graph& g_;
    const node& n_;
    std::int64_t opset_;
    const subgraph_inferrer* subgraphs_;
};

/** Read access to a node with bound (numeric) shapes, for cost rules. */
class cost_context {
public:
    /** Built by the analysis; `float_override` re-types floating tensors (dtype::undefined = keep). */
    cost_context(const graph& g, const node& n, dtype float_override = dtype::undefined)
        : g_(g), n_(n), float_override_(float_override) {}
    /** The node being costed. */
    [[nodiscard]] const node& n() const noexcept { return n_; }
    /** Number of inputs listed. */
    [[nodiscard]] std::size_t input_count() const noexcept { return n_.inputs.size(); }
    /** True when input i is present. */
    [[nodiscard]] bool has_input(std::size_t i) const noexcept { return i < n_.inputs.size() && n_.inputs[i] >= 0; }
    /** Input i's dims as numbers; throws `unbound_symbol_error` naming a free symbol. */
    [[nodiscard]] std::vector<std::int64_t> in(std::size_t i) const;
    /** Output i's dims as numbers. */
    [[nodiscard]] std::vector<std::int64_t> out(std::size_t i = 0) const;
    /** Element count of input i (0 when absent). */
    [[nodiscard]] std::int64_t in_elements(std::size_t i) const;
    /** Element count of output i. */
    [[nodiscard]] std::int64_t out_elements(std::size_t i = 0) const;
    /** Bytes of input i at its (possibly overridden) element size. */
    [[nodiscard]] std::int64_t in_bytes(std::size_t i) const;
    /** Bytes of output i. */
    [[nodiscard]] std::int64_t out_bytes(std::size_t i = 0) const;
    /** Element size of input i in bytes (after the dtype override). */
    [[nodiscard]] std::int64_t in_element_bytes(std::size_t i) const;
    /** True when input i is an initializer (a weight or stored constant). */
    [[nodiscard]] bool in_is_weight(std::size_t i) const;
    /** Input i's known contents, or nullptr. */
    [[nodiscard]] const known_data* in_data(std::size_t i) const;
    /** Element size of a value (after the override). */
    [[nodiscard]] std::int64_t element_bytes(const value& v) const;
    /** The graph. */
    [[nodiscard]] const graph& g() const noexcept { return g_; }

private:
    [[nodiscard]] const value& in_value(std::size_t i) const;
    const graph& g_;
    const node& n_;
    dtype float_override_;
};

/** One operator version: shape rule and cost rule side by side. */
struct op_rule {
    std::string_view domain;                               /**< "" for ai.onnx. */
    std::string_view op_type;                              /**< E.g. "Conv". */
    std::int64_t since_version = 1;                        /**< First opset this rule applies to. */
    op_kind kind = op_kind::elementwise;                   /**< Kernel class. */
    void (*infer)(infer_context&) = nullptr;               /**< Shape rule. */
    void (*cost)(const cost_context&, op_cost&) = nullptr; /**< Cost rule (FLOPs; bytes if special). */
};

/** All known operators. `builtin()` holds every family of `lib/ops`. */
class op_registry {
public:
    /** The registry with every built-in operator. @code op_registry::builtin().size() @endcode */
    static const op_registry& builtin();
    /** Adds a rule (a later rule with the same key replaces the earlier one). */
    void add(const op_rule& rule);
    /** Newest rule for (domain, op_type) with since_version <= opset, or nullptr. */
    [[nodiscard]] const op_rule* find(std::string_view domain, std::string_view op_type, std::int64_t opset) const;
    /** Every rule, for listing and for the "every op has both rules" test. */
    [[nodiscard]] const std::vector<op_rule>& rules() const noexcept { return rules_; }

private:
    std::vector<op_rule> rules_;
    std::unordered_map<std::string, std::vector<std::size_t>> index_;  // "domain::op_type" → rules
};

}  // namespace ridgeline
