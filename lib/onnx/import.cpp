// ONNX → graph IR. The only translation unit that includes protobuf or ONNX headers.
//
// Why the top levels are walked by hand: the generated `ModelProto::ParseFromArray` copies every
// embedded weight into a std::string, so memory would grow with weight size and a 30k-node graph
// would pay for a full message tree it then throws away. We walk ModelProto and GraphProto with
// protobuf's own `CodedInputStream` over the mapped file, parse each NodeProto/ValueInfoProto with
// the generated parser (one reused message), and read only the header fields (dims, dtype, name,
// location) of large TensorProtos; their data bytes are skipped in place and never touched.
#include "ridgeline/onnx_import.hpp"

#include <onnx/onnx_pb.h>

#include <google/protobuf/io/coded_stream.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstring>
#include <functional>
#include <unordered_map>

namespace ridgeline {
namespace {

using google::protobuf::io::CodedInputStream;

constexpr std::uint64_t protobuf_limit_bytes = 2147483647ULL;  // 2 GiB - 1: protobuf's hard limit
constexpr int max_function_depth = 16;
constexpr std::size_t small_message_bytes = 1 << 16;

/** A length-delimited field's payload, or a varint's value. */
struct field {
    std::uint32_t number = 0;
    std::uint32_t wire_type = 0;
    std::uint64_t varint = 0;
    const std::uint8_t* data = nullptr;
    std::size_t size = 0;
};

/** Calls `visit` for each field of the message in [p, p+n); throws model_error when malformed. */
void for_each_field(const std::uint8_t* p, std::size_t n, const std::string& file,
                    const char* what, const std::function<void(const field&)>& visit) {
    CodedInputStream in(p, static_cast<int>(n));
    in.SetTotalBytesLimit(INT_MAX);
    while (true) {
        const auto pos_before = static_cast<std::size_t>(in.CurrentPosition());
        if (pos_before == n) return;
        std::uint32_t tag = in.ReadTag();
        if (tag == 0) throw model_error(file, std::string("corrupt protobuf in ") + what + " (bad field tag)");
        field f;
        f.number = tag >> 3;
        f.wire_type = tag & 7;
        bool ok = true;
        switch (f.wire_type) {
        case 0: ok = in.ReadVarint64(&f.varint); break;
        case 1: { std::uint64_t x = 0; ok = in.ReadLittleEndian64(&x); break; }
        case 5: { std::uint32_t x = 0; ok = in.ReadLittleEndian32(&x); break; }
        case 2: {
            std::uint32_t len = 0;
            ok = in.ReadVarint32(&len);
            const auto pos = static_cast<std::size_t>(in.CurrentPosition());
            if (ok && len > n - pos) {
                throw model_error(file, std::string("truncated file: a field of ") + what +
                                            " runs past the end of the data");
            }
            f.data = p + pos;
            f.size = len;
            ok = ok && in.Skip(static_cast<int>(len));
            break;
        }
        default:
            throw model_error(file, std::string("corrupt protobuf in ") + what +
                                        " (unsupported wire type " + std::to_string(f.wire_type) + ")");
        }
        if (!ok) throw model_error(file, std::string("truncated or corrupt protobuf in ") + what);
        visit(f);
    }
}

std::string as_string(const field& f) { return {reinterpret_cast<const char*>(f.data), f.size}; }

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
            while ((mant & 0x400U) == 0) { mant <<= 1; --exp; }
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

template <class T>
T read_le(const std::string& raw, std::size_t i) {
    T v{};
    std::memcpy(&v, raw.data() + i * sizeof(T), sizeof(T));
    return v;
}

/** Contents of a small embedded tensor, or nullptr when it has none we can decode. */
std::shared_ptr<const known_data> decode_small(const onnx::TensorProto& t, std::int64_t count) {
    auto d = std::make_shared<known_data>();
    const auto type = static_cast<dtype>(t.data_type());
    const auto n = static_cast<std::size_t>(count);
    const bool raw = t.has_raw_data();
    if (raw && t.raw_data().size() < n * static_cast<std::size_t>(element_size_bytes(type))) return nullptr;
    auto put_int = [&](std::int64_t v) { d->ints.emplace_back(v); };
    switch (type) {
    case dtype::i64:
        if (raw) for (std::size_t i = 0; i < n; ++i) put_int(read_le<std::int64_t>(t.raw_data(), i));
        else if (static_cast<std::size_t>(t.int64_data_size()) == n) for (auto v : t.int64_data()) put_int(v);
        else return nullptr;
        break;
    case dtype::u64:
        if (raw) for (std::size_t i = 0; i < n; ++i) put_int(static_cast<std::int64_t>(read_le<std::uint64_t>(t.raw_data(), i)));
        else if (static_cast<std::size_t>(t.uint64_data_size()) == n) for (auto v : t.uint64_data()) put_int(static_cast<std::int64_t>(v));
        else return nullptr;
        break;
    case dtype::i32: case dtype::i16: case dtype::i8: case dtype::u8: case dtype::u16: case dtype::boolean: {
        if (raw) {
            for (std::size_t i = 0; i < n; ++i) {
                switch (type) {
                case dtype::i32: put_int(read_le<std::int32_t>(t.raw_data(), i)); break;
                case dtype::i16: put_int(read_le<std::int16_t>(t.raw_data(), i)); break;
                case dtype::u16: put_int(read_le<std::uint16_t>(t.raw_data(), i)); break;
                case dtype::i8: put_int(read_le<std::int8_t>(t.raw_data(), i)); break;
                default: put_int(read_le<std::uint8_t>(t.raw_data(), i)); break;
                }
            }
        } else if (static_cast<std::size_t>(t.int32_data_size()) == n) {
            for (auto v : t.int32_data()) put_int(v);
        } else {
            return nullptr;
        }
        break;
    }
    case dtype::u32:
        if (raw) for (std::size_t i = 0; i < n; ++i) put_int(read_le<std::uint32_t>(t.raw_data(), i));
        else if (static_cast<std::size_t>(t.uint64_data_size()) == n) for (auto v : t.uint64_data()) put_int(static_cast<std::int64_t>(v));
        else return nullptr;
        break;
    case dtype::f32: case dtype::f64: case dtype::f16: case dtype::bf16: {
        d->is_real = true;
        if (raw) {
            for (std::size_t i = 0; i < n; ++i) {
                switch (type) {
                case dtype::f32: d->reals.push_back(read_le<float>(t.raw_data(), i)); break;
                case dtype::f64: d->reals.push_back(read_le<double>(t.raw_data(), i)); break;
                case dtype::f16: d->reals.push_back(half_to_float(read_le<std::uint16_t>(t.raw_data(), i))); break;
                default: d->reals.push_back(bf16_to_float(read_le<std::uint16_t>(t.raw_data(), i))); break;
                }
            }
        } else if (type == dtype::f32 && static_cast<std::size_t>(t.float_data_size()) == n) {
            for (auto v : t.float_data()) d->reals.push_back(v);
        } else if (type == dtype::f64 && static_cast<std::size_t>(t.double_data_size()) == n) {
            for (auto v : t.double_data()) d->reals.push_back(v);
        } else if ((type == dtype::f16 || type == dtype::bf16) && static_cast<std::size_t>(t.int32_data_size()) == n) {
            for (auto v : t.int32_data()) {
                auto bits = static_cast<std::uint16_t>(v);
                d->reals.push_back(type == dtype::f16 ? half_to_float(bits) : bf16_to_float(bits));
            }
        } else {
            return nullptr;
        }
        break;
    }
    default: return nullptr;
    }
    return d;
}

/** Element count of static dims, or -1 on overflow/negative dims. */
std::int64_t element_count(const std::vector<std::int64_t>& dims) {
    std::int64_t n = 1;
    for (auto d : dims) {
        if (d < 0 || __builtin_mul_overflow(n, d, &n)) return -1;
    }
    return n;
}

struct named_tensor {
    std::string name;
    tensor_info info;
};

tensor_info tensor_from_proto(const onnx::TensorProto& t, std::int64_t small_limit) {
    tensor_info info;
    info.type = static_cast<dtype>(t.data_type());
    info.dims.assign(t.dims().begin(), t.dims().end());
    info.external = t.data_location() == onnx::TensorProto::EXTERNAL;
    const auto count = element_count(info.dims);
    if (!info.external && count >= 0 && count <= small_limit) info.data = decode_small(t, count);
    return info;
}

class importer {
public:
    importer(std::string file, const load_options& options) : file_(std::move(file)), options_(options) {}

