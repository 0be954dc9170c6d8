// Replay family: reduce (stub until written).
#pragma once

#include "../op_table.hpp"

namespace ridgeline::replay {

/** Registers the reduce operators. */
template <class Exec>
void register_reduce(op_table<Exec>& t) {
    (void)t;
}

}  // namespace ridgeline::replay
