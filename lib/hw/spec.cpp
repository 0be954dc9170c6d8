// Hardware spec loading, validation and derivation. yaml-cpp reads both YAML and JSON files.
#include "efficiency.hpp"
#include "ridgeline/hardware.hpp"

#include "ridgeline/error.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace ridgeline {

namespace fs = std::filesystem;

double cpu_microarch::peak_tflops(int bits) const {
    const double lanes = static_cast<double>(simd_width_bits) / bits;
    return static_cast<double>(sockets * cores_per_socket) * base_clock_ghz * lanes *
           static_cast<double>(fma_units_per_core) * 2.0 / 1000.0;
}

double cpu_microarch::dram_bandwidth_gbps() const {
    return static_cast<double>(sockets * memory_channels_per_socket * memory_transfer_rate_mts) *
           (static_cast<double>(memory_bus_width_bits) / 8.0) / 1000.0;
}

const std::vector<std::string>& precision_keys() {
    static const std::vector<std::string> keys{"fp64",       "fp64_tensor", "fp32",        "tf32_tensor",
                                               "fp16",       "bf16",        "fp16_tensor", "bf16_tensor",
                                               "fp8_tensor", "int8_tensor", "int4_tensor", "int8"};
    return keys;
}

std::int64_t hw_spec::memory_bytes() const {
    if (dram_capacity_gib <= 0)
        throw spec_error(path, "memory.dram.capacity_gib", "is not given; the memory fit needs it");
    return static_cast<std::int64_t>(dram_capacity_gib * 1024.0 * 1024.0 * 1024.0);
}

double hw_spec::peak_flops(const std::string& precision) const {
    auto it = peak_tflops.find(precision);
    if (it == peak_tflops.end())
        throw spec_error(path, "peak_tflops." + precision, "is not given; the analysis needs it");
    return it->second * 1e12;
}

double hw_spec::bandwidth_bytes_per_s() const {
    if (dram_bandwidth_gbps <= 0)
        throw spec_error(path, "memory.dram.bandwidth_gbps", "is not given; the analysis needs it");
    return dram_bandwidth_gbps * 1e9;
}

namespace {

// Keys whose value is a count (no unit needed); every other numeric key must end in a unit.
const std::set<std::string, std::less<>> count_keys{"sm_count",
                                                    "cuda_cores",
                                                    "tensor_cores",
                                                    "compute_units",
                                                    "sockets",
                                                    "cores_per_socket",
                                                    "fma_units_per_core",
                                                    "memory_channels_per_socket",
                                                    "threads_per_core",
                                                    "cores",
                                                    "fit_rows"};
const std::vector<std::string> unit_suffixes{"_gbps", "_gib", "_mib",    "_kib",      "_mhz",      "_ghz",
                                             "_us",   "_w",   "_tflops", "_tops",     "_bits",     "_mts",
                                             "_ns",   "_s",   "_bytes",  "_fraction", "_elements", "_ratio"};
// Figures above these are not plausible for any device of this decade (catches unit slips).
constexpr double max_tflops = 1e5;
constexpr double max_gbps = 1e5;
constexpr double max_gib = 1e5;

bool has_unit(std::string_view key) {
    return std::any_of(unit_suffixes.begin(), unit_suffixes.end(),
                       [&](const std::string& s) { return key.size() > s.size() && key.ends_with(s); });
}

/**
 * The largest plausible value of a figure whose key (or enclosing map's key, for maps of
 * precisions such as peak_tflops) ends in `unit_key`'s suffix; counts up to 1e9. Catches unit
 * slips and absurd values in keys the loader does not otherwise read (power_w, cuda_cores …).
 */
double plausible_max(std::string_view key) {
    static const std::pair<const char*, double> limits[] = {
        {"_tflops", max_tflops}, {"_tops", max_tflops}, {"_gbps", max_gbps}, {"_gib", max_gib}, {"_mib", 1e8},
        {"_kib", 1e11},          {"_mhz", 1e5},         {"_ghz", 100},       {"_w", 1e6},       {"_bits", 1e6},
        {"_mts", 1e6},           {"_us", 1e9},          {"_ns", 1e12},       {"_s", 1e6},       {"_bytes", 1e18},
        {"_fraction", 1e3},      {"_elements", 1e15},   {"_ratio", 1e6}};
    for (const auto& [suffix, max] : limits) {
        if (key.size() > std::string_view(suffix).size() && key.ends_with(suffix)) return max;
    }
    return 1e9;  // counts
}

/** A quoted scalar ('70' or "70") is text, whatever it spells. */
bool is_quoted(const YAML::Node& n) { return n.Tag() == "!"; }

class reader {
public:
    explicit reader(std::string file) : file_(std::move(file)) {}

