// Private to lib/onnx: a bounds-checked reader of the protobuf wire format over bytes in memory
// (import.cpp's file comment says why the file is walked by hand). A malformed message is a
// `model_error` naming the file and the message kind.
#pragma once

#include "ridgeline/error.hpp"
#include "ridgeline/graph.hpp"

#include <climits>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ridgeline::onnx_wire {

/** 2 GiB − 1: protobuf's hard limit on a message. */
constexpr std::uint64_t protobuf_limit_bytes = 2147483647ULL;

/** One field of a message: its number and wire type, and the varint/fixed value or the payload. */
struct field {
    std::uint32_t number = 0;
    std::uint32_t wire_type = 0;         // 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32
    std::uint64_t varint = 0;            // wire types 0, 1 and 5 (fixed values as raw bits)
    const std::uint8_t* data = nullptr;  // wire type 2: the payload
    std::size_t size = 0;
};

/** Bounds-checked reader of the protobuf wire format over [p, p + n). */
class wire_reader {
public:
    wire_reader(const std::uint8_t* p, std::size_t n) : p_(p), end_(p + n) {}
    [[nodiscard]] bool done() const noexcept { return p_ == end_; }
    [[nodiscard]] std::size_t left() const noexcept { return static_cast<std::size_t>(end_ - p_); }
    [[nodiscard]] const std::uint8_t* at() const noexcept { return p_; }

    /** Reads a base-128 varint of at most 10 bytes; false when it runs past the end or is too long. */
    bool varint(std::uint64_t& out) noexcept {
        std::uint64_t v = 0;
        for (unsigned shift = 0; shift < 64; shift += 7) {
            if (p_ == end_) return false;
            const std::uint8_t b = *p_++;
            v |= static_cast<std::uint64_t>(b & 0x7FU) << shift;
            if ((b & 0x80U) == 0) {
                out = v;
                return true;
            }
        }
        return false;
    }
    /** Reads `bytes` (4 or 8) little-endian bytes into `out`. */
    bool fixed(std::size_t bytes, std::uint64_t& out) noexcept {
        if (left() < bytes) return false;
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < bytes; ++i) v |= static_cast<std::uint64_t>(p_[i]) << (8 * i);
        p_ += bytes;
        out = v;
        return true;
    }
    /** Skips `n` bytes (the caller checked `left()`). */
    void skip(std::size_t n) noexcept { p_ += n; }

private:
    const std::uint8_t* p_;
    const std::uint8_t* end_;
};

/**
 * Calls `visit(field)` for each field of the message in [p, p + n), in file order. Throws
 * model_error naming `file` and the message kind `what` when the bytes are not a valid message.
 */
template <class Visit>
void for_each_field(const std::uint8_t* p, std::size_t n, const std::string& file, const char* what, Visit&& visit) {
    wire_reader in(p, n);
    while (!in.done()) {
        std::uint64_t tag = 0;
        if (!in.varint(tag)) {
            throw model_error(file, std::string("truncated or corrupt protobuf in ") + what + " (bad field tag)");
        }
        field f;
        f.number = static_cast<std::uint32_t>(tag >> 3);
        f.wire_type = static_cast<std::uint32_t>(tag & 7U);
        if (f.number == 0 || tag > UINT32_MAX) {
            throw model_error(file, std::string("corrupt protobuf in ") + what + " (bad field tag)");
        }
        bool ok = true;
        switch (f.wire_type) {
            case 0:
                ok = in.varint(f.varint);
                break;
            case 1:
                ok = in.fixed(8, f.varint);
                break;
            case 5:
                ok = in.fixed(4, f.varint);
                break;
            case 2: {
                std::uint64_t len = 0;
                ok = in.varint(len);
                if (ok && len > in.left()) {
                    throw model_error(
                        file, std::string("truncated file: a field of ") + what + " runs past the end of the data");
                }
                f.data = in.at();
                f.size = static_cast<std::size_t>(len);
                if (ok) in.skip(f.size);
                break;
            }
            default:
                throw model_error(file, std::string("corrupt protobuf in ") + what + " (unsupported wire type " +
                                            std::to_string(f.wire_type) + " for field " + std::to_string(f.number) +
                                            ")");
        }
        if (!ok) throw model_error(file, std::string("truncated or corrupt protobuf in ") + what);
        visit(f);
    }
}

/** Throws model_error: `what` cannot be parsed. */
[[noreturn]] inline void corrupt_message(const std::string& file, const std::string& what) {
    throw model_error(file, "corrupt protobuf: cannot parse " + what);
}

/** Throws model_error unless field `f` has wire type `wire`. */
inline void expect_wire_type(const field& f, std::uint32_t wire, const std::string& file, const char* what) {
    if (f.wire_type != wire) {
        throw model_error(file, std::string("corrupt protobuf: ") + what + " has wire type " +
                                    std::to_string(f.wire_type) + ", expected " + std::to_string(wire));
    }
}

inline std::string_view as_view(const field& f) { return {reinterpret_cast<const char*>(f.data), f.size}; }
inline std::string as_string(const field& f) { return std::string(as_view(f)); }

/**
 * TensorProto.DataType number → dtype. Numbers newer than this IR (e.g. 23, FLOAT4E2M1) are kept
 * as they are (element size 1, name "undefined"); numbers outside the enum's byte become undefined.
 */
inline dtype to_dtype(std::uint64_t v) { return v <= UINT8_MAX ? static_cast<dtype>(v) : dtype::undefined; }

}  // namespace ridgeline::onnx_wire
