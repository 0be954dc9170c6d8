// Private: the process-wide CUPTI activity collector (activity.hpp). Buffer callbacks run on CUPTI's
// thread, or on the caller's during a flush; records are decoded under `data_mutex`, and start/stop
// hold `control_mutex` only, so a flush can call back into buffer_completed without deadlock.
#include "activity.hpp"

#include "check.hpp"

#include <cupti.h>
#include <cxxabi.h>
#include <dlfcn.h>
#include <link.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ridgeline::detail {

namespace {

constexpr CUpti_ExternalCorrelationKind ridgeline_kind = CUPTI_EXTERNAL_CORRELATION_KIND_CUSTOM2;
constexpr std::size_t buffer_alignment = 8;

struct open_marker {
    std::string name;
    std::string domain;
    std::uint64_t start_ns = 0;
    std::int64_t thread_id = -1;
};

struct collector {
    std::mutex control_mutex;  // start/stop
    bool callbacks_registered = false;
    bool running = false;
    bool attach_launches = true;  // activity_config::launches of this recording
    std::vector<CUpti_ActivityKind> enabled;

    std::mutex data_mutex;  // everything below
    std::size_t buffer_bytes = 8u << 20;
    std::vector<kernel_record> records;
    std::unordered_map<std::uint32_t, launch_info> launches;    // correlation → launch call
    std::unordered_map<std::uint32_t, std::uint64_t> external;  // correlation → ridgeline's external id
    std::unordered_map<std::uint32_t, open_marker> open_markers;
    std::vector<nvtx_range> ranges;
    std::map<std::pair<int, std::uint32_t>, std::string> api_names;
    std::uint64_t dropped = 0;
};

/** Never destroyed: the injection library flushes from an atexit handler, after static destructors may run. */
collector& state() {
    static auto* c = new collector;
    return *c;
}

std::string api_name(collector& c, CUpti_CallbackDomain domain, CUpti_CallbackId cbid) {
    const auto key = std::make_pair(static_cast<int>(domain), cbid);
    if (const auto it = c.api_names.find(key); it != c.api_names.end()) return it->second;
    const char* raw = nullptr;
    std::string name;
    if (cuptiGetCallbackName(domain, cbid, &raw) == CUPTI_SUCCESS && raw != nullptr) name = raw;
    // "cudaLaunchKernel_v7000" → "cudaLaunchKernel"
    if (const auto v = name.rfind("_v"); v != std::string::npos && v + 2 < name.size() &&
                                         name.find_first_not_of("0123456789", v + 2) == std::string::npos) {
        name.resize(v);
    }
    return c.api_names[key] = name;
}

/** A memcpy or memset activity record (both carry the same timing, placement and size fields). */
template <class activity>
kernel_record transfer_record(const activity& m, activity_kind kind, const char* name) {
    kernel_record r;
    r.kind = kind;
    r.name = name;
    r.start_ns = m.start;
    r.end_ns = m.end;
    r.device = static_cast<std::int32_t>(m.deviceId);
    r.stream = m.streamId;
    r.correlation_id = m.correlationId;
    r.bytes = m.bytes;
    return r;
}

const char* memcpy_kind_name(std::uint8_t kind) {
    switch (kind) {
        case CUPTI_ACTIVITY_MEMCPY_KIND_HTOD:
            return "Memcpy HtoD";
        case CUPTI_ACTIVITY_MEMCPY_KIND_DTOH:
            return "Memcpy DtoH";
        case CUPTI_ACTIVITY_MEMCPY_KIND_HTOA:
            return "Memcpy HtoA";
        case CUPTI_ACTIVITY_MEMCPY_KIND_ATOH:
            return "Memcpy AtoH";
        case CUPTI_ACTIVITY_MEMCPY_KIND_ATOA:
            return "Memcpy AtoA";
        case CUPTI_ACTIVITY_MEMCPY_KIND_ATOD:
            return "Memcpy AtoD";
        case CUPTI_ACTIVITY_MEMCPY_KIND_DTOA:
            return "Memcpy DtoA";
        case CUPTI_ACTIVITY_MEMCPY_KIND_DTOD:
            return "Memcpy DtoD";
        case CUPTI_ACTIVITY_MEMCPY_KIND_HTOH:
            return "Memcpy HtoH";
        case CUPTI_ACTIVITY_MEMCPY_KIND_PTOP:
            return "Memcpy PtoP";
        default:
            return "Memcpy";
    }
}

/** Decodes one record into the collector (data_mutex held). */
void decode(collector& c, const CUpti_Activity* rec) {
    switch (rec->kind) {
        case CUPTI_ACTIVITY_KIND_KERNEL:
        case CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL: {
            const auto* k = reinterpret_cast<const CUpti_ActivityKernel10*>(rec);
            kernel_record r;
            r.kind = activity_kind::kernel;
            r.name = demangle(k->name);
            r.start_ns = k->start;
            r.end_ns = k->end;
            r.device = static_cast<std::int32_t>(k->deviceId);
            r.stream = k->streamId;
            r.correlation_id = k->correlationId;
            r.grid = {k->gridX, k->gridY, k->gridZ};
            r.block = {k->blockX, k->blockY, k->blockZ};
            c.records.push_back(std::move(r));
            break;
        }
        case CUPTI_ACTIVITY_KIND_MEMCPY: {
            const auto* m = reinterpret_cast<const CUpti_ActivityMemcpy6*>(rec);
            c.records.push_back(transfer_record(*m, activity_kind::memcpy, memcpy_kind_name(m->copyKind)));
            break;
        }
        case CUPTI_ACTIVITY_KIND_MEMSET: {
            const auto* m = reinterpret_cast<const CUpti_ActivityMemset4*>(rec);
            c.records.push_back(transfer_record(*m, activity_kind::memset, "Memset"));
            break;
        }
        case CUPTI_ACTIVITY_KIND_EXTERNAL_CORRELATION: {
            const auto* e = reinterpret_cast<const CUpti_ActivityExternalCorrelation*>(rec);
            if (e->externalKind == ridgeline_kind) c.external[e->correlationId] = e->externalId;
            break;
        }
        case CUPTI_ACTIVITY_KIND_RUNTIME:
        case CUPTI_ACTIVITY_KIND_DRIVER: {
            const auto* a = reinterpret_cast<const CUpti_ActivityAPI*>(rec);
            const auto domain =
                rec->kind == CUPTI_ACTIVITY_KIND_RUNTIME ? CUPTI_CB_DOMAIN_RUNTIME_API : CUPTI_CB_DOMAIN_DRIVER_API;
            auto& l = c.launches[a->correlationId];
            // A runtime call and the driver call under it share a correlation id: keep the outer (runtime) one.
            if (l.start_ns == 0 || domain == CUPTI_CB_DOMAIN_RUNTIME_API) {
                l = launch_info{api_name(c, domain, a->cbid), a->start, a->end, static_cast<std::int64_t>(a->threadId)};
            }
            break;
        }
        case CUPTI_ACTIVITY_KIND_MARKER: {
            const auto* m = reinterpret_cast<const CUpti_ActivityMarker2*>(rec);
            const std::int64_t thread =
                m->objectKind == CUPTI_ACTIVITY_OBJECT_THREAD ? static_cast<std::int64_t>(m->objectId.pt.threadId) : -1;
            if (m->flags & CUPTI_ACTIVITY_FLAG_MARKER_START) {
                c.open_markers[m->id] =
                    open_marker{m->name ? m->name : "", m->domain ? m->domain : "", m->timestamp, thread};
            } else if (m->flags & CUPTI_ACTIVITY_FLAG_MARKER_END) {
                const auto it = c.open_markers.find(m->id);
                if (it == c.open_markers.end()) break;
                nvtx_range r;
                r.name = std::move(it->second.name);
                r.domain = std::move(it->second.domain);
                r.start_ns = it->second.start_ns;
                r.end_ns = m->timestamp;
                r.thread_id = it->second.thread_id >= 0 ? it->second.thread_id : thread;
                c.ranges.push_back(std::move(r));
                c.open_markers.erase(it);
            }
            break;
        }
        default:
            break;
    }
}

void CUPTIAPI buffer_requested(std::uint8_t** buffer, std::size_t* size, std::size_t* max_records) {
    auto& c = state();
    std::size_t bytes = 0;
    {
        std::lock_guard lock(c.data_mutex);
        bytes = c.buffer_bytes;
    }
    bytes = (bytes + buffer_alignment - 1) / buffer_alignment * buffer_alignment;
    *buffer = static_cast<std::uint8_t*>(std::aligned_alloc(buffer_alignment, bytes));
    *size = *buffer ? bytes : 0;
    *max_records = 0;
}

void CUPTIAPI buffer_completed(CUcontext context, std::uint32_t stream_id, std::uint8_t* buffer, std::size_t /*size*/,
                               std::size_t valid) {
    auto& c = state();
    {
        std::lock_guard lock(c.data_mutex);
        CUpti_Activity* rec = nullptr;
        while (valid > 0 && cuptiActivityGetNextRecord(buffer, valid, &rec) == CUPTI_SUCCESS) decode(c, rec);
        std::size_t dropped = 0;
        if (cuptiActivityGetNumDroppedRecords(context, stream_id, &dropped) == CUPTI_SUCCESS) c.dropped += dropped;
    }
    std::free(buffer);
}

const char* kind_name(CUpti_ActivityKind k) {
    switch (k) {
        case CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL:
            return "CONCURRENT_KERNEL";
        case CUPTI_ACTIVITY_KIND_MEMCPY:
            return "MEMCPY";
        case CUPTI_ACTIVITY_KIND_MEMSET:
            return "MEMSET";
        case CUPTI_ACTIVITY_KIND_EXTERNAL_CORRELATION:
            return "EXTERNAL_CORRELATION";
        case CUPTI_ACTIVITY_KIND_MARKER:
            return "MARKER";
        case CUPTI_ACTIVITY_KIND_RUNTIME:
            return "RUNTIME";
        case CUPTI_ACTIVITY_KIND_DRIVER:
            return "DRIVER";
        default:
            return "?";
    }
}

}  // namespace

