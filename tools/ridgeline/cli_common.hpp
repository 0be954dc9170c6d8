// Pieces every ridgeline subcommand shares: bindings from command-line text, loading and
// inferring a model with its diagnostics on stderr, and device lists.
#pragma once

#include "ridgeline/analysis.hpp"
#include "ridgeline/cost_model.hpp"
#include "ridgeline/graph.hpp"
#include "ridgeline/hardware.hpp"
#include "ridgeline/measure.hpp"
#include "ridgeline/shape.hpp"

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace ridgeline::cli {

/** Exit status when a measurement cannot run here (no CUDA in this build, no GPU/driver). */
constexpr int not_available_exit = 3;

/** Prints a failed measurement status on stderr; returns the exit status (3 not here, 1 error). */
int report_status(const char* command, const measure_status& s);

/** shape_options from --batch, --set NAME=N and --input NAME=d0,d1,... texts. */
shape_options make_shape_options(std::int64_t batch, const std::vector<std::string>& sets,
                                 const std::vector<std::string>& inputs);

/** Loads `path` and infers shapes; warnings and errors go to stderr; throws when inference failed. */
graph load_and_infer(const std::string& path, const shape_options& options);

/** Infers an already loaded graph the same way. */
void infer_or_throw(graph& g, const shape_options& options, const std::string& path);

/** A model analysed and predicted for one device (validate and replay). */
struct predicted_model {
    hw_spec hw;                   /**< The device. */
    graph g;                      /**< Loaded, shapes inferred. */
    model_cost m;                 /**< analyze(g) with the precision's float override. */
    latency_prediction lat;       /**< predict_latency on the device. */
    dtype precision = dtype::f32; /**< The precision predicted (fp32 for tf32). */
};

/** The model, device, bindings and precision a measurement command predicts (validate, replay). */
struct model_options {
    std::string model;               /**< ONNX file. */
    std::string hw;                  /**< Spec id. */
    std::int64_t batch = 0;          /**< --batch. */
    std::vector<std::string> sets;   /**< --set NAME=N. */
    std::vector<std::string> inputs; /**< --input NAME=d0,d1,... */
    std::string dtype_text;          /**< --dtype ("" = the model's own). */
};

/** Adds MODEL, --hw (required when `hw_required`), --batch, --set, --input and --dtype to `c`. */
void add_model_options(CLI::App* c, model_options& o, bool hw_required, const std::string& dtype_help);

/**
 * Loads, infers, analyses and predicts the model on its device in its precision (fp32, tf32,
 * fp16, bf16), with fused elementwise chains when `fused`.
 */
predicted_model predict_model(const model_options& o, bool fused);

/** Specs for a comma-separated list of ids; throws usage_error when empty. */
std::vector<hw_spec> load_devices(const std::string& list);

}  // namespace ridgeline::cli
