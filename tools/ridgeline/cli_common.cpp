// What the subcommands share (commands.hpp): model options → a pipeline request, device lists,
// measurement statuses.
#include "commands.hpp"

#include "ridgeline/error.hpp"
#include "ridgeline/hardware.hpp"
#include "ridgeline/precision.hpp"
#include "ridgeline/report.hpp"
#include "ridgeline/units.hpp"

#include <charconv>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <sstream>

namespace ridgeline::cli {

const CLI::Validator& positive_integer() {
    static const CLI::Validator v(
        [](std::string& text) -> std::string {
            std::int64_t n = 0;
            const auto* end = text.data() + text.size();
            const auto [p, ec] = std::from_chars(text.data(), end, n);
            if (ec == std::errc::result_out_of_range) return "'" + text + "' is out of range (at most 2^63 - 1)";
            if (ec != std::errc() || p != end || text.empty()) return "'" + text + "' is not an integer";
            if (n <= 0) return "must be positive, got " + text;
            return {};
        },
        "N>0", "positive integer");
    return v;
}

const CLI::Validator& percentage() {
    static const CLI::Validator v(
        [](std::string& text) -> std::string {
            double x = 0;
            std::size_t used = 0;
            try {
                x = std::stod(text, &used);
            } catch (const std::exception&) {
                return "'" + text + "' is not a number";
            }
            if (used != text.size()) return "'" + text + "' is not a number";
            if (!std::isfinite(x) || x <= 0 || x > 100) return "must be a percentage in (0, 100], got " + text;
            return {};
        },
        "K in (0,100]", "percentage");
    return v;
}

const CLI::Validator& precision_name() {
    static const CLI::Validator v(
        [](std::string& text) -> std::string {
            if (text.empty()) return "must name a precision (fp32, tf32, fp16, bf16, fp8, int8), got ''";
            try {
                (void)parse_precision(text);
            } catch (const error& e) {
                return escape_invalid_utf8(e.what());
            }
            return {};
        },
        "PRECISION", "precision");
    return v;
}

const CLI::Validator& format_name() {
    static const CLI::Validator v(
        [](std::string& text) -> std::string {
            try {
                (void)parse_report_format(text);
            } catch (const error& e) {
                return escape_invalid_utf8(e.what());
            }
            return {};
        },
        "FORMAT", "format");
    return v;
}

const CLI::Validator& not_empty() {
    static const CLI::Validator v(
        [](std::string& text) -> std::string { return text.empty() ? "must not be empty" : ""; }, "TEXT", "not empty");
    return v;
}

void refuse_overwrite(const std::string& flag, const std::string& output, const std::vector<std::string>& inputs) {
    namespace fs = std::filesystem;
    if (output == "-") return;
    std::error_code ec;
    for (const auto& in : inputs) {
        if (in.empty()) continue;
        const bool same = fs::exists(output, ec) ? fs::equivalent(output, in, ec)
                                                 : fs::weakly_canonical(output, ec) == fs::weakly_canonical(in, ec);
        if (same) {
            throw usage_error(flag + " " + output + ": that is an input of this command (" + in +
                              "); refusing to overwrite it (write elsewhere, or -o - for stdout)");
        }
    }
}

void print_analysis_findings(const std::string& path, const model_cost& m) {
    for (const auto& d : m.diagnostics) {
        if (d.level != severity::error) continue;
        std::cerr << "warning: " << escape_invalid_utf8(path) << ": " << escape_invalid_utf8(d.message)
                  << " (counted as unknown)\n";
    }
}

int report_status(const char* command, const measure_status& s) {
    std::cerr << "ridgeline " << command << ": " << measure_code_name(s.code) << ": " << s.message << '\n';
    return s.code == measure_code::not_supported || s.code == measure_code::no_device ? not_available_exit : 1;
}

void require_table_or_json(const std::string& format) {
    if (format != "table" && format != "json") {
        throw usage_error("--format: unknown format '" + format + "' (table or json)");
    }
}

shape_options make_shape_options(std::int64_t batch, const std::vector<std::string>& sets,
                                 const std::vector<std::string>& inputs) {
    shape_options o;
    o.batch = batch;
    o.strict = true;  // a --set of a symbol the model lacks, or a --batch with nothing to bind, is a usage error
    for (const auto& s : sets) o.symbols.insert(parse_binding(s));
    for (const auto& s : inputs) o.input_shapes.insert(parse_input_shape(s));
    return o;
}

void add_model_options(CLI::App* c, model_options& o, const std::string& dtype_help) {
    c->add_option("model", o.model, "ONNX model file")->required()->check(not_empty());
    c->add_option("--batch,-b", o.batch, "bind the batch symbol (and each input's leading symbolic dim)")
        ->check(positive_integer());
    c->add_option("--set", o.sets, "bind a symbol: NAME=N (repeatable)");
    c->add_option("--input", o.inputs, "override an input's shape: NAME=d0,d1,... (repeatable)");
    c->add_option("--dtype", o.dtype_text, dtype_help)->check(precision_name());
}

model_request make_request(const model_options& o) {
    model_request r;
    r.path = o.model;
    r.shapes = make_shape_options(o.batch, o.sets, o.inputs);
    r.prec = parse_precision(o.dtype_text);
    if (!o.hw.empty()) r.devices = {load_hw(o.hw)};
    r.on_diagnostic = [path = o.model](const diagnostic& d) {
        std::cerr << (d.level == severity::error ? "error: " : "warning: ") << escape_invalid_utf8(path) << ": "
                  << escape_invalid_utf8(d.message) << '\n';
    };
    return r;
}

std::vector<hw_spec> load_devices(const std::string& list) {
    std::vector<hw_spec> out;
    std::stringstream ss(list);
    std::string id;
    while (std::getline(ss, id, ',')) {
        if (!id.empty()) out.push_back(load_hw(id));
    }
    if (out.empty()) throw usage_error("--hw names no device");
    return out;
}

}  // namespace ridgeline::cli