std::string demangle(const char* name) {
    if (name == nullptr) return {};
    int status = 0;
    char* d = abi::__cxa_demangle(name, nullptr, nullptr, &status);
    std::string out = status == 0 && d != nullptr ? std::string(d) : std::string(name);
    std::free(d);
    return out;
}

bool activity_running() noexcept {
    auto& c = state();
    std::lock_guard lock(c.control_mutex);
    return c.running;
}

measure_status activity_start(const activity_config& config) {
    auto& c = state();
    std::lock_guard lock(c.control_mutex);
    if (c.running)
        return {measure_code::error,
                "CUPTI activity recording is already running in this process (one tracer at a time)"};
    {
        std::lock_guard data(c.data_mutex);
        c.buffer_bytes = std::max<std::size_t>(config.buffer_bytes, 64u << 10);
        c.records.clear();
        c.launches.clear();
        c.external.clear();
        c.open_markers.clear();
        c.ranges.clear();
        c.dropped = 0;
    }
    if (!c.callbacks_registered) {
        RIDGELINE_CUPTI_CHECK(cuptiActivityRegisterCallbacks(buffer_requested, buffer_completed));
        c.callbacks_registered = true;
    }
    const activity_kinds wanted = kinds_for(config);
    std::vector<CUpti_ActivityKind> kinds{CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL};
    if (wanted.external_correlation) kinds.push_back(CUPTI_ACTIVITY_KIND_EXTERNAL_CORRELATION);
    if (wanted.memcpy) kinds.push_back(CUPTI_ACTIVITY_KIND_MEMCPY);
    if (wanted.memset) kinds.push_back(CUPTI_ACTIVITY_KIND_MEMSET);
    if (wanted.marker) kinds.push_back(CUPTI_ACTIVITY_KIND_MARKER);
    if (wanted.runtime) kinds.push_back(CUPTI_ACTIVITY_KIND_RUNTIME);
    if (wanted.driver) kinds.push_back(CUPTI_ACTIVITY_KIND_DRIVER);
    c.attach_launches = config.launches;
    c.enabled.clear();
    for (auto k : kinds) {
        const CUptiResult r = cuptiActivityEnable(k);
        if (r != CUPTI_SUCCESS) {
            for (auto e : c.enabled) cuptiActivityDisable(e);
            c.enabled.clear();
            const std::string call = std::string("cuptiActivityEnable(CUPTI_ACTIVITY_KIND_") + kind_name(k) + ")";
            return cupti_status(r, call.c_str());
        }
        c.enabled.push_back(k);
    }
    c.running = true;
    return {measure_code::ok, "recording"};
}

