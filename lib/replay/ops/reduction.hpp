// Replay family: reductions (Reduce*, ArgMax/ArgMin), softmax-like operators (Softmax, LogSoftmax,
// Hardmax) and cumulative folds (CumSum, CumProd).
//
// A reduction's input dims are split into kept and reduced dims and merged where adjacent
// (`reduce_layout`). When the reduced elements of each output are contiguous (trailing axes) a row
// of lanes reduces them with coalesced loads (for_each_row); otherwise one thread per output walks
// its reduced elements, adjacent threads reading adjacent kept elements. Few outputs over many
// elements are split into parts reduced into scratch partials, then combined.
#pragma once

#include "elementwise_common.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace ridgeline::replay::rd {

using ew::kinds;

// ---------------------------------------------------------------------------------------------
// Layout
// ---------------------------------------------------------------------------------------------

/**
 * How a reduction walks its input: output o's reduced elements are
 * x[kept.offset(o) + reduced.offset(r)], r in [0, count).
 */
struct reduce_layout {
    std::int64_t outputs = 1;  /**< Product of the kept dims. */
    std::int64_t count = 1;    /**< Product of the reduced dims. */
    broadcast_strides kept;    /**< Kept dims (merged) with their input strides. */
    broadcast_strides reduced; /**< Reduced dims (merged) with their input strides. */
    bool rows = false;         /**< Output o reduces x[o·count, (o+1)·count). */
    bool narrow = false;       /**< Input offsets fit 32-bit arithmetic (ew::strided_offset). */
};

/** The layout reducing dims d of x where reduce[d] (size-1 dims vanish, adjacent dims of one kind merge). */
inline reduce_layout make_reduce_layout(const tensor_ref& x, const bool* reduce) {
    reduce_layout l;
    std::int64_t strides[max_rank];
    contiguous_strides(x, strides);
    int last = -1;  // kind of the last group: 0 kept, 1 reduced
    for (int d = 0; d < x.rank; ++d) {
        const int kind = reduce[d] ? 1 : 0;
        if (kind == 1)
            l.count *= x.dims[d];
        else
            l.outputs *= x.dims[d];
        if (x.dims[d] == 1) continue;
        broadcast_strides& g = kind == 1 ? l.reduced : l.kept;
        if (kind == last) {  // inner dim of the same kind: the group grows inward
            g.dims[g.rank - 1] *= x.dims[d];
            g.strides[g.rank - 1] = strides[d];
        } else {
            g.dims[g.rank] = x.dims[d];
            g.strides[g.rank] = strides[d];
            ++g.rank;
        }
        last = kind;
    }
    const bool reduced_inner = l.reduced.rank == 0 || (l.reduced.rank == 1 && l.reduced.strides[0] == 1);
    const bool kept_outer = l.kept.rank == 0 || (l.kept.rank == 1 && l.kept.strides[0] == l.count);
    l.rows = reduced_inner && kept_outer;
    l.narrow = ew::fits_narrow(x.numel());
    return l;
}

/** The layout of a reduction over the axis range [first, last) of x. */
inline reduce_layout axis_range_layout(const tensor_ref& x, int first, int last) {
    bool reduce[max_rank] = {};
    for (int d = first; d < last; ++d) reduce[d] = true;
    return make_reduce_layout(x, reduce);
}

/** Ceiling of a / b. */
inline std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

/**
 * Offset of the first element along an axis of `count` elements for thread i = (outer, inner) of a
 * tensor seen as [outer, count, inner]: the axis's elements follow at multiples of `inner`.
 */
RL_HD inline std::int64_t axis_base(std::int64_t i, std::int64_t count, std::int64_t inner) {
    const std::int64_t o = i / inner;
    return o * count * inner + (i - o * inner);
}

// ---------------------------------------------------------------------------------------------
// Reduce* operators: init, map (per element), combine, finish (with the element count)
// ---------------------------------------------------------------------------------------------

