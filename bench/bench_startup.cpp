// What one run of the ridgeline tool costs before it does anything heavy: wall time and peak
// resident memory of `ridgeline hw list`, `ridgeline --help` and `ridgeline analyze resnet50.onnx
// --hw h100-sxm --batch 1` (from the zoo), each run as a child process (fork + exec; peak RSS from
// wait4's rusage, the figure `/usr/bin/time -f %M` prints). Counting must not pay for measuring:
// none of these commands opens a CUDA library (issue 14 moved them into a plugin loaded on demand).
//
//   build/bench/bench_startup                                     # this build's tool
//   RIDGELINE_BENCH_TOOL=/other/build/ridgeline build/bench/bench_startup   # another build's
#include <benchmark/benchmark.h>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace {

std::string tool() {
    const char* other = std::getenv("RIDGELINE_BENCH_TOOL");
    return other != nullptr ? other : RIDGELINE_BENCH_TOOL;
}

/** Runs the tool with `args` (output discarded); its exit status and peak RSS in KiB. */
int run_tool(const std::vector<std::string>& args, long& peak_kib) {
    const std::string path = tool();
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(path.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid == 0) {
        const int null = ::open("/dev/null", O_WRONLY);
        ::dup2(null, 1);
        ::dup2(null, 2);
        ::execv(path.c_str(), argv.data());
        ::_exit(127);
    }
    int status = 0;
    rusage usage{};
    if (pid < 0 || ::wait4(pid, &status, 0, &usage) != pid) return -1;
    peak_kib = usage.ru_maxrss;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void tool_run(benchmark::State& state, const std::vector<std::string>& args) {
    long peak_kib = 0;
    for (auto _ : state) {
        long kib = 0;
        if (const int rc = run_tool(args, kib); rc != 0) {
            state.SkipWithError(("the tool exited " + std::to_string(rc)).c_str());
            return;
        }
        peak_kib = std::max(peak_kib, kib);
    }
    state.counters["peak_rss_MiB"] = static_cast<double>(peak_kib) / 1024.0;
}

void hw_list(benchmark::State& state) { tool_run(state, {"hw", "list"}); }
void help(benchmark::State& state) { tool_run(state, {"--help"}); }
void analyze_resnet50(benchmark::State& state) {
    const std::string model = std::string(RIDGELINE_BENCH_ZOO_DIR) + "/resnet50.onnx";
    if (!std::filesystem::exists(model)) {
        state.SkipWithError(("skipped: " + model + " is absent").c_str());
        return;
    }
    tool_run(state, {"analyze", model, "--hw", "h100-sxm", "--batch", "1"});
}

}  // namespace

BENCHMARK(hw_list)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(help)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(analyze_resnet50)->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
