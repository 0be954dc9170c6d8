/**
 * @file measure.hpp
 * The measurement layer: what really ran on an NVIDIA GPU, in plain structs. A `kernel_tracer`
 * records every kernel, memcpy and memset between `start()` and `stop()` through CUPTI's Activity
 * API (device timestamps in ns), with the host launch call of each, NVTX ranges and the caller's
 * own external correlation ids (`push_external_id`); the result is a `trace`. Traces are written as
 * ridgeline JSON or as Chrome-trace JSON (Perfetto and chrome://tracing open it), and traces that
 * torch.profiler/Kineto wrote are imported with `import_chrome_trace` — in every build, no CUDA
 * needed. `measure_ceilings` measures a device's achievable figures (copy bandwidth, FMA and cuBLASLt
 * matmul rates, minimum kernel time, launch overhead) and `with_measured_section` writes them into a
 * hardware spec's `measured:` section. Comparing a trace with the cost model is `validate.hpp`.
 *
 * This header is identical with and without CUDA. A build without CUDA (`RIDGELINE_WITH_CUDA=OFF`)
 * answers `measure_code::not_supported`; a machine without a GPU or driver answers
 * `measure_code::no_device`. Neither is an exception: exceptions are for bad input (a malformed
 * trace file raises `trace_error` naming the file and the event).
 *
 * @code
 * ridgeline::kernel_tracer tracer;
 * if (auto s = tracer.start(); !s) { std::cerr << s.message << '\n'; return; }  // no GPU: a status
 * run_my_model();
 * tracer.stop();
 * ridgeline::save_chrome_trace(tracer.result(), "model.chrome.json");           // open in Perfetto
 * @endcode
 */
#pragma once

#include "ridgeline/error.hpp"
#include "ridgeline/hardware.hpp"

#include <array>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ridgeline {

// ---------------------------------------------------------------------------------------------
// Status values
// ---------------------------------------------------------------------------------------------

/** Outcome of a measurement call. */
enum class measure_code {
    ok,            /**< Done. */
    not_supported, /**< ridgeline was built without CUDA (RIDGELINE_WITH_CUDA=OFF). */
    no_device,     /**< No usable GPU here: no driver, no device, or the device index is out of range. */
    error          /**< A CUDA/CUPTI call failed for another reason (message says which and why). */
};

/** "ok", "not supported", "no device" or "error". @code measure_code_name(s.code) @endcode */
std::string_view measure_code_name(measure_code code) noexcept;

/**
 * A measurement call's status: a code and a message in words (which call failed, and why).
 * @code
 * if (auto s = ridgeline::check_gpu(); !s) std::cerr << s.message << '\n';
 * @endcode
 */
struct measure_status {
    measure_code code = measure_code::ok; /**< What happened. */
    std::string message;                  /**< Details; names the device when ok. */
    /** True when the call succeeded. */
    [[nodiscard]] bool ok() const noexcept { return code == measure_code::ok; }
    /** Same as ok(). */
    explicit operator bool() const noexcept { return ok(); }
};

/** True when this build has the CUDA measurement layer. @code if (!built_with_cuda()) … @endcode */
[[nodiscard]] bool built_with_cuda() noexcept;

/**
 * Checks that CUDA device `device` is usable (driver present, device exists). `ok` names it
 * ("NVIDIA H100 80GB HBM3, compute capability 9.0, 132 SMs").
 * @code auto s = ridgeline::check_gpu(0); @endcode
 */
measure_status check_gpu(int device = 0);

// ---------------------------------------------------------------------------------------------
// Trace records
// ---------------------------------------------------------------------------------------------

/** What a device activity record is. */
enum class activity_kind { kernel, memcpy, memset };

/** "kernel", "memcpy" or "memset". */
std::string_view activity_kind_name(activity_kind kind) noexcept;