/** ReduceSum. */
template <class V>
struct sum_red {
    RL_HD V init() const { return V(0); }
    RL_HD V map(V x) const { return x; }
    RL_HD V combine(V a, V b) const { return a + b; }
    RL_HD V finish(V a, std::int64_t) const { return a; }
};
/** ReduceMean (integers: truncated mean). */
template <class V>
struct mean_red : sum_red<V> {
    RL_HD V finish(V a, std::int64_t n) const {
        if constexpr (std::is_floating_point_v<V>)
            return a / static_cast<V>(n);
        else
            return n == 0 ? V(0) : a / static_cast<V>(n);
    }
};
/** ReduceMax (empty: lowest). */
template <class V>
struct max_red {
    RL_HD V init() const { return ew::lowest<V>(); }
    RL_HD V map(V x) const { return x; }
    RL_HD V combine(V a, V b) const { return (b > a || b != b) ? b : a; }
    RL_HD V finish(V a, std::int64_t) const { return a; }
};
/** ReduceMin (empty: highest). */
template <class V>
struct min_red {
    RL_HD V init() const { return ew::highest<V>(); }
    RL_HD V map(V x) const { return x; }
    RL_HD V combine(V a, V b) const { return (b < a || b != b) ? b : a; }
    RL_HD V finish(V a, std::int64_t) const { return a; }
};
/** ReduceMax of bools (empty: false). */
template <class V>
struct bool_max_red : max_red<V> {
    RL_HD V init() const { return V(0); }
};
/** ReduceMin of bools (empty: true). */
template <class V>
struct bool_min_red : min_red<V> {
    RL_HD V init() const { return V(1); }
};
/** ReduceProd. */
template <class V>
struct prod_red {
    RL_HD V init() const { return V(1); }
    RL_HD V map(V x) const { return x; }
    RL_HD V combine(V a, V b) const { return a * b; }
    RL_HD V finish(V a, std::int64_t) const { return a; }
};
/** ReduceL1: Σ|x|. */
template <class V>
struct l1_red : sum_red<V> {
    RL_HD V map(V x) const { return x < V(0) ? -x : x; }
};
/** ReduceSumSquare: Σx². */
template <class V>
struct sum_square_red : sum_red<V> {
    RL_HD V map(V x) const { return x * x; }
};
/** ReduceL2: √Σx². */
template <class V>
struct l2_red : sum_square_red<V> {
    RL_HD V finish(V a, std::int64_t) const { return ew::any_sqrt(a); }
};
/** ReduceLogSum: log Σx. */
template <class V>
struct log_sum_red : sum_red<V> {
    RL_HD V finish(V a, std::int64_t) const { return math::log(a); }
};
/** ReduceLogSumExp: log Σ exp(x) (as ONNX defines it, without a max shift). */
template <class V>
struct log_sum_exp_red : sum_red<V> {
    RL_HD V map(V x) const { return math::exp(x); }
    RL_HD V finish(V a, std::int64_t) const { return math::log(a); }
};

/**
 * Contiguous reduction, a row of lanes per work item: item w = (o, part) reduces
 * in[o·count + part·chunk …] (at most `chunk` elements); `map_in` applies op.map to the inputs
 * (off for partials), `finish` writes op.finish(·, total) (else the raw accumulator: a partial).
 */
template <class TI, class TO, class Op>
struct reduce_rows_kernel {
    const TI* in;
    TO* out;
    std::int64_t count;  // elements per output
    std::int64_t parts;  // work items per output
    std::int64_t chunk;  // elements per item
    std::int64_t total;  // elements behind each output (for finish)
    bool map_in;
    bool finish;
    Op op;
    RL_HD void operator()(std::int64_t w, int lane, int lanes) const {
        const std::int64_t o = w / parts;
        const std::int64_t begin = (w - o * parts) * chunk;
        const std::int64_t end = begin + chunk < count ? begin + chunk : count;
        const TI* p = in + o * count;
        auto acc = op.init();
        for (std::int64_t j = begin + lane; j < end; j += lanes) {
            const auto v = load(p, j);
            acc = op.combine(acc, map_in ? op.map(v) : v);
        }
        acc = lanes_fold(acc, lanes, op);
        if (lane == 0) store(out, w, finish ? op.finish(acc, total) : acc);
    }
};

/**
 * Strided reduction, a thread per work item w = part·outputs + o: reduces in[kept.offset(o) +
 * reduced.offset(r)] for r in [part·chunk, …) (see reduce_rows_kernel for map_in/finish).
 */
