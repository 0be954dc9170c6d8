// Efficiency curves in hardware specs: reading and validating `measured.efficiency`, writing it
// back as YAML, and deriving curves for devices that were never calibrated from the nearest
// calibrated one.
#include "efficiency.hpp"

#include "ridgeline/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>

namespace ridgeline {

namespace {

constexpr const char* section = "measured.efficiency";

/** A finite, non-negative number at `key`; `positive` also refuses 0. Absent: 0 (or an error). */
double figure_at(const YAML::Node& n, const std::string& path, const std::string& key, bool required, bool positive) {
    if (!n || n.IsNull()) {
        if (required) throw spec_error(path, key, "is required");
        return 0;
    }
    if (!n.IsScalar()) throw spec_error(path, key, "must be a number");
    double v = 0;
    if (!YAML::convert<double>::decode(n, v))
        throw spec_error(path, key, "must be a plain number, got '" + n.Scalar() + "'");
    if (!std::isfinite(v)) throw spec_error(path, key, "must be finite, got " + n.Scalar());
    if (v < 0 || (positive && v == 0))
        throw spec_error(path, key,
                         std::string("must be ") + (positive ? "positive" : "0 or more") + ", got " + n.Scalar());
    return v;
}

std::string text_at(const YAML::Node& n, const std::string& path, const std::string& key) {
    if (!n || n.IsNull()) return {};
    if (!n.IsScalar()) throw spec_error(path, key, "must be text");
    return n.Scalar();
}

/** Plain decimal with enough digits to read back what was fitted. */
std::string num(double x) { return fmt::format("{:.6g}", x); }

std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c == '\n' ? ' ' : c;
    }
    return out + '"';
}

/** Generations in order, for "the nearest calibrated architecture". */
int generation(const std::string& architecture) {
    static const std::array<std::string_view, 9> order{"Kepler", "Maxwell", "Pascal", "Volta",    "Turing",
                                                       "Ampere", "Ada",     "Hopper", "Blackwell"};
    for (std::size_t i = 0; i < order.size(); ++i) {
        if (architecture.starts_with(order[i])) return static_cast<int>(i);
    }
    return -1;
}

}  // namespace

const std::vector<std::string>& efficiency_precisions() {
    static const std::vector<std::string> p{"fp32", "fp16"};
    return p;
}

namespace hw {

efficiency_table parse_efficiency_node(const YAML::Node& node, const std::string& path) {
    const std::string base = section;
    if (!node.IsMap()) throw spec_error(path, base, "must be a mapping (date, source, method, curves per precision)");
    efficiency_table t;
    t.date = text_at(node["date"], path, base + ".date");
    t.source = text_at(node["source"], path, base + ".source");
    t.method = text_at(node["method"], path, base + ".method");
    if (t.method.empty()) throw spec_error(path, base + ".method", "is required (how the curves were fitted)");
    t.derived_from = text_at(node["derived_from"], path, base + ".derived_from");
    if (node["l2_resident_fraction"])
        t.l2_resident_fraction =
            figure_at(node["l2_resident_fraction"], path, base + ".l2_resident_fraction", true, true);
    if (node["l2_evicted_fraction"])
        t.l2_evicted_fraction = figure_at(node["l2_evicted_fraction"], path, base + ".l2_evicted_fraction", true, true);
    if (!(t.l2_resident_fraction < t.l2_evicted_fraction))
        throw spec_error(path, base + ".l2_evicted_fraction", "must be larger than l2_resident_fraction");
    static const std::vector<std::string> meta{
        "date", "source", "method", "derived_from", "l2_resident_fraction", "l2_evicted_fraction"};
    const auto& precisions = efficiency_precisions();
    for (const auto& kv : node) {
        const auto key = kv.first.Scalar();
        if (std::find(meta.begin(), meta.end(), key) != meta.end()) continue;
        if (std::find(precisions.begin(), precisions.end(), key) == precisions.end())
            throw spec_error(path, base + "." + key, "unknown key (precisions: fp32, fp16)");
    }
    for (const auto& p : precisions) {
        const auto pn = node[p];
        const std::string pkey = base + "." + p;
        if (!pn) throw spec_error(path, pkey, "is required (a curve for every kernel class)");
        if (!pn.IsMap()) throw spec_error(path, pkey, "must map kernel classes to curves");
        for (const auto& kv : pn) {
            if (!parse_kernel_class(kv.first.Scalar()))
                throw spec_error(path, pkey + "." + kv.first.Scalar(), "unknown kernel class");
        }
        auto& curves = t.curves[p];
        for (auto cls : all_kernel_classes()) {
            const std::string ckey = pkey + "." + std::string(kernel_class_name(cls));
            const auto cn = pn[std::string(kernel_class_name(cls))];
            if (!cn) throw spec_error(path, ckey, "is missing (every kernel class needs a curve)");
            if (!cn.IsMap()) throw spec_error(path, ckey, "must be a mapping of curve figures");
            static const std::vector<std::string> fields{"compute_fraction",        "memory_fraction", "half_elements",
                                                         "k_half_elements",         "fixed_us",        "fit_rows",
                                                         "fit_median_abs_log_ratio"};
            for (const auto& f : cn) {
                if (std::find(fields.begin(), fields.end(), f.first.Scalar()) == fields.end())
                    throw spec_error(path, ckey + "." + f.first.Scalar(), "unknown curve figure");
            }
            efficiency_curve c;
            c.compute_fraction = figure_at(cn["compute_fraction"], path, ckey + ".compute_fraction", true, true);
            c.memory_fraction = figure_at(cn["memory_fraction"], path, ckey + ".memory_fraction", true, true);
            c.half_elements = figure_at(cn["half_elements"], path, ckey + ".half_elements", false, false);
            c.k_half_elements = figure_at(cn["k_half_elements"], path, ckey + ".k_half_elements", false, false);
            c.fixed_us = figure_at(cn["fixed_us"], path, ckey + ".fixed_us", true, false);
            const double rows = figure_at(cn["fit_rows"], path, ckey + ".fit_rows", false, false);
            if (rows != std::floor(rows)) throw spec_error(path, ckey + ".fit_rows", "must be a whole number");
            c.fit_rows = static_cast<std::int64_t>(rows);
            c.fit_median_abs_log_ratio =
                figure_at(cn["fit_median_abs_log_ratio"], path, ckey + ".fit_median_abs_log_ratio", false, false);
            if (c.compute_fraction > 4 || c.memory_fraction > 4)
                throw spec_error(path, ckey, "a fraction above 4 of the ceiling is not plausible");
            curves[cls] = c;
        }
    }
    return t;
}

}  // namespace hw

