// Hardware specs: every shipped file loads; malformed specs fail naming the key; CPU peaks follow
// the textbook formula; rooflines are never above either ceiling.
#include "ridgeline/error.hpp"
#include "ridgeline/hardware.hpp"
#include "ridgeline/roofline.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

using namespace ridgeline;
namespace fs = std::filesystem;

namespace {

std::string write_spec(const std::string& id, const std::string& body) {
    const auto dir = fs::temp_directory_path() / "ridgeline_hw_test";
    fs::create_directories(dir);
    const auto p = dir / (id + ".yaml");
    std::ofstream(p) << body;
    return p.string();
}

const std::string good =
    "id: {id}\nname: Test GPU\nkind: gpu\nsources: [https://example.org]\n"
    "peak_tflops: {fp32: 10}\nmemory:\n  dram: {capacity_gib: 16, bandwidth_gbps: 500}\n";

std::string spec(const std::string& id, std::string body = good) {
    body.replace(body.find("{id}"), 4, id);
    return body;
}

void expect_key(const std::string& id, const std::string& body, const std::string& key) {
    CAPTURE(body);
    try {
        (void)load_hw_file(write_spec(id, body));
        FAIL("expected spec_error for " << key);
    } catch (const spec_error& e) {
        CHECK(e.key() == key);
        CHECK(std::string(e.what()).find(id + ".yaml") != std::string::npos);
    }
}

}  // namespace

TEST_CASE("every spec in hwspecs/ loads") {
    const auto ids = list_hw();
    CHECK(ids.size() >= 22);
    for (const auto& id : ids) {
        CAPTURE(id);
        const auto h = load_hw(id);
        CHECK(h.id == id);
        CHECK(!h.sources.empty());
        CHECK(!h.peak_tflops.empty());
        // Dense and sparse figures are never mixed: a sparse figure is at least the dense one.
        for (const auto& [k, v] : h.sparse_peak_tflops) {
            if (h.peak_tflops.count(k)) CHECK(v >= h.peak_tflops.at(k));
        }
    }
    CHECK(load_hw("h100-sxm").measured.has_value());
    CHECK_THROWS_AS(load_hw("no-such-device"), spec_error);
}

TEST_CASE("malformed specs name the key") {
    expect_key("bad1", "id: bad1\nname: x\nkind: gpu\nsources: [a]\npeak_tflops: {fp32: -1}\n", "peak_tflops.fp32");
    expect_key("bad2", "id: bad2\nname: x\nkind: gpu\nsources: [a]\npeak_tflops: {fp23: 1}\n", "peak_tflops.fp23");
    expect_key(
        "bad3",
        "id: bad3\nname: x\nkind: gpu\nsources: [a]\npeak_tflops: {fp32: 1}\nmemory:\n  dram: {bandwidth: 900}\n",
        "memory.dram.bandwidth");
    expect_key(
        "bad4",
        "id: bad4\nname: x\nkind: gpu\nsources: [a]\npeak_tflops: {fp32: 1}\nmemory:\n  dram: {bandwidth_gbps: 9e9}\n",
        "memory.dram.bandwidth_gbps");
    expect_key("bad5", "id: bad5\nname: x\nkind: gpu\nsources: [a]\npeak_tflops: {fp32: '10 TFLOPS'}\n",
               "peak_tflops.fp32");
    // A file given by path may carry any id (a path is a path); by id, see test_bad_input.cpp.
    CHECK(
        load_hw_file(write_spec("bad6", "id: other\nname: x\nkind: gpu\nsources: [a]\npeak_tflops: {fp32: 1}\n")).id ==
        "other");
    expect_key("bad7", "id: bad7\nname: x\nkind: gpu\npeak_tflops: {fp32: 1}\n", "sources");
    expect_key("bad8", "id: bad8\nname: x\nkind: fpga\nsources: [a]\npeak_tflops: {fp32: 1}\n", "kind");
    // A spec without a figure the analysis needs: the error names it when it is needed.
    const auto h =
        load_hw_file(write_spec("nomem", "id: nomem\nname: x\nkind: gpu\nsources: [a]\npeak_tflops: {fp32: 1}\n"));
    try {
        (void)h.memory_bytes();
        FAIL("expected spec_error");
    } catch (const spec_error& e) {
        CHECK(e.key() == "memory.dram.capacity_gib");
    }
}

TEST_CASE("CPU peaks follow cores x clock x SIMD lanes x FMA units x 2 x sockets") {
    // Xeon E5-2699 v4 x2: 2 x 22 cores x 2.2 GHz x 8 fp32 lanes (AVX2) x 2 FMA x 2 = 3097.6 GFLOPS;
    // DRAM 2 x 4 channels x 2400 MT/s x 8 B = 153.6 GB/s.
    const auto bdw = load_hw("xeon-e5-2699-v4-2s");
    REQUIRE(bdw.cpu);
    CHECK(bdw.cpu->peak_tflops(32) == doctest::Approx(2 * 22 * 2.2 * 8 * 2 * 2 / 1000.0));
    CHECK(bdw.cpu->peak_tflops(32) == doctest::Approx(3.0976));
    CHECK(bdw.cpu->dram_bandwidth_gbps() == doctest::Approx(153.6));
    // Xeon W-2295: 18 cores x 3.0 GHz x 16 fp32 lanes (AVX-512) x 2 FMA x 2 = 3456 GFLOPS.
    const auto w = load_hw("xeon-w-2295");
    REQUIRE(w.cpu);
    CHECK(w.cpu->peak_tflops(32) == doctest::Approx(18 * 3.0 * 16 * 2 * 2 / 1000.0));
    // Derived when the file gives only the micro-architecture.
    const auto d = load_hw_file(write_spec(
        "derivedcpu",
        "id: derivedcpu\nname: x\nkind: cpu\nsources: [a]\ncpu: {sockets: 2, cores_per_socket: 4, base_clock_ghz: 2.5,"
        " simd_width_bits: 256, fma_units_per_core: 2, memory_channels_per_socket: 2, memory_transfer_rate_mts: 3200,"
        " memory_bus_width_bits: 64}\n"));
    CHECK(d.peak_tflops.at("fp32") == doctest::Approx(2 * 4 * 2.5 * 8 * 2 * 2 / 1000.0));  // 0.64
    CHECK(d.peak_tflops.at("fp64") == doctest::Approx(0.32));
    CHECK(d.dram_bandwidth_gbps == doctest::Approx(2 * 2 * 3200 * 8 / 1000.0));  // 102.4
    CHECK(!d.derived.empty());
}

TEST_CASE("roofline: ridge point, memory-bound, compute-bound, exactly at the ridge") {
    const auto h = load_hw_file(write_spec("roof", spec("roof")));  // 10 TFLOPS, 500 GB/s
    const auto c = ceilings_for(h, dtype::f32);
    CHECK(c.ridge_point() == doctest::Approx(20.0));                         // 10e12 / 500e9
    CHECK(attainable_flops(2.0, 10e12, 500e9) == doctest::Approx(1e12));     // memory-bound: 2 x 500 GB/s
    CHECK(attainable_flops(100.0, 10e12, 500e9) == doctest::Approx(10e12));  // compute-bound: the roof
    CHECK(attainable_flops(20.0, 10e12, 500e9) == doctest::Approx(10e12));   // at the ridge both agree
    for (double oi : {0.01, 1.0, 19.9, 20.0, 20.1, 1e4}) {
        const double a = attainable_flops(oi, 10e12, 500e9);
        CHECK(a <= 10e12 * (1 + 1e-12));
        CHECK(a <= oi * 500e9 * (1 + 1e-12));
    }
}
