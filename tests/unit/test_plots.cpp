// Plots and reports people look at: every SVG parses as XML and has the structure it promises
// (axes with labelled units, one polyline per ceiling, one point per kernel layer, no point above
// its roofline, one legend entry per op type), the HTML report is one self-contained page, and
// the text reporters keep their structure (matched by pattern, not by digits).
#include "model_builder.hpp"

#include "ridgeline/html_report.hpp"
#include "ridgeline/onnx_import.hpp"
#include "ridgeline/plot.hpp"
#include "ridgeline/report.hpp"
#include "ridgeline/sweep.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <pugixml.hpp>

#include <sys/wait.h>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

using namespace ridgeline;

namespace {

/** The namespace attribute every inline SVG carries (so a saved SVG opens). */
const std::string svg_ns = R"( xmlns="http://www.w3.org/2000/svg")";

/** Parses an SVG or XHTML text; fails the test when it is not well-formed XML. */
std::unique_ptr<pugi::xml_document> parse(const std::string& text) {
    auto doc = std::make_unique<pugi::xml_document>();
    const auto res = doc->load_string(text.c_str(), pugi::parse_default | pugi::parse_doctype);
    INFO("XML error: " << res.description() << " at offset " << res.offset << ": "
                       << text.substr(static_cast<std::size_t>(std::max<std::ptrdiff_t>(0, res.offset - 60)), 120));
    REQUIRE(res);
    return doc;
}

/** Elements whose class list contains `cls`, in document order. */
pugi::xpath_node_set with_class(const pugi::xml_node& root, const std::string& cls) {
    return root.select_nodes(
        ("descendant-or-self::*[contains(concat(' ', normalize-space(@class), ' '), ' " + cls + " ')]").c_str());
}

std::string text_of(const pugi::xml_node& n) { return n.text().as_string(); }

/** The axis mapping a plot area carries in its data-* attributes. */
std::pair<axis_map, axis_map> axes_of(const pugi::xml_node& area) {
    axis_map x{area.attribute("data-x-log").as_int() == 1, area.attribute("data-x-min").as_double(),
               area.attribute("data-x-max").as_double(), area.attribute("data-x-px-min").as_double(),
               area.attribute("data-x-px-max").as_double()};
    axis_map y{area.attribute("data-y-log").as_int() == 1, area.attribute("data-y-min").as_double(),
               area.attribute("data-y-max").as_double(), area.attribute("data-y-px-min").as_double(),
               area.attribute("data-y-px-max").as_double()};
    return {x, y};
}

/** Text width the plots assume (same estimate as the library's, kept independent here). */
double est_width(const std::string& s, double font) {
    std::size_t n = 0;
    for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return static_cast<double>(n) * font * 0.62;
}

/** A device with an L2 bandwidth (no shipped spec has one). */
hw_spec gpu_with_l2() {
    const auto dir = std::filesystem::temp_directory_path() / "ridgeline_plot_test";
    std::filesystem::create_directories(dir);
    const auto p = dir / "l2gpu.yaml";
    std::ofstream(p)
        << "id: l2gpu\nname: L2 GPU\nkind: gpu\nsources: [test]\ncompute: {sm_count: 8}\n"
           "peak_tflops: {fp32: 10, tf32_tensor: 40, fp16_tensor: 80}\n"
           "memory:\n  dram: {capacity_gib: 8, bandwidth_gbps: 500}\n  l2: {size_mib: 6, bandwidth_gbps: 2500}\n";
    return load_hw_file(p.string());
}

/** A small MLP with a softmax: 5 kernels, 4 op types (MatMul ×2, Relu, Add, Softmax), all with FLOPs. */
struct small_model {
    graph g;
    model_cost m;
};

small_model mlp(bool with_transpose = false, bool symbolic_batch = false) {
    test::model_builder b;
    if (symbolic_batch)
        b.input("x", dtype::f32, {std::string("batch"), 64});
    else
        b.input("x", dtype::f32, {32, 64});
    b.weight("w1", dtype::f32, {64, 256}).weight("w2", dtype::f32, {256, 10}).weight("bias", dtype::f32, {10});
    b.node("MatMul", {"x", "w1"}, {"a"}, "fc1");
    b.node("Relu", {"a"}, {"r"}, "relu");
    b.node("MatMul", {"r", "w2"}, {"c"}, "fc2");
    b.node("Add", {"c", "bias"}, {"d"}, "bias_add");
    b.node("Softmax", {"d"}, {with_transpose ? "s" : "y"}, "softmax");
    if (with_transpose) b.node("Transpose", {"s"}, {"y"}, "transpose");
    b.output("y");
    small_model s{b.load(), {}};
    shape_options o;
    if (symbolic_batch) o.batch = 4;
    REQUIRE(infer_shapes(s.g, o).ok());
    s.m = analyze(s.g);
    return s;
}

std::size_t kernel_layers(const model_cost& m) {
    std::size_t n = 0;
    for (const auto& l : m.layers) n += l.is_kernel() ? 1 : 0;
    return n;
}

std::size_t kernel_layers_with_flops(const model_cost& m) {
    std::size_t n = 0;
    for (const auto& l : m.layers) n += l.is_kernel() && l.forward.flops() > 0 ? 1 : 0;
    return n;
}

/** The roofline checks every roofline SVG must pass; returns the number of points drawn. */
std::size_t check_roofline_panel(const pugi::xml_node& panel, const roofline_data& d) {
    // Axes with labels and units.
    const auto x_axis = with_class(panel, "x-axis");
    const auto y_axis = with_class(panel, "y-axis");
    REQUIRE(x_axis.size() == 1);
    REQUIRE(y_axis.size() == 1);
    const auto x_label = with_class(x_axis.first().node(), "axis-label");
    REQUIRE(x_label.size() == 1);
    CHECK(text_of(x_label.first().node()).find("(FLOP/byte)") != std::string::npos);
    CHECK(x_axis.first().node().attribute("data-log").as_int() == 1);
    CHECK(y_axis.first().node().attribute("data-log").as_int() == 1);
    CHECK(with_class(x_axis.first().node(), "tick").size() >= 2);
    // One polyline per ceiling, each on min(peak, intensity × bandwidth) in data coordinates.
    const auto areas = with_class(panel, "plot-area");
    REQUIRE(areas.size() == 1);
    const auto [xm, ym] = axes_of(areas.first().node());
    const auto ceilings = with_class(panel, "ceiling");
    REQUIRE(ceilings.size() == d.ceilings.size());
    std::map<std::string, std::pair<double, double>> roof_of;  // id -> (peak, bandwidth)
    for (const auto& c : ceilings) {
        const auto n = c.node();
        CHECK(std::string(n.name()) == "polyline");
        const double peak = n.attribute("data-peak-flops-per-s").as_double();
        const double bw = n.attribute("data-bandwidth-bytes-per-s").as_double();
        roof_of[n.attribute("data-ceiling").as_string()] = {peak, bw};
        std::istringstream pts(n.attribute("points").as_string());
        std::string pair;
        int vertices = 0;
        while (pts >> pair) {
            const auto comma = pair.find(',');
            const double ox = xm.to_data(std::stod(pair.substr(0, comma)));
            const double oy = ym.to_data(std::stod(pair.substr(comma + 1)));
            CHECK(oy == doctest::Approx(std::min(peak, ox * bw)).epsilon(0.01));
            ++vertices;
        }
        CHECK(vertices >= 2);
        CHECK(vertices <= 3);
    }
    // Points: one per kernel layer with FLOPs, never above the roof of their class.
    const auto points = with_class(panel, "point");
    CHECK(points.size() == d.points.size());
    for (const auto& p : points) {
        const auto n = p.node();
        CHECK(std::string(n.name()) == "circle");
        const auto& [peak, bw] = roof_of.at(n.attribute("data-ceiling").as_string());
        const double oi = xm.to_data(n.attribute("cx").as_double());
        const double perf = ym.to_data(n.attribute("cy").as_double());
        CHECK(oi == doctest::Approx(n.attribute("data-intensity").as_double()).epsilon(0.01));
        CHECK(perf <= std::min(peak, oi * bw) * 1.01);  // pixel rounding only
        // In pixels (y grows downwards): at or below the roof's pixel at the same x.
        CHECK(n.attribute("cy").as_double() >= ym.to_pixel(std::min(peak, oi * bw)) - 0.5);
        CHECK(n.attribute("data-flops-per-s").as_double() <=
              n.attribute("data-roof-flops-per-s").as_double() * (1 + 1e-9));
        CHECK(n.child("title"));  // hover text names the layer
    }
    // Ridge points marked and labelled.
    const auto ridges = with_class(panel, "ridge");
    CHECK(ridges.size() == d.ceilings.size());
    bool labelled = false;
    for (const auto& r : ridges) {
        for (const auto& t : with_class(r.node(), "ridge-label")) {
            labelled = labelled || text_of(t.node()).find("FLOP/B") != std::string::npos;
        }
    }
    CHECK(labelled);
    // Roof labels do not overlap each other.
    std::vector<std::array<double, 4>> boxes;
    for (const auto& t : with_class(panel, "ceiling-label")) {
        const auto n = t.node();
        const double x = n.attribute("x").as_double(), y = n.attribute("y").as_double();
        const double w = est_width(text_of(n), 13);
        boxes.push_back({x - w, y - 11, x, y + 3});  // anchored at the end
    }
    for (std::size_t i = 0; i < boxes.size(); ++i) {
        for (std::size_t j = i + 1; j < boxes.size(); ++j) {
            const bool apart = boxes[i][2] <= boxes[j][0] || boxes[j][2] <= boxes[i][0] || boxes[i][3] <= boxes[j][1] ||
                               boxes[j][3] <= boxes[i][1];
            CHECK(apart);
        }
    }
    return points.size();
}

/** X tick labels of every x axis in `root` do not overlap (estimated widths). */
void check_x_ticks_apart(const pugi::xml_node& root, double font = 13) {
    for (const auto& axis : with_class(root, "x-axis")) {
        std::vector<std::pair<double, double>> spans;
        for (const auto& t : with_class(axis.node(), "tick")) {
            const double x = t.node().attribute("x").as_double();
            const double w = est_width(text_of(t.node()), font);
            spans.push_back({x - w / 2, x + w / 2});
        }
        std::sort(spans.begin(), spans.end());
        for (std::size_t i = 1; i < spans.size(); ++i) CHECK(spans[i - 1].second <= spans[i].first + 0.5);
    }
}

}  // namespace

