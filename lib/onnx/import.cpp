// ONNX → graph IR. The only translation unit that includes protobuf or ONNX headers.
//
// Why the file is walked by hand: the generated `ModelProto::ParseFromArray` copies every embedded
// weight into a std::string, so memory would grow with weight size, and a 30k-node graph would pay
// for a full message tree (a std::string per name, a message per attribute) that it then throws
// away. We walk the protobuf wire format directly over the mapped file with a small bounds-checked
// reader: ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, FunctionProto and
// OperatorSetIdProto fields are read in place (names are string_views into the file until they
// are interned), and tensor data is only decoded for small tensors (shape constants); the bytes of
// large tensors are skipped and never touched. Only ValueInfoProto (a nested type tree) and
// SparseTensorProto go through the generated parser, on their own bytes. The wire reader is in
// wire.hpp, TensorProto reading and small-tensor decoding in tensor_decode.cpp, the file mapping in
// mapped_file.hpp; this file is the importer (graphs, nodes, attributes, functions, subgraphs).
//
// Every malformed input — a truncated or corrupt file, a field of the wrong wire type, a length
// running past its message — is a `model_error` naming the file; structural faults of the graph
// (undefined values, values defined twice, cycles) are `graph_error`s naming the node.
#include "ridgeline/onnx_import.hpp"

#include "mapped_file.hpp"
#include "tensor_decode.hpp"
#include "wire.hpp"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <span>
#include <string_view>
#include <unordered_map>

namespace ridgeline {
namespace {

using namespace onnx_wire;

constexpr int max_function_depth = 16;                // nested model-local function calls
constexpr int max_subgraph_depth = 64;                // If/Loop/Scan bodies within bodies
constexpr std::size_t max_inlined_nodes = 4'000'000;  // stops a "function bomb" from eating memory

struct named_tensor {
    std::string name;
    tensor_info info;
    tensor_storage storage;
    const std::uint8_t* raw = nullptr;  // embedded raw_data (views into the file)
    std::size_t raw_size = 0;
};

/** True for the integer (and boolean) element types shape constants are stored in. */
bool is_integer_type(dtype t) {
    switch (t) {
        case dtype::i64:
        case dtype::i32:
        case dtype::i16:
        case dtype::i8:
        case dtype::u64:
        case dtype::u32:
        case dtype::u16:
        case dtype::u8:
        case dtype::boolean:
            return true;
        default:
            return false;
    }
}

/** A NodeProto read in place: views into the file (or into a function body's bytes). */
struct wire_node {
    std::string_view name, op_type, domain;
    std::vector<std::string_view> inputs, outputs;
    std::vector<field> attributes;  // AttributeProto payloads, converted one by one
    void clear() {
        name = op_type = domain = {};
        inputs.clear();
        outputs.clear();
        attributes.clear();
    }
};

/** A model-local function (FunctionProto), read in place. */
struct function_def {
    std::string name, domain;
    std::vector<std::string> inputs, outputs;
    std::vector<field> nodes;  // NodeProto payloads
    std::vector<std::pair<std::string, std::int64_t>> opsets;
};

/** Name → name map with lookups by string_view. */
struct view_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
using rename_map = std::unordered_map<std::string, std::string, view_hash, std::equal_to<>>;
/** Attribute name → AttributeProto payload, for resolving ref_attr_name inside a function body. */
using attr_map = std::unordered_map<std::string, field, view_hash, std::equal_to<>>;

/** Where an inlined function body's names resolve: value renames and the call's attributes. */
struct scope {
    const rename_map* rename = nullptr;
    const attr_map* attrs = nullptr;
};

class importer {
public:
    importer(std::string file, const load_options& options) : file_(std::move(file)), options_(options) {}

