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
#include <optional>
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

// ---------------------------------------------------------------------------------------------
// Eager kernels: what a framework running the graph op by op (PyTorch eager, cuDNN, cuBLAS)
// launches for a node. The latency model times each kernel with its class's efficiency curve.
// ---------------------------------------------------------------------------------------------

/**
 * The kinds of kernel an eager framework launches, each timed by its own efficiency curve (the
 * hardware spec's `measured.efficiency` section, keyed by `kernel_class_name`).
 */
enum class kernel_class : std::uint8_t {
    automatic,            /**< In an `op_rule`: derived from the rule's `op_kind`. */
    gemm,                 /**< cuBLAS GEMM / batched GEMM (MatMul, Gemm, linear, 1×1 half conv). */
    gemm_unaligned,       /**< Half-precision GEMM whose N or K is not a multiple of 8 (slower kernels). */
    conv,                 /**< cuDNN implicit-GEMM convolution. */
    conv_generic,         /**< cuDNN's generic implicit convolution (3-channel inputs, fp32 grouped). */
    conv_first_layer,     /**< cuDNN's half-precision kernels for 3-channel inputs (stems, patches). */
    conv_depthwise,       /**< Depthwise stencil on CUDA cores (PyTorch's own kernel). */
    conv_depthwise_cudnn, /**< cuDNN's tiled depthwise kernel (half precision, 3×3, stride 1). */
    conv_grouped_direct,  /**< cuDNN's direct grouped convolution (batch 1). */
    layout_conversion,    /**< NCHW ↔ NHWC conversion of an activation around a tensor-core conv. */
    filter_conversion,    /**< NCHW → NHWC conversion of a convolution's filter. */
    attention,            /**< Fused scaled-dot-product attention (flash / memory-efficient). */
    elementwise,          /**< Pointwise arithmetic (Add, Relu, Gelu …). */
    copy,                 /**< Layout copies without arithmetic (transpose, concat, pad …). */
    gather,               /**< Indexed reads (embedding lookups, Gather). */
    reduction,            /**< Reductions (ReduceMean, global pooling …). */
    layernorm,            /**< Row normalisation (LayerNorm, GroupNorm …). */
    softmax,              /**< Row softmax. */
    batchnorm,            /**< Inference batch norm (per-channel scale and shift). */
    pooling,              /**< Windowed pooling. */
};

/** Name of a kernel class as used in spec files, e.g. "conv_depthwise"; "automatic" for automatic. */
std::string_view kernel_class_name(kernel_class c) noexcept;

/** The class named `name`, or nullopt. @code auto c = parse_kernel_class("gemm"); @endcode */
std::optional<kernel_class> parse_kernel_class(std::string_view name) noexcept;

/** Every concrete class (all but `automatic`), in declaration order. */
const std::vector<kernel_class>& all_kernel_classes();

/** The class a rule without its own `kernel` field gets from its `op_kind`. */
kernel_class default_kernel_class(op_kind k) noexcept;

/**
 * How a matmul-class kernel maps onto GEMM tiles: `batch` independent M×N×K products (batched
 * GEMM, or convolution groups). A MatMul whose B operand has no batch dims is one GEMM with M =
 * the product of A's leading dims; only operands that both carry batch dims are batched.
 */
struct gemm_shape {
    std::int64_t batch = 1; /**< Independent products. */
    std::int64_t m = 0;     /**< Rows of the output per product. */
    std::int64_t n = 0;     /**< Columns of the output per product. */
    std::int64_t k = 0;     /**< Reduction length. */
    bool split_k = true;    /**< The library may split K across tiles (cuBLAS yes, cuDNN convs no). */
};

/** One tensor a kernel reads or writes: a graph value, or a scratch buffer local to the node. */
struct tensor_access {
    std::int32_t value = -1;  /**< Index in graph::values, or -1 for a scratch buffer. */
    std::int32_t scratch = 0; /**< Scratch buffer number within the node (when value < 0). */
    std::int64_t bytes = 0;   /**< Bytes moved. */
    bool write = false;       /**< Written (else read). */
};

/** One kernel (or `launches` identical kernels) an eager framework runs for a node. */
struct kernel_spec {
    kernel_class cls = kernel_class::elementwise; /**< Which efficiency curve times it. */
    std::string_view label;             /**< Extra kernels' name (e.g. "NchwToNhwc"); empty = the node's op. */
    std::int64_t launches = 1;          /**< Identical kernels (one per group …); figures below are per launch. */
    gemm_shape gemm;                    /**< Tiled classes: the GEMM view (per launch). */
    std::int64_t flops_matmul = 0;      /**< Matmul-class FLOPs (per launch). */
    std::int64_t flops_vector = 0;      /**< Vector FLOPs (per launch). */
    std::int64_t flops_special = 0;     /**< Special-function evaluations (per launch). */
    std::int64_t size_elements = 0;     /**< The class's size variable (row length, plane …); 0 = none. */
    std::vector<tensor_access> traffic; /**< What it reads and writes (per launch). */
};

