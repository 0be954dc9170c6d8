// Replay family movement, layout part: operators that move elements without looking at them
// (Transpose, Concat, Split, Slice, Expand, Tile, DepthToSpace, SpaceToDepth), plus Pad and Trilu,
// which also write a fill value. All dispatch on the element size.
#pragma once

#include "movement_common.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace ridgeline::replay::movement_ops {

/** Transpose: the output reads the input through permuted strides. */
template <class Exec>
void run_transpose(node_call<Exec>& c) {
    const tensor_ref& in = c.in.at(0);
    const tensor_ref& out = c.out.at(0);
    auto perm = c.n.attr_ints("perm");
    if (perm.empty()) {
        for (int d = in.rank - 1; d >= 0; --d) perm.push_back(d);
    }
    if (static_cast<int>(perm.size()) != in.rank) throw unsupported_node("perm does not match the rank");
    const auto is = strides_of(in);
    std::int64_t src[max_rank] = {};
    for (int d = 0; d < out.rank; ++d)
        src[d] = is[static_cast<std::size_t>(normalise_axis(perm[static_cast<std::size_t>(d)], in.rank))];
    run_copy(c.ex, gather_plan(out, src), out.data, in.data, element_bytes(out.type));
}

/** Concat: each input is copied into its slab of the output (a memcpy when the slab is contiguous). */
template <class Exec>
void run_concat(node_call<Exec>& c) {
    const tensor_ref& out = c.out.at(0);
    const int axis = normalise_axis(c.n.attr_i("axis", 1), out.rank);
    const auto os = strides_of(out);
    const std::int64_t elem = element_bytes(out.type);
    std::int64_t offset = 0;
    for (std::size_t k = 0; k < c.in.size(); ++k) {
        if (!c.has(k)) continue;
        const tensor_ref& in = c.in[k];
        if (in.rank != out.rank) throw unsupported_node("concat inputs of different ranks");
        if (in.numel() > 0) {
            const auto is = strides_of(in);
            copy_plan p;
            for (int d = 0; d < in.rank; ++d)
                p.add(in.dims[d], is[static_cast<std::size_t>(d)], os[static_cast<std::size_t>(d)]);
            p.dst_base = offset * os[static_cast<std::size_t>(axis)];
            run_copy(c.ex, p, out.data, in.data, elem);
        }
        offset += in.dims[axis];
    }
}

/** Split: each output reads its slab of the input (sizes from the outputs' inferred dims). */
template <class Exec>
void run_split(node_call<Exec>& c) {
    const tensor_ref& in = c.in.at(0);
    const int axis = normalise_axis(c.n.attr_i("axis", 0), in.rank);
    const auto is = strides_of(in);
    const std::int64_t elem = element_bytes(in.type);
    std::int64_t offset = 0;
    for (const tensor_ref& out : c.out) {
        if (out.rank != in.rank) throw unsupported_node("split output of another rank");
        if (out.data != nullptr) {
            run_copy(c.ex, gather_plan(out, is.data(), offset * is[static_cast<std::size_t>(axis)]), out.data, in.data,
                     elem);
        }
        offset += out.dims[axis];
    }
}

