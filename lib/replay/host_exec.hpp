// The replay executor on the host: for_each is a loop, memory is malloc'd, gemm and conv are plain
// loops accumulating in double. Slow and exact; it exists so that every build can check the
// replay's kernels against ONNX's backend node tests (the GPU runs the same functors).
#pragma once

#include "op_table.hpp"

#include <cstdlib>
#include <cstring>
#include <vector>

namespace ridgeline::replay {

/** Executor on the host (see op_table.hpp for the interface). */
class host_exec {
public:
    /** Executor name. */
    static constexpr const char* name = "host";

    /** f(i) for i in [0, n). */
    template <class F>
    void for_each(std::int64_t n, const F& f) {
        for (std::int64_t i = 0; i < n; ++i) f(i);
    }
    /** f(row, 0, 1) for every row: one lane per row. */
    template <class F>
    void for_each_row(std::int64_t rows, std::int64_t /*cols*/, const F& f) {
        for (std::int64_t r = 0; r < rows; ++r) f(r, 0, 1);
    }
    /** Host memory (at least 1 byte; zeroed). */
    void* alloc(std::int64_t bytes) { return std::calloc(1, static_cast<std::size_t>(bytes > 0 ? bytes : 1)); }
    /** Frees alloc'd memory. */
    void release(void* p) { std::free(p); }
    /** Temporary memory valid until the next scratch call. */
    void* scratch(std::int64_t bytes) {
        scratch_.resize(static_cast<std::size_t>(bytes > 0 ? bytes : 1));
        return scratch_.data();
    }
    /** memcpy. */
    void copy(void* dst, const void* src, std::int64_t bytes) {
        if (bytes > 0) std::memcpy(dst, src, static_cast<std::size_t>(bytes));
    }
    /** memcpy (host memory is host memory). */
    void to_host(void* dst, const void* src, std::int64_t bytes) { copy(dst, src, bytes); }
    /** memcpy. */
    void from_host(void* dst, const void* src, std::int64_t bytes) { copy(dst, src, bytes); }
    /** Nothing to wait for. */
    void synchronize() {}

    /** Strided batched matrix product in double precision. */
    void gemm(const gemm_desc& d);
    /** Direct convolution in double precision. */
    void conv(const conv_desc& d);

private:
    std::vector<std::byte> scratch_;
};

}  // namespace ridgeline::replay
