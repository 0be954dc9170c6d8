// Data-movement family, gathers, scatters and selections: Gather, GatherElements, GatherND,
// ScatterND, ScatterElements, Scatter, TensorScatter, NonZero, OneHot, Compress, Unique,
// NonMaxSuppression, TfIdfVectorizer. They copy bytes without arithmetic, so FLOPs are zero except:
//   NonZero, Compress, OneHot one compare/select per output element; Unique sorts:
//   E·ceil(log2 E) comparisons; NonMaxSuppression (B batches, C classes, N boxes, S boxes
//   selected in all) sorts every class, B·C·N·ceil(log2 N) vector, and compares each candidate
//   with the selected boxes: 10 vector (corners, overlap, areas) + 1 special (IoU division) per
//   pair, N·S pairs at most; TfIdfVectorizer looks up every n-gram candidate, E·(max_gram −
//   min_gram + 1)·(max_skip + 1) vector, + 1 vector per output (weighting).
// Data-dependent output sizes (NonZero, Compress, Unique, NonMaxSuppression) are exact when the
// input contents are known at analysis time, else the upper bound (every element selected or
// distinct; NonMaxSuppression B·C·min(max_output_boxes_per_class, N)).
// Bytes: Gather/GatherElements/GatherND read only the gathered elements of the data (output
// elements × element size) plus the indices; TensorScatter updates the cache in place: it reads
// the update (and write indices) and writes as many bytes. Gather on known contents (a Shape) is
// propagated.
#include "families.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <optional>
#include <string>

