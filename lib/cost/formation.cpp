// Kernel formation: which kernels an eager framework launches for a graph. Per node the
// operator's eager kernel rule (lib/ops: convolutions with their layout conversions, GEMMs,
// batch norm …); across nodes the patterns that frameworks run as one kernel although exporters
// spell them out node by node:
// - GELU written with Erf, SiLU as x·sigmoid(x): one elementwise kernel (PyTorch's own ops);
// - a MatMul against a 2-D weight followed by the bias Add: one GEMM with the bias in its
//   epilogue (nn.Linear → addmm);
// - attention exported from F.scaled_dot_product_attention (the exporter splits the scale as √s
//   on both Q and Kᵀ before the product): one fused attention kernel. Attention a model wrote
//   out (scale after the product, as Hugging Face's eager attention and torchvision's Swin do)
//   stays node by node, as eager PyTorch runs it;
// - a convolution whose batch norm the exporter folded into it (torch.onnx renames the folded
//   weights `onnx::Conv_*`): eager PyTorch still runs the batch norm, so its kernels follow.
// Fused mode (compiled deployments) also merges elementwise chains into their producer.
#include "model.hpp"

#include "ridgeline/error.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace ridgeline::cost {
namespace {

/** A stored tensor: an initializer, or one reached through Identity nodes (exporters alias
 *  deduplicated initializers that way). */
bool is_weight(const graph& g, std::int32_t v) {
    for (int hops = 0; v >= 0 && hops < 8; ++hops) {
        const auto& val = g.values[static_cast<std::size_t>(v)];
        if (val.is_initializer) return true;
        if (val.producer < 0) return false;
        const auto& p = g.nodes[static_cast<std::size_t>(val.producer)];
        if (p.op_type != "Identity" || p.inputs.empty()) return false;
        v = p.inputs[0];
    }
    return false;
}

bool reads_weight(const graph& g, const node& n) {
    return std::any_of(n.inputs.begin(), n.inputs.end(), [&](auto in) { return is_weight(g, in); });
}

op_cost as_op_cost(const counts& c) {
    op_cost o;
    o.macs = c.macs;
    o.flops_matmul = c.flops_matmul;
    o.flops_vector = c.flops_vector;
    o.flops_special = c.flops_special;
    o.bytes_read_activations = c.bytes_read_activations;
    o.bytes_read_weights = c.bytes_read_weights;
    o.bytes_written = c.bytes_written;
    return o;
}

/** Groups layers into pattern kernels and lays out every kernel in execution order. */
class former {
public:
    former(const graph& g, const model_cost& m, const formation_options& o) : g_(g), m_(m), o_(o), consumers_(g) {
        layer_of_node_.assign(g.nodes.size(), -1);
        for (std::size_t i = 0; i < m.layers.size(); ++i)
            layer_of_node_[static_cast<std::size_t>(m.layers[i].node)] = static_cast<int>(i);
        group_.assign(m.layers.size(), -1);
        match_patterns();
        if (o.fused) merge_fusion_groups();
    }

    std::vector<planned_kernel> kernels() const {
        std::vector<planned_kernel> out;
        std::map<int, std::vector<std::size_t>> members;  // group key → member layers
        for (std::size_t i = 0; i < m_.layers.size(); ++i)
            if (group_[i] >= 0) members[group_[i]].push_back(i);
        for (std::size_t i = 0; i < m_.layers.size(); ++i) {
            const auto& l = m_.layers[i];
            if (!l.is_kernel() || l.unknown) continue;
            if (group_[i] >= 0) {
                if (static_cast<int>(i) == group_[i]) out.push_back(group_kernel(members.at(group_[i])));
                continue;
            }
            for (auto& k : node_kernels(i)) out.push_back(std::move(k));
        }
        return out;
    }

private:
    // ---- graph helpers --------------------------------------------------------------------

