// Data-movement family, resampling: Resize/Upsample, GridSample, RoiAlign, MaxUnpool, AffineGrid,
// Col2Im. FLOPs:
//   Resize per output element: nearest 0, linear 3 vector per resized axis (two products and an
//   add), cubic 8 vector per resized axis (4 taps × mul + add);
//   GridSample per output element as Resize over every spatial axis of the grid, plus 2 vector
//   per grid coordinate (un-normalise: a product and an add);
//   RoiAlign per output element s² bilinear samples (s = sampling_ratio, or 2 when adaptive:
//   the adaptive count depends on the boxes) of 7 vector (4 products, 3 adds), s² to pool them
//   and 1 to scale the average;
//   AffineGrid per output coordinate r products and r adds (a row of theta · [base point, 1]);
//   Col2Im one add per input element (overlapping blocks are summed).
// Bytes follow the convention, except RoiAlign, which reads at most its 4 taps per sample of X
// (plus the boxes and batch indices).
#include "families.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <optional>
#include <string>

namespace ridgeline::ops {
namespace {

// ---- Resize -------------------------------------------------------------------------------

/** A resized extent as a dim, failing via ctx unless it is finite, not negative and fits 62 bits. */
dim extent(const infer_context& ctx, double v, const std::string& what) {
    if (!(v >= 0 && v < 4.6e18)) ctx.fail(what + " gives an extent of " + std::to_string(v));
    return dim(static_cast<std::int64_t>(v));
}

/** A scale factor, failing via ctx unless it is finite and positive. */
double scale_factor(const infer_context& ctx, double s) {
    if (!std::isfinite(s) || s <= 0) ctx.fail("scales must be finite and positive, got " + std::to_string(s));
    return s;
}

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
            if (policy != "not_larger" && policy != "not_smaller") {
                ctx.fail("attribute keep_aspect_ratio_policy = '" + policy +
                         "' is not one of stretch, not_larger, "
                         "not_smaller");
            }
            double scale = policy == "not_larger" ? 1e300 : 0;
            for (std::size_t i = 0; i < axes.size(); ++i) {
                const auto a = static_cast<std::size_t>(ctx.axis(axes[i], rank));
                if ((*xs)[a] == 0) ctx.fail("keep_aspect_ratio_policy on an empty axis");
                const double s = static_cast<double>((*sv)[i]) / static_cast<double>((*xs)[a]);
                scale = policy == "not_larger" ? std::min(scale, s) : std::max(scale, s);
            }
            for (auto ax : axes) {
                const auto a = static_cast<std::size_t>(ctx.axis(ax, rank));
                out[a] = extent(ctx, std::round(scale * static_cast<double>((*xs)[a])), "keep_aspect_ratio_policy");
            }
        } else {
            for (std::size_t i = 0; i < axes.size(); ++i)
                out[static_cast<std::size_t>(ctx.axis(axes[i], rank))] = sizes->ints[i];
        }
    } else if (scales && scales->size() > 0) {
        if (!scales->is_real || scales->size() != axes.size()) ctx.fail("scales do not match the axes");
        for (std::size_t i = 0; i < axes.size(); ++i) {
            const auto a = static_cast<std::size_t>(ctx.axis(axes[i], rank));
            const double s = scale_factor(ctx, scales->reals[i]);
            if (x[a].is_value()) {
                out[a] = extent(ctx, std::floor(static_cast<double>(x[a].value()) * s + 1e-9), "scales");
            } else if (s == std::floor(s)) {
                out[a] = x[a] * extent(ctx, s, "scales");
            } else {
                out[a] = dim::symbol("(" + x[a].to_string() + " * " + std::to_string(s) + ")");
            }
        }
    } else if (upsample && ctx.n().find("scales")) {
        const auto& sc = ctx.n().find("scales")->floats;
        if (sc.size() != x.size()) ctx.fail("scales do not match the rank");
        for (std::size_t i = 0; i < x.size(); ++i) {
            const double s = scale_factor(ctx, sc[i]);
            out[i] = x[i].is_value() ? extent(ctx, std::floor(static_cast<double>(x[i].value()) * s), "scales")
                                     : x[i] * extent(ctx, std::floor(s), "scales");
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
    (void)attr_i_at_least(ctx, "sampling_ratio", 0, 0);
    ctx.set_output(0, ctx.in_type(0),
                   shape{rois[0], x[1], dim(attr_i_at_least(ctx, "output_height", 1, 1)),
                         dim(attr_i_at_least(ctx, "output_width", 1, 1))});
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
    const auto kernel = attr_ints_at_least(ctx, "kernel_shape", 1);
    auto strides = attr_ints_at_least(ctx, "strides", 1);
    auto pads = attr_ints_at_least(ctx, "pads", 0);
    if (strides.empty()) strides.assign(spatial, 1);
    if (pads.empty()) pads.assign(2 * spatial, 0);
    if (kernel.size() != spatial || strides.size() != spatial || pads.size() != 2 * spatial) {
        ctx.fail("kernel_shape/strides/pads do not match " + std::to_string(spatial) + " spatial axes");
    }
    shape out{x[0], x[1]};
    for (std::size_t i = 0; i < spatial; ++i) {
        out.push_back((x[i + 2] - dim(1)) * dim(strides[i]) + dim(kernel[i] - checked_add(pads[i], pads[i + spatial])));
    }
    ctx.set_output(0, ctx.in_type(0), std::move(out));
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

}  // namespace

void register_resample(op_registry& r) {
    const movement_adder add{r};
    add("Resize", 10, infer_resize, cost_resize);
    add("Upsample", 7, infer_resize, cost_resize);
    add("GridSample", 16, infer_grid_sample, cost_grid_sample);
    add("RoiAlign", 10, infer_roi_align, cost_roi_align);
    add("MaxUnpool", 9, infer_max_unpool);
    add("AffineGrid", 20, infer_affine_grid, cost_affine_grid);
    add("Col2Im", 18, infer_col2im, cost_col2im);
}

}  // namespace ridgeline::ops