/** Slice: the output reads the input from per-axis starts with per-axis steps (negative too). */
template <class Exec>
void run_slice(node_call<Exec>& c) {
    const tensor_ref& in = c.in.at(0);
    const tensor_ref& out = c.out.at(0);
    std::vector<std::int64_t> starts;
    std::vector<std::int64_t> axes;
    std::vector<std::int64_t> steps;
    if (c.opset >= 10) {
        starts = c.ints(1);
        if (c.has(3)) axes = c.ints(3);
        if (c.has(4)) steps = c.ints(4);
    } else {
        starts = c.n.attr_ints("starts");
        axes = c.n.attr_ints("axes");
    }
    if (axes.empty()) {
        for (std::size_t j = 0; j < starts.size(); ++j) axes.push_back(static_cast<std::int64_t>(j));
    }
    if (steps.empty()) steps.assign(starts.size(), 1);
    if (axes.size() != starts.size() || steps.size() != starts.size())
        throw unsupported_node("slice parameters of different lengths");
    if (out.rank != in.rank) throw unsupported_node("slice changes the rank");
    if (out.numel() == 0) return;
    std::int64_t start[max_rank] = {};
    std::int64_t step[max_rank];
    for (int d = 0; d < max_rank; ++d) step[d] = 1;
    for (std::size_t j = 0; j < starts.size(); ++j) {
        const int d = normalise_axis(axes[j], in.rank);
        const std::int64_t dim = in.dims[d];
        const std::int64_t st = steps[j];
        if (st == 0) throw unsupported_node("slice step 0");
        std::int64_t s = starts[j];
        if (s < 0) s += dim;
        s = st > 0 ? std::clamp<std::int64_t>(s, 0, dim) : std::clamp<std::int64_t>(s, 0, dim - 1);
        start[d] = s;
        step[d] = st;
    }
    const auto is = strides_of(in);
    std::int64_t src[max_rank] = {};
    std::int64_t base = 0;
    for (int d = 0; d < in.rank; ++d) {
        src[d] = is[static_cast<std::size_t>(d)] * step[d];
        base += start[d] * is[static_cast<std::size_t>(d)];
    }
    run_copy(c.ex, gather_plan(out, src, base), out.data, in.data, element_bytes(out.type));
}

/** Expand: a broadcast read of the input into the inferred output shape. */
template <class Exec>
void run_expand(node_call<Exec>& c) {
    const tensor_ref& in = c.in.at(0);
    const tensor_ref& out = c.out.at(0);
    const broadcast_strides b = make_broadcast(in, out);
    run_copy(c.ex, gather_plan(out, b.strides), out.data, in.data, element_bytes(out.type));
}

/** Pad modes. */
enum pad_mode : int { pad_constant = 0, pad_reflect = 1, pad_edge = 2, pad_wrap = 3 };

/** Pad: each output element maps back to an input coordinate or to the constant. */
template <class U>
struct pad_kernel {
    U* out;
    const U* in;
    U value;
    int rank;
    int mode;
    std::int64_t out_dims[max_rank];
    std::int64_t in_dims[max_rank];
    std::int64_t in_strides[max_rank];
    std::int64_t begin[max_rank];
    RL_HD void operator()(std::int64_t i) const {
        std::int64_t off = 0;
        const bool inside = walk_coords(i, rank, out_dims, [&](int k, std::int64_t cx) {
            std::int64_t x = cx - begin[k];
            const std::int64_t n = in_dims[k];
            if (x < 0 || x >= n) {
                if (mode == pad_constant) return false;
                if (mode == pad_edge) {
                    x = x < 0 ? 0 : n - 1;
                } else if (mode == pad_wrap) {
                    x %= n;
                    if (x < 0) x += n;
                } else {  // reflect: period 2(n - 1)
                    const std::int64_t period = 2 * (n - 1);
                    if (period == 0) {
                        x = 0;
                    } else {
                        x %= period;
                        if (x < 0) x += period;
                        if (x >= n) x = period - x;
                    }
                }
            }
            off += x * in_strides[k];
            return true;
        });
        out[i] = inside ? in[off] : value;
    }
};

/** Runs pad_kernel from `in` into `out` (same rank, both non-empty), with `begin` elements padded before each dim. */
template <class Exec>
void launch_pad(Exec& ex, const tensor_ref& in, const tensor_ref& out, int mode, const std::int64_t* begin,
                std::uint64_t value) {
    const auto is = strides_of(in);
    visit_bits(out.type, [&](auto tag) {
        using U = typename decltype(tag)::type;
        pad_kernel<U> k{};
        k.out = out.as<U>();
        k.in = in.as<const U>();
        k.value = bits_as<U>(value);
        k.rank = in.rank;
        k.mode = mode;
        for (int d = 0; d < in.rank; ++d) {
            k.out_dims[d] = out.dims[d];
            k.in_dims[d] = in.dims[d];
            k.in_strides[d] = is[static_cast<std::size_t>(d)];
            k.begin[d] = begin[d];
        }
        ex.for_each(out.numel(), k);
    });
}

