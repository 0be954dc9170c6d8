// Rooflines: ceilings per precision, attainable performance, per-kernel max(compute, memory).
#include "ridgeline/roofline.hpp"

#include "ridgeline/error.hpp"
#include "ridgeline/precision.hpp"

#include "../support/enum_names.hpp"

#include <algorithm>

namespace ridgeline {

namespace {

constexpr auto bound_names = support::make_enum_names<bound_kind>(
    {{bound_kind::none, "none"}, {bound_kind::memory, "memory"}, {bound_kind::compute, "compute"}});

}  // namespace

std::string_view bound_name(bound_kind b) noexcept { return bound_names.name_of(b); }

ceilings ceilings_for(const hw_spec& hw, dtype precision, bool use_tf32) {
    ceilings c;
    auto keys = ceiling_keys_for(precision, use_tf32);
    c.matmul_key = std::move(keys.matmul);
    c.vector_key = std::move(keys.vector);
    // Devices without tensor units (CPUs, older GPUs) run matmul work on the vector units.
    if (!hw.peak_tflops.count(c.matmul_key)) {
        if (precision == dtype::f64 && hw.peak_tflops.count("fp64"))
            c.matmul_key = "fp64";
        else if (hw.peak_tflops.count(c.vector_key))
            c.matmul_key = c.vector_key;
    }
    if (!hw.peak_tflops.count(c.vector_key)) c.vector_key = "fp32";
    c.matmul_flops_per_s = hw.peak_flops(c.matmul_key);
    c.vector_flops_per_s = hw.peak_flops(c.vector_key);
    c.bandwidth_bytes_per_s = hw.bandwidth_bytes_per_s();
    if (hw.measured) {
        const auto& m = *hw.measured;
        if (auto it = m.matmul_tflops.find(c.matmul_key); it != m.matmul_tflops.end()) {
            c.matmul_flops_per_s = it->second * 1e12;
            c.matmul_measured = true;
        }
        if (auto it = m.vector_tflops.find(c.vector_key); it != m.vector_tflops.end()) {
            c.vector_flops_per_s = it->second * 1e12;
            c.vector_measured = true;
        }
        if (m.dram_bandwidth_gbps > 0) {
            c.bandwidth_bytes_per_s = m.dram_bandwidth_gbps * 1e9;
            c.bandwidth_measured = true;
        }
        c.measured = c.matmul_measured || c.vector_measured || c.bandwidth_measured;
        c.min_kernel_s = m.min_kernel_time_us * 1e-6;
    }
    return c;
}

std::map<std::string, double> ridge_points(const hw_spec& hw) {
    std::map<std::string, double> out;
    if (hw.dram_bandwidth_gbps <= 0) return out;
    for (const auto& [key, tflops] : hw.peak_tflops) {
        ceilings c;
        c.matmul_key = key;
        c.matmul_flops_per_s = tflops * 1e12;
        c.bandwidth_bytes_per_s = hw.dram_bandwidth_gbps * 1e9;
        out.emplace(key, c.ridge_point());
    }
    return out;
}

double attainable_flops(double intensity, double peak_flops_per_s, double bandwidth_bytes_per_s) {
    return std::min(peak_flops_per_s, intensity * bandwidth_bytes_per_s);
}

model_prediction predict(const model_cost& m, const hw_spec& hw, dtype precision, bool use_tf32) {
    model_prediction p;
    p.roof = ceilings_for(hw, precision, use_tf32);
    p.layers.reserve(m.layers.size());
    double compute_bound_s = 0;
    double memory_bound_s = 0;
    for (const auto& l : m.layers) {
        layer_prediction lp;
        if (l.is_kernel() && !l.unknown) {
            const auto& f = l.forward;
            lp.compute_s = static_cast<double>(f.flops_matmul) / p.roof.matmul_flops_per_s +
                           static_cast<double>(f.flops_vector + f.flops_special) / p.roof.vector_flops_per_s;
            lp.memory_s = static_cast<double>(f.bytes()) / p.roof.bandwidth_bytes_per_s;
            lp.bound = lp.compute_s >= lp.memory_s ? bound_kind::compute : bound_kind::memory;
            lp.time_s = std::max({lp.compute_s, lp.memory_s, p.roof.min_kernel_s});
            const double peak = f.flops_matmul > 0 ? p.roof.matmul_flops_per_s : p.roof.vector_flops_per_s;
            lp.attainable_flops_per_s = attainable_flops(f.operational_intensity(), peak, p.roof.bandwidth_bytes_per_s);
            (lp.bound == bound_kind::compute ? compute_bound_s : memory_bound_s) += lp.time_s;
            ++(lp.bound == bound_kind::compute ? p.compute_bound_kernels : p.memory_bound_kernels);
            p.total_time_s += lp.time_s;
            p.compute_s += lp.compute_s;
            p.memory_s += lp.memory_s;
        }
        p.layers.push_back(lp);
    }
    if (p.total_time_s > 0) p.bound = compute_bound_s >= memory_bound_s ? bound_kind::compute : bound_kind::memory;
    return p;
}

}  // namespace ridgeline
