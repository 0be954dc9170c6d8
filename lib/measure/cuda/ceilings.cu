// Empirical ceilings of a GPU (measure.hpp: measure_ceilings), built into the GPU plugin. Each
// figure is the median of `repeats` timed runs after warm-up; kernels are timed with CUDA events,
// the empty kernel with CUPTI (device time only), the launch overhead with the host clock. Bytes
// count reads + writes.
#include "../cupti/activity.hpp"
#include "../cupti/check.hpp"
#include "../cupti/device.hpp"

#include "ridgeline/measure.hpp"

#include <cublasLt.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

namespace ridgeline {

namespace {

// ---- kernels ---------------------------------------------------------------------------------

__global__ void copy_kernel(const float4* __restrict__ src, float4* __restrict__ dst, std::size_t n) {
    const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
    for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride)
        dst[i] = src[i];
}

/** Copies a↔b `passes` times through L2 (ld/st.cg bypass L1). Each element stays with one thread. */
__global__ void l2_copy_kernel(float4* a, float4* b, std::size_t n, int passes) {
    const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
    const std::size_t first = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    for (int p = 0; p < passes; ++p) {
        const float4* src = (p & 1) ? b : a;
        float4* dst = (p & 1) ? a : b;
        for (std::size_t i = first; i < n; i += stride) __stcg(&dst[i], __ldcg(&src[i]));
    }
}

constexpr int fma_chains = 8;

__global__ void fma_fp32_kernel(float* out, float b, float c, int iters) {
    float a[fma_chains];
#pragma unroll
    for (int k = 0; k < fma_chains; ++k) a[k] = static_cast<float>(threadIdx.x + k) * 1e-3f;
    for (int i = 0; i < iters; ++i) {
#pragma unroll
        for (int k = 0; k < fma_chains; ++k) a[k] = fmaf(a[k], b, c);
    }
    float s = 0;
#pragma unroll
    for (int k = 0; k < fma_chains; ++k) s += a[k];
    if (s == 1.2345678e9f) out[0] = s;  // never true; keeps the arithmetic alive
}

__global__ void fma_fp16_kernel(__half2* out, __half2 b, __half2 c, int iters) {
    __half2 a[fma_chains];
#pragma unroll
    for (int k = 0; k < fma_chains; ++k) a[k] = __float2half2_rn(static_cast<float>(threadIdx.x % 64 + k) * 1e-3f);
    for (int i = 0; i < iters; ++i) {
#pragma unroll
        for (int k = 0; k < fma_chains; ++k) a[k] = __hfma2(a[k], b, c);
    }
    __half2 s = a[0];
#pragma unroll
    for (int k = 1; k < fma_chains; ++k) s = __hadd2(s, a[k]);
    if (__low2float(s) == 12345.0f) out[0] = s;
}

__global__ void empty_kernel() {}

__device__ std::uint32_t mix(std::uint32_t x) {
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x;
}

/** Pseudo-random values in [-0.5, 0.5): matmuls on zeros run unrealistically fast (less switching). */
template <typename T>
__global__ void fill_kernel(T* p, std::size_t n, std::uint32_t seed) {
    const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
    for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
        const float v = static_cast<float>(mix(static_cast<std::uint32_t>(i) ^ seed) & 0xffffU) / 65536.0f - 0.5f;
        p[i] = T(v);
    }
}

// ---- helpers ---------------------------------------------------------------------------------

struct device_buffer {
    void* p = nullptr;
    device_buffer() = default;
    device_buffer(const device_buffer&) = delete;
    device_buffer& operator=(const device_buffer&) = delete;
    ~device_buffer() {
        if (p) cudaFree(p);
    }
};

