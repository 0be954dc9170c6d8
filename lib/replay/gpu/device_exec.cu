// The GPU executor's non-template members: memory (an own stream-ordered pool), copies, the
// cuBLASLt matrix product and the cuDNN convolution, each with a plan cache so that a node replayed
// many times pays for descriptors and algorithm heuristics once. Also the instantiation point of
// nothing else: the op table is instantiated per family in ops_*.cu (device_ops.cu).
//
// Numerics, chosen to match what PyTorch does by default:
//   gemm  fp32: CUBLAS_COMPUTE_32F when strict_fp32 (--dtype fp32), else CUBLAS_COMPUTE_32F_FAST_TF32
//         (--dtype tf32); fp16/bf16: CUBLAS_COMPUTE_32F (fp32 accumulation,
//         tensor cores); fp64: CUBLAS_COMPUTE_64F. Algorithm: cublasLtMatmulAlgoGetHeuristic's
//         first answer for a 32 MiB workspace and the operands' pointer alignments.
//   conv  fp16/bf16: CUDNN_TENSOR_OP_MATH with fp32 compute; fp32: CUDNN_FMA_MATH when strict_fp32
//         (--dtype fp32: no TF32, as the calibration sample ran), else CUDNN_DEFAULT_MATH (TF32); fp64:
//         CUDNN_DEFAULT_MATH. Algorithm: the first cudnnGetConvolutionForwardAlgorithm_v7 answer
//         that succeeds within the workspace limit (min(1 GiB, half the free memory)) — PyTorch
//         with benchmark=False — with the math type that answer names.
#include "device_exec.cuh"

#include <cublasLt.h>
#include <cudnn.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ridgeline::replay {

