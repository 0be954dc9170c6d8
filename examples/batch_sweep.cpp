// Batch-size sweep on one device: latency, throughput and per-item time.
//   example_batch_sweep MODEL.onnx [DEVICE]
#include <ridgeline/onnx_import.hpp>
#include <ridgeline/sweep.hpp>
#include <ridgeline/units.hpp>

#include <iomanip>
#include <iostream>

int main(int argc, char** argv) try {
    if (argc < 2) {
        std::cerr << "usage: " << argv[0] << " MODEL.onnx [DEVICE]\n";
        return 2;
    }
    auto g = ridgeline::load_onnx(argv[1]);
    ridgeline::shape_options base;
    base.symbols["sequence"] = 128;
    const auto points = ridgeline::sweep(g, base, {ridgeline::load_hw(argc > 2 ? argv[2] : "a100-sxm-80gb")},
                                         {.batches = {1, 2, 4, 8, 16, 32, 64, 128}, .images = {}, .sequences = {}});
    std::cout << std::setw(6) << "batch" << std::setw(14) << "latency" << std::setw(14) << "items/s" << std::setw(14)
              << "per item" << '\n';
    for (const auto& p : points) {
        std::cout << std::setw(6) << p.batch << ridgeline::right_aligned(ridgeline::human_time(p.gpu_time_s), 14)
                  << std::setw(14) << std::fixed << std::setprecision(0) << p.throughput_per_s
                  << ridgeline::right_aligned(ridgeline::human_time(p.per_item_s), 14) << '\n';
    }
    return 0;
} catch (const std::exception& e) {
    std::cerr << e.what() << '\n';
    return 1;
}
