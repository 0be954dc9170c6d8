// The GPU op table: every family of ops/all.hpp, each instantiated in its own ops_<family>.cu.
// A family listed in RIDGELINE_REPLAY_FAMILIES without its ops_<family>.cu fails to link, naming
// register_<family>_gpu.
#include "device_exec.cuh"

#include "../ops/all.hpp"

namespace ridgeline::replay {

#define RIDGELINE_REPLAY_DECLARE(family) void register_##family##_gpu(op_table<device_exec>& t);
RIDGELINE_REPLAY_FAMILIES(RIDGELINE_REPLAY_DECLARE)
#undef RIDGELINE_REPLAY_DECLARE

const op_table<device_exec>& device_ops() {
    static const op_table<device_exec> table = [] {
        op_table<device_exec> t;
#define RIDGELINE_REPLAY_REGISTER_GPU(family) register_##family##_gpu(t);
        RIDGELINE_REPLAY_FAMILIES(RIDGELINE_REPLAY_REGISTER_GPU)
#undef RIDGELINE_REPLAY_REGISTER_GPU
        return t;
    }();
    return table;
}

}  // namespace ridgeline::replay
