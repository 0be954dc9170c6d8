// Replay family movement, generator part: operators whose output does not read an input's elements
// (Constant, ConstantOfShape, Shape, Size, Range, EyeLike). Small contents are computed on the host
// and uploaded; fills run as kernels. NonZero is not registered: its output shape depends on the data.
#pragma once

#include "movement_common.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace ridgeline::replay::movement_ops {

/** Uploads host values (doubles or integers) into `out` converted to its element type. */
template <class Exec>
void upload_values(Exec& ex, const tensor_ref& out, const std::vector<double>* reals,
                   const std::vector<std::int64_t>* ints) {
    const auto n = static_cast<std::size_t>(out.numel());
    if (n == 0) return;
    std::vector<std::byte> raw(n * static_cast<std::size_t>(element_bytes(out.type)));
    visit_numeric(out.type, [&](auto tag) {
        using T = typename decltype(tag)::type;
        auto* p = reinterpret_cast<T*>(raw.data());
        for (std::size_t i = 0; i < n; ++i) p[i] = reals != nullptr ? convert<T>((*reals)[i]) : convert<T>((*ints)[i]);
    });
    ex.from_host(out.data, raw.data(), static_cast<std::int64_t>(raw.size()));
}

/** Uploads a tensor attribute's known contents, or zeros when they are not known. */
template <class Exec>
void upload_tensor(Exec& ex, const tensor_ref& out, const tensor_info* t) {
    const auto n = static_cast<std::size_t>(out.numel());
    if (t != nullptr && t->data != nullptr && t->data->size() == n) {
        const known_data& d = *t->data;
        if (d.is_real) {
            upload_values(ex, out, &d.reals, nullptr);
            return;
        }
        std::vector<std::int64_t> v;
        v.reserve(n);
        for (const auto& x : d.ints) {
            if (!x.is_value()) break;
            v.push_back(x.value());
        }
        if (v.size() == n) {
            upload_values(ex, out, nullptr, &v);
            return;
        }
    }
    fill_with_bits(ex, out, 0);
}

/** Constant (value tensor, or value_float(s)/value_int(s)). */
template <class Exec>
void run_constant(node_call<Exec>& c) {
    const tensor_ref& out = c.out.at(0);
    for (const attribute& a : c.n.attributes) {
        if (a.name == "value") {
            upload_tensor(c.ex, out, a.t.get());
            return;
        }
        if (a.name == "value_float") {
            const std::vector<double> v(static_cast<std::size_t>(out.numel()), a.f);
            upload_values(c.ex, out, &v, nullptr);
            return;
        }
        if (a.name == "value_int") {
            const std::vector<std::int64_t> v(static_cast<std::size_t>(out.numel()), a.i);
            upload_values(c.ex, out, nullptr, &v);
            return;
        }
        if (a.name == "value_floats" || a.name == "value_ints") {
            const bool real = a.name == "value_floats";
            if ((real ? a.floats.size() : a.ints.size()) != static_cast<std::size_t>(out.numel())) {
                throw unsupported_node("constant of another size than its output");
            }
            upload_values(c.ex, out, real ? &a.floats : nullptr, real ? nullptr : &a.ints);
            return;
        }
    }
    throw unsupported_node("constant without a value, value_float(s) or value_int(s) attribute");
}

/** ConstantOfShape: the output filled with the value attribute's single element (default 0). */
template <class Exec>
void run_constant_of_shape(node_call<Exec>& c) {
    const tensor_ref& out = c.out.at(0);
    std::uint64_t bits = 0;
    const attribute* a = c.n.find("value");
    if (a != nullptr && a->t != nullptr && a->t->data != nullptr && a->t->data->size() >= 1) {
        const known_data& d = *a->t->data;
        if (d.is_real) {
            bits = value_bits(out.type, d.reals[0]);
        } else if (d.ints[0].is_value()) {
            bits = value_bits(out.type, d.ints[0].value());
        } else {
            throw unsupported_node("ConstantOfShape value unknown");
        }
    }
    fill_with_bits(c.ex, out, bits);
}