struct event_pair {
    cudaEvent_t a = nullptr, b = nullptr;
    event_pair() = default;
    event_pair(const event_pair&) = delete;
    event_pair& operator=(const event_pair&) = delete;
    ~event_pair() {
        if (a) cudaEventDestroy(a);
        if (b) cudaEventDestroy(b);
    }
};

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const auto n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/** Median seconds of `launch` (which enqueues work on the default stream) over `repeats` runs. */
template <typename Launch>
measure_status time_median(Launch launch, int repeats, double& seconds) {
    event_pair e;
    RIDGELINE_CUDA_CHECK(cudaEventCreate(&e.a));
    RIDGELINE_CUDA_CHECK(cudaEventCreate(&e.b));
    for (int w = 0; w < 2; ++w) {
        if (auto s = launch(); !s) return s;
    }
    RIDGELINE_CUDA_CHECK(cudaDeviceSynchronize());
    std::vector<double> times;
    for (int r = 0; r < std::max(1, repeats); ++r) {
        RIDGELINE_CUDA_CHECK(cudaEventRecord(e.a));
        if (auto s = launch(); !s) return s;
        RIDGELINE_CUDA_CHECK(cudaEventRecord(e.b));
        RIDGELINE_CUDA_CHECK(cudaEventSynchronize(e.b));
        float ms = 0;
        RIDGELINE_CUDA_CHECK(cudaEventElapsedTime(&ms, e.a, e.b));
        times.push_back(static_cast<double>(ms) * 1e-3);
    }
    seconds = median(times);
    return {};
}

measure_status last_launch(const char* what) {
    const cudaError_t e = cudaGetLastError();
    if (e != cudaSuccess) return detail::cuda_status(e, what);
    return {};
}

std::string today_utc() {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
}

std::string fixed(double x, int digits) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", digits, x);
    return buf;
}

std::string version_text(int v) { return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10); }

// ---- figures ---------------------------------------------------------------------------------

measure_status measure_dram(const ceilings_options& o, const cudaDeviceProp& prop, ceiling_measurements& m) {
    const std::size_t bytes = static_cast<std::size_t>(std::max<std::int64_t>(o.copy_bytes, 1 << 20)) / 4096 * 4096;
    device_buffer src, dst;
    RIDGELINE_CUDA_CHECK(cudaMalloc(&src.p, bytes));
    RIDGELINE_CUDA_CHECK(cudaMalloc(&dst.p, bytes));
    RIDGELINE_CUDA_CHECK(cudaMemset(src.p, 1, bytes));
    RIDGELINE_CUDA_CHECK(cudaMemset(dst.p, 0, bytes));
    const std::size_t n4 = bytes / sizeof(float4);
    const int blocks = prop.multiProcessorCount * 8;
    double t = 0;
    auto s = time_median(
        [&] {
            copy_kernel<<<blocks, 256>>>(static_cast<const float4*>(src.p), static_cast<float4*>(dst.p), n4);
            return last_launch("copy_kernel");
        },
        o.repeats, t);
    if (!s) return s;
    const double kernel_gbps = 2.0 * static_cast<double>(bytes) / t / 1e9;
    double tc = 0;
    s = time_median(
        [&]() -> measure_status {
            RIDGELINE_CUDA_CHECK(cudaMemcpyAsync(dst.p, src.p, bytes, cudaMemcpyDeviceToDevice));
            return {};
        },
        o.repeats, tc);
    if (!s) return s;
    m.copy_engine_gbps = 2.0 * static_cast<double>(bytes) / tc / 1e9;
    m.figures.dram_bandwidth_gbps = std::max(kernel_gbps, m.copy_engine_gbps);
    m.notes.push_back("dram_bandwidth_gbps: best of a float4 copy kernel (" + fixed(kernel_gbps, 1) +
                      " GB/s) and cudaMemcpy D2D (" + fixed(m.copy_engine_gbps, 1) + " GB/s) over 2 x " +
                      fixed(static_cast<double>(bytes) / (1 << 20), 0) + " MiB, read + write bytes");
    return {};
}

