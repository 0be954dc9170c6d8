// Trace files without a GPU: the import of a hand-written Kineto-style trace (tests/data/traces),
// errors that name the file and the event, and exact round trips through both of our writers.
#include "ridgeline/error.hpp"
#include "ridgeline/measure.hpp"

#include <doctest/doctest.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

using namespace ridgeline;
namespace fs = std::filesystem;

/** Relative comparison: doctest's Approx adds an absolute slack of 1e-5, too coarse for seconds. */
doctest::Approx near(double x) { return doctest::Approx(x).scale(0).epsilon(1e-9); }

const std::string traces = std::string(RIDGELINE_TEST_DATA) + "/traces";
constexpr std::uint64_t base = 1700000000000000000ULL;

/** A scratch folder removed at scope exit. */
struct scratch {
    fs::path dir = fs::temp_directory_path() / ("ridgeline-trace-io-" + std::to_string(::getpid()));
    scratch() { fs::create_directories(dir); }
    ~scratch() { fs::remove_all(dir); }
    [[nodiscard]] std::string file(const std::string& name, const std::string& text = {}) const {
        const auto p = (dir / name).string();
        if (!text.empty()) std::ofstream(p) << text;
        return p;
    }
};

/** A trace with every field set, to check that writers and readers lose nothing. */
trace full_trace() {
    trace t;
    t.source = "cupti";
    t.process_id = 4242;
    t.dropped_records = 3;
    kernel_record k;
    k.name = "void gemm<float>(float const*, float*)";
    k.start_ns = 1'700'000'000'123'456'789ULL;
    k.end_ns = k.start_ns + 35'501;
    k.device = 0;
    k.stream = 7;
    k.correlation_id = 101;
    k.external_id = 12;
    k.grid = {128, 2, 1};
    k.block = {256, 1, 1};
    k.op = "aten::mm";
    k.launch = launch_info{"cudaLaunchKernel", k.start_ns - 9'000, k.start_ns - 5'250, 4242};
    t.records.push_back(k);
    kernel_record c;
    c.kind = activity_kind::memcpy;
    c.name = "Memcpy HtoD";
    c.start_ns = k.end_ns + 1'000;
    c.end_ns = c.start_ns + 2'000;
    c.device = 1;
    c.stream = 13;
    c.correlation_id = 102;
    c.bytes = 1 << 20;
    c.launch = launch_info{"cudaMemcpyAsync", k.start_ns - 1'000, k.start_ns - 100, 4243};
    t.records.push_back(c);
    kernel_record s;
    s.kind = activity_kind::memset;
    s.name = "Memset";
    s.start_ns = c.end_ns + 7;
    s.end_ns = s.start_ns + 999;
    s.device = 0;
    s.stream = 7;
    s.correlation_id = 103;
    s.bytes = 512;
    t.records.push_back(s);
    nvtx_range outer{"forward", "ridgeline", k.start_ns - 20'000, s.end_ns + 10, 4242, false, -1, -1};
    nvtx_range inner{"layer1.0.conv1", "", k.start_ns - 10'000, k.start_ns - 1'000, 4242, false, -1, -1};
    nvtx_range on_gpu{"layer1.0.conv1", "", k.start_ns, k.end_ns, -1, true, 0, 7};
    t.ranges = {outer, inner, on_gpu};
    sort_trace(t);
    return t;
}

void check_same(const trace& a, const trace& b) {
    CHECK(a.source == b.source);
    CHECK(a.process_id == b.process_id);
    CHECK(a.dropped_records == b.dropped_records);
    REQUIRE(a.records.size() == b.records.size());
    for (std::size_t i = 0; i < a.records.size(); ++i) {
        CAPTURE(i);
        const auto& x = a.records[i];
        const auto& y = b.records[i];
        CHECK(x.kind == y.kind);
        CHECK(x.name == y.name);
        CHECK(x.start_ns == y.start_ns);
        CHECK(x.end_ns == y.end_ns);
        CHECK(x.device == y.device);
        CHECK(x.stream == y.stream);
        CHECK(x.correlation_id == y.correlation_id);
        CHECK(x.external_id == y.external_id);
        CHECK(x.grid == y.grid);
        CHECK(x.block == y.block);
        CHECK(x.bytes == y.bytes);
        CHECK(x.op == y.op);
        REQUIRE(x.launch.has_value() == y.launch.has_value());
        if (x.launch) {
            CHECK(x.launch->api == y.launch->api);
            CHECK(x.launch->start_ns == y.launch->start_ns);
            CHECK(x.launch->end_ns == y.launch->end_ns);
            CHECK(x.launch->thread_id == y.launch->thread_id);
        }
    }
    REQUIRE(a.ranges.size() == b.ranges.size());
    for (std::size_t i = 0; i < a.ranges.size(); ++i) {
        CAPTURE(i);
        const auto& x = a.ranges[i];
        const auto& y = b.ranges[i];
        CHECK(x.name == y.name);
        CHECK(x.domain == y.domain);
        CHECK(x.start_ns == y.start_ns);
        CHECK(x.end_ns == y.end_ns);
        CHECK(x.thread_id == y.thread_id);
        CHECK(x.gpu == y.gpu);
        CHECK(x.device == y.device);
        CHECK(x.stream == y.stream);
    }
}

}  // namespace

TEST_CASE("a Kineto trace imports kernels, copies, launches, ops and ranges") {
    const auto t = import_chrome_trace(traces + "/kineto_small.json");
    CHECK(t.source == "kineto");
    CHECK(t.process_id == 4242);
    CHECK(t.count(activity_kind::kernel) == 3);
    CHECK(t.count(activity_kind::memcpy) == 1);
    CHECK(t.count(activity_kind::memset) == 1);
    // Records come sorted by start time: conv, relu, memcpy, memset, reduce.
    REQUIRE(t.records.size() == 5);
    CHECK(t.records[0].name.rfind("sm90_xmma_fprop", 0) == 0);
    CHECK(t.records[1].name.rfind("void at::native::vectorized_elementwise_kernel", 0) == 0);
    CHECK(t.records[2].kind == activity_kind::memcpy);
    CHECK(t.records[3].kind == activity_kind::memset);
    CHECK(t.records[4].name == "void at::native::reduce_kernel<512, 1>(float*)");

    const auto& conv = t.records[0];
    CHECK(conv.start_ns == base + 120'125);  // ts 120.125 µs after baseTimeNanoseconds
    CHECK(conv.end_ns == base + 155'625);    // dur 35.5 µs
    CHECK(conv.duration_ns() == 35'500);
    CHECK(conv.device == 0);
    CHECK(conv.stream == 7);
    CHECK(conv.correlation_id == 101);
    CHECK(conv.external_id == std::optional<std::uint64_t>(4));
    CHECK(conv.grid == std::array<std::int32_t, 3>{128, 1, 1});
    CHECK(conv.block == std::array<std::int32_t, 3>{128, 1, 1});
    CHECK(conv.op == "aten::cudnn_convolution");  // the innermost op with the kernel's External id
    REQUIRE(conv.launch.has_value());
    CHECK(conv.launch->api == "cudaLaunchKernel");
    CHECK(conv.launch->start_ns == base + 113'250);
    CHECK(conv.launch->end_ns == base + 117'750);
    CHECK(conv.launch->thread_id == 4242);

    const auto& relu = t.records[1];
    CHECK(relu.op == "aten::relu_");
    CHECK(relu.grid[0] == 102400);

    CHECK(t.records[2].bytes == 4096);
    CHECK(t.records[2].name == "Memcpy DtoD (Device -> Device)");
    REQUIRE(t.records[2].launch.has_value());
    CHECK(t.records[2].launch->api == "cudaMemcpyAsync");
    CHECK(t.records[3].bytes == 512);

    // Older Kineto: "Kernel", "external id", integer µs, tid "stream 7".
    const auto& old = t.records[4];
    CHECK(old.start_ns == base + 170'000);
    CHECK(old.end_ns == base + 173'000);
    CHECK(old.stream == 7);
    CHECK(old.external_id == std::optional<std::uint64_t>(6));
    CHECK(old.op == "aten::relu_");
    CHECK_FALSE(old.launch.has_value());  // no cuda_runtime event with correlation 105

    CHECK(t.kernel_time_s() == near((35.5 + 4.25 + 3.0) * 1e-6));
    CHECK(t.time_s(activity_kind::memcpy) == near(2e-6));

    // Ranges: three host user annotations and one GPU annotation, by start time.
    REQUIRE(t.ranges.size() == 4);
    CHECK(t.ranges[0].name == "ProfilerStep#1");
    CHECK(t.ranges[0].thread_id == 4242);
    CHECK_FALSE(t.ranges[0].gpu);
    CHECK(t.ranges[1].name == "layer1.0.conv1");
    CHECK_FALSE(t.ranges[1].gpu);
    CHECK(t.ranges[2].name == "layer1.0.conv1");
    CHECK(t.ranges[2].gpu);
    CHECK(t.ranges[2].device == 0);
    CHECK(t.ranges[2].stream == 7);
    CHECK(t.ranges[2].start_ns == base + 120'124);
    CHECK(t.ranges[3].name == "layer1.0.relu");
}

TEST_CASE("a malformed trace names the file and the offending event") {
    const std::string bad = traces + "/kineto_bad.json";
    try {
        (void)import_chrome_trace(bad);
        FAIL("no exception");
    } catch (const trace_error& e) {
        CHECK(e.file() == bad);
        CHECK(e.event() == "traceEvents[2] ('bad_kernel')");
        const std::string what = e.what();
        CHECK(what.find(bad) != std::string::npos);
        CHECK(what.find("traceEvents[2] ('bad_kernel')") != std::string::npos);
        CHECK(what.find("'dur'") != std::string::npos);
    }
    scratch s;
    const auto not_json = s.file("not_json.json", "{\"traceEvents\": [");
    CHECK_THROWS_WITH_AS((void)import_chrome_trace(not_json), doctest::Contains("not valid JSON"), trace_error);
    const auto no_events = s.file("no_events.json", "{\"schemaVersion\": 1}");
    CHECK_THROWS_WITH_AS((void)import_chrome_trace(no_events), doctest::Contains("no 'traceEvents' array"),
                         trace_error);
    const auto bad_ts =
        s.file("bad_ts.json", R"({"traceEvents": [{"ph": "X", "cat": "kernel", "name": "k", "ts": "x", "dur": 1}]})");
    CHECK_THROWS_WITH_AS((void)import_chrome_trace(bad_ts), doctest::Contains("traceEvents[0] ('k'): 'ts'"),
                         trace_error);
    const auto bad_grid = s.file(
        "bad_grid.json",
        R"({"traceEvents": [{"ph": "X", "cat": "kernel", "name": "k", "ts": 1, "dur": 1, "args": {"grid": [1, 2]}}]})");
    CHECK_THROWS_WITH_AS((void)import_chrome_trace(bad_grid), doctest::Contains("'grid'"), trace_error);
    CHECK_THROWS_AS((void)import_chrome_trace(s.file("missing.json")), trace_error);
    // A ridgeline trace with a broken record names the record.
    const auto bad_record = s.file(
        "bad_record.json",
        R"({"format": "ridgeline-trace", "version": 1, "records": [{"kind": "kernel", "name": "k", "start_ns": 5}]})");
    CHECK_THROWS_WITH_AS((void)load_trace(bad_record), doctest::Contains("records[0]: has no 'end_ns'"), trace_error);
    const auto neither = s.file("neither.json", "[1, 2, 3]");
    CHECK_THROWS_WITH_AS((void)load_trace(neither), doctest::Contains("neither a Chrome trace"), trace_error);
}

TEST_CASE("ridgeline JSON round-trips exactly") {
    const auto t = full_trace();
    scratch s;
    const auto path = s.file("t.json");
    save_trace(t, path);
    const auto back = read_trace_json(path);
    check_same(t, back);
    check_same(t, load_trace(path));  // told apart by content
}

TEST_CASE("Chrome-trace JSON round-trips exactly and looks like Kineto's") {
    const auto t = full_trace();
    scratch s;
    const auto path = s.file("t.chrome.json");
    save_chrome_trace(t, path);
    check_same(t, import_chrome_trace(path));
    check_same(t, load_trace(path));

    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    const std::string text = ss.str();
    for (const char* needle : {"\"traceEvents\"", "\"baseTimeNanoseconds\"", "\"cat\":\"kernel\"",
                               "\"cat\":\"gpu_memcpy\"", "\"cat\":\"gpu_memset\"", "\"cat\":\"cuda_runtime\"",
                               "\"cat\":\"user_annotation\"", "\"cat\":\"gpu_user_annotation\"", "\"External id\":12",
                               "\"correlation\":101", "\"ph\":\"X\"", "\"process_name\""}) {
        CAPTURE(needle);
        CHECK(text.find(needle) != std::string::npos);
    }

    // An imported Kineto trace re-exported and imported again keeps everything, launches included.
    const auto kineto = import_chrome_trace(traces + "/kineto_small.json");
    const auto again = s.file("kineto_again.json");
    save_chrome_trace(kineto, again);
    check_same(kineto, import_chrome_trace(again));
}

TEST_CASE("an empty trace writes and reads back") {
    trace t;
    t.source = "cupti";
    scratch s;
    const auto a = s.file("empty.json");
    const auto b = s.file("empty.chrome.json");
    save_trace(t, a);
    save_chrome_trace(t, b);
    check_same(t, load_trace(a));
    check_same(t, load_trace(b));
    CHECK(t.kernel_time_s() == 0);
}
