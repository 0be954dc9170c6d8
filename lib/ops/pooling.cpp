// Pooling family: MaxPool, AveragePool, LpPool and their Global forms.
// Output size per spatial axis, NOTSET padding (every attribute honoured):
//   o = floor_or_ceil((s + pad_begin + pad_end − dilation·(k−1) − 1) / stride) + 1,
//   and with ceil_mode a window that would start past the padded input is dropped;
//   SAME_*: o = ceil(s / stride); VALID: the formula above with no padding. (Without ceil_mode
//   that is the spec's ceil((s − dilation·(k−1)) / stride); with it, ONNX's shape inference and
//   onnxruntime both apply ceil_mode to VALID as well, so ridgeline does too.)
// FLOPs (vector): MaxPool prod(k) comparisons per output; AveragePool prod(k) adds + 1 scale per
// output; LpPool 2·prod(k) (power, add) vector + 1 special (root) per output; Global pools one
// add/compare per input element (+1 scale per output for the average).
#include "families.hpp"

namespace ridgeline::ops {
namespace {

void infer_pool(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    if (x.size() < 3) ctx.fail("expects [N, C, spatial...], got " + shape_to_string(x));
    const std::size_t spatial = x.size() - 2;
    // Every attribute the rule reads is checked against what the operator allows.
    const auto kernel = attr_ints_at_least(ctx, "kernel_shape", 1);
    auto strides = attr_ints_at_least(ctx, "strides", 1);
    auto dilations = attr_ints_at_least(ctx, "dilations", 1);
    auto pads = attr_ints_at_least(ctx, "pads", 0);
    if (kernel.size() != spatial) {
        ctx.fail("kernel_shape has " + std::to_string(kernel.size()) + " entries for " + std::to_string(spatial) +
                 " spatial axes");
    }
    if (strides.empty()) strides.assign(spatial, 1);
    if (dilations.empty()) dilations.assign(spatial, 1);
    if (pads.empty()) pads.assign(2 * spatial, 0);
    if (strides.size() != spatial || dilations.size() != spatial || pads.size() != 2 * spatial) {
        ctx.fail("strides/dilations/pads do not match the spatial rank " + std::to_string(spatial));
    }
    const auto ceil_mode = attr_i_at_least(ctx, "ceil_mode", 0, 0) != 0;
    if (ctx.n().op_type == "LpPool") (void)attr_i_at_least(ctx, "p", 2, 1);
    const auto auto_pad = attr_choice(ctx, "auto_pad", "NOTSET", {"NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"});
    shape out{x[0], x[1]};
    for (std::size_t i = 0; i < spatial; ++i) {
        const dim in = x[i + 2];
        const std::int64_t eff_k = checked_add(checked_mul(dilations[i], kernel[i] - 1), 1);
        if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
            out.push_back(ceil_div(in, dim(strides[i])));
        } else {
            const bool valid = auto_pad == "VALID";  // explicit padding, all of it zero
            const std::int64_t begin = valid ? 0 : pads[i];
            const std::int64_t end = valid ? 0 : pads[i + spatial];
            const dim span = in + dim(checked_add(begin, end) - eff_k);
            if (span.is_value() && span.value() < 0) {
                ctx.fail("the window (" + std::to_string(eff_k) + " with dilation) is larger than spatial axis " +
                         std::to_string(i) + " (" + in.to_string() + " plus padding " + std::to_string(begin + end) +
                         ")");
            }
            dim o = (ceil_mode ? ceil_div(span, dim(strides[i])) : floor_div(span, dim(strides[i]))) + dim(1);
            if (ceil_mode && o.is_value() && in.is_value() &&
                checked_mul(o.value() - 1, strides[i]) >= checked_add(in.value(), begin)) {
                o = dim(o.value() - 1);  // the last window would start inside the end padding only
            }
            out.push_back(o);
        }
    }
    ctx.set_output(0, ctx.in_type(0), out);
    if (ctx.output_count() > 1) ctx.set_output(1, dtype::i64, out);  // MaxPool indices
}

std::int64_t window(const cost_context& ctx) { return product(ctx.n().attr_ints("kernel_shape")); }

void cost_maxpool(const cost_context& ctx, op_cost& c) {
    c.flops_vector = checked_mul(ctx.out_elements(0), window(ctx));
}

void cost_avgpool(const cost_context& ctx, op_cost& c) {
    c.flops_vector = checked_mul(ctx.out_elements(0), window(ctx) + 1);
}

void cost_lppool(const cost_context& ctx, op_cost& c) {
    c.flops_vector = checked_mul(ctx.out_elements(0), 2 * window(ctx));
    c.flops_special = ctx.out_elements(0);
}

void infer_global_pool(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    if (x.size() < 3) ctx.fail("expects [N, C, spatial...], got " + shape_to_string(x));
    shape out{x[0], x[1]};
    out.resize(x.size(), dim(1));
    ctx.set_output(0, ctx.in_type(0), std::move(out));
}

void cost_global_pool(const cost_context& ctx, op_cost& c) {
    c.flops_vector = ctx.in_elements(0);
    if (ctx.n().op_type != "GlobalMaxPool") c.flops_vector += ctx.out_elements(0);
    if (ctx.n().op_type == "GlobalLpPool") c.flops_special = ctx.out_elements(0);
}

}  // namespace

void register_pooling(op_registry& r) {
    r.add({"", "MaxPool", 1, op_kind::pooling, infer_pool, cost_maxpool});
    r.add({"", "AveragePool", 1, op_kind::pooling, infer_pool, cost_avgpool});
    r.add({"", "LpPool", 1, op_kind::pooling, infer_pool, cost_lppool});
    r.add({"", "GlobalAveragePool", 1, op_kind::reduction, infer_global_pool, cost_global_pool});
    r.add({"", "GlobalMaxPool", 1, op_kind::reduction, infer_global_pool, cost_global_pool});
    r.add({"", "GlobalLpPool", 1, op_kind::reduction, infer_global_pool, cost_global_pool});
}

}  // namespace ridgeline::ops
