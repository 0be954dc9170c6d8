// Symbolic dimensions: polynomials with integer coefficients over named symbols.
// Terms are kept sorted by their factor lists and merged, so structural equality of two
// polynomials is equality of their term vectors.
#include "ridgeline/dim.hpp"

#include "ridgeline/error.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <sstream>

namespace ridgeline {

std::int64_t checked_mul(std::int64_t a, std::int64_t b) {
    std::int64_t r = 0;
    if (__builtin_mul_overflow(a, b, &r)) {
        throw overflow_error("integer overflow computing " + std::to_string(a) + " * " + std::to_string(b));
    }
    return r;
}

std::int64_t checked_add(std::int64_t a, std::int64_t b) {
    std::int64_t r = 0;
    if (__builtin_add_overflow(a, b, &r)) {
        throw overflow_error("integer overflow computing " + std::to_string(a) + " + " + std::to_string(b));
    }
    return r;
}

namespace {

using term = dim::term;

bool factors_less(const term& a, const term& b) {
    if (a.factors.size() != b.factors.size()) return a.factors.size() > b.factors.size();
    return a.factors < b.factors;
}

std::vector<term> normalise(std::vector<term> terms) {
    std::sort(terms.begin(), terms.end(), factors_less);
    std::vector<term> out;
    for (auto& t : terms) {
        if (!out.empty() && out.back().factors == t.factors) {
            out.back().coeff = checked_add(out.back().coeff, t.coeff);
        } else {
            out.push_back(std::move(t));
        }
    }
    std::erase_if(out, [](const term& t) { return t.coeff == 0; });
    return out;
}

std::string join_factors(const std::vector<std::string>& f) {
    std::string s;
    for (std::size_t i = 0; i < f.size(); ++i) {
        if (i) s += '*';
        s += f[i];
    }
    return s;
}

/** Throws overflow_error for the one quotient int64 cannot hold (its minimum divided by -1, which
    also traps on x86 instead of wrapping). */
void check_division(std::int64_t a, std::int64_t b) {
    if (a == INT64_MIN && b == -1) {
        throw overflow_error("integer overflow computing " + std::to_string(a) + " / " + std::to_string(b));
    }
}

std::int64_t floor_div_int(std::int64_t a, std::int64_t b) {
    check_division(a, b);
    std::int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
}

std::int64_t mod_int(std::int64_t a, std::int64_t b) {
    check_division(a, b);
    std::int64_t r = a % b;
    if (r != 0 && ((r < 0) != (b < 0))) r += b;
    return r;
}

}  // namespace

dim dim::symbol(const std::string& name) {
    dim d;
    d.poly_ = std::make_shared<const std::vector<term>>(std::vector<term>{{1, {name}}});
    return d;
}

dim dim::parse(const std::string& text) {
    // term (('+'|'-') term)*, term = factor ('*' factor)*, factor = integer | identifier
    std::vector<term> terms;
    std::size_t i = 0;
    auto skip = [&] {
        while (i < text.size() && text[i] == ' ') ++i;
    };
    auto is_id = [](char c, bool first) {
        return std::isalpha(static_cast<unsigned char>(c)) || c == '_' ||
               (!first && std::isdigit(static_cast<unsigned char>(c)));
    };
    std::int64_t sign = 1;
    skip();
    while (i < text.size()) {
        term t{sign, {}};
        while (true) {
            skip();
            if (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
                std::int64_t v = 0;
                while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
                    v = checked_add(checked_mul(v, 10), text[i++] - '0');
                }
                t.coeff = checked_mul(t.coeff, v);
            } else if (i < text.size() && is_id(text[i], true)) {
                std::size_t start = i;
                while (i < text.size() && is_id(text[i], false)) ++i;
                t.factors.push_back(text.substr(start, i - start));
            } else {
                return symbol(text);
            }
            skip();
            if (i < text.size() && text[i] == '*') {
                ++i;
                continue;
            }
            break;
        }
        std::sort(t.factors.begin(), t.factors.end());
        terms.push_back(std::move(t));
        if (i == text.size()) break;
        if (text[i] != '+' && text[i] != '-') return symbol(text);
        sign = text[i++] == '+' ? 1 : -1;
        skip();
    }
    if (terms.empty()) return symbol(text);
    return from_terms(std::move(terms));
}

