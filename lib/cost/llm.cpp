// LLM serving estimates (llm.hpp): prefill and decode steps of a decoder graph with a KV cache,
// each predicted through the one pipeline (pipeline.hpp); generation as the sum of its steps;
// memory and the largest batch from the analysis's liveness at the decode step.
#include "ridgeline/llm.hpp"

#include "ridgeline/analysis.hpp"
#include "ridgeline/error.hpp"
#include "ridgeline/onnx_import.hpp"
#include "ridgeline/pipeline.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

namespace ridgeline {

std::string llm_time_split::limiter() const {
    const std::pair<double, const char*> parts[] = {{weights_s, "weights"},
                                                    {kv_cache_s, "kv_cache"},
                                                    {activations_s, "activations"},
                                                    {compute_s, "compute"},
                                                    {overhead_s, "kernel_overhead"}};
    const auto* best = std::max_element(std::begin(parts), std::end(parts),
                                        [](const auto& a, const auto& b) { return a.first < b.first; });
    return best->first > 0 ? best->second : "none";
}

void check_llm_request(const llm_request& r) {
    auto positive = [](const std::vector<std::int64_t>& v, const char* option) {
        if (v.empty()) throw usage_error(std::string(option) + ": give at least one value");
        for (auto x : v)
            if (x <= 0)
                throw usage_error(std::string(option) + " " + std::to_string(x) + ": must be a positive number of " +
                                  (std::string(option) == "--batch" ? "sequences" : "tokens"));
    };
    positive(r.batches, "--batch");
    if (!r.contexts.empty()) positive(r.contexts, "--context");
    if (r.prompt <= 0)
        throw usage_error("--prompt " + std::to_string(r.prompt) + ": must be a positive number of tokens");
    if (r.gen < 0) throw usage_error("--gen " + std::to_string(r.gen) + ": must not be negative");
    if (r.generation_samples == 1 || r.generation_samples < 0)
        throw usage_error("--generation-samples " + std::to_string(r.generation_samples) +
                          ": 0 (every step) or at least 2");
}

namespace {

/** Which values are weights and which are cache tensors (past inputs, presents and their views). */
struct value_roles {
    std::vector<char> weight;
    std::vector<char> kv;
};

/** Layer index per node (-1: not analysed). */
std::vector<int> layer_of_nodes(const graph& g, const model_cost& m) {
    std::vector<int> out(g.nodes.size(), -1);
    for (std::size_t i = 0; i < m.layers.size(); ++i)
        out[static_cast<std::size_t>(m.layers[i].node)] = static_cast<int>(i);
    return out;
}

value_roles roles_of(const graph& g, const model_cost& m, const kv_cache_layout& kv) {
    value_roles r;
    r.weight.assign(g.values.size(), 0);
    r.kv.assign(g.values.size(), 0);
    for (std::size_t i = 0; i < g.values.size(); ++i) r.weight[i] = g.values[i].is_initializer ? 1 : 0;
    for (const auto& t : kv.tensors) {
        const auto id = g.find_value(t.input);
        if (id >= 0) r.kv[static_cast<std::size_t>(id)] = 1;
    }
    const auto layer = layer_of_nodes(g, m);
    for (auto id : g.topological_order()) {
        const auto& n = g.nodes[static_cast<std::size_t>(id)];
        const int li = layer[static_cast<std::size_t>(id)];
        if (li < 0 || n.outputs.empty() || n.outputs[0] < 0) continue;
        const auto kind = m.layers[static_cast<std::size_t>(li)].kind;
        const auto out = static_cast<std::size_t>(n.outputs[0]);
        if (n.op_type == "Identity" && !n.inputs.empty() && n.inputs[0] >= 0 &&
            r.weight[static_cast<std::size_t>(n.inputs[0])])
            r.weight[out] = 1;
        if ((kind != op_kind::view && kind != op_kind::data_movement) || !is_floating(g.values[out].type)) continue;
        // Copies and views of the cache stay cache: any input of a Concat, the data input of the rest.
        const std::size_t data_inputs =
            n.op_type == "Concat" ? n.inputs.size() : std::min<std::size_t>(1, n.inputs.size());
        for (std::size_t i = 0; i < data_inputs; ++i) {
            if (n.inputs[i] >= 0 && r.kv[static_cast<std::size_t>(n.inputs[i])]) r.kv[out] = 1;
        }
    }
    return r;
}

/** Splits every kernel's time: fixed costs, compute-bound kernels, and memory time by what it moves. */
llm_time_split split_time(const graph& g, const model_cost& m, const latency_prediction& lat,
                          const value_roles& roles) {
    llm_time_split s;
    for (const auto& k : lat.kernels) {
        const double launches = static_cast<double>(k.launches);
        const double fixed = launches * k.fixed_s;
        const double body = std::max(0.0, k.time_s - fixed);
        s.overhead_s += std::min(fixed, k.time_s);
        if (k.bound == bound_kind::compute) {
            s.compute_s += body;
            continue;
        }
        double weights = 0, kv = 0, other = 0;
        for (auto li : k.layers) {
            const auto& l = m.layers[li];
            const auto& n = g.nodes[static_cast<std::size_t>(l.node)];
            weights += static_cast<double>(l.forward.bytes_read_weights);
            // Activation reads and writes split by the sizes of the cache and other tensors.
            double kv_in = 0, other_in = 0, kv_out = 0, other_out = 0;
            for (auto in : n.inputs) {
                if (in < 0 || roles.weight[static_cast<std::size_t>(in)]) continue;
                const auto b =
                    static_cast<double>(value_bytes(g.values[static_cast<std::size_t>(in)], m.float_override));
                (roles.kv[static_cast<std::size_t>(in)] ? kv_in : other_in) += b;
            }
            for (auto out : n.outputs) {
                if (out < 0) continue;
                const auto b =
                    static_cast<double>(value_bytes(g.values[static_cast<std::size_t>(out)], m.float_override));
                (roles.kv[static_cast<std::size_t>(out)] ? kv_out : other_out) += b;
            }
            const auto read = static_cast<double>(l.forward.bytes_read_activations);
            const auto written = static_cast<double>(l.forward.bytes_written);
            const double in_share = kv_in + other_in > 0 ? kv_in / (kv_in + other_in) : 0.0;
            const double out_share = kv_out + other_out > 0 ? kv_out / (kv_out + other_out) : 0.0;
            kv += read * in_share + written * out_share;
            other += read * (1 - in_share) + written * (1 - out_share);
        }
        const double total = weights + kv + other;
        if (total <= 0) {
            s.activations_s += body;
            continue;
        }
        s.weights_s += body * weights / total;
        s.kv_cache_s += body * kv / total;
        s.activations_s += body * other / total;
    }
    return s;
}

/** Bytes the graph's kernels move to and from cache tensors. */
std::int64_t kv_traffic(const graph& g, const model_cost& m, const value_roles& roles) {
    std::int64_t bytes = 0;
    for (const auto& l : m.layers) {
        if (!l.is_kernel()) continue;
        const auto& n = g.nodes[static_cast<std::size_t>(l.node)];
        for (auto v : n.inputs)
            if (v >= 0 && roles.kv[static_cast<std::size_t>(v)])
                bytes = checked_add(bytes, value_bytes(g.values[static_cast<std::size_t>(v)], m.float_override));
        for (auto v : n.outputs)
            if (v >= 0 && roles.kv[static_cast<std::size_t>(v)])
                bytes = checked_add(bytes, value_bytes(g.values[static_cast<std::size_t>(v)], m.float_override));
    }
    return bytes;
}

/**
 * Query heads as the first attention product over the first key sees them: its output
 * [batch, heads…, new, total] (0 when the graph shows no such product).
 */
std::int64_t query_heads_of(const graph& g, const kv_cache_layout& kv, const value_roles& roles) {
    const auto key = std::find_if(kv.tensors.begin(), kv.tensors.end(), [](const auto& t) { return t.role == 'k'; });
    if (key == kv.tensors.end()) return 0;
    std::vector<std::int32_t> frontier{g.find_value(key->input)};
    std::vector<std::vector<std::int32_t>> consumers(g.values.size());
    for (const auto& n : g.nodes)
        for (auto in : n.inputs)
            if (in >= 0) consumers[static_cast<std::size_t>(in)].push_back(n.index);
    for (int depth = 0; depth < 12 && !frontier.empty(); ++depth) {
        std::vector<std::int32_t> next;
        for (auto v : frontier) {
            if (v < 0) continue;
            for (auto c : consumers[static_cast<std::size_t>(v)]) {
                const auto& n = g.nodes[static_cast<std::size_t>(c)];
                if (n.op_type == "MatMul" && !n.outputs.empty() && n.outputs[0] >= 0) {
                    const auto& out = g.values[static_cast<std::size_t>(n.outputs[0])];
                    if (!out.dims || out.dims->size() < 4) return 0;
                    std::int64_t heads = 1;
                    for (std::size_t a = 1; a + 2 < out.dims->size(); ++a) {
                        if (!(*out.dims)[a].is_value()) return 0;
                        heads = checked_mul(heads, (*out.dims)[a].value());
                    }
                    return heads;
                }
                for (auto o : n.outputs)
                    if (o >= 0 && roles.kv[static_cast<std::size_t>(o)]) next.push_back(o);
            }
        }
        frontier = std::move(next);
    }
    return 0;
}

/** Runs the phases of one request on one graph, caching what repeats. */
class estimator {
public:
    estimator(graph g, const llm_request& r) : g_(std::move(g)), r_(r), kv_(require_kv_cache(g_)) {
        req_.path = r.path.empty() ? g_.path : r.path;
        req_.prec = r.prec;
        req_.devices = {r.hw};
        req_.params = r.params;
        ao_.float_override = r.prec.storage;
        const dtype stored = kv_.stored_type;
        element_bytes_ = r.prec.storage != dtype::undefined && is_floating(stored) ? element_size_bytes(r.prec.storage)
                                                                                   : element_size_bytes(stored);
        bytes_per_token_ = kv_.bytes_per_token(element_bytes_);
    }

