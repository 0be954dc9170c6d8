// Whole-model analysis: per-node costs from the registry, parameters, fusion groups, liveness,
// slices, training estimate, inference memory and the largest batch that fits.
#include "ridgeline/analysis.hpp"

#include <algorithm>
#include <cmath>
#include <string_view>
#include <unordered_map>

namespace ridgeline {

counts& counts::operator+=(const counts& o) {
    macs = checked_add(macs, o.macs);
    flops_matmul = checked_add(flops_matmul, o.flops_matmul);
    flops_vector = checked_add(flops_vector, o.flops_vector);
    flops_special = checked_add(flops_special, o.flops_special);
    bytes_read_activations = checked_add(bytes_read_activations, o.bytes_read_activations);
    bytes_read_weights = checked_add(bytes_read_weights, o.bytes_read_weights);
    bytes_written = checked_add(bytes_written, o.bytes_written);
    return *this;
}

namespace {

std::int64_t value_elements(const value& v) {
    if (!v.dims) return 0;
    std::int64_t n = 1;
    for (const auto& d : *v.dims) {
        if (!d.is_value()) return 0;
        n = checked_mul(n, d.value());
    }
    return n;
}

}  // namespace

std::int64_t value_bytes(const value& v, dtype float_override) {
    const auto size = (float_override != dtype::undefined && is_floating(v.type)) ? element_size_bytes(float_override)
                                                                                  : element_size_bytes(v.type);
    return checked_mul(value_elements(v), size);
}

namespace {

bool all_outputs_known(const graph& g, const node& n) {
    bool any = false;
    for (auto out : n.outputs) {
        if (out < 0) continue;
        any = true;
        if (!g.values[static_cast<std::size_t>(out)].data) return false;
    }
    return any;
}

/** Per-value facts shared by liveness and fusion: the buffer each value lives in. */
struct buffers {
    std::vector<std::int32_t> root;  // value → value owning its memory (views alias their input)
};

buffers alias_roots(const graph& g, const std::vector<layer_cost*>& by_node) {
    buffers b;
    b.root.resize(g.values.size());
    for (std::size_t i = 0; i < g.values.size(); ++i) b.root[i] = static_cast<std::int32_t>(i);
    for (auto id : g.topological_order()) {
        const auto* l = by_node[static_cast<std::size_t>(id)];
        const auto& n = g.nodes[static_cast<std::size_t>(id)];
        if (!l || !l->is_view || n.inputs.empty() || n.inputs[0] < 0) continue;
        const auto r = b.root[static_cast<std::size_t>(n.inputs[0])];
        for (auto out : n.outputs)
            if (out >= 0) b.root[static_cast<std::size_t>(out)] = r;
    }
    return b;
}

std::vector<char> slice_mask(const graph& g, const graph_slice& s, const std::vector<layer_cost>& all) {
    const auto& order = g.topological_order();
    std::vector<char> keep(order.size(), 1);
    if (s.empty()) return keep;
    auto position_of = [&](const char* flag, const std::string& name) {
        for (std::size_t i = 0; i < order.size(); ++i) {
            if (g.nodes[static_cast<std::size_t>(order[i])].name == name) return i;
        }
        throw usage_error(std::string(flag) + ": no node named '" + name + "'");
    };
    if (s.last_percent < 0 || s.last_percent > 100 || std::isnan(s.last_percent)) {
        throw usage_error("--last-percent: must be in (0, 100], got " + std::to_string(s.last_percent));
    }
    if (!s.from_node.empty() && !s.to_node.empty() &&
        position_of("--from", s.from_node) > position_of("--to", s.to_node)) {
        throw usage_error("--from " + s.from_node + " comes after --to " + s.to_node +
                          " in the graph's order: the slice would be empty");
    }
    if (!s.from_node.empty()) {
        const auto p = position_of("--from", s.from_node);
        for (std::size_t i = 0; i < p; ++i) keep[i] = 0;
    }
    if (!s.to_node.empty()) {
        const auto p = position_of("--to", s.to_node);
        for (std::size_t i = p + 1; i < order.size(); ++i) keep[i] = 0;
    }
    if (!s.after_tensor.empty()) {
        const auto t = g.find_value(s.after_tensor);
        if (t < 0) throw usage_error("--after: no tensor named '" + s.after_tensor + "'");
        std::vector<char> reached(g.values.size(), 0);
        reached[static_cast<std::size_t>(t)] = 1;
        for (std::size_t i = 0; i < order.size(); ++i) {
            const auto& n = g.nodes[static_cast<std::size_t>(order[i])];
            bool hit = std::any_of(n.inputs.begin(), n.inputs.end(),
                                   [&](std::int32_t in) { return in >= 0 && reached[static_cast<std::size_t>(in)]; });
            if (hit)
                for (auto out : n.outputs)
                    if (out >= 0) reached[static_cast<std::size_t>(out)] = 1;
            if (!hit) keep[i] = 0;
        }
    }
    if (s.last_percent > 0 && s.last_percent < 100) {
        std::vector<std::size_t> kernels;
        for (std::size_t i = 0; i < order.size(); ++i)
            if (keep[i] && all[i].is_kernel()) kernels.push_back(i);
        const auto want =
            static_cast<std::size_t>(std::ceil(static_cast<double>(kernels.size()) * s.last_percent / 100.0));
        if (want < kernels.size()) {
            const auto first = kernels[kernels.size() - want];
            for (std::size_t i = 0; i < first; ++i) keep[i] = 0;
        }
    }
    return keep;
}

/**
 * Registry lookups memoised per (domain, op_type) for one graph: the opset is fixed per domain
 * within a graph, and a 30k-node graph has a few dozen distinct operators.
 */
class rule_cache {
public:
    rule_cache(const graph& g, const op_registry& registry) : g_(g), registry_(registry) {}
    const op_rule* find(const node& n) {
        auto& per_op = by_domain_[n.domain];
        auto it = per_op.find(n.op_type);
        if (it != per_op.end()) return it->second;
        const auto* rule = registry_.find(n.domain, n.op_type, g_.opset(n.domain));
        per_op.emplace(n.op_type, rule);
        return rule;
    }

private:
    const graph& g_;
    const op_registry& registry_;
    // Keys view the nodes' own strings, which outlive the cache (the graph is const here).
    std::unordered_map<std::string_view, std::unordered_map<std::string_view, const op_rule*>> by_domain_;
};

/** Bytes of `v` for the pre-filled read/write counts: what cost_context::in_bytes/out_bytes give. */
std::int64_t counted_bytes(const value& v, const node& n, dtype float_override) {
    if (!v.dims) throw graph_error(n.display_name(), "shape of '" + v.name + "' is unknown");
    for (const auto& d : *v.dims) {
        if (!d.is_value()) (void)d.require("node '" + n.display_name() + "'");  // throws, naming the symbol
    }
    std::int64_t elements = 1;
    for (const auto& d : *v.dims) elements = checked_mul(elements, d.value());
    const auto size = (float_override != dtype::undefined && is_floating(v.type)) ? element_size_bytes(float_override)
                                                                                  : element_size_bytes(v.type);
    return checked_mul(elements, size);
}

/** "inputs 'x' [1, 3, 224, 224], 'w' [64, 3, 7, 7]; outputs 'y' [1, 64, 112, 112]" for messages. */
std::string io_shapes_text(const graph& g, const node& n) {
    auto list = [&](const std::vector<std::int32_t>& ids) {
        std::string out;
        for (auto id : ids) {
            if (id < 0) continue;
            const auto& v = g.values[static_cast<std::size_t>(id)];
            out += (out.empty() ? "'" : ", '") + v.name + "' " + (v.dims ? shape_to_string(*v.dims) : "?");
        }
        return out.empty() ? std::string("none") : out;
    };
    return "inputs " + list(n.inputs) + "; outputs " + list(n.outputs);
}

/**
 * Counts one node: the conventional bytes (every input read once, every output written once),
 * then its rule's FLOPs. False when the rule fails (a diagnostic is added). Overflow and unbound
 * symbols propagate; a rule that yields a negative count is a graph_error naming the node (a
 * nonsensical attribute that slipped past its shape rule must not become negative FLOPs).
 */
bool count_node(const graph& g, const node& n, const op_rule& rule, dtype float_override, op_cost& c,
                std::int64_t& output_bytes, std::vector<diagnostic>& diagnostics) {
    cost_context ctx(g, n, float_override);
    for (std::size_t i = 0; i < n.inputs.size(); ++i) {
        if (n.inputs[i] < 0) continue;
        if (std::find(n.inputs.begin(), n.inputs.begin() + static_cast<std::ptrdiff_t>(i), n.inputs[i]) !=
            n.inputs.begin() + static_cast<std::ptrdiff_t>(i)) {
            continue;  // the same tensor read twice is read once
        }
        const auto& v = g.values[static_cast<std::size_t>(n.inputs[i])];
        auto& read = v.is_initializer ? c.bytes_read_weights : c.bytes_read_activations;
        read = checked_add(read, counted_bytes(v, n, float_override));
    }
    for (auto out : n.outputs) {
        if (out < 0) continue;
        c.bytes_written =
            checked_add(c.bytes_written, counted_bytes(g.values[static_cast<std::size_t>(out)], n, float_override));
    }
    output_bytes = c.bytes_written;
    try {
        rule.cost(ctx, c);
    } catch (const unbound_symbol_error&) {
        throw;
    } catch (const overflow_error&) {
        throw;
    } catch (const error& e) {
        diagnostics.push_back({severity::error, n.display_name(), n.op_type, e.what()});
        return false;
    }
    const std::pair<const char*, std::int64_t> figures[] = {{"MACs", c.macs},
                                                            {"matmul FLOPs", c.flops_matmul},
                                                            {"vector FLOPs", c.flops_vector},
                                                            {"special FLOPs", c.flops_special},
                                                            {"activation bytes read", c.bytes_read_activations},
                                                            {"weight bytes read", c.bytes_read_weights},
                                                            {"bytes written", c.bytes_written}};
    for (const auto& [what, v] : figures) {
        if (v < 0) {
            throw graph_error(n.display_name(), n.op_type + ": " + what + " would be negative (" + std::to_string(v) +
                                                    "); " + io_shapes_text(g, n));
        }
    }
    return true;
}

/**
 * Notes (does not uncount) a floating 2-D initializer [b, a] read by a MatMul or Gemm when an
 * embedding [a, b] of the same dtype is read by a Gather: the usual export of a tied output
 * projection (gpt2's lm_head = wte transposed), which differs in layout and so cannot be proved
 * the same tensor from the file.
 */
void note_transposed_ties(const graph& g, model_cost& m) {
    auto matrix = [&](std::int32_t id) -> const value* {
        if (id < 0) return nullptr;
        const auto& v = g.values[static_cast<std::size_t>(id)];
        if (!v.is_initializer || !is_floating(v.type) || !v.dims || v.dims->size() != 2) return nullptr;
        if (!(*v.dims)[0].is_value() || !(*v.dims)[1].is_value()) return nullptr;
        return (*v.dims)[0].value() != (*v.dims)[1].value() ? &v : nullptr;
    };
    std::vector<const value*> embeddings;
    std::vector<const value*> projections;
    for (const auto& n : g.nodes) {
        if (n.op_type == "Gather" && !n.inputs.empty()) {
            if (const auto* v = matrix(n.inputs[0])) embeddings.push_back(v);
        } else if ((n.op_type == "MatMul" || n.op_type == "Gemm") && n.inputs.size() >= 2) {
            if (const auto* v = matrix(n.inputs[1])) projections.push_back(v);
        }
    }
    for (const auto* e : embeddings) {
        for (const auto* w : projections) {
            if (w->type != e->type || (*w->dims)[0].value() != (*e->dims)[1].value() ||
                (*w->dims)[1].value() != (*e->dims)[0].value()) {
                continue;
            }
            const std::pair<std::string, std::string> tie{w->name, e->name};
            if (std::find(m.possibly_tied.begin(), m.possibly_tied.end(), tie) != m.possibly_tied.end()) continue;
            m.possibly_tied.push_back(tie);
            m.possibly_tied_params = checked_add(m.possibly_tied_params, value_elements(*w));
        }
    }
}

/**
 * Which values carry a gradient in training: floating parameters (initializers, and constants a
 * node makes from nothing) and whatever is computed from one. Graph inputs do not, so the first
 * layers compute no input gradient (PyTorch's autograd skips dX where the input needs no grad).
 */
std::vector<char> requires_grad(const graph& g) {
    std::vector<char> grad(g.values.size(), 0);
    for (std::size_t i = 0; i < g.values.size(); ++i) {
        const auto& v = g.values[i];
        grad[i] = v.is_initializer && is_floating(v.type) ? 1 : 0;
    }
    for (auto id : g.topological_order()) {
        const auto& n = g.nodes[static_cast<std::size_t>(id)];
        const bool from_nothing =
            std::none_of(n.inputs.begin(), n.inputs.end(), [](std::int32_t in) { return in >= 0; });
        const bool any = std::any_of(n.inputs.begin(), n.inputs.end(),
                                     [&](std::int32_t in) { return in >= 0 && grad[static_cast<std::size_t>(in)]; });
        for (auto out : n.outputs) {
            if (out < 0) continue;
            const auto t = g.values[static_cast<std::size_t>(out)].type;
            grad[static_cast<std::size_t>(out)] = (any || from_nothing) && is_floating(t) ? 1 : 0;
        }
    }
    return grad;
}

/**
 * Backward-pass counts of a layer, from its forward counts and its rule's backward factors.
 * `input_grad`: some activation input carries a gradient (else no dX: one matmul product fewer,
 * and no input gradient written); `param_grad`: some weight does. Neither: no backward work.
 */
counts backward_of(const layer_cost& l, double matmul_factor, double vector_factor, bool input_grad, bool param_grad) {
    counts b;
    if (!l.is_kernel() || (!input_grad && !param_grad)) return b;
    if (!input_grad) matmul_factor = std::max(0.0, matmul_factor - 1.0);  // dW only
    // A count times a factor, as an integer; beyond 64 bits it is an overflow, not a wrap.
    auto scaled = [](std::int64_t v, double factor) {
        const double x = static_cast<double>(v) * factor;
        if (!(x < 9.2e18)) {
            throw overflow_error("integer overflow computing " + std::to_string(v) + " * " + std::to_string(factor));
        }
        return static_cast<std::int64_t>(x);
    };
    b.macs = scaled(l.forward.macs, matmul_factor);
    b.flops_matmul = scaled(l.forward.flops_matmul, matmul_factor);
    b.flops_vector = scaled(l.forward.flops_vector, vector_factor);
    b.flops_special = scaled(l.forward.flops_special, vector_factor);
    // Backward reads the output gradient and the saved inputs, writes a gradient per input.
    b.bytes_read_activations = checked_add(l.forward.bytes_written, l.forward.bytes_read_activations);
    b.bytes_read_weights = l.forward.bytes_read_weights;
    b.bytes_written = input_grad ? checked_add(l.forward.bytes_read_activations, l.forward.bytes_read_weights)
                                 : l.forward.bytes_read_weights;
    return b;
}

}  // namespace

model_cost analyze(const graph& g, const analysis_options& options, const graph_slice& slice) {
    rule_cache rules(g, op_registry::builtin());
    const auto& order = g.topological_order();
    model_cost m;
    m.float_override = options.float_override;
    std::vector<layer_cost> all(order.size());
    // The rules' backward factors, kept per position for the training estimate only.
    std::vector<std::pair<double, double>> backward_factors(options.training ? order.size() : 0);
    std::vector<layer_cost*> by_node(g.nodes.size(), nullptr);

    // Pass 1: classify and count every node.
    for (std::size_t pos = 0; pos < order.size(); ++pos) {
        const auto id = order[pos];
        const auto& n = g.nodes[static_cast<std::size_t>(id)];
        auto& l = all[pos];
        by_node[static_cast<std::size_t>(id)] = &l;
        l.node = id;
        l.name = n.display_name();
        l.op_type = n.op_type;
        const auto* rule = rules.find(n);
        l.output_shapes.reserve(n.outputs.size());
        l.output_dims.reserve(n.outputs.size());
        for (auto out : n.outputs) {
            const auto& v = g.values[static_cast<std::size_t>(std::max(out, 0))];
            const bool known = out >= 0 && v.dims;
            l.output_shapes.push_back(known ? shape_to_string(*v.dims) : "?");
            l.output_dims.push_back(known ? v.dims : std::nullopt);
        }
        if (!rule) {
            l.unknown = true;
            continue;
        }
        l.kind = rule->kind;
        l.is_view = rule->kind == op_kind::view;
        l.folded = !l.is_view && all_outputs_known(g, n);
        if (l.is_view || l.folded || l.kind == op_kind::control) continue;
        bool shaped = std::all_of(n.outputs.begin(), n.outputs.end(), [&](std::int32_t o) {
            return o < 0 || g.values[static_cast<std::size_t>(o)].dims.has_value();
        });
        if (!shaped) {
            l.unknown = true;
            continue;
        }
        op_cost c;
        std::int64_t output_bytes = 0;  // before a rule adjusts what it writes
        try {
            if (!count_node(g, n, *rule, options.float_override, c, output_bytes, m.diagnostics)) {
                l.unknown = true;
                continue;
            }
        } catch (const overflow_error& e) {
            throw overflow_error("node '" + l.name + "' (" + n.op_type + "): " + e.what() + ", counting " +
                                 io_shapes_text(g, n));
        }
        if (options.training) backward_factors[pos] = {c.backward_matmul_factor, c.backward_vector_factor};
        l.forward = {c.macs,          c.flops_matmul,           c.flops_vector,
                     c.flops_special, c.bytes_read_activations, c.bytes_read_weights,
                     c.bytes_written};
        l.output_bytes = output_bytes;
    }

    const auto keep = slice_mask(g, slice, all);

    // Fusion groups: an elementwise node joins its producer's group when it is that producer's
    // only consumer of the tensor (the chain a compiler fuses into the producer's epilogue).
    const auto buf = alias_roots(g, by_node);
    std::vector<int> readers(g.values.size(), 0);
    for (const auto& l : all) {
        if (!l.is_kernel()) continue;
        for (auto in : g.nodes[static_cast<std::size_t>(l.node)].inputs) {
            if (in >= 0) ++readers[static_cast<std::size_t>(buf.root[static_cast<std::size_t>(in)])];
        }
    }
    std::vector<std::int32_t> group_of_value(g.values.size(), -1);
    for (auto& l : all) {
        if (!l.is_kernel()) continue;
        const auto& n = g.nodes[static_cast<std::size_t>(l.node)];
        l.fusion_group = l.node;
        if (l.kind == op_kind::elementwise) {
            for (auto in : n.inputs) {
                if (in < 0) continue;
                const auto r = buf.root[static_cast<std::size_t>(in)];
                const auto& rv = g.values[static_cast<std::size_t>(r)];
                if (rv.producer < 0 || readers[static_cast<std::size_t>(r)] != 1) continue;
                const auto* p = by_node[static_cast<std::size_t>(rv.producer)];
                if (p && p->is_kernel()) {
                    l.fusion_group = p->fusion_group;
                    break;
                }
            }
        }
        for (auto out : n.outputs)
            if (out >= 0) group_of_value[static_cast<std::size_t>(out)] = l.fusion_group;
    }
    if (options.fused) {
        std::vector<char> crosses(g.values.size(), 0);  // root read outside its producer's group
        for (auto out : g.outputs) crosses[static_cast<std::size_t>(buf.root[static_cast<std::size_t>(out)])] = 1;
        for (const auto& l : all) {
            if (!l.is_kernel()) continue;
            for (auto in : g.nodes[static_cast<std::size_t>(l.node)].inputs) {
                if (in < 0) continue;
                const auto r = buf.root[static_cast<std::size_t>(in)];
                if (group_of_value[static_cast<std::size_t>(r)] != l.fusion_group)
                    crosses[static_cast<std::size_t>(r)] = 1;
            }
        }
        for (auto& l : all) {
            if (!l.is_kernel() || l.unknown) continue;
            const auto& n = g.nodes[static_cast<std::size_t>(l.node)];
            std::int64_t internal_reads = 0;
            for (std::size_t i = 0; i < n.inputs.size(); ++i) {
                const auto in = n.inputs[i];
                if (in < 0 || g.values[static_cast<std::size_t>(in)].is_initializer) continue;
                const auto r = buf.root[static_cast<std::size_t>(in)];
                if (group_of_value[static_cast<std::size_t>(r)] == l.fusion_group) {
                    internal_reads = checked_add(
                        internal_reads, value_bytes(g.values[static_cast<std::size_t>(in)], options.float_override));
                }
            }
            l.forward.bytes_read_activations =
                std::max<std::int64_t>(0, l.forward.bytes_read_activations - internal_reads);
            std::int64_t written = 0;
            for (auto out : n.outputs) {
                if (out >= 0 && crosses[static_cast<std::size_t>(buf.root[static_cast<std::size_t>(out)])]) {
                    written = checked_add(written,
                                          value_bytes(g.values[static_cast<std::size_t>(out)], options.float_override));
                }
            }
            l.forward.bytes_written = written;
        }
    }

    // Parameters (each floating initializer once, attributed to its first reader; an initializer
    // provably repeating another counts with it, once), totals.
    std::vector<char> seen(g.values.size(), 0);
    const auto grad = options.training ? requires_grad(g) : std::vector<char>(g.values.size(), 0);
    for (std::size_t pos = 0; pos < all.size(); ++pos) {
        if (!keep[pos]) continue;
        auto& l = all[pos];
        const auto& n = g.nodes[static_cast<std::size_t>(l.node)];
        try {
            for (auto in : n.inputs) {
                if (in < 0 || seen[static_cast<std::size_t>(in)]) continue;
                const auto& v = g.values[static_cast<std::size_t>(in)];
                if (!v.is_initializer || !is_floating(v.type)) continue;
                seen[static_cast<std::size_t>(in)] = 1;
                const auto canonical = v.same_as >= 0 ? v.same_as : in;
                if (canonical != in && seen[static_cast<std::size_t>(canonical)]) {
                    m.duplicate_params = checked_add(m.duplicate_params, value_elements(v));
                    m.duplicate_initializers.emplace_back(v.name, g.values[static_cast<std::size_t>(canonical)].name);
                    continue;
                }
                seen[static_cast<std::size_t>(canonical)] = 1;
                l.params = checked_add(l.params, value_elements(v));
                m.param_bytes = checked_add(m.param_bytes, value_bytes(v, options.float_override));
            }
            m.params = checked_add(m.params, l.params);
            if (options.training) {
                bool input_grad = false;
                bool param_grad = false;
                for (auto in : n.inputs) {
                    if (in < 0 || !grad[static_cast<std::size_t>(in)]) continue;
                    (g.values[static_cast<std::size_t>(in)].is_initializer ? param_grad : input_grad) = true;
                }
                l.backward =
                    backward_of(l, backward_factors[pos].first, backward_factors[pos].second, input_grad, param_grad);
            }
            m.totals += l.forward;
            m.backward_totals += l.backward;
            if (l.is_kernel() && !l.unknown) {
                auto& t = m.by_op_type[l.op_type];
                t.forward += l.forward;
            }
        } catch (const overflow_error& e) {
            throw overflow_error("node '" + l.name + "' (" + n.op_type + "): " + e.what() +
                                 ", adding its counts to the model's totals");
        }
        if (l.unknown) {
            ++m.unknown_ops[n.op_type];
            m.diagnostics.push_back({severity::warning, l.name, l.op_type, "not counted: unknown operator or shape"});
        }
        if (l.kind == op_kind::control) {
            m.diagnostics.push_back({severity::warning, l.name, l.op_type, "subgraph body not counted"});
        }
        if (l.is_kernel() && !l.unknown) {
            ++m.kernels;
            ++m.by_op_type[l.op_type].nodes;
        }
    }

    note_transposed_ties(g, m);

    // Liveness over the topological order (kept nodes only): a buffer is allocated when its
    // producer runs and freed after its last reader; graph inputs live from the start and graph
    // outputs to the end; views alias their input's buffer; folded values are free.
    std::int64_t peak = 0;
    try {
        const auto steps = order.size();
        std::vector<std::int64_t> last_use(g.values.size(), -1);
        for (std::size_t pos = 0; pos < steps; ++pos) {
            if (!keep[pos]) continue;
            for (auto in : g.nodes[static_cast<std::size_t>(order[pos])].inputs) {
                if (in >= 0)
                    last_use[static_cast<std::size_t>(buf.root[static_cast<std::size_t>(in)])] =
                        static_cast<std::int64_t>(pos);
            }
        }
        for (auto out : g.outputs)
            last_use[static_cast<std::size_t>(buf.root[static_cast<std::size_t>(out)])] =
                static_cast<std::int64_t>(steps);
        // The buffers freed after each step, as singly linked lists threaded through one pool
        // (one allocation instead of a vector per step).
        std::vector<std::int32_t> free_head(steps + 1, -1);
        std::vector<std::pair<std::int32_t, std::int32_t>> free_pool;  // (value, next entry or -1)
        auto free_after = [&](std::int64_t step, std::int32_t v) {
            auto& head = free_head[static_cast<std::size_t>(step)];
            free_pool.emplace_back(v, head);
            head = static_cast<std::int32_t>(free_pool.size() - 1);
        };
        std::int64_t live = 0;
        for (auto in : g.inputs) {
            const auto& v = g.values[static_cast<std::size_t>(in)];
            m.input_bytes = checked_add(m.input_bytes, value_bytes(v, dtype::undefined));
            if (last_use[static_cast<std::size_t>(in)] >= 0) {
                live = checked_add(live, value_bytes(v, options.float_override));
                free_after(last_use[static_cast<std::size_t>(in)], in);
            }
        }
        peak = live;
        for (std::size_t pos = 0; pos < steps; ++pos) {
            const auto& l = all[pos];
            if (keep[pos] && !l.is_view && !l.folded) {
                for (auto out : g.nodes[static_cast<std::size_t>(order[pos])].outputs) {
                    if (out < 0 || buf.root[static_cast<std::size_t>(out)] != out) continue;
                    const auto lu = last_use[static_cast<std::size_t>(out)];
                    const auto bytes = value_bytes(g.values[static_cast<std::size_t>(out)], options.float_override);
                    live = checked_add(live, bytes);
                    free_after(lu < 0 ? static_cast<std::int64_t>(pos) : lu, out);
                }
            }
            peak = std::max(peak, live);
            for (auto e = free_head[pos]; e >= 0; e = free_pool[static_cast<std::size_t>(e)].second) {
                live -= value_bytes(g.values[static_cast<std::size_t>(free_pool[static_cast<std::size_t>(e)].first)],
                                    options.float_override);
            }
        }
    } catch (const overflow_error& e) {
        throw overflow_error(std::string("activation memory: ") + e.what() + " (summing the live tensors' bytes)");
    }
    m.peak_activation_bytes = peak;

    // The kept layers become the result (moved: the whole vector when nothing is sliced away).
    if (std::find(keep.begin(), keep.end(), 0) == keep.end()) {
        m.layers = std::move(all);
    } else {
        m.layers.reserve(static_cast<std::size_t>(std::count(keep.begin(), keep.end(), 1)));
        for (std::size_t pos = 0; pos < all.size(); ++pos) {
            if (keep[pos]) m.layers.push_back(std::move(all[pos]));
        }
    }
    return m;
}

memory_estimate inference_memory(const model_cost& m) {
    memory_estimate e;
    e.weight_bytes = m.param_bytes;
    e.activation_bytes = m.peak_activation_bytes;
    // Workspace: the largest matmul-class output, the scratch an implicit-GEMM or split-K kernel
    // may need on top of its operands (an estimate; cuDNN's own choice varies by algorithm).
    for (const auto& l : m.layers) {
        if (l.kind == op_kind::matmul && l.is_kernel()) e.workspace_bytes = std::max(e.workspace_bytes, l.output_bytes);
    }
    return e;
}

batch_fit largest_batch(graph& g, const shape_options& base, const analysis_options& options,
                        std::int64_t capacity_bytes, std::int64_t max_batch) {
    auto memory_at = [&](std::int64_t b) {
        shape_options o = base;
        o.batch = b;
        o.symbols.erase("batch");
        auto report = infer_shapes(g, o);
        if (!report.ok()) {
            const auto& first = *std::find_if(report.diagnostics.begin(), report.diagnostics.end(),
                                              [](const diagnostic& d) { return d.level == severity::error; });
            throw error("shape inference failed at batch " + std::to_string(b) + ": " + first.message);
        }
        return inference_memory(analyze(g, options));
    };
    // A batch to vary: the symbol `batch` or a graph input's symbolic leading dimension.
    const auto symbols = graph_symbols(g);
    const bool has_batch = std::binary_search(symbols.begin(), symbols.end(), std::string("batch")) ||
                           std::any_of(g.inputs.begin(), g.inputs.end(), [&](std::int32_t id) {
                               const auto& d = g.values[static_cast<std::size_t>(id)].declared;
                               return d && !d->empty() && !d->front().is_value() &&
                                      !base.input_shapes.count(g.values[static_cast<std::size_t>(id)].name);
                           });
    if (!has_batch) {
        throw usage_error(
            "largest batch: the model has no batch dimension to vary (no symbol 'batch', no graph input "
            "with a symbolic leading dimension)");
    }
    batch_fit fit;
    auto m1 = memory_at(1);
    if (m1.total() > capacity_bytes) {
        fit.at_next = m1;
        return fit;
    }
    std::int64_t lo = 1;  // fits
    memory_estimate lo_mem = m1;
    std::int64_t hi = 2;  // first candidate that may not fit
    memory_estimate hi_mem;
    while (true) {
        if (hi > max_batch) {
            hi = max_batch + 1;
            break;
        }
        hi_mem = memory_at(hi);
        if (hi_mem.total() > capacity_bytes) break;
        lo = hi;
        lo_mem = hi_mem;
        hi *= 2;
    }
    while (hi - lo > 1) {
        const auto mid = lo + (hi - lo) / 2;
        auto mem = memory_at(mid);
        if (mem.total() <= capacity_bytes) {
            lo = mid;
            lo_mem = mem;
        } else {
            hi = mid;
            hi_mem = mem;
        }
    }
    fit.batch = lo;
    fit.at_batch = lo_mem;
    fit.at_next = hi <= max_batch ? hi_mem : memory_estimate{};
    memory_at(lo);  // leave the graph bound at the answer
    return fit;
}

}  // namespace ridgeline
