// Private to lib: one way to name enumerators. Each enum that has a text form keeps one table of
// (value, name) pairs; `name_of` and `parse` read it, and `choices` lists the names for an error
// message. Header-only and dependency-free, so the CUDA injection library (which compiles
// trace_io.cpp alone) can use it too.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace ridgeline::support {

/**
 * A fixed table of an enum's names. The first entry is the fallback `name_of` answers for a value
 * the table lacks (a corrupt cast), so put the "unknown"/"none" entry first where there is one.
 * @code
 * constexpr enum_names<bound_kind, 3> bound_names{{{{bound_kind::none, "none"},
 *                                                  {bound_kind::memory, "memory"},
 *                                                  {bound_kind::compute, "compute"}}}};
 * bound_names.name_of(bound_kind::memory) == "memory";
 * @endcode
 */
template <class E, std::size_t N>
struct enum_names {
    std::array<std::pair<E, std::string_view>, N> entries; /**< Value and its name, fallback first. */

    /** The value's name; the first entry's name when the table lacks it. */
    [[nodiscard]] constexpr std::string_view name_of(E value) const noexcept {
        for (const auto& [v, name] : entries) {
            if (v == value) return name;
        }
        return entries.front().second;
    }
    /** The value named `text` exactly, if any. */
    [[nodiscard]] constexpr std::optional<E> parse(std::string_view text) const noexcept {
        for (const auto& [v, name] : entries) {
            if (name == text) return v;
        }
        return std::nullopt;
    }
    /** "a, b, c or d" over the names from entry `first` on, for messages. */
    [[nodiscard]] std::string choices(std::size_t first = 0) const {
        std::string out;
        for (std::size_t i = first; i < N; ++i) {
            if (i > first) out += i + 1 == N ? " or " : ", ";
            out += entries[i].second;
        }
        return out;
    }
};

/** Deduces the table's size: `constexpr auto t = make_enum_names<E>({{...}})`. */
template <class E, std::size_t N>
constexpr enum_names<E, N> make_enum_names(const std::pair<E, std::string_view> (&entries)[N]) {
    enum_names<E, N> t{};
    for (std::size_t i = 0; i < N; ++i) t.entries[i] = entries[i];
    return t;
}

}  // namespace ridgeline::support