    llm_estimate run() {
        llm_estimate e;
        e.path = req_.path;
        e.hw_id = r_.hw.id;
        e.hw_name = r_.hw.name;
        e.precision_name = r_.prec.label();
        e.element_bytes = element_bytes_;
        e.prompt = r_.prompt;
        e.gen = r_.gen;
        e.kv_bytes_per_token = bytes_per_token_;
        const auto contexts = r_.contexts.empty() ? std::vector<std::int64_t>{r_.prompt} : r_.contexts;
        for (auto batch : r_.batches) {
            check_batch(batch);
            const auto prefill = phase(batch, r_.prompt, 0);
            std::optional<llm_generation> gen;
            if (r_.gen > 0) gen = generation(batch, prefill);
            for (auto context : contexts) {
                llm_point p;
                p.batch = batch;
                p.context = context;
                p.prefill = prefill;
                p.decode = phase(batch, 1, context);
                p.tokens_per_s = p.decode.predicted_time_s > 0 ? 1.0 / p.decode.predicted_time_s : 0.0;
                p.batch_tokens_per_s = static_cast<double>(batch) * p.tokens_per_s;
                p.generation = gen;
                p.memory = memory(batch, context);
                p.kv_cache_bytes = checked_mul(checked_mul(batch, checked_add(r_.prompt, r_.gen)), bytes_per_token_);
                p.max_batch = max_batch(context);
                e.points.push_back(std::move(p));
            }
        }
        e.weights_bytes = weights_bytes_;
        e.roof = roof_;
        kv_.query_heads = query_heads_;
        e.kv = kv_;
        return e;
    }

private:
    void check_batch(std::int64_t batch) const {
        if (kv_.fixed_batch > 0 && batch != kv_.fixed_batch) {
            throw usage_error("--batch " + std::to_string(batch) + ": " + req_.path + " fixes the batch to " +
                              std::to_string(kv_.fixed_batch) + " (input '" + kv_.tensors.front().input + "')");
        }
    }

