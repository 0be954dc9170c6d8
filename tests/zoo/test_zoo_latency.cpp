// Every zoo model gets a predicted time on the H100 at fp32 and fp16, and the latency model never
// predicts less than the roofline's compute time at the same ceilings (fusion removes bytes, never
// FLOPs; waves are whole; vector ceilings are achievable, not peak). Skipped (exit 77) without the zoo.
#include "model_builder.hpp"

#include "ridgeline/cost_model.hpp"
#include "ridgeline/onnx_import.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>

using namespace ridgeline;

TEST_CASE("predicted time for every zoo model, fp32 and fp16, batch 1 and 32") {
    test::require_zoo();
    const auto h100 = load_hw("h100-sxm");
    int models = 0;
    for (const auto& path : test::zoo_models(true)) {
        graph g = load_onnx(path);
        for (std::int64_t batch : {1, 32}) {
            shape_options o;
            o.batch = batch;
            o.symbols["sequence"] = 128;
            REQUIRE(infer_shapes(g, o).ok());
            double fp32_time = 0;
            for (dtype dt : {dtype::f32, dtype::f16}) {
                CAPTURE(path);
                CAPTURE(batch);
                CAPTURE(dtype_name(dt));
                const auto m = analyze(g, {.float_override = dt == dtype::f32 ? dtype::undefined : dt});
                const auto lat = predict_latency(g, m, h100, dt);
                const auto roof = predict(m, h100, dt);
                CHECK(std::isfinite(lat.gpu_time_s));
                CHECK(lat.gpu_time_s > 0);
                CHECK(lat.gpu_time_s >= roof.compute_s * 0.999);
                // At most a convolution's three layout conversions and a folded batch norm's three kernels more.
                CHECK(lat.kernels.size() <= static_cast<std::size_t>(m.kernels) * 7);
                if (dt == dtype::f32)
                    fp32_time = lat.gpu_time_s;
                else if (batch == 32)
                    CHECK(lat.gpu_time_s < fp32_time);  // tensor cores and half the bytes
            }
        }
        ++models;
    }
    CHECK(models >= 41);
}
