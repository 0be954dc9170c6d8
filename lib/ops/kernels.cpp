// Eager kernels: the kernel classes, the default "one kernel over the node's own traffic" rule and
// the helpers kernel rules share. The operator-specific rules live with their operators
// (lib/ops/linear.cpp, normalization.cpp, movement.cpp).
#include "families.hpp"

#include "ridgeline/error.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace ridgeline {

namespace {

struct class_entry {
    kernel_class cls;
    std::string_view name;
};

constexpr std::array<class_entry, 20> class_names{{
    {kernel_class::automatic, "automatic"},
    {kernel_class::gemm, "gemm"},
    {kernel_class::gemm_unaligned, "gemm_unaligned"},
    {kernel_class::conv, "conv"},
    {kernel_class::conv_generic, "conv_generic"},
    {kernel_class::conv_first_layer, "conv_first_layer"},
    {kernel_class::conv_depthwise, "conv_depthwise"},
    {kernel_class::conv_depthwise_cudnn, "conv_depthwise_cudnn"},
    {kernel_class::conv_grouped_direct, "conv_grouped_direct"},
    {kernel_class::layout_conversion, "layout_conversion"},
    {kernel_class::filter_conversion, "filter_conversion"},
    {kernel_class::attention, "attention"},
    {kernel_class::elementwise, "elementwise"},
    {kernel_class::copy, "copy"},
    {kernel_class::gather, "gather"},
    {kernel_class::reduction, "reduction"},
    {kernel_class::layernorm, "layernorm"},
    {kernel_class::softmax, "softmax"},
    {kernel_class::batchnorm, "batchnorm"},
    {kernel_class::pooling, "pooling"},
}};

/** Product of dims [from, end), at least 1. */
std::int64_t product_from(const std::vector<std::int64_t>& d, std::size_t from) {
    return from >= d.size() ? 1 : std::max<std::int64_t>(1, ops::product(d, from));
}

}  // namespace

std::string_view kernel_class_name(kernel_class c) noexcept {
    for (const auto& e : class_names)
        if (e.cls == c) return e.name;
    return "unknown";
}

std::optional<kernel_class> parse_kernel_class(std::string_view name) noexcept {
    for (const auto& e : class_names)
        if (e.name == name && e.cls != kernel_class::automatic) return e.cls;
    return std::nullopt;
}

const std::vector<kernel_class>& all_kernel_classes() {
    static const std::vector<kernel_class> all = [] {
        std::vector<kernel_class> v;
        for (const auto& e : class_names)
            if (e.cls != kernel_class::automatic) v.push_back(e.cls);
        return v;
    }();
    return all;
}

kernel_class default_kernel_class(op_kind k) noexcept {
    switch (k) {
        case op_kind::matmul:
            return kernel_class::gemm;
        case op_kind::normalization:
            return kernel_class::layernorm;
        case op_kind::reduction:
            return kernel_class::reduction;
        case op_kind::pooling:
            return kernel_class::pooling;
        case op_kind::data_movement:
            return kernel_class::copy;
        case op_kind::view:
        case op_kind::elementwise:
        case op_kind::control:
            break;
    }
    return kernel_class::elementwise;
}

value_consumers::value_consumers(const graph& g) : offsets_(g.values.size() + 1, 0) {
    // One walk over the nodes (their input lists are scattered on the heap: the walk is what costs),
    // then a counting sort of the (value, node) pairs into the flat array.
    std::vector<std::pair<std::int32_t, std::int32_t>> edges;
    edges.reserve(g.nodes.size() * 2);
    for (const auto& n : g.nodes)
        for (auto in : n.inputs)
            if (in >= 0 && static_cast<std::size_t>(in) < g.values.size()) edges.emplace_back(in, n.index);
    for (const auto& e : edges) ++offsets_[static_cast<std::size_t>(e.first) + 1];
    for (std::size_t i = 1; i < offsets_.size(); ++i) offsets_[i] += offsets_[i - 1];
    nodes_.resize(edges.size());
    std::vector<std::int32_t> at(offsets_.begin(), offsets_.end() - 1);
    for (const auto& e : edges) nodes_[static_cast<std::size_t>(at[static_cast<std::size_t>(e.first)]++)] = e.second;
}