namespace ridgeline::ops {
namespace {

// ---- Gather family ------------------------------------------------------------------------

void infer_gather(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    const auto& idx = ctx.in_shape(1);
    const auto rank = static_cast<std::int64_t>(x.size());
    const auto axis = static_cast<std::size_t>(ctx.axis(ctx.n().attr_i("axis", 0), rank));
    shape out(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(axis));
    out.insert(out.end(), idx.begin(), idx.end());
    out.insert(out.end(), x.begin() + static_cast<std::ptrdiff_t>(axis) + 1, x.end());
    std::shared_ptr<const known_data> data;
    auto xs = numeric(x);
    auto is = numeric(idx);
    auto os = numeric(out);
    auto iv = ctx.in_ints(1);
    if (xs && is && os && iv && ctx.in_data(0)) {
        const std::int64_t axis_n = (*xs)[axis];
        const std::int64_t inner = product(*xs, axis + 1);
        const std::int64_t n_idx = product(*is);
        bool ok = true;
        for (auto& v : *iv) {
            if (v < 0) v += axis_n;
            if (v < 0 || v >= axis_n) ok = false;
        }
        if (!ok) ctx.fail("index out of range for axis of size " + std::to_string(axis_n));
        data = remap(ctx.in_data(0), product(*os), [&](std::int64_t i) {
            const std::int64_t in_inner = i % inner;
            const std::int64_t rest = i / inner;
            const std::int64_t j = rest % n_idx;
            const std::int64_t outer = rest / n_idx;
            return (outer * axis_n + (*iv)[static_cast<std::size_t>(j)]) * inner + in_inner;
        });
    }
    ctx.set_output(0, ctx.in_type(0), std::move(out), std::move(data));
}

void cost_gather(const cost_context& ctx, op_cost& c) {
    // Only the gathered rows of the data are read, plus the indices.
    const std::int64_t gathered = checked_mul(ctx.out_elements(0), ctx.in_element_bytes(0));
    const std::int64_t idx = ctx.in_bytes(1);
    c.bytes_read_weights = (ctx.in_is_weight(0) ? gathered : 0) + (ctx.in_is_weight(1) ? idx : 0);
    c.bytes_read_activations = (ctx.in_is_weight(0) ? 0 : gathered) + (ctx.in_is_weight(1) ? 0 : idx);
}

void infer_gather_elements(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    const auto& idx = ctx.in_shape(1);
    if (x.size() != idx.size()) ctx.fail("data and indices differ in rank");
    (void)ctx.axis(ctx.n().attr_i("axis", 0), static_cast<std::int64_t>(x.size()));
    ctx.set_output(0, ctx.in_type(0), idx);
}

void infer_gather_nd(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    const auto& idx = ctx.in_shape(1);
    const auto b = static_cast<std::size_t>(attr_i_at_least(ctx, "batch_dims", 0, 0));
    if (idx.empty() || !idx.back().is_value()) ctx.fail("last indices dimension must be known");
    if (idx.back().value() < 1) ctx.fail("last indices dimension must be at least 1");
    if (b >= idx.size() || b >= x.size()) ctx.fail("batch_dims must be less than the ranks of data and indices");
    const auto last = static_cast<std::size_t>(idx.back().value());
    if (last > x.size() - b) ctx.fail("indices address more axes than the data has");
    shape out(idx.begin(), idx.end() - 1);
    out.insert(out.end(), x.begin() + static_cast<std::ptrdiff_t>(b + last), x.end());
    ctx.set_output(0, ctx.in_type(0), std::move(out));
}

void infer_scatter_nd(infer_context& ctx) {
    (void)ctx.in_shape(1);
    (void)ctx.in_shape(2);
    std::shared_ptr<const known_data> data;
    auto xs = numeric(ctx.in_shape(0));
    auto is = numeric(ctx.in_shape(1));
    auto iv = ctx.in_ints(1);
    const auto* base = ctx.in_data(0);
    const auto* upd = ctx.in_data(2);
    if (xs && is && iv && base && upd && base->is_real == upd->is_real && !is->empty() &&
        ctx.n().attr_s("reduction", "none") == "none") {
        auto d = std::make_shared<known_data>(*base);
        const auto k = static_cast<std::size_t>(is->back());
        const std::int64_t slice = product(*xs, k);
        const std::int64_t rows = product(*is, 0, is->size() - 1);
        bool ok = k <= xs->size();
        for (std::int64_t r = 0; r < rows && ok; ++r) {
            std::int64_t off = 0;
            for (std::size_t j = 0; j < k; ++j) {
                std::int64_t v = (*iv)[static_cast<std::size_t>(r) * k + j];
                if (v < 0) v += (*xs)[j];
                off = off * (*xs)[j] + v;
            }
            off *= slice;
            for (std::int64_t e = 0; e < slice; ++e) {
                const auto dst = static_cast<std::size_t>(off + e);
                const auto src = static_cast<std::size_t>(r * slice + e);
                if (dst >= d->size() || src >= upd->size()) {
                    ok = false;
                    break;
                }
                if (d->is_real)
                    d->reals[dst] = upd->reals[src];
                else
                    d->ints[dst] = upd->ints[src];
            }
        }
        if (ok) data = d;
    }
    ctx.set_output(0, ctx.in_type(0), ctx.in_shape(0), std::move(data));
}

void infer_nonzero(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    const auto rank = static_cast<std::int64_t>(x.size());
    const auto* d = ctx.in_data(0);
    auto xs = numeric(x);
    if (d && xs) {
        std::vector<std::int64_t> hits;
        for (std::int64_t i = 0; i < static_cast<std::int64_t>(d->size()); ++i) {
            bool nz = false;
            if (d->is_real)
                nz = d->reals[static_cast<std::size_t>(i)] != 0.0;
            else {
                const auto& v = d->ints[static_cast<std::size_t>(i)];
                if (!v.is_value()) {
                    hits.clear();
                    d = nullptr;
                    break;
                }
                nz = v.value() != 0;
            }
            if (nz) hits.push_back(i);
        }
        if (d) {
            std::vector<dim> out(static_cast<std::size_t>(rank) * hits.size());
            for (std::size_t h = 0; h < hits.size(); ++h) {
                auto c = unravel(hits[h], *xs);
                for (std::size_t k = 0; k < c.size(); ++k) out[k * hits.size() + h] = dim(c[k]);
            }
            const auto n = static_cast<std::int64_t>(hits.size());
            ctx.set_output(0, dtype::i64, shape{dim(rank), dim(n)}, make_ints(std::move(out)));
            return;
        }
    }
    // Data-dependent: the count of non-zeros is bounded by the element count; use the bound.
    ctx.set_output(0, dtype::i64, shape{dim(rank), shape_elements(x)});
}

void infer_onehot(infer_context& ctx) {
    const auto& idx = ctx.in_shape(0);
    auto depth = ctx.in_ints(1);
    if (!depth || depth->size() != 1) ctx.unknown("depth");
    const auto rank = static_cast<std::int64_t>(idx.size()) + 1;
    const auto axis = static_cast<std::size_t>(ctx.axis(ctx.n().attr_i("axis", -1), rank));
    shape out = idx;
    out.insert(out.begin() + static_cast<std::ptrdiff_t>(axis), dim((*depth)[0]));
    ctx.set_output(0, ctx.in_type(2), std::move(out));
}

// ---- data-dependent selections -------------------------------------------------------------

/** Number of true elements among the first `limit` of known boolean/integer contents. */
std::optional<std::int64_t> count_true(const known_data* d, std::int64_t limit) {
    if (!d) return std::nullopt;
    std::int64_t n = 0;
    for (std::int64_t i = 0; i < limit && i < static_cast<std::int64_t>(d->size()); ++i) {
        const auto k = static_cast<std::size_t>(i);
        if (d->is_real)
            n += d->reals[k] != 0.0 ? 1 : 0;
        else if (!d->ints[k].is_value())
            return std::nullopt;
        else
            n += d->ints[k].value() != 0 ? 1 : 0;
    }
    return n;
}

void infer_compress(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    const auto& cond = ctx.in_shape(1);
    if (cond.size() != 1) ctx.fail("condition must be 1-D, got " + shape_to_string(cond));
    const bool flat = ctx.n().find("axis") == nullptr;
    shape out = flat ? shape{shape_elements(x)} : x;
    const std::size_t axis =
        flat ? 0 : static_cast<std::size_t>(ctx.axis(ctx.n().attr_i("axis", 0), static_cast<std::int64_t>(x.size())));
    const dim length = out[axis];
    // Only the first min(len(condition), length) entries select; the rest are dropped.
    if (length.is_value() && cond[0].is_value()) {
        const std::int64_t candidates = std::min(length.value(), cond[0].value());
        out[axis] = dim(count_true(ctx.in_data(1), candidates).value_or(candidates));  // else the bound
    } else {
        out[axis] = min(cond[0], length);
    }
    ctx.set_output(0, ctx.in_type(0), std::move(out));
}

/** Distinct slices along `axis` (or elements when flattened) of known contents. */
std::optional<std::int64_t> count_distinct(const known_data* d, const std::vector<std::int64_t>& s,
                                           std::optional<std::size_t> axis) {
    if (!d) return std::nullopt;
    const std::int64_t n = axis ? s[*axis] : product(s);
    const std::int64_t inner = axis ? product(s, *axis + 1) : 1;
    const std::int64_t outer = axis ? product(s, 0, *axis) : 1;
    auto element = [&](std::int64_t i) -> std::optional<double> {
        const auto k = static_cast<std::size_t>(i);
        if (k >= d->size()) return std::nullopt;
        if (d->is_real) return d->reals[k];
        if (!d->ints[k].is_value()) return std::nullopt;
        return static_cast<double>(d->ints[k].value());
    };
    std::vector<std::vector<double>> slices;
    for (std::int64_t j = 0; j < n; ++j) {
        std::vector<double> slice;
        for (std::int64_t o = 0; o < outer; ++o) {
            for (std::int64_t i = 0; i < inner; ++i) {
                auto v = element((o * n + j) * inner + i);
                if (!v) return std::nullopt;
                slice.push_back(*v);
            }
        }
        slices.push_back(std::move(slice));
    }
    std::sort(slices.begin(), slices.end());
    return static_cast<std::int64_t>(std::unique(slices.begin(), slices.end()) - slices.begin());
}

void infer_unique(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    std::optional<std::size_t> axis;
    if (ctx.n().find("axis"))
        axis = static_cast<std::size_t>(ctx.axis(ctx.n().attr_i("axis", 0), static_cast<std::int64_t>(x.size())));
    const dim length = axis ? x[*axis] : shape_elements(x);  // slices (or elements) to compare
    dim distinct = length;                                   // the bound: every one distinct
    auto xs = numeric(x);
    if (xs && product(*xs) <= static_cast<std::int64_t>(max_known_elements)) {
        if (auto n = count_distinct(ctx.in_data(0), *xs, axis)) distinct = dim(*n);
    }
    shape y = axis ? x : shape{distinct};
    if (axis) y[*axis] = distinct;
    ctx.set_output(0, ctx.in_type(0), std::move(y));
    ctx.set_output(1, dtype::i64, shape{distinct});  // indices of first occurrences
    ctx.set_output(2, dtype::i64, shape{length});    // inverse indices
    ctx.set_output(3, dtype::i64, shape{distinct});  // counts
}

void cost_unique(const cost_context& ctx, op_cost& c) {
    const auto e = ctx.in_elements(0);
    const auto depth = ceil_log2(e);
    c.flops_vector = checked_mul(e, depth);
}

void infer_tensor_scatter(infer_context& ctx) {
    const auto& cache = ctx.in_shape(0);
    const auto& update = ctx.in_shape(1);
    const auto rank = static_cast<std::int64_t>(cache.size());
    if (update.size() != cache.size())
        ctx.fail("update " + shape_to_string(update) + " and cache " + shape_to_string(cache) + " differ in rank");
    const auto axis = static_cast<std::size_t>(ctx.axis(ctx.n().attr_i("axis", -2), rank));
    if (axis == 0) ctx.fail("axis must not be the batch axis");
    for (std::size_t i = 0; i < cache.size(); ++i) {
        if (i == axis || !cache[i].is_value() || !update[i].is_value()) continue;
        if (cache[i].value() != update[i].value()) {
            ctx.fail("update " + shape_to_string(update) + " must match the cache " + shape_to_string(cache) +
                     " off the sequence axis");
        }
    }
    same_as_input(ctx);
}

void cost_tensor_scatter(const cost_context& ctx, op_cost& c) {  // in place: only the update moves
    const std::int64_t read = checked_add(ctx.in_bytes(1), ctx.in_bytes(2));
    c.bytes_read_weights = 0;
    c.bytes_read_activations = read;
    c.bytes_written = ctx.in_bytes(1);
}

// ---- NonMaxSuppression ----------------------------------------------------------------------

/** One scalar of known contents as a double, or nullopt. */
std::optional<double> scalar_of(const known_data* d) {
    if (!d || d->size() != 1) return std::nullopt;
    if (d->is_real) return d->reals[0];
    if (!d->ints[0].is_value()) return std::nullopt;
    return static_cast<double>(d->ints[0].value());
}

/** True when box b suppresses box a: IoU above the threshold (ONNX's reference, in float). */
bool suppresses(const float* a, const float* b, bool center_point, float iou_threshold) {
    float ax0, ax1, ay0, ay1, bx0, bx1, by0, by1;
    if (center_point) {  // [x_center, y_center, width, height]
        ax0 = a[0] - a[2] / 2;
        ax1 = a[0] + a[2] / 2;
        ay0 = a[1] - a[3] / 2;
        ay1 = a[1] + a[3] / 2;
        bx0 = b[0] - b[2] / 2;
        bx1 = b[0] + b[2] / 2;
        by0 = b[1] - b[3] / 2;
        by1 = b[1] + b[3] / 2;
    } else {  // [y1, x1, y2, x2], corners in either order
        ax0 = std::min(a[1], a[3]);
        ax1 = std::max(a[1], a[3]);
        ay0 = std::min(a[0], a[2]);
        ay1 = std::max(a[0], a[2]);
        bx0 = std::min(b[1], b[3]);
        bx1 = std::max(b[1], b[3]);
        by0 = std::min(b[0], b[2]);
        by1 = std::max(b[0], b[2]);
    }
    const float ix = std::min(ax1, bx1) - std::max(ax0, bx0);
    const float iy = std::min(ay1, by1) - std::max(ay0, by0);
    if (ix <= 0 || iy <= 0) return false;
    const float inter = ix * iy;
    const float area_a = (ax1 - ax0) * (ay1 - ay0);
    const float area_b = (bx1 - bx0) * (by1 - by0);
    const float uni = area_a + area_b - inter;
    if (area_a <= 0 || area_b <= 0 || uni <= 0) return false;
    return inter / uni > iou_threshold;
}

/** Boxes NonMaxSuppression selects, run on known contents, or nullopt when any is unknown. */
std::optional<std::int64_t> nms_selected(const infer_context& ctx, std::int64_t batches, std::int64_t classes,
                                         std::int64_t boxes_n, std::int64_t max_per_class) {
    const auto* boxes = ctx.in_data(0);
    const auto* scores = ctx.in_data(1);
    if (!boxes || !scores || !boxes->is_real || !scores->is_real) return std::nullopt;
    if (static_cast<std::int64_t>(boxes->size()) != batches * boxes_n * 4 ||
        static_cast<std::int64_t>(scores->size()) != batches * classes * boxes_n) {
        return std::nullopt;
    }
    float iou = 0;
    std::optional<float> score_threshold;
    if (ctx.has_input(3)) {
        auto v = scalar_of(ctx.in_data(3));
        if (!v) return std::nullopt;
        iou = static_cast<float>(*v);
    }
    if (ctx.has_input(4)) {
        auto v = scalar_of(ctx.in_data(4));
        if (!v) return std::nullopt;
        score_threshold = static_cast<float>(*v);
    }
    const bool center_point = ctx.n().attr_i("center_point_box", 0) != 0;
    const std::vector<float> box(boxes->reals.begin(), boxes->reals.end());
    std::int64_t selected = 0;
    for (std::int64_t b = 0; b < batches; ++b) {
        for (std::int64_t c = 0; c < classes; ++c) {
            std::vector<std::pair<float, std::int64_t>> candidates;  // (score, box), best first
            for (std::int64_t i = 0; i < boxes_n; ++i) {
                const auto score =
                    static_cast<float>(scores->reals[static_cast<std::size_t>((b * classes + c) * boxes_n + i)]);
                if (!score_threshold || score > *score_threshold) candidates.emplace_back(score, i);
            }
            std::stable_sort(candidates.begin(), candidates.end(),
                             [](const auto& x, const auto& y) { return x.first > y.first; });
            std::vector<std::int64_t> kept;
            for (const auto& [score, i] : candidates) {
                if (static_cast<std::int64_t>(kept.size()) >= max_per_class) break;
                const float* bi = box.data() + (b * boxes_n + i) * 4;
                const bool drop = std::any_of(kept.begin(), kept.end(), [&](std::int64_t k) {
                    return suppresses(bi, box.data() + (b * boxes_n + k) * 4, center_point, iou);
                });
                if (!drop) kept.push_back(i);
            }
            selected += static_cast<std::int64_t>(kept.size());
        }
    }
    return selected;
}

void infer_nms(infer_context& ctx) {
    const auto& boxes = ctx.in_shape(0);
    const auto& scores = ctx.in_shape(1);
    if (boxes.size() != 3 || scores.size() != 3) {
        ctx.fail("expects boxes [B, N, 4] and scores [B, C, N]; got " + shape_to_string(boxes) + " and " +
                 shape_to_string(scores));
    }
    std::int64_t max_per_class = 0;  // absent: no box is selected
    if (ctx.has_input(2)) {
        auto v = scalar_of(ctx.in_data(2));
        if (!v) ctx.unknown("max_output_boxes_per_class");
        max_per_class = std::max<std::int64_t>(0, static_cast<std::int64_t>(*v));
    }
    auto b = numeric(shape{boxes[0], scores[1], boxes[1]});
    dim rows = boxes[0] * scores[1] * min(boxes[1], dim(max_per_class));  // the bound
    if (b) {
        const std::int64_t batches = (*b)[0], classes = (*b)[1], n = (*b)[2];
        rows = dim(checked_mul(checked_mul(batches, classes), std::min(n, max_per_class)));
        if (auto exact = nms_selected(ctx, batches, classes, n, max_per_class)) rows = dim(*exact);
    }
    ctx.set_output(0, dtype::i64, shape{rows, dim(3)});
}

void cost_nms(const cost_context& ctx, op_cost& c) {
    const auto boxes = ctx.in(0);
    const auto scores = ctx.in(1);
    const std::int64_t n = boxes[1];
    const std::int64_t lists = checked_mul(scores[0], scores[1]);  // one sorted list per batch and class
    const auto depth = ceil_log2(n);
    const std::int64_t pairs = checked_mul(n, ctx.out(0)[0]);
    c.flops_vector = checked_add(checked_mul(checked_mul(lists, n), depth), checked_mul(pairs, 10));
    c.flops_special = pairs;
}

// ---- TfIdfVectorizer ----------------------------------------------------------------------

void infer_tfidf(infer_context& ctx) {
    const auto& x = ctx.in_shape(0);
    const auto indexes = attr_ints_at_least(ctx, "ngram_indexes", 0);
    if (indexes.empty()) ctx.fail("needs ngram_indexes");
    const auto min_gram = attr_i_at_least(ctx, "min_gram_length", 1, 1);
    (void)attr_i_at_least(ctx, "max_gram_length", 1, min_gram);
    (void)attr_i_at_least(ctx, "max_skip_count", 0, 0);
    const dim size(checked_add(*std::max_element(indexes.begin(), indexes.end()), 1));
    if (x.size() == 1)
        ctx.set_output(0, dtype::f32, shape{size});
    else if (x.size() == 2)
        ctx.set_output(0, dtype::f32, shape{x[0], size});
    else
        ctx.fail("expects [C] or [N, C], got " + shape_to_string(x));
}

void cost_tfidf(const cost_context& ctx, op_cost& c) {
    const std::int64_t lengths = checked_add(ctx.n().attr_i("max_gram_length", 1),
                                             1 - std::max<std::int64_t>(1, ctx.n().attr_i("min_gram_length", 1)));
    const std::int64_t skips = checked_add(ctx.n().attr_i("max_skip_count", 0), 1);
    c.flops_vector = checked_add(
        checked_mul(ctx.in_elements(0), checked_mul(std::max<std::int64_t>(lengths, 1), skips)), ctx.out_elements(0));
}

/** Gather: a select (scalar index, x[:, 0]) is a view in eager frameworks; otherwise an indexed
 *  read (embedding, index_select). */
void kernels_gather(const kernel_context& kc, std::vector<kernel_spec>& out) {
    if (kc.ctx.in(1).empty()) return;
    out.push_back(kc.whole_node(kernel_class::gather));
}

}  // namespace

void register_gather_scatter(op_registry& r) {
    const movement_adder add{r};
    constexpr auto moves = op_kind::data_movement;
    add("Gather", 1, infer_gather, cost_gather, moves, kernel_class::gather, kernels_gather);
    add("GatherElements", 11, infer_gather_elements, cost_gather, moves, kernel_class::gather);
    add("GatherND", 11, infer_gather_nd, cost_gather, moves, kernel_class::gather);
    add("ScatterND", 11, infer_scatter_nd);
    add("ScatterElements", 11, infer_scatter_nd);
    add("Scatter", 9, infer_scatter_nd);
    add("NonZero", 9, infer_nonzero, cost_select);
    add("OneHot", 9, infer_onehot, cost_select);
    add("Compress", 9, infer_compress, cost_select);
    add("Unique", 11, infer_unique, cost_unique);
    add("NonMaxSuppression", 10, infer_nms, cost_nms);
    add("TfIdfVectorizer", 9, infer_tfidf, cost_tfidf);
    add("TensorScatter", 24, infer_tensor_scatter, cost_tensor_scatter);
}

}  // namespace ridgeline::ops
