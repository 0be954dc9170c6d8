// Google Benchmark timings of the three stages a user pays for on a real graph:
//   BM_load           load_onnx only (protobuf walk, IR build, topological check)
//   BM_load_infer     load + infer_shapes with batch=1, sequence=128
//   BM_full_analysis  load + infer + analyze (per-node costs, fusion groups, liveness/peak memory)
// for longformer_base.onnx (31,842 nodes, weights external), vit_l_16.onnx and squeezenet1_0.onnx
// (weights embedded: checks that embedded bytes are skipped, not read).
//
// Each benchmark reports `nodes` and `peak_rss` (getrusage ru_maxrss, in bytes). ru_maxrss is the
// process's high-water mark, so it only grows over a run: run one benchmark at a time
// (--benchmark_filter=BM_load/longformer_base) to read a stage's own peak.
//
//   ./build-bench/bench/bench_load --benchmark_filter=longformer
#include "ridgeline/analysis.hpp"
#include "ridgeline/onnx_import.hpp"
#include "ridgeline/shape.hpp"

#include <benchmark/benchmark.h>

#include <sys/resource.h>

#include <filesystem>
#include <string>

namespace {

/** Absolute path of a zoo model, or "" when the zoo (or that model) is absent. */
std::string zoo_model(const std::string& file) {
    const std::filesystem::path p = std::filesystem::path(RIDGELINE_BENCH_ZOO_DIR) / file;
    return std::filesystem::exists(p) ? p.string() : std::string();
}

/** Peak resident set size of this process so far, in bytes (Linux reports ru_maxrss in KiB). */
double peak_rss_bytes() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_maxrss) * 1024.0;
}

/** The bindings every benchmark uses: batch=1, sequence=128 (ignored by vision models). */
ridgeline::shape_options bench_bindings() {
    ridgeline::shape_options o;
    o.batch = 1;
    o.symbols["sequence"] = 128;
    return o;
}

/** Which stages one benchmark runs. */
enum class stage { load, infer, analyze };

/**
 * Times `stage` on zoo model `file`. Errors (absent model, a throw from the library) skip the
 * benchmark with the message instead of aborting the whole run.
 */
void run_stage(benchmark::State& state, const std::string& file, stage last) {
    const auto path = zoo_model(file);
    if (path.empty()) {
        state.SkipWithError(("zoo model absent: " + std::string(RIDGELINE_BENCH_ZOO_DIR) + "/" + file).c_str());
        return;
    }
    const auto options = bench_bindings();
    std::size_t nodes = 0;
    try {
        for (auto _ : state) {
            auto g = ridgeline::load_onnx(path);
            nodes = g.nodes.size();
            if (last != stage::load) {
                auto report = ridgeline::infer_shapes(g, options);
                benchmark::DoNotOptimize(report.values_without_shape);
            }
            if (last == stage::analyze) {
                auto m = ridgeline::analyze(g);
                benchmark::DoNotOptimize(m.peak_activation_bytes);
                benchmark::DoNotOptimize(m.totals.flops_matmul);
            }
            benchmark::DoNotOptimize(g);
            benchmark::ClobberMemory();
        }
    } catch (const std::exception& e) {
        state.SkipWithError(e.what());
        return;
    }
    state.counters["nodes"] = static_cast<double>(nodes);
    state.counters["peak_rss"] =
        benchmark::Counter(peak_rss_bytes(), benchmark::Counter::kDefaults, benchmark::Counter::kIs1024);
}

void BM_load(benchmark::State& state, const std::string& file) { run_stage(state, file, stage::load); }
void BM_load_infer(benchmark::State& state, const std::string& file) { run_stage(state, file, stage::infer); }
void BM_full_analysis(benchmark::State& state, const std::string& file) { run_stage(state, file, stage::analyze); }

}  // namespace

BENCHMARK_CAPTURE(BM_load, longformer_base, std::string("longformer_base.onnx"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_load, vit_l_16, std::string("vit_l_16.onnx"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_load, squeezenet1_0, std::string("squeezenet1_0.onnx"))->Unit(benchmark::kMillisecond);

BENCHMARK_CAPTURE(BM_load_infer, longformer_base, std::string("longformer_base.onnx"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_load_infer, vit_l_16, std::string("vit_l_16.onnx"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_load_infer, squeezenet1_0, std::string("squeezenet1_0.onnx"))->Unit(benchmark::kMillisecond);

BENCHMARK_CAPTURE(BM_full_analysis, longformer_base, std::string("longformer_base.onnx"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_full_analysis, vit_l_16, std::string("vit_l_16.onnx"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_full_analysis, squeezenet1_0, std::string("squeezenet1_0.onnx"))->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
