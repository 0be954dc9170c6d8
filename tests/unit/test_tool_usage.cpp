// Issue 15, the command line's side: every usage error exits 2 naming the flag (CLI11's own codes
// never leak), values a flag cannot take are refused instead of doing nothing, a report never
// overwrites its input, --training shows the backward pass, and what a new user reads is worded
// consistently (kernels, device kind, sweeps, shapes, hw list, compare --format, spec paths).
#include "model_builder.hpp"
#include "temp_dir.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

namespace fs = std::filesystem;

namespace {

ridgeline::test::command_result tool(const std::string& args) { return ridgeline::test::run_tool(args, true); }

const std::string data = RIDGELINE_TEST_DATA;
const std::string model = data + "/resnet18.onnx";

/** Exit status 2 and a message holding `words` (the flag's name among them). */
void usage(const std::string& args, const std::vector<std::string>& words) {
    const auto r = tool(args);
    CAPTURE(args);
    CAPTURE(r.out);
    CHECK(r.status == 2);
    for (const auto& w : words) CHECK(r.out.find(w) != std::string::npos);
}

using ridgeline::test::temp_dir;

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("6. parse errors exit 2, not CLI11's codes; --help exits 0") {
    usage("analyze " + model + " --batch abc", {"--batch", "abc"});               // was 104/105
    usage("maxbatch " + model + " --batch 1", {"--hw"});                          // was 106
    usage("analyze " + model + " --batch 1 --no-such-flag", {"--no-such-flag"});  // was 109
    usage("analyze " + model + " --batch 1 --batch 2", {"--batch"});              // was 114
    usage("analyze", {"model"});
    usage("frobnicate", {"unknown command 'frobnicate'", "analyze"});
    usage("hw frob", {"frob"});
    CHECK(tool("analyze --help").status == 0);
    CHECK(tool("--help").status == 0);
}

TEST_CASE("7. values that did nothing are usage errors naming the flag") {
    const std::string mlp = data + "/tiny_mlp.onnx";
    usage("analyze " + mlp + " --batch 2 --set foo=3", {"--set foo=3", "no symbol 'foo'", "batch"});
    usage("analyze " + model + " --batch 2 --set seqence=128", {"--set seqence=128", "no symbol 'seqence'"});
    usage("analyze " + model + " --input input=0,3,224,224", {"--input input=0,3,224,224", "must be positive"});
    usage("analyze " + model + " --batch 1 --last-percent 150", {"--last-percent", "(0, 100]"});
    usage("analyze " + model + " --batch 1 --last-percent -5", {"--last-percent"});
    usage("analyze " + model + " --batch 1 --last-percent nan", {"--last-percent"});
    usage("analyze " + model + " --batch 1 --from /layer4/layer4.1/conv2/Conv --to /conv1/Conv",
          {"--from", "comes after --to"});
    usage("analyze " + model + " --batch 1 --from /no/such/node", {"--from", "no node named"});
    usage("analyze " + model + " --batch 1 --top -1", {"--top"});
    usage("analyze " + model + " --batch 1 --top 0", {"--top", "positive"});
    usage("shapes " + model + " --batch -1", {"--batch", "must be positive"});
    usage("report " + model + " --hw t4 --batch -5 -o /dev/null", {"--batch"});
    usage("shapes " + model + " --batch 1 --dtype garbage", {"--dtype", "garbage"});
    usage("shapes " + model + " --batch 1 --dtype ''", {"--dtype", "must name a precision"});
    usage("sweep " + model + " --hw t4 --image 2,-8", {"--image", "-8"});
    usage("sweep " + data + "/tiny_mlp.onnx --hw t4 --seq -1", {"--seq"});
    usage("sweep " + model + " --hw t4 --seq 128", {"--seq", "no symbol 'sequence'"});
    usage("analyze " + model + " --batch 9223372036854775808", {"--batch", "out of range"});
    usage("analyze " + model + " --batch 0", {"--batch", "must be positive"});
    usage("analyze " + model + " --batch 1 --format xml", {"--format", "xml"});
    usage("compare " + model + " --hw t4 --set seqence=3", {"--set seqence=3"});
    // A model whose batch is fixed has nothing for --batch to bind.
    temp_dir d;
    ridgeline::test::model_builder b;
    b.input("x", ridgeline::dtype::f32, {std::int64_t{1}, std::int64_t{8}});
    b.node("Relu", {"x"}, {"y"});
    b.output("y");
    const auto fixed = d.path / "fixed.onnx";
    std::ofstream(fixed, std::ios::binary) << b.bytes();
    usage("analyze " + fixed.string() + " --batch 4", {"--batch 4", "no batch dimension"});
    CHECK(tool("analyze " + fixed.string()).status == 0);
}

TEST_CASE("8. report never overwrites its input; -o - writes to stdout") {
    temp_dir d;
    const auto copy = d.path / "m.onnx";
    fs::copy_file(model, copy);
    const auto before = read_file(copy);
    usage("report " + copy.string() + " --hw t4 --batch 1 -o " + copy.string(), {"-o", "refusing to overwrite"});
    // The same file spelled another way is still the same file.
    usage("report " + copy.string() + " --hw t4 --batch 1 -o " + (d.path / "." / "m.onnx").string(),
          {"refusing to overwrite"});
    CHECK(read_file(copy) == before);
    const auto out = ridgeline::test::run_tool("report " + copy.string() +
                                                   " --hw t4 --batch 1 --no-max-batch "
                                                   "--sweep-batches 1,2 -o -",
                                               false);
    REQUIRE(out.status == 0);
    CHECK(out.out.rfind("<!DOCTYPE html>", 0) == 0);
    CHECK(out.out.find("wrote") == std::string::npos);
}

TEST_CASE("8b. calibrate never overwrites its microbenchmark file") {
    temp_dir d;
    const auto bench = d.write("bench.json", R"({"rows": [
        {"op": "add", "dtype": "torch.float32", "elements": 4096, "kernel_us": 1.0},
        {"op": "add", "dtype": "torch.float32", "elements": 16777216, "kernel_us": 40.0}]})");
    const auto before = read_file(bench);
    usage("calibrate --from " + bench + " --hw h200-sxm -o " + bench, {"-o", "refusing to overwrite"});
    usage("calibrate --from " + bench + " --hw h200-sxm -o " + (d.path / "." / "bench.json").string(),
          {"refusing to overwrite"});
    CHECK(read_file(bench) == before);
}

