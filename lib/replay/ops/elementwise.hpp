// Replay family: elementwise operators. One thread per output element; inputs are read through
// `operand_index` (the output index itself when an input has the output's shape, 0 for a single
// element, else broadcast strides over the output dims merged where every input allows), so the
// common same-shape case does no index arithmetic.
//
// Sections: shared helpers (type kinds, runtime-typed loads, operand indexing, lane scans; the lane
// fold itself is core.hpp's lanes_fold) — also used by reduce.hpp and norm.hpp —, unary operators,
// binary and variadic operators, Where, Clip, Cast, registration.
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

// ---------------------------------------------------------------------------------------------
// Unary operators: functors over the compute type V
// ---------------------------------------------------------------------------------------------

/** Relu: max(x, 0) (NaN kept). */
template <class V>
struct relu_op {
    RL_HD V operator()(V x) const { return x < V(0) ? V(0) : x; }
};
/** LeakyRelu: x < 0 ? alpha·x : x. */
template <class V>
struct leaky_relu_op {
    V alpha;
    static leaky_relu_op from(const node& n) { return {static_cast<V>(n.attr_f("alpha", 0.01))}; }
    RL_HD V operator()(V x) const { return x < V(0) ? alpha * x : x; }
};
/** Sigmoid, without overflow for large |x|. */
template <class V>
struct sigmoid_op {
    RL_HD V operator()(V x) const {
        if (x >= V(0)) return V(1) / (V(1) + math::exp(-x));
        const V e = math::exp(x);
        return e / (V(1) + e);
    }
};
/** HardSigmoid: clamp(alpha·x + beta, 0, 1). */
template <class V>
struct hard_sigmoid_op {
    V alpha, beta;
    static hard_sigmoid_op from(const node& n) {
        return {static_cast<V>(n.attr_f("alpha", 0.2)), static_cast<V>(n.attr_f("beta", 0.5))};
    }
    RL_HD V operator()(V x) const {
        const V v = alpha * x + beta;
        return v < V(0) ? V(0) : (v > V(1) ? V(1) : v);
    }
};
/** HardSwish: x · clamp(x/6 + 1/2, 0, 1). */
template <class V>
struct hard_swish_op {
    RL_HD V operator()(V x) const {
        const V v = x / V(6) + V(0.5);
        return x * (v < V(0) ? V(0) : (v > V(1) ? V(1) : v));
    }
};
/** Tanh. */
template <class V>
struct tanh_op {
    RL_HD V operator()(V x) const { return math::tanh(x); }
};
/** Erf. */
template <class V>
struct erf_op {
    RL_HD V operator()(V x) const { return math::erf(x); }
};
/** Gelu: exact (erf) or tanh approximation. */
template <class V>
struct gelu_op {
    bool tanh_form;
    static gelu_op from(const node& n) {
        const std::string a = n.attr_s("approximate", "none");
        if (a != "none" && a != "tanh") throw unsupported_node("Gelu approximate '" + a + "'");
        return {a == "tanh"};
    }
    RL_HD V operator()(V x) const {
        if (tanh_form) {
            const V inner = V(0.7978845608028654) * (x + V(0.044715) * x * x * x);
            return V(0.5) * x * (V(1) + math::tanh(inner));
        }
        return V(0.5) * x * (V(1) + math::erf(x * V(0.7071067811865476)));
    }
};
/** Softplus: log(1 + exp(x)), stable. */
template <class V>
RL_HD inline V softplus(V x) {
    return x > V(0) ? x + math::log1p(math::exp(-x)) : math::log1p(math::exp(x));
}
/** Softplus. */
template <class V>
struct softplus_op {
    RL_HD V operator()(V x) const { return softplus(x); }
};
/** Softsign: x / (1 + |x|). */
template <class V>
struct softsign_op {
    RL_HD V operator()(V x) const { return x / (V(1) + math::fabs(x)); }
};
/** Elu: x < 0 ? alpha·(exp(x) − 1) : x. */
template <class V>
struct elu_op {
    V alpha;
    static elu_op from(const node& n) { return {static_cast<V>(n.attr_f("alpha", 1.0))}; }
    RL_HD V operator()(V x) const { return x < V(0) ? alpha * math::expm1(x) : x; }
};
/** Selu: gamma · (x > 0 ? x : alpha·(exp(x) − 1)). */
template <class V>
struct selu_op {
    V alpha, gamma;
    static selu_op from(const node& n) {
        return {static_cast<V>(n.attr_f("alpha", 1.67326319217681884765625)),
                static_cast<V>(n.attr_f("gamma", 1.05070102214813232421875))};
    }
    RL_HD V operator()(V x) const { return gamma * (x > V(0) ? x : alpha * math::expm1(x)); }
};
/** Celu: max(0, x) + min(0, alpha·(exp(x/alpha) − 1)). */
template <class V>
struct celu_op {
    V alpha;
    static celu_op from(const node& n) { return {static_cast<V>(n.attr_f("alpha", 1.0))}; }
    RL_HD V operator()(V x) const { return x > V(0) ? x : alpha * math::expm1(x / alpha); }
};
/** ThresholdedRelu: x > alpha ? x : 0. */
template <class V>
struct thresholded_relu_op {
    V alpha;
    static thresholded_relu_op from(const node& n) { return {static_cast<V>(n.attr_f("alpha", 1.0))}; }
    RL_HD V operator()(V x) const { return x > alpha ? x : V(0); }
};
/** Swish: x · sigmoid(alpha·x). */
template <class V>
struct swish_op {
    V alpha;
    static swish_op from(const node& n) { return {static_cast<V>(n.attr_f("alpha", 1.0))}; }
    RL_HD V operator()(V x) const { return x * sigmoid_op<V>{}(alpha * x); }
};
/** Mish: x · tanh(softplus(x)). */
template <class V>
struct mish_op {
    RL_HD V operator()(V x) const { return x * math::tanh(softplus(x)); }
};
/** Sqrt. */
template <class V>
struct sqrt_op {
    RL_HD V operator()(V x) const { return math::sqrt(x); }
};
/** Reciprocal. */
template <class V>
struct reciprocal_op {
    RL_HD V operator()(V x) const { return V(1) / x; }
};
/** Exp. */
template <class V>
struct exp_op {
    RL_HD V operator()(V x) const { return math::exp(x); }
};
/** Log. */
template <class V>
struct log_op {
    RL_HD V operator()(V x) const { return math::log(x); }
};
/** Abs (integers too). */
template <class V>
struct abs_op {
    RL_HD V operator()(V x) const {
        if constexpr (std::is_floating_point_v<V>)
            return math::fabs(x);
        else
            return x < V(0) ? -x : x;
    }
};
/** Neg. */
template <class V>
struct neg_op {
    RL_HD V operator()(V x) const { return -x; }
};
/** Floor. */
template <class V>
struct floor_op {
    RL_HD V operator()(V x) const { return math::floor(x); }
};
/** Ceil. */
template <class V>
struct ceil_op {
    RL_HD V operator()(V x) const { return math::ceil(x); }
};
/** Round, half to even (the default rounding mode). */
template <class V>
struct round_op {
    RL_HD V operator()(V x) const { return math::nearbyint(x); }
};
/** Sign: −1, 0 or 1 (NaN kept). */
template <class V>
struct sign_op {
    RL_HD V operator()(V x) const { return x > V(0) ? V(1) : (x < V(0) ? V(-1) : x); }
};
/** One-argument math function as an operator (Sin, Cos … Atanh). */
#define RL_EW_MATH_OP(op_name, fn)                            \
    template <class V>                                        \
    struct op_name {                                          \
        RL_HD V operator()(V x) const { return math::fn(x); } \
    };
