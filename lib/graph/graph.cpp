// Graph IR: dtype facts, attribute access, value interning and topological order.
#include "ridgeline/graph.hpp"

#include "../support/enum_names.hpp"

#include <algorithm>
#include <array>
#include <climits>
#include <functional>

namespace ridgeline {

std::int64_t element_size_bytes(dtype t) noexcept {
    switch (t) {
        case dtype::f64:
        case dtype::i64:
        case dtype::u64:
        case dtype::c64:
            return 8;
        case dtype::c128:
            return 16;
        case dtype::f32:
        case dtype::i32:
        case dtype::u32:
            return 4;
        case dtype::f16:
        case dtype::bf16:
        case dtype::i16:
        case dtype::u16:
            return 2;
        case dtype::undefined:
        case dtype::string:
            return 0;
        default:
            return 1;  // 8-bit types, bool, fp8, and 4-bit types rounded up
    }
}

namespace {

constexpr auto dtype_names = support::make_enum_names<dtype>({{dtype::undefined, "undefined"},
                                                              {dtype::f32, "fp32"},
                                                              {dtype::u8, "uint8"},
                                                              {dtype::i8, "int8"},
                                                              {dtype::u16, "uint16"},
                                                              {dtype::i16, "int16"},
                                                              {dtype::i32, "int32"},
                                                              {dtype::i64, "int64"},
                                                              {dtype::string, "string"},
                                                              {dtype::boolean, "bool"},
                                                              {dtype::f16, "fp16"},
                                                              {dtype::f64, "fp64"},
                                                              {dtype::u32, "uint32"},
                                                              {dtype::u64, "uint64"},
                                                              {dtype::c64, "complex64"},
                                                              {dtype::c128, "complex128"},
                                                              {dtype::bf16, "bf16"},
                                                              {dtype::f8e4m3fn, "fp8e4m3fn"},
                                                              {dtype::f8e4m3fnuz, "fp8e4m3fnuz"},
                                                              {dtype::f8e5m2, "fp8e5m2"},
                                                              {dtype::f8e5m2fnuz, "fp8e5m2fnuz"},
                                                              {dtype::u4, "uint4"},
                                                              {dtype::i4, "int4"}});

}  // namespace

std::string_view dtype_name(dtype t) noexcept { return dtype_names.name_of(t); }

bool is_floating(dtype t) noexcept {
    switch (t) {
        case dtype::f32:
        case dtype::f16:
        case dtype::f64:
        case dtype::bf16:
        case dtype::f8e4m3fn:
        case dtype::f8e4m3fnuz:
        case dtype::f8e5m2:
        case dtype::f8e5m2fnuz:
            return true;
        default:
            return false;
    }
}

dtype parse_dtype(std::string_view name) {
    if (name == "fp32" || name == "float32" || name == "tf32") return dtype::f32;
    if (name == "fp16" || name == "float16" || name == "half") return dtype::f16;
    if (name == "bf16" || name == "bfloat16") return dtype::bf16;
    if (name == "fp8" || name == "fp8e4m3") return dtype::f8e4m3fn;
    if (name == "int8") return dtype::i8;
    if (name == "fp64") return dtype::f64;
    throw usage_error("unknown dtype '" + std::string(name) + "' (expected fp32, tf32, fp16, bf16, fp8 or int8)");
}

const attribute* node::find(std::string_view attr) const noexcept {
    for (const auto& a : attributes) {
        if (a.name == attr) return &a;
    }
    return nullptr;
}

std::int64_t node::attr_i(std::string_view attr, std::int64_t fallback) const {
    const auto* a = find(attr);
    return a ? a->i : fallback;
}

double node::attr_f(std::string_view attr, double fallback) const {
    const auto* a = find(attr);
    return a ? a->f : fallback;
}

std::string node::attr_s(std::string_view attr, std::string_view fallback) const {
    const auto* a = find(attr);
    return a ? a->s : std::string(fallback);
}

std::vector<std::int64_t> node::attr_ints(std::string_view attr) const {
    const auto* a = find(attr);
    return a ? a->ints : std::vector<std::int64_t>{};
}

std::string node::display_name() const { return name.empty() ? op_type + "#" + std::to_string(index) : name; }

namespace {

/** 32-bit hash of a name (the library's string hash, folded). */
std::uint32_t name_hash(std::string_view s) noexcept {
    const auto h = static_cast<std::uint64_t>(std::hash<std::string_view>{}(s));
    return static_cast<std::uint32_t>(h ^ (h >> 32));
}

}  // namespace

// The name index is an open-addressing table of (hash, value index) pairs over `values`: the names
// themselves are stored once, in the values, and a lookup by string_view allocates nothing.
std::size_t graph::find_slot(std::string_view value_name, std::uint32_t h) const {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = h & mask;; i = (i + 1) & mask) {
        const auto& s = slots_[i];
        if (s.index < 0) return i;
        if (s.hash == h && static_cast<std::size_t>(s.index) < values.size() &&
            values[static_cast<std::size_t>(s.index)].name == value_name) {
            return i;
        }
    }
}

