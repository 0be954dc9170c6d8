// The replay executor on the GPU: functors run as grid-stride kernels on one non-blocking stream,
// memory comes from the stream-ordered allocator, matrix products go through cuBLASLt and
// convolutions through cuDNN (device_exec.cu). Include only from .cu files (nvcc): for_each and
// for_each_row launch kernels.
//
// @code
// ridgeline::replay::device_exec ex(0, false);
// void* p = ex.alloc(n * 4);
// ex.for_each(n, fill_value<float>{static_cast<float*>(p), 1.0});
// ex.synchronize();
// @endcode
#pragma once

#if !defined(__CUDACC__)
#error "device_exec.cuh launches kernels: include it from .cu files compiled by nvcc"
#endif

#include "../op_table.hpp"

#include <cuda_runtime.h>

#include <cstdint>
#include <memory>
#include <stdexcept>

namespace ridgeline::replay {

/** A CUDA, cuBLASLt or cuDNN call failed; the message names the call and the library's error string. */
class gpu_failure : public std::runtime_error {
public:
    using runtime_error::runtime_error;
};

namespace device_kernels {

/** Threads per block of the functor kernels. */
constexpr int block_threads = 256;

/** f(i) for i in [0, n), grid-stride. */
template <class F>
__global__ void __launch_bounds__(block_threads) for_each_kernel(std::int64_t n, F f) {
    const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
    for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) f(i);
}

/** f(row, lane, 32) with one warp per row, grid-stride over rows by warps (warp-uniform loop). */
template <class F>
__global__ void __launch_bounds__(block_threads) for_each_row_kernel(std::int64_t rows, F f) {
    constexpr int warps_per_block = block_threads / 32;
    const std::int64_t warp = static_cast<std::int64_t>(blockIdx.x) * warps_per_block + threadIdx.x / 32;
    const std::int64_t warps = static_cast<std::int64_t>(gridDim.x) * warps_per_block;
    const int lane = static_cast<int>(threadIdx.x % 32);
    for (std::int64_t r = warp; r < rows; r += warps) f(r, lane, 32);
}

}  // namespace device_kernels

/** Executor on one GPU (see op_table.hpp for the interface). Not copyable; one stream. */
class device_exec {
public:
    /** Executor name. */
    static constexpr const char* name = "gpu";

    /**
     * Selects `device`, creates a non-blocking stream and the cuBLASLt handle (cuDNN's is created
     * on the first conv). `strict_fp32`: fp32 convolutions without TF32 (CUDNN_FMA_MATH).
     * Throws gpu_failure.
     */
    device_exec(int device, bool strict_fp32);
    /** Waits for the stream and frees everything (never throws). */
    ~device_exec();
    device_exec(const device_exec&) = delete;
    device_exec& operator=(const device_exec&) = delete;

    /** f(i) for i in [0, n) on the stream: 256 threads a block, at most SMs·32 blocks, grid-stride. */
    template <class F>
    void for_each(std::int64_t n, const F& f) {
        if (n <= 0) return;
        const std::int64_t blocks = (n + device_kernels::block_threads - 1) / device_kernels::block_threads;
        const int grid = static_cast<int>(blocks < max_blocks_ ? blocks : max_blocks_);
        device_kernels::for_each_kernel<F><<<grid, device_kernels::block_threads, 0, stream_>>>(n, f);
        check_launch("for_each kernel launch");
    }

    /** f(row, lane, 32) for every row: one warp per row (all 32 lanes of a warp run the same rows). */
    template <class F>
    void for_each_row(std::int64_t rows, std::int64_t /*cols*/, const F& f) {
        if (rows <= 0) return;
        constexpr int warps_per_block = device_kernels::block_threads / 32;
        const std::int64_t blocks = (rows + warps_per_block - 1) / warps_per_block;
        const int grid = static_cast<int>(blocks < max_blocks_ ? blocks : max_blocks_);
        device_kernels::for_each_row_kernel<F><<<grid, device_kernels::block_threads, 0, stream_>>>(rows, f);
        check_launch("for_each_row kernel launch");
    }

    /** Device memory from the executor's stream-ordered pool (cudaMallocFromPoolAsync; at least 1 byte; not zeroed). */
    void* alloc(std::int64_t bytes);
    /** Returns alloc'd memory (cudaFreeAsync on the stream). Null is ignored. */
    void release(void* p);
    /** Temporary device memory valid until the next scratch call (a cached buffer that only grows). */
    void* scratch(std::int64_t bytes);
    /** Device-to-device copy on the stream. */
    void copy(void* dst, const void* src, std::int64_t bytes);
    /** Device-to-host copy; returns once the data is on the host (synchronises the stream). */
    void to_host(void* dst, const void* src, std::int64_t bytes);
    /** Host-to-device copy; returns once the host buffer may be reused (synchronises the stream). */
    void from_host(void* dst, const void* src, std::int64_t bytes);
    /** Waits for everything queued on the stream. */
    void synchronize();

    /** Strided batched row-major matrix product through cuBLASLt (see gemm_desc). */
    void gemm(const gemm_desc& d);
    /** Convolution through cuDNN (see conv_desc); asymmetric pads are padded explicitly first. */
    void conv(const conv_desc& d);

    /** The stream everything runs on. */
    [[nodiscard]] cudaStream_t stream() const { return stream_; }
    /** The device index. */
    [[nodiscard]] int device() const { return device_; }

private:
    struct state;  // library handles, plan caches, cached buffers (device_exec.cu)

    /** Throws gpu_failure naming `what` when the last launch failed. */
    void check_launch(const char* what);
    /** Frees whatever exists (destructor, failed constructor); never throws. */
    void teardown() noexcept;
    /** A cached device buffer of at least `bytes` (grown stream-ordered). */
    void* grow(void*& buffer, std::int64_t& capacity, std::int64_t bytes, const char* what);

    int device_ = 0;
    bool strict_fp32_ = false;
    cudaStream_t stream_ = nullptr;
    cudaMemPool_t pool_ = nullptr;  // own stream-ordered pool, keeps freed memory for reuse
    std::int64_t max_blocks_ = 1;
    void* scratch_ = nullptr;
    std::int64_t scratch_bytes_ = 0;
    std::unique_ptr<state> state_;
};

/** The op table instantiated for the GPU executor (built once, on first use). */
const op_table<device_exec>& device_ops();

}  // namespace ridgeline::replay
