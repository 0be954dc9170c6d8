// Normalisation family: BatchNormalization, LayerNormalization, GroupNormalization,
// InstanceNormalization, RMSNormalization, LpNormalization, MeanVarianceNormalization, LRN,
// Softmax, LogSoftmax, Hardmax.
// FLOPs, with E = elements, R = rows/groups/channels normalised separately:
//   BatchNorm (inference)  4E vector: (x − mean) · inv_std · gamma + beta;
//                          C vector (var + eps) and C special (rsqrt) per channel
//   Layer/Group/InstanceNorm 7E vector: mean sum, subtract, square, variance sum, · inv_std,
//                          · gamma, + beta; per row 3 vector (two mean divisions, + eps) and 1 special
//                          (rsqrt)
//   Softmax                3E vector (max, subtract, sum) + 2E special (exp, divide)
//   LogSoftmax             3E vector + E special (exp) + R special (log) + E vector (subtract)
//   LpNormalization        2E vector (square/abs, sum) + E special (divide) + R special (sqrt)
//   MeanVarianceNormalization (rows = the slices over `axes`, default [0, 2, 3]) 5E vector (mean
//                          sum, subtract, square, variance sum, · inv_std); per row 3 vector and
//                          1 special as the layer norms
//   RMSNormalization       4E vector (square, sum, · inv_rms, · scale); per row 2 vector (mean
//                          division, + eps) and 1 special (rsqrt)
//   LRN (window `size` over channels) per element 2·size vector (squares and their sum) +
//                          2 vector (· alpha/size, + bias) + 2 special (^beta, divide)
// Backward costs about twice the forward vector work (backward_vector_factor = 2).
#include "families.hpp"

