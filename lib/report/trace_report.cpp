// Text reporters of measurements (report.hpp): a trace's summary and measured ceilings.
#include "ridgeline/report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <ostream>

namespace ridgeline {

void write_trace_summary(std::ostream& out, const trace& t) {
    out << fmt::format("{} kernels ({}), {} memcpy ({}), {} memset ({}), {} ranges{}\n", t.count(activity_kind::kernel),
                       human_time(t.kernel_time_s()), t.count(activity_kind::memcpy),
                       human_time(t.time_s(activity_kind::memcpy)), t.count(activity_kind::memset),
                       human_time(t.time_s(activity_kind::memset)), t.ranges.size(),
                       t.dropped_records ? fmt::format(", {} records dropped", t.dropped_records) : "");
    std::map<std::string, std::pair<std::size_t, double>> by_name;
    for (const auto& r : t.records) {
        if (r.kind != activity_kind::kernel) continue;
        auto& e = by_name[r.name];
        ++e.first;
        e.second += r.duration_s();
    }
    std::vector<std::pair<std::string, std::pair<std::size_t, double>>> top(by_name.begin(), by_name.end());
    std::sort(top.begin(), top.end(), [](const auto& a, const auto& b) { return a.second.second > b.second.second; });
    if (top.size() > 10) top.resize(10);
    for (const auto& [name, e] : top) {
        out << fmt::format("  {:>12} {:>6}x  {}\n", human_time(e.second), e.first,
                           name.size() > 110 ? name.substr(0, 107) + "..." : name);
    }
}

void write_ceilings_table(std::ostream& out, const ceiling_measurements& m, const hw_spec& hw) {
    out << fmt::format("ceilings of {} (compute capability {}, {} SMs, L2 {:.0f} MiB) against spec {} ({})\n\n",
                       m.device_name, m.compute_capability, m.sm_count, m.l2_size_mib, hw.id, hw.name);
    out << fmt::format("{:<24} {:>16} {:>16} {:>7}\n", "figure", "measured", "datasheet", "ratio");
    const auto row = [&](const std::string& what, double measured, double sheet, const char* unit) {
        const std::string ratio = measured > 0 && sheet > 0 ? fmt::format("{:.0f}%", 100 * measured / sheet) : "";
        out << fmt::format("{:<24} {:>16} {:>16} {:>7}\n", what,
                           measured > 0 ? fmt::format("{:.1f} {}", measured, unit) : "-",
                           sheet > 0 ? fmt::format("{:.1f} {}", sheet, unit) : "-", ratio);
    };
    const auto peak = [&](const std::string& key) {
        const auto it = hw.peak_tflops.find(key);
        return it == hw.peak_tflops.end() ? 0.0 : it->second;
    };
    row("DRAM bandwidth", m.figures.dram_bandwidth_gbps, hw.dram_bandwidth_gbps, "GB/s");
    row("L2 bandwidth", m.l2_bandwidth_gbps, hw.l2_bandwidth_gbps, "GB/s");
    for (const auto& [k, v] : m.vector_tflops) row("vector " + k, v, peak(k), "TFLOPS");
    for (const auto& [k, v] : m.figures.matmul_tflops) row("matmul " + k, v, peak(k), "TFLOPS");
    out << fmt::format("{:<24} {:>16}\n", "min kernel time", human_time(m.figures.min_kernel_time_us * 1e-6));
    out << fmt::format("{:<24} {:>16}\n", "launch overhead", human_time(m.figures.launch_overhead_us * 1e-6));
    out << "\nhow:\n";
    for (const auto& n : m.notes) out << "  " << n << '\n';
    out << '\n' << measured_section_yaml(m);
}

}  // namespace ridgeline