namespace {

// ---- error checks ----------------------------------------------------------------------------

void cuda_check(cudaError_t e, const char* call) {
    if (e != cudaSuccess) {
        throw gpu_failure(std::string(call) + " failed: " + cudaGetErrorName(e) + " (" + cudaGetErrorString(e) + ")");
    }
}

void cublas_check(cublasStatus_t s, const char* call) {
    if (s != CUBLAS_STATUS_SUCCESS) {
        throw gpu_failure(std::string(call) + " failed: " + cublasLtGetStatusName(s) + " (" +
                          cublasLtGetStatusString(s) + ")");
    }
}

void cudnn_check(cudnnStatus_t s, const char* call) {
    if (s != CUDNN_STATUS_SUCCESS) {
        throw gpu_failure(std::string(call) + " failed: " + cudnnGetErrorString(s) + " (cuDNN status " +
                          std::to_string(static_cast<int>(s)) + ")");
    }
}

#define RL_CUDA(call) cuda_check((call), #call)
#define RL_CUBLAS(call) cublas_check((call), #call)
#define RL_CUDNN(call) cudnn_check((call), #call)

// ---- helpers ---------------------------------------------------------------------------------

/** cuBLASLt's gemm workspace. */
constexpr std::int64_t gemm_workspace_bytes = std::int64_t{32} << 20;
/** Upper bound of a cuDNN algorithm's workspace. */
constexpr std::int64_t conv_workspace_cap = std::int64_t{1} << 30;

/** Largest power of two (≤ 256) that divides the address. */
std::uint32_t alignment_of(const void* p) {
    const auto u = reinterpret_cast<std::uintptr_t>(p);
    std::uint32_t a = 256;
    while (a > 1 && u % a != 0) a /= 2;
    return a;
}

/** Alignment every batch of an operand keeps: the pointer's, reduced by the batch stride in bytes. */
std::uint32_t batch_alignment(const void* p, std::int64_t stride_elems, std::int64_t batch, std::int64_t elem_bytes) {
    std::uint32_t a = alignment_of(p);
    if (batch > 1 && stride_elems != 0) {
        const auto step = static_cast<std::uint64_t>(stride_elems * elem_bytes);
        while (a > 1 && step % a != 0) a /= 2;
    }
    return a;
}

cudaDataType_t cuda_type(dtype t) {
    switch (t) {
        case dtype::f32:
            return CUDA_R_32F;
        case dtype::f16:
            return CUDA_R_16F;
        case dtype::bf16:
            return CUDA_R_16BF;
        case dtype::f64:
            return CUDA_R_64F;
        default:
            throw unsupported_node("gemm on " + std::string(dtype_name(t)) +
                                   " (cuBLASLt path takes fp16/bf16/fp32/fp64)");
    }
}

cudnnDataType_t cudnn_type(dtype t) {
    switch (t) {
        case dtype::f32:
            return CUDNN_DATA_FLOAT;
        case dtype::f16:
            return CUDNN_DATA_HALF;
        case dtype::bf16:
            return CUDNN_DATA_BFLOAT16;
        case dtype::f64:
            return CUDNN_DATA_DOUBLE;
        default:
            throw unsupported_node("conv on " + std::string(dtype_name(t)) + " (cuDNN path takes fp16/bf16/fp32/fp64)");
    }
}

int to_int(std::int64_t v, const char* what) {
    if (v < 0 || v > INT_MAX)
        throw unsupported_node(std::string(what) + " " + std::to_string(v) + " exceeds cuDNN's int range");
    return static_cast<int>(v);
}

/** C = beta·C over a strided batch (a gemm with k = 0, which cuBLASLt does not take). */
template <class T>
struct scale_matrix {
    T* c;
    std::int64_t m, n, ldc, stride_c;
    double beta;
    RL_HD void operator()(std::int64_t i) const {
        const std::int64_t col = i % n;
        const std::int64_t r = i / n;
        const std::int64_t at = (r / m) * stride_c + (r % m) * ldc + col;
        store(c, at, beta == 0 ? 0.0 : beta * static_cast<double>(load(c, at)));
    }
};

/** Zero-padded copy of the spatial dims (three, size 1 in front when fewer): out has extra `lo` before, rest after. */
template <class U>
struct pad_spatial {
    const U* in;
    U* out;
    std::int64_t in_sz[3];
    std::int64_t out_sz[3];
    std::int64_t lo[3];
    RL_HD void operator()(std::int64_t i) const {
        std::int64_t r = i;
        const std::int64_t o2 = r % out_sz[2];
        r /= out_sz[2];
        const std::int64_t o1 = r % out_sz[1];
        r /= out_sz[1];
        const std::int64_t o0 = r % out_sz[0];
        const std::int64_t plane = r / out_sz[0];
        const std::int64_t i0 = o0 - lo[0], i1 = o1 - lo[1], i2 = o2 - lo[2];
        if (i0 < 0 || i0 >= in_sz[0] || i1 < 0 || i1 >= in_sz[1] || i2 < 0 || i2 >= in_sz[2]) {
            out[i] = U(0);
        } else {
            out[i] = in[((plane * in_sz[0] + i0) * in_sz[1] + i1) * in_sz[2] + i2];
        }
    }
};

// ---- plan caches -----------------------------------------------------------------------------

/** cuBLASLt descriptors and the chosen algorithm for one gemm shape. */
struct gemm_plan {
    cublasLtMatmulDesc_t op = nullptr;
    cublasLtMatrixLayout_t a = nullptr;  // cuBLAS's A: our B (column-major view)
    cublasLtMatrixLayout_t b = nullptr;  // cuBLAS's B: our A
    cublasLtMatrixLayout_t c = nullptr;
    cublasLtMatmulAlgo_t algo{};
    bool found = false;  // the heuristic had an answer
    gemm_plan() = default;
    gemm_plan(const gemm_plan&) = delete;
    gemm_plan& operator=(const gemm_plan&) = delete;
    ~gemm_plan() {
        if (c != nullptr) cublasLtMatrixLayoutDestroy(c);
        if (b != nullptr) cublasLtMatrixLayoutDestroy(b);
        if (a != nullptr) cublasLtMatrixLayoutDestroy(a);
        if (op != nullptr) cublasLtMatmulDescDestroy(op);
    }
};

/** cuDNN descriptors, algorithm and workspace size for one convolution shape. */
struct conv_plan {
    cudnnTensorDescriptor_t x = nullptr;
    cudnnFilterDescriptor_t w = nullptr;
    cudnnTensorDescriptor_t y = nullptr;
    cudnnConvolutionDescriptor_t conv = nullptr;
    cudnnConvolutionFwdAlgo_t algo = CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM;
    std::int64_t workspace = 0;
    conv_plan() = default;
    conv_plan(const conv_plan&) = delete;
    conv_plan& operator=(const conv_plan&) = delete;
    ~conv_plan() {
        if (conv != nullptr) cudnnDestroyConvolutionDescriptor(conv);
        if (y != nullptr) cudnnDestroyTensorDescriptor(y);
        if (w != nullptr) cudnnDestroyFilterDescriptor(w);
        if (x != nullptr) cudnnDestroyTensorDescriptor(x);
    }
};

using gemm_key = std::array<std::int64_t, 17>;
using conv_key = std::array<std::int64_t, 28>;

}  // namespace

