// Shared pieces of the replay's data-movement kernels: a strided copy (any strided view of an input
// written through any strided view of an output: Transpose, Slice, Concat, Split, Expand, Tile,
// DepthToSpace …), widening of contiguous runs to moves of up to 16 bytes, bounds-safe reads of
// indices taken from tensor data, the walk over an index's coordinates that the per-element
// kernels share (walk_coords; pooling.hpp's MaxUnpool uses it too), and fills with a value's raw bits.
#pragma once

#include "../op_table.hpp"

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string>
#include <type_traits>
#include <vector>

// Device pass only: nvcc's host pass hands the pragma to the host compiler, which does not know it.
#if defined(__CUDA_ARCH__)
#define RL_MOVE_UNROLL _Pragma("unroll")
#else
#define RL_MOVE_UNROLL
#endif

namespace ridgeline::replay::movement_ops {

/** Sixteen bytes moved as one (vectorised loads and stores on the GPU). */
struct alignas(16) bytes16 {
    std::uint64_t lo;
    std::uint64_t hi;
};

/** Calls f(type_tag<U>{}) with an unsigned type (or bytes16) of `bytes` bytes. */
template <class F>
decltype(auto) visit_width(std::int64_t bytes, F&& f) {
    if (bytes == 16) return f(type_tag<bytes16>{});
    return visit_unsigned(bytes, f, [&]() -> decltype(f(type_tag<bytes16>{})) {
        throw unsupported_node("element size " + std::to_string(bytes));
    });
}

/** Calls f(type_tag<I>{}) for an index tensor's type (int32 or int64). */
template <class F>
decltype(auto) visit_index(dtype t, F&& f) {
    switch (t) {
        case dtype::i64:
            return f(type_tag<std::int64_t>{});
        case dtype::i32:
            return f(type_tag<std::int32_t>{});
        default:
            throw unsupported_node("indices of type " + std::string(dtype_name(t)) + " (int32/int64 only)");
    }
}

/** An index read from data: negative counts from the end, then clamped into [0, n) (synthesised data). */
template <class I>
RL_HD inline std::int64_t safe_index(I raw, std::int64_t n) {
    std::int64_t k = static_cast<std::int64_t>(raw);
    if (k < 0) k += n;
    if (k >= n) k = n - 1;
    return k < 0 ? 0 : k;
}

/**
 * Walks the row-major coordinates of index i over `rank` dims (at most max_rank), innermost first:
 * f(k, x) for dim k and its coordinate x. i must lie below the product of the dims (the outermost
 * coordinate is what is left of it, no division). f may return bool: false stops the walk, and
 * walk_coords then returns false.
 */
template <class F>
RL_HD inline bool walk_coords(std::int64_t i, int rank, const std::int64_t* dims, F&& f) {
    RL_MOVE_UNROLL
    for (int k = max_rank - 1; k >= 0; --k) {
        if (k >= rank) continue;
        std::int64_t x = i;
        if (k > 0) {
            const std::int64_t q = i / dims[k];
            x = i - q * dims[k];
            i = q;
        }
        if constexpr (std::is_void_v<decltype(f(k, x))>) {
            f(k, x);
        } else if (!f(k, x)) {
            return false;
        }
    }
    return true;
}

/** Coordinates of an index in a row-major space [outer, mid, inner]. */
struct coords3 {
    std::int64_t outer;
    std::int64_t mid;
    std::int64_t inner;
};

/** The coordinates of index i in [·, mid, inner]. */
RL_HD inline coords3 split3(std::int64_t i, std::int64_t mid, std::int64_t inner) {
    const std::int64_t t = i / inner;
    const std::int64_t o = t / mid;
    return {o, t - o * mid, i - t * inner};
}

/** Byte offset helper for raw pointers. */
inline void* byte_offset(void* p, std::int64_t bytes) { return static_cast<std::byte*>(p) + bytes; }
inline const void* byte_offset(const void* p, std::int64_t bytes) { return static_cast<const std::byte*>(p) + bytes; }

/**
 * The widest move (≤ 16 bytes, a multiple of `elem` bytes) for contiguous runs of `run` elements
 * whose starts are `run` elements apart, given the base pointers.
 */
inline std::int64_t widest_move(std::int64_t elem, std::int64_t run, std::initializer_list<const void*> ptrs) {
    for (std::int64_t b = 16; b > elem; b /= 2) {
        if (b % elem != 0 || (run * elem) % b != 0) continue;
        bool aligned = true;
        for (const void* p : ptrs)
            aligned = aligned && reinterpret_cast<std::uintptr_t>(p) % static_cast<std::uintptr_t>(b) == 0;
        if (aligned) return b;
    }
    return elem;
}

/** Copies out[dst(i)] = in[src(i)] over an index space of `rank` dims (row-major in i). */
template <class U>
struct strided_copy {
    U* out;
    const U* in;
    int rank;
    std::int64_t dims[max_rank];
    std::int64_t src[max_rank];
    std::int64_t dst[max_rank];
    std::int64_t src_base;
    std::int64_t dst_base;
    RL_HD void operator()(std::int64_t i) const {
        std::int64_t s = src_base;
        std::int64_t d = dst_base;
        walk_coords(i, rank, dims, [&](int k, std::int64_t c) {
            s += c * src[k];
            d += c * dst[k];
        });
        out[d] = in[s];
    }
};

/** Fills with one value's bits. */
template <class U>
struct fill_bits {
    U* out;
    U value;
    RL_HD void operator()(std::int64_t i) const { out[i] = value; }
};

/**
 * The bits of `v` (a double, or an integer converted exactly where the type allows: pass int64 for
 * 64-bit integer types) converted to element type `t`, in the low bytes of a 64-bit word.
 */
template <class V>
std::uint64_t value_bits(dtype t, V v) {
    std::uint64_t bits = 0;
    visit_numeric(t, [&](auto tag) {
        using T = typename decltype(tag)::type;
        const T x = convert<T>(v);
        std::memcpy(&bits, &x, sizeof(T));
    });
    return bits;
}

/** The low bytes of a 64-bit word as U. */
template <class U>
U bits_as(std::uint64_t bits) {
    U u;
    std::memcpy(&u, &bits, sizeof(U));
    return u;
}

/** Fills tensor `t` with raw bits (the value as `value_bits` gives it). */
template <class Exec>
void fill_with_bits(Exec& ex, const tensor_ref& t, std::uint64_t bits) {
    const std::int64_t n = t.numel();
    if (n == 0) return;
    visit_bits(t.type, [&](auto tag) {
        using U = typename decltype(tag)::type;
        ex.for_each(n, fill_bits<U>{t.as<U>(), bits_as<U>(bits)});
    });
}

/**
 * A strided copy described on the host: dims of the index space, element strides in the source and
 * the destination per dim, and base offsets. Up to 2·max_rank dims before simplification (Tile).
 */
struct copy_plan {
    static constexpr int capacity = 2 * max_rank;
    int rank = 0;
    std::int64_t dims[capacity] = {};
    std::int64_t src[capacity] = {};
    std::int64_t dst[capacity] = {};
    std::int64_t src_base = 0;
    std::int64_t dst_base = 0;

