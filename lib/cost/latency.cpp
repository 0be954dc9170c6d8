// The analytic latency model: kernel formation, GEMM tiling and waves, achievable ceilings,
// per-kernel max(compute, memory) + fixed cost, and least-squares calibration.
#include "ridgeline/cost_model.hpp"

#include "ridgeline/error.hpp"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

namespace ridgeline {
namespace {

constexpr double default_kernel_fixed_gpu_s = 2e-6;
constexpr double default_launch_s = 5e-6;

/** A GEMM view of a matmul-class node: `batch` independent M×N×K products. */
struct gemm_shape {
    double batch = 1, m = 0, n = 0, k = 0;
};

std::vector<std::int64_t> dims_of(const graph& g, std::int32_t v) {
    std::vector<std::int64_t> out;
    if (v < 0) return out;
    const auto& val = g.values[static_cast<std::size_t>(v)];
    if (!val.dims) return out;
    for (const auto& d : *val.dims) out.push_back(d.is_value() ? d.value() : 1);
    return out;
}

double prod(const std::vector<std::int64_t>& v, std::size_t from, std::size_t to) {
    double p = 1;
    for (std::size_t i = from; i < std::min(to, v.size()); ++i) p *= static_cast<double>(v[i]);
    return p;
}

/** GEMM dims from the node's output shape and its MAC count (K = MACs / outputs). */
gemm_shape gemm_of(const graph& g, const node& n, const layer_cost& l) {
    gemm_shape s;
    const auto out = dims_of(g, n.outputs.empty() ? -1 : n.outputs[0]);
    if (out.empty() || l.forward.macs == 0) return s;
    const double outputs = prod(out, 0, out.size());
    if (n.op_type == "Conv" || n.op_type == "ConvTranspose") {
        const double groups = static_cast<double>(std::max<std::int64_t>(1, n.attr_i("group", 1)));
        s.batch = groups;
        s.m = out[0] * prod(out, 2, out.size());
        s.n = static_cast<double>(out.size() > 1 ? out[1] : 1) / groups;
    } else if (out.size() >= 2) {
        s.m = static_cast<double>(out[out.size() - 2]);
        s.n = static_cast<double>(out.back());
        s.batch = prod(out, 0, out.size() - 2);
    } else {
        s.m = 1;
        s.n = outputs;
    }
    s.k = static_cast<double>(l.forward.macs) / std::max(1.0, outputs);
    return s;
}

struct tile_config {
    double tm, tn, resident, efficiency;
};
// CUTLASS/cuBLAS-like CTA tiles: large tiles are most efficient, small ones fill more SMs.
constexpr tile_config tiles[] = {{128, 128, 1, 1.0}, {128, 64, 2, 0.95}, {64, 64, 4, 0.85}};

/**
 * Matmul-class time with tile/wave quantisation; returns {seconds, waves}. Each of the
 * SMs × resident slots runs one tile at rate/(SMs × resident); a kernel pays for whole waves.
 * Like cuBLAS/cuDNN heuristics, the best tile shape and split-K factor (K cut into s slices run as
 * separate tiles, at a 5% cost for the extra reduction) are chosen for the shape.
 */
std::pair<double, double> matmul_time(const gemm_shape& s, double flops, double rate, std::int64_t sms, bool quantise,
                                      bool misaligned) {
    const double penalty = misaligned ? 2.0 : 1.0;
    if (!quantise || sms <= 0 || s.m <= 0) return {penalty * flops / rate, 0};
    double best = std::numeric_limits<double>::infinity();
    double best_waves = 0;
    for (const auto& t : tiles) {
        const double count = s.batch * std::ceil(s.m / t.tm) * std::ceil(s.n / t.tn);
        const double slots = static_cast<double>(sms) * t.resident;
        const double max_split = std::max(1.0, std::min(32.0, std::floor(s.k / 64.0)));
        for (double split = 1; split <= max_split; split += 1) {
            const double waves = std::ceil(count * split / slots);
            const double efficiency = t.efficiency * (split > 1 ? 0.95 : 1.0);
            // A full wave runs `slots` tiles of 2·tm·tn·(K/split) FLOPs at the device's rate.
            const double time = waves * slots * 2.0 * t.tm * t.tn * std::ceil(s.k / split) / (rate * efficiency);
            if (time < best) {
                best = time;
                best_waves = waves;
            }
        }
    }
    return {penalty * best, best_waves};
}

/** Consumers of every value, as node indices. */
std::vector<std::vector<std::int32_t>> consumers_of(const graph& g) {
    std::vector<std::vector<std::int32_t>> c(g.values.size());
    for (const auto& n : g.nodes) {
        for (auto in : n.inputs) {
            if (in >= 0) c[static_cast<std::size_t>(in)].push_back(n.index);
        }
    }
    return c;
}

bool reads_weight(const graph& g, const node& n) {
    return std::any_of(n.inputs.begin(), n.inputs.end(),
                       [&](auto in) { return in >= 0 && g.values[static_cast<std::size_t>(in)].is_initializer; });
}

/** Forms kernels: groups of layer indices, each with a label. */
class kernel_former {
public:
    kernel_former(const graph& g, const model_cost& m, const std::vector<std::vector<std::int32_t>>& consumers,
                  bool fused)
        : g_(g), m_(m), consumers_(consumers) {
        layer_of_node_.assign(g.nodes.size(), -1);
        for (std::size_t i = 0; i < m.layers.size(); ++i)
            layer_of_node_[static_cast<std::size_t>(m.layers[i].node)] = static_cast<int>(i);
        group_.assign(m.layers.size(), -1);
        match_patterns();
        if (fused) merge_fusion_groups();
    }