    int only_consumer(std::int32_t v) const {
        if (v < 0) return -1;
        const auto c = consumers_.of(v);
        if (c.size() != 1) return -1;
        for (auto out : g_.outputs)
            if (out == v) return -1;
        return layer_of_node_[static_cast<std::size_t>(c[0])];
    }

    const node& node_of(int layer) const {
        return g_.nodes[static_cast<std::size_t>(m_.layers[static_cast<std::size_t>(layer)].node)];
    }

    bool free(int layer) const {
        return layer >= 0 && group_[static_cast<std::size_t>(layer)] < 0 &&
               m_.layers[static_cast<std::size_t>(layer)].is_kernel();
    }

    int producer_layer(std::int32_t v) const {
        if (v < 0) return -1;
        const auto p = g_.values[static_cast<std::size_t>(v)].producer;
        return p < 0 ? -1 : layer_of_node_[static_cast<std::size_t>(p)];
    }

    void take(const std::vector<int>& members, const std::string& label) {
        const int key = *std::min_element(members.begin(), members.end());
        for (int x : members) group_[static_cast<std::size_t>(x)] = key;
        labels_[key] = label;
    }

    const op_rule* rule_of(const node& n) const {
        return op_registry::builtin().find(n.domain, n.op_type, g_.opset(n.domain));
    }

    // ---- patterns ---------------------------------------------------------------------------

    void match_patterns() {
        for (std::size_t i = 0; i < m_.layers.size(); ++i) {
            const int li = static_cast<int>(i);
            if (!free(li)) continue;
            const auto& op = m_.layers[i].op_type;
            const auto& n = node_of(li);
            if (op == "Erf")
                match_gelu(li, n);
            else if (op == "Sigmoid")
                match_silu(li, n);
            else if (op == "Softmax")
                match_attention(li, n);
        }
        for (std::size_t i = 0; i < m_.layers.size(); ++i) {
            const int li = static_cast<int>(i);
            if (free(li) && m_.layers[i].op_type == "MatMul") match_linear(li, node_of(li));
        }
    }

    // GELU written out: x / √2 → Erf → + 1 → · x → · 0.5 (the last two in either order).
    void match_gelu(int erf, const node& n) {
        std::vector<int> members{erf};
        const int scale = producer_layer(n.inputs[0]);
        if (free(scale) && (node_of(scale).op_type == "Div" || node_of(scale).op_type == "Mul") &&
            only_consumer(node_of(scale).outputs[0]) == erf) {
            members.push_back(scale);
        }
        int at = erf;
        for (const char* want : {"Add", "Mul", "Mul"}) {
            const int next = only_consumer(node_of(at).outputs[0]);
            if (!free(next) || node_of(next).op_type != want) break;
            members.push_back(next);
            at = next;
        }
        if (members.size() >= 4) take(members, "Gelu");
    }

    // SiLU: Mul(x, Sigmoid(x)).
    void match_silu(int sig, const node& n) {
        const int mul = only_consumer(node_of(sig).outputs[0]);
        if (!free(mul) || node_of(mul).op_type != "Mul") return;
        const auto& mn = node_of(mul);
        if (std::find(mn.inputs.begin(), mn.inputs.end(), n.inputs[0]) == mn.inputs.end()) return;
        take({sig, mul}, "SiLU");
    }

