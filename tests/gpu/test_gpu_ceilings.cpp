// GPU (label gpu): measure_ceilings on a real device, at small sizes — every figure present and
// plausible, and the spec written with them still loads. Skipped (exit 77) without a CUDA device.
// The spec is found the way the tool finds it (load_hw: $RIDGELINE_HWSPECS, then the installed and
// source folders), not by a path compiled in: on the H200 that path did not exist, the spec read
// as empty text, and the result had no `id`.
#include "require_gpu.hpp"

#include "ridgeline/hardware.hpp"
#include "ridgeline/measure.hpp"

#include <cuda_runtime_api.h>

#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

TEST_CASE("measure_ceilings measures every figure on a GPU") {
    ridgeline_test::require_gpu();
    using namespace ridgeline;
    ceilings_options o;
    o.copy_bytes = 128LL << 20;
    o.matmul_size = 2048;
    o.repeats = 3;
    o.launches = 200;
    const auto m = measure_ceilings(o);
    REQUIRE_MESSAGE(m.status.ok(), m.status.message);
    for (const auto& n : m.notes) MESSAGE(n);
    CHECK_FALSE(m.device_name.empty());
    CHECK(m.figures.dram_bandwidth_gbps > 50);
    CHECK(m.figures.dram_bandwidth_gbps < 20000);
    CHECK(m.l2_bandwidth_gbps > m.figures.dram_bandwidth_gbps * 0.8);
    CHECK(m.vector_tflops.at("fp32") > 0.5);
    CHECK(m.vector_tflops.at("fp16") > 0.5);
    CHECK(m.figures.matmul_tflops.at("fp32") > 0.5);
    CHECK(m.figures.min_kernel_time_us > 0.1);
    CHECK(m.figures.min_kernel_time_us < 50);
    CHECK(m.figures.launch_overhead_us > 0.1);
    CHECK(m.figures.launch_overhead_us < 100);
    CHECK(m.figures.date.size() == 10);

    namespace fs = std::filesystem;
    const auto dir = fs::temp_directory_path() / "ridgeline-gpu-ceilings";
    fs::create_directories(dir);
    const auto spec = load_hw("h100-sxm");
    std::ifstream in(spec.path);
    REQUIRE_MESSAGE(in.good(), spec.path << ": cannot read");
    std::stringstream ss;
    ss << in.rdbuf();
    REQUIRE(ss.str().find("id: h100-sxm") != std::string::npos);
    std::ofstream(dir / "h100-sxm.yaml") << with_measured_section(ss.str(), m);
    const auto hw = load_hw_file((dir / "h100-sxm.yaml").string());
    REQUIRE(hw.measured.has_value());
    CHECK(hw.measured->dram_bandwidth_gbps > 0);
    fs::remove_all(dir);
}
