// Control flow: If, Loop, Scan. Their bodies are imported as subgraphs; the shape rules infer
// them through the engine's callback (infer_context::infer_subgraph) with the inputs the node
// feeds and the names they read from enclosing scopes, so outputs get inferred shapes rather than
// the ones the body declares:
//   If    — a condition known at analysis time picks its branch (contents flow through);
//           otherwise both branches are inferred and must agree in rank (dims that differ
//           become an opaque symbol), else the outputs are not known at analysis time.
//   Loop  — inputs (M, cond, v_initial...), body (iter, cond, v...) → (cond, v..., scan...);
//           outputs: the N final loop-carried values, then K scan outputs stacked on a new
//           leading axis of length "trip count". A known, small trip count is unrolled (each
//           iteration inferred with its number known, contents carried over), which is exact;
//           otherwise one pass with the iteration number unknown, where a condition that stays
//           true gives M trips and a data-dependent one gives the bound M (as NonZero does),
//           unless M is absent or the "no limit" exporters write for while-loops (INT32_MAX or
//           more): then the scan outputs' length is not known at analysis time.
//   Scan  — opset 9+: inputs (N states, M scan inputs), each scan input sliced along
//           scan_input_axes; outputs: N final states, K scan outputs with the sequence length
//           inserted at scan_output_axes. Opset 8: an optional sequence_lens input first and a
//           leading batch axis on every state, scan input and output.
// The work inside bodies is not counted (FLOPs 0, no bytes); the node's kind says so.
#include "families.hpp"

#include <algorithm>
#include <string>

namespace ridgeline::ops {
namespace {

/** Largest unrolled Loop: iterations × body nodes. */
constexpr std::int64_t max_unrolled_node_runs = 4096;
/** A Loop's M from this value on means "no limit" (exporters write INT32_MAX or INT64_MAX). */
constexpr std::int64_t no_trip_limit = 2147483647;

/** A copy of the body graph held in attribute `attr`, to infer in place. */
graph body_copy(const infer_context& ctx, std::string_view attr) {
    const auto* a = ctx.n().find(attr);
    if (!a || a->graphs.empty() || !a->graphs.front()) ctx.fail("has no '" + std::string(attr) + "' body graph");
    return *a->graphs.front();
}

/** A formal input for a body: a type and shape (and known contents) that lives in no graph. */
value formal(dtype t, shape s, std::shared_ptr<const known_data> data = nullptr) {
    value v;
    v.type = t;
    v.dims = std::move(s);
    v.data = std::move(data);
    return v;
}

/** Pointers to a list of formal values, as `infer_context::infer_subgraph` takes them. */
std::vector<const value*> pointers(const std::vector<value>& values) {
    std::vector<const value*> out;
    out.reserve(values.size());
    for (const auto& v : values) out.push_back(&v);
    return out;
}

/**
 * Infers `body` and returns its outputs; when one has no shape, fails with the body's first
 * error (or reports unknown contents when that is why).
 */
std::vector<value> run_body(const infer_context& ctx, graph& body, const std::vector<value>& inputs,
                            const std::string& what) {
    const auto report = ctx.infer_subgraph(body, pointers(inputs));
    std::vector<value> out;
    out.reserve(body.outputs.size());
    for (auto id : body.outputs) {
        const auto& v = body.values[static_cast<std::size_t>(id)];
        if (!v.dims) {
            std::string reason = "output '" + v.name + "' has no shape";
            for (const auto& d : report.diagnostics) {
                if (d.level == severity::error) {
                    reason = d.message;
                    break;
                }
            }
            if (report.unknown_data_nodes > 0) ctx.unknown(what + " output '" + v.name + "' (" + reason + ")");
            ctx.fail(what + ": " + reason);
        }
        out.push_back(v);
    }
    return out;
}

/** The shape both `a` and `b` can be: equal dims kept, differing dims an opaque symbol. */
std::optional<shape> merge(const shape& a, const shape& b) {
    if (a.size() != b.size()) return std::nullopt;
    shape out = a;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i] == b[i]) continue;
        std::string text = "(";  // built by appends: GCC 12 misreads "(" + std::string (-Wrestrict)
        text += a[i].to_string();
        text += " or ";
        text += b[i].to_string();
        text += ")";
        out[i] = dim::symbol(text);
    }
    return out;
}

