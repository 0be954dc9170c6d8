// Math functions for replay kernels that resolve to the right overload on host and device, for the
// compute types float and double (nvcc's global float overloads and <cmath>'s std:: ones differ).
#pragma once

#include "core.hpp"

#include <cmath>

namespace ridgeline::replay::math {

#if defined(__CUDA_ARCH__)
#define RL_MATH1(name, f32, f64)                          \
    RL_HD inline float name(float x) { return ::f32(x); } \
    RL_HD inline double name(double x) { return ::f64(x); }
#define RL_MATH2(name, f32, f64)                                      \
    RL_HD inline float name(float x, float y) { return ::f32(x, y); } \
    RL_HD inline double name(double x, double y) { return ::f64(x, y); }
#else
#define RL_MATH1(name, f32, f64)                       \
    inline float name(float x) { return std::f64(x); } \
    inline double name(double x) { return std::f64(x); }
#define RL_MATH2(name, f32, f64)                                   \
    inline float name(float x, float y) { return std::f64(x, y); } \
    inline double name(double x, double y) { return std::f64(x, y); }
#endif

RL_MATH1(exp, expf, exp)
RL_MATH1(log, logf, log)
RL_MATH1(sqrt, sqrtf, sqrt)
RL_MATH1(tanh, tanhf, tanh)
RL_MATH1(erf, erff, erf)
RL_MATH1(fabs, fabsf, fabs)
RL_MATH1(floor, floorf, floor)
RL_MATH1(ceil, ceilf, ceil)
RL_MATH1(nearbyint, nearbyintf, nearbyint)
RL_MATH1(sin, sinf, sin)
RL_MATH1(cos, cosf, cos)
RL_MATH1(tan, tanf, tan)
RL_MATH1(asin, asinf, asin)
RL_MATH1(acos, acosf, acos)
RL_MATH1(atan, atanf, atan)
RL_MATH1(sinh, sinhf, sinh)
RL_MATH1(cosh, coshf, cosh)
RL_MATH1(asinh, asinhf, asinh)
RL_MATH1(acosh, acoshf, acosh)
RL_MATH1(atanh, atanhf, atanh)
RL_MATH1(log1p, log1pf, log1p)
RL_MATH1(expm1, expm1f, expm1)
RL_MATH2(pow, powf, pow)
RL_MATH2(fmod, fmodf, fmod)

#undef RL_MATH1
#undef RL_MATH2

/** True for NaN. */
template <class V>
RL_HD inline bool isnan(V x) {
    return x != x;
}

}  // namespace ridgeline::replay::math