    graph run(const std::uint8_t* p, std::size_t n) {
        base_ = p;
        if (n == 0) throw model_error(file_, "empty file (0 bytes): not an ONNX model");
        if (n > protobuf_limit_bytes) {
            throw model_error(file_, "file is " + std::to_string(n) + " bytes (" + std::to_string(n >> 20) +
                                         " MiB); protobuf cannot parse a message of 2 GiB or more. Store the "
                                         "weights as external data (onnx.save(..., save_as_external_data=True))");
        }
        const std::uint8_t* graph_data = nullptr;
        std::size_t graph_size = 0;
        bool seen_graph = false;
        bool seen_opset = false;
        for_each_field(p, n, file_, "ModelProto", [&](const field& f) {
            switch (f.number) {
                case 1:
                    expect(f, 0, "ModelProto.ir_version");
                    g_.ir_version = static_cast<std::int64_t>(f.varint);
                    break;
                case 2:
                    expect(f, 2, "ModelProto.producer_name");
                    g_.producer = as_string(f) + g_.producer;
                    break;
                case 3:
                    expect(f, 2, "ModelProto.producer_version");
                    g_.producer += " " + as_string(f);
                    break;
                case 7:
                    expect(f, 2, "ModelProto.graph");
                    graph_data = f.data;
                    graph_size = f.size;
                    seen_graph = true;
                    break;
                case 8: {
                    expect(f, 2, "ModelProto.opset_import");
                    const auto [domain, version] = read_opset(f);
                    g_.opsets[domain == "ai.onnx" ? "" : domain] = version;
                    seen_opset = true;
                    break;
                }
                case 25:
                    expect(f, 2, "ModelProto.functions");
                    read_function(f);
                    break;
                default:
                    break;  // doc_string, metadata, training_info …: not needed
            }
        });
        if (!seen_graph) throw model_error(file_, "no graph in the file (not an ONNX model, or truncated?)");
        if (g_.ir_version <= 0 || g_.ir_version > 64) {
            throw model_error(file_, "ir_version " + std::to_string(g_.ir_version) +
                                         " is not a valid ONNX IR version (not an ONNX model?)");
        }
        if (!seen_opset) {
            // Required from IR 3 on, and written after the graph by every exporter: a file cut just
            // after its graph loses only this field, so its absence most often means truncation.
            if (g_.ir_version >= 3) {
                throw model_error(file_,
                                  "no opset_import (ONNX requires one from IR version 3 on; "
                                  "is the file truncated?)");
            }
            g_.opsets[""] = 1;
        }
        g_.path = file_;
        walk_graph(g_, graph_data, graph_size, 0);
        finish(g_, false);
        return std::move(g_);
    }

private:
    /** `e` again, its message completed with which node of the graph it arose in. */
    model_error in_node(const model_error& e, std::size_t index, std::string_view name) const {
        std::string message = e.what();
        const std::string prefix = file_ + ": ";
        if (message.compare(0, prefix.size(), prefix) == 0) message.erase(0, prefix.size());
        if (message.find(" (in node #") != std::string::npos) return e;  // already said (nested graph)
        if (!name.empty() && message.find("node '" + std::string(name) + "'") != std::string::npos) return e;
        message += " (in node #" + std::to_string(index) + (name.empty() ? "" : " '" + std::string(name) + "'") + ")";
        return model_error(file_, message);
    }

    [[noreturn]] void corrupt(const std::string& what) const { corrupt_message(file_, what); }

    /** Throws model_error unless field `f` has wire type `wire`. */
    void expect(const field& f, std::uint32_t wire, const char* what) const { expect_wire_type(f, wire, file_, what); }

    /** OperatorSetIdProto: domain (1) and version (2). */
    std::pair<std::string, std::int64_t> read_opset(const field& f) const {
        std::pair<std::string, std::int64_t> out;
        for_each_field(f.data, f.size, file_, "OperatorSetIdProto", [&](const field& x) {
            if (x.number == 1) {
                expect(x, 2, "OperatorSetIdProto.domain");
                out.first = as_string(x);
            } else if (x.number == 2) {
                expect(x, 0, "OperatorSetIdProto.version");
                out.second = static_cast<std::int64_t>(x.varint);
            }
        });
        return out;
    }

    /** FunctionProto: name, domain, formal inputs/outputs, body nodes (kept as bytes), opsets. */
    void read_function(const field& f) {
        function_def fn;
        for_each_field(f.data, f.size, file_, "FunctionProto", [&](const field& x) {
            switch (x.number) {
                case 1:
                    expect(x, 2, "FunctionProto.name");
                    fn.name = as_string(x);
                    break;
                case 4:
                    expect(x, 2, "FunctionProto.input");
                    fn.inputs.push_back(as_string(x));
                    break;
                case 5:
                    expect(x, 2, "FunctionProto.output");
                    fn.outputs.push_back(as_string(x));
                    break;
                case 7:
                    expect(x, 2, "FunctionProto.node");
                    fn.nodes.push_back(x);
                    break;
                case 9: {
                    expect(x, 2, "FunctionProto.opset_import");
                    auto op = read_opset(x);
                    fn.opsets.emplace_back(op.first == "ai.onnx" ? "" : op.first, op.second);
                    break;
                }
                case 10:
                    expect(x, 2, "FunctionProto.domain");
                    fn.domain = as_string(x);
                    break;
                default:
                    break;
            }
        });
        auto key = fn.domain + "::" + fn.name;
        functions_.insert_or_assign(std::move(key), std::move(fn));
    }

