// Replay family "linear": Conv through the executor's conv (cuDNN on the GPU) with the bias added
// per channel, and ConvTranspose as a gemm (weights^T · input, per group) followed by a col2im
// functor that also adds the bias.
#pragma once

#include "linear_common.hpp"

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace ridgeline::replay {

namespace linear_detail {

// ---- functors --------------------------------------------------------------------------------

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

}  // namespace linear_detail

/** Registers Conv (cuDNN) and ConvTranspose (cuBLASLt + col2im). */
template <class Exec>
void register_linear_conv(op_table<Exec>& t) {
    t.add("Conv", &linear_detail::run_conv<Exec>, "cudnn");
    t.add("ConvTranspose", &linear_detail::run_conv_transpose<Exec>, "cublasLt");
}

}  // namespace ridgeline::replay
