// The replay's graph walk, the same for every executor: buffers for values (allocated with the
// inferred shapes, at the float override's element size), synthesised or uploaded input data, views
// that alias their input, and release of each value after its last consumer among the nodes that
// run. The timing loop (gpu/) and run_graph (host.cpp, gpu/) drive it node by node.
#pragma once

#include "op_table.hpp"

#include "ridgeline/dim.hpp"
#include "ridgeline/ops.hpp"
#include "ridgeline/replay.hpp"

#include <algorithm>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ridgeline::replay {

/**
 * Aliasing views: the registry's `op_kind::view` operators (no kernel, nothing moved) whose first
 * output is their first input's bytes, re-shaped or re-typed (Reshape, Flatten, Squeeze,
 * Unsqueeze, Identity, BitCast, inference Dropout). The registry's other views have outputs the
 * shape engine knows, uploaded when a consumer needs them: Shape and Size describe their input
 * rather than hold it, Constant has none. Dropout aliases only at inference (no mask output, no
 * training_mode input).
 */
inline bool is_view_op(const node& n) {
    const op_rule* rule = op_registry::builtin().find(n.domain, n.op_type, std::numeric_limits<std::int64_t>::max());
    if (rule == nullptr || rule->kind != op_kind::view) return false;
    if (n.inputs.empty() || n.op_type == "Shape" || n.op_type == "Size") return false;
    if (n.op_type == "Dropout") {
        const bool mask = n.outputs.size() > 1 && n.outputs[1] >= 0;
        const bool training = n.inputs.size() > 2 && n.inputs[2] >= 0;
        return !mask && !training;
    }
    return true;
}

/** Element type a value has in the replay: floating values re-typed to `float_override`. */
inline dtype replay_type(const value& v, dtype float_override) {
    if (float_override != dtype::undefined && is_floating(v.type)) return float_override;
    return v.type;
}

/** Graph walk over an executor (see the file comment). */
template <class Exec>
class graph_runner {
public:
    /**
     * A runner for `g` (shape-inferred, fully numeric where it runs). `run_order` is the nodes that
     * will run, in order; `keep` are values never released (graph outputs to fetch).
     */
    graph_runner(const graph& g, Exec& ex, const op_table<Exec>& ops, dtype float_override, std::uint64_t seed,
                 const std::vector<std::int32_t>& run_order, const std::vector<std::int32_t>& keep)
        : g_(g), ex_(ex), ops_(ops), float_override_(float_override), seed_(seed), slots_(g.values.size()) {
        for (const auto n : run_order) {
            for (const auto v : g.nodes[static_cast<std::size_t>(n)].inputs) {
                if (v >= 0) ++slots_[static_cast<std::size_t>(v)].uses;
            }
        }
        for (const auto v : keep) slots_[static_cast<std::size_t>(v)].kept = true;
        int_ranges();
    }
    ~graph_runner() {
        for (auto& b : buffers_) {
            if (b.ptr != nullptr) ex_.release(b.ptr);
        }
    }
    graph_runner(const graph_runner&) = delete;
    graph_runner& operator=(const graph_runner&) = delete;

    /** The replay element type of value v. */
    [[nodiscard]] dtype type_of(std::int32_t v) const {
        return replay_type(g_.values[static_cast<std::size_t>(v)], float_override_);
    }

    /** A tensor_ref with v's type and inferred dims (no data). Throws unsupported_node when not numeric. */
    [[nodiscard]] tensor_ref shape_of(std::int32_t v) const {
        const auto& val = g_.values[static_cast<std::size_t>(v)];
        if (!val.dims) throw unsupported_node("value '" + val.name + "' has no inferred shape");
        if (val.dims->size() > static_cast<std::size_t>(max_rank)) {
            throw unsupported_node("value '" + val.name + "' has rank " + std::to_string(val.dims->size()) +
                                   " (at most " + std::to_string(max_rank) + ")");
        }
        tensor_ref t;
        t.type = type_of(v);
        t.rank = static_cast<int>(val.dims->size());
        for (int d = 0; d < t.rank; ++d) {
            const auto& x = (*val.dims)[static_cast<std::size_t>(d)];
            if (!x.is_value()) throw unsupported_node("value '" + val.name + "' has a symbolic dim");
            t.dims[d] = x.value();
        }
        if (t.type == dtype::undefined || t.type == dtype::string) {
            throw unsupported_node("value '" + val.name + "' has element type " + std::string(dtype_name(t.type)));
        }
        return t;
    }