    graph run(const std::uint8_t* p, std::size_t n) {
        if (n == 0) throw model_error(file_, "empty file (0 bytes): not an ONNX model");
        if (n > protobuf_limit_bytes) {
            throw model_error(file_, "file is " + std::to_string(n >> 20) +
                                         " MiB; protobuf cannot parse a message over 2 GiB. Store the "
                                         "weights as external data (onnx.save(..., save_as_external_data=True))");
        }
        const std::uint8_t* graph_data = nullptr;
        std::size_t graph_size = 0;
        bool seen_graph = false;
        for_each_field(p, n, file_, "ModelProto", [&](const field& f) {
            switch (f.number) {
            case 1: g_.ir_version = static_cast<std::int64_t>(f.varint); break;
            case 2: g_.producer = as_string(f) + g_.producer; break;
            case 3: g_.producer += " " + as_string(f); break;
            case 7: graph_data = f.data; graph_size = f.size; seen_graph = true; break;
            case 8: {
                onnx::OperatorSetIdProto op;
                if (!op.ParseFromArray(f.data, static_cast<int>(f.size))) corrupt("opset_import");
                g_.opsets[op.domain() == "ai.onnx" ? "" : op.domain()] = op.version();
                break;
            }
            case 25: {
                auto fn = std::make_shared<onnx::FunctionProto>();
                if (!fn->ParseFromArray(f.data, static_cast<int>(f.size))) corrupt("function");
                functions_[fn->domain() + "::" + fn->name()] = fn;
                break;
            }
            default:
                if (f.wire_type != 0 && f.wire_type != 2 && f.wire_type != 1 && f.wire_type != 5) corrupt("model");
            }
        });
        if (!seen_graph) throw model_error(file_, "no graph in the file (not an ONNX model?)");
        if (g_.ir_version <= 0 || g_.ir_version > 64) {
            throw model_error(file_, "ir_version " + std::to_string(g_.ir_version) +
                                         " is not a valid ONNX IR version (not an ONNX model?)");
        }
        if (g_.opsets.empty()) g_.opsets[""] = 1;
        g_.path = file_;
        walk_graph(graph_data, graph_size);
        finish(g_, false);
        return std::move(g_);
    }

private:
    [[noreturn]] void corrupt(const char* what) const {
        throw model_error(file_, std::string("corrupt protobuf: cannot parse ") + what);
    }