measure_status measure_l2(const ceilings_options& o, const cudaDeviceProp& prop, ceiling_measurements& m) {
    if (prop.l2CacheSize <= 0) {
        m.notes.push_back("l2_bandwidth_gbps: the device reports no L2 size; skipped");
        return {};
    }
    const std::size_t bytes = static_cast<std::size_t>(prop.l2CacheSize) / 4 / 4096 * 4096;  // a + b = half the L2
    device_buffer a, b;
    RIDGELINE_CUDA_CHECK(cudaMalloc(&a.p, bytes));
    RIDGELINE_CUDA_CHECK(cudaMalloc(&b.p, bytes));
    RIDGELINE_CUDA_CHECK(cudaMemset(a.p, 1, bytes));
    RIDGELINE_CUDA_CHECK(cudaMemset(b.p, 0, bytes));
    const std::size_t n4 = bytes / sizeof(float4);
    const int passes = 64;
    const int blocks = prop.multiProcessorCount * 8;
    double t = 0;
    auto s = time_median(
        [&] {
            l2_copy_kernel<<<blocks, 256>>>(static_cast<float4*>(a.p), static_cast<float4*>(b.p), n4, passes);
            return last_launch("l2_copy_kernel");
        },
        o.repeats, t);
    if (!s) return s;
    m.l2_bandwidth_gbps = 2.0 * static_cast<double>(bytes) * passes / t / 1e9;
    m.notes.push_back("l2_bandwidth_gbps: copy between two " + fixed(static_cast<double>(bytes) / (1 << 20), 1) +
                      " MiB buffers (half the L2), 64 passes in one kernel, ld/st.cg");
    return {};
}

measure_status measure_fma(const ceilings_options& o, const cudaDeviceProp& prop, ceiling_measurements& m) {
    device_buffer out;
    RIDGELINE_CUDA_CHECK(cudaMalloc(&out.p, 64));
    const int blocks = prop.multiProcessorCount * 16;
    const int threads = 256;
    const int iters = 4096;
    const double lanes = static_cast<double>(blocks) * threads * iters * fma_chains;
    double t = 0;
    auto s = time_median(
        [&] {
            fma_fp32_kernel<<<blocks, threads>>>(static_cast<float*>(out.p), 0.999f, 0.001f, iters);
            return last_launch("fma_fp32_kernel");
        },
        o.repeats, t);
    if (!s) return s;
    m.vector_tflops["fp32"] = lanes * 2 / t / 1e12;
    s = time_median(
        [&] {
            fma_fp16_kernel<<<blocks, threads>>>(static_cast<__half2*>(out.p), __float2half2_rn(0.999f),
                                                 __float2half2_rn(0.001f), iters);
            return last_launch("fma_fp16_kernel");
        },
        o.repeats, t);
    if (!s) return s;
    m.vector_tflops["fp16"] = lanes * 4 / t / 1e12;  // half2: two lanes, an FMA each
    m.notes.push_back(
        "vector_tflops: dependent FMA chains (8 per thread), fp32 fmaf and fp16 __hfma2, 2 FLOPs per FMA");
    return {};
}

struct matmul_case {
    const char* key;
    cudaDataType_t ab;
    cudaDataType_t cd;
    cublasComputeType_t compute;
    std::size_t ab_bytes;
    std::size_t cd_bytes;
    int min_cc;  // minimum compute capability × 10
};

template <typename T>
measure_status fill(void* p, std::size_t n, std::uint32_t seed) {
    fill_kernel<T><<<1024, 256>>>(static_cast<T*>(p), n, seed);
    return last_launch("fill_kernel");
}

measure_status fill_typed(cudaDataType_t type, void* p, std::size_t n, std::uint32_t seed) {
    switch (type) {
        case CUDA_R_32F:
            return fill<float>(p, n, seed);
        case CUDA_R_16F:
            return fill<__half>(p, n, seed);
        case CUDA_R_16BF:
            return fill<__nv_bfloat16>(p, n, seed);
        case CUDA_R_8F_E4M3:
            return fill<__nv_fp8_e4m3>(p, n, seed);
        default:
            return {measure_code::error, "fill: unsupported data type"};
    }
}

