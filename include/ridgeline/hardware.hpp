/**
 * @file hardware.hpp
 * Hardware specs: one YAML (or JSON) file per device in `hwspecs/`, id = file name. Loading
 * validates every figure (units in the key names, positive and plausible values, known precision
 * names) and derives what follows from what was given (a CPU's peak from cores × clock × SIMD
 * lanes × FMA units × 2 × sockets; its DRAM bandwidth from channels × transfer rate × bus width ×
 * sockets), recording which figures were derived. Errors name the file and the key.
 *
 * @code
 * ridgeline::hw_spec h100 = ridgeline::load_hw("h100-sxm");
 * double ridge = h100.peak_tflops.at("fp16_tensor") * 1e12 / (h100.dram_bandwidth_gbps * 1e9);
 * @endcode
 */
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ridgeline {

/** Micro-architecture of a CPU, from which peaks can be derived. */
struct cpu_microarch {
    std::int64_t sockets = 0;                    /**< Sockets. */
    std::int64_t cores_per_socket = 0;           /**< Cores per socket. */
    double base_clock_ghz = 0;                   /**< Base clock. */
    double avx_clock_ghz = 0;                    /**< All-core AVX clock, when published (0 = unknown). */
    std::int64_t simd_width_bits = 0;            /**< 256 for AVX2, 512 for AVX-512. */
    std::int64_t fma_units_per_core = 0;         /**< FMA pipes per core. */
    std::int64_t memory_channels_per_socket = 0; /**< DRAM channels per socket. */
    std::int64_t memory_transfer_rate_mts = 0;   /**< DRAM transfer rate (MT/s). */
    std::int64_t memory_bus_width_bits = 0;      /**< Bits per channel (64 for DDR4). */
    /** Peak TFLOPS at element width `bits` (32 or 64): the textbook formula. */
    [[nodiscard]] double peak_tflops(int bits) const;
    /** DRAM bandwidth in GB/s: sockets × channels × MT/s × width/8 / 1000. */
    [[nodiscard]] double dram_bandwidth_gbps() const;
};

/** Ceilings measured on the device (date and method kept). */
struct measured_ceilings {
    std::string date;               /**< When. */
    std::string method;             /**< How. */
    double dram_bandwidth_gbps = 0; /**< Achieved copy bandwidth. */
    double l2_bandwidth_gbps = 0;   /**< Achieved copy bandwidth of an L2-resident buffer (0: not measured). */
    std::map<std::string, double> matmul_tflops; /**< Achieved matmul rate per precision. */
    std::map<std::string, double> vector_tflops; /**< Achieved CUDA-core FMA rate per precision ("fp32", "fp16"). */
    double min_kernel_time_us = 0;               /**< Shortest kernel's device time. */
    double launch_overhead_us = 0;               /**< Host launch cost per kernel. */
};

/** One device. Figures absent from the file are 0 / empty. */
struct hw_spec {
    std::string id;                                   /**< File stem, e.g. "h100-sxm". */
    std::string path;                                 /**< File it was read from. */
    std::string name;                                 /**< Marketing name. */
    std::string kind;                                 /**< gpu | cpu | tpu | soc | accelerator. */
    std::string vendor;                               /**< Vendor. */
    std::string architecture;                         /**< Micro-architecture name. */
    std::vector<std::string> sources;                 /**< Where the figures come from. */
    std::int64_t sm_count = 0;                        /**< GPU SMs (or compute units). */
    double boost_clock_mhz = 0;                       /**< Boost clock. */
    std::map<std::string, double> peak_tflops;        /**< Dense peaks per precision. */
    std::map<std::string, double> sparse_peak_tflops; /**< Structured-sparsity peaks, never used by default. */
    double dram_capacity_gib = 0;                     /**< Device memory. */
    double dram_bandwidth_gbps = 0;                   /**< DRAM bandwidth. */
    double l2_size_mib = 0;                           /**< L2 size. */
    double l2_bandwidth_gbps = 0;                     /**< L2 bandwidth, when known. */
    std::optional<cpu_microarch> cpu;                 /**< CPUs: micro-architecture. */
    std::optional<measured_ceilings> measured;        /**< Measured ceilings, when present. */
    std::vector<std::string> derived;                 /**< Figures computed rather than copied (what and how). */

    /** Device memory in bytes; throws spec_error naming the key when the file lacks it. */
    [[nodiscard]] std::int64_t memory_bytes() const;
    /** Dense peak in FLOP/s for a precision key; throws spec_error naming the key when absent. */
    [[nodiscard]] double peak_flops(const std::string& precision) const;
    /** DRAM bandwidth in bytes/s; throws spec_error when absent. */
    [[nodiscard]] double bandwidth_bytes_per_s() const;
};

/** The precision keys a spec may use ("fp32", "tf32_tensor", "fp16_tensor" …). */
const std::vector<std::string>& precision_keys();

/** Reads and validates one spec file (YAML or JSON). Throws spec_error naming file and key. */
hw_spec load_hw_file(const std::string& path);

/**
 * Finds a spec by id in the search path: $RIDGELINE_HWSPECS, the installed share folder, the
 * source tree's hwspecs/. An id ending in .yaml/.json is taken as a path.
 * @code auto t4 = ridgeline::load_hw("t4"); @endcode
 */
hw_spec load_hw(const std::string& id);

/** Ids of every spec found in the search path, sorted. */
std::vector<std::string> list_hw();

/** The folders searched for specs, in order. */
std::vector<std::string> hw_search_path();

}  // namespace ridgeline
