// Replay family: movement (stub until written).
#pragma once

#include "../op_table.hpp"

namespace ridgeline::replay {

/** Registers the movement operators. */
template <class Exec>
void register_movement(op_table<Exec>& t) {
    (void)t;
}

}  // namespace ridgeline::replay