    /** Gives value v the contents of `t` (a graph input of run_graph). */
    void provide(std::int32_t v, const host_tensor& t) {
        tensor_ref r = shape_of(v);
        if (t.dims.size() > static_cast<std::size_t>(max_rank)) throw unsupported_node("input of rank above 8");
        r.rank = static_cast<int>(t.dims.size());
        for (int d = 0; d < r.rank; ++d) r.dims[d] = t.dims[static_cast<std::size_t>(d)];
        if (t.type != r.type) {
            throw unsupported_node("input '" + g_.values[static_cast<std::size_t>(v)].name + "' is " +
                                   std::string(dtype_name(t.type)) + ", the replay runs it as " +
                                   std::string(dtype_name(r.type)));
        }
        if (static_cast<std::int64_t>(t.bytes.size()) != checked_mul(r.numel(), element_bytes(r.type))) {
            throw unsupported_node("input '" + g_.values[static_cast<std::size_t>(v)].name + "' has " +
                                   std::to_string(t.bytes.size()) + " bytes for its dims");
        }
        allocate(v, r);
        ex_.from_host(slots_[static_cast<std::size_t>(v)].ref.data, t.bytes.data(),
                      static_cast<std::int64_t>(t.bytes.size()));
    }

    /** Copies value v back to the host. */
    host_tensor fetch(std::int32_t v) {
        const tensor_ref& r = ensure(v);
        host_tensor t;
        t.type = r.type;
        t.dims.assign(r.dims, r.dims + r.rank);
        t.bytes.resize(static_cast<std::size_t>(r.numel() * element_bytes(r.type)));
        ex_.synchronize();
        ex_.to_host(t.bytes.data(), r.data, static_cast<std::int64_t>(t.bytes.size()));
        return t;
    }

    /**
     * Value v's buffer, created on first use: uploaded from known contents when the shape engine
     * has them, else synthesised (floats uniform in [-1, 1), integers in the range they index).
     */
    const tensor_ref& ensure(std::int32_t v) {
        auto& s = slots_[static_cast<std::size_t>(v)];
        if (s.buffer >= 0) return s.ref;
        tensor_ref r = shape_of(v);
        allocate(v, r);
        const auto& val = g_.values[static_cast<std::size_t>(v)];
        if (val.data && static_cast<std::int64_t>(val.data->size()) == r.numel() && upload_known(s.ref, *val.data)) {
            return s.ref;
        }
        synthesise(v, s.ref);
        return s.ref;
    }

    /** The call for node n: inputs ensured, outputs allocated (views alias instead: see run_view). */
    node_call<Exec> prepare(const node& n) {
        node_call<Exec> c{ex_, n, g_.opset(n.domain), {}, {}, {}, {}};
        for (const auto v : n.inputs) {
            if (v < 0) {
                c.in.emplace_back();
                c.present.push_back(false);
                c.known.push_back(nullptr);
                continue;
            }
            c.in.push_back(ensure(v));
            c.present.push_back(true);
            c.known.push_back(g_.values[static_cast<std::size_t>(v)].data.get());
        }
        for (const auto v : n.outputs) {
            if (v < 0) {
                c.out.emplace_back();
                continue;
            }
            auto& s = slots_[static_cast<std::size_t>(v)];
            if (s.buffer < 0) allocate(v, shape_of(v));
            c.out.push_back(s.ref);
        }
        return c;
    }

    /** A view node: its output shares its first input's buffer. */
    void run_view(const node& n) {
        if (n.inputs.empty() || n.inputs[0] < 0 || n.outputs.empty() || n.outputs[0] < 0) {
            throw unsupported_node("view without input or output");
        }
        const tensor_ref& in = ensure(n.inputs[0]);
        tensor_ref out = shape_of(n.outputs[0]);
        if (checked_mul(out.numel(), element_bytes(out.type)) != checked_mul(in.numel(), element_bytes(in.type))) {
            throw unsupported_node("view changes the size in bytes");
        }
        out.data = in.data;
        auto& os = slots_[static_cast<std::size_t>(n.outputs[0])];
        auto& is = slots_[static_cast<std::size_t>(n.inputs[0])];
        os.buffer = is.buffer;
        os.ref = out;
        ++buffers_[static_cast<std::size_t>(is.buffer)].owners;
    }

