/**
 * @file dim.hpp
 * Tensor dimensions that are either a number or a symbolic expression over named symbols
 * (`batch`, `sequence`), and the checked 64-bit arithmetic every shape and count uses.
 *
 * A symbolic `dim` is a polynomial with integer coefficients (`batch*sequence`, `2*sequence + 1`);
 * operations the polynomial ring cannot express exactly (a floor division that does not divide,
 * a modulo, a min) yield an opaque symbol whose name spells the expression, so nothing is ever
 * silently approximated. Binding symbols to numbers (`bindings`) turns every dim into a number.
 *
 * @code
 * ridgeline::dim b = ridgeline::dim::symbol("batch");
 * ridgeline::dim n = b * ridgeline::dim(197);          // 197*batch
 * assert(n.to_string() == "197*batch");
 * assert(n.bind({{"batch", 2}}).value() == 394);
 * @endcode
 */
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ridgeline {

/** Symbol values chosen by the user, e.g. {{"batch", 32}, {"sequence", 384}}. */
using bindings = std::map<std::string, std::int64_t, std::less<>>;

/** a*b, throwing `overflow_error` instead of wrapping. @code checked_mul(3, 4) == 12 @endcode */
std::int64_t checked_mul(std::int64_t a, std::int64_t b);
/** a+b, throwing `overflow_error` instead of wrapping. @code checked_add(3, 4) == 7 @endcode */
std::int64_t checked_add(std::int64_t a, std::int64_t b);

/** One dimension: a non-negative number, or a symbolic polynomial. Cheap to copy. */
class dim {
public:
    /** A numeric dimension. @code dim d(224); @endcode */
    dim(std::int64_t value = 0) : value_(value) {}  // NOLINT(google-explicit-constructor)
    /** A named symbol. @code dim::symbol("batch") @endcode */
    static dim symbol(const std::string& name);

    /**
     * Parses a dim_param: a number, a symbol, or a polynomial such as "12*batch" or
     * "batch*sequence + 1" (what newer exporters write); anything else becomes one symbol.
     * @code dim::parse("197*batch") == dim(197) * dim::symbol("batch") @endcode
     */
    static dim parse(const std::string& text);
    /** True when the dimension is a plain number. */
    [[nodiscard]] bool is_value() const noexcept { return !poly_; }
    /** The number; only meaningful when `is_value()`. */
    [[nodiscard]] std::int64_t value() const noexcept { return value_; }
    /** The number, or throws `unbound_symbol_error` naming the first free symbol and `where`. */
    [[nodiscard]] std::int64_t require(const std::string& where) const;
    /** True when every term has a positive coefficient (a symbolic size, hence >= 1). */
    [[nodiscard]] bool positive() const;
    /** Names of the symbols this dimension depends on, sorted. */
    [[nodiscard]] std::vector<std::string> symbols() const;
    /** Substitutes bound symbols; fully bound dims become numbers. */
    [[nodiscard]] dim bind(const bindings& values) const;
    /** Human text: "224", "batch", "197*batch", "2*sequence + 1". */
    [[nodiscard]] std::string to_string() const;

    friend dim operator+(const dim& a, const dim& b);
    friend dim operator-(const dim& a, const dim& b);
    friend dim operator*(const dim& a, const dim& b);
    /** Floor division; exact symbolic quotient where it exists, else an opaque symbol. */
    friend dim floor_div(const dim& a, const dim& b);
    /** Ceiling division, as used by pooling and convolution output sizes. */
    friend dim ceil_div(const dim& a, const dim& b);
    /** Python-style modulo (result has the divisor's sign). */
    friend dim mod(const dim& a, const dim& b);
    /** Minimum and maximum; opaque when symbolic operands differ. */
    friend dim min(const dim& a, const dim& b);
    friend dim max(const dim& a, const dim& b);
    /** Structural equality (same number, or same polynomial). */
    friend bool operator==(const dim& a, const dim& b);

    /** One term of the polynomial: coefficient × product of symbols (repeats mean powers). */
    struct term {
        std::int64_t coeff = 0;           /**< Integer coefficient. */
        std::vector<std::string> factors; /**< Sorted symbol names. */
    };

private:
    static dim from_terms(std::vector<term> terms);
    static dim opaque(const std::string& text);
    [[nodiscard]] std::vector<term> terms() const;

    std::int64_t value_ = 0;
    std::shared_ptr<const std::vector<term>> poly_;
};

/** A shape: one `dim` per axis. */
using shape = std::vector<dim>;

/** "[batch, 3, 224, 224]". @code shape_to_string({dim::symbol("batch"), 3}) @endcode */
std::string shape_to_string(const shape& s);
/** Product of the dims (symbolic when any is). */
dim shape_elements(const shape& s);

}  // namespace ridgeline
