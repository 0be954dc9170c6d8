// The command-line tool: the JSON contract of DESIGN.md, the other formats' structure (not their
// digits), and errors with a clear message and a non-zero exit status.
#include "model_builder.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <regex>

namespace {

ridgeline::test::command_result tool(const std::string& args, bool with_stderr = false) {
    return ridgeline::test::run_tool(args, with_stderr);
}

const std::string model = std::string(RIDGELINE_TEST_DATA) + "/resnet18.onnx";

}  // namespace

TEST_CASE("analyze --format json follows the contract") {
    const auto r = tool("analyze " + model + " --hw h100-sxm --batch 2 --format json");
    REQUIRE(r.status == 0);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j["model"]["path"] == model);
    CHECK(j["model"]["nodes"] == 65);
    CHECK(j["model"]["params"] == 11680872);
    CHECK(j["bindings"]["batch"] == 2);
    CHECK(j["hardware"]["id"] == "h100-sxm");
    const auto& t = j["totals"];
    CHECK(t["flops_by_class"]["matmul"] == 2 * 3628146688LL);  // flop_counter's figure, doubled batch
    CHECK(t["macs"] == 3628146688LL);
    for (const char* k : {"flops", "params", "bytes_read", "bytes_written", "operational_intensity", "predicted_time_s",
                          "peak_activation_bytes"}) {
        CAPTURE(k);
        CHECK(t.contains(k));
    }
    CHECK(t["predicted_time_s"].get<double>() > 0);
    REQUIRE(j["layers"].size() >= 40);
    for (const auto& l : j["layers"]) {
        for (const char* k : {"name", "op_type", "flops", "macs", "params", "bytes_read", "bytes_written",
                              "operational_intensity", "bound", "predicted_time_s", "output_shapes"}) {
            CAPTURE(k);
            CHECK(l.contains(k));
        }
    }
    CHECK(j["layers"][0]["output_shapes"][0] == nlohmann::json::array({2, 64, 112, 112}));
}

TEST_CASE("table, CSV and Markdown: structure and units") {
    const auto t = tool("analyze " + model + " --hw t4 --batch 8 --top 5");
    REQUIRE(t.status == 0);
    CHECK(std::regex_search(t.out, std::regex(R"(layer\s+op\s+FLOPs\s+params\s+bytes\s+FLOP/B\s+time\s+bound)")));
    CHECK(std::regex_search(
        t.out,
        std::regex(
            R"(/\S+Conv\s+Conv\s+[0-9.]+ GFLOP\s+\d+\s+[0-9.]+ MiB\s+[0-9.]+\s+[0-9.]+ (µs|ms)\s+(compute|memory))")));
    CHECK(std::regex_search(t.out, std::regex(R"(total\s+[0-9.]+ GFLOP \([0-9.]+ GFLOP matmul)")));
    CHECK(std::regex_search(t.out, std::regex(R"(peak activations [0-9.]+ MiB)")));
    for (const auto& line : {t.out}) CHECK(line.find('\t') == std::string::npos);
    const auto c = tool("analyze " + model + " --batch 1 --format csv");
    REQUIRE(c.status == 0);
    CHECK(c.out.rfind("name,op_type,flops,macs,", 0) == 0);
    CHECK(std::regex_search(c.out, std::regex(R"(\n/conv1/Conv,Conv,\d+,\d+,)")));
    const auto m = tool("analyze " + model + " --batch 1 --format md");
    REQUIRE(m.status == 0);
    CHECK(m.out.find("| layer | op | FLOPs |") != std::string::npos);
}

TEST_CASE("errors: clear message, non-zero exit") {
    auto r = tool("analyze /nonexistent/model.onnx", true);
    CHECK(r.status == 1);
    CHECK(r.out.find("/nonexistent/model.onnx") != std::string::npos);
    r = tool("analyze " + std::string(RIDGELINE_TEST_DATA) + "/tiny_mlp.onnx", true);
    CHECK(r.status == 1);
    CHECK(r.out.find("unbound symbol 'batch'") != std::string::npos);
    r = tool("analyze " + model + " --set batch", true);
    CHECK(r.status == 2);
    r = tool("analyze " + model + " --batch 1 --hw no-such-gpu", true);
    CHECK(r.status == 1);
    CHECK(r.out.find("no-such-gpu") != std::string::npos);
    r = tool("analyze " + model + " --batch 1 --dtype fp7", true);
    CHECK(r.status == 2);
}

