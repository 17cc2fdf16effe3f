// ArgMax and ArgMin (ONNX opsets 1, 11, 12, 13): int64 index of the largest / smallest value along
// `axis` (default 0, negative from 11). `keepdims` (default 1) keeps the axis as size 1;
// `select_last_index` (opset 12) picks the last of equal extremes instead of the first.
// Viewed as [outer, n, inner]: with inner 1 each row is scanned; otherwise the running best of a
// whole inner row is updated n times, which keeps the inner loop contiguous.
#include <algorithm>
#include <vector>

#include "kernels/common.h"

namespace xquant::kernels {
namespace {

// Better(v, best): does v replace the current best?
template <typename T, bool kMax, bool kLast>
inline bool Better(T v, T best) {
  if constexpr (kMax)
    return kLast ? v >= best : v > best;
  else
    return kLast ? v <= best : v < best;
}

template <typename T, bool kMax, bool kLast>
void ArgExtreme(const T* x, int64_t outer, int64_t n, int64_t inner, int64_t* y) {
  exec::ParallelFor(outer, std::max<int64_t>(1, exec::kElementwiseGrain / (n * inner)),
                    [&](int64_t begin, int64_t end) {
                      std::vector<T> best(inner);
                      for (int64_t o = begin; o < end; ++o) {
                        const T* rows = x + o * n * inner;
                        int64_t* out = y + o * inner;
                        if (inner == 1) {
                          T b = rows[0];
                          int64_t at = 0;
                          for (int64_t i = 1; i < n; ++i)
                            if (Better<T, kMax, kLast>(rows[i], b)) {
                              b = rows[i];
                              at = i;
                            }
                          *out = at;
                          continue;
                        }
                        std::copy_n(rows, inner, best.begin());
                        std::fill_n(out, inner, 0);
                        for (int64_t i = 1; i < n; ++i) {
                          const T* row = rows + i * inner;
                          for (int64_t k = 0; k < inner; ++k) {
                            const bool take = Better<T, kMax, kLast>(row[k], best[k]);
                            best[k] = take ? row[k] : best[k];
                            out[k] = take ? i : out[k];
                          }
                        }
                      }
                    });
}

StatusOr<std::unique_ptr<exec::Kernel>> CreateArgExtreme(const exec::KernelInfo& info,
                                                         bool is_max) {
  const Node& node = info.node();
  const int64_t axis_attr = node.GetInt("axis", 0);
  const bool keepdims = node.GetInt("keepdims", 1) != 0;
  const bool last = node.GetInt("select_last_index", 0) != 0;
  return MakeKernel([=](KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
    const int rank = x->rank();
    XQ_ASSIGN_OR_RETURN(int axis, NormalizeAxis(axis_attr, rank, ctx.node().Describe()));
    const int64_t n = rank == 0 ? 1 : x->dim(axis);
    if (n == 0)
      return ctx.Error("cannot take the arg" + std::string(is_max ? "max" : "min") +
                       " of an empty axis");
    int64_t outer = 1, inner = 1;
    Shape out_shape;
    for (int k = 0; k < rank; ++k) {
      if (k < axis) outer *= x->dim(k);
      if (k > axis) inner *= x->dim(k);
      if (k != axis)
        out_shape.push_back(x->dim(k));
      else if (keepdims)
        out_shape.push_back(1);
    }
    Tensor y(DataType::kInt64, out_shape);
    if (y.size() > 0) {
      XQ_RETURN_IF_ERROR(DispatchNumeric(x->dtype(), ctx.node().Describe(), [&](auto tag) {
        using T = decltype(tag);
        const T* in = x->data<T>();
        int64_t* out = y.data<int64_t>();
        if (is_max && last)
          ArgExtreme<T, true, true>(in, outer, n, inner, out);
        else if (is_max)
          ArgExtreme<T, true, false>(in, outer, n, inner, out);
        else if (last)
          ArgExtreme<T, false, true>(in, outer, n, inner, out);
        else
          ArgExtreme<T, false, false>(in, outer, n, inner, out);
      }));
    }
    ctx.output(0) = std::move(y);
    return Status::Ok();
  });
}

}  // namespace

StatusOr<std::unique_ptr<exec::Kernel>> CreateArgMax(const exec::KernelInfo& info) {
  return CreateArgExtreme(info, true);
}
StatusOr<std::unique_ptr<exec::Kernel>> CreateArgMin(const exec::KernelInfo& info) {
  return CreateArgExtreme(info, false);
}

}  // namespace xquant::kernels
