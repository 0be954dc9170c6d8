// Quantities as people read them (units.hpp): table forms with fixed decimals, label forms with
// three significant digits. "µs" everywhere.
#include "ridgeline/units.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace ridgeline {

namespace {

std::string scaled(double v, const char* const* units, int n, double step, int precision = 2) {
    int i = 0;
    while (i + 1 < n && std::abs(v) >= step) {
        v /= step;
        ++i;
    }
    return fmt::format("{:.{}f} {}", v, i == 0 ? 0 : precision, units[i]);
}

/** Three significant digits, trailing zeros dropped: 989.4 → "989", 3.35 → "3.35", 10 → "10". */
std::string mantissa(double v) {
    if (v == 0) return "0";
    const int digits = static_cast<int>(std::floor(std::log10(std::abs(v)) + 1e-12)) + 1;
    std::string s = fmt::format("{:.{}f}", v, std::max(0, 3 - digits));
    if (s.find('.') != std::string::npos) {
        while (s.back() == '0') s.pop_back();
        if (s.back() == '.') s.pop_back();
    }
    return s;
}

}  // namespace

std::string human_count(double count) {
    static const char* const units[] = {"", "k", "M", "G", "T", "P"};
    return scaled(count, units, 6, 1000.0);
}

std::string human_flops(double flops) {
    static const char* const units[] = {"FLOP", "kFLOP", "MFLOP", "GFLOP", "TFLOP", "PFLOP"};
    return scaled(flops, units, 6, 1000.0);
}

std::string human_bytes(double bytes) {
    static const char* const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    return scaled(bytes, units, 5, 1024.0);
}

std::string human_time(double seconds) {
    if (seconds >= 1) return fmt::format("{:.3f} s", seconds);
    if (seconds >= 1e-3) return fmt::format("{:.3f} ms", seconds * 1e3);
    if (seconds >= 1e-6) return fmt::format("{:.2f} µs", seconds * 1e6);
    return fmt::format("{:.0f} ns", seconds * 1e9);
}

std::string si_label(double value, const std::string& unit) {
    static const char* const big[] = {"", "k", "M", "G", "T", "P", "E"};
    static const char* const small[] = {"", "m", "µ", "n"};
    if (value == 0 || !std::isfinite(value)) return unit.empty() ? "0" : "0 " + unit;
    double v = value;
    std::string prefix;
    if (std::abs(v) >= 1000) {
        int i = 0;
        while (i < 6 && std::abs(v) >= 999.5) {
            v /= 1000;
            ++i;
        }
        prefix = big[i];
    } else if (std::abs(v) < 1 && !unit.empty() && unit != "FLOP/byte") {
        int i = 0;
        while (i < 3 && std::abs(v) < 0.9995) {
            v *= 1000;
            ++i;
        }
        prefix = small[i];
    }
    const std::string u = prefix + unit;
    return u.empty() ? mantissa(v) : mantissa(v) + " " + u;
}

std::string time_label(double seconds) {
    if (seconds == 0 || !std::isfinite(seconds)) return "0";
    const double a = std::abs(seconds);
    if (a >= 0.9995) return mantissa(seconds) + " s";
    if (a >= 0.9995e-3) return mantissa(seconds * 1e3) + " ms";
    if (a >= 0.9995e-6) return mantissa(seconds * 1e6) + " µs";
    return mantissa(seconds * 1e9) + " ns";
}

std::string signed_percent(double share) { return std::isfinite(share) ? fmt::format("{:+.1f}%", 100 * share) : "n/a"; }

namespace {

/** Code points of UTF-8 text: bytes that do not continue a sequence. */
std::size_t columns(std::string_view text) {
    std::size_t n = 0;
    for (char c : text) n += (static_cast<unsigned char>(c) & 0xC0U) != 0x80U ? 1 : 0;
    return n;
}

}  // namespace

std::string right_aligned(std::string_view text, std::size_t width) {
    const auto n = columns(text);
    return std::string(n < width ? width - n : 0, ' ') + std::string(text);
}

std::string left_aligned(std::string_view text, std::size_t width) {
    const auto n = columns(text);
    return std::string(text) + std::string(n < width ? width - n : 0, ' ');
}

namespace {

/** Length of the valid UTF-8 sequence starting at text[i], or 0 when it is not one. */
std::size_t utf8_sequence(std::string_view text, std::size_t i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char c = byte(i);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        cp = c & 0x1FU;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        cp = c & 0x0FU;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        cp = c & 0x07U;
    } else {
        return 0;
    }
    if (i + n > text.size()) return 0;
    for (std::size_t k = 1; k < n; ++k) {
        if ((byte(i + k) & 0xC0U) != 0x80U) return 0;
        cp = (cp << 6) | (byte(i + k) & 0x3FU);
    }
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not valid UTF-8.
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return 0;
    }
    return n;
}

}  // namespace

std::string escape_invalid_utf8(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const auto n = utf8_sequence(text, i);
        if (n == 0) {
            out += fmt::format("\\x{:02x}", static_cast<unsigned char>(text[i]));
            ++i;
        } else {
            out.append(text.substr(i, n));
            i += n;
        }
    }
    return out;
}

std::string percent(double share) { return std::isfinite(share) ? fmt::format("{:.1f}%", 100 * share) : "n/a"; }

}  // namespace ridgeline