TEST_CASE("axis mapping: log and linear, inverse of each other") {
    axis_map x{true, 0.1, 1000, 80, 680};
    CHECK(x.to_pixel(10) == doctest::Approx(380));
    CHECK(x.to_data(380) == doctest::Approx(10));
    axis_map y{false, 0, 10, 400, 100};
    CHECK(y.to_pixel(5) == doctest::Approx(250));
    CHECK(y.to_data(y.to_pixel(7.5)) == doctest::Approx(7.5));
}

TEST_CASE("tick labels: SI prefixes with units, times") {
    CHECK(si_label(1e13, "FLOP/s") == "10 TFLOP/s");
    CHECK(si_label(2.94e12, "B/s") == "2.94 TB/s");
    CHECK(si_label(1500, "") == "1.5 k");
    CHECK(si_label(0.1, "") == "0.1");
    CHECK(si_label(0, "FLOP/s") == "0 FLOP/s");
    CHECK(time_label(2.5e-4) == "250 µs");
    CHECK(time_label(1.5e-3) == "1.5 ms");
    CHECK(time_label(2) == "2 s");
}

TEST_CASE("roofline data: one point per kernel layer, on or under its class's roof") {
    auto s = mlp();
    const auto hw = load_hw("h100-sxm");
    const auto pred = predict(s.m, hw, dtype::f32);
    const auto d = roofline_for(s.m, pred, hw);
    REQUIRE(kernel_layers(s.m) == 5);
    CHECK(d.points.size() == 5);
    CHECK(d.kernels_without_flops == 0);
    std::set<std::string> ops;
    for (const auto& p : d.points) {
        ops.insert(p.op_type);
        const auto& c = d.ceilings[p.ceiling];
        CHECK(p.flops_per_s <= c.attainable(p.operational_intensity));
        CHECK(p.flops_per_s == doctest::Approx(pred.layers[p.layer].attainable_flops_per_s));
        CHECK(c.applies_to ==
              (s.m.layers[p.layer].forward.flops_matmul > 0 ? std::string("matmul") : std::string("vector")));
    }
    CHECK(ops == std::set<std::string>{"MatMul", "Relu", "Add", "Softmax"});
    // h100-sxm: fp32 matmul (measured) and vector roofs differ, so two ceilings, DRAM slope shared;
    // and an L2 slope (its rate derived from the H200's measured one, same architecture).
    REQUIRE(d.ceilings.size() == 3);
    CHECK(d.ceilings[0].bandwidth_bytes_per_s == d.ceilings[1].bandwidth_bytes_per_s);
    CHECK(d.ceilings[2].applies_to == "cache");
    // A measured time faster than the roof allows is clamped to the roof, and said so.
    std::vector<double> measured(s.m.layers.size(), 0.0);
    measured[d.points[0].layer] = 1e-15;
    measured[d.points[1].layer] = 1.0;  // slow: drawn where it was measured
    const auto dm = roofline_for(s.m, pred, hw, measured);
    CHECK(dm.clamped_points == 1);
    CHECK(dm.points[0].clamped);
    CHECK(dm.points[0].flops_per_s == doctest::Approx(dm.points[0].roof_flops_per_s));
    CHECK(dm.points[1].measured);
    CHECK(dm.points[1].flops_per_s ==
          doctest::Approx(static_cast<double>(s.m.layers[dm.points[1].layer].forward.flops())));
    CHECK_THROWS(roofline_for(s.m, pred, hw, {1.0, 2.0}));

    // Predicted times place each point at FLOPs / predicted time, under its roof; a measured time
    // for the same layer wins; the roofs do not move.
    std::vector<double> predicted(s.m.layers.size(), 0.0);
    for (const auto& p : d.points) predicted[p.layer] = 2.0;
    const auto dp = roofline_for(s.m, pred, hw, {}, predicted);
    REQUIRE(dp.points.size() == d.points.size());
    for (const auto& p : dp.points) {
        CHECK(p.predicted);
        CHECK_FALSE(p.measured);
        CHECK(p.flops_per_s == doctest::Approx(static_cast<double>(s.m.layers[p.layer].forward.flops()) / 2.0));
        CHECK(p.flops_per_s < p.roof_flops_per_s);
    }
    CHECK(dp.ceilings.size() == d.ceilings.size());
    const auto both = roofline_for(s.m, pred, hw, measured, predicted);
    CHECK(both.points[1].measured);
    CHECK_FALSE(both.points[1].predicted);
    CHECK(both.points[2].predicted);
    CHECK_THROWS(roofline_for(s.m, pred, hw, {}, {1.0}));
}