/** The host API call that launched a device activity (cudaLaunchKernel, cudaMemcpyAsync …). */
struct launch_info {
    std::string api;             /**< API name when known, e.g. "cudaLaunchKernel" (may be empty). */
    std::uint64_t start_ns = 0;  /**< Host timestamp when the call began. */
    std::uint64_t end_ns = 0;    /**< Host timestamp when it returned. */
    std::int64_t thread_id = -1; /**< Host thread that made it (-1: unknown). */
};

/**
 * One kernel, memcpy or memset as it ran on the device. Timestamps are ns on one clock shared with
 * launch times and host ranges (CUPTI's, or the imported trace's).
 * @code
 * for (const auto& r : t.records)
 *     if (r.kind == ridgeline::activity_kind::kernel) std::cout << r.name << ' ' << r.duration_ns() << '\n';
 * @endcode
 */
struct kernel_record {
    activity_kind kind = activity_kind::kernel; /**< Kernel, memcpy or memset. */
    std::string name;                           /**< Demangled kernel name ("Memcpy DtoD", "Memset" for copies). */
    std::uint64_t start_ns = 0;                 /**< Device start. */
    std::uint64_t end_ns = 0;                   /**< Device end. */
    std::int32_t device = -1;                   /**< Device index (-1: unknown). */
    std::int64_t stream = -1;                   /**< Stream id (-1: unknown). */
    std::uint64_t correlation_id = 0;           /**< CUPTI correlation id linking it to its launch call. */
    std::optional<std::uint64_t> external_id;   /**< Caller's id (push_external_id; Kineto: "External id"). */
    std::array<std::int32_t, 3> grid{0, 0, 0};  /**< Grid dimensions (kernels). */
    std::array<std::int32_t, 3> block{0, 0, 0}; /**< Block dimensions (kernels). */
    std::uint64_t bytes = 0;                    /**< Bytes copied or set (memcpy/memset). */
    std::string op;                             /**< Framework operator that launched it, when known (Kineto cpu_op). */
    std::optional<launch_info> launch;          /**< The launch call, when the trace has it. */
    /** end − start in ns (0 if inverted). */
    [[nodiscard]] std::uint64_t duration_ns() const noexcept { return end_ns > start_ns ? end_ns - start_ns : 0; }
    /** Duration in seconds. */
    [[nodiscard]] double duration_s() const noexcept { return static_cast<double>(duration_ns()) * 1e-9; }
};

/**
 * A named range: an NVTX push/pop or start/end range (host time, on a thread), a torch.profiler
 * `record_function` ("user_annotation", host) or its GPU projection ("gpu_user_annotation": the
 * span of the kernels launched inside it, on a device and stream).
 * @code for (const auto& r : t.ranges) std::cout << r.name << " " << (r.end_ns - r.start_ns) << " ns\n"; @endcode
 */
struct nvtx_range {
    std::string name;            /**< Range message. */
    std::string domain;          /**< NVTX domain (empty: default domain). */
    std::uint64_t start_ns = 0;  /**< Start. */
    std::uint64_t end_ns = 0;    /**< End. */
    std::int64_t thread_id = -1; /**< Host thread (host ranges; -1 unknown). */
    bool gpu = false;            /**< True: a device-time range (gpu_user_annotation). */
    std::int32_t device = -1;    /**< Device (GPU ranges). */
    std::int64_t stream = -1;    /**< Stream (GPU ranges). */
};

/**
 * Everything one recording (or one imported file) holds. Records are sorted by start time.
 * @code auto t = ridgeline::load_trace("resnet50.json"); std::cout << t.kernel_time_s() << " s of kernels\n"; @endcode
 */
