// ONNX TensorProto files (the backend node tests' input_K.pb / output_K.pb) read for tests: their
// contents as integers, reals, or a replay host_tensor.
#pragma once

#include "ridgeline/replay.hpp"

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
/** "[2, 3]". */
std::string dims_text(const std::vector<std::int64_t>& d);

}  // namespace ridgeline::test
