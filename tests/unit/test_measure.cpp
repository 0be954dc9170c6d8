// The measurement layer where there is no GPU (this machine, CI): every call answers a status with a
// clear message — not_supported without CUDA, no_device without a GPU or driver — quickly, without a
// crash or a hang. Also the spec's measured: section, written and read back. On a machine with a GPU
// the no-GPU cases report themselves as not applicable (the gpu-labelled tests cover that machine).
#include "ridgeline/error.hpp"
#include "ridgeline/hardware.hpp"
#include "ridgeline/measure.hpp"

#include "cupti/activity.hpp"   // private: the collector's configuration (kinds_for needs no CUDA)
#include "cupti/nvtx_path.hpp"  // private: NVTX_INJECTION64_PATH (no CUDA)
#include "gpu_loader.hpp"       // private (lib/measure): where the GPU plugin and the CUDA libraries are looked for

#ifdef RIDGELINE_TEST_WITH_CUDA
#include <dlfcn.h>
#endif

#include <doctest/doctest.h>

#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace ridgeline;
namespace fs = std::filesystem;

/** True (and a note in the output) when this machine has a usable GPU. */
bool gpu_here() {
    const auto s = check_gpu();
    if (s.ok()) MESSAGE("a GPU is present (" << s.message << "): the no-GPU checks do not apply here");
    return s.ok();
}

measure_code expected_code() { return built_with_cuda() ? measure_code::no_device : measure_code::not_supported; }

std::string read(const std::string& path) {
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

ceiling_measurements sample_figures() {
    ceiling_measurements m;
    m.status = {measure_code::ok, "test"};
    m.figures.date = "2026-11-23";
    m.figures.method = "ridgeline ceilings on \"a test\" device";
    m.figures.dram_bandwidth_gbps = 2950.25;
    m.figures.matmul_tflops = {
        {"fp32", 51.234}, {"tf32_tensor", 380.5}, {"fp16_tensor", 700.25}, {"bf16_tensor", 710.0}};
    m.figures.min_kernel_time_us = 1.234;
    m.figures.launch_overhead_us = 2.5;
    m.l2_bandwidth_gbps = 9000.5;
    m.vector_tflops = {{"fp32", 60.5}, {"fp16", 110.25}};
    return m;
}

/** Sets environment variables for a scope, then unsets them (the suite's environment has none of them). */
struct scoped_env {
    std::vector<std::string> names;
    void set(const std::string& name, const std::string& value) {
        ::setenv(name.c_str(), value.c_str(), 1);
        names.push_back(name);
    }
    ~scoped_env() {
        for (const auto& n : names) ::unsetenv(n.c_str());
    }
};

/** Position of `dir` in `dirs` (dirs.size() when absent). */
std::size_t position(const std::vector<std::string>& dirs, const fs::path& dir) {
    return static_cast<std::size_t>(std::find(dirs.begin(), dirs.end(), dir.string()) - dirs.begin());
}

}  // namespace

TEST_CASE("CUDA libraries are looked for in RIDGELINE_CUDA_PATH first, then the toolkit's and Python's folders") {
    for (const char* var : {"RIDGELINE_CUDA_PATH", "RIDGELINE_CUDA_PATH_ONLY", "RIDGELINE_PLUGIN_PATH"}) {
        REQUIRE_MESSAGE(std::getenv(var) == nullptr, var << " is set in the test's environment");
    }
    const fs::path root = fs::temp_directory_path() / ("ridgeline-gpu-folders-" + std::to_string(::getpid()));
    const fs::path mine = root / "mine", toolkit = root / "toolkit";
    const fs::path wheel = root / "venv/lib/python3.99/site-packages/nvidia/cudnn/lib";
    for (const auto& d : {mine, toolkit / "lib64", toolkit / "extras/CUPTI/lib64", wheel}) fs::create_directories(d);
    {
        scoped_env env;
        env.set("RIDGELINE_CUDA_PATH", mine.string() + ":" + toolkit.string() + ":" + (root / "absent").string());
        env.set("VIRTUAL_ENV", (root / "venv").string());
        const auto dirs = detail::cuda_library_folders();
        REQUIRE(dirs.size() >= 5);
        CHECK(dirs[0] == mine.string());
        CHECK(dirs[1] == toolkit.string());
        CHECK(dirs[2] == (toolkit / "lib64").string());  // a toolkit root's library folders that exist
        CHECK(dirs[3] == (toolkit / "extras/CUPTI/lib64").string());
        CHECK(dirs[4] == (root / "absent").string());  // named by the user: kept, and so listed in messages
        CHECK(position(dirs, wheel) < dirs.size());    // PyTorch's layout, in the active environment
        env.set("RIDGELINE_CUDA_PATH_ONLY", "1");
        CHECK(detail::cuda_library_folders() == std::vector<std::string>(dirs.begin(), dirs.begin() + 5));

        // The plugin: RIDGELINE_PLUGIN_PATH alone when set; else beside the program first.
        env.set("RIDGELINE_PLUGIN_PATH", mine.string() + ":" + toolkit.string());
        CHECK(detail::gpu_plugin_folders() == std::vector<std::string>{mine.string(), toolkit.string()});
        ::unsetenv("RIDGELINE_PLUGIN_PATH");
        const auto plugin_dirs = detail::gpu_plugin_folders();
        REQUIRE_FALSE(plugin_dirs.empty());
        CHECK(plugin_dirs[0] == fs::canonical("/proc/self/exe").parent_path().string());
        CHECK(position(plugin_dirs, mine) < plugin_dirs.size());  // RIDGELINE_CUDA_PATH, last
    }
    fs::remove_all(root);
}

