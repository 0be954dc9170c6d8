// The latency model's assembly: kernels as the framework forms them (formation.cpp), reuse
// distances (residency.cpp), each kernel timed by its class's efficiency curve (timing.cpp); and
// the whole-model least-squares calibration kept for users' own measurements.
#include "model.hpp"

#include "ridgeline/error.hpp"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <limits>

namespace ridgeline {

namespace {

constexpr double default_launch_s = 5e-6;

/** Leaves the NCHW↔NHWC conversions out: the convolution reads and writes the tensors themselves. */
void drop_conversions(std::vector<cost::planned_kernel>& kernels) {
    std::map<std::pair<std::int32_t, std::int32_t>, std::int32_t> scratch_value;  // (node, scratch) → value
    for (const auto& k : kernels) {
        const bool conversion =
            k.spec.cls == kernel_class::layout_conversion || k.spec.cls == kernel_class::filter_conversion;
        if (!conversion) continue;
        std::int32_t value = -1, scratch = -1;
        for (const auto& t : k.spec.traffic) {
            if (t.value >= 0)
                value = t.value;
            else
                scratch = t.scratch;
        }
        if (value >= 0 && scratch >= 0) scratch_value[{k.node, scratch}] = value;
    }
    std::erase_if(kernels, [](const auto& k) {
        return k.spec.cls == kernel_class::layout_conversion || k.spec.cls == kernel_class::filter_conversion;
    });
    for (auto& k : kernels) {
        for (auto& t : k.spec.traffic) {
            if (t.value >= 0) continue;
            if (auto it = scratch_value.find({k.node, t.scratch}); it != scratch_value.end()) t.value = it->second;
        }
    }
}

}  // namespace

latency_prediction predict_latency(const graph& g, const model_cost& m, const hw_spec& hw, dtype precision,
                                   const cost_model_params& params) {
    latency_prediction p;
    p.params = params;
    auto& roof = p.achievable;
    roof = cost::achievable_ceilings(hw, precision, params.use_tf32);
    auto& prm = p.params;
    if (prm.launch_overhead_s < 0) {
        prm.launch_overhead_s = hw.measured && hw.measured->launch_overhead_us > 0
                                    ? hw.measured->launch_overhead_us * 1e-6
                                    : default_launch_s;
    }
    auto device = cost::make_device(hw, precision, params.use_tf32, roof);
    device.quantise = prm.quantise;
    if (prm.kernel_fixed_s >= 0) {
        for (auto& [cls, c] : device.curves) c.fixed_us = prm.kernel_fixed_s * 1e6;
    } else if (!(hw.measured && hw.measured->efficiency)) {
        // Built-in curves: the measured minimum kernel time, else 2 µs on GPUs and nothing elsewhere.
        const double fixed = roof.min_kernel_s > 0 ? roof.min_kernel_s : (hw.kind == "gpu" ? 2e-6 : 0.0);
        for (auto& [cls, c] : device.curves) c.fixed_us = fixed * 1e6;
    }
    p.curves = !(hw.measured && hw.measured->efficiency) ? "built-in (no calibrated device to derive from)"
               : hw.measured->efficiency->derived_from.empty()
                   ? "calibrated for " + hw.id + " (" + hw.measured->efficiency->date + ")"
                   : "derived from " + hw.measured->efficiency->derived_from;

    cost::formation_options fo;
    fo.precision = precision;
    fo.fused = prm.fused;
    fo.eager_batchnorm = prm.eager_batchnorm;
    auto planned = cost::form_kernels(g, m, fo);
    if (!prm.nchw_conversions || prm.fused) drop_conversions(planned);
    const auto distances = cost::reuse_distances(planned);

    p.layer_time_s.assign(m.layers.size(), 0.0);
    double compute_bound_s = 0, memory_bound_s = 0;
    for (std::size_t i = 0; i < planned.size(); ++i) {
        const auto& pk = planned[i];
        const auto t = cost::time_kernel(pk.spec, distances.bytes[i], device);
        kernel_prediction k;
        k.layers = pk.layers;
        k.name = pk.name;
        k.label = pk.label;
        k.cls = pk.spec.cls;
        k.launches = std::max<std::int64_t>(1, pk.spec.launches);
        const double launches = static_cast<double>(k.launches);
        k.flops = checked_mul(pk.spec.flops_matmul + pk.spec.flops_vector + pk.spec.flops_special, k.launches);
        for (const auto& a : pk.spec.traffic) k.bytes += a.bytes;
        k.bytes = checked_mul(k.bytes, k.launches);
        k.dram_bytes = t.dram_bytes * launches;
        k.matmul_s = prm.matmul_scale * t.tiled_s;
        k.vector_s = prm.vector_scale * t.vector_s;
        k.memory_s = prm.memory_scale * t.memory_s;
        k.fixed_s = t.fixed_s;
        k.waves = t.waves;
        const double compute = k.matmul_s + k.vector_s;
        k.bound = compute >= k.memory_s ? bound_kind::compute : bound_kind::memory;
        k.time_s = launches * (std::max(compute, k.memory_s) + k.fixed_s);
        (k.bound == bound_kind::compute ? compute_bound_s : memory_bound_s) += k.time_s;
        p.gpu_time_s += k.time_s;
        p.launches += k.launches;
        // Split the kernel's time over its layers by their share of FLOPs and bytes.
        double weight_sum = 0;
        for (auto li : k.layers)
            weight_sum += static_cast<double>(m.layers[li].forward.flops() + m.layers[li].forward.bytes());
        for (auto li : k.layers) {
            const double w = static_cast<double>(m.layers[li].forward.flops() + m.layers[li].forward.bytes());
            p.layer_time_s[li] +=
                weight_sum > 0 ? k.time_s * w / weight_sum : k.time_s / static_cast<double>(k.layers.size());
        }
        p.kernels.push_back(std::move(k));
    }
    p.launch_s = static_cast<double>(p.launches) * prm.launch_overhead_s;
    p.wall_time_s = std::max(p.gpu_time_s, p.launch_s);
    if (p.gpu_time_s > 0) p.bound = compute_bound_s >= memory_bound_s ? bound_kind::compute : bound_kind::memory;
    return p;
}

double rescaled_gpu_time_s(const latency_prediction& unit_scales, const cost_model_params& params) {
    double t = 0;
    for (const auto& k : unit_scales.kernels) {
        const double compute = params.matmul_scale * k.matmul_s + params.vector_scale * k.vector_s;
        const double fixed = params.kernel_fixed_s >= 0 ? params.kernel_fixed_s : k.fixed_s;
        t += static_cast<double>(k.launches) * (std::max(compute, params.memory_scale * k.memory_s) + fixed);
    }
    return t;
}

cost_model_params calibrate(const std::vector<timing_sample>& samples, const cost_model_params& start) {
    if (samples.size() < 4) throw usage_error("calibration needs at least 4 measured samples");
    // Unknowns x = (matmul scale, vector scale, memory scale, fixed per-kernel seconds). With each
    // kernel's bound fixed, a model's time is linear in x; rows are divided by the measured time so
    // every sample weighs the same (relative error). Bounds are re-decided until they settle.
    double mean_fixed = 0, all_launches = 0;
    for (const auto& k : samples.front().prediction.kernels) {
        mean_fixed += k.fixed_s * static_cast<double>(k.launches);
        all_launches += static_cast<double>(k.launches);
    }
    Eigen::Vector4d x(start.matmul_scale, start.vector_scale, start.memory_scale,
                      all_launches > 0 ? mean_fixed / all_launches : 0.0);
    for (int iter = 0; iter < 20; ++iter) {
        Eigen::MatrixXd a(static_cast<Eigen::Index>(samples.size()), 4);
        Eigen::VectorXd b = Eigen::VectorXd::Ones(static_cast<Eigen::Index>(samples.size()));
        for (std::size_t s = 0; s < samples.size(); ++s) {
            Eigen::Vector4d row = Eigen::Vector4d::Zero();
            for (const auto& k : samples[s].prediction.kernels) {
                // Unit-scale terms (the prediction was made with unit scales).
                const double compute = x[0] * k.matmul_s + x[1] * k.vector_s;
                const double launches = static_cast<double>(k.launches);
                if (compute >= x[2] * k.memory_s) {
                    row[0] += launches * k.matmul_s;
                    row[1] += launches * k.vector_s;
                } else {
                    row[2] += launches * k.memory_s;
                }
                row[3] += launches;
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
