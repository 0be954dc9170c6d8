// The support layer: one percentile, one Spearman, the error statistics, and the units every report
// prints (stats.hpp, units.hpp); and the enum names that replaced the hand-written switches.
#include "ridgeline/analysis.hpp"
#include "ridgeline/error.hpp"
#include "ridgeline/measure.hpp"
#include "ridgeline/roofline.hpp"
#include "ridgeline/stats.hpp"
#include "ridgeline/units.hpp"
#include "ridgeline/validate.hpp"

#include <doctest/doctest.h>

#include <cmath>

using namespace ridgeline;

TEST_CASE("percentile interpolates between order statistics; median is its 0.5") {
    CHECK(percentile({4, 1, 3, 2}, 0.9) == doctest::Approx(3.7));  // rank 0.9·3 = 2.7 → 3 + 0.7
    CHECK(percentile({4, 1, 3, 2}, 0.0) == 1);
    CHECK(percentile({4, 1, 3, 2}, 1.0) == 4);
    CHECK(percentile({4, 1, 3, 2}, -3) == 1);  // q clamped
    CHECK(percentile({4, 1, 3, 2}, 7) == 4);
    CHECK(percentile({5}, 0.9) == 5);
    CHECK(percentile({}, 0.5) == 0);
    CHECK(median({3, 1, 2, 10}) == doctest::Approx(2.5));
    CHECK(median({3, 1, 2}) == 2);
}

TEST_CASE("Spearman: average ranks for ties, NaN for fewer than three pairs") {
    // Ranks (1, 2.5, 2.5, 4) and (1, 3, 2, 4): Pearson of the ranks = 4.5 / sqrt(4.5 · 5) = sqrt(0.9).
    CHECK(spearman_rank_correlation({1, 2, 2, 3}, {1, 3, 2, 4}) == doctest::Approx(std::sqrt(0.9)));
    CHECK(spearman_rank_correlation({7, 7, 9}, {1, 1, 2}) == doctest::Approx(1.0));  // ties on both sides
    CHECK(spearman_rank_correlation({1, 2, 3}, {30, 20, 10}) == doctest::Approx(-1.0));
    CHECK(std::isnan(spearman_rank_correlation({1}, {1})));
    CHECK(std::isnan(spearman_rank_correlation({1, 2}, {1, 2})));  // two points always rank ±1
    CHECK(std::isnan(spearman_rank_correlation({1, 2}, {2, 1})));
    CHECK(std::isnan(spearman_rank_correlation({}, {})));
    CHECK(std::isnan(spearman_rank_correlation({5, 5, 5}, {1, 2, 3})));  // no variation
    CHECK(std::isnan(spearman_rank_correlation({1, 2, 3}, {1, 2})));     // lengths differ
}

TEST_CASE("compare_errors: MdAPE, P90, bias and shares over pairs with a measurement") {
    // e = +0.1, -0.2, +1.0; the last pair has no measurement and is skipped.
    const auto s = compare_errors({1.1, 0.8, 2.0, 5.0}, {1.0, 1.0, 1.0, 0.0});
    CHECK(s.count == 3);
    CHECK(s.median_ape == doctest::Approx(0.2));
    CHECK(s.p90_ape == doctest::Approx(0.2 + 0.8 * 0.8));
    CHECK(s.mean_ape == doctest::Approx(1.3 / 3));
    CHECK(s.bias == doctest::Approx(0.3));
    CHECK(s.within_10pct == doctest::Approx(1.0 / 3));
    CHECK(s.within_25pct == doctest::Approx(2.0 / 3));
    CHECK(std::isnan(s.spearman));  // the measured times do not vary
    CHECK_THROWS_AS((void)compare_errors({1, 2}, {1}), usage_error);
    const auto none = compare_errors({}, {});
    CHECK(none.count == 0);
    CHECK(std::isnan(none.spearman));
}

TEST_CASE("units: fixed-precision table forms and short label forms, µs everywhere") {
    CHECK(human_time(1.234e-5) == "12.34 µs");
    CHECK(human_time(2.5e-3) == "2.500 ms");
    CHECK(human_time(3.0) == "3.000 s");
    CHECK(human_time(4e-8) == "40 ns");
    CHECK(human_bytes(1536) == "1.50 KiB");
    CHECK(human_bytes(100) == "100 B");
    CHECK(human_flops(1.5e9) == "1.50 GFLOP");
    CHECK(human_count(1.3085e11) == "130.85 G");
    CHECK(time_label(2.5e-4) == "250 µs");
    CHECK(si_label(2.0e9, "B/s") == "2 GB/s");
    CHECK(percent(0.125) == "12.5%");
    CHECK(signed_percent(0.125) == "+12.5%");
    CHECK(percent(std::nan("")) == "n/a");
    // Alignment counts code points: "µs" is two columns, three bytes.
    CHECK(right_aligned("1 µs", 6) == "  1 µs");
    CHECK(left_aligned("µs", 4) == "µs  ");
    CHECK(right_aligned("too long", 3) == "too long");
}

TEST_CASE("enum names: one table each, names round-trip where they are parsed") {
    CHECK(dtype_name(dtype::bf16) == "bf16");
    CHECK(dtype_name(static_cast<dtype>(200)) == "undefined");
    CHECK(op_kind_name(op_kind::data_movement) == "data_movement");
    CHECK(bound_name(bound_kind::compute) == "compute");
    CHECK(measure_code_name(measure_code::not_supported) == "not supported");
    CHECK(measure_code_name(static_cast<measure_code>(42)) == "error");
    CHECK(activity_kind_name(activity_kind::memset) == "memset");
    for (auto a : {attribution::automatic, attribution::external_id, attribution::ranges, attribution::sequence}) {
        CHECK(parse_attribution(std::string(attribution_name(a))) == a);
    }
    CHECK_THROWS_WITH_AS((void)parse_attribution("magic"),
                         doctest::Contains("'magic' (auto, external-id, ranges or sequence)"), usage_error);
}
