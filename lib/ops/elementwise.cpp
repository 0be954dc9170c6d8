// Elementwise family: unary and (multidirectionally broadcast) binary/variadic operators, Where,
// Cast, and the activations. Cost per output element, by class:
//   vector  — one per add/sub/mul/compare/select/clamp (Relu = 1 compare; Clip = 2; HardSigmoid =
//             mul + add + clamp = 3; HardSwish = HardSigmoid + mul = 4; PRelu/LeakyRelu = 2;
//             Sum/Mean of k inputs = k-1 adds (+1 mul for Mean));
//   special — one per transcendental or division evaluation (Div, Pow, Sqrt, Exp, Log, Erf, Tanh,
//             Sigmoid, Reciprocal …); composites add their vector work (Gelu = erf + 4 vector:
//             x/√2, 1+·, ·x, ·0.5; Softplus = exp + log + 1 add; Mish = softplus + tanh + 1 mul).
// Known integer contents are evaluated (on symbolic dims where needed) so shape arithmetic flows.
#include "families.hpp"

#include <cmath>
#include <functional>

namespace ridgeline::ops {
namespace {

struct elementwise_op {
    std::string_view name;
    int vector_per_element;
    int special_per_element;
};

// Per-output-element FLOPs of each elementwise operator (see the header comment for the reasoning).
constexpr elementwise_op table[] = {
    {"Add", 1, 0}, {"Sub", 1, 0}, {"Mul", 1, 0}, {"Div", 0, 1}, {"Pow", 0, 1}, {"Mod", 1, 0},
    {"Max", 1, 0}, {"Min", 1, 0}, {"Equal", 1, 0}, {"Less", 1, 0}, {"Greater", 1, 0},
    {"LessOrEqual", 1, 0}, {"GreaterOrEqual", 1, 0}, {"And", 1, 0}, {"Or", 1, 0}, {"Xor", 1, 0},
    {"BitShift", 1, 0}, {"PRelu", 2, 0}, {"Where", 1, 0},
    {"Neg", 1, 0}, {"Abs", 1, 0}, {"Relu", 1, 0}, {"Not", 1, 0}, {"Floor", 1, 0}, {"Ceil", 1, 0},
    {"Round", 1, 0}, {"Sign", 1, 0}, {"LeakyRelu", 2, 0}, {"Clip", 2, 0}, {"HardSigmoid", 3, 0},
    {"HardSwish", 4, 0}, {"ThresholdedRelu", 1, 0}, {"IsNaN", 1, 0}, {"IsInf", 1, 0},
    {"Shrink", 2, 0}, {"Sqrt", 0, 1}, {"Exp", 0, 1}, {"Log", 0, 1}, {"Erf", 0, 1}, {"Tanh", 0, 1},
    {"Sigmoid", 0, 1}, {"Reciprocal", 0, 1}, {"Sin", 0, 1}, {"Cos", 0, 1}, {"Tan", 0, 1},
    {"Asin", 0, 1}, {"Acos", 0, 1}, {"Atan", 0, 1}, {"Sinh", 0, 1}, {"Cosh", 0, 1},
    {"Asinh", 0, 1}, {"Acosh", 0, 1}, {"Atanh", 0, 1}, {"Elu", 2, 1}, {"Selu", 3, 1},
    {"Celu", 3, 1}, {"Softsign", 2, 1}, {"Softplus", 1, 2}, {"Mish", 1, 3}, {"Gelu", 4, 1},
    {"Cast", 0, 0}, {"CastLike", 0, 0}, {"Sum", 1, 0}, {"Mean", 1, 0},
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
            if (d->is_real) d->reals.push_back(r);
            else d->ints.emplace_back(static_cast<std::int64_t>(r));
        } else {
            if (!fi) return nullptr;
            auto r = fi(a->ints.at(ia), b->ints.at(ib));
            if (!r) return nullptr;
            d->ints.push_back(*r);
        }
    }
    return d;
}

std::optional<dim> both_numeric(const dim& x, const dim& y, const std::function<std::int64_t(std::int64_t, std::int64_t)>& f) {
    if (!x.is_value() || !y.is_value()) return std::nullopt;
    return dim(f(x.value(), y.value()));
}

