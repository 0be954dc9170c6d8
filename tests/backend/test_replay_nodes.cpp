// The replay executor computes the real function: ONNX's backend node tests (libonnx-testdata) run
// through ridgeline::run_graph and their outputs are compared with the expected ones.
//
// For each folder whose operators the replay supports (replay_supports), the graph inputs are
// bound to the input tensors' dims (and small contents, as shape data), shapes are inferred, the
// inputs are handed to run_graph, and every output must have the expected dims, element type and
// values: integers and booleans exactly; floats within |got − expected| ≤ atol + rtol·|expected|
// (fp32/fp64: rtol 1e-3, atol 1e-7 — the tolerances of ONNX's own backend test runner; fp16/bf16:
// rtol 1e-2, atol 1e-3), NaN where NaN is expected.
//
// Executor: the host (every build), or the GPU with RIDGELINE_REPLAY_BACKEND=gpu (CTest test
// test_replay_nodes_gpu, label gpu; exit 77 without one).
// RIDGELINE_REPLAY_FILTER=<substring> restricts the folders; RIDGELINE_ONNX_TESTDATA overrides
// the folder. Outcomes per folder: unsupported (operators listed at the end), not checkable
// (sequence/optional values, data files that disagree with their model, outputs the engine cannot
// size), checked (passed or failed, printed with the first mismatching element).
#include "ridgeline/onnx_import.hpp"
#include "ridgeline/replay.hpp"
#include "ridgeline/shape.hpp"

#include "onnx_tensors.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace ridgeline::test;  // NOLINT(google-build-using-namespace): the TensorProto readers

namespace {

struct outcome {
    enum class kind { passed, failed, unsupported, not_checkable } what = kind::passed;
    std::string detail;
    std::set<std::string> unsupported;
};

/** Element i of a host tensor as a double (integers exactly up to 2^53). */
double element(const ridgeline::host_tensor& t, std::size_t i) {
    using ridgeline::dtype;
    const std::byte* p = t.bytes.data();
    auto get = [&](auto tag) {
        using T = decltype(tag);
        T v;
        std::memcpy(&v, p + i * sizeof(T), sizeof(T));
        return v;
    };
    switch (t.type) {
        case dtype::f32:
            return get(float{});
        case dtype::f64:
            return get(double{});
        case dtype::f16: {
            const auto h = get(std::uint16_t{});
            const int e = (h >> 10) & 0x1f;
            const double m = h & 0x3ff;
            const double s = (h & 0x8000) ? -1.0 : 1.0;
            if (e == 0) return s * std::ldexp(m, -24);
            if (e == 31) return m != 0 ? std::nan("") : s * HUGE_VAL;
            return s * std::ldexp(1.0 + m / 1024.0, e - 15);
        }
        case dtype::bf16: {
            const std::uint32_t bits = static_cast<std::uint32_t>(get(std::uint16_t{})) << 16;
            float f;
            std::memcpy(&f, &bits, 4);
            return f;
        }
        case dtype::i64:
            return static_cast<double>(get(std::int64_t{}));
        case dtype::u64:
            return static_cast<double>(get(std::uint64_t{}));
        case dtype::i32:
            return get(std::int32_t{});
        case dtype::u32:
            return get(std::uint32_t{});
        case dtype::i16:
            return get(std::int16_t{});
        case dtype::u16:
            return get(std::uint16_t{});
        case dtype::i8:
            return get(std::int8_t{});
        case dtype::u8:
            return get(std::uint8_t{});
        case dtype::boolean:
            return get(std::uint8_t{}) != 0 ? 1.0 : 0.0;
        default:
            return std::nan("");
    }
}

/** "" when equal within tolerance, else the first mismatch in words. */
std::string compare(const ridgeline::host_tensor& got, const ridgeline::host_tensor& want) {
    if (got.dims != want.dims) return "dims " + dims_text(got.dims) + ", expected " + dims_text(want.dims);
    if (got.type != want.type) {
        return "element type " + std::string(ridgeline::dtype_name(got.type)) + ", expected " +
               std::string(ridgeline::dtype_name(want.type));
    }
    const bool half = got.type == ridgeline::dtype::f16 || got.type == ridgeline::dtype::bf16;
    const bool real = ridgeline::is_floating(got.type);
    const double rtol = half ? 1e-2 : 1e-3;
    const double atol = half ? 1e-3 : 1e-7;
    const auto n = static_cast<std::size_t>(want.element_count());
    for (std::size_t i = 0; i < n; ++i) {
        const double g = element(got, i);
        const double w = element(want, i);
        bool ok = false;
        if (!real) {
            ok = g == w;
        } else if (std::isnan(w)) {
            ok = std::isnan(g);
        } else if (std::isinf(w)) {
            ok = g == w;
        } else {
            ok = std::fabs(g - w) <= atol + rtol * std::fabs(w);
        }
        if (!ok) {
            return "element " + std::to_string(i) + " of " + std::to_string(n) + ": got " + std::to_string(g) +
                   ", expected " + std::to_string(w);
        }
    }
    return "";
}

outcome run_case(const fs::path& dir, ridgeline::replay_backend backend) {
    const auto data_dir = dir / "test_data_set_0";
    onnx::ModelProto proto;
    if (!proto.ParseFromString(read_bytes(dir / "model.onnx")))
        return {outcome::kind::failed, "model does not parse", {}};
    ridgeline::graph g;
    try {
        g = ridgeline::load_onnx((dir / "model.onnx").string());
    } catch (const std::exception& e) {
        return {outcome::kind::not_checkable, std::string("load_onnx: ") + e.what(), {}};
    }
    outcome r;
    for (const auto& n : g.nodes) {
        if (!ridgeline::replay_supports(n)) {
            r.unsupported.insert((n.domain.empty() || n.domain == "ai.onnx" ? "" : n.domain + "::") + n.op_type);
        }
    }
    if (!r.unsupported.empty()) {
        r.what = outcome::kind::unsupported;
        return r;
    }
    for (const auto& vi : proto.graph().input()) {
        if (!vi.type().has_tensor_type()) return {outcome::kind::not_checkable, "non-tensor input", {}};
    }
    for (const auto& vi : proto.graph().output()) {
        if (!vi.type().has_tensor_type()) return {outcome::kind::not_checkable, "non-tensor output", {}};
    }

    ridgeline::shape_options opt;
    auto in = bind_node_test_inputs(g, data_dir, opt, node_test_max_fed_elements);
    if (!in.not_checkable.empty()) return {outcome::kind::not_checkable, in.not_checkable, {}};
    const std::vector<ridgeline::host_tensor> inputs = std::move(in.tensors);
    for (const auto& t : inputs) {
        if (t.type == ridgeline::dtype::undefined) return {outcome::kind::not_checkable, "an input is unreadable", {}};
    }
    try {
        ridgeline::infer_shapes(g, opt);
    } catch (const std::exception& e) {
        return {outcome::kind::not_checkable, std::string("infer_shapes: ") + e.what(), {}};
    }

    std::vector<ridgeline::host_tensor> expected;
    for (std::size_t k = 0; k < g.outputs.size(); ++k) {
        auto t = read_tensor(data_dir / ("output_" + std::to_string(k) + ".pb"));
        if (!t) return {outcome::kind::not_checkable, "output " + std::to_string(k) + " is not a tensor", {}};
        const int declared = proto.graph().output(static_cast<int>(k)).type().tensor_type().elem_type();
        if (t->data_type() != declared) {
            return {
                outcome::kind::not_checkable, "output " + std::to_string(k) + " disagrees with the model's type", {}};
        }
        auto h = to_host_tensor(*t);
        if (!h) return {outcome::kind::not_checkable, "output " + std::to_string(k) + " unreadable", {}};
        const auto& v = g.values[static_cast<std::size_t>(g.outputs[k])];
        bool sized = v.dims.has_value();
        if (sized) {
            for (const auto& d : *v.dims) sized = sized && d.is_value();
        }
        if (!sized) return {outcome::kind::not_checkable, "output '" + v.name + "' not sized by the shape engine", {}};
        expected.push_back(std::move(*h));
    }

    const auto run = ridgeline::run_graph(g, inputs, backend);
    if (!run.status) return {outcome::kind::failed, run.status.message, {}};
    for (std::size_t k = 0; k < expected.size(); ++k) {
        if (const auto why = compare(run.outputs[k], expected[k]); !why.empty()) {
            return {outcome::kind::failed, "output " + std::to_string(k) + ": " + why, {}};
        }
    }
    return r;
}

/** RIDGELINE_REPLAY_BACKEND=gpu selects the GPU executor. */
bool wants_gpu() {
    const char* b = std::getenv("RIDGELINE_REPLAY_BACKEND");
    return b != nullptr && std::strcmp(b, "gpu") == 0;
}

}  // namespace

