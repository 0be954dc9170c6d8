// Trace model helpers and files: ridgeline's trace JSON (exact integer timestamps), Chrome-trace JSON
// as Kineto writes it (µs after baseTimeNanoseconds), and the import of torch.profiler/Kineto traces.
// No CUDA here: the injection library compiles this file too, so it needs nothing but nlohmann_json.
#include "ridgeline/error.hpp"
#include "ridgeline/measure.hpp"

#include "../support/enum_names.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <ostream>
#include <set>

namespace ridgeline {

using json = nlohmann::json;

namespace {

// The first entry is what a value outside the enum is called.
constexpr auto measure_code_names =
    support::make_enum_names<measure_code>({{measure_code::error, "error"},
                                            {measure_code::ok, "ok"},
                                            {measure_code::not_supported, "not supported"},
                                            {measure_code::no_device, "no device"}});
constexpr auto activity_kind_names = support::make_enum_names<activity_kind>(
    {{activity_kind::kernel, "kernel"}, {activity_kind::memcpy, "memcpy"}, {activity_kind::memset, "memset"}});

}  // namespace

std::string_view measure_code_name(measure_code code) noexcept { return measure_code_names.name_of(code); }

std::string_view activity_kind_name(activity_kind kind) noexcept { return activity_kind_names.name_of(kind); }

std::size_t trace::count(activity_kind kind) const noexcept {
    return static_cast<std::size_t>(
        std::count_if(records.begin(), records.end(), [&](const kernel_record& r) { return r.kind == kind; }));
}

double trace::time_s(activity_kind kind) const noexcept {
    std::uint64_t ns = 0;
    for (const auto& r : records) {
        if (r.kind == kind) ns += r.duration_ns();
    }
    return static_cast<double>(ns) * 1e-9;
}

void sort_trace(trace& t) {
    std::stable_sort(t.records.begin(), t.records.end(), [](const kernel_record& a, const kernel_record& b) {
        return a.start_ns != b.start_ns ? a.start_ns < b.start_ns : a.end_ns < b.end_ns;
    });
    std::stable_sort(t.ranges.begin(), t.ranges.end(), [](const nvtx_range& a, const nvtx_range& b) {
        return a.start_ns != b.start_ns ? a.start_ns < b.start_ns : a.end_ns > b.end_ns;
    });
}

namespace {

constexpr auto replace_invalid = json::error_handler_t::replace;

activity_kind kind_from_name(const std::string& s, const std::string& file, const std::string& where) {
    if (const auto kind = activity_kind_names.parse(s)) return *kind;
    throw trace_error(file, where, "'kind' must be " + activity_kind_names.choices() + ", got '" + s + "'");
}

json dims_json(const std::array<std::int32_t, 3>& d) { return json::array({d[0], d[1], d[2]}); }

// ---- reading helpers -------------------------------------------------------------------------

/** A JSON value as a signed integer: integers, integral floats, and "stream 7"-style strings. */
std::optional<std::int64_t> as_int(const json& v) {
    if (v.is_number_integer()) return v.get<std::int64_t>();
    if (v.is_number_unsigned()) {
        const auto u = v.get<std::uint64_t>();
        if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
        return static_cast<std::int64_t>(u);
    }
    if (v.is_number_float()) {
        const double d = v.get<double>();
        if (std::isfinite(d) && d == std::floor(d) && std::abs(d) < 9e18) return static_cast<std::int64_t>(d);
        return std::nullopt;
    }
    if (v.is_string()) {
        const auto& s = v.get_ref<const std::string&>();
        auto pos = s.find_last_not_of("0123456789");
        pos = pos == std::string::npos ? 0 : pos + 1;
        if (pos < s.size() && s.size() - pos <= 18) return std::stoll(s.substr(pos));
    }
    return std::nullopt;
}

std::optional<std::uint64_t> as_u64(const json& v) {
    if (v.is_number_unsigned()) return v.get<std::uint64_t>();
    if (auto i = as_int(v); i && *i >= 0) return static_cast<std::uint64_t>(*i);
    return std::nullopt;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

json parse_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw trace_error(path, "", "cannot open the file");
    try {
        return json::parse(f);
    } catch (const json::parse_error& e) {
        throw trace_error(path, "", std::string("not valid JSON: ") + e.what());
    }
}

/** Reads `obj[key]` as an exact unsigned integer; throws naming `where` when absent or not one. */
std::uint64_t need_u64(const json& obj, const char* key, const std::string& file, const std::string& where) {
    const auto it = obj.find(key);
    if (it == obj.end()) throw trace_error(file, where, std::string("has no '") + key + "'");
    const auto v = as_u64(*it);
    if (!v) throw trace_error(file, where, std::string("'") + key + "' is not a non-negative integer");
    return *v;
}

std::string need_string(const json& obj, const char* key, const std::string& file, const std::string& where) {
    const auto it = obj.find(key);
    if (it == obj.end() || !it->is_string()) throw trace_error(file, where, std::string("has no '") + key + "' string");
    return it->get<std::string>();
}

std::array<std::int32_t, 3> dims_of(const json& obj, const char* key, const std::string& file,
                                    const std::string& where) {
    std::array<std::int32_t, 3> d{0, 0, 0};
    const auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return d;
    if (!it->is_array() || it->size() != 3)
        throw trace_error(file, where, std::string("'") + key + "' is not an array of 3 integers");
    for (std::size_t i = 0; i < 3; ++i) {
        const auto v = as_int((*it)[i]);
        if (!v) throw trace_error(file, where, std::string("'") + key + "' is not an array of 3 integers");
        d[i] = static_cast<std::int32_t>(*v);
    }
    return d;
}

std::string event_label(std::size_t i, const json& ev) {
    std::string label = "traceEvents[" + std::to_string(i) + "]";
    if (ev.is_object()) {
        if (const auto it = ev.find("name"); it != ev.end() && it->is_string()) {
            auto n = it->get<std::string>();
            if (n.size() > 80) n = n.substr(0, 77) + "...";
            label += " ('" + n + "')";
        }
    }
    return label;
}

/** µs (possibly fractional) → ns, exactly for the 3 decimals Kineto writes. */
std::int64_t us_to_ns(double us) { return std::llround(us * 1000.0); }

}  // namespace

// ---- ridgeline JSON --------------------------------------------------------------------------

void write_trace_json(std::ostream& out, const trace& t) {
    json j;
    j["format"] = "ridgeline-trace";
    j["version"] = 1;
    j["source"] = t.source;
    j["process_id"] = t.process_id;
    j["dropped_records"] = t.dropped_records;
    json recs = json::array();
    for (const auto& r : t.records) {
        json o{{"kind", activity_kind_name(r.kind)},
               {"name", r.name},
               {"start_ns", r.start_ns},
               {"end_ns", r.end_ns},
               {"device", r.device},
               {"stream", r.stream},
               {"correlation_id", r.correlation_id},
               {"grid", dims_json(r.grid)},
               {"block", dims_json(r.block)},
               {"bytes", r.bytes}};
        if (r.external_id) o["external_id"] = *r.external_id;
        if (!r.op.empty()) o["op"] = r.op;
        if (r.launch) {
            o["launch"] = {{"api", r.launch->api},
                           {"start_ns", r.launch->start_ns},
                           {"end_ns", r.launch->end_ns},
                           {"thread_id", r.launch->thread_id}};
        }
        recs.push_back(std::move(o));
    }
    j["records"] = std::move(recs);
    json ranges = json::array();
    for (const auto& r : t.ranges) {
        ranges.push_back({{"name", r.name},
                          {"domain", r.domain},
                          {"start_ns", r.start_ns},
                          {"end_ns", r.end_ns},
                          {"thread_id", r.thread_id},
                          {"gpu", r.gpu},
                          {"device", r.device},
                          {"stream", r.stream}});
    }
    j["ranges"] = std::move(ranges);
    out << j.dump(1, ' ', false, replace_invalid) << '\n';
}

namespace {

trace read_ridgeline_json(const json& j, const std::string& path) {
    if (j.value("format", std::string()) != "ridgeline-trace")
        throw trace_error(path, "", "'format' is not \"ridgeline-trace\"");
    if (const auto v = j.find("version"); v == j.end() || as_int(*v).value_or(0) != 1) {
        throw trace_error(path, "", "unsupported 'version' (this reader knows version 1)");
    }
    trace t;
    if (const auto it = j.find("source"); it != j.end() && it->is_string()) t.source = it->get<std::string>();
    if (const auto it = j.find("process_id"); it != j.end()) t.process_id = as_int(*it).value_or(0);
    if (const auto it = j.find("dropped_records"); it != j.end()) t.dropped_records = as_u64(*it).value_or(0);
    const auto recs = j.find("records");
    if (recs == j.end() || !recs->is_array()) throw trace_error(path, "", "has no 'records' array");
    t.records.reserve(recs->size());
    for (std::size_t i = 0; i < recs->size(); ++i) {
        const auto& o = (*recs)[i];
        const std::string where = "records[" + std::to_string(i) + "]";
        if (!o.is_object()) throw trace_error(path, where, "is not an object");
        kernel_record r;
        r.kind = kind_from_name(need_string(o, "kind", path, where), path, where);
        r.name = need_string(o, "name", path, where);
        r.start_ns = need_u64(o, "start_ns", path, where);
        r.end_ns = need_u64(o, "end_ns", path, where);
        if (r.end_ns < r.start_ns) throw trace_error(path, where, "'end_ns' is before 'start_ns'");
        r.device = static_cast<std::int32_t>(as_int(o.value("device", json(-1))).value_or(-1));
        r.stream = as_int(o.value("stream", json(-1))).value_or(-1);
        r.correlation_id = as_u64(o.value("correlation_id", json(0))).value_or(0);
        if (const auto it = o.find("external_id"); it != o.end() && !it->is_null()) {
            const auto v = as_u64(*it);
            if (!v) throw trace_error(path, where, "'external_id' is not a non-negative integer");
            r.external_id = *v;
        }
        r.grid = dims_of(o, "grid", path, where);
        r.block = dims_of(o, "block", path, where);
        r.bytes = as_u64(o.value("bytes", json(0))).value_or(0);
        if (const auto it = o.find("op"); it != o.end() && it->is_string()) r.op = it->get<std::string>();
        if (const auto it = o.find("launch"); it != o.end() && !it->is_null()) {
            if (!it->is_object()) throw trace_error(path, where, "'launch' is not an object");
            launch_info l;
            if (const auto a = it->find("api"); a != it->end() && a->is_string()) l.api = a->get<std::string>();
            l.start_ns = need_u64(*it, "start_ns", path, where + ".launch");
            l.end_ns = need_u64(*it, "end_ns", path, where + ".launch");
            l.thread_id = as_int(it->value("thread_id", json(-1))).value_or(-1);
            r.launch = l;
        }
        t.records.push_back(std::move(r));
    }
    if (const auto rs = j.find("ranges"); rs != j.end()) {
        if (!rs->is_array()) throw trace_error(path, "", "'ranges' is not an array");
        for (std::size_t i = 0; i < rs->size(); ++i) {
            const auto& o = (*rs)[i];
            const std::string where = "ranges[" + std::to_string(i) + "]";
            if (!o.is_object()) throw trace_error(path, where, "is not an object");
            nvtx_range r;
            r.name = need_string(o, "name", path, where);
            if (const auto it = o.find("domain"); it != o.end() && it->is_string()) r.domain = it->get<std::string>();
            r.start_ns = need_u64(o, "start_ns", path, where);
            r.end_ns = need_u64(o, "end_ns", path, where);
            if (r.end_ns < r.start_ns) throw trace_error(path, where, "'end_ns' is before 'start_ns'");
            r.thread_id = as_int(o.value("thread_id", json(-1))).value_or(-1);
            r.gpu = o.value("gpu", false);
            r.device = static_cast<std::int32_t>(as_int(o.value("device", json(-1))).value_or(-1));
            r.stream = as_int(o.value("stream", json(-1))).value_or(-1);
            t.ranges.push_back(std::move(r));
        }
    }
    sort_trace(t);
    return t;
}

}  // namespace

trace read_trace_json(const std::string& path) { return read_ridgeline_json(parse_file(path), path); }

// ---- Chrome trace ----------------------------------------------------------------------------

void write_chrome_trace(std::ostream& out, const trace& t) {
    // Base time: the earliest timestamp, so that µs values stay small and exact as doubles.
    std::uint64_t base = std::numeric_limits<std::uint64_t>::max();
    for (const auto& r : t.records) {
        base = std::min(base, r.start_ns);
        if (r.launch) base = std::min(base, r.launch->start_ns);
    }
    for (const auto& r : t.ranges) base = std::min(base, r.start_ns);
    if (base == std::numeric_limits<std::uint64_t>::max()) base = 0;
    const auto us = [&](std::uint64_t ns) { return static_cast<double>(ns - base) / 1000.0; };
    const auto dur = [](std::uint64_t a, std::uint64_t b) { return b > a ? static_cast<double>(b - a) / 1000.0 : 0.0; };
    const std::int64_t host_pid = t.process_id > 0 ? t.process_id : 1000000;

    json events = json::array();
    std::set<std::int64_t> devices;
    for (const auto& r : t.records) {
        const std::int64_t pid = r.device >= 0 ? r.device : 0;
        devices.insert(pid);
        json args{{"device", r.device}, {"stream", r.stream}, {"correlation", r.correlation_id}};
        if (r.external_id) args["External id"] = *r.external_id;
        if (r.kind == activity_kind::kernel) {
            args["grid"] = dims_json(r.grid);
            args["block"] = dims_json(r.block);
        } else {
            args["bytes"] = r.bytes;
        }
        if (!r.op.empty()) args["op"] = r.op;
        const char* cat = r.kind == activity_kind::kernel   ? "kernel"
                          : r.kind == activity_kind::memcpy ? "gpu_memcpy"
                                                            : "gpu_memset";
        events.push_back({{"ph", "X"},
                          {"cat", cat},
                          {"name", r.name},
                          {"pid", pid},
                          {"tid", r.stream},
                          {"ts", us(r.start_ns)},
                          {"dur", dur(r.start_ns, r.end_ns)},
                          {"args", std::move(args)}});
        if (r.launch) {
            events.push_back({{"ph", "X"},
                              {"cat", "cuda_runtime"},
                              {"name", r.launch->api.empty() ? "launch" : r.launch->api},
                              {"pid", host_pid},
                              {"tid", r.launch->thread_id},
                              {"ts", us(r.launch->start_ns)},
                              {"dur", dur(r.launch->start_ns, r.launch->end_ns)},
                              {"args", {{"correlation", r.correlation_id}}}});
        }
    }
    for (const auto& r : t.ranges) {
        json args = json::object();
        if (!r.domain.empty()) args["domain"] = r.domain;
        if (r.gpu) {
            args["device"] = r.device;
            args["stream"] = r.stream;
            devices.insert(r.device >= 0 ? r.device : 0);
            events.push_back({{"ph", "X"},
                              {"cat", "gpu_user_annotation"},
                              {"name", r.name},
                              {"pid", r.device >= 0 ? r.device : 0},
                              {"tid", r.stream},
                              {"ts", us(r.start_ns)},
                              {"dur", dur(r.start_ns, r.end_ns)},
                              {"args", std::move(args)}});
        } else {
            events.push_back({{"ph", "X"},
                              {"cat", "user_annotation"},
                              {"name", r.name},
                              {"pid", host_pid},
                              {"tid", r.thread_id},
                              {"ts", us(r.start_ns)},
                              {"dur", dur(r.start_ns, r.end_ns)},
                              {"args", std::move(args)}});
        }
    }
    for (auto d : devices) {
        events.push_back({{"name", "process_name"},
                          {"ph", "M"},
                          {"pid", d},
                          {"tid", 0},
                          {"args", {{"name", "GPU " + std::to_string(d)}}}});
    }
    events.push_back({{"name", "process_name"},
                      {"ph", "M"},
                      {"pid", host_pid},
                      {"tid", 0},
                      {"args", {{"name", "host (" + (t.source.empty() ? std::string("trace") : t.source) + ")"}}}});
    json j{{"schemaVersion", 1},
           {"displayTimeUnit", "ms"},
           {"baseTimeNanoseconds", base},
           {"ridgeline", {{"source", t.source}, {"process_id", t.process_id}, {"dropped_records", t.dropped_records}}},
           {"traceEvents", std::move(events)}};
    out << j.dump(-1, ' ', false, replace_invalid) << '\n';
}

namespace {

trace read_chrome_json(const json& j, const std::string& path) {
    if (!j.is_object()) throw trace_error(path, "", "top level is not an object (not a Chrome trace)");
    const auto evs = j.find("traceEvents");
    if (evs == j.end() || !evs->is_array())
        throw trace_error(path, "", "has no 'traceEvents' array (not a Chrome trace)");
    std::int64_t base = 0;
    if (const auto b = j.find("baseTimeNanoseconds"); b != j.end() && !b->is_null()) {
        const auto v = as_int(*b);
        if (!v || *v < 0) throw trace_error(path, "", "'baseTimeNanoseconds' is not a non-negative integer");
        base = *v;
    }
    trace t;
    t.source = "kineto";
    bool ours = false;
    if (const auto r = j.find("ridgeline"); r != j.end() && r->is_object()) {
        ours = true;
        if (const auto s = r->find("source"); s != r->end() && s->is_string()) t.source = s->get<std::string>();
        if (const auto p = r->find("process_id"); p != r->end()) t.process_id = as_int(*p).value_or(0);
        if (const auto d = r->find("dropped_records"); d != r->end()) t.dropped_records = as_u64(*d).value_or(0);
    }

    std::map<std::uint64_t, launch_info> launches;  // correlation → launch call
    std::map<std::uint64_t, std::string> ops;       // External id → cpu_op / user_annotation name
    for (std::size_t i = 0; i < evs->size(); ++i) {
        const auto& ev = (*evs)[i];
        if (!ev.is_object()) throw trace_error(path, event_label(i, ev), "is not an object");
        const auto ph = ev.find("ph");
        if (ph == ev.end() || !ph->is_string() || ph->get_ref<const std::string&>() != "X") continue;
        const auto cat_it = ev.find("cat");
        if (cat_it == ev.end() || !cat_it->is_string()) continue;
        const std::string cat = lower(cat_it->get<std::string>());
        enum class what { record, launch, op, host_range, gpu_range, none } w = what::none;
        activity_kind kind = activity_kind::kernel;
        if (cat == "kernel") {
            w = what::record;
        } else if (cat == "gpu_memcpy" || cat == "memcpy") {
            w = what::record;
            kind = activity_kind::memcpy;
        } else if (cat == "gpu_memset" || cat == "memset") {
            w = what::record;
            kind = activity_kind::memset;
        } else if (cat == "cuda_runtime" || cat == "cuda_driver" || cat == "runtime" || cat == "driver") {
            w = what::launch;
        } else if (cat == "cpu_op" || cat == "operator") {
            w = what::op;
        } else if (cat == "user_annotation") {
            w = what::host_range;
        } else if (cat == "gpu_user_annotation") {
            w = what::gpu_range;
        }
        if (w == what::none) continue;

        const std::string where = event_label(i, ev);
        const auto name_it = ev.find("name");
        if (name_it == ev.end() || !name_it->is_string()) throw trace_error(path, where, "has no 'name' string");
        const auto ts_it = ev.find("ts");
        if (ts_it == ev.end() || !ts_it->is_number()) throw trace_error(path, where, "'ts' is missing or not a number");
        const auto dur_it = ev.find("dur");
        if (dur_it == ev.end() || !dur_it->is_number())
            throw trace_error(path, where, "'dur' is missing or not a number");
        const double ts = ts_it->get<double>();
        const double du = dur_it->get<double>();
        if (!std::isfinite(ts) || !std::isfinite(du) || du < 0)
            throw trace_error(path, where, "'ts'/'dur' must be finite and 'dur' ≥ 0");
        const std::int64_t start = base + us_to_ns(ts);
        if (start < 0) throw trace_error(path, where, "'ts' lies before the trace's base time");
        const auto start_ns = static_cast<std::uint64_t>(start);
        const auto end_ns = start_ns + static_cast<std::uint64_t>(us_to_ns(du));
        static const json empty_args = json::object();
        const auto args_it = ev.find("args");
        const json& args = args_it != ev.end() && args_it->is_object() ? *args_it : empty_args;
        const auto arg = [&](const char* key) -> const json* {
            const auto it = args.find(key);
            return it == args.end() || it->is_null() ? nullptr : &*it;
        };
        const auto external = [&]() -> std::optional<std::uint64_t> {
            for (const char* key : {"External id", "external id"}) {
                if (const json* v = arg(key)) {
                    const auto id = as_u64(*v);
                    if (!id) throw trace_error(path, where, std::string("'") + key + "' is not a non-negative integer");
                    return id;
                }
            }
            return std::nullopt;
        };
        const auto pid_it = ev.find("pid");
        const auto tid_it = ev.find("tid");
        // -1: absent or not a number (Kineto also writes string pids such as "Spans").
        const std::int64_t pid = pid_it != ev.end() ? as_int(*pid_it).value_or(-1) : -1;
        const std::int64_t tid = tid_it != ev.end() ? as_int(*tid_it).value_or(-1) : -1;

        switch (w) {
            case what::record: {
                kernel_record r;
                r.kind = kind;
                r.name = name_it->get<std::string>();
                r.start_ns = start_ns;
                r.end_ns = end_ns;
                const json* dev = arg("device");
                r.device = static_cast<std::int32_t>(dev ? as_int(*dev).value_or(-1) : pid);
                const json* stream = arg("stream");
                r.stream = stream ? as_int(*stream).value_or(-1) : tid;
                if (const json* c = arg("correlation")) {
                    const auto v = as_u64(*c);
                    if (!v) throw trace_error(path, where, "'correlation' is not a non-negative integer");
                    r.correlation_id = *v;
                }
                r.external_id = external();
                r.grid = dims_of(args, "grid", path, where);
                r.block = dims_of(args, "block", path, where);
                if (const json* b = arg("bytes")) r.bytes = as_u64(*b).value_or(0);
                if (const json* o = arg("op"); o && o->is_string()) r.op = o->get<std::string>();
                t.records.push_back(std::move(r));
                break;
            }
            case what::launch: {
                const json* c = arg("correlation");
                if (!c) break;
                const auto corr = as_u64(*c);
                if (!corr) throw trace_error(path, where, "'correlation' is not a non-negative integer");
                launches[*corr] = launch_info{name_it->get<std::string>(), start_ns, end_ns, tid};
                if (t.process_id == 0 && pid > 0 && !ours) t.process_id = pid;
                break;
            }
            case what::op:
            case what::host_range: {
                if (const auto id = external()) ops.emplace(*id, name_it->get<std::string>());
                if (w == what::op) break;
                nvtx_range r;
                r.name = name_it->get<std::string>();
                r.start_ns = start_ns;
                r.end_ns = end_ns;
                r.thread_id = tid;
                if (const json* d = arg("domain"); d && d->is_string()) r.domain = d->get<std::string>();
                t.ranges.push_back(std::move(r));
                break;
            }
            case what::gpu_range: {
                nvtx_range r;
                r.name = name_it->get<std::string>();
                r.start_ns = start_ns;
                r.end_ns = end_ns;
                r.gpu = true;
                const json* dev = arg("device");
                r.device = static_cast<std::int32_t>(dev ? as_int(*dev).value_or(-1) : pid);
                const json* stream = arg("stream");
                r.stream = stream ? as_int(*stream).value_or(-1) : tid;
                if (const json* d = arg("domain"); d && d->is_string()) r.domain = d->get<std::string>();
                t.ranges.push_back(std::move(r));
                break;
            }
            case what::none:
                break;
        }
    }
    for (auto& r : t.records) {
        if (r.correlation_id != 0) {
            if (const auto it = launches.find(r.correlation_id); it != launches.end()) r.launch = it->second;
        }
        // Kineto: a kernel's "External id" is that of the op (or annotation) active at its launch.
        if (r.op.empty() && r.external_id && !ours) {
            if (const auto it = ops.find(*r.external_id); it != ops.end()) r.op = it->second;
        }
    }
    sort_trace(t);
    return t;
}

}  // namespace

trace import_chrome_trace(const std::string& path) { return read_chrome_json(parse_file(path), path); }

trace load_trace(const std::string& path) {
    const json j = parse_file(path);
    if (j.is_object() && j.contains("traceEvents")) return read_chrome_json(j, path);
    if (j.is_object() && j.contains("format")) return read_ridgeline_json(j, path);
    throw trace_error(path, "",
                      "neither a Chrome trace ('traceEvents') nor a ridgeline trace ('format': \"ridgeline-trace\")");
}

void save_trace(const trace& t, const std::string& path) {
    std::ofstream f(path, std::ios::binary);
    if (!f) throw error(path + ": cannot open for writing");
    write_trace_json(f, t);
    if (!f) throw error(path + ": write failed");
}

void save_chrome_trace(const trace& t, const std::string& path) {
    std::ofstream f(path, std::ios::binary);
    if (!f) throw error(path + ": cannot open for writing");
    write_chrome_trace(f, t);
    if (!f) throw error(path + ": write failed");
}

}  // namespace ridgeline