TEST_CASE("roofline SVG: axes, one polyline per ceiling, points, legend, ridge") {
    auto s = mlp();
    for (const auto& hw : {load_hw("h100-sxm"), load_hw("t4"), gpu_with_l2()}) {
        CAPTURE(hw.id);
        const auto d = roofline_for(s.m, predict(s.m, hw, dtype::f32), hw);
        const auto svg = svg_roofline(d);
        const auto doc = parse(svg);
        const auto root = doc->child("svg");
        REQUIRE(root);
        CHECK(root.child("title"));
        CHECK(with_class(root, "title").size() == 1);
        CHECK(check_roofline_panel(root, d) == kernel_layers(s.m));
        // y tick labels carry FLOP/s with SI prefixes.
        bool si = false;
        for (const auto& t : with_class(with_class(root, "y-axis").first().node(), "tick")) {
            si = si || std::regex_search(text_of(t.node()), std::regex(R"(^[0-9.]+ [kMGTP]FLOP/s$)"));
        }
        CHECK(si);
        // Legend: one entry per distinct op type.
        std::set<std::string> ops;
        for (const auto& p : d.points) ops.insert(p.op_type);
        const auto entries = with_class(root, "legend-entry");
        CHECK(entries.size() == ops.size());
        for (const auto& e : entries) CHECK(ops.count(e.node().attribute("data-op").as_string()) == 1);
        check_x_ticks_apart(root);
    }
    // t4 at fp32 has one roof for matmul and vector work; the L2 device adds an L2 ceiling.
    CHECK(roofline_for(s.m, predict(s.m, load_hw("t4"), dtype::f32), load_hw("t4")).ceilings.size() == 1);
    const auto l2 = gpu_with_l2();
    const auto dl2 = roofline_for(s.m, predict(s.m, l2, dtype::f16), l2);
    REQUIRE(dl2.ceilings.size() == 3);
    CHECK(dl2.ceilings[2].applies_to == "cache");
    CHECK(dl2.ceilings[2].bandwidth_bytes_per_s == doctest::Approx(2500e9));
}