TEST_CASE("9. analyze --training shows backward FLOPs, bytes and time, and the ratios") {
    const auto plain = tool("analyze " + model + " --hw h100-sxm --batch 8");
    const auto t = tool("analyze " + model + " --hw h100-sxm --batch 8 --training");
    REQUIRE(t.status == 0);
    CHECK(t.out != plain.out);
    CHECK(std::regex_search(t.out, std::regex(R"(bwd FLOPs\s+bwd time)")));
    CHECK(std::regex_search(t.out, std::regex(R"(backward [0-9.]+ GFLOP \(.*\); [0-9.]+ MiB read, .* predicted GPU )"
                                              R"(time [0-9.]+ (µs|ms))")));
    CHECK(
        std::regex_search(t.out, std::regex(R"(ratios +forward:backward FLOPs 1:1\.9[0-9], bytes 1:[0-9.]+, time )"
                                            R"(1:[0-9.]+; \(forward \+ backward\) / forward FLOPs 2\.9[0-9], time)")));
    const auto j = nlohmann::json::parse(tool("analyze " + model + " --hw h100-sxm --batch 8 --training -f json").out);
    CHECK(j["totals"]["backward"]["flops"].get<double>() > j["totals"]["flops"].get<double>());
    CHECK(j["totals"]["backward"]["predicted_time_s"].get<double>() > 0);
    CHECK(j["layers"][0]["backward"]["predicted_time_s"].get<double>() > 0);
    CHECK(j["training"]["step_forward_flops_ratio"].get<double>() > 2.8);
    CHECK(j["training"]["step_forward_time_ratio"].get<double>() > 2.0);
    // Without a device: FLOPs and bytes, no time.
    const auto counts = tool("analyze " + model + " --batch 8 --training");
    REQUIRE(counts.status == 0);
    CHECK(counts.out.find("bwd FLOPs") != std::string::npos);
    CHECK(counts.out.find("bwd time") == std::string::npos);
}

