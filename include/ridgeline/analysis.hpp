/**
 * @file analysis.hpp
 * Whole-model analysis over a shape-inferred graph: per-node FLOPs (split matmul / vector /
 * special), MACs, parameters and bytes moved; totals and a per-op-type breakdown; parameters with
 * shared initializers counted once; activation liveness and the peak activation memory; the
 * inference memory and the largest batch that fits a memory budget; slices of the graph; and a
 * forward+backward training estimate. Counting conventions are those of DESIGN.md and
 * docs/counting.md.
 *
 * Nodes whose outputs are all known at analysis time (shape arithmetic on constants) are
 * "folded": they cost nothing and launch no kernel, as in every runtime that folds constants.
 * Pure views (Reshape, Squeeze …) move no bytes and alias their input's memory.
 *
 * @code
 * auto g = ridgeline::load_onnx("resnet50.onnx");
 * ridgeline::infer_shapes(g, {.batch = 32});
 * ridgeline::model_cost m = ridgeline::analyze(g);
 * std::cout << m.totals.flops_matmul << " matmul FLOPs\n";
 * @endcode
 */
#pragma once

#include "ridgeline/graph.hpp"
#include "ridgeline/ops.hpp"
#include "ridgeline/shape.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ridgeline {

/** How to count. */
struct analysis_options {
    /** Re-type every floating tensor (e.g. dtype::f16 for "deployed in half precision"). */
    dtype float_override = dtype::undefined;
    /** Count only bytes that cross a fusion-group boundary (elementwise chains fused into their producer). */
    bool fused = false;
    /** Also compute the backward pass (training estimate). */
    bool training = false;
};

/** Which part of the graph to analyse (an empty slice = the whole graph). */
struct graph_slice {
    /** Keep only the last `last_percent` % of the (non-view, non-folded) layers, when in (0, 100). */
    double last_percent = 0;
    /** First node to keep (by name), inclusive. */
    std::string from_node;
    /** Last node to keep (by name), inclusive. */
    std::string to_node;
    /** Keep only nodes that depend on this tensor (everything after it). */
    std::string after_tensor;
    /** True when no restriction is set. */
    [[nodiscard]] bool empty() const {
        return last_percent <= 0 && from_node.empty() && to_node.empty() && after_tensor.empty();
    }
};

/** FLOPs and bytes of a counted quantity, forward or backward. */
struct counts {
    std::int64_t macs = 0;                   /**< Multiply-accumulates. */
    std::int64_t flops_matmul = 0;           /**< 2 × MACs of matmul-class ops. */
    std::int64_t flops_vector = 0;           /**< Vector-unit FLOPs. */
    std::int64_t flops_special = 0;          /**< Special-function evaluations. */
    std::int64_t bytes_read_activations = 0; /**< Activation bytes read. */
    std::int64_t bytes_read_weights = 0;     /**< Weight bytes read. */
    std::int64_t bytes_written = 0;          /**< Bytes written. */
    /** All FLOPs. */
    [[nodiscard]] std::int64_t flops() const { return flops_matmul + flops_vector + flops_special; }
    /** All bytes read. */
    [[nodiscard]] std::int64_t bytes_read() const { return bytes_read_activations + bytes_read_weights; }
    /** Bytes read plus written. */
    [[nodiscard]] std::int64_t bytes() const { return bytes_read() + bytes_written; }
    /** FLOPs per byte moved (0 when nothing moves). */
    [[nodiscard]] double operational_intensity() const {
        return bytes() ? static_cast<double>(flops()) / static_cast<double>(bytes()) : 0.0;
    }
    /** Adds another count. */
    counts& operator+=(const counts& o);
};

/** One node's costs. */
struct layer_cost {
    std::int32_t node = -1;                 /**< Index in graph::nodes. */
    std::string name;                       /**< Node display name. */
    std::string op_type;                    /**< Operator. */
    op_kind kind = op_kind::elementwise;    /**< Kernel class. */
    bool folded = false;                    /**< Computed at analysis time: no kernel. */
    bool is_view = false;                   /**< Pure view: no kernel, no bytes. */
    bool unknown = false;                   /**< Operator without a rule: counted as zero, reported. */
    std::int32_t fusion_group = -1;         /**< Fused mode: index of the group's first node. */
    std::int64_t params = 0;                /**< Elements of floating initializers first read here. */
    std::int64_t output_bytes = 0;          /**< Bytes of the outputs (activation footprint). */
    counts forward;                         /**< Forward pass. */
    counts backward;                        /**< Backward pass (training estimate only). */
    std::vector<std::string> output_shapes; /**< e.g. "[32, 64, 112, 112]" ("?" when unknown). */
    /** The same shapes as dims (nullopt when unknown): what the JSON writes as arrays. */
    std::vector<std::optional<shape>> output_dims;
    /** True when this node launches a kernel. */
    [[nodiscard]] bool is_kernel() const { return !folded && !is_view && kind != op_kind::control; }
};