namespace ridgeline::ops {
namespace {

void infer_batchnorm(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    ctx.set_output(0, ctx.in_type(0), x);
    if (x.size() >= 2) {
        for (std::size_t i = 1; i < ctx.output_count(); ++i) ctx.set_output(i, ctx.in_type(0), shape{x[1]});
    }
}

void cost_batchnorm(const cost_context& ctx, op_cost& c) {
    const auto x = ctx.in(0);
    const std::int64_t channels = x.size() >= 2 ? x[1] : 1;
    c.flops_vector = checked_add(checked_mul(ctx.in_elements(0), 4), channels);
    c.flops_special = channels;
    c.backward_vector_factor = 2.0;
}

void infer_layernorm(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    const auto rank = static_cast<std::int64_t>(x.size());
    const auto axis = ctx.axis(ctx.n().attr_i("axis", -1), rank);
    ctx.set_output(0, ctx.in_type(0), x);
    shape stats(x.begin(), x.begin() + axis);
    stats.resize(x.size(), dim(1));
    const dtype stat_type = attr_dtype(ctx, "stash_type", 1);
    for (std::size_t i = 1; i < ctx.output_count(); ++i) ctx.set_output(i, stat_type, stats);
}

/** Rows normalised separately: product of the dims before the normalised axes. */
std::int64_t layernorm_rows(const cost_context& ctx) {
    const auto x = ctx.in(0);
    auto axis = ctx.n().attr_i("axis", -1);
    if (axis < 0) axis += static_cast<std::int64_t>(x.size());
    return product(x, 0, static_cast<std::size_t>(axis));
}

void cost_norm_rows(const cost_context& ctx, op_cost& c, std::int64_t rows) {
    c.flops_vector = checked_add(checked_mul(ctx.in_elements(0), 7), checked_mul(rows, 3));
    c.flops_special = rows;
    c.backward_vector_factor = 2.0;
}

void cost_layernorm(const cost_context& ctx, op_cost& c) { cost_norm_rows(ctx, c, layernorm_rows(ctx)); }

void cost_rmsnorm(const cost_context& ctx, op_cost& c) {
    const auto rows = layernorm_rows(ctx);
    c.flops_vector = checked_add(checked_mul(ctx.in_elements(0), 4), checked_mul(rows, 2));
    c.flops_special = rows;
    c.backward_vector_factor = 2.0;
}

void infer_groupnorm(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    if (x.size() < 2) ctx.fail("expects [N, C, ...], got " + shape_to_string(x));
    const auto groups = attr_i_at_least(ctx, "num_groups", 1, 1);
    if (x[1].is_value() && x[1].value() % groups != 0) {
        ctx.fail("channels " + x[1].to_string() + " are not a multiple of num_groups " + std::to_string(groups));
    }
    same_as_input(ctx);
}

void cost_groupnorm(const cost_context& ctx, op_cost& c) {
    const auto x = ctx.in(0);
    cost_norm_rows(ctx, c, checked_mul(x[0], std::max<std::int64_t>(1, ctx.n().attr_i("num_groups", 1))));
}

void cost_instancenorm(const cost_context& ctx, op_cost& c) {
    const auto x = ctx.in(0);
    cost_norm_rows(ctx, c, product(x, 0, 2));
}

std::int64_t softmax_rows(const cost_context& ctx) {
    const auto x = ctx.in(0);
    auto axis = ctx.n().attr_i("axis", -1);  // opset >= 13 semantics; older default 1 coerces to 2-D
    if (axis < 0) axis += static_cast<std::int64_t>(x.size());
    return product(x, 0, static_cast<std::size_t>(axis));
}

void cost_softmax(const cost_context& ctx, op_cost& c) {
    const auto e = ctx.in_elements(0);
    c.flops_vector = checked_mul(e, 3);
    c.flops_special = checked_mul(e, 2);
    c.backward_vector_factor = 2.0;
}

void cost_logsoftmax(const cost_context& ctx, op_cost& c) {
    const auto e = ctx.in_elements(0);
    c.flops_vector = checked_mul(e, 4);
    c.flops_special = checked_add(e, softmax_rows(ctx));
    c.backward_vector_factor = 2.0;
}

void cost_hardmax(const cost_context& ctx, op_cost& c) { c.flops_vector = checked_mul(ctx.in_elements(0), 2); }

void cost_lpnorm(const cost_context& ctx, op_cost& c) {
    const auto x = ctx.in(0);
    auto axis = ctx.n().attr_i("axis", -1);
    if (axis < 0) axis += static_cast<std::int64_t>(x.size());
    const auto e = ctx.in_elements(0);
    c.flops_vector = checked_mul(e, 2);
    c.flops_special = checked_add(e, e / std::max<std::int64_t>(1, x[static_cast<std::size_t>(axis)]));
    c.backward_vector_factor = 2.0;
}

/** MVN's axes: the attribute, default [0, 2, 3] (mean and variance per channel). */
std::vector<std::int64_t> mvn_axes(const node& n) {
    return n.find("axes") ? n.attr_ints("axes") : std::vector<std::int64_t>{0, 2, 3};
}

void infer_mvn(infer_context& ctx) {
    const auto rank = ctx.in_rank(0);
    for (auto a : mvn_axes(ctx.n())) (void)ctx.axis(a, rank);
    same_as_input(ctx);
}

void cost_mvn(const cost_context& ctx, op_cost& c) {
    const auto x = ctx.in(0);
    const auto rank = static_cast<std::int64_t>(x.size());
    std::int64_t per_row = 1;  // elements normalised together
    for (auto a : mvn_axes(ctx.n())) per_row = checked_mul(per_row, x[static_cast<std::size_t>(a < 0 ? a + rank : a)]);
    const auto e = ctx.in_elements(0);
    const std::int64_t rows = per_row > 0 ? e / per_row : 0;
    c.flops_vector = checked_add(checked_mul(e, 5), checked_mul(rows, 3));
    c.flops_special = rows;
    c.backward_vector_factor = 2.0;
}

void infer_lrn(infer_context& ctx) {
    if (ctx.in_rank(0) < 2) ctx.fail("expects [N, C, ...], got " + shape_to_string(ctx.in_shape(0)));
    if (ctx.n().attr_i("size", 0) <= 0) ctx.fail("size must be a positive window length");
    same_as_input(ctx);
}

void cost_lrn(const cost_context& ctx, op_cost& c) {
    const auto e = ctx.in_elements(0);
    c.flops_vector = checked_mul(e, checked_add(checked_mul(2, ctx.n().attr_i("size", 1)), 2));
    c.flops_special = checked_mul(e, 2);
    c.backward_vector_factor = 2.0;
}

void infer_checked_axis(infer_context& ctx) {
    const auto rank = ctx.in_rank(0);
    (void)ctx.axis(ctx.n().attr_i("axis", ctx.opset() >= 13 ? -1 : 1), rank);
    same_as_input(ctx);
}

/** Inference BatchNormalization: the eager kernels of `batchnorm_kernels`. */
void kernels_batchnorm(const kernel_context& kc, std::vector<kernel_spec>& out) {
    const auto& n = kc.ctx.n();
    batchnorm_kernels(kc.ctx.in(0), kc.ctx.in_element_bytes(0), kc.half(), n.inputs[0],
                      n.outputs.empty() ? -1 : n.outputs[0], out);
}

}  // namespace

void register_normalization(op_registry& r) {
    constexpr auto softmax = kernel_class::softmax;
    r.add({"", "BatchNormalization", 1, op_kind::normalization, infer_batchnorm, cost_batchnorm,
           kernel_class::batchnorm, kernels_batchnorm});
    r.add({"", "LayerNormalization", 17, op_kind::normalization, infer_layernorm, cost_layernorm});
    r.add({"", "GroupNormalization", 18, op_kind::normalization, infer_groupnorm, cost_groupnorm});
    r.add({"", "InstanceNormalization", 1, op_kind::normalization, same_as_input, cost_instancenorm});
    r.add({"", "LpNormalization", 1, op_kind::normalization, same_as_input, cost_lpnorm});
    r.add({"", "Softmax", 1, op_kind::normalization, infer_checked_axis, cost_softmax, softmax});
    r.add({"", "LogSoftmax", 1, op_kind::normalization, infer_checked_axis, cost_logsoftmax, softmax});
    r.add({"", "Hardmax", 1, op_kind::normalization, infer_checked_axis, cost_hardmax, softmax});
    r.add({"", "MeanVarianceNormalization", 9, op_kind::normalization, infer_mvn, cost_mvn});
    r.add({"", "RMSNormalization", 23, op_kind::normalization, infer_layernorm, cost_rmsnorm});
    r.add({"", "LRN", 1, op_kind::normalization, infer_lrn, cost_lrn});
    // ORT's contrib LayerNormalization (pre-opset-17 exports) has the same contract.
    r.add({"com.microsoft", "LayerNormalization", 1, op_kind::normalization, infer_layernorm, cost_layernorm});
}

}  // namespace ridgeline::ops

