// Finding a decoder graph's KV cache (llm.hpp): which graph inputs are cache tensors, their layers,
// heads and head size, and the symbols that bind prefill and decode. Only names and declared
// shapes are read (plus the Concat that extends a past tensor into its present output); no
// model-specific tables.
#include "ridgeline/llm.hpp"

#include "ridgeline/error.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

namespace ridgeline {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

/** The name's alphanumeric tokens: "past_key_values.0.key" → {past, key, values, 0, key}. */
std::vector<std::string> tokens_of(const std::string& lname) {
    std::vector<std::string> out;
    std::string cur;
    for (char c : lname) {
        if (std::isalnum(static_cast<unsigned char>(c))) {
            cur += c;
        } else if (!cur.empty()) {
            out.push_back(std::move(cur));
            cur.clear();
        }
    }
    if (!cur.empty()) out.push_back(std::move(cur));
    return out;
}

bool has_token(const std::vector<std::string>& t, std::string_view w) {
    return std::find(t.begin(), t.end(), w) != t.end();
}

/** The name speaks of a cache: past, cache, kv, present-less "layer_past" … */
bool names_cache(const std::string& lname) {
    return lname.find("past") != std::string::npos || lname.find("cache") != std::string::npos ||
           has_token(tokens_of(lname), "kv");
}

/** 'k', 'v' or 0 from the name ("value" is looked at first: "past_key_values.0.value"). */
char role_from_name(const std::string& lname) {
    const auto t = tokens_of(lname);
    // The last key/value word decides ("past_key_values.0.key" ends in key); "key_values" is the
    // cache's name, not a role.
    for (std::size_t i = t.size(); i-- > 0;) {
        const auto& w = t[i];
        const bool compound = (w.starts_with("value") && i > 0 && t[i - 1] == "key") ||
                              (w == "key" && i + 1 < t.size() && t[i + 1].starts_with("value"));
        if (compound) continue;
        if (w == "v" || w == "vcache" || w.starts_with("value")) return 'v';
        if (w == "k" || w == "kcache" || w.starts_with("key")) return 'k';
    }
    return 0;
}

/** The first number in the name, or -1. */
std::int64_t number_in(const std::string& name) {
    for (std::size_t i = 0; i < name.size(); ++i) {
        if (!std::isdigit(static_cast<unsigned char>(name[i]))) continue;
        std::int64_t v = 0;
        for (; i < name.size() && std::isdigit(static_cast<unsigned char>(name[i])) && v < (1LL << 40); ++i)
            v = v * 10 + (name[i] - '0');
        return v;
    }
    return -1;
}

/** A single plain symbol ("past_sequence"), or "" for numbers and expressions. */
std::string plain_symbol(const dim& d) {
    if (d.is_value()) return {};
    const auto s = d.symbols();
    return s.size() == 1 && d.to_string() == s.front() ? s.front() : std::string();
}

/** A graph input's declared shape (the file's), or nullptr. */
const shape* declared_shape(const value& v) {
    if (v.declared) return &*v.declared;
    if (v.dims) return &*v.dims;
    return nullptr;
}

dtype declared_type(const value& v) { return v.declared_type != dtype::undefined ? v.declared_type : v.type; }

/** What the cache-shape test found for one input. */
struct cache_shape {
    int batch_axis = 0;
    int sequence_axis = -1;
    std::string past;  // symbol of the sequence axis
    std::int64_t elements_per_token = 1;
    std::int64_t heads = 1;
    std::int64_t head_dim = 0;
    bool stacked = false;  // [2, batch, …]: key and value in one tensor
};

/**
 * [batch, heads, past, head_dim] and its relatives: rank 3 to 5, floating, one plain symbol on a
 * non-batch axis (the cached tokens), every other non-batch axis a positive number.
 */
std::optional<cache_shape> cache_shape_of(const value& v) {
    const auto* s = declared_shape(v);
    if (!s || s->size() < 3 || s->size() > 5 || !is_floating(declared_type(v))) return std::nullopt;
    cache_shape c;
    if (s->size() == 5 && (*s)[0].is_value() && (*s)[0].value() == 2) {
        c.stacked = true;
        c.batch_axis = 1;
    }
    for (int a = 0; a < static_cast<int>(s->size()); ++a) {
        if (a == c.batch_axis) continue;
        const auto& d = (*s)[static_cast<std::size_t>(a)];
        if (d.is_value()) {
            if (d.value() <= 0) return std::nullopt;
            c.elements_per_token = checked_mul(c.elements_per_token, d.value());
            continue;
        }
        if (c.sequence_axis >= 0) return std::nullopt;  // two symbolic axes besides the batch
        c.past = plain_symbol(d);
        if (c.past.empty()) return std::nullopt;
        c.sequence_axis = a;
    }
    if (c.sequence_axis < 0) return std::nullopt;
    c.head_dim = s->back().is_value() ? s->back().value() : 0;
    if (c.sequence_axis == static_cast<int>(s->size()) - 1 || c.head_dim <= 0) return std::nullopt;
    c.heads = std::max<std::int64_t>(1, c.elements_per_token / c.head_dim / (c.stacked ? 2 : 1));
    return c;
}

std::vector<std::vector<std::int32_t>> consumers_of(const graph& g) {
    std::vector<std::vector<std::int32_t>> c(g.values.size());
    for (const auto& n : g.nodes)
        for (auto in : n.inputs)
            if (in >= 0) c[static_cast<std::size_t>(in)].push_back(n.index);
    return c;
}

/**
 * The Concat that extends input `v` along `axis` with new tokens (through Identity, Cast and
 * one-input Concat copies), and the graph output it becomes when it is one: (found, output name).
 */
std::pair<bool, std::string> extending_concat(const graph& g, const std::vector<std::vector<std::int32_t>>& consumers,
                                              std::int32_t v, int axis, std::size_t rank) {
    for (int hops = 0; hops < 6; ++hops) {
        const auto& users = consumers[static_cast<std::size_t>(v)];
        if (users.empty()) return {false, {}};
        std::int32_t next = -1;
        for (auto u : users) {
            const auto& n = g.nodes[static_cast<std::size_t>(u)];
            if (n.op_type == "Concat" && n.inputs.size() >= 2 && !n.outputs.empty() && n.outputs[0] >= 0) {
                auto a = n.attr_i("axis", 0);
                if (a < 0) a += static_cast<std::int64_t>(rank);
                if (a != axis) continue;
                const auto out = n.outputs[0];
                const bool is_output = std::find(g.outputs.begin(), g.outputs.end(), out) != g.outputs.end();
                return {true, is_output ? g.values[static_cast<std::size_t>(out)].name : std::string()};
            }
            if ((n.op_type == "Identity" || n.op_type == "Cast" || (n.op_type == "Concat" && n.inputs.size() == 1)) &&
                !n.outputs.empty() && n.outputs[0] >= 0) {
                next = n.outputs[0];
            }
        }
        if (next < 0) return {false, {}};
        v = next;
    }
    return {false, {}};
}

/** "input_ids [batch, sequence], attention_mask [batch, total_sequence]" for messages. */
std::string inputs_text(const graph& g) {
    std::string out;
    for (auto id : g.inputs) {
        const auto& v = g.values[static_cast<std::size_t>(id)];
        const auto* s = declared_shape(v);
        if (!out.empty()) out += ", ";
        out += v.name + " " + (s ? shape_to_string(*s) : "[?]");
        if (out.size() > 600) {
            out += ", …";
            break;
        }
    }
    return out.empty() ? "none" : out;
}

}  // namespace