efficiency_table parse_efficiency(const std::string& yaml, const std::string& path) {
    YAML::Node n;
    try {
        n = YAML::Load(yaml);
    } catch (const YAML::Exception& e) {
        throw spec_error(path, section, std::string("not valid YAML: ") + e.what());
    }
    return hw::parse_efficiency_node(n, path);
}

std::string efficiency_yaml(const efficiency_table& t, int indent) {
    const std::string i1(static_cast<std::size_t>(indent), ' ');
    const std::string i2 = i1 + "  ";
    const std::string i3 = i2 + "  ";
    std::string y = i1 + "efficiency:\n";
    y += i2 + "date: " + quoted(t.date.empty() ? "unknown" : t.date) + "\n";
    if (!t.source.empty()) y += i2 + "source: " + quoted(t.source) + "\n";
    y += i2 + "method: " + quoted(t.method.empty() ? "ridgeline calibrate" : t.method) + "\n";
    if (!t.derived_from.empty()) y += i2 + "derived_from: " + quoted(t.derived_from) + "\n";
    y += i2 + "l2_resident_fraction: " + num(t.l2_resident_fraction) + "\n";
    y += i2 + "l2_evicted_fraction: " + num(t.l2_evicted_fraction) + "\n";
    for (const auto& p : efficiency_precisions()) {
        const auto it = t.curves.find(p);
        if (it == t.curves.end()) continue;
        y += i2 + p + ":\n";
        for (auto cls : all_kernel_classes()) {
            const auto c = it->second.find(cls);
            if (c == it->second.end()) continue;
            const auto& v = c->second;
            y += i3 + std::string(kernel_class_name(cls)) + ": {compute_fraction: " + num(v.compute_fraction) +
                 ", memory_fraction: " + num(v.memory_fraction);
            if (v.half_elements > 0) y += ", half_elements: " + num(v.half_elements);
            if (v.k_half_elements > 0) y += ", k_half_elements: " + num(v.k_half_elements);
            y += ", fixed_us: " + num(v.fixed_us);
            if (v.fit_rows > 0)
                y += fmt::format(", fit_rows: {}, fit_median_abs_log_ratio: {}", v.fit_rows,
                                 num(v.fit_median_abs_log_ratio));
            y += "}\n";
        }
    }
    return y;
}

