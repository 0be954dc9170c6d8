// Control flow: If, Loop, Scan. Their bodies are imported as subgraphs and reported; their
// outputs take the types and shapes the body declares (If: then-branch outputs when both branches
// agree on rank; Loop/Scan: declared graph outputs). The work inside is not counted: a diagnostic
// says so, so no total silently omits it.
#include "families.hpp"

namespace ridgeline::ops {
namespace {

const graph* body(const infer_context& ctx, std::string_view attr) {
    const auto* a = ctx.n().find(attr);
    return (a && !a->graphs.empty()) ? a->graphs.front().get() : nullptr;
}

void set_from_body(infer_context& ctx, const graph* g, std::size_t skip_body_outputs, std::size_t first_output) {
    if (!g) ctx.fail("has no body graph");
    for (std::size_t i = skip_body_outputs; i < g->outputs.size(); ++i) {
        const auto& v = g->values[static_cast<std::size_t>(g->outputs[i])];
        const std::size_t out = first_output + i - skip_body_outputs;
        if (out >= ctx.output_count()) break;
        if (v.declared) ctx.set_output(out, v.declared_type, *v.declared);
    }
}

void infer_if(infer_context& ctx) {
    const auto* then_g = body(ctx, "then_branch");
    const auto* else_g = body(ctx, "else_branch");
    if (!then_g || !else_g) ctx.fail("needs then_branch and else_branch");
    // A condition known at analysis time picks its branch; otherwise the then-branch's declaration.
    const graph* chosen = then_g;
    if (auto c = ctx.in_ints(0); c && c->size() == 1 && (*c)[0] == 0) chosen = else_g;
    set_from_body(ctx, chosen, 0, 0);
}

void infer_loop(infer_context& ctx) { set_from_body(ctx, body(ctx, "body"), 1, 0); }  // body out 0 = cond

void infer_scan(infer_context& ctx) { set_from_body(ctx, body(ctx, "body"), 0, 0); }

}  // namespace

void register_control(op_registry& r) {
    r.add({"", "If", 1, op_kind::control, infer_if, view_cost});
    r.add({"", "Loop", 1, op_kind::control, infer_loop, view_cost});
    r.add({"", "Scan", 8, op_kind::control, infer_scan, view_cost});
}

}  // namespace ridgeline::ops
