// The linear_conv family instantiated for the GPU executor (one translation unit per family, so that
// nvcc's heavy template instantiation builds in parallel). Listed in ops/all.hpp.
#include "device_exec.cuh"

#include "../ops/linear_conv.hpp"

namespace ridgeline::replay {

/** Registers the linear_conv operators for the GPU executor (called by device_ops). */
void register_linear_conv_gpu(op_table<device_exec>& t) { register_linear_conv(t); }

}  // namespace ridgeline::replay
