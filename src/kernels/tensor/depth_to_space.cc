// DepthToSpace (ONNX opsets 1, 11, 13) and SpaceToDepth (1, 13): rearrangements of a 4-D NCHW
// tensor between channels and b x b spatial blocks, each a reshape + transpose + reshape (the 6-D
// transpose goes through TransposeTensor, which merges axes and blocks the copy).
//   DepthToSpace DCR (default): [N, b, b, C', H, W] -perm 0,3,4,1,5,2-> [N, C', H*b, W*b]
//   DepthToSpace CRD (opset 11): [N, C', b, b, H, W] -perm 0,1,4,2,5,3-> [N, C', H*b, W*b]
//   SpaceToDepth: [N, C, H', b, W', b] -perm 0,3,5,1,2,4-> [N, C*b*b, H', W']
#include "kernels/common.h"
#include "kernels/tensor/copy.h"

namespace xquant::kernels {

StatusOr<std::unique_ptr<exec::Kernel>> CreateDepthToSpace(const exec::KernelInfo& info) {
  const int64_t b = info.node().GetInt("blocksize", 0);
  if (b <= 0) return info.Invalid("needs a positive 'blocksize' attribute");
  const std::string mode = info.node().GetString("mode", "DCR");
  if (mode != "DCR" && mode != "CRD") return info.Invalid("unknown mode '" + mode + "' (DCR, CRD)");
  const bool dcr = mode == "DCR";
  return MakeKernel([=](KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
    if (x->rank() != 4) return ctx.Error("input must be 4-D, got " + ShapeToString(x->shape()));
    const int64_t n = x->dim(0), c = x->dim(1), h = x->dim(2), w = x->dim(3);
    if (c % (b * b) != 0)
      return ctx.Error("channels (" + std::to_string(c) + ") must be a multiple of blocksize^2 (" +
                       std::to_string(b * b) + ")");
    const int64_t oc = c / (b * b);
    Tensor view = dcr ? x->Reshaped({n, b, b, oc, h, w}) : x->Reshaped({n, oc, b, b, h, w});
    Tensor y =
        dcr ? TransposeTensor(view, {0, 3, 4, 1, 5, 2}) : TransposeTensor(view, {0, 1, 4, 2, 5, 3});
    ctx.output(0) = y.Reshaped({n, oc, h * b, w * b});
    return Status::Ok();
  });
}

StatusOr<std::unique_ptr<exec::Kernel>> CreateSpaceToDepth(const exec::KernelInfo& info) {
  const int64_t b = info.node().GetInt("blocksize", 0);
  if (b <= 0) return info.Invalid("needs a positive 'blocksize' attribute");
  return MakeKernel([=](KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
    if (x->rank() != 4) return ctx.Error("input must be 4-D, got " + ShapeToString(x->shape()));
    const int64_t n = x->dim(0), c = x->dim(1), h = x->dim(2), w = x->dim(3);
    if (h % b != 0 || w % b != 0)
      return ctx.Error("height and width " + ShapeToString({h, w}) +
                       " must be multiples of blocksize " + std::to_string(b));
    Tensor y = TransposeTensor(x->Reshaped({n, c, h / b, b, w / b, b}), {0, 3, 5, 1, 2, 4});
    ctx.output(0) = y.Reshaped({n, c * b * b, h / b, w / b});
    return Status::Ok();
  });
}

}  // namespace xquant::kernels
