// Private: finding and loading the GPU plugin (gpu_loader.cpp; its interface is gpu_plugin.hpp).
// Nothing here runs before a measuring call asks for the plugin.
//
// @code
// measure_status why;
// if (ridgeline::detail::gpu_plugin(why) == nullptr) std::cerr << why.message << '\n';  // names what is missing
// @endcode
#pragma once

#include "ridgeline/measure.hpp"

#include <string>
#include <vector>

extern "C" struct ridgeline_gpu_plugin;

namespace ridgeline::detail {

/**
 * The GPU plugin, loaded on first use with the CUDA libraries it needs, or null with `why` saying
 * what is missing and where it was looked for (not_supported in a build without CUDA, no_device
 * when a library or the plugin is missing or belongs to another build). Thread-safe; loads once
 * per process.
 */
const ridgeline_gpu_plugin* gpu_plugin(measure_status& why);

/** The folders CUDA libraries are looked for in, in order, from the environment as it is now. */
std::vector<std::string> cuda_library_folders();

/** The folders the GPU plugin is looked for in, in order, from the environment as it is now. */
std::vector<std::string> gpu_plugin_folders();

}  // namespace ridgeline::detail