/** Shape (start/end attributes of opset 15): the input's dims, computed on the host. */
template <class Exec>
void run_shape(node_call<Exec>& c) {
    const tensor_ref& in = c.in.at(0);
    const tensor_ref& out = c.out.at(0);
    const std::int64_t rank = in.rank;
    auto bound = [&](std::int64_t v) { return std::clamp<std::int64_t>(v < 0 ? v + rank : v, 0, rank); };
    const std::int64_t start = bound(c.n.attr_i("start", 0));
    const std::int64_t end = bound(c.n.attr_i("end", rank));
    std::vector<std::int64_t> dims;
    for (std::int64_t d = start; d < end; ++d) dims.push_back(in.dims[d]);
    if (static_cast<std::int64_t>(dims.size()) != out.numel()) throw unsupported_node("shape output of another size");
    upload_values(c.ex, out, nullptr, &dims);
}

/** Size: the input's element count. */
template <class Exec>
void run_size(node_call<Exec>& c) {
    const std::vector<std::int64_t> v{c.in.at(0).numel()};
    if (c.out.at(0).numel() != 1) throw unsupported_node("size output of another size");
    upload_values(c.ex, c.out.at(0), nullptr, &v);
}

/** Range: out[i] = start + i · delta (floating in double, integers exactly). */
template <class T>
struct range_kernel {
    T* out;
    double start_f;
    double delta_f;
    std::int64_t start_i;
    std::int64_t delta_i;
    RL_HD void operator()(std::int64_t i) const {
        if constexpr (is_float_v<T>) {
            store(out, i, start_f + static_cast<double>(i) * delta_f);
        } else {
            store(out, i, start_i + i * delta_i);
        }
    }
};

/** Range (start, limit, delta scalars; the output is already sized). */
template <class Exec>
void run_range(node_call<Exec>& c) {
    const tensor_ref& out = c.out.at(0);
    const std::int64_t count = out.numel();
    if (count == 0) return;
    const bool integral = out.type == dtype::i64 || out.type == dtype::i32 || out.type == dtype::i16 ||
                          out.type == dtype::i8 || out.type == dtype::u8 || out.type == dtype::u16 ||
                          out.type == dtype::u32 || out.type == dtype::u64;
    visit_numeric(out.type, [&](auto tag) {
        using T = typename decltype(tag)::type;
        range_kernel<T> k{};
        k.out = out.as<T>();
        if (integral && (c.in.at(0).type == dtype::i64 || c.in.at(0).type == dtype::i32)) {
            k.start_i = c.ints(0).at(0);
            k.delta_i = c.ints(2).at(0);
        } else {
            k.start_f = c.reals(0).at(0);
            k.delta_f = c.reals(2).at(0);
            k.start_i = static_cast<std::int64_t>(k.start_f);
            k.delta_i = static_cast<std::int64_t>(k.delta_f);
        }
        c.ex.for_each(count, k);
    });
}

/** EyeLike: ones where col − row = k, zeros elsewhere. */
template <class U>
struct eye_kernel {
    U* out;
    U one;
    std::int64_t cols;
    std::int64_t k;
    RL_HD void operator()(std::int64_t i) const {
        const std::int64_t row = i / cols;
        out[i] = (i - row * cols) - row == k ? one : U{};
    }
};

/** EyeLike (k; the output type is already the dtype attribute's). */
template <class Exec>
void run_eye_like(node_call<Exec>& c) {
    const tensor_ref& out = c.out.at(0);
    if (out.rank != 2) throw unsupported_node("EyeLike needs a 2-D tensor");
    const std::int64_t count = out.numel();
    if (count == 0) return;
    const std::uint64_t one = value_bits(out.type, std::int64_t{1});
    visit_bits(out.type, [&](auto tag) {
        using U = typename decltype(tag)::type;
        c.ex.for_each(count, eye_kernel<U>{out.as<U>(), bits_as<U>(one), out.dims[1], c.n.attr_i("k", 0)});
    });
}

}  // namespace ridgeline::replay::movement_ops
