// Data-movement family, layout: Transpose, Concat, Split, Slice, Pad, Expand, Tile, DepthToSpace,
// SpaceToDepth, Trilu, ReverseSequence, CenterCropPad; and the index helpers the other movement
// files share (gather_scatter.cpp: gathers, scatters and data-dependent selections; resample.cpp:
// Resize, GridSample, RoiAlign and the other resamplings).
// They copy bytes without arithmetic, so FLOPs are zero except Trilu, one select per element.
// Bytes follow the convention (inputs read once, outputs written once) except Slice, which reads
// only the slice. Small known contents are propagated (Concat of dims, a Slice of a Shape …) so
// shape arithmetic that exporters spell out as graph nodes stays exact.
#include "families.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <optional>
#include <string>

namespace ridgeline::ops {

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

/** Flat index of coordinates `c` in a numeric shape. */
std::int64_t ravel(const std::vector<std::int64_t>& c, const std::vector<std::int64_t>& s) {
    std::int64_t i = 0;
    for (std::size_t k = 0; k < s.size(); ++k) i = i * s[k] + c[k];
    return i;
}

void cost_select(const cost_context& ctx, op_cost& c) { c.flops_vector = ctx.out_elements(0); }

/** Known integer contents of input i, all of them numbers, or reports `what` unknown. */
std::vector<std::int64_t> known_ints(const infer_context& ctx, std::size_t i, const std::string& what) {
    auto v = ctx.in_ints(i);
    if (!v) ctx.unknown(what);
    return *v;
}

namespace {

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
    if (outputs == 0) ctx.fail("has no outputs");
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
            const std::int64_t chunk = total.value() / n + 1;
            if (checked_mul(chunk, n - 1) >= total.value()) {
                ctx.fail("cannot split " + x[axis].to_string() + " into " + std::to_string(n) + " chunks");
            }
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
    if (step == INT64_MIN) ctx.fail("slice step " + std::to_string(step) + " is out of range");
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
        // ceil((e − s) / step) without overflow for steps near the int64 limits
        std::int64_t len = 0;
        if (step > 0 && e > s) len = (e - s - 1) / step + 1;
        if (step < 0 && s > e) len = (s - e - 1) / (-step) + 1;
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

// ---- rearrangements -----------------------------------------------------------------------

void infer_depth_to_space(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    if (x.size() != 4) ctx.fail("expects a 4-D input");
    const dim b(attr_i_at_least(ctx, "blocksize", 1, 1));
    if (ctx.n().op_type == "DepthToSpace") {
        ctx.set_output(0, ctx.in_type(0), shape{x[0], floor_div(x[1], b * b), x[2] * b, x[3] * b});
    } else {
        ctx.set_output(0, ctx.in_type(0), shape{x[0], x[1] * b * b, floor_div(x[2], b), floor_div(x[3], b)});
    }
}

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

std::optional<std::vector<std::int64_t>> view_strides(const std::vector<std::int64_t>& dims,
                                                      const std::vector<std::int64_t>& strides,
                                                      const std::vector<std::int64_t>& to);

/**
 * The strides value `v` has in eager PyTorch: a view op's output keeps its source's memory (Split
 * keeps the source's strides; Reshape, Flatten, Squeeze and Unsqueeze view them when PyTorch's
 * rule allows), anything else is a fresh contiguous tensor. GPT-2's query, a third of the fused
 * QKV projection split and reshaped per head, has a batch stride of 3 × hidden, not hidden.
 */
std::vector<std::int64_t> eager_strides(const graph& g, std::int32_t v, int depth = 0) {
    const auto& val = g.values[static_cast<std::size_t>(v)];
    const auto dims = val.dims ? numeric(*val.dims) : std::nullopt;
    if (!dims) return {};
    const auto contiguous = strides_of(*dims);
    if (val.producer < 0 || depth > 16) return contiguous;
    const auto& p = g.nodes[static_cast<std::size_t>(val.producer)];
    const bool split = p.op_type == "Split";
    const bool reshape =
        p.op_type == "Reshape" || p.op_type == "Flatten" || p.op_type == "Squeeze" || p.op_type == "Unsqueeze";
    if ((!split && !reshape) || p.inputs.empty() || p.inputs[0] < 0) return contiguous;
    const auto& src = g.values[static_cast<std::size_t>(p.inputs[0])];
    const auto src_dims = src.dims ? numeric(*src.dims) : std::nullopt;
    auto src_strides = eager_strides(g, p.inputs[0], depth + 1);
    if (!src_dims || src_strides.size() != src_dims->size()) return contiguous;
    if (split) return src_strides.size() == dims->size() ? src_strides : contiguous;
    if (src_dims->empty()) return contiguous;
    auto viewed = view_strides(*src_dims, src_strides, *dims);
    return viewed ? *viewed : contiguous;
}

/**
 * True when permuting a tensor of `dims` with eager strides `in_strides` by `perm` leaves a
 * strided batched matrix: the batch dims (all but the last two, size-1 dims ignored) merge into
 * one stride, and one of the two matrix dims has unit stride (cuBLAS's transposed or plain
 * operand). Otherwise `torch.matmul`'s reshape to a 3-D batch copies the operand.
 */
bool strided_batched(const std::vector<std::int64_t>& dims, const std::vector<std::int64_t>& in_strides,
                     const std::vector<std::int64_t>& perm) {
    const auto rank = dims.size();
    if (rank < 2 || perm.size() != rank || in_strides.size() != rank) return false;
    std::vector<std::int64_t> d(rank), st(rank);
    for (std::size_t i = 0; i < rank; ++i) {
        const auto a = static_cast<std::size_t>(perm[i] < 0 ? perm[i] + static_cast<std::int64_t>(rank) : perm[i]);
        if (a >= rank) return false;
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
        const auto users = kc.consumers->of(n.outputs[0]);
        matmul_only = !users.empty();
        for (auto c : users)
            matmul_only = matmul_only && kc.ctx.g().nodes[static_cast<std::size_t>(c)].op_type == "MatMul";
    }
    if (matmul_only) {
        const auto x = kc.ctx.in(0);
        auto perm = n.attr_ints("perm");
        if (perm.empty())
            for (std::size_t i = x.size(); i-- > 0;) perm.push_back(static_cast<std::int64_t>(i));
        auto strides = eager_strides(kc.ctx.g(), n.inputs[0]);
        if (strides.size() != x.size()) strides = strides_of(x);
        if (strided_batched(x, strides, perm)) return;
    }
    out.push_back(kc.whole_node(kernel_class::copy));
}

/**
 * PyTorch's view rule (`computeStride`): the strides of `to` as a view of a tensor of `dims` and
 * `strides`, or nullopt when no view exists and `reshape` copies.
 */
std::optional<std::vector<std::int64_t>> view_strides(const std::vector<std::int64_t>& dims,
                                                      const std::vector<std::int64_t>& strides,
                                                      const std::vector<std::int64_t>& to) {
    std::vector<std::int64_t> out(to.size(), 1);
    if (dims.empty()) return out;
    auto view_d = static_cast<std::int64_t>(to.size()) - 1;
    std::int64_t base = strides.back(), tensor_numel = 1, view_numel = 1;
    for (auto d = static_cast<std::int64_t>(dims.size()) - 1; d >= 0; --d) {
        const auto i = static_cast<std::size_t>(d);
        tensor_numel *= dims[i];
        if (d == 0 || (dims[i - 1] != 1 && strides[i - 1] != tensor_numel * base)) {
            while (view_d >= 0 && (view_numel < tensor_numel || to[static_cast<std::size_t>(view_d)] == 1)) {
                out[static_cast<std::size_t>(view_d)] = view_numel * base;
                view_numel *= to[static_cast<std::size_t>(view_d)];
                --view_d;
            }
            if (view_numel != tensor_numel) return std::nullopt;
            if (d > 0) {
                base = strides[i - 1];
                tensor_numel = 1;
                view_numel = 1;
            }
        }
    }
    if (view_d != -1) return std::nullopt;
    return out;
}

/**
 * Expand is a view in eager PyTorch (stride 0 on the broadcast axes), read in place by pointwise
 * consumers. A Reshape or Flatten that merges a broadcast axis with a real one has no view and
 * copies the whole expanded tensor: Hugging Face's `repeat_kv` (grouped-query attention:
 * `x[:, :, None].expand(b, kv_heads, group, s, d).reshape(b, heads, s, d)`) materialises the
 * repeated keys and values on every step. That copy is this node's kernel (its counted traffic:
 * the input read, the expanded output written), a strided elementwise copy.
 */
void kernels_expand(const kernel_context& kc, std::vector<kernel_spec>& out) {
    const auto& n = kc.ctx.n();
    if (kc.consumers == nullptr || n.outputs.empty() || n.outputs[0] < 0 || !kc.ctx.has_input(0)) return;
    const auto x = kc.ctx.in(0);
    const auto y = kc.ctx.out(0);
    if (product(x, 0, x.size()) == product(y, 0, y.size())) return;  // nothing broadcast: a plain view
    // Strides of the expanded view: the input's contiguous strides, 0 on broadcast and new axes.
    const auto xs = strides_of(x);
    std::vector<std::int64_t> st(y.size(), 0);
    for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) {
        const auto a = y.size() - 1 - i, b = x.size() - 1 - i;
        st[a] = x[b] == y[a] ? xs[b] : 0;
    }
    for (auto c : kc.consumers->of(n.outputs[0])) {
        const auto& user = kc.ctx.g().nodes[static_cast<std::size_t>(c)];
        if ((user.op_type != "Reshape" && user.op_type != "Flatten") || user.outputs.empty() || user.outputs[0] < 0)
            continue;
        const auto& v = kc.ctx.g().values[static_cast<std::size_t>(user.outputs[0])];
        if (!v.dims) continue;
        const auto to = numeric(*v.dims);
        if (to && !view_strides(y, st, *to)) {
            out.push_back(kc.whole_node(kernel_class::copy));
            return;
        }
    }
}

}  // namespace

void register_movement(op_registry& r) {
    const movement_adder add{r};
    constexpr auto moves = op_kind::data_movement;
    constexpr auto streams = kernel_class::elementwise;  // contiguous copies (cat, pad) stream like pointwise kernels
    add("Transpose", 1, infer_transpose, no_flops, moves, kernel_class::copy, kernels_transpose);
    add("Concat", 1, infer_concat, no_flops, moves, streams);
    add("Split", 1, infer_split, no_flops, moves, kernel_class::automatic, eager_view);
    add("Slice", 1, infer_slice, cost_slice, moves, kernel_class::automatic, eager_view);
    add("Pad", 1, infer_pad, no_flops, moves, streams);
    add("Expand", 8, infer_expand, no_flops, moves, kernel_class::copy, kernels_expand);
    add("Tile", 6, infer_tile, no_flops, moves, streams);
    add("DepthToSpace", 1, infer_depth_to_space);
    add("SpaceToDepth", 1, infer_depth_to_space);
    add("Trilu", 14, same_as_input, cost_select, op_kind::elementwise);
    add("ReverseSequence", 10, infer_reverse_sequence);
    add("CenterCropPad", 18, infer_center_crop_pad);
}

}  // namespace ridgeline::ops
