// Real traces as test data (no GPU): one PyTorch resnet50 batch-32 fp32 forward on an NVIDIA H200,
// recorded by ridgeline's injection library (`ridgeline trace`, NVTX ranges) and by torch.profiler
// (Kineto, record_function ranges); tests/data/traces/h200_resnet50.tar.xz, unpacked at configure
// time (tests/CMakeLists.txt). Both import; each holds 5 passes of 186 kernels whose kernel time
// agrees within 1%; validate against resnet50_eager.onnx attributes all of it by ranges and by
// sequence with a measured row for every Conv; damaged copies are errors naming the file (exit 1).
#include "model_builder.hpp"

#include "ridgeline/error.hpp"
#include "ridgeline/hardware.hpp"
#include "ridgeline/measure.hpp"
#include "ridgeline/pipeline.hpp"
#include "ridgeline/validate.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace ridgeline;
namespace fs = std::filesystem;
using json = nlohmann::json;

const std::string traces = RIDGELINE_REAL_TRACES;
const std::string inject_file = traces + "/resnet50_inject.json";
const std::string kineto_file = traces + "/resnet50_kineto.json";
const std::string model_file = std::string(RIDGELINE_TEST_DATA) + "/resnet50_eager.onnx";

struct scratch {
    fs::path dir = fs::temp_directory_path() / ("ridgeline-real-traces-" + std::to_string(::getpid()));
    scratch() { fs::create_directories(dir); }
    ~scratch() { fs::remove_all(dir); }
    [[nodiscard]] std::string path(const std::string& name) const { return (dir / name).string(); }
};

