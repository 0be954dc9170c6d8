// Data-movement family: Transpose, Concat, Split, Slice, Gather, GatherElements, GatherND,
// ScatterND, ScatterElements, Pad, Expand, Tile, Resize/Upsample, GridSample, RoiAlign,
// MaxUnpool, DepthToSpace, SpaceToDepth, ReverseSequence, Trilu, NonZero, Compress, Unique,
// OneHot, AffineGrid, Col2Im, CenterCropPad, TensorScatter, NonMaxSuppression, TfIdfVectorizer.
// They copy bytes without arithmetic, so FLOPs are zero except:
//   Trilu one select per element; Resize per output element: nearest 0, linear 3 vector per
//   resized axis (two products and an add), cubic 8 vector per resized axis (4 taps × mul + add);
//   GridSample per output element as Resize over every spatial axis of the grid, plus 2 vector
//   per grid coordinate (un-normalise: a product and an add);
//   RoiAlign per output element s² bilinear samples (s = sampling_ratio, or 2 when adaptive:
//   the adaptive count depends on the boxes) of 7 vector (4 products, 3 adds), s² to pool them
//   and 1 to scale the average;
//   AffineGrid per output coordinate r products and r adds (a row of theta · [base point, 1]);
//   Col2Im one add per input element (overlapping blocks are summed);
//   NonZero, Compress, OneHot one compare/select per output element; Unique sorts:
//   E·ceil(log2 E) comparisons; NonMaxSuppression (B batches, C classes, N boxes, S boxes
//   selected in all) sorts every class, B·C·N·ceil(log2 N) vector, and compares each candidate
//   with the selected boxes: 10 vector (corners, overlap, areas) + 1 special (IoU division) per
//   pair, N·S pairs at most; TfIdfVectorizer looks up every n-gram candidate, E·(max_gram −
//   min_gram + 1)·(max_skip + 1) vector, + 1 vector per output (weighting).
// Data-dependent output sizes (NonZero, Compress, Unique, NonMaxSuppression) are exact when the
// input contents are known at analysis time, else the upper bound (every element selected or
// distinct; NonMaxSuppression B·C·min(max_output_boxes_per_class, N)).
// Bytes follow the convention (inputs read once, outputs written once) except where the kernel
// physically reads less: Gather/GatherElements/GatherND read only the gathered elements of the
// data (output elements × element size) plus the indices; Slice reads only the slice; RoiAlign
// reads at most its 4 taps per sample of X (plus the boxes and batch indices); TensorScatter
// updates the cache in place: it reads the update (and write indices) and writes as many bytes.
// Small known contents are propagated (Gather on a Shape, Concat of dims …) so shape arithmetic
// that exporters spell out as graph nodes stays exact.
#include "families.hpp"

#include <algorithm>
#include <climits>
#include <cmath>

