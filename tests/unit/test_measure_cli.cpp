// The measurement subcommands from the shell: import-trace and validate everywhere; ceilings and trace
// answer "not possible here" (exit 3) with a message on a machine without a GPU.
#include "model_builder.hpp"

#include "ridgeline/measure.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <sys/wait.h>
#include <unistd.h>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>

namespace {

using namespace ridgeline;
namespace fs = std::filesystem;

/** Relative comparison: doctest's Approx adds an absolute slack of 1e-5, too coarse for seconds. */
doctest::Approx near(double x) { return doctest::Approx(x).scale(0).epsilon(1e-9); }

using result = test::command_result;

result tool(const std::string& args, bool with_stderr = true) { return test::run_tool(args, with_stderr); }

struct scratch {
    fs::path dir = fs::temp_directory_path() / ("ridgeline-measure-cli-" + std::to_string(::getpid()));
    scratch() { fs::create_directories(dir); }
    ~scratch() { fs::remove_all(dir); }
    [[nodiscard]] std::string path(const std::string& name) const { return (dir / name).string(); }
};

const std::string data = RIDGELINE_TEST_DATA;

bool gpu_here() { return check_gpu().ok(); }

}  // namespace

TEST_CASE("import-trace converts a Kineto trace to ridgeline JSON and Chrome JSON") {
    scratch s;
    const auto r = tool("import-trace " + data + "/traces/kineto_small.json -o " + s.path("t.json") + " --chrome " +
                        s.path("t.chrome.json"));
    CAPTURE(r.out);
    REQUIRE(r.status == 0);
    CHECK(r.out.find("3 kernels") != std::string::npos);
    const auto t = load_trace(s.path("t.json"));
    CHECK(t.source == "kineto");
    CHECK(t.count(activity_kind::kernel) == 3);
    CHECK(load_trace(s.path("t.chrome.json")).records.size() == t.records.size());
    // Without -o the ridgeline JSON goes to standard output.
    const auto j = tool("import-trace " + data + "/traces/kineto_small.json", false);
    REQUIRE(j.status == 0);
    CHECK(nlohmann::json::parse(j.out)["format"] == "ridgeline-trace");
    // A malformed trace: exit 1, the file and the event named.
    const auto bad = tool("import-trace " + data + "/traces/kineto_bad.json");
    CHECK(bad.status == 1);
    CHECK(bad.out.find("kineto_bad.json") != std::string::npos);
    CHECK(bad.out.find("traceEvents[2] ('bad_kernel')") != std::string::npos);
}

TEST_CASE("validate compares a model's prediction with a trace") {
    // tiny_mlp: fc1 (Gemm, node 0), relu (node 1), fc2 (Gemm, node 2); kernels tagged with node indices.
    trace t;
    t.source = "cupti";
    for (int i = 0; i < 3; ++i) {
        kernel_record k;
        k.name = i == 1 ? "relu_kernel" : "gemm_kernel";
        k.start_ns = 1000 + 10000 * static_cast<std::uint64_t>(i);
        k.end_ns = k.start_ns + 3000;
        k.external_id = static_cast<std::uint64_t>(i);
        t.records.push_back(k);
    }
    kernel_record stray;
    stray.name = "unrelated_kernel";
    stray.start_ns = 50000;
    stray.end_ns = 51000;
    t.records.push_back(stray);
    scratch s;
    save_trace(t, s.path("mlp.json"));
    const std::string args =
        "validate " + data + "/tiny_mlp.onnx --hw h100-sxm --batch 2 --trace " + s.path("mlp.json");
    const auto r = tool(args + " --format json", false);
    CAPTURE(r.out);
    REQUIRE(r.status == 0);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j["method"] == "external-id");
    CHECK(j["model"]["measured_kernels"] == 4);
    CHECK(j["model"]["attributed_kernels"] == 3);
    CHECK(j["model"]["measured_s"].get<double>() == near(10e-6));
    CHECK(j["model"]["unattributed_s"].get<double>() == near(1e-6));
    CHECK(j["model"]["predicted_s"].get<double>() > 0);
    CHECK(j["per_node"]["count"].get<int>() >= 2);
    REQUIRE(j["unattributed"].size() == 1);
    CHECK(j["unattributed"][0]["name"] == "unrelated_kernel");

    const auto table = tool(args);
    CHECK(table.status == 0);
    CHECK(table.out.find("external-id") != std::string::npos);
    CHECK(table.out.find("unrelated_kernel") != std::string::npos);

    CHECK(tool(args + " --method magic").status == 2);
    const auto bad =
        tool("validate " + data + "/tiny_mlp.onnx --hw h100-sxm --batch 2 --trace " + data + "/traces/kineto_bad.json");
    CHECK(bad.status == 1);
    CHECK(bad.out.find("bad_kernel") != std::string::npos);
}

