// Private to lib/report: the HTML report's LLM-serving section (llm_html.cpp), written when the
// report carries LLM estimates (html_report::llm). Not installed; not part of the public API.
#pragma once

#include "ridgeline/html_report.hpp"

#include <string>

namespace ridgeline::detail {

/** Wraps an SVG document as an inline HTML figure with an optional caption (html.cpp's own). */
using figure_writer = std::string (*)(const std::string& svg, const std::string& caption);

/**
 * Appends `<section id="llm">`: the cache layout, a table of the points, decode time vs context
 * per batch, tokens/s vs batch per context, memory vs batch with the device's capacity, and the
 * prefill and decode steps on the device's roofline; one block per device of `r.llm`.
 */
void llm_section(std::string& html, const html_report& r, figure_writer figure);

}  // namespace ridgeline::detail
