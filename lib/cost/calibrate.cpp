// Fitting efficiency curves to single-operator microbenchmarks (calibrate.hpp). Each row becomes
// a one-node graph that goes through kernel formation, residency and curve timing exactly as a
// model does; Levenberg–Marquardt (Eigen) fits the curves' figures to ln(predicted/measured).
#include "ridgeline/calibrate.hpp"

#include "model.hpp"
#include "ridgeline/error.hpp"
#include "ridgeline/shape.hpp"

#include <fmt/format.h>
#include <Eigen/Dense>
#include <nlohmann/json.hpp>
#include <unsupported/Eigen/NonLinearOptimization>
#include <unsupported/Eigen/NumericalDiff>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <set>

namespace ridgeline {

namespace {

using nlohmann::json;

// ---- rows as one-node graphs ------------------------------------------------------------------

class row_graph {
public:
    explicit row_graph(const std::string& name) {
        g_.path = name;
        g_.opsets[""] = 17;
    }
    void input(const std::string& name, dtype t, const std::vector<std::int64_t>& dims) {
        auto& v = slot(name);
        v.is_graph_input = true;
        v.type = v.declared_type = t;
        v.dims = v.declared = shape(dims.begin(), dims.end());
        g_.inputs.push_back(g_.find_value(name));
    }
    void weight(const std::string& name, dtype t, const std::vector<std::int64_t>& dims) {
        auto& v = slot(name);
        v.is_initializer = true;
        v.external_data = true;
        v.type = t;
        v.dims = shape(dims.begin(), dims.end());
        g_.initializers.push_back(g_.find_value(name));
    }
    node& op(const std::string& type, const std::vector<std::string>& ins, const std::string& out) {
        node n;
        n.op_type = type;
        n.name = "/" + type;
        for (const auto& i : ins) n.inputs.push_back(g_.intern_value(i));
        n.outputs.push_back(g_.intern_value(out));
        n.index = static_cast<std::int32_t>(g_.nodes.size());
        g_.nodes.push_back(std::move(n));
        g_.outputs = {g_.find_value(out)};
        return g_.nodes.back();
    }
    static void ints(node& n, const std::string& name, std::vector<std::int64_t> v) {
        attribute a;
        a.name = name;
        a.type = attribute::kind::ints;
        a.ints = std::move(v);
        n.attributes.push_back(std::move(a));
    }
    static void integer(node& n, const std::string& name, std::int64_t v) {
        attribute a;
        a.name = name;
        a.type = attribute::kind::i;
        a.i = v;
        n.attributes.push_back(std::move(a));
    }
    graph done() {
        g_.relink();
        return std::move(g_);
    }

private:
    ridgeline::value& slot(const std::string& name) {
        return g_.values[static_cast<std::size_t>(g_.intern_value(name))];
    }
    graph g_;
};

std::int64_t dim_of(const microbench_row& r, const char* key) { return r.dims.at(key); }

/** The one-node graph of a row (tensors typed fp32; half-precision rows re-type at analysis). */
graph graph_of(const microbench_row& r) {
    const auto f = dtype::f32;
    row_graph b(r.describe());
    const auto& op = r.op;
    if (op == "matmul" || op == "bmm_qk") {
        const bool batched = op == "bmm_qk";
        std::vector<std::int64_t> a{dim_of(r, "m"), dim_of(r, "k")}, w{dim_of(r, "k"), dim_of(r, "n")};
        if (batched) {
            a.insert(a.begin(), dim_of(r, "batch"));
            w.insert(w.begin(), dim_of(r, "batch"));
        }
        b.input("a", f, a);
        b.input("b", f, w);
        b.op("MatMul", {"a", "b"}, "y");
    } else if (op == "decode_qk" || op == "decode_pv") {
        // One decode step's attention products over a cache of past + 1 tokens: q · Kᵀ with Kᵀ a
        // transposed view of the cache, and the softmax row · V.
        const auto bh = dim_of(r, "batch"), tokens = checked_add(dim_of(r, "past"), 1), d = dim_of(r, "d");
        if (op == "decode_qk") {
            b.input("q", f, {bh, 1, d});
            b.input("k", f, {bh, tokens, d});
            auto& t = b.op("Transpose", {"k"}, "kt");
            row_graph::ints(t, "perm", {0, 2, 1});
            b.op("MatMul", {"q", "kt"}, "y");
        } else {
            b.input("p", f, {bh, 1, tokens});
            b.input("v", f, {bh, tokens, d});
            b.op("MatMul", {"p", "v"}, "y");
        }
    } else if (op == "cat_kv" || op == "cat_kv_strided") {
        // The cache extended by one token (the graph is the same whether the new token is contiguous
        // or a strided view; PyTorch picks a different kernel, which the rows measure).
        const auto batch = dim_of(r, "batch"), heads = dim_of(r, "heads"), d = dim_of(r, "d");
        b.input("cache", f, {batch, heads, dim_of(r, "past"), d});
        b.input("new", f, {batch, heads, 1, d});
        auto& n = b.op("Concat", {"cache", "new"}, "y");
        row_graph::integer(n, "axis", 2);
    } else if (op == "conv2d") {
        const auto k = dim_of(r, "kernel"), s = dim_of(r, "stride"), g = dim_of(r, "groups");
        const auto cin = dim_of(r, "cin"), cout = dim_of(r, "cout"), hw = dim_of(r, "hw");
        b.input("x", f, {dim_of(r, "batch"), cin, hw, hw});
        b.weight("w", f, {cout, cin / g, k, k});
        b.weight("bias", f, {cout});
        auto& n = b.op("Conv", {"x", "w", "bias"}, "y");
        const std::int64_t pad = k == s ? 0 : k / 2;  // same-size convs; patch embeddings (k = stride) unpadded
        row_graph::ints(n, "kernel_shape", {k, k});
        row_graph::ints(n, "strides", {s, s});
        row_graph::ints(n, "pads", {pad, pad, pad, pad});
        row_graph::integer(n, "group", g);
    } else if (op == "add") {
        b.input("x", f, {dim_of(r, "elements")});
        b.input("z", f, {dim_of(r, "elements")});
        b.op("Add", {"x", "z"}, "y");
    } else if (op == "relu" || op == "gelu") {
        b.input("x", f, {dim_of(r, "elements")});
        auto& n = b.op(op == "relu" ? "Relu" : "Gelu", {"x"}, "y");
        (void)n;
    } else if (op == "mul_scalar") {
        b.input("x", f, {dim_of(r, "elements")});
        b.weight("s", f, {});
        b.op("Mul", {"x", "s"}, "y");
    } else if (op == "copy") {
        // x.clone(): a contiguous device-to-device copy streams like any one-input pointwise kernel
        // (the copy class is for strided layout copies, which run about half as fast).
        b.input("x", f, {dim_of(r, "elements")});
        auto& n = b.op("Cast", {"x"}, "y");
        row_graph::integer(n, "to", 1);
    } else if (op == "transpose_contiguous") {
        b.input("x", f, {dim_of(r, "batch"), dim_of(r, "seq"), dim_of(r, "d")});
        auto& n = b.op("Transpose", {"x"}, "y");
        row_graph::ints(n, "perm", {0, 2, 1});
    } else if (op == "embedding") {
        b.weight("table", f, {50257, dim_of(r, "d")});
        b.input("ids", dtype::i64, {dim_of(r, "batch"), dim_of(r, "seq")});
        b.op("Gather", {"table", "ids"}, "y");
    } else if (op == "layernorm") {
        b.input("x", f, {dim_of(r, "rows"), dim_of(r, "d")});
        b.weight("scale", f, {dim_of(r, "d")});
        b.weight("bias", f, {dim_of(r, "d")});
        auto& n = b.op("LayerNormalization", {"x", "scale", "bias"}, "y");
        row_graph::integer(n, "axis", -1);
    } else if (op == "softmax") {
        b.input("x", f, {dim_of(r, "rows"), dim_of(r, "d")});
        auto& n = b.op("Softmax", {"x"}, "y");
        row_graph::integer(n, "axis", -1);
    } else {
        const auto c = dim_of(r, "c"), hw = dim_of(r, "hw");
        b.input("x", f, {dim_of(r, "batch"), c, hw, hw});
        if (op == "batchnorm_eval") {
            for (const char* p : {"scale", "bias", "mean", "var"}) b.weight(p, f, {c});
            b.op("BatchNormalization", {"x", "scale", "bias", "mean", "var"}, "y");
        } else if (op == "maxpool3x3s2") {
            auto& n = b.op("MaxPool", {"x"}, "y");
            row_graph::ints(n, "kernel_shape", {3, 3});
            row_graph::ints(n, "strides", {2, 2});
            row_graph::ints(n, "pads", {1, 1, 1, 1});
        } else {  // global_avgpool
            b.op("GlobalAveragePool", {"x"}, "y");
        }
    }
    graph g = b.done();
    if (r.op == "gelu") g.opsets[""] = 20;  // Gelu is an opset-20 operator
    return g;
}

/** A row's kernels and their accesses' reuse distances, formed once. */
struct prepared_row {
    std::size_t index = 0;
    bool half = false;
    std::vector<cost::planned_kernel> kernels;
    cost::access_distances distances;
};

prepared_row prepare(const microbench_row& r, std::size_t index) {
    prepared_row p;
    p.index = index;
    p.half = r.precision != dtype::f32;
    graph g = graph_of(r);
    const auto report = infer_shapes(g);
    if (!report.ok()) throw usage_error("microbenchmark row " + r.describe() + ": its graph does not infer");
    const auto m = analyze(g, {.float_override = p.half ? r.precision : dtype::undefined});
    p.kernels = cost::form_kernels(g, m, {.precision = r.precision});
    p.distances = cost::reuse_distances(p.kernels);
    return p;
}

double predict_row(const prepared_row& p, const cost::device_model& d) {
    double t = 0;
    for (std::size_t k = 0; k < p.kernels.size(); ++k) {
        const auto& spec = p.kernels[k].spec;
        t += static_cast<double>(std::max<std::int64_t>(1, spec.launches)) *
             cost::time_kernel(spec, p.distances.bytes[k], d).time_s();
    }
    return t;
}

// ---- the parameters -------------------------------------------------------------------------

enum class field { compute, memory, half, k_half, fixed };

/** Which figures a class fits when it has rows, and the class it takes the others from. */
struct class_plan {
    kernel_class cls;
    kernel_class parent;
    std::vector<field> fitted;
};

const std::vector<class_plan>& plans() {
    using K = kernel_class;
    using F = field;
    static const std::vector<class_plan> p{
        {K::elementwise, K::elementwise, {F::compute, F::memory, F::fixed}},
        {K::copy, K::elementwise, {F::memory, F::fixed}},
        {K::gather, K::copy, {F::memory, F::fixed}},
        {K::reduction, K::elementwise, {F::memory, F::half, F::fixed}},
        {K::layernorm, K::elementwise, {F::memory, F::half, F::fixed}},
        {K::softmax, K::layernorm, {F::memory, F::half, F::fixed}},
        {K::batchnorm, K::elementwise, {F::memory, F::half, F::fixed}},
        {K::pooling, K::elementwise, {F::compute, F::memory, F::fixed}},
        {K::layout_conversion, K::copy, {F::memory, F::fixed}},
        {K::filter_conversion, K::layout_conversion, {F::memory, F::fixed}},
        {K::gemm, K::gemm, {F::compute, F::memory, F::half, F::k_half, F::fixed}},
        {K::gemm_unaligned, K::gemm, {F::compute, F::fixed}},
        {K::conv, K::gemm, {F::compute, F::half, F::k_half, F::fixed}},
        {K::conv_generic, K::conv, {F::compute, F::half, F::fixed}},
        {K::conv_first_layer, K::conv_generic, {F::compute, F::fixed}},
        {K::conv_depthwise, K::elementwise, {F::compute, F::memory, F::half, F::fixed}},
        {K::conv_depthwise_cudnn, K::conv_depthwise, {F::compute, F::memory, F::fixed}},
        {K::conv_grouped_direct, K::conv_depthwise, {F::fixed}},
        {K::attention, K::gemm, {}},
    };
    return p;
}

double& field_of(efficiency_curve& c, field f) {
    switch (f) {
        case field::compute:
            return c.compute_fraction;
        case field::memory:
            return c.memory_fraction;
        case field::half:
            return c.half_elements;
        case field::k_half:
            return c.k_half_elements;
        case field::fixed:
            break;
    }
    return c.fixed_us;
}

/** Starting point of a fit, and the value of a figure nothing informs. */
efficiency_curve start_curve(kernel_class c) {
    efficiency_curve e{0.8, 0.9, 0, 0, 2.0, 0, 0};
    switch (c) {
        case kernel_class::gemm:
        case kernel_class::gemm_unaligned:
        case kernel_class::conv:
        case kernel_class::conv_generic:
        case kernel_class::conv_first_layer:
        case kernel_class::attention:
            e.half_elements = 16;
            e.k_half_elements = 32;
            e.memory_fraction = 1.0;
            break;
        case kernel_class::reduction:
        case kernel_class::layernorm:
        case kernel_class::softmax:
        case kernel_class::batchnorm:
            e.half_elements = 64;
            break;
        default:
            break;
    }
    return e;
}

/** Bounds of each figure (the fit runs on logarithms, clamped to these). */
std::pair<double, double> bounds(field f) {
    switch (f) {
        case field::compute:
        case field::memory:
            return {0.01, 4.0};
        case field::half:
        case field::k_half:
            return {1e-3, 1e6};
        case field::fixed:
            break;
    }
    return {0.05, 200.0};
}

/** The optimiser's variable for a figure: a logistic in log space, so every value stays inside
 *  its bounds and the gradient never vanishes at a clamp. */
double from_theta(double theta, field f) {
    const auto [lo, hi] = bounds(f);
    const double s = 1 / (1 + std::exp(-theta));
    return std::exp(std::log(lo) + (std::log(hi) - std::log(lo)) * s);
}

double to_theta(double value, field f) {
    const auto [lo, hi] = bounds(f);
    const double s = std::clamp((std::log(value) - std::log(lo)) / (std::log(hi) - std::log(lo)), 1e-6, 1 - 1e-6);
    return std::log(s / (1 - s));
}

struct parameter {
    std::string precision;
    kernel_class cls;
    field f;
};

class fit_problem {
public:
    fit_problem(const microbench& mb, const std::vector<prepared_row>& rows, const hw_spec& hw) : mb_(mb), rows_(rows) {
        for (const auto& p : efficiency_precisions()) {
            const dtype precision = p == "fp16" ? dtype::f16 : dtype::f32;
            base_[p] = cost::make_device(hw, precision, false, cost::achievable_ceilings(hw, precision, false));
            for (const auto& cp : plans()) curves_[p][cp.cls] = start_curve(cp.cls);
        }
        // Classes each precision's rows exercise, and how many rows touch each.
        for (const auto& r : rows_) {
            const std::string p = r.half ? "fp16" : "fp32";
            std::set<kernel_class> seen;
            for (const auto& k : r.kernels) seen.insert(k.spec.cls);
            for (auto c : seen) ++row_count_[p][c];
        }
        for (const auto& p : efficiency_precisions()) {
            for (const auto& cp : plans()) {
                const auto n = row_count_[p][cp.cls];
                if (n == 0) continue;
                auto fitted = cp.fitted;
                // Never more free figures than rows: drop the finer ones first.
                for (field drop : {field::half, field::k_half, field::memory, field::compute}) {
                    if (static_cast<long>(fitted.size()) <= n) break;
                    std::erase(fitted, drop);
                }
                for (auto f : fitted) params_.push_back({p, cp.cls, f});
            }
        }
    }