template <class TI, class TO, class Op>
struct reduce_cols_kernel {
    const TI* in;
    TO* out;
    broadcast_strides kept;
    broadcast_strides reduced;
    std::int64_t outputs;
    std::int64_t count;
    std::int64_t chunk;
    std::int64_t total;
    bool map_in;
    bool finish;
    bool narrow;
    Op op;
    RL_HD void operator()(std::int64_t w) const {
        const std::int64_t part = w / outputs;
        const std::int64_t o = w - part * outputs;
        const std::int64_t begin = part * chunk;
        const std::int64_t end = begin + chunk < count ? begin + chunk : count;
        const TI* p = in + ew::strided_offset(kept, o, narrow);
        auto acc = op.init();
        if (reduced.rank <= 1) {
            const std::int64_t s = reduced.rank == 1 ? reduced.strides[0] : 0;
            for (std::int64_t r = begin; r < end; ++r) {
                const auto v = load(p, r * s);
                acc = op.combine(acc, map_in ? op.map(v) : v);
            }
        } else {
            for (std::int64_t r = begin; r < end; ++r) {
                const auto v = load(p, ew::strided_offset(reduced, r, narrow));
                acc = op.combine(acc, map_in ? op.map(v) : v);
            }
        }
        store(out, w, finish ? op.finish(acc, total) : acc);
    }
};

/** Reduces x into y (y.numel() == l.outputs) with Op<compute_t<T>>. */
template <class T, template <class> class Op, class Exec>
void reduce_into(Exec& ex, const T* x, T* y, const reduce_layout& l) {
    using V = compute_t<T>;
    using O = Op<V>;
    const std::int64_t outputs = l.outputs, count = l.count;
    if (outputs == 0) return;
    if (l.rows && count >= 32) {
        // A row of lanes per output; few long rows are split into parts first.
        const std::int64_t parts = std::min(ceil_div(count, 4096), std::max<std::int64_t>(1, 2048 / outputs));
        if (parts <= 1) {
            ex.for_each_row(outputs, count, reduce_rows_kernel<T, T, O>{x, y, count, 1, count, count, true, true, O{}});
            return;
        }
        const std::int64_t chunk = ceil_div(count, parts);
        V* partial = static_cast<V*>(ex.scratch(outputs * parts * static_cast<std::int64_t>(sizeof(V))));
        ex.for_each_row(outputs * parts, chunk,
                        reduce_rows_kernel<T, V, O>{x, partial, count, parts, chunk, count, true, false, O{}});
        ew::launch_rows(ex, outputs, parts,
                        reduce_rows_kernel<V, T, O>{partial, y, parts, 1, parts, count, false, true, O{}});
        return;
    }
    // A thread per output; few outputs over many elements are split into parts first.
    const std::int64_t parts =
        count <= 512 ? 1 : std::min(ceil_div(count, 256), std::max<std::int64_t>(1, 65536 / outputs));
    if (parts <= 1) {
        ex.for_each(outputs, reduce_cols_kernel<T, T, O>{x, y, l.kept, l.reduced, outputs, count, count, count, true,
                                                         true, l.narrow, O{}});
        return;
    }
    const std::int64_t chunk = ceil_div(count, parts);
    V* partial = static_cast<V*>(ex.scratch(outputs * parts * static_cast<std::int64_t>(sizeof(V))));
    ex.for_each(outputs * parts, reduce_cols_kernel<T, V, O>{x, partial, l.kept, l.reduced, outputs, count, chunk,
                                                             count, true, false, l.narrow, O{}});
    // partial[part][o]: reduce over part (stride `outputs`), adjacent threads adjacent outputs
    broadcast_strides kept;
    kept.rank = 1;
    kept.dims[0] = outputs;
    kept.strides[0] = 1;
    broadcast_strides over;
    over.rank = 1;
    over.dims[0] = parts;
    over.strides[0] = outputs;
    ex.for_each(outputs, reduce_cols_kernel<V, T, O>{partial, y, kept, over, outputs, parts, parts, count, false, true,
                                                     ew::fits_narrow(outputs * parts), O{}});
}