/** Tile: output dim d seen as [repeat, in.dims[d]], the repeat reading with stride 0. */
template <class Exec>
void run_tile(node_call<Exec>& c) {
    const tensor_ref& in = c.in.at(0);
    const tensor_ref& out = c.out.at(0);
    if (out.rank != in.rank) throw unsupported_node("tile changes the rank");
    if (out.numel() == 0) return;
    const auto is = strides_of(in);
    const auto os = strides_of(out);
    copy_plan p;
    for (int d = 0; d < in.rank; ++d) {
        const std::int64_t n = in.dims[d];
        if (n <= 0 || out.dims[d] % n != 0) throw unsupported_node("tile output is not a multiple of the input");
        const auto s = static_cast<std::size_t>(d);
        p.add(out.dims[d] / n, 0, n * os[s]);
        p.add(n, is[s], os[s]);
    }
    p.simplify();
    if (p.rank <= max_rank) {
        run_copy(c.ex, p, out.data, in.data, element_bytes(out.type));
        return;
    }
    // The doubled index space does not fit max_rank: Pad's wrap mode without padding in front reads
    // input coordinate = output coordinate mod dim.
    const std::int64_t begin[max_rank] = {};
    launch_pad(c.ex, in, out, pad_wrap, begin, 0);
}

/** DepthToSpace: [N, C, H, W] as a 6-D view, transposed (DCR or CRD). */
template <class Exec>
void run_depth_to_space(node_call<Exec>& c) {
    const tensor_ref& in = c.in.at(0);
    const tensor_ref& out = c.out.at(0);
    if (in.rank != 4) throw unsupported_node("DepthToSpace needs a 4-D input");
    const std::int64_t b = c.n.attr_i("blocksize", 0);
    if (b <= 0) throw unsupported_node("blocksize");
    const std::int64_t n = in.dims[0], ch = in.dims[1], h = in.dims[2], w = in.dims[3];
    const std::int64_t oc = ch / (b * b);
    const bool crd = c.n.attr_s("mode", "DCR") == "CRD";
    // Input strides of the view's pieces: channel = (b1, b2, oc) for DCR, (oc, b1, b2) for CRD.
    const std::int64_t hw = h * w;
    const std::int64_t s_oc = crd ? b * b * hw : hw;
    const std::int64_t s_b1 = crd ? b * hw : b * oc * hw;
    const std::int64_t s_b2 = crd ? hw : oc * hw;
    // Iterate the output as [N, oc, H, b1, W, b2].
    copy_plan p;
    p.add(n, ch * hw, oc * h * b * w * b);
    p.add(oc, s_oc, h * b * w * b);
    p.add(h, w, b * w * b);
    p.add(b, s_b1, w * b);
    p.add(w, 1, b);
    p.add(b, s_b2, 1);
    run_copy(c.ex, p, out.data, in.data, element_bytes(out.type));
}

/** SpaceToDepth: [N, C, H/b, b, W/b, b] transposed to [N, b, b, C, H/b, W/b]. */
template <class Exec>
void run_space_to_depth(node_call<Exec>& c) {
    const tensor_ref& in = c.in.at(0);
    const tensor_ref& out = c.out.at(0);
    if (in.rank != 4) throw unsupported_node("SpaceToDepth needs a 4-D input");
    const std::int64_t b = c.n.attr_i("blocksize", 0);
    if (b <= 0) throw unsupported_node("blocksize");
    const std::int64_t n = in.dims[0], ch = in.dims[1], h = in.dims[2], w = in.dims[3];
    const std::int64_t oh = h / b, ow = w / b;
    const std::int64_t plane = oh * ow;
    copy_plan p;
    p.add(n, ch * h * w, ch * b * b * plane);
    p.add(b, w, b * ch * plane);
    p.add(b, 1, ch * plane);
    p.add(ch, h * w, plane);
    p.add(oh, b * w, ow);
    p.add(ow, b, 1);
    run_copy(c.ex, p, out.data, in.data, element_bytes(out.type));
}