    void walk_graph(const std::uint8_t* p, std::size_t n) {
        onnx::NodeProto node_msg;
        onnx::ValueInfoProto vi;
        std::vector<onnx::ValueInfoProto> inputs, outputs;
        for_each_field(p, n, file_, "GraphProto", [&](const field& f) {
            switch (f.number) {
            case 1:
                node_msg.Clear();
                if (!node_msg.ParseFromArray(f.data, static_cast<int>(f.size))) {
                    throw model_error(file_, "corrupt protobuf: cannot parse node #" +
                                                 std::to_string(g_.nodes.size()));
                }
                add_node(g_, node_msg, {}, nullptr, 0);
                break;
            case 2: g_.name = as_string(f); break;
            case 5: add_initializer(g_, read_tensor(f)); break;
            case 11: case 12: case 13:
                vi.Clear();
                if (!vi.ParseFromArray(f.data, static_cast<int>(f.size))) corrupt("value_info");
                if (f.number == 11) inputs.push_back(vi);
                else if (f.number == 12) outputs.push_back(vi);
                else declare(g_, vi);
                break;
            case 15: {  // sparse_initializer: dims (3) and values' dtype
                onnx::SparseTensorProto sp;
                if (!sp.ParseFromArray(f.data, static_cast<int>(f.size))) corrupt("sparse_initializer");
                named_tensor t;
                t.name = sp.values().name();
                t.info.type = static_cast<dtype>(sp.values().data_type());
                t.info.dims.assign(sp.dims().begin(), sp.dims().end());
                add_initializer(g_, std::move(t));
                break;
            }
            default: break;
            }
        });
        for (const auto& v : inputs) add_io(g_, v, true);
        for (const auto& v : outputs) add_io(g_, v, false);
    }