RL_EW_MATH_OP(sin_op, sin)
RL_EW_MATH_OP(cos_op, cos)
RL_EW_MATH_OP(tan_op, tan)
RL_EW_MATH_OP(asin_op, asin)
RL_EW_MATH_OP(acos_op, acos)
RL_EW_MATH_OP(atan_op, atan)
RL_EW_MATH_OP(sinh_op, sinh)
RL_EW_MATH_OP(cosh_op, cosh)
RL_EW_MATH_OP(asinh_op, asinh)
RL_EW_MATH_OP(acosh_op, acosh)
RL_EW_MATH_OP(atanh_op, atanh)
#undef RL_EW_MATH_OP
/** Not (bool). */
template <class V>
struct not_op {
    RL_HD V operator()(V x) const { return x == V(0) ? V(1) : V(0); }
};
/** BitwiseNot (integers; bits survive the int64 compute type). */
template <class V>
struct bitwise_not_op {
    RL_HD V operator()(V x) const { return ~x; }
};
/** Shrink: x < −lambd ? x + bias : x > lambd ? x − bias : 0. */
template <class V>
struct shrink_op {
    double lambd, bias;
    static shrink_op from(const node& n) { return {n.attr_f("lambd", 0.5), n.attr_f("bias", 0.0)}; }
    RL_HD V operator()(V x) const {
        const V l = static_cast<V>(lambd), b = static_cast<V>(bias);
        if (x < -l) return x + b;
        if (x > l) return x - b;
        return V(0);
    }
};
/** IsNaN (bool result). */
template <class V>
struct isnan_op {
    RL_HD bool operator()(V x) const { return x != x; }
};
/** IsInf with detect_negative / detect_positive (bool result). */
template <class V>
struct isinf_op {
    bool negative, positive;
    static isinf_op from(const node& n) {
        return {n.attr_i("detect_negative", 1) != 0, n.attr_i("detect_positive", 1) != 0};
    }
    RL_HD bool operator()(V x) const { return (positive && x == infinity<V>()) || (negative && x == -infinity<V>()); }
};