TEST_CASE("replay executor: ONNX backend node tests compute the expected outputs") {
    const bool gpu = wants_gpu();
    if (gpu) {
        if (const auto s = ridgeline::check_gpu(0); !s) {
            std::cout << "no GPU for the replay node tests (" << s.message << "): skipped\n";
            std::exit(77);
        }
    }
    const char* override_dir = std::getenv("RIDGELINE_ONNX_TESTDATA");
    const fs::path root = override_dir != nullptr ? fs::path(override_dir) : fs::path(RIDGELINE_ONNX_TESTDATA);
    if (!fs::is_directory(root)) {
        std::cout << "ONNX backend node tests not found at " << root << " (install libonnx-testdata): skipped\n";
        std::exit(77);
    }
    const char* filter = std::getenv("RIDGELINE_REPLAY_FILTER");
    std::vector<fs::path> dirs;
    for (const auto& e : fs::directory_iterator(root)) {
        if (!e.is_directory()) continue;
        if (filter != nullptr && e.path().filename().string().find(filter) == std::string::npos) continue;
        if (fs::exists(e.path() / "model.onnx")) dirs.push_back(e.path());
    }
    std::sort(dirs.begin(), dirs.end());

    const auto backend = gpu ? ridgeline::replay_backend::gpu : ridgeline::replay_backend::host;
    int passed = 0, failed = 0, unsupported = 0, not_checkable = 0;
    std::map<std::string, int> missing;
    for (const auto& d : dirs) {
        const auto o = run_case(d, backend);
        switch (o.what) {
            case outcome::kind::passed:
                ++passed;
                break;
            case outcome::kind::failed:
                ++failed;
                std::cout << "FAILED " << d.filename().string() << ": " << o.detail << '\n';
                break;
            case outcome::kind::unsupported:
                ++unsupported;
                for (const auto& op : o.unsupported) ++missing[op];
                break;
            case outcome::kind::not_checkable:
                ++not_checkable;
                if (std::getenv("RIDGELINE_REPLAY_VERBOSE") != nullptr) {
                    std::cout << "not checkable " << d.filename().string() << ": " << o.detail << '\n';
                }
                break;
        }
    }
    std::cout << "replay node tests (" << (gpu ? "gpu" : "host") << "): " << passed + failed << " checked, " << passed
              << " passed, " << failed << " failed; " << not_checkable << " not checkable; " << unsupported
              << " with operators the replay does not run:";
    for (const auto& [op, count] : missing) std::cout << ' ' << op << "(" << count << ")";
    std::cout << '\n';
    CHECK(failed == 0);
    if (filter == nullptr) CHECK(passed >= 300);
}
