// The replay on the GPU: run_graph through the device executor, and the timing loop of
// replay_model. Every launch of a node is tagged with a CUPTI external correlation id that encodes
// the node and the repetition (node << rep_bits | rep); after the run the records are grouped by
// id, warm-up repetitions dropped, and each node keeps its median repetition.
#include "../backends.hpp"
#include "../run_graph.hpp"
#include "device_exec.cuh"

#include <algorithm>
#include <map>
#include <utility>

namespace ridgeline::replay {

namespace {

/** Bits of the external id that hold the repetition. */
constexpr int rep_bits = 12;
/** External id of the data synthesis and uploads (not a node's work). */
constexpr std::uint64_t setup_id = ~std::uint64_t{0};

measure_status failure(const std::string& what) { return {measure_code::error, what}; }

/**
 * run_plan's hooks on the GPU: setup work tagged `setup_id`; each node launched warm-up + repeats
 * times, each run tagged (node << rep_bits | rep) and preceded by an L2 eviction when asked.
 */
struct timed_hooks {
    device_exec& ex;
    const replay_options& o;
    float* flush = nullptr;
    std::int64_t flush_count = 0;

    /** Allocates the eviction buffer: twice the L2, rewritten before each repetition, so each run
     *  reads its inputs from DRAM as the cost model assumes. */
    void start_flush() {
        if (!o.flush_l2) return;
        int l2_bytes = 0;
        if (cudaDeviceGetAttribute(&l2_bytes, cudaDevAttrL2CacheSize, o.device) != cudaSuccess) return;
        flush_count = 2 * static_cast<std::int64_t>(l2_bytes) / 4;
        if (flush_count > 0) flush = static_cast<float*>(ex.alloc(flush_count * 4));
    }
    void stop_flush() {
        if (flush != nullptr) ex.release(flush);
        flush = nullptr;
    }
    [[nodiscard]] scoped_external_id setup() const { return scoped_external_id(setup_id); }
    template <class Launch>
    void run(const replay_node_plan& p, Launch&& launch) {
        for (int rep = 0; rep < o.warmup + o.repeats; ++rep) {
            if (flush != nullptr) {
                scoped_external_id tag(setup_id);
                ex.for_each(flush_count, fill_value<float>{flush, static_cast<double>(rep)});
            }
            scoped_external_id tag((static_cast<std::uint64_t>(p.node) << rep_bits) | static_cast<std::uint64_t>(rep));
            // Untagged kernels could not be attributed: better no figure than a wrong one.
            if (!tag.status()) throw gpu_failure("push_external_id: " + tag.status().message);
            launch();
        }
    }
};

}  // namespace

graph_run run_graph_gpu(const graph& g, const std::vector<host_tensor>& inputs, const replay_options& o) {
    graph_run r;
    if (auto s = check_gpu(o.device); !s) {
        r.status = s;
        return r;
    }
    try {
        device_exec ex(o.device, true);  // strict fp32: correctness checks compare with fp32 results
        r = run_graph_with(ex, device_ops(), g, inputs, o);
        ex.synchronize();
    } catch (const gpu_failure& e) {
        r.status = failure(e.what());
        r.outputs.clear();
    }
    return r;
}

void replay_on_gpu(const graph& g, const model_cost& m, const replay_options& o, replay_result& result) {
    if (auto s = check_gpu(o.device); !s) {
        result.status = s;
        return;
    }
    result.device_name = check_gpu(o.device).message;
    if (o.warmup + o.repeats >= (1 << rep_bits)) {
        result.status = failure("replay: warmup + repeats must stay below " + std::to_string(1 << rep_bits));
        return;
    }
    auto& plan = result.plan;
    kernel_tracer tracer(tracer_options{.memcpy = true, .memset = true, .nvtx = false, .launches = false});
    try {
        device_exec ex(o.device, !o.allow_tf32);
        timed_hooks hooks{ex, o};
        if (auto s = tracer.start(); !s) {
            result.status = s;
            return;
        }
        hooks.start_flush();
        run_plan(g, m, ex, device_ops(), plan, o.seed, hooks);
        hooks.stop_flush();
    } catch (const gpu_failure& e) {
        if (tracer.running()) tracer.stop();
        result.status = failure(e.what());
        return;
    }
    if (auto s = tracer.stop(); !s) {
        result.status = s;
        return;
    }
    const trace t = tracer.take();

    // Group device work by (node, repetition); memcpy/memset a node issued count as its work.
    std::map<std::pair<std::int32_t, int>, std::vector<const kernel_record*>> groups;
    for (const auto& rec : t.records) {
        if (!rec.external_id || *rec.external_id == setup_id) continue;
        const auto node = static_cast<std::int32_t>(*rec.external_id >> rep_bits);
        const int rep = static_cast<int>(*rec.external_id & ((1u << rep_bits) - 1));
        if (rep < o.warmup) continue;
        groups[{node, rep}].push_back(&rec);
    }
    result.median_trace.source = "replay";
    result.median_trace.process_id = t.process_id;
    result.median_trace.dropped_records = t.dropped_records;
    for (const auto& p : plan.nodes) {
        if (p.step != replay_step::kernel) continue;
        std::vector<std::pair<double, int>> sums;  // (time, rep)
        for (int rep = o.warmup; rep < o.warmup + o.repeats; ++rep) {
            double s = 0;
            if (const auto it = groups.find({p.node, rep}); it != groups.end()) {
                for (const auto* rec : it->second) s += rec->duration_s();
            }
            sums.emplace_back(s, rep);
        }
        std::sort(sums.begin(), sums.end());
        const auto& median = sums[(sums.size() - 1) / 2];
        replay_node_timing timing;
        timing.layer = p.layer;
        timing.node = p.node;
        timing.name = p.name;
        timing.op_type = p.op_type;
        timing.backend = p.backend;
        timing.predicted_s = p.predicted_s;
        timing.measured_s = median.first;
        timing.min_s = sums.front().first;
        timing.max_s = sums.back().first;
        if (const auto it = groups.find({p.node, median.second}); it != groups.end()) {
            timing.kernels = it->second.size();
            for (const auto* rec : it->second) {
                kernel_record copy = *rec;
                copy.external_id = static_cast<std::uint64_t>(p.node);
                copy.kind = activity_kind::kernel;  // a node's copies are its work (validate counts kernels)
                result.median_trace.records.push_back(std::move(copy));
            }
        }
        result.measured_s += timing.measured_s;
        result.nodes.push_back(std::move(timing));
    }
    sort_trace(result.median_trace);
    result.status = {measure_code::ok, result.device_name};
}

}  // namespace ridgeline::replay
