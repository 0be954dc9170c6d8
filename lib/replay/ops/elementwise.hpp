// Replay family "elementwise": selection and conversion — Where (three-way broadcasting, moving
// bits), Clip (bounds as inputs or attributes) and Cast/CastLike. The unary operators are in
// elementwise_unary.hpp, the binary and variadic ones in elementwise_binary.hpp.
#pragma once

#include "elementwise_common.hpp"

namespace ridgeline::replay {

namespace ew {

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

}  // namespace ew

/** Registers Where, Clip, Cast and CastLike. */
template <class Exec>
void register_elementwise(op_table<Exec>& t) {
    t.add("Where", &ew::run_where<Exec>);
    t.add("Clip", &ew::run_clip<Exec>);
    t.add("Cast", &ew::run_cast<Exec>);
    t.add("CastLike", &ew::run_cast<Exec>);
}

}  // namespace ridgeline::replay
