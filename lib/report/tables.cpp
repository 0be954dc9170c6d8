// Text reporters of sweeps, model comparisons, timing samples and hardware specs (report.hpp).
#include "ridgeline/report.hpp"

#include "json_text.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <ostream>

namespace ridgeline {

// ---- sweeps and comparisons -------------------------------------------------------------------

namespace {

/** A swept dimension for tables: its value, or "-" when it was not swept (0). */
std::string swept(std::int64_t v) { return v > 0 ? std::to_string(v) : "-"; }

/** Likewise for CSV: empty when not swept. */
std::string swept_csv(std::int64_t v) { return v > 0 ? std::to_string(v) : ""; }

/** Likewise for JSON: null when not swept. */
nlohmann::json swept_json(std::int64_t v) { return v > 0 ? nlohmann::json(v) : nlohmann::json(nullptr); }

}  // namespace

void write_sweep(std::ostream& out, const std::vector<sweep_point>& points, report_format format) {
    switch (format) {
        case report_format::json: {
            nlohmann::json j = nlohmann::json::array();
            for (const auto& p : points) {
                j.push_back({{"device", p.device},
                             {"batch", p.batch},
                             {"image", swept_json(p.image)},
                             {"sequence", swept_json(p.sequence)},
                             {"flops", p.flops},
                             {"kernels", p.kernels},
                             {"predicted_time_s", p.gpu_time_s},
                             {"wall_time_s", p.wall_time_s},
                             {"throughput_per_s", p.throughput_per_s},
                             {"per_item_s", p.per_item_s}});
            }
            report_detail::write_json_text(out, j, 1);
            return;
        }
        case report_format::csv:
            out << "device,batch,image,sequence,flops,predicted_time_s,throughput_per_s,per_item_s\n";
            for (const auto& p : points) {
                out << fmt::format("{},{},{},{},{},{:.6e},{:.3f},{:.6e}\n", p.device, p.batch, swept_csv(p.image),
                                   swept_csv(p.sequence), p.flops, p.gpu_time_s, p.throughput_per_s, p.per_item_s);
            }
            return;
        case report_format::markdown:
            out << "| device | batch | image | seq | FLOPs | GPU time | items/s | per item |\n"
                   "|---|---:|---:|---:|---:|---:|---:|---:|\n";
            for (const auto& p : points) {
                out << fmt::format("| {} | {} | {} | {} | {} | {} | {:.1f} | {} |\n", p.device, p.batch, swept(p.image),
                                   swept(p.sequence), human_flops(static_cast<double>(p.flops)),
                                   human_time(p.gpu_time_s), p.throughput_per_s, human_time(p.per_item_s));
            }
            return;
        case report_format::table:
            out << fmt::format("{:<18} {:>6} {:>6} {:>6} {:>12} {:>12} {:>14} {:>12}\n", "device", "batch", "image",
                               "seq", "FLOPs", "GPU time", "items/s", "per item");
            for (const auto& p : points) {
                out << fmt::format("{:<18} {:>6} {:>6} {:>6} {:>12} {:>12} {:>14.1f} {:>12}\n", p.device, p.batch,
                                   swept(p.image), swept(p.sequence), human_flops(static_cast<double>(p.flops)),
                                   human_time(p.gpu_time_s), p.throughput_per_s, human_time(p.per_item_s));
            }
            return;
    }
}

void write_model_comparison(std::ostream& out, const model_comparison& c, report_format format) {
    switch (format) {
        case report_format::json: {
            nlohmann::json j = nlohmann::json::array();
            for (const auto& row : c.rows) {
                nlohmann::json times = nlohmann::json::object();
                for (std::size_t i = 0; i < c.devices.size() && i < row.gpu_time_s.size(); ++i) {
                    times[c.devices[i]] = row.gpu_time_s[i];
                }
                j.push_back({{"model", row.model}, {"flops", row.flops}, {"predicted_time_s", std::move(times)}});
            }
            report_detail::write_json_text(out, j, 1);
            return;
        }
        case report_format::csv:
            out << "model,flops";
            for (const auto& d : c.devices) out << ",predicted_time_s_" << d;
            out << '\n';
            for (const auto& row : c.rows) {
                out << fmt::format("{},{}", escape_invalid_utf8(row.model), row.flops);
                for (double t : row.gpu_time_s) out << fmt::format(",{:.6e}", t);
                out << '\n';
            }
            return;
        case report_format::markdown:
            out << "| model | GFLOP |";
            for (const auto& d : c.devices) out << ' ' << d << " |";
            out << "\n|---|---:|";
            for (std::size_t i = 0; i < c.devices.size(); ++i) out << "---:|";
            out << '\n';
            for (const auto& row : c.rows) {
                out << fmt::format("| {} | {:.2f} |", escape_invalid_utf8(row.model),
                                   static_cast<double>(row.flops) / 1e9);
                for (double t : row.gpu_time_s) out << ' ' << human_time(t) << " |";
                out << '\n';
            }
            return;
        case report_format::table:
            out << fmt::format("{:<28} {:>12}", "model", "GFLOP");
            for (const auto& d : c.devices) out << fmt::format(" {:>16}", d);
            out << '\n';
            for (const auto& row : c.rows) {
                out << fmt::format("{:<28} {:>12.2f}", escape_invalid_utf8(row.model),
                                   static_cast<double>(row.flops) / 1e9);
                for (double t : row.gpu_time_s) out << fmt::format(" {:>16}", human_time(t));
                out << '\n';
            }
            return;
    }
}

// ---- timing samples ---------------------------------------------------------------------------

namespace {

/** "MdAPE 12.3%, P90 |error| 30.1%, bias +4.5%". */
std::string error_summary(const error_statistics& s) {
    return fmt::format("MdAPE {}, P90 |error| {}, bias {}", percent(s.median_ape), percent(s.p90_ape),
                       signed_percent(s.bias));
}

std::size_t runs_within_25pct(const error_statistics& s) {
    return static_cast<std::size_t>(std::lround(s.within_25pct * static_cast<double>(s.count)));
}

}  // namespace

void write_sample_table(std::ostream& out, const std::vector<sample_row>& rows, const sample_summary& summary) {
    out << fmt::format("{:<14} {:<5} {:>5} {:>6} {:>12} {:>12} {:>8} {:>8}\n", "model", "dtype", "batch", "img/seq",
                       "measured", "predicted", "error", "kernels");
    for (const auto& r : rows) {
        out << fmt::format("{:<14} {:<5} {:>5} {:>6} {:>12} {:>12} {:>+7.1f}% {:>8}\n", r.run.model, r.run.prec.name,
                           r.run.batch, r.run.image ? r.run.image : r.run.sequence, human_time(r.run.measured_s),
                           human_time(r.predicted.gpu_time_s), 100 * r.error(), r.predicted.kernels.size());
    }
    const auto& s = summary.overall;
    out << fmt::format(
        "\n{} runs: median |error| (MdAPE) {}, P90 |error| {}, mean signed error (bias) {}, within 25%: {}\n", s.count,
        percent(s.median_ape), percent(s.p90_ape), signed_percent(s.bias), runs_within_25pct(s));
    for (const auto& [batch, b] : summary.by_batch) {
        out << fmt::format("  batch {:>4}: {:>3} runs, {}, within 25%: {}\n", batch, b.count, error_summary(b),
                           runs_within_25pct(b));
    }
}

void write_sample_fit(std::ostream& out, const leave_one_out& fit) {
    for (const auto& f : fit.fits) {
        out << fmt::format("fit without {:<13} matmul x{:.2f} vector x{:.2f} memory x{:.2f} fixed {}\n", f.model,
                           f.params.matmul_scale, f.params.vector_scale, f.params.memory_scale,
                           human_time(f.params.kernel_fixed_s));
    }
    out << fmt::format("leave-one-model-out calibrated: {} runs, {}\n", fit.errors.count, error_summary(fit.errors));
}

// ---- hardware specs ---------------------------------------------------------------------------

void write_hw_list(std::ostream& out, const std::vector<hw_list_entry>& entries) {
    out << fmt::format("{:<24} {:<34} {:<5} {:>9}  {:<25} {:>10}\n", "id", "name", "kind", "memory",
                       "peak TFLOPS (dense)", "DRAM");
    for (const auto& e : entries) {
        if (!e.spec) {
            out << fmt::format("{:<24} (does not load: {})\n", e.id, escape_invalid_utf8(e.error));
            continue;
        }
        const auto& h = *e.spec;
        // The highest dense peak, with its precision key.
        std::string peak = "-";
        double best = 0;
        for (const auto& [k, v] : h.peak_tflops) {
            if (v > best) {
                best = v;
                peak = fmt::format("{:.1f} {}", v, k);  // e.g. "989.5 fp16_tensor"
            }
        }
        out << fmt::format("{:<24} {:<34} {:<5} {:>9}  {:<25} {:>10}\n", e.id, escape_invalid_utf8(h.name), h.kind,
                           h.dram_capacity_gib > 0 ? fmt::format("{:g} GiB", h.dram_capacity_gib) : "-", peak,
                           h.dram_bandwidth_gbps > 0 ? fmt::format("{:g} GB/s", h.dram_bandwidth_gbps) : "-");
    }
}

void write_hw_spec(std::ostream& out, const hw_spec& h) {
    out << fmt::format("{} ({}) — {} {} {}\n", h.name, h.id, h.vendor, h.architecture, h.kind);
    if (h.sm_count) out << fmt::format("  SMs {}  boost {:.0f} MHz\n", h.sm_count, h.boost_clock_mhz);
    for (const auto& [k, v] : h.peak_tflops) out << fmt::format("  peak {:<12} {:>10.2f} TFLOPS (dense)\n", k, v);
    if (h.dram_capacity_gib > 0) out << fmt::format("  memory {:.0f} GiB\n", h.dram_capacity_gib);
    if (h.dram_bandwidth_gbps > 0) {
        out << fmt::format("  DRAM bandwidth {:.1f} GB/s\n", h.dram_bandwidth_gbps);
        for (const auto& [k, ridge] : ridge_points(h)) {
            out << fmt::format("  ridge point {:<12} {:>8.1f} FLOP/B\n", k, ridge);
        }
    }
    if (h.measured) {
        out << fmt::format("  measured ({}): DRAM {:.1f} GB/s", h.measured->method, h.measured->dram_bandwidth_gbps);
        for (const auto& [k, v] : h.measured->matmul_tflops) out << fmt::format(", {} {:.1f} TFLOPS", k, v);
        out << '\n';
    }
    for (const auto& d : h.derived) out << "  derived: " << d << '\n';
    for (const auto& s : h.sources) out << "  source: " << s << '\n';
}

}  // namespace ridgeline
