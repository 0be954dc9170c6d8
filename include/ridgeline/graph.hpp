/**
 * @file graph.hpp
 * The graph IR every other layer works on: `value`s (tensors with a dtype and a possibly symbolic
 * shape), `node`s (one operator application, attributes kept as in the file), initializers
 * (dims and dtype only — weights are never read), graph inputs/outputs, and a topological order.
 * Names are kept exactly as in the file. The IR knows nothing of protobuf; `onnx_import.hpp` fills
 * it and `shape.hpp` completes the shapes.
 *
 * @code
 * ridgeline::graph g = ridgeline::load_onnx("resnet18.onnx");
 * for (auto id : g.topological_order()) std::cout << g.nodes[id].op_type << '\n';
 * @endcode
 */
#pragma once

#include "ridgeline/dim.hpp"
#include "ridgeline/error.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ridgeline {

/** Element types, numbered as ONNX's TensorProto.DataType so the numbers round-trip. */
enum class dtype : std::uint8_t {
    undefined = 0,
    f32 = 1,
    u8 = 2,
    i8 = 3,
    u16 = 4,
    i16 = 5,
    i32 = 6,
    i64 = 7,
    string = 8,
    boolean = 9,
    f16 = 10,
    f64 = 11,
    u32 = 12,
    u64 = 13,
    c64 = 14,
    c128 = 15,
    bf16 = 16,
    f8e4m3fn = 17,
    f8e4m3fnuz = 18,
    f8e5m2 = 19,
    f8e5m2fnuz = 20,
    u4 = 21,
    i4 = 22,
};

/** Bytes per element (sub-byte types round up to 1). @code element_size_bytes(dtype::f16) == 2 @endcode */
std::int64_t element_size_bytes(dtype t) noexcept;
/** Short name: "fp32", "fp16", "bf16", "int64" … @code dtype_name(dtype::f32) == "fp32" @endcode */
std::string_view dtype_name(dtype t) noexcept;
/** True for real floating types (fp8 … fp64). */
bool is_floating(dtype t) noexcept;
/** Parses "fp32|tf32|fp16|bf16|fp8|int8" (tf32 stores as fp32). Throws `usage_error`. */
dtype parse_dtype(std::string_view name);

class graph;

/**
 * Contents of a small tensor known at analysis time (a Constant's value, an integer initializer,
 * or a shape computed by constant propagation). Integers and booleans are `dim`s so that
 * `Shape → Gather → Concat → Reshape` chains stay symbolic; reals are plain doubles.
 */
struct known_data {
    bool is_real = false;      /**< Which of the two vectors is used. */
    std::vector<dim> ints;     /**< Integer/boolean elements, row-major. */
    std::vector<double> reals; /**< Floating elements, row-major. */
    /** Element count. */
    [[nodiscard]] std::size_t size() const noexcept { return is_real ? reals.size() : ints.size(); }
};

/** A tensor stored in the model (initializer or attribute): dims and dtype; data only if small. */
struct tensor_info {
    dtype type = dtype::undefined;          /**< Element type. */
    std::vector<std::int64_t> dims;         /**< Static dims. */
    bool external = false;                  /**< Data lives in an external file. */
    std::shared_ptr<const known_data> data; /**< Set only for small tensors. */
};

/**
 * Where an initializer's bytes are stored, as far as the file says: for external data the file
 * (`location`, relative to the model's folder), `offset` and `length`; for embedded data the
 * model file itself (empty `location`), `offset` and `length` of the bytes within it. Two
 * initializers with the same storage hold the same tensor (a tied weight stored twice).
 */
struct tensor_storage {
    std::string location;     /**< External data file, as written in the model ("" = embedded). */
    std::int64_t offset = -1; /**< Byte offset (-1: not given, or no bytes at all). */
    std::int64_t length = -1; /**< Byte length (-1: not given: to the end of the file). */
    /** True when the external file was absent (or unreadable) when the model was loaded. */
    bool missing = false;
};

/** One node attribute, kept as in the file. */
struct attribute {
    /** Which field holds the value (ONNX AttributeProto.AttributeType numbering). */
    enum class kind : std::uint8_t {
        undefined = 0,
        f = 1,
        i = 2,
        s = 3,
        t = 4,
        g = 5,
        floats = 6,
        ints = 7,
        strings = 8,
        tensors = 9,
        graphs = 10
    };
    std::string name;                                 /**< Attribute name, e.g. "strides". */
    kind type = kind::undefined;                      /**< Which member below is set. */
    double f = 0;                                     /**< kind::f */
    std::int64_t i = 0;                               /**< kind::i */
    std::string s;                                    /**< kind::s */
    std::vector<double> floats;                       /**< kind::floats */
    std::vector<std::int64_t> ints;                   /**< kind::ints */
    std::vector<std::string> strings;                 /**< kind::strings */
    std::shared_ptr<const tensor_info> t;             /**< kind::t */
    std::vector<std::shared_ptr<const graph>> graphs; /**< kind::g (one) and kind::graphs */
};

