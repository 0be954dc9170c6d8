// The registry, the two rule contexts, and helpers shared by the operator families.
#include "families.hpp"

#include "../support/enum_names.hpp"

#include <algorithm>

namespace ridgeline {

namespace {

constexpr auto op_kind_names = support::make_enum_names<op_kind>({{op_kind::view, "view"},
                                                                  {op_kind::elementwise, "elementwise"},
                                                                  {op_kind::matmul, "matmul"},
                                                                  {op_kind::normalization, "normalization"},
                                                                  {op_kind::reduction, "reduction"},
                                                                  {op_kind::pooling, "pooling"},
                                                                  {op_kind::data_movement, "data_movement"},
                                                                  {op_kind::control, "control"}});

}  // namespace

std::string_view op_kind_name(op_kind k) noexcept { return op_kind_names.name_of(k); }

// ---- infer_context -------------------------------------------------------------------------

const value& infer_context::input(std::size_t i) const {
    if (!has_input(i)) fail("input " + std::to_string(i) + " is required but missing");
    return g_.values[static_cast<std::size_t>(n_.inputs[i])];
}

const shape& infer_context::in_shape(std::size_t i) const {
    const auto& v = input(i);
    if (!v.dims) fail("shape of input '" + v.name + "' is unknown");
    return *v.dims;
}

const known_data* infer_context::in_data(std::size_t i) const {
    return has_input(i) ? g_.values[static_cast<std::size_t>(n_.inputs[i])].data.get() : nullptr;
}

std::optional<std::vector<std::int64_t>> infer_context::in_ints(std::size_t i) const {
    const auto* d = in_data(i);
    if (!d) return std::nullopt;
    std::vector<std::int64_t> out;
    if (d->is_real) {
        for (double x : d->reals) {
            const auto v = ops::to_int64(x);
            if (!v) return std::nullopt;
            out.push_back(*v);
        }
        return out;
    }
    out.reserve(d->ints.size());
    for (const auto& x : d->ints) {
        if (!x.is_value()) return std::nullopt;
        out.push_back(x.value());
    }
    return out;
}

void infer_context::set_output(std::size_t i, dtype t, shape s, std::shared_ptr<const known_data> data) {
    if (i >= n_.outputs.size() || n_.outputs[i] < 0) return;
    auto& v = g_.values[static_cast<std::size_t>(n_.outputs[i])];
    for (const auto& d : s) {
        if (d.is_value() && d.value() < 0) {
            fail("output '" + v.name + "' would have a negative dimension: " + shape_to_string(s));
        }
    }
    v.type = t;
    v.dims = std::move(s);
    v.data = (data && data->size() <= ops::max_known_elements) ? std::move(data) : nullptr;
}

subgraph_report infer_context::infer_subgraph(graph& body, const std::vector<const value*>& formal) const {
    if (!subgraphs_) fail("has a body graph, but no subgraph inference was provided");
    return (*subgraphs_)(body, formal);
}

std::int64_t infer_context::axis(std::int64_t a, std::int64_t rank) const {
    // [-rank, rank - 1]: a scalar (rank 0) has no axis at all.
    if (a < -rank || a >= rank) {
        fail("axis " + std::to_string(a) + " is out of range for rank " + std::to_string(rank) +
             (rank == 0 ? " (a scalar has no axis)" : ""));
    }
    return a < 0 ? a + rank : a;
}

void infer_context::fail(const std::string& message) const {
    throw graph_error(n_.display_name(), n_.op_type + ": " + message);
}

void infer_context::unknown(const std::string& what) const {
    throw unknown_data_error(n_.display_name(), n_.op_type + ": " + what + " not known at analysis time");
}

// ---- cost_context --------------------------------------------------------------------------

const value& cost_context::in_value(std::size_t i) const {
    return g_.values[static_cast<std::size_t>(n_.inputs.at(i))];
}

namespace {
std::vector<std::int64_t> numbers_of(const value& v, const node& n) {
    if (!v.dims) throw graph_error(n.display_name(), "shape of '" + v.name + "' is unknown");
    std::vector<std::int64_t> out;
    out.reserve(v.dims->size());
    for (const auto& d : *v.dims) {
        if (!d.is_value()) (void)d.require("node '" + n.display_name() + "'");  // throws, naming the symbol
        out.push_back(d.value());
    }
    return out;
}
}  // namespace

std::vector<std::int64_t> cost_context::in(std::size_t i) const { return numbers_of(in_value(i), n_); }

std::vector<std::int64_t> cost_context::out(std::size_t i) const {
    return numbers_of(g_.values[static_cast<std::size_t>(n_.outputs.at(i))], n_);
}

std::int64_t cost_context::in_elements(std::size_t i) const { return has_input(i) ? ops::product(in(i)) : 0; }

std::int64_t cost_context::out_elements(std::size_t i) const {
    if (i >= n_.outputs.size() || n_.outputs[i] < 0) return 0;
    return ops::product(out(i));
}

std::int64_t cost_context::element_bytes(const value& v) const {
    if (float_override_ != dtype::undefined && is_floating(v.type)) return element_size_bytes(float_override_);
    return element_size_bytes(v.type);
}

std::int64_t cost_context::in_element_bytes(std::size_t i) const { return element_bytes(in_value(i)); }

std::int64_t cost_context::in_bytes(std::size_t i) const {
    return has_input(i) ? checked_mul(in_elements(i), in_element_bytes(i)) : 0;
}

std::int64_t cost_context::out_bytes(std::size_t i) const {
    if (i >= n_.outputs.size() || n_.outputs[i] < 0) return 0;
    return checked_mul(out_elements(i), element_bytes(g_.values[static_cast<std::size_t>(n_.outputs[i])]));
}

bool cost_context::in_is_weight(std::size_t i) const { return has_input(i) && in_value(i).is_initializer; }

const known_data* cost_context::in_data(std::size_t i) const { return has_input(i) ? in_value(i).data.get() : nullptr; }

// ---- registry ------------------------------------------------------------------------------

void op_registry::add(const op_rule& rule) {
    auto same = [&](const op_rule& r) {
        return r.domain == rule.domain && r.op_type == rule.op_type && r.since_version == rule.since_version;
    };
    std::erase_if(rules_, same);
    rules_.push_back(rule);
    index_.clear();
    for (std::size_t i = 0; i < rules_.size(); ++i) {
        index_[std::string(rules_[i].domain) + "::" + std::string(rules_[i].op_type)].push_back(i);
    }
}

const op_rule* op_registry::find(std::string_view domain, std::string_view op_type, std::int64_t opset) const {
    if (domain == "ai.onnx") domain = "";
    std::string key;
    key.reserve(domain.size() + op_type.size() + 2);
    key.append(domain).append("::").append(op_type);
    const auto it = index_.find(key);
    if (it == index_.end()) return nullptr;
    const op_rule* best = nullptr;
    for (auto i : it->second) {
        const auto& r = rules_[i];
        if (r.since_version > opset) continue;
        if (!best || r.since_version > best->since_version) best = &r;
    }
    return best;
}

const op_registry& op_registry::builtin() {
    static const op_registry registry = [] {
        op_registry r;
        // The one explicit list of families (no static initialisers for a linker to drop).
        ops::register_elementwise(r);
        ops::register_linear(r);
        ops::register_normalization(r);
        ops::register_pooling(r);
        ops::register_reduction(r);
        ops::register_movement(r);
        ops::register_gather_scatter(r);
        ops::register_resample(r);
        ops::register_shape_ops(r);
        ops::register_control(r);
        return r;
    }();
    return registry;
}

// ---- shared helpers ------------------------------------------------------------------------

namespace ops {

shape broadcast(const infer_context& ctx, const shape& a, const shape& b) {
    const std::size_t rank = std::max(a.size(), b.size());
    shape out(rank);
    for (std::size_t k = 0; k < rank; ++k) {
        const dim x = k < rank - a.size() ? dim(1) : a[k - (rank - a.size())];
        const dim y = k < rank - b.size() ? dim(1) : b[k - (rank - b.size())];
        if (x == y || (y.is_value() && y.value() == 1))
            out[k] = x;
        else if (x.is_value() && x.value() == 1)
            out[k] = y;
        else if (x.is_value() && y.is_value()) {
            ctx.fail("cannot broadcast " + shape_to_string(a) + " with " + shape_to_string(b));
        } else if (x.is_value())
            out[k] = x;  // a symbol meeting a number other than 1 must equal it
        else if (y.is_value())
            out[k] = y;
        else
            out[k] = x.to_string().size() <= y.to_string().size() ? x : y;  // equal at run time: keep the simpler
    }
    return out;
}

std::optional<std::vector<std::int64_t>> numeric(const shape& s) {
    std::vector<std::int64_t> out;
    out.reserve(s.size());
    for (const auto& d : s) {
        if (!d.is_value()) return std::nullopt;
        out.push_back(d.value());
    }
    return out;
}

std::int64_t product(const std::vector<std::int64_t>& v, std::size_t from, std::size_t to) {
    std::int64_t n = 1;
    for (std::size_t i = from; i < std::min(to, v.size()); ++i) n = checked_mul(n, v[i]);
    return n;
}

std::vector<std::int64_t> strides_of(const std::vector<std::int64_t>& s) {
    std::vector<std::int64_t> st(s.size(), 1);
    for (std::size_t i = s.size(); i-- > 1;) st[i - 1] = st[i] * s[i];
    return st;
}

std::int64_t broadcast_index(std::int64_t i, const std::vector<std::int64_t>& out,
                             const std::vector<std::int64_t>& in) {
    std::int64_t idx = 0;
    std::int64_t stride = 1;
    const std::size_t off = out.size() - in.size();
    for (std::size_t k = out.size(); k-- > 0;) {
        const std::int64_t coord = i % out[k];
        i /= out[k];
        if (k >= off) {
            const auto d = in[k - off];
            if (d != 1) idx += coord * stride;
            stride *= d;
        }
    }
    return idx;
}

std::shared_ptr<const known_data> make_ints(std::vector<dim> v) {
    auto d = std::make_shared<known_data>();
    d->ints = std::move(v);
    return d;
}

std::shared_ptr<const known_data> make_reals(std::vector<double> v) {
    auto d = std::make_shared<known_data>();
    d->is_real = true;
    d->reals = std::move(v);
    return d;
}

std::int64_t attr_i_at_least(const infer_context& ctx, std::string_view name, std::int64_t fallback, std::int64_t min) {
    const auto v = ctx.n().attr_i(name, fallback);
    if (v < min) {
        ctx.fail("attribute " + std::string(name) + " = " + std::to_string(v) + " must be at least " +
                 std::to_string(min));
    }
    return v;
}

std::vector<std::int64_t> attr_ints_at_least(const infer_context& ctx, std::string_view name, std::int64_t min) {
    auto v = ctx.n().attr_ints(name);
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (v[i] < min) {
            ctx.fail("attribute " + std::string(name) + "[" + std::to_string(i) + "] = " + std::to_string(v[i]) +
                     " must be at least " + std::to_string(min));
        }
    }
    return v;
}

dtype attr_dtype(const infer_context& ctx, std::string_view name, std::int64_t fallback) {
    const auto v = ctx.n().attr_i(name, fallback);
    if (v < 1 || v > static_cast<std::int64_t>(dtype::i4)) {
        ctx.fail("attribute " + std::string(name) + " = " + std::to_string(v) + " is not an ONNX data type (1 to " +
                 std::to_string(static_cast<int>(dtype::i4)) + ")");
    }
    return static_cast<dtype>(v);
}

std::string attr_choice(const infer_context& ctx, std::string_view name, std::string_view fallback,
                        std::initializer_list<std::string_view> choices) {
    auto v = ctx.n().attr_s(name, fallback);
    for (auto c : choices) {
        if (v == c) return v;
    }
    std::string list;
    for (auto c : choices) list += (list.empty() ? "" : ", ") + std::string(c);
    ctx.fail("attribute " + std::string(name) + " = '" + v + "' is not one of " + list);
}

void same_as_input(infer_context& ctx) { ctx.set_output(0, ctx.in_type(0), ctx.in_shape(0)); }

void no_flops(const cost_context& /*ctx*/, op_cost& /*c*/) {}

void view_cost(const cost_context& /*ctx*/, op_cost& c) {
    c.bytes_read_activations = 0;
    c.bytes_read_weights = 0;
    c.bytes_written = 0;
}

std::optional<std::vector<std::int64_t>> axes_of(const infer_context& ctx, std::int64_t input_from_opset,
                                                 std::size_t input_index) {
    if (ctx.opset() >= input_from_opset) {
        if (!ctx.has_input(input_index)) return std::vector<std::int64_t>{};
        auto v = ctx.in_ints(input_index);
        if (!v) return std::nullopt;
        return v;
    }
    return ctx.n().attr_ints("axes");
}

}  // namespace ops
}  // namespace ridgeline
