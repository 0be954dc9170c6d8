// Every operator family of the replay executor, registered through one explicit list.
#pragma once

#include "elementwise.hpp"
#include "linear.hpp"
#include "movement.hpp"
#include "norm.hpp"
#include "pool.hpp"
#include "reduce.hpp"

namespace ridgeline::replay {

/** The table of every operator the executor runs. @code static const auto t = all_ops<host_exec>(); @endcode */
template <class Exec>
op_table<Exec> all_ops() {
    op_table<Exec> t;
    register_elementwise(t);
    register_reduce(t);
    register_norm(t);
    register_movement(t);
    register_pool(t);
    register_linear(t);
    return t;
}

}  // namespace ridgeline::replay