TEST_CASE("without a GPU, ceilings and trace exit 3 with a message") {
    if (gpu_here()) {
        MESSAGE("a GPU is present: the no-GPU checks do not apply");
        return;
    }
    const auto c = tool("ceilings --hw h100-sxm");
    CHECK(c.status == 3);
    CHECK((c.out.find("no device") != std::string::npos || c.out.find("not supported") != std::string::npos));
    scratch s;
    const auto t = tool("trace -o " + s.path("t.json") + " -- /bin/true");
    CHECK(t.status == 3);
    CHECK_FALSE(fs::exists(s.path("t.json")));
    CHECK(tool("ceilings --hw no-such-device").status == 1);
}

namespace {

/** The tool run through a shell with `env` ("NAME=value …") in front; stdout and stderr captured. */
result tool_with(const std::string& env, const std::string& args) {
    return test::run_command(env + " " + RIDGELINE_TOOL + " " + args + " 2>&1");
}

/** What the dynamic loader opens while the tool runs `args` (LD_DEBUG=files, stderr only). */
std::string libraries_opened(const std::string& args) {
    return test::run_command("LD_DEBUG=files " + std::string(RIDGELINE_TOOL) + " " + args + " 2>&1 >/dev/null").out;
}

}  // namespace

TEST_CASE("counting opens no CUDA library; a measuring command opens them through the GPU plugin") {
    scratch s;
    for (const std::string& args :
         std::vector<std::string>{"hw list", "--help", "analyze " + data + "/tiny_mlp.onnx --hw h100-sxm --batch 2"}) {
        CAPTURE(args);
        const auto opened = libraries_opened(args);
        REQUIRE(opened.find("file=") != std::string::npos);  // LD_DEBUG works here: the tool's own libraries
        for (const char* lib : {"libcudart", "libcupti", "libcublas", "libcudnn", "libridgeline_gpu"}) {
            CAPTURE(lib);
            CHECK(opened.find(lib) == std::string::npos);
        }
    }
    if (!built_with_cuda()) return;
    // A measuring command loads the plugin and the CUDA runtime, GPU or not (trace runs /bin/true).
    const auto opened = libraries_opened("trace -o " + s.path("t.json") + " -- /bin/true");
    CHECK(opened.find("libridgeline_gpu") != std::string::npos);
    CHECK(opened.find("libcudart") != std::string::npos);
}

TEST_CASE("a missing CUDA library or GPU plugin: measuring commands exit 3 naming it and the folders searched") {
    if (!built_with_cuda()) {
        MESSAGE("built without CUDA: there is no plugin or CUDA library to miss");
        return;
    }
    scratch s;
    const std::string empty = s.path("no-cuda-here");
    fs::create_directories(empty);
    // The plugin is found (next to the build), the CUDA libraries are not: only the empty folder is searched.
    const std::string no_libraries = "RIDGELINE_CUDA_PATH=" + empty + " RIDGELINE_CUDA_PATH_ONLY=1";
    for (const std::string& args :
         std::vector<std::string>{"ceilings --hw h100-sxm", "replay " + data + "/tiny_mlp.onnx --batch 2",
                                  "trace -o " + s.path("t.json") + " -- /bin/true"}) {
        CAPTURE(args);
        const auto r = tool_with(no_libraries, args);
        CHECK(r.status == 3);
        CHECK(r.out.find("no device") != std::string::npos);
        CHECK(r.out.find("libcudart.so") != std::string::npos);
        CHECK(r.out.find("looked in " + empty) != std::string::npos);
        CHECK(r.out.find("RIDGELINE_CUDA_PATH") != std::string::npos);
    }
    CHECK_FALSE(fs::exists(s.path("t.json")));
    // The plugin itself is not found (RIDGELINE_PLUGIN_PATH, when set, is the only place looked in).
    const auto r = tool_with("RIDGELINE_PLUGIN_PATH=" + empty, "ceilings --hw h100-sxm");
    CHECK(r.status == 3);
    CHECK(r.out.find("libridgeline_gpu.so") != std::string::npos);
    CHECK(r.out.find("looked in " + empty) != std::string::npos);
    CHECK(r.out.find("RIDGELINE_PLUGIN_PATH") != std::string::npos);
    // Counting does not notice.
    CHECK(tool_with("RIDGELINE_PLUGIN_PATH=" + empty + " " + no_libraries, "hw list").status == 0);
}
