// Training vs inference: forward and backward FLOPs and bytes, and their ratio, per op type.
//   example_training_cost MODEL.onnx [BATCH]
#include <ridgeline/pipeline.hpp>
#include <ridgeline/units.hpp>

#include <iomanip>
#include <iostream>
#include <map>

int main(int argc, char** argv) try {
    if (argc < 2) {
        std::cerr << "usage: " << argv[0] << " MODEL.onnx [BATCH]\n";
        return 2;
    }
    ridgeline::model_request r;
    r.path = argv[1];
    r.shapes.batch = argc > 2 ? std::stoll(argv[2]) : 32;
    r.shapes.symbols["sequence"] = 128;
    r.training = true;
    const auto m = ridgeline::predict_model(r).m;            // no device: counts only
    std::map<std::string, std::pair<double, double>> by_op;  // forward, backward FLOPs
    for (const auto& l : m.layers) {
        by_op[l.op_type].first += static_cast<double>(l.forward.flops());
        by_op[l.op_type].second += static_cast<double>(l.backward.flops());
    }
    std::cout << std::left << std::setw(22) << "op type" << std::right << std::setw(14) << "forward" << std::setw(14)
              << "backward" << std::setw(8) << "bwd/fwd" << '\n';
    for (const auto& [op, fb] : by_op) {
        if (fb.first == 0) continue;
        std::cout << std::left << std::setw(22) << op << std::right << std::setw(14) << ridgeline::human_flops(fb.first)
                  << std::setw(14) << ridgeline::human_flops(fb.second) << std::setw(8) << std::fixed
                  << std::setprecision(2) << fb.second / fb.first << '\n';
    }
    const double f = static_cast<double>(m.totals.flops());
    const double b = static_cast<double>(m.backward_totals.flops());
    std::cout << "model: inference " << ridgeline::human_flops(f) << ", training step " << ridgeline::human_flops(f + b)
              << " (backward/forward " << std::setprecision(2) << b / f << ")\n";
    return 0;
} catch (const std::exception& e) {
    std::cerr << e.what() << '\n';
    return 1;
}