    /** Reads a TensorProto: whole when small, header only (data skipped in place) when large. */
    named_tensor read_tensor(const field& f) {
        named_tensor t;
        if (f.size <= small_message_bytes) {
            onnx::TensorProto msg;
            if (!msg.ParseFromArray(f.data, static_cast<int>(f.size))) corrupt("initializer");
            t.name = msg.name();
            t.info = tensor_from_proto(msg, options_.small_tensor_elements);
            return t;
        }
        for_each_field(f.data, f.size, file_, "TensorProto", [&](const field& x) {
            switch (x.number) {
            case 1:
                if (x.wire_type == 0) {
                    t.info.dims.push_back(static_cast<std::int64_t>(x.varint));
                } else {  // packed
                    CodedInputStream in(x.data, static_cast<int>(x.size));
                    std::uint64_t v = 0;
                    while (static_cast<std::size_t>(in.CurrentPosition()) < x.size && in.ReadVarint64(&v)) {
                        t.info.dims.push_back(static_cast<std::int64_t>(v));
                    }
                }
                break;
            case 2: t.info.type = static_cast<dtype>(x.varint); break;
            case 8: t.name = as_string(x); break;
            case 14: t.info.external = x.varint == 1; break;
            default: break;  // data fields: skipped, never copied
            }
        });
        return t;
    }

    static dtype type_of(const onnx::TypeProto& tp) {
        return tp.has_tensor_type() ? static_cast<dtype>(tp.tensor_type().elem_type()) : dtype::undefined;
    }

    static std::optional<shape> shape_of(const onnx::ValueInfoProto& vi) {
        if (!vi.type().has_tensor_type() || !vi.type().tensor_type().has_shape()) return std::nullopt;
        shape s;
        int axis = 0;
        for (const auto& d : vi.type().tensor_type().shape().dim()) {
            if (d.has_dim_value()) s.emplace_back(d.dim_value());
            else if (d.has_dim_param() && !d.dim_param().empty()) s.push_back(dim::parse(d.dim_param()));
            else s.push_back(dim::symbol("unk__" + vi.name() + "_" + std::to_string(axis)));  // undetermined by the file
            ++axis;
        }
        return s;
    }

    void declare(graph& g, const onnx::ValueInfoProto& vi) {
        if (vi.name().empty()) return;
        auto& v = g.values[static_cast<std::size_t>(g.intern_value(vi.name()))];
        v.declared_type = type_of(vi.type());
        v.declared = shape_of(vi);
    }

    void add_io(graph& g, const onnx::ValueInfoProto& vi, bool is_input) {
        if (vi.name().empty()) throw model_error(file_, "a graph input or output has no name");
        declare(g, vi);
        auto id = g.intern_value(vi.name());
        auto& v = g.values[static_cast<std::size_t>(id)];
        if (is_input) {
            if (v.is_initializer) return;  // IR < 4 lists initializers as inputs too
            v.is_graph_input = true;
            v.type = v.declared_type;
            v.dims = v.declared;
            g.inputs.push_back(id);
        } else {
            g.outputs.push_back(id);
        }
    }

    void add_initializer(graph& g, named_tensor t) {
        if (t.name.empty()) throw model_error(file_, "an initializer has no name");
        auto id = g.intern_value(t.name);
        auto& v = g.values[static_cast<std::size_t>(id)];
        if (v.is_initializer) throw model_error(file_, "initializer '" + t.name + "' is stored twice");
        v.is_initializer = true;
        v.type = t.info.type;
        v.external_data = t.info.external;
        v.dims = shape(t.info.dims.begin(), t.info.dims.end());
        v.data = t.info.data;
        if (v.is_graph_input) {  // listed as input before its initializer: it is a weight
            v.is_graph_input = false;
            std::erase(g.inputs, id);
        }
        g.initializers.push_back(id);
    }

    using attr_map = std::unordered_map<std::string, const onnx::AttributeProto*>;

    attribute convert_attribute(const onnx::AttributeProto& a) {
        attribute out;
        out.name = a.name();
        out.type = static_cast<attribute::kind>(a.type());
        out.f = a.f();
        out.i = a.i();
        out.s = a.s();
        out.floats.assign(a.floats().begin(), a.floats().end());
        out.ints.assign(a.ints().begin(), a.ints().end());
        out.strings.assign(a.strings().begin(), a.strings().end());
        if (a.has_t()) {
            out.t = std::make_shared<tensor_info>(tensor_from_proto(a.t(), options_.small_tensor_elements));
        }
        if (a.has_g()) out.graphs.push_back(convert_subgraph(a.g()));
        for (const auto& sg : a.graphs()) out.graphs.push_back(convert_subgraph(sg));
        if (out.type == attribute::kind::undefined) {  // old files omit the type: infer it
            if (a.has_t()) out.type = attribute::kind::t;
            else if (a.has_g()) out.type = attribute::kind::g;
            else if (a.ints_size()) out.type = attribute::kind::ints;
            else if (a.floats_size()) out.type = attribute::kind::floats;
            else if (a.has_s()) out.type = attribute::kind::s;
            else if (a.has_f()) out.type = attribute::kind::f;
            else out.type = attribute::kind::i;
        }
        return out;
    }

