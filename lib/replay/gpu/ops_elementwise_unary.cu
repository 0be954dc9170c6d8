// The elementwise_unary family instantiated for the GPU executor (one translation unit per family, so that
// nvcc's heavy template instantiation builds in parallel). Listed in ops/all.hpp.
#include "device_exec.cuh"

#include "../ops/elementwise_unary.hpp"

namespace ridgeline::replay {

/** Registers the elementwise_unary operators for the GPU executor (called by device_ops). */
void register_elementwise_unary_gpu(op_table<device_exec>& t) { register_elementwise_unary(t); }

}  // namespace ridgeline::replay
