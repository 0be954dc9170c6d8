// Replay family "linear", shared part: the functors and host helpers that MatMul/Gemm
// (linear_matmul.hpp), Conv/ConvTranspose (linear_conv.hpp) and Einsum (linear_einsum.hpp) use — a
// raw strided copy, the integer matrix product the libraries do not take, and run_gemm, which
// sends a gemm_desc to the executor's gemm (cuBLASLt on the GPU) or to that functor. The functors
// are compiled for the host and by nvcc for the device: trivially copyable, no containers, no
// exceptions.
#pragma once

#include "../op_table.hpp"

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace ridgeline::replay::linear_detail {

// ---- functors --------------------------------------------------------------------------------

/** out[i] = in[map.offset(i)]: a permutation (or any strided gather) of raw elements. */
template <class U>
struct strided_copy {
    const U* in;
    U* out;
    broadcast_strides map;
    RL_HD void operator()(std::int64_t i) const { out[i] = in[map.offset(i)]; }
};

/**
 * One element of a strided batched matrix product per call (the gemm_desc semantics) for the
 * element types the libraries do not take (integers): i = (batch, row, column).
 */
template <class T>
struct gemm_naive {
    const T* a;
    const T* b;
    T* c;
    bool trans_a;
    bool trans_b;
    std::int64_t m, n, k, lda, ldb, ldc, stride_a, stride_b, stride_c;
    double alpha;
    double beta;
    RL_HD void operator()(std::int64_t i) const {
        const std::int64_t col = i % n;
        const std::int64_t r = i / n;
        const std::int64_t row = r % m;
        const std::int64_t p = r / m;
        const T* ap = a + p * stride_a;
        const T* bp = b + p * stride_b;
        T* cp = c + p * stride_c;
        compute_t<T> acc = 0;
        for (std::int64_t q = 0; q < k; ++q) {
            acc +=
                load(ap, trans_a ? q * lda + row : row * lda + q) * load(bp, trans_b ? col * ldb + q : q * ldb + col);
        }
        const std::int64_t at = row * ldc + col;
        if (alpha == 1 && beta == 0) {
            store(cp, at, acc);
        } else {
            const double prior = beta != 0 ? beta * static_cast<double>(load(cp, at)) : 0.0;
            store(cp, at, alpha * static_cast<double>(acc) + prior);
        }
    }
};

// ---- host helpers ----------------------------------------------------------------------------

/** Rounds a byte count up to 256 (carving one scratch buffer into aligned pieces). */
inline std::int64_t align_256(std::int64_t bytes) { return (bytes + 255) / 256 * 256; }

/** Throws unsupported_node naming `op` unless every listed tensor has the first one's element type. */
inline void same_types(const char* op, std::initializer_list<const tensor_ref*> refs) {
    const dtype t = (*refs.begin())->type;
    for (const auto* r : refs) {
        if (r->type != t) {
            throw unsupported_node(std::string(op) + ": operands of different element types (" +
                                   std::string(dtype_name(t)) + ", " + std::string(dtype_name(r->type)) + ")");
        }
    }
}

/** Runs a gemm_desc: the executor's gemm for floating types, gemm_naive for the others. */
template <class Exec>
void run_gemm(node_call<Exec>& c, const gemm_desc& d) {
    if (d.m == 0 || d.n == 0 || d.batch == 0) return;
    visit_numeric(d.type, [&](auto tag) {
        using T = typename decltype(tag)::type;
        if constexpr (is_float_v<T>) {
            c.ex.gemm(d);
        } else {
            c.ex.for_each(
                d.batch * d.m * d.n,
                gemm_naive<T>{static_cast<const T*>(d.a), static_cast<const T*>(d.b), static_cast<T*>(d.c), d.trans_a,
                              d.trans_b, d.m, d.n, d.k, d.lda, d.ldb, d.ldc, d.stride_a, d.stride_b, d.stride_c,
                              static_cast<double>(d.alpha), static_cast<double>(d.beta)});
        }
    });
}

/** A pointer `elements` elements of type t past p. */
inline const void* advance(const void* p, std::int64_t elements, dtype t) {
    return static_cast<const std::byte*>(p) + elements * element_bytes(t);
}
/** A pointer `elements` elements of type t past p (mutable). */
inline void* advance(void* p, std::int64_t elements, dtype t) {
    return static_cast<std::byte*>(p) + elements * element_bytes(t);
}

/** Copies raw elements: out[i] = in[map.offset(i)] for i in [0, map's element count). */
template <class Exec>
void gather(Exec& ex, dtype t, const void* in, void* out, const broadcast_strides& map) {
    std::int64_t n = 1;
    for (int d = 0; d < map.rank; ++d) n *= map.dims[d];
    if (n == 0) return;
    visit_bits(t, [&](auto tag) {
        using U = typename decltype(tag)::type;
        ex.for_each(n, strided_copy<U>{static_cast<const U*>(in), static_cast<U*>(out), map});
    });
}

}  // namespace ridgeline::replay::linear_detail
