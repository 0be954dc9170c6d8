// Reduction family: Reduce* (axes as attribute, or as input from opset 13 for ReduceSum and 18
// for the rest), ArgMax/ArgMin, CumSum, CumProd, TopK, the losses NegativeLogLikelihoodLoss and
// SoftmaxCrossEntropyLoss, Det, and the spectral transforms DFT and STFT.
// FLOPs with E input elements and R output elements: one vector op per input element (add,
// compare or multiply); ReduceMean +R (scale); ReduceL1 +E (abs); ReduceL2 and ReduceSumSquare +E
// (square), ReduceL2 +R special (sqrt); ReduceLogSum +R special (log); ReduceLogSumExp +E
// vector (subtract max) +E special (exp) +R special (log). ArgMax/ArgMin, CumSum, CumProd: E vector.
// TopK: E·ceil(log2 K) comparisons (a heap of K).
// NegativeLogLikelihoodLoss with T target elements: T vector (negate the picked score), + T
// (· weight) with weights; reduced: + T (sum) and, for the mean with weights, + T (weight sum);
// the mean's division 1 special. SoftmaxCrossEntropyLoss: a LogSoftmax over the class axis of
// the scores (4E vector, E special (exp), E/C special (log)) and then the same as NLL.
// Det of [*, M, M]: LU elimination, per matrix 2·M³/3 vector (multiply-adds, not counted as
// matmul class) and M·(M−1)/2 special (pivot divisions).
// Spectral transforms (FFT kernels), with n the transform length: per transform 5·n·ceil(log2 n)
// vector (the radix-2 count: n/2·log2 n butterflies of 6 adds and 4 products; a real input is
// counted as complex). DFT runs one transform per position of the other axes; STFT one per frame
// and batch row, plus n vector per frame for the window product when a window is given.
#include "families.hpp"

#include <algorithm>
#include <cmath>