/** Pad (constant/reflect/edge/wrap; pads from the input or attribute; negative pads crop). */
template <class Exec>
void run_pad(node_call<Exec>& c) {
    const tensor_ref& in = c.in.at(0);
    const tensor_ref& out = c.out.at(0);
    if (out.rank != in.rank) throw unsupported_node("pad changes the rank");
    const std::string mode_name = c.n.attr_s("mode", "constant");
    int mode = pad_constant;
    if (mode_name == "reflect") {
        mode = pad_reflect;
    } else if (mode_name == "edge") {
        mode = pad_edge;
    } else if (mode_name == "wrap") {
        mode = pad_wrap;
    } else if (mode_name != "constant") {
        throw unsupported_node("pad mode " + mode_name);
    }
    std::vector<std::int64_t> pads;
    std::vector<std::int64_t> axes;
    std::uint64_t value = 0;
    if (c.opset >= 11) {
        pads = c.ints(1);
        if (c.has(2) && c.in[2].numel() > 0) {
            const dtype vt = c.in[2].type;
            if (vt == dtype::i64 || vt == dtype::i32) {
                value = value_bits(out.type, c.ints(2).at(0));
            } else {
                value = value_bits(out.type, c.reals(2).at(0));
            }
        }
        if (c.has(3)) axes = c.ints(3);
    } else {
        pads = c.n.attr_ints(c.opset >= 2 ? "pads" : "paddings");
        value = value_bits(out.type, c.n.attr_f("value", 0.0));
    }
    if (axes.empty()) {
        for (int d = 0; d < in.rank; ++d) axes.push_back(d);
    }
    if (pads.size() != 2 * axes.size()) throw unsupported_node("pads do not match the axes");
    const std::int64_t count = out.numel();
    if (count == 0) return;
    if (in.numel() == 0 && mode != pad_constant) throw unsupported_node("non-constant pad of an empty tensor");
    std::int64_t begin[max_rank] = {};
    for (std::size_t j = 0; j < axes.size(); ++j) begin[normalise_axis(axes[j], in.rank)] = pads[j];
    if (in.numel() == 0) {
        fill_with_bits(c.ex, out, value);
        return;
    }
    launch_pad(c.ex, in, out, mode, begin, value);
}

/** Trilu: keeps the upper (col − row ≥ k) or lower (col − row ≤ k) triangle of the last two dims. */
template <class U>
struct trilu_kernel {
    U* out;
    const U* in;
    std::int64_t rows;
    std::int64_t cols;
    std::int64_t k;
    bool upper;
    RL_HD void operator()(std::int64_t i) const {
        const std::int64_t q = i / cols;
        const std::int64_t col = i - q * cols;
        const std::int64_t row = q % rows;
        const std::int64_t diff = col - row;
        const bool keep = upper ? diff >= k : diff <= k;
        out[i] = keep ? in[i] : U{};
    }
};

/** Trilu (upper attribute, optional k input). */
template <class Exec>
void run_trilu(node_call<Exec>& c) {
    const tensor_ref& in = c.in.at(0);
    const tensor_ref& out = c.out.at(0);
    if (in.rank < 2) throw unsupported_node("Trilu needs rank ≥ 2");
    const std::int64_t k = c.has(1) ? c.ints(1).at(0) : 0;
    const std::int64_t count = out.numel();
    if (count == 0) return;
    visit_bits(out.type, [&](auto tag) {
        using U = typename decltype(tag)::type;
        c.ex.for_each(count, trilu_kernel<U>{out.as<U>(), in.as<const U>(), in.dims[in.rank - 2], in.dims[in.rank - 1],
                                             k, c.n.attr_i("upper", 1) != 0});
    });
}

}  // namespace ridgeline::replay::movement_ops
