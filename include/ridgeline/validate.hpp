/**
 * @file validate.hpp
 * Predicted versus measured: puts the kernels of a recorded `trace` (measure.hpp) against the
 * cost model's `latency_prediction` (cost_model.hpp) node by node, and reports the errors. Works in
 * every build (no CUDA needed): the trace may come from ridgeline's tracer, its injection library or
 * torch.profiler.
 *
 * **Rows.** One row per node group: the model's layers that the predicted kernels tie together
 * (a composite kernel such as GELU-with-Erf covers several nodes; a half-precision Conv's NCHW↔NHWC
 * conversion kernels belong to the Conv's row). A row's predicted time is the sum of its predicted
 * kernels; its measured time the sum of the kernels attributed to any of its nodes, per pass.
 *
 * **Attribution** — which node a measured kernel belongs to (memcpy/memset are reported apart):
 * - `external_id`: the kernel's external correlation id is a graph node index (`graph::nodes`,
 *   as `push_external_id` sets it). Not used for Kineto traces, whose ids are the framework's.
 * - `ranges`: the innermost enclosing range (NVTX, record_function, gpu_user_annotation) whose name
 *   names a node. A kernel is inside a host range when its launch call (same thread) falls in it,
 *   inside a GPU range when its device start does; without a launch record, host ranges are tried
 *   with the device start. A range names a node when it equals the node's name
 *   ("/layer1/layer1.0/conv1/Conv") or the module path the PyTorch exporter encoded in it
 *   ("layer1.0.conv1"; a repeated call's "_1", "_2" suffix dropped, so "layer1.0.relu" names the
 *   block's three Relu nodes). When a name occurs, per pass, as often as the nodes it names, its
 *   k-th occurrence stands for the k-th node (cyclically over passes); otherwise (an attention
 *   module whose own forward holds MatMul, Softmax, MatMul) the kernels inside one occurrence are
 *   spread over its nodes by the sequence alignment below.
 * - `sequence` (framework traces without usable ids or ranges): an order-preserving alignment of
 *   the measured kernel sequence with the predicted one by operation class — conv, gemm, norm, pool,
 *   softmax, reduce, layout (NCHW↔NHWC), copy, elementwise — read from the kernel's framework op
 *   (Kineto's aten:: name) or else its kernel name ("fprop"/"conv"/"winograd" → conv,
 *   "gemm"/"gemv"/"cutlass"/"nvjet" → gemm, "bn_fw"/"norm" → norm, "pool" → pool …). A dynamic
 *   programme maximises matched kernels (an exact class match scores above a compatible one: a conv
 *   may launch gemm and layout kernels, batch norm may run as an elementwise kernel, global pooling as
 *   a reduction; pairing one kernel per node scores above piling several onto one). A predicted
 *   kernel takes further consecutive kernels of its own class, and a conv, attention or
 *   normalisation also compatible ones (a conv's conversion kernels); ties go to the earlier node;
 *   kernels that fit nowhere (a stray copy) stay unattributed. This is a heuristic; prefer ids or
 *   ranges when you control the run.
 * - `automatic`: `external_id` when a non-Kineto trace carries ids that attribute at least half the
 *   kernel time, else `ranges` when ranges do, else `sequence`.
 *
 * **Passes.** `window` keeps only kernels inside ranges of that name (the measured iterations) and
 * sets the number of passes to their count; `passes` overrides it. Measured times are per pass.
 *
 * **Statistics** over rows with measured time: `compare_errors` of stats.hpp (relative error
 * e = (predicted − measured)/measured; median and 90th percentile of |e|, bias = mean e, the share
 * with |e| ≤ 10%, Spearman's rank correlation of predicted and measured times). Also per op type,
 * and for the whole model (Σ predicted kernels against Σ all measured kernel time, attributed or not).
 * Kernel time that no node claims is reported by kernel name, never dropped.
 *
 * @code
 * auto lat = ridgeline::predict_latency(g, m, ridgeline::load_hw("h100-sxm"), ridgeline::dtype::f32);
 * auto v = ridgeline::validate(m, lat, ridgeline::load_trace("resnet50.trace.json"));
 * std::cout << "median error " << 100 * v.per_node.median_ape << "%, model " << 100 * v.model_error << "%\n";
 * @endcode
 */
#pragma once

#include "ridgeline/analysis.hpp"
#include "ridgeline/cost_model.hpp"
#include "ridgeline/measure.hpp"
#include "ridgeline/stats.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ridgeline {

