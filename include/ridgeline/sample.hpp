/**
 * @file sample.hpp
 * Timing samples: whole-model kernel times measured elsewhere (the format of
 * `../shared/measurements/h100_pytorch_eager.json`) against the latency model (cost layer,
 * `lib/cost`). A sample is read once, each run's model is taken from a zoo folder and predicted
 * through `predict_model`, and the errors are summarised with the statistics of stats.hpp, overall
 * and by batch size. `leave_one_model_out` calibrates the model (`calibrate`) on all models but
 * one and predicts the one left out, for each model in turn: how well a fit transfers.
 *
 * @code
 * auto sample = ridgeline::load_timing_sample("../shared/measurements/h100_pytorch_eager.json");
 * auto rows = ridgeline::predict_sample(sample, "../shared/zoo", ridgeline::load_hw("h100-sxm"));
 * auto s = ridgeline::summarize_sample(rows);
 * std::cout << "MdAPE " << 100 * s.overall.median_ape << "%, bias " << 100 * s.overall.bias << "%\n";
 * @endcode
 */
#pragma once

#include "ridgeline/cost_model.hpp"
#include "ridgeline/hardware.hpp"
#include "ridgeline/precision.hpp"
#include "ridgeline/stats.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ridgeline {

/** One measured run of a timing sample. */
struct sample_run {
    std::string model;         /**< Model name: the zoo graph's stem ("resnet50"). */
    precision prec;            /**< "fp16" for float16 runs, else "fp32". */
    std::int64_t batch = 0;    /**< Batch size. */
    std::int64_t image = 0;    /**< Square image size (0: not given). */
    std::int64_t sequence = 0; /**< Sequence length (0: not given). */
    double measured_s = 0;     /**< Summed kernel time per pass (`kernel_sum_us`). */
};

/** A timing sample file. */
struct timing_sample_file {
    std::string path;             /**< Where it was read from. */
    std::string device;           /**< The device it was measured on, as the file names it. */
    std::vector<sample_run> runs; /**< Its runs, in file order. */
};

/**
 * Reads a sample: `{"device", "runs": [{"model", "dtype", "batch", "image"?, "seq"?,
 * "kernel_sum_us"}]}`. Throws `error` naming the file (and the run and key) when it cannot be
 * read or a field is missing or of the wrong type.
 * @code auto s = ridgeline::load_timing_sample("h100_pytorch_eager.json"); @endcode
 */
timing_sample_file load_timing_sample(const std::string& path);

/**
 * The graph a sample's model is predicted on: `<zoo>/<model>_eager.onnx` when the folder has it
 * (batch norm as its own kernel, as PyTorch eager runs it), else `<zoo>/<model>.onnx`.
 * @code ridgeline::zoo_graph_path("../shared/zoo", "resnet50") // ".../resnet50_eager.onnx" @endcode
 */
std::string zoo_graph_path(const std::string& zoo_dir, const std::string& model);

/** A run and its prediction. */
struct sample_row {
    sample_run run;               /**< The measured run. */
    latency_prediction predicted; /**< Its prediction (unit scales unless `params` said otherwise). */
    /** (predicted − measured) / measured. */
    [[nodiscard]] double error() const noexcept {
        return run.measured_s > 0 ? (predicted.gpu_time_s - run.measured_s) / run.measured_s : 0.0;
    }
};

/**
 * Predicts every run of a sample on `hw` (graphs from `zoo_dir`, see zoo_graph_path; the first
 * input becomes [batch, 3, image, image] when the run gives an image size, `sequence` is bound to
 * its sequence length).
 * @code auto rows = ridgeline::predict_sample(sample, "../shared/zoo", h100); @endcode
 */
std::vector<sample_row> predict_sample(const timing_sample_file& sample, const std::string& zoo_dir, const hw_spec& hw,
                                       const cost_model_params& params = {});

/** Error statistics of a sample's predictions. */
struct sample_summary {
    error_statistics overall;                          /**< Over every run. */
    std::map<std::int64_t, error_statistics> by_batch; /**< Per batch size. */
};

/** compare_errors over the rows, overall and per batch size. @code auto s = summarize_sample(rows); @endcode */
sample_summary summarize_sample(const std::vector<sample_row>& rows);

/** The calibration fitted without one model's runs. */
struct held_out_fit {
    std::string model;        /**< The model left out. */
    cost_model_params params; /**< Fitted on the other models' runs. */
};

/** Leave-one-model-out calibration of a sample. */
struct leave_one_out {
    std::vector<held_out_fit> fits; /**< One per model, in name order. */
    error_statistics errors;        /**< Every run predicted by the fit that did not see its model. */
};

/**
 * For each model: calibrates on the other models' runs (`calibrate`), then predicts the model's own
 * runs with that fit (`rescaled_gpu_time_s`). Rows must carry unit-scale predictions.
 * @code auto cv = ridgeline::leave_one_model_out(rows); double mdape = cv.errors.median_ape; @endcode
 */
leave_one_out leave_one_model_out(const std::vector<sample_row>& rows);

}  // namespace ridgeline
