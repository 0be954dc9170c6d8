// ONNX TensorProto files (the backend node tests' input_K.pb / output_K.pb) read for tests: their
// contents as integers, reals, or a replay host_tensor.
#pragma once

#include "ridgeline/replay.hpp"
#include "ridgeline/shape.hpp"

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ridgeline::test {

/** Whole file as bytes ("" when unreadable). */
std::string read_bytes(const std::filesystem::path& p);
/** A TensorProto file, or nullopt when it does not parse. */
std::optional<onnx::TensorProto> read_tensor(const std::filesystem::path& p);
/** Product of the tensor's dims. */
std::int64_t element_count(const onnx::TensorProto& t);
/** True for the element types whose contents can be shape data (integers and booleans). */
bool is_integer_type(int type);
/** Contents of an integer tensor (typed fields or raw_data), or nullopt. */
std::optional<std::vector<std::int64_t>> tensor_ints(const onnx::TensorProto& t);
/** Contents of a floating tensor (typed fields or raw_data), or nullopt. */
std::optional<std::vector<double>> tensor_reals(const onnx::TensorProto& t);
/** The tensor as a replay host_tensor (element bytes as the replay stores them), or nullopt. */
std::optional<host_tensor> to_host_tensor(const onnx::TensorProto& t);
/** Largest node-test input whose contents are handed to the shape engine as shape data. */
inline constexpr std::int64_t node_test_max_fed_elements = 4096;

/** A node-test folder's inputs: their contents, or why they cannot be used. */
struct node_test_inputs {
    std::vector<host_tensor> tensors; /**< One per graph::inputs entry (type undefined: contents unreadable). */
    std::string not_checkable;        /**< Non-empty: why the folder cannot be checked. */
};

/**
 * Reads test_data_set_0/input_K.pb for each graph input of a node test and binds it in `opt`: its
 * dims (input_shapes) and, for at most `max_fed_elements` elements, its contents as shape data
 * (input_values / input_real_values) — node tests feed Reshape targets, Slice starts … as inputs.
 * An input whose file disagrees with the type or rank the model declares makes it not checkable.
 */
node_test_inputs bind_node_test_inputs(const graph& g, const std::filesystem::path& data_dir, shape_options& opt,
                                       std::int64_t max_fed_elements);

/** "[2, 3]". */
std::string dims_text(const std::vector<std::int64_t>& d);

}  // namespace ridgeline::test