/** y[i] = op(x[i]) (TO: the input type, or bool for predicates). */
template <class TI, class TO, class Op>
struct unary_kernel {
    const TI* x;
    TO* y;
    Op op;
    RL_HD void operator()(std::int64_t i) const { store(y, i, op(load(x, i))); }
};

/** A unary operator whose output has the input's element type. */
template <class Exec, template <class> class Op, kinds K>
void run_unary(node_call<Exec>& c) {
    const tensor_ref& x = c.in.at(0);
    const tensor_ref& y = c.out.at(0);
    if (x.type != y.type) throw unsupported_node("output type differs from the input's");
    const std::int64_t n = y.numel();
    if (n == 0) return;
    visit_kind<K>(x.type, [&](auto tag) {
        using T = typename decltype(tag)::type;
        using O = Op<compute_t<T>>;
        c.ex.for_each(n, unary_kernel<T, T, O>{x.as<T>(), y.as<T>(), make_op<O>(c.n)});
    });
}

/** A unary predicate on floats (IsNaN, IsInf): bool output. */
template <class Exec, template <class> class Op>
void run_predicate(node_call<Exec>& c) {
    const tensor_ref& x = c.in.at(0);
    const tensor_ref& y = c.out.at(0);
    if (y.type != dtype::boolean) throw unsupported_node("predicate output must be bool");
    const std::int64_t n = y.numel();
    if (n == 0) return;
    visit_kind<kinds::floats>(x.type, [&](auto tag) {
        using T = typename decltype(tag)::type;
        using O = Op<compute_t<T>>;
        c.ex.for_each(n, unary_kernel<T, bool, O>{x.as<T>(), y.as<bool>(), make_op<O>(c.n)});
    });
}

// ---------------------------------------------------------------------------------------------
// Binary and variadic operators
// ---------------------------------------------------------------------------------------------

/** Add. */
template <class V>
struct add_op {
    RL_HD V operator()(V a, V b) const { return a + b; }
};
/** Sub. */
template <class V>
struct sub_op {
    RL_HD V operator()(V a, V b) const { return a - b; }
};
/** Mul. */
template <class V>
struct mul_op {
    RL_HD V operator()(V a, V b) const { return a * b; }
};
/** Div (integers truncate toward zero; an integer division by zero gives 0). */
template <class V>
struct div_op {
    RL_HD V operator()(V a, V b) const {
        if constexpr (std::is_floating_point_v<V>)
            return a / b;
        else
            return b == V(0) ? V(0) : a / b;
    }
};
/** Mod: fmod = 1 → C fmod (sign of the dividend); fmod = 0 → sign of the divisor (Python). */
template <class V>
struct mod_op {
    bool c_fmod;
    static mod_op from(const node& n) { return {n.attr_i("fmod", 0) != 0}; }
    RL_HD V operator()(V a, V b) const {
        V r;
        if constexpr (std::is_floating_point_v<V>) {
            r = math::fmod(a, b);
        } else {
            if (b == V(0)) return V(0);
            r = a % b;
        }
        if (!c_fmod && r != V(0) && ((r < V(0)) != (b < V(0)))) r += b;
        return r;
    }
};
/** Min (NaN propagates). */
template <class V>
struct min_op {
    RL_HD V operator()(V a, V b) const { return (b < a || b != b) ? b : a; }
};
/** Max (NaN propagates). */
template <class V>
struct max_op {
    RL_HD V operator()(V a, V b) const { return (b > a || b != b) ? b : a; }
};
/** And (bool). */
template <class V>
struct and_op {
    RL_HD bool operator()(V a, V b) const { return a != V(0) && b != V(0); }
};
/** Or (bool). */
template <class V>
struct or_op {
    RL_HD bool operator()(V a, V b) const { return a != V(0) || b != V(0); }
};
/** Xor (bool). */
template <class V>
struct xor_op {
    RL_HD bool operator()(V a, V b) const { return (a != V(0)) != (b != V(0)); }
};
/** Equal. */
template <class V>
struct equal_op {
    RL_HD bool operator()(V a, V b) const { return a == b; }
};
/** Less. */
template <class V>
struct less_op {
    RL_HD bool operator()(V a, V b) const { return a < b; }
};
/** LessOrEqual. */
template <class V>
struct less_equal_op {
    RL_HD bool operator()(V a, V b) const { return a <= b; }
};
/** Greater. */
template <class V>
struct greater_op {
    RL_HD bool operator()(V a, V b) const { return a > b; }
};
/** GreaterOrEqual. */
template <class V>
struct greater_equal_op {
    RL_HD bool operator()(V a, V b) const { return a >= b; }
};
/**
 * BitShift on integers, computed on the 64-bit value (stores truncate to the element's width, which
 * also zeroes left shifts by at least the width). Shift counts outside [0, 64): 0, or −1 for a
 * right shift of a negative signed value; signed right shifts are arithmetic.
 */
