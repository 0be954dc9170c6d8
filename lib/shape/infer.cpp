// The shape engine: binds graph inputs, then runs each node's shape rule in topological order,
// turning failures and unknown operators into diagnostics so the pass always completes. Rules of
// control-flow operators infer their bodies through the `subgraph_inferrer` the engine hands them
// in their context, with the chain of enclosing scopes; nothing in lib/ops calls back into here.
#include "ridgeline/shape.hpp"

#include "ridgeline/ops.hpp"

#include <algorithm>
#include <charconv>
#include <new>
#include <set>
#include <sstream>
#include <stdexcept>

namespace ridgeline {

bool shape_report::ok() const {
    return std::none_of(diagnostics.begin(), diagnostics.end(),
                        [](const diagnostic& d) { return d.level == severity::error; });
}

namespace {

/** Largest input whose contents are kept (the same limit the shape rules use for known data). */
constexpr std::size_t max_seeded_elements = 4096;

std::int64_t parse_int(const std::string& text, const std::string& what) {
    std::int64_t v = 0;
    const auto* end = text.data() + text.size();
    auto [p, ec] = std::from_chars(text.data(), end, v);
    if (ec == std::errc::result_out_of_range) throw usage_error(what + ": '" + text + "' is out of range");
    if (ec != std::errc() || p != end || text.empty()) throw usage_error(what + ": '" + text + "' is not an integer");
    return v;
}

shape bind_shape(const shape& s, const bindings& b) {
    shape out;
    out.reserve(s.size());
    for (const auto& d : s) out.push_back(d.bind(b));
    return out;
}

/**
 * A graph whose nodes are being inferred, with the bindings in force there, its report, and the
 * scope enclosing it (a control-flow body resolves the names it reads from enclosing scopes).
 */
struct scope {
    const graph* g;
    const bindings* symbols;
    shape_report* report;
    const scope* parent;
};

subgraph_report infer_body(graph& body, const std::vector<const value*>& formal, const scope& outer);

/** Forgets every computed type, shape and content (initializers keep theirs). */
void reset_computed(graph& g) {
    for (auto& v : g.values) {
        if (v.is_initializer) continue;
        v.type = dtype::undefined;
        v.dims.reset();
        v.data.reset();
    }
}

/**
 * For a node whose rule needed contents not known: the inputs that are integer initializers
 * stored in an external data file whose contents were not read, naming the file (absent, or not
 * read), e.g. "; input 'shape' is stored in the external data file 'm.weights', which is absent".
 */
std::string external_inputs_note(const graph& g, const node& n) {
    std::string out;
    for (auto in : n.inputs) {
        if (in < 0) continue;
        const auto& v = g.values[static_cast<std::size_t>(in)];
        if (!v.is_initializer || !v.external_data || v.data || is_floating(v.type)) continue;
        const auto& loc = v.storage.location;
        out +=
            "; input '" + v.name + "' is stored in the external data file '" + loc + "'" +
            (v.storage.missing ? ", which is absent (place it next to the model to read it)" : ", which was not read");
    }
    return out;
}

/** Runs every node's shape rule in topological order, then counts what is left unknown. */
void run_nodes(graph& g, const bindings& symbols, shape_report& report, const scope* parent) {
    const scope here{&g, &symbols, &report, parent};
    // Handed to the rules through their context: control-flow rules infer their bodies with it.
    const subgraph_inferrer subgraphs = [&here](graph& body, const std::vector<const value*>& formal) {
        return infer_body(body, formal, here);
    };
    const auto& registry = op_registry::builtin();
    for (auto id : g.topological_order()) {
        const auto& n = g.nodes[static_cast<std::size_t>(id)];
        const auto opset = g.opset(n.domain);
        const auto* rule = registry.find(n.domain, n.op_type, opset);
        auto fall_back_to_declared = [&] {
            for (auto out : n.outputs) {
                if (out < 0) continue;
                auto& v = g.values[static_cast<std::size_t>(out)];
                if (v.declared) {
                    v.type = v.declared_type;
                    v.dims = bind_shape(*v.declared, symbols);
                }
            }
        };
        if (!rule) {
            const std::string qualified = (n.domain.empty() ? "" : n.domain + "::") + n.op_type;
            ++report.unknown_ops[qualified];
            report.diagnostics.push_back({severity::warning, n.display_name(), n.op_type,
                                          "unknown operator " + qualified + " (opset " + std::to_string(opset) +
                                              "): counted as unknown, outputs use declared shapes if any"});
            fall_back_to_declared();
            continue;
        }
        bool inputs_known = true;
        for (auto in : n.inputs) {
            if (in >= 0 && !g.values[static_cast<std::size_t>(in)].dims) inputs_known = false;
        }
        if (!inputs_known) {  // an upstream failure: already reported there
            fall_back_to_declared();
            continue;
        }
        try {
            infer_context ctx(g, n, opset, &subgraphs);
            rule->infer(ctx);
        } catch (const unknown_data_error& e) {
            const std::string why = std::string(e.what()) + external_inputs_note(g, n);
            bool declared = std::all_of(n.outputs.begin(), n.outputs.end(), [&](std::int32_t o) {
                return o < 0 || g.values[static_cast<std::size_t>(o)].declared.has_value();
            });
            ++report.unknown_data_nodes;
            report.diagnostics.push_back({declared ? severity::info : severity::error, n.display_name(), n.op_type,
                                          why + (declared ? "; used the shape the file declares" : "")});
            fall_back_to_declared();
        } catch (const error& e) {
            report.diagnostics.push_back({severity::error, n.display_name(), n.op_type, e.what()});
            fall_back_to_declared();
        } catch (const std::length_error& e) {  // a size too large to hold: named, never bare
            report.diagnostics.push_back({severity::error, n.display_name(), n.op_type,
                                          n.op_type + ": a size too large to hold (" + e.what() + ")"});
            fall_back_to_declared();
        } catch (const std::bad_alloc&) {
            report.diagnostics.push_back(
                {severity::error, n.display_name(), n.op_type, n.op_type + ": out of memory inferring its shapes"});
            fall_back_to_declared();
        }
    }

    std::vector<char> used(g.values.size(), 0);
    for (const auto& n : g.nodes) {
        for (auto in : n.inputs)
            if (in >= 0) used[static_cast<std::size_t>(in)] = 1;
        for (auto out : n.outputs)
            if (out >= 0) used[static_cast<std::size_t>(out)] = 1;
    }
    for (std::size_t i = 0; i < g.values.size(); ++i) {
        if (!used[i]) continue;
        const auto& v = g.values[i];
        if (!v.dims) {
            ++report.values_without_shape;
        } else if (std::any_of(v.dims->begin(), v.dims->end(), [](const dim& d) { return !d.is_value(); })) {
            ++report.symbolic_values;
        }
    }
}

subgraph_report infer_body(graph& body, const std::vector<const value*>& formal, const scope& outer) {
    shape_report report;
    reset_computed(body);
    const bindings& symbols = *outer.symbols;
    std::vector<char> is_formal(body.values.size(), 0);
    for (std::size_t k = 0; k < body.inputs.size(); ++k) {
        auto& v = body.values[static_cast<std::size_t>(body.inputs[k])];
        is_formal[static_cast<std::size_t>(body.inputs[k])] = 1;
        const value* f = k < formal.size() ? formal[k] : nullptr;
        if (f && f->dims) {  // what the node feeds this iteration or branch
            v.type = f->type != dtype::undefined ? f->type : v.declared_type;
            v.dims = f->dims;
            v.data = f->data;
        } else {
            v.type = v.declared_type;
            if (v.declared) v.dims = bind_shape(*v.declared, symbols);
        }
    }
    // Names the body reads from enclosing scopes: innermost scope first.
    for (std::size_t i = 0; i < body.values.size(); ++i) {
        auto& v = body.values[i];
        if (!v.is_graph_input || is_formal[i]) continue;
        for (const scope* it = &outer; it; it = it->parent) {
            const auto id = it->g->find_value(v.name);
            if (id < 0) continue;
            const auto& enclosing = it->g->values[static_cast<std::size_t>(id)];
            if (!enclosing.dims) continue;
            v.type = enclosing.type;
            v.dims = enclosing.dims;
            v.data = enclosing.data;
            break;
        }
    }
    run_nodes(body, symbols, report, &outer);

    // The body's findings join the enclosing graph's report, named "body/node". A body inferred
    // more than once (Loop iterations, both If branches) reports each finding once.
    auto& joined = *outer.report;
    bool added = false;
    for (auto d : report.diagnostics) {
        if (!body.name.empty()) d.node = body.name + "/" + d.node;
        const bool seen = std::any_of(joined.diagnostics.begin(), joined.diagnostics.end(),
                                      [&](const diagnostic& o) { return o.node == d.node && o.message == d.message; });
        if (seen) continue;
        joined.diagnostics.push_back(std::move(d));
        added = true;
    }
    if (added) joined.unknown_data_nodes += report.unknown_data_nodes;
    for (const auto& [op, count] : report.unknown_ops) {
        auto& c = joined.unknown_ops[op];
        c = std::max(c, count);
    }
    return {std::move(report.diagnostics), report.unknown_data_nodes};
}

}  // namespace

std::pair<std::string, std::int64_t> parse_binding(const std::string& text) {
    const auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0) throw usage_error("--set " + text + ": not NAME=N");
    const auto v = parse_int(text.substr(eq + 1), "--set " + text);
    if (v <= 0) throw usage_error("--set " + text + ": the value must be positive");
    return {text.substr(0, eq), v};
}

