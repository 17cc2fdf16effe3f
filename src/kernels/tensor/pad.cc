// Pad: grows (or, with negative pads, crops) every axis by pads[k] before and pads[rank + k] after.
//
// ONNX opset 1 reads the `paddings` attribute, opsets 2-10 `pads`, both with a float `value`;
// opset 11+ reads pads (and an optional scalar constant_value of x's type) from inputs 1-2; opset
// 18 adds input 3, `axes`, naming the axes the pads refer to. `mode`: constant (default), reflect
// (mirror without repeating the edge), edge (repeat the edge) and wrap (opset 19, periodic).
// The kept part of x is one StridedCopy; reflect/edge/wrap then fill the borders axis by axis from
// the innermost, copying whole already-padded blocks from the output itself.
#include <algorithm>
#include <cstring>

#include "kernels/common.h"
#include "kernels/tensor/copy.h"
#include "kernels/tensor/indices.h"

namespace xquant::kernels {
namespace {

enum class PadMode { kConstant, kReflect, kEdge, kWrap };

// Position in [0, n) whose value lands at position j (relative to the kept part, any integer).
int64_t SourcePosition(PadMode mode, int64_t j, int64_t n) {
  switch (mode) {
    case PadMode::kEdge:
      return std::clamp<int64_t>(j, 0, n - 1);
    case PadMode::kWrap:
      return ((j % n) + n) % n;
    default: {
      if (n == 1) return 0;
      const int64_t period = 2 * (n - 1);
      int64_t r = (j < 0 ? -j : j) % period;
      return r >= n ? period - r : r;
    }
  }
}

// Fills every element of `y` (bytes of one element repeated) with `value`.
void FillWith(Tensor& y, const void* value) {
  const size_t elem = DataTypeSize(y.dtype());
  char* d = static_cast<char*>(y.raw_data());
  const int64_t n = y.size();
  auto fill = [&](auto tag) {
    using T = decltype(tag);
    T v;
    std::memcpy(&v, value, sizeof(T));
    std::fill_n(reinterpret_cast<T*>(d), n, v);
  };
  switch (elem) {
    case 1:
      fill(uint8_t{});
      break;
    case 2:
      fill(uint16_t{});
      break;
    case 4:
      fill(uint32_t{});
      break;
    default:
      fill(uint64_t{});
      break;
  }
}

// Fills the borders of axis `axis` of y from its kept part [begin[axis], begin[axis] + kept[axis]),
// for the positions of the outer axes that are inside the kept part (the others are filled later,
// when their own axis is padded, copying whole blocks that include these).
void FillBorders(PadMode mode, Tensor& y, const Shape& begin, const Shape& kept, int axis) {
  const Shape& shape = y.shape();
  const std::vector<int64_t> strides = ContiguousStrides(shape);
  const size_t block = static_cast<size_t>(strides[axis]) * DataTypeSize(y.dtype());
  char* data = static_cast<char*>(y.raw_data());
  const int64_t outer = DimProduct(kept, 0, axis);
  std::vector<int64_t> coord(axis, 0);
  for (int64_t o = 0; o < outer; ++o) {
    int64_t base = 0;
    for (int k = 0; k < axis; ++k) base += (begin[k] + coord[k]) * strides[k];
    char* row = data + static_cast<size_t>(base) * DataTypeSize(y.dtype());
    auto fill = [&](int64_t first, int64_t last) {
      for (int64_t i = first; i < last; ++i) {
        const int64_t from = begin[axis] + SourcePosition(mode, i - begin[axis], kept[axis]);
        std::memcpy(row + i * block, row + from * block, block);
      }
    };
    fill(0, begin[axis]);
    fill(begin[axis] + kept[axis], shape[axis]);
    for (int k = axis - 1; k >= 0; --k) {
      if (++coord[k] < kept[k]) break;
      coord[k] = 0;
    }
  }
}

}  // namespace

StatusOr<std::unique_ptr<exec::Kernel>> CreatePad(const exec::KernelInfo& info) {
  const Node& node = info.node();
  const std::string mode_name = node.GetString("mode", "constant");
  PadMode mode;
  if (mode_name == "constant")
    mode = PadMode::kConstant;
  else if (mode_name == "reflect")
    mode = PadMode::kReflect;
  else if (mode_name == "edge")
    mode = PadMode::kEdge;
  else if (mode_name == "wrap")
    mode = PadMode::kWrap;
  else
    return info.Invalid("unknown mode '" + mode_name + "' (constant, reflect, edge, wrap)");
  const bool from_attributes = info.opset() < 11;
  const char* pads_name = info.opset() < 2 ? "paddings" : "pads";
  if (from_attributes && !node.HasAttribute(pads_name))
    return info.Invalid(std::string("needs the '") + pads_name + "' attribute");
  if (!from_attributes && !info.HasInput(1)) return info.Invalid("needs the pads input");
  const std::vector<int64_t> pads_attr = node.GetInts(pads_name);
  const float value_attr = node.GetFloat("value", 0.0f);
  return MakeKernel([=](KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
    const std::string what = ctx.node().Describe();
    const int rank = x->rank();
    std::vector<int64_t> pads = pads_attr;
    std::vector<int64_t> axes;
    if (!from_attributes) {
      XQ_ASSIGN_OR_RETURN(pads, ToInt64Vector(*ctx.input(1), what + ": pads"));
    }
    if (!from_attributes && ctx.input(3)) {
      XQ_ASSIGN_OR_RETURN(axes, ToInt64Vector(*ctx.input(3), what + ": axes"));
    } else {
      for (int k = 0; k < rank; ++k) axes.push_back(k);
    }
    if (pads.size() != 2 * axes.size())
      return ctx.Error("pads has " + std::to_string(pads.size()) + " values; expected " +
                       std::to_string(2 * axes.size()));
    std::vector<int64_t> before(rank, 0), after(rank, 0);
    for (size_t j = 0; j < axes.size(); ++j) {
      XQ_ASSIGN_OR_RETURN(int a, NormalizeAxis(axes[j], rank, what));
      before[a] = pads[j];
      after[a] = pads[j + axes.size()];
    }

    // Output shape; the kept part of x starts at x_begin in x and at y_begin in y.
    Shape out_shape(rank), kept(rank), x_begin(rank), y_begin(rank);
    for (int k = 0; k < rank; ++k) {
      const int64_t d = x->dim(k);
      out_shape[k] = d + before[k] + after[k];
      if (out_shape[k] < 0)
        return ctx.Error("pads " + ShapeToString(pads) + " crop more than the input " +
                         ShapeToString(x->shape()) + " has");
      x_begin[k] = std::max<int64_t>(0, -before[k]);
      y_begin[k] = std::max<int64_t>(0, before[k]);
      kept[k] = std::max<int64_t>(0, d - x_begin[k] - std::max<int64_t>(0, -after[k]));
      if (mode != PadMode::kConstant && kept[k] == 0 && out_shape[k] > 0)
        return ctx.Error("cannot pad an empty axis in " + mode_name + " mode");
    }

    Tensor y(x->dtype(), out_shape);
    if (y.size() == 0) {
      ctx.output(0) = std::move(y);
      return Status::Ok();
    }
    if (mode == PadMode::kConstant) {
      Tensor value;
      if (!from_attributes && ctx.input(2) && ctx.input(2)->size() > 0) {
        XQ_ASSIGN_OR_RETURN(const Tensor* constant, RequireInput(ctx, 2, {x->dtype()}));
        value = *constant;
      } else if (x->dtype() == DataType::kBool) {
        value = Tensor::Scalar<bool>(value_attr != 0.0f);
      } else {
        XQ_RETURN_IF_ERROR(DispatchNumeric(x->dtype(), what, [&](auto tag) {
          value = Tensor::Scalar(static_cast<decltype(tag)>(value_attr));
        }));
      }
      FillWith(y, value.raw_data());
    }
    const size_t elem = DataTypeSize(x->dtype());
    const std::vector<int64_t> x_strides = ContiguousStrides(x->shape());
    const std::vector<int64_t> y_strides = ContiguousStrides(out_shape);
    int64_t x_offset = 0, y_offset = 0;
    for (int k = 0; k < rank; ++k) {
      x_offset += x_begin[k] * x_strides[k];
      y_offset += y_begin[k] * y_strides[k];
    }
    StridedCopy(elem,
                static_cast<const char*>(x->raw_data()) + x_offset * static_cast<int64_t>(elem),
                x_strides, static_cast<char*>(y.raw_data()) + y_offset * static_cast<int64_t>(elem),
                y_strides, kept);
    if (mode != PadMode::kConstant)
      for (int k = rank - 1; k >= 0; --k)
        if (kept[k] != out_shape[k]) FillBorders(mode, y, y_begin, kept, k);
    ctx.output(0) = std::move(y);
    return Status::Ok();
  });
}

}  // namespace xquant::kernels
