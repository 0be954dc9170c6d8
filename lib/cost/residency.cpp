// Which tensor accesses hit in L2: LRU stack distances over the kernel sequence. A benchmark loop
// repeats the forward pass, so the sequence runs three times and the middle pass is measured:
// small models keep their weights in L2 between passes, activations a consumer reads right after
// its producer wrote them stay there, and tensors larger than the cache stream from DRAM.
#include "model.hpp"

#include <limits>
#include <unordered_map>
#include <utility>

namespace ridgeline::cost {
namespace {

/** Fenwick tree over access positions holding the bytes of the tensor last touched there. */
class fenwick {
public:
    explicit fenwick(std::size_t n) : t_(n + 1, 0.0) {}
    void add(std::size_t i, double v) {
        for (++i; i < t_.size(); i += i & (~i + 1)) t_[i] += v;
    }
    /** Sum over positions [0, i). */
    [[nodiscard]] double prefix(std::size_t i) const {
        double s = 0;
        for (; i > 0; i -= i & (~i + 1)) s += t_[i];
        return s;
    }

private:
    std::vector<double> t_;
};

}  // namespace

access_distances reuse_distances(const std::vector<planned_kernel>& kernels) {
    constexpr int passes = 3;
    // Flatten the accesses: (kernel, access) for every pass; identities are values or a node's scratch.
    struct access {
        std::size_t kernel, index;
        std::int64_t id;
        double bytes;
        bool write;
    };
    std::vector<access> seq;
    for (int p = 0; p < passes; ++p) {
        for (std::size_t k = 0; k < kernels.size(); ++k) {
            const auto& spec = kernels[k].spec;
            const double launches = static_cast<double>(std::max<std::int64_t>(1, spec.launches));
            for (std::size_t a = 0; a < spec.traffic.size(); ++a) {
                const auto& t = spec.traffic[a];
                const std::int64_t id =
                    t.value >= 0 ? t.value : -(static_cast<std::int64_t>(kernels[k].node + 1) * 64 + t.scratch + 1);
                seq.push_back({k, a, id, static_cast<double>(t.bytes) * launches, t.write});
            }
        }
    }
    // Dense tensor numbers, so the passes below index vectors instead of searching a tree.
    std::unordered_map<std::int64_t, std::size_t> dense;
    dense.reserve(seq.size() / passes + 1);
    std::vector<std::size_t> tensor(seq.size());
    for (std::size_t i = 0; i < seq.size(); ++i) tensor[i] = dense.try_emplace(seq[i].id, dense.size()).first->second;
    constexpr std::size_t none = std::numeric_limits<std::size_t>::max();
    const double cold = std::numeric_limits<double>::infinity();
    std::vector<double> backward(seq.size(), cold);
    fenwick tree(seq.size());
    std::vector<std::size_t> last(dense.size(), none);  // tensor → position of its last access
    for (std::size_t i = 0; i < seq.size(); ++i) {
        const auto& s = seq[i];
        if (const auto pos = last[tensor[i]]; pos != none) {
            // Distinct tensors touched strictly between the two accesses, plus this tensor itself.
            backward[i] = tree.prefix(i) - tree.prefix(pos + 1) + s.bytes;
            tree.add(pos, -seq[pos].bytes);
        }
        tree.add(i, s.bytes);
        last[tensor[i]] = i;
    }
    // Forward distance of an access = the backward distance of the next access to the same tensor.
    std::vector<double> forward(seq.size(), cold);
    std::vector<std::size_t> next(dense.size(), none);
    for (std::size_t i = seq.size(); i-- > 0;) {
        if (const auto n = next[tensor[i]]; n != none) forward[i] = backward[n];
        next[tensor[i]] = i;
    }
    access_distances d;
    d.bytes.resize(kernels.size());
    for (std::size_t k = 0; k < kernels.size(); ++k) d.bytes[k].assign(kernels[k].spec.traffic.size(), cold);
    const std::size_t per_pass = seq.size() / passes;
    for (std::size_t i = per_pass; i < 2 * per_pass; ++i) {
        const auto& s = seq[i];
        d.bytes[s.kernel][s.index] = s.write ? forward[i] : backward[i];
    }
    return d;
}

}  // namespace ridgeline::cost
