// The pooling family instantiated for the GPU executor (one translation unit per family, so that
// nvcc's heavy template instantiation builds in parallel). Listed in ops/all.hpp.
#include "device_exec.cuh"

#include "../ops/pooling.hpp"

namespace ridgeline::replay {

/** Registers the pooling operators for the GPU executor (called by device_ops). */
void register_pooling_gpu(op_table<device_exec>& t) { register_pooling(t); }

}  // namespace ridgeline::replay
