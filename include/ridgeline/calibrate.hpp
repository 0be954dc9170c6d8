/**
 * @file calibrate.hpp
 * Fitting a device's efficiency curves to single-operator microbenchmarks. A microbenchmark file
 * (the format of `../shared/measurements/h200_microbench.json`, written by
 * `scripts/microbench.py` with PyTorch on any GPU) holds one row per operator and shape: the
 * summed kernel time of one call, the kernel count and the kernels by name. Each row becomes a
 * one-node graph that goes through the same kernel formation, L2 residency and curve timing as
 * a whole model, so the fitted curves mean the same thing in both places. The fit (least squares
 * on ln(predicted/measured), Levenberg–Marquardt) sets, per precision and kernel class, the
 * fractions of the device's measured ceilings, the half sizes and the fixed costs; it never sees
 * a whole model's time. Classes without rows take a related class's curve (say so: `fit_rows`
 * 0).
 *
 * @code
 * auto mb = ridgeline::load_microbench("h200_microbench.json");
 * auto fit = ridgeline::calibrate_curves(mb, ridgeline::load_hw("h200-sxm"));
 * std::cout << ridgeline::with_efficiency_section("hwspecs/h200-sxm.yaml", fit.table);
 * @endcode
 */
#pragma once

#include "ridgeline/hardware.hpp"

#include <map>
#include <string>
#include <vector>

namespace ridgeline {

/** One microbenchmark row: an operator at one shape and precision. */
struct microbench_row {
    std::string op;                            /**< "matmul", "conv2d", "layernorm" … (microbench_ops()). */
    dtype precision = dtype::f32;              /**< float32, float16 or bfloat16. */
    std::map<std::string, std::int64_t> dims;  /**< The size keys (m, n, k, batch, cin …). */
    double kernel_s = 0;                       /**< Summed kernel time of one call. */
    double kernels = 0;                        /**< Kernels per call. */
    std::map<std::string, double> by_kernel_s; /**< Kernel name → time per call. */
    /** "conv2d fp16 batch=8 cin=64 …" for messages and tables. */
    [[nodiscard]] std::string describe() const;
};

/** A microbenchmark file. */
struct microbench {
    std::string path;                 /**< Where it was read from. */
    std::string device;               /**< GPU name as the file gives it. */
    std::string software;             /**< Framework and library versions. */
    std::string settings;             /**< How it was measured. */
    std::vector<microbench_row> rows; /**< Every row, in file order. */
};

/** The operator names a microbenchmark row may have, with the size keys each needs. */
const std::map<std::string, std::vector<std::string>>& microbench_ops();

/**
 * Reads a microbenchmark file. Throws trace_error naming the file and the row for a malformed
 * row (unknown op, missing or non-positive size, non-finite time).
 */
microbench load_microbench(const std::string& path);

/** How one row came out of a fit. */
struct microbench_fit_row {
    std::size_t row = 0;               /**< Index in microbench::rows. */
    double measured_s = 0;             /**< The row's kernel time. */
    double predicted_s = 0;            /**< The fitted curves' prediction. */
    std::int64_t kernels = 0;          /**< Kernels predicted. */
    std::vector<kernel_class> classes; /**< Their classes. */
};

/** The result of `calibrate_curves`. */
struct curve_fit {
    efficiency_table table;               /**< The fitted curves (for the spec's measured section). */
    std::vector<microbench_fit_row> rows; /**< Every row used. */
    /** Median |ln(predicted/measured)| per "op precision" (e.g. "conv2d fp16"). */
    std::map<std::string, double> by_op;
    double median_abs_log_ratio = 0; /**< Over every row. */
    int iterations = 0;              /**< Levenberg–Marquardt iterations. */
};

/** What the fit records about itself. */
struct calibrate_options {
    std::string date; /**< When the microbenchmarks ran ("" = today's date is not guessed: "unknown"). */
    int max_function_evaluations = 20000; /**< Budget of the optimiser. */
};

/**
 * Fits the efficiency curves of `hw` (whose measured ceilings the fractions refer to) to the rows
 * of `mb`, both precisions at once. Throws usage_error when a precision has no rows at all.
 */
curve_fit calibrate_curves(const microbench& mb, const hw_spec& hw, const calibrate_options& options = {});

/** The predicted kernel time of one row on `hw` with its current curves (built-in when none). */
double predict_microbench_row(const microbench_row& row, const hw_spec& hw);

}  // namespace ridgeline