    /** Reads a NodeProto's fields into `out` (views into the same bytes). */
    void read_node(const field& f, wire_node& out) const {
        out.clear();
        for_each_field(f.data, f.size, file_, "NodeProto", [&](const field& x) {
            switch (x.number) {
                case 1:
                    expect(x, 2, "NodeProto.input");
                    out.inputs.push_back(as_view(x));
                    break;
                case 2:
                    expect(x, 2, "NodeProto.output");
                    out.outputs.push_back(as_view(x));
                    break;
                case 3:
                    expect(x, 2, "NodeProto.name");
                    out.name = as_view(x);
                    break;
                case 4:
                    expect(x, 2, "NodeProto.op_type");
                    out.op_type = as_view(x);
                    break;
                case 5:
                    expect(x, 2, "NodeProto.attribute");
                    out.attributes.push_back(x);
                    break;
                case 7:
                    expect(x, 2, "NodeProto.domain");
                    out.domain = as_view(x);
                    break;
                default:
                    break;  // doc_string, overload, metadata_props
            }
        });
    }

    /**
     * Reads a TensorProto: the header (name, dims, dtype, location) always; the contents only
     * for a small embedded tensor. Large data bytes are skipped in place, never copied.
     * `owner`/`attr` name the tensor's role in messages: an initializer when `owner` is null, else
     * attribute `attr` of node `owner`.
     */
    named_tensor read_tensor(const std::uint8_t* p, std::size_t n, const node* owner = nullptr,
                             std::string_view attr = {}) const {
        auto what = [&] {
            return owner ? "tensor of attribute '" + std::string(attr) + "' of node '" + owner->display_name() + "'"
                         : std::string("initializer");
        };
        tensor_view t = read_tensor_view(p, n, file_, what);
        named_tensor out;
        out.name = std::string(t.name);
        for (auto d : t.dims) {
            if (d < 0) {
                throw model_error(file_, what() + (t.name.empty() ? "" : " '" + out.name + "'") +
                                             " has a negative dimension (" + std::to_string(d) + ")");
            }
        }
        out.info.type = t.type;
        out.info.external = t.external;
        const auto count = element_count(t.dims);
        if (t.external) {
            out.storage.location = std::string(t.location);
            out.storage.offset = t.offset;
            out.storage.length = t.length;
        } else if (t.has_raw) {
            out.storage.offset = static_cast<std::int64_t>(t.raw - base_);
            out.storage.length = static_cast<std::int64_t>(t.raw_size);
            out.raw = t.raw;
            out.raw_size = t.raw_size;
        }
        if (!t.external && count >= 0 && count <= options_.small_tensor_elements) {
            bool malformed = false;
            out.info.data = decode_small(t, count, malformed);
            if (malformed) corrupt(what() + " (data)");
        } else if (t.external && count >= 0 && count <= options_.small_tensor_elements && is_integer_type(t.type) &&
                   options_.read_external_shape_data) {
            // A shape constant stored outside (never a float weight): read it when the file is there.
            out.info.data = read_external(t, count, out.storage, what);
        }
        out.info.dims = std::move(t.dims);
        return out;
    }

