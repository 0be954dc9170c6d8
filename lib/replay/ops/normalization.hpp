// Replay family: normalisations. BatchNormalization (inference) is elementwise with per-channel
// parameters, and so is LRN (with a channel window); LayerNormalization, RMSNormalization,
// InstanceNormalization and GroupNormalization normalise contiguous rows (a row of lanes per row:
// mean, then variance, then the output, each a coalesced pass); LpNormalization normalises along
// one axis; MeanVarianceNormalization (and BatchNormalization's training mode) reduce over
// arbitrary axes into scratch moments, then apply them elementwise.
#pragma once

#include "elementwise_common.hpp"
#include "reduction.hpp"

#include <string>
#include <vector>

namespace ridgeline::replay::nrm {

using ew::kinds;

// ---------------------------------------------------------------------------------------------
// Moments over arbitrary axes (BatchNormalization training mode, MeanVarianceNormalization)
// ---------------------------------------------------------------------------------------------

/**
 * Per kept index o (a row of lanes each): mean[o] and the population variance var[o] of
 * x[kept.offset(o) + reduced.offset(r)], r in [0, count) (two passes: mean, then centred squares).
 */
template <class T>
struct moments_kernel {
    const T* x;
    compute_t<T>* mean;
    compute_t<T>* var;
    broadcast_strides kept;
    broadcast_strides reduced;
    std::int64_t count;
    bool narrow;
    RL_HD void operator()(std::int64_t o, int lane, int lanes) const {
        using V = compute_t<T>;
        const T* p = x + ew::strided_offset(kept, o, narrow);
        V s = V(0);
        for (std::int64_t r = lane; r < count; r += lanes) s += load(p, ew::strided_offset(reduced, r, narrow));
        const V m = lanes_sum(s, lanes) / static_cast<V>(count);
        V ss = V(0);
        for (std::int64_t r = lane; r < count; r += lanes) {
            const V d = load(p, ew::strided_offset(reduced, r, narrow)) - m;
            ss += d * d;
        }
        ss = lanes_sum(ss, lanes);
        if (lane == 0) {
            mean[o] = m;
            var[o] = ss / static_cast<V>(count);
        }
    }
};

/** Runs moments_kernel over layout l into mean[0, l.outputs) and var[0, l.outputs). */
template <class T, class Exec>
void launch_moments(Exec& ex, const T* x, const rd::reduce_layout& l, compute_t<T>* mean, compute_t<T>* var) {
    ew::launch_rows(ex, l.outputs, l.count, moments_kernel<T>{x, mean, var, l.kept, l.reduced, l.count, l.narrow});
}

// ---------------------------------------------------------------------------------------------
// BatchNormalization
// ---------------------------------------------------------------------------------------------

/** Channel of element i of an [N, channels, inner] tensor: (i / inner) mod channels (see ew::div_index). */
RL_HD inline std::int64_t channel_of(std::int64_t i, std::int64_t inner, std::int64_t channels, bool narrow) {
    const std::int64_t q = ew::div_index(i, inner, narrow);
    return q - ew::div_index(q, channels, narrow) * channels;
}

/**
 * y = (x − mean[c]) / √(var[c] + eps) · scale[c] + bias[c], c = (i / inner) mod channels; scale and
 * bias of type P, mean and var of type M (the inputs, or the batch's moments in training mode).
 */
template <class T, class P, class M>
struct batch_norm_kernel {
    const T* x;
    T* y;
    const P* scale;
    const P* bias;
    const M* mean;
    const M* var;
    std::int64_t channels;
    std::int64_t inner;
    double eps;
    bool narrow;
    RL_HD void operator()(std::int64_t i) const {
        using V = compute_t<T>;
        const std::int64_t ch = channel_of(i, inner, channels, narrow);
        const V s = static_cast<V>(load(scale, ch)) / math::sqrt(static_cast<V>(load(var, ch)) + static_cast<V>(eps));
        store(y, i, (load(x, i) - static_cast<V>(load(mean, ch))) * s + static_cast<V>(load(bias, ch)));
    }
};

/** Training mode's running statistics: out = in · momentum + batch · (1 − momentum) (null outputs skipped). */
template <class P, class V>
struct running_stats_kernel {
    const P* mean_in;
    const P* var_in;
    const V* mean;
    const V* var;
    P* mean_out;
    P* var_out;
    double momentum;
    RL_HD void operator()(std::int64_t c) const {
        const V m = static_cast<V>(momentum);
        if (mean_out != nullptr) store(mean_out, c, static_cast<V>(load(mean_in, c)) * m + mean[c] * (V(1) - m));
        if (var_out != nullptr) store(var_out, c, static_cast<V>(load(var_in, c)) * m + var[c] * (V(1) - m));
    }
};

/**
 * BatchNormalization: inference form; training_mode (opset ≥ 14) normalises with the batch's
 * moments and writes the running mean/variance outputs when present.
 */
template <class Exec>
void run_batch_norm(node_call<Exec>& c) {
    const bool training = c.n.attr_i("training_mode", 0) != 0;
    if (training && c.opset < 14) throw unsupported_node("BatchNormalization training before opset 14");
    if (c.n.attr_i("spatial", 1) == 0) throw unsupported_node("BatchNormalization spatial = 0");
    for (std::size_t k = training ? 3 : 1; k < c.out.size(); ++k) {
        if (c.out[k].data != nullptr) throw unsupported_node("BatchNormalization statistics outputs");
    }
    const tensor_ref& x = c.in.at(0);
    const tensor_ref& y = c.out.at(0);
    for (std::size_t k = 1; k <= 4; ++k) {
        if (!c.has(k)) throw unsupported_node("BatchNormalization input missing");
    }
    const dtype p = c.in[1].type;  // scale and bias
    const dtype m = c.in[3].type;  // mean and var (and the running statistics outputs)
    if (c.in[2].type != p || c.in[4].type != m) throw unsupported_node("BatchNormalization parameter types");
    if (x.type != y.type) throw unsupported_node("output type differs from the input's");
    for (std::size_t k = 1; k <= 2 && k < c.out.size(); ++k) {
        if (c.out[k].data != nullptr && c.out[k].type != m) throw unsupported_node("running statistics type");
    }
    if (x.rank < 2) throw unsupported_node("BatchNormalization input rank < 2");
    const std::int64_t channels = x.dims[1];
    const std::int64_t inner = rd::dims_product(x, 2, x.rank);
    for (std::size_t k = 1; k <= 4; ++k) {
        if (c.in[k].numel() != channels) throw unsupported_node("BatchNormalization parameter size");
    }
    const std::int64_t n = y.numel();
    if (n == 0) return;
    const double eps = c.n.attr_f("epsilon", 1e-5);
    ew::visit_kind<kinds::floats>(x.type, [&](auto tag) {
        using T = typename decltype(tag)::type;
        using V = compute_t<T>;
        ew::visit_kind<kinds::floats>(p, [&](auto ptag) {
            using P = typename decltype(ptag)::type;
            const P* scale = c.in[1].template as<P>();
            const P* bias = c.in[2].template as<P>();
            if (!training) {
                if (m != p) throw unsupported_node("BatchNormalization mean/var of another type than scale/bias");
                c.ex.for_each(
                    n, batch_norm_kernel<T, P, P>{x.as<T>(), y.as<T>(), scale, bias, c.in[3].template as<P>(),
                                                  c.in[4].template as<P>(), channels, inner, eps, ew::fits_narrow(n)});
                return;
            }
            bool reduce[max_rank] = {};
            for (int d = 0; d < x.rank; ++d) reduce[d] = d != 1;
            const rd::reduce_layout l = rd::make_reduce_layout(x, reduce);
            V* moments = static_cast<V*>(c.ex.scratch(2 * channels * static_cast<std::int64_t>(sizeof(V))));
            launch_moments(c.ex, x.as<T>(), l, moments, moments + channels);
            c.ex.for_each(n, batch_norm_kernel<T, P, V>{x.as<T>(), y.as<T>(), scale, bias, moments, moments + channels,
                                                        channels, inner, eps, ew::fits_narrow(n)});
            void* outs[2] = {nullptr, nullptr};
            for (std::size_t k = 1; k <= 2 && k < c.out.size(); ++k) outs[k - 1] = c.out[k].data;
            if (outs[0] == nullptr && outs[1] == nullptr) return;
            ew::visit_kind<kinds::floats>(m, [&](auto mtag) {
                using M = typename decltype(mtag)::type;
                c.ex.for_each(channels,
                              running_stats_kernel<M, V>{c.in[3].template as<M>(), c.in[4].template as<M>(), moments,
                                                         moments + channels, static_cast<M*>(outs[0]),
                                                         static_cast<M*>(outs[1]), c.n.attr_f("momentum", 0.9)});
            });
        });
    });
}

// ---------------------------------------------------------------------------------------------
// Row normalisations: LayerNormalization, InstanceNormalization, GroupNormalization
// ---------------------------------------------------------------------------------------------

/** Where a normalised row finds its scale and bias. */
enum class param_mode : int {
    column, /**< Column j of the normalised block (LayerNormalization), through `scale_at`/`bias_at`. */
    row,    /**< One per row: row mod `channels` (InstanceNormalization; GroupNormalization per group). */
    channel /**< Per channel within a group: (row mod groups)·per_group + j / spatial (GroupNormalization). */
};

/**
 * y = (x − mean) / √(var + eps) · scale + bias over rows of `cols` contiguous elements; the row's
 * mean and 1/√(var + eps) optionally written to mean_out/inv_out (type U). Uncentred (RMS):
 * mean = 0 and var = mean of x².
 */
template <class T, class U>
struct norm_rows_kernel {
    const T* x;
    T* y;
    const T* scale;  // null: 1
    const T* bias;   // null: 0
    std::int64_t cols;
    param_mode mode;
    ew::operand_index scale_at;  // column mode
    ew::operand_index bias_at;   // column mode
    std::int64_t channels;       // row mode
    std::int64_t groups;         // channel mode
    std::int64_t per_group;      // channel mode
    std::int64_t spatial;        // channel mode
    bool narrow;                 // channel mode: cols below 2^31
    double eps;
    bool centred;
    U* mean_out;
    U* inv_out;
    RL_HD void operator()(std::int64_t row, int lane, int lanes) const {
        using V = compute_t<T>;
        const T* p = x + row * cols;
        T* q = y + row * cols;
        V mean = V(0);
        if (centred) {
            V s = V(0);
            for (std::int64_t j = lane; j < cols; j += lanes) s += load(p, j);
            mean = lanes_sum(s, lanes) / static_cast<V>(cols);
        }
        V ss = V(0);
        for (std::int64_t j = lane; j < cols; j += lanes) {
            const V d = load(p, j) - mean;
            ss += d * d;
        }
        const V inv = V(1) / math::sqrt(lanes_sum(ss, lanes) / static_cast<V>(cols) + static_cast<V>(eps));
        if (mode == param_mode::column) {
            for (std::int64_t j = lane; j < cols; j += lanes) {
                const V a = scale != nullptr ? load(scale, scale_at(j)) : V(1);
                const V b = bias != nullptr ? load(bias, bias_at(j)) : V(0);
                store(q, j, (load(p, j) - mean) * inv * a + b);
            }
        } else if (mode == param_mode::row) {
            const std::int64_t ch = row % channels;
            const V a = (scale != nullptr ? load(scale, ch) : V(1)) * inv;
            const V b = bias != nullptr ? load(bias, ch) : V(0);
            for (std::int64_t j = lane; j < cols; j += lanes) store(q, j, (load(p, j) - mean) * a + b);
        } else {
            const std::int64_t first = (row % groups) * per_group;
            for (std::int64_t j = lane; j < cols; j += lanes) {
                const std::int64_t ch = first + ew::div_index(j, spatial, narrow);
                const V a = scale != nullptr ? load(scale, ch) : V(1);
                const V b = bias != nullptr ? load(bias, ch) : V(0);
                store(q, j, (load(p, j) - mean) * inv * a + b);
            }
        }
        if (lane == 0) {
            if (mean_out != nullptr) store(mean_out, row, mean);
            if (inv_out != nullptr) store(inv_out, row, inv);
        }
    }
};

/** A norm_rows_kernel with everything but the types set; launched by launch_norm_rows. */
struct norm_rows_desc {
    std::int64_t rows = 0;
    std::int64_t cols = 0;
    param_mode mode = param_mode::column;
    ew::operand_index scale_at;
    ew::operand_index bias_at;
    std::int64_t channels = 1;
    std::int64_t groups = 1;
    std::int64_t per_group = 1;
    std::int64_t spatial = 1;
    double eps = 1e-5;
    bool centred = true;
};

/** Runs the row normalisation of x (input 0) with scale (input 1) and bias (input 2, optional). */
template <class Exec>
void launch_norm_rows(node_call<Exec>& c, const norm_rows_desc& d, void* mean_out, void* inv_out, dtype stats) {
    const tensor_ref& x = c.in.at(0);
    const tensor_ref& y = c.out.at(0);
    if (x.type != y.type) throw unsupported_node("output type differs from the input's");
    for (std::size_t k = 1; k <= 2; ++k) {
        if (c.has(k) && c.in[k].type != x.type) throw unsupported_node("scale/bias type differs from the input's");
    }
    if (d.rows == 0 || d.cols == 0) return;
    ew::visit_kind<kinds::floats>(x.type, [&](auto tag) {
        using T = typename decltype(tag)::type;
        ew::visit_kind<kinds::floats>(stats, [&](auto utag) {
            using U = typename decltype(utag)::type;
            const norm_rows_kernel<T, U> k{x.as<T>(),
                                           y.as<T>(),
                                           c.has(1) ? c.in[1].template as<T>() : nullptr,
                                           c.has(2) ? c.in[2].template as<T>() : nullptr,
                                           d.cols,
                                           d.mode,
                                           d.scale_at,
                                           d.bias_at,
                                           d.channels,
                                           d.groups,
                                           d.per_group,
                                           d.spatial,
                                           ew::fits_narrow(d.cols),
                                           d.eps,
                                           d.centred,
                                           static_cast<U*>(mean_out),
                                           static_cast<U*>(inv_out)};
            ew::launch_rows(c.ex, d.rows, d.cols, k);
        });
    });
}

/**
 * LayerNormalization (centred) or RMSNormalization over the dims from `axis`; LayerNormalization's
 * Mean and InvStdDev outputs written when requested.
 */
template <class Exec, bool centred>
void run_layer_norm(node_call<Exec>& c) {
    const tensor_ref& x = c.in.at(0);
    const int axis = normalise_axis(c.n.attr_i("axis", -1), x.rank);
    norm_rows_desc d;
    d.centred = centred;
    d.rows = rd::dims_product(x, 0, axis);
    d.cols = rd::dims_product(x, axis, x.rank);
    d.eps = c.n.attr_f("epsilon", 1e-5);
    d.mode = param_mode::column;
    tensor_ref block;  // the normalised dims, which scale and bias broadcast to
    block.rank = x.rank - axis;
    for (int k = 0; k < block.rank; ++k) block.dims[k] = x.dims[axis + k];
    for (std::size_t k = 1; k <= 2; ++k) {
        if (!c.has(k)) continue;
        const tensor_ref* in[1] = {&c.in[k]};
        ew::make_operands(in, 1, block, k == 1 ? &d.scale_at : &d.bias_at);
    }
    void* stat[2] = {nullptr, nullptr};
    dtype stats = x.type;
    for (std::size_t k = 1; k <= 2 && k < c.out.size(); ++k) {
        if (c.out[k].data == nullptr) continue;
        if (!centred) throw unsupported_node("RMSNormalization has one output");
        if (c.out[k].numel() != d.rows) throw unsupported_node("LayerNormalization statistics output size");
        if (stat[0] != nullptr && c.out[k].type != stats)
            throw unsupported_node("statistics outputs of different types");
        stat[k - 1] = c.out[k].data;
        stats = c.out[k].type;
    }
    launch_norm_rows(c, d, stat[0], stat[1], stats);
}

/** InstanceNormalization: each (n, c) plane normalised, scale/bias per channel. */
template <class Exec>
void run_instance_norm(node_call<Exec>& c) {
    const tensor_ref& x = c.in.at(0);
    if (x.rank < 2) throw unsupported_node("InstanceNormalization input rank < 2");
    norm_rows_desc d;
    d.rows = x.dims[0] * x.dims[1];
    d.cols = rd::dims_product(x, 2, x.rank);
    d.eps = c.n.attr_f("epsilon", 1e-5);
    d.mode = param_mode::row;
    d.channels = x.dims[1];
    for (std::size_t k = 1; k <= 2; ++k) {
        if (c.has(k) && c.in[k].numel() != d.channels) throw unsupported_node("InstanceNormalization parameter size");
    }
    launch_norm_rows(c, d, nullptr, nullptr, x.type);
}

/** GroupNormalization: scale/bias per group (opset 18) or per channel (opset 21), told by their length. */
template <class Exec>
void run_group_norm(node_call<Exec>& c) {
    const tensor_ref& x = c.in.at(0);
    if (x.rank < 2) throw unsupported_node("GroupNormalization input rank < 2");
    const std::int64_t groups = c.n.attr_i("num_groups", 0);
    const std::int64_t channels = x.dims[1];
    if (groups <= 0 || channels % groups != 0) throw unsupported_node("GroupNormalization num_groups");
    norm_rows_desc d;
    d.spatial = rd::dims_product(x, 2, x.rank);
    d.rows = x.dims[0] * groups;
    d.cols = channels / groups * d.spatial;
    d.eps = c.n.attr_f("epsilon", 1e-5);
    d.groups = groups;
    d.per_group = channels / groups;
    const std::int64_t len = c.has(1) ? c.in[1].numel() : channels;
    if (c.has(2) && c.in[2].numel() != len) throw unsupported_node("GroupNormalization scale and bias sizes differ");
    if (len == channels) {
        d.mode = param_mode::channel;
        if (d.spatial == 0) return;
    } else if (len == groups) {
        d.mode = param_mode::row;
        d.channels = groups;
    } else {
        throw unsupported_node("GroupNormalization parameter size");
    }
    launch_norm_rows(c, d, nullptr, nullptr, x.type);
}

// ---------------------------------------------------------------------------------------------
// LRN
// ---------------------------------------------------------------------------------------------

/** y = x / (bias + alpha/size · Σ x² over the channel window)^beta, a thread per element. */
template <class T>
struct lrn_kernel {
    const T* x;
    T* y;
    std::int64_t channels;
    std::int64_t inner;
    std::int64_t before;  // window channels before c: ⌊(size − 1)/2⌋
    std::int64_t after;   // and after: ⌈(size − 1)/2⌉
    double alpha_over_size;
    double beta;
    double bias;
    bool narrow;
    RL_HD void operator()(std::int64_t i) const {
        using V = compute_t<T>;
        const std::int64_t ch = channel_of(i, inner, channels, narrow);
        const std::int64_t lo = ch - before < 0 ? 0 : ch - before;
        const std::int64_t hi = ch + after >= channels ? channels - 1 : ch + after;
        V s = V(0);
        for (std::int64_t k = lo; k <= hi; ++k) {
            const V v = load(x, i + (k - ch) * inner);
            s += v * v;
        }
        const V d = math::pow(static_cast<V>(bias) + static_cast<V>(alpha_over_size) * s, static_cast<V>(beta));
        store(y, i, load(x, i) / d);
    }
};

/** LRN (local response normalisation across channels). */
template <class Exec>
void run_lrn(node_call<Exec>& c) {
    const tensor_ref& x = c.in.at(0);
    const tensor_ref& y = c.out.at(0);
    if (x.type != y.type) throw unsupported_node("output type differs from the input's");
    if (x.rank < 2) throw unsupported_node("LRN input rank < 2");
    const std::int64_t size = c.n.attr_i("size", 0);
    if (size <= 0) throw unsupported_node("LRN size");
    const std::int64_t n = y.numel();
    if (n == 0) return;
    const std::int64_t inner = rd::dims_product(x, 2, x.rank);
    ew::visit_kind<kinds::floats>(x.type, [&](auto tag) {
        using T = typename decltype(tag)::type;
        c.ex.for_each(n, lrn_kernel<T>{x.as<T>(), y.as<T>(), x.dims[1], inner, (size - 1) / 2, size / 2,
                                       c.n.attr_f("alpha", 1e-4) / static_cast<double>(size), c.n.attr_f("beta", 0.75),
                                       c.n.attr_f("bias", 1.0), ew::fits_narrow(n)});
    });
}

// ---------------------------------------------------------------------------------------------
// LpNormalization
// ---------------------------------------------------------------------------------------------

/** y = x / ‖x‖_p over contiguous rows (0 where the norm is 0). */
template <class T>
struct lp_rows_kernel {
    const T* x;
    T* y;
    std::int64_t cols;
    bool l1;
    RL_HD void operator()(std::int64_t row, int lane, int lanes) const {
        using V = compute_t<T>;
        const T* p = x + row * cols;
        T* q = y + row * cols;
        V s = V(0);
        for (std::int64_t j = lane; j < cols; j += lanes) {
            const V v = load(p, j);
            s += l1 ? math::fabs(v) : v * v;
        }
        s = lanes_sum(s, lanes);
        const V norm = l1 ? s : math::sqrt(s);
        const V r = norm == V(0) ? V(0) : V(1) / norm;  // a zero norm gives zeros
        for (std::int64_t j = lane; j < cols; j += lanes) store(q, j, load(p, j) * r);
    }
};

/** y = x / ‖x‖_p along a strided axis: a thread per (outer, inner) (0 where the norm is 0). */
template <class T>
struct lp_cols_kernel {
    const T* x;
    T* y;
    std::int64_t count;
    std::int64_t inner;
    bool l1;
    RL_HD void operator()(std::int64_t i) const {
        using V = compute_t<T>;
        const std::int64_t base = rd::axis_base(i, count, inner);
        V s = V(0);
        for (std::int64_t j = 0; j < count; ++j) {
            const V v = load(x, base + j * inner);
            s += l1 ? math::fabs(v) : v * v;
        }
        const V norm = l1 ? s : math::sqrt(s);
        const V r = norm == V(0) ? V(0) : V(1) / norm;  // a zero norm gives zeros
        for (std::int64_t j = 0; j < count; ++j) store(y, base + j * inner, load(x, base + j * inner) * r);
    }
};

/** LpNormalization (p = 1 or 2) along `axis`. */
template <class Exec>
void run_lp_norm(node_call<Exec>& c) {
    const tensor_ref& x = c.in.at(0);
    const tensor_ref& y = c.out.at(0);
    if (x.type != y.type) throw unsupported_node("output type differs from the input's");
    const std::int64_t p = c.n.attr_i("p", 2);
    if (p != 1 && p != 2) throw unsupported_node("LpNormalization p = " + std::to_string(p));
    const int axis = normalise_axis(c.n.attr_i("axis", -1), x.rank);
    const std::int64_t outer = rd::dims_product(x, 0, axis);
    const std::int64_t count = x.rank == 0 ? 1 : x.dims[axis];
    const std::int64_t inner = rd::dims_product(x, axis + 1, x.rank);
    if (outer * count * inner == 0) return;
    ew::visit_kind<kinds::floats>(x.type, [&](auto tag) {
        using T = typename decltype(tag)::type;
        if (inner == 1) {
            ew::launch_rows(c.ex, outer, count, lp_rows_kernel<T>{x.as<T>(), y.as<T>(), count, p == 1});
        } else {
            c.ex.for_each(outer * inner, lp_cols_kernel<T>{x.as<T>(), y.as<T>(), count, inner, p == 1});
        }
    });
}

// ---------------------------------------------------------------------------------------------
// MeanVarianceNormalization
// ---------------------------------------------------------------------------------------------

/** y[i] = (x[i] − mean) / (√var + 1e-9) with the moments of i's kept index. */
template <class T>
struct mvn_apply_kernel {
    const T* x;
    T* y;
    const compute_t<T>* mean;
    const compute_t<T>* var;
    ew::operand_index at;
    RL_HD void operator()(std::int64_t i) const {
        using V = compute_t<T>;
        const std::int64_t o = at(i);
        store(y, i, (load(x, i) - mean[o]) / (math::sqrt(var[o]) + V(1e-9)));
    }
};

/** MeanVarianceNormalization over `axes` (default [0, 2, 3]). */
template <class Exec>
void run_mvn(node_call<Exec>& c) {
    const tensor_ref& x = c.in.at(0);
    const tensor_ref& y = c.out.at(0);
    if (x.type != y.type) throw unsupported_node("output type differs from the input's");
    std::vector<std::int64_t> axes = c.n.attr_ints("axes");
    if (c.n.find("axes") == nullptr) axes = {0, 2, 3};
    bool reduce[max_rank] = {};
    for (const auto a : axes) reduce[normalise_axis(a, x.rank)] = true;
    const rd::reduce_layout l = rd::make_reduce_layout(x, reduce);
    if (x.numel() == 0) return;
    tensor_ref stats_shape;  // x's dims with the reduced ones 1: broadcast back over x
    stats_shape.rank = x.rank;
    for (int d = 0; d < x.rank; ++d) stats_shape.dims[d] = reduce[d] ? 1 : x.dims[d];
    ew::operand_index at;
    const tensor_ref* in[1] = {&stats_shape};
    ew::make_operands(in, 1, x, &at);
    ew::visit_kind<kinds::floats>(x.type, [&](auto tag) {
        using T = typename decltype(tag)::type;
        using V = compute_t<T>;
        V* moments = static_cast<V*>(c.ex.scratch(2 * l.outputs * static_cast<std::int64_t>(sizeof(V))));
        launch_moments(c.ex, x.as<T>(), l, moments, moments + l.outputs);
        c.ex.for_each(x.numel(), mvn_apply_kernel<T>{x.as<T>(), y.as<T>(), moments, moments + l.outputs, at});
    });
}

}  // namespace ridgeline::replay::nrm

namespace ridgeline::replay {

/** Registers the normalisations. */
template <class Exec>
void register_normalization(op_table<Exec>& t) {
    t.add("BatchNormalization", &nrm::run_batch_norm<Exec>);
    t.add("LayerNormalization", &nrm::run_layer_norm<Exec, true>);
    t.add("RMSNormalization", &nrm::run_layer_norm<Exec, false>);
    t.add("InstanceNormalization", &nrm::run_instance_norm<Exec>);
    t.add("GroupNormalization", &nrm::run_group_norm<Exec>);
    t.add("LpNormalization", &nrm::run_lp_norm<Exec>);
    t.add("LRN", &nrm::run_lrn<Exec>);
    t.add("MeanVarianceNormalization", &nrm::run_mvn<Exec>);
}

}  // namespace ridgeline::replay
