// Replay family "elementwise": binary operators with numpy broadcasting (arithmetic, comparisons,
// logic, bit operations, Pow, PRelu, SwiGLU) and the variadic ones (Min, Max, Sum, Mean), which
// fold the binary functors over up to eight inputs per pass.
#pragma once

#include "elementwise_common.hpp"
#include "elementwise_unary.hpp"  // SwiGLU gates with sigmoid_op

#include <vector>

namespace ridgeline::replay {

namespace ew {

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

}  // namespace ew

/** Registers the binary and variadic elementwise operators. */
template <class Exec>
void register_elementwise_binary(op_table<Exec>& t) {
    using ew::kinds;
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
}

}  // namespace ridgeline::replay