    /** Appends an inner dim. */
    void add(std::int64_t d, std::int64_t s, std::int64_t t) {
        if (rank == capacity) throw unsupported_node("copy of too many dims");
        dims[rank] = d;
        src[rank] = s;
        dst[rank] = t;
        ++rank;
    }
    /** Elements copied. */
    [[nodiscard]] std::int64_t count() const {
        std::int64_t n = 1;
        for (int k = 0; k < rank; ++k) n *= dims[k];
        return n;
    }
    /** Drops dims of size 1 and merges dims that are contiguous with their inner neighbour in both views. */
    void simplify() {
        copy_plan p;
        p.src_base = src_base;
        p.dst_base = dst_base;
        for (int k = 0; k < rank; ++k) {
            if (dims[k] == 1) continue;
            if (p.rank > 0) {
                const int o = p.rank - 1;
                if (p.src[o] == src[k] * dims[k] && p.dst[o] == dst[k] * dims[k]) {
                    p.dims[o] *= dims[k];
                    p.src[o] = src[k];
                    p.dst[o] = dst[k];
                    continue;
                }
            }
            p.add(dims[k], src[k], dst[k]);
        }
        *this = p;
    }
    /** Re-expresses the plan in moves of `wide` bytes instead of `elem` (the caller checked divisibility). */
    void rescale(std::int64_t elem, std::int64_t wide) {
        const std::int64_t f = wide / elem;
        for (int k = 0; k < rank; ++k) {
            if (k == rank - 1) {
                dims[k] /= f;
            } else {
                src[k] /= f;
                dst[k] /= f;
            }
        }
        src_base /= f;
        dst_base /= f;
    }
};

/** Row-major strides of a tensor as a vector. */
inline std::vector<std::int64_t> strides_of(const tensor_ref& t) {
    std::vector<std::int64_t> s(static_cast<std::size_t>(t.rank > 0 ? t.rank : 1), 1);
    if (t.rank > 0) contiguous_strides(t, s.data());
    return s;
}

/** Runs a copy plan between `out` and `in` (elements of `elem` bytes): memcpy when contiguous, else strided_copy. */
template <class Exec>
void run_copy(Exec& ex, copy_plan p, void* out, const void* in, std::int64_t elem) {
    if (p.count() == 0) return;
    p.simplify();
    if (p.rank > max_rank) throw unsupported_node("copy of more than " + std::to_string(max_rank) + " dims");
    if (p.rank == 0) {
        ex.copy(byte_offset(out, p.dst_base * elem), byte_offset(in, p.src_base * elem), elem);
        return;
    }
    if (p.rank == 1 && p.src[0] == 1 && p.dst[0] == 1) {
        ex.copy(byte_offset(out, p.dst_base * elem), byte_offset(in, p.src_base * elem), p.dims[0] * elem);
        return;
    }
    std::int64_t width = elem;
    const int last = p.rank - 1;
    if (p.src[last] == 1 && p.dst[last] == 1) {
        width = widest_move(elem, p.dims[last], {out, in});
        while (width > elem) {
            const std::int64_t f = width / elem;
            bool ok = (p.src_base % f == 0) && (p.dst_base % f == 0);
            for (int k = 0; k < last; ++k) ok = ok && p.src[k] % f == 0 && p.dst[k] % f == 0;
            if (ok) break;
            width /= 2;
        }
        if (width > elem) p.rescale(elem, width);
    }
    visit_width(width, [&](auto tag) {
        using U = typename decltype(tag)::type;
        strided_copy<U> k{};
        k.out = static_cast<U*>(out);
        k.in = static_cast<const U*>(in);
        k.rank = p.rank;
        for (int d = 0; d < p.rank; ++d) {
            k.dims[d] = p.dims[d];
            k.src[d] = p.src[d];
            k.dst[d] = p.dst[d];
        }
        k.src_base = p.src_base;
        k.dst_base = p.dst_base;
        ex.for_each(p.count(), k);
    });
}

/** A plan reading `in` through `src` strides into a contiguous tensor of dims `out`. */
inline copy_plan gather_plan(const tensor_ref& out, const std::int64_t* src, std::int64_t src_base = 0) {
    copy_plan p;
    const auto os = strides_of(out);
    for (int d = 0; d < out.rank; ++d) p.add(out.dims[d], src[d], os[static_cast<std::size_t>(d)]);
    p.src_base = src_base;
    return p;
}

}  // namespace ridgeline::replay::movement_ops
