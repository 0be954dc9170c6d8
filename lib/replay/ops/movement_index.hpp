// Replay family movement, index part: operators driven by indices read from tensor data (Gather,
// GatherElements, GatherND, ScatterND, ScatterElements/Scatter, OneHot, ReverseSequence). Every index read from data
// is wrapped (negative counts from the end) and clamped into range: the replay feeds synthesised
// data, and an out-of-range read would fault on the GPU.
#pragma once

#include "movement_common.hpp"

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

namespace ridgeline::replay::movement_ops {

/** Gather: output [outer, indices, inner] reads input [outer, axis, inner]. */
template <class U, class I>
struct gather_kernel {
    U* out;
    const U* in;
    const I* idx;
    std::int64_t n_idx;
    std::int64_t inner;
    std::int64_t axis_dim;
    RL_HD void operator()(std::int64_t i) const {
        const coords3 c = split3(i, n_idx, inner);
        out[i] = in[(c.outer * axis_dim + safe_index(idx[c.mid], axis_dim)) * inner + c.inner];
    }
};

/** Gather (axis). */
template <class Exec>
void run_gather(node_call<Exec>& c) {
    const tensor_ref& in = c.in.at(0);
    const tensor_ref& ind = c.in.at(1);
    const tensor_ref& out = c.out.at(0);
    const int axis = normalise_axis(c.n.attr_i("axis", 0), in.rank);
    const std::int64_t count = out.numel();
    if (count == 0) return;
    const std::int64_t axis_dim = in.dims[axis];
    if (axis_dim == 0) throw unsupported_node("gather from an empty axis");
    std::int64_t inner = 1;
    for (int d = axis + 1; d < in.rank; ++d) inner *= in.dims[d];
    const std::int64_t elem = element_bytes(out.type);
    const std::int64_t width = widest_move(elem, inner, {out.data, in.data});
    const std::int64_t wide_inner = inner * elem / width;
    visit_index(ind.type, [&](auto itag) {
        using I = typename decltype(itag)::type;
        visit_width(width, [&](auto tag) {
            using U = typename decltype(tag)::type;
            c.ex.for_each(count / (width / elem), gather_kernel<U, I>{out.as<U>(), in.as<const U>(), ind.as<const I>(),
                                                                      ind.numel(), wide_inner, axis_dim});
        });
    });
}

/** GatherElements: out[c] = in[c with c[axis] = idx[c]]. */
template <class U, class I>
struct gather_elements_kernel {
    U* out;
    const U* in;
    const I* idx;
    int rank;
    int axis;
    std::int64_t axis_dim;
    std::int64_t dims[max_rank];
    std::int64_t strides[max_rank];
    RL_HD void operator()(std::int64_t i) const {
        std::int64_t off = 0;
        walk_coords(i, rank, dims,
                    [&](int k, std::int64_t x) { off += (k == axis ? safe_index(idx[i], axis_dim) : x) * strides[k]; });
        out[i] = in[off];
    }
};

/** GatherElements (axis). */
template <class Exec>
void run_gather_elements(node_call<Exec>& c) {
    const tensor_ref& in = c.in.at(0);
    const tensor_ref& ind = c.in.at(1);
    const tensor_ref& out = c.out.at(0);
    const int axis = normalise_axis(c.n.attr_i("axis", 0), in.rank);
    if (ind.rank != in.rank || out.rank != in.rank) throw unsupported_node("indices of another rank");
    const std::int64_t count = out.numel();
    if (count == 0) return;
    if (in.dims[axis] == 0) throw unsupported_node("gather from an empty axis");
    const auto is = strides_of(in);
    visit_index(ind.type, [&](auto itag) {
        using I = typename decltype(itag)::type;
        visit_bits(out.type, [&](auto tag) {
            using U = typename decltype(tag)::type;
            gather_elements_kernel<U, I> k{};
            k.out = out.as<U>();
            k.in = in.as<const U>();
            k.idx = ind.as<const I>();
            k.rank = in.rank;
            k.axis = axis;
            k.axis_dim = in.dims[axis];
            for (int d = 0; d < in.rank; ++d) {
                k.dims[d] = out.dims[d];
                k.strides[d] = is[static_cast<std::size_t>(d)];
            }
            c.ex.for_each(count, k);
        });
    });
}

/** Index tuples of GatherND/ScatterND: the element offset a tuple of `depth` indices selects. */
template <class I>
struct index_tuple {
    const I* idx;
    int depth;
    std::int64_t dims[max_rank];
    std::int64_t strides[max_rank];
    RL_HD std::int64_t offset(std::int64_t g) const {
        std::int64_t off = 0;
        const I* t = idx + g * depth;
        RL_MOVE_UNROLL
        for (int j = 0; j < max_rank; ++j) {
            if (j < depth) off += safe_index(t[j], dims[j]) * strides[j];
        }
        return off;
    }
};

/** GatherND: out[g, e] = in[batch(g) · batch_stride + tuple(g) + e]. */
template <class U, class I>
struct gather_nd_kernel {
    U* out;
    const U* in;
    index_tuple<I> tuple;
    std::int64_t inner;
    std::int64_t per_batch;
    std::int64_t batch_stride;
    RL_HD void operator()(std::int64_t i) const {
        const std::int64_t g = i / inner;
        const std::int64_t e = i - g * inner;
        out[i] = in[(g / per_batch) * batch_stride + tuple.offset(g) + e];
    }
};

/** Tuple description of the last indices dim over data dims [first, first + depth). */
template <class I>
index_tuple<I> tuple_of(const tensor_ref& data, const tensor_ref& ind, int first, std::int64_t wide_factor) {
    index_tuple<I> t{};
    t.idx = ind.as<const I>();
    t.depth = static_cast<int>(ind.dims[ind.rank - 1]);
    if (t.depth < 0 || first + t.depth > data.rank) throw unsupported_node("index tuples longer than the data rank");
    const auto ds = strides_of(data);
    for (int j = 0; j < t.depth; ++j) {
        t.dims[j] = data.dims[first + j];
        t.strides[j] = ds[static_cast<std::size_t>(first + j)] / wide_factor;
        if (t.dims[j] == 0) throw unsupported_node("index into an empty dim");
    }
    return t;
}

/** GatherND (batch_dims). */
template <class Exec>
void run_gather_nd(node_call<Exec>& c) {
    const tensor_ref& in = c.in.at(0);
    const tensor_ref& ind = c.in.at(1);
    const tensor_ref& out = c.out.at(0);
    const auto b = static_cast<int>(c.n.attr_i("batch_dims", 0));
    if (ind.rank < 1 || b < 0 || b >= ind.rank || b > in.rank) throw unsupported_node("batch_dims");
    const std::int64_t count = out.numel();
    if (count == 0) return;
    const auto depth = static_cast<int>(ind.dims[ind.rank - 1]);
    std::int64_t inner = 1;
    for (int d = b + depth; d < in.rank; ++d) inner *= in.dims[d];
    std::int64_t batches = 1;
    for (int d = 0; d < b; ++d) batches *= ind.dims[d];
    std::int64_t groups = 1;
    for (int d = 0; d < ind.rank - 1; ++d) groups *= ind.dims[d];
    std::int64_t batch_stride = 1;
    for (int d = b; d < in.rank; ++d) batch_stride *= in.dims[d];
    const std::int64_t elem = element_bytes(out.type);
    const std::int64_t width = widest_move(elem, inner, {out.data, in.data});
    const std::int64_t f = width / elem;
    visit_index(ind.type, [&](auto itag) {
        using I = typename decltype(itag)::type;
        const index_tuple<I> tuple = tuple_of<I>(in, ind, b, f);
        visit_width(width, [&](auto tag) {
            using U = typename decltype(tag)::type;
            c.ex.for_each(count / f, gather_nd_kernel<U, I>{out.as<U>(), in.as<const U>(), tuple, inner / f,
                                                            batches > 0 ? groups / batches : 1, batch_stride / f});
        });
    });
}

/** Scatter reductions. */
enum scatter_op : int { scatter_none = 0, scatter_add = 1, scatter_mul = 2, scatter_max = 3, scatter_min = 4 };

/** out[o] = combine(out[o], upd[u]). */
template <int Op, class T>
RL_HD inline void scatter_combine(T* out, std::int64_t o, const T* upd, std::int64_t u) {
    if constexpr (Op == scatter_none) {
        out[o] = upd[u];
    } else {
        const auto a = load(out, o);
        const auto v = load(upd, u);
        if constexpr (Op == scatter_add) {
            store(out, o, a + v);
        } else if constexpr (Op == scatter_mul) {
            store(out, o, a * v);
        } else if constexpr (Op == scatter_max) {
            store(out, o, v > a ? v : a);
        } else {
            store(out, o, v < a ? v : a);
        }
    }
}

/**
 * ScatterND. Without reduction one thread per update element; with one, one thread per element of
 * an update slice looping over the updates in order (threads own disjoint output elements).
 */
template <class T, class I, int Op>
struct scatter_nd_kernel {
    T* out;
    const T* upd;
    index_tuple<I> tuple;
    std::int64_t inner;
    std::int64_t groups;
    RL_HD void operator()(std::int64_t i) const {
        if constexpr (Op == scatter_none) {
            const std::int64_t g = i / inner;
            const std::int64_t e = i - g * inner;
            scatter_combine<Op>(out, tuple.offset(g) + e, upd, i);
        } else {
            for (std::int64_t g = 0; g < groups; ++g) scatter_combine<Op>(out, tuple.offset(g) + i, upd, g * inner + i);
        }
    }
};

/** The reduction attribute of the scatter ops. */
inline int scatter_reduction(const node& n) {
    const std::string r = n.attr_s("reduction", "none");
    if (r == "none") return scatter_none;
    if (r == "add") return scatter_add;
    if (r == "mul") return scatter_mul;
    if (r == "max") return scatter_max;
    if (r == "min") return scatter_min;
    throw unsupported_node("reduction " + r);
}

/** Calls f(std::integral_constant<int, Op>{}) for a reduction number. */
template <class F>
void visit_scatter_op(int op, F&& f) {
    switch (op) {
        case scatter_add:
            f(std::integral_constant<int, scatter_add>{});
            break;
        case scatter_mul:
            f(std::integral_constant<int, scatter_mul>{});
            break;
        case scatter_max:
            f(std::integral_constant<int, scatter_max>{});
            break;
        case scatter_min:
            f(std::integral_constant<int, scatter_min>{});
            break;
        default:
            throw unsupported_node("reduction");
    }
}

/** Copies data to the output when they are not the same buffer. */
template <class Exec>
void copy_data(node_call<Exec>& c) {
    const tensor_ref& in = c.in.at(0);
    const tensor_ref& out = c.out.at(0);
    if (out.numel() != in.numel() || out.type != in.type)
        throw unsupported_node("scatter output differs from its data");
    if (out.data != in.data) c.ex.copy(out.data, in.data, out.numel() * element_bytes(out.type));
}

/** ScatterND (reduction none/add/mul/max/min). */
template <class Exec>
void run_scatter_nd(node_call<Exec>& c) {
    const tensor_ref& data = c.in.at(0);
    const tensor_ref& ind = c.in.at(1);
    const tensor_ref& upd = c.in.at(2);
    const tensor_ref& out = c.out.at(0);
    const int op = scatter_reduction(c.n);
    if (ind.rank < 1) throw unsupported_node("scalar indices");
    copy_data(c);
    const std::int64_t n_upd = upd.numel();
    if (n_upd == 0 || out.numel() == 0) return;
    if (upd.type != out.type) throw unsupported_node("updates of another type");
    const auto depth = static_cast<int>(ind.dims[ind.rank - 1]);
    std::int64_t inner = 1;
    for (int d = depth; d < data.rank; ++d) inner *= data.dims[d];
    const std::int64_t groups = inner > 0 ? n_upd / inner : 0;
    visit_index(ind.type, [&](auto itag) {
        using I = typename decltype(itag)::type;
        if (op == scatter_none) {
            const std::int64_t elem = element_bytes(out.type);
            const std::int64_t width = widest_move(elem, inner, {out.data, upd.data});
            const std::int64_t f = width / elem;
            const index_tuple<I> tuple = tuple_of<I>(data, ind, 0, f);
            visit_width(width, [&](auto tag) {
                using U = typename decltype(tag)::type;
                c.ex.for_each(n_upd / f, scatter_nd_kernel<U, I, scatter_none>{out.as<U>(), upd.as<const U>(), tuple,
                                                                               inner / f, groups});
            });
        } else {
            const index_tuple<I> tuple = tuple_of<I>(data, ind, 0, 1);
            visit_numeric(out.type, [&](auto tag) {
                using T = typename decltype(tag)::type;
                visit_scatter_op(op, [&](auto otag) {
                    c.ex.for_each(inner, scatter_nd_kernel<T, I, decltype(otag)::value>{out.as<T>(), upd.as<const T>(),
                                                                                        tuple, inner, groups});
                });
            });
        }
    });
}

/**
 * ScatterElements. Threads walk an index space over the indices' dims; without reduction it is
 * every index element, with one the axis dim is 1 and each thread loops along the axis in order.
 */
template <class T, class I, int Op>
struct scatter_elements_kernel {
    T* out;
    const T* upd;
    const I* idx;
    int rank;
    int axis;
    std::int64_t loop;      // elements along the axis a thread handles
    std::int64_t axis_dim;  // output dim along the axis
    std::int64_t dims[max_rank];
    std::int64_t idx_strides[max_rank];
    std::int64_t out_strides[max_rank];
    RL_HD void operator()(std::int64_t t) const {
        std::int64_t ib = 0;
        std::int64_t ob = 0;
        walk_coords(t, rank, dims, [&](int k, std::int64_t x) {
            ib += x * idx_strides[k];
            if (k != axis) ob += x * out_strides[k];
        });
        for (std::int64_t a = 0; a < loop; ++a) {
            const std::int64_t u = ib + a * idx_strides[axis];
            scatter_combine<Op>(out, ob + safe_index(idx[u], axis_dim) * out_strides[axis], upd, u);
        }
    }
};

/** ScatterElements and the older Scatter (axis, reduction). */
template <class Exec>
void run_scatter_elements(node_call<Exec>& c) {
    const tensor_ref& data = c.in.at(0);
    const tensor_ref& ind = c.in.at(1);
    const tensor_ref& upd = c.in.at(2);
    const tensor_ref& out = c.out.at(0);
    const int op = scatter_reduction(c.n);
    const int axis = normalise_axis(c.n.attr_i("axis", 0), data.rank);
    if (ind.rank != data.rank || upd.rank != data.rank) throw unsupported_node("indices of another rank");
    copy_data(c);
    const std::int64_t n_upd = ind.numel();
    if (n_upd == 0 || out.numel() == 0) return;
    if (upd.type != out.type) throw unsupported_node("updates of another type");
    const auto is = strides_of(ind);
    const auto os = strides_of(out);
    auto launch = [&](auto itag, auto ttag, auto otag) {
        using I = typename decltype(itag)::type;
        using T = typename decltype(ttag)::type;
        constexpr int o = decltype(otag)::value;
        scatter_elements_kernel<T, I, o> k{};
        k.out = out.as<T>();
        k.upd = upd.as<const T>();
        k.idx = ind.as<const I>();
        k.rank = data.rank;
        k.axis = axis;
        k.axis_dim = out.dims[axis];
        k.loop = o == scatter_none ? 1 : ind.dims[axis];
        for (int d = 0; d < data.rank; ++d) {
            k.dims[d] = (d == axis && o != scatter_none) ? 1 : ind.dims[d];
            k.idx_strides[d] = is[static_cast<std::size_t>(d)];
            k.out_strides[d] = os[static_cast<std::size_t>(d)];
        }
        c.ex.for_each(o == scatter_none ? n_upd : n_upd / ind.dims[axis], k);
    };
    visit_index(ind.type, [&](auto itag) {
        if (op == scatter_none) {
            visit_bits(out.type, [&](auto ttag) { launch(itag, ttag, std::integral_constant<int, scatter_none>{}); });
        } else {
            visit_numeric(out.type,
                          [&](auto ttag) { visit_scatter_op(op, [&](auto otag) { launch(itag, ttag, otag); }); });
        }
    });
}

/** OneHot: out[o, a, e] = values[idx[o, e] == a] (negative indices count from depth; others match nothing). */
template <class U, class I>
struct one_hot_kernel {
    U* out;
    const I* idx;
    const U* values;
    std::int64_t depth;
    std::int64_t inner;
    RL_HD void operator()(std::int64_t i) const {
        const coords3 c = split3(i, depth, inner);
        auto v = static_cast<std::int64_t>(load(idx, c.outer * inner + c.inner));
        if (v < 0) v += depth;
        out[i] = values[v == c.mid ? 1 : 0];
    }
};

/** OneHot (axis; depth taken from the inferred output). */
template <class Exec>
void run_one_hot(node_call<Exec>& c) {
    const tensor_ref& ind = c.in.at(0);
    const tensor_ref& vals = c.in.at(2);
    const tensor_ref& out = c.out.at(0);
    const int axis = normalise_axis(c.n.attr_i("axis", -1), out.rank);
    if (vals.numel() != 2 || vals.type != out.type)
        throw unsupported_node("OneHot values must be two of the output type");
    const std::int64_t count = out.numel();
    if (count == 0) return;
    const std::int64_t depth = out.dims[axis];
    std::int64_t inner = 1;
    for (int d = axis + 1; d < out.rank; ++d) inner *= out.dims[d];
    auto launch = [&](auto itag) {
        using I = typename decltype(itag)::type;
        visit_bits(out.type, [&](auto tag) {
            using U = typename decltype(tag)::type;
            c.ex.for_each(count,
                          one_hot_kernel<U, I>{out.as<U>(), ind.as<const I>(), vals.as<const U>(), depth, inner});
        });
    };
    if (ind.type == dtype::i64 || ind.type == dtype::i32) {
        visit_index(ind.type, launch);
    } else {
        visit_float(ind.type, launch);
    }
}

/** ReverseSequence: along the time axis, the first len[b] elements of batch b reversed. */
template <class U, class I>
struct reverse_sequence_kernel {
    U* out;
    const U* in;
    const I* lens;
    std::int64_t steps;        // time dim
    std::int64_t time_stride;  // elements between time steps
    std::int64_t batch_dim;
    std::int64_t batch_stride;
    RL_HD void operator()(std::int64_t i) const {
        const std::int64_t t = (i / time_stride) % steps;
        const std::int64_t b = (i / batch_stride) % batch_dim;
        std::int64_t len = static_cast<std::int64_t>(lens[b]);
        len = len < 0 ? 0 : (len > steps ? steps : len);
        const std::int64_t src = t < len ? len - 1 - t : t;
        out[i] = in[i + (src - t) * time_stride];
    }
};

/** ReverseSequence (time_axis, batch_axis; lengths clamped into [0, time dim]). */
template <class Exec>
void run_reverse_sequence(node_call<Exec>& c) {
    const tensor_ref& in = c.in.at(0);
    const tensor_ref& lens = c.in.at(1);
    const tensor_ref& out = c.out.at(0);
    if (in.rank < 2) throw unsupported_node("ReverseSequence needs rank ≥ 2");
    const int time_axis = normalise_axis(c.n.attr_i("time_axis", 0), in.rank);
    const int batch_axis = normalise_axis(c.n.attr_i("batch_axis", 1), in.rank);
    if (lens.numel() != in.dims[batch_axis]) throw unsupported_node("sequence_lens does not match the batch");
    const std::int64_t count = out.numel();
    if (count == 0) return;
    const auto is = strides_of(in);
    visit_index(lens.type, [&](auto itag) {
        using I = typename decltype(itag)::type;
        visit_bits(out.type, [&](auto tag) {
            using U = typename decltype(tag)::type;
            c.ex.for_each(count,
                          reverse_sequence_kernel<U, I>{out.as<U>(), in.as<const U>(), lens.as<const I>(),
                                                        in.dims[time_axis], is[static_cast<std::size_t>(time_axis)],
                                                        in.dims[batch_axis], is[static_cast<std::size_t>(batch_axis)]});
        });
    });
}

}  // namespace ridgeline::replay::movement_ops