struct trace {
    std::string source;                 /**< "cupti", "inject" (the injection library), "kineto" … */
    std::int64_t process_id = 0;        /**< Recorded process (0: unknown). */
    std::vector<kernel_record> records; /**< Kernels, memcpys and memsets, by start time. */
    std::vector<nvtx_range> ranges;     /**< Named ranges, by start time. */
    std::uint64_t dropped_records = 0;  /**< Records CUPTI reported dropped (buffers full). */
    /** Records of one kind. */
    [[nodiscard]] std::size_t count(activity_kind kind) const noexcept;
    /** Σ durations of records of one kind, in seconds. */
    [[nodiscard]] double time_s(activity_kind kind) const noexcept;
    /** Σ kernel durations in seconds (what a cost model's GPU time predicts). */
    [[nodiscard]] double kernel_time_s() const noexcept { return time_s(activity_kind::kernel); }
};

/** Sorts records and ranges by start time (ties: longer range first, so parents precede children). */
void sort_trace(trace& t);

// ---------------------------------------------------------------------------------------------
// Recording
// ---------------------------------------------------------------------------------------------

/** What a kernel_tracer records. */
struct tracer_options {
    bool memcpy = true;                  /**< CUPTI_ACTIVITY_KIND_MEMCPY. */
    bool memset = true;                  /**< CUPTI_ACTIVITY_KIND_MEMSET. */
    bool nvtx = true;                    /**< NVTX ranges (CUPTI_ACTIVITY_KIND_MARKER); see kernel_tracer::start. */
    bool launches = true;                /**< Each record's launch call: host time and thread (API records). */
    std::size_t buffer_bytes = 8u << 20; /**< Size of each CUPTI activity buffer. */
};

/**
 * Records device activity between start() and stop() with CUPTI (CONCURRENT_KERNEL, MEMCPY, MEMSET,
 * EXTERNAL_CORRELATION, MARKER for NVTX, RUNTIME/DRIVER: the launches, and the API records CUPTI
 * writes external ids in front of, so these are on whenever ids are). CUPTI's activity buffers are
 * per process, so one tracer records at a time; a second start() elsewhere answers an error.
 *
 * NVTX: the NVTX library hands its calls to a tool named by the environment variable
 * NVTX_INJECTION64_PATH, read once per module on its first NVTX call. start() points it at the
 * libcupti the tracer uses when it is unset or names another libcupti file (a second CUPTI, which
 * would get the ranges and record nothing), which captures modules that make their first NVTX
 * call afterwards; set it before the program starts (`ridgeline trace` does) to capture
 * everything. When no range arrives and two libcupti files are loaded, stop()'s message says so.
 *
 * @code
 * ridgeline::kernel_tracer tracer;
 * if (!tracer.start()) return;           // no_device / not_supported: a status, not a crash
 * { ridgeline::scoped_external_id id(42); launch_layer_42(); }
 * tracer.stop();                          // waits for the device, flushes CUPTI's buffers
 * const ridgeline::trace& t = tracer.result();
 * @endcode
 */
class kernel_tracer {
public:
    /** A tracer that will record what `options` selects (kernels always). */
    explicit kernel_tracer(tracer_options options = {});
    ~kernel_tracer();
    kernel_tracer(const kernel_tracer&) = delete;
    kernel_tracer& operator=(const kernel_tracer&) = delete;
    kernel_tracer(kernel_tracer&&) noexcept;
    kernel_tracer& operator=(kernel_tracer&&) noexcept;

