// LLM serving estimates on the zoo's decoder graphs (gpt2_decode, opt_125m_decode): the cache the
// graph declares against the graph facts of ../shared/measurements/h100_decode_sample.json, exact
// KV bytes, and the predictions against that sample's measured kernel times (printed; the checks
// are on what the measurements show: decode time rising with context and batch). Skipped, saying
// so, without the zoo.
#include "model_builder.hpp"

#include "ridgeline/hardware.hpp"
#include "ridgeline/llm.hpp"
#include "ridgeline/onnx_import.hpp"
#include "ridgeline/stats.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

using namespace ridgeline;

namespace {

const std::string sample_path = std::string(RIDGELINE_SHARED_DIR) + "/measurements/h100_decode_sample.json";

nlohmann::json sample() {
    std::ifstream in(sample_path);
    return nlohmann::json::parse(in);
}

}  // namespace

TEST_CASE("the zoo's decoder graphs: layers, KV heads and head size as the sample's graph facts say") {
    test::require_zoo();
    if (!std::filesystem::exists(sample_path)) {
        MESSAGE("skipped: " << sample_path << " is absent");
        return;
    }
    const auto facts = sample()["graphs"];
    for (const std::string model : {"gpt2_decode", "opt_125m_decode"}) {
        CAPTURE(model);
        const auto g = load_onnx(test::zoo_path(model + ".onnx"));
        const auto kv = find_kv_cache(g);
        REQUIRE(kv);
        const auto& f = facts[model];
        CHECK(kv->layers == f["kv_layers"].get<std::int64_t>());
        CHECK(kv->kv_heads == f["kv_heads"].get<std::int64_t>());
        CHECK(kv->head_dim == f["head_dim"].get<std::int64_t>());
        CHECK(kv->tensors.size() == 24);
        CHECK(kv->tensors[0].input == "past_0_key");
        CHECK(kv->tensors[0].output == "present_0_key");
        CHECK(kv->tensors[23].input == "past_11_value");
        CHECK(kv->tensors[23].role == 'v');
        CHECK(kv->tensors[23].layer == 11);
        CHECK(kv->past_symbol == "past_sequence");
        CHECK(kv->sequence_symbol == "sequence");
        CHECK(kv->total_symbol == "total_sequence");
        // 2 × 12 layers × 12 heads × 64 × 2 bytes in fp16.
        CHECK(kv->bytes_per_token(2) == 36864);
    }
}

TEST_CASE("gpt2 and opt-125m decode and prefill against the H100 decode sample") {
    test::require_zoo();
    if (!std::filesystem::exists(sample_path)) {
        MESSAGE("skipped: " << sample_path << " is absent");
        return;
    }
    const auto runs = sample()["runs"];
    const auto h100 = load_hw("h100-sxm");
    std::vector<double> decode_pred, decode_meas, prefill_pred, prefill_meas;
    for (const std::string model : {"gpt2", "opt_125m"}) {
        CAPTURE(model);
        llm_request r;
        r.path = test::zoo_path(model + "_decode.onnx");
        r.hw = h100;
        r.prec = parse_precision("fp16");
        r.batches = {1, 8, 32};
        r.contexts = {128, 512, 1000};
        r.prompt = 512;
        r.gen = 0;
        const auto e = estimate_llm(r);
        REQUIRE(e.points.size() == 9);
        CHECK(e.kv_bytes_per_token == 36864);
        std::map<std::pair<std::int64_t, std::int64_t>, const llm_point*> at;
        for (const auto& p : e.points) at[{p.batch, p.context}] = &p;
        for (const auto& run : runs) {
            if (run["model"] != model) continue;
            const auto batch = run["batch"].get<std::int64_t>();
            const double measured = run["kernel_sum_us"].get<double>() * 1e-6;
            if (run["phase"] == "decode") {
                const auto past = run["past_sequence"].get<std::int64_t>();
                const double predicted = at.at({batch, past})->decode.predicted_time_s;
                decode_pred.push_back(predicted);
                decode_meas.push_back(measured);
                MESSAGE(model << " decode b" << batch << " past " << past << ": predicted " << predicted * 1e6
                              << " µs, measured " << measured * 1e6 << " µs");
            } else {
                const double predicted = at.at({batch, 128})->prefill.predicted_time_s;
                prefill_pred.push_back(predicted);
                prefill_meas.push_back(measured);
                MESSAGE(model << " prefill b" << batch << ": predicted " << predicted * 1e6 << " µs, measured "
                              << measured * 1e6 << " µs");
            }
        }
        // What the measurements show, the prediction must show too: a longer context and a larger
        // batch cost more per step, and the batch still raises tokens/s.
        for (std::int64_t b : {1, 8, 32}) {
            CHECK(at.at({b, 1000})->decode.predicted_time_s > at.at({b, 128})->decode.predicted_time_s);
        }
        CHECK(at.at({32, 1000})->decode.predicted_time_s > 2 * at.at({32, 128})->decode.predicted_time_s);
        CHECK(at.at({32, 512})->batch_tokens_per_s > at.at({1, 512})->batch_tokens_per_s);
        CHECK(at.at({32, 128})->prefill.predicted_time_s > 8 * at.at({1, 128})->prefill.predicted_time_s);
    }
    REQUIRE(decode_pred.size() == 18);
    REQUIRE(prefill_pred.size() == 6);
    const auto d = compare_errors(decode_pred, decode_meas);
    const auto p = compare_errors(prefill_pred, prefill_meas);
    MESSAGE("decode: MdAPE " << 100 * d.median_ape << "%, bias " << 100 * d.bias << "%, Spearman " << d.spearman);
    MESSAGE("prefill: MdAPE " << 100 * p.median_ape << "%, bias " << 100 * p.bias << "%");
    // Ranks: which step is slower, the model must know (the error level is docs/llm.md's table).
    CHECK(d.spearman > 0.8);
    CHECK(p.spearman > 0.8);
}