    /**
     * A small integer tensor's contents from its external data file (relative to the model's
     * folder), or nullptr (storage.missing set) when the file is absent.
     */
    std::shared_ptr<const known_data> read_external(const tensor_view& t, std::int64_t count, tensor_storage& storage,
                                                    const std::function<std::string()>& what) const {
        const std::string label = what() + (t.name.empty() ? "" : " '" + std::string(t.name) + "'");
        if (t.location.empty()) {
            throw model_error(file_, label + " is stored in an external data file but names none (location)");
        }
        const std::filesystem::path location{std::string(t.location)};
        const bool escapes = std::any_of(location.begin(), location.end(), [](const auto& c) { return c == ".."; });
        if (location.is_absolute() || escapes) {
            throw model_error(file_, label + ": external data location '" + std::string(t.location) +
                                         "' must be a relative path inside the model's folder");
        }
        const auto path = std::filesystem::path(file_).parent_path() / location;
        std::ifstream in(path, std::ios::binary);
        if (!in) {
            storage.missing = true;
            return nullptr;
        }
        const auto bytes = static_cast<std::size_t>(count) * static_cast<std::size_t>(element_size_bytes(t.type));
        if (t.length >= 0 && static_cast<std::size_t>(t.length) < bytes) {
            throw model_error(file_, label + ": external_data length " + std::to_string(t.length) +
                                         " is less than its " + std::to_string(count) + " elements need (" +
                                         std::to_string(bytes) + " bytes)");
        }
        std::vector<std::uint8_t> buffer(bytes);
        in.seekg(std::max<std::int64_t>(t.offset, 0));
        in.read(reinterpret_cast<char*>(buffer.data()), static_cast<std::streamsize>(bytes));
        if (!in || static_cast<std::size_t>(in.gcount()) != bytes) {
            throw model_error(path.string(), "holds fewer than " + std::to_string(bytes) + " bytes at offset " +
                                                 std::to_string(std::max<std::int64_t>(t.offset, 0)) + " for " + label +
                                                 " of " + file_);
        }
        tensor_view embedded = t;
        embedded.external = false;
        embedded.has_raw = true;
        embedded.raw = buffer.data();
        embedded.raw_size = buffer.size();
        bool malformed = false;
        return decode_small(embedded, count, malformed);
    }

    static dtype type_of(const onnx::TypeProto& tp) {
        return tp.has_tensor_type() ? to_dtype(static_cast<std::uint64_t>(tp.tensor_type().elem_type()))
                                    : dtype::undefined;
    }

    /** A dim_param as a dimension: an expression ("2*sequence"), else one opaque symbol (never a
        negative number, and never an overflow: "-3" or "99999999999999999999" stay names). */
    static dim declared_dim(const std::string& text) {
        try {
            const dim d = dim::parse(text);
            if (!d.is_value() || d.value() >= 0) return d;
        } catch (const overflow_error&) {
        }
        return dim::symbol(text);
    }

    static std::optional<shape> shape_of(const onnx::ValueInfoProto& vi) {
        if (!vi.type().has_tensor_type() || !vi.type().tensor_type().has_shape()) return std::nullopt;
        shape s;
        int axis = 0;
        for (const auto& d : vi.type().tensor_type().shape().dim()) {
            if (d.has_dim_value() && d.dim_value() >= 0)
                s.emplace_back(d.dim_value());
            else if (d.has_dim_param() && !d.dim_param().empty())
                s.push_back(declared_dim(d.dim_param()));
            else
                // Undetermined by the file (no dim, or a negative one, which no tensor has).
                s.push_back(dim::symbol("unk__" + vi.name() + "_" + std::to_string(axis)));
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
            if (v.is_graph_input)
                throw graph_error(vi.name(), "value '" + vi.name() + "' is listed twice as a graph input");
            v.is_graph_input = true;
            v.type = v.declared_type;
            v.dims = v.declared;
            g.inputs.push_back(id);
        } else {
            g.outputs.push_back(id);
        }
    }

    /**
     * The earlier initializer of `g` provably holding the same tensor as `t` (same dtype and
     * dims, and the same external file, offset and length, or the same embedded bytes), or -1.
     * Candidates are grouped by (dtype, dims), so bytes are compared only between tensors of the
     * same shape, in place in the mapped file.
     */
    std::int32_t same_tensor(const graph& g, const named_tensor& t, std::int32_t id) {
        std::string key = std::to_string(static_cast<int>(t.info.type));
        for (auto d : t.info.dims) key += "," + std::to_string(d);
        auto& candidates = same_shape_[&g][key];
        for (const auto& c : candidates) {
            const auto& s = g.values[static_cast<std::size_t>(c.id)].storage;
            if (t.info.external) {
                // The region must be stated (a length): a file named without one is a whole-file
                // tensor, which no two tensors of a real export share.
                if (!c.external || t.storage.length < 0 || s.location != t.storage.location) continue;
                if (std::max<std::int64_t>(s.offset, 0) != std::max<std::int64_t>(t.storage.offset, 0)) continue;
                if (s.length != t.storage.length) continue;
                return c.id;
            }
            if (c.external || !t.raw || !c.raw || c.raw_size != t.raw_size) continue;
            if (std::memcmp(c.raw, t.raw, t.raw_size) == 0) return c.id;
        }
        if (t.info.external || t.raw) candidates.push_back({id, t.info.external, t.raw, t.raw_size});
        return -1;
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
        v.storage = t.storage;
        const auto same = same_tensor(g, t, id);
        g.values[static_cast<std::size_t>(id)].same_as = same;
        if (v.is_graph_input) {  // listed as input before its initializer: it is a weight
            v.is_graph_input = false;
            std::erase(g.inputs, id);
        }
        g.initializers.push_back(id);
    }

