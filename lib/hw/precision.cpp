// Precisions (precision.hpp): text → what it implies for storage, compute, TF32 and ceiling keys.
#include "ridgeline/precision.hpp"

#include "ridgeline/error.hpp"

namespace ridgeline {

ceiling_keys ceiling_keys_for(dtype compute, bool tf32) {
    switch (compute) {
        case dtype::f16:
            return {"fp16_tensor", "fp16"};
        case dtype::bf16:
            return {"bf16_tensor", "bf16"};
        case dtype::f8e4m3fn:
        case dtype::f8e5m2:
            return {"fp8_tensor", "fp16"};
        case dtype::i8:
            return {"int8_tensor", "fp32"};
        case dtype::f64:
            return {"fp64_tensor", "fp64"};
        default:
            return {tf32 ? "tf32_tensor" : "fp32", "fp32"};
    }
}

precision precision_of(dtype compute, bool tf32) {
    precision p;
    p.name = compute == dtype::f32 && tf32 ? "tf32" : std::string(dtype_name(compute));
    p.compute = compute;
    p.storage = compute == dtype::f32 ? dtype::undefined : compute;
    p.tf32 = tf32 && compute == dtype::f32;
    return p;
}

precision parse_precision(std::string_view text) {
    if (text.empty()) return {};
    precision p = precision_of(parse_dtype(text), text == "tf32");  // parse_dtype names unknown text
    p.name = std::string(text);
    return p;
}

}  // namespace ridgeline
