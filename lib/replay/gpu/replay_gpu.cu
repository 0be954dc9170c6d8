// The replay on the GPU, inside the GPU plugin: run_graph through the device executor, and the
// timing loop of replay_model. Every launch of a node is tagged with a CUPTI external correlation
// id that encodes the node and the repetition (replay_external_id); libridgeline's
// collect_replay_timings (plan.cpp) then groups the records, drops the warm-up runs and keeps each
// node's median repetition. Plugin code: the collector is called directly (cupti/device.hpp).
#include "../../measure/cupti/device.hpp"
#include "../backends.hpp"
#include "../run_graph.hpp"
#include "device_exec.cuh"

namespace ridgeline::replay {

namespace {

measure_status failure(const std::string& what) { return {measure_code::error, what}; }

/**
 * run_plan's hooks on the GPU: setup work tagged `replay_setup_id`; each node launched warm-up + repeats
 * times, each run tagged replay_external_id(node, run) and preceded by an L2 eviction when asked.
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
    [[nodiscard]] gpu::scoped_id setup() const { return gpu::scoped_id(replay_setup_id); }
    template <class Launch>
    void run(const node& n, Launch&& launch) {
        for (int rep = 0; rep < o.warmup + o.repeats; ++rep) {
            if (flush != nullptr) {
                gpu::scoped_id tag(replay_setup_id);
                ex.for_each(flush_count, fill_value<float>{flush, static_cast<double>(rep)});
            }
            gpu::scoped_id tag(replay_external_id(n.index, rep));
            // Untagged kernels could not be attributed: better no figure than a wrong one.
            if (!tag.status()) throw gpu_failure("push_external_id: " + tag.status().message);
            launch();
        }
    }
};

}  // namespace

graph_run gpu_run_graph(const graph& g, const std::vector<host_tensor>& inputs, const replay_options& o) {
    graph_run r;
    if (auto s = gpu::check_device(o.device); !s) {
        r.status = s;
        return r;
    }
    try {
        device_exec ex(o.device, true);  // strict fp32: correctness checks compare with fp32 results
        r = run_graph_with(ex, device_ops(), g, inputs, o);
    } catch (const gpu_failure& e) {
        r.status = failure(e.what());
        r.outputs.clear();
    }
    return r;
}

void gpu_replay(const graph& g, const model_cost& m, const replay_options& o, replay_result& result, trace& records) {
    const auto device = gpu::check_device(o.device);
    if (!device) {
        result.status = device;
        return;
    }
    result.device_name = device.message;
    // Kernels, copies and the external ids that say which node and run each belongs to. The ids
    // need CUPTI's API records (kinds_for enables them); the launch calls themselves are not kept.
    detail::activity_config config;
    config.nvtx = false;
    config.launches = false;
    config.external_ids = true;
    bool tracing = false;
    try {
        device_exec ex(o.device, !o.allow_tf32);
        timed_hooks hooks{ex, o};
        if (auto s = gpu::start_tracing(config); !s) {
            result.status = s;
            return;
        }
        tracing = true;
        hooks.start_flush();
        run_plan(g, m, ex, device_ops(), result.plan, o.seed, hooks);
        hooks.stop_flush();
    } catch (const gpu_failure& e) {
        if (tracing) gpu::stop_tracing(records);
        records = trace{};
        result.status = failure(e.what());
        return;
    }
    if (auto s = gpu::stop_tracing(records); !s) {
        result.status = s;
        return;
    }
    result.status = {measure_code::ok, result.device_name};
}

}  // namespace ridgeline::replay
