#include "onnx/dialect_schemas.h"

#include <onnx/defs/schema.h>
#include <onnx/defs/shape_inference.h>

#include <mutex>
#include <utility>
#include <vector>

namespace xquant::onnx_import {
namespace {

struct DialectDomain {
  const char* domain;
  int max_version;  // highest opset version of the domain that files import
  std::vector<const char*> ops;
};

const std::vector<DialectDomain>& DialectDomains() {
  static const std::vector<DialectDomain> domains = {
      {"mct_quantizers",
       1,
       {"ActivationPOTQuantizer", "ActivationSymmetricQuantizer", "ActivationUniformQuantizer", "WeightsPOTQuantizer",
        "WeightsSymmetricQuantizer", "WeightsUniformQuantizer", "WeightsLUTSymmetricQuantizer", "WeightsLUTPOTQuantizer"}},
      // QONNX's domain and its two older names (Brevitas's export, FINN). Trunc has a version 2.
      {"qonnx.custom_op.general", 2, {"Quant", "BipolarQuant", "Trunc"}},
      {"onnx.brevitas", 2, {"Quant", "BipolarQuant", "Trunc"}},
      {"finn.custom_op.general", 2, {"Quant", "BipolarQuant", "Trunc"}},
      {"org.openvinotoolkit", 1, {"FakeQuantize"}},
      // Old OpenVINO exports put FakeQuantize in the default domain; ONNX has no op of that name.
      {"", 0, {"FakeQuantize"}},
  };
  return domains;
}

void RegisterOne(const std::string& domain, const std::string& op) {
  onnx::OpSchema schema;
  schema.SetName(op)
      .SetDomain(domain)
      .SinceVersion(1)
      .SetDoc("xquant: an elementwise fake-quantizer; the output has input 0's type and shape.")
      .Input(0, "X", "the tensor to quantize", "T")
      .Input(1, "params", "scales, ranges, thresholds, bit widths (dialect specific)", "T1",
             onnx::OpSchema::Variadic, /*is_homogeneous=*/false, /*min_arity=*/0)
      .Output(0, "Y", "the quantized tensor", "T")
      .TypeConstraint("T", {"tensor(float)", "tensor(float16)", "tensor(double)", "tensor(bfloat16)"},
                      "float types")
      .TypeConstraint("T1", onnx::OpSchema::all_tensor_types_with_bfloat(), "any tensor")
      .AllowUncheckedAttributes()
      .TypeAndShapeInferenceFunction(onnx::propagateShapeAndTypeFromFirstInput);
  onnx::OpSchemaRegistry::OpSchemaRegisterOnce registered(schema);
}

}  // namespace

void RegisterDialectSchemas() {
  static std::once_flag once;
  std::call_once(once, [] {
    auto& ranges = onnx::OpSchemaRegistry::DomainToVersionRange::Instance();
    for (const DialectDomain& d : DialectDomains()) {
      if (d.max_version > 0 && !ranges.Map().count(d.domain)) ranges.AddDomainToVersion(d.domain, 1, d.max_version);
      for (const char* op : d.ops)
        if (!onnx::OpSchemaRegistry::Schema(op, d.domain)) RegisterOne(d.domain, op);
    }
  });
}

bool IsDialectQuantOp(const std::string& domain, const std::string& op_type) {
  for (const DialectDomain& d : DialectDomains())
    if (domain == d.domain)
      for (const char* op : d.ops)
        if (op_type == op) return true;
  return false;
}

}  // namespace xquant::onnx_import
