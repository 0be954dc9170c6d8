// What an operator implementation of the replay executor sees (`node_call`), the library calls an
// executor offers besides for_each (`gemm_desc`, `conv_desc`), and the table from op type to
// implementation. Each family header in ops/ defines `register_<family>(op_table<Exec>&)`; ops/all.hpp
// lists them once (no static initialisers).
//
// An executor `Exec` provides:
//   template <class F> void for_each(std::int64_t n, const F& f);                // f(i), i in [0, n)
//   template <class F> void for_each_row(std::int64_t rows, std::int64_t cols, const F& f);
//                      // f(row, lane, lanes): `lanes` threads share a row (32 on the GPU, 1 on the
//                      // host); they loop j = lane; j < cols; j += lanes and combine with lanes_sum.
//   void* scratch(std::int64_t bytes);          // temporary memory, valid until the op returns
//   void copy(void* dst, const void* src, std::int64_t bytes);        // same memory space
//   void to_host(void* dst, const void* src, std::int64_t bytes);     // executor memory → host
//   void from_host(void* dst, const void* src, std::int64_t bytes);   // host → executor memory
//   void gemm(const gemm_desc&);  void conv(const conv_desc&);
//   static constexpr const char* name;          // "host" or "gpu"
#pragma once

#include "core.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace ridgeline::replay {

/**
 * Row-major strided batched matrix product: for b in [0, batch):
 * C_b[m×n] = alpha · op(A_b) · op(B_b) + beta · C_b, op = transpose when trans_*; A_b = a + b·stride_a
 * (stride 0 broadcasts), leading dimensions in elements. a, b, c share one element type (`type`).
 */
struct gemm_desc {
    dtype type = dtype::f32;   /**< Element type of A, B and C. */
    bool trans_a = false;      /**< A stored k×m. */
    bool trans_b = false;      /**< B stored n×k. */
    std::int64_t m = 0;        /**< Rows of C. */
    std::int64_t n = 0;        /**< Columns of C. */
    std::int64_t k = 0;        /**< Inner dimension. */
    const void* a = nullptr;   /**< A. */
    std::int64_t lda = 0;      /**< Row stride of A as stored. */
    std::int64_t stride_a = 0; /**< Elements between batches of A. */
    const void* b = nullptr;   /**< B. */
    std::int64_t ldb = 0;      /**< Row stride of B as stored. */
    std::int64_t stride_b = 0; /**< Elements between batches of B. */
    void* c = nullptr;         /**< C. */
    std::int64_t ldc = 0;      /**< Row stride of C. */
    std::int64_t stride_c = 0; /**< Elements between batches of C. */
    std::int64_t batch = 1;    /**< Batches. */
    float alpha = 1;           /**< Scale of the product. */
    float beta = 0;            /**< Scale of C's previous contents. */
};

/**
 * Cross-correlation as ONNX Conv defines it, NCHW with 1–3 spatial dims: y = conv(x, w) (no bias;
 * the Conv implementation adds it). x [N, C, spatial…], w [M, C/group, kernel…], y [N, M, out…].
 */
struct conv_desc {
    tensor_ref x;                          /**< Input. */
    tensor_ref w;                          /**< Weights. */
    tensor_ref y;                          /**< Output (allocated). */
    int spatial = 2;                       /**< Spatial dims (1–3). */
    std::int64_t group = 1;                /**< Groups. */
    std::int64_t strides[3] = {1, 1, 1};   /**< Per spatial dim. */
    std::int64_t dilations[3] = {1, 1, 1}; /**< Per spatial dim. */
    std::int64_t pads_begin[3] = {};       /**< Padding before each spatial dim. */
    std::int64_t pads_end[3] = {};         /**< Padding after (the output shape already reflects it). */
};

