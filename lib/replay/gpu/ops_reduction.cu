// The reduction family instantiated for the GPU executor (one translation unit per family, so that
// nvcc's heavy template instantiation builds in parallel). Listed in ops/all.hpp.
#include "device_exec.cuh"

#include "../ops/reduction.hpp"

namespace ridgeline::replay {

/** Registers the reduction operators for the GPU executor (called by device_ops). */
void register_reduction_gpu(op_table<device_exec>& t) { register_reduction(t); }

}  // namespace ridgeline::replay
