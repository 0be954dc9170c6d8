/**
 * @file stats.hpp
 * The statistics every layer shares (support layer, `lib/support`, below the graph IR): quantiles
 * by linear interpolation (numpy's default), Spearman's rank correlation with average ranks for
 * ties, and the error statistics of predicted against measured values that validation, the
 * timing-sample check and the replay report all print. One implementation of each, so that two
 * reports never disagree on the same numbers.
 *
 * @code
 * auto s = ridgeline::compare_errors({1.0, 2.0, 4.0}, {1.1, 1.8, 5.0});
 * std::cout << "MdAPE " << 100 * s.median_ape << "%, P90 " << 100 * s.p90_ape << "%, bias " << 100 * s.bias << "%\n";
 * @endcode
 */
#pragma once

#include <cstddef>
#include <vector>

namespace ridgeline {

/**
 * The q-quantile (q in [0, 1], clamped) by linear interpolation at rank q·(n−1); 0 for no values.
 * @code ridgeline::percentile({1, 2, 3, 4}, 0.9) == 3.7 @endcode
 */
double percentile(std::vector<double> values, double q);

/** The median: percentile(values, 0.5). @code ridgeline::median({3, 1, 2, 10}) == 2.5 @endcode */
double median(std::vector<double> values);

/**
 * Spearman's rank correlation of two equally long columns: the Pearson correlation of their ranks,
 * tied values sharing their average rank. NaN when the lengths differ, when there are fewer than 3
 * pairs (two points always rank ±1, which says nothing), or when a column does not vary.
 * @code double rho = ridgeline::spearman_rank_correlation({1, 2, 3, 4}, {10, 20, 30, 25});  // 0.8 @endcode
 */
double spearman_rank_correlation(const std::vector<double>& a, const std::vector<double>& b);

/** Error statistics of predicted against measured values (see `compare_errors`). */
struct error_statistics {
    std::size_t count = 0;   /**< Pairs compared. */
    double median_ape = 0;   /**< Median |e| (MdAPE). */
    double p90_ape = 0;      /**< 90th percentile of |e|. */
    double mean_ape = 0;     /**< Mean |e|. */
    double bias = 0;         /**< Mean signed e (> 0: predictions too slow). */
    double within_10pct = 0; /**< Share of pairs with |e| ≤ 0.10, in [0, 1]. */
    double within_25pct = 0; /**< Share of pairs with |e| ≤ 0.25, in [0, 1]. */
    double spearman = 0;     /**< Spearman rank correlation of the pairs (NaN with < 3 pairs or no variation). */
};

/**
 * Statistics of `predicted` against `measured` (same length, else usage_error; pairs with
 * measured ≤ 0 are skipped): relative error e = (predicted − measured) / measured per pair, then
 * the median, 90th percentile and mean of |e|, the mean of e, the shares within 10% and 25%, and
 * the rank correlation of the pairs.
 * @code auto s = ridgeline::compare_errors({1, 2}, {1.1, 1.8}); @endcode
 */
error_statistics compare_errors(const std::vector<double>& predicted, const std::vector<double>& measured);

}  // namespace ridgeline