template <class V>
struct bit_shift_op {
    bool left;
    bool is_signed;
    static bit_shift_op from(const node& n, dtype t) {
        const std::string d = n.attr_s("direction", "");
        if (d != "LEFT" && d != "RIGHT") throw unsupported_node("BitShift direction '" + d + "'");
        const bool s = t == dtype::i8 || t == dtype::i16 || t == dtype::i32 || t == dtype::i64;
        return {d == "LEFT", s};
    }
    RL_HD V operator()(V a, V b) const {
        const bool negative = is_signed && a < V(0);
        if (b < V(0) || b >= V(64)) return !left && negative ? V(-1) : V(0);
        const auto u = static_cast<std::uint64_t>(a);
        if (left) return static_cast<V>(u << b);
        return is_signed ? static_cast<V>(a >> b) : static_cast<V>(u >> b);
    }
};
/** BitwiseAnd. */
template <class V>
struct bitwise_and_op {
    RL_HD V operator()(V a, V b) const { return a & b; }
};
/** BitwiseOr. */
template <class V>
struct bitwise_or_op {
    RL_HD V operator()(V a, V b) const { return a | b; }
};
/** BitwiseXor. */
template <class V>
struct bitwise_xor_op {
    RL_HD V operator()(V a, V b) const { return a ^ b; }
};
/** SwiGLU: a · sigmoid(alpha·a) · b. */
template <class V>
struct swiglu_op {
    V alpha;
    static swiglu_op from(const node& n) { return {static_cast<V>(n.attr_f("alpha", 1.0))}; }
    RL_HD V operator()(V a, V b) const { return a * sigmoid_op<V>{}(alpha * a) * b; }
};
/** PRelu: x < 0 ? slope·x : x. */
template <class V>
struct prelu_op {
    RL_HD V operator()(V x, V slope) const { return x < V(0) ? slope * x : x; }
};

/** y[i] = op(a[ia(i)], b[ib(i)]). */
template <class TA, class TB, class TO, class Op>
struct binary_kernel {
    const TA* a;
    const TB* b;
    TO* y;
    operand_index ia, ib;
    Op op;
    RL_HD void operator()(std::int64_t i) const { store(y, i, op(load(a, ia(i)), load(b, ib(i)))); }
};

/** A binary operator with numpy broadcasting; both inputs of one type, output that type or bool. */
template <class Exec, template <class> class Op, kinds K, bool to_bool = false>
void run_binary(node_call<Exec>& c) {
    const tensor_ref& a = c.in.at(0);
    const tensor_ref& b = c.in.at(1);
    const tensor_ref& y = c.out.at(0);
    if (a.type != b.type) throw unsupported_node("operand types differ");
    if (y.type != (to_bool ? dtype::boolean : a.type)) throw unsupported_node("unexpected output type");
    const std::int64_t n = y.numel();
    if (n == 0) return;
    operand_index idx[2];
    const tensor_ref* ins[2] = {&a, &b};
    make_operands(ins, 2, y, idx);
    visit_kind<K>(a.type, [&](auto tag) {
        using T = typename decltype(tag)::type;
        using O = Op<compute_t<T>>;
        using TO = std::conditional_t<to_bool, bool, T>;
        c.ex.for_each(
            n, binary_kernel<T, T, TO, O>{a.as<T>(), b.as<T>(), y.as<TO>(), idx[0], idx[1], make_op<O>(c.n, a.type)});
    });
}

