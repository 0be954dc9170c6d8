// Replay family: elementwise (stub until written).
#pragma once

#include "../op_table.hpp"

namespace ridgeline::replay {

/** Registers the elementwise operators. */
template <class Exec>
void register_elementwise(op_table<Exec>& t) {
    (void)t;
}

}  // namespace ridgeline::replay