TEST_CASE("10. JSON output_shapes are arrays of integers") {
    const auto j = nlohmann::json::parse(tool("analyze " + model + " --hw t4 --batch 2 -f json").out);
    CHECK(j["layers"][0]["output_shapes"][0] == nlohmann::json::array({2, 64, 112, 112}));
}

TEST_CASE("13. one kernel figure, the device's kind, sweeps, shapes, hw list, compare, spec paths, SVG") {
    const auto r = tool("analyze " + model + " --hw h100-sxm --batch 2");
    REQUIRE(r.status == 0);
    std::smatch head, time;
    REQUIRE(std::regex_search(r.out, head, std::regex(R"(\((\d+) nodes, (\d+) layers, (\d+) kernel launches\))")));
    REQUIRE(std::regex_search(r.out, time,
                              std::regex(R"(predicted GPU time over (\d+) kernel launches \((\d+) layers\))")));
    CHECK(head[2] == time[2]);
    CHECK(head[3] == time[1]);
    const auto cpu = tool("analyze " + model + " --hw xeon-w-2295 --batch 2");
    CHECK(cpu.out.find("predicted CPU time") != std::string::npos);
    CHECK(cpu.out.find("GPU time") == std::string::npos);

    const auto s = tool("sweep " + model + " --hw t4 --batch 1,2");
    CHECK(std::regex_search(s.out, std::regex(R"(t4 +1 +- +- +[0-9.]+ GFLOP)")));
    const auto sj = nlohmann::json::parse(tool("sweep " + model + " --hw t4 --batch 1 -f json").out);
    CHECK(sj[0]["image"].is_null());

    const auto sh = tool("shapes " + model + " --batch 1");
    CHECK(std::regex_search(sh.out, std::regex(R"(^value +op +dtype +shape\n)")));

    const auto hw = tool("hw list");
    CHECK(std::regex_search(hw.out, std::regex(R"(id +name +kind +memory +peak TFLOPS \(dense\) +DRAM)")));
    CHECK(std::regex_search(hw.out,
                            std::regex(R"(h100-sxm +NVIDIA H100 SXM5 80GB +gpu +80 GiB +[0-9.]+ \w+ +3350 GB/s)")));

    const auto c = tool("compare " + model + " " + data + "/tiny_mlp.onnx --hw t4,h100-sxm --batch 2 -f json");
    REQUIRE(c.status == 0);
    const auto cj = nlohmann::json::parse(c.out);
    CHECK(cj.size() == 2);
    CHECK(cj[0]["predicted_time_s"]["h100-sxm"].get<double>() > 0);
    CHECK(tool("compare " + model + " --hw t4 --batch 2 -f csv").out.rfind("model,flops,predicted_time_s_t4\n", 0) ==
          0);

    temp_dir d;
    fs::copy_file(std::string(RIDGELINE_HWSPECS) + "/t4.yaml", d.path / "my_t4.yaml");
    const auto mine = tool("analyze " + model + " --batch 1 --hw " + (d.path / "my_t4.yaml").string());
    CHECK(mine.status == 0);
    CHECK(mine.out.find("(t4)") != std::string::npos);

    const auto html = ridgeline::test::run_tool("report " + model + " --hw t4 --batch 1 --no-max-batch -o -", false);
    REQUIRE(html.status == 0);
    CHECK(html.out.find(R"(<svg xmlns="http://www.w3.org/2000/svg")") != std::string::npos);
}

TEST_CASE("14. check-sample finds the zoo beside the sample's folder, from any folder") {
    temp_dir d;
    fs::create_directories(d.path / "measurements");
    fs::create_directories(d.path / "zoo");
    fs::copy_file(data + "/timing_sample.json", d.path / "measurements" / "sample.json");
    fs::copy_file(model, d.path / "zoo" / "resnet18.onnx");
    fs::copy_file(data + "/tiny_mlp.onnx", d.path / "zoo" / "tiny_mlp.onnx");
    const auto r = ridgeline::test::run_command("cd / && " + std::string(RIDGELINE_TOOL) + " check-sample " +
                                                (d.path / "measurements" / "sample.json").string() + " 2>&1");
    CAPTURE(r.out);
    CHECK(r.status == 0);
    CHECK(r.out.find("8 runs") != std::string::npos);
}
