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

#include "ridgeline/ops.hpp"

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

/**
 * How one kernel class runs on a device in one precision, relative to the device's ceilings: a
 * Hockney-style curve. Streaming classes take `fixed_us + bytes / (bandwidth · memory_fraction ·
 * x / (x + half_elements))` (x: the class's size variable, e.g. row length), or their compute term
 * when larger; tiled classes (GEMMs, convolutions, attention) run whole waves of tiles at
 * `compute_fraction` of the matmul ceiling, each tile's rate falling with its data reuse
 * (`half_elements` of tile intensity tm·tn/(tm+tn)) and paying a K-loop start of
 * `k_half_elements`. Fitted by `ridgeline calibrate` from single-operator timings.
 */
struct efficiency_curve {
    double compute_fraction = 0;         /**< Of the compute ceiling at infinite size. */
    double memory_fraction = 0;          /**< Of the memory ceilings at infinite size. */
    double half_elements = 0;            /**< n½ of the class's size variable (0: none). */
    double k_half_elements = 0;          /**< Tiled classes: K-loop start, in K elements. */
    double fixed_us = 0;                 /**< Fixed cost per kernel (ramp-up and tail). */
    std::int64_t fit_rows = 0;           /**< Microbenchmark rows that informed the fit (0: not fitted). */
    double fit_median_abs_log_ratio = 0; /**< Median |ln(predicted/measured)| over those rows. */
};

/**
 * A device's efficiency curves (`measured.efficiency` in the spec): per precision ("fp32",
 * "fp16") a curve for every kernel class, and where data stays in L2 between kernels.
 * @code
 * const auto& c = spec.measured->efficiency->curves.at("fp16").at(ridgeline::kernel_class::conv);
 * @endcode
 */
struct efficiency_table {
    std::string date;                  /**< When the microbenchmarks ran. */
    std::string source;                /**< The microbenchmark file (and device, software). */
    std::string method;                /**< How the curves were fitted. */
    std::string derived_from;          /**< Set when taken from another device (its id). */
    double l2_resident_fraction = 0.5; /**< Reuse distances up to this fraction of L2 hit in L2 … */
    double l2_evicted_fraction = 0.9;  /**< … and beyond this fraction miss (linear in between). */
    std::map<std::string, std::map<kernel_class, efficiency_curve>> curves; /**< Precision → class → curve. */
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
    std::optional<efficiency_table> efficiency;  /**< Fitted efficiency curves, when calibrated. */
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

/**
 * Reads and validates one spec file (YAML or JSON): every numeric key finite and in its range,
 * no key given twice. Throws spec_error naming file and key. A path is a path: the spec's `id`
 * need not match the file name here (only specs found by id in the search path must).
 */
hw_spec load_hw_file(const std::string& path);

/**
 * The same from the file's text already in memory; `path` names it in messages.
 * @code auto h = ridgeline::parse_hw_text(yaml_text, "my_t4.yaml"); @endcode
 */
hw_spec parse_hw_text(const std::string& text, const std::string& path);

/**
 * Finds a spec by id in the search path: $RIDGELINE_HWSPECS, the installed share folder, the
 * source tree's hwspecs/. An id ending in .yaml/.yml/.json, or naming an existing file, is taken
 * as a path. A spec found by id must carry that id (`id: t4` in t4.yaml).
 * @code auto t4 = ridgeline::load_hw("t4"); @endcode
 */
hw_spec load_hw(const std::string& id);

/**
 * A spec (id or path, as `load_hw`) read without its `measured.efficiency` section and without
 * deriving one: what `ridgeline calibrate` fits new curves against (the old section may be stale).
 * @code auto h200 = ridgeline::load_hw_ceilings("h200-sxm"); @endcode
 */
hw_spec load_hw_ceilings(const std::string& id);

/** Ids of every spec found in the search path, sorted. */
std::vector<std::string> list_hw();

/** The folders searched for specs, in order. */
std::vector<std::string> hw_search_path();

/** The precision keys an efficiency table uses ("fp32", "fp16"). */
const std::vector<std::string>& efficiency_precisions();

/**
 * Reads and validates `measured.efficiency` of a spec (YAML node text `yaml`, from `path`):
 * every precision needs a curve for every kernel class; every figure finite and not negative,
 * fractions positive. Throws spec_error naming the key. Used by `load_hw_file`.
 */
efficiency_table parse_efficiency(const std::string& yaml, const std::string& path);

/**
 * The YAML text of an efficiency table, as it sits under `measured:` (indented by `indent`).
 * `parse_efficiency` reads it back unchanged (to the printed precision).
 */
std::string efficiency_yaml(const efficiency_table& t, int indent = 2);

/**
 * A spec's text with `measured.efficiency` set to `t` (the section replaced or appended; the
 * rest of the file kept). Throws spec_error when the file cannot be read.
 * @code auto text = with_efficiency_section("hwspecs/h200-sxm.yaml", fitted); @endcode
 */
std::string with_efficiency_section(const std::string& spec_path, const efficiency_table& t);

/**
 * For a GPU whose spec has no fitted curves: the curves of the nearest calibrated device in the
 * search path (same architecture first, then the nearest generation), recorded in `derived`.
 * The curves are fractions of ceilings, so the device's own ceilings scale them; fixed costs and
 * half sizes carry over as they are. Does nothing for calibrated devices and non-GPUs, or when no
 * calibrated device is found.
 */
void derive_efficiency(hw_spec& spec);

}  // namespace ridgeline
