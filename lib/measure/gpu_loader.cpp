// Loading the GPU plugin (gpu_plugin.hpp) on first use. Nothing here runs before a measuring call
// asks for the plugin, so counting never opens a CUDA library.
//
// Order: find the plugin file; load each CUDA library it needs by soname (RTLD_NOW | RTLD_GLOBAL,
// by absolute path from the first folder that holds it, unless the process has it already), so that
// the plugin's own dependencies then resolve to them whatever its run path says; load the plugin
// (RTLD_LOCAL) and check its table. What is missing is answered as a no_device status naming the
// library and every folder looked in.
//
// CUDA libraries are looked for in RIDGELINE_CUDA_PATH (folders or toolkit roots, ':'-separated),
// then — unless RIDGELINE_CUDA_PATH_ONLY is set — under CUDA_HOME and CUDA_PATH, in the folders the
// build found them in, the toolkit's usual folders (/usr/local/cuda/lib64, its extras/CUPTI/lib64
// and targets/<arch>/lib …), the distribution's library folders, the NVIDIA wheels of Python
// environments (site-packages/nvidia/*/lib: where PyTorch keeps cuDNN), and last the system's
// library path (LD_LIBRARY_PATH, ld.so.cache). The plugin is looked for in RIDGELINE_PLUGIN_PATH
// when that is set (and nowhere else), otherwise next to the program or library holding this code
// and in lib/ beside its folder's parents (up to three levels: <prefix>/lib for <prefix>/bin,
// <build>/lib for <build>/tools/ridgeline), in the build tree and the install's library folder as
// configured, then in RIDGELINE_CUDA_PATH.
#include "gpu_plugin.hpp"

#include <dlfcn.h>
#include <glob.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace ridgeline::detail {

namespace {

namespace fs = std::filesystem;

#ifdef RIDGELINE_GPU_PLUGIN_FILE
constexpr bool built_with_plugin = true;
#else
constexpr bool built_with_plugin = false;
#define RIDGELINE_GPU_PLUGIN_FILE ""
#define RIDGELINE_GPU_LIBRARIES ""
#define RIDGELINE_GPU_LIBRARY_DIRS ""
#define RIDGELINE_GPU_PLUGIN_BUILD_DIR ""
#define RIDGELINE_INSTALL_LIBDIR ""
#endif

/** An ordered list of folders without repeats. */
class folder_list {
public:
    /** Appends `dir` (kept even when it does not exist: the user named it). */
    void add(const std::string& dir) {
        if (dir.empty()) return;
        for (const auto& d : dirs_) {
            if (d == dir) return;
        }
        dirs_.push_back(dir);
    }
    /** Appends `dir` when it is a folder. */
    void add_existing(const std::string& dir) {
        std::error_code ec;
        if (fs::is_directory(dir, ec)) add(dir);
    }
    /** Appends every folder matching a glob pattern, in sorted order. */
    void add_glob(const std::string& pattern) {
        glob_t g{};
        if (::glob(pattern.c_str(), GLOB_ONLYDIR, nullptr, &g) == 0) {
            for (std::size_t i = 0; i < g.gl_pathc; ++i) add(g.gl_pathv[i]);
        }
        ::globfree(&g);
    }
    /** The folders in order. */
    [[nodiscard]] const std::vector<std::string>& dirs() const noexcept { return dirs_; }
    /** "a, b, c". */
    [[nodiscard]] std::string joined() const {
        std::string s;
        for (const auto& d : dirs_) s += (s.empty() ? "" : ", ") + d;
        return s.empty() ? "(no folder)" : s;
    }

private:
    std::vector<std::string> dirs_;
};

/** ':'-separated entries of a string (empty entries dropped). */
std::vector<std::string> split(std::string_view list) {
    std::vector<std::string> out;
    while (!list.empty()) {
        const auto colon = list.find(':');
        if (const auto part = list.substr(0, colon); !part.empty()) out.emplace_back(part);
        if (colon == std::string_view::npos) break;
        list.remove_prefix(colon + 1);
    }
    return out;
}

/** An environment variable's value, or "". */
std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v == nullptr ? std::string() : std::string(v);
}

/** RIDGELINE_CUDA_PATH_ONLY set (to anything but "" or "0"): look nowhere else. */
bool env_only() {
    const auto v = env("RIDGELINE_CUDA_PATH_ONLY");
    return !v.empty() && v != "0";
}

