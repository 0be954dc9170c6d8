// Writing measured ceilings into a hardware spec's `measured:` section (YAML text, other lines kept).
#include "ridgeline/measure.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <sstream>
#include <vector>

namespace ridgeline {

namespace {

/** A YAML double-quoted scalar. */
std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out + '"';
}

/** Four significant digits at least, no exponent for the magnitudes specs hold. */
std::string figure(double x) { return x >= 100 ? fmt::format("{:.1f}", x) : fmt::format("{:.4g}", x); }

std::string flow_map(const std::map<std::string, double>& m, const std::vector<std::string>& order) {
    std::string out;
    auto add = [&](const std::string& k, double v) {
        if (v <= 0) return;
        out += (out.empty() ? "" : ", ") + k + ": " + figure(v);
    };
    for (const auto& k : order) {
        if (const auto it = m.find(k); it != m.end()) add(k, it->second);
    }
    for (const auto& [k, v] : m) {
        if (std::find(order.begin(), order.end(), k) == order.end()) add(k, v);
    }
    return "{" + out + "}";
}

bool is_top_level_key(const std::string& line) {
    return !line.empty() && line[0] != ' ' && line[0] != '\t' && line[0] != '#' && line[0] != '-';
}

}  // namespace

std::string measured_section_yaml(const ceiling_measurements& m) {
    const auto& f = m.figures;
    std::string y = "measured:\n";
    y += "  date: " + quoted(f.date.empty() ? "unknown" : f.date) + "\n";
    y += "  method: " + quoted(f.method.empty() ? "ridgeline ceilings" : f.method) + "\n";
    if (f.dram_bandwidth_gbps > 0) y += "  dram_bandwidth_gbps: " + figure(f.dram_bandwidth_gbps) + "\n";
    if (m.l2_bandwidth_gbps > 0) y += "  l2_bandwidth_gbps: " + figure(m.l2_bandwidth_gbps) + "\n";
    const std::vector<std::string> order{"fp64",        "fp32",        "tf32_tensor", "fp16",       "bf16",
                                         "fp16_tensor", "bf16_tensor", "fp8_tensor",  "int8_tensor"};
    if (!m.vector_tflops.empty()) y += "  vector_tflops: " + flow_map(m.vector_tflops, order) + "\n";
    if (!f.matmul_tflops.empty()) y += "  matmul_tflops: " + flow_map(f.matmul_tflops, order) + "\n";
    if (f.min_kernel_time_us > 0) y += "  min_kernel_time_us: " + figure(f.min_kernel_time_us) + "\n";
    if (f.launch_overhead_us > 0) y += "  launch_overhead_us: " + figure(f.launch_overhead_us) + "\n";
    return y;
}

std::string with_measured_section(const std::string& spec_text, const ceiling_measurements& m) {
    // Empty text is a spec that was never read (a path that does not exist): the result would be
    // a bare measured: block without id, name or peaks.
    if (spec_text.find_first_not_of(" \t\r\n") == std::string::npos)
        throw error("with_measured_section: the spec text is empty (was the spec file read?)");
    std::vector<std::string> lines;
    {
        std::istringstream in(spec_text);
        for (std::string line; std::getline(in, line);) lines.push_back(line);
    }
    const std::string block = measured_section_yaml(m);
    std::string out;
    bool replaced = false;
    for (std::size_t i = 0; i < lines.size();) {
        const auto& line = lines[i];
        const bool starts_block =
            line.rfind("measured:", 0) == 0 && line.find_first_not_of(" \t", 9) == std::string::npos;
        const bool starts_inline = line.rfind("measured:", 0) == 0 && !starts_block;  // measured: {...} on one line
        if (!replaced && (starts_block || starts_inline)) {
            out += block;
            replaced = true;
            ++i;
            if (starts_block) {
                // The block runs until the next top-level key (or a top-level comment before one).
                while (i < lines.size() && !is_top_level_key(lines[i]) && !(lines[i].rfind('#', 0) == 0)) ++i;
            }
            continue;
        }
        out += line + "\n";
        ++i;
    }
    if (!replaced) {
        if (!out.empty() && out.back() != '\n') out += '\n';
        out += block;
    }
    return out;
}

}  // namespace ridgeline
