// Split: cuts the input along `axis` (default 0, negative from opset 11) into the node's outputs.
// The sizes come from the `split` attribute (opsets 1-12; opset 1 also accepts it as input 1) or
// input 1 (opset 13+); without them the axis is cut into equal parts, one per output; opset 18's
// `num_outputs` cuts into ceil(dim / n)-sized parts with a smaller last one.
#include <algorithm>
#include <cstring>

#include "kernels/common.h"

namespace xquant::kernels {

StatusOr<std::unique_ptr<exec::Kernel>> CreateSplit(const exec::KernelInfo& info) {
  const Node& node = info.node();
  const int64_t axis_attr = node.GetInt("axis", 0);
  const bool split_from_input = info.opset() >= 13 || (info.opset() == 1 && info.HasInput(1));
  const bool has_split_attr = !split_from_input && node.HasAttribute("split");
  const std::vector<int64_t> split_attr = node.GetInts("split");
  const bool has_num_outputs = info.opset() >= 18 && node.HasAttribute("num_outputs");
  const int64_t num_outputs = node.GetInt("num_outputs", 0);
  const size_t outputs = node.outputs.size();
  if (outputs == 0) return info.Invalid("has no outputs");
  if (has_num_outputs && num_outputs != static_cast<int64_t>(outputs))
    return info.Invalid("num_outputs is " + std::to_string(num_outputs) + " but the node has " +
                        std::to_string(outputs) + " outputs");
  if (has_num_outputs && info.HasInput(1))
    return info.Invalid("num_outputs and the split input are exclusive");
  if (has_split_attr && split_attr.size() != outputs)
    return info.Invalid("split has " + std::to_string(split_attr.size()) + " entries for " +
                        std::to_string(outputs) + " outputs");
  return MakeKernel([=](KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
    const int rank = x->rank();
    if (rank == 0) return ctx.Error("cannot split a scalar");
    XQ_ASSIGN_OR_RETURN(int axis, NormalizeAxis(axis_attr, rank, ctx.node().Describe()));
    const int64_t dim = x->dim(axis);
    const int64_t n = static_cast<int64_t>(ctx.num_outputs());
    std::vector<int64_t> sizes;
    if (has_split_attr) {
      sizes = split_attr;
    } else if (split_from_input && ctx.input(1)) {
      XQ_ASSIGN_OR_RETURN(sizes, ToInt64Vector(*ctx.input(1), ctx.node().Describe() + ": split"));
      if (static_cast<int64_t>(sizes.size()) != n)
        return ctx.Error("split has " + std::to_string(sizes.size()) + " entries for " +
                         std::to_string(n) + " outputs");
    } else if (has_num_outputs) {
      const int64_t chunk = (dim + n - 1) / n;
      for (int64_t i = 0; i < n; ++i)
        sizes.push_back(std::clamp<int64_t>(dim - i * chunk, 0, chunk));
    } else {
      if (dim % n != 0)
        return ctx.Error("axis " + std::to_string(axis) + " of size " + std::to_string(dim) +
                         " cannot be split into " + std::to_string(n) + " equal parts");
      sizes.assign(n, dim / n);
    }
    int64_t total = 0;
    for (int64_t s : sizes) {
      if (s < 0) return ctx.Error("split " + ShapeToString(sizes) + " has a negative size");
      total += s;
    }
    if (total != dim)
      return ctx.Error("split " + ShapeToString(sizes) + " does not add up to axis " +
                       std::to_string(axis) + "'s size " + std::to_string(dim));

    int64_t outer = 1;
    for (int k = 0; k < axis; ++k) outer *= x->dim(k);
    const size_t elem = DataTypeSize(x->dtype());
    size_t inner_bytes = elem;
    for (int k = axis + 1; k < rank; ++k) inner_bytes *= static_cast<size_t>(x->dim(k));
    const size_t in_row = inner_bytes * static_cast<size_t>(dim);
    std::vector<char*> dst(n);
    for (int64_t i = 0; i < n; ++i) {
      Shape shape = x->shape();
      shape[axis] = sizes[i];
      ctx.output(i) = Tensor(x->dtype(), shape);
      dst[i] = static_cast<char*>(ctx.output(i).raw_data());
    }
    const char* src = static_cast<const char*>(x->raw_data());
    const int64_t row_elems = static_cast<int64_t>(in_row / elem);
    exec::ParallelFor(
        outer, std::max<int64_t>(1, exec::kElementwiseGrain / std::max<int64_t>(1, row_elems)),
        [&](int64_t begin, int64_t end) {
          for (int64_t o = begin; o < end; ++o) {
            const char* s = src + o * in_row;
            for (int64_t i = 0; i < n; ++i) {
              const size_t chunk = inner_bytes * static_cast<size_t>(sizes[i]);
              if (chunk) std::memcpy(dst[i] + o * chunk, s, chunk);
              s += chunk;
            }
          }
        });
    return Status::Ok();
  });
}

}  // namespace xquant::kernels