/** The axes a Reduce* node reduces (input 1 when given, else the attribute); all when empty, unless noop. */
template <class Exec>
void reduced_dims(const node_call<Exec>& c, int rank, bool* reduce) {
    std::vector<std::int64_t> axes = c.has(1) ? c.ints(1) : c.n.attr_ints("axes");
    for (int d = 0; d < rank; ++d) reduce[d] = false;
    if (axes.empty()) {
        if (c.n.attr_i("noop_with_empty_axes", 0) != 0) return;
        for (int d = 0; d < rank; ++d) reduce[d] = true;
        return;
    }
    for (const auto a : axes) reduce[normalise_axis(a, rank)] = true;
}

/** A Reduce* operator (output already shaped by keepdims); bools reduce with BoolOp. */
template <class Exec, template <class> class Op, kinds K, template <class> class BoolOp = Op>
void run_reduce(node_call<Exec>& c) {
    const tensor_ref& x = c.in.at(0);
    const tensor_ref& y = c.out.at(0);
    if (x.type != y.type) throw unsupported_node("reduction output type differs from the input's");
    bool reduce[max_rank];
    reduced_dims(c, x.rank, reduce);
    const reduce_layout l = make_reduce_layout(x, reduce);
    if (l.outputs != y.numel()) throw unsupported_node("reduction output size does not match its axes");
    ew::visit_kind<K>(x.type, [&](auto tag) {
        using T = typename decltype(tag)::type;
        if constexpr (std::is_same_v<T, bool>) {
            reduce_into<T, BoolOp>(c.ex, x.as<T>(), y.as<T>(), l);
        } else {
            reduce_into<T, Op>(c.ex, x.as<T>(), y.as<T>(), l);
        }
    });
}

// ---------------------------------------------------------------------------------------------
// ArgMax / ArgMin
// ---------------------------------------------------------------------------------------------

/** Better-than for ArgMax (larger) or ArgMin (smaller); ties keep the first or the last index. */
template <class V>
struct arg_rule {
    bool max;
    bool last;
    /** True when v at a later index replaces the current best b. */
    RL_HD bool replaces(V v, V b) const {
        if (max) return last ? v >= b : v > b;
        return last ? v <= b : v < b;
    }
};

/** Folds of (value, index) candidates over lanes: value by the rule, then the first/last index. */
template <class V>
struct arg_value_fold {
    bool max;
    RL_HD V combine(V a, V b) const { return max ? max_fold<V>{}.combine(a, b) : min_fold<V>{}.combine(a, b); }
};
struct arg_index_fold {
    bool last;
    RL_HD std::int64_t combine(std::int64_t a, std::int64_t b) const {
        return last ? max_fold<std::int64_t>{}.combine(a, b) : min_fold<std::int64_t>{}.combine(a, b);
    }
};

/** ArgMax/ArgMin along a contiguous axis: a row of lanes per output. */
template <class T>
struct arg_rows_kernel {
    const T* x;
    std::int64_t* y;
    std::int64_t count;
    arg_rule<compute_t<T>> rule;
    RL_HD void operator()(std::int64_t row, int lane, int lanes) const {
        using V = compute_t<T>;
        const T* p = x + row * count;
        V best = V(0);
        std::int64_t at = -1;
        for (std::int64_t j = lane; j < count; j += lanes) {
            const V v = load(p, j);
            if (at < 0 || rule.replaces(v, best)) {
                best = v;
                at = j;
            }
        }
        // Lanes without elements take no part: their value must not win.
        const V neutral = rule.max ? ew::lowest<V>() : ew::highest<V>();
        const V top = lanes_fold(at < 0 ? neutral : best, lanes, arg_value_fold<V>{rule.max});
        const std::int64_t none = rule.last ? -1 : count;
        const std::int64_t pick = lanes_fold(at >= 0 && best == top ? at : none, lanes, arg_index_fold{rule.last});
        if (lane == 0) y[row] = pick < 0 || pick >= count ? 0 : pick;
    }
};

/** ArgMax/ArgMin along a strided axis: a thread per output (outer, inner). */
template <class T>
struct arg_cols_kernel {
    const T* x;
    std::int64_t* y;
    std::int64_t count;
    std::int64_t inner;
    arg_rule<compute_t<T>> rule;
    RL_HD void operator()(std::int64_t i) const {
        using V = compute_t<T>;
        const T* p = x + axis_base(i, count, inner);
        V best = load(p, 0);
        std::int64_t at = 0;
        for (std::int64_t j = 1; j < count; ++j) {
            const V v = load(p, j * inner);
            if (rule.replaces(v, best)) {
                best = v;
                at = j;
            }
        }
        y[i] = at;
    }
};