std::optional<dim> int_op(std::string_view op, const dim& x, const dim& y, std::int64_t fmod_attr) {
    if (op == "Add") return x + y;
    if (op == "Sub") return x - y;
    if (op == "Mul") return x * y;
    if (op == "Div") {
        if (y.is_value() && y.value() == 0) return std::nullopt;
        if (x.is_value() && y.is_value()) return dim(x.value() / y.value());  // C truncation
        return floor_div(x, y);  // shape arithmetic: operands are non-negative
    }
    if (op == "Mod") {
        if (y.is_value() && y.value() == 0) return std::nullopt;
        if (fmod_attr && x.is_value() && y.is_value()) return dim(x.value() % y.value());
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
        return both_numeric(x, y, [](auto a, auto b) { return static_cast<std::int64_t>(std::pow(a, b)); });
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
    if (ctx.input_count() == 1 && ctx.in_data(0)) data = std::make_shared<known_data>(*ctx.in_data(0));
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
            if (!cond.is_value()) { ok = false; break; }
            const bool pick_x = cond.value() != 0;
            const auto ix = static_cast<std::size_t>(broadcast_index(i, *so, *sx));
            const auto iy = static_cast<std::size_t>(broadcast_index(i, *so, *sy));
            if (d->is_real) d->reals.push_back(pick_x ? x->reals.at(ix) : y->reals.at(iy));
            else d->ints.push_back(pick_x ? x->ints.at(ix) : y->ints.at(iy));
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
                if (!r) { ok = false; break; }
                d->reals.push_back(*r);
            }
        } else {
            for (const auto& x : in->ints) {
                if (op == "Neg") d->ints.push_back(dim(0) - x);
                else if (op == "Not" && x.is_value()) d->ints.emplace_back(x.value() == 0 ? 1 : 0);
                else if (op == "Abs" && x.is_value()) d->ints.emplace_back(std::abs(x.value()));
                else if (op == "Relu" && x.is_value()) d->ints.emplace_back(std::max<std::int64_t>(0, x.value()));
                else { ok = false; break; }
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
    const dtype to = ctx.n().op_type == "CastLike" ? ctx.in_type(1) : static_cast<dtype>(ctx.n().attr_i("to", 1));
    std::shared_ptr<const known_data> data;
    if (const auto* in = ctx.in_data(0)) {
        auto d = std::make_shared<known_data>();
        d->is_real = is_floating(to);
        bool ok = true;
        if (in->is_real && d->is_real) d->reals = in->reals;
        else if (in->is_real) for (double x : in->reals) d->ints.emplace_back(static_cast<std::int64_t>(x));
        else if (!d->is_real) {
            d->ints = in->ints;
            if (to == dtype::boolean) {
                for (auto& x : d->ints) {
                    if (!x.is_value()) { ok = false; break; }
                    x = dim(x.value() != 0 ? 1 : 0);
                }
            }
        } else {
            for (const auto& x : in->ints) {
                if (!x.is_value()) { ok = false; break; }
                d->reals.push_back(static_cast<double>(x.value()));
            }
        }
        if (ok) data = d;
    }
    ctx.set_output(0, to, ctx.in_shape(0), std::move(data));
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
    for (auto name : {"Neg", "Abs", "Relu", "Not", "Floor", "Ceil", "Round", "Sign", "LeakyRelu", "HardSigmoid",
                      "HardSwish", "ThresholdedRelu", "IsNaN", "IsInf", "Shrink", "Sqrt", "Exp", "Log", "Erf",
                      "Tanh", "Sigmoid", "Reciprocal", "Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh",
                      "Cosh", "Asinh", "Acosh", "Atanh", "Elu", "Selu", "Celu", "Softsign", "Softplus", "Mish"}) {
        add(name, infer_unary);
    }
    add("Gelu", infer_unary, 20);
    add("Clip", infer_clip);
    add("Cast", infer_cast);
    add("CastLike", infer_cast, 15);
    // com.microsoft's fused activations that ORT's optimiser writes into graphs.
    r.add({"com.microsoft", "Gelu", 1, op_kind::elementwise, infer_unary, cost_elementwise});
    r.add({"com.microsoft", "FastGelu", 1, op_kind::elementwise, infer_unary,
           [](const cost_context& ctx, op_cost& c) {  // tanh approximation: 1 tanh + 7 mul/add
               c.flops_special = ctx.out_elements(0);
               c.flops_vector = checked_mul(ctx.out_elements(0), 7);
           }});
}

}  // namespace ridgeline::ops