TEST_CASE("roofline SVG: kernels without FLOPs are counted in a note, not drawn") {
    auto s = mlp(true);
    const auto hw = load_hw("a100-sxm-80gb");
    const auto d = roofline_for(s.m, predict(s.m, hw, dtype::f16), hw);
    CHECK(kernel_layers(s.m) == 6);
    CHECK(d.points.size() == kernel_layers_with_flops(s.m));
    CHECK(d.kernels_without_flops == 1);
    const auto doc = parse(svg_roofline(d));
    CHECK(with_class(doc->child("svg"), "point").size() == 5);
    bool noted = false;
    for (const auto& n : with_class(doc->child("svg"), "note"))
        noted = noted || text_of(n.node()).find("without FLOPs") != std::string::npos;
    CHECK(noted);
}

TEST_CASE("small multiples: one panel per device on shared axes, one legend") {
    auto g = load_onnx(std::string(RIDGELINE_TEST_DATA) + "/resnet18.onnx");
    shape_options o;
    o.batch = 2;
    REQUIRE(infer_shapes(g, o).ok());
    const auto m = analyze(g);
    std::vector<roofline_data> ds;
    for (const char* id : {"h100-sxm", "t4", "a100-sxm-80gb"}) {
        const auto hw = load_hw(id);
        ds.push_back(roofline_for(m, predict(m, hw, dtype::f32), hw));
    }
    const auto doc = parse(svg_roofline_multiples(ds));
    const auto root = doc->child("svg");
    const auto panels = with_class(root, "panel");
    REQUIRE(panels.size() == 3);
    std::set<std::string> x_ranges;
    std::set<std::string> ops;
    for (std::size_t i = 0; i < 3; ++i) {
        CAPTURE(ds[i].device_id);
        const auto panel = panels[i].node();
        CHECK(std::string(panel.attribute("data-device").as_string()) == ds[i].device_id);
        CHECK(check_roofline_panel(panel, ds[i]) == kernel_layers_with_flops(m));
        const auto area = with_class(panel, "plot-area").first().node();
        x_ranges.insert(fmt::format("{} {} {} {}", area.attribute("data-x-min").as_string(),
                                    area.attribute("data-x-max").as_string(), area.attribute("data-y-min").as_string(),
                                    area.attribute("data-y-max").as_string()));
        for (const auto& p : ds[i].points) ops.insert(p.op_type);
    }
    CHECK(x_ranges.size() == 1);  // shared axes
    CHECK(with_class(root, "legend-entry").size() == ops.size());
    // resnet18's kernels: Conv, Relu, MaxPool, Add, GlobalAveragePool, Gemm.
    CHECK(ops.size() == 6);
    check_x_ticks_apart(root);
}

TEST_CASE("latency scatters: linear within two decades, log beyond, with a note") {
    std::vector<model_sample> narrow, wide;
    for (int i = 1; i <= 5; ++i) {
        for (const char* dev : {"t4", "h100-sxm"}) {
            const double k = dev[0] == 't' ? 5.0 : 1.0;
            narrow.push_back({fmt::format("m{}", i), dev, 1e9 * i, 1e6 * i, 1e-3 * i * k});
            wide.push_back({fmt::format("m{}", i), dev, std::pow(10.0, 8 + i), 1e6 * i, 1e-3 * i * k});
        }
    }
    for (auto x : {scatter_x::flops, scatter_x::params}) {
        const auto dn = parse(svg_latency_scatter(narrow, x));
        const auto area = with_class(dn->child("svg"), "plot-area").first().node();
        CHECK(area.attribute("data-x-log").as_int() == 0);
        CHECK(area.attribute("data-y-log").as_int() == 0);
        CHECK(with_class(dn->child("svg"), "point").size() == narrow.size());
        CHECK(with_class(dn->child("svg"), "legend-entry").size() == 2);
        const auto x_label =
            text_of(with_class(with_class(dn->child("svg"), "x-axis").first().node(), "axis-label").first().node());
        CHECK(x_label == (x == scatter_x::flops ? "work (FLOPs)" : "parameters (count)"));
        check_x_ticks_apart(dn->child("svg"));
    }
    const auto dw = parse(svg_latency_scatter(wide, scatter_x::flops));
    const auto area = with_class(dw->child("svg"), "plot-area").first().node();
    CHECK(area.attribute("data-x-log").as_int() == 1);  // 4 decades of FLOPs
    CHECK(area.attribute("data-y-log").as_int() == 0);  // latency spans 25x: under 2 decades
    bool noted = false;
    for (const auto& n : with_class(dw->child("svg"), "note"))
        noted = noted || text_of(n.node()).find("Log scale on x axis") != std::string::npos;
    CHECK(noted);
    // Every marker is where its data say, under the axis mapping.
    const auto [xm, ym] = axes_of(area);
    for (const auto& p : with_class(dw->child("svg"), "point")) {
        const auto n = p.node();
        if (std::string(n.name()) != "circle") continue;
        CHECK(xm.to_data(n.attribute("cx").as_double()) ==
              doctest::Approx(n.attribute("data-x").as_double()).epsilon(0.01));
        CHECK(ym.to_data(n.attribute("cy").as_double()) ==
              doctest::Approx(n.attribute("data-y").as_double()).epsilon(0.01));
    }
    check_x_ticks_apart(dw->child("svg"));
}