TEST_CASE("maxbatch and hw") {
    auto r = tool("maxbatch " + model + " --hw t4");
    REQUIRE(r.status == 0);
    CHECK(std::regex_search(r.out, std::regex(R"(largest batch that fits: \d{2,})")));
    r = tool("hw list");
    CHECK(r.out.find("\nh100-sxm ") != std::string::npos);
    r = tool("hw show xeon-w-2295");
    CHECK(r.status == 0);
    CHECK(r.out.find("ridge point") != std::string::npos);
}

TEST_CASE("sweep, compare and check-sample: one reporter each, µs in the tables") {
    auto r = tool("sweep " + model + " --hw t4,h100-sxm --batch 1,8 --format csv");
    REQUIRE(r.status == 0);
    CHECK(r.out.rfind("device,batch,image,sequence,flops,predicted_time_s,", 0) == 0);
    CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 5);  // header + 2 devices x 2 batches
    r = tool("sweep " + model + " --hw t4 --batch 1 --format md");
    REQUIRE(r.status == 0);
    CHECK(r.out.find("| device | batch |") != std::string::npos);
    r = tool("sweep " + model + " --hw t4 --batch 1");
    REQUIRE(r.status == 0);
    CHECK(std::regex_search(r.out, std::regex(R"(t4 +1 +- +- +[0-9.]+ GFLOP +[0-9.]+ (µs|ms))")));
    CHECK(r.out.find(" us") == std::string::npos);
    CHECK(tool("sweep " + model + " --hw t4 --batch 1 --format xml", true).status == 2);
    r = tool("sweep " + model + " --hw t4 --batch 1 --dtype fp12", true);
    CHECK(r.status == 2);
    CHECK(r.out.find("fp12") != std::string::npos);

    r = tool("compare " + model + " --hw t4,h100-sxm --batch 8");
    REQUIRE(r.status == 0);
    CHECK(std::regex_search(r.out, std::regex(R"(model +GFLOP +t4 +h100-sxm\nresnet18 +[0-9.]+ +[0-9.]+ (µs|ms))")));

    const std::string sample = std::string(RIDGELINE_TEST_DATA) + "/timing_sample.json";
    r = tool("check-sample " + sample + " --zoo " + std::string(RIDGELINE_TEST_DATA) + " --hw h100-sxm --fit", true);
    REQUIRE(r.status == 0);
    CHECK(std::regex_search(r.out, std::regex(R"(model +dtype +batch +img/seq +measured +predicted +error +kernels)")));
    CHECK(std::regex_search(r.out,
                            std::regex(R"(resnet18 +fp16 +4 +224 +[0-9.]+ (µs|ms) +[0-9.]+ (µs|ms) +[-+][0-9.]+%)")));
    CHECK(std::regex_search(r.out, std::regex(R"(8 runs: median \|error\| \(MdAPE\) [0-9.]+%, P90 \|error\| [0-9.]+%, )"
                                              R"(mean signed error \(bias\) [-+][0-9.]+%, within 25%: \d)")));
    CHECK(std::regex_search(r.out, std::regex(R"(batch +1: +3 runs, MdAPE [0-9.]+%, P90 \|error\| [0-9.]+%, bias)")));
    CHECK(std::regex_search(r.out, std::regex(R"(fit without resnet18 +matmul x[0-9.]+ .* fixed [0-9.]+ (µs|ns))")));
    CHECK(r.out.find("leave-one-model-out calibrated: 8 runs, MdAPE") != std::string::npos);
    CHECK(tool("check-sample /nonexistent/sample.json", true).status == 1);
}
