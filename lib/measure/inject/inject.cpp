// libridgeline_inject.so: traces an unmodified CUDA program.
//
//   export CUDA_INJECTION64_PATH=/path/libridgeline_inject.so NVTX_INJECTION64_PATH=/path/libridgeline_inject.so
//   RIDGELINE_TRACE_OUT=model.json python3 run_model.py      (or: ridgeline trace -o model.json -- python3 ...)
//
// The CUDA driver loads the library at cuInit and calls InitializeInjection(); recording starts there
// and the trace is written at process exit: ridgeline JSON to $RIDGELINE_TRACE_OUT (default
// ridgeline_trace.json; "%p" in it becomes the process id) and Chrome-trace JSON next to it
// (x.json → x.chrome.json). NVTX tools are found through NVTX_INJECTION64_PATH, so the library also
// answers InitializeInjectionNvtx2 by handing NVTX to the CUPTI it uses. Environment:
//   RIDGELINE_TRACE_NVTX=0      no NVTX ranges        RIDGELINE_TRACE_LAUNCHES=0   no launch records
//   RIDGELINE_TRACE_MEMCPY=0    no memcpy/memset      RIDGELINE_TRACE_QUIET=1      no message at exit
#include "../cupti/activity.hpp"

#include "ridgeline/measure.hpp"

#include <cupti.h>
#include <dlfcn.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <string>

namespace {

bool env_off(const char* name) {
    const char* v = std::getenv(name);
    return v != nullptr && (std::string(v) == "0" || std::string(v) == "off" || std::string(v) == "false");
}

bool quiet() {
    const char* v = std::getenv("RIDGELINE_TRACE_QUIET");
    return v != nullptr && std::string(v) != "0";
}

std::string output_path() {
    const char* env = std::getenv("RIDGELINE_TRACE_OUT");
    std::string path = env != nullptr && *env != '\0' ? env : "ridgeline_trace.json";
    if (const auto p = path.find("%p"); p != std::string::npos) path.replace(p, 2, std::to_string(::getpid()));
    return path;
}

std::string chrome_path(const std::string& path) {
    if (path.size() > 5 && path.compare(path.size() - 5, 5, ".json") == 0)
        return path.substr(0, path.size() - 5) + ".chrome.json";
    return path + ".chrome.json";
}

std::once_flag started;
bool recording = false;
pid_t recording_pid = 0;

void write_at_exit() {
    if (!recording || ::getpid() != recording_pid) return;  // a forked child does not own the recording
    recording = false;
    ridgeline::trace t;
    const auto s = ridgeline::detail::activity_stop(t);
    t.source = "inject";
    const auto path = output_path();
    try {
        ridgeline::save_trace(t, path);
        ridgeline::save_chrome_trace(t, chrome_path(path));
        if (!quiet()) {
            std::fprintf(stderr, "ridgeline_inject: %zu kernels, %zu memcpy, %zu memset, %zu ranges -> %s (+ %s)%s%s\n",
                         t.count(ridgeline::activity_kind::kernel), t.count(ridgeline::activity_kind::memcpy),
                         t.count(ridgeline::activity_kind::memset), t.ranges.size(), path.c_str(),
                         chrome_path(path).c_str(), s.ok() ? "" : "; ", s.ok() ? "" : s.message.c_str());
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ridgeline_inject: %s\n", e.what());
    }
}

void start_recording() {
    std::call_once(started, [] {
        ridgeline::detail::activity_config config;
        config.nvtx = !env_off("RIDGELINE_TRACE_NVTX");
        config.launches = !env_off("RIDGELINE_TRACE_LAUNCHES");
        config.memcpy = config.memset = !env_off("RIDGELINE_TRACE_MEMCPY");
        const auto s = ridgeline::detail::activity_start(config);
        if (!s) {
            std::fprintf(stderr, "ridgeline_inject: not recording: %s\n", s.message.c_str());
            return;
        }
        recording = true;
        recording_pid = ::getpid();
        std::atexit(write_at_exit);
    });
}

}  // namespace

extern "C" {

/** Called by the CUDA driver at cuInit when CUDA_INJECTION64_PATH names this library. */
__attribute__((visibility("default"))) int InitializeInjection(void) {
    start_recording();
    return 1;
}

/** Called by NVTX on a module's first NVTX call when NVTX_INJECTION64_PATH names this library. */
__attribute__((visibility("default"))) int InitializeInjectionNvtx2(const void* get_export_table) {
    start_recording();  // NVTX may come before CUDA: record from here
    const auto cupti = ridgeline::detail::cupti_library_path();
    if (cupti.empty()) return 0;
    void* handle = ::dlopen(cupti.c_str(), RTLD_LAZY | RTLD_NOLOAD);
    if (handle == nullptr) return 0;
    using init_fn = int (*)(const void*);
    auto* init = reinterpret_cast<init_fn>(::dlsym(handle, "InitializeInjectionNvtx2"));
    return init != nullptr ? init(get_export_table) : 0;
}

}  // extern "C"
