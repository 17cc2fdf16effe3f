#include "kernels/onednn/conv_attributes.h"

#include <algorithm>

namespace xquant::kernels::onednn {
namespace {

std::string Join(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

// Floor division (ONNX's formulas are written in Python, where // rounds down; padding totals can
// be negative for ConvTranspose with a large output_shape).
int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// The spatial rank the attributes imply, or -1 when none of them says.
int AttributeRank(const ConvAttributes& a) {
  if (!a.kernel_shape.empty()) return static_cast<int>(a.kernel_shape.size());
  if (!a.strides.empty()) return static_cast<int>(a.strides.size());
  if (!a.dilations.empty()) return static_cast<int>(a.dilations.size());
  if (!a.pads.empty()) return static_cast<int>(a.pads.size() / 2);
  if (!a.output_padding.empty()) return static_cast<int>(a.output_padding.size());
  return -1;
}

// Lengths of the per-axis attributes against `rank` spatial axes; "" when consistent.
std::string CheckLengths(const ConvAttributes& a, size_t rank) {
  auto check = [&](const std::vector<int64_t>& v, size_t expected,
                   const char* name) -> std::string {
    if (v.empty() || v.size() == expected) return "";
    return std::string(name) + " " + Join(v) + " has " + std::to_string(v.size()) +
           " values; expected " + std::to_string(expected) + " for " + std::to_string(rank) +
           " spatial axes";
  };
  std::string e = check(a.kernel_shape, rank, "kernel_shape");
  if (e.empty()) e = check(a.strides, rank, "strides");
  if (e.empty()) e = check(a.dilations, rank, "dilations");
  if (e.empty()) e = check(a.pads, 2 * rank, "pads");
  if (e.empty()) e = check(a.output_padding, rank, "output_padding");
  // output_shape may list the spatial sizes only, or N and C too.
  if (e.empty() && !a.output_shape.empty() && a.output_shape.size() != rank &&
      a.output_shape.size() != rank + 2)
    e = "output_shape " + Join(a.output_shape) + " does not match " + std::to_string(rank) +
        " spatial axes";
  return e;
}

}  // namespace

StatusOr<ConvAttributes> ParseConvAttributes(const exec::KernelInfo& info, bool transpose) {
  const Node& node = info.node();
  ConvAttributes a;
  a.transpose = transpose;
  a.group = node.GetInt("group", 1);
  a.kernel_shape = node.GetInts("kernel_shape");
  a.strides = node.GetInts("strides");
  a.dilations = node.GetInts("dilations");
  a.pads = node.GetInts("pads");
  if (transpose) {
    a.output_padding = node.GetInts("output_padding");
    a.output_shape = node.GetInts("output_shape");
  }
  const std::string auto_pad = node.GetString("auto_pad", "NOTSET");
  if (auto_pad == "NOTSET")
    a.auto_pad = AutoPad::kNotSet;
  else if (auto_pad == "SAME_UPPER")
    a.auto_pad = AutoPad::kSameUpper;
  else if (auto_pad == "SAME_LOWER")
    a.auto_pad = AutoPad::kSameLower;
  else if (auto_pad == "VALID")
    a.auto_pad = AutoPad::kValid;
  else
    return info.Invalid("auto_pad '" + auto_pad +
                        "' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID");

  if (a.group < 1) return info.Invalid("group must be >= 1, got " + std::to_string(a.group));
  for (int64_t k : a.kernel_shape)
    if (k < 1) return info.Invalid("kernel_shape " + Join(a.kernel_shape) + " must be positive");
  for (int64_t s : a.strides)
    if (s < 1) return info.Invalid("strides " + Join(a.strides) + " must be positive");
  for (int64_t d : a.dilations)
    if (d < 1) return info.Invalid("dilations " + Join(a.dilations) + " must be positive");
  for (int64_t p : a.pads)
    if (p < 0) return info.Invalid("pads " + Join(a.pads) + " must be non-negative");
  if (a.pads.size() % 2 != 0)
    return info.Invalid("pads " + Join(a.pads) +
                        " must have an even number of values (begins, then ends)");
  for (int64_t p : a.output_padding)
    if (p < 0)
      return info.Invalid("output_padding " + Join(a.output_padding) + " must be non-negative");
  for (int64_t o : a.output_shape)
    if (o < 0)
      return info.Invalid("output_shape " + Join(a.output_shape) + " must be non-negative");

  int rank = AttributeRank(a);
  if (const Tensor* w = info.ConstantInput(1); w && w->rank() >= 3) {
    if (rank >= 0 && rank != w->rank() - 2)
      return info.Invalid("the attributes describe " + std::to_string(rank) +
                          " spatial axes but the weights have shape " + ShapeToString(w->shape()));
    rank = w->rank() - 2;
  }
  if (rank >= 0) {
    const std::string e = CheckLengths(a, static_cast<size_t>(rank));
    if (!e.empty()) return info.Invalid(e);
  }
  if (info.num_inputs() < 2) return info.Invalid("needs inputs X and W");
  for (size_t i = 0; i < 3; ++i) {
    const DataType t = info.InputType(i);
    if (t != DataType::kUndefined && t != DataType::kFloat32)
      return info.Unsupported("input " + std::to_string(i) + " has element type " +
                              DataTypeName(t) + "; only float32 is supported");
  }
  return a;
}

StatusOr<ConvGeometry> ResolveConvGeometry(const exec::KernelContext& ctx, const ConvAttributes& a,
                                           const Shape& x, const Shape& w) {
  if (x.size() < 3)
    return ctx.Error("X must have shape [N, C, spatial...], got " + ShapeToString(x));
  if (w.size() != x.size())
    return ctx.Error("W " + ShapeToString(w) + " must have the rank of X " + ShapeToString(x));
  const size_t rank = x.size() - 2;
  const std::string e = CheckLengths(a, rank);
  if (!e.empty()) return ctx.Error(e);
  const int64_t channels = x[1];
  if (!a.transpose) {
    if (w[1] * a.group != channels || w[0] % a.group != 0)
      return ctx.Error("W " + ShapeToString(w) + " does not fit X " + ShapeToString(x) +
                       " with group " + std::to_string(a.group) +
                       " (expected [M, C / group, ...] with M divisible by group)");
  } else if (w[0] != channels || channels % a.group != 0) {
    return ctx.Error("W " + ShapeToString(w) + " does not fit X " + ShapeToString(x) +
                     " with group " + std::to_string(a.group) +
                     " (expected [C, M / group, ...] with C divisible by group)");
  }

  ConvGeometry g;
  g.kernel.assign(w.begin() + 2, w.end());
  for (int64_t k : g.kernel)
    if (k < 1) return ctx.Error("W " + ShapeToString(w) + " has an empty kernel");
  if (!a.kernel_shape.empty() && a.kernel_shape != g.kernel)
    return ctx.Error("kernel_shape " + Join(a.kernel_shape) + " differs from the weights' shape " +
                     ShapeToString(w));
  g.strides = a.strides.empty() ? std::vector<int64_t>(rank, 1) : a.strides;
  g.dilations = a.dilations.empty() ? std::vector<int64_t>(rank, 1) : a.dilations;
  g.pad_begin.assign(rank, 0);
  g.pad_end.assign(rank, 0);
  g.out.assign(rank, 0);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t in = x[i + 2];
    const int64_t s = g.strides[i];
    const int64_t dilated = (g.kernel[i] - 1) * g.dilations[i] + 1;
    int64_t& pb = g.pad_begin[i];
    int64_t& pe = g.pad_end[i];
    if (!a.transpose) {
      if (a.auto_pad == AutoPad::kSameUpper || a.auto_pad == AutoPad::kSameLower) {
        const int64_t out = (in + s - 1) / s;
        const int64_t total = std::max<int64_t>(0, (out - 1) * s + dilated - in);
        pb = a.auto_pad == AutoPad::kSameUpper ? total / 2 : total - total / 2;
        pe = total - pb;
      } else if (a.auto_pad == AutoPad::kNotSet && !a.pads.empty()) {
        pb = a.pads[i];
        pe = a.pads[i + rank];
      }
      const int64_t span = in + pb + pe - dilated;
      if (span < 0)
        return ctx.Error("the input's spatial axis " + std::to_string(i) + " (" +
                         std::to_string(in) + " + padding " + std::to_string(pb + pe) +
                         ") is smaller than the dilated kernel (" + std::to_string(dilated) + ")");
      g.out[i] = span / s + 1;
    } else {
      const int64_t op = a.output_padding.empty() ? 0 : a.output_padding[i];
      const int64_t full = s * (in - 1) + op + dilated;  // output size without any padding
      int64_t out = -1;
      if (!a.output_shape.empty())
        out = a.output_shape[a.output_shape.size() - rank + i];
      else if (a.auto_pad == AutoPad::kSameUpper || a.auto_pad == AutoPad::kSameLower)
        out = in * s;
      if (out >= 0) {
        // ONNX: total_padding = full - output_shape, split as written in the spec (upper: the
        // extra element at the end).
        const int64_t total = full - out;
        if (a.auto_pad == AutoPad::kSameUpper) {
          pb = FloorDiv(total, 2);
          pe = total - pb;
        } else {
          pe = FloorDiv(total, 2);
          pb = total - pe;
        }
      } else {
        if (!a.pads.empty() && a.auto_pad == AutoPad::kNotSet) {
          pb = a.pads[i];
          pe = a.pads[i + rank];
        }
        out = full - pb - pe;
        if (out < 0)
          return ctx.Error("pads " + Join(a.pads) +
                           " remove more than the whole output along spatial axis " +
                           std::to_string(i));
      }
      pe -= op;  // output_padding extends the output at the end: a negative crop
      g.out[i] = out;
    }
  }
  return g;
}

}  // namespace xquant::kernels::onednn