std::string with_efficiency_section(const std::string& spec_path, const efficiency_table& t) {
    std::ifstream f(spec_path);
    if (!f) throw spec_error(spec_path, "-", "cannot open the file");
    std::vector<std::string> lines;
    for (std::string line; std::getline(f, line);) lines.push_back(line);
    const std::string block = efficiency_yaml(t, 2);
    auto indent_of = [](const std::string& l) {
        const auto p = l.find_first_not_of(' ');
        return p == std::string::npos ? std::string::npos : p;
    };
    std::string out;
    bool in_measured = false, written = false;
    for (std::size_t i = 0; i < lines.size();) {
        const auto& line = lines[i];
        const auto ind = indent_of(line);
        const bool top = ind == 0 && line[0] != '#';
        if (top && in_measured && !written) {  // measured ends without an efficiency entry: add one
            out += block;
            written = true;
        }
        if (top) in_measured = line.rfind("measured:", 0) == 0;
        if (in_measured && ind == 2 && line.compare(2, 11, "efficiency:") == 0) {
            out += block;
            written = true;
            ++i;
            while (i < lines.size() && (indent_of(lines[i]) == std::string::npos || indent_of(lines[i]) > 2)) ++i;
            continue;
        }
        out += line + "\n";
        ++i;
    }
    if (!written) {
        if (!in_measured) out += "measured:\n  method: \"ridgeline calibrate (efficiency curves only)\"\n";
        out += block;
    }
    return out;
}

void derive_efficiency(hw_spec& spec) {
    if (spec.kind != "gpu" && spec.kind != "soc") return;
    if (spec.measured && spec.measured->efficiency) return;
    // The calibrated devices in the search path, read once per process.
    static std::mutex mutex;
    static std::vector<hw_spec> calibrated;
    static bool scanned = false;
    {
        const std::lock_guard<std::mutex> lock(mutex);
        if (!scanned) {
            scanned = true;
            std::set<std::string> seen;
            for (const auto& dir : hw_search_path()) {
                std::error_code ec;
                for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
                    const auto ext = e.path().extension().string();
                    if (ext != ".yaml" && ext != ".yml" && ext != ".json") continue;
                    if (!seen.insert(e.path().stem().string()).second) continue;  // the first folder wins
                    try {
                        auto s = load_hw_file(e.path().string());
                        if (s.measured && s.measured->efficiency && s.measured->efficiency->derived_from.empty())
                            calibrated.push_back(std::move(s));
                    } catch (const std::exception&) {
                        // A broken spec elsewhere in the path is reported when it is asked for, not here.
                    }
                }
            }
            std::sort(calibrated.begin(), calibrated.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
        }
    }
    const int gen = generation(spec.architecture);
    const hw_spec* best = nullptr;
    int best_distance = 1 << 20;
    for (const auto& c : calibrated) {
        const int g = generation(c.architecture);
        const int d = (gen < 0 || g < 0) ? 100 : std::abs(g - gen);
        if (d < best_distance) {
            best_distance = d;
            best = &c;
        }
    }
    if (!best) return;
    if (!spec.measured) {
        spec.measured = measured_ceilings{};
        spec.measured->method = "none measured; efficiency curves derived";
    }
    auto t = *best->measured->efficiency;
    t.derived_from = best->id;
    spec.measured->efficiency = t;
    // L2 bandwidth follows the SMs and their clock, not the DRAM: a same-architecture device
    // without a figure takes the calibrated one's measured L2 rate scaled by SMs × clock.
    const double l2 = best->measured->l2_bandwidth_gbps;
    if (best_distance == 0 && l2 > 0 && spec.l2_bandwidth_gbps <= 0 && spec.measured->l2_bandwidth_gbps <= 0 &&
        spec.sm_count > 0 && best->sm_count > 0 && spec.boost_clock_mhz > 0 && best->boost_clock_mhz > 0) {
        const double ratio = static_cast<double>(spec.sm_count) * spec.boost_clock_mhz /
                             (static_cast<double>(best->sm_count) * best->boost_clock_mhz);
        spec.l2_bandwidth_gbps = l2 * ratio;
        spec.derived.push_back(
            fmt::format("memory.l2.bandwidth_gbps = {:.0f}: {}'s measured {:.1f} GB/s x SMs x clock "
                        "ratio {:.3f} (same architecture)",
                        spec.l2_bandwidth_gbps, best->id, l2, ratio));
    }
    spec.derived.push_back(fmt::format(
        "measured.efficiency: the curves of {} ({}{}), calibrated {}, as fractions of this device's own ceilings; "
        "fixed costs and half sizes carried over unchanged",
        best->id, best->architecture, best_distance == 0 ? ", same architecture" : ", nearest calibrated generation",
        t.date));
}

}  // namespace ridgeline
