// The shape engine: binds graph inputs, then runs each node's shape rule in topological order,
// turning failures and unknown operators into diagnostics so the pass always completes.
#include "ridgeline/shape.hpp"

#include "ridgeline/ops.hpp"

#include <algorithm>
#include <charconv>
#include <sstream>

namespace ridgeline {

bool shape_report::ok() const {
    return std::none_of(diagnostics.begin(), diagnostics.end(),
                        [](const diagnostic& d) { return d.level == severity::error; });
}

namespace {

std::int64_t parse_int(const std::string& text, const std::string& what) {
    std::int64_t v = 0;
    const auto* end = text.data() + text.size();
    auto [p, ec] = std::from_chars(text.data(), end, v);
    if (ec != std::errc() || p != end) throw usage_error("'" + text + "' is not an integer in " + what);
    return v;
}

shape bind_shape(const shape& s, const bindings& b) {
    shape out;
    out.reserve(s.size());
    for (const auto& d : s) out.push_back(d.bind(b));
    return out;
}

}  // namespace

std::pair<std::string, std::int64_t> parse_binding(const std::string& text) {
    const auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0) throw usage_error("binding '" + text + "' is not NAME=N");
    const auto v = parse_int(text.substr(eq + 1), "binding '" + text + "'");
    if (v <= 0) throw usage_error("binding '" + text + "' must be positive");
    return {text.substr(0, eq), v};
}

std::pair<std::string, std::vector<std::int64_t>> parse_input_shape(const std::string& text) {
    const auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0) throw usage_error("input shape '" + text + "' is not NAME=d0,d1,...");
    std::vector<std::int64_t> dims;
    std::stringstream ss(text.substr(eq + 1));
    std::string item;
    while (std::getline(ss, item, ',')) {
        const auto v = parse_int(item, "input shape '" + text + "'");
        if (v < 0) throw usage_error("input shape '" + text + "' has a negative dimension");
        dims.push_back(v);
    }
    return {text.substr(0, eq), dims};
}

shape_report infer_shapes(graph& g, const shape_options& options) {
    shape_report report;
    bindings symbols = options.symbols;
    if (options.batch > 0) symbols["batch"] = options.batch;

    // Reset everything computed, then seed graph inputs.
    for (auto& v : g.values) {
        if (v.is_initializer) continue;
        v.type = dtype::undefined;
        v.dims.reset();
        v.data.reset();
    }
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
    if (options.batch > 0) {  // --batch also binds each input's leading symbolic dim
        for (auto id : g.inputs) {
            const auto& d = g.values[static_cast<std::size_t>(id)].declared;
            if (d && !d->empty() && !d->front().is_value() && d->front().symbols().size() == 1) {
                symbols.emplace(d->front().symbols().front(), options.batch);
            }
        }
    }
    for (auto id : g.inputs) {
        auto& v = g.values[static_cast<std::size_t>(id)];
        v.type = v.declared_type;
        if (auto it = options.input_shapes.find(v.name); it != options.input_shapes.end()) {
            v.dims = shape(it->second.begin(), it->second.end());
        } else if (v.declared) {
            v.dims = bind_shape(*v.declared, symbols);
        } else {
            report.diagnostics.push_back({severity::warning, v.name, "", "graph input has no declared shape"});
        }
    }

    const auto& registry = op_registry::builtin();
    std::vector<char> failed(g.nodes.size(), 0);  // 1 = this node's outputs are unknown
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
            ++report.unknown_ops[(n.domain.empty() ? "" : n.domain + "::") + n.op_type];
            report.diagnostics.push_back({severity::warning, n.display_name(), n.op_type,
                                          "unknown operator " + (n.domain.empty() ? "" : n.domain + "::") +
                                              n.op_type + " (opset " + std::to_string(opset) +
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
            infer_context ctx(g, n, opset);
            rule->infer(ctx);
        } catch (const unknown_data_error& e) {
            bool declared = std::all_of(n.outputs.begin(), n.outputs.end(), [&](std::int32_t o) {
                return o < 0 || g.values[static_cast<std::size_t>(o)].declared.has_value();
            });
            failed[static_cast<std::size_t>(id)] = declared ? 0 : 1;
            report.diagnostics.push_back({declared ? severity::info : severity::error, n.display_name(), n.op_type,
                                          std::string(e.what()) + (declared ? "; used the shape the file declares" : "")});
            fall_back_to_declared();
        } catch (const error& e) {
            failed[static_cast<std::size_t>(id)] = 1;
            report.diagnostics.push_back({severity::error, n.display_name(), n.op_type, e.what()});
            fall_back_to_declared();
        }
    }

    std::vector<char> used(g.values.size(), 0);
    for (const auto& n : g.nodes) {
        for (auto in : n.inputs) if (in >= 0) used[static_cast<std::size_t>(in)] = 1;
        for (auto out : n.outputs) if (out >= 0) used[static_cast<std::size_t>(out)] = 1;
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
    return report;
}

}  // namespace ridgeline
