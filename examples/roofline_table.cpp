// Roofline table of a model on a device: every layer's FLOPs, bytes, intensity, bound and time.
//   example_roofline_table MODEL.onnx [DEVICE] [BATCH]
#include <ridgeline/pipeline.hpp>
#include <ridgeline/report.hpp>

#include <iostream>
#include <string>

int main(int argc, char** argv) try {
    if (argc < 2) {
        std::cerr << "usage: " << argv[0] << " MODEL.onnx [DEVICE] [BATCH]\n";
        return 2;
    }
    ridgeline::model_request r;
    r.path = argv[1];
    r.shapes.batch = argc > 3 ? std::stoll(argv[3]) : 1;
    r.shapes.symbols["sequence"] = 128;
    r.devices = {ridgeline::load_hw(argc > 2 ? argv[2] : "h100-sxm")};
    const auto p = ridgeline::predict_model(r);  // load → infer → analyse → predict
    ridgeline::write_report(std::cout, ridgeline::make_analysis_report(p, 12), ridgeline::report_format::table);
    return 0;
} catch (const std::exception& e) {
    std::cerr << e.what() << '\n';
    return 1;
}
