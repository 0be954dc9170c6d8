// libFuzzer target: hardware spec text (YAML or JSON) → parse_hw_text → derived figures.
// A ridgeline::spec_error naming the key is the contract for bad input; anything else — a crash,
// a sanitizer report, a yaml-cpp exception escaping, a figure that is not finite and positive —
// is a finding.
//
//   build:  cmake --preset fuzz && cmake --build --preset fuzz
//   run:    build-fuzz/fuzz/fuzz_spec -max_total_time=3600 build-fuzz/fuzz/corpus/spec build-fuzz/fuzz/seeds/spec
#include "ridgeline/error.hpp"
#include "ridgeline/hardware.hpp"
#include "ridgeline/roofline.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

[[noreturn]] void broken(const std::string& what) {
    std::fprintf(stderr, "invariant broken: %s\n", what.c_str());
    std::abort();
}

void positive(double v, const std::string& what, bool optional) {
    if (optional && v == 0) return;
    if (!std::isfinite(v) || v <= 0) broken(what + " = " + std::to_string(v));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace ridgeline;
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        const auto h = parse_hw_text(text, "fuzz.yaml");
        if (h.peak_tflops.empty()) broken("a spec without peaks loaded");
        for (const auto& [k, v] : h.peak_tflops) positive(v, "peak_tflops." + k, false);
        positive(h.dram_bandwidth_gbps, "memory.dram.bandwidth_gbps", true);
        positive(h.dram_capacity_gib, "memory.dram.capacity_gib", true);
        positive(h.boost_clock_mhz, "compute.boost_clock_mhz", true);
        if (h.dram_bandwidth_gbps > 0) {
            for (const auto& [k, ridge] : ridge_points(h)) positive(ridge, "ridge point " + k, false);
        }
    } catch (const error&) {
        // Refused with a message naming the key: the contract.
    }
    return 0;
}
