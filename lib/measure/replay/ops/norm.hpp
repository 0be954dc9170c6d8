// Replay family: norm (stub until written).
#pragma once

#include "../op_table.hpp"

namespace ridgeline::replay {

/** Registers the norm operators. */
template <class Exec>
void register_norm(op_table<Exec>& t) {
    (void)t;
}

}  // namespace ridgeline::replay
