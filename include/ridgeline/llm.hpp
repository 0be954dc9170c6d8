/**
 * @file llm.hpp
 * LLM serving estimates from a decoder graph exported with a KV cache (cost layer, `lib/cost`):
 * time to first token, time per generated token, tokens/s at a batch, KV-cache and total memory,
 * and the largest batch that fits a device. Everything goes through the one pipeline
 * (pipeline.hpp: load → infer → analyse → predict) with the same cost rules and efficiency curves
 * as every other prediction; nothing here is fitted to LLM timings.
 *
 * - **The cache is found in the graph** (`find_kv_cache`): floating graph inputs with a symbolic
 *   sequence axis whose names say past/cache/key/value (`past_key_values.0.key`, `past_key.3`,
 *   `past_0_value` …) or that an attention Concat extends into a graph output (`present.*`). Layers,
 *   KV heads and head size come from their shapes and names; grouped-query attention (fewer KV
 *   heads than query heads) needs nothing special. The symbols to bind — batch, new tokens, past
 *   tokens, total tokens — come from the same inputs and from the token input (`input_ids`).
 * - **Prefill** binds `sequence = prompt`, `past_sequence = 0` (zero-length cache tensors are
 *   fine); **decode** binds `sequence = 1`, `past_sequence = context`: one predicted step each.
 * - **Generation** of N tokens: the prefill (which yields the first token), then N − 1 decode steps
 *   over the growing context, each step predicted in full (or, when `generation_samples` is set,
 *   a few steps sampled and integrated by the trapezoid rule).
 * - **Memory**: weights, the KV cache (2 × layers × kv_heads × head_dim × element size per token,
 *   summed exactly over the cache tensors), and what else is live at the decode step's peak
 *   (analysis.hpp's liveness: eager PyTorch's torch.cat cache holds a layer's old and new cache at
 *   once). The largest batch is solved from that memory, which is linear in batch at decode.
 *
 * Errors: a graph without KV-cache inputs throws `model_error` naming the file and what was looked
 * for; a batch, prompt or context below 1 (or a negative generation length) throws `usage_error`
 * naming the option.
 *
 * @code
 * ridgeline::llm_request r;
 * r.path = "gpt2_decode.onnx";
 * r.hw = ridgeline::load_hw("h100-sxm");
 * r.prec = ridgeline::parse_precision("fp16");
 * r.batches = {1, 8};
 * r.contexts = {128, 1000};
 * auto e = ridgeline::estimate_llm(r);
 * for (const auto& p : e.points)
 *     std::cout << p.batch << " x " << p.context << ": " << p.decode.predicted_time_s * 1e3 << " ms/token\n";
 * @endcode
 */
#pragma once

#include "ridgeline/cost_model.hpp"
#include "ridgeline/graph.hpp"
#include "ridgeline/hardware.hpp"
#include "ridgeline/precision.hpp"
#include "ridgeline/roofline.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ridgeline {

/** One cache tensor of the graph: a past input and, when found, the present output it becomes. */
struct kv_tensor {
    std::string input;         /**< Graph input name, e.g. "past_key_values.0.key". */
    std::string output;        /**< The present output it is concatenated into ("" when not found). */
    std::int64_t layer = 0;    /**< Layer index (the number in the name, else the order). */
    char role = 'k';           /**< 'k' key, 'v' value, 'b' both (a stacked [2, …] tensor). */
    int sequence_axis = 2;     /**< Axis of the past tokens. */
    std::int64_t heads = 0;    /**< KV heads (1 when the tensor has no head axis). */
    std::int64_t head_dim = 0; /**< Last axis. */
    /** Elements per token per sequence: every axis but batch and the past-token axis. */
    std::int64_t elements_per_token = 0;
};

/**
 * The KV cache a decoder graph declares, and the symbols that bind its phases.
 * @code auto kv = ridgeline::find_kv_cache(g); if (kv) std::cout << kv->layers << " layers\n"; @endcode
 */