    model_request request_at(std::int64_t batch, std::int64_t new_tokens, std::int64_t past) const {
        if (kv_.fixed_sequence > 0 && new_tokens != kv_.fixed_sequence) {
            throw model_error(req_.path, "input '" + kv_.token_input + "' fixes the new tokens to " +
                                             std::to_string(kv_.fixed_sequence) + ": a pass over " +
                                             std::to_string(new_tokens) +
                                             " tokens needs a symbolic sequence axis (export with dynamic axes)");
        }
        model_request q = req_;
        q.shapes.symbols = r_.extra;
        for (const auto& [k, v] : kv_.bind(batch, new_tokens, past)) q.shapes.symbols[k] = v;
        // A mask declared [batch, past + 1] (decode only) covers past + new tokens in every phase.
        if (!kv_.mask_input.empty())
            q.shapes.input_shapes[kv_.mask_input] = {kv_.fixed_batch > 0 ? kv_.fixed_batch : batch,
                                                     checked_add(past, new_tokens)};
        return q;
    }

    /** One predicted pass, cached by its bindings. */
    const llm_phase& phase(std::int64_t batch, std::int64_t new_tokens, std::int64_t past) {
        const auto key = std::make_tuple(batch, new_tokens, past);
        if (auto it = phases_.find(key); it != phases_.end()) return it->second;
        const auto q = request_at(batch, new_tokens, past);
        auto p = predict_model(std::move(g_), q);
        g_ = std::move(p.g);
        const auto& d = p.device();
        const auto roles = roles_of(g_, p.m, kv_);
        llm_phase ph;
        ph.symbols = p.symbols;
        ph.predicted_time_s = d.latency.gpu_time_s;
        ph.wall_time_s = d.latency.wall_time_s;
        ph.kernels = d.latency.launches;
        ph.flops = p.m.totals.flops();
        ph.bytes = p.m.totals.bytes();
        ph.weight_bytes_read = p.m.totals.bytes_read_weights;
        ph.kv_bytes_read = checked_mul(checked_mul(batch, checked_add(past, new_tokens)), bytes_per_token_);
        ph.kv_traffic_bytes = kv_traffic(g_, p.m, roles);
        ph.operational_intensity = p.m.totals.operational_intensity();
        ph.achieved_flops_per_s = ph.predicted_time_s > 0 ? static_cast<double>(ph.flops) / ph.predicted_time_s : 0;
        const auto& roof = d.roofline.roof;
        ph.attainable_flops_per_s =
            std::min(roof.matmul_flops_per_s, ph.operational_intensity * roof.bandwidth_bytes_per_s);
        ph.bound = d.latency.bound;
        ph.split = split_time(g_, p.m, d.latency, roles);
        const auto mem = inference_memory(p.m);
        ph.peak_activation_bytes = mem.activation_bytes;
        ph.workspace_bytes = mem.workspace_bytes;
        weights_bytes_ = p.m.param_bytes;
        roof_ = roof;
        if (query_heads_ == 0 && new_tokens == 1) query_heads_ = query_heads_of(g_, kv_, roles);
        return phases_.emplace(key, std::move(ph)).first->second;
    }

