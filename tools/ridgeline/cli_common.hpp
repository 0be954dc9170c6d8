// Pieces every ridgeline subcommand shares: bindings from command-line text, loading and
// inferring a model with its diagnostics on stderr, and device lists.
#pragma once

#include "ridgeline/graph.hpp"
#include "ridgeline/hardware.hpp"
#include "ridgeline/shape.hpp"

#include <string>
#include <vector>

namespace ridgeline::cli {

/** shape_options from --batch, --set NAME=N and --input NAME=d0,d1,... texts. */
shape_options make_shape_options(std::int64_t batch, const std::vector<std::string>& sets,
                                 const std::vector<std::string>& inputs);

/** Loads `path` and infers shapes; warnings and errors go to stderr; throws when inference failed. */
graph load_and_infer(const std::string& path, const shape_options& options);

/** Infers an already loaded graph the same way. */
void infer_or_throw(graph& g, const shape_options& options, const std::string& path);

/** Specs for a comma-separated list of ids; throws usage_error when empty. */
std::vector<hw_spec> load_devices(const std::string& list);

}  // namespace ridgeline::cli
