// Google Benchmark timing of the latency model alone (kernel formation, L2 reuse distances, curve
// timing): `predict_latency` on an already analysed graph, on the H200 spec (fitted curves) in
// fp32 and fp16. The goal: a few ms for a 30k-node graph (longformer_base, 31,842 nodes), so that
// sweeps and reports stay interactive.
//
//   ./build/bench/bench_predict
//   ./build/bench/bench_predict --benchmark_filter=longformer
#include "ridgeline/analysis.hpp"
#include "ridgeline/cost_model.hpp"
#include "ridgeline/onnx_import.hpp"
#include "ridgeline/shape.hpp"

#include <benchmark/benchmark.h>

#include <filesystem>
#include <string>

namespace {

void BM_predict_latency(benchmark::State& state, const std::string& file, ridgeline::dtype precision) {
    const std::filesystem::path path = std::filesystem::path(RIDGELINE_BENCH_ZOO_DIR) / file;
    if (!std::filesystem::exists(path)) {
        state.SkipWithError(("zoo model absent: " + path.string()).c_str());
        return;
    }
    try {
        auto g = ridgeline::load_onnx(path.string());
        ridgeline::shape_options o;
        o.batch = 8;
        o.symbols["sequence"] = 512;
        ridgeline::infer_shapes(g, o);
        ridgeline::analysis_options ao;
        if (precision != ridgeline::dtype::f32) ao.float_override = precision;
        const auto m = ridgeline::analyze(g, ao);
        const auto hw = ridgeline::load_hw("h200-sxm");
        std::size_t kernels = 0;
        for (auto _ : state) {
            const auto p = ridgeline::predict_latency(g, m, hw, precision);
            kernels = p.kernels.size();
            benchmark::DoNotOptimize(p.gpu_time_s);
        }
        state.counters["nodes"] = static_cast<double>(g.nodes.size());
        state.counters["kernels"] = static_cast<double>(kernels);
    } catch (const std::exception& e) {
        state.SkipWithError(e.what());
    }
}

}  // namespace

BENCHMARK_CAPTURE(BM_predict_latency, longformer_base_fp32, std::string("longformer_base.onnx"), ridgeline::dtype::f32)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_predict_latency, longformer_base_fp16, std::string("longformer_base.onnx"), ridgeline::dtype::f16)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_predict_latency, swin_t_fp16, std::string("swin_t.onnx"), ridgeline::dtype::f16)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_predict_latency, resnet50_eager_fp16, std::string("resnet50_eager.onnx"), ridgeline::dtype::f16)
    ->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