/**
 * The nodes that read each value, in one flat array (built once per graph; a vector per value
 * costs a heap allocation each, which dominated kernel formation on 30k-node graphs).
 * @code const value_consumers c(g); for (auto node : c.of(v)) use(g.nodes[node]); @endcode
 */
class value_consumers {
public:
    value_consumers() = default;
    /** Indexes every node input of `g`. */
    explicit value_consumers(const graph& g);
    /** A run of consumer nodes (this header also compiles as C++17 for CUDA, so no std::span). */
    struct range {
        const std::int32_t* first = nullptr; /**< First consumer. */
        const std::int32_t* last = nullptr;  /**< One past the last. */
        [[nodiscard]] const std::int32_t* begin() const noexcept { return first; }
        [[nodiscard]] const std::int32_t* end() const noexcept { return last; }
        [[nodiscard]] std::size_t size() const noexcept { return static_cast<std::size_t>(last - first); }
        [[nodiscard]] bool empty() const noexcept { return first == last; }
        [[nodiscard]] std::int32_t operator[](std::size_t i) const noexcept { return first[i]; }
    };
    /** The consumer nodes of value `v`, in node order (empty for an unknown value). */
    [[nodiscard]] range of(std::int32_t v) const noexcept {
        if (v < 0 || static_cast<std::size_t>(v) + 1 >= offsets_.size()) return {};
        const auto i = static_cast<std::size_t>(v);
        return {nodes_.data() + offsets_[i], nodes_.data() + offsets_[i + 1]};
    }

private:
    std::vector<std::int32_t> offsets_;  // per value + 1: start of its consumers in nodes_
    std::vector<std::int32_t> nodes_;
};

/** What a kernel rule may read: the node with bound shapes, its counts, the precision, the graph. */
struct kernel_context {
    const cost_context& ctx;                    /**< The node, bound shapes. */
    const op_cost& cost;                        /**< Its counted forward cost. */
    dtype precision = dtype::f32;               /**< Compute precision (f32, f16, bf16 …). */
    const value_consumers* consumers = nullptr; /**< Per value: consumer nodes. */
    /** True for half-precision tensor-core work (fp16, bf16). */
    [[nodiscard]] bool half() const noexcept { return precision == dtype::f16 || precision == dtype::bf16; }
    /** Appends the node's own traffic to `k`: every input read and every output written, as counted. */
    void own_traffic(kernel_spec& k) const;
    /** A kernel of class `c` carrying the node's counted FLOPs and traffic. */
    [[nodiscard]] kernel_spec whole_node(kernel_class c) const;
};

/** One operator version: shape rule and cost rule side by side. */
struct op_rule {
    std::string_view domain;                               /**< "" for ai.onnx. */
    std::string_view op_type;                              /**< E.g. "Conv". */
    std::int64_t since_version = 1;                        /**< First opset this rule applies to. */
    op_kind kind = op_kind::elementwise;                   /**< Kernel class. */
    void (*infer)(infer_context&) = nullptr;               /**< Shape rule. */
    void (*cost)(const cost_context&, op_cost&) = nullptr; /**< Cost rule (FLOPs; bytes if special). */
    kernel_class kernel = kernel_class::automatic;         /**< Eager kernel class (automatic: from `kind`). */
    /**
     * Eager kernel rule, for nodes that are not one kernel of class `kernel` over their own
     * traffic (convolutions, GEMMs, half-precision batch norm, views in eager mode); appends zero
     * or more kernels. nullptr: `kernel_context::whole_node(kernel)`.
     */
    void (*kernels)(const kernel_context&, std::vector<kernel_spec>&) = nullptr;
};

/**
 * The eager kernels of node `kc.ctx.n()` under `rule` (the rule's own kernel rule, or one kernel of
 * its class). @code auto ks = eager_kernels(*rule, kc); @endcode
 */
std::vector<kernel_spec> eager_kernels(const op_rule& rule, const kernel_context& kc);

/**
 * The kernels PyTorch eager launches for an inference BatchNormalization over a tensor of `dims`
 * (value `in` read, `out` written): one cuDNN kernel in fp32; in half precision the native
 * kernel plus two small ones that prepare per-channel scale and shift (h200_microbench.json,
 * batchnorm_eval rows: 3 kernels in fp16, 1 in fp32). Also used for batch norms an exporter
 * folded into a convolution.
 */
void batchnorm_kernels(const std::vector<std::int64_t>& dims, std::int64_t element_bytes, bool half, std::int32_t in,
                       std::int32_t out, std::vector<kernel_spec>& kernels);

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
