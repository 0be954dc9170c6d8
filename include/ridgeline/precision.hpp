/**
 * @file precision.hpp
 * The precision a model is counted and predicted in, parsed once from its text (hardware layer,
 * `lib/hw`): `fp32`, `tf32`, `fp16`, `bf16`, `fp8`, `int8` (and the aliases `parse_dtype` knows),
 * or "" for "as the file stores it". One value says everything the text implies:
 *
 * - **storage** — the dtype floating tensors are re-typed to when counting bytes
 *   (`analysis_options::float_override`): fp16, bf16, fp8, int8 re-type; fp32, tf32 and "as
 *   stored" keep what the file stores;
 * - **compute** — the dtype whose ceilings apply (fp32 for tf32 and for "as stored");
 * - **tf32** — fp32 matmul-class work runs on TF32 tensor cores (`cost_model_params::use_tf32`);
 * - **ceiling keys** — the spec keys of the matmul and vector ceilings (`fp16_tensor`, `fp16` …),
 *   which `ceilings_for` then resolves against a device.
 *
 * @code
 * auto p = ridgeline::parse_precision("tf32");   // compute fp32, storage as stored, tf32 on
 * assert(p.tf32 && p.keys().matmul == "tf32_tensor");
 * ridgeline::parse_precision("fp12");           // throws usage_error naming 'fp12'
 * @endcode
 */
#pragma once

#include "ridgeline/graph.hpp"

#include <string>
#include <string_view>

namespace ridgeline {

/** Spec keys of the ceilings a precision computes at (`peak_tflops` keys of hardware.hpp). */
struct ceiling_keys {
    std::string matmul; /**< Matmul-class ceiling, e.g. "fp16_tensor", "tf32_tensor", "fp32". */
    std::string vector; /**< Vector/special ceiling, e.g. "fp16", "fp32". */
};

/**
 * Ceiling keys for computing in `compute` (fp32 on TF32 tensor cores when `tf32`): the tensor-core
 * key of the precision and its vector key; fp8 runs vector work at fp16, int8 at fp32.
 * @code ridgeline::ceiling_keys_for(ridgeline::dtype::bf16).matmul == "bf16_tensor" @endcode
 */
ceiling_keys ceiling_keys_for(dtype compute, bool tf32 = false);

/** A precision as parsed from text (see the file comment). */
struct precision {
    std::string name;                 /**< The text it was parsed from; empty: as stored. */
    dtype compute = dtype::f32;       /**< Dtype whose ceilings apply. */
    dtype storage = dtype::undefined; /**< Float re-typing for counts (undefined: as stored). */
    bool tf32 = false;                /**< fp32 matmul-class work on TF32 tensor cores. */

    /** True for "as the file stores it" (no text given). */
    [[nodiscard]] bool as_stored() const noexcept { return name.empty(); }
    /** The name, or "as stored". @code parse_precision("").label() == "as stored" @endcode */
    [[nodiscard]] std::string label() const { return as_stored() ? "as stored" : name; }
    /** The spec keys of its ceilings. */
    [[nodiscard]] ceiling_keys keys() const { return ceiling_keys_for(compute, tf32); }
};

/**
 * Parses a precision: "" (as stored), "tf32", or any name `parse_dtype` accepts (fp32, fp16, bf16,
 * fp8, int8, and aliases such as float16). Throws usage_error naming the text when unknown.
 * @code auto half = ridgeline::parse_precision("fp16");  // storage and compute fp16 @endcode
 */
precision parse_precision(std::string_view text);

/**
 * The precision of a (dtype, use_tf32) pair as the older calls take it: fp32 keeps the stored
 * types, any other dtype re-types floats to itself.
 * @code ridgeline::precision_of(ridgeline::dtype::f16).storage == ridgeline::dtype::f16 @endcode
 */
precision precision_of(dtype compute, bool tf32 = false);

}  // namespace ridgeline