    [[nodiscard]] int inputs() const { return static_cast<int>(params_.size()) + 2; }
    [[nodiscard]] int values() const { return static_cast<int>(rows_.size()); }

    /** A starting point; `half_scale` multiplies every half size (the fit runs from several). */
    Eigen::VectorXd start(double half_scale = 1) const {
        Eigen::VectorXd x(inputs());
        for (std::size_t i = 0; i < params_.size(); ++i) {
            const auto& p = params_[i];
            auto c = start_curve(p.cls);
            double v = field_of(c, p.f);
            if (p.f == field::half || p.f == field::k_half) v *= half_scale;
            x[static_cast<Eigen::Index>(i)] = to_theta(v, p.f);
        }
        x[inputs() - 2] = 0;  // resident up to half the L2
        x[inputs() - 1] = 0;  // evicted beyond 0.9 of it
        return x;
    }

    /** Curves for parameters x: fitted figures set, the rest taken from the parent class. */
    void apply(const Eigen::VectorXd& x) {
        for (const auto& p : efficiency_precisions()) {
            for (const auto& cp : plans()) curves_[p][cp.cls] = start_curve(cp.cls);
        }
        std::map<std::string, std::map<kernel_class, std::set<field>>> own;
        for (std::size_t i = 0; i < params_.size(); ++i) {
            const auto& p = params_[i];
            field_of(curves_[p.precision][p.cls], p.f) = from_theta(x[static_cast<Eigen::Index>(i)], p.f);
            own[p.precision][p.cls].insert(p.f);
        }
        // Figures a class does not fit come from its parent (plans() lists parents first).
        for (const auto& p : efficiency_precisions()) {
            for (const auto& cp : plans()) {
                if (cp.parent == cp.cls) continue;
                for (field f : {field::compute, field::memory, field::half, field::k_half, field::fixed}) {
                    if (own[p][cp.cls].count(f)) continue;
                    const auto& other = own[p][cp.parent];
                    const bool parent_knows = other.count(f) || row_count_[p][cp.parent] == 0 || true;
                    if (parent_knows) field_of(curves_[p][cp.cls], f) = field_of(curves_[p][cp.parent], f);
                }
            }
        }
        resident_ = 0.05 + 0.9 / (1 + std::exp(-x[inputs() - 2]));
        evicted_ = resident_ + 0.02 + 0.78 / (1 + std::exp(-x[inputs() - 1]));
    }

