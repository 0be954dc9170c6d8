// Private: what NVTX_INJECTION64_PATH must name for NVTX ranges to reach the CUPTI this process
// records with. NVTX reads the variable once per module, at that module's first NVTX call, and
// dlopens the file it names; a libcupti other than the one the GPU plugin loaded (the toolkit's
// when the plugin took a Python wheel's, or the other way round) is a second, separate CUPTI
// that nobody enabled, and every range goes to it. Pure C++ (no CUDA), so it is unit-tested.
//
// @code
// if (auto v = nvtx_injection_path(std::getenv("NVTX_INJECTION64_PATH"), cupti_library_path()))
//     ::setenv("NVTX_INJECTION64_PATH", v->c_str(), 1);
// @endcode
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace ridgeline::detail {

/**
 * The value NVTX_INJECTION64_PATH needs so that NVTX hands its calls to `ours` (the libcupti the
 * collector uses), or nullopt to leave it as it is: unset or empty → `ours`; already `ours` (the
 * same file through any link) → leave; another libcupti (file name `libcupti*`) → `ours`; anything
 * else (another tool's injection library: Nsight's, ridgeline's own) → leave, the user chose it.
 * Nothing to set when `ours` is unknown (empty).
 */
inline std::optional<std::string> nvtx_injection_path(const char* current, const std::string& ours) {
    if (ours.empty()) return std::nullopt;
    if (current == nullptr || *current == '\0') return ours;
    namespace fs = std::filesystem;
    std::error_code ec;
    if (fs::equivalent(current, ours, ec) && !ec) return std::nullopt;
    const std::string name = fs::path(current).filename().string();
    if (std::string_view(name).substr(0, 8) == "libcupti") return ours;
    return std::nullopt;
}

}  // namespace ridgeline::detail