    /** Runs node n once through its implementation (call prepared by prepare()). */
    void launch(const op_entry<Exec>& op, node_call<Exec>& c) { op.run(c); }

    /** The table entry for node n, or nullptr. */
    [[nodiscard]] const op_entry<Exec>* find(const node& n) const {
        if (!n.domain.empty() && n.domain != "ai.onnx") return nullptr;
        return ops_.find(n.op_type);
    }

    /** After node n ran (or was skipped): releases inputs it was the last user of. */
    void consumed(const node& n) {
        for (const auto v : n.inputs) {
            if (v < 0) continue;
            auto& s = slots_[static_cast<std::size_t>(v)];
            if (s.uses > 0 && --s.uses == 0 && !s.kept) drop(v);
        }
    }

private:
    struct slot {
        int buffer = -1;        // index into buffers_
        tensor_ref ref;         // typed view
        int uses = 0;           // consumers still to run
        bool kept = false;      // never released
        double int_hi = 0;      // synthesised integers lie in [0, int_hi); 0: no consumer bounds them ([0, 2))
        bool positive = false;  // synthesised floats lie in [0.5, 1.5) instead of [-1, 1)
    };
    struct buffer {
        void* ptr = nullptr;
        int owners = 0;
    };

    void allocate(std::int32_t v, tensor_ref r) {
        auto& s = slots_[static_cast<std::size_t>(v)];
        if (s.buffer >= 0) drop(v);
        const std::int64_t bytes = checked_mul(r.numel(), element_bytes(r.type));
        r.data = ex_.alloc(bytes);
        buffers_.push_back({r.data, 1});
        s.buffer = static_cast<int>(buffers_.size()) - 1;
        s.ref = r;
    }

    void drop(std::int32_t v) {
        auto& s = slots_[static_cast<std::size_t>(v)];
        if (s.buffer < 0) return;
        auto& b = buffers_[static_cast<std::size_t>(s.buffer)];
        if (--b.owners == 0) {
            ex_.release(b.ptr);
            b.ptr = nullptr;
        }
        s.buffer = -1;
        s.ref = {};
    }

    bool upload_known(const tensor_ref& r, const known_data& d) {
        const auto count = static_cast<std::size_t>(r.numel());
        std::vector<double> reals(count);
        for (std::size_t i = 0; i < count; ++i) {
            if (d.is_real) {
                reals[i] = d.reals[i];
            } else {
                if (!d.ints[i].is_value()) return false;
                reals[i] = static_cast<double>(d.ints[i].value());
            }
        }
        std::vector<std::byte> raw(count * static_cast<std::size_t>(element_bytes(r.type)));
        visit_numeric(r.type, [&](auto tag) {
            using T = typename decltype(tag)::type;
            T* p = reinterpret_cast<T*>(raw.data());
            for (std::size_t i = 0; i < count; ++i) {
                if constexpr (is_float_v<T>) {
                    p[i] = convert<T>(reals[i]);
                } else if (d.is_real) {
                    p[i] = convert<T>(reals[i]);
                } else {
                    p[i] = convert<T>(d.ints[i].value());  // exact for 64-bit integers
                }
            }
        });
        ex_.from_host(r.data, raw.data(), static_cast<std::int64_t>(raw.size()));
        return true;
    }

    void synthesise(std::int32_t v, const tensor_ref& r) {
        const auto& s = slots_[static_cast<std::size_t>(v)];
        const std::uint64_t seed = mix64(seed_ ^ (static_cast<std::uint64_t>(v) << 20));
        visit_numeric(r.type, [&](auto tag) {
            using T = typename decltype(tag)::type;
            if constexpr (is_float_v<T>) {
                ex_.for_each(r.numel(),
                             fill_random<T>{r.as<T>(), seed, s.positive ? 0.5 : -1.0, s.positive ? 1.5 : 1.0});
            } else {
                ex_.for_each(r.numel(), fill_random<T>{r.as<T>(), seed, 0.0, s.int_hi > 0 ? s.int_hi : 2.0});
            }
        });
    }

