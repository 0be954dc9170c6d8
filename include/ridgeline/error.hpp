/**
 * @file error.hpp
 * ridgeline's one error policy. Bad input (a corrupt model file, a contradictory graph, an unbound
 * symbol, a malformed hardware spec, a bad command-line value) raises one of the small exception
 * types below; each carries the context a user needs to find the fault (file, node, key, symbol)
 * and a `what()` message that already names it. Whole-graph passes do not throw for a single bad
 * node: they collect per-node `diagnostic`s and go on. "No GPU here" is a status value in
 * `measure.hpp`, never an exception.
 *
 * @code
 * try { auto g = ridgeline::load_onnx("model.onnx"); }
 * catch (const ridgeline::model_error& e) { std::cerr << e.what() << '\n'; }  // names the file
 * @endcode
 */
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace ridgeline {

/** Base of every ridgeline exception. @code catch (const ridgeline::error& e) {} @endcode */
class error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/** A model file that cannot be read or is not a valid ONNX model; names the file (and node). */
class model_error : public error {
public:
    /** @code throw model_error("m.onnx", "truncated protobuf"); @endcode */
    model_error(std::string file, const std::string& message) : error(file + ": " + message), file_(std::move(file)) {}
    /** The offending file's path. */
    [[nodiscard]] const std::string& file() const noexcept { return file_; }

private:
    std::string file_;
};

/** A graph whose structure or shapes contradict themselves; names the node. */
class graph_error : public error {
public:
    /** @code throw graph_error("/layer1/MatMul", "inner dimensions differ: 3 vs 4"); @endcode */
    graph_error(std::string node, const std::string& message)
        : error("node '" + node + "': " + message), node_(std::move(node)) {}
    /** The node's name (or the value's name for graph-level faults). */
    [[nodiscard]] const std::string& node() const noexcept { return node_; }

private:
    std::string node_;
};

/**
 * A shape rule needed tensor contents the file does not carry (e.g. a Reshape target stored in an
 * absent external-data file). The shape engine then falls back to the shapes the file declares.
 */
class unknown_data_error : public graph_error {
public:
    using graph_error::graph_error;
};

/** A count needed the value of a symbolic dimension nobody bound; names the symbol. */
class unbound_symbol_error : public error {
public:
    /** @code throw unbound_symbol_error("sequence", "node 'attn/MatMul'"); @endcode */
    unbound_symbol_error(std::string symbol, const std::string& where)
        : error("unbound symbol '" + symbol + "' needed by " + where + " (bind it with --set " + symbol + "=N" +
                (symbol == "batch" ? " or --batch N" : "") + ")"),
          symbol_(std::move(symbol)) {}
    /** The symbol's name, e.g. "sequence". */
    [[nodiscard]] const std::string& symbol() const noexcept { return symbol_; }

private:
    std::string symbol_;
};

/** A hardware spec that is malformed or lacks a figure; names the file and the key. */
class spec_error : public error {
public:
    /** @code throw spec_error("hwspecs/t4.yaml", "peak_tflops.fp32", "must be positive"); @endcode */
    spec_error(std::string file, std::string key, const std::string& message)
        : error(file + ": key '" + key + "': " + message), file_(std::move(file)), key_(std::move(key)) {}
    /** The spec file's path (or id). */
    [[nodiscard]] const std::string& file() const noexcept { return file_; }
    /** The dotted key, e.g. "memory.dram.bandwidth_gbps". */
    [[nodiscard]] const std::string& key() const noexcept { return key_; }

private:
    std::string file_;
    std::string key_;
};

/** A malformed trace file (measure.hpp); names the file and the offending event or record. */
class trace_error : public error {
public:
    /** @code throw trace_error("t.json", "traceEvents[12] ('volta_sgemm')", "'dur' is not a number"); @endcode */
    trace_error(std::string file, std::string event, const std::string& message)
        : error(file + (event.empty() ? "" : ": " + event) + ": " + message),
          file_(std::move(file)),
          event_(std::move(event)) {}
    /** The trace file's path. */
    [[nodiscard]] const std::string& file() const noexcept { return file_; }
    /** The offending event, e.g. "traceEvents[12] ('volta_sgemm')" (empty: the file as a whole). */
    [[nodiscard]] const std::string& event() const noexcept { return event_; }

private:
    std::string file_;
    std::string event_;
};

/** A caller-supplied option that makes no sense (bad binding syntax, unknown dtype name …). */
class usage_error : public error {
public:
    using error::error;
};

/** Arithmetic on shapes or counts that would overflow 64 bits. */
class overflow_error : public error {
public:
    using error::error;
};

/** How serious a per-node diagnostic is. */
enum class severity { info, warning, error };

/**
 * One finding of a whole-graph pass about one node, kept instead of throwing so the pass goes on.
 * @code for (const auto& d : result.diagnostics) std::cerr << d.node << ": " << d.message; @endcode
 */
struct diagnostic {
    severity level = severity::warning; /**< How serious. */
    std::string node;                   /**< Node name (may be empty for graph-level findings). */
    std::string op_type;                /**< The node's operator, when there is one. */
    std::string message;                /**< What went wrong, in words. */
};

}  // namespace ridgeline