    // Attention from F.scaled_dot_product_attention, as torch.onnx decomposes it:
    // MatMul(Mul(Q, √s), Mul(Kᵀ, √s)) → [elementwise mask] → Softmax → [Cast] → MatMul(·, V).
    void match_attention(int softmax, const node& n) {
        std::vector<int> members{softmax};
        int at = producer_layer(n.inputs[0]);
        while (free(at) && m_.layers[static_cast<std::size_t>(at)].kind == op_kind::elementwise &&
               only_consumer(node_of(at).outputs[0]) == members.back()) {
            members.push_back(at);
            at = producer_layer(node_of(at).inputs[0]);
        }
        if (!free(at) || node_of(at).op_type != "MatMul" || reads_weight(g_, node_of(at)) ||
            only_consumer(node_of(at).outputs[0]) != members.back()) {
            return;
        }
        const auto& qk = node_of(at);
        members.push_back(at);
        for (auto operand : qk.inputs) {  // both operands pre-scaled: the SDPA decomposition
            const int scale = producer_layer(operand);
            if (!free(scale) || node_of(scale).op_type != "Mul" || only_consumer(node_of(scale).outputs[0]) != at)
                return;
            members.push_back(scale);
        }
        int next = only_consumer(node_of(softmax).outputs[0]);
        while (free(next) && (node_of(next).op_type == "Cast" || node_of(next).op_type == "Dropout")) {
            members.push_back(next);
            next = only_consumer(node_of(next).outputs[0]);
        }
        if (!free(next) || node_of(next).op_type != "MatMul" || reads_weight(g_, node_of(next))) return;
        members.push_back(next);
        take(members, "Attention");
    }

    // nn.Linear: MatMul(A, W) with W a 2-D weight, then Add(·, bias) with a weight bias.
    void match_linear(int mm, const node& n) {
        if (n.inputs.size() < 2 || !is_weight(g_, n.inputs[1])) return;
        const auto& w = g_.values[static_cast<std::size_t>(n.inputs[1])];
        if (!w.dims || w.dims->size() != 2) return;
        const int add = only_consumer(n.outputs[0]);
        if (!free(add) || node_of(add).op_type != "Add") return;
        const auto& an = node_of(add);
        const bool bias = std::any_of(an.inputs.begin(), an.inputs.end(),
                                      [&](auto in) { return in != n.outputs[0] && is_weight(g_, in); });
        if (bias) take({mm, add}, "Linear");
    }

    void merge_fusion_groups() {
        std::map<std::int32_t, int> first;  // fusion_group (node) → first layer in it
        for (std::size_t i = 0; i < m_.layers.size(); ++i) {
            const auto& l = m_.layers[i];
            if (!l.is_kernel() || l.fusion_group < 0) continue;
            const int own = group_[i] >= 0 ? group_[i] : static_cast<int>(i);
            auto [it, fresh] = first.try_emplace(l.fusion_group, own);
            if (fresh) continue;
            for (auto& gkey : group_)
                if (gkey == own) gkey = it->second;
            group_[i] = it->second;
            if (group_[static_cast<std::size_t>(it->second)] < 0)
                group_[static_cast<std::size_t>(it->second)] = it->second;
        }
    }

    // ---- kernels ----------------------------------------------------------------------------

    std::vector<kernel_spec> specs_of(std::size_t layer) const {
        const auto& l = m_.layers[layer];
        const auto& n = g_.nodes[static_cast<std::size_t>(l.node)];
        const auto* rule = rule_of(n);
        const cost_context ctx(g_, n, m_.float_override);
        const op_cost c = as_op_cost(l.forward);
        const kernel_context kc{ctx, c, o_.precision, &consumers_};
        if (!rule) {
            std::vector<kernel_spec> one{kc.whole_node(default_kernel_class(l.kind))};
            return one;
        }
        return eager_kernels(*rule, kc);
    }

    planned_kernel planned(std::size_t layer, kernel_spec spec) const {
        const auto& l = m_.layers[layer];
        planned_kernel k;
        k.layers = {layer};
        k.node = l.node;
        k.label = spec.label.empty() ? l.op_type : std::string(spec.label);
        k.name = spec.label.empty() ? l.name : l.name + "/" + std::string(spec.label);
        k.spec = std::move(spec);
        return k;
    }

    /** An exporter folded a batch norm into this convolution (torch.onnx names the folded weights). */
    bool folded_batchnorm(const node& n) const {
        if (n.op_type != "Conv" || n.inputs.size() < 3 || n.inputs[2] < 0 || !is_weight(g_, n.inputs[1])) return false;
        return g_.values[static_cast<std::size_t>(n.inputs[1])].name.starts_with("onnx::Conv_");
    }

