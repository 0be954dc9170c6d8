// Replay family: pooling. MaxPool (with its optional Indices output), AveragePool and LpPool over
// 1–3 spatial dims, one thread per output element walking its window; GlobalAveragePool,
// GlobalMaxPool and GlobalLpPool as row reductions (a row per N·C plane, lanes over the plane).
// Windows come from the attributes and the already inferred output shape (auto_pad, ceil_mode).
// MaxUnpool zero-fills and scatters by the indices.
#pragma once

#include "../math.hpp"
#include "../op_table.hpp"
#include "movement_common.hpp"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace ridgeline::replay {

namespace pool_ops {

/** Pooling kinds. */
enum pool_kind : int { pool_max = 0, pool_avg = 1, pool_lp = 2 };

/** First k with s + k·dil ≥ 0. */
RL_HD inline int window_first(int s, int dil) { return s >= 0 ? 0 : (-s + dil - 1) / dil; }
/** One past the last k < kernel with s + k·dil < limit. */
RL_HD inline int window_end(int s, int dil, int limit, int kernel) {
    if (limit <= s) return 0;
    const int e = (limit - s + dil - 1) / dil;
    return e < kernel ? e : kernel;
}

/**
 * Windowed pooling over [N·C, D, H, W] (fewer spatial dims padded with leading 1s): out[i] pools
 * the window positions start + k·dilation that fall inside the input. Geometry within a plane is
 * 32-bit (the host checks that it fits).
 */
template <class T, int Kind>
struct window_pool {
    using V = compute_t<T>;
    T* out;
    const T* in;
    std::int64_t* indices;  // MaxPool's second output, or null
    bool include_pad;       // AveragePool count_include_pad
    bool column_major;      // MaxPool storage_order 1
    V lowest;               // max's start value
    V p;                    // LpPool's p
    int in_d[3];
    int out_d[3];
    int kernel[3];
    int stride[3];
    int dilation[3];
    int pad_begin[3];
    int padded_end[3];  // in + pad_end: the limit of positions counted with count_include_pad
    RL_HD void operator()(std::int64_t i) const {
        std::int64_t r = i / out_d[2];
        const int ow = static_cast<int>(i - r * out_d[2]);
        std::int64_t q = r / out_d[1];
        const int oh = static_cast<int>(r - q * out_d[1]);
        const std::int64_t nc = q / out_d[0];
        const int od = static_cast<int>(q - nc * out_d[0]);
        const int plane = in_d[0] * in_d[1] * in_d[2];
        const T* x = in + nc * plane;
        const int s0 = od * stride[0] - pad_begin[0];
        const int s1 = oh * stride[1] - pad_begin[1];
        const int s2 = ow * stride[2] - pad_begin[2];
        const int a0 = window_first(s0, dilation[0]), e0 = window_end(s0, dilation[0], in_d[0], kernel[0]);
        const int a1 = window_first(s1, dilation[1]), e1 = window_end(s1, dilation[1], in_d[1], kernel[1]);
        const int a2 = window_first(s2, dilation[2]), e2 = window_end(s2, dilation[2], in_d[2], kernel[2]);
        V acc = Kind == pool_max ? lowest : V(0);
        int best = -1;
        for (int k0 = a0; k0 < e0; ++k0) {
            const int z = s0 + k0 * dilation[0];
            for (int k1 = a1; k1 < e1; ++k1) {
                const int row = (z * in_d[1] + s1 + k1 * dilation[1]) * in_d[2] + s2;
                for (int k2 = a2; k2 < e2; ++k2) {
                    const int at = row + k2 * dilation[2];
                    const V v = load(x, at);
                    if constexpr (Kind == pool_max) {
                        if (best < 0 || v > acc) {
                            acc = v;
                            best = at;
                        }
                    } else if constexpr (Kind == pool_avg) {
                        acc += v;
                    } else {
                        acc += lp_term(v);
                    }
                }
            }
        }
        if constexpr (Kind == pool_avg) {
            std::int64_t div = 1;
            if (include_pad) {
                // Window positions inside [-pad_begin, in + pad_end) per dim (s ≥ -pad_begin always).
                div = static_cast<std::int64_t>(window_end(s0, dilation[0], padded_end[0], kernel[0])) *
                      window_end(s1, dilation[1], padded_end[1], kernel[1]) *
                      window_end(s2, dilation[2], padded_end[2], kernel[2]);
            } else {
                const int n0 = e0 - a0, n1 = e1 - a1, n2 = e2 - a2;
                div = n0 > 0 && n1 > 0 && n2 > 0 ? static_cast<std::int64_t>(n0) * n1 * n2 : 0;
            }
            acc = div > 0 ? acc / static_cast<V>(div) : V(0);
        } else if constexpr (Kind == pool_lp) {
            acc = lp_root(acc);
        }
        store(out, i, acc);
        if constexpr (Kind == pool_max) {
            if (indices != nullptr) {
                std::int64_t at = best < 0 ? 0 : best;
                if (column_major && best >= 0) {
                    const int w = best % in_d[2];
                    const int h = (best / in_d[2]) % in_d[1];
                    const int d = best / (in_d[2] * in_d[1]);
                    at = (static_cast<std::int64_t>(w) * in_d[1] + h) * in_d[0] + d;
                }
                indices[i] = nc * plane + at;
            }
        }
    }
    RL_HD V lp_term(V v) const {
        if constexpr (is_float_v<T>) {
            return math::pow(math::fabs(v), p);
        } else {
            return v;
        }
    }
    RL_HD V lp_root(V v) const {
        if constexpr (is_float_v<T>) {
            return math::pow(v, V(1) / p);
        } else {
            return v;
        }
    }
};

/** Start value of a max over compute type V. */
template <class T>
compute_t<T> lowest_of() {
    using V = compute_t<T>;
    if constexpr (is_float_v<T>) {
        return -std::numeric_limits<V>::infinity();
    } else {
        return static_cast<V>(std::numeric_limits<T>::lowest());
    }
}

/** Element types a pool runs on: floats, plus int8/uint8 for MaxPool. */
template <class F>
void visit_pool_type(dtype t, bool integers, F&& f) {
    if (integers && t == dtype::i8) {
        f(type_tag<std::int8_t>{});
    } else if (integers && t == dtype::u8) {
        f(type_tag<std::uint8_t>{});
    } else {
        visit_float(t, f);
    }
}

/** MaxPool, AveragePool, LpPool. */
template <class Exec, int Kind>
void run_window_pool(node_call<Exec>& c) {
    const tensor_ref& in = c.in.at(0);
    const tensor_ref& out = c.out.at(0);
    const int spatial = in.rank - 2;
    if (spatial < 1 || spatial > 3 || out.rank != in.rank) throw unsupported_node("pooling over 1–3 spatial dims only");
    const auto kernel = c.n.attr_ints("kernel_shape");
    if (static_cast<int>(kernel.size()) != spatial) throw unsupported_node("kernel_shape does not match the input");
    auto strides = c.n.attr_ints("strides");
    auto dilations = c.n.attr_ints("dilations");
    auto pads = c.n.attr_ints("pads");
    if (strides.empty()) strides.assign(static_cast<std::size_t>(spatial), 1);
    if (dilations.empty()) dilations.assign(static_cast<std::size_t>(spatial), 1);
    if (pads.empty()) pads.assign(static_cast<std::size_t>(2 * spatial), 0);
    if (static_cast<int>(strides.size()) != spatial || static_cast<int>(dilations.size()) != spatial ||
        static_cast<int>(pads.size()) != 2 * spatial) {
        throw unsupported_node("strides, dilations or pads do not match the input");
    }
    const std::string auto_pad = c.n.attr_s("auto_pad", "NOTSET");
    const std::int64_t count = out.numel();
    if (count == 0) return;
    // Geometry per spatial dim, leading dims of size 1 when there are fewer than 3.
    std::int64_t g_in[3] = {1, 1, 1}, g_out[3] = {1, 1, 1}, g_kernel[3] = {1, 1, 1}, g_stride[3] = {1, 1, 1};
    std::int64_t g_dil[3] = {1, 1, 1}, g_begin[3] = {0, 0, 0}, g_end[3] = {1, 1, 1};
    for (int s = 0; s < spatial; ++s) {
        const int d = 3 - spatial + s;
        const auto j = static_cast<std::size_t>(s);
        const std::int64_t n = in.dims[2 + s];
        const std::int64_t o = out.dims[2 + s];
        std::int64_t begin = pads[j];
        std::int64_t end = pads[j + static_cast<std::size_t>(spatial)];
        if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
            const std::int64_t need = (o - 1) * strides[j] + (kernel[j] - 1) * dilations[j] + 1 - n;
            const std::int64_t total = need > 0 ? need : 0;
            begin = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
            end = total - begin;
        } else if (auto_pad == "VALID") {
            begin = 0;
            end = 0;
        } else if (auto_pad != "NOTSET" && !auto_pad.empty()) {
            throw unsupported_node("auto_pad " + auto_pad);
        }
        if (n <= 0 || kernel[j] <= 0 || strides[j] <= 0 || dilations[j] <= 0 || begin < 0 || end < 0) {
            throw unsupported_node("pooling geometry");
        }
        g_in[d] = n;
        g_out[d] = o;
        g_kernel[d] = kernel[j];
        g_stride[d] = strides[j];
        g_dil[d] = dilations[j];
        g_begin[d] = begin;
        g_end[d] = n + end;
    }
    // 32-bit in-plane geometry: every coordinate a window touches, and the plane, must fit.
    constexpr std::int64_t limit = std::int64_t{1} << 30;
    std::int64_t plane = 1;
    for (int d = 0; d < 3; ++d) {
        plane *= g_in[d];
        const std::int64_t reach = g_out[d] * g_stride[d] + g_kernel[d] * g_dil[d] + g_end[d];
        if (reach >= limit || plane >= limit) throw unsupported_node("pooling plane too large for 32-bit indexing");
    }
    std::int64_t* indices = nullptr;
    if (Kind == pool_max && c.out.size() > 1 && c.out[1].data != nullptr) {
        if (c.out[1].type != dtype::i64 || c.out[1].numel() != count) throw unsupported_node("MaxPool indices");
        indices = c.out[1].template as<std::int64_t>();
    }
    const bool column_major = c.n.attr_i("storage_order", 0) != 0;
    const bool include_pad = Kind == pool_avg && c.n.attr_i("count_include_pad", 0) != 0;
    const double p = static_cast<double>(c.n.attr_i("p", 2));
    visit_pool_type(out.type, Kind == pool_max, [&](auto tag) {
        using T = typename decltype(tag)::type;
        using V = compute_t<T>;
        window_pool<T, Kind> k{};
        k.out = out.as<T>();
        k.in = in.as<const T>();
        k.indices = indices;
        k.include_pad = include_pad;
        k.column_major = column_major;
        k.lowest = lowest_of<T>();
        k.p = static_cast<V>(p);
        for (int d = 0; d < 3; ++d) {
            k.in_d[d] = static_cast<int>(g_in[d]);
            k.out_d[d] = static_cast<int>(g_out[d]);
            k.kernel[d] = static_cast<int>(g_kernel[d]);
            k.stride[d] = static_cast<int>(g_stride[d]);
            k.dilation[d] = static_cast<int>(g_dil[d]);
            k.pad_begin[d] = static_cast<int>(g_begin[d]);
            k.padded_end[d] = static_cast<int>(g_end[d]);
        }
        c.ex.for_each(count, k);
    });
}

