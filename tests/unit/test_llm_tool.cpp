// `ridgeline llm` from the command line: the JSON contract of DESIGN.md (an object for one point, a
// list for several), the other formats' structure, and exit statuses 1 (no KV cache) and 2 (bad
// numbers, named). The graph is a small decoder with grouped-query attention written to a file.
#include "model_builder.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>

namespace {

using ridgeline::dtype;
using ridgeline::test::model_builder;

/** A one-layer decoder: 4 query heads over 2 KV heads of 16, HF-style names; written once. */
const std::string& decoder_file() {
    static const std::string path = [] {
        model_builder b;
        b.input("input_ids", dtype::i64, {std::string("batch"), std::string("sequence")});
        b.input("attention_mask", dtype::i64, {std::string("batch"), std::string("total_sequence")});
        b.input("past_key_values.0.key", dtype::f32, {std::string("batch"), 2, std::string("past_sequence"), 16});
        b.input("past_key_values.0.value", dtype::f32, {std::string("batch"), 2, std::string("past_sequence"), 16});
        b.weight("embed", dtype::f32, {128, 64});
        b.weight("wq", dtype::f32, {64, 64});
        b.weight("wk", dtype::f32, {64, 32});
        b.weight("wv", dtype::f32, {64, 32});
        b.weight("lm_head", dtype::f32, {64, 128});
        b.ints("q_shape", {0, 0, 4, 16});
        b.ints("kv_shape", {0, 0, 2, 16});
        b.ints("rep", {1, 1, 2, 1, 1});
        b.ints("rep_shape", {0, 4, -1, 16});
        b.ints("axis2", {2});
        b.ints("merged", {0, 0, 64});
        b.node("Gather", {"embed", "input_ids"}, {"x"});
        b.node("MatMul", {"x", "wq"}, {"q"});
        b.node("Reshape", {"q", "q_shape"}, {"q4"});
        ridgeline::test::attr_ints(b.node("Transpose", {"q4"}, {"qt"}), "perm", {0, 2, 1, 3});
        for (std::string r : {"key", "value"}) {
            const std::string w = r == "key" ? "wk" : "wv";
            b.node("MatMul", {"x", w}, {r + "_new"});
            b.node("Reshape", {r + "_new", "kv_shape"}, {r + "_4"});
            ridgeline::test::attr_ints(b.node("Transpose", {r + "_4"}, {r + "_t"}), "perm", {0, 2, 1, 3});
            ridgeline::test::attr_i(b.node("Concat", {"past_key_values.0." + r, r + "_t"}, {"present.0." + r}), "axis",
                                    2);
            b.node("Unsqueeze", {"present.0." + r, "axis2"}, {r + "_u"});
            b.node("Expand", {r + "_u", "rep"}, {r + "_e"});
            b.node("Reshape", {r + "_e", "rep_shape"}, {r + "_r"});
        }
        ridgeline::test::attr_ints(b.node("Transpose", {"key_r"}, {"kT"}), "perm", {0, 1, 3, 2});
        b.node("MatMul", {"qt", "kT"}, {"scores"});
        ridgeline::test::attr_i(b.node("Softmax", {"scores"}, {"probs"}), "axis", -1);
        b.node("MatMul", {"probs", "value_r"}, {"ctx"});
        ridgeline::test::attr_ints(b.node("Transpose", {"ctx"}, {"ctxt"}), "perm", {0, 2, 1, 3});
        b.node("Reshape", {"ctxt", "merged"}, {"ctxm"});
        b.node("MatMul", {"ctxm", "lm_head"}, {"logits"});
        b.output("logits");
        b.output("present.0.key");
        b.output("present.0.value");
        const auto file = std::filesystem::temp_directory_path() / "ridgeline_test_llm_decoder.onnx";
        std::ofstream(file, std::ios::binary) << b.bytes();
        return file.string();
    }();
    return path;
}

ridgeline::test::command_result tool(const std::string& args, bool with_stderr = false) {
    return ridgeline::test::run_tool(args, with_stderr);
}

}  // namespace

TEST_CASE("llm --format json: a list of point objects with the contract's keys") {
    const auto r = tool("llm " + decoder_file() +
                        " --hw h100-sxm --batch 1,8 --context 32,256 --prompt 64 --gen 8 "
                        "--format json");
    REQUIRE(r.status == 0);
    const auto j = nlohmann::json::parse(r.out);
    REQUIRE(j.is_array());
    REQUIRE(j.size() == 4);
    for (const auto& p : j) {
        CHECK(p["prefill"]["predicted_time_s"].get<double>() > 0);
        CHECK(p["decode"]["predicted_time_s"].get<double>() > 0);
        CHECK(p["decode"]["tokens_per_s"].get<double>() > 0);
        // 2 (K and V) × 1 layer × 2 KV heads × 16 × 4 bytes.
        CHECK(p["kv_cache"]["bytes_per_token"] == 256);
        CHECK(p["kv_cache"]["bytes"] == p["batch"].get<std::int64_t>() * (64 + 8) * 256);
        CHECK(p["weights_bytes"] == 4 * (128 * 64 + 64 * 64 + 2 * 64 * 32 + 64 * 128));
        CHECK(p["max_batch"].get<std::int64_t>() > 0);
        CHECK(p["kv_cache"]["kv_heads"] == 2);
        CHECK(p["kv_cache"]["query_heads"] == 4);
        CHECK(p["prefill"]["bindings"]["past_sequence"] == 0);
        CHECK(p["decode"]["bindings"]["sequence"] == 1);
        CHECK(p["generation"]["tokens"] == 8);
        for (const char* k : {"bound", "limiter", "weights_bytes_read", "kv_cache_bytes_read"}) {
            CAPTURE(k);
            CHECK(p["decode"].contains(k));
        }
    }
    CHECK(j[1]["batch"] == 1);
    CHECK(j[1]["context"] == 256);
    CHECK(j[2]["batch"] == 8);
    CHECK(j[3]["decode"]["bindings"]["past_sequence"] == 256);
    CHECK(j[3]["decode"]["batch_tokens_per_s"].get<double>() > j[1]["decode"]["batch_tokens_per_s"].get<double>());

    const auto one = tool("llm " + decoder_file() + " --hw h100-sxm --context 100 --dtype fp16 --format json");
    REQUIRE(one.status == 0);
    const auto o = nlohmann::json::parse(one.out);
    REQUIRE(o.is_object());
    CHECK(o["kv_cache"]["bytes_per_token"] == 128);  // fp16
    CHECK(o["dtype"] == "fp16");
    CHECK(o["context"] == 100);
}