/** How measured kernels are tied to nodes (see the file comment). */
enum class attribution { automatic, external_id, ranges, sequence };

/** "auto", "external-id", "ranges" or "sequence". */
std::string_view attribution_name(attribution a) noexcept;

/** Parses "auto|external-id|ranges|sequence". Throws usage_error. @code parse_attribution("ranges") @endcode */
attribution parse_attribution(const std::string& text);

/** Options of validate(). @code ridgeline::validate_options o{.window = "ridgeline_pass"}; @endcode */
struct validate_options {
    attribution method = attribution::automatic; /**< Attribution method. */
    std::string window;                          /**< Keep only kernels inside ranges of this name. */
    int passes = 0;                              /**< Divide measured times by this; 0: windows counted, else 1. */
};

/** One row: a group of nodes and its predicted and measured kernel time. */
struct node_comparison {
    std::string name;                  /**< First node's name. */
    std::string op_type;               /**< Its predicted kernel's label (op type or pattern), or op type. */
    std::vector<std::size_t> layers;   /**< Indices into model_cost::layers. */
    std::size_t predicted_kernels = 0; /**< Kernels the model predicts for the group. */
    double predicted_s = 0;            /**< Σ predicted kernel time. */
    double measured_kernels = 0;       /**< Kernels attributed, per pass. */
    double measured_s = 0;             /**< Σ attributed kernel time, per pass. */
    /** True when some kernel time was attributed to the group. */
    [[nodiscard]] bool measured() const noexcept { return measured_s > 0; }
    /** (predicted − measured) / measured; 0 when not measured. */
    [[nodiscard]] double relative_error() const noexcept {
        return measured_s > 0 ? (predicted_s - measured_s) / measured_s : 0.0;
    }
};

/** Predicted against measured for one op type (rows whose op_type is it). */
struct op_type_comparison {
    std::string op_type;     /**< Op type or pattern label. */
    std::size_t rows = 0;    /**< Rows with measured time. */
    double predicted_s = 0;  /**< Σ predicted time of those rows. */
    double measured_s = 0;   /**< Σ measured time of those rows. */
    error_statistics errors; /**< Row statistics within the type. */
};

/** Kernel time no node claimed, by kernel name. */
struct unattributed_kernels {
    std::string name;  /**< Kernel name. */
    double count = 0;  /**< Kernels, per pass. */
    double time_s = 0; /**< Their time, per pass. */
};

/** The comparison of one model with one trace. */
struct validation_result {
    attribution method = attribution::automatic; /**< The method used. */
    std::string method_note;                     /**< Why it was chosen, in words. */
    double passes = 1;                           /**< Passes the measured times are divided by. */
    std::vector<node_comparison> rows;           /**< In predicted execution order (unpredicted rows last). */
    error_statistics per_node;                   /**< Over rows with measured time. */
    std::vector<op_type_comparison> by_op_type;  /**< Largest measured time first. */
    double predicted_s = 0;                      /**< The model's predicted GPU time (Σ kernels). */
    double measured_s = 0;                       /**< Σ measured kernel time per pass, attributed or not. */
    double attributed_s = 0;                     /**< Of which attributed to a node. */
    double unattributed_s = 0;                   /**< Of which not. */
    double model_error = 0;                      /**< (predicted − measured) / measured (0 when nothing measured). */
    std::size_t predicted_kernels = 0;           /**< Kernels predicted. */
    double measured_kernels = 0;                 /**< Kernels measured, per pass. */
    double attributed_kernels = 0;               /**< Of which attributed, per pass. */
    std::size_t rows_not_measured = 0;           /**< Rows with predicted kernels but no measured time. */
    std::vector<unattributed_kernels> unattributed; /**< Largest time first. */
    double memcpy_s = 0;                            /**< Memcpy time per pass (not modelled, not in measured_s). */
    double memset_s = 0;                            /**< Memset time per pass (likewise). */
};

/**
 * Compares an analysed model's prediction (`p` from predict_latency on `m`) with a trace.
 * Throws usage_error when `o.window` names no range in the trace or o.passes < 0.
 * @code auto v = ridgeline::validate(m, lat, t, {.method = ridgeline::attribution::ranges}); @endcode
 */
validation_result validate(const model_cost& m, const latency_prediction& p, const trace& t,
                           const validate_options& o = {});

}  // namespace ridgeline