    /** Prefill, then N − 1 decode steps over contexts prompt … prompt + N − 2. */
    llm_generation generation(std::int64_t batch, const llm_phase& prefill) {
        llm_generation gen;
        gen.tokens = r_.gen;
        gen.prefill_time_s = prefill.predicted_time_s;
        const std::int64_t steps = r_.gen - 1;
        if (steps > 0) {
            const std::int64_t first = r_.prompt, last = r_.prompt + steps - 1;
            const std::int64_t samples = r_.generation_samples;
            if (samples == 0 || samples >= steps) {
                for (std::int64_t c = first; c <= last; ++c) gen.decode_time_s += phase(batch, 1, c).predicted_time_s;
                gen.steps_predicted = steps;
                gen.method = "every step";
            } else {
                // k evenly spaced contexts; the steps between them interpolated linearly (trapezoid).
                std::vector<std::int64_t> at;
                for (std::int64_t i = 0; i < samples; ++i) at.push_back(first + (last - first) * i / (samples - 1));
                at.erase(std::unique(at.begin(), at.end()), at.end());
                std::vector<double> t;
                for (auto c : at) t.push_back(phase(batch, 1, c).predicted_time_s);
                for (std::size_t i = 0; i + 1 < at.size(); ++i) {
                    const double span = static_cast<double>(at[i + 1] - at[i]);
                    // Steps at[i] … at[i+1] − 1 on the line through the two samples.
                    gen.decode_time_s += span * t[i] + (t[i + 1] - t[i]) * (span - 1) / 2;
                }
                gen.decode_time_s += t.back();
                gen.steps_predicted = static_cast<std::int64_t>(at.size());
                gen.method = std::to_string(at.size()) + " sampled steps, trapezoid";
            }
            gen.decode_tokens_per_s = gen.decode_time_s > 0 ? static_cast<double>(steps) / gen.decode_time_s : 0;
        } else {
            gen.method = "prefill only";
        }
        gen.total_time_s = gen.prefill_time_s + gen.decode_time_s;
        gen.tokens_per_s = gen.total_time_s > 0 ? static_cast<double>(gen.tokens) / gen.total_time_s : 0;
        gen.batch_tokens_per_s = static_cast<double>(batch) * gen.tokens_per_s;
        return gen;
    }