/** Product of dims [first, last). */
inline std::int64_t dims_product(const tensor_ref& t, int first, int last) {
    std::int64_t n = 1;
    for (int d = first; d < last; ++d) n *= t.dims[d];
    return n;
}

/** ArgMax (max = true) or ArgMin. */
template <class Exec, bool max>
void run_arg(node_call<Exec>& c) {
    const tensor_ref& x = c.in.at(0);
    const tensor_ref& y = c.out.at(0);
    if (y.type != dtype::i64) throw unsupported_node("ArgMax/ArgMin output must be int64");
    const int axis = normalise_axis(c.n.attr_i("axis", 0), x.rank);
    const bool last = c.n.attr_i("select_last_index", 0) != 0;
    const std::int64_t outer = dims_product(x, 0, axis);
    const std::int64_t count = x.rank == 0 ? 1 : x.dims[axis];
    const std::int64_t inner = dims_product(x, axis + 1, x.rank);
    const std::int64_t outputs = outer * inner;
    if (outputs == 0) return;
    if (count == 0) throw unsupported_node("ArgMax/ArgMin over an empty axis");
    ew::visit_kind<kinds::numeric>(x.type, [&](auto tag) {
        using T = typename decltype(tag)::type;
        const arg_rule<compute_t<T>> rule{max, last};
        if (inner == 1) {
            ew::launch_rows(c.ex, outer, count, arg_rows_kernel<T>{x.as<T>(), y.as<std::int64_t>(), count, rule});
        } else {
            c.ex.for_each(outputs, arg_cols_kernel<T>{x.as<T>(), y.as<std::int64_t>(), count, inner, rule});
        }
    });
}

// ---------------------------------------------------------------------------------------------
// Softmax, LogSoftmax, Hardmax
// ---------------------------------------------------------------------------------------------

/** Which softmax-like operator. */
enum class softmax_kind { softmax, log_softmax, hardmax };

/** Softmax-like operator over contiguous rows: a row of lanes per row. */
template <class T>
struct softmax_rows_kernel {
    const T* x;
    T* y;
    std::int64_t count;
    softmax_kind kind;
    RL_HD void operator()(std::int64_t row, int lane, int lanes) const {
        using V = compute_t<T>;
        const T* p = x + row * count;
        T* q = y + row * count;
        V m = ew::lowest<V>();
        std::int64_t at = count;  // this lane's first index of its maximum (Hardmax)
        for (std::int64_t j = lane; j < count; j += lanes) {
            const V v = load(p, j);
            if (at == count || v > m) {
                m = v;
                at = j;
            }
        }
        const V top = lanes_max(m, lanes);
        if (kind == softmax_kind::hardmax) {
            const std::int64_t first = lanes_min(at < count && m == top ? at : count, lanes);
            for (std::int64_t j = lane; j < count; j += lanes) store(q, j, j == first ? V(1) : V(0));
            return;
        }
        V s = V(0);
        for (std::int64_t j = lane; j < count; j += lanes) s += math::exp(load(p, j) - top);
        s = lanes_sum(s, lanes);
        if (kind == softmax_kind::softmax) {
            const V r = V(1) / s;
            for (std::int64_t j = lane; j < count; j += lanes) store(q, j, math::exp(load(p, j) - top) * r);
        } else {
            const V log_s = math::log(s);  // (x − max) − log s: exact for large x, unlike x − (max + log s)
            for (std::int64_t j = lane; j < count; j += lanes) store(q, j, (load(p, j) - top) - log_s);
        }
    }
};

