// LLM serving estimates (llm.hpp) on hand-built decoder graphs: KV-cache detection (grouped-query
// attention, odd names, stacked key/value, no cache at all), exact KV bytes, the prefill and decode
// bindings (a zero-length past included), the generation sum, the largest batch against the
// memory worked out on the graph, and bad input.
#include "model_builder.hpp"

#include "ridgeline/analysis.hpp"
#include "ridgeline/error.hpp"
#include "ridgeline/hardware.hpp"
#include "ridgeline/llm.hpp"
#include "ridgeline/onnx_import.hpp"
#include "ridgeline/pipeline.hpp"
#include "ridgeline/report.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <functional>
#include <sstream>

using namespace ridgeline;
using test::model_builder;

namespace {

/** How a hand-built decoder names and shapes its cache. */
struct decoder_spec {
    std::int64_t layers = 2;
    std::int64_t q_heads = 4;
    std::int64_t kv_heads = 2;  // grouped-query: 2 query heads per KV head
    std::int64_t head_dim = 8;
    std::int64_t vocab = 64;
    /** Cache input name of (layer, 'k' | 'v'). */
    std::function<std::string(std::int64_t, char)> past = [](std::int64_t l, char r) {
        return "past_key_values." + std::to_string(l) + (r == 'k' ? ".key" : ".value");
    };
    std::function<std::string(std::int64_t, char)> present = [](std::int64_t l, char r) {
        return "present." + std::to_string(l) + (r == 'k' ? ".key" : ".value");
    };
    bool mask = true;
    std::string batch = "batch", sequence = "sequence", past_tokens = "past_sequence";
    std::string mask_tokens = "total_sequence";  // the mask's token axis (a symbol or an expression)
    bool use_mask = false;                       // add the mask to the attention scores
};

/**
 * A Llama-like decoder: embedding, then per layer Q/K/V projections, the new K and V concatenated
 * after the cache along the token axis (the present outputs), K and V repeated to the query heads
 * (Unsqueeze → Expand → Reshape, as Hugging Face's repeat_kv), softmax attention, an output
 * projection with a residual; then the LM head.
 */
graph build_decoder(const decoder_spec& s, const std::string& name = "decoder.onnx") {
    model_builder b;
    const std::int64_t hidden = s.q_heads * s.head_dim, kv_width = s.kv_heads * s.head_dim;
    const std::int64_t group = s.q_heads / s.kv_heads;
    b.input("input_ids", dtype::i64, {s.batch, s.sequence});
    if (s.mask) b.input("attention_mask", dtype::i64, {s.batch, s.mask_tokens});
    for (std::int64_t l = 0; l < s.layers; ++l) {
        for (char r : {'k', 'v'}) b.input(s.past(l, r), dtype::f32, {s.batch, s.kv_heads, s.past_tokens, s.head_dim});
    }
    if (s.mask && s.use_mask) {  // [batch, tokens] → an additive [batch, 1, 1, tokens] mask
        b.ints("mask_axes", {1, 2});
        test::attr_i(b.node("Cast", {"attention_mask"}, {"mask_f"}), "to", 1);
        b.node("Unsqueeze", {"mask_f", "mask_axes"}, {"mask4"});
    }
    b.weight("embed", dtype::f32, {s.vocab, hidden});
    b.ints("q_shape", {0, 0, s.q_heads, s.head_dim});
    b.ints("kv_shape", {0, 0, s.kv_heads, s.head_dim});
    b.ints("rep", {1, 1, group, 1, 1});
    b.ints("rep_shape", {0, s.q_heads, -1, s.head_dim});
    b.ints("axis2", {2});
    b.ints("merged", {0, 0, hidden});
    b.node("Gather", {"embed", "input_ids"}, {"x0"});
    std::string x = "x0";
    for (std::int64_t l = 0; l < s.layers; ++l) {
        const auto p = "l" + std::to_string(l) + "_";
        b.weight(p + "wq", dtype::f32, {hidden, hidden});
        b.weight(p + "wk", dtype::f32, {hidden, kv_width});
        b.weight(p + "wv", dtype::f32, {hidden, kv_width});
        b.weight(p + "wo", dtype::f32, {hidden, hidden});
        b.node("MatMul", {x, p + "wq"}, {p + "q"});
        b.node("Reshape", {p + "q", "q_shape"}, {p + "q4"});
        test::attr_ints(b.node("Transpose", {p + "q4"}, {p + "qt"}), "perm", {0, 2, 1, 3});
        for (char r : {'k', 'v'}) {
            const std::string t(1, r);
            b.node("MatMul", {x, p + "w" + t}, {p + t});
            b.node("Reshape", {p + t, "kv_shape"}, {p + t + "4"});
            test::attr_ints(b.node("Transpose", {p + t + "4"}, {p + t + "t"}), "perm", {0, 2, 1, 3});
            test::attr_i(b.node("Concat", {s.past(l, r), p + t + "t"}, {s.present(l, r)}), "axis", 2);
            b.node("Unsqueeze", {s.present(l, r), "axis2"}, {p + t + "u"});
            b.node("Expand", {p + t + "u", "rep"}, {p + t + "e"});
            b.node("Reshape", {p + t + "e", "rep_shape"}, {p + t + "r"});
        }
        test::attr_ints(b.node("Transpose", {p + "kr"}, {p + "kT"}), "perm", {0, 1, 3, 2});
        b.node("MatMul", {p + "qt", p + "kT"}, {p + "scores"});
        if (s.mask && s.use_mask) {
            b.node("Add", {p + "scores", "mask4"}, {p + "masked"});
            test::attr_i(b.node("Softmax", {p + "masked"}, {p + "probs"}), "axis", -1);
        } else {
            test::attr_i(b.node("Softmax", {p + "scores"}, {p + "probs"}), "axis", -1);
        }
        b.node("MatMul", {p + "probs", p + "vr"}, {p + "ctx"});
        test::attr_ints(b.node("Transpose", {p + "ctx"}, {p + "ctxt"}), "perm", {0, 2, 1, 3});
        b.node("Reshape", {p + "ctxt", "merged"}, {p + "ctxm"});
        b.node("MatMul", {p + "ctxm", p + "wo"}, {p + "o"});
        b.node("Add", {x, p + "o"}, {p + "x"});
        x = p + "x";
    }
    b.weight("lm_head", dtype::f32, {hidden, s.vocab});
    b.node("MatMul", {x, "lm_head"}, {"logits"});
    b.output("logits");
    for (std::int64_t l = 0; l < s.layers; ++l)
        for (char r : {'k', 'v'}) b.output(s.present(l, r));
    return b.load(name);
}

hw_spec h100() { return load_hw("h100-sxm"); }

llm_request request_for(const std::vector<std::int64_t>& batches, const std::vector<std::int64_t>& contexts,
                        std::int64_t prompt = 16, std::int64_t gen = 4) {
    llm_request r;
    r.path = "decoder.onnx";
    r.hw = h100();
    r.batches = batches;
    r.contexts = contexts;
    r.prompt = prompt;
    r.gen = gen;
    return r;
}

/** Weights + live tensors at the peak + workspace of the decode step, straight from the analysis. */
std::int64_t decode_memory(graph g, const kv_cache_layout& kv, std::int64_t batch, std::int64_t context) {
    shape_options o;
    o.symbols = kv.bind(batch, 1, context);
    REQUIRE(infer_shapes(g, o).ok());
    return inference_memory(analyze(g)).total();
}

}  // namespace