TEST_CASE("the build says whether it has CUDA, and check_gpu answers a status") {
    const auto s = check_gpu();
    CHECK_FALSE(s.message.empty());
    if (!built_with_cuda()) {
        CHECK(s.code == measure_code::not_supported);
        CHECK(s.message.find("built without CUDA") != std::string::npos);
    }
    if (gpu_here()) return;
    CHECK(s.code == expected_code());
    CHECK(measure_code_name(s.code) == (built_with_cuda() ? "no device" : "not supported"));
    CHECK_FALSE(static_cast<bool>(s));
    CHECK_FALSE(check_gpu(7).ok());
}

TEST_CASE("without a GPU the tracer answers a status quickly, and nothing crashes") {
    if (gpu_here()) return;
    const auto t0 = std::chrono::steady_clock::now();
    kernel_tracer tracer;
    const auto s = tracer.start();
    CHECK_FALSE(s.ok());
    CHECK(s.code == expected_code());
    CHECK_FALSE(s.message.empty());
    if (built_with_cuda()) CHECK(s.message.find("cudaGetDeviceCount") != std::string::npos);
    CHECK_FALSE(tracer.running());
    const auto stopped = tracer.stop();
    CHECK_FALSE(stopped.ok());
    CHECK(tracer.result().records.empty());
    CHECK(tracer.take().ranges.empty());
    // Starting again behaves the same (no state left half-set).
    CHECK(tracer.start().code == s.code);
    kernel_tracer moved = std::move(tracer);
    CHECK_FALSE(moved.running());

    // External ids: a status either way, never a crash; a scoped id pops only what it pushed.
    const auto pushed = push_external_id(42);
    if (!built_with_cuda()) CHECK(pushed.code == measure_code::not_supported);
    if (pushed.ok()) CHECK(pop_external_id().ok());
    {
        scoped_external_id tag(7);
        CHECK(tag.status().ok() == pushed.ok());
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    CHECK(seconds < 30);
}

TEST_CASE("without a GPU measure_ceilings answers a status and no figures") {
    if (gpu_here()) return;
    ceilings_options o;
    o.copy_bytes = 1 << 20;
    o.matmul_size = 256;
    o.repeats = 1;
    o.launches = 10;
    const auto m = measure_ceilings(o);
    CHECK_FALSE(m.status.ok());
    CHECK(m.status.code == expected_code());
    CHECK_FALSE(m.status.message.empty());
    CHECK(m.figures.dram_bandwidth_gbps == 0);
    CHECK(m.figures.matmul_tflops.empty());
}

#ifdef RIDGELINE_TEST_WITH_CUDA
TEST_CASE("without a GPU CUPTI itself refuses, and the collector reports it as no_device") {
    if (gpu_here()) return;
    // What the injection library meets inside a program on a machine without a driver.
    const auto s = detail::activity_start({});
    CHECK_FALSE(s.ok());
    // CUPTI_ERROR_UNKNOWN without a driver (no_device); other setups may answer another code.
    CHECK((s.code == measure_code::no_device || s.code == measure_code::error));
    CHECK(s.message.find("cuptiActivity") != std::string::npos);
    CHECK_FALSE(detail::activity_running());
    trace t;
    CHECK(detail::activity_stop(t).code == measure_code::error);  // not running
    CHECK(detail::demangle("_Z3fooIfEvPT_i") == "void foo<float>(float*, int)");
    CHECK(detail::demangle("not_mangled") == "not_mangled");
    CHECK_FALSE(detail::cupti_library_path().empty());
}

TEST_CASE("without a GPU the injection library declines to record and the program goes on") {
    if (gpu_here()) return;
    void* lib = ::dlopen(RIDGELINE_INJECT_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    REQUIRE_MESSAGE(lib != nullptr, ::dlerror());
    using init_fn = int (*)();
    auto* init = reinterpret_cast<init_fn>(::dlsym(lib, "InitializeInjection"));
    const bool found = init != nullptr;
    REQUIRE(found);
    CHECK(init() == 1);  // the driver must not fail because of us
    CHECK(::dlsym(lib, "InitializeInjectionNvtx2") != nullptr);
    CHECK(
        ::dlsym(lib, "_ZN9ridgeline11save_traceERKNS_5traceERKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEE") ==
        nullptr);
}
#endif

TEST_CASE("the measured: block lists the figures a spec keeps") {
    const auto y = measured_section_yaml(sample_figures());
    CHECK(y.rfind("measured:\n", 0) == 0);
    CHECK(y.find("  date: \"2026-11-23\"\n") != std::string::npos);
    CHECK(y.find("  method: \"ridgeline ceilings on \\\"a test\\\" device\"\n") != std::string::npos);
    CHECK(y.find("  dram_bandwidth_gbps: 2950.2\n") != std::string::npos);
    CHECK(y.find("  l2_bandwidth_gbps: 9000.5\n") != std::string::npos);
    CHECK(y.find("  vector_tflops: {fp32: 60.5, fp16: 110.2}\n") != std::string::npos);
    CHECK(y.find("  matmul_tflops: {fp32: 51.23, tf32_tensor: 380.5, fp16_tensor: 700.2, bf16_tensor: 710.0}\n") !=
          std::string::npos);
    CHECK(y.find("  min_kernel_time_us: 1.234\n") != std::string::npos);
    CHECK(y.find("  launch_overhead_us: 2.5\n") != std::string::npos);
    // Unmeasured figures are left out (a spec refuses zeros).
    ceiling_measurements partial;
    partial.figures.dram_bandwidth_gbps = 100;
    const auto p = measured_section_yaml(partial);
    CHECK(p.find("matmul_tflops") == std::string::npos);
    CHECK(p.find("min_kernel_time_us") == std::string::npos);
    CHECK(p.find("date: \"unknown\"") != std::string::npos);
}

TEST_CASE("with_measured_section replaces a spec's block, keeps the rest, and the spec loads") {
    const fs::path dir = fs::temp_directory_path() / ("ridgeline-measured-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const auto m = sample_figures();

    const std::string h100_path = std::string(RIDGELINE_HWSPECS) + "/h100-sxm.yaml";
    const std::string h100 = read(h100_path);
    const std::string updated = with_measured_section(h100, m);
    // Everything before the block is kept byte for byte; the old figures are gone; later keys stay.
    const auto at = h100.find("\nmeasured:");
    REQUIRE(at != std::string::npos);
    CHECK(updated.substr(0, at + 1) == h100.substr(0, at + 1));
    CHECK(updated.find("2935.8") == std::string::npos);
    CHECK(updated.find("\nnotes:") != std::string::npos);
    CHECK(updated.find(measured_section_yaml(m)) != std::string::npos);
    { std::ofstream(dir / "h100-sxm.yaml") << updated; }
    const auto hw = load_hw_file((dir / "h100-sxm.yaml").string());
    REQUIRE(hw.measured.has_value());
    CHECK(hw.measured->date == "2026-11-23");
    CHECK(hw.measured->dram_bandwidth_gbps == doctest::Approx(2950.2));
    CHECK(hw.measured->matmul_tflops.at("fp16_tensor") == doctest::Approx(700.2));
    CHECK(hw.measured->min_kernel_time_us == doctest::Approx(1.234));
    CHECK(hw.measured->launch_overhead_us == doctest::Approx(2.5));
    CHECK(hw.peak_tflops == load_hw_file(h100_path).peak_tflops);
    // Replacing twice gives the same text (idempotent).
    CHECK(with_measured_section(updated, m) == updated);

    // A spec without a measured section gets one appended.
    const std::string t4 = read(std::string(RIDGELINE_HWSPECS) + "/t4.yaml");
    REQUIRE(t4.find("\nmeasured:") == std::string::npos);
    const std::string t4_updated = with_measured_section(t4, m);
    CHECK(t4_updated.rfind(t4, 0) == 0);
    { std::ofstream(dir / "t4.yaml") << t4_updated; }
    CHECK(load_hw_file((dir / "t4.yaml").string()).measured->launch_overhead_us == doctest::Approx(2.5));

    // A one-line flow mapping is replaced too.
    const std::string flow = "id: x\nmeasured: {method: old, dram_bandwidth_gbps: 1}\nnotes: \"n\"\n";
    const std::string flow_updated = with_measured_section(flow, m);
    CHECK(flow_updated.find("method: old") == std::string::npos);
    CHECK(flow_updated.rfind("id: x\nmeasured:\n", 0) == 0);
    CHECK(flow_updated.find("notes: \"n\"\n") != std::string::npos);
    fs::remove_all(dir);

    // Empty text is a spec file that was never read (the H200's test_gpu_ceilings): an error, not a
    // spec of one measured: block without id.
    CHECK_THROWS_WITH_AS((void)with_measured_section("", m), doctest::Contains("spec text is empty"), error);
    CHECK_THROWS_AS((void)with_measured_section(" \n\n", m), error);
}

TEST_CASE("external ids switch on CUPTI's API records, which they ride on, even without launches") {
    // CUPTI writes an EXTERNAL_CORRELATION record only in front of a RUNTIME/DRIVER API record: the
    // replay recorded without them and every kernel came back untagged (0 s measured on the H200).
    detail::activity_config replay;
    replay.nvtx = false;
    replay.launches = false;
    const auto k = detail::kinds_for(replay);
    CHECK(k.concurrent_kernel);
    CHECK(k.external_correlation);
    CHECK(k.runtime);
    CHECK(k.driver);
    CHECK_FALSE(k.marker);
    // No ids and no launches: no API records at all; the default records everything.
    replay.external_ids = false;
    const auto bare = detail::kinds_for(replay);
    CHECK_FALSE(bare.external_correlation);
    CHECK_FALSE(bare.runtime);
    CHECK_FALSE(bare.driver);
    const auto all = detail::kinds_for({});
    CHECK((all.external_correlation && all.runtime && all.driver && all.marker && all.memcpy && all.memset));
}

TEST_CASE("NVTX_INJECTION64_PATH is pointed at the libcupti in use, never at a second one") {
    const fs::path dir = fs::temp_directory_path() / ("ridgeline-nvtx-" + std::to_string(::getpid()));
    fs::create_directories(dir / "wheel");
    fs::create_directories(dir / "toolkit");
    const auto ours = (dir / "wheel" / "libcupti.so.13").string();
    const auto other = (dir / "toolkit" / "libcupti.so").string();
    std::ofstream(ours) << "x";
    std::ofstream(other) << "y";
    fs::create_symlink(ours, dir / "wheel" / "libcupti.so");
    using detail::nvtx_injection_path;
    CHECK(nvtx_injection_path(nullptr, ours) == ours);                                            // unset
    CHECK(nvtx_injection_path("", ours) == ours);                                                 // empty
    CHECK_FALSE(nvtx_injection_path(ours.c_str(), ours).has_value());                             // already ours
    CHECK_FALSE(nvtx_injection_path((dir / "wheel" / "libcupti.so").c_str(), ours).has_value());  // a link to it
    CHECK(nvtx_injection_path(other.c_str(), ours) == ours);                     // another libcupti: a second CUPTI
    CHECK(nvtx_injection_path("/build/machine/lib/libcupti.so", ours) == ours);  // a path from elsewhere
    CHECK_FALSE(nvtx_injection_path("/opt/nsight/libToolsInjection64.so", ours).has_value());  // another tool's
    CHECK_FALSE(nvtx_injection_path(nullptr, "").has_value());  // ours unknown: nothing to set
    fs::remove_all(dir);
}
