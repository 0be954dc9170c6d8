// The replay executor's element layer, compiled by both the host compiler and nvcc: element types
// (fp16/bf16 as bit patterns, converted by lib/graph/half.hpp), `tensor_ref` (a typed, shaped view
// of device or host memory that kernels take by value), index helpers for broadcasting and strided
// access, and the dtype visitors that turn a runtime element type into a template argument.
//
// Kernels are functors with `RL_HD void operator()(std::int64_t i) const`, run by an executor's
// `for_each(n, f)`: a loop on the host (host_exec.hpp), a grid-stride kernel on the GPU
// (gpu/device_exec.cuh). Arithmetic happens in `compute_t<T>`: float for fp16/bf16/fp32, double for
// fp64, int64 for integers and bool.
#pragma once

#include "../graph/half.hpp"

#include "ridgeline/error.hpp"
#include "ridgeline/graph.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>

#if defined(__CUDACC__)
#define RL_HD __host__ __device__
#define RL_DEVICE_CODE 1
#else
#define RL_HD
#endif

namespace ridgeline::replay {

/** Largest rank the kernels index (ONNX models rarely pass 6). */
constexpr int max_rank = 8;

/** Bad or unsupported node for the executor: attributes, types or ranks it does not handle. */
class unsupported_node : public error {
public:
    using error::error;
};

/** IEEE half as its bits. */
struct f16 {
    std::uint16_t bits;
};
/** bfloat16 as its bits. */
struct bf16 {
    std::uint16_t bits;
};

/** The bits of a float, and back (lib/graph/half.hpp). */
using detail::bits_float;
using detail::float_bits;

/** fp16 → fp32 (exact). */
RL_HD inline float to_float(f16 h) { return detail::half_bits_to_float(h.bits); }

/** fp32 → fp16, round to nearest even; overflow → inf. */
RL_HD inline f16 to_f16(float f) { return {detail::float_to_half_bits(f)}; }

/** bf16 → fp32 (exact). */
RL_HD inline float to_float(bf16 b) { return detail::bf16_bits_to_float(b.bits); }

/** fp32 → bf16, round to nearest even (NaN kept NaN). */
RL_HD inline bf16 to_bf16(float f) { return {detail::float_to_bf16_bits(f)}; }

/** Arithmetic type of an element type. */
template <class T>
struct compute_of {
    using type = std::conditional_t<std::is_floating_point_v<T>, T, std::int64_t>;
};
template <>
struct compute_of<f16> {
    using type = float;
};
template <>
struct compute_of<bf16> {
    using type = float;
};
template <class T>
using compute_t = typename compute_of<T>::type;

/** True for the floating element types (fp16, bf16, fp32, fp64). */
template <class T>
constexpr bool is_float_v = std::is_floating_point_v<T> || std::is_same_v<T, f16> || std::is_same_v<T, bf16>;

/** Reads an element as its compute type. */
template <class T>
RL_HD inline compute_t<T> load(const T* p, std::int64_t i) {
    if constexpr (std::is_same_v<T, f16> || std::is_same_v<T, bf16>) {
        return to_float(p[i]);
    } else if constexpr (std::is_same_v<T, bool>) {
        return p[i] ? 1 : 0;
    } else {
        return static_cast<compute_t<T>>(p[i]);
    }
}

/** Converts a value of any arithmetic type to element type T (bool: nonzero; float→int truncates). */
template <class T, class V>
RL_HD inline T convert(V v) {
    if constexpr (std::is_same_v<T, f16>) {
        return to_f16(static_cast<float>(v));
    } else if constexpr (std::is_same_v<T, bf16>) {
        return to_bf16(static_cast<float>(v));
    } else if constexpr (std::is_same_v<T, bool>) {
        return v != V(0);
    } else {
        return static_cast<T>(v);
    }
}

/** Writes a compute value as element type T. */
template <class T, class V>
RL_HD inline void store(T* p, std::int64_t i, V v) {
    p[i] = convert<T>(v);
}

/**
 * A typed, shaped view of memory (row-major, contiguous). Passed to kernels by value.
 * @code tensor_ref t; t.data = ptr; t.type = dtype::f32; t.rank = 2; t.dims[0] = 3; t.dims[1] = 4; @endcode
 */
struct tensor_ref {
    void* data = nullptr;             /**< First element. */
    dtype type = dtype::undefined;    /**< Element type. */
    int rank = 0;                     /**< Number of dims. */
    std::int64_t dims[max_rank] = {}; /**< Shape. */
    /** Product of dims. */
    RL_HD std::int64_t numel() const {
        std::int64_t n = 1;
        for (int i = 0; i < rank; ++i) n *= dims[i];
        return n;
    }
    /** Elements as T. */
    template <class T>
    RL_HD T* as() const {
        return static_cast<T*>(data);
    }
};

/** Bytes of one element as the replay stores it. */
inline std::int64_t element_bytes(dtype t) { return element_size_bytes(t); }

/**
 * Strides of an input broadcast to an output of rank `out_rank` (numpy rules, right-aligned):
 * a dim of size 1 that the output expands gets stride 0.
 */
struct broadcast_strides {
    int rank = 0;                        /**< Output rank. */
    std::int64_t dims[max_rank] = {};    /**< Output dims. */
    std::int64_t strides[max_rank] = {}; /**< Input element stride per output dim. */
    /** Input offset of output element `i`. */
    RL_HD std::int64_t offset(std::int64_t i) const {
        std::int64_t off = 0;
        for (int d = rank - 1; d >= 0; --d) {
            const std::int64_t q = i / dims[d];
            off += (i - q * dims[d]) * strides[d];
            i = q;
        }
        return off;
    }
};

/** Broadcast strides of `in` against output dims `out`. Throws unsupported_node on a mismatch. */
inline broadcast_strides make_broadcast(const tensor_ref& in, const tensor_ref& out) {
    broadcast_strides b;
    b.rank = out.rank;
    std::int64_t stride = 1;
    for (int d = out.rank - 1, k = in.rank - 1; d >= 0; --d, --k) {
        b.dims[d] = out.dims[d];
        if (k < 0) {
            b.strides[d] = 0;
            continue;
        }
        if (in.dims[k] != out.dims[d] && in.dims[k] != 1) throw unsupported_node("shapes do not broadcast");
        b.strides[d] = in.dims[k] == 1 ? 0 : stride;
        stride *= in.dims[k];
    }
    return b;
}

/** Row-major strides of dims. */
inline void contiguous_strides(const tensor_ref& t, std::int64_t* strides) {
    std::int64_t s = 1;
    for (int d = t.rank - 1; d >= 0; --d) {
        strides[d] = s;
        s *= t.dims[d];
    }
}

/** Normalises an axis attribute (negative counts from the end). Throws unsupported_node when out of range. */
inline int normalise_axis(std::int64_t axis, int rank) {
    if (axis < 0) axis += rank;
    if (axis < 0 || axis >= (rank == 0 ? 1 : rank)) throw unsupported_node("axis out of range");
    return static_cast<int>(axis);
}

/** Type tag for the visitors. */
template <class T>
struct type_tag {
    using type = T;
};

/** Calls f(type_tag<T>{}) for a floating dtype; throws unsupported_node otherwise. */
template <class F>
decltype(auto) visit_float(dtype t, F&& f) {
    switch (t) {
        case dtype::f32:
            return f(type_tag<float>{});
        case dtype::f16:
            return f(type_tag<f16>{});
        case dtype::bf16:
            return f(type_tag<bf16>{});
        case dtype::f64:
            return f(type_tag<double>{});
        default:
            throw unsupported_node("element type " + std::string(dtype_name(t)) + " (floating types only)");
    }
}

/** Calls f(type_tag<T>{}) for any numeric dtype or bool; throws unsupported_node otherwise. */
template <class F>
decltype(auto) visit_numeric(dtype t, F&& f) {
    switch (t) {
        case dtype::f32:
        case dtype::f16:
        case dtype::bf16:
        case dtype::f64:
            return visit_float(t, f);
        case dtype::i64:
            return f(type_tag<std::int64_t>{});
        case dtype::i32:
            return f(type_tag<std::int32_t>{});
        case dtype::i16:
            return f(type_tag<std::int16_t>{});
        case dtype::i8:
            return f(type_tag<std::int8_t>{});
        case dtype::u8:
            return f(type_tag<std::uint8_t>{});
        case dtype::u16:
            return f(type_tag<std::uint16_t>{});
        case dtype::u32:
            return f(type_tag<std::uint32_t>{});
        case dtype::u64:
            return f(type_tag<std::uint64_t>{});
        case dtype::boolean:
            return f(type_tag<bool>{});
        default:
            throw unsupported_node("element type " + std::string(dtype_name(t)));
    }
}

/**
 * Calls f(type_tag<U>{}) with the unsigned integer type of `bytes` bytes (1, 2, 4 or 8); other sizes
 * call other() (which throws, or returns what f would).
 */
template <class F, class G>
decltype(auto) visit_unsigned(std::int64_t bytes, F&& f, G&& other) {
    switch (bytes) {
        case 1:
            return f(type_tag<std::uint8_t>{});
        case 2:
            return f(type_tag<std::uint16_t>{});
        case 4:
            return f(type_tag<std::uint32_t>{});
        case 8:
            return f(type_tag<std::uint64_t>{});
        default:
            return other();
    }
}

/** Calls f(type_tag<U>{}) with an unsigned integer type of the dtype's size (data movement). */
template <class F>
decltype(auto) visit_bits(dtype t, F&& f) {
    return visit_unsigned(element_size_bytes(t), f, [&]() -> decltype(f(type_tag<std::uint8_t>{})) {
        throw unsupported_node("element type " + std::string(dtype_name(t)));
    });
}

/**
 * Folds `v` over the lanes that share a row (see executors' for_each_row) with `op.combine(own,
 * other)`: a butterfly of warp shuffles on the GPU, `v` itself on the host (one lane). Every lane
 * must call it.
 */
template <class V, class Op>
RL_HD inline V lanes_fold(V v, int lanes, const Op& op) {
#if defined(__CUDA_ARCH__)
    for (int o = lanes / 2; o > 0; o /= 2) v = op.combine(v, __shfl_xor_sync(0xffffffffu, v, o));
#else
    (void)lanes;
    (void)op;
#endif
    return v;
}

/** Sum fold (lanes_fold). */
template <class V>
struct sum_fold {
    RL_HD V combine(V a, V b) const { return a + b; }
};
/** Max fold (lanes_fold): b when greater, else a. */
template <class V>
struct max_fold {
    RL_HD V combine(V a, V b) const { return b > a ? b : a; }
};
/** Min fold (lanes_fold): b when smaller, else a. */
template <class V>
struct min_fold {
    RL_HD V combine(V a, V b) const { return b < a ? b : a; }
};

/** Sum of `v` over the lanes of a row (see lanes_fold). */
template <class V>
RL_HD inline V lanes_sum(V v, int lanes) {
    return lanes_fold(v, lanes, sum_fold<V>{});
}

/** Maximum of `v` over the lanes of a row (see lanes_fold). */
template <class V>
RL_HD inline V lanes_max(V v, int lanes) {
    return lanes_fold(v, lanes, max_fold<V>{});
}

/** Minimum of `v` over the lanes of a row (see lanes_fold). */
template <class V>
RL_HD inline V lanes_min(V v, int lanes) {
    return lanes_fold(v, lanes, min_fold<V>{});
}

/** A counter-based hash (splitmix64) for reproducible random data. */
RL_HD inline std::uint64_t mix64(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/** Fills a tensor with uniform values: floats in [lo, hi), integers in [lo, hi) as integers. */
template <class T>
struct fill_random {
    T* out;
    std::uint64_t seed;
    double lo;
    double hi;
    RL_HD void operator()(std::int64_t i) const {
        const double u = static_cast<double>(mix64(seed ^ static_cast<std::uint64_t>(i)) >> 11) * 0x1.0p-53;
        if constexpr (is_float_v<T>) {
            store(out, i, lo + (hi - lo) * u);
        } else {
            std::int64_t v = static_cast<std::int64_t>(lo + (hi - lo) * u);
            if (static_cast<double>(v) >= hi) v = static_cast<std::int64_t>(hi) - 1;
            store(out, i, v);
        }
    }
};

/** Fills a tensor with one value. */
template <class T>
struct fill_value {
    T* out;
    double value;
    RL_HD void operator()(std::int64_t i) const {
        if constexpr (is_float_v<T>) {
            store(out, i, value);
        } else {
            store(out, i, static_cast<std::int64_t>(value));
        }
    }
};

}  // namespace ridgeline::replay