/** Global pooling: one row per N·C plane, the lanes of a row striding over the plane. */
template <class T, int Kind>
struct global_pool {
    using V = compute_t<T>;
    T* out;
    const T* in;
    std::int64_t cols;
    V lowest;
    V p;
    RL_HD void operator()(std::int64_t row, int lane, int lanes) const {
        const T* x = in + row * cols;
        V acc = Kind == pool_max ? lowest : V(0);
        for (std::int64_t j = lane; j < cols; j += lanes) {
            const V v = load(x, j);
            if constexpr (Kind == pool_max) {
                acc = v > acc ? v : acc;
            } else if constexpr (Kind == pool_avg) {
                acc += v;
            } else {
                acc += math::pow(math::fabs(v), p);
            }
        }
        if constexpr (Kind == pool_max) {
            acc = lanes_max(acc, lanes);
        } else {
            acc = lanes_sum(acc, lanes);
        }
        if (lane == 0) {
            if constexpr (Kind == pool_avg) {
                acc = cols > 0 ? acc / static_cast<V>(cols) : V(0);
            } else if constexpr (Kind == pool_lp) {
                acc = math::pow(acc, V(1) / p);
            }
            store(out, row, acc);
        }
    }
};

/** GlobalMaxPool, GlobalAveragePool, GlobalLpPool. */
template <class Exec, int Kind>
void run_global_pool(node_call<Exec>& c) {
    const tensor_ref& in = c.in.at(0);
    const tensor_ref& out = c.out.at(0);
    if (in.rank < 2) throw unsupported_node("global pooling needs [N, C, …]");
    const std::int64_t rows = in.dims[0] * in.dims[1];
    if (rows == 0) return;
    if (out.numel() != rows) throw unsupported_node("global pooling output of another size");
    const std::int64_t cols = in.numel() / rows;
    const double p = static_cast<double>(c.n.attr_i("p", 2));
    visit_float(out.type, [&](auto tag) {
        using T = typename decltype(tag)::type;
        using V = compute_t<T>;
        c.ex.for_each_row(rows, cols,
                          global_pool<T, Kind>{out.as<T>(), in.as<const T>(), cols, lowest_of<T>(), static_cast<V>(p)});
    });
}

