// Private: IEEE fp16 and bfloat16 as 16-bit patterns, converted to and from fp32 — one
// implementation for the library. Conversions to fp32 are exact; from fp32 they round to nearest
// even (fp16: values at or past 65520 become infinity; NaN stays NaN). Compiled by the host
// compiler and, inside the replay executor's kernels, by nvcc for the device (the functions are
// then __host__ __device__), so it includes no CUDA header and uses nothing but bit operations.
//
// @code
// const float x = ridgeline::detail::half_bits_to_float(0x3c00);    // 1.0f
// const std::uint16_t h = ridgeline::detail::float_to_half_bits(x);  // 0x3c00
// @endcode
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__CUDACC__)
#define RIDGELINE_HOST_DEVICE __host__ __device__
#else
#define RIDGELINE_HOST_DEVICE
#endif

namespace ridgeline::detail {

/** The bits of a float. */
RIDGELINE_HOST_DEVICE inline std::uint32_t float_bits(float f) {
#if defined(__CUDA_ARCH__)
    return __float_as_uint(f);
#else
    std::uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
#endif
}

/** The float of some bits. */
RIDGELINE_HOST_DEVICE inline float bits_float(std::uint32_t u) {
#if defined(__CUDA_ARCH__)
    return __uint_as_float(u);
#else
    float f;
    std::memcpy(&f, &u, 4);
    return f;
#endif
}

/** fp16 bits → fp32 (exact; subnormals, infinities and NaNs kept). */
RIDGELINE_HOST_DEVICE inline float half_bits_to_float(std::uint16_t h) {
    const std::uint32_t sign = (h & 0x8000u) << 16;
    const std::uint32_t exp = (h >> 10) & 0x1f;
    const std::uint32_t man = h & 0x3ffu;
    if (exp == 0x1f) return bits_float(sign | 0x7f800000u | (man << 13));  // inf / nan
    if (exp == 0) {
        if (man == 0) return bits_float(sign);
        // subnormal: value = man · 2^-24
        const float v = static_cast<float>(man) * 5.9604644775390625e-08f;
        return sign ? -v : v;
    }
    return bits_float(sign | ((exp + 112) << 23) | (man << 13));
}

/** fp32 → fp16 bits, round to nearest even; overflow → inf. */
RIDGELINE_HOST_DEVICE inline std::uint16_t float_to_half_bits(float f) {
    const std::uint32_t u = float_bits(f);
    const std::uint32_t sign = (u >> 16) & 0x8000u;
    const std::uint32_t abs = u & 0x7fffffffu;
    if (abs >= 0x7f800000u) return static_cast<std::uint16_t>(sign | 0x7c00u | (abs > 0x7f800000u ? 0x200u : 0));
    if (abs >= 0x477ff000u) return static_cast<std::uint16_t>(sign | 0x7c00u);  // ≥ 65520 rounds to inf
    if (abs < 0x38800000u) {                            // below the smallest normal half: subnormal or zero
        const float v = bits_float(abs) * 16777216.0f;  // · 2^24: the subnormal's integer mantissa
        const float r = nearbyintf(v);                  // ties to even (default rounding mode)
        return static_cast<std::uint16_t>(sign | static_cast<std::uint32_t>(r));
    }
    const std::uint32_t rounded = abs + 0xfffu + ((abs >> 13) & 1u);
    return static_cast<std::uint16_t>(sign | ((rounded - 0x38000000u) >> 13));
}

/** bfloat16 bits → fp32 (exact). */
RIDGELINE_HOST_DEVICE inline float bf16_bits_to_float(std::uint16_t b) {
    return bits_float(static_cast<std::uint32_t>(b) << 16);
}

/** fp32 → bfloat16 bits, round to nearest even (NaN kept NaN). */
RIDGELINE_HOST_DEVICE inline std::uint16_t float_to_bf16_bits(float f) {
    const std::uint32_t u = float_bits(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>((u >> 16) | 0x40u);
    return static_cast<std::uint16_t>((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

}  // namespace ridgeline::detail