/** Pow: base of type T, exponent of any numeric type (read at run time), result of type T. */
template <class T>
struct pow_kernel {
    const T* a;
    const void* b;
    dtype b_type;
    bool b_integer;
    T* y;
    operand_index ia, ib;
    RL_HD void operator()(std::int64_t i) const {
        using V = compute_t<T>;
        const V base = load(a, ia(i));
        if constexpr (std::is_floating_point_v<V>) {
            store(y, i, math::pow(base, static_cast<V>(load_real(b, b_type, ib(i)))));
        } else if (b_integer) {  // integer power by squaring
            std::int64_t e = load_integer(b, b_type, ib(i));
            if (e < 0) {
                store(y, i, base == 1 ? V(1) : (base == -1 ? ((e & 1) ? V(-1) : V(1)) : V(0)));
                return;
            }
            std::uint64_t r = 1, p = static_cast<std::uint64_t>(base);  // wraps like the integer type
            while (e > 0) {
                if (e & 1) r *= p;
                p *= p;
                e >>= 1;
            }
            store(y, i, static_cast<std::int64_t>(r));
        } else {
            store(y, i, math::pow(static_cast<double>(base), load_real(b, b_type, ib(i))));
        }
    }
};

/** Pow (T: floats, int32, int64; the exponent any numeric type). */
template <class Exec>
void run_pow(node_call<Exec>& c) {
    const tensor_ref& a = c.in.at(0);
    const tensor_ref& b = c.in.at(1);
    const tensor_ref& y = c.out.at(0);
    if (y.type != a.type) throw unsupported_node("Pow output type differs from the base's");
    if (b.type == dtype::boolean) throw unsupported_node("Pow with a bool exponent");
    visit_numeric(b.type, [](auto) {});  // validates the exponent's type
    const std::int64_t n = y.numel();
    if (n == 0) return;
    operand_index idx[2];
    const tensor_ref* ins[2] = {&a, &b};
    make_operands(ins, 2, y, idx);
    visit_kind<kinds::numeric>(a.type, [&](auto tag) {
        using T = typename decltype(tag)::type;
        c.ex.for_each(n, pow_kernel<T>{a.as<T>(), b.data, b.type, !is_float_type(b.type), y.as<T>(), idx[0], idx[1]});
    });
}

/** Most inputs one variadic kernel folds (more are folded in further passes). */
constexpr int max_fold_inputs = 8;

/** y[i] = op(…op(in0[i], in1[i])…, in_{count−1}[i]), divided by `divisor` when mean. */
template <class T, class Op>
struct variadic_kernel {
    const T* in[max_fold_inputs];
    operand_index idx[max_fold_inputs];
    int count;
    T* y;
    Op op;
    bool mean;
    double divisor;
    RL_HD void operator()(std::int64_t i) const {
        auto acc = load(in[0], idx[0](i));
        for (int k = 1; k < max_fold_inputs; ++k) {  // a constant trip count: unrolled, operands stay in registers
            if (k < count) acc = op(acc, load(in[k], idx[k](i)));
        }
        if (mean) acc = acc / static_cast<decltype(acc)>(divisor);
        store(y, i, acc);
    }
};

/** Min, Max, Sum, Mean: 1..N inputs broadcast together. */
template <class Exec, template <class> class Op, kinds K, bool mean = false>
void run_variadic(node_call<Exec>& c) {
    const tensor_ref& y = c.out.at(0);
    std::vector<const tensor_ref*> ins;
    for (std::size_t k = 0; k < c.in.size(); ++k) {
        if (!c.has(k)) throw unsupported_node("omitted input of a variadic operator");
        if (c.in[k].type != y.type) throw unsupported_node("input types differ");
        ins.push_back(&c.in[k]);
    }
    if (ins.empty()) throw unsupported_node("no inputs");
    const std::int64_t n = y.numel();
    if (n == 0) return;
    visit_kind<K>(y.type, [&](auto tag) {
        using T = typename decltype(tag)::type;
        using O = Op<compute_t<T>>;
        // Pass 1 folds inputs 0..7 into y; each further pass folds y and the next 7 inputs.
        std::size_t next = 0;
        bool first = true;
        while (next < ins.size()) {
            variadic_kernel<T, O> k{};
            const tensor_ref* group[max_fold_inputs];
            int count = 0;
            if (!first) group[count++] = &y;
            while (count < max_fold_inputs && next < ins.size()) group[count++] = ins[next++];
            make_operands(group, count, y, k.idx);
            for (int j = 0; j < count; ++j) k.in[j] = group[j]->template as<T>();
            k.count = count;
            k.y = y.as<T>();
            k.op = O{};
            k.mean = mean && next == ins.size();
            k.divisor = static_cast<double>(ins.size());
            c.ex.for_each(n, k);
            first = false;
        }
    });
}