    /** Reads a GraphProto's fields into `g` (the main graph, or a subgraph at depth `nesting`). */
    void walk_graph(graph& g, const std::uint8_t* p, std::size_t n, int nesting) {
        // A first pass over the top-level fields only (tags and lengths) sizes the tables once.
        std::size_t node_count = 0;
        std::size_t tensor_count = 0;
        for_each_field(p, n, file_, "GraphProto", [&](const field& f) {
            if (f.number == 1)
                ++node_count;
            else if (f.number == 5 || f.number == 11 || f.number == 15)
                ++tensor_count;
        });
        g.reserve(g.values.size() + node_count + tensor_count + 16, g.nodes.size() + node_count);

        wire_node node_buf;  // reused for every node of this graph
        onnx::ValueInfoProto vi;
        std::vector<field> inputs, outputs;
        for_each_field(p, n, file_, "GraphProto", [&](const field& f) {
            switch (f.number) {
                case 1:
                    expect(f, 2, "GraphProto.node");
                    node_buf.clear();
                    try {
                        read_node(f, node_buf);
                        add_node(g, node_buf, std::string(node_buf.name), nullptr, 0, nesting);
                    } catch (const model_error& e) {
                        throw in_node(e, g.nodes.size(), node_buf.name);
                    }
                    break;
                case 2:
                    expect(f, 2, "GraphProto.name");
                    g.name = as_string(f);
                    break;
                case 5:
                    expect(f, 2, "GraphProto.initializer");
                    add_initializer(g, read_tensor(f.data, f.size));
                    break;
                case 11:
                    expect(f, 2, "GraphProto.input");
                    inputs.push_back(f);
                    break;
                case 12:
                    expect(f, 2, "GraphProto.output");
                    outputs.push_back(f);
                    break;
                case 13:
                    expect(f, 2, "GraphProto.value_info");
                    parse_value_info(f, vi);
                    declare(g, vi);
                    break;
                case 15: {  // sparse_initializer: dims (3) and values' dtype
                    expect(f, 2, "GraphProto.sparse_initializer");
                    onnx::SparseTensorProto sp;
                    if (!sp.ParseFromArray(f.data, static_cast<int>(f.size))) corrupt("sparse_initializer");
                    named_tensor t;
                    t.name = sp.values().name();
                    t.info.type = to_dtype(static_cast<std::uint64_t>(sp.values().data_type()));
                    t.info.dims.assign(sp.dims().begin(), sp.dims().end());
                    add_initializer(g, std::move(t));
                    break;
                }
                default:
                    break;
            }
        });
        for (const auto& f : inputs) {
            parse_value_info(f, vi);
            add_io(g, vi, true);
        }
        for (const auto& f : outputs) {
            parse_value_info(f, vi);
            add_io(g, vi, false);
        }
    }

    void parse_value_info(const field& f, onnx::ValueInfoProto& vi) const {
        vi.Clear();
        if (!vi.ParseFromArray(f.data, static_cast<int>(f.size)))
            corrupt("value_info (graph input, output or value_info)");
    }