struct lt_handles {
    cublasLtHandle_t lt = nullptr;
    cublasLtMatmulDesc_t op = nullptr;
    cublasLtMatrixLayout_t a = nullptr, b = nullptr, c = nullptr;
    cublasLtMatmulPreference_t pref = nullptr;
    lt_handles() = default;
    lt_handles(const lt_handles&) = delete;
    lt_handles& operator=(const lt_handles&) = delete;
    ~lt_handles() {
        if (pref) cublasLtMatmulPreferenceDestroy(pref);
        if (c) cublasLtMatrixLayoutDestroy(c);
        if (b) cublasLtMatrixLayoutDestroy(b);
        if (a) cublasLtMatrixLayoutDestroy(a);
        if (op) cublasLtMatmulDescDestroy(op);
        if (lt) cublasLtDestroy(lt);
    }
};

/** One precision: D = A^T B (TN, the layout every cuBLASLt precision supports), fp32 alpha/beta. */
measure_status measure_matmul(const ceilings_options& o, const matmul_case& mc, double& tflops, std::string& note) {
    const auto n = static_cast<std::uint64_t>(std::max<std::int64_t>(o.matmul_size, 256) / 16 * 16);
    const std::size_t elems = static_cast<std::size_t>(n * n);
    device_buffer a, b, c, ws;
    const std::size_t ws_bytes = 32u << 20;
    RIDGELINE_CUDA_CHECK(cudaMalloc(&a.p, elems * mc.ab_bytes));
    RIDGELINE_CUDA_CHECK(cudaMalloc(&b.p, elems * mc.ab_bytes));
    RIDGELINE_CUDA_CHECK(cudaMalloc(&c.p, elems * mc.cd_bytes));
    RIDGELINE_CUDA_CHECK(cudaMalloc(&ws.p, ws_bytes));
    if (auto s = fill_typed(mc.ab, a.p, elems, 1); !s) return s;
    if (auto s = fill_typed(mc.ab, b.p, elems, 2); !s) return s;
    RIDGELINE_CUDA_CHECK(cudaMemset(c.p, 0, elems * mc.cd_bytes));

    lt_handles h;
    RIDGELINE_CUBLAS_CHECK(cublasLtCreate(&h.lt));
    RIDGELINE_CUBLAS_CHECK(cublasLtMatmulDescCreate(&h.op, mc.compute, CUDA_R_32F));
    const cublasOperation_t ta = CUBLAS_OP_T, tb = CUBLAS_OP_N;
    RIDGELINE_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(h.op, CUBLASLT_MATMUL_DESC_TRANSA, &ta, sizeof ta));
    RIDGELINE_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(h.op, CUBLASLT_MATMUL_DESC_TRANSB, &tb, sizeof tb));
    RIDGELINE_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&h.a, mc.ab, n, n, static_cast<std::int64_t>(n)));
    RIDGELINE_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&h.b, mc.ab, n, n, static_cast<std::int64_t>(n)));
    RIDGELINE_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&h.c, mc.cd, n, n, static_cast<std::int64_t>(n)));
    RIDGELINE_CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(&h.pref));
    RIDGELINE_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(h.pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                                                &ws_bytes, sizeof ws_bytes));
    cublasLtMatmulHeuristicResult_t heuristic{};
    int found = 0;
    const cublasStatus_t hs =
        cublasLtMatmulAlgoGetHeuristic(h.lt, h.op, h.a, h.b, h.c, h.c, h.pref, 1, &heuristic, &found);
    if (hs != CUBLAS_STATUS_SUCCESS || found == 0) {
        tflops = 0;
        note = std::string(mc.key) + ": cuBLASLt offers no algorithm on this device; skipped";
        return {};
    }
    const float alpha = 1.0f, beta = 0.0f;
    double t = 0;
    auto s = time_median(
        [&]() -> measure_status {
            RIDGELINE_CUBLAS_CHECK(cublasLtMatmul(h.lt, h.op, &alpha, a.p, h.a, b.p, h.b, &beta, c.p, h.c, c.p, h.c,
                                                  &heuristic.algo, ws.p, ws_bytes, nullptr));
            return {};
        },
        std::max(3, o.repeats / 2), t);
    if (!s) return s;
    const double flops = 2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n);
    tflops = flops / t / 1e12;
    note = std::string(mc.key) + ": " + fixed(tflops, 2) + " TFLOPS at M=N=K=" + std::to_string(n);
    return {};
}