TEST_CASE("sweep plots: one line per device, one marker per point") {
    auto s = mlp(false, true);
    const std::vector<hw_spec> devices = {load_hw("t4"), load_hw("h100-sxm")};
    sweep_axes axes;
    axes.batches = {1, 2, 4, 8, 16, 32, 64, 128, 256};
    const auto pts = sweep(s.g, {}, devices, axes);
    REQUIRE(pts.size() == 18);
    for (auto metric : {sweep_metric::throughput, sweep_metric::per_item_time, sweep_metric::gpu_time}) {
        const auto doc = parse(svg_sweep(pts, metric));
        const auto root = doc->child("svg");
        CHECK(with_class(root, "series").size() == 2);
        CHECK(with_class(root, "point").size() == pts.size());
        CHECK(with_class(root, "legend-entry").size() == 2);
        CHECK(with_class(root, "plot-area").first().node().attribute("data-x-log").as_int() == 1);  // 1..256
        const auto y_label =
            text_of(with_class(with_class(root, "y-axis").first().node(), "axis-label").first().node());
        CHECK(y_label.find(metric == sweep_metric::throughput ? "(items/s)" : "(s)") != std::string::npos);
        check_x_ticks_apart(root);
    }
}

TEST_CASE("op-type bars: sorted by the first device, one bar per device and op type") {
    auto s = mlp();
    std::vector<op_time_series> series;
    for (const char* id : {"t4", "h100-sxm"}) {
        const auto lat = predict_latency(s.g, s.m, load_hw(id), dtype::f32);
        const auto by_op = op_type_times(lat);
        double sum = 0;
        for (const auto& [op, t] : by_op) sum += t;
        CHECK(sum == doctest::Approx(lat.gpu_time_s));
        series.push_back({id, by_op});
    }
    const std::size_t cats = series[0].time_s_by_op.size();
    const auto doc = parse(svg_op_time_bars(series));
    const auto bars = with_class(doc->child("svg"), "bar");
    REQUIRE(bars.size() == cats * 2);
    double last = 1e300;
    for (const auto& b : bars) {
        if (std::string(b.node().attribute("data-device").as_string()) != "t4") continue;
        const double t = b.node().attribute("data-time-s").as_double();
        CHECK(t <= last);
        last = t;
    }
    CHECK(with_class(doc->child("svg"), "legend-entry").size() == 2);
    // Folding: at most max_bars rows, the tail summed into "other".
    const auto folded = parse(svg_op_time_bars({series[0]}, {}, 3));
    const auto fb = with_class(folded->child("svg"), "bar");
    REQUIRE(fb.size() == 3);
    CHECK(std::string(fb[2].node().attribute("data-op").as_string()) == "other");
}

TEST_CASE("Spearman rank correlation") {
    CHECK(spearman_rank_correlation({1, 2, 3, 4}, {10, 20, 30, 25}) == doctest::Approx(0.8));
    CHECK(spearman_rank_correlation({1, 2, 3, 4, 5}, {5, 4, 3, 2, 1}) == doctest::Approx(-1));
    CHECK(spearman_rank_correlation({1, 2, 2, 3}, {10, 20, 20, 30}) == doctest::Approx(1));  // ties share their rank
    CHECK(std::isnan(spearman_rank_correlation({1, 2}, {2, 1})));
    CHECK(std::isnan(spearman_rank_correlation({1, 1, 1}, {1, 2, 3})));
    // Without ties: 1 - 6 Σd² / (n(n² - 1)).
    const std::vector<double> a = {3.1, 0.2, 9.9, 4.4, 7.0, 1.5, 8.8}, b = {2, 1, 7, 3, 4, 6, 5};
    std::vector<double> ra = {3, 1, 7, 4, 5, 2, 6};
    double d2 = 0;
    for (std::size_t i = 0; i < a.size(); ++i) d2 += (ra[i] - b[i]) * (ra[i] - b[i]);
    CHECK(spearman_rank_correlation(a, b) == doctest::Approx(1 - 6 * d2 / (7.0 * 48)));
    CHECK_THROWS(spearman_matrix({"a"}, {{1, 2}, {3, 4}}));
}

TEST_CASE("correlation heat map: labelled cells with the coefficient") {
    const auto c = spearman_matrix({"FLOPs", "params", "latency t4", "constant"},
                                   {{1, 2, 3, 4, 5}, {2, 1, 4, 3, 5}, {1, 3, 2, 5, 4}, {7, 7, 7, 7, 7}});
    CHECK(c.rho[0][0] == doctest::Approx(1));
    CHECK(c.rho[0][1] == doctest::Approx(c.rho[1][0]));
    const auto doc = parse(svg_correlation_heatmap(c));
    const auto cells = with_class(doc->child("svg"), "cell");
    REQUIRE(cells.size() == 16);
    for (const auto& cell : cells) {
        const auto i = static_cast<std::size_t>(cell.node().attribute("data-row").as_int());
        const auto j = static_cast<std::size_t>(cell.node().attribute("data-col").as_int());
        const std::string shown = cell.node().child("text").text().as_string();
        CHECK(shown == (std::isnan(c.rho[i][j]) ? std::string("n/a") : fmt::format("{:.2f}", c.rho[i][j])));
    }
    CHECK(with_class(doc->child("svg"), "row-label").size() == 4);
    CHECK(with_class(doc->child("svg"), "col-label").size() == 4);
}