struct kv_cache_layout {
    std::vector<kv_tensor> tensors;  /**< Every cache input, in graph-input order. */
    std::int64_t layers = 0;         /**< Distinct layers. */
    std::int64_t kv_heads = 0;       /**< KV heads of the first layer's key. */
    std::int64_t head_dim = 0;       /**< Head size of the first layer's key. */
    std::int64_t query_heads = 0;    /**< Query heads seen by the first attention product (0: unknown until bound). */
    bool uniform = true;             /**< Every layer has the same heads and head size. */
    dtype stored_type = dtype::f32;  /**< Element type the file stores the cache in. */
    std::string batch_symbol;        /**< Symbol of the batch axis ("" when the batch is fixed). */
    std::int64_t fixed_batch = 0;    /**< The batch when fixed in the graph (0: symbolic). */
    std::string past_symbol;         /**< Symbol of the cached tokens, e.g. "past_sequence". */
    std::string sequence_symbol;     /**< Symbol of the new tokens, e.g. "sequence" ("" when fixed). */
    std::int64_t fixed_sequence = 0; /**< New tokens when fixed in the graph (0: symbolic). */
    std::string total_symbol; /**< Symbol of past + new tokens when the graph names one, e.g. "total_sequence". */
    std::string token_input;  /**< The input carrying the new tokens, e.g. "input_ids". */
    /** A [batch, tokens] mask input whose token axis is an expression ("past_sequence_length + 1",
        as optimum exports decoders with a cache): bound as [batch, past + new] by shape ("" when
        none, or when `total_symbol` binds it). */
    std::string mask_input;

    /**
     * KV-cache bytes per token of one sequence at `element_bytes` per element: the sum over the
     * cache tensors of their per-token elements (= 2 × layers × kv_heads × head_dim when uniform).
     * @code kv.bytes_per_token(2) == 2 * 12 * 12 * 64 * 2  // gpt2 in fp16 @endcode
     */
    [[nodiscard]] std::int64_t bytes_per_token(std::int64_t element_bytes) const;
    /** The symbol bindings of a phase: `batch` sequences of `new_tokens` over `past_tokens` cached.
     *  @code auto b = kv.bind(8, 1, 512);  // {batch: 8, sequence: 1, past_sequence: 512, total_sequence: 513} @endcode
     */
    [[nodiscard]] bindings bind(std::int64_t batch, std::int64_t new_tokens, std::int64_t past_tokens) const;
};

/**
 * Finds the KV cache of a loaded graph (shapes as the file declares them; no inference needed),
 * or nullopt when the graph has none.
 * @code auto kv = ridgeline::find_kv_cache(ridgeline::load_onnx("gpt2_decode.onnx")); @endcode
 */
std::optional<kv_cache_layout> find_kv_cache(const graph& g);

/**
 * `find_kv_cache`, or `model_error` naming the file, what was looked for and the inputs found.
 * @code auto kv = ridgeline::require_kv_cache(g);  // throws for resnet50.onnx @endcode
 */
kv_cache_layout require_kv_cache(const graph& g);

/** What to estimate. */
struct llm_request {
    std::string path;                     /**< ONNX decoder graph with a KV cache. */
    hw_spec hw;                           /**< The device. */
    precision prec;                       /**< Precision (as stored when empty). */
    std::vector<std::int64_t> batches{1}; /**< Batch sizes (sequences decoded together). */
    std::vector<std::int64_t> contexts;   /**< Cached tokens of the decode steps (empty: {prompt}). */
    std::int64_t prompt = 512;            /**< Prompt tokens (prefill). */
    std::int64_t gen = 128;               /**< Generated tokens (0: no generation estimate). */
    bindings extra;                       /**< Further symbols the graph needs. */
    cost_model_params params;             /**< Latency-model parameters. */
    /**
     * Decode steps predicted for the generation estimate: 0 predicts every step; k ≥ 2 predicts k
     * evenly spaced steps and integrates (trapezoid) over the others.
     */
    std::int64_t generation_samples = 0;
};

/** Where a phase's predicted time goes (seconds; they sum to the predicted time). */
struct llm_time_split {
    double weights_s = 0;     /**< Memory time of kernels spent reading weights. */
    double kv_cache_s = 0;    /**< Memory time spent reading and writing the KV cache. */
    double activations_s = 0; /**< Memory time spent on other activations. */
    double compute_s = 0;     /**< Kernels bound by compute. */
    double overhead_s = 0;    /**< Fixed per-kernel costs (launch latency, ramp-up, tails). */
    /** The largest part: "weights", "kv_cache", "activations", "compute" or "kernel_overhead". */
    [[nodiscard]] std::string limiter() const;
};

/** One predicted forward pass (the prefill, or one decode step). */
struct llm_phase {
    bindings symbols;                   /**< The bindings it was predicted at. */
    double predicted_time_s = 0;        /**< Σ kernel times (what summed CUPTI kernel time measures). */
    double wall_time_s = 0;             /**< With host launch overhead overlapped. */
    std::int64_t kernels = 0;           /**< Kernel launches. */
    std::int64_t flops = 0;             /**< FLOPs. */
    std::int64_t bytes = 0;             /**< Bytes moved (unfused counting). */
    std::int64_t weight_bytes_read = 0; /**< Of those, weights read. */
    std::int64_t kv_bytes_read = 0;     /**< The cache the attention reads: batch × (past + new) × bytes per token. */
    std::int64_t kv_traffic_bytes = 0;  /**< Bytes the graph's nodes move to and from cache tensors. */
    double operational_intensity = 0;   /**< FLOPs / bytes. */
    double achieved_flops_per_s = 0;    /**< FLOPs / predicted time. */
    double attainable_flops_per_s = 0;  /**< The roofline at that intensity (matmul roof). */
    bound_kind bound = bound_kind::none;    /**< Memory or compute: where most kernel time goes. */
    llm_time_split split;                   /**< What the time is spent on. */
    std::int64_t peak_activation_bytes = 0; /**< Live tensors at the peak (cache tensors included). */
    std::int64_t workspace_bytes = 0;       /**< Scratch estimate (analysis.hpp, inference_memory). */
};

