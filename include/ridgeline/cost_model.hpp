/**
 * @file cost_model.hpp
 * The analytic latency model, aimed at what really runs on a GPU rather than at datasheet peaks:
 *
 * - **Kernels as an eager framework launches them** (PyTorch eager with cuDNN and cuBLAS): each
 *   operator's eager kernel rule in the registry (convolutions by shape and precision, with the
 *   NCHW↔NHWC conversions cuDNN runs around half-precision tensor-core kernels; GEMM views of
 *   MatMul/Gemm; multi-kernel batch norm in half precision; views that launch nothing), plus the
 *   patterns frameworks run as one kernel (GELU written with Erf, SiLU, nn.Linear's MatMul + bias,
 *   attention from scaled_dot_product_attention) and the batch norms exporters folded into
 *   convolutions. Fused mode also merges elementwise chains into their producer.
 * - **Efficiency curves per kernel class and precision**, from the spec's `measured.efficiency`
 *   section (fitted to single-operator microbenchmarks by `ridgeline calibrate`; derived from the
 *   nearest calibrated device for the others): tiled classes run whole waves of GEMM tiles at a
 *   fraction of the matmul ceiling that falls for small tiles and short K loops; streaming classes
 *   reach a fraction of the bandwidth that rises with the size that matters for them (row length,
 *   plane size …); every kernel pays its class's fixed cost.
 * - **L2 residency**: LRU reuse distances over the kernel sequence of a repeated forward pass;
 *   hits move at the L2 bandwidth, misses at the DRAM bandwidth.
 * - Model GPU time = Σ kernels (what summed CUPTI kernel durations measure); host launch overhead
 *   is reported apart for wall-clock estimates.
 * - `calibrate` (whole-model scales) stays for users' own measurements; the built-in curves are
 *   never fitted to whole-model timings.
 *
 * @code
 * auto lat = ridgeline::predict_latency(g, m, ridgeline::load_hw("h100-sxm"), ridgeline::dtype::f16);
 * std::cout << lat.gpu_time_s * 1e3 << " ms over " << lat.kernels.size() << " kernels\n";
 * @endcode
 */
#pragma once

#include "ridgeline/analysis.hpp"
#include "ridgeline/hardware.hpp"
#include "ridgeline/roofline.hpp"

#include <string>
#include <vector>

