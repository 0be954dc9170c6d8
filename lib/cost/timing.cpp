// Timing one kernel with its class's efficiency curve (hardware.hpp, efficiency_curve):
// - tiled classes (GEMMs, convolutions, attention) run whole waves of tiles; each of the device's
//   SMs runs one tile at a time at compute_fraction × (matmul ceiling / SMs), slowed by the tile's
//   data reuse, I/(I + half) with I = tm·tn/(tm + tn), and by a K-loop start of k_half elements;
//   the library's choice of tile shape and split-K is the one that finishes first;
// - streaming classes take bytes / (bandwidth × memory_fraction × x/(x + half)), x being the
//   class's size variable (row length, elements per channel, taps of a stencil …), or their CUDA-core
//   compute at compute_fraction × x/(x + half) of the vector ceiling when larger;
// - every kernel pays the class's fixed cost; memory time counts L2 hits at L2 bandwidth and the
//   rest at DRAM bandwidth (reuse distances from residency.cpp).
#include "model.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ridgeline::cost {
namespace {

struct tile {
    double m, n;
};
// CTA tile shapes of the kernels eager frameworks run (names in h200_microbench.json): SIMT fp32
// (cutlass simt_sgemm 128×32…256×128, xmma tilesize32x32…256x128) and Hopper tensor-core ones
// (nvjet 64×8…256×128, cutlass tensorop 64×64…256×128).
constexpr tile simt_tiles[] = {{128, 128}, {128, 64}, {64, 64}, {64, 32}, {32, 32}};
constexpr tile tensor_tiles[] = {{256, 128}, {128, 128}, {128, 64}, {64, 64}, {64, 32}, {64, 16}};

bool tiled(kernel_class c) {
    switch (c) {
        case kernel_class::gemm:
        case kernel_class::gemm_unaligned:
        case kernel_class::conv:
        case kernel_class::conv_generic:
        case kernel_class::conv_first_layer:
        case kernel_class::attention:
            return true;
        default:
            return false;
    }
}

/** Fraction of an access that hits in L2 at reuse distance `d` bytes. */
double hit_fraction(double d, const device_model& dev) {
    if (dev.l2_bytes <= 0 || !std::isfinite(d)) return 0;
    const double x = d / dev.l2_bytes;
    if (x <= dev.l2_resident_fraction) return 1;
    if (x >= dev.l2_evicted_fraction) return 0;
    return (dev.l2_evicted_fraction - x) / (dev.l2_evicted_fraction - dev.l2_resident_fraction);
}

/** Tiled compute time and waves of one launch. */
std::pair<double, double> tiled_time(const kernel_spec& k, const efficiency_curve& c, const device_model& d) {
    const auto& gm = k.gemm;
    const double rate = d.matmul_flops_per_s * c.compute_fraction;
    if (gm.m <= 0 || gm.n <= 0 || gm.k <= 0 || rate <= 0) {
        return {rate > 0 ? static_cast<double>(k.flops_matmul) / rate : 0.0, 0.0};
    }
    const double batch = static_cast<double>(std::max<std::int64_t>(1, gm.batch));
    const double m = static_cast<double>(gm.m), n = static_cast<double>(gm.n), kk = static_cast<double>(gm.k);
    if (!d.quantise || d.sms <= 0) {
        return {2 * batch * m * n * (kk + c.k_half_elements) / rate, 0.0};
    }
    const double sms = static_cast<double>(d.sms);
    const double rate_sm = rate / sms;
    double best = std::numeric_limits<double>::infinity(), best_waves = 0;
    const auto* begin = d.tensor_tiles ? std::begin(tensor_tiles) : std::begin(simt_tiles);
    const auto* end = d.tensor_tiles ? std::end(tensor_tiles) : std::end(simt_tiles);
    const double max_split = gm.split_k ? std::clamp(std::floor(kk / 256), 1.0, 16.0) : 1.0;
    for (const auto* t = begin; t != end; ++t) {
        const double intensity = t->m * t->n / (t->m + t->n);
        const double reuse = c.half_elements > 0 ? intensity / (intensity + c.half_elements) : 1.0;
        const double tiles = batch * std::ceil(m / t->m) * std::ceil(n / t->n);
        for (double split = 1; split <= max_split; split += 1) {
            const double waves = std::ceil(tiles * split / sms);
            double time = waves * 2 * t->m * t->n * (std::ceil(kk / split) + c.k_half_elements) / (rate_sm * reuse);
            if (split > 1) {
                // Partial sums written and read back by a reduction kernel.
                time += 8 * batch * m * n * split / d.dram_bytes_per_s;
                const auto& e = d.curves.at(kernel_class::elementwise);
                time += e.fixed_us * 1e-6;
            }
            if (time < best) {
                best = time;
                best_waves = waves;
            }
        }
    }
    return {best, best_waves};
}

}  // namespace