    /** Kernels as lists of layer indices with labels, in execution order. */
    std::vector<std::pair<std::vector<std::size_t>, std::string>> kernels() const {
        std::map<int, std::size_t> slot;
        std::vector<std::pair<std::vector<std::size_t>, std::string>> out;
        for (std::size_t i = 0; i < m_.layers.size(); ++i) {
            const auto& l = m_.layers[i];
            if (!l.is_kernel() || l.unknown) continue;
            const int key = group_[i] >= 0 ? group_[i] : static_cast<int>(i);
            auto [it, fresh] = slot.try_emplace(key, out.size());
            if (fresh) {
                auto lbl = labels_.count(key) ? labels_.at(key) : l.op_type;
                out.push_back({{}, lbl});
            }
            out[it->second].first.push_back(i);
        }
        return out;
    }

private:
    /** The single kernel-layer consumer of `v`, or -1. */
    int only_consumer(std::int32_t v) const {
        if (v < 0) return -1;
        const auto& c = consumers_[static_cast<std::size_t>(v)];
        if (c.size() != 1) return -1;
        for (auto out : g_.outputs)
            if (out == v) return -1;
        return layer_of_node_[static_cast<std::size_t>(c[0])];
    }

    const node& node_of(int layer) const {
        return g_.nodes[static_cast<std::size_t>(m_.layers[static_cast<std::size_t>(layer)].node)];
    }

    bool free(int layer) const { return layer >= 0 && group_[static_cast<std::size_t>(layer)] < 0; }

    void take(const std::vector<int>& members, const std::string& label) {
        const int key = *std::min_element(members.begin(), members.end());
        for (int x : members) group_[static_cast<std::size_t>(x)] = key;
        labels_[key] = label;
    }

    int producer_layer(std::int32_t v) const {
        if (v < 0) return -1;
        const auto p = g_.values[static_cast<std::size_t>(v)].producer;
        return p < 0 ? -1 : layer_of_node_[static_cast<std::size_t>(p)];
    }