void graph::grow_index(std::size_t slot_count) {
    std::size_t size = 16;
    while (size < slot_count) size *= 2;
    if (size <= slots_.size()) return;
    std::vector<name_slot> old(size);
    old.swap(slots_);
    const std::size_t mask = size - 1;
    for (const auto& s : old) {
        if (s.index < 0) continue;
        std::size_t i = s.hash & mask;
        while (slots_[i].index >= 0) i = (i + 1) & mask;
        slots_[i] = s;
    }
}

std::int32_t graph::find_value(std::string_view value_name) const {
    if (slots_.empty()) return -1;
    return slots_[find_slot(value_name, name_hash(value_name))].index;
}

std::int32_t graph::intern_value(std::string_view value_name) {
    const auto h = name_hash(value_name);
    if (!slots_.empty()) {
        const auto i = find_slot(value_name, h);
        if (slots_[i].index >= 0) return slots_[i].index;
    }
    if (values.size() >= static_cast<std::size_t>(INT32_MAX)) {
        throw graph_error(std::string(value_name), "more than 2^31 - 1 values in one graph");
    }
    if (2 * (indexed_ + 1) > slots_.size()) grow_index(2 * (indexed_ + 1));
    const auto id = static_cast<std::int32_t>(values.size());
    slots_[find_slot(value_name, h)] = {h, id};
    ++indexed_;
    values.emplace_back();
    values.back().name = value_name;
    return id;
}

void graph::reserve(std::size_t value_count, std::size_t node_count) {
    values.reserve(value_count);
    nodes.reserve(node_count);
    grow_index(2 * value_count);
}

std::int64_t graph::opset(std::string_view domain) const {
    if (domain == "ai.onnx") domain = "";
    // A model imports a handful of domains: a linear scan compares without building a string.
    for (const auto& [imported, version] : opsets) {
        if (imported == domain) return version;
    }
    return 0;
}

void graph::relink() {
    for (auto& v : values) v.producer = -1;
    for (auto& n : nodes) {
        for (auto out : n.outputs) {
            if (out < 0) continue;
            auto& v = values[static_cast<std::size_t>(out)];
            if (v.producer >= 0 || v.is_initializer || v.is_graph_input) {
                throw graph_error(n.display_name(), "value '" + v.name + "' is defined more than once");
            }
            v.producer = n.index;
        }
    }
    order_valid_ = false;
}