/** Softmax-like operator along a strided axis: a thread per (outer, inner). */
template <class T>
struct softmax_cols_kernel {
    const T* x;
    T* y;
    std::int64_t count;
    std::int64_t inner;
    softmax_kind kind;
    RL_HD void operator()(std::int64_t i) const {
        using V = compute_t<T>;
        const std::int64_t base = axis_base(i, count, inner);
        const T* p = x + base;
        T* q = y + base;
        V m = load(p, 0);
        std::int64_t at = 0;
        for (std::int64_t j = 1; j < count; ++j) {
            const V v = load(p, j * inner);
            if (v > m) {
                m = v;
                at = j;
            }
        }
        if (kind == softmax_kind::hardmax) {
            for (std::int64_t j = 0; j < count; ++j) store(q, j * inner, j == at ? V(1) : V(0));
            return;
        }
        V s = V(0);
        for (std::int64_t j = 0; j < count; ++j) s += math::exp(load(p, j * inner) - m);
        if (kind == softmax_kind::softmax) {
            const V r = V(1) / s;
            for (std::int64_t j = 0; j < count; ++j) store(q, j * inner, math::exp(load(p, j * inner) - m) * r);
        } else {
            const V log_s = math::log(s);
            for (std::int64_t j = 0; j < count; ++j) store(q, j * inner, (load(p, j * inner) - m) - log_s);
        }
    }
};

/** Softmax / LogSoftmax / Hardmax: along `axis` (opset ≥ 13), else over the flattened dims from `axis`. */
template <class Exec, softmax_kind kind>
void run_softmax(node_call<Exec>& c) {
    const tensor_ref& x = c.in.at(0);
    const tensor_ref& y = c.out.at(0);
    if (x.type != y.type) throw unsupported_node("output type differs from the input's");
    const bool legacy = c.opset < 13;
    const int axis = normalise_axis(c.n.attr_i("axis", legacy ? 1 : -1), x.rank);
    std::int64_t outer = dims_product(x, 0, axis), count = 0, inner = 1;
    if (x.rank == 0) {
        count = 1;
    } else if (legacy) {
        count = dims_product(x, axis, x.rank);
    } else {
        count = x.dims[axis];
        inner = dims_product(x, axis + 1, x.rank);
    }
    if (outer * count * inner == 0) return;
    ew::visit_kind<kinds::floats>(x.type, [&](auto tag) {
        using T = typename decltype(tag)::type;
        if (inner == 1) {
            ew::launch_rows(c.ex, outer, count, softmax_rows_kernel<T>{x.as<T>(), y.as<T>(), count, kind});
        } else {
            c.ex.for_each(outer * inner, softmax_cols_kernel<T>{x.as<T>(), y.as<T>(), count, inner, kind});
        }
    });
}

// ---------------------------------------------------------------------------------------------
// CumSum, CumProd
// ---------------------------------------------------------------------------------------------

/** CumSum's fold. */
template <class V>
struct cum_sum {
    RL_HD V identity() const { return V(0); }
    RL_HD V combine(V a, V b) const { return a + b; }
};
/** CumProd's fold. */
template <class V>
struct cum_prod {
    RL_HD V identity() const { return V(1); }
    RL_HD V combine(V a, V b) const { return a * b; }
};

/**
 * Cumulative fold along a contiguous axis: the lanes of a row scan blocks of `lanes` elements,
 * carrying the folded total of the blocks before.
 */
template <class T, class Op>
struct cumulative_rows_kernel {
    const T* x;
    T* y;
    std::int64_t count;
    bool exclusive;
    bool reverse;
    Op op;
    RL_HD void operator()(std::int64_t row, int lane, int lanes) const {
        using V = compute_t<T>;
        const T* p = x + row * count;
        T* q = y + row * count;
        V carry = op.identity();
        for (std::int64_t base = 0; base < count; base += lanes) {
            const std::int64_t j = base + lane;
            const std::int64_t at = reverse ? count - 1 - j : j;
            const V v = j < count ? static_cast<V>(load(p, at)) : op.identity();
            const V incl = ew::lanes_scan(v, lane, lanes, op);
            const V excl = ew::lanes_previous(incl, lane, lanes, op.identity());
            if (j < count) store(q, at, op.combine(carry, exclusive ? excl : incl));
            carry = op.combine(carry, ew::lanes_broadcast(incl, lanes - 1, lanes));
        }
    }
};

