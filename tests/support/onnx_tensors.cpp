// TensorProto reading for tests (onnx_tensors.hpp).
#include "onnx_tensors.hpp"

#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace ridgeline::test {

namespace {

/** Little-endian integer of `size` bytes at `p`, sign-extended when `is_signed`. */
std::int64_t load_int(const char* p, std::size_t size, bool is_signed) {
    std::uint64_t u = 0;
    std::memcpy(&u, p, size);  // the test machines are little-endian, like the .pb raw_data
    if (is_signed && size < 8 && (u >> (size * 8 - 1)) & 1U) u |= ~std::uint64_t{0} << (size * 8);
    return static_cast<std::int64_t>(u);
}

/** IEEE half (binary16) bits to a double. */
double half_to_double(std::uint16_t h) {
    const int exponent = (h >> 10) & 0x1f;
    const double mantissa = h & 0x3ff;
    const double sign = (h & 0x8000) ? -1.0 : 1.0;
    if (exponent == 0) return sign * std::ldexp(mantissa, -24);            // subnormal
    if (exponent == 31) return mantissa ? std::nan("") : sign * HUGE_VAL;  // inf / nan
    return sign * std::ldexp(1.0 + mantissa / 1024.0, exponent - 15);
}

/** bfloat16 bits (the high half of a float) to a double. */
double bfloat16_to_double(std::uint16_t b) {
    const std::uint32_t bits = static_cast<std::uint32_t>(b) << 16;
    float f = 0;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

}  // namespace

std::string read_bytes(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::optional<onnx::TensorProto> read_tensor(const fs::path& p) {
    onnx::TensorProto t;
    if (!t.ParseFromString(read_bytes(p))) return std::nullopt;
    return t;
}

std::int64_t element_count(const onnx::TensorProto& t) {
    std::int64_t n = 1;
    for (auto d : t.dims()) n *= d;
    return n;
}

/** True for the element types whose contents can be shape data (integers and booleans). */
bool is_integer_type(int type) {
    using tp = onnx::TensorProto;
    switch (type) {
        case tp::INT64:
        case tp::INT32:
        case tp::INT16:
        case tp::INT8:
        case tp::UINT64:
        case tp::UINT32:
        case tp::UINT16:
        case tp::UINT8:
        case tp::BOOL:
            return true;
        default:
            return false;
    }
}

/** Contents of an integer tensor (typed fields or raw_data), or nullopt. */
std::optional<std::vector<std::int64_t>> tensor_ints(const onnx::TensorProto& t) {
    using tp = onnx::TensorProto;
    const auto n = element_count(t);
    std::vector<std::int64_t> out;
    if (t.has_raw_data()) {
        std::size_t size = 0;
        bool is_signed = true;
        switch (t.data_type()) {
            case tp::INT64:
                size = 8;
                break;
            case tp::UINT64:
                size = 8;
                is_signed = false;
                break;
            case tp::INT32:
                size = 4;
                break;
            case tp::UINT32:
                size = 4;
                is_signed = false;
                break;
            case tp::INT16:
                size = 2;
                break;
            case tp::UINT16:
                size = 2;
                is_signed = false;
                break;
            case tp::INT8:
                size = 1;
                break;
            case tp::UINT8:
            case tp::BOOL:
                size = 1;
                is_signed = false;
                break;
            default:
                return std::nullopt;
        }
        const auto& raw = t.raw_data();
        if (raw.size() != static_cast<std::size_t>(n) * size) return std::nullopt;
        for (std::int64_t i = 0; i < n; ++i) out.push_back(load_int(raw.data() + i * size, size, is_signed));
        return out;
    }
    if (t.data_type() == tp::INT64)
        out.assign(t.int64_data().begin(), t.int64_data().end());
    else if (t.data_type() == tp::UINT64)
        out.assign(t.uint64_data().begin(), t.uint64_data().end());
    else
        out.assign(t.int32_data().begin(), t.int32_data().end());  // int32 and narrower, bool
    if (static_cast<std::int64_t>(out.size()) != n) return std::nullopt;
    return out;
}

/** Contents of a floating tensor (typed fields or raw_data), or nullopt. */
std::optional<std::vector<double>> tensor_reals(const onnx::TensorProto& t) {
    using tp = onnx::TensorProto;
    const auto n = element_count(t);
    std::vector<double> out;
    if (t.data_type() == tp::FLOAT16 || t.data_type() == tp::BFLOAT16) {  // 16-bit patterns
        std::vector<std::uint16_t> bits;
        if (t.has_raw_data()) {
            if (t.raw_data().size() != static_cast<std::size_t>(n) * 2) return std::nullopt;
            bits.resize(static_cast<std::size_t>(n));
            std::memcpy(bits.data(), t.raw_data().data(), t.raw_data().size());
        } else {
            for (auto v : t.int32_data()) bits.push_back(static_cast<std::uint16_t>(v));
        }
        for (auto b : bits) out.push_back(t.data_type() == tp::FLOAT16 ? half_to_double(b) : bfloat16_to_double(b));
    } else if (t.data_type() == tp::FLOAT) {
        if (t.has_raw_data()) {
            if (t.raw_data().size() != static_cast<std::size_t>(n) * sizeof(float)) return std::nullopt;
            for (std::int64_t i = 0; i < n; ++i) {
                float f = 0;
                std::memcpy(&f, t.raw_data().data() + i * 4, sizeof f);
                out.push_back(f);
            }
        } else {
            out.assign(t.float_data().begin(), t.float_data().end());
        }
    } else if (t.data_type() == tp::DOUBLE) {
        if (t.has_raw_data()) {
            if (t.raw_data().size() != static_cast<std::size_t>(n) * sizeof(double)) return std::nullopt;
            out.resize(static_cast<std::size_t>(n));
            std::memcpy(out.data(), t.raw_data().data(), t.raw_data().size());
        } else {
            out.assign(t.double_data().begin(), t.double_data().end());
        }
    } else {
        return std::nullopt;
    }
    if (static_cast<std::int64_t>(out.size()) != n) return std::nullopt;
    return out;
}

std::string dims_text(const std::vector<std::int64_t>& d) {
    std::string s = "[";
    for (std::size_t i = 0; i < d.size(); ++i) s += (i ? ", " : "") + std::to_string(d[i]);
    return s + "]";
}

std::optional<host_tensor> to_host_tensor(const onnx::TensorProto& t) {
    host_tensor h;
    h.type = static_cast<dtype>(t.data_type());
    h.dims.assign(t.dims().begin(), t.dims().end());
    const auto n = static_cast<std::size_t>(element_count(t));
    const auto size = static_cast<std::size_t>(element_size_bytes(h.type));
    if (h.type == dtype::string || h.type == dtype::undefined || size == 0) return std::nullopt;
    h.bytes.resize(n * size);
    if (t.has_raw_data()) {
        if (t.raw_data().size() != h.bytes.size()) return std::nullopt;
        if (!h.bytes.empty()) std::memcpy(h.bytes.data(), t.raw_data().data(), h.bytes.size());
        return h;
    }
    auto put = [&](auto tag, auto value, std::size_t i) {
        using T = decltype(tag);
        const T v = static_cast<T>(value);
        std::memcpy(h.bytes.data() + i * sizeof(T), &v, sizeof(T));
    };
    using tp = onnx::TensorProto;
    switch (t.data_type()) {
        case tp::FLOAT:
            if (static_cast<std::size_t>(t.float_data_size()) != n) return std::nullopt;
            for (std::size_t i = 0; i < n; ++i) put(float{}, t.float_data(static_cast<int>(i)), i);
            return h;
        case tp::DOUBLE:
            if (static_cast<std::size_t>(t.double_data_size()) != n) return std::nullopt;
            for (std::size_t i = 0; i < n; ++i) put(double{}, t.double_data(static_cast<int>(i)), i);
            return h;
        case tp::FLOAT16:
        case tp::BFLOAT16:
        case tp::UINT16:
        case tp::INT16:
            if (static_cast<std::size_t>(t.int32_data_size()) != n) return std::nullopt;
            for (std::size_t i = 0; i < n; ++i) put(std::uint16_t{}, t.int32_data(static_cast<int>(i)), i);
            return h;
        default: {
            auto ints = tensor_ints(t);
            if (!ints || ints->size() != n) return std::nullopt;
            for (std::size_t i = 0; i < n; ++i) {
                const auto v = (*ints)[i];
                switch (size) {
                    case 1:
                        put(std::uint8_t{}, v, i);
                        break;
                    case 2:
                        put(std::uint16_t{}, v, i);
                        break;
                    case 4:
                        put(std::uint32_t{}, v, i);
                        break;
                    default:
                        put(std::uint64_t{}, v, i);
                        break;
                }
            }
            return h;
        }
    }
}

node_test_inputs bind_node_test_inputs(const graph& g, const fs::path& data_dir, shape_options& opt,
                                       std::int64_t max_fed_elements) {
    node_test_inputs r;
    for (std::size_t k = 0; k < g.inputs.size(); ++k) {
        const auto& v = g.values[static_cast<std::size_t>(g.inputs[k])];
        const auto file = data_dir / ("input_" + std::to_string(k) + ".pb");
        if (!fs::exists(file)) return {{}, "no data for input '" + v.name + "'"};
        auto t = read_tensor(file);
        if (!t) return {{}, "input_" + std::to_string(k) + ".pb is not a tensor"};
        // A few data files disagree with their own model (bfloat16 stored as uint16, a [1]
        // tensor for a [3, 4] input): those cannot check the model.
        if (t->data_type() != static_cast<int>(v.declared_type) ||
            (v.declared && v.declared->size() != static_cast<std::size_t>(t->dims_size()))) {
            return {{}, "input_" + std::to_string(k) + ".pb disagrees with the type or rank the model declares"};
        }
        opt.input_shapes[v.name] = std::vector<std::int64_t>(t->dims().begin(), t->dims().end());
        if (element_count(*t) <= max_fed_elements) {
            if (is_integer_type(t->data_type())) {
                if (auto ints = tensor_ints(*t)) opt.input_values[v.name] = std::move(*ints);
            } else if (auto reals = tensor_reals(*t)) {
                opt.input_real_values[v.name] = std::move(*reals);
            }
        }
        auto h = to_host_tensor(*t);  // strings and the like: an undefined tensor (shapes still bound)
        r.tensors.push_back(h ? std::move(*h) : host_tensor{});
    }
    return r;
}

}  // namespace ridgeline::test
