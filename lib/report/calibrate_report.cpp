// The reporter of `ridgeline calibrate`: fit quality and fitted curves (report.hpp).
#include "ridgeline/report.hpp"

#include <fmt/format.h>

#include <cmath>
#include <map>
#include <ostream>

namespace ridgeline {

void write_curve_fit(std::ostream& out, const microbench& mb, const curve_fit& fit, bool rows) {
    const auto& t = fit.table;
    out << fmt::format("curves fitted to {} rows of {} ({})\n", fit.rows.size(), mb.path, mb.device);
    out << fmt::format("median |ln(predicted/measured)| {:.3f} (×{:.2f}); {} optimiser iterations\n\n",
                       fit.median_abs_log_ratio, std::exp(fit.median_abs_log_ratio), fit.iterations);
    std::map<std::string, int> counts;
    for (const auto& r : fit.rows) {
        const auto& row = mb.rows[r.row];
        ++counts[row.op + " " + (row.precision == dtype::f32 ? "fp32" : "fp16")];
    }
    out << fmt::format("{:<28} {:>5} {:>14}\n", "op", "rows", "median |ln|");
    for (const auto& [op, e] : fit.by_op) out << fmt::format("{:<28} {:>5} {:>14.3f}\n", op, counts[op], e);
    out << fmt::format("\nL2: resident up to {:.2f} of its size, evicted beyond {:.2f}\n", t.l2_resident_fraction,
                       t.l2_evicted_fraction);
    for (const auto& [precision, curves] : t.curves) {
        out << fmt::format("\n{:<20} {:>8} {:>8} {:>10} {:>9} {:>9} {:>5} {:>11}\n", precision + " class", "compute",
                           "memory", "half", "k_half", "fixed", "rows", "median |ln|");
        for (const auto& [cls, c] : curves) {
            out << fmt::format("{:<20} {:>8.3f} {:>8.3f} {:>10.4g} {:>9.4g} {:>7.2f}µs {:>5} {:>11}\n",
                               kernel_class_name(cls), c.compute_fraction, c.memory_fraction, c.half_elements,
                               c.k_half_elements, c.fixed_us, c.fit_rows,
                               c.fit_rows > 0 ? fmt::format("{:.3f}", c.fit_median_abs_log_ratio) : "(derived)");
        }
    }
    if (!rows) return;
    out << fmt::format("\n{:<72} {:>11} {:>11} {:>7} {:>8}\n", "row", "measured", "predicted", "ln", "kernels");
    for (const auto& r : fit.rows) {
        const auto& row = mb.rows[r.row];
        out << fmt::format("{:<72} {:>11} {:>11} {:>+7.2f} {:>4}/{:<3}\n", row.describe(), human_time(r.measured_s),
                           human_time(r.predicted_s), std::log(r.predicted_s / r.measured_s), r.kernels,
                           static_cast<int>(row.kernels));
    }
}

}  // namespace ridgeline
