// One model on several devices: predicted GPU time and the bound at fp32 and fp16.
//   example_compare_devices MODEL.onnx [BATCH]
#include <ridgeline/cost_model.hpp>
#include <ridgeline/onnx_import.hpp>
#include <ridgeline/report.hpp>

#include <iomanip>
#include <iostream>
#include <string>

int main(int argc, char** argv) try {
    if (argc < 2) {
        std::cerr << "usage: " << argv[0] << " MODEL.onnx [BATCH]\n";
        return 2;
    }
    auto g = ridgeline::load_onnx(argv[1]);
    ridgeline::shape_options bind;
    bind.batch = argc > 2 ? std::stoll(argv[2]) : 8;
    bind.symbols["sequence"] = 128;
    ridgeline::infer_shapes(g, bind);
    const auto fp32 = ridgeline::analyze(g);
    const auto fp16 = ridgeline::analyze(g, {.float_override = ridgeline::dtype::f16});
    std::cout << std::left << std::setw(18) << "device" << std::right << std::setw(14) << "fp32" << std::setw(14)
              << "fp16"
              << "  bound(fp16)\n";
    for (const char* id : {"t4", "l4", "v100-sxm2", "a100-sxm-80gb", "h100-sxm", "h200-sxm"}) {
        const auto hw = ridgeline::load_hw(id);
        const auto a = ridgeline::predict_latency(g, fp32, hw, ridgeline::dtype::f32);
        const auto b = ridgeline::predict_latency(g, fp16, hw, ridgeline::dtype::f16);
        std::cout << std::left << std::setw(18) << id << std::right << std::setw(14)
                  << ridgeline::human_time(a.gpu_time_s) << std::setw(14) << ridgeline::human_time(b.gpu_time_s) << "  "
                  << ridgeline::bound_name(b.bound) << '\n';
    }
    return 0;
} catch (const std::exception& e) {
    std::cerr << e.what() << '\n';
    return 1;
}
