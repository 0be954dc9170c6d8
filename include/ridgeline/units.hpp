/**
 * @file units.hpp
 * Quantities as people read them (support layer, `lib/support`): the fixed-precision forms tables
 * use ("1.23 GFLOP", "45.60 MiB", "12.34 µs") and the short three-significant-digit forms plot
 * axes and HTML cards use ("250 µs", "1.5 TFLOP/s"). Microseconds are "µs" everywhere.
 *
 * @code
 * std::cout << ridgeline::human_time(1.234e-5) << '\n';      // "12.34 µs"
 * std::cout << ridgeline::time_label(2.5e-4) << '\n';        // "250 µs"
 * std::cout << ridgeline::si_label(1.5e12, "FLOP/s") << '\n'; // "1.5 TFLOP/s"
 * @endcode
 */
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ridgeline {

/** FLOPs with a decimal prefix, two decimals above FLOP: "1.23 GFLOP". */
std::string human_flops(double flops);
/** A plain count with an SI prefix and a trailing space for the unit: "130.85 G" (as in "130.85 G MACs"). */
std::string human_count(double count);
/** Bytes in binary units: "45.60 MiB". */
std::string human_bytes(double bytes);
/** Seconds in s/ms/µs/ns: "1.234 ms", "12.34 µs". */
std::string human_time(double seconds);

/**
 * A value with an SI prefix and three significant digits, for axis ticks and labels: 1.5e12 with
 * "FLOP/s" → "1.5 TFLOP/s"; values below 1 take m/µ/n (except intensities, "FLOP/byte").
 * @code ridgeline::si_label(2.0e9, "B/s") == "2 GB/s" @endcode
 */
std::string si_label(double value, const std::string& unit);

/** Seconds with the best of s/ms/µs/ns, three significant digits. @code ridgeline::time_label(2.5e-4) == "250 µs"
 * @endcode */
std::string time_label(double seconds);

/** A share as a signed percentage with one decimal ("+12.5%"); "n/a" when not finite. */
std::string signed_percent(double share);
/** A share as a percentage with one decimal ("12.5%"); "n/a" when not finite. */
std::string percent(double share);

/**
 * `text` right-aligned in `width` columns, counting UTF-8 code points rather than bytes, so that
 * "µs" lines up in iostream tables (`std::setw` counts bytes).
 * @code std::cout << ridgeline::right_aligned(ridgeline::human_time(t), 12); @endcode
 */
std::string right_aligned(std::string_view text, std::size_t width);
/** Likewise, left-aligned. @code ridgeline::left_aligned("µs", 4) == "µs  " @endcode */
std::string left_aligned(std::string_view text, std::size_t width);

/**
 * `text` with every byte that is not part of a valid UTF-8 sequence written as the four
 * characters `\xNN`: names read from a model (nodes, values, keys) are printed — in messages,
 * tables and JSON — never rejected.
 * @code ridgeline::escape_invalid_utf8("conv\xff") == "conv\\xff" @endcode
 */
std::string escape_invalid_utf8(std::string_view text);

}  // namespace ridgeline
