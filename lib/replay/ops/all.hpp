// Every operator family of the replay executor, registered through one explicit list.
#pragma once

#include "elementwise.hpp"
#include "elementwise_binary.hpp"
#include "elementwise_unary.hpp"
#include "linear_conv.hpp"
#include "linear_einsum.hpp"
#include "linear_matmul.hpp"
#include "movement.hpp"
#include "normalization.hpp"
#include "pooling.hpp"
#include "reduction.hpp"

/**
 * The families, once: X(name) for each `register_<name>` in ops/<name>.hpp (named after lib/ops'
 * families; elementwise and linear in parts). all_ops below and the GPU build's per-family
 * translation units (gpu/device_ops.cu, gpu/ops_<name>.cu) both expand it.
 */
// clang-format off
#define RIDGELINE_REPLAY_FAMILIES(X)                          \
    X(elementwise_unary) X(elementwise_binary) X(elementwise) \
    X(reduction) X(normalization) X(movement) X(pooling)      \
    X(linear_matmul) X(linear_conv) X(linear_einsum)
// clang-format on

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
