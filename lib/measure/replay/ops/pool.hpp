// Replay family: pool (stub until written).
#pragma once

#include "../op_table.hpp"

namespace ridgeline::replay {

/** Registers the pool operators. */
template <class Exec>
void register_pool(op_table<Exec>& t) {
    (void)t;
}

}  // namespace ridgeline::replay