/** True when known contents say "true" (one non-zero element). */
std::optional<bool> known_bool(const known_data* d) {
    if (!d || d->size() != 1) return std::nullopt;
    if (d->is_real) return d->reals[0] != 0.0;
    if (!d->ints[0].is_value()) return std::nullopt;
    return d->ints[0].value() != 0;
}

// ---- If -----------------------------------------------------------------------------------

void infer_if(infer_context& ctx) {
    graph then_g = body_copy(ctx, "then_branch");
    graph else_g = body_copy(ctx, "else_branch");
    if (auto c = known_bool(ctx.in_data(0))) {  // the condition picks the branch
        auto outs = run_body(ctx, *c ? then_g : else_g, {}, *c ? "then_branch" : "else_branch");
        for (std::size_t i = 0; i < outs.size() && i < ctx.output_count(); ++i) {
            ctx.set_output(i, outs[i].type, *outs[i].dims, outs[i].data);
        }
        return;
    }
    const auto then_outs = run_body(ctx, then_g, {}, "then_branch");
    const auto else_outs = run_body(ctx, else_g, {}, "else_branch");
    if (then_outs.size() != else_outs.size()) ctx.fail("the branches have different numbers of outputs");
    for (std::size_t i = 0; i < then_outs.size() && i < ctx.output_count(); ++i) {
        auto s = merge(*then_outs[i].dims, *else_outs[i].dims);
        if (!s) {
            ctx.unknown("which branch runs (output " + std::to_string(i) + " is " +
                        shape_to_string(*then_outs[i].dims) + " or " + shape_to_string(*else_outs[i].dims) + ")");
        }
        ctx.set_output(i, then_outs[i].type, std::move(*s));
    }
}

// ---- Loop ---------------------------------------------------------------------------------

