// Efficiency curves: the spec section (round trip, bad data named by key), deriving curves for
// devices never calibrated, and `calibrate_curves` recovering known curves from a synthetic
// microbenchmark file. The fitted H200 curves in hwspecs/ are checked against the shared
// microbenchmark file when ../shared is present.
#include "model_builder.hpp"
#include "temp_dir.hpp"

#include "ridgeline/calibrate.hpp"
#include "ridgeline/error.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>

using namespace ridgeline;

namespace {

efficiency_table sample_table() {
    efficiency_table t;
    t.date = "2026-12-04";
    t.source = "unit test";
    t.method = "by hand";
    t.l2_resident_fraction = 0.3;
    t.l2_evicted_fraction = 0.8;
    for (const auto& p : efficiency_precisions()) {
        double i = 1;
        for (auto c : all_kernel_classes()) {
            t.curves[p][c] = {0.5 + 0.01 * i, 0.7 + 0.01 * i, 10 * i, 2 * i, 1 + 0.1 * i, static_cast<std::int64_t>(i),
                              0.01 * i};
            i += 1;
        }
    }
    return t;
}

std::filesystem::path scratch(const std::string& name) {
    const auto dir = std::filesystem::temp_directory_path() / "ridgeline_efficiency_test";
    std::filesystem::create_directories(dir);
    return dir / name;
}

/** A 16-SM GPU with measured ceilings, and optionally curves. */
std::string gpu_yaml(const std::string& id, const std::string& curves) {
    return "id: " + id +
           "\nname: Test GPU\nkind: gpu\narchitecture: Hopper\nsources: [test]\n"
           "compute: {sm_count: 16, boost_clock_mhz: 1000}\npeak_tflops: {fp32: 20, fp16: 40, fp16_tensor: 160}\n"
           "memory:\n  dram: {capacity_gib: 8, bandwidth_gbps: 1000}\n  l2: {size_mib: 4}\n"
           "measured:\n  method: test\n  dram_bandwidth_gbps: 900\n  l2_bandwidth_gbps: 2000\n"
           "  matmul_tflops: {fp32: 15, fp16_tensor: 120}\n  vector_tflops: {fp32: 16, fp16: 32}\n" +
           curves;
}

/** The message of the spec_error that parsing `yaml` raises ("" when it parses). */
std::string parse_error(const std::string& yaml) {
    try {
        (void)parse_efficiency(yaml, "x.yaml");
    } catch (const spec_error& e) {
        return e.what();
    }
    return {};
}

}  // namespace

