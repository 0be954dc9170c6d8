// Statistics shared by every layer (stats.hpp): quantiles, Spearman's rank correlation and the
// error statistics of predictions. Eigen for the rank correlation.
#include "ridgeline/stats.hpp"

#include "ridgeline/error.hpp"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace ridgeline {

double percentile(std::vector<double> values, double q) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    q = std::clamp(q, 0.0, 1.0);
    const double pos = q * static_cast<double>(values.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(pos));
    const auto hi = std::min(lo + 1, values.size() - 1);
    return values[lo] + (pos - static_cast<double>(lo)) * (values[hi] - values[lo]);
}

double median(std::vector<double> values) { return percentile(std::move(values), 0.5); }

namespace {

/** 1-based ranks; tied values get the average of the ranks they span. */
Eigen::VectorXd average_ranks(const std::vector<double>& x) {
    std::vector<std::size_t> order(x.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return x[a] < x[b]; });
    Eigen::VectorXd r(static_cast<Eigen::Index>(x.size()));
    for (std::size_t i = 0; i < order.size();) {
        std::size_t j = i;
        while (j + 1 < order.size() && x[order[j + 1]] == x[order[i]]) ++j;
        const double rank = 0.5 * static_cast<double>(i + j) + 1.0;
        for (std::size_t k = i; k <= j; ++k) r[static_cast<Eigen::Index>(order[k])] = rank;
        i = j + 1;
    }
    return r;
}

}  // namespace

double spearman_rank_correlation(const std::vector<double>& a, const std::vector<double>& b) {
    constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    if (a.size() != b.size() || a.size() < 3) return nan;
    Eigen::VectorXd ra = average_ranks(a);
    Eigen::VectorXd rb = average_ranks(b);
    ra.array() -= ra.mean();
    rb.array() -= rb.mean();
    const double denom = ra.norm() * rb.norm();
    return denom > 0 ? std::clamp(ra.dot(rb) / denom, -1.0, 1.0) : nan;
}

error_statistics compare_errors(const std::vector<double>& predicted, const std::vector<double>& measured) {
    if (predicted.size() != measured.size())
        throw usage_error("compare_errors: predicted and measured differ in length");
    error_statistics s;
    std::vector<double> ape, pred, meas;
    double signed_sum = 0;
    std::size_t within10 = 0, within25 = 0;
    for (std::size_t i = 0; i < predicted.size(); ++i) {
        if (!(measured[i] > 0)) continue;
        const double e = (predicted[i] - measured[i]) / measured[i];
        ape.push_back(std::abs(e));
        signed_sum += e;
        within10 += std::abs(e) <= 0.10 + 1e-12 ? 1 : 0;
        within25 += std::abs(e) <= 0.25 + 1e-12 ? 1 : 0;
        pred.push_back(predicted[i]);
        meas.push_back(measured[i]);
    }
    s.count = ape.size();
    s.spearman = spearman_rank_correlation(pred, meas);
    if (ape.empty()) return s;
    const auto n = static_cast<double>(ape.size());
    s.median_ape = percentile(ape, 0.5);
    s.p90_ape = percentile(ape, 0.9);
    s.mean_ape = std::accumulate(ape.begin(), ape.end(), 0.0) / n;
    s.bias = signed_sum / n;
    s.within_10pct = static_cast<double>(within10) / n;
    s.within_25pct = static_cast<double>(within25) / n;
    return s;
}

}  // namespace ridgeline