TEST_CASE("grouped-query attention: layers, KV heads, head size and the symbols from the graph") {
    const auto g = build_decoder({});
    const auto kv = find_kv_cache(g);
    REQUIRE(kv);
    CHECK(kv->layers == 2);
    CHECK(kv->kv_heads == 2);
    CHECK(kv->head_dim == 8);
    CHECK(kv->uniform);
    REQUIRE(kv->tensors.size() == 4);
    CHECK(kv->tensors[0].input == "past_key_values.0.key");
    CHECK(kv->tensors[0].role == 'k');
    CHECK(kv->tensors[1].role == 'v');
    CHECK(kv->tensors[3].layer == 1);
    CHECK(kv->tensors[2].output == "present.1.key");
    CHECK(kv->past_symbol == "past_sequence");
    CHECK(kv->sequence_symbol == "sequence");
    CHECK(kv->total_symbol == "total_sequence");
    CHECK(kv->batch_symbol == "batch");
    CHECK(kv->token_input == "input_ids");
    // 2 × layers × kv_heads × head_dim × element size: the KV heads count, not the query heads.
    CHECK(kv->bytes_per_token(4) == 2 * 2 * 2 * 8 * 4);
    CHECK(kv->bytes_per_token(2) == 2 * 2 * 2 * 8 * 2);
    const auto b = kv->bind(8, 1, 100);
    CHECK(b.at("batch") == 8);
    CHECK(b.at("sequence") == 1);
    CHECK(b.at("past_sequence") == 100);
    CHECK(b.at("total_sequence") == 101);
}