std::int64_t kv_cache_layout::bytes_per_token(std::int64_t element_bytes) const {
    std::int64_t elements = 0;
    for (const auto& t : tensors) elements = checked_add(elements, t.elements_per_token);
    return checked_mul(elements, element_bytes);
}

bindings kv_cache_layout::bind(std::int64_t batch, std::int64_t new_tokens, std::int64_t past_tokens) const {
    bindings b;
    if (!batch_symbol.empty()) b[batch_symbol] = batch;
    b[past_symbol] = past_tokens;
    if (!sequence_symbol.empty()) b[sequence_symbol] = new_tokens;
    if (!total_symbol.empty()) b[total_symbol] = checked_add(past_tokens, new_tokens);
    return b;
}

std::optional<kv_cache_layout> find_kv_cache(const graph& g) {
    const auto consumers = consumers_of(g);
    struct candidate {
        std::int32_t id;
        cache_shape shape;
        std::string present;
        char role;
        std::int64_t number;
    };
    std::vector<candidate> found;
    std::map<std::string, int> past_votes;
    for (auto id : g.inputs) {
        const auto& v = g.values[static_cast<std::size_t>(id)];
        const auto c = cache_shape_of(v);
        if (!c) continue;
        const auto lname = lower(v.name);
        const auto [extends, present] = extending_concat(g, consumers, id, c->sequence_axis, declared_shape(v)->size());
        if (!names_cache(lname) && !extends) continue;
        found.push_back({id, *c, present, c->stacked ? 'b' : role_from_name(lname), number_in(v.name)});
        ++past_votes[c->past];
    }
    if (found.empty()) return std::nullopt;
    // The cached-token symbol most cache inputs share (an odd input with another symbol is not cache).
    const auto past = std::max_element(past_votes.begin(), past_votes.end(), [](const auto& a, const auto& b) {
                          return a.second < b.second;
                      })->first;
    std::erase_if(found, [&](const candidate& c) { return c.shape.past != past; });

    kv_cache_layout kv;
    kv.past_symbol = past;
    // Roles the names leave open alternate key, value in input order; layers without numbers in
    // their names follow the order of their pairs.
    const bool numbered = std::all_of(found.begin(), found.end(), [](const auto& c) { return c.number >= 0; });
    std::int64_t unnamed = 0, order = 0;
    for (auto& c : found) {
        if (c.role == 0) c.role = (unnamed++ % 2 == 0) ? 'k' : 'v';
        const std::int64_t layer = numbered ? c.number : (c.role == 'v' || c.role == 'b' ? order++ : order);
        const auto& v = g.values[static_cast<std::size_t>(c.id)];
        kv_tensor t;
        t.input = v.name;
        t.output = c.present;
        t.layer = layer;
        t.role = c.role;
        t.sequence_axis = c.shape.sequence_axis;
        t.heads = c.shape.heads;
        t.head_dim = c.shape.head_dim;
        t.elements_per_token = c.shape.elements_per_token;
        kv.tensors.push_back(std::move(t));
    }
    std::set<std::int64_t> layers;
    for (const auto& t : kv.tensors) layers.insert(t.layer);
    kv.layers = static_cast<std::int64_t>(layers.size());
    const auto first_key =
        std::find_if(kv.tensors.begin(), kv.tensors.end(), [](const auto& t) { return t.role != 'v'; });
    const auto& ref = first_key != kv.tensors.end() ? *first_key : kv.tensors.front();
    kv.kv_heads = ref.heads;
    kv.head_dim = ref.head_dim;
    for (const auto& t : kv.tensors) kv.uniform = kv.uniform && t.heads == ref.heads && t.head_dim == ref.head_dim;

    const auto& first = g.values[static_cast<std::size_t>(found.front().id)];
    kv.stored_type = declared_type(first);
    const auto& batch_dim = (*declared_shape(first))[static_cast<std::size_t>(found.front().shape.batch_axis)];
    if (batch_dim.is_value()) {
        kv.fixed_batch = batch_dim.value();
    } else {
        kv.batch_symbol = plain_symbol(batch_dim);
    }

    // The token input: input_ids, else inputs_embeds, else the first integer [batch, n] input.
    std::set<std::int32_t> cache_ids;
    for (const auto& c : found) cache_ids.insert(c.id);
    const value* tokens = nullptr;
    for (const char* want : {"input_ids", "inputs_embeds", ""}) {
        for (auto id : g.inputs) {
            if (cache_ids.count(id)) continue;
            const auto& v = g.values[static_cast<std::size_t>(id)];
            const auto* s = declared_shape(v);
            if (!s || s->size() < 2) continue;
            const bool match = *want ? lower(v.name).find(want) != std::string::npos
                                     : !is_floating(declared_type(v)) && s->size() == 2 &&
                                           lower(v.name).find("mask") == std::string::npos;
            if (match) {
                tokens = &v;
                break;
            }
        }
        if (tokens) break;
    }
    if (tokens) {
        kv.token_input = tokens->name;
        const auto& d = (*declared_shape(*tokens))[1];
        if (d.is_value()) {
            kv.fixed_sequence = d.value();
        } else {
            kv.sequence_symbol = plain_symbol(d);
        }
    }
    // Past + new tokens: a mask input's second axis, else the present outputs' token axis.
    auto total_candidate = [&](const dim& d) {
        const auto s = plain_symbol(d);
        return !s.empty() && s != kv.past_symbol && s != kv.sequence_symbol && s != kv.batch_symbol ? s : std::string();
    };
    for (auto id : g.inputs) {
        const auto& v = g.values[static_cast<std::size_t>(id)];
        const auto* s = declared_shape(v);
        if (!kv.total_symbol.empty() || !s || s->size() < 2 || lower(v.name).find("mask") == std::string::npos)
            continue;
        kv.total_symbol = total_candidate(s->back());
        if (kv.total_symbol.empty() && s->size() == 2 && !s->back().is_value() && plain_symbol(s->back()).empty())
            kv.mask_input = v.name;
    }
    if (!kv.total_symbol.empty()) kv.mask_input.clear();
    for (const auto& t : kv.tensors) {
        if (!kv.total_symbol.empty() || t.output.empty()) continue;
        const auto& out = g.values[static_cast<std::size_t>(g.find_value(t.output))];
        const auto* s = declared_shape(out);
        if (s && static_cast<int>(s->size()) > t.sequence_axis)
            kv.total_symbol = total_candidate((*s)[static_cast<std::size_t>(t.sequence_axis)]);
    }
    return kv;
}

kv_cache_layout require_kv_cache(const graph& g) {
    if (auto kv = find_kv_cache(g)) return *kv;
    throw model_error(g.path.empty() ? g.name : g.path,
                      "no KV-cache inputs: expected floating graph inputs shaped [batch, kv_heads, past_sequence, "
                      "head_dim] (one symbolic token axis) named past_key_values.* / past_key.* / past_value.* "
                      "(past, cache or kv in the name) or extended by a Concat into a present.* output; inputs are: " +
                          inputs_text(g));
}

}  // namespace ridgeline