/** Totals for one op type. */
struct op_type_total {
    std::int64_t nodes = 0; /**< Node count (kernels only). */
    counts forward;         /**< Summed forward counts. */
};

/** The whole model's analysis. */
struct model_cost {
    std::vector<layer_cost> layers;                  /**< In topological order (slice applied). */
    counts totals;                                   /**< Forward totals. */
    counts backward_totals;                          /**< Backward totals (training only). */
    std::map<std::string, op_type_total> by_op_type; /**< Breakdown. */
    std::int64_t params = 0;                         /**< Floating initializer elements, each once. */
    /** Elements of floating initializers left out of `params` because they provably store the
        same tensor as another (`value::same_as`: a tied weight exported twice). */
    std::int64_t duplicate_params = 0;
    /** Those initializers: (duplicate, the initializer it repeats), by name. */
    std::vector<std::pair<std::string, std::string>> duplicate_initializers;
    /** Counted, but likely a tied weight stored transposed (not provable from the graph: the
        bytes differ by layout): (a MatMul/Gemm weight [b, a], the embedding [a, b] a Gather
        reads). gpt2's lm_head is its wte transposed. */
    std::vector<std::pair<std::string, std::string>> possibly_tied;
    std::int64_t possibly_tied_params = 0;   /**< Elements of the first of each `possibly_tied` pair. */
    std::int64_t param_bytes = 0;            /**< Their bytes (after the dtype override). */
    std::int64_t peak_activation_bytes = 0;  /**< Liveness peak over the topological order. */
    std::int64_t input_bytes = 0;            /**< Graph inputs. */
    std::int64_t kernels = 0;                /**< Nodes that launch a kernel. */
    std::vector<diagnostic> diagnostics;     /**< Unknown ops, uncounted subgraphs … */
    std::map<std::string, int> unknown_ops;  /**< Operator → nodes counted as unknown. */
    dtype float_override = dtype::undefined; /**< The re-typing the counts used. */
};

/** Bytes of a value at its element size after `float_override` (0 when not fully numeric). */
std::int64_t value_bytes(const value& v, dtype float_override);

/**
 * Costs every node of a shape-inferred graph. Throws `unbound_symbol_error` naming the symbol
 * when a count needs a dimension nobody bound.
 * @code auto m = ridgeline::analyze(g, {.float_override = ridgeline::dtype::f16}); @endcode
 */
model_cost analyze(const graph& g, const analysis_options& options = {}, const graph_slice& slice = {});

/** Memory needed to run inference: weights + peak activations + workspace. */
struct memory_estimate {
    std::int64_t weight_bytes = 0;     /**< Parameters (and other stored tensors) resident. */
    std::int64_t activation_bytes = 0; /**< Peak live activations. */
    std::int64_t workspace_bytes = 0;  /**< Scratch for the largest kernel (see docs/counting.md). */
    /** Sum of the three. */
    [[nodiscard]] std::int64_t total() const { return weight_bytes + activation_bytes + workspace_bytes; }
};

/** Inference memory of an analysed model. @code auto mem = inference_memory(m); @endcode */
memory_estimate inference_memory(const model_cost& m);

/** Result of `largest_batch`. */
struct batch_fit {
    std::int64_t batch = 0;   /**< Largest batch that fits (0: not even batch 1). */
    memory_estimate at_batch; /**< Memory at that batch. */
    memory_estimate at_next;  /**< Memory at batch + 1 (what did not fit). */
};

/**
 * Largest batch whose inference memory fits `capacity_bytes`, by exponential then binary search
 * over re-bound shapes. `base` supplies the other bindings (sequence …). The graph is re-inferred
 * in place and left bound at the answer.
 * @code auto fit = largest_batch(g, {}, {}, 80LL << 30); @endcode
 */
batch_fit largest_batch(graph& g, const shape_options& base, const analysis_options& options,
                        std::int64_t capacity_bytes, std::int64_t max_batch = 1 << 20);

}  // namespace ridgeline
