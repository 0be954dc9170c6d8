// Matmul-class family: MatMul, Gemm, Conv, ConvTranspose, Einsum and fused Attention.
// FLOPs follow torch.utils.flop_counter: 2 per multiply-accumulate, bias adds counted apart as
// vector work (flop_counter ignores them).
//   MatMul  [..., M, K] x [..., K, N]: MACs = prod(broadcast batch) · M · K · N
//   Gemm    A' (M×K) · B' (K×N): MACs = M·K·N; + M·N vector for the C add; + M·N each for
//           alpha ≠ 1 and (beta ≠ 1 with C)
//   Conv    X [N, C, s...], W [M, C/g, k...] → [N, M, o...]: MACs = N·M·prod(o)·(C/g)·prod(k);
//           bias: N·M·prod(o) vector. Output size per axis (NOTSET):
//           o = floor((s + pad_begin + pad_end − dilation·(k−1) − 1) / stride) + 1;
//           SAME_*: o = ceil(s / stride) (pads split, the extra one at the end for SAME_UPPER);
//           VALID: o = floor((s − dilation·(k−1) − 1) / stride) + 1
//   ConvTranspose X [N, C, s...], W [C, M/g, k...]: every input element scatters into
//           (M/g)·prod(k) outputs: MACs = N·C·prod(s)·(M/g)·prod(k);
//           o = stride·(s−1) + output_padding + dilation·(k−1) + 1 − pad_begin − pad_end;
//           output_shape given: o = output_shape; SAME_*: o = s·stride (the padding that reaches
//           it, clamped at 0 as onnxruntime does: when output_padding + dilation·(k−1) + 1 <
//           stride, o = stride·(s−1) + output_padding + dilation·(k−1) + 1); VALID: no padding
//   Einsum  pairwise contraction: MACs = product of the sizes of every index in the pair
//   Attention (ai.onnx 23) Q [B, H, Sq, D], K [B, Hkv, Skv, D], V [B, Hkv, Skv, Dv]:
//           MACs = B·H·Sq·T·(D + Dv), T = Skv plus the past_key length when a cache is given;
//           softmax: B·H·Sq·T exps (special) and 4 vector ops (scale, max, subtract, sum) per
//           score, plus one division per score (special).
//   Quantized forms count the same MACs as their float forms: ConvInteger and MatMulInteger
//           (int32 out, no bias: their extra inputs are zero points), QLinearConv (x, w at inputs
//           0 and 3, bias at 8) and QLinearMatMul (a, b at 0 and 3), which also requantize every
//           output: 3 vector (scale, + zero point, saturate); QLinearConv's bias add as for Conv.
//   DeformConv  as Conv (same MACs and bias), plus the sampling of the deformed input: every
//           (image, input channel, output position, kernel tap) interpolates bilinearly,
//           7 vector (4 products, 3 adds), + 1 vector with a mask.
//   RNN / GRU / LSTM  X [S, B, I] (layout 0) or [B, S, I] (layout 1), G gates (1 / 3 / 4),
//           hidden H, D directions: every step multiplies the input and the previous hidden
//           state by the gate weights: MACs = D·S·B·G·H·(I + H). Per step and hidden unit:
//           G adds joining the two products, 2·G bias adds when B is given, and the cell:
//           RNN 1 special (tanh); GRU 3 special (2 sigmoid, tanh) + 5 vector (reset product,
//           1 − z, two products, add); LSTM 5 special (3 sigmoid, 2 tanh) + 4 vector
//           (f·c, i·g, add, o·tanh c) + 6 vector with peepholes P (3 products and adds).
#include "families.hpp"

#include <algorithm>
#include <cctype>
#include <map>

