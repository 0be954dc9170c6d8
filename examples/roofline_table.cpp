// Roofline table of a model on a device: every layer's FLOPs, bytes, intensity, bound and time.
//   example_roofline_table MODEL.onnx [DEVICE] [BATCH]
#include <ridgeline/cost_model.hpp>
#include <ridgeline/onnx_import.hpp>
#include <ridgeline/report.hpp>

#include <iostream>
#include <string>

int main(int argc, char** argv) try {
    if (argc < 2) {
        std::cerr << "usage: " << argv[0] << " MODEL.onnx [DEVICE] [BATCH]\n";
        return 2;
    }
    const auto hw = ridgeline::load_hw(argc > 2 ? argv[2] : "h100-sxm");
    auto g = ridgeline::load_onnx(argv[1]);
    ridgeline::shape_options bind;
    bind.batch = argc > 3 ? std::stoll(argv[3]) : 1;
    bind.symbols["sequence"] = 128;
    ridgeline::infer_shapes(g, bind);
    ridgeline::analysis_report r;
    r.model_path = argv[1];
    r.model_nodes = g.nodes.size();
    r.symbols = {{"batch", bind.batch}};
    r.cost = ridgeline::analyze(g);
    r.hw = &hw;
    r.prediction = ridgeline::predict(r.cost, hw, ridgeline::dtype::f32);
    r.latency = ridgeline::predict_latency(g, r.cost, hw, ridgeline::dtype::f32);
    r.top = 12;
    ridgeline::write_report(std::cout, r, ridgeline::report_format::table);
    return 0;
} catch (const std::exception& e) {
    std::cerr << e.what() << '\n';
    return 1;
}