TEST_CASE("odd cache names: numbered k/v caches, unnamed inputs found by their Concat, no mask") {
    SUBCASE("k_cache / v_cache with the layer number first") {
        decoder_spec s;
        s.layers = 3;
        s.past = [](std::int64_t l, char r) { return "layers_" + std::to_string(l) + "_" + r + "_cache_in"; };
        s.present = [](std::int64_t l, char r) { return "layers_" + std::to_string(l) + "_" + r + "_cache_out"; };
        const auto kv = find_kv_cache(build_decoder(s));
        REQUIRE(kv);
        CHECK(kv->layers == 3);
        CHECK(kv->tensors[4].role == 'k');
        CHECK(kv->tensors[4].layer == 2);
        CHECK(kv->tensors[5].role == 'v');
        CHECK(kv->tensors[5].output == "layers_2_v_cache_out");
    }
    SUBCASE("names that say nothing: the Concat into a graph output finds them, roles alternate") {
        decoder_spec s;
        s.mask = false;
        s.past = [](std::int64_t l, char r) {
            return std::string("state") + (r == 'k' ? "A" : "B") + std::to_string(l);
        };
        s.present = [](std::int64_t l, char r) {
            return std::string("next") + (r == 'k' ? "A" : "B") + std::to_string(l);
        };
        const auto kv = find_kv_cache(build_decoder(s));
        REQUIRE(kv);
        CHECK(kv->layers == 2);
        CHECK(kv->tensors[0].role == 'k');
        CHECK(kv->tensors[1].role == 'v');
        CHECK(kv->tensors[1].output == "nextB0");
        CHECK(kv->total_symbol.empty());  // no mask, no declared present shapes: nothing to bind
    }
}

TEST_CASE("optimum's names: batch_size, sequence_length, past_sequence_length, a mask of past + 1") {
    decoder_spec opt;
    opt.batch = "batch_size";
    opt.sequence = "sequence_length";
    opt.past_tokens = "past_sequence_length";
    opt.mask_tokens = "past_sequence_length + 1";  // decode-only declaration
    opt.use_mask = true;
    const auto kv = find_kv_cache(build_decoder(opt));
    REQUIRE(kv);
    CHECK(kv->batch_symbol == "batch_size");
    CHECK(kv->sequence_symbol == "sequence_length");
    CHECK(kv->past_symbol == "past_sequence_length");
    CHECK(kv->total_symbol.empty());
    CHECK(kv->mask_input == "attention_mask");
    // The mask is bound to past + new tokens in every phase: the prefill and decode cost exactly
    // what the same graph declaring a plain total_sequence symbol costs.
    decoder_spec plain;
    plain.use_mask = true;
    const auto r = request_for({2}, {40}, 16, 0);
    const auto a = estimate_llm(build_decoder(opt), r).points.front();
    const auto b = estimate_llm(build_decoder(plain), r).points.front();
    CHECK(a.prefill.bytes == b.prefill.bytes);
    CHECK(a.prefill.flops == b.prefill.flops);
    CHECK(a.decode.bytes == b.decode.bytes);
    CHECK(a.decode.flops == b.decode.flops);
    CHECK(a.decode.predicted_time_s == doctest::Approx(b.decode.predicted_time_s));
}

