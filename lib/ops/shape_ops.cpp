// Views and generators: Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout (inference),
// Shape, Size, Constant (pure views: no kernel, no bytes), and ConstantOfShape, Range, EyeLike,
// the windows HannWindow, HammingWindow, BlackmanWindow and MelWeightMatrix (generators: write
// their output, read nothing, no arithmetic beyond Range's one add per element; per element the
// Hann and Hamming windows 1 special (cos) + 3 vector (angle, scale, shift), Blackman 2 special
// + 5 vector; MelWeightMatrix 1 special (the slope's division) + 2 vector).
// Their known contents are propagated, which is what makes exporters' shape subgraphs exact.
#include "families.hpp"

#include <cmath>

namespace ridgeline::ops {
namespace {

std::shared_ptr<const known_data> copy_data(const infer_context& ctx, std::size_t i) {
    const auto* d = ctx.in_data(i);
    return d ? std::make_shared<known_data>(*d) : nullptr;
}

void infer_reshape(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    const auto* t = ctx.in_data(1);
    if (!t || t->is_real) ctx.unknown("target shape");
    const bool allow_zero = ctx.n().attr_i("allowzero", 0) != 0;
    shape out;
    int infer_at = -1;
    dim known(1);
    for (std::size_t i = 0; i < t->ints.size(); ++i) {
        dim d = t->ints[i];
        if (d.is_value() && d.value() == -1) {
            if (infer_at >= 0) ctx.fail("more than one -1 in the target shape");
            infer_at = static_cast<int>(i);
            out.emplace_back(1);
            continue;
        }
        if (d.is_value() && d.value() == 0 && !allow_zero) {
            if (i >= x.size()) ctx.fail("0 in the target refers past the input rank");
            d = x[i];
        }
        if (d.is_value() && d.value() < -1) ctx.fail("invalid target dimension " + d.to_string());
        known = known * d;
        out.push_back(d);
    }
    const dim total = shape_elements(x);
    if (infer_at >= 0) {
        if (known.is_value() && known.value() == 0) ctx.fail("cannot infer -1 with a zero-sized target");
        if (total.is_value() && known.is_value() && total.value() % known.value() != 0) {
            ctx.fail("cannot reshape " + shape_to_string(x) + " (" + total.to_string() + " elements) to " +
                     shape_to_string(out) + " with -1");
        }
        out[static_cast<std::size_t>(infer_at)] = floor_div(total, known);
    } else if (total.is_value() && known.is_value() && total.value() != known.value()) {
        ctx.fail("cannot reshape " + shape_to_string(x) + " to " + shape_to_string(out) + ": element counts differ");
    }
    ctx.set_output(0, ctx.in_type(0), std::move(out), copy_data(ctx, 0));
}

void infer_flatten(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    const auto rank = static_cast<std::int64_t>(x.size());
    auto axis = ctx.n().attr_i("axis", 1);
    if (axis < -rank || axis > rank) ctx.fail("axis out of range");
    if (axis < 0) axis += rank;
    dim a(1), b(1);
    for (std::int64_t i = 0; i < rank; ++i) (i < axis ? a : b) = (i < axis ? a : b) * x[static_cast<std::size_t>(i)];
    ctx.set_output(0, ctx.in_type(0), shape{a, b}, copy_data(ctx, 0));
}

void infer_squeeze(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    const auto rank = static_cast<std::int64_t>(x.size());
    auto axes = axes_of(ctx, 13);
    if (!axes) ctx.unknown("axes");
    std::vector<bool> drop(x.size(), false);
    if (axes->empty()) {
        for (std::size_t i = 0; i < x.size(); ++i) drop[i] = x[i].is_value() && x[i].value() == 1;
    }
    for (auto a : *axes) {
        const auto k = static_cast<std::size_t>(ctx.axis(a, rank));
        if (x[k].is_value() && x[k].value() != 1)
            ctx.fail("cannot squeeze axis " + std::to_string(a) + " of size " + x[k].to_string());
        drop[k] = true;
    }
    shape out;
    for (std::size_t i = 0; i < x.size(); ++i)
        if (!drop[i]) out.push_back(x[i]);
    ctx.set_output(0, ctx.in_type(0), std::move(out), copy_data(ctx, 0));
}

void infer_unsqueeze(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    auto axes = axes_of(ctx, 13);
    if (!axes) ctx.unknown("axes");
    const auto rank = static_cast<std::int64_t>(x.size() + axes->size());
    std::vector<bool> inserted(static_cast<std::size_t>(rank), false);
    for (auto a : *axes) {
        const auto k = static_cast<std::size_t>(ctx.axis(a, rank));
        if (inserted[k]) ctx.fail("axis " + std::to_string(a) + " given twice");
        inserted[k] = true;
    }
    shape out;
    std::size_t next = 0;
    for (std::size_t i = 0; i < inserted.size(); ++i) {
        if (inserted[i])
            out.emplace_back(1);
        else if (next < x.size())
            out.push_back(x[next++]);
    }
    ctx.set_output(0, ctx.in_type(0), std::move(out), copy_data(ctx, 0));
}

void infer_identity(infer_context& ctx) {
    ctx.set_output(0, ctx.in_type(0), ctx.in_shape(0), copy_data(ctx, 0));
    if (ctx.output_count() > 1) ctx.set_output(1, dtype::boolean, ctx.in_shape(0));  // Dropout mask
}

void infer_shape(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    const auto rank = static_cast<std::int64_t>(x.size());
    std::int64_t start = ctx.n().attr_i("start", 0);
    std::int64_t end = ctx.n().find("end") ? ctx.n().attr_i("end", rank) : rank;
    if (start < 0) start += rank;
    if (end < 0) end += rank;
    start = std::clamp<std::int64_t>(start, 0, rank);
    end = std::clamp<std::int64_t>(end, start, rank);
    std::vector<dim> dims(x.begin() + start, x.begin() + end);
    const auto n = static_cast<std::int64_t>(dims.size());
    ctx.set_output(0, dtype::i64, shape{dim(n)}, make_ints(std::move(dims)));
}

void infer_size(infer_context& ctx) {
    ctx.set_output(0, dtype::i64, shape{}, make_ints({shape_elements(ctx.in_shape(0))}));
}

void infer_constant(infer_context& ctx) {
    const auto& n = ctx.n();
    if (const auto* a = n.find("value"); a && a->t) {
        const auto& t = *a->t;
        ctx.set_output(0, t.type, shape(t.dims.begin(), t.dims.end()), t.data);
        return;
    }
    if (const auto* a = n.find("value_int")) {
        ctx.set_output(0, dtype::i64, shape{}, make_ints({dim(a->i)}));
        return;
    }
    if (const auto* a = n.find("value_float")) {
        ctx.set_output(0, dtype::f32, shape{}, make_reals({a->f}));
        return;
    }
    if (const auto* a = n.find("value_ints")) {
        std::vector<dim> v(a->ints.begin(), a->ints.end());
        const auto len = static_cast<std::int64_t>(v.size());
        ctx.set_output(0, dtype::i64, shape{dim(len)}, make_ints(std::move(v)));
        return;
    }
    if (const auto* a = n.find("value_floats")) {
        const auto len = static_cast<std::int64_t>(a->floats.size());
        ctx.set_output(0, dtype::f32, shape{dim(len)}, make_reals(a->floats));
        return;
    }
    if (const auto* a = n.find("sparse_value"); a && a->t) {
        ctx.set_output(0, a->t->type, shape(a->t->dims.begin(), a->t->dims.end()));
        return;
    }
    ctx.fail("has no value attribute this version understands");
}

void infer_constant_of_shape(infer_context& ctx) {
    const auto* s = ctx.in_data(0);
    if (!s || s->is_real) ctx.unknown("shape");
    shape out(s->ints.begin(), s->ints.end());
    dtype t = dtype::f32;
    std::shared_ptr<const known_data> fill;
    bool real = true;
    double real_v = 0;
    std::int64_t int_v = 0;
    if (const auto* a = ctx.n().find("value"); a && a->t) {
        t = a->t->type;
        if (a->t->data && a->t->data->size() == 1) {
            real = a->t->data->is_real;
            if (real)
                real_v = a->t->data->reals[0];
            else
                int_v = a->t->data->ints[0].is_value() ? a->t->data->ints[0].value() : 0;
        }
        real = is_floating(t);
    }
    std::shared_ptr<const known_data> data;
    auto os = numeric(out);
    if (os && product(*os) <= static_cast<std::int64_t>(max_known_elements)) {
        const auto n = static_cast<std::size_t>(product(*os));
        data = real ? make_reals(std::vector<double>(n, real_v)) : make_ints(std::vector<dim>(n, dim(int_v)));
    }
    ctx.set_output(0, t, std::move(out), std::move(data));
}

void infer_range(infer_context& ctx) {
    const auto* s = ctx.in_data(0);
    const auto* l = ctx.in_data(1);
    const auto* d = ctx.in_data(2);
    if (!s || !l || !d || s->size() != 1 || l->size() != 1 || d->size() != 1) {
        ctx.unknown("start/limit/delta");
    }
    if (s->is_real || l->is_real || d->is_real) {
        for (const auto* v : {s, l, d}) {
            if (!v->is_real && !v->ints[0].is_value()) ctx.unknown("start/limit/delta");
        }
        const double start = s->is_real ? s->reals[0] : static_cast<double>(s->ints[0].value());
        const double limit = l->is_real ? l->reals[0] : static_cast<double>(l->ints[0].value());
        const double delta = d->is_real ? d->reals[0] : static_cast<double>(d->ints[0].value());
        if (delta == 0) ctx.fail("delta must not be 0");
        // As ONNX and onnxruntime count: the difference in the element type, then divided in
        // double (so a float32 range of 1.4 → 10.4 by 1.8 has 6 elements, not 5).
        double span = limit - start;
        if (ctx.in_type(0) != dtype::f64) {
            span = static_cast<double>(static_cast<float>(limit) - static_cast<float>(start));
        }
        const double step = ctx.in_type(0) != dtype::f64 ? static_cast<double>(static_cast<float>(delta)) : delta;
        const double count = std::ceil(span / step);
        if (std::isnan(count) || count > 4.6e18) {
            ctx.fail("start, limit and delta give " + std::to_string(count) + " elements");
        }
        const auto n = std::max<std::int64_t>(0, static_cast<std::int64_t>(std::max(count, -1.0)));
        std::vector<double> v;
        if (n <= static_cast<std::int64_t>(max_known_elements))
            for (std::int64_t i = 0; i < n; ++i) v.push_back(start + static_cast<double>(i) * delta);
        ctx.set_output(0, ctx.in_type(0), shape{dim(n)}, v.empty() && n ? nullptr : make_reals(std::move(v)));
        return;
    }
    const dim start = s->ints[0];
    const dim limit = l->ints[0];
    const dim delta = d->ints[0];
    if (!delta.is_value() || delta.value() == 0) ctx.fail("delta must be a known non-zero number");
    dim n = delta.value() > 0 ? ceil_div(limit - start, delta) : ceil_div(start - limit, dim(-delta.value()));
    if (n.is_value() && n.value() < 0) n = dim(0);
    std::shared_ptr<const known_data> data;
    if (n.is_value() && n.value() <= static_cast<std::int64_t>(max_known_elements)) {
        std::vector<dim> v;
        for (std::int64_t i = 0; i < n.value(); ++i) v.push_back(start + dim(i) * delta);
        data = make_ints(std::move(v));
    }
    ctx.set_output(0, ctx.in_type(0), shape{n}, std::move(data));
}

void cost_range(const cost_context& ctx, op_cost& c) { c.flops_vector = ctx.out_elements(0); }

void infer_eye_like(infer_context& ctx) {
    const dtype t = ctx.n().find("dtype") ? attr_dtype(ctx, "dtype", 1) : ctx.in_type(0);
    ctx.set_output(0, t, ctx.in_shape(0));
}

/** Window length from the known `size` input (a scalar). */
void infer_window(infer_context& ctx) {
    auto size = ctx.in_ints(0);
    if (!size || size->size() != 1) ctx.unknown("window size");
    if ((*size)[0] < 0) ctx.fail("window size must not be negative");
    ctx.set_output(0, attr_dtype(ctx, "output_datatype", 1), shape{dim((*size)[0])});
}

void infer_mel_weight_matrix(infer_context& ctx) {
    auto bins = ctx.in_ints(0);
    auto dft_length = ctx.in_ints(1);
    if (!bins || bins->size() != 1) ctx.unknown("num_mel_bins");
    if (!dft_length || dft_length->size() != 1) ctx.unknown("dft_length");
    if ((*bins)[0] < 0 || (*dft_length)[0] <= 0) ctx.fail("num_mel_bins and dft_length must be positive");
    ctx.set_output(0, attr_dtype(ctx, "output_datatype", 1), shape{dim((*dft_length)[0] / 2 + 1), dim((*bins)[0])});
}

/** Generators read nothing: their only input is a shape. */
void cost_generator(const cost_context& /*ctx*/, op_cost& c) {
    c.bytes_read_activations = 0;
    c.bytes_read_weights = 0;
}

/** Windows and the mel matrix: computed from indices, nothing read. */
void cost_window(const cost_context& ctx, op_cost& c) {
    cost_generator(ctx, c);
    const auto& op = ctx.n().op_type;
    const auto e = ctx.out_elements(0);
    const bool blackman = op == "BlackmanWindow";
    const bool mel = op == "MelWeightMatrix";
    c.flops_special = checked_mul(e, blackman ? 2 : 1);
    c.flops_vector = checked_mul(e, blackman ? 5 : (mel ? 2 : 3));
}

}  // namespace

void register_shape_ops(op_registry& r) {
    auto view = [&](std::string_view name, std::int64_t since, void (*infer)(infer_context&)) {
        r.add({"", name, since, op_kind::view, infer, view_cost});
    };
    view("Reshape", 5, infer_reshape);
    view("Flatten", 1, infer_flatten);
    view("Squeeze", 1, infer_squeeze);
    view("Unsqueeze", 1, infer_unsqueeze);
    view("Identity", 1, infer_identity);
    view("Dropout", 1, infer_identity);
    view("Shape", 1, infer_shape);
    view("Size", 1, infer_size);
    view("Constant", 1, infer_constant);
    r.add({"", "ConstantOfShape", 9, op_kind::data_movement, infer_constant_of_shape, cost_generator});
    r.add({"", "Range", 11, op_kind::elementwise, infer_range, cost_range});
    r.add({"", "EyeLike", 9, op_kind::data_movement, infer_eye_like, cost_generator});
    r.add({"", "HannWindow", 17, op_kind::elementwise, infer_window, cost_window});
    r.add({"", "HammingWindow", 17, op_kind::elementwise, infer_window, cost_window});
    r.add({"", "BlackmanWindow", 17, op_kind::elementwise, infer_window, cost_window});
    r.add({"", "MelWeightMatrix", 17, op_kind::elementwise, infer_mel_weight_matrix, cost_window});
}

}  // namespace ridgeline::ops