void kernel_context::own_traffic(kernel_spec& k) const {
    const auto& n = ctx.n();
    // The counted bytes know what an operator physically moves (Gather reads only its rows); the
    // per-tensor split follows the tensors' sizes.
    auto add = [&](const std::vector<std::int32_t>& ids, const std::vector<std::int64_t>& sizes, std::int64_t counted,
                   bool write) {
        std::int64_t total = 0;
        for (auto s : sizes) total += s;
        for (std::size_t i = 0; i < ids.size(); ++i) {
            if (ids[i] < 0 || sizes[i] == 0) continue;
            const double share = total > 0 ? static_cast<double>(sizes[i]) / static_cast<double>(total) : 0.0;
            k.traffic.push_back({ids[i], 0, static_cast<std::int64_t>(share * static_cast<double>(counted)), write});
        }
    };
    std::vector<std::int64_t> in_sizes;
    for (std::size_t i = 0; i < n.inputs.size(); ++i) in_sizes.push_back(ctx.has_input(i) ? ctx.in_bytes(i) : 0);
    std::vector<std::int64_t> out_sizes;
    for (std::size_t i = 0; i < n.outputs.size(); ++i) out_sizes.push_back(ctx.out_bytes(i));
    add(n.inputs, in_sizes, cost.bytes_read_activations + cost.bytes_read_weights, false);
    add(n.outputs, out_sizes, cost.bytes_written, true);
}

kernel_spec kernel_context::whole_node(kernel_class c) const {
    kernel_spec k;
    k.cls = c;
    k.flops_matmul = cost.flops_matmul;
    k.flops_vector = cost.flops_vector;
    k.flops_special = cost.flops_special;
    own_traffic(k);
    const auto& n = ctx.n();
    if (!ctx.has_input(0) || n.outputs.empty() || n.outputs[0] < 0) return k;
    const auto in = ctx.in(0);
    switch (c) {
        case kernel_class::layernorm:
        case kernel_class::softmax: {
            // The row: the normalised axis and what follows (LayerNorm's axis, Softmax's axis; the
            // old Softmax flattened everything from its axis).
            const auto rank = static_cast<std::int64_t>(in.size());
            const bool old_softmax = n.op_type.ends_with("Softmax") && ctx.g().opset(n.domain) < 13;
            std::int64_t axis = n.attr_i("axis", old_softmax ? 1 : -1);
            if (axis < 0) axis += rank;
            axis = std::clamp<std::int64_t>(axis, 0, std::max<std::int64_t>(rank - 1, 0));
            const bool to_end = n.op_type == "LayerNormalization" || old_softmax;
            k.size_elements = to_end ? product_from(in, static_cast<std::size_t>(axis))
                                     : (in.empty() ? 1 : in[static_cast<std::size_t>(axis)]);
            break;
        }
        case kernel_class::batchnorm:
            k.size_elements = product_from(in, 2);  // the plane each channel's scale covers
            break;
        case kernel_class::reduction:
            k.size_elements =
                std::max<std::int64_t>(1, ctx.in_elements(0) / std::max<std::int64_t>(1, ctx.out_elements(0)));
            break;
        case kernel_class::gemm: {
            // A matmul-class operator without its own GEMM view: one product over the output.
            const auto out = ctx.out(0);
            const std::int64_t outputs = std::max<std::int64_t>(1, ops::product(out));
            k.gemm.n = out.empty() ? 1 : std::max<std::int64_t>(1, out.back());
            k.gemm.m = std::max<std::int64_t>(1, outputs / k.gemm.n);
            k.gemm.k = std::max<std::int64_t>(1, cost.macs / outputs);
            break;
        }
        default:
            break;
    }
    return k;
}

std::vector<kernel_spec> eager_kernels(const op_rule& rule, const kernel_context& kc) {
    std::vector<kernel_spec> out;
    if (rule.kernels) {
        rule.kernels(kc, out);
        return out;
    }
    out.push_back(
        kc.whole_node(rule.kernel == kernel_class::automatic ? default_kernel_class(rule.kind) : rule.kernel));
    return out;
}

}  // namespace ridgeline