TEST_CASE("a stacked [2, batch, heads, past, head_dim] cache counts both halves") {
    model_builder b;
    b.input("input_ids", dtype::i64, {std::string("batch"), std::string("seq")});
    b.input("past_0", dtype::f16, {2, std::string("batch"), 12, std::string("past_seq_len"), 64});
    b.input("past_1", dtype::f16, {2, std::string("batch"), 12, std::string("past_seq_len"), 64});
    b.weight("emb", dtype::f16, {100, 768});
    b.node("Gather", {"emb", "input_ids"}, {"logits"});
    b.output("logits");
    const auto kv = find_kv_cache(b.load("stacked.onnx"));
    REQUIRE(kv);
    CHECK(kv->layers == 2);
    CHECK(kv->tensors[0].role == 'b');
    CHECK(kv->kv_heads == 12);
    CHECK(kv->head_dim == 64);
    CHECK(kv->stored_type == dtype::f16);
    CHECK(kv->sequence_symbol == "seq");
    CHECK(kv->past_symbol == "past_seq_len");
    CHECK(kv->bytes_per_token(2) == 2 * 2 * 12 * 64 * 2);
}

TEST_CASE("a graph without a KV cache: a clear error naming the file and what is missing") {
    const graph g = load_onnx(std::string(RIDGELINE_TEST_DATA) + "/tiny_mlp.onnx");
    CHECK_FALSE(find_kv_cache(g));
    try {
        (void)require_kv_cache(g);
        FAIL("no error");
    } catch (const model_error& e) {
        const std::string msg = e.what();
        CHECK(msg.find("tiny_mlp.onnx") != std::string::npos);
        CHECK(msg.find("no KV-cache inputs") != std::string::npos);
        CHECK(msg.find("past_key_values") != std::string::npos);
        CHECK(msg.find("inputs are:") != std::string::npos);
    }
    // A 4-D float input without a cache name or a Concat into an output is not a cache.
    model_builder b;
    b.input("pixels", dtype::f32, {std::string("batch"), 3, std::string("height"), 224});
    b.node("Relu", {"pixels"}, {"y"});
    b.output("y");
    CHECK_FALSE(find_kv_cache(b.load("image.onnx")));
    auto r = request_for({1}, {8});
    CHECK_THROWS_AS(estimate_llm(b.load("image.onnx"), r), model_error);
}

