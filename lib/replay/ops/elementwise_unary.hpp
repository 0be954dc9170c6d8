// Replay family "elementwise": unary operators (activations, transcendental and rounding
// functions, Not/BitwiseNot, the IsNaN/IsInf predicates), each a functor over the compute type.
#pragma once

#include "elementwise_common.hpp"

namespace ridgeline::replay {

namespace ew {

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

}  // namespace ew

/** Registers the unary elementwise operators. */
template <class Exec>
void register_elementwise_unary(op_table<Exec>& t) {
    using ew::kinds;
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
}

}  // namespace ridgeline::replay
