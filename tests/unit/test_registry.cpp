// The registry: every registered operator has both a shape rule and a cost rule, lookup picks the
// newest version not newer than the model's opset, and every zoo operator is known.
#include "ridgeline/ops.hpp"

#include <doctest/doctest.h>

using namespace ridgeline;

TEST_CASE("every operator has a shape rule and a cost rule") {
    const auto& rules = op_registry::builtin().rules();
    CHECK(rules.size() >= 100);
    for (const auto& r : rules) {
        CAPTURE(r.op_type);
        CHECK(static_cast<bool>(r.infer));
        CHECK(static_cast<bool>(r.cost));
    }
}

TEST_CASE("lookup follows since_version") {
    const auto& reg = op_registry::builtin();
    CHECK(reg.find("", "LayerNormalization", 16) == nullptr);  // introduced in opset 17
    CHECK(reg.find("", "LayerNormalization", 17) != nullptr);
    CHECK(reg.find("ai.onnx", "Conv", 11) == reg.find("", "Conv", 11));
    CHECK(reg.find("com.example", "Conv", 11) == nullptr);
    CHECK(reg.find("", "Gelu", 20) != nullptr);
    CHECK(reg.find("", "Gelu", 17) == nullptr);
}

TEST_CASE("every operator of the zoo is registered") {
    for (const char* op : {"Constant",
                           "Unsqueeze",
                           "Shape",
                           "Identity",
                           "Gather",
                           "Reshape",
                           "Mul",
                           "Add",
                           "Concat",
                           "Conv",
                           "Cast",
                           "Slice",
                           "Transpose",
                           "ConstantOfShape",
                           "MatMul",
                           "Relu",
                           "Expand",
                           "Where",
                           "Sigmoid",
                           "Equal",
                           "Range",
                           "Squeeze",
                           "Div",
                           "LayerNormalization",
                           "GlobalAveragePool",
                           "NonZero",
                           "Sqrt",
                           "Gemm",
                           "ScatterND",
                           "BatchNormalization",
                           "Softmax",
                           "Sub",
                           "Erf",
                           "Mod",
                           "Clip",
                           "Pad",
                           "MaxPool",
                           "HardSwish",
                           "Pow",
                           "Einsum",
                           "Flatten",
                           "Tanh",
                           "Trilu",
                           "Not",
                           "HardSigmoid",
                           "AveragePool",
                           "And",
                           "Split",
                           "Neg",
                           "Gelu",
                           "GreaterOrEqual",
                           "ReduceMean",
                           "GatherElements",
                           "CumSum",
                           "LessOrEqual",
                           "Less"}) {
        CAPTURE(op);
        CHECK(op_registry::builtin().find("", op, 20) != nullptr);
    }
}