namespace ridgeline::ops {
namespace {

/** Builds known data by copying input elements through an index map, when all is known. */
std::shared_ptr<const known_data> remap(const known_data* in, std::int64_t out_elements,
                                        const std::function<std::int64_t(std::int64_t)>& source) {
    if (!in || out_elements > static_cast<std::int64_t>(max_known_elements)) return nullptr;
    auto d = std::make_shared<known_data>();
    d->is_real = in->is_real;
    for (std::int64_t i = 0; i < out_elements; ++i) {
        const auto s = static_cast<std::size_t>(source(i));
        if (s >= in->size()) return nullptr;
        if (in->is_real)
            d->reals.push_back(in->reals[s]);
        else
            d->ints.push_back(in->ints[s]);
    }
    return d;
}

/** Coordinates of flat index i in a numeric shape. */
std::vector<std::int64_t> unravel(std::int64_t i, const std::vector<std::int64_t>& s) {
    std::vector<std::int64_t> c(s.size());
    for (std::size_t k = s.size(); k-- > 0;) {
        c[k] = s[k] ? i % s[k] : 0;
        i = s[k] ? i / s[k] : 0;
    }
    return c;
}

std::int64_t ravel(const std::vector<std::int64_t>& c, const std::vector<std::int64_t>& s) {
    std::int64_t i = 0;
    for (std::size_t k = 0; k < s.size(); ++k) i = i * s[k] + c[k];
    return i;
}

// ---- Transpose ----------------------------------------------------------------------------

void infer_transpose(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    auto perm = ctx.n().attr_ints("perm");
    if (perm.empty())
        for (std::size_t i = x.size(); i-- > 0;) perm.push_back(static_cast<std::int64_t>(i));
    if (perm.size() != x.size())
        ctx.fail("perm has " + std::to_string(perm.size()) + " entries for rank " + std::to_string(x.size()));
    shape out;
    std::vector<bool> seen(x.size(), false);
    for (auto p : perm) {
        const auto a = static_cast<std::size_t>(ctx.axis(p, static_cast<std::int64_t>(x.size())));
        if (seen[a]) ctx.fail("perm repeats axis " + std::to_string(a));
        seen[a] = true;
        out.push_back(x[a]);
    }
    std::shared_ptr<const known_data> data;
    auto xs = numeric(x);
    auto os = numeric(out);
    if (xs && os) {
        data = remap(ctx.in_data(0), product(*os), [&](std::int64_t i) {
            auto oc = unravel(i, *os);
            std::vector<std::int64_t> ic(xs->size());
            for (std::size_t k = 0; k < perm.size(); ++k)
                ic[static_cast<std::size_t>(perm[k] < 0 ? perm[k] + static_cast<std::int64_t>(xs->size()) : perm[k])] =
                    oc[k];
            return ravel(ic, *xs);
        });
    }
    ctx.set_output(0, ctx.in_type(0), std::move(out), std::move(data));
}

// ---- Concat / Split -----------------------------------------------------------------------

void infer_concat(infer_context& ctx) {
    std::size_t first = 0;
    while (first < ctx.input_count() && !ctx.has_input(first)) ++first;
    const auto& x0 = ctx.in_shape(first);
    const auto rank = static_cast<std::int64_t>(x0.size());
    const auto axis = static_cast<std::size_t>(ctx.axis(ctx.n().attr_i("axis", 0), rank));
    shape out = x0;
    out[axis] = dim(0);
    bool known = true;
    auto d = std::make_shared<known_data>();
    for (std::size_t i = 0; i < ctx.input_count(); ++i) {
        if (!ctx.has_input(i)) continue;
        const auto& s = ctx.in_shape(i);
        if (s.size() != x0.size())
            ctx.fail("inputs differ in rank: " + shape_to_string(x0) + " vs " + shape_to_string(s));
        for (std::size_t k = 0; k < s.size(); ++k) {
            if (k == axis) continue;
            if (s[k].is_value() && out[k].is_value() && s[k].value() != out[k].value()) {
                ctx.fail("inputs differ on axis " + std::to_string(k) + ": " + shape_to_string(x0) + " vs " +
                         shape_to_string(s));
            }
            if (!out[k].is_value() && s[k].is_value()) out[k] = s[k];
        }
        out[axis] = out[axis] + s[axis];
        const auto* in = ctx.in_data(i);
        if (!in || (i != first && in->is_real != d->is_real) || rank != 1) known = false;
        if (known) {
            d->is_real = in->is_real;
            d->ints.insert(d->ints.end(), in->ints.begin(), in->ints.end());
            d->reals.insert(d->reals.end(), in->reals.begin(), in->reals.end());
        }
    }
    ctx.set_output(0, ctx.in_type(first), std::move(out), known ? d : nullptr);
}

void infer_split(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    const auto axis =
        static_cast<std::size_t>(ctx.axis(ctx.n().attr_i("axis", 0), static_cast<std::int64_t>(x.size())));
    std::vector<std::int64_t> sizes;
    if (ctx.opset() >= 13 && ctx.has_input(1)) {
        auto v = ctx.in_ints(1);
        if (!v) ctx.unknown("split sizes");
        sizes = *v;
    } else if (ctx.opset() < 13) {
        sizes = ctx.n().attr_ints("split");
    }
    const auto outputs = ctx.output_count();
    std::vector<dim> parts;  // each output's extent along the axis
    if (!sizes.empty()) {
        if (sizes.size() != outputs)
            ctx.fail("split has " + std::to_string(sizes.size()) + " sizes for " + std::to_string(outputs) +
                     " outputs");
        std::int64_t sum = 0;
        for (auto v : sizes) {
            if (v < 0) ctx.fail("split sizes must not be negative");
            sum = checked_add(sum, v);
        }
        if (x[axis].is_value() && x[axis].value() != sum) {
            ctx.fail("split sizes add up to " + std::to_string(sum) + ", the axis has " + x[axis].to_string());
        }
        parts.assign(sizes.begin(), sizes.end());
    } else {
        const dim total = x[axis];
        const auto n = static_cast<std::int64_t>(outputs);
        if (total.is_value() && total.value() % n != 0) {
            // opset 18: the last chunk is smaller: ceil(total / n) per chunk
            const std::int64_t chunk = (total.value() + n - 1) / n;
            for (std::int64_t i = 0; i < n; ++i) parts.emplace_back(std::min(chunk, total.value() - chunk * i));
        } else {
            parts.assign(outputs, floor_div(total, dim(n)));
        }
    }
    // Known contents (a shape being split into its dims) are split too.
    auto xs = numeric(x);
    std::int64_t offset = 0;
    for (std::size_t i = 0; i < outputs; ++i) {
        shape s = x;
        s[axis] = parts[i];
        std::shared_ptr<const known_data> data;
        auto os = numeric(s);
        if (xs && os) {
            data = remap(ctx.in_data(0), product(*os), [&](std::int64_t k) {
                auto c = unravel(k, *os);
                c[axis] += offset;
                return ravel(c, *xs);
            });
            offset += (*os)[axis];
        }
        ctx.set_output(i, ctx.in_type(0), std::move(s), std::move(data));
    }
}

// ---- Slice --------------------------------------------------------------------------------

constexpr std::int64_t huge = INT_MAX;  // exporters write INT64_MAX/INT_MAX for "to the end"

struct slice_axis {
    dim start, length;
    std::int64_t step = 1;
    bool numeric = false;
    std::int64_t start_n = 0;
};

slice_axis slice_one(const infer_context& ctx, const dim& d, const dim& start_in, const dim& end_in,
                     std::int64_t step) {
    if (step == 0) ctx.fail("slice step must not be 0");
    slice_axis r;
    r.step = step;
    if (d.is_value() && start_in.is_value() && end_in.is_value()) {
        const std::int64_t n = d.value();
        std::int64_t s = start_in.value();
        std::int64_t e = end_in.value();
        if (s < 0) s += n;
        if (e < 0) e += n;
        // Clamping as the spec says: [0, n] for positive steps; for negative steps the start
        // into [0, n − 1] and the end into [−1, n − 1] (−1 = "through element 0").
        if (step > 0) {
            s = std::clamp<std::int64_t>(s, 0, n);
            e = std::clamp<std::int64_t>(e, 0, n);
        } else {
            s = std::clamp<std::int64_t>(s, 0, std::max<std::int64_t>(n - 1, 0));
            e = std::clamp<std::int64_t>(e, -1, n - 1);
        }
        std::int64_t len = step > 0 ? (e - s + step - 1) / step : (s - e + (-step) - 1) / (-step);
        if (n == 0) len = 0;
        r.length = dim(std::max<std::int64_t>(0, len));
        r.start = dim(s);
        r.start_n = s;
        r.numeric = true;
        return r;
    }
    if (step < 0) {
        const bool full =
            start_in.is_value() && start_in.value() >= huge - 1 && end_in.is_value() && end_in.value() <= -huge;
        if (full) {
            r.length = d;
            r.start = d - dim(1);
            return r;
        }
        r.length = dim::symbol("(slice of " + d.to_string() + ")");
        return r;
    }
    dim s = start_in;
    if (s.is_value() && s.value() <= -huge)
        s = dim(0);  // "from the beginning", as exporters write it
    else if (s.is_value() && s.value() < 0)
        s = d + s;
    dim e = end_in;
    if (e.is_value() && e.value() >= huge - 1)
        e = d;
    else if (e.is_value() && e.value() < 0)
        e = d + e;
    else if (!(e == d))
        e = min(e, d);
    r.start = s;
    r.length = step == 1 ? e - s : ceil_div(e - s, dim(step));
    return r;
}

void infer_slice(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    const auto rank = static_cast<std::int64_t>(x.size());
    std::vector<dim> starts, ends;
    std::vector<std::int64_t> axes, steps;
    if (ctx.opset() >= 10) {
        const auto* s = ctx.in_data(1);
        const auto* e = ctx.in_data(2);
        if (!s || !e || s->is_real || e->is_real) ctx.unknown("starts/ends");
        starts = s->ints;
        ends = e->ints;
        if (ctx.has_input(3)) {
            auto a = ctx.in_ints(3);
            if (!a) ctx.unknown("axes");
            axes = *a;
        }
        if (ctx.has_input(4)) {
            auto st = ctx.in_ints(4);
            if (!st) ctx.unknown("steps");
            steps = *st;
        }
    } else {
        for (auto v : ctx.n().attr_ints("starts")) starts.emplace_back(v);
        for (auto v : ctx.n().attr_ints("ends")) ends.emplace_back(v);
        axes = ctx.n().attr_ints("axes");
    }
    if (starts.size() != ends.size()) ctx.fail("starts and ends differ in length");
    if (axes.empty())
        for (std::size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<std::int64_t>(i));
    if (steps.empty()) steps.assign(starts.size(), 1);
    if (axes.size() != starts.size() || steps.size() != starts.size())
        ctx.fail("starts/ends/axes/steps differ in length");
    shape out = x;
    std::vector<slice_axis> per_axis(x.size());
    for (std::size_t k = 0; k < x.size(); ++k) {
        per_axis[k] = {dim(0), x[k], 1, x[k].is_value(), 0};
    }
    for (std::size_t i = 0; i < starts.size(); ++i) {
        const auto a = static_cast<std::size_t>(ctx.axis(axes[i], rank));
        per_axis[a] = slice_one(ctx, x[a], starts[i], ends[i], steps[i]);
        out[a] = per_axis[a].length;
    }
    std::shared_ptr<const known_data> data;
    auto xs = numeric(x);
    auto os = numeric(out);
    bool all_numeric = std::all_of(per_axis.begin(), per_axis.end(), [](const slice_axis& s) { return s.numeric; });
    if (xs && os && all_numeric) {
        data = remap(ctx.in_data(0), product(*os), [&](std::int64_t i) {
            auto c = unravel(i, *os);
            for (std::size_t k = 0; k < c.size(); ++k) c[k] = per_axis[k].start_n + c[k] * per_axis[k].step;
            return ravel(c, *xs);
        });
    }
    ctx.set_output(0, ctx.in_type(0), std::move(out), std::move(data));
}

void cost_slice(const cost_context& ctx, op_cost& c) {
    c.bytes_read_activations = ctx.in_is_weight(0) ? 0 : ctx.out_bytes(0);
    c.bytes_read_weights = ctx.in_is_weight(0) ? ctx.out_bytes(0) : 0;
}

// ---- Gather family ------------------------------------------------------------------------

void infer_gather(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    const auto& idx = ctx.in_shape(1);
    const auto rank = static_cast<std::int64_t>(x.size());
    const auto axis = static_cast<std::size_t>(ctx.axis(ctx.n().attr_i("axis", 0), rank));
    shape out(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(axis));
    out.insert(out.end(), idx.begin(), idx.end());
    out.insert(out.end(), x.begin() + static_cast<std::ptrdiff_t>(axis) + 1, x.end());
    std::shared_ptr<const known_data> data;
    auto xs = numeric(x);
    auto is = numeric(idx);
    auto os = numeric(out);
    auto iv = ctx.in_ints(1);
    if (xs && is && os && iv && ctx.in_data(0)) {
        const std::int64_t axis_n = (*xs)[axis];
        const std::int64_t inner = product(*xs, axis + 1);
        const std::int64_t n_idx = product(*is);
        bool ok = true;
        for (auto& v : *iv) {
            if (v < 0) v += axis_n;
            if (v < 0 || v >= axis_n) ok = false;
        }
        if (!ok) ctx.fail("index out of range for axis of size " + std::to_string(axis_n));
        data = remap(ctx.in_data(0), product(*os), [&](std::int64_t i) {
            const std::int64_t in_inner = i % inner;
            const std::int64_t rest = i / inner;
            const std::int64_t j = rest % n_idx;
            const std::int64_t outer = rest / n_idx;
            return (outer * axis_n + (*iv)[static_cast<std::size_t>(j)]) * inner + in_inner;
        });
    }
    ctx.set_output(0, ctx.in_type(0), std::move(out), std::move(data));
}

void cost_gather(const cost_context& ctx, op_cost& c) {
    // Only the gathered rows of the data are read, plus the indices.
    const std::int64_t gathered = checked_mul(ctx.out_elements(0), ctx.in_element_bytes(0));
    const std::int64_t idx = ctx.in_bytes(1);
    c.bytes_read_weights = (ctx.in_is_weight(0) ? gathered : 0) + (ctx.in_is_weight(1) ? idx : 0);
    c.bytes_read_activations = (ctx.in_is_weight(0) ? 0 : gathered) + (ctx.in_is_weight(1) ? 0 : idx);
}

void infer_gather_elements(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    const auto& idx = ctx.in_shape(1);
    if (x.size() != idx.size()) ctx.fail("data and indices differ in rank");
    (void)ctx.axis(ctx.n().attr_i("axis", 0), static_cast<std::int64_t>(x.size()));
    ctx.set_output(0, ctx.in_type(0), idx);
}

void infer_gather_nd(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    const auto& idx = ctx.in_shape(1);
    const auto b = static_cast<std::size_t>(ctx.n().attr_i("batch_dims", 0));
    if (idx.empty() || !idx.back().is_value()) ctx.fail("last indices dimension must be known");
    const auto last = static_cast<std::size_t>(idx.back().value());
    if (b + last > x.size()) ctx.fail("indices address more axes than the data has");
    shape out(idx.begin(), idx.end() - 1);
    out.insert(out.end(), x.begin() + static_cast<std::ptrdiff_t>(b + last), x.end());
    ctx.set_output(0, ctx.in_type(0), std::move(out));
}

void infer_scatter_nd(infer_context& ctx) {
    (void)ctx.in_shape(1);
    (void)ctx.in_shape(2);
    std::shared_ptr<const known_data> data;
    auto xs = numeric(ctx.in_shape(0));
    auto is = numeric(ctx.in_shape(1));
    auto iv = ctx.in_ints(1);
    const auto* base = ctx.in_data(0);
    const auto* upd = ctx.in_data(2);
    if (xs && is && iv && base && upd && base->is_real == upd->is_real && !is->empty() &&
        ctx.n().attr_s("reduction", "none") == "none") {
        auto d = std::make_shared<known_data>(*base);
        const auto k = static_cast<std::size_t>(is->back());
        const std::int64_t slice = product(*xs, k);
        const std::int64_t rows = product(*is, 0, is->size() - 1);
        bool ok = k <= xs->size();
        for (std::int64_t r = 0; r < rows && ok; ++r) {
            std::int64_t off = 0;
            for (std::size_t j = 0; j < k; ++j) {
                std::int64_t v = (*iv)[static_cast<std::size_t>(r) * k + j];
                if (v < 0) v += (*xs)[j];
                off = off * (*xs)[j] + v;
            }
            off *= slice;
            for (std::int64_t e = 0; e < slice; ++e) {
                const auto dst = static_cast<std::size_t>(off + e);
                const auto src = static_cast<std::size_t>(r * slice + e);
                if (dst >= d->size() || src >= upd->size()) {
                    ok = false;
                    break;
                }
                if (d->is_real)
                    d->reals[dst] = upd->reals[src];
                else
                    d->ints[dst] = upd->ints[src];
            }
        }
        if (ok) data = d;
    }
    ctx.set_output(0, ctx.in_type(0), ctx.in_shape(0), std::move(data));
}

// ---- Pad / Expand / Tile ------------------------------------------------------------------

void infer_pad(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    const auto rank = static_cast<std::int64_t>(x.size());
    std::vector<dim> pads;
    if (ctx.opset() >= 11) {
        const auto* p = ctx.in_data(1);
        if (!p || p->is_real) ctx.unknown("pads");
        pads = p->ints;
    } else {  // an attribute: "paddings" in Pad-1, "pads" from Pad-2
        for (auto v : ctx.n().attr_ints(ctx.opset() < 2 ? "paddings" : "pads")) pads.emplace_back(v);
    }
    std::vector<std::int64_t> axes;
    if (ctx.opset() >= 18 && ctx.has_input(3)) {
        auto a = ctx.in_ints(3);
        if (!a) ctx.unknown("axes");
        axes = *a;
    } else {
        for (std::int64_t i = 0; i < rank; ++i) axes.push_back(i);
    }
    if (pads.size() != 2 * axes.size())
        ctx.fail("pads has " + std::to_string(pads.size()) + " entries for " + std::to_string(axes.size()) + " axes");
    shape out = x;
    for (std::size_t i = 0; i < axes.size(); ++i) {
        const auto a = static_cast<std::size_t>(ctx.axis(axes[i], rank));
        out[a] = out[a] + pads[i] + pads[i + axes.size()];
    }
    ctx.set_output(0, ctx.in_type(0), std::move(out));
}

void infer_expand(infer_context& ctx) {
    const auto* s = ctx.in_data(1);
    if (!s || s->is_real) ctx.unknown("target shape");
    shape target(s->ints.begin(), s->ints.end());
    shape out = broadcast(ctx, ctx.in_shape(0), target);
    std::shared_ptr<const known_data> data;
    auto xs = numeric(ctx.in_shape(0));
    auto os = numeric(out);
    if (xs && os)
        data = remap(ctx.in_data(0), product(*os), [&](std::int64_t i) { return broadcast_index(i, *os, *xs); });
    ctx.set_output(0, ctx.in_type(0), std::move(out), std::move(data));
}

void infer_tile(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    const auto* r = ctx.in_data(1);
    if (!r || r->is_real) ctx.unknown("repeats");
    if (r->ints.size() != x.size()) ctx.fail("repeats do not match the rank");
    shape out;
    for (std::size_t i = 0; i < x.size(); ++i) out.push_back(x[i] * r->ints[i]);
    ctx.set_output(0, ctx.in_type(0), std::move(out));
}

// ---- Resize -------------------------------------------------------------------------------

void infer_resize(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    const auto rank = static_cast<std::int64_t>(x.size());
    const bool upsample = ctx.n().op_type == "Upsample";
    std::size_t scales_i = 2, sizes_i = 3;
    if (upsample || ctx.opset() < 11) {
        scales_i = 1;
        sizes_i = 99;
    }
    std::vector<std::int64_t> axes = ctx.n().attr_ints("axes");
    if (axes.empty())
        for (std::int64_t i = 0; i < rank; ++i) axes.push_back(i);
    shape out = x;
    // An input given as an empty tensor counts as absent; one present with contents unknown
    // at analysis time (fed at run time) makes the output unknown rather than wrong.
    auto given = [&](std::size_t i) {
        if (!ctx.has_input(i)) return false;
        const auto& s = ctx.in_shape(i);
        return !(s.size() == 1 && s[0].is_value() && s[0].value() == 0);
    };
    const auto* sizes = ctx.in_data(sizes_i);
    const auto* scales = ctx.in_data(scales_i);
    if (given(sizes_i) && !sizes) ctx.unknown("sizes");
    if (!given(sizes_i) && given(scales_i) && !scales) ctx.unknown("scales");
    if (sizes && sizes->size() > 0) {
        if (sizes->is_real || sizes->size() != axes.size()) ctx.fail("sizes do not match the axes");
        const auto policy = ctx.n().attr_s("keep_aspect_ratio_policy", "stretch");
        if (policy != "stretch") {
            auto sv = ctx.in_ints(sizes_i);
            auto xs = numeric(x);
            if (!sv || !xs) ctx.fail("keep_aspect_ratio_policy needs numeric sizes");
            double scale = policy == "not_larger" ? 1e300 : 0;
            for (std::size_t i = 0; i < axes.size(); ++i) {
                const auto a = static_cast<std::size_t>(ctx.axis(axes[i], rank));
                const double s = static_cast<double>((*sv)[i]) / static_cast<double>((*xs)[a]);
                scale = policy == "not_larger" ? std::min(scale, s) : std::max(scale, s);
            }
            for (auto ax : axes) {
                const auto a = static_cast<std::size_t>(ctx.axis(ax, rank));
                out[a] = dim(static_cast<std::int64_t>(std::llround(scale * static_cast<double>((*xs)[a]))));
            }
        } else {
            for (std::size_t i = 0; i < axes.size(); ++i)
                out[static_cast<std::size_t>(ctx.axis(axes[i], rank))] = sizes->ints[i];
        }
    } else if (scales && scales->size() > 0) {
        if (!scales->is_real || scales->size() != axes.size()) ctx.fail("scales do not match the axes");
        for (std::size_t i = 0; i < axes.size(); ++i) {
            const auto a = static_cast<std::size_t>(ctx.axis(axes[i], rank));
            const double s = scales->reals[i];
            if (s <= 0) ctx.fail("scales must be positive");
            if (x[a].is_value()) {
                out[a] = dim(static_cast<std::int64_t>(std::floor(static_cast<double>(x[a].value()) * s + 1e-9)));
            } else if (s == std::floor(s)) {
                out[a] = x[a] * dim(static_cast<std::int64_t>(s));
            } else {
                out[a] = dim::symbol("(" + x[a].to_string() + " * " + std::to_string(s) + ")");
            }
        }
    } else if (upsample && ctx.n().find("scales")) {
        const auto& sc = ctx.n().find("scales")->floats;
        if (sc.size() != x.size()) ctx.fail("scales do not match the rank");
        for (std::size_t i = 0; i < x.size(); ++i) {
            out[i] = x[i].is_value()
                         ? dim(static_cast<std::int64_t>(std::floor(static_cast<double>(x[i].value()) * sc[i])))
                         : x[i] * dim(static_cast<std::int64_t>(sc[i]));
        }
    } else {
        ctx.fail("needs scales or sizes");
    }
    ctx.set_output(0, ctx.in_type(0), std::move(out));
}

void cost_resize(const cost_context& ctx, op_cost& c) {
    const auto mode = ctx.n().attr_s("mode", "nearest");
    const auto in = ctx.in(0);
    const auto out = ctx.out(0);
    std::int64_t resized = 0;
    for (std::size_t i = 0; i < in.size(); ++i) resized += in[i] != out[i] ? 1 : 0;
    const std::int64_t per = mode == "linear" || mode == "bilinear" ? 3 : (mode == "cubic" ? 8 : 0);
    c.flops_vector = checked_mul(ctx.out_elements(0), per * resized);
}

// ---- rearrangements -----------------------------------------------------------------------

void infer_depth_to_space(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    if (x.size() != 4) ctx.fail("expects a 4-D input");
    const dim b(ctx.n().attr_i("blocksize", 1));
    if (ctx.n().op_type == "DepthToSpace") {
        ctx.set_output(0, ctx.in_type(0), shape{x[0], floor_div(x[1], b * b), x[2] * b, x[3] * b});
    } else {
        ctx.set_output(0, ctx.in_type(0), shape{x[0], x[1] * b * b, floor_div(x[2], b), floor_div(x[3], b)});
    }
}

void cost_select(const cost_context& ctx, op_cost& c) { c.flops_vector = ctx.out_elements(0); }

void infer_nonzero(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    const auto rank = static_cast<std::int64_t>(x.size());
    const auto* d = ctx.in_data(0);
    auto xs = numeric(x);
    if (d && xs) {
        std::vector<std::int64_t> hits;
        for (std::int64_t i = 0; i < static_cast<std::int64_t>(d->size()); ++i) {
            bool nz = false;
            if (d->is_real)
                nz = d->reals[static_cast<std::size_t>(i)] != 0.0;
            else {
                const auto& v = d->ints[static_cast<std::size_t>(i)];
                if (!v.is_value()) {
                    hits.clear();
                    d = nullptr;
                    break;
                }
                nz = v.value() != 0;
            }
            if (nz) hits.push_back(i);
        }
        if (d) {
            std::vector<dim> out(static_cast<std::size_t>(rank) * hits.size());
            for (std::size_t h = 0; h < hits.size(); ++h) {
                auto c = unravel(hits[h], *xs);
                for (std::size_t k = 0; k < c.size(); ++k) out[k * hits.size() + h] = dim(c[k]);
            }
            const auto n = static_cast<std::int64_t>(hits.size());
            ctx.set_output(0, dtype::i64, shape{dim(rank), dim(n)}, make_ints(std::move(out)));
            return;
        }
    }
    // Data-dependent: the count of non-zeros is bounded by the element count; use the bound.
    ctx.set_output(0, dtype::i64, shape{dim(rank), shape_elements(x)});
}

void infer_onehot(infer_context& ctx) {
    const auto& idx = ctx.in_shape(0);
    auto depth = ctx.in_ints(1);
    if (!depth || depth->size() != 1) ctx.unknown("depth");
    const auto rank = static_cast<std::int64_t>(idx.size()) + 1;
    const auto axis = static_cast<std::size_t>(ctx.axis(ctx.n().attr_i("axis", -1), rank));
    shape out = idx;
    out.insert(out.begin() + static_cast<std::ptrdiff_t>(axis), dim((*depth)[0]));
    ctx.set_output(0, ctx.in_type(2), std::move(out));
}

// ---- GridSample / RoiAlign / MaxUnpool ------------------------------------------------------

void infer_grid_sample(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    const auto& grid = ctx.in_shape(1);
    if (x.size() < 3 || grid.size() != x.size()) {
        ctx.fail("expects X [N, C, spatial...] and grid [N, out spatial..., r] of the same rank; got " +
                 shape_to_string(x) + " and " + shape_to_string(grid));
    }
    const auto spatial = static_cast<std::int64_t>(x.size()) - 2;
    if (grid.back().is_value() && grid.back().value() != spatial) {
        ctx.fail("grid's last dimension must be " + std::to_string(spatial) + ", got " + grid.back().to_string());
    }
    shape out{x[0], x[1]};
    out.insert(out.end(), grid.begin() + 1, grid.end() - 1);
    ctx.set_output(0, ctx.in_type(0), std::move(out));
}

void cost_grid_sample(const cost_context& ctx, op_cost& c) {
    const auto mode = ctx.n().attr_s("mode", "linear");  // opset 16 spells them bilinear/bicubic
    const auto spatial = static_cast<std::int64_t>(ctx.in(0).size()) - 2;
    const std::int64_t per_axis = mode == "nearest" ? 0 : (mode == "cubic" || mode == "bicubic" ? 8 : 3);
    c.flops_vector = checked_add(checked_mul(ctx.out_elements(0), checked_mul(per_axis, spatial)),
                                 checked_mul(ctx.in_elements(1), 2));
}

void infer_roi_align(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    const auto& rois = ctx.in_shape(1);
    if (x.size() != 4) ctx.fail("expects X [N, C, H, W], got " + shape_to_string(x));
    if (rois.size() != 2 || (rois[1].is_value() && rois[1].value() != 4)) {
        ctx.fail("rois must be [num_rois, 4], got " + shape_to_string(rois));
    }
    if (ctx.in_rank(2) != 1) ctx.fail("batch_indices must be 1-D");
    ctx.set_output(
        0, ctx.in_type(0),
        shape{rois[0], x[1], dim(ctx.n().attr_i("output_height", 1)), dim(ctx.n().attr_i("output_width", 1))});
}

void cost_roi_align(const cost_context& ctx, op_cost& c) {
    const std::int64_t s = ctx.n().attr_i("sampling_ratio", 0) > 0 ? ctx.n().attr_i("sampling_ratio", 0) : 2;
    const std::int64_t samples = checked_mul(s, s);
    // s² bilinear samples of 7 vector each, s² to pool them, 1 to scale the average
    c.flops_vector = checked_mul(ctx.out_elements(0), checked_add(checked_mul(samples, 8), 1));
    // only the sampled neighbourhoods of X are read: 4 taps per sample at most
    const std::int64_t taps = checked_mul(ctx.out_elements(0), checked_mul(samples, 4));
    const std::int64_t read = std::min(ctx.in_bytes(0), checked_mul(taps, ctx.in_element_bytes(0)));
    c.bytes_read_activations = checked_add(checked_add(read, ctx.in_bytes(1)), ctx.in_bytes(2));
    c.bytes_read_weights = 0;
}

void infer_max_unpool(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    if (x.size() < 3) ctx.fail("expects [N, C, spatial...], got " + shape_to_string(x));
    const std::size_t spatial = x.size() - 2;
    if (ctx.has_input(2)) {  // the shape to restore, given explicitly
        const auto* d = ctx.in_data(2);
        if (!d || d->is_real) ctx.unknown("output_shape");
        if (d->size() != x.size()) ctx.fail("output_shape must have " + std::to_string(x.size()) + " entries");
        ctx.set_output(0, ctx.in_type(0), shape(d->ints.begin(), d->ints.end()));
        return;
    }
    const auto kernel = ctx.n().attr_ints("kernel_shape");
    auto strides = ctx.n().attr_ints("strides");
    auto pads = ctx.n().attr_ints("pads");
    if (strides.empty()) strides.assign(spatial, 1);
    if (pads.empty()) pads.assign(2 * spatial, 0);
    if (kernel.size() != spatial || strides.size() != spatial || pads.size() != 2 * spatial) {
        ctx.fail("kernel_shape/strides/pads do not match " + std::to_string(spatial) + " spatial axes");
    }
    shape out{x[0], x[1]};
    for (std::size_t i = 0; i < spatial; ++i) {
        out.push_back((x[i + 2] - dim(1)) * dim(strides[i]) + dim(kernel[i] - pads[i] - pads[i + spatial]));
    }
    ctx.set_output(0, ctx.in_type(0), std::move(out));
}

// ---- data-dependent selections -------------------------------------------------------------

/** Number of true elements among the first `limit` of known boolean/integer contents. */
std::optional<std::int64_t> count_true(const known_data* d, std::int64_t limit) {
    if (!d) return std::nullopt;
    std::int64_t n = 0;
    for (std::int64_t i = 0; i < limit && i < static_cast<std::int64_t>(d->size()); ++i) {
        const auto k = static_cast<std::size_t>(i);
        if (d->is_real)
            n += d->reals[k] != 0.0 ? 1 : 0;
        else if (!d->ints[k].is_value())
            return std::nullopt;
        else
            n += d->ints[k].value() != 0 ? 1 : 0;
    }
    return n;
}

void infer_compress(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    const auto& cond = ctx.in_shape(1);
    if (cond.size() != 1) ctx.fail("condition must be 1-D, got " + shape_to_string(cond));
    const bool flat = ctx.n().find("axis") == nullptr;
    shape out = flat ? shape{shape_elements(x)} : x;
    const std::size_t axis =
        flat ? 0 : static_cast<std::size_t>(ctx.axis(ctx.n().attr_i("axis", 0), static_cast<std::int64_t>(x.size())));
    const dim length = out[axis];
    // Only the first min(len(condition), length) entries select; the rest are dropped.
    if (length.is_value() && cond[0].is_value()) {
        const std::int64_t candidates = std::min(length.value(), cond[0].value());
        out[axis] = dim(count_true(ctx.in_data(1), candidates).value_or(candidates));  // else the bound
    } else {
        out[axis] = min(cond[0], length);
    }
    ctx.set_output(0, ctx.in_type(0), std::move(out));
}

/** Distinct slices along `axis` (or elements when flattened) of known contents. */
std::optional<std::int64_t> count_distinct(const known_data* d, const std::vector<std::int64_t>& s,
                                           std::optional<std::size_t> axis) {
    if (!d) return std::nullopt;
    const std::int64_t n = axis ? s[*axis] : product(s);
    const std::int64_t inner = axis ? product(s, *axis + 1) : 1;
    const std::int64_t outer = axis ? product(s, 0, *axis) : 1;
    auto element = [&](std::int64_t i) -> std::optional<double> {
        const auto k = static_cast<std::size_t>(i);
        if (k >= d->size()) return std::nullopt;
        if (d->is_real) return d->reals[k];
        if (!d->ints[k].is_value()) return std::nullopt;
        return static_cast<double>(d->ints[k].value());
    };
    std::vector<std::vector<double>> slices;
    for (std::int64_t j = 0; j < n; ++j) {
        std::vector<double> slice;
        for (std::int64_t o = 0; o < outer; ++o) {
            for (std::int64_t i = 0; i < inner; ++i) {
                auto v = element((o * n + j) * inner + i);
                if (!v) return std::nullopt;
                slice.push_back(*v);
            }
        }
        slices.push_back(std::move(slice));
    }
    std::sort(slices.begin(), slices.end());
    return static_cast<std::int64_t>(std::unique(slices.begin(), slices.end()) - slices.begin());
}

void infer_unique(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    std::optional<std::size_t> axis;
    if (ctx.n().find("axis"))
        axis = static_cast<std::size_t>(ctx.axis(ctx.n().attr_i("axis", 0), static_cast<std::int64_t>(x.size())));
    const dim length = axis ? x[*axis] : shape_elements(x);  // slices (or elements) to compare
    dim distinct = length;                                   // the bound: every one distinct
    auto xs = numeric(x);
    if (xs && product(*xs) <= static_cast<std::int64_t>(max_known_elements)) {
        if (auto n = count_distinct(ctx.in_data(0), *xs, axis)) distinct = dim(*n);
    }
    shape y = axis ? x : shape{distinct};
    if (axis) y[*axis] = distinct;
    ctx.set_output(0, ctx.in_type(0), std::move(y));
    ctx.set_output(1, dtype::i64, shape{distinct});  // indices of first occurrences
    ctx.set_output(2, dtype::i64, shape{length});    // inverse indices
    ctx.set_output(3, dtype::i64, shape{distinct});  // counts
}

void cost_unique(const cost_context& ctx, op_cost& c) {
    const auto e = ctx.in_elements(0);
    const auto depth = ceil_log2(e);
    c.flops_vector = checked_mul(e, depth);
}

// ---- AffineGrid / Col2Im / CenterCropPad / TensorScatter ------------------------------------

/** Known integer contents of input i, all of them numbers, or reports `what` unknown. */
std::vector<std::int64_t> known_ints(const infer_context& ctx, std::size_t i, const std::string& what) {
    auto v = ctx.in_ints(i);
    if (!v) ctx.unknown(what);
    return *v;
}

void infer_affine_grid(infer_context& ctx) {
    const auto& theta = ctx.in_shape(0);
    const auto size = known_ints(ctx, 1, "size");
    if (size.size() != 4 && size.size() != 5) ctx.fail("size must be [N, C, H, W] or [N, C, D, H, W]");
    const auto r = static_cast<std::int64_t>(size.size()) - 2;
    if (theta.size() != 3 || (theta[1].is_value() && theta[1].value() != r) ||
        (theta[2].is_value() && theta[2].value() != r + 1)) {
        ctx.fail("theta must be [N, " + std::to_string(r) + ", " + std::to_string(r + 1) + "], got " +
                 shape_to_string(theta));
    }
    shape out{dim(size[0])};
    for (std::size_t i = 2; i < size.size(); ++i) out.emplace_back(size[i]);
    out.emplace_back(r);
    ctx.set_output(0, ctx.in_type(0), std::move(out));
}

void cost_affine_grid(const cost_context& ctx, op_cost& c) {
    const auto r = ctx.out(0).back();
    c.flops_vector = checked_mul(ctx.out_elements(0), checked_mul(2, r));
}

void infer_col2im(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    const auto image = known_ints(ctx, 1, "image_shape");
    const auto block = known_ints(ctx, 2, "block_shape");
    if (x.size() != 3) ctx.fail("expects [N, C·prod(block_shape), L], got " + shape_to_string(x));
    if (image.size() != block.size() || image.empty())
        ctx.fail("image_shape and block_shape must have the same length");
    const std::int64_t per_block = product(block);
    if (per_block <= 0) ctx.fail("block_shape must be positive");
    if (x[1].is_value() && x[1].value() % per_block != 0) {
        ctx.fail("channels " + x[1].to_string() + " are not a multiple of the block size " + std::to_string(per_block));
    }
    shape out{x[0], floor_div(x[1], dim(per_block))};
    for (auto d : image) out.emplace_back(d);
    ctx.set_output(0, ctx.in_type(0), std::move(out));
}

void cost_col2im(const cost_context& ctx, op_cost& c) { c.flops_vector = ctx.in_elements(0); }

void infer_center_crop_pad(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    const auto target = known_ints(ctx, 1, "shape");
    const auto rank = static_cast<std::int64_t>(x.size());
    std::vector<std::int64_t> axes = ctx.n().attr_ints("axes");
    if (axes.empty())
        for (std::int64_t i = 0; i < rank; ++i) axes.push_back(i);
    if (axes.size() != target.size())
        ctx.fail("shape has " + std::to_string(target.size()) + " entries for " + std::to_string(axes.size()) +
                 " axes");
    shape out = x;
    for (std::size_t i = 0; i < axes.size(); ++i) {
        if (target[i] < 0) ctx.fail("shape must not be negative");
        out[static_cast<std::size_t>(ctx.axis(axes[i], rank))] = dim(target[i]);
    }
    ctx.set_output(0, ctx.in_type(0), std::move(out));
}

void infer_tensor_scatter(infer_context& ctx) {
    const auto& cache = ctx.in_shape(0);
    const auto& update = ctx.in_shape(1);
    const auto rank = static_cast<std::int64_t>(cache.size());
    if (update.size() != cache.size())
        ctx.fail("update " + shape_to_string(update) + " and cache " + shape_to_string(cache) + " differ in rank");
    const auto axis = static_cast<std::size_t>(ctx.axis(ctx.n().attr_i("axis", -2), rank));
    if (axis == 0) ctx.fail("axis must not be the batch axis");
    for (std::size_t i = 0; i < cache.size(); ++i) {
        if (i == axis || !cache[i].is_value() || !update[i].is_value()) continue;
        if (cache[i].value() != update[i].value()) {
            ctx.fail("update " + shape_to_string(update) + " must match the cache " + shape_to_string(cache) +
                     " off the sequence axis");
        }
    }
    same_as_input(ctx);
}

void cost_tensor_scatter(const cost_context& ctx, op_cost& c) {  // in place: only the update moves
    const std::int64_t read = checked_add(ctx.in_bytes(1), ctx.in_bytes(2));
    c.bytes_read_weights = 0;
    c.bytes_read_activations = read;
    c.bytes_written = ctx.in_bytes(1);
}

// ---- NonMaxSuppression ----------------------------------------------------------------------

/** One scalar of known contents as a double, or nullopt. */
std::optional<double> scalar_of(const known_data* d) {
    if (!d || d->size() != 1) return std::nullopt;
    if (d->is_real) return d->reals[0];
    if (!d->ints[0].is_value()) return std::nullopt;
    return static_cast<double>(d->ints[0].value());
}

/** True when box b suppresses box a: IoU above the threshold (ONNX's reference, in float). */
bool suppresses(const float* a, const float* b, bool center_point, float iou_threshold) {
    float ax0, ax1, ay0, ay1, bx0, bx1, by0, by1;
    if (center_point) {  // [x_center, y_center, width, height]
        ax0 = a[0] - a[2] / 2;
        ax1 = a[0] + a[2] / 2;
        ay0 = a[1] - a[3] / 2;
        ay1 = a[1] + a[3] / 2;
        bx0 = b[0] - b[2] / 2;
        bx1 = b[0] + b[2] / 2;
        by0 = b[1] - b[3] / 2;
        by1 = b[1] + b[3] / 2;
    } else {  // [y1, x1, y2, x2], corners in either order
        ax0 = std::min(a[1], a[3]);
        ax1 = std::max(a[1], a[3]);
        ay0 = std::min(a[0], a[2]);
        ay1 = std::max(a[0], a[2]);
        bx0 = std::min(b[1], b[3]);
        bx1 = std::max(b[1], b[3]);
        by0 = std::min(b[0], b[2]);
        by1 = std::max(b[0], b[2]);
    }
    const float ix = std::min(ax1, bx1) - std::max(ax0, bx0);
    const float iy = std::min(ay1, by1) - std::max(ay0, by0);
    if (ix <= 0 || iy <= 0) return false;
    const float inter = ix * iy;
    const float area_a = (ax1 - ax0) * (ay1 - ay0);
    const float area_b = (bx1 - bx0) * (by1 - by0);
    const float uni = area_a + area_b - inter;
    if (area_a <= 0 || area_b <= 0 || uni <= 0) return false;
    return inter / uni > iou_threshold;
}

/** Boxes NonMaxSuppression selects, run on known contents, or nullopt when any is unknown. */
std::optional<std::int64_t> nms_selected(const infer_context& ctx, std::int64_t batches, std::int64_t classes,
                                         std::int64_t boxes_n, std::int64_t max_per_class) {
    const auto* boxes = ctx.in_data(0);
    const auto* scores = ctx.in_data(1);
    if (!boxes || !scores || !boxes->is_real || !scores->is_real) return std::nullopt;
    if (static_cast<std::int64_t>(boxes->size()) != batches * boxes_n * 4 ||
        static_cast<std::int64_t>(scores->size()) != batches * classes * boxes_n) {
        return std::nullopt;
    }
    float iou = 0;
    std::optional<float> score_threshold;
    if (ctx.has_input(3)) {
        auto v = scalar_of(ctx.in_data(3));
        if (!v) return std::nullopt;
        iou = static_cast<float>(*v);
    }
    if (ctx.has_input(4)) {
        auto v = scalar_of(ctx.in_data(4));
        if (!v) return std::nullopt;
        score_threshold = static_cast<float>(*v);
    }
    const bool center_point = ctx.n().attr_i("center_point_box", 0) != 0;
    const std::vector<float> box(boxes->reals.begin(), boxes->reals.end());
    std::int64_t selected = 0;
    for (std::int64_t b = 0; b < batches; ++b) {
        for (std::int64_t c = 0; c < classes; ++c) {
            std::vector<std::pair<float, std::int64_t>> candidates;  // (score, box), best first
            for (std::int64_t i = 0; i < boxes_n; ++i) {
                const auto score =
                    static_cast<float>(scores->reals[static_cast<std::size_t>((b * classes + c) * boxes_n + i)]);
                if (!score_threshold || score > *score_threshold) candidates.emplace_back(score, i);
            }
            std::stable_sort(candidates.begin(), candidates.end(),
                             [](const auto& x, const auto& y) { return x.first > y.first; });
            std::vector<std::int64_t> kept;
            for (const auto& [score, i] : candidates) {
                if (static_cast<std::int64_t>(kept.size()) >= max_per_class) break;
                const float* bi = box.data() + (b * boxes_n + i) * 4;
                const bool drop = std::any_of(kept.begin(), kept.end(), [&](std::int64_t k) {
                    return suppresses(bi, box.data() + (b * boxes_n + k) * 4, center_point, iou);
                });
                if (!drop) kept.push_back(i);
            }
            selected += static_cast<std::int64_t>(kept.size());
        }
    }
    return selected;
}

void infer_nms(infer_context& ctx) {
    const auto& boxes = ctx.in_shape(0);
    const auto& scores = ctx.in_shape(1);
    if (boxes.size() != 3 || scores.size() != 3) {
        ctx.fail("expects boxes [B, N, 4] and scores [B, C, N]; got " + shape_to_string(boxes) + " and " +
                 shape_to_string(scores));
    }
    std::int64_t max_per_class = 0;  // absent: no box is selected
    if (ctx.has_input(2)) {
        auto v = scalar_of(ctx.in_data(2));
        if (!v) ctx.unknown("max_output_boxes_per_class");
        max_per_class = std::max<std::int64_t>(0, static_cast<std::int64_t>(*v));
    }
    auto b = numeric(shape{boxes[0], scores[1], boxes[1]});
    dim rows = boxes[0] * scores[1] * min(boxes[1], dim(max_per_class));  // the bound
    if (b) {
        const std::int64_t batches = (*b)[0], classes = (*b)[1], n = (*b)[2];
        rows = dim(checked_mul(checked_mul(batches, classes), std::min(n, max_per_class)));
        if (auto exact = nms_selected(ctx, batches, classes, n, max_per_class)) rows = dim(*exact);
    }
    ctx.set_output(0, dtype::i64, shape{rows, dim(3)});
}

void cost_nms(const cost_context& ctx, op_cost& c) {
    const auto boxes = ctx.in(0);
    const auto scores = ctx.in(1);
    const std::int64_t n = boxes[1];
    const std::int64_t lists = checked_mul(scores[0], scores[1]);  // one sorted list per batch and class
    const auto depth = ceil_log2(n);
    const std::int64_t pairs = checked_mul(n, ctx.out(0)[0]);
    c.flops_vector = checked_add(checked_mul(checked_mul(lists, n), depth), checked_mul(pairs, 10));
    c.flops_special = pairs;
}

// ---- TfIdfVectorizer ----------------------------------------------------------------------

void infer_tfidf(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    const auto indexes = ctx.n().attr_ints("ngram_indexes");
    if (indexes.empty()) ctx.fail("needs ngram_indexes");
    const dim size(*std::max_element(indexes.begin(), indexes.end()) + 1);
    if (x.size() == 1)
        ctx.set_output(0, dtype::f32, shape{size});
    else if (x.size() == 2)
        ctx.set_output(0, dtype::f32, shape{x[0], size});
    else
        ctx.fail("expects [C] or [N, C], got " + shape_to_string(x));
}

void cost_tfidf(const cost_context& ctx, op_cost& c) {
    const std::int64_t lengths = ctx.n().attr_i("max_gram_length", 1) - ctx.n().attr_i("min_gram_length", 1) + 1;
    const std::int64_t skips = ctx.n().attr_i("max_skip_count", 0) + 1;
    c.flops_vector = checked_add(
        checked_mul(ctx.in_elements(0), checked_mul(std::max<std::int64_t>(lengths, 1), skips)), ctx.out_elements(0));
}

void infer_reverse_sequence(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    const auto rank = static_cast<std::int64_t>(x.size());
    if (rank < 2) ctx.fail("expects rank >= 2, got " + shape_to_string(x));
    const auto batch = static_cast<std::size_t>(ctx.axis(ctx.n().attr_i("batch_axis", 1), rank));
    const auto time = static_cast<std::size_t>(ctx.axis(ctx.n().attr_i("time_axis", 0), rank));
    if (batch == time) ctx.fail("batch_axis and time_axis must differ");
    const auto& lens = ctx.in_shape(1);
    if (lens.size() != 1) ctx.fail("sequence_lens must be 1-D");
    if (lens[0].is_value() && x[batch].is_value() && lens[0].value() != x[batch].value()) {
        ctx.fail("sequence_lens has " + lens[0].to_string() + " entries for a batch of " + x[batch].to_string());
    }
    same_as_input(ctx);
}

// ---- Eager kernels --------------------------------------------------------------------------
// In PyTorch eager, permute, split, narrow/slice, expand and select (x[:, 0]) return views: no
// kernel runs until a consumer needs contiguous data. The copies that do run are counted where
// they happen: a Transpose feeding a MatMul is read in place by cuBLAS when it is a strided
// batched matrix, and copied otherwise (matmul's reshape of a permuted 4-D operand).

/** No kernel: the operation is a view in eager frameworks. */
void eager_view(const kernel_context&, std::vector<kernel_spec>&) {}

/**
 * True when permuting a contiguous tensor of `dims` by `perm` leaves a strided batched matrix:
 * the batch dims (all but the last two, size-1 dims ignored) merge into one stride, and one of the
 * two matrix dims has unit stride (cuBLAS's transposed or plain operand).
 */
bool strided_batched(const std::vector<std::int64_t>& dims, const std::vector<std::int64_t>& perm) {
    const auto rank = dims.size();
    if (rank < 2 || perm.size() != rank) return false;
    const auto in_strides = strides_of(dims);
    std::vector<std::int64_t> d(rank), st(rank);
    for (std::size_t i = 0; i < rank; ++i) {
        const auto a = static_cast<std::size_t>(perm[i] < 0 ? perm[i] + static_cast<std::int64_t>(rank) : perm[i]);
        d[i] = dims[a];
        st[i] = in_strides[a];
    }
    std::int64_t expected = -1;  // the stride the next outer batch dim must have
    for (std::size_t i = rank - 2; i-- > 0;) {
        if (d[i] == 1) continue;
        if (expected >= 0 && st[i] != expected) return false;
        expected = st[i] * d[i];
    }
    return st[rank - 1] == 1 || st[rank - 2] == 1;
}

void kernels_transpose(const kernel_context& kc, std::vector<kernel_spec>& out) {
    const auto& n = kc.ctx.n();
    bool matmul_only = kc.consumers != nullptr && !n.outputs.empty() && n.outputs[0] >= 0;
    if (matmul_only) {
        const auto& users = (*kc.consumers)[static_cast<std::size_t>(n.outputs[0])];
        matmul_only = !users.empty();
        for (auto c : users)
            matmul_only = matmul_only && kc.ctx.g().nodes[static_cast<std::size_t>(c)].op_type == "MatMul";
    }
    if (matmul_only) {
        const auto x = kc.ctx.in(0);
        auto perm = n.attr_ints("perm");
        if (perm.empty())
            for (std::size_t i = x.size(); i-- > 0;) perm.push_back(static_cast<std::int64_t>(i));
        if (strided_batched(x, perm)) return;
    }
    out.push_back(kc.whole_node(kernel_class::copy));
}

/** Gather: a select (scalar index) is a view; otherwise an indexed read (embedding, index_select). */
void kernels_gather(const kernel_context& kc, std::vector<kernel_spec>& out) {
    if (kc.ctx.in(1).empty()) return;
    out.push_back(kc.whole_node(kernel_class::gather));
}

}  // namespace

void register_movement(op_registry& r) {
    auto add = [&](std::string_view name, std::int64_t since, void (*infer)(infer_context&),
                   void (*cost)(const cost_context&, op_cost&) = no_flops, op_kind kind = op_kind::data_movement,
                   kernel_class kernel = kernel_class::automatic,
                   void (*kernels)(const kernel_context&, std::vector<kernel_spec>&) = nullptr) {
        r.add({"", name, since, kind, infer, cost, kernel, kernels});
    };
    constexpr auto moves = op_kind::data_movement;
    constexpr auto streams = kernel_class::elementwise;  // contiguous copies (cat, pad) stream like pointwise kernels
    add("Transpose", 1, infer_transpose, no_flops, moves, kernel_class::copy, kernels_transpose);
    add("Concat", 1, infer_concat, no_flops, moves, streams);
    add("Split", 1, infer_split, no_flops, moves, kernel_class::automatic, eager_view);
    add("Slice", 1, infer_slice, cost_slice, moves, kernel_class::automatic, eager_view);
    add("Gather", 1, infer_gather, cost_gather, moves, kernel_class::gather, kernels_gather);
    add("GatherElements", 11, infer_gather_elements, cost_gather, moves, kernel_class::gather);
    add("GatherND", 11, infer_gather_nd, cost_gather, moves, kernel_class::gather);
    add("ScatterND", 11, infer_scatter_nd);
    add("ScatterElements", 11, infer_scatter_nd);
    add("Scatter", 9, infer_scatter_nd);
    add("Pad", 1, infer_pad, no_flops, moves, streams);
    add("Expand", 8, infer_expand, no_flops, moves, kernel_class::automatic, eager_view);
    add("Tile", 6, infer_tile, no_flops, moves, streams);
    add("Resize", 10, infer_resize, cost_resize);
    add("Upsample", 7, infer_resize, cost_resize);
    add("DepthToSpace", 1, infer_depth_to_space);
    add("SpaceToDepth", 1, infer_depth_to_space);
    add("Trilu", 14, same_as_input, cost_select, op_kind::elementwise);
    add("NonZero", 9, infer_nonzero, cost_select);
    add("OneHot", 9, infer_onehot, cost_select);
    add("GridSample", 16, infer_grid_sample, cost_grid_sample);
    add("RoiAlign", 10, infer_roi_align, cost_roi_align);
    add("MaxUnpool", 9, infer_max_unpool);
    add("Compress", 9, infer_compress, cost_select);
    add("Unique", 11, infer_unique, cost_unique);
    add("ReverseSequence", 10, infer_reverse_sequence);
    add("NonMaxSuppression", 10, infer_nms, cost_nms);
    add("TfIdfVectorizer", 9, infer_tfidf, cost_tfidf);
    add("AffineGrid", 20, infer_affine_grid, cost_affine_grid);
    add("Col2Im", 18, infer_col2im, cost_col2im);
    add("CenterCropPad", 18, infer_center_crop_pad);
    add("TensorScatter", 24, infer_tensor_scatter, cost_tensor_scatter);
}

}  // namespace ridgeline::ops
