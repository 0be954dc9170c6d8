// The measurement subcommands (commands.hpp): ceilings, trace, import-trace, validate.
//
//     ridgeline ceilings --hw ID [-o SPEC.yaml] [--device N] [--quick]
//     ridgeline trace [-o OUT.json] [--inject LIB] [--no-nvtx] -- COMMAND [ARGS...]
//     ridgeline import-trace TRACE.json [-o OUT.json] [--chrome OUT.chrome.json]
//     ridgeline validate MODEL --hw ID --trace FILE [--batch N] [--set S=N ...] [--input NAME=d0,...]
//                        [--dtype fp32|tf32|fp16|bf16] [--method auto|external-id|ranges|sequence]
//                        [--window RANGE] [--passes N] [--fused] [--format table|json] [--top N]
#include "commands.hpp"

#include "ridgeline/error.hpp"
#include "ridgeline/hardware.hpp"
#include "ridgeline/measure.hpp"
#include "ridgeline/pipeline.hpp"
#include "ridgeline/report.hpp"
#include "ridgeline/validate.hpp"

#include <fmt/format.h>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

extern char** environ;

namespace ridgeline::cli {
namespace {

namespace fs = std::filesystem;

// ---- ceilings --------------------------------------------------------------------------------

struct ceilings_args {
    std::string hw;
    std::string output;
    int device = 0;
    bool quick = false;
};

std::string read_text(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw error(path + ": cannot open");
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

int run_ceilings(const ceilings_args& a) {
    const auto hw = load_hw(a.hw);
    ceilings_options o;
    o.device = a.device;
    if (a.quick) {
        o.copy_bytes = 256LL << 20;
        o.matmul_size = 4096;
        o.repeats = 5;
        o.launches = 500;
    }
    const auto m = measure_ceilings(o);
    if (!m.status) return report_status("ceilings", m.status);

    write_ceilings_table(std::cout, m, hw);

    if (!a.output.empty()) {
        const std::string updated = with_measured_section(read_text(hw.path), m);
        // Check that the result still loads (the spec reader insists that id = file stem).
        const auto dir = fs::temp_directory_path() / fmt::format("ridgeline-ceilings-{}", ::getpid());
        fs::create_directories(dir);
        const auto probe = dir / (hw.id + ".yaml");
        {
            std::ofstream f(probe, std::ios::binary);
            f << updated;
        }
        try {
            (void)load_hw_file(probe.string());
        } catch (...) {
            fs::remove_all(dir);
            throw;
        }
        fs::remove_all(dir);
        std::ofstream f(a.output, std::ios::binary);
        if (!f) throw error(a.output + ": cannot open for writing");
        f << updated;
        if (!f) throw error(a.output + ": write failed");
        std::cout << "\nwrote " << a.output << " (" << hw.path << " with its measured: section replaced)\n";
    }
    return 0;
}

// ---- trace -----------------------------------------------------------------------------------

struct trace_args {
    std::string output = "ridgeline_trace.json";
    std::string inject;
    bool no_nvtx = false;
    std::vector<std::string> command;
};

std::string find_inject_library(const std::string& given) {
    std::vector<std::string> candidates;
    if (!given.empty()) candidates.push_back(given);
    if (const char* env = std::getenv("RIDGELINE_INJECT_LIBRARY"); env && *env) candidates.emplace_back(env);
#ifdef RIDGELINE_INJECT_LIBRARY_BUILD
    candidates.emplace_back(RIDGELINE_INJECT_LIBRARY_BUILD);
#endif
#ifdef RIDGELINE_INJECT_LIBRARY_INSTALLED
    candidates.emplace_back(RIDGELINE_INJECT_LIBRARY_INSTALLED);
#endif
    // A copied tree (the GPU kit: bin/ridgeline beside lib/): next to the tool, and in ../lib.
    std::error_code ec;
    if (const auto exe = fs::canonical("/proc/self/exe", ec); !ec) {
        candidates.push_back((exe.parent_path() / "libridgeline_inject.so").string());
        candidates.push_back((exe.parent_path().parent_path() / "lib" / "libridgeline_inject.so").string());
    }
    for (const auto& c : candidates) {
        if (fs::exists(c)) return fs::absolute(c).string();
    }
    if (!given.empty()) throw usage_error("--inject " + given + ": no such file");
    throw error("cannot find libridgeline_inject.so (give --inject PATH or set RIDGELINE_INJECT_LIBRARY)");
}

int run_trace(trace_args a) {
    if (!a.command.empty() && a.command.front() == "--") a.command.erase(a.command.begin());
    if (a.command.empty())
        throw usage_error("trace: give the command to run, e.g. ridgeline trace -o t.json -- python3 run.py");
    if (!built_with_cuda()) {
        return report_status("trace", {measure_code::not_supported,
                                       "ridgeline was built without CUDA, so there is no injection library "
                                       "(configure with the CUDA toolkit and CUPTI, -DRIDGELINE_WITH_CUDA=ON)"});
    }
    if (auto s = check_gpu(0); !s) return report_status("trace", s);
    const std::string lib = find_inject_library(a.inject);
    const std::string out = fs::absolute(a.output).string();
    std::error_code ec;
    fs::remove(out, ec);
    ::setenv("CUDA_INJECTION64_PATH", lib.c_str(), 1);
    if (!a.no_nvtx && std::getenv("NVTX_INJECTION64_PATH") == nullptr)
        ::setenv("NVTX_INJECTION64_PATH", lib.c_str(), 1);
    if (a.no_nvtx) ::setenv("RIDGELINE_TRACE_NVTX", "0", 1);
    ::setenv("RIDGELINE_TRACE_OUT", out.c_str(), 1);

    std::vector<char*> argv;
    for (auto& s : a.command) argv.push_back(s.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    if (const int rc = ::posix_spawnp(&pid, argv[0], nullptr, nullptr, argv.data(), environ); rc != 0) {
        throw error("trace: cannot run '" + a.command.front() + "': " + std::strerror(rc));
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) throw error(std::string("trace: waitpid failed: ") + std::strerror(errno));
    }
    const int child = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    if (!fs::exists(out)) {
        std::cerr << "ridgeline trace: no trace was written to " << out << " (the program exited with " << child
                  << " and never initialised CUDA through the driver, or it was killed before exit)\n";
        return child != 0 ? child : not_available_exit;
    }
    const auto t = load_trace(out);
    std::cout << "trace of '" << a.command.front() << "' (exit status " << child << ") in " << out << ":\n";
    write_trace_summary(std::cout, t);
    if (t.count(activity_kind::kernel) == 0) {
        // A trace without kernels measures nothing: an error, never a kernel time of zero.
        std::cerr << "ridgeline trace: no kernel was recorded in " << out << " (" << t.records.size()
                  << " other records, " << t.ranges.size()
                  << " ranges): the program launched none, or CUPTI's kernel records never reached the trace\n";
        return child != 0 ? child : 1;
    }
    return child;
}

// ---- import-trace ----------------------------------------------------------------------------

struct import_args {
    std::string input;
    std::string output;
    std::string chrome;
};

int run_import(const import_args& a) {
    const auto t = load_trace(a.input);
    if (a.output.empty() && a.chrome.empty()) {
        write_trace_json(std::cout, t);
    } else {
        if (!a.output.empty()) save_trace(t, a.output);
        if (!a.chrome.empty()) save_chrome_trace(t, a.chrome);
    }
    std::cerr << a.input << " (" << (t.source.empty() ? "trace" : t.source) << "): ";
    write_trace_summary(std::cerr, t);
    return 0;
}

// ---- validate --------------------------------------------------------------------------------

struct validate_args {
    model_options model;
    std::string trace_path;
    std::string method = "auto";
    std::string window;
    int passes = 0;
    bool fused = false;
    std::string format = "table";
    std::size_t top = 25;
};

int run_validate(const validate_args& a) {
    require_table_or_json(a.format);
    validate_options vo;
    vo.method = parse_attribution(a.method);
    vo.window = a.window;
    vo.passes = a.passes;
    auto r = make_request(a.model);
    r.fused = a.fused;
    const auto p = predict_model(r);
    const auto& d = p.device();
    const auto t = load_trace(a.trace_path);
    const auto v = validate(p.m, d.latency, t, vo);
    if (a.format == "json") {
        write_validation_json(std::cout, v);
    } else {
        std::cout << fmt::format("{} on {} against {} ({})\n", fs::path(p.path).filename().string(), d.hw.id,
                                 a.trace_path, t.source.empty() ? "trace" : t.source);
        write_validation_table(std::cout, v, a.top);
    }
    return 0;
}

}  // namespace

std::vector<command> add_measure_commands(CLI::App& app) {
    auto c = std::make_shared<ceilings_args>();
    auto* ceil = app.add_subcommand("ceilings", "measure a GPU's achievable ceilings (CUDA build, GPU needed)");
    ceil->add_option("--hw", c->hw, "spec to compare with (and to update with -o)")->required();
    ceil->add_option("-o,--output", c->output, "write the spec with its measured: section replaced to this file");
    ceil->add_option("--device", c->device, "CUDA device index (default 0)");
    ceil->add_flag("--quick", c->quick, "smaller sizes and fewer repeats (a rough figure in about a second)");

    auto t = std::make_shared<trace_args>();
    auto* tr = app.add_subcommand("trace", "run a command under the injection library and collect its GPU trace");
    tr->add_option("-o,--output", t->output, "trace file (ridgeline JSON; a .chrome.json lands next to it)");
    tr->add_option("--inject", t->inject, "path of libridgeline_inject.so (default: the one built with this tool)");
    tr->add_flag("--no-nvtx", t->no_nvtx, "do not record NVTX ranges");
    // Everything after "--" is the program's (ridgeline trace -o t.json -- python3 run.py --batch 8).
    tr->add_option("command", t->command, "the program and its arguments, after --");

    auto i = std::make_shared<import_args>();
    auto* im =
        app.add_subcommand("import-trace", "convert a torch.profiler/Kineto (or ridgeline) trace to ridgeline JSON");
    im->add_option("trace", i->input, "trace JSON (Chrome-trace format, e.g. from torch.profiler)")->required();
    im->add_option("-o,--output", i->output, "ridgeline trace JSON to write (default: standard output)");
    im->add_option("--chrome", i->chrome, "also write Chrome-trace JSON (Perfetto) to this file");

    auto v = std::make_shared<validate_args>();
    auto* va = app.add_subcommand("validate", "predicted vs measured kernel time, node by node");
    add_model_options(va, v->model, "precision the model ran in: fp32, tf32, fp16, bf16");
    va->add_option("--trace", v->trace_path, "trace file (ridgeline JSON or torch.profiler Chrome trace)")->required();
    va->add_option("--method", v->method, "attribution: auto, external-id, ranges or sequence");
    va->add_option("--window", v->window, "only kernels inside ranges of this name (one per measured pass)");
    va->add_option("--passes", v->passes, "divide measured times by this (default: number of windows, else 1)");
    va->add_flag("--fused", v->fused, "predict with fused elementwise chains (compiled runs)");
    va->add_option("--format,-f", v->format, "table or json");
    va->add_option("--top", v->top, "table: rows shown (0 = all)");
    va->add_option("--hw", v->model.hw, "hardware spec id")->required();
    return {{ceil, [c] { return run_ceilings(*c); }},
            {tr, [t] { return run_trace(*t); }},
            {im, [i] { return run_import(*i); }},
            {va, [v] { return run_validate(*v); }}};
}

}  // namespace ridgeline::cli