/** Prefill plus N − 1 decode steps. */
struct llm_generation {
    std::int64_t tokens = 0;          /**< N generated tokens (the prefill yields the first). */
    double prefill_time_s = 0;        /**< Time to first token (kernel time, no host overhead). */
    double decode_time_s = 0;         /**< Σ decode steps over contexts prompt … prompt + N − 2. */
    double total_time_s = 0;          /**< Prefill + decode. */
    double tokens_per_s = 0;          /**< N / total, per sequence. */
    double batch_tokens_per_s = 0;    /**< batch × N / total. */
    double decode_tokens_per_s = 0;   /**< (N − 1) / decode time, per sequence (0 when N < 2). */
    std::int64_t steps_predicted = 0; /**< Decode steps actually predicted (N − 1 when every step). */
    std::string method;               /**< "every step" or "k sampled steps, trapezoid". */
};

/** Memory at a (batch, context) point. */
struct llm_memory {
    std::int64_t weights_bytes = 0;    /**< Parameters at the storage precision. */
    std::int64_t kv_cache_bytes = 0;   /**< batch × (context + 1) × bytes per token: the cache after the step. */
    std::int64_t activation_bytes = 0; /**< Everything else live at the decode step's peak, plus workspace. */
    std::int64_t total_bytes = 0;      /**< Sum of the three. */
    std::int64_t capacity_bytes = 0;   /**< The device's memory (0: the spec gives none). */
    /** Bytes that grow with every sequence added (per-batch slope of the total). */
    std::int64_t bytes_per_sequence = 0;
};

/** One (batch, context) point. */
struct llm_point {
    std::int64_t batch = 0;                   /**< Sequences. */
    std::int64_t context = 0;                 /**< Cached tokens of the decode step. */
    llm_phase prefill;                        /**< `prompt` tokens, empty cache. */
    llm_phase decode;                         /**< One token over `context` cached tokens. */
    double tokens_per_s = 0;                  /**< Decode tokens/s of one sequence: 1 / decode time. */
    double batch_tokens_per_s = 0;            /**< batch / decode time. */
    std::optional<llm_generation> generation; /**< When gen > 0. */
    llm_memory memory;                        /**< At this batch and context. */
    std::int64_t kv_cache_bytes = 0;          /**< batch × (prompt + gen) × bytes per token. */
    /** Largest batch whose decode-step memory at this context fits the device (0: not even one;
        empty: the spec gives no memory capacity). */
    std::optional<std::int64_t> max_batch;
};

/** The whole estimate. */
struct llm_estimate {
    std::string path;                    /**< The graph. */
    std::string hw_id;                   /**< The device's spec id. */
    std::string hw_name;                 /**< Its name. */
    std::string precision_name;          /**< "fp16", or "as stored". */
    std::int64_t element_bytes = 0;      /**< Bytes per cache element at that precision. */
    kv_cache_layout kv;                  /**< What the graph's cache looks like. */
    std::int64_t prompt = 0;             /**< Prompt tokens. */
    std::int64_t gen = 0;                /**< Generated tokens. */
    std::int64_t kv_bytes_per_token = 0; /**< Per sequence. */
    std::int64_t weights_bytes = 0;      /**< Parameters at the storage precision. */
    ceilings roof;                       /**< The device's roofline for this precision (matmul roof and DRAM). */
    std::vector<llm_point> points;       /**< One per (batch, context), batches outer. */
};

/**
 * Checks a request's numbers (usage_error naming the option: --batch, --context, --prompt, --gen).
 * @code ridgeline::check_llm_request(r); @endcode
 */
void check_llm_request(const llm_request& r);

/**
 * Loads `r.path` and estimates it (see the file comment).
 * @code auto e = ridgeline::estimate_llm(r); @endcode
 */
llm_estimate estimate_llm(const llm_request& r);

/**
 * The same on a graph already loaded (re-bound in place for every phase).
 * @code auto e = ridgeline::estimate_llm(ridgeline::load_onnx(r.path), r); @endcode
 */
llm_estimate estimate_llm(graph g, const llm_request& r);

}  // namespace ridgeline