    /** A layout op whose data only a fused attention kernel reads (through views): SDPA takes
     *  strided Q, K and V, so eager PyTorch never materialises the permuted copy. */
    bool feeds_only_attention(std::size_t layer) const {
        const auto& l = m_.layers[layer];
        if (l.kind != op_kind::data_movement) return false;
        std::vector<std::int32_t> frontier = g_.nodes[static_cast<std::size_t>(l.node)].outputs;
        bool any = false;
        for (int depth = 0; depth < 8 && !frontier.empty(); ++depth) {
            std::vector<std::int32_t> next;
            for (auto v : frontier) {
                if (v < 0) continue;
                for (auto c : consumers_.of(v)) {
                    const int cl = layer_of_node_[static_cast<std::size_t>(c)];
                    if (cl < 0) return false;
                    const auto& cons = m_.layers[static_cast<std::size_t>(cl)];
                    if (cons.is_view) {
                        const auto& outs = g_.nodes[static_cast<std::size_t>(c)].outputs;
                        next.insert(next.end(), outs.begin(), outs.end());
                        continue;
                    }
                    const int key = group_[static_cast<std::size_t>(cl)];
                    const auto it = labels_.find(key);
                    if (key < 0 || it == labels_.end() || it->second != "Attention") return false;
                    any = true;
                }
            }
            frontier = std::move(next);
        }
        return any && frontier.empty();
    }

    std::vector<planned_kernel> node_kernels(std::size_t layer) const {
        std::vector<planned_kernel> out;
        if (!o_.fused && feeds_only_attention(layer)) return out;
        for (auto& s : specs_of(layer)) out.push_back(planned(layer, std::move(s)));
        const auto& n = g_.nodes[static_cast<std::size_t>(m_.layers[layer].node)];
        if (o_.eager_batchnorm && !o_.fused && folded_batchnorm(n) && !n.outputs.empty() && n.outputs[0] >= 0) {
            const auto y = n.outputs[0];
            const auto& v = g_.values[static_cast<std::size_t>(y)];
            std::vector<std::int64_t> dims;
            if (v.dims) {
                for (const auto& d : *v.dims) dims.push_back(d.is_value() ? d.value() : 1);
            }
            const auto elem = std::max<std::int64_t>(
                1, value_bytes(v, m_.float_override) / std::max<std::int64_t>(1, ops_product(dims)));
            std::vector<kernel_spec> bn;
            batchnorm_kernels(dims, elem, o_.precision == dtype::f16 || o_.precision == dtype::bf16, y, y, bn);
            for (auto& s : bn) {
                auto k = planned(layer, std::move(s));
                k.name = m_.layers[layer].name + "/FoldedBatchNorm" +
                         (k.spec.label.empty() ? "" : "/" + std::string(k.spec.label));
                k.label = k.spec.label.empty() ? "BatchNormalization" : std::string(k.spec.label);
                out.push_back(std::move(k));
            }
        }
        return out;
    }

    static std::int64_t ops_product(const std::vector<std::int64_t>& d) {
        std::int64_t p = 1;
        for (auto x : d) p = checked_mul(p, x);
        return p;
    }