measure_status measure_matmuls(const ceilings_options& o, const cudaDeviceProp& prop, ceiling_measurements& m) {
    const std::vector<matmul_case> cases{
        {"fp32", CUDA_R_32F, CUDA_R_32F, CUBLAS_COMPUTE_32F, 4, 4, 0},
        {"tf32_tensor", CUDA_R_32F, CUDA_R_32F, CUBLAS_COMPUTE_32F_FAST_TF32, 4, 4, 80},
        {"fp16_tensor", CUDA_R_16F, CUDA_R_16F, CUBLAS_COMPUTE_32F, 2, 2, 70},
        {"bf16_tensor", CUDA_R_16BF, CUDA_R_16BF, CUBLAS_COMPUTE_32F, 2, 2, 80},
        {"fp8_tensor", CUDA_R_8F_E4M3, CUDA_R_16BF, CUBLAS_COMPUTE_32F, 1, 2, 89},
    };
    const int cc = prop.major * 10 + prop.minor;
    std::string summary = "matmul_tflops: cuBLASLt, D = A^T B, fp32 accumulation, pseudo-random inputs;";
    for (const auto& mc : cases) {
        if (std::string(mc.key) == "fp8_tensor" && !o.fp8) continue;
        if (cc < mc.min_cc) {
            m.notes.push_back(std::string(mc.key) + ": needs compute capability " + std::to_string(mc.min_cc / 10) +
                              "." + std::to_string(mc.min_cc % 10) + "; skipped");
            continue;
        }
        double tf = 0;
        std::string note;
        if (auto s = measure_matmul(o, mc, tf, note); !s) {
            m.notes.push_back(std::string(mc.key) + ": " + s.message);
            cudaGetLastError();  // clear a sticky-free error so the next precision can run
            continue;
        }
        if (tf > 0) m.figures.matmul_tflops[mc.key] = tf;
        summary += " " + note + ";";
    }
    m.notes.push_back(summary);
    return {};
}

measure_status measure_min_kernel(const ceilings_options& o, ceiling_measurements& m) {
    const int n = std::max(10, o.launches);
    for (int i = 0; i < 100; ++i) empty_kernel<<<1, 1>>>();  // warm-up
    RIDGELINE_CUDA_CHECK(cudaDeviceSynchronize());
    detail::activity_config config;  // kernels only: no API records (nor ids, which would need them)
    config.memcpy = config.memset = config.nvtx = config.launches = config.external_ids = false;
    if (auto s = detail::activity_start(config); s) {
        for (int i = 0; i < n; ++i) empty_kernel<<<1, 1>>>();
        const cudaError_t synced = cudaDeviceSynchronize();
        trace t;
        const auto stopped = detail::activity_stop(t);
        RIDGELINE_CUDA_CHECK(synced);
        std::vector<double> us;
        for (const auto& r : t.records) {
            if (r.kind == activity_kind::kernel) us.push_back(static_cast<double>(r.duration_ns()) * 1e-3);
        }
        if (stopped && !us.empty()) {
            m.figures.min_kernel_time_us = median(us);
            m.notes.push_back("min_kernel_time_us: median CUPTI device time of " + std::to_string(us.size()) +
                              " empty <<<1,1>>> kernels (shortest " +
                              fixed(*std::min_element(us.begin(), us.end()), 3) + " us)");
            return {};
        }
        m.notes.push_back("min_kernel_time_us: CUPTI recorded no kernels (" + stopped.message + "); CUDA events used");
    } else {
        m.notes.push_back("min_kernel_time_us: CUPTI unavailable (" + s.message +
                          "); CUDA events used (an upper bound)");
    }
    double t = 0;
    auto s = time_median(
        [&] {
            empty_kernel<<<1, 1>>>();
            return last_launch("empty_kernel");
        },
        std::max(o.repeats, 50), t);
    if (!s) return s;
    m.figures.min_kernel_time_us = t * 1e6;
    return {};
}

