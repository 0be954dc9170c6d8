// Attribution of measured kernels to the model's layers (attribution.hpp, validate.hpp's file
// comment): by external correlation id, by enclosing ranges that name nodes, or by an
// order-preserving alignment of operation classes. The predicted side's classes come from the
// registry's operator kinds; the measured side's from framework op and kernel names.
#include "attribution.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <map>
#include <unordered_map>

namespace ridgeline::attribution_detail {

namespace {

/** "/layer1/layer1.0/conv1/Conv" → "layer1.0.conv1" (the PyTorch exporter's module scopes). */
std::string module_path(std::string_view name) {
    if (name.size() < 2 || name.front() != '/') return {};
    std::vector<std::string_view> segs;
    std::size_t pos = 1;
    while (pos <= name.size()) {
        const auto next = name.find('/', pos);
        const auto end = next == std::string_view::npos ? name.size() : next;
        segs.push_back(name.substr(pos, end - pos));
        pos = end + 1;
    }
    if (segs.size() < 2) return {};
    segs.pop_back();  // the op's own name
    std::string acc;
    std::string_view prev;
    for (auto seg : segs) {
        if (seg.empty()) continue;
        if (!acc.empty() && seg.size() > prev.size() + 1 && seg.substr(0, prev.size()) == prev &&
            seg[prev.size()] == '.') {
            acc += seg.substr(prev.size());  // "layer1" then "layer1.0": a container's child
        } else {
            if (!acc.empty()) acc += '.';
            acc += seg;
        }
        prev = seg;
    }
    return acc;
}

/** "layer1.0.relu_2" → "layer1.0.relu" (a repeated call's suffix); unchanged when there is none. */
std::string strip_call_suffix(const std::string& path) {
    const auto us = path.rfind('_');
    const auto dot = path.rfind('.');
    if (us == std::string::npos || (dot != std::string::npos && us < dot) || us + 1 >= path.size()) return path;
    if (!std::all_of(path.begin() + static_cast<std::ptrdiff_t>(us) + 1, path.end(),
                     [](char c) { return c >= '0' && c <= '9'; }))
        return path;
    return path.substr(0, us);
}

}  // namespace

/** True when the record lies in the range (see validate.hpp: launch for host ranges, device start for GPU ranges). */
bool inside(const kernel_record& r, const nvtx_range& g, bool allow_device_time_on_host) {
    if (g.gpu) {
        if (g.device >= 0 && r.device >= 0 && g.device != r.device) return false;
        return r.start_ns >= g.start_ns && r.start_ns <= g.end_ns;
    }
    if (r.launch) {
        if (g.thread_id >= 0 && r.launch->thread_id >= 0 && g.thread_id != r.launch->thread_id) return false;
        return r.launch->start_ns >= g.start_ns && r.launch->start_ns <= g.end_ns;
    }
    return allow_device_time_on_host && r.start_ns >= g.start_ns && r.start_ns <= g.end_ns;
}

double time_of(const context& c, const std::vector<long>& layer_of) {
    double s = 0;
    for (std::size_t i = 0; i < c.kernels.size(); ++i) {
        if (layer_of[i] != none) s += c.kernels[i]->duration_s();
    }
    return s;
}

double total_time(const context& c) {
    double s = 0;
    for (const auto* k : c.kernels) s += k->duration_s();
    return s;
}

std::vector<long> by_external_id(const context& c) {
    std::unordered_map<std::int64_t, long> layer_of_node;
    for (std::size_t i = 0; i < c.m.layers.size(); ++i) layer_of_node.emplace(c.m.layers[i].node, static_cast<long>(i));
    std::vector<long> out(c.kernels.size(), none);
    for (std::size_t i = 0; i < c.kernels.size(); ++i) {
        const auto& id = c.kernels[i]->external_id;
        if (!id || *id > static_cast<std::uint64_t>(std::numeric_limits<std::int32_t>::max())) continue;
        if (const auto it = layer_of_node.find(static_cast<std::int64_t>(*id)); it != layer_of_node.end())
            out[i] = it->second;
    }
    return out;
}

namespace {

/** Ranges sorted by start, with the running maximum of their ends (to stop backward walks early). */
struct range_index {
    std::vector<const nvtx_range*> ranges;
    std::vector<std::uint64_t> max_end;
    std::vector<long> entry;  // what each range stands for (an index into by_ranges' entries)