std::pair<std::string, std::vector<std::int64_t>> parse_input_shape(const std::string& text) {
    const auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0) throw usage_error("--input " + text + ": not NAME=d0,d1,...");
    std::vector<std::int64_t> dims;
    std::stringstream ss(text.substr(eq + 1));
    std::string item;
    while (std::getline(ss, item, ',')) {
        const auto v = parse_int(item, "--input " + text);
        if (v <= 0) {
            throw usage_error("--input " + text + ": dimension " + std::to_string(dims.size()) + " is " +
                              std::to_string(v) + "; every dimension must be positive");
        }
        dims.push_back(v);
    }
    return {text.substr(0, eq), dims};
}

namespace {

void collect_symbols(const graph& g, std::set<std::string>& out) {
    for (const auto& v : g.values) {
        if (!v.declared) continue;
        for (const auto& d : *v.declared) {
            for (auto& s : d.symbols()) out.insert(std::move(s));
        }
    }
    for (const auto& n : g.nodes) {
        for (const auto& a : n.attributes) {
            for (const auto& body : a.graphs) {
                if (body) collect_symbols(*body, out);
            }
        }
    }
}

/** "batch, sequence" or "none". */
std::string symbol_list(const std::vector<std::string>& symbols) {
    std::string out;
    for (const auto& s : symbols) out += (out.empty() ? "" : ", ") + s;
    return out.empty() ? "none" : out;
}

/** With `strict`: every --set symbol is one of the graph's, and --batch has something to bind. */
void check_bindings(const graph& g, const shape_options& options) {
    if (!options.strict) return;
    const auto known = graph_symbols(g);
    for (const auto& [name, value] : options.symbols) {
        if (std::binary_search(known.begin(), known.end(), name)) continue;
        throw usage_error("--set " + name + "=" + std::to_string(value) + ": the model has no symbol '" + name +
                          "' (its symbols: " + symbol_list(known) + ")");
    }
    // (An --input override binds its input's batch itself, as an image sweep does.)
    if (options.batch > 0 && options.input_shapes.empty() &&
        !std::binary_search(known.begin(), known.end(), std::string("batch"))) {
        const bool leading = std::any_of(g.inputs.begin(), g.inputs.end(), [&](std::int32_t id) {
            const auto& d = g.values[static_cast<std::size_t>(id)].declared;
            return d && !d->empty() && !d->front().is_value() && d->front().symbols().size() == 1 &&
                   !options.input_shapes.count(g.values[static_cast<std::size_t>(id)].name);
        });
        if (!leading) {
            throw usage_error("--batch " + std::to_string(options.batch) +
                              ": the model has no batch dimension to bind (no symbol 'batch', no graph input with a "
                              "symbolic leading dimension; use --input NAME=d0,d1,... to change a fixed shape)");
        }
    }
}

}  // namespace

