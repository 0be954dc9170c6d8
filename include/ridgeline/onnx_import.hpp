/**
 * @file onnx_import.hpp
 * ONNX import: reads a `.onnx` file into the graph IR. Weights are never read: initializers keep
 * only their dims and dtype (embedded data is skipped in place, external data files may be
 * absent). Small integer tensors (shape constants) are kept, because shape inference needs them:
 * embedded ones always, external ones when their data file sits next to the model. Initializers
 * that provably store the same tensor (same external file, offset and length, or the same
 * embedded bytes) are marked (`value::same_as`), so a tied weight exported twice counts once. Model-local functions are
 * inlined; If/Loop/Scan bodies are imported as subgraphs and reported. Files of more than 2 GiB with embedded data are
 * refused (protobuf's message limit); weights stored outside never count against that limit.
 *
 * @code
 * ridgeline::graph g = ridgeline::load_onnx("bert_base.onnx");
 * std::cout << g.nodes.size() << " nodes, opset " << g.opset("") << '\n';
 * @endcode
 */
#pragma once

#include "ridgeline/graph.hpp"

#include <cstdint>
#include <string>

namespace ridgeline {

/** Knobs for `load_onnx`. */
struct load_options {
    /** Largest tensor (elements) whose embedded contents are kept as `known_data`. */
    std::int64_t small_tensor_elements = 4096;
    /** Inline model-local functions (FunctionProto) into the main graph. */
    bool inline_functions = true;
    /**
     * Read small integer initializers (shape constants, at most `small_tensor_elements`) stored in
     * an external data file, when the file is next to the model. Float weights are never read.
     */
    bool read_external_shape_data = true;
};

/**
 * Loads an ONNX model. Throws `model_error` naming the file for a missing, empty, truncated,
 * corrupt or oversized file, and `graph_error` naming the node for a structurally broken graph
 * (a value read but never defined, a value defined twice, a cycle).
 * @code auto g = ridgeline::load_onnx("resnet18.onnx"); @endcode
 */
graph load_onnx(const std::string& path, const load_options& options = {});

/** Same, from bytes already in memory; `name` is used in messages. */
graph load_onnx_bytes(const void* data, std::size_t size, const std::string& name, const load_options& options = {});

}  // namespace ridgeline