    // Synthesised integers must be valid indices for what consumes them; a BatchNormalization's
    // variance must be positive.
    void int_ranges() {
        for (const auto& n : g_.nodes) {
            if (!n.domain.empty() && n.domain != "ai.onnx") continue;
            auto dim_of = [&](std::size_t input, std::int64_t axis) -> double {
                if (input >= n.inputs.size() || n.inputs[input] < 0) return 2;
                const auto& val = g_.values[static_cast<std::size_t>(n.inputs[input])];
                if (!val.dims || val.dims->empty()) return 2;
                const auto rank = static_cast<std::int64_t>(val.dims->size());
                if (axis < 0) axis += rank;
                if (axis < 0 || axis >= rank) return 2;
                const auto& d = (*val.dims)[static_cast<std::size_t>(axis)];
                return d.is_value() && d.value() > 0 ? static_cast<double>(d.value()) : 2;
            };
            auto limit = [&](std::size_t input, double hi) {
                if (input >= n.inputs.size() || n.inputs[input] < 0) return;
                auto& s = slots_[static_cast<std::size_t>(n.inputs[input])];
                s.int_hi = s.int_hi > 0 ? std::min(s.int_hi, hi) : hi;
            };
            if (n.op_type == "Gather" || n.op_type == "GatherElements") {
                limit(1, dim_of(0, n.attr_i("axis", 0)));
            } else if (n.op_type == "ScatterElements" || n.op_type == "Scatter") {
                limit(1, dim_of(0, n.attr_i("axis", 0)));
            } else if (n.op_type == "BatchNormalization" && n.inputs.size() > 4 && n.inputs[4] >= 0) {
                slots_[static_cast<std::size_t>(n.inputs[4])].positive = true;  // the variance
            }
        }
    }

    const graph& g_;
    Exec& ex_;
    const op_table<Exec>& ops_;
    dtype float_override_;
    std::uint64_t seed_;
    std::vector<slot> slots_;
    std::vector<buffer> buffers_;
};

}  // namespace ridgeline::replay

namespace ridgeline::replay {

/** Hooks that run each node once and tag nothing (the host executor, run_graph). */
struct single_run_hooks {
    /** The scope held while inputs are created: nothing to do. */
    struct no_scope {};
    [[nodiscard]] no_scope setup() const { return {}; }
    /** Launches the node once. */
    template <class Launch>
    void run(const node&, Launch&& launch) {
        launch();
    }
};

/**
 * Runs one node through `runner`: an aliasing view shares its input's buffer; any other node has
 * its inputs created inside `hooks.setup()`'s scope, then `hooks.run(n, launch)` launches it as
 * often as the hooks like. Throws unsupported_node when the executor has no implementation.
 */
template <class Exec, class Hooks>
void run_node(graph_runner<Exec>& runner, const node& n, Hooks& hooks) {
    if (is_view_op(n)) {
        [[maybe_unused]] auto scope = hooks.setup();
        runner.run_view(n);
        return;
    }
    const auto* op = runner.find(n);
    if (op == nullptr) throw unsupported_node("no implementation");
    std::optional<node_call<Exec>> call;
    {
        [[maybe_unused]] auto scope = hooks.setup();
        call.emplace(runner.prepare(n));
    }
    hooks.run(n, [&] { runner.launch(*op, *call); });
}

/**
 * Runs the plan's kernel and view nodes in order on one executor (run_node; `hooks` as there). A
 * node the executor turns out not to handle becomes `unsupported` in the plan (with the reason)
 * and its predicted time leaves the covered share; the walk goes on.
 */
template <class Exec, class Hooks>
void run_plan(const graph& g, const model_cost& m, Exec& ex, const op_table<Exec>& ops, replay_plan& plan,
              std::uint64_t seed, Hooks& hooks) {
    std::vector<std::int32_t> run_order;
    for (const auto& p : plan.nodes) {
        if (p.step == replay_step::kernel || p.step == replay_step::view) run_order.push_back(p.node);
    }
    graph_runner<Exec> runner(g, ex, ops, m.float_override, seed, run_order, {});
    for (auto& p : plan.nodes) {
        if (p.step != replay_step::kernel && p.step != replay_step::view) continue;
        const node& n = g.nodes[static_cast<std::size_t>(p.node)];
        try {
            // No-kernel nodes that are not aliasing views (Shape, Size) have outputs the shape
            // engine knows, uploaded when a consumer needs them.
            if (p.step == replay_step::kernel || is_view_op(n)) run_node(runner, n, hooks);
        } catch (const unsupported_node& e) {
            p.step = replay_step::unsupported;
            p.reason = e.what();
            p.backend.clear();
            plan.covered_predicted_s -= p.predicted_s;
            ++plan.unsupported[p.op_type];
        }
        runner.consumed(n);
    }
    ex.synchronize();
}

}  // namespace ridgeline::replay