/**
 * MaxUnpool's scatter: out[I[i]] = X[i]. Indices are flat over the default unpooled shape `from`
 * (clamped into it); when output_shape asked for a larger output, the coordinates are re-laid over it.
 */
template <class U, class I>
struct unpool_scatter {
    U* out;
    const U* in;
    const I* idx;
    std::int64_t from_count;
    int rank;
    bool relayout;
    std::int64_t from[max_rank];
    std::int64_t to[max_rank];
    RL_HD void operator()(std::int64_t i) const {
        std::int64_t k = static_cast<std::int64_t>(idx[i]);
        k = k < 0 ? 0 : (k >= from_count ? from_count - 1 : k);
        if (relayout) {
            std::int64_t o = 0;
            std::int64_t stride = 1;
            movement_ops::walk_coords(k, rank, from, [&](int d, std::int64_t x) {
                o += (x < to[d] ? x : to[d] - 1) * stride;
                stride *= to[d];
            });
            k = o;
        }
        out[k] = in[i];
    }
};

/** MaxUnpool: zeros, then each input element written where its index points (output shape inferred). */
template <class Exec>
void run_max_unpool(node_call<Exec>& c) {
    const tensor_ref& in = c.in.at(0);
    const tensor_ref& ind = c.in.at(1);
    const tensor_ref& out = c.out.at(0);
    const std::int64_t count = out.numel();
    if (count == 0) return;
    if (ind.numel() != in.numel()) throw unsupported_node("MaxUnpool indices do not match the input");
    if (out.rank != in.rank || in.rank < 3) throw unsupported_node("MaxUnpool needs [N, C, spatial…]");
    const int spatial = in.rank - 2;
    const auto kernel = c.n.attr_ints("kernel_shape");
    auto strides = c.n.attr_ints("strides");
    auto pads = c.n.attr_ints("pads");
    if (strides.empty()) strides.assign(static_cast<std::size_t>(spatial), 1);
    if (pads.empty()) pads.assign(static_cast<std::size_t>(2 * spatial), 0);
    if (static_cast<int>(kernel.size()) != spatial || static_cast<int>(strides.size()) != spatial ||
        static_cast<int>(pads.size()) != 2 * spatial) {
        throw unsupported_node("kernel_shape, strides or pads do not match the input");
    }
    // The shape MaxPool's indices refer to: the unpooled shape without output_shape.
    std::int64_t from[max_rank] = {in.dims[0], in.dims[1]};
    std::int64_t from_count = in.dims[0] * in.dims[1];
    bool relayout = false;
    for (int s = 0; s < spatial; ++s) {
        const auto j = static_cast<std::size_t>(s);
        from[2 + s] =
            (in.dims[2 + s] - 1) * strides[j] + kernel[j] - pads[j] - pads[j + static_cast<std::size_t>(spatial)];
        if (from[2 + s] <= 0) throw unsupported_node("MaxUnpool geometry");
        from_count *= from[2 + s];
        relayout = relayout || from[2 + s] != out.dims[2 + s];
    }
    auto launch = [&](auto itag) {
        using I = typename decltype(itag)::type;
        movement_ops::fill_with_bits(c.ex, out, 0);
        if (in.numel() == 0) return;
        visit_bits(out.type, [&](auto tag) {
            using U = typename decltype(tag)::type;
            unpool_scatter<U, I> k{};
            k.out = out.as<U>();
            k.in = in.as<const U>();
            k.idx = ind.as<const I>();
            k.from_count = relayout ? from_count : count;
            k.rank = out.rank;
            k.relayout = relayout;
            for (int d = 0; d < out.rank; ++d) {
                k.from[d] = from[d];
                k.to[d] = out.dims[d];
            }
            c.ex.for_each(in.numel(), k);
        });
    };
    if (ind.type == dtype::i64) {
        launch(type_tag<std::int64_t>{});
    } else if (ind.type == dtype::i32) {
        launch(type_tag<std::int32_t>{});
    } else {
        throw unsupported_node("MaxUnpool indices must be int32 or int64");
    }
}

}  // namespace pool_ops

/** Registers the pool operators. */
template <class Exec>
void register_pooling(op_table<Exec>& t) {
    using namespace pool_ops;  // NOLINT(google-build-using-namespace): the family's run_* functions
    t.add("MaxPool", &run_window_pool<Exec, pool_max>);
    t.add("AveragePool", &run_window_pool<Exec, pool_avg>);
    t.add("LpPool", &run_window_pool<Exec, pool_lp>);
    t.add("GlobalMaxPool", &run_global_pool<Exec, pool_max>);
    t.add("GlobalAveragePool", &run_global_pool<Exec, pool_avg>);
    t.add("GlobalLpPool", &run_global_pool<Exec, pool_lp>);
    t.add("MaxUnpool", &run_max_unpool<Exec>);
}

}  // namespace ridgeline::replay