TEST_CASE("the efficiency section round-trips through YAML") {
    const auto t = sample_table();
    const auto text = efficiency_yaml(t, 0);
    const auto yaml = text.substr(text.find('\n') + 1);  // the body under "efficiency:"
    std::string body;
    for (std::size_t at = 0; at < yaml.size();) {  // dedent by two
        const auto end = yaml.find('\n', at);
        const auto line = yaml.substr(at, end - at);
        body += (line.size() >= 2 ? line.substr(2) : line) + "\n";
        at = end == std::string::npos ? yaml.size() : end + 1;
    }
    const auto back = parse_efficiency(body, "round.yaml");
    CHECK(back.date == t.date);
    CHECK(back.method == t.method);
    CHECK(back.l2_resident_fraction == doctest::Approx(0.3));
    CHECK(back.l2_evicted_fraction == doctest::Approx(0.8));
    for (const auto& p : efficiency_precisions()) {
        for (auto c : all_kernel_classes()) {
            CAPTURE(kernel_class_name(c));
            const auto& a = t.curves.at(p).at(c);
            const auto& b = back.curves.at(p).at(c);
            CHECK(b.compute_fraction == doctest::Approx(a.compute_fraction));
            CHECK(b.memory_fraction == doctest::Approx(a.memory_fraction));
            CHECK(b.half_elements == doctest::Approx(a.half_elements));
            CHECK(b.k_half_elements == doctest::Approx(a.k_half_elements));
            CHECK(b.fixed_us == doctest::Approx(a.fixed_us));
            CHECK(b.fit_rows == a.fit_rows);
        }
    }
    // Written into a spec file, then loaded with it.
    const auto path = scratch("roundgpu.yaml");
    std::ofstream(path) << gpu_yaml("roundgpu", "");
    const auto spec_text = with_efficiency_section(path.string(), t);
    std::ofstream(path) << spec_text;
    const auto hw = load_hw_file(path.string());
    REQUIRE(hw.measured);
    REQUIRE(hw.measured->efficiency);
    CHECK(hw.measured->matmul_tflops.at("fp32") == doctest::Approx(15));  // the rest of the section kept
    CHECK(hw.measured->efficiency->curves.at("fp16").at(kernel_class::conv).fixed_us ==
          doctest::Approx(t.curves.at("fp16").at(kernel_class::conv).fixed_us));
    // Replacing it again keeps one section.
    std::ofstream(path) << with_efficiency_section(path.string(), t);
    std::ifstream in(path);
    const std::string again((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(again.find("efficiency:") == again.rfind("efficiency:"));
}

TEST_CASE("bad curve data is refused with the key named") {
    const auto good = efficiency_yaml(sample_table(), 0);
    auto body = [](std::string s) {  // drop the "efficiency:" line and dedent
        s = s.substr(s.find('\n') + 1);
        std::string out;
        for (std::size_t at = 0; at < s.size();) {
            const auto end = s.find('\n', at);
            const auto line = s.substr(at, end - at);
            out += (line.size() >= 2 ? line.substr(2) : line) + "\n";
            at = end == std::string::npos ? s.size() : end + 1;
        }
        return out;
    };
    const auto ok = body(good);
    CHECK(parse_error(ok).empty());
    auto replace = [&](const std::string& from, const std::string& to) {
        auto s = ok;
        const auto at = s.find(from);
        REQUIRE(at != std::string::npos);
        return s.replace(at, from.size(), to);
    };
    // Negative, NaN, infinite figures.
    const auto gemm32 = ok.substr(ok.find("  gemm: {"), ok.find('\n', ok.find("  gemm: {")) - ok.find("  gemm: {"));
    auto with_gemm = [&](const std::string& line) { return replace(gemm32, line); };
    CHECK(parse_error(with_gemm("  gemm: {compute_fraction: -0.5, memory_fraction: 1, fixed_us: 1}"))
              .find("fp32.gemm.compute_fraction") != std::string::npos);
    CHECK(parse_error(with_gemm("  gemm: {compute_fraction: .nan, memory_fraction: 1, fixed_us: 1}"))
              .find("must be finite") != std::string::npos);
    CHECK(parse_error(with_gemm("  gemm: {compute_fraction: 1, memory_fraction: .inf, fixed_us: 1}"))
              .find("fp32.gemm.memory_fraction") != std::string::npos);
    CHECK(parse_error(with_gemm("  gemm: {compute_fraction: 1, memory_fraction: 1, fixed_us: -2}"))
              .find("fp32.gemm.fixed_us") != std::string::npos);
    CHECK(parse_error(with_gemm("  gemm: {compute_fraction: 1, memory_fraction: 1}")).find("fp32.gemm.fixed_us") !=
          std::string::npos);
    CHECK(parse_error(with_gemm("  gemm: {compute_fraction: 1, memory_fraction: 1, fixed_us: 1, speed: 3}"))
              .find("fp32.gemm.speed") != std::string::npos);
    // A missing class, an unknown class, a missing precision.
    CHECK(parse_error(with_gemm("")).find("measured.efficiency.fp32.gemm") != std::string::npos);
    CHECK(parse_error(with_gemm(gemm32 + "\n  warp_gemm: {compute_fraction: 1, memory_fraction: 1, fixed_us: 1}"))
              .find("fp32.warp_gemm") != std::string::npos);
    CHECK(parse_error(ok.substr(0, ok.find("fp16:"))).find("measured.efficiency.fp16") != std::string::npos);
    // Residency bounds out of order.
    CHECK(parse_error(replace("l2_evicted_fraction: 0.8", "l2_evicted_fraction: 0.2")).find("l2_evicted_fraction") !=
          std::string::npos);
}

TEST_CASE("devices never calibrated derive their curves from the nearest calibrated one") {
    const auto dir = scratch("derive");
    std::filesystem::create_directories(dir);
    // The search path is read once per process: this test owns RIDGELINE_HWSPECS's first folder.
    const auto h200 = load_hw("h200-sxm");
    REQUIRE(h200.measured);
    REQUIRE(h200.measured->efficiency);
    CHECK(h200.measured->efficiency->derived_from.empty());
    const auto h100 = load_hw("h100-sxm");
    REQUIRE(h100.measured);
    REQUIRE(h100.measured->efficiency);
    CHECK(h100.measured->efficiency->derived_from == "h200-sxm");
    // Same architecture: the L2 rate comes with the curves (SMs × clock scaled), and it is said so.
    CHECK(h100.l2_bandwidth_gbps > 0);
    bool said = false;
    for (const auto& d : h100.derived) said = said || d.find("measured.efficiency") != std::string::npos;
    CHECK(said);
    // A Turing card takes the nearest calibrated generation's curves; a CPU gets none.
    CHECK(load_hw("t4").measured->efficiency->derived_from == "h200-sxm");
    const auto cpu = load_hw("xeon-w-2295");
    CHECK(!(cpu.measured && cpu.measured->efficiency));
}

TEST_CASE("calibrate_curves recovers known curves from a synthetic microbenchmark file") {
    // Truth: a device whose curves are known; rows predicted with them become the "measurements".
    auto truth = sample_table();
    for (const auto& p : efficiency_precisions()) {
        for (auto& [c, curve] : truth.curves[p]) curve = {0.8, 0.9, 0, 0, 2.0, 0, 0};
        truth.curves[p][kernel_class::elementwise] = {1.0, 0.75, 0, 0, 1.5, 0, 0};
        truth.curves[p][kernel_class::layernorm] = {1.0, 0.6, 400, 0, 3.0, 0, 0};
        truth.curves[p][kernel_class::gemm] = {0.85, 1.0, 24, 40, 2.5, 0, 0};
    }
    truth.l2_resident_fraction = 0.4;
    truth.l2_evicted_fraction = 0.9;
    const auto truth_path = scratch("truthgpu.yaml");
    std::ofstream(truth_path) << gpu_yaml("truthgpu", efficiency_yaml(truth));
    const auto truth_hw = load_hw_file(truth_path.string());
    nlohmann::json rows = nlohmann::json::array();
    for (const char* dt : {"torch.float32", "torch.float16"}) {
        auto row = [&](nlohmann::json r) {
            r["dtype"] = dt;
            microbench_row m;
            m.op = r["op"];
            m.precision = std::string(dt).ends_with("16") ? dtype::f16 : dtype::f32;
            for (const auto& [k, v] : r.items())
                if (v.is_number_integer()) m.dims[k] = v.get<std::int64_t>();
            r["kernel_us"] = predict_microbench_row(m, truth_hw) * 1e6;
            r["kernels"] = 1;
            rows.push_back(r);
        };
        for (std::int64_t e : {4096, 65536, 1 << 20, 1 << 22, 1 << 24, 1 << 26}) {
            row({{"op", "relu"}, {"elements", e}});
            row({{"op", "add"}, {"elements", e}});
        }
        for (auto [r, d] : std::vector<std::pair<std::int64_t, std::int64_t>>{
                 {128, 768}, {4096, 768}, {65536, 1024}, {25088, 96}, {4096, 4096}, {512, 64}})
            row({{"op", "layernorm"}, {"rows", r}, {"d", d}});
        for (auto [m, n, k] : std::vector<std::array<std::int64_t, 3>>{{1, 768, 768},
                                                                       {128, 4096, 4096},
                                                                       {4096, 4096, 4096},
                                                                       {512, 768, 768},
                                                                       {3136, 64, 256},
                                                                       {25088, 96, 384},
                                                                       {2048, 3072, 768},
                                                                       {64, 64, 8192}})
            row({{"op", "matmul"}, {"m", m}, {"n", n}, {"k", k}});
    }
    const auto mb_path = scratch("synthetic_microbench.json");
    std::ofstream(mb_path) << nlohmann::json{{"device", "Test GPU"}, {"torch", "test"}, {"rows", rows}}.dump();
    const auto mb = load_microbench(mb_path.string());
    REQUIRE(mb.rows.size() == rows.size());

    const auto blank_path = scratch("blankgpu.yaml");
    std::ofstream(blank_path) << gpu_yaml("blankgpu", "");
    const auto fit = calibrate_curves(mb, load_hw_file(blank_path.string()), {.date = "2026-12-04"});
    CHECK(fit.median_abs_log_ratio < 0.01);
    for (const auto& p : efficiency_precisions()) {
        CAPTURE(p);
        const auto& got = fit.table.curves.at(p);
        const auto& e = got.at(kernel_class::elementwise);
        CHECK(e.memory_fraction == doctest::Approx(0.75).epsilon(0.03));
        CHECK(e.fixed_us == doctest::Approx(1.5).epsilon(0.05));
        const auto& l = got.at(kernel_class::layernorm);
        CHECK(l.memory_fraction == doctest::Approx(0.6).epsilon(0.1));
        CHECK(l.half_elements == doctest::Approx(400).epsilon(0.15));
        CHECK(l.fixed_us == doctest::Approx(3.0).epsilon(0.1));
        const auto& g = got.at(kernel_class::gemm);
        CHECK(g.fixed_us == doctest::Approx(2.5).epsilon(0.15));
        CHECK(g.fit_rows == 8);
        // Classes without rows take a related class's curve and say they were not fitted.
        CHECK(got.at(kernel_class::attention).fit_rows == 0);
        CHECK(got.at(kernel_class::attention).compute_fraction == doctest::Approx(g.compute_fraction));
    }
    CHECK(fit.table.date == "2026-12-04");
    CHECK(fit.by_op.count("matmul fp16") == 1);
}

TEST_CASE("decode attention rows: Kᵀ is a view, the cache's cat one copy, time grows with the cache") {
    const auto p = scratch("decode_microbench.json");
    std::ofstream(p) << R"({"rows": [
        {"op": "decode_qk", "dtype": "torch.float16", "batch": 384, "past": 128, "d": 64, "kernel_us": 9},
        {"op": "decode_qk", "dtype": "torch.float16", "batch": 384, "past": 1000, "d": 64, "kernel_us": 60},
        {"op": "bmm_qk", "dtype": "torch.float16", "batch": 384, "m": 1, "n": 1001, "k": 64, "kernel_us": 60},
        {"op": "decode_pv", "dtype": "torch.float16", "batch": 384, "past": 1000, "d": 64, "kernel_us": 60},
        {"op": "cat_kv", "dtype": "torch.float16", "batch": 32, "heads": 12, "past": 1000, "d": 64, "kernel_us": 40},
        {"op": "cat_kv_strided", "dtype": "torch.float16", "batch": 32, "heads": 12, "past": 1000, "d": 64,
         "kernel_us": 90}]})";
    const auto mb = load_microbench(p.string());
    REQUIRE(mb.rows.size() == 6);
    const auto h200 = load_hw("h200-sxm");
    std::vector<double> t;
    for (const auto& r : mb.rows) t.push_back(predict_microbench_row(r, h200));
    for (double x : t) CHECK((x > 0 && std::isfinite(x)));
    CHECK(t[1] > t[0]);                    // a longer cache costs more
    CHECK(t[1] == doctest::Approx(t[2]));  // the transposed cache is a view: no copy kernel
    CHECK(t[3] > 0);
    CHECK(t[4] == doctest::Approx(t[5]));  // one graph; PyTorch's kernel choice is what the rows measure
    // The cat reads and writes the cache once: no faster than moving 2 × 49 MB at the DRAM ceiling.
    const double cache_bytes = 32.0 * 12 * 1000 * 64 * 2;
    CHECK(t[4] >= 2 * cache_bytes / (h200.measured->dram_bandwidth_gbps * 1e9) * 0.95);
}