TEST_CASE("llm table, CSV, Markdown and --max-batch") {
    const auto t = tool("llm " + decoder_file() + " --hw h100-sxm --batch 1,4 --context 64");
    REQUIRE(t.status == 0);
    CHECK(t.out.find("KV cache: 1 layers, 2 KV heads (grouped-query: 4 query heads), head size 16") !=
          std::string::npos);
    CHECK(std::regex_search(t.out, std::regex(R"(batch\s+context\s+TTFT\s+per token)")));
    CHECK(std::regex_search(t.out, std::regex(R"(\n\s+4\s+64\s+[0-9.]+ (µs|ms))")));
    CHECK(t.out.find("generation (batch 4): 128 tokens") != std::string::npos);
    const auto c = tool("llm " + decoder_file() + " --hw h100-sxm --batch 1,4 --context 64 --format csv");
    REQUIRE(c.status == 0);
    CHECK(c.out.starts_with("batch,context,prefill_time_s"));
    CHECK(std::count(c.out.begin(), c.out.end(), '\n') == 3);
    const auto m = tool("llm " + decoder_file() + " --hw h100-sxm --context 64 --format md");
    REQUIRE(m.status == 0);
    CHECK(m.out.starts_with("| batch | context | TTFT |"));
    const auto x = tool("llm " + decoder_file() + " --hw h100-sxm --context 64,4096 --max-batch");
    REQUIRE(x.status == 0);
    CHECK(std::regex_search(x.out, std::regex(R"(\n\s+4096\s+\d+\s)")));
}

TEST_CASE("llm errors: no KV cache (exit 1), bad numbers named (exit 2)") {
    const auto mlp = std::string(RIDGELINE_TEST_DATA) + "/tiny_mlp.onnx";
    const auto none = tool("llm " + mlp + " --hw h100-sxm", true);
    CHECK(none.status == 1);
    CHECK(none.out.find("tiny_mlp.onnx") != std::string::npos);
    CHECK(none.out.find("no KV-cache inputs") != std::string::npos);
    const auto zero = tool("llm " + decoder_file() + " --hw h100-sxm --context 0", true);
    CHECK(zero.status == 2);
    CHECK(zero.out.find("--context 0") != std::string::npos);
    const auto neg = tool("llm " + decoder_file() + " --hw h100-sxm --batch 1,-3", true);
    CHECK(neg.status == 2);
    CHECK(neg.out.find("--batch -3") != std::string::npos);
    const auto fmt = tool("llm " + decoder_file() + " --hw h100-sxm --format yaml", true);
    CHECK(fmt.status == 2);
}

TEST_CASE("report on a decoder: the LLM-serving section with its four figures, well-formed XML") {
    const auto out = (std::filesystem::temp_directory_path() / "ridgeline_test_llm_report.html").string();
    const auto r = tool("report " + decoder_file() + " --hw h100-sxm -o " + out);
    REQUIRE(r.status == 0);
    std::ifstream in(out);
    const std::string html((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    pugi::xml_document doc;
    REQUIRE(doc.load_string(html.c_str(), pugi::parse_default | pugi::parse_doctype));
    const auto section = doc.select_node("//section[@id='llm']").node();
    REQUIRE(section);
    CHECK(doc.select_node("//nav/a[@href='#llm']"));
    CHECK(section.select_nodes(".//figure/svg").size() == 4);
    CHECK(section.select_nodes(".//tbody/tr").size() == 9);  // batches 1, 8, 32 × contexts 128, 512, 2048
    // The memory figure draws the device's capacity as a reference line.
    const auto cap = section.select_node(".//line[@class='reference']").node();
    REQUIRE(cap);
    CHECK(cap.attribute("data-y").as_double() == doctest::Approx(80.0 * 1024 * 1024 * 1024));
    // The decode steps are on the roofline: one point per (batch, context), one per prefill batch.
    CHECK(section.select_nodes("(.//svg)[4]//*[@class='point']").size() >= 9);
    // The rest of the report is bound at a decode step, one token over 512 cached ones.
    CHECK(html.find("past_sequence=512") != std::string::npos);
    CHECK(html.find("sequence=1") != std::string::npos);
    // A graph without a cache has no such section.
    const auto plain = tool("report " + std::string(RIDGELINE_TEST_DATA) + "/tiny_mlp.onnx --hw h100-sxm -o " + out);
    REQUIRE(plain.status == 0);
    std::ifstream again(out);
    const std::string other((std::istreambuf_iterator<char>(again)), std::istreambuf_iterator<char>());
    CHECK(other.find("id=\"llm\"") == std::string::npos);
}
