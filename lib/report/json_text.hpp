// Private to lib/report: JSON written so that it never fails on the names inside it. Names come
// from model files (nodes, values, symbols, op types) and may hold bytes that are not UTF-8;
// nlohmann::json refuses to dump those (type_error 316). Every string and key is passed through
// escape_invalid_utf8 first, so such a byte reads "\xNN" (the backslash itself JSON-escaped).
#pragma once

#include "ridgeline/units.hpp"

#include <nlohmann/json.hpp>

#include <ostream>

namespace ridgeline::report_detail {

/** `j` with every string value and object key made valid UTF-8 (escape_invalid_utf8). */
inline nlohmann::json printable(const nlohmann::json& j) {
    if (j.is_string()) return escape_invalid_utf8(j.get_ref<const std::string&>());
    if (j.is_array()) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& e : j) out.push_back(printable(e));
        return out;
    }
    if (j.is_object()) {
        nlohmann::json out = nlohmann::json::object();
        for (const auto& [k, v] : j.items()) out[escape_invalid_utf8(k)] = printable(v);
        return out;
    }
    return j;
}

/** Writes `j` (made printable) with `indent`, then a newline. */
inline void write_json_text(std::ostream& out, const nlohmann::json& j, int indent) {
    out << printable(j).dump(indent) << '\n';
}

}  // namespace ridgeline::report_detail
