// Every operator family of the replay executor, registered through one explicit list.
#pragma once

#include "elementwise.hpp"
#include "linear.hpp"
#include "movement.hpp"
#include "norm.hpp"
#include "pool.hpp"
#include "reduce.hpp"

/**
 * The families, once: X(name) for each `register_<name>`. all_ops below and the GPU build's
 * per-family translation units (gpu/device_ops.cu) both expand it.
 */
#define RIDGELINE_REPLAY_FAMILIES(X) X(elementwise) X(reduce) X(norm) X(movement) X(pool) X(linear)

namespace ridgeline::replay {

/** The table of every operator the executor runs. @code static const auto t = all_ops<host_exec>(); @endcode */
template <class Exec>
op_table<Exec> all_ops() {
    op_table<Exec> t;
#define RIDGELINE_REPLAY_REGISTER(family) register_##family(t);
    RIDGELINE_REPLAY_FAMILIES(RIDGELINE_REPLAY_REGISTER)
#undef RIDGELINE_REPLAY_REGISTER
    return t;
}

}  // namespace ridgeline::replay