    /** Weights + live tensors at the decode step's peak + workspace, from the analysis alone. */
    std::int64_t total_memory(std::int64_t batch, std::int64_t context) {
        const auto key = std::make_pair(batch, context);
        if (auto it = memory_.find(key); it != memory_.end()) return it->second;
        auto inferred = infer_model(std::move(g_), request_at(batch, 1, context));
        g_ = std::move(inferred.g);
        const auto m = inference_memory(analyze(g_, ao_));
        return memory_[key] = m.total();
    }

    llm_memory memory(std::int64_t batch, std::int64_t context) {
        llm_memory mem;
        const auto& ph = phase(batch, 1, context);
        mem.weights_bytes = weights_bytes_;
        mem.kv_cache_bytes = checked_mul(checked_mul(batch, checked_add(context, 1)), bytes_per_token_);
        mem.total_bytes = checked_add(checked_add(weights_bytes_, ph.peak_activation_bytes), ph.workspace_bytes);
        mem.activation_bytes = std::max<std::int64_t>(0, mem.total_bytes - mem.weights_bytes - mem.kv_cache_bytes);
        mem.capacity_bytes = r_.hw.dram_capacity_gib > 0 ? r_.hw.memory_bytes() : 0;
        if (kv_.fixed_batch == 0) mem.bytes_per_sequence = total_memory(2, context) - total_memory(1, context);
        return mem;
    }

    /**
     * The largest batch whose decode-step memory at `context` fits: memory is linear in the batch
     * at one new token (every live tensor has a batch axis but the weights), so the line through
     * batches 1 and 2 gives the answer, which the analysis then confirms at it and one above.
     */
    std::optional<std::int64_t> max_batch(std::int64_t context) {
        if (r_.hw.dram_capacity_gib <= 0) return std::nullopt;
        const auto cap = r_.hw.memory_bytes();
        if (kv_.fixed_batch > 0) return total_memory(kv_.fixed_batch, context) <= cap ? kv_.fixed_batch : 0;
        const auto t1 = total_memory(1, context);
        if (t1 > cap) return 0;
        const auto slope = std::max<std::int64_t>(1, total_memory(2, context) - t1);
        std::int64_t b = std::min<std::int64_t>(1 + (cap - t1) / slope, std::int64_t{1} << 40);
        // Confirm on the graph (a term not linear in the batch moves the answer a little).
        for (int i = 0; i < 64 && b > 1 && total_memory(b, context) > cap; ++i)
            b = std::max<std::int64_t>(1, b - 1 - b / 64);
        for (int i = 0; i < 64 && total_memory(b + 1, context) <= cap; ++i) ++b;
        return b;
    }

    graph g_;
    const llm_request& r_;
    kv_cache_layout kv_;
    model_request req_;
    analysis_options ao_;
    std::int64_t element_bytes_ = 0;
    std::int64_t bytes_per_token_ = 0;
    std::int64_t weights_bytes_ = 0;
    std::int64_t query_heads_ = 0;
    ceilings roof_;
    std::map<std::tuple<std::int64_t, std::int64_t, std::int64_t>, llm_phase> phases_;
    std::map<std::pair<std::int64_t, std::int64_t>, std::int64_t> memory_;
};

}  // namespace

llm_estimate estimate_llm(const llm_request& r) {
    check_llm_request(r);
    return estimate_llm(load_onnx(r.path), r);
}

llm_estimate estimate_llm(graph g, const llm_request& r) {
    check_llm_request(r);
    return estimator(std::move(g), r).run();
}

}  // namespace ridgeline
