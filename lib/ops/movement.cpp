// Data-movement family: Transpose, Concat, Split, Slice, Gather, GatherElements, GatherND,
// ScatterND, ScatterElements, Pad, Expand, Tile, Resize/Upsample, DepthToSpace, SpaceToDepth,
// Trilu, NonZero, OneHot. They copy bytes without arithmetic, so FLOPs are zero except:
//   Trilu one select per element; Resize per output element: nearest 0, linear 3 vector per
//   resized axis (two products and an add), cubic 8 vector per resized axis (4 taps × mul + add).
// Bytes follow the convention (inputs read once, outputs written once) except where the kernel
// physically reads less: Gather/GatherElements/GatherND read only the gathered elements of the
// data (output elements × element size) plus the indices; Slice reads only the slice.
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
        if (in->is_real) d->reals.push_back(in->reals[s]);
        else d->ints.push_back(in->ints[s]);
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
    if (perm.empty()) for (std::size_t i = x.size(); i-- > 0;) perm.push_back(static_cast<std::int64_t>(i));
    if (perm.size() != x.size()) ctx.fail("perm has " + std::to_string(perm.size()) + " entries for rank " + std::to_string(x.size()));
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
            for (std::size_t k = 0; k < perm.size(); ++k) ic[static_cast<std::size_t>(perm[k] < 0 ? perm[k] + static_cast<std::int64_t>(xs->size()) : perm[k])] = oc[k];
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
        if (s.size() != x0.size()) ctx.fail("inputs differ in rank: " + shape_to_string(x0) + " vs " + shape_to_string(s));
        for (std::size_t k = 0; k < s.size(); ++k) {
            if (k == axis) continue;
            if (s[k].is_value() && out[k].is_value() && s[k].value() != out[k].value()) {
                ctx.fail("inputs differ on axis " + std::to_string(k) + ": " + shape_to_string(x0) + " vs " + shape_to_string(s));
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
    const auto axis = static_cast<std::size_t>(ctx.axis(ctx.n().attr_i("axis", 0), static_cast<std::int64_t>(x.size())));
    std::vector<std::int64_t> sizes;
    if (ctx.opset() >= 13 && ctx.has_input(1)) {
        auto v = ctx.in_ints(1);
        if (!v) ctx.unknown("split sizes");
        sizes = *v;
    } else if (ctx.opset() < 13) {
        sizes = ctx.n().attr_ints("split");
    }
    const auto outputs = ctx.output_count();
    if (!sizes.empty()) {
        if (sizes.size() != outputs) ctx.fail("split has " + std::to_string(sizes.size()) + " sizes for " + std::to_string(outputs) + " outputs");
        for (std::size_t i = 0; i < outputs; ++i) {
            shape s = x;
            s[axis] = dim(sizes[i]);
            ctx.set_output(i, ctx.in_type(0), std::move(s));
        }
        return;
    }
    const dim total = x[axis];
    const auto parts = static_cast<std::int64_t>(outputs);
    if (total.is_value() && total.value() % parts != 0) {
        // opset 18: the last chunk is smaller: ceil(total / parts) per chunk
        const std::int64_t chunk = (total.value() + parts - 1) / parts;
        for (std::size_t i = 0; i < outputs; ++i) {
            shape s = x;
            s[axis] = dim(std::min(chunk, total.value() - chunk * static_cast<std::int64_t>(i)));
            ctx.set_output(i, ctx.in_type(0), std::move(s));
        }
        return;
    }
    for (std::size_t i = 0; i < outputs; ++i) {
        shape s = x;
        s[axis] = floor_div(total, dim(parts));
        ctx.set_output(i, ctx.in_type(0), std::move(s));
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

slice_axis slice_one(const infer_context& ctx, const dim& d, const dim& start_in, const dim& end_in, std::int64_t step) {
    if (step == 0) ctx.fail("slice step must not be 0");
    slice_axis r;
    r.step = step;
    if (d.is_value() && start_in.is_value() && end_in.is_value()) {
        const std::int64_t n = d.value();
        std::int64_t s = start_in.value();
        std::int64_t e = end_in.value();
        if (s < 0) s += n;
        if (e < 0) e += n;
        if (step > 0) {
            s = std::clamp<std::int64_t>(s, 0, n);
            e = std::clamp<std::int64_t>(e, 0, n);
        } else {
            s = std::clamp<std::int64_t>(s, -1, n - 1);
            e = std::clamp<std::int64_t>(e, -1, n - 1);
        }
        std::int64_t len = step > 0 ? (e - s + step - 1) / step : (s - e + (-step) - 1) / (-step);
        r.length = dim(std::max<std::int64_t>(0, len));
        r.start = dim(s);
        r.start_n = s;
        r.numeric = true;
        return r;
    }
    if (step < 0) {
        const bool full = start_in.is_value() && start_in.value() >= huge - 1 && end_in.is_value() && end_in.value() <= -huge;
        if (full) { r.length = d; r.start = d - dim(1); return r; }
        r.length = dim::symbol("(slice of " + d.to_string() + ")");
        return r;
    }
    dim s = start_in;
    if (s.is_value() && s.value() < 0) s = d + s;
    dim e = end_in;
    if (e.is_value() && e.value() >= huge - 1) e = d;
    else if (e.is_value() && e.value() < 0) e = d + e;
    else if (!(e == d)) e = min(e, d);
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
    if (axes.empty()) for (std::size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<std::int64_t>(i));
    if (steps.empty()) steps.assign(starts.size(), 1);
    if (axes.size() != starts.size() || steps.size() != starts.size()) ctx.fail("starts/ends/axes/steps differ in length");
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
                if (dst >= d->size() || src >= upd->size()) { ok = false; break; }
                if (d->is_real) d->reals[dst] = upd->reals[src];
                else d->ints[dst] = upd->ints[src];
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
    } else {
        for (auto v : ctx.n().attr_ints("pads")) pads.emplace_back(v);
    }
    std::vector<std::int64_t> axes;
    if (ctx.opset() >= 18 && ctx.has_input(3)) {
        auto a = ctx.in_ints(3);
        if (!a) ctx.unknown("axes");
        axes = *a;
    } else {
        for (std::int64_t i = 0; i < rank; ++i) axes.push_back(i);
    }
    if (pads.size() != 2 * axes.size()) ctx.fail("pads has " + std::to_string(pads.size()) + " entries for " + std::to_string(axes.size()) + " axes");
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
    if (xs && os) data = remap(ctx.in_data(0), product(*os), [&](std::int64_t i) { return broadcast_index(i, *os, *xs); });
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
    if (upsample || ctx.opset() < 11) { scales_i = 1; sizes_i = 99; }
    std::vector<std::int64_t> axes = ctx.n().attr_ints("axes");
    if (axes.empty()) for (std::int64_t i = 0; i < rank; ++i) axes.push_back(i);
    shape out = x;
    const auto* sizes = ctx.in_data(sizes_i);
    const auto* scales = ctx.in_data(scales_i);
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
            for (std::size_t i = 0; i < axes.size(); ++i) out[static_cast<std::size_t>(ctx.axis(axes[i], rank))] = sizes->ints[i];
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
            out[i] = x[i].is_value() ? dim(static_cast<std::int64_t>(std::floor(static_cast<double>(x[i].value()) * sc[i])))
                                     : x[i] * dim(static_cast<std::int64_t>(sc[i]));
        }
    } else {
        ctx.fail("neither scales nor sizes are known at analysis time");
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
            if (d->is_real) nz = d->reals[static_cast<std::size_t>(i)] != 0.0;
            else {
                const auto& v = d->ints[static_cast<std::size_t>(i)];
                if (!v.is_value()) { hits.clear(); d = nullptr; break; }
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

}  // namespace

void register_movement(op_registry& r) {
    auto add = [&](std::string_view name, std::int64_t since, void (*infer)(infer_context&),
                   void (*cost)(const cost_context&, op_cost&) = no_flops, op_kind kind = op_kind::data_movement) {
        r.add({"", name, since, kind, infer, cost});
    };
    add("Transpose", 1, infer_transpose);
    add("Concat", 1, infer_concat);
    add("Split", 1, infer_split);
    add("Slice", 1, infer_slice, cost_slice);
    add("Gather", 1, infer_gather, cost_gather);
    add("GatherElements", 11, infer_gather_elements, cost_gather);
    add("GatherND", 11, infer_gather_nd, cost_gather);
    add("ScatterND", 11, infer_scatter_nd);
    add("ScatterElements", 11, infer_scatter_nd);
    add("Scatter", 9, infer_scatter_nd);
    add("Pad", 1, infer_pad);
    add("Expand", 8, infer_expand);
    add("Tile", 6, infer_tile);
    add("Resize", 10, infer_resize, cost_resize);
    add("Upsample", 7, infer_resize, cost_resize);
    add("DepthToSpace", 1, infer_depth_to_space);
    add("SpaceToDepth", 1, infer_depth_to_space);
    add("Trilu", 14, same_as_input, cost_select, op_kind::elementwise);
    add("NonZero", 9, infer_nonzero, cost_select);
    add("OneHot", 9, infer_onehot, cost_select);
}

}  // namespace ridgeline::ops
