// Private to lib/cost: the pieces of the latency model. Kernel formation turns a graph into the
// kernels an eager framework launches (formation.cpp); residency works out which tensor accesses
// hit in L2 (residency.cpp); the efficiency curves time each kernel (timing.cpp). predict_latency
// (latency.cpp) and calibration from microbenchmarks (calibrate.cpp) use the same three steps.
#pragma once

#include "ridgeline/cost_model.hpp"

#include <string>
#include <vector>

namespace ridgeline::cost {

/** A kernel the framework launches, with the layers it covers. */
struct planned_kernel {
    std::vector<std::size_t> layers; /**< Indices into model_cost::layers. */
    std::string name;                /**< Display name (node name, "/NchwToNhwc" for extra kernels). */
    std::string label;               /**< op_type or pattern ("Gelu", "Linear", "Attention"). */
    std::int32_t node = -1;          /**< First node (scratch buffers are local to it). */
    kernel_spec spec;                /**< Class, GEMM view, FLOPs and traffic (per launch). */
};

/** How kernels form. */
struct formation_options {
    dtype precision = dtype::f32; /**< Compute precision (f32 also for tf32). */
    bool fused = false;           /**< Elementwise chains join their producer's kernel. */
    bool eager_batchnorm = true;  /**< Batch norms the exporter folded into convolutions run apart. */
};

/** The kernels of an analysed graph, in execution order. */
std::vector<planned_kernel> form_kernels(const graph& g, const model_cost& m, const formation_options& o);

/** The device as the curves see it: ceilings for one precision and its curves. */
struct device_model {
    double matmul_flops_per_s = 0; /**< Measured (or peak × default efficiency) matmul rate. */
    double vector_flops_per_s = 0; /**< CUDA-core rate. */
    double dram_bytes_per_s = 0;   /**< DRAM copy bandwidth. */
    double l2_bytes_per_s = 0;     /**< L2 copy bandwidth. */
    double l2_bytes = 0;           /**< L2 capacity (0: no residency modelled). */
    std::int64_t sms = 0;          /**< Streaming multiprocessors (0: no wave quantisation). */
    bool tensor_tiles = false;     /**< Tensor-core tile shapes (half precision, tf32) rather than SIMT ones. */
    bool quantise = true;          /**< Tile/wave quantisation on. */
    double l2_resident_fraction = 0.5;
    double l2_evicted_fraction = 0.9;
    std::map<kernel_class, efficiency_curve> curves; /**< Per class. */
};

/**
 * Achievable ceilings for `precision`: the spec's measured figures, else datasheet peaks times the
 * default efficiencies (cost_model.hpp, default_efficiency).
 */
ceilings achievable_ceilings(const hw_spec& hw, dtype precision, bool tf32);

/** The resolved device for `precision` (curves from the spec or built-in defaults). */
device_model make_device(const hw_spec& hw, dtype precision, bool tf32, const ceilings& roof);

/** The built-in curves used when a spec has none (datasheet-only devices that nothing derives for). */
std::map<kernel_class, efficiency_curve> default_curves();

/** Per traffic access of each kernel: reuse distances in bytes (backward for reads, forward for writes). */
struct access_distances {
    std::vector<std::vector<double>> bytes; /**< [kernel][access]; infinity when cold. */
};

/**
 * Reuse distances of every access in steady state: the kernel sequence is run three times (as a
 * benchmark loop repeats a forward pass) and the middle pass is kept. A read's distance is the
 * bytes of distinct tensors touched since the tensor was last touched, plus its own size; a
 * write's is the same towards its next access.
 */
access_distances reuse_distances(const std::vector<planned_kernel>& kernels);

/** One kernel's timing (per launch). */
struct kernel_timing {
    double tiled_s = 0;    /**< Tiled compute (GEMM / conv classes). */
    double vector_s = 0;   /**< CUDA-core compute (streaming classes). */
    double memory_s = 0;   /**< Memory at the residency's bandwidths. */
    double fixed_s = 0;    /**< The class's fixed cost. */
    double waves = 0;      /**< Tile waves (tiled classes). */
    double dram_bytes = 0; /**< Bytes that came from or went to DRAM. */
    /** fixed + max(compute, memory). */
    [[nodiscard]] double time_s() const { return fixed_s + std::max(tiled_s + vector_s, memory_s); }
};

/** Times one kernel with its class's curve; `distances` are its accesses' reuse distances. */
kernel_timing time_kernel(const kernel_spec& k, const std::vector<double>& distances, const device_model& d);

/** Special-function cost in vector FMA slots (SFU throughput is a quarter of the FMA rate). */
constexpr double special_cost = 4;

}  // namespace ridgeline::cost