const std::vector<std::int32_t>& graph::topological_order() const {
    if (order_valid_) return order_;
    // Kahn's algorithm; among ready nodes the one earliest in the file goes first, so a file that
    // is already sorted keeps its order exactly. Producers are first copied into one compact
    // array, so the passes over the nodes' inputs do not touch the (large) value records.
    const auto n_nodes = nodes.size();
    const auto n_values = values.size();
    std::vector<std::int32_t> producer_of(n_values);
    for (std::size_t v = 0; v < n_values; ++v) producer_of[v] = values[v].producer;
    auto undefined = [&](std::int32_t in) {
        const auto& v = values[static_cast<std::size_t>(in)];
        return !v.is_initializer && !v.is_graph_input;
    };

    // Fast path: a file whose every node comes after its producers (what exporters write) is its
    // own order, the one Kahn's algorithm with a min-heap would produce.
    bool sorted = true;
    for (const auto& n : nodes) {
        for (auto in : n.inputs) {
            if (in < 0) continue;
            const auto p = producer_of[static_cast<std::size_t>(in)];
            if (p >= n.index) {
                sorted = false;
                break;
            }
            if (p < 0 && undefined(in)) {
                throw graph_error(n.display_name(), "reads value '" + values[static_cast<std::size_t>(in)].name +
                                                        "', which nothing defines");
            }
        }
        if (!sorted) break;
    }
    if (sorted) {
        order_.resize(n_nodes);
        for (std::size_t i = 0; i < n_nodes; ++i) order_[i] = static_cast<std::int32_t>(i);
        order_valid_ = true;
        return order_;
    }

    std::vector<std::int32_t> pending(n_nodes, 0);
    std::vector<std::uint32_t> first(n_values + 1, 0);  // consumers of value v: [first[v], first[v+1])
    for (const auto& n : nodes) {
        for (auto in : n.inputs) {
            if (in < 0) continue;
            if (producer_of[static_cast<std::size_t>(in)] >= 0) {
                ++pending[static_cast<std::size_t>(n.index)];
                ++first[static_cast<std::size_t>(in) + 1];
            } else if (undefined(in)) {
                throw graph_error(n.display_name(), "reads value '" + values[static_cast<std::size_t>(in)].name +
                                                        "', which nothing defines");
            }
        }
    }
    for (std::size_t v = 0; v < n_values; ++v) first[v + 1] += first[v];
    std::vector<std::int32_t> consumers(first[n_values]);
    {
        std::vector<std::uint32_t> fill(first.begin(), first.end() - 1);
        for (const auto& n : nodes) {  // file order, as the per-value lists had
            for (auto in : n.inputs) {
                if (in < 0 || producer_of[static_cast<std::size_t>(in)] < 0) continue;
                consumers[fill[static_cast<std::size_t>(in)]++] = n.index;
            }
        }
    }
    std::vector<std::int32_t> order;
    order.reserve(n_nodes);
    // Min-heap on node index keeps file order among ready nodes.
    std::vector<std::int32_t> ready;
    for (std::size_t i = 0; i < n_nodes; ++i) {
        if (pending[i] == 0) ready.push_back(static_cast<std::int32_t>(i));
    }
    std::make_heap(ready.begin(), ready.end(), std::greater<>());
    while (!ready.empty()) {
        std::pop_heap(ready.begin(), ready.end(), std::greater<>());
        auto id = ready.back();
        ready.pop_back();
        order.push_back(id);
        for (auto out : nodes[static_cast<std::size_t>(id)].outputs) {
            if (out < 0) continue;
            const auto v = static_cast<std::size_t>(out);
            for (auto k = first[v]; k < first[v + 1]; ++k) {
                const auto c = consumers[k];
                if (--pending[static_cast<std::size_t>(c)] == 0) {
                    ready.push_back(c);
                    std::push_heap(ready.begin(), ready.end(), std::greater<>());
                }
            }
        }
    }
    if (order.size() != n_nodes) {
        // Every node left over waits on a producer that is also left over, so walking upstream
        // from any of them must come back to a node already seen: that node is on a cycle (the
        // first left-over node may merely sit downstream of one).
        std::size_t at = 0;
        while (pending[at] == 0) ++at;
        std::vector<std::int32_t> step(n_nodes, -1);  // position on the upstream walk
        std::vector<std::size_t> walk;
        while (step[at] < 0) {
            step[at] = static_cast<std::int32_t>(walk.size());
            walk.push_back(at);
            for (auto in : nodes[at].inputs) {
                if (in < 0) continue;
                const auto p = values[static_cast<std::size_t>(in)].producer;
                if (p >= 0 && pending[static_cast<std::size_t>(p)] != 0) {
                    at = static_cast<std::size_t>(p);
                    break;
                }
            }
        }
        // walk[step[at]] … walk.back() is the cycle, listed upstream; print it downstream.
        const auto culprit = nodes[at].display_name();
        std::string cycle = culprit;
        const auto begin = static_cast<std::size_t>(step[at]);
        for (std::size_t k = walk.size() - 1; k > begin; --k) {
            if (walk.size() - k > 8) {
                cycle += " -> ...";
                break;
            }
            cycle += " -> " + nodes[walk[k]].display_name();
        }
        throw graph_error(culprit, "is part of a cycle (the graph is not a DAG): " + cycle + " -> " + culprit);
    }
    order_ = std::move(order);
    order_valid_ = true;
    return order_;
}

}  // namespace ridgeline
