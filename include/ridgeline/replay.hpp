/**
 * @file replay.hpp
 * Per-node replay: runs every node of a shape-inferred graph on its own, with the inferred shapes and
 * element types, and measures each one. On the GPU (CUDA builds) Gemm/MatMul run through cuBLASLt,
 * convolutions through cuDNN, and everything else through ridgeline's own CUDA kernels; each node's
 * kernels carry its index as their CUPTI external correlation id, so the trace says exactly which
 * node launched what. Each node is warmed up and repeated; its time is the median repetition. The
 * result feeds `validate` (validate.hpp) with `attribution::external_id`.
 *
 * The same executor runs on the host (plain C++ loops, no CUDA needed): `run_graph` with
 * `replay_backend::host` computes a graph's outputs from given inputs, which is how the kernels are
 * checked against ONNX's backend node tests in every build; `replay_backend::gpu` runs the same
 * nodes through the GPU path.
 *
 * Data: inputs and weights are synthesised (uniform random floats in [-1, 1); integer inputs in
 * range of the axis they index), small tensors the shape engine knows are uploaded as they are, so
 * weightless graphs replay. Pure views (Reshape, Squeeze …) launch nothing, and nodes the analysis
 * folded into constants are not run, as in the cost model. A node the executor cannot run is listed
 * with its predicted time, never dropped; `replay_plan::coverage()` is the share of predicted time
 * the replay covers.
 *
 * Without CUDA the GPU calls answer `measure_code::not_supported`, without a GPU `no_device`.
 *
 * @code
 * auto g = ridgeline::load_onnx("resnet50.onnx");
 * ridgeline::infer_shapes(g, {.batch = 32});
 * auto m = ridgeline::analyze(g);
 * auto p = ridgeline::predict_latency(g, m, ridgeline::load_hw("h100-sxm"), ridgeline::dtype::f32);
 * auto r = ridgeline::replay_model(g, m, p);
 * if (!r.status) std::cerr << r.status.message << '\n';
 * else std::cout << r.measured_s * 1e3 << " ms replayed, " << 100 * r.plan.coverage() << "% covered\n";
 * @endcode
 */
#pragma once