/** A toolkit root (or a lib folder itself): the folder and its library sub-folders that exist. */
void add_toolkit(folder_list& dirs, const std::string& root, bool keep_root) {
    if (root.empty()) return;
    if (keep_root) {
        dirs.add(root);
    } else {
        dirs.add_existing(root);
    }
    for (const char* sub :
         {"lib64", "lib", "extras/CUPTI/lib64", "targets/x86_64-linux/lib", "targets/sbsa-linux/lib"}) {
        dirs.add_existing(root + "/" + sub);
    }
}

/** Site-packages folders of the Python environments this process can see, without running Python. */
folder_list python_site_dirs() {
    folder_list sites;
    const std::string home = env("HOME");
    std::vector<std::string> prefixes;
    for (const char* var : {"VIRTUAL_ENV", "CONDA_PREFIX"}) {
        if (auto p = env(var); !p.empty()) prefixes.push_back(p);
    }
    // The python3 on PATH: its environment (venvs keep site-packages beside bin/, not beside the
    // interpreter they link to) and the interpreter's own installation.
    for (const auto& dir : split(env("PATH"))) {
        const fs::path python = fs::path(dir) / "python3";
        std::error_code ec;
        if (!fs::exists(python, ec)) continue;
        prefixes.push_back(python.parent_path().parent_path().string());
        if (const auto real = fs::canonical(python, ec); !ec)
            prefixes.push_back(real.parent_path().parent_path().string());
        break;
    }
    for (const auto& p : {"/usr/local", "/usr", "/opt/conda"}) prefixes.emplace_back(p);
    if (!home.empty()) {
        for (const char* p : {"/.local", "/miniconda3", "/anaconda3", "/miniforge3"}) prefixes.push_back(home + p);
    }
    for (const auto& p : prefixes) {
        sites.add_glob(p + "/lib/python3*/site-packages");
        sites.add_glob(p + "/lib/python3*/dist-packages");
    }
    sites.add_existing("/usr/lib/python3/dist-packages");
    if (!home.empty()) sites.add_glob(home + "/.pyenv/versions/*/lib/python3*/site-packages");
    return sites;
}

/** The folders a CUDA library is looked for in, in order (see the file comment). */
folder_list cuda_library_dirs() {
    folder_list dirs;
    for (const auto& e : split(env("RIDGELINE_CUDA_PATH"))) add_toolkit(dirs, e, true);
    if (env_only()) return dirs;
    for (const char* var : {"CUDA_HOME", "CUDA_PATH"}) add_toolkit(dirs, env(var), false);
    for (const auto& d : split(RIDGELINE_GPU_LIBRARY_DIRS)) dirs.add_existing(d);
    for (const char* root : {"/usr/local/cuda", "/opt/cuda"}) add_toolkit(dirs, root, false);
    for (const char* d : {"/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib"})
        dirs.add_existing(d);
    const auto sites = python_site_dirs();
    for (const auto& site : sites.dirs()) {
        dirs.add_glob(site + "/nvidia/*/lib");
        dirs.add_glob(site + "/nvidia/*/lib64");
    }
    if (const auto conda = env("CONDA_PREFIX"); !conda.empty()) dirs.add_existing(conda + "/lib");
    return dirs;
}

/** The folder of the program or shared library that holds this code, and of the program itself. */
std::vector<std::string> own_dirs() {
    std::vector<std::string> out;
    Dl_info info{};
    std::error_code ec;
    if (::dladdr(reinterpret_cast<void*>(&gpu_plugin), &info) != 0 && info.dli_fname != nullptr &&
        std::strchr(info.dli_fname, '/') != nullptr) {
        if (const auto p = fs::canonical(info.dli_fname, ec); !ec) out.push_back(p.parent_path().string());
    }
    if (const auto exe = fs::canonical("/proc/self/exe", ec); !ec) out.push_back(exe.parent_path().string());
    return out;
}

/** The folders the plugin is looked for in, in order (see the file comment). */
folder_list plugin_dirs() {
    folder_list dirs;
    if (const auto given = env("RIDGELINE_PLUGIN_PATH"); !given.empty()) {
        for (const auto& e : split(given)) dirs.add(e);
        return dirs;
    }
    for (const auto& d : own_dirs()) {
        dirs.add_existing(d);
        // lib/ beside the folder and its parents: <prefix>/bin → <prefix>/lib when installed,
        // <build>/tools/ridgeline and <build>/tests → <build>/lib in a build tree, wherever it lies.
        fs::path p(d);
        for (int up = 0; up < 3 && p.has_relative_path(); ++up, p = p.parent_path()) {
            dirs.add_existing((p.parent_path() / "lib").string());
            dirs.add_existing((p.parent_path() / "lib64").string());
        }
    }
    dirs.add_existing(RIDGELINE_GPU_PLUGIN_BUILD_DIR);
    dirs.add_existing(RIDGELINE_INSTALL_LIBDIR);
    for (const auto& e : split(env("RIDGELINE_CUDA_PATH"))) dirs.add_existing(e);
    return dirs;
}

