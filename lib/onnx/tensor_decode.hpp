// Private to lib/onnx: TensorProto contents read in place — where a tensor's data fields are, and
// the decoding of small tensors (shape constants) into known data; large tensors are never touched.
#pragma once

#include "wire.hpp"

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace ridgeline::onnx_wire {

/** The float whose IEEE-754 bits these are. */
float bits_to_float(std::uint32_t bits);

/** Element count of static dims, or -1 on overflow/negative dims. */
std::int64_t element_count(const std::vector<std::int64_t>& dims);

/**
 * A TensorProto read in place: its header, and where its data fields are (never copied). The
 * typed data fields may occur several times (unpacked) or once packed, so each keeps every
 * occurrence.
 */
struct tensor_view {
    std::string_view name;
    dtype type = dtype::undefined;
    std::vector<std::int64_t> dims;
    bool external = false;
    std::string_view location;  // external_data "location" (external tensors)
    std::int64_t offset = -1;   // external_data "offset" (-1: not given)
    std::int64_t length = -1;   // external_data "length" (-1: not given)
    bool has_raw = false;
    const std::uint8_t* raw = nullptr;
    std::size_t raw_size = 0;
    std::vector<field> float_data, int32_data, int64_data, double_data, uint64_data;
};

/**
 * Reads a TensorProto in place: its header (name, dims, dtype, location) and where its data fields
 * are. `what` names the tensor in messages ("initializer", "tensor of attribute 'value' …").
 */
tensor_view read_tensor_view(const std::uint8_t* p, std::size_t n, const std::string& file,
                             const std::function<std::string()>& what);

/** Values of a repeated varint field (packed or not); false when malformed. */
bool repeated_varints(std::span<const field> fs, std::vector<std::uint64_t>& out);

/** Values of a repeated fixed-width field of `bytes` (4 or 8) per element; false when malformed. */
bool repeated_fixed(std::span<const field> fs, std::size_t bytes, std::vector<std::uint64_t>& out);

/**
 * Contents of a small embedded tensor (`count` elements), or nullptr when it has none we can
 * decode. Sets `malformed` when a data field cannot be parsed.
 */
std::shared_ptr<const known_data> decode_small(const tensor_view& t, std::int64_t count, bool& malformed);

}  // namespace ridgeline::onnx_wire
