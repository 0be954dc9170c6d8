// Replay family "elementwise", shared part: element-type kinds, runtime-typed loads, operand
// indexing for numpy broadcasting and lane scans (the lane fold itself is core.hpp's lanes_fold).
// Used by every elementwise file (elementwise_unary.hpp, elementwise_binary.hpp, elementwise.hpp)
// and by reduction.hpp and normalization.hpp.
//
// Elementwise operators run one thread per output element; inputs are read through
// `operand_index` (the output index itself when an input has the output's shape, 0 for a single
// element, else broadcast strides over the output dims merged where every input allows), so the
// common same-shape case does no index arithmetic.
#pragma once

#include "../math.hpp"
#include "../op_table.hpp"

#include <string>
#include <type_traits>
#include <vector>

namespace ridgeline::replay::ew {

// ---------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------

/** Element types an operator accepts. */
enum class kinds {
    floats,   /**< fp16, bf16, fp32, fp64. */
    numeric,  /**< Floats and integers (not bool). */
    integers, /**< Integers only. */
    bools,    /**< bool only. */
    any       /**< Numeric and bool. */
};

/** True when kind K admits element type T. */
template <kinds K, class T>
constexpr bool admits() {
    constexpr bool is_bool = std::is_same_v<T, bool>;
    if constexpr (K == kinds::floats)
        return is_float_v<T>;
    else if constexpr (K == kinds::numeric)
        return !is_bool;
    else if constexpr (K == kinds::integers)
        return !is_bool && !is_float_v<T>;
    else if constexpr (K == kinds::bools)
        return is_bool;
    else
        return true;
}

/**
 * Calls f(type_tag<T>{}) for the element types kind K admits, throws unsupported_node otherwise
 * (only admitted types are instantiated). @code visit_kind<kinds::floats>(x.type, [&](auto tag) { … }); @endcode
 */
template <kinds K, class F>
void visit_kind(dtype t, F&& f) {
    visit_numeric(t, [&](auto tag) {
        using T = typename decltype(tag)::type;
        if constexpr (admits<K, T>()) {
            f(tag);
        } else {
            throw unsupported_node("element type " + std::string(dtype_name(t)) + " not handled by this operator");
        }
    });
}

/** +infinity of a floating compute type. */
template <class V>
RL_HD inline V infinity() {
    return static_cast<V>(bits_float(0x7f800000u));
}

/** Smallest value of a compute type (−inf for floats). */
template <class V>
RL_HD inline V lowest() {
    if constexpr (std::is_floating_point_v<V>)
        return -infinity<V>();
    else
        return static_cast<V>(-9223372036854775807LL - 1);
}

/** Largest value of a compute type (+inf for floats). */
template <class V>
RL_HD inline V highest() {
    if constexpr (std::is_floating_point_v<V>)
        return infinity<V>();
    else
        return static_cast<V>(9223372036854775807LL);
}

/** Square root for any compute type (integers through double, truncated). */
template <class V>
RL_HD inline V any_sqrt(V x) {
    if constexpr (std::is_floating_point_v<V>)
        return math::sqrt(x);
    else
        return static_cast<V>(math::sqrt(static_cast<double>(x)));
}

/** True for the floating dtypes the replay computes with. */
inline bool is_float_type(dtype t) { return t == dtype::f32 || t == dtype::f16 || t == dtype::bf16 || t == dtype::f64; }

/**
 * Element i of `p` (runtime element type t, numeric or bool) as R: floats through double, integers
 * directly (exact into int64), bool as 0/1; 0 for other types.
 */
template <class R>
RL_HD inline R load_as(const void* p, dtype t, std::int64_t i) {
    switch (t) {
        case dtype::f32:
            return static_cast<R>(static_cast<double>(static_cast<const float*>(p)[i]));
        case dtype::f16:
            return static_cast<R>(static_cast<double>(to_float(static_cast<const f16*>(p)[i])));
        case dtype::bf16:
            return static_cast<R>(static_cast<double>(to_float(static_cast<const bf16*>(p)[i])));
        case dtype::f64:
            return static_cast<R>(static_cast<const double*>(p)[i]);
        case dtype::i64:
            return static_cast<R>(static_cast<const std::int64_t*>(p)[i]);
        case dtype::i32:
            return static_cast<R>(static_cast<const std::int32_t*>(p)[i]);
        case dtype::i16:
            return static_cast<R>(static_cast<const std::int16_t*>(p)[i]);
        case dtype::i8:
            return static_cast<R>(static_cast<const std::int8_t*>(p)[i]);
        case dtype::u8:
            return static_cast<R>(static_cast<const std::uint8_t*>(p)[i]);
        case dtype::u16:
            return static_cast<R>(static_cast<const std::uint16_t*>(p)[i]);
        case dtype::u32:
            return static_cast<R>(static_cast<const std::uint32_t*>(p)[i]);
        case dtype::u64:
            return static_cast<R>(static_cast<const std::uint64_t*>(p)[i]);
        case dtype::boolean:
            return static_cast<const bool*>(p)[i] ? R(1) : R(0);
        default:
            return R(0);
    }
}

/** Element i of `p` as a double (see load_as). */
RL_HD inline double load_real(const void* p, dtype t, std::int64_t i) { return load_as<double>(p, t, i); }

/** Element i of `p` as an int64 (exact for integers; floats truncated toward zero). */
RL_HD inline std::int64_t load_integer(const void* p, dtype t, std::int64_t i) {
    return load_as<std::int64_t>(p, t, i);
}

/** True when indices below n fit 32-bit arithmetic (the GPU divides 32-bit integers far faster). */
inline bool fits_narrow(std::int64_t n) { return n < (std::int64_t{1} << 31); }

/** a / b for 0 ≤ a, 0 < b; in 32 bits when `narrow` (both below 2^31). */
RL_HD inline std::int64_t div_index(std::int64_t a, std::int64_t b, bool narrow) {
    if (narrow) return static_cast<std::uint32_t>(a) / static_cast<std::uint32_t>(b);
    return a / b;
}

/** b.offset(i), in 32-bit arithmetic when `narrow` (i and every offset below 2^31). */
RL_HD inline std::int64_t strided_offset(const broadcast_strides& b, std::int64_t i, bool narrow) {
    if (!narrow) return b.offset(i);
    auto j = static_cast<std::uint32_t>(i);
    std::uint32_t off = 0;
    for (int d = b.rank - 1; d >= 0; --d) {
        const auto n = static_cast<std::uint32_t>(b.dims[d]);
        const std::uint32_t q = j / n;
        off += (j - q * n) * static_cast<std::uint32_t>(b.strides[d]);
        j = q;
    }
    return off;
}

/** Where an input's element for output element i lies. */
struct operand_index {
    enum mode_t : int { same = 0, scalar = 1, strided = 2 };
    int mode = same;     /**< same: i; scalar: 0; strided: through b. */
    bool narrow = false; /**< Strided offsets in 32-bit arithmetic. */
    broadcast_strides b; /**< Used when strided. */
    /** Input offset of output element i. */
    RL_HD std::int64_t operator()(std::int64_t i) const {
        if (mode == same) return i;
        if (mode == scalar) return 0;
        return strided_offset(b, i, narrow);
    }
};

/**
 * Indices of `count` inputs broadcast (numpy rules) to an output of dims `out`: same-shaped inputs
 * read element i, single elements element 0, the rest go through strides whose dims are merged
 * wherever every strided input is contiguous across them (fewer divisions per element).
 * Throws unsupported_node when a shape does not broadcast.
 */
inline void make_operands(const tensor_ref* const* ins, int count, const tensor_ref& out, operand_index* idx) {
    const std::int64_t n = out.numel();
    int strided = 0;
    for (int k = 0; k < count; ++k) {
        const broadcast_strides b = make_broadcast(*ins[k], out);  // validates the shapes
        const std::int64_t m = ins[k]->numel();
        if (m == n) {
            idx[k].mode = operand_index::same;
        } else if (m == 1) {
            idx[k].mode = operand_index::scalar;
        } else {
            idx[k].mode = operand_index::strided;
            idx[k].narrow = fits_narrow(n);
            idx[k].b = b;
            ++strided;
        }
    }
    if (strided == 0) return;
    // Merge dims, innermost first: dim d joins the current group when, for every strided input,
    // its stride continues the group (stride[d] == group stride · group size); size-1 dims vanish.
    std::int64_t group_dims[max_rank];
    std::int64_t group_strides[max_rank][max_rank];  // [input][group]
    int groups = 0;
    for (int d = out.rank - 1; d >= 0; --d) {
        if (out.dims[d] == 1) continue;
        bool merge = groups > 0;
        for (int k = 0; k < count && merge; ++k) {
            if (idx[k].mode != operand_index::strided) continue;
            merge = idx[k].b.strides[d] == group_strides[k][groups - 1] * group_dims[groups - 1];
        }
        if (merge) {
            group_dims[groups - 1] *= out.dims[d];
        } else {
            group_dims[groups] = out.dims[d];
            for (int k = 0; k < count; ++k) {
                if (idx[k].mode == operand_index::strided) group_strides[k][groups] = idx[k].b.strides[d];
            }
            ++groups;
        }
    }
    for (int k = 0; k < count; ++k) {
        if (idx[k].mode != operand_index::strided) continue;
        broadcast_strides& b = idx[k].b;
        b.rank = groups;
        for (int g = 0; g < groups; ++g) {  // groups were collected innermost first
            b.dims[g] = group_dims[groups - 1 - g];
            b.strides[g] = group_strides[k][groups - 1 - g];
        }
    }
}

/**
 * Inclusive prefix fold of `v` over the lanes of a row in lane order, with `op.combine` (earlier
 * lanes' values on the left). Every lane must call it.
 */
template <class V, class Op>
RL_HD inline V lanes_scan(V v, int lane, int lanes, const Op& op) {
#if defined(__CUDA_ARCH__)
    for (int o = 1; o < lanes; o *= 2) {
        const V w = __shfl_up_sync(0xffffffffu, v, o);
        if (lane >= o) v = op.combine(w, v);
    }
#else
    (void)lane;
    (void)lanes;
    (void)op;
#endif
    return v;
}

/** The previous lane's `v` (lane 0: `first`). Every lane must call it. */
template <class V>
RL_HD inline V lanes_previous(V v, int lane, int lanes, V first) {
#if defined(__CUDA_ARCH__)
    if (lanes > 1) v = __shfl_up_sync(0xffffffffu, v, 1);
#else
    (void)lanes;
#endif
    return lane == 0 ? first : v;
}

/** Lane `src`'s `v`, on every lane of a row. Every lane must call it. */
template <class V>
RL_HD inline V lanes_broadcast(V v, int src, int lanes) {
#if defined(__CUDA_ARCH__)
    if (lanes > 1) v = __shfl_sync(0xffffffffu, v, src);
#else
    (void)src;
    (void)lanes;
#endif
    return v;
}

/** A row functor f(row, lane, lanes) run as one thread per row (lanes = 1: no shuffles). */
template <class F>
struct row_per_thread {
    F f;
    RL_HD void operator()(std::int64_t row) const { f(row, 0, 1); }
};

/** Rows of `cols` elements: a row of lanes each when long enough to fill them, else a thread each. */
template <class Exec, class F>
void launch_rows(Exec& ex, std::int64_t rows, std::int64_t cols, const F& f) {
    if (rows == 0) return;
    if (cols >= 32)
        ex.for_each_row(rows, cols, f);
    else
        ex.for_each(rows, row_per_thread<F>{f});
}

/**
 * An Op built from the node's attributes and the element type (`Op::from(node, dtype)`), from the
 * attributes alone (`Op::from(node)`), or default-constructed.
 */
template <class Op>
Op make_op(const node& n, dtype t = dtype::undefined) {
    if constexpr (requires { Op::from(n, t); }) {
        return Op::from(n, t);
    } else if constexpr (requires { Op::from(n); }) {
        return Op::from(n);
    } else {
        return Op{};
    }
}

}  // namespace ridgeline::replay::ew
