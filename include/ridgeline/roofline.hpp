/**
 * @file roofline.hpp
 * Rooflines and the first-order latency estimate: for each kernel, compute time at the device's
 * ceiling for its class (tensor-core peak for matmul-class FLOPs in the chosen precision, the
 * CUDA-core/SIMD peak for vector and special FLOPs) and memory time at DRAM bandwidth; predicted
 * time = max of the two (never below the measured minimum kernel duration when the spec has one);
 * the bound is whichever is larger. Attainable performance = min(peak, intensity × bandwidth), so
 * a point is never above its roofline. Measured ceilings (spec `measured`) replace datasheet peaks
 * when present. The calibrated cost model (achievable ceilings, wave quantisation, fusion) builds
 * on this in a later layer.
 *
 * @code
 * auto pred = ridgeline::predict(model, ridgeline::load_hw("h100-sxm"), ridgeline::dtype::f16);
 * std::cout << pred.total_time_s * 1e3 << " ms, " << pred.memory_bound_kernels << " memory-bound\n";
 * @endcode
 */
#pragma once

#include "ridgeline/analysis.hpp"
#include "ridgeline/hardware.hpp"

#include <map>
#include <string>
#include <vector>

namespace ridgeline {

/** What limits a kernel. */
enum class bound_kind { none, memory, compute };

/** "memory", "compute" or "none". */
std::string_view bound_name(bound_kind b) noexcept;

/** The ceilings used for one precision on one device. */
struct ceilings {
    std::string matmul_key;           /**< Spec key of the matmul ceiling, e.g. "fp16_tensor". */
    double matmul_flops_per_s = 0;    /**< Matmul-class ceiling. */
    std::string vector_key;           /**< Spec key of the vector ceiling, e.g. "fp32". */
    double vector_flops_per_s = 0;    /**< Vector/special ceiling. */
    double bandwidth_bytes_per_s = 0; /**< DRAM bandwidth. */
    double min_kernel_s = 0;          /**< Minimum kernel duration (0 when unknown). */
    bool measured = false;            /**< True when any measured ceiling was used. */
    bool matmul_measured = false;     /**< The matmul ceiling is the spec's measured rate. */
    bool vector_measured = false;     /**< The vector ceiling is the spec's measured FMA rate. */
    bool bandwidth_measured = false;  /**< The bandwidth is the spec's measured copy bandwidth. */
    /** Ridge point of the matmul roof: FLOPs per byte where memory and compute times are equal. */
    [[nodiscard]] double ridge_point() const { return matmul_flops_per_s / bandwidth_bytes_per_s; }
};

/**
 * Ceilings of `hw` for computing in `precision` (fp32, tf32 via `use_tf32`, fp16, bf16, fp8,
 * int8). Throws spec_error naming the missing key.
 */
ceilings ceilings_for(const hw_spec& hw, dtype precision, bool use_tf32 = false);

/**
 * The datasheet ridge point of every peak a spec lists: `ceilings::ridge_point()` of that peak
 * against the datasheet DRAM bandwidth, in FLOP per byte, keyed like `peak_tflops` (empty when the
 * spec gives no bandwidth).
 * @code double r = ridgeline::ridge_points(ridgeline::load_hw("h100-sxm")).at("fp16_tensor"); @endcode
 */
std::map<std::string, double> ridge_points(const hw_spec& hw);

/** Attainable FLOP/s at an operational intensity: min(peak, intensity × bandwidth). */
double attainable_flops(double intensity, double peak_flops_per_s, double bandwidth_bytes_per_s);

/** One layer on the roofline. */
struct layer_prediction {
    double compute_s = 0;                /**< FLOPs at the ceilings. */
    double memory_s = 0;                 /**< Bytes at DRAM bandwidth. */
    double time_s = 0;                   /**< max(compute, memory), at least the minimum kernel time. */
    bound_kind bound = bound_kind::none; /**< Which term dominates (none: no kernel). */
    double attainable_flops_per_s = 0;   /**< Roofline value at the layer's intensity. */
};

/** A model on a device. */
struct model_prediction {
    ceilings roof;                          /**< Ceilings used. */
    std::vector<layer_prediction> layers;   /**< Parallel to model_cost::layers. */
    double total_time_s = 0;                /**< Sum over kernels (what summed kernel durations measure). */
    double compute_s = 0;                   /**< Sum of compute terms. */
    double memory_s = 0;                    /**< Sum of memory terms. */
    bound_kind bound = bound_kind::none;    /**< Model bound: the larger share of predicted time. */
    std::int64_t memory_bound_kernels = 0;  /**< Kernels bound by memory. */
    std::int64_t compute_bound_kernels = 0; /**< Kernels bound by compute. */
};

/** Predicts every kernel of an analysed model. */
model_prediction predict(const model_cost& m, const hw_spec& hw, dtype precision, bool use_tf32 = false);

}  // namespace ridgeline
