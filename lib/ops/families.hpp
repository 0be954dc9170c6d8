// Private to lib/ops: the family registration list and helpers shared by several families.
#pragma once

#include "ridgeline/ops.hpp"

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ridgeline::ops {

// One registration function per family file; `registry.cpp` calls them in one explicit list.
void register_elementwise(op_registry& r);
void register_linear(op_registry& r);
void register_normalization(op_registry& r);
void register_pooling(op_registry& r);
void register_reduction(op_registry& r);
void register_movement(op_registry& r);
void register_gather_scatter(op_registry& r);
void register_resample(op_registry& r);
void register_shape_ops(op_registry& r);
void register_control(op_registry& r);

/** Largest tensor (elements) whose contents shape inference keeps. */
constexpr std::size_t max_known_elements = 4096;

/** Multidirectional (numpy) broadcast of two shapes; fails via ctx on a mismatch. */
shape broadcast(const infer_context& ctx, const shape& a, const shape& b);

/** Dims as numbers when all are numeric. */
std::optional<std::vector<std::int64_t>> numeric(const shape& s);

/** Product of numbers, checked. */
std::int64_t product(const std::vector<std::int64_t>& v, std::size_t from = 0, std::size_t to = SIZE_MAX);

/** Row-major strides of a numeric shape. */
std::vector<std::int64_t> strides_of(const std::vector<std::int64_t>& s);

/** Maps output flat index `i` of shape `out` to the flat index in a broadcast input of shape `in`. */
std::int64_t broadcast_index(std::int64_t i, const std::vector<std::int64_t>& out, const std::vector<std::int64_t>& in);

/** Known data of `n` identical integer elements. */
std::shared_ptr<const known_data> make_ints(std::vector<dim> v);
/** Known data of real elements. */
std::shared_ptr<const known_data> make_reals(std::vector<double> v);

/** ceil(log2(n)) for n >= 2, else 1: the depth of a sort or a radix-2 FFT over n elements. */
inline std::int64_t ceil_log2(std::int64_t n) {
    std::int64_t depth = 1;
    while (depth < 62 && (std::int64_t{1} << depth) < n) ++depth;
    return depth;
}

// ---- attributes, validated (a rule never computes with a value the operator forbids) ----

/** Integer attribute `name` (default `fallback`), failing via ctx unless it is at least `min`. */
std::int64_t attr_i_at_least(const infer_context& ctx, std::string_view name, std::int64_t fallback, std::int64_t min);

/**
 * Integer-list attribute `name` (empty when absent), failing via ctx unless every entry is at
 * least `min`: "attribute kernel_shape[1] = -100 must be at least 1".
 */
std::vector<std::int64_t> attr_ints_at_least(const infer_context& ctx, std::string_view name, std::int64_t min);

/** A dtype attribute (ONNX TensorProto.DataType number), failing via ctx for an unknown number. */
dtype attr_dtype(const infer_context& ctx, std::string_view name, std::int64_t fallback);

/** A string attribute that must be one of `choices` (failing via ctx, listing them). */
std::string attr_choice(const infer_context& ctx, std::string_view name, std::string_view fallback,
                        std::initializer_list<std::string_view> choices);

/** `v` truncated toward zero as an int64, or nullopt when it is NaN, infinite or out of range. */
inline std::optional<std::int64_t> to_int64(double v) {
    if (!(v > -9.2e18 && v < 9.2e18)) return std::nullopt;
    return static_cast<std::int64_t>(v);
}

/** Shape rule that copies input 0's type and shape to output 0 (no data). */
void same_as_input(infer_context& ctx);

/** Cost: nothing beyond the default bytes. */
void no_flops(const cost_context& ctx, op_cost& c);

/** Cost for views: no kernel, no bytes. */
void view_cost(const cost_context& ctx, op_cost& c);

// ---- shared by the data-movement files (defined in movement.cpp) ----

/** Builds known data by copying input elements through an index map, when all is known. */
std::shared_ptr<const known_data> remap(const known_data* in, std::int64_t out_elements,
                                        const std::function<std::int64_t(std::int64_t)>& source);

/** Coordinates of flat index i in a numeric shape. */
std::vector<std::int64_t> unravel(std::int64_t i, const std::vector<std::int64_t>& s);

/** Flat index of coordinates `c` in a numeric shape. */
std::int64_t ravel(const std::vector<std::int64_t>& c, const std::vector<std::int64_t>& s);

/** Registers data-movement rules: `const movement_adder add{r}; add("Transpose", 1, infer_transpose);`. */
struct movement_adder {
    op_registry& r; /**< Where the rules go. */
    /** Adds one rule; FLOPs default to none, the kind to data movement. */
    void operator()(std::string_view name, std::int64_t since, void (*infer)(infer_context&),
                    void (*cost)(const cost_context&, op_cost&) = no_flops, op_kind kind = op_kind::data_movement,
                    kernel_class kernel = kernel_class::automatic,
                    void (*kernels)(const kernel_context&, std::vector<kernel_spec>&) = nullptr) const {
        r.add({"", name, since, kind, infer, cost, kernel, kernels});
    }
};

/** Cost: one select per output element (Trilu, NonZero, OneHot, Compress). */
void cost_select(const cost_context& ctx, op_cost& c);

/** Known integer contents of input i, all of them numbers, or reports `what` unknown. */
std::vector<std::int64_t> known_ints(const infer_context& ctx, std::size_t i, const std::string& what);

/** Reads the `axes` of Squeeze/Unsqueeze/Reduce*: attribute before `input_from_opset`, else input 1. */
std::optional<std::vector<std::int64_t>> axes_of(const infer_context& ctx, std::int64_t input_from_opset,
                                                 std::size_t input_index = 1);

}  // namespace ridgeline::ops