namespace ridgeline::ops {
namespace {

// ---- MatMul -------------------------------------------------------------------------------

/** numpy.matmul's output shape for inputs `ia` and `ib`. */
shape matmul_shape(const infer_context& ctx, std::size_t ia, std::size_t ib) {
    shape a = ctx.in_shape(ia);
    shape b = ctx.in_shape(ib);
    if (a.empty() || b.empty()) ctx.fail("MatMul operands must have rank >= 1");
    const bool a_vec = a.size() == 1;
    const bool b_vec = b.size() == 1;
    if (a_vec) a.insert(a.begin(), dim(1));
    if (b_vec) b.push_back(dim(1));
    const dim& k_a = a.back();
    const dim& k_b = b[b.size() - 2];
    if (k_a.is_value() && k_b.is_value() && k_a.value() != k_b.value()) {
        ctx.fail("inner dimensions differ: " + shape_to_string(ctx.in_shape(ia)) + " x " +
                 shape_to_string(ctx.in_shape(ib)) + " (" + k_a.to_string() + " vs " + k_b.to_string() + ")");
    }
    shape batch = broadcast(ctx, shape(a.begin(), a.end() - 2), shape(b.begin(), b.end() - 2));
    if (!a_vec) batch.push_back(a[a.size() - 2]);
    if (!b_vec) batch.push_back(b.back());
    return batch;
}

void infer_matmul(infer_context& ctx) {
    const dtype t = ctx.n().op_type == "MatMulInteger" ? dtype::i32 : ctx.in_type(0);
    ctx.set_output(0, t, matmul_shape(ctx, 0, 1));
}

/** QLinearMatMul: a and b at inputs 0 and 3; the output takes y_zero_point's type. */
void infer_qlinear_matmul(infer_context& ctx) {
    ctx.set_output(0, ctx.has_input(7) ? ctx.in_type(7) : ctx.in_type(0), matmul_shape(ctx, 0, 3));
}

void cost_matmul(const cost_context& ctx, op_cost& c) {
    auto a = ctx.in(0);
    auto b = ctx.in(1);
    const std::int64_t k = a.back();
    // output elements already include the broadcast batch, M and N
    c.macs = checked_mul(ctx.out_elements(0), k);
    c.flops_matmul = checked_mul(c.macs, 2);
    (void)b;
}

void cost_qlinear_matmul(const cost_context& ctx, op_cost& c) {
    cost_matmul(ctx, c);
    c.flops_vector = checked_mul(ctx.out_elements(0), 3);  // requantize: scale, + zero point, saturate
}

// ---- Gemm ---------------------------------------------------------------------------------

void infer_gemm(infer_context& ctx) {
    const auto& a = ctx.in_shape(0);
    const auto& b = ctx.in_shape(1);
    if (a.size() != 2 || b.size() != 2) ctx.fail("Gemm operands must be 2-D");
    const bool ta = ctx.n().attr_i("transA", 0) != 0;
    const bool tb = ctx.n().attr_i("transB", 0) != 0;
    const dim m = ta ? a[1] : a[0];
    const dim ka = ta ? a[0] : a[1];
    const dim kb = tb ? b[1] : b[0];
    const dim n = tb ? b[0] : b[1];
    if (ka.is_value() && kb.is_value() && ka.value() != kb.value()) {
        ctx.fail("inner dimensions differ: " + ka.to_string() + " vs " + kb.to_string());
    }
    shape out{m, n};
    if (ctx.has_input(2)) (void)broadcast(ctx, out, ctx.in_shape(2));
    ctx.set_output(0, ctx.in_type(0), std::move(out));
}

void cost_gemm(const cost_context& ctx, op_cost& c) {
    const auto a = ctx.in(0);
    const std::int64_t k = ctx.n().attr_i("transA", 0) ? a[0] : a[1];
    const std::int64_t mn = ctx.out_elements(0);
    c.macs = checked_mul(mn, k);
    c.flops_matmul = checked_mul(c.macs, 2);
    if (ctx.has_input(2)) {
        c.flops_vector = mn;
        if (ctx.n().attr_f("beta", 1.0) != 1.0) c.flops_vector += mn;
    }
    if (ctx.n().attr_f("alpha", 1.0) != 1.0) c.flops_vector += mn;
}

// ---- Conv / ConvTranspose -----------------------------------------------------------------

struct conv_geometry {
    std::vector<std::int64_t> kernel, strides, dilations, pads;  // pads: begins then ends
};

conv_geometry geometry(const infer_context& ctx, std::size_t spatial, const shape& w) {
    conv_geometry g;
    // Every attribute the rule reads is checked against what the operator allows.
    g.kernel = attr_ints_at_least(ctx, "kernel_shape", 1);
    const auto from_weights = numeric(shape(w.begin() + 2, w.end()));
    if (g.kernel.empty()) {
        if (!from_weights) ctx.fail("kernel size is symbolic");
        g.kernel = *from_weights;
    } else if (from_weights && *from_weights != g.kernel) {
        ctx.fail("kernel_shape " + shape_to_string(shape(g.kernel.begin(), g.kernel.end())) +
                 " differs from the weight's spatial dims " + shape_to_string(shape(w.begin() + 2, w.end())));
    }
    g.strides = attr_ints_at_least(ctx, "strides", 1);
    g.dilations = attr_ints_at_least(ctx, "dilations", 1);
    g.pads = attr_ints_at_least(ctx, "pads", 0);
    if (g.strides.empty()) g.strides.assign(spatial, 1);
    if (g.dilations.empty()) g.dilations.assign(spatial, 1);
    if (g.pads.empty()) g.pads.assign(2 * spatial, 0);
    if (g.kernel.size() != spatial || g.strides.size() != spatial || g.dilations.size() != spatial ||
        g.pads.size() != 2 * spatial) {
        ctx.fail("kernel_shape/strides/dilations/pads do not match " + std::to_string(spatial) + " spatial axes");
    }
    for (auto k : g.kernel)
        if (k < 1) ctx.fail("the weight's spatial dims must be positive");
    return g;
}

/** The extent of a dilated kernel: dilation·(k−1) + 1, checked. */
std::int64_t effective_kernel(std::int64_t k, std::int64_t dilation) {
    return checked_add(checked_mul(dilation, k - 1), 1);
}

/** Conv's output shape for data at input `ix` and weights at input `iw`. */
shape conv_shape(const infer_context& ctx, std::size_t ix, std::size_t iw) {
    const auto& x = ctx.in_shape(ix);
    const auto& w = ctx.in_shape(iw);
    if (x.size() < 3 || w.size() != x.size()) {
        ctx.fail("expects X [N, C, spatial...] and W of the same rank; got " + shape_to_string(x) + " and " +
                 shape_to_string(w));
    }
    const std::size_t spatial = x.size() - 2;
    const auto group = attr_i_at_least(ctx, "group", 1, 1);
    if (x[1].is_value() && w[1].is_value() && x[1].value() != checked_mul(w[1].value(), group)) {
        ctx.fail("input channels " + x[1].to_string() + " != weight channels " + w[1].to_string() + " x group " +
                 std::to_string(group));
    }
    if (w[0].is_value() && w[0].value() % group != 0) {
        ctx.fail("output channels " + w[0].to_string() + " are not a multiple of group " + std::to_string(group));
    }
    const auto g = geometry(ctx, spatial, w);
    const auto auto_pad = attr_choice(ctx, "auto_pad", "NOTSET", {"NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"});
    shape out{x[0], w[0]};
    for (std::size_t i = 0; i < spatial; ++i) {
        const dim in = x[i + 2];
        const std::int64_t eff_k = effective_kernel(g.kernel[i], g.dilations[i]);
        if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
            out.push_back(ceil_div(in, dim(g.strides[i])));
            continue;
        }
        const std::int64_t pads = auto_pad == "VALID" ? 0 : checked_add(g.pads[i], g.pads[i + spatial]);
        const dim span = in + dim(pads) - dim(eff_k);
        if (span.is_value() && span.value() < 0) {
            ctx.fail("the kernel (" + std::to_string(eff_k) + " with dilation) is larger than spatial axis " +
                     std::to_string(i) + " (" + in.to_string() + " plus padding " + std::to_string(pads) + ")");
        }
        out.push_back(floor_div(span, dim(g.strides[i])) + dim(1));
    }
    return out;
}

void infer_conv(infer_context& ctx) { ctx.set_output(0, ctx.in_type(0), conv_shape(ctx, 0, 1)); }

/** ConvInteger accumulates in int32. */
void infer_conv_integer(infer_context& ctx) { ctx.set_output(0, dtype::i32, conv_shape(ctx, 0, 1)); }

/** QLinearConv: x and w at inputs 0 and 3; the output takes y_zero_point's type. */
void infer_qlinear_conv(infer_context& ctx) {
    ctx.set_output(0, ctx.has_input(7) ? ctx.in_type(7) : ctx.in_type(0), conv_shape(ctx, 0, 3));
}

/** MACs of a convolution whose weights are input `iw`: every output reads (C/g)·prod(k) weights. */
std::int64_t conv_macs(const cost_context& ctx, std::size_t iw) {
    return checked_mul(ctx.out_elements(0), product(ctx.in(iw), 1));
}

void cost_conv(const cost_context& ctx, op_cost& c) {
    c.macs = conv_macs(ctx, 1);
    c.flops_matmul = checked_mul(c.macs, 2);
    if (ctx.has_input(2)) c.flops_vector = ctx.out_elements(0);
}

void cost_conv_integer(const cost_context& ctx, op_cost& c) {  // inputs 2 and 3 are zero points
    c.macs = conv_macs(ctx, 1);
    c.flops_matmul = checked_mul(c.macs, 2);
}

void cost_qlinear_conv(const cost_context& ctx, op_cost& c) {
    c.macs = conv_macs(ctx, 3);
    c.flops_matmul = checked_mul(c.macs, 2);
    // requantize (scale, + zero point, saturate), plus the bias add when given
    c.flops_vector = checked_mul(ctx.out_elements(0), ctx.has_input(8) ? 4 : 3);
}

/** DeformConv: X, W, offset [N, offset_group·2·prod(k), o...], bias, mask. */
void infer_deform_conv(infer_context& ctx) {
    auto out = conv_shape(ctx, 0, 1);
    const auto& offset = ctx.in_shape(2);
    if (offset.size() != out.size())
        ctx.fail("offset must be [N, offset_group·2·prod(kernel), out spatial...], got " + shape_to_string(offset));
    for (std::size_t i = 2; i < out.size(); ++i) {
        if (out[i].is_value() && offset[i].is_value() && out[i].value() != offset[i].value()) {
            ctx.fail("offset " + shape_to_string(offset) + " does not match the output " + shape_to_string(out));
        }
    }
    ctx.set_output(0, ctx.in_type(0), std::move(out));
}

void cost_deform_conv(const cost_context& ctx, op_cost& c) {
    cost_conv(ctx, c);
    const auto x = ctx.in(0);
    const auto w = ctx.in(1);
    const auto out = ctx.out(0);
    // N · C · prod(o) · prod(k) bilinear samples
    const std::int64_t samples = checked_mul(checked_mul(checked_mul(x[0], x[1]), product(out, 2)), product(w, 2));
    c.flops_vector =
        checked_add(ctx.has_input(3) ? ctx.out_elements(0) : 0, checked_mul(samples, ctx.has_input(4) ? 8 : 7));
}

void infer_conv_transpose(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    const auto& w = ctx.in_shape(1);
    if (x.size() < 3 || w.size() != x.size()) ctx.fail("expects X [N, C, spatial...] and W of the same rank");
    const std::size_t spatial = x.size() - 2;
    const auto group = attr_i_at_least(ctx, "group", 1, 1);
    if (x[1].is_value() && w[0].is_value() && x[1].value() != w[0].value()) {
        ctx.fail("input channels " + x[1].to_string() + " != weight's first dimension " + w[0].to_string());
    }
    if (x[1].is_value() && x[1].value() % group != 0) {
        ctx.fail("input channels " + x[1].to_string() + " are not a multiple of group " + std::to_string(group));
    }
    const auto g = geometry(ctx, spatial, w);
    auto out_pad = attr_ints_at_least(ctx, "output_padding", 0);
    if (out_pad.empty()) out_pad.assign(spatial, 0);
    if (out_pad.size() != spatial)
        ctx.fail("output_padding does not match " + std::to_string(spatial) + " spatial axes");
    const auto out_shape = attr_ints_at_least(ctx, "output_shape", 1);
    if (!out_shape.empty() && out_shape.size() != spatial && out_shape.size() != spatial + 2) {
        ctx.fail("output_shape has " + std::to_string(out_shape.size()) + " entries for " + std::to_string(spatial) +
                 " spatial axes");
    }
    const auto auto_pad = attr_choice(ctx, "auto_pad", "NOTSET", {"NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"});
    shape out{x[0], w[1] * dim(group)};
    for (std::size_t i = 0; i < spatial; ++i) {
        if (!out_shape.empty()) {
            out.emplace_back(out_shape[out_shape.size() - spatial + i]);
            continue;
        }
        const dim in = x[i + 2];
        const std::int64_t eff_k = effective_kernel(g.kernel[i], g.dilations[i]);
        if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
            // Padded (never negatively) towards s·stride: a kernel plus output_padding shorter
            // than the stride cannot reach it (as onnxruntime computes it).
            if (checked_add(out_pad[i], eff_k) >= g.strides[i])
                out.push_back(in * dim(g.strides[i]));
            else
                out.push_back(dim(g.strides[i]) * (in - dim(1)) + dim(checked_add(out_pad[i], eff_k)));
            continue;
        }
        const std::int64_t pads = auto_pad == "VALID" ? 0 : checked_add(g.pads[i], g.pads[i + spatial]);
        const dim o = dim(g.strides[i]) * (in - dim(1)) + dim(checked_add(out_pad[i], eff_k) - pads);
        if (o.is_value() && o.value() <= 0) {
            ctx.fail("padding " + std::to_string(pads) + " leaves no output on spatial axis " + std::to_string(i));
        }
        out.push_back(o);
    }
    ctx.set_output(0, ctx.in_type(0), std::move(out));
}