std::string read(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

void write(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

/** The kernels of each `ridgeline_pass` host range (launch call inside it; device start without one). */
std::vector<std::vector<const kernel_record*>> passes_of(const trace& t) {
    std::vector<std::vector<const kernel_record*>> passes;
    for (const auto& w : t.ranges) {
        if (w.name != "ridgeline_pass" || w.gpu) continue;
        auto& p = passes.emplace_back();
        for (const auto& r : t.records) {
            const auto at = r.launch ? r.launch->start_ns : r.start_ns;
            if (r.kind == activity_kind::kernel && at >= w.start_ns && at <= w.end_ns) p.push_back(&r);
        }
    }
    return passes;
}

double seconds(const std::vector<const kernel_record*>& ks) {
    return std::accumulate(ks.begin(), ks.end(), 0.0,
                           [](double s, const kernel_record* k) { return s + k->duration_s(); });
}

/** Mean per-pass kernel time of a trace, after checking 5 passes of 186 kernels within 1% of each other. */
double per_pass_s(const trace& t) {
    const auto passes = passes_of(t);
    REQUIRE(passes.size() == 5);
    std::vector<double> times;
    for (const auto& p : passes) {
        CHECK(p.size() == 186);
        times.push_back(seconds(p));
    }
    const double mean = std::accumulate(times.begin(), times.end(), 0.0) / static_cast<double>(times.size());
    for (const double s : times) CHECK(std::abs(s - mean) <= 0.01 * mean);
    return mean;
}

/** resnet50_eager at batch 32, fp32, predicted on the H200. */
predicted_model resnet50_h200() {
    model_request r;
    r.path = model_file;
    r.shapes.batch = 32;
    r.prec = parse_precision("fp32");
    r.devices = {load_hw("h200-sxm")};
    return predict_model(r);
}

}  // namespace

TEST_CASE("the real H200 traces import: 5 passes of 186 kernels, the same kernel time within 1%") {
    const auto inject = load_trace(inject_file);
    const auto kineto = load_trace(kineto_file);
    CHECK(inject.source == "inject");
    CHECK(kineto.source == "kineto");
    CHECK(inject.dropped_records == 0);
    // The injection library saw the whole program (warm-up included); the profiler its 5 passes.
    CHECK(inject.count(activity_kind::kernel) == 1861);
    CHECK(kineto.count(activity_kind::kernel) == 930);
    for (const auto& r : inject.records) {
        if (r.kind == activity_kind::kernel) CHECK(r.launch.has_value());
    }
    const double a = per_pass_s(inject);
    const double b = per_pass_s(kineto);
    CHECK(a == doctest::Approx(11.44e-3).epsilon(0.001));
    CHECK(b == doctest::Approx(11.50e-3).epsilon(0.001));
    CHECK(std::abs(a - b) <= 0.01 * std::max(a, b));

    // Both convert and read back exactly through both writers.
    scratch s;
    for (const auto* t : {&inject, &kineto}) {
        save_trace(*t, s.path("t.json"));
        save_chrome_trace(*t, s.path("t.chrome.json"));
        for (const auto& back : {load_trace(s.path("t.json")), load_trace(s.path("t.chrome.json"))}) {
            REQUIRE(back.records.size() == t->records.size());
            CHECK(back.ranges.size() == t->ranges.size());
            CHECK(back.kernel_time_s() == doctest::Approx(t->kernel_time_s()).epsilon(1e-12));
        }
    }
}

TEST_CASE("validate attributes all of both real traces by ranges and by sequence, a row for every Conv") {
    const auto p = resnet50_h200();
    const auto& d = p.device();
    std::vector<std::size_t> convs;
    for (std::size_t i = 0; i < p.m.layers.size(); ++i) {
        if (p.m.layers[i].op_type == "Conv") convs.push_back(i);
    }
    REQUIRE(convs.size() == 53);
    for (const auto& file : {inject_file, kineto_file}) {
        const auto t = load_trace(file);
        for (const auto method : {attribution::automatic, attribution::ranges, attribution::sequence}) {
            CAPTURE(file);
            CAPTURE(attribution_name(method));
            validate_options o;
            o.method = method;
            o.window = "ridgeline_pass";
            const auto v = validate(p.m, d.latency, t, o);
            CHECK(v.passes == 5);
            CHECK(v.measured_kernels == doctest::Approx(186));
            CHECK(v.measured_s == doctest::Approx(per_pass_s(t)).epsilon(1e-9));
            CHECK(v.attributed_s == doctest::Approx(v.measured_s).epsilon(1e-9));  // 100%
            CHECK(v.unattributed_s == doctest::Approx(0).epsilon(1e-12));
            CHECK(v.method == (method == attribution::sequence ? attribution::sequence : attribution::ranges));
            // Every Conv node sits in a row with measured time of its own kernels.
            for (const auto c : convs) {
                const auto row = std::find_if(v.rows.begin(), v.rows.end(), [&](const node_comparison& r) {
                    return std::find(r.layers.begin(), r.layers.end(), c) != r.layers.end();
                });
                CAPTURE(p.m.layers[c].name);
                REQUIRE(row != v.rows.end());
                CHECK(row->measured());
                CHECK(row->measured_kernels >= 1);
            }
        }
    }
}

TEST_CASE("the tool imports and validates the real traces; damaged copies exit 1 naming the file") {
    scratch s;
    const auto imported = test::run_tool("import-trace " + kineto_file + " -o " + s.path("k.json"));
    CAPTURE(imported.out);
    REQUIRE(imported.status == 0);
    CHECK(imported.out.find("930 kernels") != std::string::npos);
    for (const auto& [file, method] : {std::pair{inject_file, "ranges"}, std::pair{kineto_file, "sequence"}}) {
        const auto v = test::run_tool("validate " + model_file +
                                      " --batch 32 --hw h200-sxm --window ridgeline_pass "
                                      "--method " +
                                      method + " --trace " + file);
        CAPTURE(v.out);
        CHECK(v.status == 0);
        CHECK(v.out.find("attributes 100.0% of kernel time") != std::string::npos);
        CHECK(v.out.find("passes       5") != std::string::npos);
    }

    // Truncated: cut mid-record, and at a third; empty. Not valid JSON, the file named.
    for (const auto& file : {inject_file, kineto_file}) {
        const std::string text = read(file);
        for (const std::size_t keep : {text.size() / 3, text.size() - 100, std::size_t{0}}) {
            const auto cut = s.path("truncated.json");
            write(cut, text.substr(0, keep));
            CAPTURE(keep);
            CHECK_THROWS_WITH_AS((void)load_trace(cut), doctest::Contains("truncated.json: not valid JSON"),
                                 trace_error);
            const auto r = test::run_tool("import-trace " + cut + " -o " + s.path("out.json"));
            CHECK(r.status == 1);
            CHECK(r.out.find("truncated.json") != std::string::npos);
        }
        // Bytes overwritten in the middle (not UTF-8, not JSON).
        std::string garbled = text;
        std::fill_n(garbled.begin() + static_cast<std::ptrdiff_t>(text.size() / 2), 64, '\xff');
        write(s.path("garbled.json"), garbled);
        CHECK_THROWS_WITH_AS((void)load_trace(s.path("garbled.json")), doctest::Contains("garbled.json"), trace_error);
        CHECK(test::run_tool("import-trace " + s.path("garbled.json")).status == 1);
    }

    // Corrupt but valid JSON: the record or event is named.
    auto inject = json::parse(read(inject_file));
    inject["records"][100]["start_ns"] = "yesterday";
    write(s.path("bad_inject.json"), inject.dump());
    CHECK_THROWS_WITH_AS((void)load_trace(s.path("bad_inject.json")),
                         doctest::Contains("bad_inject.json: records[100]: 'start_ns' is not a non-negative integer"),
                         trace_error);
    inject = json::parse(read(inject_file));
    inject["records"][7]["end_ns"] = inject["records"][7]["start_ns"].get<std::uint64_t>() - 1;
    write(s.path("inverted.json"), inject.dump());
    CHECK_THROWS_WITH_AS((void)load_trace(s.path("inverted.json")),
                         doctest::Contains("records[7]: 'end_ns' is before 'start_ns'"), trace_error);

    auto kineto = json::parse(read(kineto_file));
    std::size_t first_kernel = 0;
    while (kineto["traceEvents"][first_kernel].value("cat", "") != "kernel") ++first_kernel;
    kineto["traceEvents"][first_kernel]["dur"] = "long";
    write(s.path("bad_kineto.json"), kineto.dump());
    const std::string event = "traceEvents[" + std::to_string(first_kernel) + "] ('";
    CHECK_THROWS_WITH_AS((void)load_trace(s.path("bad_kineto.json")), doctest::Contains(event.c_str()), trace_error);
    const auto bad =
        test::run_tool("validate " + model_file + " --batch 32 --hw h200-sxm --trace " + s.path("bad_kineto.json"));
    CHECK(bad.status == 1);
    CHECK(bad.out.find("bad_kineto.json: " + event) != std::string::npos);
    CHECK(bad.out.find("'dur' is missing or not a number") != std::string::npos);

    // A trace without kernels (ranges and copies kept) measures nothing: exit 1 saying so.
    inject = json::parse(read(inject_file));
    json kept = json::array();
    for (const auto& r : inject["records"]) {
        if (r["kind"] != "kernel") kept.push_back(r);
    }
    inject["records"] = kept;
    write(s.path("no_kernels.json"), inject.dump());
    const auto none = test::run_tool("validate " + model_file +
                                     " --batch 32 --hw h200-sxm --window ridgeline_pass "
                                     "--trace " +
                                     s.path("no_kernels.json"));
    CAPTURE(none.out);
    CHECK(none.status == 1);
    CHECK(none.out.find("holds no kernel inside its 5 'ridgeline_pass' ranges") != std::string::npos);
}