namespace ridgeline {

/** The model's free parameters. Defaults are assumptions stated here, not fits. */
struct cost_model_params {
    double matmul_scale = 1.0;     /**< Multiplies matmul-class compute time (calibrated). */
    double vector_scale = 1.0;     /**< Multiplies vector/special compute time (calibrated). */
    double memory_scale = 1.0;     /**< Multiplies memory time (calibrated). */
    double kernel_fixed_s = -1;    /**< Fixed cost per kernel; < 0: each class's curve. */
    double launch_overhead_s = -1; /**< Host cost per launch; < 0: the spec's measured figure, else 5 µs. */
    bool fused = false;            /**< Compiler mode: elementwise chains fuse into producers. */
    bool use_tf32 = false;         /**< fp32 matmul-class work on tf32 tensor cores. */
    bool quantise = true;          /**< Tile/wave quantisation of matmul-class work. */
    /**
     * Eager frameworks keep NCHW tensors, while half-precision tensor-core convolutions run in
     * NHWC: cuDNN converts the input, the filter and the output around such convolutions (the
     * Conv rule in lib/ops/linear.cpp says which). Off (and in fused mode) they are left out.
     */
    bool nchw_conversions = true;
    /** Batch norms an exporter folded into convolutions run as their own kernels (eager mode). */
    bool eager_batchnorm = true;
};

/** Default efficiencies applied to datasheet peaks when the spec has no measured ceiling. */
struct default_efficiency {
    static constexpr double matmul = 0.75;    /**< cuBLAS-class GEMMs reach ~70–80% of peak. */
    static constexpr double vector = 0.7;     /**< Elementwise arithmetic rate. */
    static constexpr double bandwidth = 0.85; /**< Copy kernels reach ~85–90% of DRAM peak. */
    static constexpr double special_cost = 4; /**< One special-function evaluation = 4 FMA slots (SFU rate is ¼). */
};

/** One predicted kernel (or `launches` identical ones). */
struct kernel_prediction {
    std::vector<std::size_t> layers;              /**< Indices into model_cost::layers it covers. */
    std::string name;                             /**< First layer's name ("/NchwToNhwc" … for extra kernels). */
    std::string label;                            /**< op_type, or the pattern ("Linear", "Gelu", "Attention" …). */
    kernel_class cls = kernel_class::elementwise; /**< The efficiency curve that timed it. */
    std::int64_t launches = 1;                    /**< Identical kernels (one per group …). */
    std::int64_t flops = 0;                       /**< All FLOPs (every launch). */
    std::int64_t bytes = 0;                       /**< Bytes moved (every launch). */
    double dram_bytes = 0;                        /**< Of those, from or to DRAM (the rest hit in L2). */
    double matmul_s = 0;                          /**< Tiled compute time per launch (after quantisation). */
    double vector_s = 0;                          /**< CUDA-core compute time per launch. */
    double memory_s = 0;                          /**< Memory time per launch. */
    double fixed_s = 0;                           /**< Fixed cost per launch. */
    double waves = 0;                             /**< Waves of tiles (tiled classes). */
    double time_s = 0;                            /**< Predicted duration of all launches. */
    bound_kind bound = bound_kind::none;          /**< Dominant term. */
};

/** A model's predicted latency. */
struct latency_prediction {
    ceilings achievable;                    /**< Achievable ceilings used (before scales). */
    cost_model_params params;               /**< Parameters used (resolved). */
    std::vector<kernel_prediction> kernels; /**< In execution order. */
    std::vector<double> layer_time_s;       /**< Per model_cost::layers entry (kernel time split by FLOPs/bytes). */
    double gpu_time_s = 0;                  /**< Σ kernel durations. */
    double launch_s = 0;                    /**< Host launch overhead: launches × per-launch cost. */
    std::int64_t launches = 0;              /**< Kernel launches (Σ kernels' launches). */
    std::string curves;                     /**< Where the efficiency curves came from (spec, derived, built-in). */
    double wall_time_s = 0;                 /**< max(GPU time, launch time): host and device overlap. */
    bound_kind bound = bound_kind::none;    /**< Where most predicted time goes. */
};

/** Predicts the latency of an analysed model (`m` from `analyze(g, …)` on the same bound graph). */
latency_prediction predict_latency(const graph& g, const model_cost& m, const hw_spec& hw, dtype precision,
                                   const cost_model_params& params = {});

/**
 * The GPU time a prediction made with unit scales takes under other parameters (calibrated
 * scales and fixed cost): Σ launches × (max(matmul·s_m + vector·s_v, memory·s_b) + fixed).
 * @code double t = ridgeline::rescaled_gpu_time_s(unit_prediction, calibrate(samples, {})); @endcode
 */
double rescaled_gpu_time_s(const latency_prediction& unit_scales, const cost_model_params& params);

/** One measured model time, for calibration. */
struct timing_sample {
    latency_prediction prediction; /**< The model's prediction with unit scales. */
    double measured_s = 0;         /**< Measured summed kernel time. */
};

/**
 * Fits matmul/vector/memory scales and the fixed per-kernel cost to measured times by
 * non-negative least squares on relative error (each sample weighs the same), re-deciding each
 * kernel's bound with the new scales until stable. Returns the fitted parameters.
 * @code auto fitted = ridgeline::calibrate(samples, {}); @endcode
 */
cost_model_params calibrate(const std::vector<timing_sample>& samples, const cost_model_params& start);

}  // namespace ridgeline