namespace ridgeline::ops {
namespace {

std::int64_t axes_input_opset(const std::string& op) { return op == "ReduceSum" ? 13 : 18; }

void infer_reduce(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    const auto rank = static_cast<std::int64_t>(x.size());
    const bool keep = ctx.n().attr_i("keepdims", 1) != 0;
    auto axes = axes_of(ctx, axes_input_opset(ctx.n().op_type));
    if (!axes) ctx.unknown("axes");
    std::vector<bool> reduced(x.size(), false);
    if (axes->empty()) {
        if (ctx.n().attr_i("noop_with_empty_axes", 0) != 0) {
            ctx.set_output(0, ctx.in_type(0), x,
                           ctx.in_data(0) ? std::make_shared<known_data>(*ctx.in_data(0)) : nullptr);
            return;
        }
        std::fill(reduced.begin(), reduced.end(), true);
    }
    for (auto a : *axes) reduced[static_cast<std::size_t>(ctx.axis(a, rank))] = true;
    shape out;
    for (std::size_t i = 0; i < x.size(); ++i) {
        if (!reduced[i])
            out.push_back(x[i]);
        else if (keep)
            out.emplace_back(1);
    }
    // Full reductions of known 1-D integer data (ReduceProd of a shape) stay known.
    std::shared_ptr<const known_data> data;
    const auto* d = ctx.in_data(0);
    const auto& op = ctx.n().op_type;
    if (d && !d->is_real && x.size() == 1 && reduced[0] &&
        (op == "ReduceProd" || op == "ReduceSum" || op == "ReduceMax" || op == "ReduceMin")) {
        dim acc = op == "ReduceProd" ? dim(1) : (op == "ReduceSum" ? dim(0) : d->ints.at(0));
        for (const auto& v : d->ints) {
            if (op == "ReduceProd")
                acc = acc * v;
            else if (op == "ReduceSum")
                acc = acc + v;
            else if (op == "ReduceMax")
                acc = max(acc, v);
            else
                acc = min(acc, v);
        }
        data = make_ints({acc});
    }
    ctx.set_output(0, ctx.in_type(0), std::move(out), std::move(data));
}

void cost_reduce(const cost_context& ctx, op_cost& c) {
    const auto e = ctx.in_elements(0);
    const auto r = ctx.out_elements(0);
    const auto& op = ctx.n().op_type;
    c.flops_vector = e;
    if (op == "ReduceMean") c.flops_vector += r;
    if (op == "ReduceL1" || op == "ReduceL2" || op == "ReduceSumSquare" || op == "ReduceLogSumExp") {
        c.flops_vector = checked_add(c.flops_vector, e);
    }
    if (op == "ReduceL2" || op == "ReduceLogSum") c.flops_special = r;
    if (op == "ReduceLogSumExp") c.flops_special = checked_add(e, r);
}

void infer_arg(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    const auto axis = ctx.axis(ctx.n().attr_i("axis", 0), static_cast<std::int64_t>(x.size()));
    shape out = x;
    if (ctx.n().attr_i("keepdims", 1) != 0)
        out[static_cast<std::size_t>(axis)] = dim(1);
    else
        out.erase(out.begin() + axis);
    ctx.set_output(0, dtype::i64, std::move(out));
}

void cost_per_input_element(const cost_context& ctx, op_cost& c) { c.flops_vector = ctx.in_elements(0); }

void infer_cumsum(infer_context& ctx) {
    (void)ctx.in_shape(1);
    std::shared_ptr<const known_data> data;
    const auto* d = ctx.in_data(0);
    if (d && !d->is_real && ctx.in_rank(0) == 1 && ctx.n().attr_i("exclusive", 0) == 0 &&
        ctx.n().attr_i("reverse", 0) == 0) {
        std::vector<dim> out;
        dim acc(0);
        for (const auto& v : d->ints) out.push_back(acc = acc + v);
        data = make_ints(std::move(out));
    }
    ctx.set_output(0, ctx.in_type(0), ctx.in_shape(0), std::move(data));
}

void infer_topk(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    const auto axis = ctx.axis(ctx.n().attr_i("axis", -1), static_cast<std::int64_t>(x.size()));
    dim k;
    if (ctx.opset() >= 10) {
        auto kv = ctx.in_ints(1);
        if (!kv || kv->size() != 1) ctx.unknown("K");
        k = dim((*kv)[0]);
    } else {
        k = dim(attr_i_at_least(ctx, "k", 1, 0));
    }
    if (k.is_value() && k.value() < 0) ctx.fail("K = " + k.to_string() + " must not be negative");
    if (k.is_value() && x[static_cast<std::size_t>(axis)].is_value() &&
        k.value() > x[static_cast<std::size_t>(axis)].value()) {
        ctx.fail("K = " + k.to_string() + " is larger than axis " + std::to_string(axis) + " (" +
                 x[static_cast<std::size_t>(axis)].to_string() + ")");
    }
    shape out = x;
    out[static_cast<std::size_t>(axis)] = k;
    ctx.set_output(0, ctx.in_type(0), out);
    ctx.set_output(1, dtype::i64, out);
}

void cost_topk(const cost_context& ctx, op_cost& c) {
    const auto out = ctx.out(0);
    const auto x = ctx.in(0);
    std::int64_t k = 1;
    for (std::size_t i = 0; i < out.size(); ++i)
        if (out[i] != x[i]) k = out[i];
    const auto depth = ceil_log2(k);
    c.flops_vector = checked_mul(ctx.in_elements(0), depth);
}

// ---- losses -------------------------------------------------------------------------------

/** NLL and SCE: scores [N, C, d...], target [N, d...] → [N, d...] (reduction none) or a scalar. */
void infer_loss(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    const auto& target = ctx.in_shape(1);
    if (x.size() < 2) ctx.fail("scores must be [N, C, d...], got " + shape_to_string(x));
    if (target.size() + 1 != x.size()) {
        ctx.fail("target " + shape_to_string(target) + " must be the scores " + shape_to_string(x) +
                 " without the class axis");
    }
    for (std::size_t i = 0; i < target.size(); ++i) {
        const dim& d = x[i == 0 ? 0 : i + 1];
        if (d.is_value() && target[i].is_value() && d.value() != target[i].value()) {
            ctx.fail("target " + shape_to_string(target) + " does not match scores " + shape_to_string(x));
        }
    }
    if (ctx.has_input(2) && ctx.in_rank(2) != 1) ctx.fail("weights must be 1-D, one per class");
    const auto reduction = ctx.n().attr_s("reduction", "mean");
    if (reduction != "none" && reduction != "sum" && reduction != "mean")
        ctx.fail("unknown reduction '" + reduction + "'");
    ctx.set_output(0, ctx.in_type(0), reduction == "none" ? target : shape{});
    if (ctx.output_count() > 1) ctx.set_output(1, ctx.in_type(0), x);  // SCE's log_prob
}

void cost_nll_part(const cost_context& ctx, op_cost& c) {
    const auto t = ctx.in_elements(1);
    const bool weighted = ctx.has_input(2);
    const auto reduction = ctx.n().attr_s("reduction", "mean");
    std::int64_t per = 1 + (weighted ? 1 : 0);
    if (reduction != "none") per += 1 + (reduction == "mean" && weighted ? 1 : 0);
    c.flops_vector = checked_add(c.flops_vector, checked_mul(t, per));
    if (reduction == "mean") c.flops_special = checked_add(c.flops_special, 1);
}

void cost_softmax_cross_entropy(const cost_context& ctx, op_cost& c) {
    const auto x = ctx.in(0);
    const auto e = ctx.in_elements(0);
    c.flops_vector = checked_mul(e, 4);
    c.flops_special = checked_add(e, x[1] > 0 ? e / x[1] : 0);
    cost_nll_part(ctx, c);
}

// ---- Det ----------------------------------------------------------------------------------

void infer_det(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    if (x.size() < 2) ctx.fail("expects [*, M, M], got " + shape_to_string(x));
    const dim& m = x[x.size() - 1];
    const dim& m2 = x[x.size() - 2];
    if (m.is_value() && m2.is_value() && m.value() != m2.value())
        ctx.fail("matrices must be square, got " + shape_to_string(x));
    ctx.set_output(0, ctx.in_type(0), shape(x.begin(), x.end() - 2));
}

void cost_det(const cost_context& ctx, op_cost& c) {
    const auto x = ctx.in(0);
    const std::int64_t m = x.back();
    const std::int64_t matrices = product(x, 0, x.size() - 2);
    c.flops_vector = checked_mul(matrices, checked_mul(checked_mul(checked_mul(m, m), m), 2) / 3);
    c.flops_special = checked_mul(matrices, checked_mul(m, m - 1) / 2);
}

// ---- DFT / STFT ---------------------------------------------------------------------------

/** One known integer scalar (a length or a step) at input i, or reports it unknown. */
std::int64_t known_scalar(const infer_context& ctx, std::size_t i, const std::string& what) {
    auto v = ctx.in_ints(i);
    if (!v || v->size() != 1) ctx.unknown(what);
    return (*v)[0];
}

/** FLOPs of one FFT of length n (radix-2 count). */
std::int64_t fft_flops(std::int64_t n) {
    const auto depth = ceil_log2(n);
    return checked_mul(checked_mul(5, n), depth);
}

/** DFT's axis: an attribute (default 1) before opset 20, then input 2 (default -2). */
std::int64_t dft_axis(const node& n, std::int64_t opset, const std::optional<std::vector<std::int64_t>>& axis_input) {
    if (opset < 20) return n.attr_i("axis", 1);
    return axis_input && axis_input->size() == 1 ? (*axis_input)[0] : -2;
}

void infer_dft(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    const auto rank = static_cast<std::int64_t>(x.size());
    if (rank < 3) ctx.fail("expects [batch, signal..., 1 or 2], got " + shape_to_string(x));
    if (x.back().is_value() && x.back().value() != 1 && x.back().value() != 2) {
        ctx.fail("the last dimension must be 1 (real) or 2 (complex), got " + x.back().to_string());
    }
    std::optional<std::vector<std::int64_t>> axis_input;
    if (ctx.opset() >= 20 && ctx.has_input(2)) {
        axis_input = ctx.in_ints(2);
        if (!axis_input) ctx.unknown("axis");
    }
    const auto raw_axis = dft_axis(ctx.n(), ctx.opset(), axis_input);
    const auto axis = static_cast<std::size_t>(ctx.axis(raw_axis, rank));
    if (axis == 0 || axis + 1 == x.size()) ctx.fail("axis must be a signal axis, not the batch or the complex axis");
    const bool inverse = ctx.n().attr_i("inverse", 0) != 0;
    const bool onesided = ctx.n().attr_i("onesided", 0) != 0;
    dim n = x[axis];
    if (ctx.has_input(1))
        n = dim(known_scalar(ctx, 1, "dft_length"));
    else if (inverse && onesided)
        n = dim(2) * (x[axis] - dim(1));  // a one-sided spectrum's full length
    shape out = x;
    if (inverse && onesided) {  // back to a real signal
        out[axis] = n;
        out.back() = dim(1);
    } else {
        out[axis] = onesided ? floor_div(n, dim(2)) + dim(1) : n;
        out.back() = dim(2);
    }
    ctx.set_output(0, ctx.in_type(0), std::move(out));
}

void cost_dft(const cost_context& ctx, op_cost& c) {
    const auto x = ctx.in(0);
    const auto rank = static_cast<std::int64_t>(x.size());
    std::optional<std::vector<std::int64_t>> axis_input;
    if (const auto* d = ctx.in_data(2); d && !d->is_real && d->size() == 1 && d->ints[0].is_value()) {
        axis_input = std::vector<std::int64_t>{d->ints[0].value()};
    }
    const auto opset = ctx.g().opset(ctx.n().domain);
    auto axis = dft_axis(ctx.n(), opset, axis_input);
    if (axis < 0) axis += rank;
    const auto a = static_cast<std::size_t>(axis);
    // the transform length: the larger of the input and output extents along the axis
    const std::int64_t n = std::max(x[a], ctx.out(0)[a]);
    const std::int64_t transforms = product(x, 0, a) * product(x, a + 1, x.size() - 1);
    c.flops_vector = checked_mul(transforms, fft_flops(n));
}

void infer_stft(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    if (x.size() != 3) ctx.fail("expects signal [batch, length, 1 or 2], got " + shape_to_string(x));
    const auto step = known_scalar(ctx, 1, "frame_step");
    if (step <= 0) ctx.fail("frame_step must be positive");
    dim frame = x[1];
    if (ctx.has_input(3))
        frame = dim(known_scalar(ctx, 3, "frame_length"));
    else if (ctx.has_input(2))
        frame = ctx.in_shape(2).at(0);
    const dim frames = floor_div(x[1] - frame, dim(step)) + dim(1);
    const dim bins = ctx.n().attr_i("onesided", 1) != 0 ? floor_div(frame, dim(2)) + dim(1) : frame;
    ctx.set_output(0, ctx.in_type(0), shape{x[0], frames, bins, dim(2)});
}

void cost_stft(const cost_context& ctx, op_cost& c) {
    const auto out = ctx.out(0);
    const auto x = ctx.in(0);
    std::int64_t frame = x[1];
    if (ctx.has_input(2)) frame = ctx.in(2).at(0);
    if (const auto* d = ctx.in_data(3); d && !d->is_real && d->size() == 1 && d->ints[0].is_value())
        frame = d->ints[0].value();
    const std::int64_t frames = checked_mul(out[0], out[1]);
    c.flops_vector = checked_mul(frames, checked_add(fft_flops(frame), ctx.has_input(2) ? frame : 0));
}

}  // namespace

void register_reduction(op_registry& r) {
    for (auto name : {"ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
                      "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"}) {
        r.add({"", name, 1, op_kind::reduction, infer_reduce, cost_reduce});
    }
    r.add({"", "ArgMax", 1, op_kind::reduction, infer_arg, cost_per_input_element});
    r.add({"", "ArgMin", 1, op_kind::reduction, infer_arg, cost_per_input_element});
    r.add({"", "CumSum", 11, op_kind::reduction, infer_cumsum, cost_per_input_element});
    r.add({"", "CumProd", 26, op_kind::reduction, same_as_input, cost_per_input_element});
    r.add({"", "TopK", 1, op_kind::reduction, infer_topk, cost_topk});
    r.add({"", "NegativeLogLikelihoodLoss", 12, op_kind::reduction, infer_loss, cost_nll_part});
    r.add({"", "SoftmaxCrossEntropyLoss", 12, op_kind::reduction, infer_loss, cost_softmax_cross_entropy});
    r.add({"", "Det", 11, op_kind::reduction, infer_det, cost_det});
    r.add({"", "DFT", 17, op_kind::reduction, infer_dft, cost_dft});
    r.add({"", "STFT", 17, op_kind::reduction, infer_stft, cost_stft});
}

}  // namespace ridgeline::ops