namespace ridgeline {

void batchnorm_kernels(const std::vector<std::int64_t>& dims, std::int64_t element_bytes, bool half, std::int32_t in,
                       std::int32_t out, std::vector<kernel_spec>& kernels) {
    const std::int64_t elements = ops::product(dims);
    const std::int64_t bytes = checked_mul(elements, element_bytes);
    kernel_spec k;
    k.cls = kernel_class::batchnorm;
    k.flops_vector = checked_mul(elements, 2);  // x·scale + shift
    // Both kernels (cuDNN's bn_fw_inf NCHW, PyTorch's batch_norm_transform_input) give each
    // channel to a block: what a block streams is the channel's N·H·W elements (h200_microbench:
    // 32×2048×7×7 runs at a fifth of the bandwidth that 128×512×28×28 reaches, for the same plane count).
    const std::int64_t channels = dims.size() > 1 ? std::max<std::int64_t>(1, dims[1]) : 1;
    k.size_elements = std::max<std::int64_t>(1, elements / channels);
    k.traffic = {{in, 0, bytes, false}, {out, 0, bytes, true}};
    kernels.push_back(std::move(k));
    if (!half) return;
    // Half precision: two small kernels turn the running statistics into per-channel factors.
    for (const char* label : {"BatchNormFactors", "BatchNormShift"}) {
        kernel_spec f;
        f.cls = kernel_class::elementwise;
        f.label = label;
        f.flops_vector = channels;
        f.traffic = {{-1, 1, checked_mul(channels, 8), false}, {-1, 2, checked_mul(channels, 4), true}};
        kernels.push_back(std::move(f));
    }
}

}  // namespace ridgeline