namespace {

html_report resnet_report(std::vector<std::string> ids) {
    html_report r;
    r.model_path = std::string(RIDGELINE_TEST_DATA) + "/resnet18.onnx";
    graph g = load_onnx(r.model_path);
    shape_options o;
    o.batch = 4;
    REQUIRE(infer_shapes(g, o).ok());
    r.model_nodes = g.nodes.size();
    r.symbols = {{"batch", 4}};
    r.cost = analyze(g);
    r.memory = inference_memory(r.cost);
    std::vector<hw_spec> devices;
    for (const auto& id : ids) {
        html_device d;
        d.hw = load_hw(id);
        d.prediction = predict(r.cost, d.hw, dtype::f32);
        d.latency = predict_latency(g, r.cost, d.hw, dtype::f32);
        devices.push_back(d.hw);
        r.devices.push_back(std::move(d));
    }
    sweep_axes axes;
    axes.batches = {1, 8, 64};
    r.sweep = sweep(g, {}, devices, axes);
    for (auto& d : r.devices) {
        if (d.hw.dram_capacity_gib > 0)
            d.max_batch = largest_batch(g, {}, {}, d.hw.memory_bytes());
        else
            d.memory_note = "the spec gives no memory capacity";
    }
    r.other_models = {
        {"a.onnx", ids[0], 1e9, 1e6, 1e-3}, {"b.onnx", ids[0], 4e9, 3e6, 3e-3}, {"c.onnx", ids[0], 9e9, 2e6, 5e-3}};
    return r;
}

}  // namespace

TEST_CASE("HTML report: one self-contained page with every section") {
    const auto r = resnet_report({"h100-sxm", "t4", "xeon-w-2295"});
    const auto html = html_report_text(r);
    // Self-contained: no URL (so no external script, style, font or image), no <link>, no src=. The
    // one "http" string is the SVG namespace name on each inline SVG: an identifier, never fetched,
    // kept so that an SVG saved out of the page opens.
    std::string without_ns = html;
    for (auto at = without_ns.find(svg_ns); at != std::string::npos; at = without_ns.find(svg_ns)) {
        without_ns.erase(at, svg_ns.size());
    }
    CHECK(without_ns.find("http://") == std::string::npos);
    CHECK(without_ns.find("https://") == std::string::npos);
    CHECK(html.find("<link") == std::string::npos);
    CHECK(html.find("src=") == std::string::npos);
    CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
    const auto doc = parse(html);  // XHTML syntax: parses as XML
    const auto root = doc->child("html");
    REQUIRE(root);
    CHECK(root.child("head").child("style"));
    for (const char* id : {"summary", "devices", "rooflines", "op-types", "sweep", "memory", "correlation", "layers"}) {
        CAPTURE(id);
        CHECK(root.select_node(fmt::format("//section[@id='{}']", id).c_str()));
    }
    // Inline SVG: small multiples, a full roofline per device, bars, two sweep plots, heat map and
    // scatter per layer, and the cross-model scatters and heat map.
    const auto svgs = root.select_nodes("//svg");
    CHECK(svgs.size() == 1 + 3 + 1 + 2 + 2 + 3);
    for (const auto& s : svgs) CHECK(std::string(s.node().attribute("xmlns").value()) == "http://www.w3.org/2000/svg");
    const auto panels = root.select_nodes("//section[@id='rooflines']//*[@class='panel']");
    CHECK(panels.size() == 3);
    // Layer table: one row per kernel layer, sortable, numeric cells carry their value.
    const auto rows = root.select_nodes("//table[@class='sortable']/tbody/tr");
    CHECK(rows.size() == kernel_layers(r.cost));
    CHECK(root.select_nodes("//table[@class='sortable']/thead/tr/th").size() == 8 + 3);
    CHECK(root.select_node("//script"));
    // Memory: a largest batch for the GPUs, a note for the CPU spec without capacity.
    const auto mem_rows = root.select_nodes("//section[@id='memory']//tbody/tr");
    REQUIRE(mem_rows.size() == 3);
    CHECK(std::string(mem_rows[0].node().child("td").text().as_string()) == "h100-sxm");
    std::string cpu_row;
    for (auto td = mem_rows[2].node().child("td"); td; td = td.next_sibling("td"))
        cpu_row += std::string(td.text().as_string()) + "|";
    CHECK(cpu_row.find("no memory capacity") != std::string::npos);
    // Summary figures in units.
    std::string summary;
    for (const auto& n : root.select_nodes("//section[@id='summary']//div[@class='v']"))
        summary += std::string(n.node().text().as_string()) + "\n";
    CHECK(std::regex_search(summary, std::regex(R"([0-9.]+ GFLOP)")));
    CHECK(std::regex_search(summary, std::regex(R"([0-9.]+ MiB)")));
}

