// Replay family "linear": MatMul and Gemm, through the executor's gemm (cuBLASLt on the GPU) for
// floating operands and a plain functor for integers (linear_common.hpp). MatMul runs as few
// strided batched products as its broadcast batch dims allow; Gemm writes its bias C into Y first.
#pragma once

#include "linear_common.hpp"

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace ridgeline::replay {

namespace linear_detail {

/** y[i] = c[broadcast offset of i] (Gemm's bias C written into Y before the product). */
template <class T>
struct broadcast_copy {
    const T* c;
    T* y;
    broadcast_strides map;
    RL_HD void operator()(std::int64_t i) const { y[i] = c[map.offset(i)]; }
};

// ---- MatMul ----------------------------------------------------------------------------------

/** numpy matmul: 1-D operands promoted, batch dims broadcast; as few strided batched gemms as possible. */
template <class Exec>
void run_matmul(node_call<Exec>& c) {
    const tensor_ref& a = c.in[0];
    const tensor_ref& b = c.in[1];
    const tensor_ref& y = c.out[0];
    same_types("MatMul", {&a, &b, &y});
    if (a.rank < 1 || b.rank < 1) throw unsupported_node("MatMul of a scalar");
    const std::int64_t m = a.rank >= 2 ? a.dims[a.rank - 2] : 1;
    const std::int64_t k = a.dims[a.rank - 1];
    const std::int64_t kb = b.rank >= 2 ? b.dims[b.rank - 2] : b.dims[0];
    const std::int64_t n = b.rank >= 2 ? b.dims[b.rank - 1] : 1;
    if (k != kb)
        throw unsupported_node("MatMul: inner dims " + std::to_string(k) + " and " + std::to_string(kb) + " differ");

    // Batch dims, right-aligned and broadcast; per-operand strides in elements (0 where broadcast).
    const int ra = std::max(a.rank - 2, 0), rb = std::max(b.rank - 2, 0), nb = std::max(ra, rb);
    std::int64_t bs[max_rank] = {}, da[max_rank] = {}, db[max_rank] = {}, sa[max_rank] = {}, sb[max_rank] = {};
    for (int d = 0; d < nb; ++d) {
        const int ka = d - (nb - ra), kbi = d - (nb - rb);
        da[d] = ka >= 0 ? a.dims[ka] : 1;
        db[d] = kbi >= 0 ? b.dims[kbi] : 1;
        if (da[d] != db[d] && da[d] != 1 && db[d] != 1) throw unsupported_node("MatMul: batch dims do not broadcast");
        bs[d] = std::max(da[d], db[d]);
        if (da[d] == 0 || db[d] == 0) bs[d] = 0;
    }
    std::int64_t step_a = m * k, step_b = k * n;
    for (int d = nb - 1; d >= 0; --d) {
        sa[d] = da[d] == 1 ? 0 : step_a;
        sb[d] = db[d] == 1 ? 0 : step_b;
        step_a *= da[d];
        step_b *= db[d];
    }
    std::int64_t batch = 1;
    for (int d = 0; d < nb; ++d) batch *= bs[d];
    if (y.numel() != batch * m * n) throw unsupported_node("MatMul: output shape disagrees with the operands");
    if (y.numel() == 0) return;

    // Longest suffix of batch dims over which each operand is either whole (contiguous) or broadcast.
    auto uniform = [&](const std::int64_t* dims, int from) {
        bool whole = true, bcast = true;
        for (int d = from; d < nb; ++d) {
            if (bs[d] == 1) continue;
            whole = whole && dims[d] == bs[d];
            bcast = bcast && dims[d] == 1;
        }
        return whole || bcast;
    };
    int split = nb;  // suffix [split, nb) goes in one call
    for (int s = 0; s <= nb; ++s) {
        if (uniform(da, s) && uniform(db, s)) {
            split = s;
            break;
        }
    }
    std::int64_t inner = 1;
    bool a_whole = true, b_whole = true;
    for (int d = split; d < nb; ++d) {
        inner *= bs[d];
        if (bs[d] != 1) {
            a_whole = a_whole && da[d] == bs[d];
            b_whole = b_whole && db[d] == bs[d];
        }
    }
    broadcast_strides outer_a, outer_b;
    outer_a.rank = outer_b.rank = split;
    std::int64_t outer = 1;
    for (int d = 0; d < split; ++d) {
        outer_a.dims[d] = outer_b.dims[d] = bs[d];
        outer_a.strides[d] = sa[d];
        outer_b.strides[d] = sb[d];
        outer *= bs[d];
    }

    gemm_desc g;
    g.type = a.type;
    g.m = m;
    g.n = n;
    g.k = k;
    g.lda = k;
    g.ldb = n;
    g.ldc = n;
    g.stride_a = a_whole ? m * k : 0;
    g.stride_b = b_whole ? k * n : 0;
    g.stride_c = m * n;
    g.batch = inner;
    if (g.stride_b == 0 && g.batch > 1) {
        // B shared by every batch and A contiguous across them: one tall product [batch·m, k]·[k, n].
        g.m = m * inner;
        g.batch = 1;
        g.stride_a = g.stride_c = 0;
    }
    for (std::int64_t o = 0; o < outer; ++o) {
        gemm_desc call = g;
        call.a = advance(a.data, outer_a.offset(o), a.type);
        call.b = advance(b.data, outer_b.offset(o), b.type);
        call.c = advance(y.data, o * inner * m * n, y.type);
        run_gemm(c, call);
    }
}

// ---- Gemm ------------------------------------------------------------------------------------

/** ONNX Gemm: Y = alpha·op(A)·op(B) + beta·C, C broadcast to [M, N] (written into Y first). */
template <class Exec>
void run_gemm_op(node_call<Exec>& c) {
    const tensor_ref& a = c.in[0];
    const tensor_ref& b = c.in[1];
    const tensor_ref& y = c.out[0];
    same_types("Gemm", {&a, &b, &y});
    if (a.rank != 2 || b.rank != 2) throw unsupported_node("Gemm: A and B must be 2-D");
    const bool ta = c.n.attr_i("transA", 0) != 0;
    const bool tb = c.n.attr_i("transB", 0) != 0;
    const double alpha = c.n.attr_f("alpha", 1.0);
    double beta = c.n.attr_f("beta", 1.0);
    const std::int64_t m = ta ? a.dims[1] : a.dims[0];
    const std::int64_t k = ta ? a.dims[0] : a.dims[1];
    const std::int64_t kb = tb ? b.dims[1] : b.dims[0];
    const std::int64_t n = tb ? b.dims[0] : b.dims[1];
    if (k != kb)
        throw unsupported_node("Gemm: inner dims " + std::to_string(k) + " and " + std::to_string(kb) + " differ");
    if (y.rank != 2 || y.dims[0] != m || y.dims[1] != n)
        throw unsupported_node("Gemm: output shape disagrees with the operands");
    if (y.numel() == 0) return;
    if (!c.has(2) || c.in[2].numel() == 0) beta = 0;
    if (beta != 0) {
        const tensor_ref& bias = c.in[2];
        same_types("Gemm", {&bias, &y});
        const broadcast_strides map = make_broadcast(bias, y);
        visit_bits(y.type, [&](auto tag) {
            using U = typename decltype(tag)::type;
            c.ex.for_each(y.numel(), broadcast_copy<U>{bias.as<const U>(), y.as<U>(), map});
        });
    }
    gemm_desc g;
    g.type = a.type;
    g.trans_a = ta;
    g.trans_b = tb;
    g.m = m;
    g.n = n;
    g.k = k;
    g.a = a.data;
    g.lda = a.dims[1];
    g.b = b.data;
    g.ldb = b.dims[1];
    g.c = y.data;
    g.ldc = n;
    g.alpha = static_cast<float>(alpha);
    g.beta = static_cast<float>(beta);
    run_gemm(c, g);
}

}  // namespace linear_detail

/** Registers MatMul and Gemm (cuBLASLt). */
template <class Exec>
void register_linear_matmul(op_table<Exec>& t) {
    t.add("MatMul", &linear_detail::run_matmul<Exec>, "cublasLt");
    t.add("Gemm", &linear_detail::run_gemm_op<Exec>, "cublasLt");
}

}  // namespace ridgeline::replay