TEST_CASE("microbenchmark files: malformed rows are named") {
    auto error_of = [](const std::string& text) {
        const auto p = scratch("bad_microbench.json");
        std::ofstream(p) << text;
        try {
            (void)load_microbench(p.string());
        } catch (const trace_error& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    CHECK(error_of("{").find("not valid JSON") != std::string::npos);
    CHECK(error_of("{\"rows\": 3}").find("'rows' array") != std::string::npos);
    CHECK(error_of(R"({"rows": [{"op": "fft", "dtype": "torch.float32", "kernel_us": 1}]})").find("rows[0] ('fft')") !=
          std::string::npos);
    CHECK(error_of(R"({"rows": [{"op": "relu", "dtype": "torch.float32", "kernel_us": 1}]})").find("'elements'") !=
          std::string::npos);
    CHECK(error_of(R"({"rows": [{"op": "relu", "dtype": "torch.float32", "kernel_us": -1, "elements": 4}]})")
              .find("'kernel_us' must be positive") != std::string::npos);
    CHECK(error_of(R"({"rows": [{"op": "relu", "dtype": "int8", "kernel_us": 1, "elements": 4}]})").find("'dtype'") !=
          std::string::npos);
    CHECK(error_of(R"({"rows": [{"op": "relu", "dtype": "torch.float32", "kernel_us": 1, "elements": 0}]})")
              .find("'elements' must be positive") != std::string::npos);
}

TEST_CASE("the H200 curves in hwspecs/ fit the shared microbenchmark rows") {
    const std::string path = std::string(RIDGELINE_SHARED_DIR) + "/measurements/h200_microbench.json";
    if (!std::filesystem::exists(path)) {
        MESSAGE("skipped: " << path << " is absent");
        return;
    }
    const auto mb = load_microbench(path);
    const auto h200 = load_hw("h200-sxm");
    std::vector<double> errors;
    for (const auto& r : mb.rows) errors.push_back(std::abs(std::log(predict_microbench_row(r, h200) / r.kernel_s)));
    std::sort(errors.begin(), errors.end());
    const double median = errors[errors.size() / 2];
    MESSAGE("median |ln(predicted/measured)| over " << errors.size() << " rows: " << median);
    CHECK(median < 0.15);
}

TEST_CASE("load_hw_ceilings reads a spec whose efficiency section is broken; load_hw names the key") {
    ridgeline::test::temp_dir d("ridgeline_efficiency");
    std::ifstream in(std::string(RIDGELINE_HWSPECS) + "/h200-sxm.yaml");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto at = text.find("    l2_resident_fraction:");
    REQUIRE(at != std::string::npos);
    text.insert(at, "    bogus_figure: 1\n");  // an unknown key inside measured.efficiency
    const auto path = d.write("h200-sxm.yaml", text);
    CHECK_THROWS_WITH_AS((void)load_hw(path), doctest::Contains("measured.efficiency.bogus_figure"), spec_error);
    // A calibration replaces the section, so reading the ceilings ignores it, broken or not.
    const auto h = load_hw_ceilings(path);
    CHECK(h.id == "h200-sxm");
    REQUIRE(h.measured.has_value());
    CHECK_FALSE(h.measured->efficiency.has_value());
    CHECK(h.measured->dram_bandwidth_gbps == doctest::Approx(4224).epsilon(0.01));
    CHECK(h.measured->matmul_tflops.at("fp16_tensor") == doctest::Approx(735.0));
    // Anything else broken still stops it, with the key named.
    auto bad = text;
    const auto bw = bad.find("dram_bandwidth_gbps: 4224.1");
    REQUIRE(bw != std::string::npos);
    bad.insert(bw + std::string("dram_bandwidth_gbps: ").size(), "-");
    const auto bad_path = d.write("bad.yaml", bad);
    CHECK_THROWS_WITH_AS((void)load_hw_ceilings(bad_path), doctest::Contains("dram_bandwidth_gbps"), spec_error);
}
