// libFuzzer target: ONNX bytes → import → shape inference → analysis → roofline and latency.
// Bad input may be refused with a ridgeline::error (that is the contract); anything else — a
// crash, a sanitizer report, another exception ("vector::_M_range_insert"), or a result that
// breaks an invariant (negative FLOPs, bytes or dims; a time that is not finite) — is a finding.
//
//   build:  cmake --preset fuzz && cmake --build --preset fuzz
//   run:    build-fuzz/fuzz/fuzz_model -max_total_time=3600 build-fuzz/fuzz/corpus/model build-fuzz/fuzz/seeds/model
//   replay: build-fuzz/fuzz/fuzz_model crash-<sha1>
#include "ridgeline/analysis.hpp"
#include "ridgeline/cost_model.hpp"
#include "ridgeline/error.hpp"
#include "ridgeline/hardware.hpp"
#include "ridgeline/onnx_import.hpp"
#include "ridgeline/roofline.hpp"
#include "ridgeline/shape.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

[[noreturn]] void broken(const std::string& what) {
    std::fprintf(stderr, "invariant broken: %s\n", what.c_str());
    std::abort();
}

void check(const ridgeline::counts& c, const std::string& where) {
    const std::int64_t figures[] = {c.macs,          c.flops_matmul,           c.flops_vector,
                                    c.flops_special, c.bytes_read_activations, c.bytes_read_weights,
                                    c.bytes_written};
    for (auto v : figures) {
        if (v < 0) broken(where + ": a negative count (" + std::to_string(v) + ")");
    }
}

void check(const ridgeline::graph& g) {
    for (const auto& v : g.values) {
        if (!v.dims) continue;
        for (const auto& d : *v.dims) {
            if (d.is_value() && d.value() < 0) broken("value '" + v.name + "' has a negative dimension");
        }
    }
}

void check(const ridgeline::model_cost& m) {
    for (const auto& l : m.layers) {
        check(l.forward, "layer '" + l.name + "' forward");
        check(l.backward, "layer '" + l.name + "' backward");
        if (l.params < 0) broken("layer '" + l.name + "': negative params");
    }
    check(m.totals, "totals");
    check(m.backward_totals, "backward totals");
    if (m.params < 0 || m.param_bytes < 0 || m.peak_activation_bytes < 0 || m.duplicate_params < 0) {
        broken("negative model totals");
    }
}

void check(const ridgeline::latency_prediction& p) {
    if (!std::isfinite(p.gpu_time_s) || p.gpu_time_s < 0) broken("GPU time " + std::to_string(p.gpu_time_s));
    for (double t : p.layer_time_s) {
        if (!std::isfinite(t) || t < 0) broken("a layer time of " + std::to_string(t));
    }
}

const ridgeline::hw_spec& device() {
    static const ridgeline::hw_spec hw = ridgeline::load_hw("h100-sxm");
    return hw;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace ridgeline;
    const auto& hw = device();
    load_options lo;
    lo.read_external_shape_data = false;  // no file system: the same input always does the same
    try {
        graph g = load_onnx_bytes(data, size, "fuzz.onnx", lo);
        shape_options o;
        o.batch = 2;
        for (const auto& s : graph_symbols(g)) o.symbols.emplace(s, 3);
        if (!infer_shapes(g, o).ok()) return 0;
        check(g);
        for (const bool training : {false, true}) {
            analysis_options ao;
            ao.training = training;
            ao.fused = training;
            ao.float_override = training ? dtype::f16 : dtype::undefined;
            const auto m = analyze(g, ao);
            check(m);
            (void)inference_memory(m);
            const auto precision = training ? dtype::f16 : dtype::f32;
            (void)predict(m, hw, precision);
            cost_model_params params;
            params.fused = training;
            check(predict_latency(g, m, hw, precision, params));
        }
    } catch (const error&) {
        // Refused with a message: the contract for bad input.
    }
    return 0;
}