    /**
     * Appends node `n` to `g`. `rename` maps names inside an inlined function body to the caller's
     * names; `caller_attrs` resolves attribute references (ref_attr_name) there.
     */
    void add_node(graph& g, const onnx::NodeProto& n, const std::unordered_map<std::string, std::string>& rename,
                  const attr_map* caller_attrs, int depth) {
        auto mapped = [&](const std::string& s) -> std::string {
            if (s.empty()) return s;
            auto it = rename.find(s);
            return it == rename.end() ? s : it->second;
        };
        auto fn_it = options_.inline_functions ? functions_.find(n.domain() + "::" + n.op_type()) : functions_.end();
        if (fn_it != functions_.end()) {
            inline_call(g, n, *fn_it->second, mapped, caller_attrs, depth);
            return;
        }
        node out;
        out.index = static_cast<std::int32_t>(g.nodes.size());
        out.name = n.name();
        out.op_type = n.op_type();
        out.domain = n.domain() == "ai.onnx" ? "" : n.domain();
        out.inputs.reserve(static_cast<std::size_t>(n.input_size()));
        for (const auto& s : n.input()) out.inputs.push_back(s.empty() ? -1 : g.intern_value(mapped(s)));
        for (const auto& s : n.output()) out.outputs.push_back(s.empty() ? -1 : g.intern_value(mapped(s)));
        out.attributes.reserve(static_cast<std::size_t>(n.attribute_size()));
        for (const auto& a : n.attribute()) {
            if (!a.ref_attr_name().empty()) {
                if (caller_attrs) {
                    auto it = caller_attrs->find(a.ref_attr_name());
                    if (it != caller_attrs->end()) {
                        auto resolved = convert_attribute(*it->second);
                        resolved.name = a.name();
                        out.attributes.push_back(std::move(resolved));
                    }
                }
                continue;  // unresolved reference: the operator's default applies
            }
            out.attributes.push_back(convert_attribute(a));
            if (!out.attributes.back().graphs.empty()) {
                std::size_t inner = 0;
                for (const auto& sg : out.attributes.back().graphs) inner += sg->nodes.size();
                g.diagnostics.push_back({severity::info, out.display_name(), out.op_type,
                                         "carries a subgraph ('" + a.name() + "', " + std::to_string(inner) +
                                             " nodes): imported and reported; its work is not counted"});
            }
        }
        g.nodes.push_back(std::move(out));
    }

    void inline_call(graph& g, const onnx::NodeProto& call, const onnx::FunctionProto& fn,
                     const std::function<std::string(const std::string&)>& mapped, const attr_map* outer_attrs,
                     int depth) {
        if (depth >= max_function_depth) {
            throw model_error(file_, "function '" + fn.name() + "' nests deeper than " +
                                         std::to_string(max_function_depth) + " levels (recursive?)");
        }
        const std::string prefix = (call.name().empty() ? fn.name() + "#" + std::to_string(g.nodes.size())
                                                        : mapped(call.name())) + "/";
        std::unordered_map<std::string, std::string> rename;
        for (int i = 0; i < fn.input_size(); ++i) {
            rename[fn.input(i)] = i < call.input_size() ? mapped(call.input(i)) : std::string();
        }
        for (int i = 0; i < fn.output_size(); ++i) {
            rename[fn.output(i)] = i < call.output_size() ? mapped(call.output(i)) : prefix + fn.output(i);
        }
        for (const auto& n : fn.node()) {
            for (const auto& s : n.output()) {
                if (!s.empty() && !rename.count(s)) rename[s] = prefix + s;
            }
        }
        attr_map attrs;
        // (Default attribute values of IR 9 functions are not in libonnx-dev 1.12's schema; an
        // attribute the call omits takes the operator's own default.)
        for (const auto& a : call.attribute()) {
            if (!a.ref_attr_name().empty() && outer_attrs) {
                auto it = outer_attrs->find(a.ref_attr_name());
                if (it != outer_attrs->end()) attrs[a.name()] = it->second;
            } else {
                attrs[a.name()] = &a;
            }
        }
        for (const auto& op : fn.opset_import()) {
            auto dom = op.domain() == "ai.onnx" ? "" : op.domain();
            if (!g.opsets.count(dom)) g.opsets[dom] = op.version();
        }
        for (auto n : fn.node()) {
            if (n.name().empty()) n.set_name(n.op_type() + "_" + std::to_string(g.nodes.size()));
            n.set_name(prefix + n.name());
            add_node(g, n, rename, &attrs, depth + 1);
        }
        g.diagnostics.push_back({severity::info, prefix.substr(0, prefix.size() - 1), call.op_type(),
                                 "model-local function '" + fn.domain() + "::" + fn.name() + "' inlined (" +
                                     std::to_string(fn.node_size()) + " nodes)"});
    }

