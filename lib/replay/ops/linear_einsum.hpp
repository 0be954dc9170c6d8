// Replay family "linear": Einsum. An equation that is one batched matrix product (after permuting
// the operands) runs through the executor's gemm (cuBLASLt on the GPU); any other — and integer
// operands — through a generic functor, one output element per thread.
#pragma once

#include "linear_common.hpp"

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace ridgeline::replay {

namespace linear_detail {

/** Most operands and distinct labels the generic einsum kernel takes. */
constexpr int einsum_max_operands = 4;
constexpr int einsum_max_labels = 24;

/**
 * Generic einsum: one output element per call, summing the product of the operands over the
 * contracted labels. Labels [0, out_labels) are the output's (row-major), the rest are summed;
 * stride[k][l] is operand k's element stride along label l (0 when broadcast; diagonal labels add).
 */
template <class T>
struct einsum_kernel {
    int operands = 0;
    const T* in[einsum_max_operands] = {};
    T* out = nullptr;
    int out_labels = 0;
    int labels = 0;
    std::int64_t size[einsum_max_labels] = {};
    std::int64_t stride[einsum_max_operands][einsum_max_labels] = {};
    std::int64_t inner = 1;  // product of the contracted sizes
    RL_HD void operator()(std::int64_t i) const {
        std::int64_t base[einsum_max_operands] = {};
        std::int64_t rem = i;
        for (int l = out_labels - 1; l >= 0; --l) {
            const std::int64_t q = rem / size[l];
            const std::int64_t idx = rem - q * size[l];
            rem = q;
            for (int k = 0; k < operands; ++k) base[k] += idx * stride[k][l];
        }
        compute_t<T> acc = 0;
        for (std::int64_t j = 0; j < inner; ++j) {
            std::int64_t off[einsum_max_operands] = {};
            for (int k = 0; k < operands; ++k) off[k] = base[k];
            std::int64_t r = j;
            for (int l = labels - 1; l >= out_labels; --l) {
                const std::int64_t q = r / size[l];
                const std::int64_t idx = r - q * size[l];
                r = q;
                for (int k = 0; k < operands; ++k) off[k] += idx * stride[k][l];
            }
            compute_t<T> prod = load(in[0], off[0]);
            for (int k = 1; k < operands; ++k) prod *= load(in[k], off[k]);
            acc += prod;
        }
        store(out, i, acc);
    }
};

// ---- Einsum ----------------------------------------------------------------------------------

/** Label ids: 'A'–'Z' → 0–25, 'a'–'z' → 26–51 (ASCII order, as numpy sorts implicit outputs), ellipsis dims 52+. */
constexpr int einsum_letters = 52;
constexpr int einsum_label_space = einsum_letters + max_rank;

/** A parsed einsum: per operand the label of each dim, the output labels, each label's size. */
struct einsum_spec {
    std::vector<std::vector<int>> operands;
    std::vector<int> output;
    std::int64_t size[einsum_label_space] = {};
};

/** One term ("ab...c") as letter ids with -1 for the ellipsis. */
inline std::vector<int> einsum_term(const std::string& term) {
    std::vector<int> out;
    bool ellipsis = false;
    for (std::size_t i = 0; i < term.size(); ++i) {
        const char ch = term[i];
        if (ch >= 'A' && ch <= 'Z') {
            out.push_back(ch - 'A');
        } else if (ch >= 'a' && ch <= 'z') {
            out.push_back(26 + (ch - 'a'));
        } else if (ch == '.' && term.compare(i, 3, "...") == 0 && !ellipsis) {
            out.push_back(-1);
            ellipsis = true;
            i += 2;
        } else {
            throw unsupported_node("Einsum: bad term '" + term + "'");
        }
    }
    return out;
}

/** Parses the equation against the input ranks and dims (explicit or implicit output, ellipsis). */
inline einsum_spec parse_einsum(const std::string& equation, const std::vector<tensor_ref>& in) {
    std::string eq;
    for (const char ch : equation) {
        if (ch != ' ' && ch != '\t') eq.push_back(ch);
    }
    const auto arrow = eq.find("->");
    const std::string lhs = eq.substr(0, arrow);
    std::vector<std::vector<int>> terms;
    for (std::size_t start = 0;;) {
        const auto comma = lhs.find(',', start);
        terms.push_back(einsum_term(lhs.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    if (terms.size() != in.size()) {
        throw unsupported_node("Einsum: equation '" + equation + "' has " + std::to_string(terms.size()) +
                               " terms for " + std::to_string(in.size()) + " inputs");
    }
    einsum_spec s;
    for (auto& z : s.size) z = -1;
    int ell = 0;  // broadcast rank of the ellipsis
    std::vector<int> ell_of(terms.size(), 0);
    for (std::size_t k = 0; k < terms.size(); ++k) {
        const int letters =
            static_cast<int>(std::count_if(terms[k].begin(), terms[k].end(), [](int l) { return l >= 0; }));
        const bool has_ell = letters != static_cast<int>(terms[k].size());
        const int e = in[k].rank - letters;
        if (e < 0 || (!has_ell && e != 0)) {
            throw unsupported_node("Einsum: term " + std::to_string(k) + " does not match input rank " +
                                   std::to_string(in[k].rank));
        }
        ell_of[k] = e;
        ell = std::max(ell, e);
    }
    int counts[einsum_label_space] = {};
    for (std::size_t k = 0; k < terms.size(); ++k) {
        std::vector<int> labels;
        for (const int l : terms[k]) {
            if (l >= 0) {
                labels.push_back(l);
                continue;
            }
            for (int t = 0; t < ell_of[k]; ++t) labels.push_back(einsum_letters + (ell - ell_of[k]) + t);
        }
        for (std::size_t p = 0; p < labels.size(); ++p) {
            const int l = labels[p];
            const std::int64_t dim = in[k].dims[p];
            std::int64_t& z = s.size[l];
            if (z == -1 || z == 1) {
                z = dim;
            } else if (dim != z && dim != 1) {
                throw unsupported_node("Einsum: label sizes " + std::to_string(z) + " and " + std::to_string(dim) +
                                       " differ");
            }
            if (l < einsum_letters) ++counts[l];
        }
        s.operands.push_back(std::move(labels));
    }
    if (arrow != std::string::npos) {
        bool seen[einsum_label_space] = {};
        for (const int l : einsum_term(eq.substr(arrow + 2))) {
            if (l < 0) {
                for (int t = 0; t < ell; ++t) s.output.push_back(einsum_letters + t);
                continue;
            }
            if (s.size[l] < 0) throw unsupported_node("Einsum: output label not in any input");
            if (seen[l]) throw unsupported_node("Einsum: output label repeated");
            seen[l] = true;
            s.output.push_back(l);
        }
    } else {
        for (int t = 0; t < ell; ++t) s.output.push_back(einsum_letters + t);
        for (int l = 0; l < einsum_letters; ++l) {
            if (counts[l] == 1) s.output.push_back(l);
        }
    }
    return s;
}

/** Position of `l` in `v`, or -1. */
inline int find_label(const std::vector<int>& v, int l) {
    const auto it = std::find(v.begin(), v.end(), l);
    return it == v.end() ? -1 : static_cast<int>(it - v.begin());
}

/** Map for gathering `in` (labels `have`, dims) into the label order `want` (each label of `have` once). */
inline broadcast_strides permute_map(const tensor_ref& in, const std::vector<int>& have, const std::vector<int>& want) {
    std::int64_t strides[max_rank];
    contiguous_strides(in, strides);
    broadcast_strides m;
    m.rank = static_cast<int>(want.size());
    for (int d = 0; d < m.rank; ++d) {
        const int p = find_label(have, want[static_cast<std::size_t>(d)]);
        m.dims[d] = in.dims[p];
        m.strides[d] = strides[p];
    }
    return m;
}

/** Concatenation of label lists. */
inline std::vector<int> cat(std::initializer_list<const std::vector<int>*> parts) {
    std::vector<int> v;
    for (const auto* p : parts) v.insert(v.end(), p->begin(), p->end());
    return v;
}

/** How a two-operand einsum maps onto one batched gemm with operand `first` as the gemm's A. */
struct einsum_gemm_plan {
    int first = 0;                       // input taken as the gemm's A (the other is B)
    std::vector<int> batch, mm, nn, kk;  // label groups: batch, M (A and out), N (B and out), K (summed)
    bool a_in_place = false, b_in_place = false, y_in_place = false;
    bool ta = false, tb = false;  // operands used in place, stored transposed
    std::int64_t pb = 1, pm = 1, pn = 1, pk = 1;
    std::int64_t copied = 0;  // elements permuted through scratch
};

/** The plan with input `first` as A; false when the einsum is not a plain batched product. */
inline bool plan_einsum_gemm(const einsum_spec& s, const std::vector<tensor_ref>& in, int first, einsum_gemm_plan& p) {
    const auto& la = s.operands[static_cast<std::size_t>(first)];
    const auto& lb = s.operands[static_cast<std::size_t>(1 - first)];
    const tensor_ref& a = in[static_cast<std::size_t>(first)];
    const tensor_ref& b = in[static_cast<std::size_t>(1 - first)];
    auto plain = [&](const std::vector<int>& labels, const tensor_ref& t) {
        for (std::size_t q = 0; q < labels.size(); ++q) {
            if (find_label(labels, labels[q]) != static_cast<int>(q)) return false;  // diagonal
            if (t.dims[q] != s.size[labels[q]]) return false;                        // broadcast dim
        }
        return true;
    };
    if (!plain(la, a) || !plain(lb, b)) return false;
    p = einsum_gemm_plan{};
    p.first = first;
    for (const int l : s.output) {
        const bool in_a = find_label(la, l) >= 0, in_b = find_label(lb, l) >= 0;
        if (in_a && in_b) {
            p.batch.push_back(l);
        } else if (in_a) {
            p.mm.push_back(l);
        } else if (in_b) {
            p.nn.push_back(l);
        }
    }
    std::vector<int> ka, kb;
    for (const int l : la) {
        if (find_label(s.output, l) >= 0) continue;
        if (find_label(lb, l) < 0) return false;  // summed over one operand only
        ka.push_back(l);
    }
    for (const int l : lb) {
        if (find_label(s.output, l) >= 0) continue;
        if (find_label(la, l) < 0) return false;
        kb.push_back(l);
    }
    auto product = [&](const std::vector<int>& v) {
        std::int64_t r = 1;
        for (const int l : v) r *= s.size[l];
        return r;
    };
    p.pb = product(p.batch);
    p.pm = product(p.mm);
    p.pn = product(p.nn);
    p.pk = product(ka);
    // K in A's order unless that forces a copy that B's order would not.
    auto a_ok = [&](const std::vector<int>& k) {
        return la == cat({&p.batch, &p.mm, &k}) || la == cat({&p.batch, &k, &p.mm});
    };
    auto b_ok = [&](const std::vector<int>& k) {
        return lb == cat({&p.batch, &k, &p.nn}) || lb == cat({&p.batch, &p.nn, &k});
    };
    p.kk = (!a_ok(ka) || !b_ok(ka)) && a_ok(kb) && b_ok(kb) ? kb : ka;
    p.a_in_place = a_ok(p.kk);
    p.b_in_place = b_ok(p.kk);
    p.ta = p.a_in_place && la != cat({&p.batch, &p.mm, &p.kk});
    p.tb = p.b_in_place && lb != cat({&p.batch, &p.kk, &p.nn});
    p.y_in_place = s.output == cat({&p.batch, &p.mm, &p.nn});
    p.copied = (p.a_in_place ? 0 : p.pb * p.pm * p.pk) + (p.b_in_place ? 0 : p.pb * p.pk * p.pn) +
               (p.y_in_place ? 0 : p.pb * p.pm * p.pn);
    return true;
}

/**
 * A two-operand einsum as one batched gemm: batch labels (in both and the output), M (A and
 * output), N (B and output), K (both, summed). Either input may play A (the output [B, N, M] is
 * the swapped product); the order needing fewer permuted elements wins. Operands already in
 * [B, M, K] / [B, K, M] (resp. [B, K, N] / [B, N, K]) order are used in place; others are permuted
 * into scratch, as is the product when the output order is not [B, M, N]. False when the einsum
 * has another form (diagonals, broadcast labels, a label summed within one operand).
 */
template <class Exec>
bool einsum_as_gemm(node_call<Exec>& c, const einsum_spec& s) {
    if (c.in.size() != 2 || !is_floating(c.out[0].type)) return false;
    einsum_gemm_plan p, other;
    if (!plan_einsum_gemm(s, c.in, 0, p)) return false;
    if (plan_einsum_gemm(s, c.in, 1, other) && other.copied < p.copied) p = std::move(other);
    const auto& la = s.operands[static_cast<std::size_t>(p.first)];
    const auto& lb = s.operands[static_cast<std::size_t>(1 - p.first)];
    const tensor_ref& a = c.in[static_cast<std::size_t>(p.first)];
    const tensor_ref& b = c.in[static_cast<std::size_t>(1 - p.first)];
    const tensor_ref& y = c.out[0];
    const std::vector<int> c_order = cat({&p.batch, &p.mm, &p.nn});

    const dtype t = y.type;
    const std::int64_t ebytes = element_bytes(t);
    const std::int64_t a_bytes = p.a_in_place ? 0 : align_256(p.pb * p.pm * p.pk * ebytes);
    const std::int64_t b_bytes = p.b_in_place ? 0 : align_256(p.pb * p.pk * p.pn * ebytes);
    const std::int64_t c_bytes = p.y_in_place ? 0 : align_256(p.pb * p.pm * p.pn * ebytes);
    std::byte* tmp = nullptr;
    if (a_bytes + b_bytes + c_bytes > 0) tmp = static_cast<std::byte*>(c.ex.scratch(a_bytes + b_bytes + c_bytes));
    const void* pa = a.data;
    const void* pbuf = b.data;
    void* pc = y.data;
    if (!p.a_in_place) {
        gather(c.ex, t, a.data, tmp, permute_map(a, la, cat({&p.batch, &p.mm, &p.kk})));
        pa = tmp;
    }
    if (!p.b_in_place) {
        gather(c.ex, t, b.data, tmp + a_bytes, permute_map(b, lb, cat({&p.batch, &p.kk, &p.nn})));
        pbuf = tmp + a_bytes;
    }
    if (!p.y_in_place) pc = tmp + a_bytes + b_bytes;

    gemm_desc g;
    g.type = t;
    g.trans_a = p.ta;
    g.trans_b = p.tb;
    g.m = p.pm;
    g.n = p.pn;
    g.k = p.pk;
    g.a = pa;
    g.lda = p.ta ? p.pm : p.pk;
    g.stride_a = p.pm * p.pk;
    g.b = pbuf;
    g.ldb = p.tb ? p.pk : p.pn;
    g.stride_b = p.pk * p.pn;
    g.c = pc;
    g.ldc = p.pn;
    g.stride_c = p.pm * p.pn;
    g.batch = p.pb;
    run_gemm(c, g);

    if (!p.y_in_place) {
        tensor_ref prod;
        prod.type = t;
        prod.rank = static_cast<int>(c_order.size());
        for (int d = 0; d < prod.rank; ++d) prod.dims[d] = s.size[c_order[static_cast<std::size_t>(d)]];
        gather(c.ex, t, pc, y.data, permute_map(prod, c_order, s.output));
    }
    return true;
}

/** ONNX Einsum: one batched gemm when the contraction allows it, else the generic kernel. */
template <class Exec>
void run_einsum(node_call<Exec>& c) {
    const tensor_ref& y = c.out[0];
    for (const auto& t : c.in) {
        if (t.type != y.type) throw unsupported_node("Einsum: operands of different element types");
    }
    if (c.in.empty()) throw unsupported_node("Einsum without inputs");
    const einsum_spec s = parse_einsum(c.n.attr_s("equation", ""), c.in);
    if (y.rank != static_cast<int>(s.output.size()))
        throw unsupported_node("Einsum: output rank disagrees with the equation");
    for (int d = 0; d < y.rank; ++d) {
        if (y.dims[d] != s.size[s.output[static_cast<std::size_t>(d)]]) {
            throw unsupported_node("Einsum: output shape disagrees with the equation");
        }
    }
    if (y.numel() == 0) return;
    if (einsum_as_gemm(c, s)) return;

    if (c.in.size() > static_cast<std::size_t>(einsum_max_operands)) {
        throw unsupported_node("Einsum with more than " + std::to_string(einsum_max_operands) + " operands");
    }
    // Label positions: the output's first, then every summed label.
    std::vector<int> order = s.output;
    for (const auto& labels : s.operands) {
        for (const int l : labels) {
            if (find_label(order, l) < 0) order.push_back(l);
        }
    }
    if (order.size() > static_cast<std::size_t>(einsum_max_labels))
        throw unsupported_node("Einsum with too many labels");
    visit_numeric(y.type, [&](auto tag) {
        using T = typename decltype(tag)::type;
        einsum_kernel<T> k;
        k.operands = static_cast<int>(c.in.size());
        k.out = y.as<T>();
        k.out_labels = static_cast<int>(s.output.size());
        k.labels = static_cast<int>(order.size());
        for (int l = 0; l < k.labels; ++l) k.size[l] = s.size[order[static_cast<std::size_t>(l)]];
        for (int l = k.out_labels; l < k.labels; ++l) k.inner *= k.size[l];
        for (int op = 0; op < k.operands; ++op) {
            const tensor_ref& t = c.in[static_cast<std::size_t>(op)];
            k.in[op] = t.as<const T>();
            std::int64_t strides[max_rank];
            contiguous_strides(t, strides);
            const auto& labels = s.operands[static_cast<std::size_t>(op)];
            for (std::size_t p = 0; p < labels.size(); ++p) {
                const int pos = find_label(order, labels[p]);
                if (t.dims[p] == 1 && s.size[labels[p]] != 1) continue;  // broadcast
                k.stride[op][pos] += strides[p];
            }
        }
        c.ex.for_each(y.numel(), k);
    });
}

}  // namespace linear_detail

/** Registers Einsum (cuBLASLt when it is one batched product). */
template <class Exec>
void register_linear_einsum(op_table<Exec>& t) {
    t.add("Einsum", &linear_detail::run_einsum<Exec>, "cublasLt");
}

}  // namespace ridgeline::replay