void infer_loop(infer_context& ctx) {
    const graph proto = body_copy(ctx, "body");
    const std::size_t carried = ctx.input_count() >= 2 ? ctx.input_count() - 2 : 0;
    if (proto.inputs.size() != carried + 2) {
        ctx.fail("body has " + std::to_string(proto.inputs.size()) + " inputs; expected iteration, condition and " +
                 std::to_string(carried) + " loop-carried values");
    }
    if (proto.outputs.size() < carried + 1) ctx.fail("body has fewer outputs than condition + loop-carried values");
    const std::size_t scans = proto.outputs.size() - 1 - carried;

    std::optional<std::int64_t> max_trips;
    if (ctx.has_input(0)) {
        auto m = ctx.in_ints(0);
        if (m && m->size() == 1) max_trips = std::max<std::int64_t>(0, (*m)[0]);
    }
    std::optional<bool> cond0 = ctx.has_input(1) ? known_bool(ctx.in_data(1)) : std::optional<bool>(true);

    std::vector<value> state;  // loop-carried values, as fed to the next iteration
    for (std::size_t i = 0; i < carried; ++i) {
        const auto& v = ctx.input(2 + i);
        state.push_back(formal(v.type, ctx.in_shape(2 + i), v.data));
    }
    auto set_outputs = [&](const std::vector<value>& final_state, const std::vector<value>& per_iteration,
                           const dim& trips) {
        for (std::size_t i = 0; i < carried; ++i) {
            ctx.set_output(i, final_state[i].type, *final_state[i].dims, final_state[i].data);
        }
        for (std::size_t k = 0; k < scans; ++k) {
            const auto& v = per_iteration[1 + carried + k];
            shape s{trips};
            s.insert(s.end(), v.dims->begin(), v.dims->end());
            ctx.set_output(carried + k, v.type, std::move(s));
        }
    };

    // Exact: unroll a known, small trip count, each iteration with its number known.
    const auto body_nodes = std::max<std::int64_t>(1, static_cast<std::int64_t>(proto.nodes.size()));
    if (cond0 && (!*cond0 || (max_trips && *max_trips <= max_unrolled_node_runs / body_nodes))) {
        std::vector<value> first;  // outputs of the first iteration (scan output shapes)
        std::int64_t trips = 0;
        bool exact = true;
        for (bool cond = *cond0; cond && trips < *max_trips; ++trips) {
            graph body = proto;
            std::vector<value> inputs{formal(dtype::i64, shape{}, make_ints({dim(trips)})),
                                      formal(dtype::boolean, shape{}, make_ints({dim(1)}))};
            inputs.insert(inputs.end(), state.begin(), state.end());
            auto outs = run_body(ctx, body, inputs, "body iteration " + std::to_string(trips));
            if (first.empty()) first = outs;
            for (std::size_t k = 0; k < scans; ++k) {
                if (!(*outs[1 + carried + k].dims == *first[1 + carried + k].dims)) {
                    ctx.fail("scan output " + std::to_string(k) +
                             " changes shape between iterations: " + shape_to_string(*first[1 + carried + k].dims) +
                             " vs " + shape_to_string(*outs[1 + carried + k].dims));
                }
            }
            for (std::size_t i = 0; i < carried; ++i) {
                state[i] = formal(outs[1 + i].type, *outs[1 + i].dims, outs[1 + i].data);
            }
            const auto next = known_bool(outs[0].data.get());
            if (!next) {
                exact = false;
                break;
            }  // the condition depends on data: not unrollable
            cond = *next;
        }
        if (exact && (trips > 0 || scans == 0)) {
            set_outputs(state, first, dim(trips));
            return;
        }
        if (exact && trips == 0) {  // no iteration runs: scan outputs are empty, shaped by the body
            graph body = proto;
            std::vector<value> inputs{formal(dtype::i64, shape{}), formal(dtype::boolean, shape{})};
            inputs.insert(inputs.end(), state.begin(), state.end());
            set_outputs(state, run_body(ctx, body, inputs, "body"), dim(0));
            return;
        }
        state.clear();  // start again from the initial values, symbolically
        for (std::size_t i = 0; i < carried; ++i) state.push_back(formal(ctx.in_type(2 + i), ctx.in_shape(2 + i)));
    }

    // Symbolic: one pass with the iteration number (and loop-carried contents) unknown. A
    // condition that starts true is fed as true: if the body then yields a condition known to be
    // true, it stays true by induction and the loop runs M times; otherwise the condition depends
    // on data and the pass is redone with it unknown.
    auto symbolic_pass = [&](bool cond_true) {
        graph body = proto;
        std::vector<value> inputs{formal(dtype::i64, shape{}),
                                  formal(dtype::boolean, shape{}, cond_true ? make_ints({dim(1)}) : nullptr)};
        for (auto& v : state) inputs.push_back(formal(v.type, *v.dims));  // contents change per iteration
        return run_body(ctx, body, inputs, "body");
    };
    auto outs = symbolic_pass(cond0.value_or(false));
    const bool always_true = cond0.value_or(false) && known_bool(outs[0].data.get()).value_or(false);
    if (cond0.value_or(false) && !always_true) outs = symbolic_pass(false);
    std::vector<value> final_state;
    for (std::size_t i = 0; i < carried; ++i) {
        auto s = merge(*state[i].dims, *outs[1 + i].dims);
        if (!s) {
            ctx.fail("loop-carried value " + std::to_string(i) + " changes rank: " + shape_to_string(*state[i].dims) +
                     " -> " + shape_to_string(*outs[1 + i].dims));
        }
        final_state.push_back(formal(outs[1 + i].type, std::move(*s)));
    }
    // A data-dependent condition can only stop the loop earlier: M is the bound (as NonZero uses
    // its element count), unless M is the "no limit" that exporters write for while-loops.
    if (scans > 0 && (!max_trips || (!always_true && *max_trips >= no_trip_limit))) {
        ctx.unknown("trip count (the loop ends on a data-dependent condition)");
    }
    set_outputs(final_state, outs, dim(max_trips.value_or(0)));
}

