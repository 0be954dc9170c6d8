// Replay family: linear (stub until written).
#pragma once

#include "../op_table.hpp"

namespace ridgeline::replay {

/** Registers the linear operators. */
template <class Exec>
void register_linear(op_table<Exec>& t) {
    (void)t;
}

}  // namespace ridgeline::replay
