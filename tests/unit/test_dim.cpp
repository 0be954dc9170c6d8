// Symbolic dimensions: arithmetic, binding, parsing, checked overflow.
#include "ridgeline/dim.hpp"
#include "ridgeline/error.hpp"

#include <doctest/doctest.h>

#include <limits>

using ridgeline::dim;

TEST_CASE("polynomial arithmetic and binding") {
    const dim b = dim::symbol("batch");
    const dim s = dim::symbol("sequence");
    CHECK((b * dim(197)).to_string() == "197*batch");
    CHECK((b * s * dim(12)).to_string() == "12*batch*sequence");
    CHECK((s + dim(1) - dim(1)) == s);
    CHECK(floor_div(b * s * dim(768), b * s * dim(12)) == dim(64));  // Reshape -1 with symbols
    CHECK(floor_div(b * dim(6), dim(3)) == b * dim(2));
    CHECK((b * dim(197)).bind({{"batch", 2}}).value() == 394);
    CHECK(floor_div(s, dim(3)).to_string() == "(sequence // 3)");  // not exact: opaque, never rounded
    CHECK(mod(dim(7), dim(-3)) == dim(-2));                        // Python semantics
    CHECK(ceil_div(dim(7), dim(2)) == dim(4));
    CHECK(min(s, s) == s);
}

TEST_CASE("dim_param expressions parse into polynomials") {
    CHECK(dim::parse("197*batch") == dim(197) * dim::symbol("batch"));
    CHECK(dim::parse("batch*sequence + 1") == dim::symbol("batch") * dim::symbol("sequence") + dim(1));
    CHECK(dim::parse("s0 - 2").to_string() == "s0 - 2");
    CHECK(dim::parse("floor(s0/2)").to_string() == "floor(s0/2)");  // unknown syntax: one symbol
}

TEST_CASE("require names the symbol a user can bind") {
    const dim opaque = min(dim::symbol("sequence"), dim(512));
    try {
        (void)opaque.require("node 'x'");
        FAIL("expected an unbound_symbol_error");
    } catch (const ridgeline::unbound_symbol_error& e) {
        CHECK(e.symbol() == "sequence");
    }
}

TEST_CASE("checked arithmetic refuses to wrap") {
    constexpr auto big = std::numeric_limits<std::int64_t>::max() / 2 + 1;
    CHECK_THROWS_AS(ridgeline::checked_mul(big, 2), ridgeline::overflow_error);
    CHECK_THROWS_AS(dim(big) + dim(big), ridgeline::overflow_error);
    CHECK(ridgeline::checked_mul(1 << 20, 1 << 20) == (std::int64_t{1} << 40));
}
