// Replay family movement, resampling part: Resize (opset 10+) and Upsample, modes nearest, (N-D)
// linear and cubic. The host computes, per axis and output coordinate, the input offsets and
// weights as ONNX's reference does (in double precision); kernels look them up. Resizes where every
// output reads one input element (nearest, or integer-aligned positions) run as a gather on bits.
#pragma once

#include "movement_common.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

namespace ridgeline::replay::movement_ops {

/** Nearest resampling: out[i] = in[Σ table[axis][coord]] (a negative entry: extrapolation value). */
template <class U>
struct resize_nearest_kernel {
    U* out;
    const U* in;
    const std::int64_t* table;
    U fill;
    int rank;
    std::int64_t dims[max_rank];
    std::int64_t base[max_rank];
    RL_HD void operator()(std::int64_t i) const {
        std::int64_t off = 0;
        bool outside = false;
        walk_coords(i, rank, dims, [&](int k, std::int64_t x) {
            const std::int64_t v = table[base[k] + x];
            outside = outside || v < 0;
            off += v;
        });
        out[i] = outside ? fill : in[off];
    }
};

/**
 * Linear (2 taps) or cubic (4 taps) resampling over at most three filtered axes (slot 0–2; −1: the
 * axis only indexes, through its first tap). `off` and `w` hold Taps offsets and weights per axis
 * and output coordinate; a negative first offset marks an output outside the crop (extrapolation).
 */
template <class T, int Taps>
struct resize_filter_kernel {
    using W = compute_t<T>;
    T* out;
    const T* in;
    const std::int64_t* off;
    const W* w;
    W fill;
    int rank;
    int slot[max_rank];
    std::int64_t dims[max_rank];
    std::int64_t base[max_rank];
    RL_HD void operator()(std::int64_t i) const {
        std::int64_t at = 0;
        bool outside = false;
        std::int64_t o0[Taps] = {}, o1[Taps] = {}, o2[Taps] = {};
        W w0[Taps] = {W(1)}, w1[Taps] = {W(1)}, w2[Taps] = {W(1)};
        int n0 = 1, n1 = 1, n2 = 1;
        walk_coords(i, rank, dims, [&](int k, std::int64_t x) {
            const std::int64_t t = (base[k] + x) * Taps;
            const std::int64_t v = off[t];
            outside = outside || v < 0;
            const int s = slot[k];
            if (s < 0) {
                at += v;
                return;
            }
            RL_MOVE_UNROLL
            for (int j = 0; j < Taps; ++j) {
                if (s == 0) {
                    o0[j] = off[t + j];
                    w0[j] = w[t + j];
                } else if (s == 1) {
                    o1[j] = off[t + j];
                    w1[j] = w[t + j];
                } else {
                    o2[j] = off[t + j];
                    w2[j] = w[t + j];
                }
            }
            if (s == 0) {
                n0 = Taps;
            } else if (s == 1) {
                n1 = Taps;
            } else {
                n2 = Taps;
            }
        });
        if (outside) {
            store(out, i, fill);
            return;
        }
        W acc = 0;
        RL_MOVE_UNROLL
        for (int a = 0; a < Taps; ++a) {
            if (a >= n0) continue;
            RL_MOVE_UNROLL
            for (int b = 0; b < Taps; ++b) {
                if (b >= n1) continue;
                const W wab = w0[a] * w1[b];
                const std::int64_t oab = at + o0[a] + o1[b];
                RL_MOVE_UNROLL
                for (int e = 0; e < Taps; ++e) {
                    if (e >= n2) continue;
                    acc += wab * w2[e] * load(in, oab + o2[e]);
                }
            }
        }
        store(out, i, acc);
    }
};

/** How one Resize/Upsample maps output coordinates to input coordinates. */
struct resize_spec {
    int taps = 1;                  // 1 nearest, 2 linear, 4 cubic
    double cubic_a = -0.75;        // cubic_coeff_a
    bool exclude_outside = false;  // zero (and renormalise) weights of taps outside the input
    std::string coord = "half_pixel";
    std::string nearest = "round_prefer_floor";
    double extrapolation = 0;
    std::vector<double> scales;     // per dim
    std::vector<double> roi_start;  // per dim (tf_crop_and_resize)
    std::vector<double> roi_end;
    bool from_sizes = false;  // scales derived from the output sizes
};

/** Input coordinate of output coordinate x along a dim (ONNX reference semantics). */
inline double resize_source(const resize_spec& s, int d, std::int64_t x, std::int64_t in_len, std::int64_t out_len) {
    const double scale = s.scales[static_cast<std::size_t>(d)];
    const double out_width = s.from_sizes ? static_cast<double>(out_len) : scale * static_cast<double>(in_len);
    const auto xf = static_cast<double>(x);
    const auto in_f = static_cast<double>(in_len);
    if (s.coord == "half_pixel") return (xf + 0.5) / scale - 0.5;
    if (s.coord == "asymmetric") return xf / scale;
    if (s.coord == "pytorch_half_pixel") return out_len > 1 ? (xf + 0.5) / scale - 0.5 : -0.5;
    if (s.coord == "tf_half_pixel_for_nearest" || s.coord == "tf_half_pixel_for_nn") return (xf + 0.5) / scale;
    if (s.coord == "align_corners") return out_width == 1 ? 0.0 : xf * (in_f - 1) / (out_width - 1);
    if (s.coord == "half_pixel_symmetric") {
        const double adjustment = static_cast<double>(out_len) / out_width;
        const double offset = in_f / 2 * (1 - adjustment);
        return offset + (xf + 0.5) / scale - 0.5;
    }
    if (s.coord == "tf_crop_and_resize") {
        const double a = s.roi_start[static_cast<std::size_t>(d)];
        const double b = s.roi_end[static_cast<std::size_t>(d)];
        const double v = out_width == 1 ? (b - a) * (in_f - 1) / 2 : xf * (b - a) * (in_f - 1) / (out_width - 1);
        return v + a * (in_f - 1);
    }
    throw unsupported_node("coordinate_transformation_mode " + s.coord);
}

/** Nearest input index of coordinate v under the rounding mode. */
inline std::int64_t resize_round(const std::string& mode, double v) {
    if (mode == "round_prefer_floor") return static_cast<std::int64_t>(std::ceil(v - 0.5));
    if (mode == "round_prefer_ceil") return static_cast<std::int64_t>(std::floor(v + 0.5));
    if (mode == "floor") return static_cast<std::int64_t>(std::floor(v));
    if (mode == "ceil") return static_cast<std::int64_t>(std::ceil(v));
    throw unsupported_node("nearest_mode " + mode);
}

/** Weights of the taps at floor(v) − 1 … floor(v) + 2 for a fractional position `ratio` (ONNX's cubic). */
inline void cubic_weights(double ratio, double a, double* wt) {
    const double r1 = ratio + 1;
    const double m = 1 - ratio;
    const double m1 = m + 1;
    wt[0] = ((a * r1 - 5 * a) * r1 + 8 * a) * r1 - 4 * a;
    wt[1] = ((a + 2) * ratio - (a + 3)) * ratio * ratio + 1;
    wt[2] = ((a + 2) * m - (a + 3)) * m * m + 1;
    wt[3] = ((a * m1 - 5 * a) * m1 + 8 * a) * m1 - 4 * a;
}

/** Runs a resize of c.in[0] into c.out[0] as `s` describes. */
template <class Exec>
void run_resample(node_call<Exec>& c, const resize_spec& s) {
    const tensor_ref& in = c.in.at(0);
    const tensor_ref& out = c.out.at(0);
    if (out.rank != in.rank || static_cast<int>(s.scales.size()) != in.rank)
        throw unsupported_node("resize of another rank");
    const std::int64_t count = out.numel();
    if (count == 0) return;
    if (in.numel() == 0) throw unsupported_node("resize of an empty tensor");
    for (double v : s.scales) {
        if (!(v > 0)) throw unsupported_node("resize scale ≤ 0");
    }
    const auto is = strides_of(in);
    const bool crop = s.coord == "tf_crop_and_resize";
    const int taps = s.taps;
    std::int64_t base[max_rank] = {};
    std::int64_t total = 0;
    for (int d = 0; d < out.rank; ++d) {
        base[d] = total;
        total += out.dims[d];
    }
    // Per axis and output coordinate: `taps` input offsets (element offsets) and weights.
    std::vector<std::int64_t> off(static_cast<std::size_t>(total * taps));
    std::vector<double> w(static_cast<std::size_t>(total * taps));
    int slot[max_rank];
    int active = 0;
    for (int d = 0; d < out.rank; ++d) {
        const std::int64_t n = in.dims[d];
        const std::int64_t stride = is[static_cast<std::size_t>(d)];
        bool filtered = false;
        for (std::int64_t x = 0; x < out.dims[d]; ++x) {
            const auto t = static_cast<std::size_t>((base[d] + x) * taps);
            const double v = resize_source(s, d, x, n, out.dims[d]);
            if (crop && (v < 0 || v > static_cast<double>(n - 1))) {
                for (int j = 0; j < taps; ++j) off[t + static_cast<std::size_t>(j)] = -1;
                continue;
            }
            if (taps == 1) {
                off[t] = std::clamp<std::int64_t>(resize_round(s.nearest, v), 0, n - 1) * stride;
                w[t] = 1;
                continue;
            }
            const double f = std::floor(v);
            const double ratio = v - f;
            const std::int64_t first = static_cast<std::int64_t>(f) - (taps == 4 ? 1 : 0);
            double wt[4] = {1 - ratio, ratio, 0, 0};
            if (taps == 4) cubic_weights(ratio, s.cubic_a, wt);
            if (s.exclude_outside) {
                double sum = 0;
                for (int j = 0; j < taps; ++j) {
                    const std::int64_t p = first + j;
                    if (p < 0 || p >= n) wt[j] = 0;
                    sum += wt[j];
                }
                for (int j = 0; j < taps; ++j) wt[j] = sum != 0 ? wt[j] / sum : 0;
            }
            // A coordinate whose whole weight sits on one input element needs one tap.
            int single = -1;
            for (int j = 0; j < taps; ++j) {
                if (wt[j] == 0) continue;
                const std::int64_t p = std::clamp<std::int64_t>(first + j, 0, n - 1);
                if (single == -1) {
                    single = static_cast<int>(p);
                } else if (single != p) {
                    single = -2;
                }
            }
            for (int j = 0; j < taps; ++j) {
                off[t + static_cast<std::size_t>(j)] = std::clamp<std::int64_t>(first + j, 0, n - 1) * stride;
                w[t + static_cast<std::size_t>(j)] = wt[j];
            }
            if (single >= 0) {
                double sum = 0;
                for (int j = 0; j < taps; ++j) sum += wt[j];
                if (sum == 1) {
                    // Exactly one element: put it in the first tap, weight 1.
                    off[t] = single * stride;
                    w[t] = 1;
                    for (int j = 1; j < taps; ++j) {
                        off[t + static_cast<std::size_t>(j)] = off[t];
                        w[t + static_cast<std::size_t>(j)] = 0;
                    }
                    continue;
                }
            }
            filtered = true;
        }
        slot[d] = filtered ? active++ : -1;
    }
    if (active > 3) throw unsupported_node("resize filtering more than 3 axes");
    if (active == 0) {
        // Every output element reads one input element: a gather through per-axis offset tables.
        std::vector<std::int64_t> first(static_cast<std::size_t>(total));
        for (std::int64_t t = 0; t < total; ++t)
            first[static_cast<std::size_t>(t)] = off[static_cast<std::size_t>(t * taps)];
        const std::int64_t bytes = total * 8;
        auto* table = static_cast<std::int64_t*>(c.ex.scratch(bytes));
        c.ex.from_host(table, first.data(), bytes);
        visit_bits(out.type, [&](auto tag) {
            using U = typename decltype(tag)::type;
            resize_nearest_kernel<U> k{};
            k.out = out.as<U>();
            k.in = in.as<const U>();
            k.table = table;
            k.fill = bits_as<U>(value_bits(out.type, s.extrapolation));
            k.rank = out.rank;
            for (int d = 0; d < out.rank; ++d) {
                k.dims[d] = out.dims[d];
                k.base[d] = base[d];
            }
            c.ex.for_each(count, k);
        });
        return;
    }
    visit_float(out.type, [&](auto tag) {
        using T = typename decltype(tag)::type;
        using W = compute_t<T>;
        // One scratch block: the offsets (int64), then the weights.
        const std::int64_t entries = total * taps;
        std::vector<std::byte> host(static_cast<std::size_t>(entries * (8 + static_cast<std::int64_t>(sizeof(W)))));
        std::memcpy(host.data(), off.data(), static_cast<std::size_t>(entries * 8));
        const std::vector<W> wt(w.begin(), w.end());
        std::memcpy(host.data() + entries * 8, wt.data(), wt.size() * sizeof(W));
        auto* dev = static_cast<std::byte*>(c.ex.scratch(static_cast<std::int64_t>(host.size())));
        c.ex.from_host(dev, host.data(), static_cast<std::int64_t>(host.size()));
        auto launch = [&](auto taps_tag) {
            constexpr int n_taps = decltype(taps_tag)::value;
            resize_filter_kernel<T, n_taps> k{};
            k.out = out.as<T>();
            k.in = in.as<const T>();
            k.off = reinterpret_cast<const std::int64_t*>(dev);
            k.w = reinterpret_cast<const W*>(dev + entries * 8);
            k.fill = static_cast<W>(s.extrapolation);
            k.rank = out.rank;
            for (int d = 0; d < out.rank; ++d) {
                k.slot[d] = slot[d];
                k.dims[d] = out.dims[d];
                k.base[d] = base[d];
            }
            c.ex.for_each(count, k);
        };
        if (taps == 4) {
            launch(std::integral_constant<int, 4>{});
        } else {
            launch(std::integral_constant<int, 2>{});
        }
    });
}

/** Taps of the interpolation mode attribute: 1 nearest, 2 linear, 4 cubic. */
inline int resize_taps(const node& n) {
    const std::string mode = n.attr_s("mode", "nearest");
    if (mode == "nearest") return 1;
    if (mode == "linear" || mode == "bilinear" || mode == "trilinear") return 2;
    if (mode == "cubic" || mode == "bicubic") return 4;
    throw unsupported_node("resize mode " + mode);
}

/** Resize (opset 10: X, scales; 11+: X, roi, scales, sizes; 18: axes, keep_aspect_ratio_policy). */
template <class Exec>
void run_resize(node_call<Exec>& c) {
    const tensor_ref& in = c.in.at(0);
    const tensor_ref& out = c.out.at(0);
    const int rank = in.rank;
    resize_spec s;
    s.taps = resize_taps(c.n);
    if (c.n.attr_i("antialias", 0) != 0) throw unsupported_node("antialias");
    s.cubic_a = c.n.attr_f("cubic_coeff_a", -0.75);
    s.exclude_outside = c.n.attr_i("exclude_outside", 0) != 0;
    s.scales.assign(static_cast<std::size_t>(rank), 1.0);
    s.roi_start.assign(static_cast<std::size_t>(rank), 0.0);
    s.roi_end.assign(static_cast<std::size_t>(rank), 1.0);
    if (c.opset < 11) {
        s.coord = "asymmetric";
        s.nearest = "floor";
        const auto sc = c.reals(1);
        if (static_cast<int>(sc.size()) != rank) throw unsupported_node("scales do not match the rank");
        s.scales = sc;
        run_resample(c, s);
        return;
    }
    s.coord = c.n.attr_s("coordinate_transformation_mode", "half_pixel");
    s.nearest = c.n.attr_s("nearest_mode", "round_prefer_floor");
    s.extrapolation = c.n.attr_f("extrapolation_value", 0.0);
    std::vector<int> axes;
    for (const auto a : c.n.attr_ints("axes")) axes.push_back(normalise_axis(a, rank));
    if (axes.empty()) {
        for (int d = 0; d < rank; ++d) axes.push_back(d);
    }
    const std::size_t na = axes.size();
    if (s.coord == "tf_crop_and_resize" && c.has(1) && c.in[1].numel() > 0) {
        const auto roi = c.reals(1);
        if (roi.size() != 2 * na) throw unsupported_node("roi does not match the axes");
        for (std::size_t j = 0; j < na; ++j) {
            s.roi_start[static_cast<std::size_t>(axes[j])] = roi[j];
            s.roi_end[static_cast<std::size_t>(axes[j])] = roi[na + j];
        }
    }
    if (c.has(2) && c.in[2].numel() > 0) {
        const auto sc = c.reals(2);
        if (sc.size() != na) throw unsupported_node("scales do not match the axes");
        for (std::size_t j = 0; j < na; ++j) s.scales[static_cast<std::size_t>(axes[j])] = sc[j];
    } else {
        s.from_sizes = true;
        const std::string policy = c.n.attr_s("keep_aspect_ratio_policy", "stretch");
        if (policy == "stretch" || !c.has(3)) {
            for (int d = 0; d < rank; ++d) {
                s.scales[static_cast<std::size_t>(d)] =
                    in.dims[d] > 0 ? static_cast<double>(out.dims[d]) / static_cast<double>(in.dims[d]) : 1.0;
            }
        } else {
            const auto sizes = c.ints(3);
            if (sizes.size() != na) throw unsupported_node("sizes do not match the axes");
            double scale = policy == "not_larger" ? 1e300 : 0.0;
            for (std::size_t j = 0; j < na; ++j) {
                const double r = static_cast<double>(sizes[j]) / static_cast<double>(in.dims[axes[j]]);
                scale = policy == "not_larger" ? std::min(scale, r) : std::max(scale, r);
            }
            for (std::size_t j = 0; j < na; ++j) s.scales[static_cast<std::size_t>(axes[j])] = scale;
            s.from_sizes = false;
        }
    }
    run_resample(c, s);
}

/** Upsample (opset 7: scales attribute; 9: scales input): asymmetric coordinates, nearest rounds down. */
template <class Exec>
void run_upsample(node_call<Exec>& c) {
    resize_spec s;
    s.taps = resize_taps(c.n);
    if (s.taps == 4) throw unsupported_node("Upsample has no cubic mode");
    s.coord = "asymmetric";
    s.nearest = "floor";
    if (c.opset >= 9) {
        s.scales = c.reals(1);
    } else {
        s.scales = c.n.find("scales") != nullptr ? c.n.find("scales")->floats : std::vector<double>{};
    }
    if (s.scales.empty()) throw unsupported_node("Upsample without scales (opset 1 height_scale/width_scale)");
    const int rank = c.in.at(0).rank;
    s.roi_start.assign(static_cast<std::size_t>(rank), 0.0);
    s.roi_end.assign(static_cast<std::size_t>(rank), 1.0);
    run_resample(c, s);
}

}  // namespace ridgeline::replay::movement_ops
