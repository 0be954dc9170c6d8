/**
 * @file commands.hpp
 * The subcommands of the `ridgeline` tool, all in one style: each `add_*` function registers its
 * subcommands and their options on the app and returns them as `command`s; after parsing, the tool
 * runs the one that was chosen. A command parses its options, calls the library (pipeline.hpp,
 * sample.hpp, sweep.hpp, measure.hpp …) and hands the result to a reporter (report.hpp).
 *
 *     analysis:    analyze, shapes, maxbatch, sweep, compare, check-sample, hw list, hw show
 *     calibration: calibrate (efficiency curves from a microbenchmark file)
 *     report:      report (one-file HTML)
 *     llm:         llm (LLM serving estimates of a decoder graph with a KV cache)
 *     measurement: ceilings, trace, import-trace, validate, replay (CUDA builds measure; others
 *                  answer exit status 3)
 *
 * Exit status: 0 done; 1 bad input (ridgeline's exceptions, reported by main); 2 usage (every
 * parse error of CLI11 — unknown flag, missing option, repeated flag, a value its check refuses —
 * and every ridgeline::usage_error, each naming the flag); 3 a
 * measurement not possible here (built without CUDA, or no GPU/driver); `trace` otherwise returns
 * the traced command's own status.
 *
 * @code
 * CLI::App app{"ridgeline"};
 * std::vector<ridgeline::cli::command> commands = ridgeline::cli::add_analysis_commands(app);
 * app.parse(argc, argv);
 * for (const auto& c : commands) if (c.app->parsed()) return c.run();
 * @endcode
 */
#pragma once

#include "ridgeline/measure.hpp"
#include "ridgeline/pipeline.hpp"

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace ridgeline::cli {

/** Exit status when a measurement cannot run here (no CUDA in this build, no GPU/driver). */
constexpr int not_available_exit = 3;
/** Exit status of a usage error (bad, missing, unknown or out-of-range option). */
constexpr int usage_exit = 2;

// ---- option checks (CLI11 validators: a refused value is a usage error naming the flag) --------

/** A positive integer that fits 64 bits: "--batch 0", "-1", "abc" and "9223372036854775808" refused. */
const CLI::Validator& positive_integer();
/** A finite percentage in (0, 100]. */
const CLI::Validator& percentage();
/** A precision parse_precision knows (fp32, tf32, fp16, bf16, fp8, int8 …); "" refused. */
const CLI::Validator& precision_name();
/** A report format: table, csv, json, md (or markdown). */
const CLI::Validator& format_name();
/** Text that is not empty (a node or tensor name, a file). */
const CLI::Validator& not_empty();

/** A subcommand: where it was registered, and what runs when it is chosen (returns the exit status). */
struct command {
    CLI::App* app = nullptr;  /**< The (sub)subcommand, e.g. `hw show`. */
    std::function<int()> run; /**< Does the work after parsing. */
};

/** analyze, shapes, maxbatch, sweep, compare, check-sample, hw list and hw show. */
std::vector<command> add_analysis_commands(CLI::App& app);
/** llm: prefill, decode, generation and memory of a decoder graph with a KV cache. */
std::vector<command> add_llm_command(CLI::App& app);
/** report: the one-file HTML report. */
std::vector<command> add_report_command(CLI::App& app);
/** ceilings, trace, import-trace and validate. */
std::vector<command> add_measure_commands(CLI::App& app);
/** replay: every node run on its own on the GPU (or only planned). */
std::vector<command> add_replay_command(CLI::App& app);
/** calibrate: efficiency curves fitted to a microbenchmark file. */
std::vector<command> add_calibrate_command(CLI::App& app);

// ---- shared by the commands -------------------------------------------------------------------

/** MODEL, --hw, --batch, --set, --input and --dtype as given (checked as they are parsed). */
struct model_options {
    std::string model;               /**< ONNX file. */
    std::string hw;                  /**< Spec id ("" = none). */
    std::int64_t batch = 0;          /**< --batch. */
    std::vector<std::string> sets;   /**< --set NAME=N. */
    std::vector<std::string> inputs; /**< --input NAME=d0,d1,... */
    std::string dtype_text;          /**< --dtype ("" = the model's own). */
};

/** Adds MODEL, --batch, --set, --input and --dtype to `c` (--hw is each command's own). */
void add_model_options(CLI::App* c, model_options& o, const std::string& dtype_help);

/** shape_options from --batch, --set NAME=N and --input NAME=d0,d1,... texts. */
shape_options make_shape_options(std::int64_t batch, const std::vector<std::string>& sets,
                                 const std::vector<std::string>& inputs);

/**
 * The pipeline request of the options: bindings, the precision parsed, the device loaded when
 * --hw names one, and shape-inference warnings and errors printed on stderr.
 */
model_request make_request(const model_options& o);

/** Specs for a comma-separated list of ids (or spec files); throws usage_error when empty. */
std::vector<hw_spec> load_devices(const std::string& list);

/**
 * Throws usage_error naming `flag` when `output` is one of `inputs` (the same file, however
 * spelled): a report must never overwrite the model it describes. "-" (stdout) always passes.
 */
void refuse_overwrite(const std::string& flag, const std::string& output, const std::vector<std::string>& inputs);

/** Prints the analysis's error findings (a node whose cost rule failed: counted as unknown) on stderr. */
void print_analysis_findings(const std::string& path, const model_cost& m);

/** Prints a failed measurement status on stderr; returns the exit status (3 not here, 1 error). */
int report_status(const char* command, const measure_status& s);

/** Throws usage_error unless `format` is "table" or "json" (the measurement commands' formats). */
void require_table_or_json(const std::string& format);

}  // namespace ridgeline::cli
