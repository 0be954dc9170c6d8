// Loads a model through the installed library and prints its MACs at batch 2.
#include <ridgeline/analysis.hpp>
#include <ridgeline/hardware.hpp>
#include <ridgeline/onnx_import.hpp>

#include <iostream>

int main(int argc, char** argv) {
    if (argc < 2) return 2;
    auto g = ridgeline::load_onnx(argv[1]);
    ridgeline::shape_options o;
    o.batch = 2;
    ridgeline::infer_shapes(g, o);
    const auto m = ridgeline::analyze(g);
    // tiny_mlp at batch 2: fc1 2·8·16 = 256 MACs, fc2 2·16·4 = 128 MACs → 384
    std::cout << "macs=" << m.totals.macs << " hw=" << ridgeline::list_hw().size() << '\n';
    return m.totals.macs > 0 ? 0 : 1;
}
