// TopK (ONNX opsets 1, 10, 11): the k largest (or smallest) values along `axis` (default -1) and
// their int64 indices. opset 1 reads k from the attribute, 10+ from input 1 (a one-element int64
// tensor); opset 11 adds `largest` (default 1) and `sorted` (default 1).
// Order: by value, and among equal values by lower index first, as the spec requires of both
// outputs. NaN counts as larger than every number (numpy's sort order), which also keeps the
// comparison a strict weak order. With sorted=0 the spec leaves the order open; we sort anyway.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <type_traits>
#include <vector>

#include "kernels/common.h"

namespace xquant::kernels {
namespace {

template <typename T>
inline bool Greater(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(a)) return !std::isnan(b);
    if (std::isnan(b)) return false;
  }
  return a > b;
}

template <typename T>
void TopKSlices(const T* x, int64_t outer, int64_t n, int64_t inner, int64_t k, bool largest,
                T* values, int64_t* indices) {
  const int64_t slices = outer * inner;
  exec::ParallelFor(slices, std::max<int64_t>(1, exec::kElementwiseGrain / std::max<int64_t>(1, n)),
                    [&](int64_t begin, int64_t end) {
                      std::vector<T> v(n);
                      std::vector<int64_t> order(n);
                      for (int64_t s = begin; s < end; ++s) {
                        const int64_t o = s / inner, i = s % inner;
                        const T* src = x + o * n * inner + i;
                        for (int64_t j = 0; j < n; ++j) v[j] = src[j * inner];
                        std::iota(order.begin(), order.end(), int64_t{0});
                        auto before = [&](int64_t a, int64_t b) {
                          const bool a_first = largest ? Greater(v[a], v[b]) : Greater(v[b], v[a]);
                          const bool b_first = largest ? Greater(v[b], v[a]) : Greater(v[a], v[b]);
                          return a_first || (!b_first && a < b);
                        };
                        std::partial_sort(order.begin(), order.begin() + k, order.end(), before);
                        T* out_v = values + o * k * inner + i;
                        int64_t* out_i = indices + o * k * inner + i;
                        for (int64_t j = 0; j < k; ++j) {
                          out_v[j * inner] = v[order[j]];
                          out_i[j * inner] = order[j];
                        }
                      }
                    });
}

}  // namespace

StatusOr<std::unique_ptr<exec::Kernel>> CreateTopK(const exec::KernelInfo& info) {
  const Node& node = info.node();
  const bool k_from_attribute = info.opset() < 10;
  if (k_from_attribute && !node.HasAttribute("k")) return info.Invalid("needs the 'k' attribute");
  if (!k_from_attribute && !info.HasInput(1)) return info.Invalid("needs the K input");
  const int64_t k_attr = node.GetInt("k", 0);
  const int64_t axis_attr = node.GetInt("axis", -1);
  const bool largest = node.GetInt("largest", 1) != 0;
  return MakeKernel([=](KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
    int64_t k = k_attr;
    if (!k_from_attribute) {
      XQ_ASSIGN_OR_RETURN(const Tensor* k_input, RequireInput(ctx, 1));
      XQ_ASSIGN_OR_RETURN(std::vector<int64_t> kv,
                          ToInt64Vector(*k_input, ctx.node().Describe() + ": K"));
      if (kv.size() != 1) return ctx.Error("K must have exactly one element");
      k = kv[0];
    }
    const int rank = x->rank();
    if (rank == 0) return ctx.Error("input must have rank >= 1");
    XQ_ASSIGN_OR_RETURN(int axis, NormalizeAxis(axis_attr, rank, ctx.node().Describe()));
    const int64_t n = x->dim(axis);
    if (k < 0 || k > n)
      return ctx.Error("k = " + std::to_string(k) + " is out of range for axis " +
                       std::to_string(axis) + " of size " + std::to_string(n));
    int64_t outer = 1, inner = 1;
    for (int a = 0; a < axis; ++a) outer *= x->dim(a);
    for (int a = axis + 1; a < rank; ++a) inner *= x->dim(a);
    Shape out_shape = x->shape();
    out_shape[axis] = k;
    Tensor values(x->dtype(), out_shape);
    Tensor indices(DataType::kInt64, out_shape);
    if (values.size() > 0) {
      XQ_RETURN_IF_ERROR(DispatchNumeric(x->dtype(), ctx.node().Describe(), [&](auto tag) {
        using T = decltype(tag);
        TopKSlices(x->data<T>(), outer, n, inner, k, largest, values.data<T>(),
                   indices.data<int64_t>());
      }));
    }
    ctx.output(0) = std::move(values);
    if (ctx.num_outputs() > 1) ctx.output(1) = std::move(indices);
    return Status::Ok();
  });
}

}  // namespace xquant::kernels
