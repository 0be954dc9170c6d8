// The host executor's matrix product and convolution: plain loops accumulating in double, exactly
// the definitions (ONNX Gemm/MatMul and Conv), for correctness checks rather than speed.
#include "host_exec.hpp"

#include <vector>

namespace ridgeline::replay {

void host_exec::gemm(const gemm_desc& d) {
    visit_float(d.type, [&](auto tag) {
        using T = typename decltype(tag)::type;
        const T* a = static_cast<const T*>(d.a);
        const T* b = static_cast<const T*>(d.b);
        T* c = static_cast<T*>(d.c);
        for (std::int64_t p = 0; p < d.batch; ++p) {
            const T* ap = a + p * d.stride_a;
            const T* bp = b + p * d.stride_b;
            T* cp = c + p * d.stride_c;
            for (std::int64_t i = 0; i < d.m; ++i) {
                for (std::int64_t j = 0; j < d.n; ++j) {
                    double acc = 0;
                    for (std::int64_t q = 0; q < d.k; ++q) {
                        const double x = load(ap, d.trans_a ? q * d.lda + i : i * d.lda + q);
                        const double y = load(bp, d.trans_b ? j * d.ldb + q : q * d.ldb + j);
                        acc += x * y;
                    }
                    const std::int64_t at = i * d.ldc + j;
                    const double prior =
                        d.beta != 0 ? static_cast<double>(d.beta) * static_cast<double>(load(cp, at)) : 0.0;
                    store(cp, at, static_cast<double>(d.alpha) * acc + prior);
                }
            }
        }
    });
}

void host_exec::conv(const conv_desc& d) {
    if (d.spatial < 1 || d.spatial > 3)
        throw unsupported_node("Conv with " + std::to_string(d.spatial) + " spatial dims");
    visit_float(d.x.type, [&](auto tag) {
        using T = typename decltype(tag)::type;
        const T* x = d.x.as<T>();
        const T* w = d.w.as<T>();
        T* y = d.y.as<T>();
        const int s = d.spatial;
        // Pad the spatial dims to three (size 1) so one loop nest serves 1-D, 2-D and 3-D.
        std::int64_t in_sz[3] = {1, 1, 1}, k_sz[3] = {1, 1, 1}, out_sz[3] = {1, 1, 1};
        std::int64_t st[3] = {1, 1, 1}, dl[3] = {1, 1, 1}, pb[3] = {0, 0, 0};
        for (int i = 0; i < s; ++i) {
            const int j = 3 - s + i;
            in_sz[j] = d.x.dims[2 + i];
            k_sz[j] = d.w.dims[2 + i];
            out_sz[j] = d.y.dims[2 + i];
            st[j] = d.strides[i];
            dl[j] = d.dilations[i];
            pb[j] = d.pads_begin[i];
        }
        const std::int64_t batch = d.x.dims[0], channels = d.x.dims[1], maps = d.y.dims[1];
        const std::int64_t cpg = channels / d.group, mpg = maps / d.group;
        const std::int64_t in_plane = in_sz[0] * in_sz[1] * in_sz[2];
        const std::int64_t k_plane = k_sz[0] * k_sz[1] * k_sz[2];
        const std::int64_t out_plane = out_sz[0] * out_sz[1] * out_sz[2];
        for (std::int64_t nb = 0; nb < batch; ++nb) {
            for (std::int64_t m = 0; m < maps; ++m) {
                const std::int64_t grp = m / mpg;
                for (std::int64_t o = 0; o < out_plane; ++o) {
                    const std::int64_t o0 = o / (out_sz[1] * out_sz[2]);
                    const std::int64_t o1 = (o / out_sz[2]) % out_sz[1];
                    const std::int64_t o2 = o % out_sz[2];
                    double acc = 0;
                    for (std::int64_t c = 0; c < cpg; ++c) {
                        const T* xp = x + (nb * channels + grp * cpg + c) * in_plane;
                        const T* wp = w + (m * cpg + c) * k_plane;
                        for (std::int64_t k0 = 0; k0 < k_sz[0]; ++k0) {
                            const std::int64_t i0 = o0 * st[0] - pb[0] + k0 * dl[0];
                            if (i0 < 0 || i0 >= in_sz[0]) continue;
                            for (std::int64_t k1 = 0; k1 < k_sz[1]; ++k1) {
                                const std::int64_t i1 = o1 * st[1] - pb[1] + k1 * dl[1];
                                if (i1 < 0 || i1 >= in_sz[1]) continue;
                                for (std::int64_t k2 = 0; k2 < k_sz[2]; ++k2) {
                                    const std::int64_t i2 = o2 * st[2] - pb[2] + k2 * dl[2];
                                    if (i2 < 0 || i2 >= in_sz[2]) continue;
                                    acc += static_cast<double>(load(xp, (i0 * in_sz[1] + i1) * in_sz[2] + i2)) *
                                           static_cast<double>(load(wp, (k0 * k_sz[1] + k1) * k_sz[2] + k2));
                                }
                            }
                        }
                    }
                    store(y, (nb * maps + m) * out_plane + o, acc);
                }
            }
        }
    });
}

}  // namespace ridgeline::replay