// ---- Scan ---------------------------------------------------------------------------------

void infer_scan(infer_context& ctx) {
    graph body = body_copy(ctx, "body");
    const auto m = ctx.n().attr_i("num_scan_inputs", 0);
    if (m <= 0) ctx.fail("num_scan_inputs must be positive");
    const bool batched = ctx.opset() < 9;  // opset 8: sequence_lens first, a batch axis everywhere
    const std::size_t first = batched ? 1 : 0;
    if (ctx.input_count() < first + static_cast<std::size_t>(m)) ctx.fail("has fewer inputs than num_scan_inputs");
    const std::size_t states = ctx.input_count() - first - static_cast<std::size_t>(m);
    const auto in_axes = ctx.n().attr_ints("scan_input_axes");
    const auto out_axes = ctx.n().attr_ints("scan_output_axes");

    std::vector<value> inputs;
    for (std::size_t i = 0; i < states; ++i) {
        shape s = ctx.in_shape(first + i);
        if (batched) {
            if (s.empty()) ctx.fail("state " + std::to_string(i) + " lacks the batch axis");
            s.erase(s.begin());
        }
        inputs.push_back(formal(ctx.in_type(first + i), std::move(s)));
    }
    std::optional<dim> length;
    dim batch(1);
    for (std::size_t j = 0; j < static_cast<std::size_t>(m); ++j) {
        shape s = ctx.in_shape(first + states + j);
        const auto rank = static_cast<std::int64_t>(s.size());
        std::size_t axis = batched ? 1 : 0;
        if (!batched && j < in_axes.size()) axis = static_cast<std::size_t>(ctx.axis(in_axes[j], rank));
        if (axis >= s.size()) ctx.fail("scan input " + std::to_string(j) + " has no scan axis");
        if (length && length->is_value() && s[axis].is_value() && length->value() != s[axis].value()) {
            ctx.fail("scan inputs differ in sequence length: " + length->to_string() + " vs " + s[axis].to_string());
        }
        if (!length) length = s[axis];
        if (batched) batch = s[0];
        s.erase(s.begin() + static_cast<std::ptrdiff_t>(axis));
        if (batched) s.erase(s.begin());
        inputs.push_back(formal(ctx.in_type(first + states + j), std::move(s)));
    }
    const auto outs = run_body(ctx, body, inputs, "body");
    if (outs.size() < states) ctx.fail("body has fewer outputs than states");
    for (std::size_t i = 0; i < outs.size() && i < ctx.output_count(); ++i) {
        shape s = *outs[i].dims;
        if (i >= states) {  // a scan output: one slice per step, stacked on the scan axis
            const auto k = i - states;
            const auto rank = static_cast<std::int64_t>(s.size()) + 1;
            const auto axis = batched || k >= out_axes.size() ? 0 : ctx.axis(out_axes[k], rank);
            s.insert(s.begin() + axis, *length);
        }
        if (batched) s.insert(s.begin(), batch);
        ctx.set_output(i, outs[i].type, std::move(s));
    }
}

}  // namespace

void register_control(op_registry& r) {
    r.add({"", "If", 1, op_kind::control, infer_if, view_cost});
    r.add({"", "Loop", 1, op_kind::control, infer_loop, view_cost});
    r.add({"", "Scan", 8, op_kind::control, infer_scan, view_cost});
}

}  // namespace ridgeline::ops