std::vector<std::string> graph_symbols(const graph& g) {
    std::set<std::string> out;
    collect_symbols(g, out);
    return {out.begin(), out.end()};
}

bindings resolved_bindings(const graph& g, const shape_options& options) {
    bindings symbols = options.symbols;
    if (options.batch <= 0) return symbols;
    symbols["batch"] = options.batch;
    for (auto id : g.inputs) {  // --batch also binds each input's leading symbolic dim
        const auto& d = g.values[static_cast<std::size_t>(id)].declared;
        if (d && !d->empty() && !d->front().is_value() && d->front().symbols().size() == 1) {
            symbols.emplace(d->front().symbols().front(), options.batch);
        }
    }
    return symbols;
}

shape_report infer_shapes(graph& g, const shape_options& options) {
    shape_report report;
    check_bindings(g, options);
    const bindings symbols = resolved_bindings(g, options);

    // Reset everything computed, then seed graph inputs.
    reset_computed(g);
    for (const auto& [name, dims] : options.input_shapes) {
        const auto id = g.find_value(name);
        if (id < 0 || !g.values[static_cast<std::size_t>(id)].is_graph_input) {
            throw usage_error("--input " + name + ": the model has no graph input of that name");
        }
        const auto& declared = g.values[static_cast<std::size_t>(id)].declared;
        if (declared && declared->size() != dims.size()) {
            throw usage_error("--input " + name + ": the model declares rank " + std::to_string(declared->size()) +
                              ", the override has " + std::to_string(dims.size()) + " dims");
        }
    }
    for (auto id : g.inputs) {
        auto& v = g.values[static_cast<std::size_t>(id)];
        v.type = v.declared_type;
        if (auto it = options.input_shapes.find(v.name); it != options.input_shapes.end()) {
            v.dims = shape(it->second.begin(), it->second.end());
        } else if (v.declared) {
            try {
                v.dims = bind_shape(*v.declared, symbols);
            } catch (const overflow_error& e) {
                throw overflow_error("graph input '" + v.name + "' " + shape_to_string(*v.declared) + ": " + e.what() +
                                     " binding it");
            }
            for (const auto& d : *v.dims) {
                if (d.is_value() && d.value() < 0) {
                    throw error("graph input '" + v.name + "' " + shape_to_string(*v.declared) +
                                " has a negative dimension once bound: " + shape_to_string(*v.dims));
                }
            }
        } else {
            report.diagnostics.push_back({severity::warning, v.name, "", "graph input has no declared shape"});
        }
    }
    // Contents the caller knows (a shape tensor or Resize scales fed at run time) seed the
    // input's known data, as if the input were a constant.
    auto seed = [&](const std::string& name, std::size_t count, bool real) -> value* {
        const auto id = g.find_value(name);
        if (id < 0 || !g.values[static_cast<std::size_t>(id)].is_graph_input) {
            throw usage_error("input value " + name + ": the model has no graph input of that name");
        }
        auto& v = g.values[static_cast<std::size_t>(id)];
        if (v.type == dtype::string || (v.type != dtype::undefined && is_floating(v.type) != real)) {
            throw usage_error("input value " + name + ": the input is of type " + std::string(dtype_name(v.type)) +
                              ", not " + (real ? "a floating" : "an integer") + " type");
        }
        if (!v.dims) throw usage_error("input value " + name + ": the input's shape is unknown");
        const dim elements = shape_elements(*v.dims);
        if (!elements.is_value() || elements.value() != static_cast<std::int64_t>(count)) {
            throw usage_error("input value " + name + ": " + std::to_string(count) + " elements given for shape " +
                              shape_to_string(*v.dims));
        }
        return count <= max_seeded_elements ? &v : nullptr;  // too large to be shape data: ignored
    };
    for (const auto& [name, contents] : options.input_values) {
        if (auto* v = seed(name, contents.size(), false)) {
            auto data = std::make_shared<known_data>();
            data->ints.assign(contents.begin(), contents.end());
            v->data = std::move(data);
        }
    }
    for (const auto& [name, contents] : options.input_real_values) {
        if (auto* v = seed(name, contents.size(), true)) {
            auto data = std::make_shared<known_data>();
            data->is_real = true;
            data->reals = contents;
            v->data = std::move(data);
        }
    }

    run_nodes(g, symbols, report, nullptr);
    return report;
}

}  // namespace ridgeline