kernel_timing time_kernel(const kernel_spec& k, const std::vector<double>& distances, const device_model& d) {
    kernel_timing t;
    const auto& c = d.curves.at(k.cls);
    double total = 0, dram = 0;
    for (std::size_t i = 0; i < k.traffic.size(); ++i) {
        const double bytes = static_cast<double>(k.traffic[i].bytes);
        total += bytes;
        dram += bytes * (1 - hit_fraction(i < distances.size() ? distances[i] : INFINITY, d));
    }
    t.dram_bytes = dram;
    const double l2_bw = d.l2_bytes_per_s > 0 ? d.l2_bytes_per_s : d.dram_bytes_per_s;
    double memory = std::max(total / l2_bw, dram / d.dram_bytes_per_s);
    if (tiled(k.cls)) {
        const auto [s, waves] = tiled_time(k, c, d);
        t.tiled_s = s;
        t.waves = waves;
        t.memory_s = memory / c.memory_fraction;
    } else {
        const double x = static_cast<double>(k.size_elements);
        const double reuse = c.half_elements > 0 && x > 0 ? x / (x + c.half_elements) : 1.0;
        t.memory_s = memory / (c.memory_fraction * reuse);
        const double work =
            static_cast<double>(k.flops_vector + k.flops_matmul) + special_cost * static_cast<double>(k.flops_special);
        t.vector_s = work / (d.vector_flops_per_s * c.compute_fraction * reuse);
    }
    t.fixed_s = c.fixed_us * 1e-6;
    return t;
}

ceilings achievable_ceilings(const hw_spec& hw, dtype precision, bool tf32) {
    auto roof = ceilings_for(hw, precision, tf32);
    if (!roof.matmul_measured) roof.matmul_flops_per_s *= default_efficiency::matmul;
    if (!roof.vector_measured) roof.vector_flops_per_s *= default_efficiency::vector;
    if (!roof.bandwidth_measured) roof.bandwidth_bytes_per_s *= default_efficiency::bandwidth;
    return roof;
}

std::map<kernel_class, efficiency_curve> default_curves() {
    std::map<kernel_class, efficiency_curve> m;
    for (auto c : all_kernel_classes()) m[c] = {1.0, 1.0, 0, 0, 2.0, 0, 0};
    return m;
}

device_model make_device(const hw_spec& hw, dtype precision, bool tf32, const ceilings& roof) {
    device_model d;
    d.matmul_flops_per_s = roof.matmul_flops_per_s;
    d.vector_flops_per_s = roof.vector_flops_per_s;
    d.dram_bytes_per_s = roof.bandwidth_bytes_per_s;
    d.sms = hw.kind == "gpu" || hw.kind == "soc" ? hw.sm_count : 0;
    d.l2_bytes = hw.l2_size_mib * 1024 * 1024;
    const double measured_l2 = hw.measured ? hw.measured->l2_bandwidth_gbps : 0;
    // Without a figure, L2 moves 1.75× the DRAM copy rate (H200: 7460 / 4224 GB/s measured).
    d.l2_bytes_per_s = measured_l2 > 0            ? measured_l2 * 1e9
                       : hw.l2_bandwidth_gbps > 0 ? hw.l2_bandwidth_gbps * 1e9
                                                  : 1.75 * d.dram_bytes_per_s;
    const bool half = precision == dtype::f16 || precision == dtype::bf16 || precision == dtype::f8e4m3fn ||
                      precision == dtype::f8e5m2 || precision == dtype::i8;
    d.tensor_tiles = half || tf32;
    const efficiency_table* table = hw.measured && hw.measured->efficiency ? &*hw.measured->efficiency : nullptr;
    if (table) {
        d.l2_resident_fraction = table->l2_resident_fraction;
        d.l2_evicted_fraction = table->l2_evicted_fraction;
        const auto own = table->curves.find(half ? "fp16" : "fp32");
        if (own != table->curves.end()) d.curves = own->second;
        if (tf32 && !half) {  // tf32 runs tiled work on tensor cores: the half-precision tile curves
            if (const auto h = table->curves.find("fp16"); h != table->curves.end()) {
                for (auto cls : {kernel_class::gemm, kernel_class::gemm_unaligned, kernel_class::conv,
                                 kernel_class::conv_generic, kernel_class::conv_first_layer, kernel_class::attention})
                    d.curves[cls] = h->second.at(cls);
            }
        }
    }
    if (d.curves.empty()) d.curves = default_curves();
    return d;
}

}  // namespace ridgeline::cost