/** True when `path` names a file (or a link to one). */
bool is_file(const std::string& path) {
    std::error_code ec;
    return fs::is_regular_file(path, ec);
}

/** Loads one CUDA library (see the file comment); a status naming it and the folders when it cannot. */
measure_status load_library(const std::string& soname, const folder_list& dirs) {
    if (::dlopen(soname.c_str(), RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD) != nullptr) return {};  // already here
    for (const auto& dir : dirs.dirs()) {
        const std::string path = dir + "/" + soname;
        if (!is_file(path)) continue;
        if (::dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL) != nullptr) return {};
        const char* why = ::dlerror();
        return {measure_code::no_device, soname + " (" + path + ") could not be loaded: " + (why ? why : "?")};
    }
    if (!env_only() && ::dlopen(soname.c_str(), RTLD_NOW | RTLD_GLOBAL) != nullptr) return {};
    return {measure_code::no_device, soname + " was not found: looked in " + dirs.joined() +
                                         (env_only() ? "" : " and the system's library path") +
                                         " (set RIDGELINE_CUDA_PATH to the folder that holds it)"};
}

/** Finds, loads and checks the plugin and its libraries (once per process: see gpu_plugin). */
const ridgeline_gpu_plugin* load_plugin(measure_status& why) {
    if (!built_with_plugin) {
        why = {measure_code::not_supported,
               "ridgeline was built without CUDA (configure with the CUDA toolkit and CUPTI installed, "
               "-DRIDGELINE_WITH_CUDA=ON)"};
        return nullptr;
    }
    const std::string file = RIDGELINE_GPU_PLUGIN_FILE;
    const auto dirs = plugin_dirs();
    std::string plugin;
    for (const auto& d : dirs.dirs()) {
        if (is_file(d + "/" + file)) {
            plugin = d + "/" + file;
            break;
        }
    }
    if (plugin.empty()) {
        why = {measure_code::no_device, "the GPU plugin " + file + " was not found: looked in " + dirs.joined() +
                                            " (set RIDGELINE_PLUGIN_PATH to the folder that holds it)"};
        return nullptr;
    }
    const auto libs = cuda_library_dirs();
    for (const auto& soname : split(RIDGELINE_GPU_LIBRARIES)) {
        if (why = load_library(soname, libs); !why) return nullptr;
    }
    void* handle = ::dlopen(plugin.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
        const char* e = ::dlerror();
        why = {measure_code::no_device, "the GPU plugin " + plugin + " could not be loaded: " + (e ? e : "?")};
        return nullptr;
    }
    using entry_fn = const ridgeline_gpu_plugin* (*)();
    const auto entry = reinterpret_cast<entry_fn>(::dlsym(handle, gpu_plugin_entry));
    const ridgeline_gpu_plugin* table = entry != nullptr ? entry() : nullptr;
    if (table == nullptr || table->abi != gpu_plugin_abi || table->layout != gpu_plugin_layout() ||
        std::strcmp(table->build, gpu_plugin_build) != 0) {
        why = {measure_code::no_device, "the GPU plugin " + plugin + " belongs to another build of ridgeline (" +
                                            (table != nullptr ? table->build : "no entry point") + "; this is " +
                                            gpu_plugin_build + "): point RIDGELINE_PLUGIN_PATH at this build's"};
        return nullptr;
    }
    why = {measure_code::ok, plugin};
    return table;
}

}  // namespace

std::vector<std::string> cuda_library_folders() { return cuda_library_dirs().dirs(); }

std::vector<std::string> gpu_plugin_folders() { return plugin_dirs().dirs(); }

const ridgeline_gpu_plugin* gpu_plugin(measure_status& why) {
    struct loaded {
        const ridgeline_gpu_plugin* table = nullptr;
        measure_status status;
    };
    static const loaded once = [] {
        loaded l;
        l.table = load_plugin(l.status);
        return l;
    }();
    why = once.status;
    return once.table;
}

}  // namespace ridgeline::detail