TEST_CASE("bad numbers are usage errors naming the option") {
    auto message = [](const llm_request& r) {
        try {
            check_llm_request(r);
        } catch (const usage_error& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    CHECK(message(request_for({1}, {0})).find("--context 0") != std::string::npos);
    CHECK(message(request_for({1}, {-5})).find("--context -5") != std::string::npos);
    CHECK(message(request_for({0}, {8})).find("--batch 0") != std::string::npos);
    CHECK(message(request_for({1}, {8}, 0)).find("--prompt 0") != std::string::npos);
    CHECK(message(request_for({1}, {8}, 16, -1)).find("--gen -1") != std::string::npos);
    CHECK(message(request_for({}, {8})).find("--batch") != std::string::npos);
    CHECK(message(request_for({1}, {8})).empty());
    CHECK_THROWS_AS(estimate_llm(build_decoder({}), request_for({1}, {0})), usage_error);
}

TEST_CASE("prefill binds past 0, decode binds one token over the context") {
    auto r = request_for({2}, {40}, 16, 0);
    const auto e = estimate_llm(build_decoder({}), r);
    REQUIRE(e.points.size() == 1);
    const auto& p = e.points.front();
    CHECK(p.prefill.symbols.at("past_sequence") == 0);
    CHECK(p.prefill.symbols.at("sequence") == 16);
    CHECK(p.prefill.symbols.at("total_sequence") == 16);
    CHECK(p.prefill.symbols.at("batch") == 2);
    CHECK(p.decode.symbols.at("past_sequence") == 40);
    CHECK(p.decode.symbols.at("sequence") == 1);
    CHECK(p.decode.symbols.at("total_sequence") == 41);
    // The zero-length past costs nothing and breaks nothing.
    CHECK(p.prefill.predicted_time_s > 0);
    CHECK(p.prefill.flops > 0);
    CHECK(p.decode.predicted_time_s > 0);
    CHECK(p.tokens_per_s == doctest::Approx(1 / p.decode.predicted_time_s));
    CHECK(p.batch_tokens_per_s == doctest::Approx(2 / p.decode.predicted_time_s));
    // The attention reads the whole cache: batch × (past + new) × bytes per token.
    CHECK(e.kv_bytes_per_token == 2 * 2 * 2 * 8 * 4);
    CHECK(p.decode.kv_bytes_read == 2 * 41 * e.kv_bytes_per_token);
    CHECK(p.prefill.kv_bytes_read == 2 * 16 * e.kv_bytes_per_token);
    // Every weight is read once per step (the embedding only its gathered rows; each Expand also
    // reads its 5-element int64 shape initializer).
    const std::int64_t layer_weights = 4 * 8 * 4 * 8 * 2 + 4 * 8 * 2 * 8 * 2;
    CHECK(p.decode.weight_bytes_read == 4 * (layer_weights * 2 + 32 * 64 + 2 * 32) + 2 * 2 * 5 * 8);
    CHECK(e.weights_bytes == 4 * (layer_weights * 2 + 2 * 32 * 64));
    CHECK(e.kv.query_heads == 4);
    CHECK_FALSE(p.generation);
    // The time split adds up to the predicted time.
    const auto& s = p.decode.split;
    CHECK(s.weights_s + s.kv_cache_s + s.activations_s + s.compute_s + s.overhead_s ==
          doctest::Approx(p.decode.predicted_time_s).epsilon(1e-9));
}

TEST_CASE("zero-length past tensors: shapes, FLOPs and bytes are zero where they should be") {
    auto g = build_decoder({});
    shape_options o;
    o.symbols = find_kv_cache(g)->bind(1, 16, 0);
    const auto rep = infer_shapes(g, o);
    CHECK(rep.ok());
    CHECK(test::shape_of(g, "past_key_values.0.key") == "[1, 2, 0, 8]");
    CHECK(test::shape_of(g, "present.0.key") == "[1, 2, 16, 8]");
    const auto m = analyze(g);
    for (const auto& l : m.layers) {
        if (l.op_type != "Concat") continue;
        CAPTURE(l.name);
        // Reads the empty past (0 bytes) and the new 16 tokens; writes the 16-token present.
        CHECK(l.forward.bytes_read_activations == 16 * 2 * 8 * 4);
        CHECK(l.forward.bytes_written == 16 * 2 * 8 * 4);
    }
}

/** The kernels a decode step of `g` launches on an H100 in fp16, by node name (first layer). */
std::vector<kernel_prediction> decode_kernels(graph g, std::int64_t batch, std::int64_t context) {
    const auto kv = *find_kv_cache(g);
    model_request q;
    q.path = "decoder.onnx";
    q.devices = {load_hw("h100-sxm")};
    q.prec = parse_precision("fp16");
    q.shapes.symbols = kv.bind(batch, 1, context);
    return predict_model(std::move(g), q).device().latency.kernels;
}

TEST_CASE("grouped-query attention: eager repeat_kv copies the repeated cache each step, plain attention not") {
    // Hugging Face's repeat_kv: x[:, :, None].expand(b, kv_heads, group, s, d).reshape(b, heads, s, d).
    // The reshape merges the broadcast axis with the heads: no view exists, so eager copies the
    // expanded keys and values (batch × heads × (context + 1) × head_dim elements) on every step.
    const std::int64_t batch = 4, context = 1000;
    const auto ks = decode_kernels(build_decoder({}), batch, context);
    std::int64_t copies = 0;
    for (const auto& k : ks) {
        if (k.label != "Expand") continue;
        ++copies;
        CHECK(k.cls == kernel_class::copy);
        const std::int64_t repeated = batch * 4 * (context + 1) * 8 * 2;  // written, fp16
        const std::int64_t cache = batch * 2 * (context + 1) * 8 * 2;     // read
        CHECK(k.bytes == repeated + cache + 5 * 8);                       // + the int64 target shape, read as counted
    }
    CHECK(copies == 2 * 2);  // keys and values of both layers
    // Without grouping (as many KV heads as query heads) the Expand broadcasts nothing: a view.
    decoder_spec mha;
    mha.kv_heads = 4;
    for (const auto& k : decode_kernels(build_decoder(mha), batch, context)) CHECK(k.label != "Expand");
}

/** How many of the kernels the latency model forms for `b`'s graph on an H100 come from nodes of `op_type`. */
std::int64_t kernels_of(const model_builder& b, const std::string& op_type) {
    model_request q;
    q.path = "built.onnx";
    q.devices = {load_hw("h100-sxm")};
    std::int64_t n = 0;
    for (const auto& k : predict_model(b.load("built.onnx"), q).device().latency.kernels)
        n += k.label == op_type ? 1 : 0;
    return n;
}

TEST_CASE("an Expand is a copy only where a Reshape cannot view it (PyTorch's view rule)") {
    auto expand_then = [](const std::vector<test::dim_spec>& in, std::vector<std::int64_t> to,
                          std::vector<std::int64_t> reshaped) {
        model_builder b;
        b.input("x", dtype::f32, in);
        b.ints("to", to);
        b.ints("shape", reshaped);
        b.node("Expand", {"x", "to"}, {"e"});
        b.node("Reshape", {"e", "shape"}, {"y"});
        b.node("Relu", {"y"}, {"z"});
        b.output("z");
        return kernels_of(b, "Expand");
    };
    CHECK(expand_then({2, 3, 1, 5}, {2, 3, 4, 5}, {2, 12, 5}) == 1);       // broadcast axis merged with a real one
    CHECK(expand_then({2, 3, 1, 5}, {2, 3, 4, 5}, {2, 3, 4, 5, 1}) == 0);  // only a unit axis added
    CHECK(expand_then({2, 3, 1, 5}, {2, 3, 4, 5}, {6, 4, 5}) == 0);        // real axes merged: a view
    CHECK(expand_then({2, 3, 5}, {2, 3, 5}, {6, 5}) == 0);                 // nothing broadcast
    CHECK(expand_then({1, 5}, {7, 5}, {35}) == 1);
}

TEST_CASE("a query split from a fused QKV projection is copied by matmul at batch > 1, as eager does") {
    // GPT-2: q, k, v = c_attn(x).split(hidden, dim=2); q.view(b, s, heads, d).transpose(1, 2). The
    // query's batch stride is 3 × hidden, so torch.matmul cannot merge batch and heads into one
    // cuBLAS batch and copies it (the H100 decode sample: 342 kernels at batch 1, 354 at 8 and 32,
    // 12 layers). At batch 1, or with a projection of its own (OPT, Llama), it is read in place.
    auto transposes_copied = [](std::int64_t batch, bool fused) {
        const std::int64_t heads = 4, d = 8, hidden = heads * d, tokens = 16;
        model_builder b;
        b.input("x", dtype::f32, {batch, std::int64_t{1}, fused ? 3 * hidden : hidden});
        b.input("kt", dtype::f32, {batch, heads, d, tokens});
        b.ints("split", {hidden, hidden, hidden});
        b.ints("heads", {0, 0, heads, d});
        if (fused) {
            test::attr_i(b.node("Split", {"x", "split"}, {"q", "k", "v"}), "axis", 2);
        } else {
            b.node("Identity", {"x"}, {"q"});
        }
        b.node("Reshape", {"q", "heads"}, {"q4"});
        test::attr_ints(b.node("Transpose", {"q4"}, {"qt"}), "perm", {0, 2, 1, 3});
        b.node("MatMul", {"qt", "kt"}, {"scores"});
        b.output("scores");
        return kernels_of(b, "Transpose");
    };
    CHECK(transposes_copied(1, true) == 0);
    CHECK(transposes_copied(8, true) == 1);
    CHECK(transposes_copied(8, false) == 0);
}

TEST_CASE("decode time grows with the context; the batch raises tokens/s") {
    auto r = request_for({1, 16}, {64, 4096}, 16, 0);
    const auto e = estimate_llm(build_decoder({}), r);
    REQUIRE(e.points.size() == 4);
    CHECK(e.points[0].batch == 1);
    CHECK(e.points[0].context == 64);
    CHECK(e.points[1].context == 4096);
    CHECK(e.points[2].batch == 16);
    CHECK(e.points[1].decode.predicted_time_s > e.points[0].decode.predicted_time_s);
    CHECK(e.points[3].decode.predicted_time_s > e.points[2].decode.predicted_time_s);
    CHECK(e.points[2].batch_tokens_per_s > e.points[0].batch_tokens_per_s);
    // A long context at a large batch spends its memory time on the cache.
    CHECK(e.points[3].decode.split.kv_cache_s > e.points[3].decode.split.weights_s);
    CHECK(e.points[3].decode.kv_traffic_bytes > e.points[3].decode.kv_bytes_read);  // eager cat copies it
}

TEST_CASE("generation: prefill plus the sum of every decode step over the growing context") {
    auto r = request_for({2}, {16}, 16, 6);
    const auto e = estimate_llm(build_decoder({}), r);
    REQUIRE(e.points.front().generation);
    const auto& gen = *e.points.front().generation;
    CHECK(gen.tokens == 6);
    CHECK(gen.steps_predicted == 5);
    CHECK(gen.method == "every step");
    // The same steps asked one by one: contexts 16 … 20.
    auto steps = request_for({2}, {16, 17, 18, 19, 20}, 16, 0);
    const auto each = estimate_llm(build_decoder({}), steps);
    double sum = 0;
    for (const auto& p : each.points) sum += p.decode.predicted_time_s;
    CHECK(gen.decode_time_s == doctest::Approx(sum).epsilon(1e-12));
    CHECK(gen.prefill_time_s == doctest::Approx(each.points.front().prefill.predicted_time_s));
    CHECK(gen.total_time_s == doctest::Approx(gen.prefill_time_s + gen.decode_time_s));
    CHECK(gen.tokens_per_s == doctest::Approx(6 / gen.total_time_s));
    CHECK(gen.batch_tokens_per_s == doctest::Approx(12 / gen.total_time_s));
    CHECK(e.points.front().kv_cache_bytes == 2 * (16 + 6) * e.kv_bytes_per_token);

    // Sampled steps integrate the same line: close to the sum of every step.
    auto sampled = request_for({2}, {16}, 16, 200);
    const auto exact = estimate_llm(build_decoder({}), sampled);
    sampled.generation_samples = 9;
    const auto approx = estimate_llm(build_decoder({}), sampled);
    REQUIRE(approx.points.front().generation);
    CHECK(approx.points.front().generation->steps_predicted == 9);
    CHECK(approx.points.front().generation->decode_time_s ==
          doctest::Approx(exact.points.front().generation->decode_time_s).epsilon(0.01));
}

TEST_CASE("the largest batch: the memory worked out on the graph brackets it") {
    const auto g = build_decoder({});
    const auto kv = *find_kv_cache(g);
    auto r = request_for({1}, {1000}, 16, 0);
    r.hw.dram_capacity_gib = 0.05;  // 53,687,091 bytes
    const auto cap = r.hw.memory_bytes();
    const auto e = estimate_llm(build_decoder({}), r);
    const auto& p = e.points.front();
    REQUIRE(p.max_batch);
    const auto b = *p.max_batch;
    CHECK(decode_memory(g, kv, b, 1000) <= cap);
    CHECK(decode_memory(g, kv, b + 1, 1000) > cap);
    // By hand: memory at a decode step is a line in the batch, m(B) = m(1) + (B − 1)·(m(2) − m(1)),
    // so the largest batch is 1 + (capacity − m(1)) / (m(2) − m(1)).
    const auto m1 = decode_memory(g, kv, 1, 1000), m2 = decode_memory(g, kv, 2, 1000);
    CHECK(b == 1 + (cap - m1) / (m2 - m1));
    CHECK(p.memory.bytes_per_sequence == m2 - m1);
    // Each sequence holds at least its cache after the step (1001 tokens × 256 bytes): an upper bound.
    const std::int64_t cache = 1001 * 256;
    CHECK(b <= (cap - e.weights_bytes) / cache);
    CHECK(p.memory.bytes_per_sequence >= cache);
    CHECK(p.memory.capacity_bytes == cap);
    CHECK(p.memory.total_bytes == decode_memory(g, kv, 1, 1000));
    CHECK(p.memory.kv_cache_bytes == cache);
    CHECK(p.memory.weights_bytes + p.memory.kv_cache_bytes + p.memory.activation_bytes == p.memory.total_bytes);
    // No capacity in the spec: no answer rather than a wrong one.
    r.hw.dram_capacity_gib = 0;
    CHECK_FALSE(estimate_llm(build_decoder({}), r).points.front().max_batch);
}

TEST_CASE("JSON: one object for one point, a list for several, with the contract's keys") {
    auto one = estimate_llm(build_decoder({}), request_for({1}, {32}));
    std::ostringstream a;
    write_llm(a, one, report_format::json);
    const auto j = nlohmann::json::parse(a.str());
    REQUIRE(j.is_object());
    CHECK(j["prefill"]["predicted_time_s"].get<double>() > 0);
    CHECK(j["decode"]["predicted_time_s"].get<double>() > 0);
    CHECK(j["decode"]["tokens_per_s"].get<double>() > 0);
    CHECK(j["kv_cache"]["bytes_per_token"] == 256);
    CHECK(j["kv_cache"]["bytes"] == 256 * (16 + 4));
    CHECK(j["weights_bytes"] == one.weights_bytes);
    CHECK(j["max_batch"].get<std::int64_t>() > 1000);
    CHECK(j["batch"] == 1);
    CHECK(j["context"] == 32);
    CHECK(j["kv_cache"]["query_heads"] == 4);
    CHECK(j["kv_cache"]["grouped_query"] == true);
    auto many = estimate_llm(build_decoder({}), request_for({1, 4}, {32, 64}));
    std::ostringstream b;
    write_llm(b, many, report_format::json);
    const auto l = nlohmann::json::parse(b.str());
    REQUIRE(l.is_array());
    REQUIRE(l.size() == 4);
    CHECK(l[3]["batch"] == 4);
    CHECK(l[3]["context"] == 64);
    std::ostringstream c;
    write_llm(c, many, report_format::csv);
    const auto csv = c.str();
    CHECK(std::count(csv.begin(), csv.end(), '\n') == 5);
}
