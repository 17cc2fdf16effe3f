// OpenVINO FakeQuantize (domain org.openvinotoolkit; old exports use the default domain), as
// OpenVINO's reference implementation evaluates it, in float32, elementwise:
//   x <= min(il, ih)  ->  ol
//   x >  max(il, ih)  ->  oh
//   otherwise         ->  round_half_even((x − il) / (ih − il) · (levels − 1)) / (levels − 1) · (oh − ol) + ol
// The four ranges (input_low il, input_high ih, output_low ol, output_high oh) broadcast against x.
// A zero-width input range (il = ih) is well defined: every x goes to ol or oh.
#include <cmath>

#include "kernels/quant/dialect_params.h"

namespace xquant::kernels {

StatusOr<std::unique_ptr<exec::Kernel>> CreateFakeQuantize(const exec::KernelInfo& info) {
  XQ_RETURN_IF_ERROR(dialect::RequireInputs(info, 5, "x, input_low, input_high, output_low, output_high"));
  XQ_ASSIGN_OR_RETURN(int64_t levels, dialect::RequiredInt(info, "levels"));
  if (levels < 2 || levels > (int64_t{1} << 24))
    return info.Invalid("attribute 'levels' is " + std::to_string(levels) + "; expected 2 to 2^24");
  const float steps = static_cast<float>(levels - 1);
  static const char* const kFields[] = {"input_low", "input_high", "output_low", "output_high"};
  return MakeKernel([=](exec::KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0, {DataType::kFloat32}));
    std::array<std::vector<float>, 4> values;
    std::array<dialect::ParamView, 4> views;
    for (size_t k = 0; k < 4; ++k) {
      XQ_ASSIGN_OR_RETURN(values[k], dialect::ParamValues(ctx, k + 1, kFields[k]));
      XQ_ASSIGN_OR_RETURN(views[k], dialect::BroadcastView(ctx, values[k], ctx.input(k + 1)->shape(), x->shape(),
                                                           kFields[k]));
    }
    Tensor y(DataType::kFloat32, x->shape());
    dialect::MapWithParams<4>(*x, views, y.data<float>(), [=](float v, const std::array<float, 4>& r) {
      const float il = r[0], ih = r[1], ol = r[2], oh = r[3];
      if (v <= std::min(il, ih)) return ol;
      if (v > std::max(il, ih)) return oh;
      return std::nearbyintf((v - il) / (ih - il) * steps) / steps * (oh - ol) + ol;
    });
    ctx.output(0) = std::move(y);
    return Status::Ok();
  });
}

}  // namespace xquant::kernels