measure_status measure_launch(const ceilings_options& o, ceiling_measurements& m) {
    const int n = std::max(10, o.launches);
    for (int i = 0; i < 100; ++i) empty_kernel<<<1, 1>>>();
    RIDGELINE_CUDA_CHECK(cudaDeviceSynchronize());
    std::vector<double> per_launch;
    for (int r = 0; r < 5; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < n; ++i) empty_kernel<<<1, 1>>>();
        const auto t1 = std::chrono::steady_clock::now();
        RIDGELINE_CUDA_CHECK(cudaDeviceSynchronize());
        per_launch.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count() / n);
    }
    RIDGELINE_CUDA_CHECK(cudaGetLastError());
    m.figures.launch_overhead_us = median(per_launch);
    m.notes.push_back("launch_overhead_us: host wall time per asynchronous <<<1,1>>> launch, median of 5 x " +
                      std::to_string(n) + " (the CUDA runtime's cost; frameworks add their own)");
    return {};
}

measure_status measure_all(const ceilings_options& o, ceiling_measurements& m) {
    RIDGELINE_CUDA_CHECK(cudaSetDevice(o.device));
    cudaDeviceProp prop{};
    RIDGELINE_CUDA_CHECK(cudaGetDeviceProperties(&prop, o.device));
    m.device_name = prop.name;
    m.compute_capability = std::to_string(prop.major) + "." + std::to_string(prop.minor);
    m.sm_count = prop.multiProcessorCount;
    m.l2_size_mib = static_cast<double>(prop.l2CacheSize) / (1 << 20);
    int runtime = 0, driver = 0;
    RIDGELINE_CUDA_CHECK(cudaRuntimeGetVersion(&runtime));
    RIDGELINE_CUDA_CHECK(cudaDriverGetVersion(&driver));
    m.figures.date = today_utc();
    m.figures.method = "ridgeline ceilings on " + m.device_name + " (compute capability " + m.compute_capability +
                       ", " + std::to_string(m.sm_count) + " SMs), CUDA runtime " + version_text(runtime) +
                       ", driver " + version_text(driver) + ", cuBLASLt " + std::to_string(cublasLtGetVersion()) +
                       ": float4 copy kernel / cudaMemcpy D2D (read+write bytes), cuBLASLt TN matmuls M=N=K=" +
                       std::to_string(o.matmul_size) +
                       " with fp32 accumulation, CUPTI-timed empty kernel, host time per launch";
    if (auto s = measure_dram(o, prop, m); !s) return s;
    if (auto s = measure_l2(o, prop, m); !s) return s;
    if (auto s = measure_fma(o, prop, m); !s) return s;
    if (auto s = measure_matmuls(o, prop, m); !s) return s;
    if (auto s = measure_min_kernel(o, m); !s) return s;
    if (auto s = measure_launch(o, m); !s) return s;
    return {measure_code::ok, m.device_name};
}

}  // namespace

ceiling_measurements gpu::measure_ceilings(const ceilings_options& options) {
    ceiling_measurements m;
    m.status = check_device(options.device);
    if (!m.status) return m;
    m.status = measure_all(options, m);
    return m;
}

}  // namespace ridgeline
