// Times the full analysis (load_onnx + infer_shapes(batch=1, sequence=128) + analyze) of every
// model in the zoo and prints one line per model:
//
//   model                      nodes   load_ms  infer_ms analyze_ms  total_ms
//
// Each figure is the best of N repetitions (default 5), so a busy machine disturbs it less.
// A model whose analysis throws is listed with the message instead of the figures.
//
//   ./build-bench/bench/bench_zoo [ZOO_DIR] [REPETITIONS]
#include "ridgeline/analysis.hpp"
#include "ridgeline/onnx_import.hpp"
#include "ridgeline/shape.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

double ms_since(clock_type::time_point t0) {
    return std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
}

/** Best-of-N timings of one model's three stages. */
struct timing {
    std::size_t nodes = 0;
    double load_ms = std::numeric_limits<double>::infinity();
    double infer_ms = std::numeric_limits<double>::infinity();
    double analyze_ms = std::numeric_limits<double>::infinity();
    double total_ms = std::numeric_limits<double>::infinity();
};

timing time_model(const std::string& path, int repetitions) {
    timing t;
    ridgeline::shape_options options;
    options.batch = 1;
    options.symbols["sequence"] = 128;
    for (int r = 0; r < repetitions; ++r) {
        const auto t0 = clock_type::now();
        auto g = ridgeline::load_onnx(path);
        const double load = ms_since(t0);
        const auto t1 = clock_type::now();
        (void)ridgeline::infer_shapes(g, options);
        const double infer = ms_since(t1);
        const auto t2 = clock_type::now();
        auto m = ridgeline::analyze(g);
        const double analyze = ms_since(t2);
        const double total = ms_since(t0);
        t.nodes = g.nodes.size();
        t.load_ms = std::min(t.load_ms, load);
        t.infer_ms = std::min(t.infer_ms, infer);
        t.analyze_ms = std::min(t.analyze_ms, analyze);
        t.total_ms = std::min(t.total_ms, total);
        if (m.peak_activation_bytes < 0) std::printf("impossible\n");  // keeps `m` observable
    }
    return t;
}

}  // namespace

int main(int argc, char** argv) {
    const std::filesystem::path zoo = argc > 1 ? argv[1] : RIDGELINE_BENCH_ZOO_DIR;
    const int repetitions = argc > 2 ? std::max(1, std::atoi(argv[2])) : 5;
    if (!std::filesystem::is_directory(zoo)) {
        std::fprintf(stderr, "bench_zoo: zoo folder %s is absent: skipped\n", zoo.string().c_str());
        return 77;  // the "skipped" status CTest and the test suite use
    }
    std::vector<std::filesystem::path> models;
    for (const auto& e : std::filesystem::directory_iterator(zoo)) {
        if (e.is_regular_file() && e.path().extension() == ".onnx") models.push_back(e.path());
    }
    std::sort(models.begin(), models.end());
    std::printf("%-24s %7s %9s %9s %10s %9s   (best of %d; batch=1 sequence=128)\n", "model", "nodes", "load_ms",
                "infer_ms", "analyze_ms", "total_ms", repetitions);
    int failures = 0;
    double sum_ms = 0;
    for (const auto& p : models) {
        const auto name = p.stem().string();
        try {
            const auto t = time_model(p.string(), repetitions);
            sum_ms += t.total_ms;
            std::printf("%-24s %7zu %9.2f %9.2f %10.2f %9.2f\n", name.c_str(), t.nodes, t.load_ms, t.infer_ms,
                        t.analyze_ms, t.total_ms);
        } catch (const std::exception& e) {
            ++failures;
            std::printf("%-24s  FAILED: %s\n", name.c_str(), e.what());
        }
        std::fflush(stdout);
    }
    std::printf("%zu models, %d failed, %.1f ms in all (sum of best totals)\n", models.size(), failures, sum_ms);
    return failures == 0 ? 0 : 1;
}
