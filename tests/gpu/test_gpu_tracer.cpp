// GPU (label gpu): the tracer records a known kernel sequence exactly — count, names, order, grid and
// block, external ids, the memset, the launch calls and the NVTX ranges — and its kernel durations
// agree with CUDA events within a few percent. Skipped (exit 77) when cudaGetDeviceCount fails or
// finds no device.
//
// NVTX: nothing sets NVTX_INJECTION64_PATH beforehand; kernel_tracer::start() points it at the
// libcupti the GPU plugin loaded, before this program's first NVTX call (the way the tool finds
// CUPTI, not a path from the build machine: another libcupti file would be a second CUPTI).
//
// Like with like: the events and the kernels are queued behind a host-function gate, so the stream
// is busy when each begin event is reached and the event window holds the kernel and the GPU's own
// few µs between commands, not the host's launch latency. (Recorded on an idle stream, the first
// begin event fires at once and the window also holds the time the host takes to submit the first
// kernel with CUPTI recording: 38–53 µs on the H200, against a 300 µs kernel.)
#include "gpu_kernels.hpp"
#include "require_gpu.hpp"

#include "ridgeline/measure.hpp"
#include "ridgeline/validate.hpp"

#include <cuda_runtime_api.h>
#include <nvtx3/nvToolsExt.h>

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace {

using namespace ridgeline;

using ridgeline_test::require_gpu;

struct events {
    cudaEvent_t begin = nullptr, end = nullptr;
    events() {
        cudaEventCreate(&begin);
        cudaEventCreate(&end);
    }
    ~events() {
        cudaEventDestroy(begin);
        cudaEventDestroy(end);
    }
    events(const events&) = delete;
    events& operator=(const events&) = delete;
    [[nodiscard]] double seconds() const {
        float ms = 0;
        cudaEventElapsedTime(&ms, begin, end);
        return static_cast<double>(ms) * 1e-3;
    }
};

/**
 * Holds a stream at a host function until open() (or destruction, or 20 s: a failed check must not
 * hang the suite), so that whatever the test queues behind it starts back to back on the device.
 * The destructor waits for the host function to return (it reads this object).
 */
class stream_gate {
public:
    explicit stream_gate(cudaStream_t stream) : status_(cudaLaunchHostFunc(stream, &wait, this)) {}
    ~stream_gate() {
        open();
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (status_ == cudaSuccess && !done_.load() && std::chrono::steady_clock::now() < until)
            std::this_thread::yield();
    }
    stream_gate(const stream_gate&) = delete;
    stream_gate& operator=(const stream_gate&) = delete;
    void open() { open_.store(true); }
    [[nodiscard]] cudaError_t status() const { return status_; }

private:
    static void CUDART_CB wait(void* self) {
        auto* g = static_cast<stream_gate*>(self);
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (!g->open_.load() && std::chrono::steady_clock::now() < until) std::this_thread::yield();
        g->done_.store(true);
    }
    std::atomic<bool> open_{false};
    std::atomic<bool> done_{false};
    cudaError_t status_;
};

}  // namespace

