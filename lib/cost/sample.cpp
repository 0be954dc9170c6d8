// Timing samples (sample.hpp): reading, predicting through the pipeline, statistics, and the
// leave-one-model-out calibration.
#include "ridgeline/sample.hpp"

#include "ridgeline/error.hpp"
#include "ridgeline/onnx_import.hpp"
#include "ridgeline/pipeline.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <set>

namespace ridgeline {

timing_sample_file load_timing_sample(const std::string& path) {
    std::ifstream f(path);
    if (!f) throw error(path + ": cannot open");
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(f);
    } catch (const nlohmann::json::exception& e) {
        throw error(path + ": not JSON: " + e.what());
    }
    timing_sample_file s;
    s.path = path;
    std::size_t i = 0;
    try {
        s.device = j.value("device", std::string());
        for (const auto& run : j.at("runs")) {
            sample_run r;
            r.model = run.at("model").get<std::string>();
            r.prec = parse_precision(run.at("dtype").get<std::string>() == "float16" ? "fp16" : "fp32");
            r.batch = run.at("batch").get<std::int64_t>();
            r.image = run.value("image", std::int64_t{0});
            r.sequence = run.value("seq", std::int64_t{0});
            r.measured_s = run.at("kernel_sum_us").get<double>() * 1e-6;
            s.runs.push_back(std::move(r));
            ++i;
        }
    } catch (const nlohmann::json::exception& e) {
        throw error(path + ": runs[" + std::to_string(i) + "]: " + e.what());
    }
    return s;
}

std::string zoo_graph_path(const std::string& zoo_dir, const std::string& model) {
    const auto eager = std::filesystem::path(zoo_dir) / (model + "_eager.onnx");
    if (std::filesystem::exists(eager)) return eager.string();
    return (std::filesystem::path(zoo_dir) / (model + ".onnx")).string();
}

std::vector<sample_row> predict_sample(const timing_sample_file& sample, const std::string& zoo_dir, const hw_spec& hw,
                                       const cost_model_params& params) {
    std::map<std::string, graph> graphs;  // each model loaded once, re-bound per run
    std::vector<sample_row> rows;
    for (const auto& run : sample.runs) {
        auto it = graphs.find(run.model);
        if (it == graphs.end()) it = graphs.emplace(run.model, load_onnx(zoo_graph_path(zoo_dir, run.model))).first;
        graph& g = it->second;
        model_request r;
        r.path = g.path;
        r.prec = run.prec;
        r.devices = {hw};
        r.params = params;
        r.shapes.batch = run.batch;
        if (run.sequence) r.shapes.symbols["sequence"] = run.sequence;
        if (run.image) {
            if (g.inputs.empty()) throw error(g.path + ": the model has no graph input for the image size");
            const auto& input = g.values[static_cast<std::size_t>(g.inputs[0])].name;
            r.shapes.input_shapes[input] = {run.batch, 3, run.image, run.image};
        }
        auto p = predict_model(std::move(g), r);
        g = std::move(p.g);
        rows.push_back({run, std::move(p.devices.front().latency)});
    }
    return rows;
}

sample_summary summarize_sample(const std::vector<sample_row>& rows) {
    std::vector<double> predicted, measured;
    std::map<std::int64_t, std::pair<std::vector<double>, std::vector<double>>> by_batch;
    for (const auto& r : rows) {
        predicted.push_back(r.predicted.gpu_time_s);
        measured.push_back(r.run.measured_s);
        auto& [p, m] = by_batch[r.run.batch];
        p.push_back(r.predicted.gpu_time_s);
        m.push_back(r.run.measured_s);
    }
    sample_summary s;
    s.overall = compare_errors(predicted, measured);
    for (const auto& [batch, pm] : by_batch) s.by_batch.emplace(batch, compare_errors(pm.first, pm.second));
    return s;
}

leave_one_out leave_one_model_out(const std::vector<sample_row>& rows) {
    std::set<std::string> models;
    for (const auto& r : rows) models.insert(r.run.model);
    leave_one_out out;
    std::vector<double> predicted, measured;
    for (const auto& held : models) {
        std::vector<timing_sample> train;
        for (const auto& r : rows) {
            if (r.run.model != held) train.push_back({r.predicted, r.run.measured_s});
        }
        const auto params = calibrate(train, {});
        for (const auto& r : rows) {
            if (r.run.model != held) continue;
            predicted.push_back(rescaled_gpu_time_s(r.predicted, params));
            measured.push_back(r.run.measured_s);
        }
        out.fits.push_back({held, params});
    }
    out.errors = compare_errors(predicted, measured);
    return out;
}

}  // namespace ridgeline