    void match_patterns() {
        for (std::size_t i = 0; i < m_.layers.size(); ++i) {
            const auto& op = m_.layers[i].op_type;
            const int li = static_cast<int>(i);
            if (!free(li) || !m_.layers[i].is_kernel()) continue;
            const auto& n = node_of(li);
            if (op == "Erf")
                match_gelu(li, n);
            else if (op == "Sigmoid")
                match_silu(li, n);
            else if (op == "Softmax")
                match_attention(li, n);
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

    // Attention: MatMul(Q, Kᵀ) → elementwise scale/mask → Softmax → MatMul(·, V), all activations.
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
        members.push_back(at);
        int next = only_consumer(node_of(softmax).outputs[0]);
        while (free(next) && (node_of(next).op_type == "Cast" || node_of(next).op_type == "Dropout")) {
            members.push_back(next);
            next = only_consumer(node_of(next).outputs[0]);
        }
        if (!free(next) || node_of(next).op_type != "MatMul" || reads_weight(g_, node_of(next))) return;
        members.push_back(next);
        take(members, "Attention");
    }

    void merge_fusion_groups() {
        std::map<std::int32_t, int> first;  // fusion_group (node) → first layer in it
        for (std::size_t i = 0; i < m_.layers.size(); ++i) {
            const auto& l = m_.layers[i];
            if (!l.is_kernel() || l.fusion_group < 0) continue;
            const int own = group_[i] >= 0 ? group_[i] : static_cast<int>(i);
            auto [it, fresh] = first.try_emplace(l.fusion_group, own);
            if (fresh) continue;
            // Re-key every layer of this kernel into the producer's kernel.
            for (auto& gkey : group_)
                if (gkey == own) gkey = it->second;
            group_[i] = it->second;
            if (group_[static_cast<std::size_t>(it->second)] < 0)
                group_[static_cast<std::size_t>(it->second)] = it->second;
        }
    }

    const graph& g_;
    const model_cost& m_;
    const std::vector<std::vector<std::int32_t>>& consumers_;
    std::vector<int> layer_of_node_;
    std::vector<int> group_;
    std::map<int, std::string> labels_;
};

/**
 * Bytes crossing a kernel's boundary: every tensor read from outside once, every tensor written
 * that is read outside (or is a graph output) once. One-layer kernels keep the layer's own count
 * (which knows what Gather or Slice physically read).
 */
std::int64_t boundary_bytes(const graph& g, const model_cost& m, const std::vector<std::size_t>& members,
                            const std::vector<std::vector<std::int32_t>>& consumers) {
    if (members.size() == 1) return m.layers[members.front()].forward.bytes();
    std::set<std::int32_t> inside;
    for (auto i : members) inside.insert(m.layers[i].node);
    const std::set<std::int32_t> graph_outputs(g.outputs.begin(), g.outputs.end());
    std::set<std::int32_t> read;
    std::int64_t bytes = 0;
    for (auto i : members) {
        const auto& n = g.nodes[static_cast<std::size_t>(m.layers[i].node)];
        for (auto in : n.inputs) {
            if (in < 0 || !read.insert(in).second) continue;
            const auto producer = g.values[static_cast<std::size_t>(in)].producer;
            if (producer >= 0 && inside.count(producer)) continue;
            bytes += value_bytes(g.values[static_cast<std::size_t>(in)], m.float_override);
        }
        for (auto out : n.outputs) {
            if (out < 0) continue;
            const auto& c = consumers[static_cast<std::size_t>(out)];
            const bool leaves = graph_outputs.count(out) || c.empty() ||
                                std::any_of(c.begin(), c.end(), [&](auto x) { return inside.count(x) == 0; });
            if (leaves) bytes += value_bytes(g.values[static_cast<std::size_t>(out)], m.float_override);
        }
    }
    return bytes;
}

}  // namespace

latency_prediction predict_latency(const graph& g, const model_cost& m, const hw_spec& hw, dtype precision,
                                   const cost_model_params& params) {
    latency_prediction p;
    p.params = params;
    auto& roof = p.achievable;
    roof = ceilings_for(hw, precision, params.use_tf32);
    // Replace datasheet figures with achievable ones where nothing was measured.
    if (!roof.matmul_measured) roof.matmul_flops_per_s *= default_efficiency::matmul;
    if (!roof.vector_measured) roof.vector_flops_per_s *= default_efficiency::vector;
    if (!roof.bandwidth_measured) roof.bandwidth_bytes_per_s *= default_efficiency::bandwidth;
    auto& prm = p.params;
    if (prm.kernel_fixed_s < 0) {
        prm.kernel_fixed_s =
            roof.min_kernel_s > 0 ? roof.min_kernel_s : (hw.kind == "gpu" ? default_kernel_fixed_gpu_s : 0.0);
    }
    if (prm.launch_overhead_s < 0) {
        prm.launch_overhead_s = hw.measured && hw.measured->launch_overhead_us > 0
                                    ? hw.measured->launch_overhead_us * 1e-6
                                    : default_launch_s;
    }
    const bool half_tensor = roof.matmul_key == "fp16_tensor" || roof.matmul_key == "bf16_tensor" ||
                             roof.matmul_key == "fp8_tensor" || roof.matmul_key == "int8_tensor";
    const auto consumers = consumers_of(g);
    kernel_former former(g, m, consumers, prm.fused);
    p.layer_time_s.assign(m.layers.size(), 0.0);
    double compute_bound_s = 0, memory_bound_s = 0;
    for (auto& [members, label] : former.kernels()) {
        kernel_prediction k;
        k.layers = members;
        k.label = label;
        k.name = m.layers[members.front()].name;
        double vector_flops = 0;
        for (auto i : members) {
            const auto& l = m.layers[i];
            k.flops += l.forward.flops();
            vector_flops += static_cast<double>(l.forward.flops_vector) +
                            default_efficiency::special_cost * static_cast<double>(l.forward.flops_special);
            if (l.forward.flops_matmul > 0) {
                const auto& n = g.nodes[static_cast<std::size_t>(l.node)];
                const auto s = gemm_of(g, n, l);
                const bool misaligned = half_tensor && (std::fmod(s.k, 8.0) != 0 || std::fmod(s.n, 8.0) != 0);
                auto [t, waves] = matmul_time(s, static_cast<double>(l.forward.flops_matmul), roof.matmul_flops_per_s,
                                              hw.sm_count, prm.quantise, misaligned);
                k.matmul_s += t;
                k.waves += waves;
            }
        }
        k.bytes = boundary_bytes(g, m, members, consumers);
        k.matmul_s *= prm.matmul_scale;
        k.vector_s = prm.vector_scale * vector_flops / roof.vector_flops_per_s;
        k.memory_s = prm.memory_scale * static_cast<double>(k.bytes) / roof.bandwidth_bytes_per_s;
        const double compute = k.matmul_s + k.vector_s;
        k.bound = compute >= k.memory_s ? bound_kind::compute : bound_kind::memory;
        k.time_s = std::max(compute, k.memory_s) + prm.kernel_fixed_s;
        (k.bound == bound_kind::compute ? compute_bound_s : memory_bound_s) += k.time_s;
        p.gpu_time_s += k.time_s;
        // Split the kernel's time over its layers by their share of FLOPs and bytes.
        double weight_sum = 0;
        for (auto i : members)
            weight_sum += static_cast<double>(m.layers[i].forward.flops() + m.layers[i].forward.bytes());
        for (auto i : members) {
            const double w = static_cast<double>(m.layers[i].forward.flops() + m.layers[i].forward.bytes());
            p.layer_time_s[i] =
                weight_sum > 0 ? k.time_s * w / weight_sum : k.time_s / static_cast<double>(members.size());
        }
        // NCHW <-> NHWC conversions around half-precision tensor-core convolutions (eager mode).
        const auto& first = m.layers[members.front()];
        const bool conv = first.op_type == "Conv" || first.op_type == "ConvTranspose";
        const bool conversions = conv && half_tensor && prm.nchw_conversions && !prm.fused;
        p.kernels.push_back(std::move(k));
        if (conversions) {
            const auto& n = g.nodes[static_cast<std::size_t>(first.node)];
            const double elem = first.forward.bytes_written > 0 && first.output_bytes > 0 ? 1.0 : 0.0;
            const double in_bytes = static_cast<double>(first.forward.bytes_read_activations);
            const double out_bytes = static_cast<double>(first.output_bytes) * elem;
            for (const auto& [what, bytes] : {std::pair{"NchwToNhwc", in_bytes}, std::pair{"NhwcToNchw", out_bytes}}) {
                kernel_prediction c;
                c.layers = {members.front()};
                c.name = n.display_name() + "/" + what;
                c.label = what;
                c.bytes = static_cast<std::int64_t>(2 * bytes);
                c.memory_s = prm.memory_scale * 2 * bytes / roof.bandwidth_bytes_per_s;
                c.bound = bound_kind::memory;
                c.time_s = c.memory_s + prm.kernel_fixed_s;
                memory_bound_s += c.time_s;
                p.gpu_time_s += c.time_s;
                p.layer_time_s[members.front()] += c.time_s;
                p.kernels.push_back(std::move(c));
            }
        }
    }
    p.launch_s = static_cast<double>(p.kernels.size()) * prm.launch_overhead_s;
    p.wall_time_s = std::max(p.gpu_time_s, p.launch_s);
    if (p.gpu_time_s > 0) p.bound = compute_bound_s >= memory_bound_s ? bound_kind::compute : bound_kind::memory;
    return p;
}

double rescaled_gpu_time_s(const latency_prediction& unit_scales, const cost_model_params& params) {
    double t = 0;
    for (const auto& k : unit_scales.kernels) {
        const double compute = params.matmul_scale * k.matmul_s + params.vector_scale * k.vector_s;
        t += std::max(compute, params.memory_scale * k.memory_s) + params.kernel_fixed_s;
    }
    return t;
}

cost_model_params calibrate(const std::vector<timing_sample>& samples, const cost_model_params& start) {
    if (samples.size() < 4) throw usage_error("calibration needs at least 4 measured samples");
    // Unknowns x = (matmul scale, vector scale, memory scale, fixed per-kernel seconds). With each
    // kernel's bound fixed, a model's time is linear in x; rows are divided by the measured time so
    // every sample weighs the same (relative error). Bounds are re-decided until they settle.
    Eigen::Vector4d x(start.matmul_scale, start.vector_scale, start.memory_scale,
                      std::max(0.0, samples.front().prediction.params.kernel_fixed_s));
    for (int iter = 0; iter < 20; ++iter) {
        Eigen::MatrixXd a(static_cast<Eigen::Index>(samples.size()), 4);
        Eigen::VectorXd b = Eigen::VectorXd::Ones(static_cast<Eigen::Index>(samples.size()));
        for (std::size_t s = 0; s < samples.size(); ++s) {
            Eigen::Vector4d row = Eigen::Vector4d::Zero();
            for (const auto& k : samples[s].prediction.kernels) {
                // Unit-scale terms (the prediction was made with unit scales).
                const double compute = x[0] * k.matmul_s + x[1] * k.vector_s;
                if (compute >= x[2] * k.memory_s) {
                    row[0] += k.matmul_s;
                    row[1] += k.vector_s;
                } else {
                    row[2] += k.memory_s;
                }
                row[3] += 1.0;
            }
            a.row(static_cast<Eigen::Index>(s)) = row.transpose() / samples[s].measured_s;
        }
        // Non-negative least squares over four unknowns: the best of the 16 active sets.
        Eigen::Vector4d best = x;
        double best_err = std::numeric_limits<double>::infinity();
        for (int mask = 1; mask < 16; ++mask) {
            std::vector<int> cols;
            for (int c = 0; c < 4; ++c)
                if (mask & (1 << c)) cols.push_back(c);
            Eigen::MatrixXd sub(a.rows(), static_cast<Eigen::Index>(cols.size()));
            for (std::size_t c = 0; c < cols.size(); ++c) sub.col(static_cast<Eigen::Index>(c)) = a.col(cols[c]);
            const Eigen::VectorXd sol = sub.colPivHouseholderQr().solve(b);
            if ((sol.array() < 0).any()) continue;
            Eigen::Vector4d full = Eigen::Vector4d::Zero();
            for (std::size_t c = 0; c < cols.size(); ++c) full[cols[c]] = sol[static_cast<Eigen::Index>(c)];
            const double err = (a * full - b).squaredNorm();
            if (err < best_err) {
                best_err = err;
                best = full;
            }
        }
        const bool settled = (best - x).norm() < 1e-9 * (1 + x.norm());
        x = best;
        if (settled) break;
    }
    cost_model_params out = start;
    out.matmul_scale = x[0] > 0 ? x[0] : start.matmul_scale;
    out.vector_scale = x[1] > 0 ? x[1] : start.vector_scale;
    out.memory_scale = x[2] > 0 ? x[2] : start.memory_scale;
    out.kernel_fixed_s = x[3];
    return out;
}

}  // namespace ridgeline