#include "ridgeline/analysis.hpp"
#include "ridgeline/cost_model.hpp"
#include "ridgeline/graph.hpp"
#include "ridgeline/measure.hpp"

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace ridgeline {

/** What the replay does with one analysed node. */
enum class replay_step {
    kernel,     /**< Runs (cuBLASLt, cuDNN or ridgeline's kernels). */
    view,       /**< Pure view: output aliases the input, nothing launched. */
    folded,     /**< Computed at analysis time (constant): nothing launched. */
    control,    /**< Control flow (If/Loop/Scan): not replayed, its predicted time is uncovered. */
    unsupported /**< The executor has no implementation (or not for these attributes/types). */
};

/** "kernel", "view", "folded", "control" or "unsupported". */
std::string_view replay_step_name(replay_step step) noexcept;

/** One node of a replay plan. */
struct replay_node_plan {
    std::size_t layer = 0;                  /**< Index into model_cost::layers. */
    std::int32_t node = -1;                 /**< Index into graph::nodes. */
    std::string name;                       /**< Node display name. */
    std::string op_type;                    /**< Operator. */
    replay_step step = replay_step::kernel; /**< What the replay does. */
    std::string backend;                    /**< "cublasLt", "cudnn" or "ridgeline" (kernels only). */
    std::string reason;                     /**< Why it is not run (unsupported/control). */
    double predicted_s = 0;                 /**< The cost model's time for this layer. */
};

/**
 * Which nodes a replay runs, and how much predicted time that covers.
 * @code auto plan = ridgeline::plan_replay(g, m, p); std::cout << 100 * plan.coverage() << "%\n"; @endcode
 */
struct replay_plan {
    std::vector<replay_node_plan> nodes;    /**< In the analysis' order (topological). */
    double predicted_s = 0;                 /**< Σ predicted layer time. */
    double covered_predicted_s = 0;         /**< Of which on nodes that run. */
    std::map<std::string, int> unsupported; /**< Operator → nodes not run (unsupported or control). */
    /** covered / predicted (1 when nothing is predicted). */
    [[nodiscard]] double coverage() const noexcept { return predicted_s > 0 ? covered_predicted_s / predicted_s : 1.0; }
};

/**
 * Plans the replay of an analysed graph (`m` from analyze on `g`, `p` from predict_latency on
 * both). Needs no GPU. @code auto plan = ridgeline::plan_replay(g, m, p); @endcode
 */
replay_plan plan_replay(const graph& g, const model_cost& m, const latency_prediction& p);

/**
 * True when the executor has an implementation for the node's operator (attributes and types are
 * checked when it runs). @code if (!ridgeline::replay_supports(n)) … @endcode
 */
[[nodiscard]] bool replay_supports(const node& n);

/** The backend that runs a supported operator: "cublasLt", "cudnn" or "ridgeline". */
[[nodiscard]] std::string_view replay_backend_of(const node& n);

/** How a replay runs. @code ridgeline::replay_options o{.repeats = 20}; @endcode */
struct replay_options {
    int device = 0;          /**< CUDA device index. */
    int warmup = 2;          /**< Untimed runs of each node first. */
    int repeats = 7;         /**< Timed runs of each node; the median is kept. */
    std::uint64_t seed = 1;  /**< Seed of the synthesised data. */
    bool allow_tf32 = false; /**< fp32 matmuls and convolutions may use TF32 tensor cores (--dtype tf32). */
    bool flush_l2 =
        true; /**< Evict the L2 before each repetition (inputs come from DRAM, as the cost model assumes). */
};

/** One node's replayed time. */
struct replay_node_timing {
    std::size_t layer = 0;   /**< Index into model_cost::layers. */
    std::int32_t node = -1;  /**< Index into graph::nodes. */
    std::string name;        /**< Node display name. */
    std::string op_type;     /**< Operator. */
    std::string backend;     /**< "cublasLt", "cudnn" or "ridgeline". */
    double predicted_s = 0;  /**< The cost model's time. */
    double measured_s = 0;   /**< Median over repetitions of the summed kernel time of one run. */
    double min_s = 0;        /**< Fastest repetition. */
    double max_s = 0;        /**< Slowest repetition. */
    std::size_t kernels = 0; /**< Kernels one run launches (median repetition). */
};

/** A replay: the plan as carried out, per-node times, and the median repetitions as a trace. */
struct replay_result {
    measure_status status;                 /**< not_supported / no_device / error, or ok. */
    std::string device_name;               /**< check_gpu's description of the device. */
    replay_plan plan;                      /**< As carried out (nodes that failed to run are unsupported). */
    std::vector<replay_node_timing> nodes; /**< Nodes that ran, in execution order. */
    trace median_trace;                    /**< Each node's median repetition; external_id = node index. */
    double measured_s = 0;                 /**< Σ median node times. */
    int warmup = 0;                        /**< Warm-up runs per node. */
    int repeats = 0;                       /**< Timed runs per node. */
};

/**
 * Replays a model on the GPU (see the file comment). Errors of the GPU or the executor are a
 * status, never an exception; bad input (an unbound shape) throws like analyze does.
 * @code auto r = ridgeline::replay_model(g, m, p, {.repeats = 11}); @endcode
 */
replay_result replay_model(const graph& g, const model_cost& m, const latency_prediction& p,
                           const replay_options& o = {});

/**
 * Runs every planned node once on the host executor with synthesised data (no GPU, no timing): the
 * plan as carried out, where nodes the executor turned out not to handle are `unsupported` with
 * the reason. Slow for large models (plain loops); meant for checks in builds without a GPU.
 * @code auto plan = ridgeline::replay_dry_run(g, m, p); CHECK(plan.coverage() > 0.99); @endcode
 */
replay_plan replay_dry_run(const graph& g, const model_cost& m, const latency_prediction& p,
                           const replay_options& o = {});

/** Most runs (warm-up + repetitions) a node may have: the repetition takes 12 bits of its id. */
inline constexpr int replay_max_runs = 4095;

/** External id of run `rep` of node `node` in a replay's trace: `node << 12 | rep`. */
constexpr std::uint64_t replay_external_id(std::int32_t node, int rep) {
    return (static_cast<std::uint64_t>(node) << 12) | static_cast<std::uint64_t>(rep);
}

/** External id of a replay's setup work (data synthesis, uploads, L2 eviction): not a node's. */
inline constexpr std::uint64_t replay_setup_id = ~std::uint64_t{0};

/**
 * Turns the trace of a replay run into timings: records are grouped by their external id
 * (replay_external_id; setup work and untagged records ignored), runs below `r.warmup` dropped,
 * each kernel node of `r.plan` gets the median of its `r.repeats` runs (the lower middle for an
 * even count; a run without records counts as 0) with min and max, and that run's records —
 * memcpy/memset as kernels, since they are the node's device work, ids set to the node index —
 * form `r.median_trace`. Fills r.nodes, r.median_trace and r.measured_s. When the plan has kernel
 * nodes but no timed run of any of them has a record, sets r.status to `error` saying what the trace
 * held instead (no record at all, or records without a node's id): a replay that recorded nothing
 * is an error, never a time of zero.
 * @code ridgeline::collect_replay_timings(tracer.take(), result); @endcode
 */
void collect_replay_timings(const trace& t, replay_result& r);

// ---------------------------------------------------------------------------------------------
// Running a graph on given data (correctness)
// ---------------------------------------------------------------------------------------------

/** A dense row-major tensor in host memory. @code host_tensor t{dtype::f32, {2, 3}, {}}; @endcode */
struct host_tensor {
    dtype type = dtype::undefined;  /**< Element type. */
    std::vector<std::int64_t> dims; /**< Shape. */
    std::vector<std::byte> bytes;   /**< Elements (bool and 8-bit types one byte each). */
    /** Product of dims (1 for a scalar). */
    [[nodiscard]] std::int64_t element_count() const noexcept;
};

/** Where run_graph executes. */
enum class replay_backend { host, gpu };

/** run_graph's answer. */
struct graph_run {
    measure_status status;            /**< ok, or why nothing was computed. */
    std::vector<host_tensor> outputs; /**< One per graph output, in order. */
    std::vector<std::string> skipped; /**< Nodes not run (unsupported: "op 'X': why"). */
};

/**
 * Computes a shape-inferred graph's outputs from `inputs` (one per graph::inputs entry, in order)
 * with the replay executor. An unsupported node makes the status `error` naming it.
 * @code auto out = ridgeline::run_graph(g, {x}, ridgeline::replay_backend::host); @endcode
 */
graph_run run_graph(const graph& g, const std::vector<host_tensor>& inputs, replay_backend backend,
                    const replay_options& o = {});

}  // namespace ridgeline
