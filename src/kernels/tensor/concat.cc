// Concat: joins its inputs along `axis`. ONNX opset 1 defaults axis to 1; from opset 4 it is
// required; negative values from opset 11. Inputs must agree on rank, element type and every
// dimension but `axis` (which may be 0). Viewed as [outer, dim_i * inner] per input, each output
// row is the inputs' rows one after the other.
// Channel-blocked inputs (exec/blocked_layout.h; SqueezeNet's fire modules concatenate two
// convolutions' results) are joined along channels in the blocked layout when every input but
// the last fills whole blocks of 16; other forms unblock their inputs first.
#include <algorithm>
#include <cstring>

#include "kernels/blocked.h"
#include "kernels/common.h"

namespace xquant::kernels {
namespace {

class ConcatKernel final : public exec::Kernel {
 public:
  ConcatKernel(std::unique_ptr<exec::Kernel> plain, int64_t axis) : plain_(std::move(plain)), axis_(axis) {}

  Status Compute(exec::KernelContext& ctx) override {
    if (!ctx.any_input_blocked()) return plain_->Compute(ctx);
    if (ctx.may_block_output() && JoinsBlocks(ctx)) {
      Shape out_shape = ctx.input(0)->shape();
      out_shape[1] = 0;
      for (size_t i = 0; i < ctx.num_inputs(); ++i) out_shape[1] += ctx.input(i)->dim(1);
      Tensor y = exec::NewBlockedTensor(out_shape);
      const exec::BlockedShape out_blocks = exec::BlockedShapeOf(out_shape);
      const int64_t image = out_blocks.blocks * out_blocks.spatial * kChannelBlock;
      float* dst = y.data<float>();
      exec::ParallelFor(out_blocks.batch, 1, [&](int64_t begin, int64_t end) {
        for (int64_t n = begin; n < end; ++n) {
          float* d = dst + n * image;
          for (size_t i = 0; i < ctx.num_inputs(); ++i) {
            const exec::BlockedShape in = exec::BlockedShapeOf(ctx.input(i)->shape());
            const int64_t chunk = in.blocks * in.spatial * kChannelBlock;
            std::memcpy(d, ctx.input(i)->data<float>() + n * chunk, static_cast<size_t>(chunk) * sizeof(float));
            d += chunk;
          }
        }
      });
      ctx.output(0) = std::move(y);
      ctx.MarkOutputBlocked();
      return Status::Ok();
    }
    return ComputeOnPlainInputs(*plain_, ctx);
  }

  bool AcceptsBlockedInput(size_t) const override { return true; }

 private:
  // Every input blocked float32 of one rank, joined along channels, equal elsewhere, and all but
  // the last a whole number of blocks: then each image of the output is the inputs' images one
  // after the other, and only the last input's padding ends up padding.
  bool JoinsBlocks(const exec::KernelContext& ctx) const {
    const Tensor* first = ctx.input(0);
    if (!first || !exec::IsBlockableShape(first->shape())) return false;
    const int64_t rank = first->rank();
    if (axis_ != 1 && axis_ != 1 - rank) return false;
    for (size_t i = 0; i < ctx.num_inputs(); ++i) {
      const Tensor* t = ctx.input(i);
      if (!t || !ctx.input_blocked(i) || t->dtype() != DataType::kFloat32 || t->rank() != rank) return false;
      for (int k = 0; k < rank; ++k)
        if (k != 1 && t->dim(k) != first->dim(k)) return false;
      if (i + 1 < ctx.num_inputs() && t->dim(1) % kChannelBlock != 0) return false;
    }
    return true;
  }

  std::unique_ptr<exec::Kernel> plain_;
  int64_t axis_;
};

}  // namespace

StatusOr<std::unique_ptr<exec::Kernel>> CreateConcat(const exec::KernelInfo& info) {
  const Node& node = info.node();
  if (info.opset() >= 4 && !node.HasAttribute("axis"))
    return info.Invalid("needs the 'axis' attribute");
  const int64_t axis_attr = node.GetInt("axis", 1);
  if (info.num_inputs() == 0) return info.Invalid("needs at least one input");
  XQ_ASSIGN_OR_RETURN(std::unique_ptr<exec::Kernel> plain, MakeKernel([=](KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* first, RequireInput(ctx, 0));
    const int rank = first->rank();
    if (rank == 0) return ctx.Error("cannot concatenate scalars");
    XQ_ASSIGN_OR_RETURN(int axis, NormalizeAxis(axis_attr, rank, ctx.node().Describe()));
    Shape out_shape = first->shape();
    out_shape[axis] = 0;
    std::vector<const Tensor*> inputs;
    for (size_t i = 0; i < ctx.num_inputs(); ++i) {
      XQ_ASSIGN_OR_RETURN(const Tensor* t, RequireInput(ctx, i, {first->dtype()}));
      bool match = t->rank() == rank;
      for (int k = 0; match && k < rank; ++k) match = k == axis || t->dim(k) == first->dim(k);
      if (!match)
        return ctx.Error("input " + std::to_string(i) + " has shape " + ShapeToString(t->shape()) +
                         ", which does not match input 0's " + ShapeToString(first->shape()) +
                         " outside axis " + std::to_string(axis));
      out_shape[axis] += t->dim(axis);
      inputs.push_back(t);
    }
    if (inputs.size() == 1) {
      ctx.output(0) = *first;
      return Status::Ok();
    }
    int64_t outer = 1;
    for (int k = 0; k < axis; ++k) outer *= out_shape[k];
    const size_t elem = DataTypeSize(first->dtype());
    size_t inner_bytes = elem;
    for (int k = axis + 1; k < rank; ++k) inner_bytes *= static_cast<size_t>(out_shape[k]);
    const size_t out_row = inner_bytes * static_cast<size_t>(out_shape[axis]);
    Tensor y(first->dtype(), out_shape);
    char* dst = static_cast<char*>(y.raw_data());
    const int64_t row_elems = static_cast<int64_t>(out_row / elem);
    exec::ParallelFor(
        outer, std::max<int64_t>(1, exec::kElementwiseGrain / std::max<int64_t>(1, row_elems)),
        [&](int64_t begin, int64_t end) {
          for (int64_t o = begin; o < end; ++o) {
            char* d = dst + o * out_row;
            for (const Tensor* t : inputs) {
              const size_t chunk = inner_bytes * static_cast<size_t>(t->dim(axis));
              if (chunk) std::memcpy(d, static_cast<const char*>(t->raw_data()) + o * chunk, chunk);
              d += chunk;
            }
          }
        });
    ctx.output(0) = std::move(y);
    return Status::Ok();
  }));
  return std::unique_ptr<exec::Kernel>(std::make_unique<ConcatKernel>(std::move(plain), axis_attr));
}

}  // namespace xquant::kernels