    [[noreturn]] void fail(const std::string& key, const std::string& message) const {
        throw spec_error(file_, key, message);
    }

    /** A positive number at `key` (dotted), bounded by `max`; 0 when absent. */
    double number(const YAML::Node& n, const std::string& key, double max = 1e12) const {
        if (!n || n.IsNull()) return 0;
        if (!n.IsScalar()) fail(key, "must be a number");
        double v = 0;
        try {
            v = n.as<double>();
        } catch (const YAML::Exception&) {
            fail(key,
                 "must be a plain number (put the unit in the key name, not in the value): got '" + n.Scalar() + "'");
        }
        if (!std::isfinite(v)) fail(key, "must be a finite number, got " + n.Scalar());
        if (!(v > 0)) fail(key, "must be positive, got " + n.Scalar());
        if (v > max) fail(key, "value " + n.Scalar() + " is not plausible (unit slip?)");
        return v;
    }

    std::int64_t count(const YAML::Node& n, const std::string& key) const {
        const double v = number(n, key, 1e9);
        if (v != static_cast<double>(static_cast<std::int64_t>(v))) fail(key, "must be a whole number");
        return static_cast<std::int64_t>(v);
    }

    std::string text(const YAML::Node& n, const std::string& key, bool required) const {
        if (!n || n.IsNull()) {
            if (required) fail(key, "is required");
            return {};
        }
        if (!n.IsScalar()) fail(key, "must be text");
        return n.Scalar();
    }

    /** Checks that every numeric leaf under `n` names its unit (or is a count). */
    void check_units(const YAML::Node& n, const std::string& prefix) const {
        if (!n.IsMap()) return;
        for (const auto& kv : n) {
            const auto key = kv.first.Scalar();
            const auto path = prefix.empty() ? key : prefix + "." + key;
            if (kv.second.IsMap()) {
                if (!has_unit(key)) check_units(kv.second, path);  // a unit-named map holds precisions
            } else if (kv.second.IsScalar() && key != "type" && key != "date" && key != "method") {
                double v = 0;
                if (!is_quoted(kv.second) && YAML::convert<double>::decode(kv.second, v) && !count_keys.count(key) &&
                    !has_unit(key)) {
                    fail(path, "has no unit in its name (e.g. bandwidth_gbps, capacity_gib, boost_clock_mhz)");
                }
            }
        }
    }

    /**
     * Every mapping in the file, at any depth, names each key once: YAML parsers keep one of two
     * equal keys silently (`fp32: 8.1` then `fp32: 0.001`), so a repeated key is an error naming
     * it and both lines. yaml-cpp keeps both pairs in its node tree, which is what makes this check
     * possible without a second parser.
     */
    void check_duplicate_keys(const YAML::Node& n, const std::string& prefix) const {
        if (n.IsSequence()) {
            std::size_t i = 0;
            for (const auto& e : n) check_duplicate_keys(e, prefix + "[" + std::to_string(i++) + "]");
            return;
        }
        if (!n.IsMap()) return;
        std::map<std::string, int> first_line;
        for (const auto& kv : n) {
            const auto key = kv.first.IsScalar() ? kv.first.Scalar() : std::string("?");
            const auto path = prefix.empty() ? key : prefix + "." + key;
            const int line = kv.first.Mark().line + 1;
            if (auto [it, fresh] = first_line.emplace(key, line); !fresh) {
                fail(path, "is given twice (lines " + std::to_string(it->second) + " and " + std::to_string(line) +
                               "); a YAML reader would silently keep one of them");
            }
            check_duplicate_keys(kv.second, path);
        }
    }

