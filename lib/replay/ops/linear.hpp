// Replay family: linear algebra. MatMul, Gemm and Einsum go through the executor's gemm (cuBLASLt on
// the GPU) when their operands are floating; Conv through its conv (cuDNN); ConvTranspose as a gemm
// (weights^T · input, per group) followed by a col2im functor that also adds the bias. Integer
// operands and einsums that are not one batched product run as plain functors (one output element
// per thread). The functors are compiled for the host and by nvcc for the device: trivially
// copyable, no containers, no exceptions.
#pragma once

#include "../op_table.hpp"

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace ridgeline::replay {

namespace linear_detail {

// ---- functors --------------------------------------------------------------------------------

/** y[i] = c[broadcast offset of i] (Gemm's bias C written into Y before the product). */
template <class T>
struct broadcast_copy {
    const T* c;
    T* y;
    broadcast_strides map;
    RL_HD void operator()(std::int64_t i) const { y[i] = c[map.offset(i)]; }
};

/** out[i] = in[map.offset(i)]: a permutation (or any strided gather) of raw elements. */
template <class U>
struct strided_copy {
    const U* in;
    U* out;
    broadcast_strides map;
    RL_HD void operator()(std::int64_t i) const { out[i] = in[map.offset(i)]; }
};

/** y[i] += bias[channel of i], y laid out [N, channels, plane]. */
template <class T>
struct add_channel_bias {
    T* y;
    const T* bias;
    std::int64_t channels;
    std::int64_t plane;
    RL_HD void operator()(std::int64_t i) const {
        const std::int64_t ch = (i / plane) % channels;
        store(y, i, load(y, i) + load(bias, ch));
    }
};

/**
 * One element of a strided batched matrix product per call (the gemm_desc semantics) for the
 * element types the libraries do not take (integers): i = (batch, row, column).
 */
template <class T>
struct gemm_naive {
    const T* a;
    const T* b;
    T* c;
    bool trans_a;
    bool trans_b;
    std::int64_t m, n, k, lda, ldb, ldc, stride_a, stride_b, stride_c;
    double alpha;
    double beta;
    RL_HD void operator()(std::int64_t i) const {
        const std::int64_t col = i % n;
        const std::int64_t r = i / n;
        const std::int64_t row = r % m;
        const std::int64_t p = r / m;
        const T* ap = a + p * stride_a;
        const T* bp = b + p * stride_b;
        T* cp = c + p * stride_c;
        compute_t<T> acc = 0;
        for (std::int64_t q = 0; q < k; ++q) {
            acc +=
                load(ap, trans_a ? q * lda + row : row * lda + q) * load(bp, trans_b ? col * ldb + q : q * ldb + col);
        }
        const std::int64_t at = row * ldc + col;
        if (alpha == 1 && beta == 0) {
            store(cp, at, acc);
        } else {
            const double prior = beta != 0 ? beta * static_cast<double>(load(cp, at)) : 0.0;
            store(cp, at, alpha * static_cast<double>(acc) + prior);
        }
    }
};

/** Most operands and distinct labels the generic einsum kernel takes. */
constexpr int einsum_max_operands = 4;
constexpr int einsum_max_labels = 24;

/**
 * Generic einsum: one output element per call, summing the product of the operands over the
 * contracted labels. Labels [0, out_labels) are the output's (row-major), the rest are summed;
 * stride[k][l] is operand k's element stride along label l (0 when broadcast; diagonal labels add).
 */
template <class T>
struct einsum_kernel {
    int operands = 0;
    const T* in[einsum_max_operands] = {};
    T* out = nullptr;
    int out_labels = 0;
    int labels = 0;
    std::int64_t size[einsum_max_labels] = {};
    std::int64_t stride[einsum_max_operands][einsum_max_labels] = {};
    std::int64_t inner = 1;  // product of the contracted sizes
    RL_HD void operator()(std::int64_t i) const {
        std::int64_t base[einsum_max_operands] = {};
        std::int64_t rem = i;
        for (int l = out_labels - 1; l >= 0; --l) {
            const std::int64_t q = rem / size[l];
            const std::int64_t idx = rem - q * size[l];
            rem = q;
            for (int k = 0; k < operands; ++k) base[k] += idx * stride[k][l];
        }
        compute_t<T> acc = 0;
        for (std::int64_t j = 0; j < inner; ++j) {
            std::int64_t off[einsum_max_operands] = {};
            for (int k = 0; k < operands; ++k) off[k] = base[k];
            std::int64_t r = j;
            for (int l = labels - 1; l >= out_labels; --l) {
                const std::int64_t q = r / size[l];
                const std::int64_t idx = r - q * size[l];
                r = q;
                for (int k = 0; k < operands; ++k) off[k] += idx * stride[k][l];
            }
            compute_t<T> prod = load(in[0], off[0]);
            for (int k = 1; k < operands; ++k) prod *= load(in[k], off[k]);
            acc += prod;
        }
        store(out, i, acc);
    }
};

/**
 * ConvTranspose's col2im with bias: y[n, m, out…] = Σ cols[n, g, (m mod mpg)·kplane + kidx, in_idx]
 * over the kernel taps that map an input position onto the output position (out = in·stride −
 * pad + tap·dilation), plus bias[m] when given. Spatial dims padded to three (size 1) in front.
 */
template <class T>
struct col2im {
    const T* cols = nullptr;
    const T* bias = nullptr;
    T* y = nullptr;
    std::int64_t maps = 0, group = 1, mpg = 0;
    std::int64_t out_sz[3] = {1, 1, 1}, in_sz[3] = {1, 1, 1}, k_sz[3] = {1, 1, 1};
    std::int64_t st[3] = {1, 1, 1}, dl[3] = {1, 1, 1}, pb[3] = {0, 0, 0};
    RL_HD void operator()(std::int64_t i) const {
        const std::int64_t out_plane = out_sz[0] * out_sz[1] * out_sz[2];
        const std::int64_t in_plane = in_sz[0] * in_sz[1] * in_sz[2];
        const std::int64_t kplane = k_sz[0] * k_sz[1] * k_sz[2];
        const std::int64_t o = i % out_plane;
        const std::int64_t r = i / out_plane;
        const std::int64_t m = r % maps;
        const std::int64_t nb = r / maps;
        const std::int64_t g = m / mpg;
        const std::int64_t mi = m - g * mpg;
        const std::int64_t o0 = o / (out_sz[1] * out_sz[2]);
        const std::int64_t o1 = (o / out_sz[2]) % out_sz[1];
        const std::int64_t o2 = o % out_sz[2];
        const T* base = cols + ((nb * group + g) * mpg + mi) * kplane * in_plane;
        compute_t<T> acc = bias != nullptr ? load(bias, m) : compute_t<T>(0);
        for (std::int64_t k0 = 0; k0 < k_sz[0]; ++k0) {
            const std::int64_t t0 = o0 + pb[0] - k0 * dl[0];
            if (t0 < 0 || t0 % st[0] != 0 || t0 / st[0] >= in_sz[0]) continue;
            const std::int64_t i0 = t0 / st[0];
            for (std::int64_t k1 = 0; k1 < k_sz[1]; ++k1) {
                const std::int64_t t1 = o1 + pb[1] - k1 * dl[1];
                if (t1 < 0 || t1 % st[1] != 0 || t1 / st[1] >= in_sz[1]) continue;
                const std::int64_t i1 = t1 / st[1];
                for (std::int64_t k2 = 0; k2 < k_sz[2]; ++k2) {
                    const std::int64_t t2 = o2 + pb[2] - k2 * dl[2];
                    if (t2 < 0 || t2 % st[2] != 0 || t2 / st[2] >= in_sz[2]) continue;
                    const std::int64_t i2 = t2 / st[2];
                    const std::int64_t kidx = (k0 * k_sz[1] + k1) * k_sz[2] + k2;
                    acc += load(base, kidx * in_plane + (i0 * in_sz[1] + i1) * in_sz[2] + i2);
                }
            }
        }
        store(y, i, acc);
    }
};

// ---- host helpers ----------------------------------------------------------------------------

/** Rounds a byte count up to 256 (carving one scratch buffer into aligned pieces). */
inline std::int64_t align_256(std::int64_t bytes) { return (bytes + 255) / 256 * 256; }

/** Throws unsupported_node naming `op` unless every listed tensor has the first one's element type. */
inline void same_types(const char* op, std::initializer_list<const tensor_ref*> refs) {
    const dtype t = (*refs.begin())->type;
    for (const auto* r : refs) {
        if (r->type != t) {
            throw unsupported_node(std::string(op) + ": operands of different element types (" +
                                   std::string(dtype_name(t)) + ", " + std::string(dtype_name(r->type)) + ")");
        }
    }
}

/** Runs a gemm_desc: the executor's gemm for floating types, gemm_naive for the others. */
template <class Exec>
void run_gemm(node_call<Exec>& c, const gemm_desc& d) {
    if (d.m == 0 || d.n == 0 || d.batch == 0) return;
    visit_numeric(d.type, [&](auto tag) {
        using T = typename decltype(tag)::type;
        if constexpr (is_float_v<T>) {
            c.ex.gemm(d);
        } else {
            c.ex.for_each(
                d.batch * d.m * d.n,
                gemm_naive<T>{static_cast<const T*>(d.a), static_cast<const T*>(d.b), static_cast<T*>(d.c), d.trans_a,
                              d.trans_b, d.m, d.n, d.k, d.lda, d.ldb, d.ldc, d.stride_a, d.stride_b, d.stride_c,
                              static_cast<double>(d.alpha), static_cast<double>(d.beta)});
        }
    });
}

/** A pointer `elements` elements of type t past p. */
inline const void* advance(const void* p, std::int64_t elements, dtype t) {
    return static_cast<const std::byte*>(p) + elements * element_bytes(t);
}
/** A pointer `elements` elements of type t past p (mutable). */
inline void* advance(void* p, std::int64_t elements, dtype t) {
    return static_cast<std::byte*>(p) + elements * element_bytes(t);
}

/** Copies raw elements: out[i] = in[map.offset(i)] for i in [0, map's element count). */
template <class Exec>
void gather(Exec& ex, dtype t, const void* in, void* out, const broadcast_strides& map) {
    std::int64_t n = 1;
    for (int d = 0; d < map.rank; ++d) n *= map.dims[d];
    if (n == 0) return;
    visit_bits(t, [&](auto tag) {
        using U = typename decltype(tag)::type;
        ex.for_each(n, strided_copy<U>{static_cast<const U*>(in), static_cast<U*>(out), map});
    });
}

// ---- MatMul ----------------------------------------------------------------------------------

/** numpy matmul: 1-D operands promoted, batch dims broadcast; as few strided batched gemms as possible. */
template <class Exec>
void run_matmul(node_call<Exec>& c) {
    const tensor_ref& a = c.in[0];
    const tensor_ref& b = c.in[1];
    const tensor_ref& y = c.out[0];
    same_types("MatMul", {&a, &b, &y});
    if (a.rank < 1 || b.rank < 1) throw unsupported_node("MatMul of a scalar");
    const std::int64_t m = a.rank >= 2 ? a.dims[a.rank - 2] : 1;
    const std::int64_t k = a.dims[a.rank - 1];
    const std::int64_t kb = b.rank >= 2 ? b.dims[b.rank - 2] : b.dims[0];
    const std::int64_t n = b.rank >= 2 ? b.dims[b.rank - 1] : 1;
    if (k != kb)
        throw unsupported_node("MatMul: inner dims " + std::to_string(k) + " and " + std::to_string(kb) + " differ");

    // Batch dims, right-aligned and broadcast; per-operand strides in elements (0 where broadcast).
    const int ra = std::max(a.rank - 2, 0), rb = std::max(b.rank - 2, 0), nb = std::max(ra, rb);
    std::int64_t bs[max_rank] = {}, da[max_rank] = {}, db[max_rank] = {}, sa[max_rank] = {}, sb[max_rank] = {};
    for (int d = 0; d < nb; ++d) {
        const int ka = d - (nb - ra), kbi = d - (nb - rb);
        da[d] = ka >= 0 ? a.dims[ka] : 1;
        db[d] = kbi >= 0 ? b.dims[kbi] : 1;
        if (da[d] != db[d] && da[d] != 1 && db[d] != 1) throw unsupported_node("MatMul: batch dims do not broadcast");
        bs[d] = std::max(da[d], db[d]);
        if (da[d] == 0 || db[d] == 0) bs[d] = 0;
    }
    std::int64_t step_a = m * k, step_b = k * n;
    for (int d = nb - 1; d >= 0; --d) {
        sa[d] = da[d] == 1 ? 0 : step_a;
        sb[d] = db[d] == 1 ? 0 : step_b;
        step_a *= da[d];
        step_b *= db[d];
    }
    std::int64_t batch = 1;
    for (int d = 0; d < nb; ++d) batch *= bs[d];
    if (y.numel() != batch * m * n) throw unsupported_node("MatMul: output shape disagrees with the operands");
    if (y.numel() == 0) return;

    // Longest suffix of batch dims over which each operand is either whole (contiguous) or broadcast.
    auto uniform = [&](const std::int64_t* dims, int from) {
        bool whole = true, bcast = true;
        for (int d = from; d < nb; ++d) {
            if (bs[d] == 1) continue;
            whole = whole && dims[d] == bs[d];
            bcast = bcast && dims[d] == 1;
        }
        return whole || bcast;
    };
    int split = nb;  // suffix [split, nb) goes in one call
    for (int s = 0; s <= nb; ++s) {
        if (uniform(da, s) && uniform(db, s)) {
            split = s;
            break;
        }
    }
    std::int64_t inner = 1;
    bool a_whole = true, b_whole = true;
    for (int d = split; d < nb; ++d) {
        inner *= bs[d];
        if (bs[d] != 1) {
            a_whole = a_whole && da[d] == bs[d];
            b_whole = b_whole && db[d] == bs[d];
        }
    }
    broadcast_strides outer_a, outer_b;
    outer_a.rank = outer_b.rank = split;
    std::int64_t outer = 1;
    for (int d = 0; d < split; ++d) {
        outer_a.dims[d] = outer_b.dims[d] = bs[d];
        outer_a.strides[d] = sa[d];
        outer_b.strides[d] = sb[d];
        outer *= bs[d];
    }

    gemm_desc g;
    g.type = a.type;
    g.m = m;
    g.n = n;
    g.k = k;
    g.lda = k;
    g.ldb = n;
    g.ldc = n;
    g.stride_a = a_whole ? m * k : 0;
    g.stride_b = b_whole ? k * n : 0;
    g.stride_c = m * n;
    g.batch = inner;
    if (g.stride_b == 0 && g.batch > 1) {
        // B shared by every batch and A contiguous across them: one tall product [batch·m, k]·[k, n].
        g.m = m * inner;
        g.batch = 1;
        g.stride_a = g.stride_c = 0;
    }
    for (std::int64_t o = 0; o < outer; ++o) {
        gemm_desc call = g;
        call.a = advance(a.data, outer_a.offset(o), a.type);
        call.b = advance(b.data, outer_b.offset(o), b.type);
        call.c = advance(y.data, o * inner * m * n, y.type);
        run_gemm(c, call);
    }
}

// ---- Gemm ------------------------------------------------------------------------------------

/** ONNX Gemm: Y = alpha·op(A)·op(B) + beta·C, C broadcast to [M, N] (written into Y first). */
template <class Exec>
void run_gemm_op(node_call<Exec>& c) {
    const tensor_ref& a = c.in[0];
    const tensor_ref& b = c.in[1];
    const tensor_ref& y = c.out[0];
    same_types("Gemm", {&a, &b, &y});
    if (a.rank != 2 || b.rank != 2) throw unsupported_node("Gemm: A and B must be 2-D");
    const bool ta = c.n.attr_i("transA", 0) != 0;
    const bool tb = c.n.attr_i("transB", 0) != 0;
    const double alpha = c.n.attr_f("alpha", 1.0);
    double beta = c.n.attr_f("beta", 1.0);
    const std::int64_t m = ta ? a.dims[1] : a.dims[0];
    const std::int64_t k = ta ? a.dims[0] : a.dims[1];
    const std::int64_t kb = tb ? b.dims[1] : b.dims[0];
    const std::int64_t n = tb ? b.dims[0] : b.dims[1];
    if (k != kb)
        throw unsupported_node("Gemm: inner dims " + std::to_string(k) + " and " + std::to_string(kb) + " differ");
    if (y.rank != 2 || y.dims[0] != m || y.dims[1] != n)
        throw unsupported_node("Gemm: output shape disagrees with the operands");
    if (y.numel() == 0) return;
    if (!c.has(2) || c.in[2].numel() == 0) beta = 0;
    if (beta != 0) {
        const tensor_ref& bias = c.in[2];
        same_types("Gemm", {&bias, &y});
        const broadcast_strides map = make_broadcast(bias, y);
        visit_bits(y.type, [&](auto tag) {
            using U = typename decltype(tag)::type;
            c.ex.for_each(y.numel(), broadcast_copy<U>{bias.as<const U>(), y.as<U>(), map});
        });
    }
    gemm_desc g;
    g.type = a.type;
    g.trans_a = ta;
    g.trans_b = tb;
    g.m = m;
    g.n = n;
    g.k = k;
    g.a = a.data;
    g.lda = a.dims[1];
    g.b = b.data;
    g.ldb = b.dims[1];
    g.c = y.data;
    g.ldc = n;
    g.alpha = static_cast<float>(alpha);
    g.beta = static_cast<float>(beta);
    run_gemm(c, g);
}

// ---- Conv / ConvTranspose --------------------------------------------------------------------

/** Per-spatial-dim attribute list with a default, checked for length. */
inline std::vector<std::int64_t> spatial_attr(const node& n, const char* name, int spatial, std::int64_t fallback) {
    auto v = n.attr_ints(name);
    if (v.empty()) return std::vector<std::int64_t>(static_cast<std::size_t>(spatial), fallback);
    if (static_cast<int>(v.size()) != spatial) {
        throw unsupported_node(std::string(name) + " has " + std::to_string(v.size()) + " values for " +
                               std::to_string(spatial) + " spatial dims");
    }
    return v;
}

/** Conv's spatial parameters resolved from the attributes (auto_pad applied). */
struct conv_geometry {
    int spatial = 0;
    std::int64_t group = 1;
    std::int64_t strides[3] = {1, 1, 1}, dilations[3] = {1, 1, 1}, pads_begin[3] = {}, pads_end[3] = {};
};

/** Reads Conv's attributes for input x and weights w (kernel dims from w). */
inline conv_geometry conv_params(const node& n, const tensor_ref& x, const tensor_ref& w) {
    conv_geometry p;
    p.spatial = x.rank - 2;
    if (p.spatial < 1 || p.spatial > 3)
        throw unsupported_node("Conv with " + std::to_string(p.spatial) + " spatial dims");
    if (w.rank != x.rank) throw unsupported_node("Conv: weights rank differs from input rank");
    const int s = p.spatial;
    p.group = n.attr_i("group", 1);
    const auto strides = spatial_attr(n, "strides", s, 1);
    const auto dilations = spatial_attr(n, "dilations", s, 1);
    const auto kernel = n.attr_ints("kernel_shape");
    auto pads = n.attr_ints("pads");
    if (pads.empty()) pads.assign(static_cast<std::size_t>(2 * s), 0);
    if (static_cast<int>(pads.size()) != 2 * s) throw unsupported_node("Conv: pads has the wrong length");
    const std::string auto_pad = n.attr_s("auto_pad", "NOTSET");
    for (int i = 0; i < s; ++i) {
        const auto u = static_cast<std::size_t>(i);
        const std::int64_t k = w.dims[2 + i];
        if (!kernel.empty() && (kernel.size() != static_cast<std::size_t>(s) || kernel[u] != k)) {
            throw unsupported_node("Conv: kernel_shape disagrees with the weights");
        }
        p.strides[i] = strides[u];
        p.dilations[i] = dilations[u];
        if (p.strides[i] < 1 || p.dilations[i] < 1)
            throw unsupported_node("Conv: strides and dilations must be positive");
        const std::int64_t in = x.dims[2 + i];
        const std::int64_t eff = (k - 1) * p.dilations[i] + 1;
        if (auto_pad == "NOTSET" || auto_pad.empty()) {
            p.pads_begin[i] = pads[u];
            p.pads_end[i] = pads[u + static_cast<std::size_t>(s)];
        } else if (auto_pad == "VALID") {
            p.pads_begin[i] = p.pads_end[i] = 0;
        } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
            const std::int64_t out = (in + p.strides[i] - 1) / p.strides[i];
            const std::int64_t total = std::max<std::int64_t>(0, (out - 1) * p.strides[i] + eff - in);
            const std::int64_t small = total / 2;
            p.pads_begin[i] = auto_pad == "SAME_UPPER" ? small : total - small;
            p.pads_end[i] = total - p.pads_begin[i];
        } else {
            throw unsupported_node("Conv: auto_pad " + auto_pad);
        }
        if (p.pads_begin[i] < 0 || p.pads_end[i] < 0) throw unsupported_node("Conv: negative pads");
    }
    return p;
}

/** ONNX Conv (1-D to 3-D, groups, dilations, auto_pad), bias added after the executor's conv. */
template <class Exec>
void run_conv(node_call<Exec>& c) {
    const tensor_ref& x = c.in[0];
    const tensor_ref& w = c.in[1];
    const tensor_ref& y = c.out[0];
    same_types("Conv", {&x, &w, &y});
    if (!is_floating(x.type)) throw unsupported_node("Conv on " + std::string(dtype_name(x.type)));
    const conv_geometry p = conv_params(c.n, x, w);
    if (p.group < 1 || x.dims[1] != w.dims[1] * p.group || w.dims[0] % p.group != 0) {
        throw unsupported_node("Conv: channels " + std::to_string(x.dims[1]) + " do not match weights and group " +
                               std::to_string(p.group));
    }
    if (y.rank != x.rank || y.dims[0] != x.dims[0] || y.dims[1] != w.dims[0]) {
        throw unsupported_node("Conv: output shape disagrees with the operands");
    }
    conv_desc d;
    d.x = x;
    d.w = w;
    d.y = y;
    d.spatial = p.spatial;
    d.group = p.group;
    for (int i = 0; i < p.spatial; ++i) {
        const std::int64_t eff = (w.dims[2 + i] - 1) * p.dilations[i] + 1;
        const std::int64_t span = x.dims[2 + i] + p.pads_begin[i] + p.pads_end[i] - eff;
        const std::int64_t out = span < 0 ? 0 : span / p.strides[i] + 1;
        if (out != y.dims[2 + i]) {
            throw unsupported_node("Conv: spatial dim " + std::to_string(i) + " is " + std::to_string(y.dims[2 + i]) +
                                   ", the attributes give " + std::to_string(out));
        }
        d.strides[i] = p.strides[i];
        d.dilations[i] = p.dilations[i];
        d.pads_begin[i] = p.pads_begin[i];
        d.pads_end[i] = p.pads_end[i];
    }
    if (y.numel() == 0) return;
    c.ex.conv(d);
    if (c.has(2) && c.in[2].numel() > 0) {
        const tensor_ref& bias = c.in[2];
        same_types("Conv", {&bias, &y});
        if (bias.numel() != y.dims[1]) throw unsupported_node("Conv: bias length differs from the output channels");
        const std::int64_t plane = y.numel() / (y.dims[0] * y.dims[1]);
        visit_float(y.type, [&](auto tag) {
            using T = typename decltype(tag)::type;
            c.ex.for_each(y.numel(), add_channel_bias<T>{y.as<T>(), bias.as<const T>(), y.dims[1], plane});
        });
    }
}

/**
 * ONNX ConvTranspose: per group, cols = W_gᵀ · X_g (one strided batched gemm over the batch), then
 * col2im scatters cols into Y (gathering per output element) and adds the bias.
 */
template <class Exec>
void run_conv_transpose(node_call<Exec>& c) {
    const tensor_ref& x = c.in[0];
    const tensor_ref& w = c.in[1];
    const tensor_ref& y = c.out[0];
    same_types("ConvTranspose", {&x, &w, &y});
    if (!is_floating(x.type)) throw unsupported_node("ConvTranspose on " + std::string(dtype_name(x.type)));
    const int s = x.rank - 2;
    if (s < 1 || s > 3) throw unsupported_node("ConvTranspose with " + std::to_string(s) + " spatial dims");
    if (w.rank != x.rank || y.rank != x.rank) throw unsupported_node("ConvTranspose: operand ranks differ");
    const node& n = c.n;
    const std::int64_t group = n.attr_i("group", 1);
    const std::int64_t channels = x.dims[1];
    if (group < 1 || channels != w.dims[0] || channels % group != 0) {
        throw unsupported_node("ConvTranspose: input channels do not match the weights and group");
    }
    const std::int64_t mpg = w.dims[1];
    const std::int64_t maps = mpg * group;
    if (y.dims[0] != x.dims[0] || y.dims[1] != maps) throw unsupported_node("ConvTranspose: output shape disagrees");
    const auto strides = spatial_attr(n, "strides", s, 1);
    const auto dilations = spatial_attr(n, "dilations", s, 1);
    const auto out_pad = spatial_attr(n, "output_padding", s, 0);
    const auto kernel = n.attr_ints("kernel_shape");
    auto output_shape = n.attr_ints("output_shape");
    if (static_cast<int>(output_shape.size()) == s + 2)
        output_shape.erase(output_shape.begin(), output_shape.begin() + 2);
    if (!output_shape.empty() && static_cast<int>(output_shape.size()) != s) {
        throw unsupported_node("ConvTranspose: output_shape has the wrong length");
    }
    auto pads = n.attr_ints("pads");
    const std::string auto_pad = n.attr_s("auto_pad", "NOTSET");

    col2im<float> geo;  // geometry only; re-typed below
    const int off = 3 - s;
    for (int i = 0; i < s; ++i) {
        const auto u = static_cast<std::size_t>(i);
        const std::int64_t k = w.dims[2 + i];
        if (!kernel.empty() && (static_cast<int>(kernel.size()) != s || kernel[u] != k)) {
            throw unsupported_node("ConvTranspose: kernel_shape disagrees with the weights");
        }
        const std::int64_t in = x.dims[2 + i];
        const std::int64_t eff = (k - 1) * dilations[u] + 1;
        const std::int64_t full = strides[u] * (in - 1) + out_pad[u] + eff;  // output extent with no padding
        // As ONNX's reference: explicit pads win; SAME_* without pads splits the padding that
        // brings the full extent to output_shape (or in·stride); otherwise no padding.
        std::int64_t pb = 0;
        const bool same = auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER";
        if (!same && !(auto_pad == "NOTSET" || auto_pad.empty() || auto_pad == "VALID")) {
            throw unsupported_node("ConvTranspose: auto_pad " + auto_pad);
        }
        if (!pads.empty() && auto_pad != "VALID") {
            if (static_cast<int>(pads.size()) != 2 * s)
                throw unsupported_node("ConvTranspose: pads has the wrong length");
            pb = pads[u];
        } else if (same) {
            const std::int64_t target = !output_shape.empty() ? output_shape[u] : in * strides[u];
            const std::int64_t total = std::max<std::int64_t>(0, full - target);
            pb = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
        }
        geo.in_sz[off + i] = in;
        geo.k_sz[off + i] = k;
        geo.out_sz[off + i] = y.dims[2 + i];
        geo.st[off + i] = strides[u];
        geo.dl[off + i] = dilations[u];
        geo.pb[off + i] = pb;
        if (strides[u] < 1 || dilations[u] < 1)
            throw unsupported_node("ConvTranspose: strides and dilations must be positive");
    }
    if (y.numel() == 0) return;
    const std::int64_t batch = x.dims[0];
    const std::int64_t cpg = channels / group;
    const std::int64_t in_plane = geo.in_sz[0] * geo.in_sz[1] * geo.in_sz[2];
    const std::int64_t kplane = geo.k_sz[0] * geo.k_sz[1] * geo.k_sz[2];
    const std::int64_t rows = mpg * kplane;  // rows of one group's cols
    const std::int64_t col_elems = batch * group * rows * in_plane;
    void* cols = c.ex.scratch(std::max<std::int64_t>(1, col_elems * element_bytes(x.type)));
    for (std::int64_t g = 0; g < group; ++g) {
        gemm_desc d;
        d.type = x.type;
        d.trans_a = true;  // W_g stored [cpg, rows]
        d.m = rows;
        d.n = in_plane;
        d.k = cpg;
        d.a = advance(w.data, g * cpg * rows, w.type);
        d.lda = rows;
        d.stride_a = 0;
        d.b = advance(x.data, g * cpg * in_plane, x.type);
        d.ldb = in_plane;
        d.stride_b = channels * in_plane;
        d.c = advance(cols, g * rows * in_plane, x.type);
        d.ldc = in_plane;
        d.stride_c = group * rows * in_plane;
        d.batch = batch;
        run_gemm(c, d);
    }
    const bool has_bias = c.has(2) && c.in[2].numel() > 0;
    if (has_bias) {
        same_types("ConvTranspose", {&c.in[2], &y});
        if (c.in[2].numel() != maps)
            throw unsupported_node("ConvTranspose: bias length differs from the output channels");
    }
    visit_float(y.type, [&](auto tag) {
        using T = typename decltype(tag)::type;
        col2im<T> k;
        k.cols = static_cast<const T*>(cols);
        k.bias = has_bias ? static_cast<const T*>(c.in[2].data) : nullptr;
        k.y = y.as<T>();
        k.maps = maps;
        k.group = group;
        k.mpg = mpg;
        for (int i = 0; i < 3; ++i) {
            k.out_sz[i] = geo.out_sz[i];
            k.in_sz[i] = geo.in_sz[i];
            k.k_sz[i] = geo.k_sz[i];
            k.st[i] = geo.st[i];
            k.dl[i] = geo.dl[i];
            k.pb[i] = geo.pb[i];
        }
        c.ex.for_each(y.numel(), k);
    });
}

// ---- Einsum ----------------------------------------------------------------------------------

/** Label ids: 'A'–'Z' → 0–25, 'a'–'z' → 26–51 (ASCII order, as numpy sorts implicit outputs), ellipsis dims 52+. */
constexpr int einsum_letters = 52;
constexpr int einsum_label_space = einsum_letters + max_rank;

/** A parsed einsum: per operand the label of each dim, the output labels, each label's size. */
struct einsum_spec {
    std::vector<std::vector<int>> operands;
    std::vector<int> output;
    std::int64_t size[einsum_label_space] = {};
};

/** One term ("ab...c") as letter ids with -1 for the ellipsis. */
inline std::vector<int> einsum_term(const std::string& term) {
    std::vector<int> out;
    bool ellipsis = false;
    for (std::size_t i = 0; i < term.size(); ++i) {
        const char ch = term[i];
        if (ch >= 'A' && ch <= 'Z') {
            out.push_back(ch - 'A');
        } else if (ch >= 'a' && ch <= 'z') {
            out.push_back(26 + (ch - 'a'));
        } else if (ch == '.' && term.compare(i, 3, "...") == 0 && !ellipsis) {
            out.push_back(-1);
            ellipsis = true;
            i += 2;
        } else {
            throw unsupported_node("Einsum: bad term '" + term + "'");
        }
    }
    return out;
}

/** Parses the equation against the input ranks and dims (explicit or implicit output, ellipsis). */
inline einsum_spec parse_einsum(const std::string& equation, const std::vector<tensor_ref>& in) {
    std::string eq;
    for (const char ch : equation) {
        if (ch != ' ' && ch != '\t') eq.push_back(ch);
    }
    const auto arrow = eq.find("->");
    const std::string lhs = eq.substr(0, arrow);
    std::vector<std::vector<int>> terms;
    for (std::size_t start = 0;;) {
        const auto comma = lhs.find(',', start);
        terms.push_back(einsum_term(lhs.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    if (terms.size() != in.size()) {
        throw unsupported_node("Einsum: equation '" + equation + "' has " + std::to_string(terms.size()) +
                               " terms for " + std::to_string(in.size()) + " inputs");
    }
    einsum_spec s;
    for (auto& z : s.size) z = -1;
    int ell = 0;  // broadcast rank of the ellipsis
    std::vector<int> ell_of(terms.size(), 0);
    for (std::size_t k = 0; k < terms.size(); ++k) {
        const int letters =
            static_cast<int>(std::count_if(terms[k].begin(), terms[k].end(), [](int l) { return l >= 0; }));
        const bool has_ell = letters != static_cast<int>(terms[k].size());
        const int e = in[k].rank - letters;
        if (e < 0 || (!has_ell && e != 0)) {
            throw unsupported_node("Einsum: term " + std::to_string(k) + " does not match input rank " +
                                   std::to_string(in[k].rank));
        }
        ell_of[k] = e;
        ell = std::max(ell, e);
    }
    int counts[einsum_label_space] = {};
    for (std::size_t k = 0; k < terms.size(); ++k) {
        std::vector<int> labels;
        for (const int l : terms[k]) {
            if (l >= 0) {
                labels.push_back(l);
                continue;
            }
            for (int t = 0; t < ell_of[k]; ++t) labels.push_back(einsum_letters + (ell - ell_of[k]) + t);
        }
        for (std::size_t p = 0; p < labels.size(); ++p) {
            const int l = labels[p];
            const std::int64_t dim = in[k].dims[p];
            std::int64_t& z = s.size[l];
            if (z == -1 || z == 1) {
                z = dim;
            } else if (dim != z && dim != 1) {
                throw unsupported_node("Einsum: label sizes " + std::to_string(z) + " and " + std::to_string(dim) +
                                       " differ");
            }
            if (l < einsum_letters) ++counts[l];
        }
        s.operands.push_back(std::move(labels));
    }
    if (arrow != std::string::npos) {
        bool seen[einsum_label_space] = {};
        for (const int l : einsum_term(eq.substr(arrow + 2))) {
            if (l < 0) {
                for (int t = 0; t < ell; ++t) s.output.push_back(einsum_letters + t);
                continue;
            }
            if (s.size[l] < 0) throw unsupported_node("Einsum: output label not in any input");
            if (seen[l]) throw unsupported_node("Einsum: output label repeated");
            seen[l] = true;
            s.output.push_back(l);
        }
    } else {
        for (int t = 0; t < ell; ++t) s.output.push_back(einsum_letters + t);
        for (int l = 0; l < einsum_letters; ++l) {
            if (counts[l] == 1) s.output.push_back(l);
        }
    }
    return s;
}

/** Position of `l` in `v`, or -1. */
inline int find_label(const std::vector<int>& v, int l) {
    const auto it = std::find(v.begin(), v.end(), l);
    return it == v.end() ? -1 : static_cast<int>(it - v.begin());
}

/** Map for gathering `in` (labels `have`, dims) into the label order `want` (each label of `have` once). */
inline broadcast_strides permute_map(const tensor_ref& in, const std::vector<int>& have, const std::vector<int>& want) {
    std::int64_t strides[max_rank];
    contiguous_strides(in, strides);
    broadcast_strides m;
    m.rank = static_cast<int>(want.size());
    for (int d = 0; d < m.rank; ++d) {
        const int p = find_label(have, want[static_cast<std::size_t>(d)]);
        m.dims[d] = in.dims[p];
        m.strides[d] = strides[p];
    }
    return m;
}

/** Concatenation of label lists. */
inline std::vector<int> cat(std::initializer_list<const std::vector<int>*> parts) {
    std::vector<int> v;
    for (const auto* p : parts) v.insert(v.end(), p->begin(), p->end());
    return v;
}

/** How a two-operand einsum maps onto one batched gemm with operand `first` as the gemm's A. */
struct einsum_gemm_plan {
    int first = 0;                       // input taken as the gemm's A (the other is B)
    std::vector<int> batch, mm, nn, kk;  // label groups: batch, M (A and out), N (B and out), K (summed)
    bool a_in_place = false, b_in_place = false, y_in_place = false;
    bool ta = false, tb = false;  // operands used in place, stored transposed
    std::int64_t pb = 1, pm = 1, pn = 1, pk = 1;
    std::int64_t copied = 0;  // elements permuted through scratch
};

/** The plan with input `first` as A; false when the einsum is not a plain batched product. */
inline bool plan_einsum_gemm(const einsum_spec& s, const std::vector<tensor_ref>& in, int first, einsum_gemm_plan& p) {
    const auto& la = s.operands[static_cast<std::size_t>(first)];
    const auto& lb = s.operands[static_cast<std::size_t>(1 - first)];
    const tensor_ref& a = in[static_cast<std::size_t>(first)];
    const tensor_ref& b = in[static_cast<std::size_t>(1 - first)];
    auto plain = [&](const std::vector<int>& labels, const tensor_ref& t) {
        for (std::size_t q = 0; q < labels.size(); ++q) {
            if (find_label(labels, labels[q]) != static_cast<int>(q)) return false;  // diagonal
            if (t.dims[q] != s.size[labels[q]]) return false;                        // broadcast dim
        }
        return true;
    };
    if (!plain(la, a) || !plain(lb, b)) return false;
    p = einsum_gemm_plan{};
    p.first = first;
    for (const int l : s.output) {
        const bool in_a = find_label(la, l) >= 0, in_b = find_label(lb, l) >= 0;
        if (in_a && in_b) {
            p.batch.push_back(l);
        } else if (in_a) {
            p.mm.push_back(l);
        } else if (in_b) {
            p.nn.push_back(l);
        }
    }
    std::vector<int> ka, kb;
    for (const int l : la) {
        if (find_label(s.output, l) >= 0) continue;
        if (find_label(lb, l) < 0) return false;  // summed over one operand only
        ka.push_back(l);
    }
    for (const int l : lb) {
        if (find_label(s.output, l) >= 0) continue;
        if (find_label(la, l) < 0) return false;
        kb.push_back(l);
    }
    auto product = [&](const std::vector<int>& v) {
        std::int64_t r = 1;
        for (const int l : v) r *= s.size[l];
        return r;
    };
    p.pb = product(p.batch);
    p.pm = product(p.mm);
    p.pn = product(p.nn);
    p.pk = product(ka);
    // K in A's order unless that forces a copy that B's order would not.
    auto a_ok = [&](const std::vector<int>& k) {
        return la == cat({&p.batch, &p.mm, &k}) || la == cat({&p.batch, &k, &p.mm});
    };
    auto b_ok = [&](const std::vector<int>& k) {
        return lb == cat({&p.batch, &k, &p.nn}) || lb == cat({&p.batch, &p.nn, &k});
    };
    p.kk = (!a_ok(ka) || !b_ok(ka)) && a_ok(kb) && b_ok(kb) ? kb : ka;
    p.a_in_place = a_ok(p.kk);
    p.b_in_place = b_ok(p.kk);
    p.ta = p.a_in_place && la != cat({&p.batch, &p.mm, &p.kk});
    p.tb = p.b_in_place && lb != cat({&p.batch, &p.kk, &p.nn});
    p.y_in_place = s.output == cat({&p.batch, &p.mm, &p.nn});
    p.copied = (p.a_in_place ? 0 : p.pb * p.pm * p.pk) + (p.b_in_place ? 0 : p.pb * p.pk * p.pn) +
               (p.y_in_place ? 0 : p.pb * p.pm * p.pn);
    return true;
}

/**
 * A two-operand einsum as one batched gemm: batch labels (in both and the output), M (A and
 * output), N (B and output), K (both, summed). Either input may play A (the output [B, N, M] is
 * the swapped product); the order needing fewer permuted elements wins. Operands already in
 * [B, M, K] / [B, K, M] (resp. [B, K, N] / [B, N, K]) order are used in place; others are permuted
 * into scratch, as is the product when the output order is not [B, M, N]. False when the einsum
 * has another form (diagonals, broadcast labels, a label summed within one operand).
 */
template <class Exec>
bool einsum_as_gemm(node_call<Exec>& c, const einsum_spec& s) {
    if (c.in.size() != 2 || !is_floating(c.out[0].type)) return false;
    einsum_gemm_plan p, other;
    if (!plan_einsum_gemm(s, c.in, 0, p)) return false;
    if (plan_einsum_gemm(s, c.in, 1, other) && other.copied < p.copied) p = std::move(other);
    const auto& la = s.operands[static_cast<std::size_t>(p.first)];
    const auto& lb = s.operands[static_cast<std::size_t>(1 - p.first)];
    const tensor_ref& a = c.in[static_cast<std::size_t>(p.first)];
    const tensor_ref& b = c.in[static_cast<std::size_t>(1 - p.first)];
    const tensor_ref& y = c.out[0];
    const std::vector<int> c_order = cat({&p.batch, &p.mm, &p.nn});

    const dtype t = y.type;
    const std::int64_t ebytes = element_bytes(t);
    const std::int64_t a_bytes = p.a_in_place ? 0 : align_256(p.pb * p.pm * p.pk * ebytes);
    const std::int64_t b_bytes = p.b_in_place ? 0 : align_256(p.pb * p.pk * p.pn * ebytes);
    const std::int64_t c_bytes = p.y_in_place ? 0 : align_256(p.pb * p.pm * p.pn * ebytes);
    std::byte* tmp = nullptr;
    if (a_bytes + b_bytes + c_bytes > 0) tmp = static_cast<std::byte*>(c.ex.scratch(a_bytes + b_bytes + c_bytes));
    const void* pa = a.data;
    const void* pbuf = b.data;
    void* pc = y.data;
    if (!p.a_in_place) {
        gather(c.ex, t, a.data, tmp, permute_map(a, la, cat({&p.batch, &p.mm, &p.kk})));
        pa = tmp;
    }
    if (!p.b_in_place) {
        gather(c.ex, t, b.data, tmp + a_bytes, permute_map(b, lb, cat({&p.batch, &p.kk, &p.nn})));
        pbuf = tmp + a_bytes;
    }
    if (!p.y_in_place) pc = tmp + a_bytes + b_bytes;

    gemm_desc g;
    g.type = t;
    g.trans_a = p.ta;
    g.trans_b = p.tb;
    g.m = p.pm;
    g.n = p.pn;
    g.k = p.pk;
    g.a = pa;
    g.lda = p.ta ? p.pm : p.pk;
    g.stride_a = p.pm * p.pk;
    g.b = pbuf;
    g.ldb = p.tb ? p.pk : p.pn;
    g.stride_b = p.pk * p.pn;
    g.c = pc;
    g.ldc = p.pn;
    g.stride_c = p.pm * p.pn;
    g.batch = p.pb;
    run_gemm(c, g);

    if (!p.y_in_place) {
        tensor_ref prod;
        prod.type = t;
        prod.rank = static_cast<int>(c_order.size());
        for (int d = 0; d < prod.rank; ++d) prod.dims[d] = s.size[c_order[static_cast<std::size_t>(d)]];
        gather(c.ex, t, pc, y.data, permute_map(prod, c_order, s.output));
    }
    return true;
}

/** ONNX Einsum: one batched gemm when the contraction allows it, else the generic kernel. */
template <class Exec>
void run_einsum(node_call<Exec>& c) {
    const tensor_ref& y = c.out[0];
    for (const auto& t : c.in) {
        if (t.type != y.type) throw unsupported_node("Einsum: operands of different element types");
    }
    if (c.in.empty()) throw unsupported_node("Einsum without inputs");
    const einsum_spec s = parse_einsum(c.n.attr_s("equation", ""), c.in);
    if (y.rank != static_cast<int>(s.output.size()))
        throw unsupported_node("Einsum: output rank disagrees with the equation");
    for (int d = 0; d < y.rank; ++d) {
        if (y.dims[d] != s.size[s.output[static_cast<std::size_t>(d)]]) {
            throw unsupported_node("Einsum: output shape disagrees with the equation");
        }
    }
    if (y.numel() == 0) return;
    if (einsum_as_gemm(c, s)) return;

    if (c.in.size() > static_cast<std::size_t>(einsum_max_operands)) {
        throw unsupported_node("Einsum with more than " + std::to_string(einsum_max_operands) + " operands");
    }
    // Label positions: the output's first, then every summed label.
    std::vector<int> order = s.output;
    for (const auto& labels : s.operands) {
        for (const int l : labels) {
            if (find_label(order, l) < 0) order.push_back(l);
        }
    }
    if (order.size() > static_cast<std::size_t>(einsum_max_labels))
        throw unsupported_node("Einsum with too many labels");
    visit_numeric(y.type, [&](auto tag) {
        using T = typename decltype(tag)::type;
        einsum_kernel<T> k;
        k.operands = static_cast<int>(c.in.size());
        k.out = y.as<T>();
        k.out_labels = static_cast<int>(s.output.size());
        k.labels = static_cast<int>(order.size());
        for (int l = 0; l < k.labels; ++l) k.size[l] = s.size[order[static_cast<std::size_t>(l)]];
        for (int l = k.out_labels; l < k.labels; ++l) k.inner *= k.size[l];
        for (int op = 0; op < k.operands; ++op) {
            const tensor_ref& t = c.in[static_cast<std::size_t>(op)];
            k.in[op] = t.as<const T>();
            std::int64_t strides[max_rank];
            contiguous_strides(t, strides);
            const auto& labels = s.operands[static_cast<std::size_t>(op)];
            for (std::size_t p = 0; p < labels.size(); ++p) {
                const int pos = find_label(order, labels[p]);
                if (t.dims[p] == 1 && s.size[labels[p]] != 1) continue;  // broadcast
                k.stride[op][pos] += strides[p];
            }
        }
        c.ex.for_each(y.numel(), k);
    });
}

}  // namespace linear_detail

/** Registers the linear operators: MatMul, Gemm, Einsum (cuBLASLt), Conv (cuDNN), ConvTranspose (cuBLASLt + col2im). */
template <class Exec>
void register_linear(op_table<Exec>& t) {
    t.add("MatMul", &linear_detail::run_matmul<Exec>, "cublasLt");
    t.add("Gemm", &linear_detail::run_gemm_op<Exec>, "cublasLt");
    t.add("Einsum", &linear_detail::run_einsum<Exec>, "cublasLt");
    t.add("Conv", &linear_detail::run_conv<Exec>, "cudnn");
    t.add("ConvTranspose", &linear_detail::run_conv_transpose<Exec>, "cublasLt");
}

}  // namespace ridgeline::replay