    /**
     * Converts one AttributeProto. Returns nothing for a reference (ref_attr_name) the caller's
     * attributes do not resolve: the operator's default then applies.
     */
    std::optional<attribute> convert_attribute(const field& a, const attr_map* caller_attrs, int nesting,
                                               const node& owner) {
        attribute out;
        std::string_view ref;
        bool has_f = false, has_s = false;
        const std::uint8_t* t_data = nullptr;
        std::size_t t_size = 0;
        bool has_t = false;
        std::vector<field> graphs;  // g first, then graphs, as the generated accessors order them
        std::optional<field> single_graph;
        std::uint64_t type = 0;
        for_each_field(a.data, a.size, file_, "AttributeProto", [&](const field& x) {
            switch (x.number) {
                case 1:
                    expect(x, 2, "AttributeProto.name");
                    out.name = as_string(x);
                    break;
                case 2:
                    expect(x, 5, "AttributeProto.f");
                    out.f = bits_to_float(static_cast<std::uint32_t>(x.varint));
                    has_f = true;
                    break;
                case 3:
                    expect(x, 0, "AttributeProto.i");
                    out.i = static_cast<std::int64_t>(x.varint);
                    break;
                case 4:
                    expect(x, 2, "AttributeProto.s");
                    out.s = as_string(x);
                    has_s = true;
                    break;
                case 5:
                    expect(x, 2, "AttributeProto.t");
                    t_data = x.data;
                    t_size = x.size;
                    has_t = true;
                    break;
                case 6:
                    expect(x, 2, "AttributeProto.g");
                    single_graph = x;
                    break;
                case 7: {
                    std::vector<std::uint64_t> bits;
                    if (!repeated_fixed(std::span(&x, 1), 4, bits)) corrupt("attribute floats");
                    for (auto b : bits) out.floats.push_back(bits_to_float(static_cast<std::uint32_t>(b)));
                    break;
                }
                case 8: {
                    std::vector<std::uint64_t> vals;
                    if (!repeated_varints(std::span(&x, 1), vals)) corrupt("attribute ints");
                    for (auto v : vals) out.ints.push_back(static_cast<std::int64_t>(v));
                    break;
                }
                case 9:
                    expect(x, 2, "AttributeProto.strings");
                    out.strings.push_back(as_string(x));
                    break;
                case 11:
                    expect(x, 2, "AttributeProto.graphs");
                    graphs.push_back(x);
                    break;
                case 20:
                    expect(x, 0, "AttributeProto.type");
                    type = x.varint;
                    break;
                case 21:
                    expect(x, 2, "AttributeProto.ref_attr_name");
                    ref = as_view(x);
                    break;
                default:
                    break;  // doc_string, tensors, sparse tensors, type protos: not used
            }
        });
        if (!ref.empty()) {
            if (!caller_attrs) return std::nullopt;
            auto it = caller_attrs->find(ref);
            if (it == caller_attrs->end()) return std::nullopt;
            auto resolved = convert_attribute(it->second, nullptr, nesting, owner);
            if (resolved) resolved->name = std::move(out.name);
            return resolved;
        }
        // AttributeType is a closed proto2 enum up to TYPE_PROTOS (14): other numbers read as UNDEFINED.
        out.type = type <= 14 ? static_cast<attribute::kind>(type) : attribute::kind::undefined;
        if (has_t) {
            out.t = std::make_shared<tensor_info>(read_tensor(t_data, t_size, &owner, out.name).info);
        }
        if (single_graph) out.graphs.push_back(convert_subgraph(*single_graph, nesting + 1));
        for (const auto& sg : graphs) out.graphs.push_back(convert_subgraph(sg, nesting + 1));
        if (out.type == attribute::kind::undefined) {  // old files omit the type: infer it
            if (has_t)
                out.type = attribute::kind::t;
            else if (single_graph)
                out.type = attribute::kind::g;
            else if (!out.ints.empty())
                out.type = attribute::kind::ints;
            else if (!out.floats.empty())
                out.type = attribute::kind::floats;
            else if (has_s)
                out.type = attribute::kind::s;
            else if (has_f)
                out.type = attribute::kind::f;
            else
                out.type = attribute::kind::i;
        }
        return out;
    }

    /** A name as seen from `sc`: renamed inside an inlined function body, else unchanged. */
    static std::string_view mapped(const scope* sc, std::string_view s) {
        if (s.empty() || !sc || !sc->rename) return s;
        auto it = sc->rename->find(s);
        return it == sc->rename->end() ? s : std::string_view(it->second);
    }