    /**
     * Every numeric figure anywhere in the file (outside `measured.efficiency`, which
     * parse_efficiency_node validates) is finite, positive and plausible for its unit; a count is
     * a whole number. Covers the keys nothing else reads (power_w, cuda_cores, base_clock_mhz …).
     */
    void check_numbers(const YAML::Node& n, const std::string& prefix, const std::string& unit_key) const {
        if (!n.IsMap()) return;
        for (const auto& kv : n) {
            const auto key = kv.first.Scalar();
            const auto path = prefix.empty() ? key : prefix + "." + key;
            if (path == "measured.efficiency") continue;
            if (kv.second.IsMap()) {
                check_numbers(kv.second, path, has_unit(key) ? key : std::string());
                continue;
            }
            if (!kv.second.IsScalar()) continue;
            const auto& scalar = kv.second.Scalar();
            const bool figure = !unit_key.empty() || has_unit(key);  // a key with a unit holds a number
            double v = 0;
            if (is_quoted(kv.second) || !YAML::convert<double>::decode(kv.second, v)) {
                if (figure) {
                    fail(path, "must be a plain number (put the unit in the key name, not in the value): got '" +
                                   scalar + "'");
                }
                continue;  // text
            }
            if (!std::isfinite(v)) fail(path, "must be a finite number, got " + scalar);
            if (!(v > 0)) fail(path, "must be positive, got " + scalar + " (leave the key out when it does not apply)");
            const std::string& unit = unit_key.empty() ? key : unit_key;
            const bool count = unit_key.empty() && (count_keys.count(key) || !has_unit(key));
            if (count && v != std::floor(v)) fail(path, "must be a whole number, got " + scalar);
            if (v > plausible_max(count ? std::string_view("count") : std::string_view(unit))) {
                fail(path, "value " + scalar + " is not plausible (unit slip?)");
            }
        }
    }

    std::map<std::string, double> peaks(const YAML::Node& n, const std::string& key) const {
        std::map<std::string, double> out;
        if (!n) return out;
        if (!n.IsMap()) fail(key, "must map precision names to TFLOPS");
        const auto& allowed = precision_keys();
        for (const auto& kv : n) {
            const auto p = kv.first.Scalar();
            if (std::find(allowed.begin(), allowed.end(), p) == allowed.end()) {
                fail(key + "." + p,
                     "unknown precision name (known: fp64, fp64_tensor, fp32, tf32_tensor, fp16, bf16, "
                     "fp16_tensor, bf16_tensor, fp8_tensor, int8_tensor, int4_tensor, int8)");
            }
            out[p] = number(kv.second, key + "." + p, max_tflops);
        }
        return out;
    }

private:
    std::string file_;
};

}  // namespace

namespace {
hw_spec parse_hw_root(YAML::Node root, const std::string& path);

/** The whole text of the spec file at `path`. */
std::string read_spec_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::error_code ec;
    if (!in || fs::is_directory(path, ec)) throw spec_error(path, "-", "cannot open the file");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

/** A spec's text parsed; `drop_efficiency` removes `measured.efficiency` first (what a calibration
 *  replaces: an old or partial section must not stop it). */
hw_spec parse_spec(const std::string& text, const std::string& path, bool drop_efficiency) {
    YAML::Node root;
    try {
        root = YAML::Load(text);
        if (drop_efficiency && root.IsMap() && root["measured"] && root["measured"].IsMap())
            root["measured"].remove("efficiency");
    } catch (const YAML::Exception& e) {
        throw spec_error(path, "-", std::string("not valid YAML/JSON: ") + e.what());
    }
    try {
        return parse_hw_root(root, path);
    } catch (const YAML::Exception& e) {  // a structure the reader did not expect: named, never bare
        throw spec_error(path, "-", std::string("unexpected structure: ") + e.what());
    }
}
}  // namespace

hw_spec load_hw_file(const std::string& path) { return parse_spec(read_spec_text(path), path, false); }

hw_spec parse_hw_text(const std::string& text, const std::string& path) { return parse_spec(text, path, false); }