    void finish() {
        max_end.resize(ranges.size());
        std::uint64_t m = 0;
        for (std::size_t i = 0; i < ranges.size(); ++i) max_end[i] = m = std::max(m, ranges[i]->end_ns);
    }
    /** Innermost range enclosing `r` (per `inside`), or none. */
    long find(const kernel_record& r, std::uint64_t t, bool device_time_on_host) const {
        auto it = std::upper_bound(ranges.begin(), ranges.end(), t,
                                   [](std::uint64_t v, const nvtx_range* g) { return v < g->start_ns; });
        for (auto i = static_cast<std::ptrdiff_t>(it - ranges.begin()) - 1; i >= 0; --i) {
            const auto u = static_cast<std::size_t>(i);
            if (max_end[u] < t) break;
            if (inside(r, *ranges[u], device_time_on_host)) return entry[u];
        }
        return none;
    }
};

// ---- sequence alignment ----------------------------------------------------------------------

enum class op_class { conv, gemm, attention, norm, pool, softmax, reduce, layout, copy, elementwise, other };

bool contains(const std::string& s, std::initializer_list<const char*> words) {
    return std::any_of(words.begin(), words.end(), [&](const char* w) { return s.find(w) != std::string::npos; });
}

std::string lowered(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    return s;
}

/**
 * Class of a layer's kernel from the registry's kind of its operator (`layer_cost::kind`), refined
 * where one kind spans kernel families a trace tells apart: convolutions among matmul-class
 * operators, softmax among normalisations, global pooling among reductions.
 */
op_class class_of(const layer_cost& l) {
    const std::string_view op = l.op_type;
    const auto has = [&](std::string_view word) { return op.find(word) != std::string_view::npos; };
    switch (l.kind) {
        case op_kind::matmul:
            return has("Conv") ? op_class::conv : op == "Attention" ? op_class::attention : op_class::gemm;
        case op_kind::normalization:
            return op.ends_with("max") ? op_class::softmax : op_class::norm;
        case op_kind::pooling:
            return op_class::pool;
        case op_kind::reduction:
            return has("Pool") ? op_class::pool : op_class::reduce;
        case op_kind::data_movement:
            return op_class::copy;
        case op_kind::view:
        case op_kind::elementwise:
        case op_kind::control:
            return op_class::elementwise;
    }
    return op_class::elementwise;
}

/**
 * Class of a predicted kernel from the efficiency class the cost model timed it with (a fused
 * attention, the NCHW↔NHWC conversions, a batch norm folded into a convolution …); a reduction
 * takes its layer's class (global pooling is a pool to frameworks).
 */
op_class class_of(const model_cost& m, const kernel_prediction& k) {
    switch (k.cls) {
        case kernel_class::gemm:
        case kernel_class::gemm_unaligned:
            return op_class::gemm;
        case kernel_class::conv:
        case kernel_class::conv_generic:
        case kernel_class::conv_first_layer:
        case kernel_class::conv_depthwise:
        case kernel_class::conv_depthwise_cudnn:
        case kernel_class::conv_grouped_direct:
            return op_class::conv;
        case kernel_class::layout_conversion:
        case kernel_class::filter_conversion:
            return op_class::layout;
        case kernel_class::attention:
            return op_class::attention;
        case kernel_class::copy:
        case kernel_class::gather:
            return op_class::copy;
        case kernel_class::layernorm:
        case kernel_class::batchnorm:
            return op_class::norm;
        case kernel_class::softmax:
            return op_class::softmax;
        case kernel_class::pooling:
            return op_class::pool;
        case kernel_class::reduction:
            return k.layers.empty() ? op_class::reduce : class_of(m.layers[k.layers.front()]);
        case kernel_class::elementwise:
        case kernel_class::automatic:
            break;
    }
    return op_class::elementwise;
}

/** Class of a measured kernel from its framework op (aten::…) when known, else its kernel name. */
op_class class_of_kernel(const kernel_record& r) {
    if (!r.op.empty()) {
        const auto op = lowered(r.op);
        if (contains(op, {"conv"})) return op_class::conv;
        if (contains(op, {"attention", "sdpa", "flash"})) return op_class::attention;
        if (contains(op, {"aten::mm", "aten::addmm", "aten::bmm", "aten::baddbmm", "aten::matmul", "aten::linear",
                          "aten::einsum", "aten::addbmm", "scaled_mm"})) {
            return op_class::gemm;
        }
        if (contains(op, {"norm"})) return op_class::norm;
        if (contains(op, {"pool"})) return op_class::pool;
        if (contains(op, {"softmax"})) return op_class::softmax;
        if (contains(op, {"aten::sum", "aten::mean", "aten::amax", "aten::amin", "aten::argmax", "aten::argmin",
                          "aten::max", "aten::min", "aten::topk", "aten::prod"})) {
            return op_class::reduce;
        }
        if (contains(op, {"aten::cat", "aten::copy_", "aten::contiguous", "aten::clone", "aten::index", "aten::gather",
                          "aten::pad", "aten::constant_pad", "aten::transpose", "aten::permute", "aten::upsample",
                          "aten::embedding", "aten::slice", "aten::expand", "aten::repeat"})) {
            return op_class::copy;
        }
        if (op.rfind("aten::", 0) == 0) return op_class::elementwise;
    }
    const auto n = lowered(r.name);
    if (contains(n, {"nchwtonhwc", "nhwctonchw", "nchw2nhwc", "nhwc2nchw", "nchwtonhwc", "transpose_nchw",
                     "convert_layout"})) {
        return op_class::layout;
    }
    if (contains(n, {"flash", "fmha", "attention", "attn"})) return op_class::attention;
    if (contains(n, {"batch_norm", "batchnorm", "bn_fw", "bn_bw", "layer_norm", "layernorm", "group_norm", "groupnorm",
                     "instance_norm", "rms_norm", "rmsnorm"})) {
        return op_class::norm;
    }
    if (contains(n, {"conv", "fprop", "dgrad", "wgrad", "winograd", "implicit_gemm", "implicit_convolve", "fft2d",
                     "im2col"})) {
        return op_class::conv;
    }
    if (contains(n, {"gemm", "gemv", "cutlass", "nvjet", "xmma", "cublas", "matmul", "dot_kernel"}))
        return op_class::gemm;
    if (contains(n, {"pool"})) return op_class::pool;
    if (contains(n, {"softmax"})) return op_class::softmax;
    if (contains(n, {"reduce", "reduction"})) return op_class::reduce;
    if (contains(n, {"transpose", "copy", "cat_", "catarray", "gather", "index", "pad", "upsample", "scatter",
                     "embedding"})) {
        return op_class::copy;
    }
    if (contains(n, {"elementwise", "vectorized", "unrolled", "pointwise", "triton_poi", "relu", "gelu", "silu", "add",
                     "mul", "tanh", "sigmoid", "clamp", "fill"})) {
        return op_class::elementwise;
    }
    return op_class::other;
}

/** 3: the classes agree; 2: the kernel plausibly implements the predicted class; 0: no. */
int match_score(op_class predicted, op_class measured) {
    if (predicted == measured) return 3;
    switch (predicted) {
        case op_class::conv:
            return measured == op_class::gemm || measured == op_class::layout || measured == op_class::other ? 2 : 0;
        case op_class::attention:
            return measured == op_class::gemm || measured == op_class::softmax || measured == op_class::elementwise ||
                           measured == op_class::copy
                       ? 2
                       : 0;
        case op_class::norm:
            return measured == op_class::elementwise || measured == op_class::reduce || measured == op_class::other ? 2
                                                                                                                    : 0;
        case op_class::pool:
            return measured == op_class::reduce || measured == op_class::other ? 2 : 0;
        case op_class::reduce:
            return measured == op_class::elementwise || measured == op_class::other ? 2 : 0;
        case op_class::softmax:
            return measured == op_class::reduce || measured == op_class::other ? 2 : 0;
        case op_class::copy:
            return measured == op_class::elementwise || measured == op_class::other ? 2 : 0;
        case op_class::elementwise:
            return measured == op_class::copy || measured == op_class::other ? 2 : 0;
        case op_class::gemm:
            return measured == op_class::other ? 2 : 0;
        case op_class::layout:
            return measured == op_class::copy ? 2 : 0;
        case op_class::other:
            return 2;
    }
    return 0;
}

/**
 * Whether a further kernel of score `s` may join a predicted kernel that already has one: kernels of
 * its own class always; merely compatible ones only where one op really launches several kernels
 * (a conv with conversions or a split-K reduction, attention, a normalisation). A stray copy is
 * thus left unattributed rather than piled onto the elementwise node next to it.
 */
bool may_join(op_class predicted, int s) {
    // Pointwise and copy kernels are one kernel each: a second kernel there is a stray, not part of it.
    if (predicted == op_class::elementwise || predicted == op_class::copy) return false;
    return s == 3 || predicted == op_class::conv || predicted == op_class::attention || predicted == op_class::norm;
}

/**
 * Aligns measured kernels `meas` (classes) with predicted kernels `pred`, order preserved; returns,
 * per measured kernel, the predicted index or none. A dynamic programme over (kernels consumed i,
 * predicted kernel j open, whether j already holds a kernel): a kernel may skip (unattributed), join
 * the open predicted kernel, or the pointer may advance. A match scores 4 × match_score, plus 1 for
 * the first kernel of a predicted kernel, so that one-to-one pairings beat piling kernels onto one
 * node while a conv with its conversion kernels still joins them. Ties prefer earlier nodes.
 */
std::vector<long> align(const std::vector<op_class>& pred, const std::vector<op_class>& meas) {
    const std::size_t n = meas.size(), p = pred.size();
    std::vector<long> out(n, none);
    if (n == 0 || p == 0) return out;
    constexpr std::size_t max_cells = std::size_t{32} << 20;
    if ((n + 1) * p > max_cells) {
        // Greedy fallback for very long sequences: look a few predicted kernels ahead for a match.
        std::size_t j = 0;
        for (std::size_t i = 0; i < n && j < p; ++i) {
            int best = 0;
            std::size_t at = j;
            for (std::size_t k = j; k < std::min(p, j + 8); ++k) {
                const int s = match_score(pred[k], meas[i]);
                if (s > best) {
                    best = s;
                    at = k;
                }
                if (s == 3) break;
            }
            if (best > 0) out[i] = static_cast<long>(j = at);
        }
        return out;
    }
    constexpr std::int32_t lost = std::numeric_limits<std::int32_t>::min() / 4;
    // Layer 0: j holds no kernel yet; layer 1: it holds at least one.
    std::vector<std::int32_t> prev0(p), prev1(p), cur0(p), cur1(p);
    std::vector<std::uint8_t> how0((n + 1) * p, 0), how1((n + 1) * p, 0);
    // how0: 0 skip kernel (from layer 0), 1 advance from layer 0, 2 advance from layer 1.
    // how1: 0 skip kernel (from layer 1), 1 first kernel of j (from layer 0), 2 join j (from layer 1).
    for (std::size_t j = 0; j < p; ++j) {
        prev0[j] = 0;
        prev1[j] = lost;
        how0[j] = j > 0 ? 1 : 0;
    }
    for (std::size_t i = 1; i <= n; ++i) {
        for (std::size_t j = 0; j < p; ++j) {
            const int s = match_score(pred[j], meas[i - 1]);
            std::int32_t best1 = prev1[j];  // skip, staying in layer 1
            std::uint8_t h1 = 0;
            if (s > 0) {
                const std::int32_t first = prev0[j] + 4 * s + 1;
                const std::int32_t join = may_join(pred[j], s) ? prev1[j] + 4 * s : lost;
                if (first >= best1 && first >= join) {
                    best1 = first;
                    h1 = 1;
                } else if (join >= best1) {
                    best1 = join;
                    h1 = 2;
                }
            }
            cur1[j] = best1;
            how1[i * p + j] = h1;
            std::int32_t best0 = prev0[j];  // skip, staying in layer 0
            std::uint8_t h0 = 0;
            if (j > 0) {
                if (cur0[j - 1] >= best0) {
                    best0 = cur0[j - 1];
                    h0 = 1;
                }
                if (cur1[j - 1] > best0) {  // on a tie the kernel went to an earlier node (layer 0)
                    best0 = cur1[j - 1];
                    h0 = 2;
                }
            }
            cur0[j] = best0;
            how0[i * p + j] = h0;
        }
        std::swap(prev0, cur0);
        std::swap(prev1, cur1);
    }
    std::size_t i = n, j = p - 1;
    int layer = prev1[p - 1] > prev0[p - 1] ? 1 : 0;
    while (i > 0) {
        if (layer == 1) {
            const auto h = how1[i * p + j];
            if (h != 0) out[i - 1] = static_cast<long>(j);
            layer = h == 1 ? 0 : 1;
            --i;
        } else {
            const auto h = how0[i * p + j];
            if (h == 0) {
                --i;
            } else {
                layer = h == 2 ? 1 : 0;
                --j;
            }
        }
    }
    return out;
}

/**
 * Range attribution (validate.hpp). The layers a range name stands for are those whose name, module
 * path or module path without a call suffix equals it (kernel-launching layers first). When the name
 * occurs, per pass, as often as it has layers (or a multiple), the k-th occurrence stands for the k-th
 * layer (a module called three times for three Relu nodes). Otherwise each occurrence stands for all
 * of them (an attention module whose forward holds MatMul, Softmax, MatMul), and the kernels inside
 * one occurrence are aligned to those layers by operation class.
 */

}  // namespace

std::vector<long> by_ranges(const context& c) {
    std::unordered_map<std::string, std::vector<std::size_t>> kernel_layers, other_layers;
    for (std::size_t i = 0; i < c.m.layers.size(); ++i) {
        const auto& l = c.m.layers[i];
        std::vector<std::string> keys{l.name};
        if (auto path = module_path(l.name); !path.empty()) {
            keys.push_back(path);
            keys.push_back(strip_call_suffix(path));
        }
        std::sort(keys.begin(), keys.end());
        keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
        for (const auto& k : keys) (l.is_kernel() ? kernel_layers : other_layers)[k].push_back(i);
    }
    const auto layers_of = [&](const std::string& name) -> const std::vector<std::size_t>* {
        if (const auto it = kernel_layers.find(name); it != kernel_layers.end()) return &it->second;
        if (const auto it = other_layers.find(name); it != other_layers.end()) return &it->second;
        return nullptr;
    };

    // Occurrences per pass: within the first window's pass when there are windows, else all / passes.
    std::map<std::pair<std::string, bool>, std::size_t> total, first_pass;
    const std::uint64_t pass_begin = c.windows.empty() ? 0 : c.windows.front()->start_ns;
    const std::uint64_t pass_end =
        c.windows.size() > 1 ? c.windows[1]->start_ns : std::numeric_limits<std::uint64_t>::max();
    for (const auto* gp : c.ranges) {
        const auto& g = *gp;
        if (!layers_of(g.name)) continue;
        ++total[{g.name, g.gpu}];
        if (g.start_ns >= pass_begin && g.start_ns < pass_end) ++first_pass[{g.name, g.gpu}];
    }
    const auto per_pass = [&](const std::pair<std::string, bool>& key) {
        if (!c.windows.empty()) return static_cast<double>(first_pass[key]);
        return static_cast<double>(total[key]) / c.passes;
    };

    // One entry per range occurrence: the layers it stands for.
    std::vector<std::vector<std::size_t>> entries;
    std::map<std::pair<std::string, bool>, std::size_t> seen;  // host and GPU occurrences counted apart
    range_index host, gpu;
    for (const auto* gp : c.ranges) {  // by start time
        const auto& g = *gp;
        const auto* layers = layers_of(g.name);
        if (!layers) continue;
        const std::pair<std::string, bool> key{g.name, g.gpu};
        const auto k = seen[key]++;
        const double q = per_pass(key);
        const auto n = static_cast<double>(layers->size());
        const bool cyclic = layers->size() == 1 || (q >= n && std::fmod(q, n) == 0);
        entries.push_back(cyclic ? std::vector<std::size_t>{(*layers)[k % layers->size()]} : *layers);
        auto& idx = g.gpu ? gpu : host;
        idx.ranges.push_back(&g);
        idx.entry.push_back(static_cast<long>(entries.size() - 1));
    }
    host.finish();
    gpu.finish();

    // Each kernel to the innermost range naming a node; then layers within each occurrence.
    std::vector<long> entry_of(c.kernels.size(), none);
    for (std::size_t i = 0; i < c.kernels.size(); ++i) {
        const auto& r = *c.kernels[i];
        long e = none;
        if (r.launch) e = host.find(r, r.launch->start_ns, false);
        if (e == none) e = gpu.find(r, r.start_ns, false);
        if (e == none && !r.launch) e = host.find(r, r.start_ns, true);
        entry_of[i] = e;
    }
    std::vector<long> out(c.kernels.size(), none);
    std::map<long, std::vector<std::size_t>> kernels_of_entry;
    for (std::size_t i = 0; i < c.kernels.size(); ++i) {
        if (entry_of[i] == none) continue;
        const auto& layers = entries[static_cast<std::size_t>(entry_of[i])];
        if (layers.size() == 1) {
            out[i] = static_cast<long>(layers.front());
        } else {
            kernels_of_entry[entry_of[i]].push_back(i);
        }
    }
    for (const auto& [e, kernels] : kernels_of_entry) {
        const auto& layers = entries[static_cast<std::size_t>(e)];
        std::vector<op_class> pred, meas;
        for (auto l : layers) pred.push_back(class_of(c.m.layers[l]));
        for (auto i : kernels) meas.push_back(class_of_kernel(*c.kernels[i]));
        const auto a = align(pred, meas);
        for (std::size_t k = 0; k < kernels.size(); ++k) {
            if (a[k] != none) out[kernels[k]] = static_cast<long>(layers[static_cast<std::size_t>(a[k])]);
        }
    }
    return out;
}

std::vector<long> by_sequence(const context& c) {
    std::vector<op_class> pred;
    pred.reserve(c.p.kernels.size());
    for (const auto& k : c.p.kernels) pred.push_back(class_of(c.m, k));
    std::vector<long> out(c.kernels.size(), none);
    const auto assign = [&](std::size_t first, std::size_t last, int repeat) {
        std::vector<op_class> meas;
        for (std::size_t i = first; i < last; ++i) meas.push_back(class_of_kernel(*c.kernels[i]));
        std::vector<op_class> seq;
        for (int r = 0; r < repeat; ++r) seq.insert(seq.end(), pred.begin(), pred.end());
        const auto a = align(seq, meas);
        for (std::size_t i = first; i < last; ++i) {
            const long k = a[i - first];
            if (k != none && !pred.empty()) {
                const auto& layers = c.p.kernels[static_cast<std::size_t>(k) % pred.size()].layers;
                if (!layers.empty()) out[i] = static_cast<long>(layers.front());
            }
        }
    };
    if (!c.windows.empty()) {
        // One alignment per window (measured pass): kernels are sorted, so each window is a run.
        std::size_t i = 0;
        for (const auto* w : c.windows) {
            while (i < c.kernels.size() && !inside(*c.kernels[i], *w, true)) ++i;
            std::size_t j = i;
            while (j < c.kernels.size() && inside(*c.kernels[j], *w, true)) ++j;
            assign(i, j, 1);
            i = j;
        }
    } else {
        assign(0, c.kernels.size(), std::max(1, static_cast<int>(std::lround(c.passes))));
    }
    return out;
}

}  // namespace ridgeline::attribution_detail
