// Decoding small TensorProto contents (tensor_decode.hpp): half, bfloat16, float, double and
// integer elements from raw_data or the typed fields, packed or not.
#include "tensor_decode.hpp"

#include <charconv>
#include <cstring>
#include <functional>

namespace ridgeline::onnx_wire {

namespace {

float half_to_float(std::uint16_t h) {
    const std::uint32_t sign = (h & 0x8000U) << 16;
    std::uint32_t exp = (h >> 10) & 0x1FU;
    std::uint32_t mant = h & 0x3FFU;
    std::uint32_t bits = 0;
    if (exp == 0) {
        if (mant == 0) {
            bits = sign;
        } else {  // subnormal: renormalise
            exp = 127 - 15 + 1;
            while ((mant & 0x400U) == 0) {
                mant <<= 1;
                --exp;
            }
            mant &= 0x3FFU;
            bits = sign | (exp << 23) | (mant << 13);
        }
    } else if (exp == 31) {
        bits = sign | 0x7F800000U | (mant << 13);
    } else {
        bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
    }
    float out = 0;
    std::memcpy(&out, &bits, sizeof out);
    return out;
}

float bf16_to_float(std::uint16_t h) {
    std::uint32_t bits = static_cast<std::uint32_t>(h) << 16;
    float out = 0;
    std::memcpy(&out, &bits, sizeof out);
    return out;
}

double bits_to_double(std::uint64_t bits) {
    double out = 0;
    std::memcpy(&out, &bits, sizeof out);
    return out;
}

template <class T>
T read_le(const std::uint8_t* raw, std::size_t i) {
    T v{};
    std::memcpy(&v, raw + i * sizeof(T), sizeof(T));
    return v;
}

}  // namespace

float bits_to_float(std::uint32_t bits) {
    float out = 0;
    std::memcpy(&out, &bits, sizeof out);
    return out;
}

std::int64_t element_count(const std::vector<std::int64_t>& dims) {
    std::int64_t n = 1;
    for (auto d : dims) {
        if (d < 0 || __builtin_mul_overflow(n, d, &n)) return -1;
    }
    return n;
}

bool repeated_varints(std::span<const field> fs, std::vector<std::uint64_t>& out) {
    for (const auto& f : fs) {
        if (f.wire_type == 0) {
            out.push_back(f.varint);
        } else if (f.wire_type == 2) {
            wire_reader r(f.data, f.size);
            while (!r.done()) {
                std::uint64_t v = 0;
                if (!r.varint(v)) return false;
                out.push_back(v);
            }
        } else {
            return false;
        }
    }
    return true;
}

bool repeated_fixed(std::span<const field> fs, std::size_t bytes, std::vector<std::uint64_t>& out) {
    const std::uint32_t single = bytes == 4 ? 5U : 1U;
    for (const auto& f : fs) {
        if (f.wire_type == single) {
            out.push_back(f.varint);
        } else if (f.wire_type == 2) {
            if (f.size % bytes != 0) return false;
            wire_reader r(f.data, f.size);
            while (!r.done()) {
                std::uint64_t v = 0;
                (void)r.fixed(bytes, v);  // cannot fail: the size is a multiple of `bytes`
                out.push_back(v);
            }
        } else {
            return false;
        }
    }
    return true;
}

std::shared_ptr<const known_data> decode_small(const tensor_view& t, std::int64_t count, bool& malformed) {
    auto d = std::make_shared<known_data>();
    const auto type = t.type;
    const auto n = static_cast<std::size_t>(count);
    const bool raw = t.has_raw;
    if (raw && t.raw_size < n * static_cast<std::size_t>(element_size_bytes(type))) return nullptr;
    std::vector<std::uint64_t> vals;
    auto typed = [&](const std::vector<field>& fs, std::size_t fixed_bytes) {
        vals.clear();
        const bool ok = fixed_bytes ? repeated_fixed(fs, fixed_bytes, vals) : repeated_varints(fs, vals);
        if (!ok) malformed = true;
        return ok && vals.size() == n;
    };
    auto put_int = [&](std::int64_t v) { d->ints.emplace_back(v); };
    switch (type) {
        case dtype::i64:
        case dtype::u64:
            if (raw)
                for (std::size_t i = 0; i < n; ++i) put_int(read_le<std::int64_t>(t.raw, i));
            else if (typed(type == dtype::i64 ? t.int64_data : t.uint64_data, 0))
                for (auto v : vals) put_int(static_cast<std::int64_t>(v));
            else
                return nullptr;
            break;
        case dtype::i32:
        case dtype::i16:
        case dtype::i8:
        case dtype::u8:
        case dtype::u16:
        case dtype::boolean: {
            if (raw) {
                for (std::size_t i = 0; i < n; ++i) {
                    switch (type) {
                        case dtype::i32:
                            put_int(read_le<std::int32_t>(t.raw, i));
                            break;
                        case dtype::i16:
                            put_int(read_le<std::int16_t>(t.raw, i));
                            break;
                        case dtype::u16:
                            put_int(read_le<std::uint16_t>(t.raw, i));
                            break;
                        case dtype::i8:
                            put_int(read_le<std::int8_t>(t.raw, i));
                            break;
                        default:
                            put_int(read_le<std::uint8_t>(t.raw, i));
                            break;
                    }
                }
            } else if (typed(t.int32_data, 0)) {
                for (auto v : vals) put_int(static_cast<std::int32_t>(v));  // int32 varints are sign-extended
            } else {
                return nullptr;
            }
            break;
        }
        case dtype::u32:
            if (raw)
                for (std::size_t i = 0; i < n; ++i) put_int(read_le<std::uint32_t>(t.raw, i));
            else if (typed(t.uint64_data, 0))
                for (auto v : vals) put_int(static_cast<std::int64_t>(v));
            else
                return nullptr;
            break;
        case dtype::f32:
        case dtype::f64:
        case dtype::f16:
        case dtype::bf16: {
            d->is_real = true;
            if (raw) {
                for (std::size_t i = 0; i < n; ++i) {
                    switch (type) {
                        case dtype::f32:
                            d->reals.push_back(read_le<float>(t.raw, i));
                            break;
                        case dtype::f64:
                            d->reals.push_back(read_le<double>(t.raw, i));
                            break;
                        case dtype::f16:
                            d->reals.push_back(half_to_float(read_le<std::uint16_t>(t.raw, i)));
                            break;
                        default:
                            d->reals.push_back(bf16_to_float(read_le<std::uint16_t>(t.raw, i)));
                            break;
                    }
                }
            } else if (type == dtype::f32 && typed(t.float_data, 4)) {
                for (auto v : vals) d->reals.push_back(bits_to_float(static_cast<std::uint32_t>(v)));
            } else if (type == dtype::f64 && typed(t.double_data, 8)) {
                for (auto v : vals) d->reals.push_back(bits_to_double(v));
            } else if ((type == dtype::f16 || type == dtype::bf16) && typed(t.int32_data, 0)) {
                for (auto v : vals) {
                    auto bits = static_cast<std::uint16_t>(v);
                    d->reals.push_back(type == dtype::f16 ? half_to_float(bits) : bf16_to_float(bits));
                }
            } else {
                return nullptr;
            }
            break;
        }
        default:
            return nullptr;
    }
    return d;
}

tensor_view read_tensor_view(const std::uint8_t* p, std::size_t n, const std::string& file,
                             const std::function<std::string()>& what) {
    tensor_view t;
    for_each_field(p, n, file, "TensorProto", [&](const field& x) {
        switch (x.number) {
            case 1:
                if (x.wire_type == 0) {
                    t.dims.push_back(static_cast<std::int64_t>(x.varint));
                } else {  // packed
                    expect_wire_type(x, 2, file, "TensorProto.dims");
                    wire_reader r(x.data, x.size);
                    while (!r.done()) {
                        std::uint64_t v = 0;
                        if (!r.varint(v)) corrupt_message(file, what() + " (dims)");
                        t.dims.push_back(static_cast<std::int64_t>(v));
                    }
                }
                break;
            case 2:
                expect_wire_type(x, 0, file, "TensorProto.data_type");
                t.type = to_dtype(x.varint);
                break;
            case 4:
                t.float_data.push_back(x);
                break;
            case 5:
                t.int32_data.push_back(x);
                break;
            case 7:
                t.int64_data.push_back(x);
                break;
            case 8:
                expect_wire_type(x, 2, file, "TensorProto.name");
                t.name = as_view(x);
                break;
            case 9:
                expect_wire_type(x, 2, file, "TensorProto.raw_data");
                t.has_raw = true;
                t.raw = x.data;
                t.raw_size = x.size;
                break;
            case 10:
                t.double_data.push_back(x);
                break;
            case 11:
                t.uint64_data.push_back(x);
                break;
            case 13: {  // external_data: StringStringEntryProto {key = 1, value = 2}
                expect_wire_type(x, 2, file, "TensorProto.external_data");
                std::string_view key, value;
                for_each_field(x.data, x.size, file, "StringStringEntryProto", [&](const field& e) {
                    if (e.number != 1 && e.number != 2) return;
                    expect_wire_type(e, 2, file, "StringStringEntryProto");
                    (e.number == 1 ? key : value) = as_view(e);
                });
                if (key == "location") {
                    t.location = value;
                } else if (key == "offset" || key == "length") {
                    std::int64_t v = 0;
                    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
                    if (ec != std::errc() || end != value.data() + value.size() || v < 0) {
                        throw model_error(file, what() + (t.name.empty() ? "" : " '" + std::string(t.name) + "'") +
                                                    " has external_data " + std::string(key) + " '" +
                                                    std::string(value) + "', not a byte count");
                    }
                    (key == "offset" ? t.offset : t.length) = v;
                }
                break;
            }
            case 14:
                expect_wire_type(x, 0, file, "TensorProto.data_location");
                t.external = x.varint == 1;
                break;
            default:
                break;  // segment, string_data, doc_string, metadata_props
        }
    });
    return t;
}

}  // namespace ridgeline::onnx_wire