/** A tensor flowing through the graph. */
struct value {
    std::string name;              /**< As in the file. */
    dtype type = dtype::undefined; /**< Element type (filled by shape inference). */
    std::optional<shape> dims;     /**< Shape; empty optional = rank unknown. */
    std::int32_t producer = -1;    /**< Index of the producing node, -1 if none. */
    bool is_initializer = false;   /**< A stored tensor (weights or constants). */
    bool is_graph_input = false;   /**< Listed in graph.input and not an initializer. */
    bool external_data = false;    /**< Initializer whose data lives outside the file. */
    tensor_storage storage;        /**< Initializers: where the bytes are. */
    /** Initializers: an earlier initializer provably holding the same tensor (the same external
        file, offset and length, or the same embedded bytes), or -1. Counted once as a parameter. */
    std::int32_t same_as = -1;
    std::shared_ptr<const known_data> data; /**< Known contents, when small and computable. */
    dtype declared_type = dtype::undefined; /**< Type the file declares (value_info/output). */
    std::optional<shape> declared;          /**< Shape the file declares, kept as a hint. */
};

/** One operator application. Input index -1 marks an omitted optional input. */
struct node {
    std::string name;                  /**< As in the file (may be empty; see `display_name`). */
    std::string op_type;               /**< E.g. "Conv". */
    std::string domain;                /**< "" (= ai.onnx), "com.microsoft", … */
    std::vector<std::int32_t> inputs;  /**< Value indices; -1 for an omitted optional input. */
    std::vector<std::int32_t> outputs; /**< Value indices; -1 for an omitted optional output. */
    std::vector<attribute> attributes; /**< As in the file. */
    std::int32_t index = 0;            /**< Position in `graph::nodes`. */

    /** The attribute of that name, or nullptr. */
    [[nodiscard]] const attribute* find(std::string_view attr) const noexcept;
    /** Integer attribute with a default. @code n.attr_i("group", 1) @endcode */
    [[nodiscard]] std::int64_t attr_i(std::string_view attr, std::int64_t fallback) const;
    /** Float attribute with a default. */
    [[nodiscard]] double attr_f(std::string_view attr, double fallback) const;
    /** String attribute with a default. */
    [[nodiscard]] std::string attr_s(std::string_view attr, std::string_view fallback) const;
    /** Integer-list attribute; empty when absent. */
    [[nodiscard]] std::vector<std::int64_t> attr_ints(std::string_view attr) const;
    /** Name for messages: the node's name, else "<op_type>#<index>". */
    [[nodiscard]] std::string display_name() const;
};

/** A whole graph: the IR's root. Values and nodes are stored in vectors and referred to by index. */
class graph {
public:
    std::string path;                           /**< File it came from (for messages). */
    std::string name;                           /**< GraphProto.name. */
    std::int64_t ir_version = 0;                /**< ModelProto.ir_version. */
    std::string producer;                       /**< producer_name + version. */
    std::map<std::string, std::int64_t> opsets; /**< Domain → opset version ("" = ai.onnx). */
    std::vector<value> values;                  /**< Every tensor. */
    std::vector<node> nodes;                    /**< In file order. */
    std::vector<std::int32_t> inputs;           /**< Graph inputs that are not initializers. */
    std::vector<std::int32_t> outputs;          /**< Graph outputs. */
    std::vector<std::int32_t> initializers;     /**< Stored tensors. */
    std::vector<diagnostic> diagnostics;        /**< Import findings (functions, subgraphs…). */

    /** Index of the value with that name, or -1. */
    [[nodiscard]] std::int32_t find_value(std::string_view value_name) const;
    /**
     * Index of the value with that name, created (empty) if new. The name index reads the names
     * stored in `values`: add values through this call, and do not rename them in place.
     */
    std::int32_t intern_value(std::string_view value_name);
    /** Reserves room for `value_count` values and `node_count` nodes (an importer's size hint). */
    void reserve(std::size_t value_count, std::size_t node_count);
    /** Opset of a domain ("" and "ai.onnx" are the same), 0 when not imported. */
    [[nodiscard]] std::int64_t opset(std::string_view domain) const;
    /**
     * Node indices in a topological order (stable: file order where the file is already sorted).
     * Throws `graph_error` naming a node on a cycle, or a value read but never defined.
     */
    [[nodiscard]] const std::vector<std::int32_t>& topological_order() const;
    /** Rebuilds producer links and clears the cached order; call after editing nodes. */
    void relink();

private:
    /** One slot of the name index (open addressing): a value's index and its name's hash. */
    struct name_slot {
        std::uint32_t hash = 0;  /**< Hash of the value's name. */
        std::int32_t index = -1; /**< Index in `values`; -1 = empty slot. */
    };
    /** Slot holding `value_name` (hash `h`), or the empty slot where it would go. */
    [[nodiscard]] std::size_t find_slot(std::string_view value_name, std::uint32_t h) const;
    /** Grows the index to at least `slot_count` slots (a power of two). */
    void grow_index(std::size_t slot_count);
    std::vector<name_slot> slots_;  // power-of-two size, kept at most half full; names live in `values`
    std::size_t indexed_ = 0;       // occupied slots
    mutable std::vector<std::int32_t> order_;
    mutable bool order_valid_ = false;
};

}  // namespace ridgeline