// ---------------------------------------------------------------------------------------------
// Where, Clip, Cast
// ---------------------------------------------------------------------------------------------

/** Where: y[i] = cond ? x : z, three-way broadcasting. */
template <class T>
struct where_kernel {
    const bool* cond;
    const T* x;
    const T* z;
    T* y;
    operand_index ic, ix, iz;
    RL_HD void operator()(std::int64_t i) const { y[i] = cond[ic(i)] ? x[ix(i)] : z[iz(i)]; }
};

/** Where(condition, X, Y). */
template <class Exec>
void run_where(node_call<Exec>& c) {
    const tensor_ref& cond = c.in.at(0);
    const tensor_ref& x = c.in.at(1);
    const tensor_ref& z = c.in.at(2);
    const tensor_ref& y = c.out.at(0);
    if (cond.type != dtype::boolean) throw unsupported_node("Where condition must be bool");
    if (x.type != y.type || z.type != y.type) throw unsupported_node("Where operand types differ");
    const std::int64_t n = y.numel();
    if (n == 0) return;
    operand_index idx[3];
    const tensor_ref* ins[3] = {&cond, &x, &z};
    make_operands(ins, 3, y, idx);
    visit_bits(y.type, [&](auto tag) {  // a selection moves bits: one kernel per element size
        using U = typename decltype(tag)::type;
        c.ex.for_each(n, where_kernel<U>{cond.as<bool>(), x.as<U>(), z.as<U>(), y.as<U>(), idx[0], idx[1], idx[2]});
    });
}

/** Clip: clamp to [lo, hi], each bound a device scalar (lo_p/hi_p), a value, or absent. */
template <class T>
struct clip_kernel {
    using V = compute_t<T>;
    const T* x;
    T* y;
    const T* lo_p;  // bound inputs (opset ≥ 11), or null
    const T* hi_p;
    V lo, hi;  // bound attributes (opset < 11)
    bool has_lo, has_hi;
    RL_HD void operator()(std::int64_t i) const {
        V v = load(x, i);
        if (has_lo) {
            const V l = lo_p != nullptr ? load(lo_p, 0) : lo;
            if (v < l) v = l;
        }
        if (has_hi) {
            const V h = hi_p != nullptr ? load(hi_p, 0) : hi;
            if (v > h) v = h;
        }
        store(y, i, v);
    }
};

/** Clip (min/max inputs from opset 11, attributes before; a missing bound is no bound). */
template <class Exec>
void run_clip(node_call<Exec>& c) {
    const tensor_ref& x = c.in.at(0);
    const tensor_ref& y = c.out.at(0);
    if (x.type != y.type) throw unsupported_node("Clip output type differs");
    const std::int64_t n = y.numel();
    if (n == 0) return;
    visit_kind<kinds::numeric>(x.type, [&](auto tag) {
        using T = typename decltype(tag)::type;
        using V = compute_t<T>;
        clip_kernel<T> k{x.as<T>(), y.as<T>(), nullptr, nullptr, V(0), V(0), false, false};
        if (c.opset >= 11) {
            for (std::size_t b = 1; b <= 2; ++b) {
                if (!c.has(b)) continue;
                if (c.in[b].type != x.type) throw unsupported_node("Clip bound type differs from the input's");
                if (c.in[b].numel() != 1) throw unsupported_node("Clip bound is not a scalar");
                (b == 1 ? k.lo_p : k.hi_p) = c.in[b].template as<T>();
                (b == 1 ? k.has_lo : k.has_hi) = true;
            }
        } else {
            if (c.n.find("min") != nullptr) {
                k.lo = static_cast<V>(c.n.attr_f("min", 0));
                k.has_lo = true;
            }
            if (c.n.find("max") != nullptr) {
                k.hi = static_cast<V>(c.n.attr_f("max", 0));
                k.has_hi = true;
            }
        }
        c.ex.for_each(n, k);
    });
}