TEST_CASE("HTML report: no device still gives a page with the summary and layers") {
    html_report r;
    auto s = mlp();
    r.model_path = "mlp.onnx";
    r.cost = s.m;
    const auto doc = parse(html_report_text(r));
    CHECK(doc->child("html").select_node("//section[@id='summary']"));
    CHECK(doc->child("html").select_node("//section[@id='layers']"));
    CHECK_FALSE(doc->child("html").select_node("//section[@id='rooflines']"));
}

namespace {

test::command_result run_tool(const std::string& args) { return test::run_tool(args); }

}  // namespace

TEST_CASE("ridgeline report writes the page (once wired into the tool)") {
    if (!std::regex_search(run_tool("--help").out, std::regex(R"(\n\s+report\s)"))) {
        MESSAGE("skipped: the tool has no 'report' subcommand yet (add_report_command not wired into main.cpp)");
        return;
    }
    const auto out = std::filesystem::temp_directory_path() / "ridgeline_plot_test" / "report.html";
    std::filesystem::create_directories(out.parent_path());
    std::filesystem::remove(out);
    const auto r = run_tool("report " + std::string(RIDGELINE_TEST_DATA) +
                            "/resnet18.onnx --hw t4,a100-sxm-80gb --batch 2 "
                            "--sweep-batches 1,4,16 -o " +
                            out.string());
    INFO(r.out);
    REQUIRE(r.status == 0);
    CHECK(r.out.find("wrote") != std::string::npos);
    std::ifstream f(out);
    const std::string html((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    const auto doc = parse(html);
    CHECK(doc->child("html").select_nodes("//svg").size() >= 6);
    std::string without_ns = html;
    for (auto at = without_ns.find(svg_ns); at != std::string::npos; at = without_ns.find(svg_ns)) {
        without_ns.erase(at, svg_ns.size());
    }
    CHECK(without_ns.find("http") == std::string::npos);
    // Errors name what is wrong and exit non-zero.
    const auto bad = run_tool("report " + std::string(RIDGELINE_TEST_DATA) + "/resnet18.onnx --hw no-such-device -o " +
                              out.string());
    CHECK(bad.status != 0);
    CHECK(bad.out.find("no-such-device") != std::string::npos);
}

// ---- Existing text reporters: structure and units, not digits -------------------------------

namespace {

analysis_report text_report(const small_model& s, const hw_spec* hw, model_cost& cost_out) {
    analysis_report r;
    r.model_path = "mlp.onnx";
    r.model_nodes = s.g.nodes.size();
    r.symbols = {{"batch", 32}};
    r.dtype_name = "fp32";
    cost_out = s.m;
    r.cost = s.m;
    if (hw) {
        r.hw = hw;
        r.prediction = predict(r.cost, *hw, dtype::f32);
        r.latency = predict_latency(s.g, r.cost, *hw, dtype::f32);
    }
    return r;
}

/** Fields of one CSV line (RFC 4180 quoting). */
std::vector<std::string> csv_fields(const std::string& line) {
    std::vector<std::string> out(1);
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"')
            out.back() += '"', ++i;
        else if (c == '"')
            quoted = !quoted;
        else if (c == ',' && !quoted)
            out.emplace_back();
        else
            out.back() += c;
    }
    return out;
}

std::vector<std::string> lines_of(const std::string& s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}

}  // namespace

TEST_CASE("console table: header, one row per kernel, totals in human units") {
    auto s = mlp();
    const auto hw = load_hw("t4");
    model_cost m;
    const auto r = text_report(s, &hw, m);
    std::ostringstream out;
    write_report(out, r, report_format::table);
    const auto lines = lines_of(out.str());
    REQUIRE(lines.size() > 8);
    CHECK(
        std::regex_match(lines[0], std::regex(R"(model   mlp\.onnx  \(\d+ nodes, \d+ layers, \d+ kernel launches\))")));
    CHECK(std::regex_match(lines[1], std::regex(R"(bound   batch=\d+   precision fp32)")));
    CHECK(std::regex_match(lines[2], std::regex(R"(device  .+ \(t4\))")));
    const auto header =
        std::find_if(lines.begin(), lines.end(), [](const auto& l) { return l.rfind("layer", 0) == 0; });
    REQUIRE(header != lines.end());
    CHECK(std::regex_match(*header, std::regex(R"(layer\s+op\s+FLOPs\s+params\s+bytes\s+FLOP/B\s+time\s+bound)")));
    const auto rule = header + 1;
    REQUIRE(rule != lines.end());
    CHECK(std::regex_match(*rule, std::regex("-{100,}")));
    const std::regex row(
        R"(\S+\s+\S+\s+[0-9.]+ [kMGT]?FLOP\s+\d*\s+[0-9.]+ (B|KiB|MiB|GiB)\s+[0-9.]+\s+[0-9.]+ (ns|µs|ms|s)\s+(compute|memory))");
    std::size_t rows = 0;
    auto it = rule + 1;
    for (; it != lines.end() && *it != *rule; ++it) {
        CAPTURE(*it);
        CHECK(std::regex_match(*it, row));
        ++rows;
    }
    CHECK(rows == kernel_layers(s.m));
    REQUIRE(it != lines.end());
    const std::string tail = out.str().substr(out.str().find(*rule, out.str().find(*rule) + 1));
    CHECK(std::regex_search(
        tail,
        std::regex(
            R"(\ntotal   [0-9.]+ [kMGT]?FLOP \([0-9.]+ [kMGT]?FLOP matmul, [0-9.]+ [kMGT]?FLOP vector, [0-9.]+ [kMGT]?FLOP special\), [0-9.]+ [kMGT]? ?MACs)")));
    CHECK(std::regex_search(tail, std::regex(R"(\nparams  \d+ \([0-9.]+ (B|KiB|MiB)\))")));
    CHECK(std::regex_search(
        tail,
        std::regex(
            R"(\nbytes   [0-9.]+ (B|KiB|MiB) read \([0-9.]+ (B|KiB|MiB) activations, [0-9.]+ (B|KiB|MiB) weights\), [0-9.]+ (B|KiB|MiB) written; intensity [0-9.]+ FLOP/B)")));
    CHECK(std::regex_search(tail, std::regex(R"(\nmemory  peak activations [0-9.]+ (B|KiB|MiB))")));
    CHECK(std::regex_search(
        tail, std::regex(
                  R"(\nroof    (compute|memory)-bound at the roofline \(\d+ compute-bound, \d+ memory-bound layers)")));
    CHECK(std::regex_search(
        tail,
        std::regex(R"(\ntime    [0-9.]+ (ns|µs|ms|s) predicted GPU time over \d+ kernel launches \(\d+ layers\))")));
    // --top N keeps the N heaviest rows; no device: no time/bound columns.
    auto top = r;
    top.top = 2;
    std::ostringstream top_out;
    write_report(top_out, top, report_format::table);
    std::size_t top_rows = 0;
    for (const auto& l : lines_of(top_out.str())) top_rows += std::regex_match(l, row) ? 1 : 0;
    CHECK(top_rows == 2);
    model_cost m2;
    const auto bare = text_report(s, nullptr, m2);
    std::ostringstream bare_out;
    write_report(bare_out, bare, report_format::table);
    CHECK(std::regex_search(bare_out.str(), std::regex(R"(layer\s+op\s+FLOPs\s+params\s+bytes\s+FLOP/B\n)")));
    CHECK(bare_out.str().find("device  ") == std::string::npos);
}

TEST_CASE("CSV: fixed header, one row per kernel, same field count, numeric fields") {
    auto s = mlp();
    const auto hw = load_hw("h100-sxm");
    model_cost m;
    const auto r = text_report(s, &hw, m);
    std::ostringstream out;
    write_report(out, r, report_format::csv);
    const auto lines = lines_of(out.str());
    REQUIRE(!lines.empty());
    CHECK(lines[0] ==
          "name,op_type,flops,macs,flops_matmul,flops_vector,flops_special,params,bytes_read,bytes_written,"
          "operational_intensity,bound,predicted_time_s,output_shapes");
    CHECK(lines.size() - 1 == kernel_layers(s.m));
    const std::regex row(
        R"([^,]+,[A-Za-z]+,\d+,\d+,\d+,\d+,\d+,\d+,\d+,\d+,[0-9.]+,(compute|memory),[0-9.]+e[-+]\d+,"\[[0-9, ]+\]")");
    for (std::size_t i = 1; i < lines.size(); ++i) {
        CAPTURE(lines[i]);
        CHECK(std::regex_match(lines[i], row));
        CHECK(csv_fields(lines[i]).size() == 14);
    }
    // Without a device the bound and time fields stay empty, the columns stay.
    model_cost m2;
    const auto bare = text_report(s, nullptr, m2);
    std::ostringstream bare_out;
    write_report(bare_out, bare, report_format::csv);
    for (const auto& l : lines_of(bare_out.str())) CHECK(csv_fields(l).size() == 14);
    CHECK(std::regex_search(bare_out.str(),
                            std::regex(R"(\nfc1,MatMul,\d+,\d+,\d+,0,0,\d+,\d+,\d+,[0-9.]+,,,"\[32, 256\]")")));
}

TEST_CASE("Markdown: title, totals table, layer table with one row per kernel") {
    auto s = mlp();
    const auto hw = load_hw("a100-sxm-80gb");
    model_cost m;
    const auto r = text_report(s, &hw, m);
    std::ostringstream out;
    write_report(out, r, report_format::markdown);
    const auto lines = lines_of(out.str());
    REQUIRE(lines.size() > 6);
    CHECK(lines[0] == "# mlp.onnx");
    CHECK(lines[2] ==
          "| total FLOPs | matmul | vector | special | params | bytes moved | peak activations | predicted time |");
    CHECK(std::regex_match(lines[3], std::regex(R"((\|-+:)+\|)")));
    CHECK(std::regex_match(
        lines[4],
        std::regex(
            R"(\| [0-9.]+ [kMGT]?FLOP \| [0-9.]+ [kMGT]?FLOP \| [0-9.]+ [kMGT]?FLOP \| [0-9.]+ [kMGT]?FLOP \| \d+ \| [0-9.]+ (B|KiB|MiB) \| [0-9.]+ (B|KiB|MiB) \| [0-9.]+ (ns|µs|ms|s) \|)")));
    CHECK(lines[6] == "| layer | op | FLOPs | params | bytes | FLOP/B | time | bound |");
    const std::regex row(
        R"(\| `[^`]+` \| \w+ \| [0-9.]+ [kMGT]?FLOP \| \d+ \| [0-9.]+ (B|KiB|MiB) \| [0-9.]+ \| [0-9.]+ (ns|µs|ms|s) \| (compute|memory) \|)");
    std::size_t rows = 0;
    for (std::size_t i = 8; i < lines.size(); ++i) {
        CAPTURE(lines[i]);
        CHECK(std::regex_match(lines[i], row));
        ++rows;
    }
    CHECK(rows == kernel_layers(s.m));
}