/** One node as an operator implementation sees it. */
template <class Exec>
struct node_call {
    Exec& ex;                             /**< The executor. */
    const node& n;                        /**< Attributes (n.attr_i …), op type, name. */
    std::int64_t opset = 0;               /**< The model's opset of the node's domain. */
    std::vector<tensor_ref> in;           /**< Inputs (an omitted optional input: data null, present false). */
    std::vector<bool> present;            /**< Which inputs are given. */
    std::vector<const known_data*> known; /**< Host contents of inputs when known (else null). */
    std::vector<tensor_ref> out;          /**< Outputs, allocated with the inferred shapes and types. */

    /** True when input k is given. */
    [[nodiscard]] bool has(std::size_t k) const { return k < in.size() && present[k]; }

    /** Contents of an integer input (small: axes, pads, starts …), from known data or the executor. */
    [[nodiscard]] std::vector<std::int64_t> ints(std::size_t k) const {
        if (!has(k)) throw unsupported_node("input " + std::to_string(k) + " missing");
        if (const known_data* d = known[k]; d != nullptr && !d->is_real) {
            std::vector<std::int64_t> v;
            v.reserve(d->ints.size());
            bool numeric = true;
            for (const auto& x : d->ints) {
                if (!x.is_value()) {
                    numeric = false;
                    break;
                }
                v.push_back(x.value());
            }
            if (numeric) return v;
        }
        const tensor_ref& t = in[k];
        const std::int64_t count = t.numel();
        std::vector<std::int64_t> v(static_cast<std::size_t>(count));
        if (count == 0) return v;
        if (t.type == dtype::i64) {
            ex.to_host(v.data(), t.data, count * 8);
        } else if (t.type == dtype::i32) {
            std::vector<std::int32_t> w(v.size());
            ex.to_host(w.data(), t.data, count * 4);
            for (std::size_t i = 0; i < w.size(); ++i) v[i] = w[i];
        } else {
            throw unsupported_node("input " + std::to_string(k) + " must be int32 or int64");
        }
        return v;
    }

    /** Contents of a small floating input (scales, a fill value …) as doubles. */
    [[nodiscard]] std::vector<double> reals(std::size_t k) const {
        if (!has(k)) throw unsupported_node("input " + std::to_string(k) + " missing");
        if (const known_data* d = known[k]; d != nullptr && d->is_real) return d->reals;
        const tensor_ref& t = in[k];
        const std::int64_t count = t.numel();
        std::vector<double> v(static_cast<std::size_t>(count));
        if (count == 0) return v;
        std::vector<std::byte> raw(static_cast<std::size_t>(count * element_bytes(t.type)));
        ex.to_host(raw.data(), t.data, static_cast<std::int64_t>(raw.size()));
        visit_numeric(t.type, [&](auto tag) {
            using T = typename decltype(tag)::type;
            const T* p = reinterpret_cast<const T*>(raw.data());
            for (std::size_t i = 0; i < v.size(); ++i)
                v[i] = static_cast<double>(load(p, static_cast<std::int64_t>(i)));
        });
        return v;
    }
};

/** How the executor runs an operator: the implementation and the backend it goes through. */
template <class Exec>
struct op_entry {
    void (*run)(node_call<Exec>&) = nullptr; /**< The implementation. */
    const char* backend = "ridgeline";       /**< "cublasLt", "cudnn" or "ridgeline". */
};

/** Op type (default ONNX domain) → implementation. */
template <class Exec>
class op_table {
public:
    /** Registers `op_type`. @code t.add("Relu", &run_unary<Exec>); @endcode */
    void add(std::string op_type, void (*run)(node_call<Exec>&), const char* backend = "ridgeline") {
        entries_[std::move(op_type)] = op_entry<Exec>{run, backend};
    }
    /** The entry for an op type, or nullptr. */
    [[nodiscard]] const op_entry<Exec>* find(std::string_view op_type) const {
        const auto it = entries_.find(std::string(op_type));
        return it == entries_.end() ? nullptr : &it->second;
    }
    /** All entries. */
    [[nodiscard]] const std::map<std::string, op_entry<Exec>>& entries() const { return entries_; }

private:
    std::map<std::string, op_entry<Exec>> entries_;
};

}  // namespace ridgeline::replay