measure_status activity_stop(trace& out) {
    auto& c = state();
    std::lock_guard lock(c.control_mutex);
    if (!c.running) return {measure_code::error, "CUPTI activity recording is not running"};
    const bool markers = std::find(c.enabled.begin(), c.enabled.end(), CUPTI_ACTIVITY_KIND_MARKER) != c.enabled.end();
    for (auto e : c.enabled) cuptiActivityDisable(e);
    c.enabled.clear();
    c.running = false;
    // Forced: also hand over buffers that are not full (records of work that has finished).
    const CUptiResult flushed = cuptiActivityFlushAll(CUPTI_ACTIVITY_FLAG_FLUSH_FORCED);

    std::lock_guard data(c.data_mutex);
    out = trace{};
    out.source = "cupti";
    out.process_id = static_cast<std::int64_t>(::getpid());
    out.dropped_records = c.dropped;
    out.records = std::move(c.records);
    for (auto& r : out.records) {
        const auto corr = static_cast<std::uint32_t>(r.correlation_id);
        if (const auto it = c.external.find(corr); it != c.external.end()) r.external_id = it->second;
        if (!c.attach_launches) continue;
        if (const auto it = c.launches.find(corr); it != c.launches.end()) r.launch = it->second;
    }
    out.ranges = std::move(c.ranges);
    c.records.clear();
    c.ranges.clear();
    c.launches.clear();
    c.external.clear();
    c.open_markers.clear();
    sort_trace(out);
    if (flushed != CUPTI_SUCCESS) return cupti_status(flushed, "cuptiActivityFlushAll");
    std::string message = std::to_string(out.records.size()) + " records";
    if (markers && out.ranges.empty()) {
        // The usual reason for NVTX ranges that never arrive: NVTX loaded another libcupti.
        if (const auto libs = loaded_cupti_libraries(); libs.size() > 1) {
            message += "; no NVTX range recorded and " + std::to_string(libs.size()) + " libcupti files are loaded (";
            for (std::size_t i = 0; i < libs.size(); ++i) message += (i ? ", " : "") + libs[i];
            message += "): NVTX_INJECTION64_PATH must name the one in use, " + cupti_library_path();
        }
    }
    return {measure_code::ok, message};
}