dim dim::opaque(const std::string& text) { return symbol("(" + text + ")"); }

std::vector<term> dim::terms() const {
    if (poly_) return *poly_;
    if (value_ == 0) return {};
    return {term{value_, {}}};
}

dim dim::from_terms(std::vector<term> terms) {
    terms = normalise(std::move(terms));
    if (terms.empty()) return dim(0);
    if (terms.size() == 1 && terms[0].factors.empty()) return dim(terms[0].coeff);
    dim d;
    d.poly_ = std::make_shared<const std::vector<term>>(std::move(terms));
    return d;
}

std::int64_t dim::require(const std::string& where) const {
    if (is_value()) return value_;
    // Name a symbol the user can bind: opaque symbols spell an expression ("(min(sequence, 512))");
    // the identifiers inside it, other than the function names, are the user's symbols.
    for (const auto& s : symbols()) {
        std::size_t i = 0;
        while (i < s.size()) {
            if (std::isalpha(static_cast<unsigned char>(s[i])) || s[i] == '_') {
                std::size_t start = i;
                while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_')) ++i;
                const auto id = s.substr(start, i - start);
                if (id != "min" && id != "max" && id != "ceil" && id != "slice" && id != "of") {
                    throw unbound_symbol_error(id, where + (s == id ? "" : " (in the dimension " + s + ")"));
                }
            } else {
                ++i;
            }
        }
    }
    throw unbound_symbol_error(symbols().front(), where);
}

bool dim::positive() const {
    if (!poly_) return value_ > 0;
    return std::all_of(poly_->begin(), poly_->end(), [](const term& t) { return t.coeff > 0; });
}