/** Cast to TO from a runtime-typed input (floats → integers truncate; → bool: nonzero). */
template <class TO>
struct cast_kernel {
    const void* x;
    dtype from;
    bool from_float;
    TO* y;
    RL_HD void operator()(std::int64_t i) const {
        if constexpr (is_float_v<TO> || std::is_same_v<TO, bool>) {
            store(y, i, load_real(x, from, i));
        } else {
            if (from_float)
                store(y, i, load_real(x, from, i));
            else
                store(y, i, load_integer(x, from, i));
        }
    }
};

/** Cast and CastLike: to the output's element type (which the replay may have re-typed). */
template <class Exec>
void run_cast(node_call<Exec>& c) {
    const tensor_ref& x = c.in.at(0);
    const tensor_ref& y = c.out.at(0);
    visit_numeric(x.type, [](auto) {});  // validates the source type
    const std::int64_t n = y.numel();
    if (n == 0) return;
    if (x.type == y.type) {
        c.ex.copy(y.data, x.data, n * element_bytes(y.type));
        return;
    }
    visit_numeric(y.type, [&](auto tag) {
        using TO = typename decltype(tag)::type;
        c.ex.for_each(n, cast_kernel<TO>{x.data, x.type, is_float_type(x.type), y.as<TO>()});
    });
}

}  // namespace ridgeline::replay::ew

