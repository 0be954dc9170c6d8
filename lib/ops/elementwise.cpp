// Elementwise family: unary and (multidirectionally broadcast) binary/variadic operators, Where,
// Cast, the activations, (de)quantization, random generators and the training optimizers.
// Cost per output element, by class:
//   vector  — one per add/sub/mul/compare/select/clamp (Relu = 1 compare; Clip = 2; HardSigmoid =
//             mul + add + clamp = 3; HardSwish = HardSigmoid + mul = 4; PRelu/LeakyRelu = 2;
//             Sum/Mean of k inputs = k-1 adds (+1 mul for Mean));
//   special — one per transcendental or division evaluation (Div, Pow, Sqrt, Exp, Log, Erf, Tanh,
//             Sigmoid, Reciprocal …); composites add their vector work (Gelu = erf + 4 vector:
//             x/√2, 1+·, ·x, ·0.5; Softplus = exp + log + 1 add; Mish = softplus + tanh + 1 mul;
//             Swish = sigmoid + α·x + ·x; SwiGLU = Swish(A) + ·B).
// RotaryEmbedding rotates pairs of the embedding: 3 vector per rotated element (two products and
// an add); the elements past rotary_embedding_dim are copied. BitCast is a view (no kernel).
// Quantization, per element: QuantizeLinear 1 special (÷ scale) + 3 vector (round, + zero point,
// saturate); DequantizeLinear 2 vector ((x − zero point) · scale); DynamicQuantizeLinear finds
// min and max (2 vector), then quantizes as QuantizeLinear (scale and zero point are scalars).
// Random generators write without reading: RandomUniform(Like) 2 vector (scale, shift);
// RandomNormal(Like) Box–Muller, 3 special (log, sqrt, cos) + 4 vector; Bernoulli reads its
// probabilities: a uniform draw and a compare, 3 vector.
// Training optimizers (ai.onnx.preview.training), per element of the updated tensors X:
// Adagrad 7 vector + 2 special (regularised gradient 2, H += g² 2, √H (special) + ε, g ÷ (special),
// · rate, subtract); Momentum 7 vector (regularise 2, V update 3, X update 2; +2 for Nesterov);
// Adam 12 vector + 2 special (regularise 2, V 3, H 4, √H + ε, ÷, · rate, subtract).
// Known integer contents are evaluated (on symbolic dims where needed) so shape arithmetic flows.
#include "families.hpp"

#include <cmath>
#include <functional>
#include <string>
#include <vector>

