// Private to lib/measure: how validate() ties measured kernels to the model's layers. Each
// method answers, per measured kernel (in `context::kernels` order), the index of the layer in
// model_cost::layers it belongs to, or `none`.
#pragma once

#include "ridgeline/validate.hpp"

#include <vector>

namespace ridgeline::attribution_detail {

/** "Not attributed". */
constexpr long none = -1;

/** Everything validate() works on, prepared once. */
struct context {
    const model_cost& m;
    const latency_prediction& p;
    const trace& t;
    std::vector<const kernel_record*> kernels;  // measured kernels kept (window), by start time
    std::vector<const nvtx_range*> windows;     // the window ranges (empty: no window)
    std::vector<const nvtx_range*> ranges;      // every range, by start time (parents before children)
    double passes = 1;
};

/** True when the record lies in the range (launch time for host ranges, device start for GPU ranges). */
bool inside(const kernel_record& r, const nvtx_range& g, bool allow_device_time_on_host);

/** Kernel time the attribution `layer_of` claims. */
double time_of(const context& c, const std::vector<long>& layer_of);

/** All kernel time kept. */
double total_time(const context& c);

/** External correlation ids read as graph node indices. */
std::vector<long> by_external_id(const context& c);

/** The innermost enclosing range that names a node (aligned by class within a range naming several). */
std::vector<long> by_ranges(const context& c);

/** Order-preserving alignment of measured and predicted kernels by operation class (a heuristic). */
std::vector<long> by_sequence(const context& c);

}  // namespace ridgeline::attribution_detail