void cost_conv_transpose(const cost_context& ctx, op_cost& c) {
    const auto w = ctx.in(1);
    c.macs = checked_mul(ctx.in_elements(0), product(w, 1));  // N·C·prod(s) · (M/g)·prod(k)
    c.flops_matmul = checked_mul(c.macs, 2);
    if (ctx.has_input(2)) c.flops_vector = ctx.out_elements(0);
}

// ---- Einsum -------------------------------------------------------------------------------

struct einsum_spec {
    std::vector<std::string> inputs;  // one letter per axis; '.' stands for the ellipsis dims
    std::string output;
    bool explicit_output = false;
};

/** Fails via ctx unless `eq` is letters, commas, one optional "->" and "..." at most once per operand. */
void check_einsum(const infer_context& ctx, const std::string& eq) {
    auto bad = [&](const std::string& why) { ctx.fail("equation '" + eq + "': " + why); };
    if (eq.empty()) bad("empty");
    const auto arrow = eq.find("->");
    if (arrow != std::string::npos && eq.find("->", arrow + 2) != std::string::npos) bad("more than one '->'");
    int ellipses = 0;
    for (std::size_t i = 0; i < eq.size(); ++i) {
        const char c = eq[i];
        if (std::isalpha(static_cast<unsigned char>(c))) continue;
        if (c == ',' || (c == '-' && i == arrow)) {
            if (c == ',' && arrow != std::string::npos && i > arrow) bad("a ',' in the output");
            if (c == '-') ++i;  // the '>' of "->"
            ellipses = 0;
            continue;
        }
        if (c == '.' && eq.compare(i, 3, "...") == 0 && ellipses == 0) {
            ++ellipses;
            i += 2;
            continue;
        }
        bad(std::string("unexpected '") + c + "' at " + std::to_string(i) +
            (ellipses ? " (one '...' per operand)" : ""));
    }
    if (arrow != std::string::npos) {
        const auto out = eq.substr(arrow + 2);
        for (std::size_t i = 0; i < out.size(); ++i) {
            if (out[i] != '.' && out.find(out[i], i + 1) != std::string::npos) {
                bad(std::string("output index '") + out[i] + "' appears twice");
            }
        }
    }
}

