// One model on several devices: predicted GPU time and the bound at fp32 and fp16.
//   example_compare_devices MODEL.onnx [BATCH]
#include <ridgeline/pipeline.hpp>
#include <ridgeline/units.hpp>

#include <iostream>
#include <string>

int main(int argc, char** argv) try {
    if (argc < 2) {
        std::cerr << "usage: " << argv[0] << " MODEL.onnx [BATCH]\n";
        return 2;
    }
    ridgeline::model_request r;
    r.path = argv[1];
    r.shapes.batch = argc > 2 ? std::stoll(argv[2]) : 8;
    r.shapes.symbols["sequence"] = 128;
    for (const char* id : {"t4", "l4", "v100-sxm2", "a100-sxm-80gb", "h100-sxm", "h200-sxm"}) {
        r.devices.push_back(ridgeline::load_hw(id));
    }
    const auto fp32 = ridgeline::predict_model(r);
    r.prec = ridgeline::parse_precision("fp16");
    const auto fp16 = ridgeline::predict_model(r);
    using ridgeline::human_time, ridgeline::left_aligned, ridgeline::right_aligned;
    std::cout << left_aligned("device", 18) << right_aligned("fp32", 14) << right_aligned("fp16", 14)
              << "  bound(fp16)\n";
    for (std::size_t i = 0; i < r.devices.size(); ++i) {
        const auto& a = fp32.device(i).latency;
        const auto& b = fp16.device(i).latency;
        std::cout << left_aligned(r.devices[i].id, 18) << right_aligned(human_time(a.gpu_time_s), 14)
                  << right_aligned(human_time(b.gpu_time_s), 14) << "  " << ridgeline::bound_name(b.bound) << '\n';
    }
    return 0;
} catch (const std::exception& e) {
    std::cerr << e.what() << '\n';
    return 1;
}
