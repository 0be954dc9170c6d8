/**
 * @file measure_commands.hpp
 * The measurement subcommands of the `ridgeline` tool, thin layers over measure.hpp and validate.hpp:
 *
 *     ridgeline ceilings --hw ID [-o SPEC.yaml] [--device N] [--quick]
 *     ridgeline trace [-o OUT.json] [--inject LIB] [--no-nvtx] -- COMMAND [ARGS...]
 *     ridgeline import-trace TRACE.json [-o OUT.json] [--chrome OUT.chrome.json]
 *     ridgeline validate MODEL --hw ID --trace FILE [--batch N] [--set S=N ...] [--input NAME=d0,...]
 *                        [--dtype fp32|tf32|fp16|bf16] [--method auto|external-id|ranges|sequence]
 *                        [--window RANGE] [--passes N] [--fused] [--format table|json] [--top N]
 *
 * Exit status: 0 done; 1 bad input (ridgeline's exceptions, reported by the tool's main); 2 usage;
 * 3 measurement not possible here (built without CUDA, or no GPU/driver: the message says which);
 * `trace` otherwise returns the traced command's own status.
 *
 * @code
 * CLI::App app{"ridgeline"};
 * int measure_exit = -1;                    // stays -1 unless a measurement subcommand ran
 * add_measure_commands(app, measure_exit);
 * app.parse(argc, argv);
 * if (measure_exit >= 0) return measure_exit;
 * @endcode
 */
#pragma once

#include <CLI/CLI.hpp>

/**
 * Registers `ceilings`, `trace`, `import-trace` and `validate` on `app`. Each subcommand's callback
 * does the work and sets `exit_code` (≥ 0; see the file comment); bad input raises ridgeline's
 * exceptions, which the tool's main reports.
 * @code int measure_exit = -1; add_measure_commands(app, measure_exit); @endcode
 */
void add_measure_commands(CLI::App& app, int& exit_code);