namespace ridgeline::ops {
namespace {

struct elementwise_op {
    std::string_view name;
    int vector_per_element;
    int special_per_element;
};

// Per-output-element FLOPs of each elementwise operator (see the header comment for the reasoning).
constexpr elementwise_op table[] = {
    {"Add", 1, 0},
    {"Sub", 1, 0},
    {"Mul", 1, 0},
    {"Div", 0, 1},
    {"Pow", 0, 1},
    {"Mod", 1, 0},
    {"Max", 1, 0},
    {"Min", 1, 0},
    {"Equal", 1, 0},
    {"Less", 1, 0},
    {"Greater", 1, 0},
    {"LessOrEqual", 1, 0},
    {"GreaterOrEqual", 1, 0},
    {"And", 1, 0},
    {"Or", 1, 0},
    {"Xor", 1, 0},
    {"BitShift", 1, 0},
    {"PRelu", 2, 0},
    {"Where", 1, 0},
    {"Neg", 1, 0},
    {"Abs", 1, 0},
    {"Relu", 1, 0},
    {"Not", 1, 0},
    {"Floor", 1, 0},
    {"Ceil", 1, 0},
    {"Round", 1, 0},
    {"Sign", 1, 0},
    {"LeakyRelu", 2, 0},
    {"Clip", 2, 0},
    {"HardSigmoid", 3, 0},
    {"HardSwish", 4, 0},
    {"ThresholdedRelu", 1, 0},
    {"IsNaN", 1, 0},
    {"IsInf", 1, 0},
    {"Shrink", 2, 0},
    {"Sqrt", 0, 1},
    {"Exp", 0, 1},
    {"Log", 0, 1},
    {"Erf", 0, 1},
    {"Tanh", 0, 1},
    {"Sigmoid", 0, 1},
    {"Reciprocal", 0, 1},
    {"Sin", 0, 1},
    {"Cos", 0, 1},
    {"Tan", 0, 1},
    {"Asin", 0, 1},
    {"Acos", 0, 1},
    {"Atan", 0, 1},
    {"Sinh", 0, 1},
    {"Cosh", 0, 1},
    {"Asinh", 0, 1},
    {"Acosh", 0, 1},
    {"Atanh", 0, 1},
    {"Elu", 2, 1},
    {"Selu", 3, 1},
    {"Celu", 3, 1},
    {"Softsign", 2, 1},
    {"Softplus", 1, 2},
    {"Mish", 1, 3},
    {"Gelu", 4, 1},
    {"Cast", 0, 0},
    {"CastLike", 0, 0},
    {"Sum", 1, 0},
    {"Mean", 1, 0},
    {"Swish", 2, 1},
    {"SwiGLU", 3, 1},
    {"BitwiseAnd", 1, 0},
    {"BitwiseOr", 1, 0},
    {"BitwiseXor", 1, 0},
    {"BitwiseNot", 1, 0},
};

const elementwise_op& lookup(std::string_view name) {
    for (const auto& e : table) {
        if (e.name == name) return e;
    }
    static constexpr elementwise_op none{"", 0, 0};
    return none;
}

void cost_elementwise(const cost_context& ctx, op_cost& c) {
    const auto& e = lookup(ctx.n().op_type);
    const std::int64_t n = ctx.out_elements(0);
    std::int64_t vec = e.vector_per_element;
    if (e.name == "Sum" || e.name == "Mean" || e.name == "Max" || e.name == "Min") {
        // k inputs reduce with k-1 binary operations per element (Mean adds one scale).
        vec = std::max<std::int64_t>(1, static_cast<std::int64_t>(ctx.input_count()) - 1) + (e.name == "Mean" ? 1 : 0);
    }
    c.flops_vector = checked_mul(n, vec);
    c.flops_special = checked_mul(n, e.special_per_element);
}

// ---- constant evaluation --------------------------------------------------------------------

using int_fn = std::function<std::optional<dim>(const dim&, const dim&)>;
using real_fn = std::function<double(double, double)>;

/** Evaluates a broadcast binary/ternary op over known contents, when both are known. */
std::shared_ptr<const known_data> eval_binary(const infer_context& ctx, const shape& out_shape, const int_fn& fi,
                                              const real_fn& fr, bool result_is_real_if_real = true) {
    const auto* a = ctx.in_data(0);
    const auto* b = ctx.in_data(1);
    if (!a || !b || a->is_real != b->is_real) return nullptr;
    auto out = numeric(out_shape);
    auto sa = numeric(ctx.in_shape(0));
    auto sb = numeric(ctx.in_shape(1));
    if (!out || !sa || !sb) return nullptr;
    const auto n = product(*out);
    if (n > static_cast<std::int64_t>(max_known_elements)) return nullptr;
    auto d = std::make_shared<known_data>();
    d->is_real = a->is_real && result_is_real_if_real;
    for (std::int64_t i = 0; i < n; ++i) {
        const auto ia = static_cast<std::size_t>(broadcast_index(i, *out, *sa));
        const auto ib = static_cast<std::size_t>(broadcast_index(i, *out, *sb));
        if (a->is_real) {
            if (!fr) return nullptr;
            double r = fr(a->reals.at(ia), b->reals.at(ib));
            if (d->is_real) {
                d->reals.push_back(r);
            } else {
                const auto v = to_int64(r);
                if (!v) return nullptr;
                d->ints.emplace_back(*v);
            }
        } else {
            if (!fi) return nullptr;
            auto r = fi(a->ints.at(ia), b->ints.at(ib));
            if (!r) return nullptr;
            d->ints.push_back(*r);
        }
    }
    return d;
}

std::optional<dim> both_numeric(const dim& x, const dim& y,
                                const std::function<std::int64_t(std::int64_t, std::int64_t)>& f) {
    if (!x.is_value() || !y.is_value()) return std::nullopt;
    return dim(f(x.value(), y.value()));
}

std::optional<dim> int_op(std::string_view op, const dim& x, const dim& y, std::int64_t fmod_attr) {
    if (op == "Add") return x + y;
    if (op == "Sub") return x - y;
    if (op == "Mul") return x * y;
    if (op == "Div") {
        if (y.is_value() && y.value() == 0) return std::nullopt;
        if (x.is_value() && y.is_value()) {
            if (x.value() == INT64_MIN && y.value() == -1) return std::nullopt;  // no int64 quotient
            return dim(x.value() / y.value());                                   // C truncation
        }
        return floor_div(x, y);  // shape arithmetic: operands are non-negative
    }
    if (op == "Mod") {
        if (y.is_value() && y.value() == 0) return std::nullopt;
        if (fmod_attr && x.is_value() && y.is_value()) {
            if (y.value() == -1) return dim(0);
            return dim(x.value() % y.value());
        }
        return mod(x, y);
    }
    if (op == "Max") return max(x, y);
    if (op == "Min") return min(x, y);
    if (op == "Equal") {
        if (x == y) return dim(1);
        if (x.is_value() && y.is_value()) return dim(0);
        // A symbolic size is at least 1, so it never equals a number below 1 (the -1 that
        // exporters compare shapes against in Expand/Reshape patterns).
        if ((x.is_value() && x.value() < 1 && y.positive()) || (y.is_value() && y.value() < 1 && x.positive())) {
            return dim(0);
        }
        return std::nullopt;
    }
    if (op == "Less") return both_numeric(x, y, [](auto a, auto b) { return a < b; });
    if (op == "Greater") return both_numeric(x, y, [](auto a, auto b) { return a > b; });
    if (op == "LessOrEqual") return both_numeric(x, y, [](auto a, auto b) { return a <= b; });
    if (op == "GreaterOrEqual") return both_numeric(x, y, [](auto a, auto b) { return a >= b; });
    if (op == "And") return both_numeric(x, y, [](auto a, auto b) { return (a && b) ? 1 : 0; });
    if (op == "Or") return both_numeric(x, y, [](auto a, auto b) { return (a || b) ? 1 : 0; });
    if (op == "Xor") return both_numeric(x, y, [](auto a, auto b) { return ((a != 0) != (b != 0)) ? 1 : 0; });
    if (op == "Pow") {
        if (!x.is_value() || !y.is_value()) return std::nullopt;
        const auto p = to_int64(std::pow(static_cast<double>(x.value()), static_cast<double>(y.value())));
        if (!p) return std::nullopt;
        return dim(*p);
    }
    return std::nullopt;
}

double real_op(std::string_view op, double x, double y) {
    if (op == "Add") return x + y;
    if (op == "Sub") return x - y;
    if (op == "Mul") return x * y;
    if (op == "Div") return x / y;
    if (op == "Pow") return std::pow(x, y);
    if (op == "Mod") return std::fmod(x, y);
    if (op == "Max") return std::max(x, y);
    if (op == "Min") return std::min(x, y);
    if (op == "Equal") return x == y;
    if (op == "Less") return x < y;
    if (op == "Greater") return x > y;
    if (op == "LessOrEqual") return x <= y;
    return x >= y;  // GreaterOrEqual
}

bool is_comparison(std::string_view op) {
    return op == "Equal" || op == "Less" || op == "Greater" || op == "LessOrEqual" || op == "GreaterOrEqual" ||
           op == "And" || op == "Or" || op == "Xor";
}

void infer_binary(infer_context& ctx) {
    const auto& op = ctx.n().op_type;
    shape out = broadcast(ctx, ctx.in_shape(0), ctx.in_shape(1));
    const dtype t = is_comparison(op) ? dtype::boolean : ctx.in_type(0);
    const auto fmod_attr = ctx.n().attr_i("fmod", 0);
    auto data = eval_binary(
        ctx, out, [&](const dim& x, const dim& y) { return int_op(op, x, y, fmod_attr); },
        [&](double x, double y) { return real_op(op, x, y); }, !is_comparison(op));
    ctx.set_output(0, t, std::move(out), std::move(data));
}

void infer_variadic(infer_context& ctx) {
    shape out = ctx.in_shape(0);
    for (std::size_t i = 1; i < ctx.input_count(); ++i) out = broadcast(ctx, out, ctx.in_shape(i));
    std::shared_ptr<const known_data> data;
    if (ctx.input_count() == 1 && ctx.in_data(0))
        data = std::make_shared<known_data>(*ctx.in_data(0));
    else if (ctx.input_count() == 2) {
        const auto& op = ctx.n().op_type;
        if (op == "Max" || op == "Min" || op == "Sum") {
            std::string_view binop = op == "Sum" ? "Add" : std::string_view(op);
            data = eval_binary(
                ctx, out, [&](const dim& x, const dim& y) { return int_op(binop, x, y, 0); },
                [&](double x, double y) { return real_op(binop, x, y); });
        }
    }
    ctx.set_output(0, ctx.in_type(0), std::move(out), std::move(data));
}

void infer_where(infer_context& ctx) {
    shape out = broadcast(ctx, broadcast(ctx, ctx.in_shape(0), ctx.in_shape(1)), ctx.in_shape(2));
    std::shared_ptr<const known_data> data;
    const auto* c = ctx.in_data(0);
    const auto* x = ctx.in_data(1);
    const auto* y = ctx.in_data(2);
    auto so = numeric(out);
    auto sc = numeric(ctx.in_shape(0));
    auto sx = numeric(ctx.in_shape(1));
    auto sy = numeric(ctx.in_shape(2));
    if (c && x && y && so && sc && sx && sy && x->is_real == y->is_real && !c->is_real &&
        product(*so) <= static_cast<std::int64_t>(max_known_elements)) {
        auto d = std::make_shared<known_data>();
        d->is_real = x->is_real;
        bool ok = true;
        for (std::int64_t i = 0; i < product(*so) && ok; ++i) {
            const auto& cond = c->ints.at(static_cast<std::size_t>(broadcast_index(i, *so, *sc)));
            if (!cond.is_value()) {
                ok = false;
                break;
            }
            const bool pick_x = cond.value() != 0;
            const auto ix = static_cast<std::size_t>(broadcast_index(i, *so, *sx));
            const auto iy = static_cast<std::size_t>(broadcast_index(i, *so, *sy));
            if (d->is_real)
                d->reals.push_back(pick_x ? x->reals.at(ix) : y->reals.at(iy));
            else
                d->ints.push_back(pick_x ? x->ints.at(ix) : y->ints.at(iy));
        }
        if (ok) data = d;
    }
    ctx.set_output(0, ctx.in_type(1), std::move(out), std::move(data));
}

std::optional<double> real_unary(std::string_view op, double x) {
    if (op == "Neg") return -x;
    if (op == "Abs") return std::fabs(x);
    if (op == "Sqrt") return std::sqrt(x);
    if (op == "Floor") return std::floor(x);
    if (op == "Ceil") return std::ceil(x);
    if (op == "Round") return std::nearbyint(x);
    if (op == "Relu") return std::max(0.0, x);
    if (op == "Exp") return std::exp(x);
    if (op == "Log") return std::log(x);
    if (op == "Reciprocal") return 1.0 / x;
    if (op == "Sign") return static_cast<double>((x > 0) - (x < 0));
    return std::nullopt;
}

void infer_unary(infer_context& ctx) {
    const auto& op = ctx.n().op_type;
    dtype t = ctx.in_type(0);
    if (op == "Not" || op == "IsNaN" || op == "IsInf") t = dtype::boolean;
    std::shared_ptr<const known_data> data;
    if (const auto* in = ctx.in_data(0)) {
        auto d = std::make_shared<known_data>();
        d->is_real = in->is_real;
        bool ok = true;
        if (in->is_real) {
            for (double x : in->reals) {
                auto r = real_unary(op, x);
                if (!r) {
                    ok = false;
                    break;
                }
                d->reals.push_back(*r);
            }
        } else {
            for (const auto& x : in->ints) {
                if (op == "Neg")
                    d->ints.push_back(dim(0) - x);
                else if (op == "Not" && x.is_value())
                    d->ints.emplace_back(x.value() == 0 ? 1 : 0);
                else if (op == "Abs" && x.is_value())
                    d->ints.emplace_back(std::abs(x.value()));
                else if (op == "Relu" && x.is_value())
                    d->ints.emplace_back(std::max<std::int64_t>(0, x.value()));
                else {
                    ok = false;
                    break;
                }
            }
        }
        if (ok) data = d;
    }
    ctx.set_output(0, t, ctx.in_shape(0), std::move(data));
}

void infer_clip(infer_context& ctx) {
    std::shared_ptr<const known_data> data;
    const auto* in = ctx.in_data(0);
    if (in && !in->is_real) {  // integer clip, as in shape arithmetic
        auto lo = ctx.has_input(1) ? ctx.in_ints(1) : std::nullopt;
        auto hi = ctx.has_input(2) ? ctx.in_ints(2) : std::nullopt;
        auto d = std::make_shared<known_data>();
        bool ok = true;
        for (const auto& x : in->ints) {
            dim v = x;
            if (lo && !lo->empty()) v = max(v, dim((*lo)[0]));
            if (hi && !hi->empty()) v = min(v, dim((*hi)[0]));
            d->ints.push_back(v);
        }
        if (ok) data = d;
    }
    ctx.set_output(0, ctx.in_type(0), ctx.in_shape(0), std::move(data));
}

void infer_cast(infer_context& ctx) {
    const dtype to = ctx.n().op_type == "CastLike" ? ctx.in_type(1) : attr_dtype(ctx, "to", 1);
    std::shared_ptr<const known_data> data;
    if (const auto* in = ctx.in_data(0)) {
        auto d = std::make_shared<known_data>();
        d->is_real = is_floating(to);
        bool ok = true;
        if (in->is_real && d->is_real)
            d->reals = in->reals;
        else if (in->is_real)
            for (double x : in->reals) {
                const auto v = to_int64(x);
                if (!v) {
                    ok = false;
                    break;
                }
                d->ints.emplace_back(*v);
            }
        else if (!d->is_real) {
            d->ints = in->ints;
            if (to == dtype::boolean) {
                for (auto& x : d->ints) {
                    if (!x.is_value()) {
                        ok = false;
                        break;
                    }
                    x = dim(x.value() != 0 ? 1 : 0);
                }
            }
        } else {
            for (const auto& x : in->ints) {
                if (!x.is_value()) {
                    ok = false;
                    break;
                }
                d->reals.push_back(static_cast<double>(x.value()));
            }
        }
        if (ok) data = d;
    }
    ctx.set_output(0, to, ctx.in_shape(0), std::move(data));
}

// ---- SwiGLU / RotaryEmbedding / BitCast ----------------------------------------------------

void infer_swiglu(infer_context& ctx) {
    const auto& a = ctx.in_shape(0);
    const auto& b = ctx.in_shape(1);
    bool same = a.size() == b.size();
    for (std::size_t i = 0; same && i < a.size(); ++i) {
        same = !(a[i].is_value() && b[i].is_value() && a[i].value() != b[i].value());
    }
    if (!same)
        ctx.fail("A and B must have the same shape (no broadcasting): " + shape_to_string(a) + " vs " +
                 shape_to_string(b));
    same_as_input(ctx);
}

/** RotaryEmbedding's head size: X's last dim (4-D), else hidden / num_heads (3-D). */
std::optional<dim> rotary_head(const node& n, const shape& x) {
    if (x.size() == 4) return x[3];
    const auto heads = n.attr_i("num_heads", 0);
    if (heads <= 0) return std::nullopt;
    return floor_div(x[2], dim(heads));
}

void infer_rotary(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    if (x.size() != 3 && x.size() != 4)
        ctx.fail("expects X [B, heads, S, head] or [B, S, hidden], got " + shape_to_string(x));
    if (x.size() == 3 && !rotary_head(ctx.n(), x)) ctx.fail("a 3-D input needs num_heads");
    const auto& cos = ctx.in_shape(1);
    if (cos.size() != 2 && cos.size() != 3) ctx.fail("cos_cache must be 2-D or 3-D, got " + shape_to_string(cos));
    same_as_input(ctx);
}

void cost_rotary(const cost_context& ctx, op_cost& c) {
    const auto x = ctx.in(0);
    const std::int64_t half = ctx.in(1).back();  // rotated pairs per head
    const std::int64_t head = x.size() == 4 ? x[3] : x[2] / std::max<std::int64_t>(1, ctx.n().attr_i("num_heads", 1));
    const std::int64_t heads_rows = head > 0 ? ctx.in_elements(0) / head : 0;  // every (batch, position, head)
    c.flops_vector = checked_mul(checked_mul(heads_rows, std::min(2 * half, head)), 3);
}

void infer_bitcast(infer_context& ctx) {
    const auto to = attr_dtype(ctx, "to", 0);
    if (element_size_bytes(to) != element_size_bytes(ctx.in_type(0))) {
        ctx.fail("cannot reinterpret " + std::string(dtype_name(ctx.in_type(0))) + " as " +
                 std::string(dtype_name(to)) + ": the element sizes differ");
    }
    ctx.set_output(0, to, ctx.in_shape(0));
}

// ---- quantization ---------------------------------------------------------------------------

void infer_quantize(infer_context& ctx) {
    dtype t = dtype::u8;  // the default when neither a zero point nor output_dtype says otherwise
    if (ctx.has_input(2))
        t = ctx.in_type(2);
    else if (ctx.opset() >= 21 && ctx.n().attr_i("output_dtype", 0) != 0)
        t = attr_dtype(ctx, "output_dtype", 0);
    ctx.set_output(0, t, ctx.in_shape(0));
}

void infer_dequantize(infer_context& ctx) {
    dtype t = dtype::f32;                       // opset < 19: always float
    if (ctx.opset() >= 19) t = ctx.in_type(1);  // the scale's type
    if (ctx.opset() >= 23 && ctx.n().attr_i("output_dtype", 0) != 0) t = attr_dtype(ctx, "output_dtype", 0);
    ctx.set_output(0, t, ctx.in_shape(0));
}

void infer_dynamic_quantize(infer_context& ctx) {
    ctx.set_output(0, dtype::u8, ctx.in_shape(0));
    ctx.set_output(1, dtype::f32, shape{});
    ctx.set_output(2, dtype::u8, shape{});
}

void cost_quantize(const cost_context& ctx, op_cost& c) {
    c.flops_special = ctx.out_elements(0);
    c.flops_vector = checked_mul(ctx.out_elements(0), 3);
}

void cost_dequantize(const cost_context& ctx, op_cost& c) { c.flops_vector = checked_mul(ctx.out_elements(0), 2); }

void cost_dynamic_quantize(const cost_context& ctx, op_cost& c) {
    c.flops_special = ctx.out_elements(0);
    c.flops_vector = checked_mul(ctx.out_elements(0), 5);
}

// ---- random generators --------------------------------------------------------------------

/** The generated type: the dtype attribute when given, else `fallback`. */
dtype generated_type(const infer_context& ctx, dtype fallback) {
    return ctx.n().attr_i("dtype", 0) != 0 ? attr_dtype(ctx, "dtype", 0) : fallback;
}

void infer_random_like(infer_context& ctx) { ctx.set_output(0, generated_type(ctx, ctx.in_type(0)), ctx.in_shape(0)); }

void infer_random(infer_context& ctx) {
    if (!ctx.n().find("shape")) ctx.fail("needs the 'shape' attribute");
    const auto dims = attr_ints_at_least(ctx, "shape", 0);
    ctx.set_output(0, generated_type(ctx, dtype::f32), shape(dims.begin(), dims.end()));
}

void cost_random(const cost_context& ctx, op_cost& c) {
    c.bytes_read_activations = 0;  // only the shape of a *Like input is read
    c.bytes_read_weights = 0;
    const bool normal = ctx.n().op_type.find("Normal") != std::string::npos;
    c.flops_vector = checked_mul(ctx.out_elements(0), normal ? 4 : 2);
    if (normal) c.flops_special = checked_mul(ctx.out_elements(0), 3);
}

void cost_bernoulli(const cost_context& ctx, op_cost& c) { c.flops_vector = checked_mul(ctx.out_elements(0), 3); }

// ---- training optimizers (ai.onnx.preview.training) ----------------------------------------

/** Inputs R, T, then `in_groups` groups of n tensors; outputs the groups listed in `out_groups`. */
struct optimizer {
    std::string_view name;
    std::size_t in_groups;
    std::vector<std::size_t> out_groups;
};

const optimizer& optimizer_of(std::string_view name) {
    static const std::vector<optimizer> all{
        {"Adagrad", 3, {0, 2}},   // X, G, H → X_new, H_new
        {"Momentum", 3, {0, 2}},  // X, G, V → X_new, V_new
        {"Adam", 4, {0, 2, 3}},   // X, G, V, H → X_new, V_new, H_new
    };
    for (const auto& o : all)
        if (o.name == name) return o;
    return all.front();
}

void infer_optimizer(infer_context& ctx) {
    const auto& o = optimizer_of(ctx.n().op_type);
    if (ctx.input_count() < 2 || (ctx.input_count() - 2) % o.in_groups != 0) {
        ctx.fail("expects R, T and " + std::to_string(o.in_groups) + " equal groups of tensors");
    }
    const std::size_t n = (ctx.input_count() - 2) / o.in_groups;
    if (ctx.output_count() > n * o.out_groups.size()) ctx.fail("has more outputs than updated tensors");
    for (std::size_t i = 0; i < ctx.output_count(); ++i) {
        const std::size_t in = 2 + o.out_groups[i / n] * n + i % n;
        ctx.set_output(i, ctx.in_type(in), ctx.in_shape(in));
    }
}

void cost_optimizer(const cost_context& ctx, op_cost& c) {
    const auto& o = optimizer_of(ctx.n().op_type);
    const std::size_t n = (ctx.input_count() - 2) / o.in_groups;
    std::int64_t elements = 0;  // of the tensors X being updated
    for (std::size_t i = 0; i < n; ++i) elements = checked_add(elements, ctx.in_elements(2 + i));
    std::int64_t vector = 7;
    std::int64_t special = 2;
    if (o.name == "Momentum") {
        vector = ctx.n().attr_s("mode", "standard") == "nesterov" ? 9 : 7;
        special = 0;
    } else if (o.name == "Adam") {
        vector = 12;
    }
    c.flops_vector = checked_mul(elements, vector);
    c.flops_special = checked_mul(elements, special);
}

}  // namespace

void register_elementwise(op_registry& r) {
    auto add = [&](std::string_view name, void (*infer)(infer_context&), std::int64_t since = 1) {
        r.add({"", name, since, op_kind::elementwise, infer, cost_elementwise});
    };
    for (auto name : {"Add", "Sub", "Mul", "Div", "Pow", "Mod", "Equal", "Less", "Greater", "LessOrEqual",
                      "GreaterOrEqual", "And", "Or", "Xor", "BitShift", "PRelu"}) {
        add(name, infer_binary);
    }
    for (auto name : {"Max", "Min", "Sum", "Mean"}) add(name, infer_variadic);
    add("Where", infer_where);
    for (auto name : {"Neg",      "Abs",      "Relu",      "Not",         "Floor",     "Ceil",
                      "Round",    "Sign",     "LeakyRelu", "HardSigmoid", "HardSwish", "ThresholdedRelu",
                      "IsNaN",    "IsInf",    "Shrink",    "Sqrt",        "Exp",       "Log",
                      "Erf",      "Tanh",     "Sigmoid",   "Reciprocal",  "Sin",       "Cos",
                      "Tan",      "Asin",     "Acos",      "Atan",        "Sinh",      "Cosh",
                      "Asinh",    "Acosh",    "Atanh",     "Elu",         "Selu",      "Celu",
                      "Softsign", "Softplus", "Mish"}) {
        add(name, infer_unary);
    }
    add("Gelu", infer_unary, 20);
    add("Swish", infer_unary, 24);
    add("SwiGLU", infer_swiglu, 28);
    for (auto name : {"BitwiseAnd", "BitwiseOr", "BitwiseXor"}) add(name, infer_binary, 18);
    add("BitwiseNot", infer_unary, 18);
    r.add({"", "RotaryEmbedding", 23, op_kind::elementwise, infer_rotary, cost_rotary});
    r.add({"", "BitCast", 26, op_kind::view, infer_bitcast, view_cost});
    add("Clip", infer_clip);
    add("Cast", infer_cast);
    add("CastLike", infer_cast, 15);
    r.add({"", "QuantizeLinear", 10, op_kind::elementwise, infer_quantize, cost_quantize});
    r.add({"", "DequantizeLinear", 10, op_kind::elementwise, infer_dequantize, cost_dequantize});
    r.add({"", "DynamicQuantizeLinear", 11, op_kind::elementwise, infer_dynamic_quantize, cost_dynamic_quantize});
    r.add({"", "RandomUniformLike", 1, op_kind::elementwise, infer_random_like, cost_random});
    r.add({"", "RandomNormalLike", 1, op_kind::elementwise, infer_random_like, cost_random});
    r.add({"", "RandomUniform", 1, op_kind::elementwise, infer_random, cost_random});
    r.add({"", "RandomNormal", 1, op_kind::elementwise, infer_random, cost_random});
    r.add({"", "Bernoulli", 15, op_kind::elementwise, infer_random_like, cost_bernoulli});
    for (auto name : {"Adagrad", "Momentum", "Adam"}) {
        r.add({"ai.onnx.preview.training", name, 1, op_kind::elementwise, infer_optimizer, cost_optimizer});
    }
    // com.microsoft's fused activations that ORT's optimiser writes into graphs.
    r.add({"com.microsoft", "Gelu", 1, op_kind::elementwise, infer_unary, cost_elementwise});
    r.add({"com.microsoft", "FastGelu", 1, op_kind::elementwise, infer_unary,
           [](const cost_context& ctx, op_cost& c) {  // tanh approximation: 1 tanh + 7 mul/add
               c.flops_special = ctx.out_elements(0);
               c.flops_vector = checked_mul(ctx.out_elements(0), 7);
           }});
}

}  // namespace ridgeline::ops