namespace {

// By value: a Node handle (cheap); indexing a const Node for a missing key yields an invalid node.
hw_spec parse_hw_root(YAML::Node root, const std::string& path) {
    reader r(path);
    if (!root.IsMap()) r.fail("-", "top level must be a mapping");
    for (const char* section : {"compute", "memory", "cpu", "measured"}) {
        if (root[section] && !root[section].IsMap()) {
            r.fail(section, "must be a mapping of keys (a section), got " +
                                std::string(root[section].IsScalar() ? "the scalar '" + root[section].Scalar() + "'"
                                                                     : "a list"));
        }
    }
    r.check_duplicate_keys(root, "");
    r.check_numbers(root, "", "");
    hw_spec h;
    h.path = path;
    h.id = r.text(root["id"], "id", true);
    h.name = r.text(root["name"], "name", true);
    h.kind = r.text(root["kind"], "kind", true);
    static const std::set<std::string, std::less<>> kinds{"gpu", "cpu", "tpu", "soc", "accelerator"};
    if (!kinds.count(h.kind)) r.fail("kind", "must be one of gpu, cpu, tpu, soc, accelerator");
    h.vendor = r.text(root["vendor"], "vendor", false);
    h.architecture = r.text(root["architecture"], "architecture", false);
    if (!root["sources"] || !root["sources"].IsSequence() || root["sources"].size() == 0) {
        r.fail("sources", "must list at least one source (datasheet URL)");
    }
    for (const auto& s : root["sources"]) h.sources.push_back(s.Scalar());
    r.check_units(root["compute"], "compute");
    r.check_units(root["memory"], "memory");
    r.check_units(root["cpu"], "cpu");
    r.check_units(root["measured"], "measured");
    if (const auto c = root["compute"]) {
        h.sm_count = c["sm_count"] ? r.count(c["sm_count"], "compute.sm_count") : 0;
        h.boost_clock_mhz = r.number(c["boost_clock_mhz"], "compute.boost_clock_mhz", 1e4);
    }
    h.peak_tflops = r.peaks(root["peak_tflops"], "peak_tflops");
    h.sparse_peak_tflops = r.peaks(root["sparse_peak_tflops"], "sparse_peak_tflops");
    if (const auto m = root["memory"]) {
        // yaml-cpp throws when indexing a missing child of a missing node: look levels up one by one.
        auto leaf = [&](const char* level, const char* key) {
            const auto l = m[level];
            return l && l.IsMap() ? l[key] : YAML::Node();
        };
        h.dram_capacity_gib = r.number(leaf("dram", "capacity_gib"), "memory.dram.capacity_gib", max_gib);
        h.dram_bandwidth_gbps = r.number(leaf("dram", "bandwidth_gbps"), "memory.dram.bandwidth_gbps", max_gbps);
        h.l2_size_mib = r.number(leaf("l2", "size_mib"), "memory.l2.size_mib", 1e5);
        h.l2_bandwidth_gbps = r.number(leaf("l2", "bandwidth_gbps"), "memory.l2.bandwidth_gbps", max_gbps);
    }
    if (const auto c = root["cpu"]) {
        cpu_microarch a;
        a.sockets = r.count(c["sockets"], "cpu.sockets");
        a.cores_per_socket = r.count(c["cores_per_socket"], "cpu.cores_per_socket");
        a.base_clock_ghz = r.number(c["base_clock_ghz"], "cpu.base_clock_ghz", 10);
        a.avx_clock_ghz = r.number(c["avx_clock_ghz"], "cpu.avx_clock_ghz", 10);
        a.simd_width_bits = r.count(c["simd_width_bits"], "cpu.simd_width_bits");
        a.fma_units_per_core = r.count(c["fma_units_per_core"], "cpu.fma_units_per_core");
        a.memory_channels_per_socket = c["memory_channels_per_socket"]
                                           ? r.count(c["memory_channels_per_socket"], "cpu.memory_channels_per_socket")
                                           : 0;
        a.memory_transfer_rate_mts =
            c["memory_transfer_rate_mts"] ? r.count(c["memory_transfer_rate_mts"], "cpu.memory_transfer_rate_mts") : 0;
        a.memory_bus_width_bits =
            c["memory_bus_width_bits"] ? r.count(c["memory_bus_width_bits"], "cpu.memory_bus_width_bits") : 0;
        if (a.sockets == 0 || a.cores_per_socket == 0 || a.base_clock_ghz == 0 || a.simd_width_bits == 0 ||
            a.fma_units_per_core == 0) {
            r.fail("cpu", "needs sockets, cores_per_socket, base_clock_ghz, simd_width_bits and fma_units_per_core");
        }
        // Derive what the file leaves out (the file may also state them; then it keeps its own).
        if (!h.peak_tflops.count("fp32")) {
            h.peak_tflops["fp32"] = a.peak_tflops(32);
            h.derived.push_back("peak_tflops.fp32 = sockets x cores x base clock x SIMD lanes x FMA units x 2");
        }
        if (!h.peak_tflops.count("fp64")) {
            h.peak_tflops["fp64"] = a.peak_tflops(64);
            h.derived.push_back("peak_tflops.fp64 = sockets x cores x base clock x SIMD lanes x FMA units x 2");
        }
        if (h.dram_bandwidth_gbps == 0 && a.memory_channels_per_socket > 0) {
            h.dram_bandwidth_gbps = a.dram_bandwidth_gbps();
            h.derived.push_back("memory.dram.bandwidth_gbps = sockets x channels x MT/s x bus width / 8");
        }
        h.cpu = a;
    }
    if (const auto d = root["derived"]; d && d.IsSequence()) {
        for (const auto& s : d) h.derived.push_back(s.Scalar());
    }
    if (const auto m = root["measured"]) {
        measured_ceilings mc;
        mc.date = r.text(m["date"], "measured.date", false);
        mc.method = r.text(m["method"], "measured.method", true);
        mc.dram_bandwidth_gbps = r.number(m["dram_bandwidth_gbps"], "measured.dram_bandwidth_gbps", max_gbps);
        mc.l2_bandwidth_gbps = r.number(m["l2_bandwidth_gbps"], "measured.l2_bandwidth_gbps", max_gbps);
        if (m["matmul_tflops"]) {
            // Measured matmul rates use the same precision names as the peaks.
            mc.matmul_tflops = r.peaks(m["matmul_tflops"], "measured.matmul_tflops");
        }
        if (m["vector_tflops"]) mc.vector_tflops = r.peaks(m["vector_tflops"], "measured.vector_tflops");
        mc.min_kernel_time_us = r.number(m["min_kernel_time_us"], "measured.min_kernel_time_us", 1e6);
        mc.launch_overhead_us = r.number(m["launch_overhead_us"], "measured.launch_overhead_us", 1e6);
        if (m["efficiency"]) mc.efficiency = hw::parse_efficiency_node(m["efficiency"], path);
        h.measured = mc;
    }
    if (h.peak_tflops.empty()) r.fail("peak_tflops", "no peak figure given (and no cpu section to derive one)");
    return h;
}

}  // namespace