einsum_spec parse_einsum(const infer_context* ctx, std::string eq) {
    std::erase(eq, ' ');
    if (ctx) check_einsum(*ctx, eq);
    einsum_spec s;
    auto arrow = eq.find("->");
    std::string lhs = eq.substr(0, arrow);
    if (arrow != std::string::npos) {
        s.output = eq.substr(arrow + 2);
        s.explicit_output = true;
    }
    auto replace_ellipsis = [](std::string t) {
        auto p = t.find("...");
        if (p != std::string::npos) t.erase(p + 1, 2);  // "..." → "." (erase: no -Wrestrict false positive)
        return t;
    };
    std::size_t start = 0;
    while (true) {
        auto comma = lhs.find(',', start);
        s.inputs.push_back(replace_ellipsis(lhs.substr(start, comma - start)));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    s.output = replace_ellipsis(s.output);
    if (!s.explicit_output) {  // implicit: letters appearing once, alphabetical
        std::map<char, int> counts;
        bool ellipsis = false;
        for (const auto& t : s.inputs) {
            for (char c : t) {
                if (c == '.')
                    ellipsis = true;
                else
                    ++counts[c];
            }
        }
        if (ellipsis) s.output += '.';
        for (auto [c, k] : counts)
            if (k == 1) s.output += c;
    }
    if (ctx && s.inputs.size() != ctx->input_count()) {
        ctx->fail("equation has " + std::to_string(s.inputs.size()) + " operands but the node has " +
                  std::to_string(ctx->input_count()) + " inputs");
    }
    return s;
}

void infer_einsum(infer_context& ctx) {
    const auto s = parse_einsum(&ctx, ctx.n().attr_s("equation", ""));
    std::map<char, dim> sizes;
    shape ellipsis;
    for (std::size_t i = 0; i < s.inputs.size(); ++i) {
        const auto& sh = ctx.in_shape(i);
        const auto& t = s.inputs[i];
        const bool has_ell = t.find('.') != std::string::npos;
        const std::size_t letters = t.size() - (has_ell ? 1 : 0);
        if (sh.size() < letters || (!has_ell && sh.size() != letters)) {
            ctx.fail("operand " + std::to_string(i) + " '" + t + "' does not match its rank " +
                     std::to_string(sh.size()));
        }
        const std::size_t ell_rank = sh.size() - letters;
        std::size_t axis = 0;
        for (char c : t) {
            if (c == '.') {
                ellipsis = broadcast(ctx, ellipsis,
                                     shape(sh.begin() + static_cast<std::ptrdiff_t>(axis),
                                           sh.begin() + static_cast<std::ptrdiff_t>(axis + ell_rank)));
                axis += ell_rank;
                continue;
            }
            auto [it, fresh] = sizes.try_emplace(c, sh[axis]);
            if (!fresh && !(it->second == sh[axis])) {
                if (it->second.is_value() && it->second.value() == 1)
                    it->second = sh[axis];
                else if (!(sh[axis].is_value() && sh[axis].value() == 1) && it->second.is_value() &&
                         sh[axis].is_value()) {
                    ctx.fail(std::string("index '") + c + "' has sizes " + it->second.to_string() + " and " +
                             sh[axis].to_string());
                }
            }
            ++axis;
        }
    }
    shape out;
    for (char c : s.output) {
        if (c == '.')
            out.insert(out.end(), ellipsis.begin(), ellipsis.end());
        else if (!sizes.count(c))
            ctx.fail(std::string("output index '") + c + "' appears in no operand");
        else
            out.push_back(sizes[c]);
    }
    ctx.set_output(0, ctx.in_type(0), std::move(out));
}

void cost_einsum(const cost_context& ctx, op_cost& c) {
    const auto s = parse_einsum(nullptr, ctx.n().attr_s("equation", ""));
    std::map<char, std::int64_t> sizes;
    std::int64_t ell = 1;
    for (std::size_t i = 0; i < s.inputs.size() && i < ctx.input_count(); ++i) {
        const auto sh = ctx.in(i);
        const auto& t = s.inputs[i];
        const bool has_ell = t.find('.') != std::string::npos;
        const std::size_t ell_rank = sh.size() - (t.size() - (has_ell ? 1 : 0));
        std::size_t axis = 0;
        for (char ch : t) {
            if (ch == '.') {
                ell = std::max(ell, product(sh, axis, axis + ell_rank));
                axis += ell_rank;
                continue;
            }
            sizes[ch] = std::max(sizes[ch], sh[axis++]);
        }
    }
    auto letters_size = [&](const std::string& letters) {
        std::int64_t n = 1;
        for (char ch : letters) n = checked_mul(n, ch == '.' ? ell : sizes[ch]);
        return n;
    };
    if (s.inputs.size() == 1) {  // a reduction or a permutation: one add per input element summed
        c.flops_vector = letters_size(s.inputs[0]) == letters_size(s.output) ? 0 : letters_size(s.inputs[0]);
        return;
    }
    // Left-to-right pairwise contraction; an intermediate keeps the indices still needed later.
    std::string acc = s.inputs[0];
    for (std::size_t i = 1; i < s.inputs.size(); ++i) {
        std::string all = acc;
        for (char ch : s.inputs[i])
            if (all.find(ch) == std::string::npos) all += ch;
        c.macs = checked_add(c.macs, letters_size(all));
        std::string keep;
        for (char ch : all) {
            bool later = s.output.find(ch) != std::string::npos;
            for (std::size_t j = i + 1; j < s.inputs.size(); ++j)
                later = later || s.inputs[j].find(ch) != std::string::npos;
            if (later) keep += ch;
        }
        acc = keep;
    }
    c.flops_matmul = checked_mul(c.macs, 2);
}

// ---- Attention (ai.onnx 23) ----------------------------------------------------------------

/** Attention's sizes, from Q, K, V (4-D, or 3-D with the head counts as attributes). */
struct attention_dims {
    dim batch, q_heads, kv_heads, q_len, kv_len, head, v_head;
};

attention_dims attention_of(const infer_context& ctx) {
    const auto& q = ctx.in_shape(0);
    const auto& k = ctx.in_shape(1);
    const auto& v = ctx.in_shape(2);
    if (q.size() == 4 && k.size() == 4 && v.size() == 4) return {q[0], q[1], k[1], q[2], k[2], q[3], v[3]};
    if (q.size() != 3 || k.size() != 3 || v.size() != 3) ctx.fail("Q, K, V must all be 3-D or all 4-D");
    const auto qh = ctx.n().attr_i("q_num_heads", 0);
    const auto kvh = ctx.n().attr_i("kv_num_heads", 0);
    if (qh <= 0 || kvh <= 0) ctx.fail("3-D inputs need q_num_heads and kv_num_heads");
    return {q[0], dim(qh), dim(kvh), q[1], k[1], floor_div(q[2], dim(qh)), floor_div(v[2], dim(kvh))};
}

void infer_attention(infer_context& ctx) {
    const auto a = attention_of(ctx);
    const dtype t = ctx.in_type(0);
    if (ctx.in_rank(0) == 4)
        ctx.set_output(0, t, shape{a.batch, a.q_heads, a.q_len, a.v_head});
    else
        ctx.set_output(0, t, shape{a.batch, a.q_len, a.q_heads * a.v_head});
    // The key/value cache: past (inputs 4 and 5) followed by this step's keys and values.
    dim total = a.kv_len;
    if (ctx.has_input(4)) {
        const auto& past = ctx.in_shape(4);
        if (past.size() != 4) ctx.fail("past_key must be [B, kv_heads, past_length, head_size]");
        total = past[2] + a.kv_len;
    }
    ctx.set_output(1, t, shape{a.batch, a.kv_heads, total, a.head});
    ctx.set_output(2, t, shape{a.batch, a.kv_heads, total, a.v_head});
    ctx.set_output(3, t, shape{a.batch, a.q_heads, a.q_len, total});
}

void cost_attention(const cost_context& ctx, op_cost& c) {
    const auto q = ctx.in(0);
    const auto k = ctx.in(1);
    const auto v = ctx.in(2);
    std::int64_t b = q[0], h = 0, sq = 0, skv = 0, d = 0, dv = 0;
    if (q.size() == 4) {
        h = q[1];
        sq = q[2];
        d = q[3];
        skv = k[2];
        dv = v[3];
    } else {
        h = ctx.n().attr_i("q_num_heads", 1);
        const auto kvh = ctx.n().attr_i("kv_num_heads", 1);
        sq = q[1];
        d = q[2] / h;
        skv = k[1];
        dv = v[2] / kvh;
    }
    if (ctx.has_input(4)) skv = checked_add(skv, ctx.in(4)[2]);  // scores span the cache too
    const std::int64_t scores = checked_mul(checked_mul(b, h), checked_mul(sq, skv));
    c.macs = checked_mul(scores, d + dv);
    c.flops_matmul = checked_mul(c.macs, 2);
    c.flops_vector = checked_mul(scores, 4);
    c.flops_special = checked_mul(scores, 2);
}

// ---- RNN / GRU / LSTM ---------------------------------------------------------------------

/** Gates per recurrent operator. */
std::int64_t gates_of(std::string_view op) { return op == "LSTM" ? 4 : (op == "GRU" ? 3 : 1); }

void infer_recurrent(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    const auto& w = ctx.in_shape(1);
    const auto& r = ctx.in_shape(2);
    if (x.size() != 3 || w.size() != 3 || r.size() != 3) {
        ctx.fail("expects 3-D X, W and R; got " + shape_to_string(x) + ", " + shape_to_string(w) + ", " +
                 shape_to_string(r));
    }
    const auto layout = attr_i_at_least(ctx, "layout", 0, 0);
    if (layout > 1) ctx.fail("attribute layout = " + std::to_string(layout) + " must be 0 or 1");
    const bool batch_first = layout != 0;
    const dim seq = batch_first ? x[1] : x[0];
    const dim batch = batch_first ? x[0] : x[1];
    const auto direction = attr_choice(ctx, "direction", "forward", {"forward", "reverse", "bidirectional"});
    const dim dirs(direction == "bidirectional" ? 2 : 1);
    if (w[0].is_value() && w[0].value() != dirs.value()) {
        ctx.fail("W has " + w[0].to_string() + " directions; direction '" + direction + "' needs " + dirs.to_string());
    }
    const dim hidden = ctx.n().find("hidden_size") ? dim(attr_i_at_least(ctx, "hidden_size", 1, 1)) : r[2];
    if (hidden.is_value() && r[2].is_value() && hidden.value() != r[2].value()) {
        ctx.fail("hidden_size " + hidden.to_string() + " differs from R's last dimension " + r[2].to_string());
    }
    const dim gated = hidden * dim(gates_of(ctx.n().op_type));
    if (w[1].is_value() && gated.is_value() && w[1].value() != gated.value()) {
        ctx.fail("W has " + w[1].to_string() + " rows; " + std::to_string(gates_of(ctx.n().op_type)) +
                 " gates of hidden size " + hidden.to_string() + " need " + gated.to_string());
    }
    const dtype t = ctx.in_type(0);
    ctx.set_output(0, t, batch_first ? shape{batch, seq, dirs, hidden} : shape{seq, dirs, batch, hidden});
    const shape last = batch_first ? shape{batch, dirs, hidden} : shape{dirs, batch, hidden};
    ctx.set_output(1, t, last);
    ctx.set_output(2, t, last);  // LSTM's Y_c
}

void cost_recurrent(const cost_context& ctx, op_cost& c) {
    const auto x = ctx.in(0);
    const auto w = ctx.in(1);
    const auto r = ctx.in(2);
    const std::string_view op = ctx.n().op_type;
    const std::int64_t gates = gates_of(op);
    const std::int64_t dirs = w[0];
    const std::int64_t hidden = r[2];
    const std::int64_t input = x[2];
    // steps × batch × directions: every (step, batch row, direction) runs one cell update
    const std::int64_t cells = checked_mul(checked_mul(x[0], x[1]), dirs);
    const std::int64_t units = checked_mul(cells, hidden);  // hidden units updated in all
    c.macs = checked_mul(checked_mul(units, gates), checked_add(input, hidden));
    c.flops_matmul = checked_mul(c.macs, 2);
    std::int64_t vector_per_unit = gates + (ctx.has_input(3) ? 2 * gates : 0);
    std::int64_t special_per_unit = 1;
    if (op == "GRU") {
        vector_per_unit += 5;
        special_per_unit = 3;
    } else if (op == "LSTM") {
        vector_per_unit += 4 + (ctx.has_input(7) ? 6 : 0);
        special_per_unit = 5;
    }
    c.flops_vector = checked_mul(units, vector_per_unit);
    c.flops_special = checked_mul(units, special_per_unit);
}

// ---- Eager kernels --------------------------------------------------------------------------
// What PyTorch eager (cuBLAS, cuDNN 9 with cudnn.benchmark off) launches, read off the kernel
// names of ../shared/measurements/h200_microbench.json (matmul, bmm_qk and conv2d rows, H200,
// PyTorch 2.11, cuDNN 9.19). Each rule below cites the rows it rests on.

/** True when a half-precision GEMM runs the slower unaligned kernels: N or K not a multiple of 8
 *  (matmul rows with N = 50257 and bmm with N = 197 run cutlass sm75 kernels at 3–6× the time of
 *  aligned shapes of the same size). */
bool unaligned(const kernel_context& kc, std::int64_t n, std::int64_t k) {
    return kc.half() && (n % 8 != 0 || k % 8 != 0);
}

/**
 * MatMul [..., M, K] · [..., K, N]. A·W with W 2-D (or carrying no batch dims) is one GEMM over
 * every row of A: M = the product of A's leading dims (PyTorch folds them, as in linear); only
 * operands that both carry batch dims are a batched GEMM, and a 2-D A against a batched B is
 * broadcast over B's batch.
 */
void kernels_matmul(const kernel_context& kc, std::vector<kernel_spec>& out) {
    auto k = kc.whole_node(kernel_class::gemm);
    const auto a = kc.ctx.in(0);
    const auto b = kc.ctx.in(1);
    const std::int64_t m = a.size() >= 2 ? a[a.size() - 2] : 1;
    const std::int64_t kk = a.back();
    const std::int64_t n = b.size() >= 2 ? b.back() : 1;
    const std::int64_t a_batch = a.size() > 2 ? product(a, 0, a.size() - 2) : 1;
    const std::int64_t b_batch = b.size() > 2 ? product(b, 0, b.size() - 2) : 1;
    if (b_batch == 1) {
        k.gemm = {1, checked_mul(a_batch, m), n, kk, true};
    } else if (a_batch == 1) {
        k.gemm = {b_batch, m, n, kk, true};
    } else {
        const std::int64_t mn = std::max<std::int64_t>(1, checked_mul(m, n));
        k.gemm = {std::max<std::int64_t>(1, kc.ctx.out_elements(0) / mn), m, n, kk, true};
    }
    if (unaligned(kc, n, kk)) k.cls = kernel_class::gemm_unaligned;
    out.push_back(std::move(k));
}

void kernels_gemm(const kernel_context& kc, std::vector<kernel_spec>& out) {
    auto k = kc.whole_node(kernel_class::gemm);
    const auto a = kc.ctx.in(0);
    const auto y = kc.ctx.out(0);
    const std::int64_t kk = kc.ctx.n().attr_i("transA", 0) ? a[0] : a[1];
    k.gemm = {1, y[0], y[1], kk, true};
    if (unaligned(kc, y[1], kk)) k.cls = kernel_class::gemm_unaligned;
    out.push_back(std::move(k));
}

/**
 * Conv as PyTorch eager runs it through cuDNN (NCHW tensors), by shape and precision:
 * - depthwise (one input channel per group): a CUDA-core stencil, never converted (conv2d rows
 *   with groups = channels: at::native conv_depthwise2d or cuDNN's conv2d_c1_k1, one kernel);
 * - grouped, batch 1: cuDNN's direct grouped kernel (conv2d_grouped_direct_kernel, fp32 and fp16);
 *   grouped, batch > 1: fp32 runs one generic implicit convolution per group (implicit_convolve_sgemm,
 *   32 kernels for groups = 32), half precision an NHWC tensor-core kernel with conversions;
 * - 3-channel input (stems, patch embeddings): fp32 the generic implicit convolution (or an
 *   indexed xmma kernel of similar rate); half precision the generic one at batch 1, at batch > 1
 *   cuDNN's first-layer / indexed kernels with conversions;
 * - half-precision 1×1, stride 1, no padding: a cuBLAS GEMM per image (nvjet kernels, no
 *   conversion; unaligned planes such as 14×14 run cutlass kernels), except odd planes (7×7)
 *   at batch > 1, which go the NHWC way with conversions (2048→512 on 7×7 at batch 8–128);
 * - everything else: fp32 one implicit-GEMM kernel (sm80_xmma_fprop…nchwkcrs), half precision
 *   the NHWC tensor-core kernel with three conversions around it: the input and the filter to
 *   NHWC (nchwToNhwcKernel, twice) and the output back (nhwcToNchwKernel).
 */
void kernels_conv(const kernel_context& kc, std::vector<kernel_spec>& out) {
    const auto& ctx = kc.ctx;
    const auto x = ctx.in(0);
    const auto w = ctx.in(1);
    const auto y = ctx.out(0);
    const std::int64_t groups = std::max<std::int64_t>(1, ctx.n().attr_i("group", 1));
    const std::int64_t images = x[0];
    const std::int64_t cin = x[1];
    const std::int64_t cout = y[1];
    const std::int64_t out_plane = product(y, 2);
    const std::int64_t taps = product(w, 2);
    const bool depthwise = groups > 1 && cin / groups == 1;
    const bool grouped = groups > 1 && !depthwise;
    const bool first_layer = !depthwise && cin / groups <= 4;
    bool unit_stride = true;
    for (auto s : ctx.n().attr_ints("strides")) unit_stride = unit_stride && s == 1;
    bool unit = unit_stride;
    for (auto p : ctx.n().attr_ints("pads")) unit = unit && p == 0;
    const bool pointwise = taps == 1 && unit && ctx.n().attr_s("auto_pad", "NOTSET") != "SAME_LOWER";

    auto main = kc.whole_node(kernel_class::conv);
    main.gemm = {groups, checked_mul(images, out_plane), cout / groups, checked_mul(cin / groups, taps), false};
    auto with_conversions = [&](kernel_class cls) {
        const auto in_bytes = ctx.in_bytes(0);
        const auto w_bytes = ctx.in_bytes(1);
        const auto y_bytes = ctx.out_bytes(0);
        const auto in_id = ctx.n().inputs[0];
        const auto w_id = ctx.n().inputs[1];
        const auto y_id = ctx.n().outputs[0];
        kernel_spec in_conv;
        in_conv.cls = kernel_class::layout_conversion;
        in_conv.label = "NchwToNhwc";
        in_conv.traffic = {{in_id, 0, in_bytes, false}, {-1, 1, in_bytes, true}};
        kernel_spec w_conv;
        w_conv.cls = kernel_class::filter_conversion;
        w_conv.label = "FilterToNhwc";
        w_conv.traffic = {{w_id, 0, w_bytes, false}, {-1, 2, w_bytes, true}};
        main.cls = cls;
        main.traffic = {{-1, 1, in_bytes, false}, {-1, 2, w_bytes, false}, {-1, 3, y_bytes, true}};
        if (ctx.has_input(2)) main.traffic.push_back({ctx.n().inputs[2], 0, ctx.in_bytes(2), false});
        kernel_spec out_conv;
        out_conv.cls = kernel_class::layout_conversion;
        out_conv.label = "NhwcToNchw";
        out_conv.traffic = {{-1, 3, y_bytes, false}, {y_id, 0, y_bytes, true}};
        out.push_back(std::move(in_conv));
        // A 1×1 filter is the same bytes in NCHW and NHWC: no conversion (2048→512 on 7×7 runs 3
        // kernels, a 3×3 conv 4).
        if (taps > 1) {
            out.push_back(std::move(w_conv));
        } else {
            for (auto& t : main.traffic)
                if (t.value < 0 && t.scratch == 2) t = {w_id, 0, w_bytes, false};
        }
        out.push_back(std::move(main));
        out.push_back(std::move(out_conv));
    };
    if (depthwise) {
        // A stencil: its efficiency rises with the taps per output (the curve's size variable).
        // Half precision 3×3 stride 1 runs cuDNN's tiled kernel (conv2d_c1_k1_nchw_shmem_tiling),
        // about four times faster per output than PyTorch's conv_depthwise2d, which runs the rest.
        const bool tiled = kc.half() && taps == 9 && unit_stride;
        main.cls = tiled ? kernel_class::conv_depthwise_cudnn : kernel_class::conv_depthwise;
        main.size_elements = taps;
        out.push_back(std::move(main));
    } else if (grouped && images == 1) {
        main.cls = kernel_class::conv_grouped_direct;
        out.push_back(std::move(main));
    } else if (grouped && !kc.half()) {
        main.cls = kernel_class::conv_generic;
        main.launches = groups;
        main.gemm.batch = 1;
        main.flops_matmul /= groups;
        main.flops_vector /= groups;
        for (auto& t : main.traffic) t.bytes /= groups;
        out.push_back(std::move(main));
    } else if (grouped) {
        with_conversions(kernel_class::conv);
    } else if (first_layer && (!kc.half() || images == 1)) {
        main.cls = kernel_class::conv_generic;
        out.push_back(std::move(main));
    } else if (first_layer) {
        with_conversions(kernel_class::conv_first_layer);
    } else if (pointwise && kc.half() && !(out_plane % 2 == 1 && images > 1)) {
        main.cls = unaligned(kc, out_plane, cin) ? kernel_class::gemm_unaligned : kernel_class::gemm;
        main.gemm = {images, cout, out_plane, cin, true};
        out.push_back(std::move(main));
    } else if (kc.half()) {
        with_conversions(kernel_class::conv);
    } else {
        out.push_back(std::move(main));
    }
}

/** ConvTranspose: one implicit-GEMM kernel (cuDNN's data-gradient path); no conversion modelled. */
void kernels_conv_transpose(const kernel_context& kc, std::vector<kernel_spec>& out) {
    auto k = kc.whole_node(kernel_class::conv);
    const auto x = kc.ctx.in(0);
    const auto w = kc.ctx.in(1);
    const std::int64_t groups = std::max<std::int64_t>(1, kc.ctx.n().attr_i("group", 1));
    const std::int64_t n = std::max<std::int64_t>(1, w[1]);
    const std::int64_t kk = std::max<std::int64_t>(1, checked_mul(x[1] / groups, product(w, 2)));
    k.gemm = {groups, std::max<std::int64_t>(1, kc.cost.macs / checked_mul(groups, checked_mul(n, kk))), n, kk, false};
    out.push_back(std::move(k));
}

}  // namespace