    /** Tensors crossing the group's boundary: read from outside once, written when read outside. */
    std::vector<tensor_access> boundary(const std::vector<std::size_t>& members) const {
        std::set<std::int32_t> inside;
        for (auto i : members) inside.insert(m_.layers[i].node);
        const std::set<std::int32_t> graph_outputs(g_.outputs.begin(), g_.outputs.end());
        std::set<std::int32_t> read;
        std::vector<tensor_access> t;
        for (auto i : members) {
            const auto& n = g_.nodes[static_cast<std::size_t>(m_.layers[i].node)];
            for (auto in : n.inputs) {
                if (in < 0 || !read.insert(in).second) continue;
                const auto producer = g_.values[static_cast<std::size_t>(in)].producer;
                if (producer >= 0 && inside.count(producer)) continue;
                t.push_back({in, 0, value_bytes(g_.values[static_cast<std::size_t>(in)], m_.float_override), false});
            }
            for (auto out : n.outputs) {
                if (out < 0) continue;
                const auto c = consumers_.of(out);
                const bool leaves = graph_outputs.count(out) || c.empty() ||
                                    std::any_of(c.begin(), c.end(), [&](auto x) { return inside.count(x) == 0; });
                if (leaves)
                    t.push_back(
                        {out, 0, value_bytes(g_.values[static_cast<std::size_t>(out)], m_.float_override), true});
            }
        }
        return t;
    }

    planned_kernel group_kernel(const std::vector<std::size_t>& members) const {
        const int key = group_[members.front()];
        const auto it = labels_.find(key);
        const std::string label = it != labels_.end() ? it->second : m_.layers[members.front()].op_type;
        kernel_spec spec;
        if (label == "Linear" || label == "Attention" || it == labels_.end()) {
            // The GEMM (or the fused group's producer) sets the class and the tile view.
            auto specs = specs_of(members.front());
            const auto main = std::max_element(specs.begin(), specs.end(), [](const auto& a, const auto& b) {
                return a.flops_matmul < b.flops_matmul;
            });
            if (main != specs.end()) spec = *main;
        } else {
            spec.cls = kernel_class::elementwise;
        }
        spec.label = {};
        spec.launches = 1;
        spec.flops_matmul = spec.flops_vector = spec.flops_special = 0;
        for (auto i : members) {
            const auto& f = m_.layers[i].forward;
            spec.flops_matmul += f.flops_matmul;
            spec.flops_vector += f.flops_vector;
            spec.flops_special += f.flops_special;
        }
        spec.traffic = boundary(members);
        if (label == "Attention") attention_view(members, spec);
        planned_kernel k;
        k.layers = members;
        k.node = m_.layers[members.front()].node;
        k.name = m_.layers[members.front()].name;
        k.label = label;
        k.spec = std::move(spec);
        return k;
    }

    /** Fused attention as a flash-style kernel: per (batch·head) row block, both products over the keys. */
    void attention_view(const std::vector<std::size_t>& members, kernel_spec& spec) const {
        spec.cls = kernel_class::attention;
        std::vector<std::int64_t> scores;  // [..., Sq, Sk] of the first product
        std::vector<std::int64_t> output;  // [..., Sq, Dv] of the second
        for (auto i : members) {
            const auto& n = g_.nodes[static_cast<std::size_t>(m_.layers[i].node)];
            if (n.op_type != "MatMul") continue;
            const auto& v = g_.values[static_cast<std::size_t>(n.outputs[0])];
            std::vector<std::int64_t> d;
            if (v.dims)
                for (const auto& x : *v.dims) d.push_back(x.is_value() ? x.value() : 1);
            (scores.empty() ? scores : output) = d;
        }
        if (scores.size() < 2 || output.size() < 2) return;
        const std::int64_t sq = scores[scores.size() - 2];
        const std::int64_t sk = scores.back();
        const std::int64_t dv = output.back();
        const std::int64_t batch = std::max<std::int64_t>(1, ops_product(scores) / std::max<std::int64_t>(1, sq * sk));
        spec.gemm = {batch, sq, dv, 2 * sk, false};
    }

    const graph& g_;
    const model_cost& m_;
    formation_options o_;
    value_consumers consumers_;
    std::vector<int> layer_of_node_;
    std::vector<int> group_;
    std::map<int, std::string> labels_;
};

}  // namespace

std::vector<planned_kernel> form_kernels(const graph& g, const model_cost& m, const formation_options& o) {
    return former(g, m, o).kernels();
}

}  // namespace ridgeline::cost