measure_status activity_push_external_id(std::uint64_t id) {
    RIDGELINE_CUPTI_CHECK(cuptiActivityPushExternalCorrelationId(ridgeline_kind, id));
    return {};
}

measure_status activity_pop_external_id() {
    std::uint64_t last = 0;
    RIDGELINE_CUPTI_CHECK(cuptiActivityPopExternalCorrelationId(ridgeline_kind, &last));
    return {};
}

std::vector<std::string> loaded_cupti_libraries() {
    std::set<std::string> files;
    ::dl_iterate_phdr(
        [](dl_phdr_info* info, std::size_t, void* data) {
            if (info->dlpi_name == nullptr || *info->dlpi_name == '\0') return 0;
            const std::filesystem::path p(info->dlpi_name);
            if (p.filename().string().rfind("libcupti", 0) != 0) return 0;
            std::error_code ec;
            const auto real = std::filesystem::canonical(p, ec);
            static_cast<std::set<std::string>*>(data)->insert(ec ? p.string() : real.string());
            return 0;
        },
        &files);
    return {files.begin(), files.end()};
}

std::string cupti_library_path() {
    Dl_info info{};
    if (dladdr(reinterpret_cast<void*>(&cuptiActivityEnable), &info) != 0 && info.dli_fname != nullptr)
        return info.dli_fname;
    return {};
}

}  // namespace ridgeline::detail