std::vector<std::string> hw_search_path() {
    std::vector<std::string> dirs;
    if (const char* env = std::getenv("RIDGELINE_HWSPECS"); env && *env) dirs.emplace_back(env);
#ifdef RIDGELINE_INSTALLED_HWSPECS
    dirs.emplace_back(RIDGELINE_INSTALLED_HWSPECS);
#endif
    dirs.emplace_back(RIDGELINE_SOURCE_HWSPECS);
    return dirs;
}

namespace {

/** A spec id's file, or the path itself ("a path is a path"); `by_id` says which. Throws
 *  spec_error listing the known ids. */
struct spec_location {
    std::string path;
    bool by_id = false;
};

spec_location locate_spec(const std::string& id) {
    if (id.ends_with(".yaml") || id.ends_with(".yml") || id.ends_with(".json") || id.find('/') != std::string::npos)
        return {id, false};
    for (const auto& dir : hw_search_path()) {
        for (const char* ext : {".yaml", ".yml", ".json"}) {
            const auto p = fs::path(dir) / (id + ext);
            if (fs::exists(p)) return {p.string(), true};
        }
    }
    std::string known;
    for (const auto& k : list_hw()) known += (known.empty() ? "" : ", ") + k;
    throw spec_error(id, "id", "no hardware spec with this id (known: " + known + ")");
}

/** Found by id, so the file must carry it (list_hw lists file names). */
hw_spec checked_id(hw_spec h, const spec_location& at, const std::string& id) {
    if (at.by_id && h.id != id)
        throw spec_error(at.path, "id", "'" + h.id + "' differs from the file name '" + id + "'");
    return h;
}

}  // namespace

hw_spec load_hw(const std::string& id) {
    const auto at = locate_spec(id);
    auto h = checked_id(load_hw_file(at.path), at, id);
    derive_efficiency(h);
    return h;
}

hw_spec load_hw_ceilings(const std::string& id) {
    const auto at = locate_spec(id);
    return checked_id(parse_spec(read_spec_text(at.path), at.path, true), at, id);
}

std::vector<std::string> list_hw() {
    std::set<std::string> ids;
    for (const auto& dir : hw_search_path()) {
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(dir, ec)) {
            const auto ext = e.path().extension().string();
            if (ext == ".yaml" || ext == ".yml" || ext == ".json") ids.insert(e.path().stem().string());
        }
    }
    return {ids.begin(), ids.end()};
}

}  // namespace ridgeline
