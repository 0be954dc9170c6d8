// Largest batch that fits each device's memory (weights + peak activations + workspace).
//   example_max_batch MODEL.onnx
#include <ridgeline/analysis.hpp>
#include <ridgeline/hardware.hpp>
#include <ridgeline/onnx_import.hpp>
#include <ridgeline/units.hpp>

#include <iomanip>
#include <iostream>

int main(int argc, char** argv) try {
    if (argc < 2) {
        std::cerr << "usage: " << argv[0] << " MODEL.onnx\n";
        return 2;
    }
    auto g = ridgeline::load_onnx(argv[1]);
    ridgeline::shape_options base;
    base.symbols["sequence"] = 128;
    std::cout << std::left << std::setw(18) << "device" << std::right << std::setw(10) << "memory" << std::setw(12)
              << "max batch" << '\n';
    for (const char* id : {"jetson-nano", "t4", "l4", "a100-pcie-40gb", "h100-sxm"}) {
        const auto hw = ridgeline::load_hw(id);
        const auto fit = ridgeline::largest_batch(g, base, {}, hw.memory_bytes(), 1 << 16);
        std::cout << std::left << std::setw(18) << id << std::right << std::setw(10)
                  << ridgeline::human_bytes(static_cast<double>(hw.memory_bytes())) << std::setw(12) << fit.batch
                  << '\n';
    }
    return 0;
} catch (const std::exception& e) {
    std::cerr << e.what() << '\n';
    return 1;
}
