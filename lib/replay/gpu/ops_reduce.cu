// The reduce family instantiated for the GPU executor (one translation unit per family, so that
// nvcc's heavy template instantiation builds in parallel). Listed in ops/all.hpp.
#include "device_exec.cuh"

#include "../ops/reduce.hpp"

namespace ridgeline::replay {

/** Registers the reduce operators for the GPU executor (called by device_ops). */
void register_reduce_gpu(op_table<device_exec>& t) { register_reduce(t); }

}  // namespace ridgeline::replay