/** Cumulative fold along a strided axis: a thread per (outer, inner). */
template <class T, class Op>
struct cumulative_cols_kernel {
    const T* x;
    T* y;
    std::int64_t count;
    std::int64_t inner;
    bool exclusive;
    bool reverse;
    Op op;
    RL_HD void operator()(std::int64_t i) const {
        using V = compute_t<T>;
        const std::int64_t base = axis_base(i, count, inner);
        V acc = op.identity();
        for (std::int64_t k = 0; k < count; ++k) {
            const std::int64_t at = base + (reverse ? count - 1 - k : k) * inner;
            const V v = load(x, at);
            if (exclusive) {
                store(y, at, acc);
                acc = op.combine(acc, v);
            } else {
                acc = op.combine(acc, v);
                store(y, at, acc);
            }
        }
    }
};

/** CumSum / CumProd (x, axis) with exclusive and reverse. */
template <class Exec, template <class> class Op>
void run_cumulative(node_call<Exec>& c) {
    const tensor_ref& x = c.in.at(0);
    const tensor_ref& y = c.out.at(0);
    if (x.type != y.type) throw unsupported_node("output type differs from the input's");
    const auto axes = c.ints(1);
    if (axes.size() != 1) throw unsupported_node("cumulative axis must be a scalar");
    const int axis = normalise_axis(axes[0], x.rank);
    const bool exclusive = c.n.attr_i("exclusive", 0) != 0;
    const bool reverse = c.n.attr_i("reverse", 0) != 0;
    const std::int64_t outer = dims_product(x, 0, axis);
    const std::int64_t count = x.rank == 0 ? 1 : x.dims[axis];
    const std::int64_t inner = dims_product(x, axis + 1, x.rank);
    if (outer * count * inner == 0) return;
    ew::visit_kind<kinds::numeric>(x.type, [&](auto tag) {
        using T = typename decltype(tag)::type;
        using O = Op<compute_t<T>>;
        if (inner == 1) {
            ew::launch_rows(c.ex, outer, count,
                            cumulative_rows_kernel<T, O>{x.as<T>(), y.as<T>(), count, exclusive, reverse, O{}});
        } else {
            c.ex.for_each(outer * inner,
                          cumulative_cols_kernel<T, O>{x.as<T>(), y.as<T>(), count, inner, exclusive, reverse, O{}});
        }
    });
}

}  // namespace ridgeline::replay::rd

namespace ridgeline::replay {

/** Registers the reductions, ArgMax/ArgMin, Softmax/LogSoftmax/Hardmax, CumSum and CumProd. */
template <class Exec>
void register_reduction(op_table<Exec>& t) {
    using ew::kinds;
    t.add("ReduceSum", &rd::run_reduce<Exec, rd::sum_red, kinds::numeric>);
    t.add("ReduceMean", &rd::run_reduce<Exec, rd::mean_red, kinds::numeric>);
    t.add("ReduceMax", &rd::run_reduce<Exec, rd::max_red, kinds::any, rd::bool_max_red>);
    t.add("ReduceMin", &rd::run_reduce<Exec, rd::min_red, kinds::any, rd::bool_min_red>);
    t.add("ReduceProd", &rd::run_reduce<Exec, rd::prod_red, kinds::numeric>);
    t.add("ReduceL1", &rd::run_reduce<Exec, rd::l1_red, kinds::numeric>);
    t.add("ReduceL2", &rd::run_reduce<Exec, rd::l2_red, kinds::numeric>);
    t.add("ReduceSumSquare", &rd::run_reduce<Exec, rd::sum_square_red, kinds::numeric>);
    t.add("ReduceLogSum", &rd::run_reduce<Exec, rd::log_sum_red, kinds::floats>);
    t.add("ReduceLogSumExp", &rd::run_reduce<Exec, rd::log_sum_exp_red, kinds::floats>);
    t.add("ArgMax", &rd::run_arg<Exec, true>);
    t.add("ArgMin", &rd::run_arg<Exec, false>);
    t.add("Softmax", &rd::run_softmax<Exec, rd::softmax_kind::softmax>);
    t.add("LogSoftmax", &rd::run_softmax<Exec, rd::softmax_kind::log_softmax>);
    t.add("Hardmax", &rd::run_softmax<Exec, rd::softmax_kind::hardmax>);
    t.add("CumSum", &rd::run_cumulative<Exec, rd::cum_sum>);
    t.add("CumProd", &rd::run_cumulative<Exec, rd::cum_prod>);
}

}  // namespace ridgeline::replay