    cost::device_model device(const std::string& precision) const {
        auto d = base_.at(precision);
        d.curves = curves_.at(precision);
        d.l2_resident_fraction = resident_;
        d.l2_evicted_fraction = evicted_;
        return d;
    }

    double predicted(const prepared_row& r) const { return predict_row(r, device(r.half ? "fp16" : "fp32")); }

    void residuals(const Eigen::VectorXd& x, Eigen::VectorXd& f) {
        apply(x);
        const auto d32 = device("fp32");
        const auto d16 = device("fp16");
        for (std::size_t i = 0; i < rows_.size(); ++i) {
            const auto& r = rows_[i];
            const double t = predict_row(r, r.half ? d16 : d32);
            f[static_cast<Eigen::Index>(i)] = std::log(std::max(t, 1e-12) / mb_.rows[r.index].kernel_s);
        }
    }

    const std::map<std::string, std::map<kernel_class, efficiency_curve>>& curves() const { return curves_; }
    [[nodiscard]] double resident() const { return resident_; }
    [[nodiscard]] double evicted() const { return evicted_; }
    [[nodiscard]] long rows_touching(const std::string& p, kernel_class c) const {
        const auto it = row_count_.find(p);
        if (it == row_count_.end()) return 0;
        const auto jt = it->second.find(c);
        return jt == it->second.end() ? 0 : jt->second;
    }

private:
    const microbench& mb_;
    const std::vector<prepared_row>& rows_;
    std::vector<parameter> params_;
    std::map<std::string, cost::device_model> base_;
    std::map<std::string, std::map<kernel_class, efficiency_curve>> curves_;
    std::map<std::string, std::map<kernel_class, long>> row_count_;
    double resident_ = 0.5, evicted_ = 0.9;
};

/** Eigen's functor protocol for Levenberg–Marquardt with a numerical Jacobian. */
struct lm_functor {
    using Scalar = double;
    enum { InputsAtCompileTime = Eigen::Dynamic, ValuesAtCompileTime = Eigen::Dynamic };
    using InputType = Eigen::VectorXd;
    using ValueType = Eigen::VectorXd;
    using JacobianType = Eigen::MatrixXd;
    fit_problem* problem;
    [[nodiscard]] int inputs() const { return problem->inputs(); }
    [[nodiscard]] int values() const { return problem->values(); }
    int operator()(const Eigen::VectorXd& x, Eigen::VectorXd& f) const {
        problem->residuals(x, f);
        return 0;
    }
};

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const auto n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::string precision_key(dtype t) { return t == dtype::f32 ? "fp32" : "fp16"; }

}  // namespace

std::string microbench_row::describe() const {
    std::string s = op + " " + std::string(precision == dtype::f32 ? "fp32" : dtype_name(precision));
    for (const auto& [k, v] : dims) s += fmt::format(" {}={}", k, v);
    return s;
}

const std::map<std::string, std::vector<std::string>>& microbench_ops() {
    static const std::map<std::string, std::vector<std::string>> ops{
        {"matmul", {"m", "n", "k"}},
        {"bmm_qk", {"batch", "m", "n", "k"}},
        {"decode_qk", {"batch", "past", "d"}},
        {"decode_pv", {"batch", "past", "d"}},
        {"cat_kv", {"batch", "heads", "past", "d"}},
        {"cat_kv_strided", {"batch", "heads", "past", "d"}},
        {"conv2d", {"batch", "cin", "cout", "hw", "kernel", "stride", "groups"}},
        {"add", {"elements"}},
        {"relu", {"elements"}},
        {"gelu", {"elements"}},
        {"mul_scalar", {"elements"}},
        {"copy", {"elements"}},
        {"batchnorm_eval", {"batch", "c", "hw"}},
        {"maxpool3x3s2", {"batch", "c", "hw"}},
        {"global_avgpool", {"batch", "c", "hw"}},
        {"layernorm", {"rows", "d"}},
        {"softmax", {"rows", "d"}},
        {"transpose_contiguous", {"batch", "seq", "d"}},
        {"embedding", {"batch", "seq", "d"}},
    };
    return ops;
}

microbench load_microbench(const std::string& path) {
    std::ifstream f(path);
    if (!f) throw trace_error(path, "", "cannot open the file");
    json j;
    try {
        j = json::parse(f);
    } catch (const json::exception& e) {
        throw trace_error(path, "", std::string("not valid JSON: ") + e.what());
    }
    if (!j.is_object() || !j.contains("rows") || !j["rows"].is_array())
        throw trace_error(path, "", "expects an object with a 'rows' array (the format of h200_microbench.json)");
    microbench mb;
    mb.path = path;
    auto text = [&](const char* key) {
        return j.contains(key) ? (j[key].is_string() ? j[key].get<std::string>() : j[key].dump()) : std::string();
    };
    mb.device = text("device");
    mb.software = "torch " + text("torch") + ", cuDNN " + text("cudnn");
    mb.settings = text("settings");
    const auto& ops = microbench_ops();
    for (std::size_t i = 0; i < j["rows"].size(); ++i) {
        const auto& r = j["rows"][i];
        const std::string where = fmt::format("rows[{}]", i);
        if (!r.is_object()) throw trace_error(path, where, "a row must be an object");
        microbench_row row;
        if (!r.contains("op") || !r["op"].is_string()) throw trace_error(path, where, "'op' is missing");
        row.op = r["op"].get<std::string>();
        const auto op = ops.find(row.op);
        if (op == ops.end()) {
            std::string known;
            for (const auto& [k, v] : ops) known += (known.empty() ? "" : ", ") + k;
            throw trace_error(path, where + " ('" + row.op + "')", "unknown op (known: " + known + ")");
        }
        const std::string what = where + " ('" + row.op + "')";
        const std::string dt = r.contains("dtype") && r["dtype"].is_string() ? r["dtype"].get<std::string>() : "";
        if (dt.ends_with("float32"))
            row.precision = dtype::f32;
        else if (dt.ends_with("float16") && !dt.ends_with("bfloat16"))
            row.precision = dtype::f16;
        else if (dt.ends_with("bfloat16"))
            row.precision = dtype::bf16;
        else
            throw trace_error(path, what, "'dtype' must be float32, float16 or bfloat16, got '" + dt + "'");
        if (!r.contains("kernel_us") || !r["kernel_us"].is_number())
            throw trace_error(path, what, "'kernel_us' is missing or not a number");
        const double us = r["kernel_us"].get<double>();
        if (!std::isfinite(us) || us <= 0)
            throw trace_error(path, what, fmt::format("'kernel_us' must be positive, got {}", us));
        row.kernel_s = us * 1e-6;
        row.kernels = r.contains("kernels") && r["kernels"].is_number() ? r["kernels"].get<double>() : 0;
        for (const auto& key : op->second) {
            if (!r.contains(key) || !r[key].is_number_integer())
                throw trace_error(path, what, "'" + key + "' is missing or not an integer");
            const auto v = r[key].get<std::int64_t>();
            if (v <= 0) throw trace_error(path, what, fmt::format("'{}' must be positive, got {}", key, v));
            row.dims[key] = v;
        }
        if (row.op == "conv2d" &&
            (row.dims["cin"] % row.dims["groups"] != 0 || row.dims["cout"] % row.dims["groups"] != 0))
            throw trace_error(path, what, "'groups' must divide 'cin' and 'cout'");
        if (r.contains("by_kernel_us") && r["by_kernel_us"].is_object()) {
            for (const auto& [name, t] : r["by_kernel_us"].items())
                if (t.is_number()) row.by_kernel_s[name] = t.get<double>() * 1e-6;
        }
        mb.rows.push_back(std::move(row));
    }
    return mb;
}

double predict_microbench_row(const microbench_row& row, const hw_spec& hw) {
    const auto p = prepare(row, 0);
    const auto roof = cost::achievable_ceilings(hw, row.precision, false);
    auto d = cost::make_device(hw, row.precision, false, roof);
    return predict_row(p, d);
}

curve_fit calibrate_curves(const microbench& mb, const hw_spec& hw, const calibrate_options& options) {
    std::vector<prepared_row> rows;
    for (std::size_t i = 0; i < mb.rows.size(); ++i) rows.push_back(prepare(mb.rows[i], i));
    for (const auto& p : efficiency_precisions()) {
        const bool any =
            std::any_of(rows.begin(), rows.end(), [&](const auto& r) { return (r.half ? "fp16" : "fp32") == p; });
        if (!any) throw usage_error(mb.path + ": no " + p + " rows; the curves need both fp32 and fp16 (or bf16) rows");
    }
    fit_problem problem(mb, rows, hw);
    lm_functor functor{&problem};
    Eigen::NumericalDiff<lm_functor> diff(functor);
    // The curves have kinks (waves, tile choices) and the half sizes span decades: run
    // Levenberg–Marquardt from several starting half sizes, and keep the best.
    Eigen::VectorXd best;
    double best_norm = std::numeric_limits<double>::infinity();
    int iterations = 0;
    Eigen::VectorXd residual(problem.values());
    for (double half_scale : {1.0, 10.0, 100.0, 0.1}) {
        Eigen::LevenbergMarquardt<Eigen::NumericalDiff<lm_functor>> lm(diff);
        lm.parameters.maxfev = options.max_function_evaluations;
        lm.parameters.factor = 1;  // modest first steps
        lm.parameters.ftol = 1e-10;
        lm.parameters.xtol = 1e-10;
        Eigen::VectorXd x = problem.start(half_scale);
        lm.minimize(x);
        iterations += static_cast<int>(lm.iter);
        problem.residuals(x, residual);
        if (residual.squaredNorm() < best_norm) {
            best_norm = residual.squaredNorm();
            best = x;
        }
    }
    const Eigen::VectorXd x = best;
    problem.residuals(x, residual);

    curve_fit out;
    out.iterations = iterations;
    auto& t = out.table;
    t.date = options.date.empty() ? "unknown" : options.date;
    t.source = mb.path + " (" + mb.device + "; " + mb.software + ")";
    t.method =
        "ridgeline calibrate: every row run as a one-node graph through kernel formation, L2 residency and "
        "the curves; Levenberg-Marquardt on ln(predicted/measured), both precisions at once. Classes "
        "without rows take a related class's figures (fit_rows 0): attention and unaligned GEMMs from gemm, "
        "cuDNN's generic and first-layer convolutions from conv, grouped-direct from depthwise";
    t.l2_resident_fraction = problem.resident();
    t.l2_evicted_fraction = problem.evicted();
    t.curves = problem.curves();
    std::map<std::string, std::map<kernel_class, std::vector<double>>> per_class;
    std::map<std::string, std::vector<double>> per_op;
    std::vector<double> all;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& r = rows[i];
        const auto& row = mb.rows[r.index];
        microbench_fit_row fr;
        fr.row = r.index;
        fr.measured_s = row.kernel_s;
        fr.predicted_s = problem.predicted(r);
        const double e = std::abs(residual[static_cast<Eigen::Index>(i)]);
        std::set<kernel_class> classes;
        for (const auto& k : r.kernels) {
            fr.kernels += std::max<std::int64_t>(1, k.spec.launches);
            classes.insert(k.spec.cls);
        }
        fr.classes.assign(classes.begin(), classes.end());
        const std::string p = precision_key(row.precision);
        for (auto c : classes) per_class[p][c].push_back(e);
        per_op[row.op + " " + p].push_back(e);
        all.push_back(e);
        out.rows.push_back(std::move(fr));
    }
    for (auto& [p, classes] : t.curves) {
        for (auto& [c, curve] : classes) {
            const auto it = per_class[p].find(c);
            curve.fit_rows = it == per_class[p].end() ? 0 : static_cast<std::int64_t>(it->second.size());
            curve.fit_median_abs_log_ratio = it == per_class[p].end() ? 0 : median(it->second);
        }
    }
    for (const auto& [op, v] : per_op) out.by_op[op] = median(v);
    out.median_abs_log_ratio = median(all);
    return out;
}

}  // namespace ridgeline