void register_linear(op_registry& r) {
    constexpr auto gemm = kernel_class::gemm;
    constexpr auto conv = kernel_class::conv;
    r.add({"", "MatMul", 1, op_kind::matmul, infer_matmul, cost_matmul, gemm, kernels_matmul});
    r.add({"", "MatMulInteger", 10, op_kind::matmul, infer_matmul, cost_matmul, gemm, kernels_matmul});
    r.add({"", "Gemm", 1, op_kind::matmul, infer_gemm, cost_gemm, gemm, kernels_gemm});
    r.add({"", "Conv", 1, op_kind::matmul, infer_conv, cost_conv, conv, kernels_conv});
    r.add({"", "ConvTranspose", 1, op_kind::matmul, infer_conv_transpose, cost_conv_transpose, conv,
           kernels_conv_transpose});
    r.add({"", "Einsum", 12, op_kind::matmul, infer_einsum, cost_einsum});
    r.add({"", "Attention", 23, op_kind::matmul, infer_attention, cost_attention, kernel_class::attention});
    r.add({"", "ConvInteger", 10, op_kind::matmul, infer_conv_integer, cost_conv_integer});
    r.add({"", "DeformConv", 19, op_kind::matmul, infer_deform_conv, cost_deform_conv});
    r.add({"", "QLinearConv", 10, op_kind::matmul, infer_qlinear_conv, cost_qlinear_conv});
    r.add({"", "QLinearMatMul", 10, op_kind::matmul, infer_qlinear_matmul, cost_qlinear_matmul});
    for (auto name : {"RNN", "GRU", "LSTM"}) r.add({"", name, 1, op_kind::matmul, infer_recurrent, cost_recurrent});
}

}  // namespace ridgeline::ops
