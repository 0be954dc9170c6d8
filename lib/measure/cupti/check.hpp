// Private: the one place that turns CUPTI, CUDA runtime and cuBLASLt error codes into ridgeline's status values.
// Every CUPTI/CUDA/cuBLASLt call in lib/measure goes through RIDGELINE_CUPTI_CHECK, RIDGELINE_CUDA_CHECK
// or RIDGELINE_CUBLAS_CHECK,
// which return a measure_status from the enclosing function on failure (never throw, never exit).
#pragma once

#include "ridgeline/measure.hpp"

#include <cublasLt.h>
#include <cuda_runtime_api.h>
#include <cupti.h>

#include <string>

namespace ridgeline::detail {

/** Status for a failed CUPTI call: which call, CUPTI's own words, and a hint for the no-GPU case. */
inline measure_status cupti_status(CUptiResult r, const char* call) {
    const char* text = nullptr;
    if (cuptiGetResultString(r, &text) != CUPTI_SUCCESS || text == nullptr) text = "unknown CUPTI error";
    std::string msg =
        std::string(call) + " failed: " + text + " (CUPTI error " + std::to_string(static_cast<int>(r)) + ")";
    switch (r) {
        case CUPTI_ERROR_INVALID_DEVICE:
            return {measure_code::no_device, msg};
        case CUPTI_ERROR_UNKNOWN:
        case CUPTI_ERROR_NOT_INITIALIZED:
        case CUPTI_ERROR_NOT_READY:
            // What CUPTI answers on a machine without a GPU driver.
            return {measure_code::no_device, msg + "; is there an NVIDIA GPU and driver on this machine?"};
        case CUPTI_ERROR_INSUFFICIENT_PRIVILEGES:
            return {measure_code::error, msg + "; profiling may need NVreg_RestrictProfilingToAdminUsers=0 or root"};
        case CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED:
            return {measure_code::error, msg + "; another profiler (Nsight, torch.profiler) holds CUPTI"};
        default:
            return {measure_code::error, msg};
    }
}

/** Status for a failed CUDA runtime call; "no driver / no device" answers are no_device. */
inline measure_status cuda_status(cudaError_t e, const char* call) {
    std::string msg = std::string(call) + " failed: " + cudaGetErrorName(e) + " (" + cudaGetErrorString(e) + ")";
    switch (e) {
        case cudaErrorNoDevice:
        case cudaErrorInsufficientDriver:
        case cudaErrorInvalidDevice:
        case cudaErrorDevicesUnavailable:
        case cudaErrorStubLibrary:
        case cudaErrorCallRequiresNewerDriver:
        case cudaErrorSystemDriverMismatch:
        case cudaErrorCompatNotSupportedOnDevice:
            return {measure_code::no_device, msg};
        default:
            return {measure_code::error, msg};
    }
}

/** Status for a failed cuBLASLt call (always error: the device itself was usable). */
inline measure_status cublas_status(cublasStatus_t s, const char* call) {
    return {measure_code::error,
            std::string(call) + " failed: " + cublasLtGetStatusName(s) + " (" + cublasLtGetStatusString(s) + ")"};
}

}  // namespace ridgeline::detail

/** Calls a CUPTI function; on failure returns its measure_status from the enclosing function. */
#define RIDGELINE_CUPTI_CHECK(call)                                                   \
    do {                                                                              \
        const CUptiResult ridgeline_cupti_result_ = (call);                           \
        if (ridgeline_cupti_result_ != CUPTI_SUCCESS) {                               \
            return ::ridgeline::detail::cupti_status(ridgeline_cupti_result_, #call); \
        }                                                                             \
    } while (false)

/** Calls a cuBLASLt function; on failure returns its measure_status from the enclosing function. */
#define RIDGELINE_CUBLAS_CHECK(call)                                                    \
    do {                                                                                \
        const cublasStatus_t ridgeline_cublas_result_ = (call);                         \
        if (ridgeline_cublas_result_ != CUBLAS_STATUS_SUCCESS) {                        \
            return ::ridgeline::detail::cublas_status(ridgeline_cublas_result_, #call); \
        }                                                                               \
    } while (false)

/** Calls a CUDA runtime function; on failure returns its measure_status from the enclosing function. */
#define RIDGELINE_CUDA_CHECK(call)                                                  \
    do {                                                                            \
        const cudaError_t ridgeline_cuda_result_ = (call);                          \
        if (ridgeline_cuda_result_ != cudaSuccess) {                                \
            return ::ridgeline::detail::cuda_status(ridgeline_cuda_result_, #call); \
        }                                                                           \
    } while (false)
