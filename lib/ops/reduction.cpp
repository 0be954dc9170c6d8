// Reduction family: Reduce* (axes as attribute, or as input from opset 13 for ReduceSum and 18
// for the rest), ArgMax/ArgMin, CumSum, TopK.
// FLOPs with E input elements and R output elements: one vector op per input element (add,
// compare or multiply); ReduceMean +R (scale); ReduceL1 +E (abs); ReduceL2 and ReduceSumSquare +E
// (square), ReduceL2 +R special (sqrt); ReduceLogSum +R special (log); ReduceLogSumExp +E
// vector (subtract max) +E special (exp) +R special (log). ArgMax/ArgMin and CumSum: E vector.
// TopK: E·ceil(log2 K) comparisons (a heap of K).
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
            ctx.set_output(0, ctx.in_type(0), x, ctx.in_data(0) ? std::make_shared<known_data>(*ctx.in_data(0)) : nullptr);
            return;
        }
        std::fill(reduced.begin(), reduced.end(), true);
    }
    for (auto a : *axes) reduced[static_cast<std::size_t>(ctx.axis(a, rank))] = true;
    shape out;
    for (std::size_t i = 0; i < x.size(); ++i) {
        if (!reduced[i]) out.push_back(x[i]);
        else if (keep) out.emplace_back(1);
    }
    // Full reductions of known 1-D integer data (ReduceProd of a shape) stay known.
    std::shared_ptr<const known_data> data;
    const auto* d = ctx.in_data(0);
    const auto& op = ctx.n().op_type;
    if (d && !d->is_real && x.size() == 1 && reduced[0] && (op == "ReduceProd" || op == "ReduceSum" ||
                                                            op == "ReduceMax" || op == "ReduceMin")) {
        dim acc = op == "ReduceProd" ? dim(1) : (op == "ReduceSum" ? dim(0) : d->ints.at(0));
        for (const auto& v : d->ints) {
            if (op == "ReduceProd") acc = acc * v;
            else if (op == "ReduceSum") acc = acc + v;
            else if (op == "ReduceMax") acc = max(acc, v);
            else acc = min(acc, v);
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
    if (ctx.n().attr_i("keepdims", 1) != 0) out[static_cast<std::size_t>(axis)] = dim(1);
    else out.erase(out.begin() + axis);
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
        k = dim(ctx.n().attr_i("k", 1));
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
    for (std::size_t i = 0; i < out.size(); ++i) if (out[i] != x[i]) k = out[i];
    const auto depth = static_cast<std::int64_t>(std::ceil(std::log2(static_cast<double>(std::max<std::int64_t>(k, 2)))));
    c.flops_vector = checked_mul(ctx.in_elements(0), depth);
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
    r.add({"", "TopK", 1, op_kind::reduction, infer_topk, cost_topk});
}

}  // namespace ridgeline::ops