    /**
     * Appends node `n` (named `name`) to `g`, or inlines it when it calls a model-local function.
     * `sc` resolves names and attribute references inside an inlined function body; `depth` is
     * the function nesting, `nesting` the subgraph nesting.
     */
    void add_node(graph& g, const wire_node& n, std::string name, const scope* sc, int depth, int nesting) {
        if (n.op_type.empty()) {
            throw model_error(file_, "node '" + (name.empty() ? "#" + std::to_string(g.nodes.size()) : name) +
                                         "' has no op_type (corrupt file?)");
        }
        if (options_.inline_functions && !functions_.empty()) {
            std::string key;
            key.reserve(n.domain.size() + 2 + n.op_type.size());
            key.append(n.domain).append("::").append(n.op_type);
            if (auto it = functions_.find(key); it != functions_.end()) {
                inline_call(g, n, name, it->second, sc, depth, nesting);
                return;
            }
        }
        node out;
        out.index = static_cast<std::int32_t>(g.nodes.size());
        out.name = std::move(name);
        out.op_type = n.op_type;
        out.domain = n.domain == "ai.onnx" ? std::string_view() : n.domain;
        out.inputs.reserve(n.inputs.size());
        out.outputs.reserve(n.outputs.size());
        for (auto s : n.inputs) {
            const auto m = mapped(sc, s);
            out.inputs.push_back(m.empty() ? -1 : g.intern_value(m));
        }
        for (auto s : n.outputs) {
            const auto m = mapped(sc, s);
            out.outputs.push_back(m.empty() ? -1 : g.intern_value(m));
        }
        out.attributes.reserve(n.attributes.size());
        for (const auto& a : n.attributes) {
            auto converted = convert_attribute(a, sc ? sc->attrs : nullptr, nesting, out);
            if (!converted) continue;  // unresolved reference: the operator's default applies
            out.attributes.push_back(std::move(*converted));
            const auto& added = out.attributes.back();
            if (!added.graphs.empty()) {
                std::size_t inner = 0;
                for (const auto& sg : added.graphs) inner += sg->nodes.size();
                g.diagnostics.push_back({severity::info, out.display_name(), out.op_type,
                                         "carries a subgraph ('" + added.name + "', " + std::to_string(inner) +
                                             " nodes): imported and reported; its work is not counted"});
            }
        }
        g.nodes.push_back(std::move(out));
    }

    /** Peeks an AttributeProto's name and ref_attr_name. */
    std::pair<std::string_view, std::string_view> attribute_names(const field& a) const {
        std::pair<std::string_view, std::string_view> out;
        for_each_field(a.data, a.size, file_, "AttributeProto", [&](const field& x) {
            if (x.number == 1) {
                expect(x, 2, "AttributeProto.name");
                out.first = as_view(x);
            } else if (x.number == 21) {
                expect(x, 2, "AttributeProto.ref_attr_name");
                out.second = as_view(x);
            }
        });
        return out;
    }

    /** Nodes that inlining `fn` creates (saturating at max_inlined_nodes + 1), memoised. */
    std::size_t expanded_size(const function_def& fn, int depth) {
        if (auto it = expanded_.find(&fn); it != expanded_.end()) return it->second;
        if (depth >= max_function_depth) {
            throw model_error(file_, "function '" + fn.name + "' nests deeper than " +
                                         std::to_string(max_function_depth) + " levels (recursive?)");
        }
        std::size_t total = 0;
        wire_node body;
        std::string key;
        for (const auto& f : fn.nodes) {
            read_node(f, body);
            key.assign(body.domain).append("::").append(body.op_type);
            auto callee = functions_.find(key);
            total += callee == functions_.end() ? 1 : expanded_size(callee->second, depth + 1);
            total = std::min(total, max_inlined_nodes + 1);
        }
        expanded_.emplace(&fn, total);
        return total;
    }