/** Library handles, plan caches and the cached buffers besides scratch. */
struct device_exec::state {
    cublasLtHandle_t lt = nullptr;
    cudnnHandle_t dnn = nullptr;
    void* gemm_ws = nullptr;
    std::int64_t gemm_ws_bytes = 0;
    void* conv_ws = nullptr;
    std::int64_t conv_ws_bytes = 0;
    void* pad_buf = nullptr;
    std::int64_t pad_buf_bytes = 0;
    std::map<gemm_key, std::unique_ptr<gemm_plan>> gemm_plans;
    std::map<conv_key, std::unique_ptr<conv_plan>> conv_plans;
};

// ---- lifetime --------------------------------------------------------------------------------

device_exec::device_exec(int device, bool strict_fp32) : device_(device), strict_fp32_(strict_fp32), state_(new state) {
    try {
        RL_CUDA(cudaSetDevice(device));
        int sms = 0;
        RL_CUDA(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
        max_blocks_ = std::max<std::int64_t>(1, static_cast<std::int64_t>(sms) * 32);
        RL_CUDA(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
        cudaMemPoolProps props{};
        props.allocType = cudaMemAllocationTypePinned;
        props.handleTypes = cudaMemHandleTypeNone;
        props.location.type = cudaMemLocationTypeDevice;
        props.location.id = device;
        RL_CUDA(cudaMemPoolCreate(&pool_, &props));
        std::uint64_t keep = UINT64_MAX;  // freed blocks stay in the pool across synchronisations
        RL_CUDA(cudaMemPoolSetAttribute(pool_, cudaMemPoolAttrReleaseThreshold, &keep));
        RL_CUBLAS(cublasLtCreate(&state_->lt));
    } catch (...) {
        teardown();
        throw;
    }
}

device_exec::~device_exec() { teardown(); }

void device_exec::teardown() noexcept {
    if (stream_ != nullptr) cudaStreamSynchronize(stream_);
    if (state_) {
        state_->gemm_plans.clear();
        state_->conv_plans.clear();
        if (stream_ != nullptr) {
            if (state_->gemm_ws != nullptr) cudaFreeAsync(state_->gemm_ws, stream_);
            if (state_->conv_ws != nullptr) cudaFreeAsync(state_->conv_ws, stream_);
            if (state_->pad_buf != nullptr) cudaFreeAsync(state_->pad_buf, stream_);
        }
        if (state_->dnn != nullptr) cudnnDestroy(state_->dnn);
        if (state_->lt != nullptr) cublasLtDestroy(state_->lt);
        state_.reset();
    }
    if (stream_ != nullptr) {
        if (scratch_ != nullptr) cudaFreeAsync(scratch_, stream_);
        cudaStreamSynchronize(stream_);
        cudaStreamDestroy(stream_);
        stream_ = nullptr;
    }
    scratch_ = nullptr;
    scratch_bytes_ = 0;
    if (pool_ != nullptr) {
        cudaMemPoolDestroy(pool_);
        pool_ = nullptr;
    }
    cudaGetLastError();  // leave no sticky non-fatal error behind for the next user
}

// ---- memory ----------------------------------------------------------------------------------

void device_exec::check_launch(const char* what) {
    const cudaError_t e = cudaGetLastError();
    if (e != cudaSuccess) {
        throw gpu_failure(std::string(what) + " failed: " + cudaGetErrorName(e) + " (" + cudaGetErrorString(e) + ")");
    }
}

void* device_exec::alloc(std::int64_t bytes) {
    void* p = nullptr;
    RL_CUDA(cudaMallocFromPoolAsync(&p, static_cast<std::size_t>(bytes > 0 ? bytes : 1), pool_, stream_));
    return p;
}

void device_exec::release(void* p) {
    if (p != nullptr) RL_CUDA(cudaFreeAsync(p, stream_));
}

void* device_exec::grow(void*& buffer, std::int64_t& capacity, std::int64_t bytes, const char* what) {
    if (bytes <= capacity && buffer != nullptr) return buffer;
    const std::int64_t want = std::max<std::int64_t>({bytes, capacity + capacity / 2, 256});
    if (buffer != nullptr) {
        RL_CUDA(cudaFreeAsync(buffer, stream_));  // stream-ordered: work already queued still sees it
        buffer = nullptr;
        capacity = 0;
    }
    const cudaError_t e = cudaMallocFromPoolAsync(&buffer, static_cast<std::size_t>(want), pool_, stream_);
    if (e != cudaSuccess) {
        buffer = nullptr;
        throw gpu_failure(std::string(what) + ": cudaMallocFromPoolAsync(" + std::to_string(want) +
                          " bytes) failed: " + cudaGetErrorName(e) + " (" + cudaGetErrorString(e) + ")");
    }
    capacity = want;
    return buffer;
}

void* device_exec::scratch(std::int64_t bytes) { return grow(scratch_, scratch_bytes_, bytes, "scratch"); }

void device_exec::copy(void* dst, const void* src, std::int64_t bytes) {
    if (bytes <= 0) return;
    RL_CUDA(cudaMemcpyAsync(dst, src, static_cast<std::size_t>(bytes), cudaMemcpyDeviceToDevice, stream_));
}

void device_exec::to_host(void* dst, const void* src, std::int64_t bytes) {
    if (bytes <= 0) return;
    RL_CUDA(cudaMemcpyAsync(dst, src, static_cast<std::size_t>(bytes), cudaMemcpyDeviceToHost, stream_));
    RL_CUDA(cudaStreamSynchronize(stream_));
}

void device_exec::from_host(void* dst, const void* src, std::int64_t bytes) {
    if (bytes <= 0) return;
    RL_CUDA(cudaMemcpyAsync(dst, src, static_cast<std::size_t>(bytes), cudaMemcpyHostToDevice, stream_));
    RL_CUDA(cudaStreamSynchronize(stream_));
}

void device_exec::synchronize() { RL_CUDA(cudaStreamSynchronize(stream_)); }

// ---- gemm ------------------------------------------------------------------------------------

void device_exec::gemm(const gemm_desc& d) {
    if (d.m <= 0 || d.n <= 0 || d.batch <= 0) return;
    if (d.k <= 0) {  // nothing to multiply: C = beta·C
        visit_float(d.type, [&](auto tag) {
            using T = typename decltype(tag)::type;
            for_each(d.batch * d.m * d.n, scale_matrix<T>{static_cast<T*>(d.c), d.m, d.n, d.ldc, d.stride_c, d.beta});
        });
        return;
    }
    const cudaDataType_t data = cuda_type(d.type);
    const bool f64 = d.type == dtype::f64;
    const std::int64_t eb = element_bytes(d.type);
    if (d.batch > INT_MAX)
        throw unsupported_node("gemm batch " + std::to_string(d.batch) + " exceeds cuBLASLt's int32 count");
    const std::uint32_t align_a = batch_alignment(d.a, d.stride_a, d.batch, eb);
    const std::uint32_t align_b = batch_alignment(d.b, d.stride_b, d.batch, eb);
    const std::uint32_t align_c = batch_alignment(d.c, d.stride_c, d.batch, eb);
    const gemm_key key = {static_cast<std::int64_t>(d.type),
                          d.trans_a,
                          d.trans_b,
                          d.m,
                          d.n,
                          d.k,
                          d.lda,
                          d.ldb,
                          d.ldc,
                          d.batch,
                          d.stride_a,
                          d.stride_b,
                          d.stride_c,
                          align_a,
                          align_b,
                          align_c,
                          0};
    auto& slot = state_->gemm_plans[key];
    if (!slot) {
        auto p = std::make_unique<gemm_plan>();
        // fp32 may use TF32 only when the executor is not strict (--dtype tf32).
        const cublasComputeType_t compute = f64                                     ? CUBLAS_COMPUTE_64F
                                            : d.type == dtype::f32 && !strict_fp32_ ? CUBLAS_COMPUTE_32F_FAST_TF32
                                                                                    : CUBLAS_COMPUTE_32F;
        const cudaDataType_t scale = f64 ? CUDA_R_64F : CUDA_R_32F;
        RL_CUBLAS(cublasLtMatmulDescCreate(&p->op, compute, scale));
        // Row-major C = op(A)·op(B) is column-major Cᵀ = op(B)ᵀ·op(A)ᵀ: cuBLAS's A is our B.
        const cublasOperation_t op_a = d.trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
        const cublasOperation_t op_b = d.trans_a ? CUBLAS_OP_T : CUBLAS_OP_N;
        RL_CUBLAS(cublasLtMatmulDescSetAttribute(p->op, CUBLASLT_MATMUL_DESC_TRANSA, &op_a, sizeof op_a));
        RL_CUBLAS(cublasLtMatmulDescSetAttribute(p->op, CUBLASLT_MATMUL_DESC_TRANSB, &op_b, sizeof op_b));
        const auto u = [](std::int64_t v) { return static_cast<std::uint64_t>(v); };
        RL_CUBLAS(cublasLtMatrixLayoutCreate(&p->a, data, u(d.trans_b ? d.k : d.n), u(d.trans_b ? d.n : d.k), d.ldb));
        RL_CUBLAS(cublasLtMatrixLayoutCreate(&p->b, data, u(d.trans_a ? d.m : d.k), u(d.trans_a ? d.k : d.m), d.lda));
        RL_CUBLAS(cublasLtMatrixLayoutCreate(&p->c, data, u(d.n), u(d.m), d.ldc));
        if (d.batch > 1) {
            const auto count = static_cast<std::int32_t>(d.batch);
            const std::int64_t strides[3] = {d.stride_b, d.stride_a, d.stride_c};
            cublasLtMatrixLayout_t layouts[3] = {p->a, p->b, p->c};
            for (int i = 0; i < 3; ++i) {
                RL_CUBLAS(cublasLtMatrixLayoutSetAttribute(layouts[i], CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &count,
                                                           sizeof count));
                RL_CUBLAS(cublasLtMatrixLayoutSetAttribute(layouts[i], CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET,
                                                           &strides[i], sizeof strides[i]));
            }
        }
        cublasLtMatmulPreference_t pref = nullptr;
        RL_CUBLAS(cublasLtMatmulPreferenceCreate(&pref));
        const std::uint64_t ws = gemm_workspace_bytes;
        cublasStatus_t s =
            cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof ws);
        const std::uint32_t aligns[4] = {align_b, align_a, align_c, align_c};  // cuBLAS's A, B, C, D
        const cublasLtMatmulPreferenceAttributes_t align_attrs[4] = {
            CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES,
            CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES};
        for (int i = 0; i < 4 && s == CUBLAS_STATUS_SUCCESS; ++i) {
            s = cublasLtMatmulPreferenceSetAttribute(pref, align_attrs[i], &aligns[i], sizeof aligns[i]);
        }
        cublasLtMatmulHeuristicResult_t result{};
        int found = 0;
        if (s == CUBLAS_STATUS_SUCCESS) {
            const cublasStatus_t h =
                cublasLtMatmulAlgoGetHeuristic(state_->lt, p->op, p->a, p->b, p->c, p->c, pref, 1, &result, &found);
            if (h != CUBLAS_STATUS_SUCCESS && h != CUBLAS_STATUS_NOT_SUPPORTED) {
                cublasLtMatmulPreferenceDestroy(pref);
                cublas_check(h, "cublasLtMatmulAlgoGetHeuristic");
            }
            if (h != CUBLAS_STATUS_SUCCESS) found = 0;
        }
        cublasLtMatmulPreferenceDestroy(pref);
        cublas_check(s, "cublasLtMatmulPreferenceSetAttribute");
        p->found = found > 0;
        if (p->found) p->algo = result.algo;
        slot = std::move(p);
    }
    const gemm_plan& p = *slot;
    if (!p.found) {
        // No algorithm for the strided batch (e.g. a broadcast operand's stride 0): one call per batch.
        if (d.batch > 1) {
            for (std::int64_t i = 0; i < d.batch; ++i) {
                gemm_desc one = d;
                one.batch = 1;
                one.a = static_cast<const std::byte*>(d.a) + i * d.stride_a * eb;
                one.b = static_cast<const std::byte*>(d.b) + i * d.stride_b * eb;
                one.c = static_cast<std::byte*>(d.c) + i * d.stride_c * eb;
                gemm(one);
            }
            return;
        }
        throw gpu_failure("cublasLtMatmulAlgoGetHeuristic found no algorithm for a " + std::string(dtype_name(d.type)) +
                          " gemm m=" + std::to_string(d.m) + " n=" + std::to_string(d.n) + " k=" + std::to_string(d.k));
    }
    void* ws = grow(state_->gemm_ws, state_->gemm_ws_bytes, gemm_workspace_bytes, "gemm workspace");
    const float alpha32 = d.alpha, beta32 = d.beta;
    const double alpha64 = d.alpha, beta64 = d.beta;
    const void* alpha = f64 ? static_cast<const void*>(&alpha64) : static_cast<const void*>(&alpha32);
    const void* beta = f64 ? static_cast<const void*>(&beta64) : static_cast<const void*>(&beta32);
    RL_CUBLAS(cublasLtMatmul(state_->lt, p.op, alpha, d.b, p.a, d.a, p.b, beta, d.c, p.c, d.c, p.c, &p.algo, ws,
                             static_cast<std::size_t>(gemm_workspace_bytes), stream_));
}

// ---- conv ------------------------------------------------------------------------------------

void device_exec::conv(const conv_desc& d) {
    const int s = d.spatial;
    if (s < 1 || s > 3) throw unsupported_node("Conv with " + std::to_string(s) + " spatial dims");
    if (d.y.numel() == 0) return;
    // cuDNN pads symmetrically: pad the input by the difference first (into a cached buffer).
    bool asymmetric = false;
    for (int i = 0; i < s; ++i) asymmetric = asymmetric || d.pads_begin[i] != d.pads_end[i];
    if (asymmetric) {
        conv_desc e = d;
        pad_spatial<std::uint8_t> geo{};  // geometry, re-typed below
        for (int i = 0; i < 3; ++i) geo.in_sz[i] = geo.out_sz[i] = 1, geo.lo[i] = 0;
        for (int i = 0; i < s; ++i) {
            const std::int64_t lo = std::min(d.pads_begin[i], d.pads_end[i]);
            const int j = 3 - s + i;
            geo.in_sz[j] = d.x.dims[2 + i];
            geo.lo[j] = d.pads_begin[i] - lo;
            geo.out_sz[j] = d.x.dims[2 + i] + (d.pads_begin[i] - lo) + (d.pads_end[i] - lo);
            e.x.dims[2 + i] = geo.out_sz[j];
            e.pads_begin[i] = e.pads_end[i] = lo;
        }
        const std::int64_t bytes = e.x.numel() * element_bytes(e.x.type);
        e.x.data = grow(state_->pad_buf, state_->pad_buf_bytes, bytes, "conv padding buffer");
        visit_bits(d.x.type, [&](auto tag) {
            using U = typename decltype(tag)::type;
            pad_spatial<U> k{static_cast<const U*>(d.x.data), static_cast<U*>(e.x.data), {}, {}, {}};
            for (int i = 0; i < 3; ++i) {
                k.in_sz[i] = geo.in_sz[i];
                k.out_sz[i] = geo.out_sz[i];
                k.lo[i] = geo.lo[i];
            }
            for_each(e.x.numel(), k);
        });
        conv(e);
        return;
    }

    if (state_->dnn == nullptr) {
        RL_CUDNN(cudnnCreate(&state_->dnn));
        RL_CUDNN(cudnnSetStream(state_->dnn, stream_));
    }
    const cudnnDataType_t data = cudnn_type(d.x.type);
    if (d.w.type != d.x.type || d.y.type != d.x.type) throw unsupported_node("conv with mixed element types");
    const bool f64 = d.x.type == dtype::f64;

    // 1-D runs as 2-D with H = 1; cuDNN wants 4-D or 5-D descriptors.
    const int nd = s == 1 ? 4 : s + 2;
    int xd[5], wd[5], yd[5], pad[3], stride[3], dil[3];
    xd[0] = to_int(d.x.dims[0], "conv batch");
    xd[1] = to_int(d.x.dims[1], "conv channels");
    wd[0] = to_int(d.w.dims[0], "conv filters");
    wd[1] = to_int(d.w.dims[1], "conv filter channels");
    yd[0] = to_int(d.y.dims[0], "conv batch");
    yd[1] = to_int(d.y.dims[1], "conv output channels");
    const int lead = nd - 2 - s;  // 1 for 1-D (the H = 1 dim), else 0
    for (int i = 0; i < lead; ++i) {
        xd[2 + i] = wd[2 + i] = yd[2 + i] = 1;
        pad[i] = 0;
        stride[i] = dil[i] = 1;
    }
    for (int i = 0; i < s; ++i) {
        xd[2 + lead + i] = to_int(d.x.dims[2 + i], "conv input dim");
        wd[2 + lead + i] = to_int(d.w.dims[2 + i], "conv kernel dim");
        yd[2 + lead + i] = to_int(d.y.dims[2 + i], "conv output dim");
        pad[lead + i] = to_int(d.pads_begin[i], "conv pad");
        stride[lead + i] = to_int(d.strides[i], "conv stride");
        dil[lead + i] = to_int(d.dilations[i], "conv dilation");
    }
    conv_key key{};
    key[0] = static_cast<std::int64_t>(d.x.type);
    key[1] = nd;
    key[2] = d.group;
    key[3] = strict_fp32_ ? 1 : 0;
    for (int i = 0; i < 5; ++i) {
        key[4 + i] = i < nd ? xd[i] : 0;
        key[9 + i] = i < nd ? wd[i] : 0;
        key[14 + i] = i < nd ? yd[i] : 0;
    }
    for (int i = 0; i < 3; ++i) {
        key[19 + i] = i < nd - 2 ? pad[i] : 0;
        key[22 + i] = i < nd - 2 ? stride[i] : 0;
        key[25 + i] = i < nd - 2 ? dil[i] : 0;
    }
    auto& slot = state_->conv_plans[key];
    if (!slot) {
        auto p = std::make_unique<conv_plan>();
        auto strides_of = [&](const int* dims, int* out) {
            std::int64_t acc = 1;
            for (int i = nd - 1; i >= 0; --i) {
                out[i] = to_int(acc, "conv tensor stride");
                acc *= dims[i];
            }
        };
        int xs[5], ys[5];
        strides_of(xd, xs);
        strides_of(yd, ys);
        RL_CUDNN(cudnnCreateTensorDescriptor(&p->x));
        RL_CUDNN(cudnnSetTensorNdDescriptor(p->x, data, nd, xd, xs));
        RL_CUDNN(cudnnCreateTensorDescriptor(&p->y));
        RL_CUDNN(cudnnSetTensorNdDescriptor(p->y, data, nd, yd, ys));
        RL_CUDNN(cudnnCreateFilterDescriptor(&p->w));
        RL_CUDNN(cudnnSetFilterNdDescriptor(p->w, data, CUDNN_TENSOR_NCHW, nd, wd));
        RL_CUDNN(cudnnCreateConvolutionDescriptor(&p->conv));
        const cudnnDataType_t compute = f64 ? CUDNN_DATA_DOUBLE : CUDNN_DATA_FLOAT;
        RL_CUDNN(cudnnSetConvolutionNdDescriptor(p->conv, nd - 2, pad, stride, dil, CUDNN_CROSS_CORRELATION, compute));
        RL_CUDNN(cudnnSetConvolutionGroupCount(p->conv, to_int(d.group, "conv group")));
        const bool half = d.x.type == dtype::f16 || d.x.type == dtype::bf16;
        const bool strict = strict_fp32_ && d.x.type == dtype::f32;
        const cudnnMathType_t math = half ? CUDNN_TENSOR_OP_MATH : (strict ? CUDNN_FMA_MATH : CUDNN_DEFAULT_MATH);
        RL_CUDNN(cudnnSetConvolutionMathType(p->conv, math));

        // Heuristic order, first algorithm that succeeds within the workspace limit.
        std::size_t free_bytes = 0, total_bytes = 0;
        RL_CUDA(cudaMemGetInfo(&free_bytes, &total_bytes));
        const std::int64_t limit =
            std::min<std::int64_t>(conv_workspace_cap, static_cast<std::int64_t>(free_bytes / 2));
        int max_algos = 0;
        RL_CUDNN(cudnnGetConvolutionForwardAlgorithmMaxCount(state_->dnn, &max_algos));
        std::vector<cudnnConvolutionFwdAlgoPerf_t> perf(static_cast<std::size_t>(std::max(max_algos, 1)));
        int returned = 0;
        RL_CUDNN(cudnnGetConvolutionForwardAlgorithm_v7(state_->dnn, p->x, p->w, p->conv, p->y,
                                                        static_cast<int>(perf.size()), &returned, perf.data()));
        bool chosen = false;
        for (int i = 0; i < returned && !chosen; ++i) {
            const auto& r = perf[static_cast<std::size_t>(i)];
            if (r.status != CUDNN_STATUS_SUCCESS || static_cast<std::int64_t>(r.memory) > limit) continue;
            if (strict && (r.mathType == CUDNN_TENSOR_OP_MATH || r.mathType == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION))
                continue;
            // The algorithm and its math type go together (cuDNN decides tensor-core use from both).
            RL_CUDNN(cudnnSetConvolutionMathType(p->conv, r.mathType));
            std::size_t ws = 0;
            if (cudnnGetConvolutionForwardWorkspaceSize(state_->dnn, p->x, p->w, p->conv, p->y, r.algo, &ws) !=
                    CUDNN_STATUS_SUCCESS ||
                static_cast<std::int64_t>(ws) > limit) {
                RL_CUDNN(cudnnSetConvolutionMathType(p->conv, math));
                continue;
            }
            p->algo = r.algo;
            p->workspace = static_cast<std::int64_t>(ws);
            chosen = true;
        }
        if (!chosen) {
            throw gpu_failure("cudnnGetConvolutionForwardAlgorithm_v7 offered no usable algorithm for a " +
                              std::string(dtype_name(d.x.type)) + " conv (" + std::to_string(returned) +
                              " answers, workspace limit " + std::to_string(limit) + " bytes)");
        }
        slot = std::move(p);
    }
    const conv_plan& p = *slot;
    void* ws = p.workspace > 0 ? grow(state_->conv_ws, state_->conv_ws_bytes, p.workspace, "conv workspace") : nullptr;
    const float alpha32 = 1.0f, beta32 = 0.0f;
    const double alpha64 = 1.0, beta64 = 0.0;
    const void* alpha = f64 ? static_cast<const void*>(&alpha64) : static_cast<const void*>(&alpha32);
    const void* beta = f64 ? static_cast<const void*>(&beta64) : static_cast<const void*>(&beta32);
    RL_CUDNN(cudnnConvolutionForward(state_->dnn, alpha, p.x, d.x.data, p.w, d.w.data, p.conv, p.algo, ws,
                                     static_cast<std::size_t>(p.workspace), beta, p.y, d.y.data));
}

}  // namespace ridgeline::replay