namespace ridgeline::replay {

/** Registers the elementwise operators. */
template <class Exec>
void register_elementwise(op_table<Exec>& t) {
    using ew::kinds;
    // Unary
    t.add("Relu", &ew::run_unary<Exec, ew::relu_op, kinds::numeric>);
    t.add("LeakyRelu", &ew::run_unary<Exec, ew::leaky_relu_op, kinds::floats>);
    t.add("Sigmoid", &ew::run_unary<Exec, ew::sigmoid_op, kinds::floats>);
    t.add("HardSigmoid", &ew::run_unary<Exec, ew::hard_sigmoid_op, kinds::floats>);
    t.add("HardSwish", &ew::run_unary<Exec, ew::hard_swish_op, kinds::floats>);
    t.add("Tanh", &ew::run_unary<Exec, ew::tanh_op, kinds::floats>);
    t.add("Erf", &ew::run_unary<Exec, ew::erf_op, kinds::floats>);
    t.add("Gelu", &ew::run_unary<Exec, ew::gelu_op, kinds::floats>);
    t.add("Softplus", &ew::run_unary<Exec, ew::softplus_op, kinds::floats>);
    t.add("Softsign", &ew::run_unary<Exec, ew::softsign_op, kinds::floats>);
    t.add("Elu", &ew::run_unary<Exec, ew::elu_op, kinds::floats>);
    t.add("Selu", &ew::run_unary<Exec, ew::selu_op, kinds::floats>);
    t.add("Celu", &ew::run_unary<Exec, ew::celu_op, kinds::floats>);
    t.add("ThresholdedRelu", &ew::run_unary<Exec, ew::thresholded_relu_op, kinds::floats>);
    t.add("Mish", &ew::run_unary<Exec, ew::mish_op, kinds::floats>);
    t.add("Swish", &ew::run_unary<Exec, ew::swish_op, kinds::floats>);
    t.add("Sqrt", &ew::run_unary<Exec, ew::sqrt_op, kinds::floats>);
    t.add("Reciprocal", &ew::run_unary<Exec, ew::reciprocal_op, kinds::floats>);
    t.add("Exp", &ew::run_unary<Exec, ew::exp_op, kinds::floats>);
    t.add("Log", &ew::run_unary<Exec, ew::log_op, kinds::floats>);
    t.add("Abs", &ew::run_unary<Exec, ew::abs_op, kinds::numeric>);
    t.add("Neg", &ew::run_unary<Exec, ew::neg_op, kinds::numeric>);
    t.add("Floor", &ew::run_unary<Exec, ew::floor_op, kinds::floats>);
    t.add("Ceil", &ew::run_unary<Exec, ew::ceil_op, kinds::floats>);
    t.add("Round", &ew::run_unary<Exec, ew::round_op, kinds::floats>);
    t.add("Sign", &ew::run_unary<Exec, ew::sign_op, kinds::numeric>);
    t.add("Sin", &ew::run_unary<Exec, ew::sin_op, kinds::floats>);
    t.add("Cos", &ew::run_unary<Exec, ew::cos_op, kinds::floats>);
    t.add("Tan", &ew::run_unary<Exec, ew::tan_op, kinds::floats>);
    t.add("Asin", &ew::run_unary<Exec, ew::asin_op, kinds::floats>);
    t.add("Acos", &ew::run_unary<Exec, ew::acos_op, kinds::floats>);
    t.add("Atan", &ew::run_unary<Exec, ew::atan_op, kinds::floats>);
    t.add("Sinh", &ew::run_unary<Exec, ew::sinh_op, kinds::floats>);
    t.add("Cosh", &ew::run_unary<Exec, ew::cosh_op, kinds::floats>);
    t.add("Asinh", &ew::run_unary<Exec, ew::asinh_op, kinds::floats>);
    t.add("Acosh", &ew::run_unary<Exec, ew::acosh_op, kinds::floats>);
    t.add("Atanh", &ew::run_unary<Exec, ew::atanh_op, kinds::floats>);
    t.add("Not", &ew::run_unary<Exec, ew::not_op, kinds::bools>);
    t.add("BitwiseNot", &ew::run_unary<Exec, ew::bitwise_not_op, kinds::integers>);
    t.add("Shrink", &ew::run_unary<Exec, ew::shrink_op, kinds::numeric>);
    t.add("IsNaN", &ew::run_predicate<Exec, ew::isnan_op>);
    t.add("IsInf", &ew::run_predicate<Exec, ew::isinf_op>);
    // Binary
    t.add("Add", &ew::run_binary<Exec, ew::add_op, kinds::numeric>);
    t.add("Sub", &ew::run_binary<Exec, ew::sub_op, kinds::numeric>);
    t.add("Mul", &ew::run_binary<Exec, ew::mul_op, kinds::numeric>);
    t.add("Div", &ew::run_binary<Exec, ew::div_op, kinds::numeric>);
    t.add("Mod", &ew::run_binary<Exec, ew::mod_op, kinds::numeric>);
    t.add("Pow", &ew::run_pow<Exec>);
    t.add("PRelu", &ew::run_binary<Exec, ew::prelu_op, kinds::numeric>);
    t.add("SwiGLU", &ew::run_binary<Exec, ew::swiglu_op, kinds::floats>);
    t.add("And", &ew::run_binary<Exec, ew::and_op, kinds::bools, true>);
    t.add("Or", &ew::run_binary<Exec, ew::or_op, kinds::bools, true>);
    t.add("Xor", &ew::run_binary<Exec, ew::xor_op, kinds::bools, true>);
    t.add("Equal", &ew::run_binary<Exec, ew::equal_op, kinds::any, true>);
    t.add("Less", &ew::run_binary<Exec, ew::less_op, kinds::numeric, true>);
    t.add("LessOrEqual", &ew::run_binary<Exec, ew::less_equal_op, kinds::numeric, true>);
    t.add("Greater", &ew::run_binary<Exec, ew::greater_op, kinds::numeric, true>);
    t.add("GreaterOrEqual", &ew::run_binary<Exec, ew::greater_equal_op, kinds::numeric, true>);
    t.add("BitShift", &ew::run_binary<Exec, ew::bit_shift_op, kinds::integers>);
    t.add("BitwiseAnd", &ew::run_binary<Exec, ew::bitwise_and_op, kinds::integers>);
    t.add("BitwiseOr", &ew::run_binary<Exec, ew::bitwise_or_op, kinds::integers>);
    t.add("BitwiseXor", &ew::run_binary<Exec, ew::bitwise_xor_op, kinds::integers>);
    // Variadic
    t.add("Min", &ew::run_variadic<Exec, ew::min_op, kinds::numeric>);
    t.add("Max", &ew::run_variadic<Exec, ew::max_op, kinds::numeric>);
    t.add("Sum", &ew::run_variadic<Exec, ew::add_op, kinds::numeric>);
    t.add("Mean", &ew::run_variadic<Exec, ew::add_op, kinds::floats, true>);
    // Selection and conversion
    t.add("Where", &ew::run_where<Exec>);
    t.add("Clip", &ew::run_clip<Exec>);
    t.add("Cast", &ew::run_cast<Exec>);
    t.add("CastLike", &ew::run_cast<Exec>);
}

}  // namespace ridgeline::replay
