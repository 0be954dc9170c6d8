// GPU (label gpu): the injection library traces an unmodified CUDA program (gpu_inject_target) run
// through `ridgeline trace`: five kernels, the device-to-device copy, and the NVTX range around the
// kernels. Skipped (exit 77) without a CUDA device.
#include "model_builder.hpp"
#include "require_gpu.hpp"

#include "ridgeline/measure.hpp"

#include <cuda_runtime_api.h>

#include <doctest/doctest.h>

#include <sys/wait.h>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

TEST_CASE("ridgeline trace records an unmodified CUDA program") {
    ridgeline_test::require_gpu();
    using namespace ridgeline;
    namespace fs = std::filesystem;
    const auto dir = fs::temp_directory_path() / "ridgeline-gpu-inject";
    fs::create_directories(dir);
    const auto out = (dir / "target.json").string();
    // The tool and the target as built, or beside this program in a copied tree (the GPU kit).
    const std::string cmd =
        test::tool_path() + " trace -o " + out + " -- " + test::built_file(RIDGELINE_INJECT_TARGET) + " 2>&1";
    const int st = std::system(cmd.c_str());
    REQUIRE(WIFEXITED(st));
    REQUIRE(WEXITSTATUS(st) == 0);
    const auto t = load_trace(out);
    CHECK(t.source == "inject");
    std::size_t kernels = 0;
    for (const auto& r : t.records) {
        if (r.kind == activity_kind::kernel && r.name.find("ridgeline_inject_target_kernel") != std::string::npos) {
            ++kernels;
            CHECK(r.launch.has_value());
        }
    }
    CHECK(kernels == 5);
    CHECK(t.count(activity_kind::memcpy) >= 1);
    bool range = false;
    for (const auto& g : t.ranges) range = range || g.name == "inject_range";
    CHECK(range);
    CHECK(fs::exists(dir / "target.chrome.json"));
    CHECK(load_trace((dir / "target.chrome.json").string()).records.size() == t.records.size());
    fs::remove_all(dir);
}