    std::shared_ptr<const graph> convert_subgraph(const onnx::GraphProto& gp) {
        auto sg = std::make_shared<graph>();
        sg->path = file_;
        sg->name = gp.name();
        sg->opsets = g_.opsets;
        sg->ir_version = g_.ir_version;
        for (const auto& t : gp.initializer()) {
            add_initializer(*sg, {t.name(), tensor_from_proto(t, options_.small_tensor_elements)});
        }
        for (const auto& n : gp.node()) add_node(*sg, n, {}, nullptr, 0);
        for (const auto& vi : gp.value_info()) declare(*sg, vi);
        for (const auto& vi : gp.input()) add_io(*sg, vi, true);
        for (const auto& vi : gp.output()) add_io(*sg, vi, false);
        finish(*sg, true);
        return sg;
    }

    /** Links producers and checks the graph is a DAG over defined values. */
    void finish(graph& g, bool is_subgraph) {
        if (is_subgraph) {  // values from the enclosing scope behave as inputs of the body
            std::vector<bool> defined(g.values.size(), false);
            for (const auto& n : g.nodes) for (auto o : n.outputs) if (o >= 0) defined[static_cast<std::size_t>(o)] = true;
            for (const auto& n : g.nodes) {
                for (auto in : n.inputs) {
                    if (in < 0) continue;
                    auto& v = g.values[static_cast<std::size_t>(in)];
                    if (!defined[static_cast<std::size_t>(in)] && !v.is_initializer && !v.is_graph_input) {
                        v.is_graph_input = true;
                    }
                }
            }
        }
        g.relink();
        (void)g.topological_order();  // throws graph_error on an undefined value or a cycle
        for (auto out : g.outputs) {
            const auto& v = g.values[static_cast<std::size_t>(out)];
            if (v.producer < 0 && !v.is_initializer && !v.is_graph_input) {
                throw graph_error(v.name, "graph output is never computed");
            }
        }
    }

    std::string file_;
    load_options options_;
    graph g_;
    std::unordered_map<std::string, std::shared_ptr<onnx::FunctionProto>> functions_;
};

/** Read-only memory map that unmaps itself. */
class mapped_file {
public:
    explicit mapped_file(const std::string& path) {
        fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd_ < 0) throw model_error(path, std::string("cannot open: ") + std::strerror(errno));
        struct stat st {};
        if (::fstat(fd_, &st) != 0) throw model_error(path, std::string("cannot stat: ") + std::strerror(errno));
        if (!S_ISREG(st.st_mode)) throw model_error(path, "not a regular file");
        size_ = static_cast<std::size_t>(st.st_size);
        if (size_ > 0 && size_ <= protobuf_limit_bytes) {
            void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd_, 0);
            if (p == MAP_FAILED) throw model_error(path, std::string("cannot map: ") + std::strerror(errno));
            data_ = static_cast<const std::uint8_t*>(p);
        }
    }
    mapped_file(const mapped_file&) = delete;
    mapped_file& operator=(const mapped_file&) = delete;
    ~mapped_file() {
        if (data_) ::munmap(const_cast<std::uint8_t*>(data_), size_);
        if (fd_ >= 0) ::close(fd_);
    }
    [[nodiscard]] const std::uint8_t* data() const { return data_; }
    [[nodiscard]] std::size_t size() const { return size_; }

private:
    int fd_ = -1;
    const std::uint8_t* data_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace

graph load_onnx(const std::string& path, const load_options& options) {
    mapped_file f(path);
    return importer(path, options).run(f.data(), f.size());
}

graph load_onnx_bytes(const void* data, std::size_t size, const std::string& name, const load_options& options) {
    return importer(name, options).run(static_cast<const std::uint8_t*>(data), size);
}

}  // namespace ridgeline