    /** Starts recording; clears a previous result. not_supported / no_device / error otherwise. */
    measure_status start();
    /** Waits for the device, flushes and stops; the records are then in result(). */
    measure_status stop();
    /** True between a successful start() and stop(). */
    [[nodiscard]] bool running() const noexcept;
    /** The last recording (empty before the first stop()). */
    [[nodiscard]] const trace& result() const noexcept;
    /** Moves the last recording out. */
    trace take();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

/**
 * Tags device work launched by this thread from now on with `id` (CUPTI external correlation,
 * kind CUSTOM2, a per-thread stack) until the matching pop_external_id(). ridgeline's `validate`
 * reads the id as a graph node index (graph::nodes).
 * @code ridgeline::push_external_id(node_index); launch(); ridgeline::pop_external_id(); @endcode
 */
measure_status push_external_id(std::uint64_t id);
/** Pops the id pushed last on this thread. */
measure_status pop_external_id();

/** push_external_id for a scope. @code { ridgeline::scoped_external_id tag(7); launch(); } @endcode */
class scoped_external_id {
public:
    /** Pushes `id`. */
    explicit scoped_external_id(std::uint64_t id) : status_(push_external_id(id)) {}
    /** Pops it again, when the push succeeded. */
    ~scoped_external_id() {
        if (status_.ok()) pop_external_id();
    }
    scoped_external_id(const scoped_external_id&) = delete;
    scoped_external_id& operator=(const scoped_external_id&) = delete;
    /** The push's status. */
    [[nodiscard]] const measure_status& status() const noexcept { return status_; }

private:
    measure_status status_;
};

// ---------------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------------

/**
 * Writes ridgeline's trace JSON: `{"format": "ridgeline-trace", "version": 1, "source", "process_id",
 * "dropped_records", "records": [{"kind", "name", "start_ns", "end_ns", "device", "stream",
 * "correlation_id", "external_id"?, "grid", "block", "bytes", "op"?, "launch"?: {"api", "start_ns",
 * "end_ns", "thread_id"}}], "ranges": [{"name", "domain", "start_ns", "end_ns", "thread_id", "gpu",
 * "device", "stream"}]}`. Timestamps are exact integers.
 * @code ridgeline::write_trace_json(std::cout, t); @endcode
 */
void write_trace_json(std::ostream& out, const trace& t);

/**
 * Writes Chrome-trace JSON as Kineto does (Perfetto, chrome://tracing, and import_chrome_trace read
 * it back exactly): complete events with `ts`/`dur` in µs relative to `baseTimeNanoseconds`;
 * categories "kernel", "gpu_memcpy", "gpu_memset" (pid = device, tid = stream, args "correlation",
 * "External id", "grid", "block", "bytes"), "cuda_runtime" (the launch calls), "user_annotation"
 * (host ranges) and "gpu_user_annotation" (device ranges).
 * @code std::ofstream f("t.chrome.json"); ridgeline::write_chrome_trace(f, t); @endcode
 */
void write_chrome_trace(std::ostream& out, const trace& t);

/** write_trace_json to a file; throws ridgeline::error naming the file when it cannot be written. */
void save_trace(const trace& t, const std::string& path);
/** write_chrome_trace to a file; throws ridgeline::error naming the file when it cannot be written. */
void save_chrome_trace(const trace& t, const std::string& path);

/**
 * Reads a Chrome-trace JSON file as torch.profiler/Kineto writes it (or as write_chrome_trace does):
 * complete ("X") events of category "kernel", "gpu_memcpy", "gpu_memset" (older Kineto: "Kernel",
 * "Memcpy", "Memset") become records, with `args` "correlation", "External id" (or "external id"),
 * "device", "stream", "grid", "block", "bytes"; "cuda_runtime"/"cuda_driver" events with the same
 * "correlation" give each record its launch; the "cpu_op"/"user_annotation" event whose "External id"
 * a kernel carries names its `op`; "user_annotation" and "gpu_user_annotation" events become ranges.
 * `ts`/`dur` are µs (fractions allowed) after `baseTimeNanoseconds` when the file has one. Other
 * events are ignored. Throws `trace_error` naming the file and the offending event.
 * @code auto t = ridgeline::import_chrome_trace("resnet50_profile.json"); @endcode
 */
trace import_chrome_trace(const std::string& path);

/** Reads ridgeline's trace JSON (write_trace_json). Throws `trace_error` naming file and record. */
trace read_trace_json(const std::string& path);

/**
 * Reads either format, told apart by content ("traceEvents" → Chrome trace, "format":
 * "ridgeline-trace" → ridgeline's). @code auto t = ridgeline::load_trace(path); @endcode
 */
trace load_trace(const std::string& path);

// ---------------------------------------------------------------------------------------------
// Empirical ceilings
// ---------------------------------------------------------------------------------------------

/** How hard measure_ceilings works. The defaults take a few seconds on a data-centre GPU. */
struct ceilings_options {
    int device = 0;                      /**< CUDA device index. */
    std::int64_t copy_bytes = 1LL << 30; /**< Size of each DRAM copy buffer (source and destination). */
    std::int64_t matmul_size = 8192;     /**< M = N = K of the cuBLASLt matmuls. */
    int repeats = 20;                    /**< Timed repetitions per figure, after warm-up (median kept). */
    int launches = 2000;                 /**< Kernels launched for the launch-overhead and minimum-time figures. */
    bool fp8 = true;                     /**< Also try an fp8 (e4m3) matmul on devices that have it. */
};

/**
 * Figures measured on one device: `figures` holds what a spec's `measured:` section keeps (date,
 * method, dram_bandwidth_gbps, matmul_tflops, min_kernel_time_us, launch_overhead_us); the L2 copy
 * bandwidth and CUDA-core FMA rates come alongside. A figure that could not be measured is 0/absent
 * and `notes` says why.
 * @code
 * auto c = ridgeline::measure_ceilings();
 * if (c.status) std::cout << c.figures.dram_bandwidth_gbps << " GB/s\n"; else std::cerr << c.status.message;
 * @endcode
 */
struct ceiling_measurements {
    measure_status status;                       /**< not_supported / no_device / error, or ok. */
    std::string device_name;                     /**< e.g. "NVIDIA H100 80GB HBM3". */
    std::string compute_capability;              /**< e.g. "9.0". */
    std::int64_t sm_count = 0;                   /**< SMs. */
    double l2_size_mib = 0;                      /**< L2 size. */
    measured_ceilings figures;                   /**< The spec's measured figures (date and method filled). */
    double l2_bandwidth_gbps = 0;                /**< Copy bandwidth of an L2-resident buffer (read + write bytes). */
    std::map<std::string, double> vector_tflops; /**< CUDA-core FMA rate: "fp32", "fp16" (half2). */
    double copy_engine_gbps = 0;                 /**< cudaMemcpy device-to-device (read + write bytes). */
    std::vector<std::string> notes;              /**< How each figure was taken; what was skipped and why. */
};

/**
 * Measures the achievable ceilings of a GPU: DRAM copy bandwidth (a vectorised copy kernel and
 * cudaMemcpy D2D, the better kept; read + write bytes), an L2-resident copy, CUDA-core FMA rates for
 * fp32 and fp16, cuBLASLt matmul rates (fp32, tf32, fp16, bf16 with fp32 accumulation; fp8 e4m3 where
 * available), the minimum kernel duration (median CUPTI-timed empty kernel) and the launch overhead
 * (host wall time per asynchronous launch). Without CUDA or a GPU: the status says so.
 * @code auto c = ridgeline::measure_ceilings({.repeats = 10}); @endcode
 */
ceiling_measurements measure_ceilings(const ceilings_options& options = {});

/**
 * The YAML `measured:` block for a spec (hwspecs/README.md): date, method, dram_bandwidth_gbps,
 * l2_bandwidth_gbps, vector_tflops, matmul_tflops, min_kernel_time_us, launch_overhead_us; figures
 * that are 0 are left out.
 * @code std::cout << ridgeline::measured_section_yaml(c); @endcode
 */
std::string measured_section_yaml(const ceiling_measurements& m);

/**
 * `spec_text` (a spec file's YAML) with its top-level `measured:` block replaced by
 * measured_section_yaml(m), or the block appended when the spec has none. Other lines are kept
 * byte for byte. Empty (or blank) text throws ridgeline::error: it is a spec that was never read.
 * @code std::string updated = ridgeline::with_measured_section(read_file("hwspecs/h100-sxm.yaml"), c); @endcode
 */
std::string with_measured_section(const std::string& spec_text, const ceiling_measurements& m);

}  // namespace ridgeline