    void inline_call(graph& g, const wire_node& call, const std::string& call_name, const function_def& fn,
                     const scope* outer, int depth, int nesting) {
        if (depth >= max_function_depth) {
            throw model_error(file_, "function '" + fn.name + "' nests deeper than " +
                                         std::to_string(max_function_depth) + " levels (recursive?)");
        }
        const std::string prefix = (call_name.empty() ? fn.name + "#" + std::to_string(g.nodes.size())
                                                      : std::string(mapped(outer, call_name))) +
                                   "/";
        rename_map rename;
        for (std::size_t i = 0; i < fn.inputs.size(); ++i) {
            rename[fn.inputs[i]] = i < call.inputs.size() ? std::string(mapped(outer, call.inputs[i])) : std::string();
        }
        for (std::size_t i = 0; i < fn.outputs.size(); ++i) {
            rename[fn.outputs[i]] =
                i < call.outputs.size() ? std::string(mapped(outer, call.outputs[i])) : prefix + fn.outputs[i];
        }
        wire_node body;  // one buffer per inlining level: add_node may recurse into another call
        for (const auto& f : fn.nodes) {
            read_node(f, body);
            for (auto s : body.outputs) {
                if (!s.empty() && rename.find(s) == rename.end())
                    rename.emplace(std::string(s), prefix + std::string(s));
            }
        }
        attr_map attrs;
        // (Default attribute values of IR 9 functions are not read; an attribute the call omits
        // takes the operator's own default.)
        for (const auto& a : call.attributes) {
            const auto [name, ref] = attribute_names(a);
            if (!ref.empty()) {  // the call itself forwards an attribute of an enclosing call
                if (outer && outer->attrs) {
                    auto it = outer->attrs->find(ref);
                    if (it != outer->attrs->end()) attrs.insert_or_assign(std::string(name), it->second);
                }
            } else {
                attrs.insert_or_assign(std::string(name), a);
            }
        }
        for (const auto& [domain, version] : fn.opsets) {
            if (!g.opsets.count(domain)) g.opsets[domain] = version;
        }
        if (depth == 0) {  // size the whole expansion first: refuse a "function bomb" before building it
            inlined_nodes_ += expanded_size(fn, 0);
            if (inlined_nodes_ > max_inlined_nodes) {
                throw model_error(file_, "inlining function '" + fn.name + "' would create more than " +
                                             std::to_string(max_inlined_nodes) +
                                             " nodes (functions calling each other without bound?)");
            }
        }
        const scope inner{&rename, &attrs};
        for (const auto& f : fn.nodes) {
            read_node(f, body);
            std::string name = body.name.empty() ? std::string(body.op_type) + "_" + std::to_string(g.nodes.size())
                                                 : std::string(body.name);
            add_node(g, body, prefix + name, &inner, depth + 1, nesting);
        }
        g.diagnostics.push_back({severity::info, prefix.substr(0, prefix.size() - 1), std::string(call.op_type),
                                 "model-local function '" + fn.domain + "::" + fn.name + "' inlined (" +
                                     std::to_string(fn.nodes.size()) + " nodes)"});
    }

    std::shared_ptr<const graph> convert_subgraph(const field& f, int nesting) {
        if (nesting > max_subgraph_depth) {
            throw model_error(file_, "subgraphs nest deeper than " + std::to_string(max_subgraph_depth) + " levels");
        }
        auto sg = std::make_shared<graph>();
        sg->path = file_;
        sg->opsets = g_.opsets;
        sg->ir_version = g_.ir_version;
        walk_graph(*sg, f.data, f.size, nesting);
        finish(*sg, true);
        return sg;
    }

    /** Links producers and checks the graph is a DAG over defined values. */
    void finish(graph& g, bool is_subgraph) {
        if (is_subgraph) {  // values from the enclosing scope behave as inputs of the body
            std::vector<bool> defined(g.values.size(), false);
            for (const auto& n : g.nodes)
                for (auto o : n.outputs)
                    if (o >= 0) defined[static_cast<std::size_t>(o)] = true;
            for (const auto& n : g.nodes) {
                for (auto in : n.inputs) {
                    if (in < 0) continue;
                    auto& v = g.values[static_cast<std::size_t>(in)];
                    if (!defined[static_cast<std::size_t>(in)] && !v.is_initializer && !v.is_graph_input) {
                        v.is_graph_input = true;
                    }
                }
            }
            // A body may also return an enclosing-scope value directly, with no node producing it.
            for (auto out : g.outputs) {
                auto& v = g.values[static_cast<std::size_t>(out)];
                if (!defined[static_cast<std::size_t>(out)] && !v.is_initializer) v.is_graph_input = true;
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

    /** An initializer that later ones may repeat. */
    struct stored_tensor {
        std::int32_t id = -1;
        bool external = false;
        const std::uint8_t* raw = nullptr;
        std::size_t raw_size = 0;
    };

    std::string file_;
    load_options options_;
    const std::uint8_t* base_ = nullptr;  // the model's bytes (embedded storage offsets count from here)
    graph g_;
    // Per graph, per "dtype,dims": the initializers stored so far (same_tensor).
    std::unordered_map<const graph*, std::unordered_map<std::string, std::vector<stored_tensor>>> same_shape_;
    std::unordered_map<std::string, function_def> functions_;        // "domain::name" → body
    std::size_t inlined_nodes_ = 0;                                  // function body nodes expanded so far
    std::unordered_map<const function_def*, std::size_t> expanded_;  // memo of expanded_size
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
