/**
 * @file cost_model.hpp
 * The analytic latency model, aimed at what really runs on a GPU rather than at datasheet peaks:
 *
 * - **Kernels**: one per node in the default eager mode, except pure views and folded nodes (no
 *   kernel) and the composite patterns exporters spell out node by node that frameworks run as one
 *   kernel (GELU written with Erf, SiLU as x·sigmoid(x), attention as MatMul → scale/mask →
 *   Softmax → MatMul). Fused mode also merges elementwise chains into their producer.
 * - **Ceilings**: achievable rather than peak — the spec's `measured` figures when present
 *   (matmul rate per precision, copy bandwidth, minimum kernel time), else datasheet peaks times
 *   default efficiencies (`cost_model_params`).
 * - **Matmul-class work** is tiled: conv as implicit GEMM (M = N·OH·OW, N = Cout/g, K = Cin/g·kh·kw,
 *   g GEMMs), MatMul/Gemm/Einsum as (batched) GEMM; tiles = batch·⌈M/tm⌉·⌈N/tn⌉, waves =
 *   ⌈tiles / (SMs × resident tiles per SM)⌉, and the kernel pays for whole waves. The tile shape
 *   (of three CUTLASS-like shapes) and the split-K factor are the ones that finish first, as a
 *   library heuristic would.
 *   Half-precision tensor-core work whose K or N is not a multiple of 8 runs at half rate.
 * - **Per kernel**: time = max(compute, memory) + a fixed per-kernel cost (ramp-up and tail; the
 *   measured minimum kernel duration). Model GPU time = Σ kernels (what summed CUPTI kernel
 *   durations measure); host launch overhead is reported apart for wall-clock estimates.
 * - **Calibration**: `calibrate` fits the per-class scale factors and the fixed per-kernel cost
 *   to measured model times by non-negative least squares (Eigen), for users' own measurements.
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
    double kernel_fixed_s = -1;    /**< Fixed cost per kernel; < 0: the spec's measured minimum kernel
                                        time, else 2 µs on GPUs and 0 elsewhere. */
    double launch_overhead_s = -1; /**< Host cost per launch; < 0: the spec's measured figure, else 5 µs. */
    bool fused = false;            /**< Compiler mode: elementwise chains fuse into producers. */
    bool use_tf32 = false;         /**< fp32 matmul-class work on tf32 tensor cores. */
    bool quantise = true;          /**< Tile/wave quantisation of matmul-class work. */
    /**
     * Eager frameworks keep NCHW tensors, while half-precision tensor-core convolutions run in
     * NHWC: cuDNN converts the input and the output around each such Conv (two extra kernels,
     * each reading and writing the tensor — seen in the calibration sample's kernel counts, which
     * roughly double from fp32 to fp16 for CNNs). Off for compiled/fused deployments.
     */
    bool nchw_conversions = true;
};

/** Default efficiencies applied to datasheet peaks when the spec has no measured ceiling. */
struct default_efficiency {
    static constexpr double matmul = 0.75;    /**< cuBLAS-class GEMMs reach ~70–80% of peak. */
    static constexpr double vector = 0.7;     /**< Elementwise arithmetic rate. */
    static constexpr double bandwidth = 0.85; /**< Copy kernels reach ~85–90% of DRAM peak. */
    static constexpr double special_cost = 4; /**< One special-function evaluation = 4 FMA slots (SFU rate is ¼). */
};

/** One predicted kernel. */
struct kernel_prediction {
    std::vector<std::size_t> layers;     /**< Indices into model_cost::layers it covers. */
    std::string name;                    /**< First layer's name. */
    std::string label;                   /**< op_type, or the pattern ("Attention", "Gelu", "SiLU"). */
    std::int64_t flops = 0;              /**< All FLOPs of its layers. */
    std::int64_t bytes = 0;              /**< Bytes crossing the kernel's boundary. */
    double matmul_s = 0;                 /**< Matmul-class compute time (after quantisation). */
    double vector_s = 0;                 /**< Vector/special compute time. */
    double memory_s = 0;                 /**< Memory time. */
    double waves = 0;                    /**< Waves of tiles (matmul-class kernels). */
    double time_s = 0;                   /**< Predicted duration. */
    bound_kind bound = bound_kind::none; /**< Dominant term. */
};

/** A model's predicted latency. */
struct latency_prediction {
    ceilings achievable;                    /**< Achievable ceilings used (before scales). */
    cost_model_params params;               /**< Parameters used (resolved). */
    std::vector<kernel_prediction> kernels; /**< In execution order. */
    std::vector<double> layer_time_s;       /**< Per model_cost::layers entry (kernel time split by FLOPs/bytes). */
    double gpu_time_s = 0;                  /**< Σ kernel durations. */
    double launch_s = 0;                    /**< Host launch overhead: kernels × per-launch cost. */
    double wall_time_s = 0;                 /**< max(GPU time, launch time): host and device overlap. */
    bound_kind bound = bound_kind::none;    /**< Where most predicted time goes. */
};

/** Predicts the latency of an analysed model (`m` from `analyze(g, …)` on the same bound graph). */
latency_prediction predict_latency(const graph& g, const model_cost& m, const hw_spec& hw, dtype precision,
                                   const cost_model_params& params = {});

/**
 * The GPU time a prediction made with unit scales takes under other parameters (calibrated
 * scales and fixed cost): Σ max(matmul·s_m + vector·s_v, memory·s_b) + fixed, per kernel.
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
