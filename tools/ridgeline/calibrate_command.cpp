// `ridgeline calibrate`: fits a device's efficiency curves to a microbenchmark file
// (calibrate.hpp) and writes them into the spec's measured.efficiency section.
#include "commands.hpp"

#include "ridgeline/calibrate.hpp"
#include "ridgeline/error.hpp"
#include "ridgeline/report.hpp"

#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>

namespace ridgeline::cli {
namespace {

struct calibrate_args {
    std::string from, hw, out, date;
    bool rows = false;
};

std::string today() {
    const auto now = std::chrono::system_clock::now();
    const std::chrono::year_month_day d{std::chrono::floor<std::chrono::days>(now)};
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()), static_cast<unsigned>(d.month()),
                  static_cast<unsigned>(d.day()));
    return buf;
}

int run_calibrate(const calibrate_args& a) {
    // The spec named by --hw stays writable: -o hwspecs/ID.yaml is how a refit is stored.
    if (!a.out.empty()) refuse_overwrite("-o", a.out, {a.from});
    const auto mb = load_microbench(a.from);
    const auto hw = load_hw_ceilings(a.hw);  // its old curves may be stale or malformed: not read
    const auto fit = calibrate_curves(mb, hw, {.date = a.date.empty() ? today() : a.date});
    write_curve_fit(a.out == "-" ? std::cerr : std::cout, mb, fit, a.rows);
    if (a.out.empty()) return 0;
    const auto text = with_efficiency_section(hw.path, fit.table);
    if (a.out == "-") {
        std::cout << text;
        return 0;
    }
    std::ofstream f(a.out);
    if (!f) throw usage_error("-o " + a.out + ": cannot write");
    f << text;
    std::cerr << "wrote " << a.out << " (" << hw.path << " with measured.efficiency replaced)\n";
    return 0;
}

}  // namespace

std::vector<command> add_calibrate_command(CLI::App& app) {
    auto a = std::make_shared<calibrate_args>();
    auto* c = app.add_subcommand("calibrate", "fit a device's efficiency curves to single-operator microbenchmarks");
    c->add_option("--from", a->from, "microbenchmark file (format of h200_microbench.json; scripts/microbench.py)")
        ->required();
    c->add_option("--hw", a->hw, "the spec whose measured ceilings the curves refer to")->required();
    c->add_option("-o,--output", a->out, "write the spec with its measured.efficiency section replaced (- = stdout)");
    c->add_option("--date", a->date, "when the microbenchmarks ran (default: today)");
    c->add_flag("--rows", a->rows, "also print every row, predicted against measured");
    return {{c, [a] { return run_calibrate(*a); }}};
}

}  // namespace ridgeline::cli
