// Replay family: movement. Layout ops (movement_layout.hpp), index-driven gathers and scatters
// (movement_index.hpp), resampling (movement_resize.hpp) and generators (movement_const.hpp); the
// shared strided copy lives in movement_common.hpp. NonZero is left out (data-dependent shape).
#pragma once

#include "../op_table.hpp"
#include "movement_const.hpp"
#include "movement_index.hpp"
#include "movement_layout.hpp"
#include "movement_resize.hpp"

namespace ridgeline::replay {

/** Registers the movement operators. */
template <class Exec>
void register_movement(op_table<Exec>& t) {
    using namespace movement_ops;  // NOLINT(google-build-using-namespace): the family's run_* functions
    t.add("Transpose", &run_transpose<Exec>);
    t.add("Concat", &run_concat<Exec>);
    t.add("Split", &run_split<Exec>);
    t.add("Slice", &run_slice<Exec>);
    t.add("Expand", &run_expand<Exec>);
    t.add("Tile", &run_tile<Exec>);
    t.add("Pad", &run_pad<Exec>);
    t.add("DepthToSpace", &run_depth_to_space<Exec>);
    t.add("SpaceToDepth", &run_space_to_depth<Exec>);
    t.add("Trilu", &run_trilu<Exec>);
    t.add("Gather", &run_gather<Exec>);
    t.add("GatherElements", &run_gather_elements<Exec>);
    t.add("GatherND", &run_gather_nd<Exec>);
    t.add("ScatterND", &run_scatter_nd<Exec>);
    t.add("ScatterElements", &run_scatter_elements<Exec>);
    t.add("Scatter", &run_scatter_elements<Exec>);
    t.add("OneHot", &run_one_hot<Exec>);
    t.add("ReverseSequence", &run_reverse_sequence<Exec>);
    t.add("Resize", &run_resize<Exec>);
    t.add("Upsample", &run_upsample<Exec>);
    t.add("Constant", &run_constant<Exec>);
    t.add("ConstantOfShape", &run_constant_of_shape<Exec>);
    t.add("Shape", &run_shape<Exec>);
    t.add("Size", &run_size<Exec>);
    t.add("Range", &run_range<Exec>);
    t.add("EyeLike", &run_eye_like<Exec>);
}

}  // namespace ridgeline::replay
