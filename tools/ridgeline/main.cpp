#include "ridgeline/analysis.hpp"
#include "ridgeline/onnx_import.hpp"
#include <iostream>
int main(int argc, char** argv) {
  auto g = ridgeline::load_onnx(argv[1]);
  ridgeline::shape_options o; o.batch = argc > 2 ? std::stoll(argv[2]) : 0;
  if (argc > 3) o.symbols["sequence"] = std::stoll(argv[3]);
  auto r = ridgeline::infer_shapes(g, o);
  for (auto& d : r.diagnostics) std::cout << d.node << ": " << d.message << "\n";
  std::cout << "noshape " << r.values_without_shape << " symbolic " << r.symbolic_values << "\n";
  for (auto out : g.outputs) std::cout << g.values[out].name << " " << (g.values[out].dims ? ridgeline::shape_to_string(*g.values[out].dims) : "?") << "\n";
  if (argc > 2) { auto m = ridgeline::analyze(g); std::cout << "matmul " << m.totals.flops_matmul << " params " << m.params << " peak " << m.peak_activation_bytes << "\n"; }
}