std::vector<std::string> dim::symbols() const {
    std::vector<std::string> out;
    if (!poly_) return out;
    for (const auto& t : *poly_) out.insert(out.end(), t.factors.begin(), t.factors.end());
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

dim dim::bind(const bindings& values) const {
    if (!poly_) return *this;
    std::vector<term> out;
    bool changed = false;
    for (const auto& t : *poly_) {
        term n{t.coeff, {}};
        for (const auto& f : t.factors) {
            auto it = values.find(f);
            if (it != values.end()) {
                n.coeff = checked_mul(n.coeff, it->second);
                changed = true;
            } else {
                n.factors.push_back(f);
            }
        }
        out.push_back(std::move(n));
    }
    return changed ? from_terms(std::move(out)) : *this;
}

std::string dim::to_string() const {
    if (!poly_) return std::to_string(value_);
    std::ostringstream os;
    bool first = true;
    for (const auto& t : *poly_) {
        const std::int64_t c = t.coeff;
        if (!first)
            os << (c < 0 ? " - " : " + ");
        else if (c < 0)
            os << '-';
        // The magnitude as unsigned: the int64 minimum has no positive counterpart.
        const std::uint64_t m =
            c < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(c) : static_cast<std::uint64_t>(c);
        if (t.factors.empty())
            os << m;
        else if (m == 1)
            os << join_factors(t.factors);
        else
            os << m << '*' << join_factors(t.factors);
        first = false;
    }
    return os.str();
}

dim operator+(const dim& a, const dim& b) {
    if (a.is_value() && b.is_value()) return dim(checked_add(a.value_, b.value_));
    auto t = a.terms();
    auto u = b.terms();
    t.insert(t.end(), u.begin(), u.end());
    return dim::from_terms(std::move(t));
}

dim operator-(const dim& a, const dim& b) {
    if (a.is_value() && b.is_value()) return dim(checked_add(a.value_, checked_mul(b.value_, -1)));
    auto t = a.terms();
    for (auto u : b.terms()) {
        u.coeff = checked_mul(u.coeff, -1);
        t.push_back(std::move(u));
    }
    return dim::from_terms(std::move(t));
}

dim operator*(const dim& a, const dim& b) {
    if (a.is_value() && b.is_value()) return dim(checked_mul(a.value_, b.value_));
    std::vector<term> out;
    for (const auto& x : a.terms()) {
        for (const auto& y : b.terms()) {
            term t{checked_mul(x.coeff, y.coeff), x.factors};
            t.factors.insert(t.factors.end(), y.factors.begin(), y.factors.end());
            std::sort(t.factors.begin(), t.factors.end());
            out.push_back(std::move(t));
        }
    }
    return dim::from_terms(std::move(out));
}

dim floor_div(const dim& a, const dim& b) {
    if (b.is_value() && b.value_ == 0) throw error("division by zero in a shape computation");
    if (a.is_value() && b.is_value()) return dim(floor_div_int(a.value_, b.value_));
    if (a == b) return dim(1);
    if (b.is_value()) {
        auto t = a.terms();
        bool exact = std::all_of(t.begin(), t.end(), [&](const term& x) {
            check_division(x.coeff, b.value_);
            return x.coeff % b.value_ == 0;
        });
        if (exact) {
            for (auto& x : t) x.coeff /= b.value_;
            return dim::from_terms(std::move(t));
        }
    } else if (b.poly_->size() == 1) {
        // Divide every term by a single-term divisor when it divides each exactly.
        const term& d = b.poly_->front();
        std::vector<term> out;
        bool exact = true;
        for (auto x : a.terms()) {
            check_division(x.coeff, d.coeff);
            if (x.coeff % d.coeff != 0) {
                exact = false;
                break;
            }
            for (const auto& f : d.factors) {
                auto it = std::find(x.factors.begin(), x.factors.end(), f);
                if (it == x.factors.end()) {
                    exact = false;
                    break;
                }
                x.factors.erase(it);
            }
            if (!exact) break;
            x.coeff /= d.coeff;
            out.push_back(std::move(x));
        }
        if (exact) return dim::from_terms(std::move(out));
    }
    return dim::opaque(a.to_string() + " // " + b.to_string());
}

dim ceil_div(const dim& a, const dim& b) {
    if (a.is_value() && b.is_value()) {
        if (b.value_ == 0) throw error("division by zero in a shape computation");
        return dim(-floor_div_int(checked_mul(a.value_, -1), b.value_));
    }
    dim q = floor_div(a, b);
    if (q.is_value() || q.to_string().find("//") == std::string::npos) return q;  // exact
    return dim::opaque("ceil(" + a.to_string() + " / " + b.to_string() + ")");
}

dim mod(const dim& a, const dim& b) {
    if (a.is_value() && b.is_value()) {
        if (b.value_ == 0) throw error("modulo by zero in a shape computation");
        return dim(mod_int(a.value_, b.value_));
    }
    if (a == b) return dim(0);
    return dim::opaque(a.to_string() + " % " + b.to_string());
}

dim min(const dim& a, const dim& b) {
    if (a.is_value() && b.is_value()) return dim(std::min(a.value_, b.value_));
    if (a == b) return a;
    return dim::opaque("min(" + a.to_string() + ", " + b.to_string() + ")");
}

dim max(const dim& a, const dim& b) {
    if (a.is_value() && b.is_value()) return dim(std::max(a.value_, b.value_));
    if (a == b) return a;
    return dim::opaque("max(" + a.to_string() + ", " + b.to_string() + ")");
}

bool operator==(const dim& a, const dim& b) {
    if (a.is_value() != b.is_value()) return false;
    if (a.is_value()) return a.value_ == b.value_;
    if (a.poly_ == b.poly_) return true;
    const auto& x = *a.poly_;
    const auto& y = *b.poly_;
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i) {
        if (x[i].coeff != y[i].coeff || x[i].factors != y[i].factors) return false;
    }
    return true;
}

std::string shape_to_string(const shape& s) {
    std::string out;
    out.reserve(2 + 8 * s.size());
    out += '[';
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (i) out += ", ";
        if (s[i].is_value()) {  // the common case, written in place without a temporary string
            char buf[24];
            const auto r = std::to_chars(buf, buf + sizeof buf, s[i].value());
            out.append(buf, r.ptr);
        } else {
            out += s[i].to_string();
        }
    }
    out += ']';
    return out;
}

dim shape_elements(const shape& s) {
    dim n(1);
    for (const auto& d : s) n = n * d;
    return n;
}

}  // namespace ridgeline
