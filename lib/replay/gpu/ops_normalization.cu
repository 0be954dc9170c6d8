// The normalization family instantiated for the GPU executor (one translation unit per family, so that
// nvcc's heavy template instantiation builds in parallel). Listed in ops/all.hpp.
#include "device_exec.cuh"

#include "../ops/normalization.hpp"

namespace ridgeline::replay {

/** Registers the normalization operators for the GPU executor (called by device_ops). */
void register_normalization_gpu(op_table<device_exec>& t) { register_normalization(t); }

}  // namespace ridgeline::replay