TEST_CASE("the tracer records a known kernel sequence exactly") {
    require_gpu();
    REQUIRE(check_gpu().ok());
    cudaStream_t stream = nullptr;
    REQUIRE(cudaStreamCreate(&stream) == cudaSuccess);
    int* out = nullptr;
    REQUIRE(cudaMalloc(reinterpret_cast<void**>(&out), 256) == cudaSuccess);
    // Warm-up outside the recording (module loading, first-launch costs).
    for (int k = 0; k < 3; ++k) REQUIRE(ridgeline_test::launch_spin(k, 1, 32, 1000, out, stream) == cudaSuccess);
    REQUIRE(cudaStreamSynchronize(stream) == cudaSuccess);

    struct launch {
        int which;
        unsigned grid, block;
        std::uint64_t ns;
        std::uint64_t id;
    };
    const launch plan[] = {{0, 4, 128, 300'000, 101}, {1, 8, 64, 600'000, 102}, {2, 1, 32, 1'200'000, 103}};
    events timing[3];

    kernel_tracer tracer;
    const auto started = tracer.start();
    REQUIRE_MESSAGE(started.ok(), started.message);
    CHECK(tracer.running());
    CHECK_FALSE(kernel_tracer().start().ok());  // one tracer at a time
    {
        stream_gate gate(stream);
        REQUIRE(gate.status() == cudaSuccess);
        nvtxRangePushA("ridgeline_test_outer");
        for (int i = 0; i < 3; ++i) {
            if (i == 2) nvtxRangePushA("ridgeline_test_inner");
            if (i == 2) REQUIRE(cudaMemsetAsync(out, 0, 256, stream) == cudaSuccess);
            scoped_external_id tag(plan[i].id);
            REQUIRE(tag.status().ok());
            cudaEventRecord(timing[i].begin, stream);
            REQUIRE(ridgeline_test::launch_spin(plan[i].which, plan[i].grid, plan[i].block, plan[i].ns, out, stream) ==
                    cudaSuccess);
            cudaEventRecord(timing[i].end, stream);
        }
        nvtxRangePop();
        nvtxRangePop();
    }  // the gate opens: everything runs back to back
    REQUIRE(cudaStreamSynchronize(stream) == cudaSuccess);
    const auto stopped = tracer.stop();
    REQUIRE_MESSAGE(stopped.ok(), stopped.message);
    const trace& t = tracer.result();
    CHECK(t.source == "cupti");
    CHECK(t.dropped_records == 0);

    std::vector<const kernel_record*> kernels;
    for (const auto& r : t.records) {
        if (r.kind == activity_kind::kernel) kernels.push_back(&r);
    }
    REQUIRE(kernels.size() == 3);
    const char* names[] = {"ridgeline_test_spin_a", "ridgeline_test_spin_b", "ridgeline_test_spin_c"};
    for (int i = 0; i < 3; ++i) {
        CAPTURE(i);
        const auto& k = *kernels[static_cast<std::size_t>(i)];
        CHECK(k.name.find(names[i]) != std::string::npos);
        CHECK(k.grid == std::array<std::int32_t, 3>{static_cast<std::int32_t>(plan[i].grid), 1, 1});
        CHECK(k.block == std::array<std::int32_t, 3>{static_cast<std::int32_t>(plan[i].block), 1, 1});
        CHECK(k.external_id == std::optional<std::uint64_t>(plan[i].id));
        CHECK(k.device == 0);
        CHECK(k.stream == kernels[0]->stream);
        REQUIRE(k.launch.has_value());
        CHECK(k.launch->api.find("Launch") != std::string::npos);
        CHECK(k.launch->start_ns <= k.start_ns);
        if (i > 0) CHECK(k.start_ns >= kernels[static_cast<std::size_t>(i) - 1]->end_ns);
        // CUPTI's device time against CUDA events around the kernel on a busy stream: the events
        // enclose it (their 0.5 µs resolution aside) and add only the device's gaps between
        // commands (a few µs).
        const double cupti_s = k.duration_s();
        const double event_s = timing[i].seconds();
        CAPTURE(cupti_s);
        CAPTURE(event_s);
        CHECK(cupti_s >= static_cast<double>(plan[i].ns) * 1e-9 * 0.99);
        CHECK(event_s >= cupti_s - 1e-6);
        CHECK(event_s - cupti_s <= 0.03 * event_s + 2e-6);
    }
    CHECK(t.count(activity_kind::memset) == 1);

    // NVTX: the outer range holds every launch, the inner one only the last.
    const nvtx_range* outer = nullptr;
    const nvtx_range* inner = nullptr;
    for (const auto& g : t.ranges) {
        if (g.name == "ridgeline_test_outer") outer = &g;
        if (g.name == "ridgeline_test_inner") inner = &g;
    }
    const char* nvtx_env = std::getenv("NVTX_INJECTION64_PATH");
    REQUIRE_MESSAGE(outer != nullptr, "no NVTX ranges recorded; NVTX_INJECTION64_PATH="
                                          << (nvtx_env ? nvtx_env : "(unset)") << "; tracer: " << stopped.message);
    REQUIRE(inner != nullptr);
    for (const auto* k : kernels) {
        CHECK(k->launch->start_ns >= outer->start_ns);
        CHECK(k->launch->start_ns <= outer->end_ns);
    }
    CHECK(kernels[2]->launch->start_ns >= inner->start_ns);
    CHECK(kernels[1]->launch->start_ns < inner->start_ns);

    // The recording survives both writers.
    const std::string dir = std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp";
    save_chrome_trace(t, dir + "/ridgeline_gpu_test.chrome.json");
    const auto back = load_trace(dir + "/ridgeline_gpu_test.chrome.json");
    CHECK(back.records.size() == t.records.size());
    CHECK(back.ranges.size() == t.ranges.size());
    std::remove((dir + "/ridgeline_gpu_test.chrome.json").c_str());

    cudaFree(out);
    cudaStreamDestroy(stream);
}

TEST_CASE("a tracer can record twice, and records nothing outside start/stop") {
    require_gpu();
    int* out = nullptr;
    REQUIRE(cudaMalloc(reinterpret_cast<void**>(&out), 64) == cudaSuccess);
    kernel_tracer tracer;
    for (int round = 0; round < 2; ++round) {
        REQUIRE(ridgeline_test::launch_spin(0, 1, 32, 10'000, out, nullptr) == cudaSuccess);  // not recorded
        REQUIRE(cudaDeviceSynchronize() == cudaSuccess);
        REQUIRE(tracer.start().ok());
        for (int i = 0; i < 5; ++i) REQUIRE(ridgeline_test::launch_spin(1, 1, 32, 20'000, out, nullptr) == cudaSuccess);
        REQUIRE(tracer.stop().ok());
        CHECK(tracer.result().count(activity_kind::kernel) == 5);
    }
    cudaFree(out);
}
