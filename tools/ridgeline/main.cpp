// ridgeline: the command-line tool, a thin layer over the public API (commands.hpp).
//   ridgeline analyze MODEL [--hw ID] [--batch N] [--set S=N ...] [--input NAME=d0,d1,...]
//                     [--dtype fp32|tf32|fp16|bf16|fp8|int8] [--format table|csv|json|md] [--top N]
//                     [--fused] [--training] [--last-percent K] [--from NODE] [--to NODE] [--after TENSOR]
//   ridgeline shapes MODEL [bindings]        every value's inferred shape
//   ridgeline maxbatch MODEL --hw ID [bindings] [--dtype ...]
//   ridgeline sweep MODEL --hw A,B --batch 1,8,32 [--image ...] [--seq ...] [--format ...]
//   ridgeline compare MODEL... --hw A,B --batch N
//   ridgeline report MODEL --hw A,B -o report.html
//   ridgeline llm MODEL --hw ID [--batch 1,8] [--context 128,512] [--prompt N] [--gen N] [--dtype ...]
//   ridgeline check-sample SAMPLE.json [--zoo DIR] [--hw ID] [--fit]
//   ridgeline calibrate --from MICROBENCH.json --hw ID [-o SPEC.yaml]   efficiency curves
//   ridgeline ceilings --hw ID [-o SPEC.yaml] [--device N] [--quick]        (CUDA builds, on a GPU)
//   ridgeline trace [-o OUT.json] [--inject LIB] [--no-nvtx] -- COMMAND [ARGS...]
//   ridgeline import-trace TRACE.json [-o OUT.json] [--chrome OUT.chrome.json]
//   ridgeline validate MODEL --hw ID --trace FILE [bindings] [--dtype ...]
//   ridgeline replay MODEL [--hw ID] [bindings] [--dtype ...] [--plan] ...
//   ridgeline hw list | ridgeline hw show ID
// Errors go to stderr with exit status 1 (bad input) or 2 (bad usage: every parse error, each
// naming the flag); 3: a measurement is not possible here.
#include "commands.hpp"

#include "ridgeline/error.hpp"
#include "ridgeline/units.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

namespace {

int run(int argc, char** argv) {
    using namespace ridgeline::cli;
    CLI::App app{"ridgeline: FLOPs, bytes, rooflines and predicted latency for ONNX models"};
    app.require_subcommand(1);
    std::vector<command> commands;
    for (auto* add : {add_analysis_commands, add_llm_command, add_report_command, add_measure_commands,
                      add_replay_command, add_calibrate_command}) {
        for (auto& c : add(app)) commands.push_back(std::move(c));
    }
    // An unknown command word (CLI11 would only say "A subcommand is required"), named, with the
    // commands there are: at the top level, and under a command that has its own (hw list|show).
    CLI::App* level = &app;
    std::string words = "ridgeline";
    for (int i = 1; i < argc && argv[i][0] != '-'; ++i) {
        const auto subs = level->get_subcommands({});
        if (subs.empty()) break;
        CLI::App* next = nullptr;
        std::string known;
        for (auto* s : subs) {
            if (s->check_name(argv[i])) next = s;
            known += (known.empty() ? "" : ", ") + s->get_name();
        }
        if (next == nullptr) {
            std::cerr << words << ": unknown command '" << ridgeline::escape_invalid_utf8(argv[i])
                      << "' (commands: " << known << "; " << words << " --help)\n";
            return usage_exit;
        }
        level = next;
        words += " " + next->get_name();
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // --help and --version exit 0 as CLI11 says; every other parse error (a value a check
        // refuses, an unknown flag, a missing or repeated option) is a usage error: 2, as the
        // README promises, not CLI11's own codes (104, 105, 106, 109, 114 …).
        const int code = app.exit(e);
        return code == 0 ? 0 : usage_exit;
    }
    for (const auto& c : commands) {
        if (c.app->parsed()) return c.run();
    }
    return usage_exit;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const ridgeline::usage_error& e) {
        std::cerr << "ridgeline: " << ridgeline::escape_invalid_utf8(e.what()) << '\n';
        return ridgeline::cli::usage_exit;
    } catch (const std::exception& e) {
        std::cerr << "ridgeline: " << ridgeline::escape_invalid_utf8(e.what()) << '\n';
        return 1;
    }
}
