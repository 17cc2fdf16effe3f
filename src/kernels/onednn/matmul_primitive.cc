#include "kernels/onednn/matmul_primitive.h"

#include <algorithm>
#include <optional>
#include <unordered_map>
#include <utility>

#include "kernels/onednn/engine.h"

namespace xquant::kernels::onednn {
namespace {

using dnnl::memory;

constexpr size_t kMaxPlans = 4;

// Plain layout of `dims`, with the last two axes swapped in memory when `transposed` (the memory
// holds [..., cols, rows]).
memory::desc UserDesc(const memory::dims& dims, bool transposed) {
  if (!transposed) return PlainDesc(dims);
  memory::dims swapped = dims;
  std::swap(swapped[swapped.size() - 1], swapped[swapped.size() - 2]);
  memory::dims strides(dims.size());
  memory::dim stride = 1;
  for (size_t i = swapped.size(); i-- > 0;) {
    strides[i] = stride;
    stride *= swapped[i];
  }
  std::swap(strides[strides.size() - 1], strides[strides.size() - 2]);
  return memory::desc(dims, memory::data_type::f32, strides);
}

}  // namespace

struct MatmulPrimitive::Plan {
  MatmulProblem problem;
  dnnl::matmul primitive;
  memory::desc src_user_md, src_md, weights_user_md, weights_md, bias_md, dst_md;
  std::optional<dnnl::reorder> src_reorder, weights_reorder;
  memory weights;  // the constant weights, reordered; empty when the weights are an activation
};

MatmulPrimitive::MatmulPrimitive(Tensor constant_weights)
    : constant_weights_(std::move(constant_weights)) {}

MatmulPrimitive::~MatmulPrimitive() = default;

std::unique_ptr<MatmulPrimitive::Plan> MatmulPrimitive::CreatePlan(const MatmulProblem& p) const {
  auto plan = std::make_unique<Plan>();
  plan->problem = p;
  dnnl::engine& eng = Engine();
  // oneDNN's matmul has only a reference implementation for a transposed (column-major) src, so
  // a transposed src is reordered to plain first.
  plan->src_user_md = UserDesc(p.src, p.transpose_src);
  plan->src_md = PlainDesc(p.src);
  plan->weights_user_md = UserDesc(p.weights, p.transpose_weights);
  plan->dst_md = PlainDesc(p.dst);
  if (p.bias) {
    memory::dims bias_dims(p.dst.size(), 1);
    bias_dims.back() = p.dst.back();
    plan->bias_md = PlainDesc(bias_dims);
  }
  dnnl::primitive_attr attr;
  if (p.alpha != 1.0f) attr.set_output_scales(0, {p.alpha});
  if (p.accumulate) {
    dnnl::post_ops ops;
    ops.append_sum(1.0f);
    attr.set_post_ops(ops);
  }
  // Constant weights: let oneDNN choose their (packed) layout, paid once. Activation weights: their
  // own layout first, to avoid a reorder per call.
  const memory::desc any(p.weights, memory::data_type::f32, memory::format_tag::any);
  std::vector<memory::desc> candidates = {any};
  if (!constant_weights_.defined()) candidates.insert(candidates.begin(), plan->weights_user_md);
  std::optional<dnnl::matmul::primitive_desc> chosen;
  for (const memory::desc& weights_md : candidates) {
    try {
      dnnl::matmul::primitive_desc pd(
          dnnl::matmul::desc(plan->src_md, weights_md, plan->bias_md, plan->dst_md), attr, eng);
      if (!IsReferenceImpl(pd)) {
        chosen = pd;
        break;
      }
      if (!chosen) chosen = pd;
    } catch (const dnnl::error&) {
      // Not implemented for this layout; try the next.
    }
  }
  if (!chosen) throw dnnl::error(dnnl_unimplemented, "no matmul implementation for these shapes");
  plan->primitive = dnnl::matmul(*chosen);
  plan->weights_md = chosen->weights_desc();
  if (plan->src_md != plan->src_user_md)
    plan->src_reorder =
        dnnl::reorder(dnnl::reorder::primitive_desc(eng, plan->src_user_md, eng, plan->src_md));
  if (plan->weights_md != plan->weights_user_md)
    plan->weights_reorder = dnnl::reorder(
        dnnl::reorder::primitive_desc(eng, plan->weights_user_md, eng, plan->weights_md));
  if (constant_weights_.defined()) {
    memory user(plan->weights_user_md, eng, const_cast<float*>(constant_weights_.data<float>()));
    if (plan->weights_reorder) {
      plan->weights = memory(plan->weights_md, eng);
      plan->weights_reorder->execute(Stream(), user, plan->weights);
      Stream().wait();
    } else {
      plan->weights = user;
    }
  }
  return plan;
}

void MatmulPrimitive::Run(const MatmulProblem& p, const float* src, const float* weights,
                          const float* bias, float* dst) {
  auto it = std::find_if(plans_.begin(), plans_.end(),
                         [&](const auto& plan) { return plan->problem == p; });
  if (it == plans_.end()) {
    if (plans_.size() == kMaxPlans) plans_.erase(plans_.begin());
    plans_.push_back(CreatePlan(p));
  } else {
    std::rotate(it, it + 1, plans_.end());
  }
  Plan& plan = *plans_.back();
  dnnl::engine& eng = Engine();
  dnnl::stream& stream = Stream();
  memory src_mem(plan.src_user_md, eng, const_cast<float*>(src));
  if (plan.src_reorder) {
    memory plain(plan.src_md, eng, Workspace(WorkspaceSlot::kSrc, plan.src_md.get_size()));
    plan.src_reorder->execute(stream, src_mem, plain);
    src_mem = plain;
  }
  memory weights_mem = plan.weights;
  if (!weights_mem) {
    weights_mem = memory(plan.weights_user_md, eng, const_cast<float*>(weights));
    if (plan.weights_reorder) {
      memory reordered(plan.weights_md, eng,
                       Workspace(WorkspaceSlot::kWeights, plan.weights_md.get_size()));
      plan.weights_reorder->execute(stream, weights_mem, reordered);
      weights_mem = reordered;
    }
  }
  std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, src_mem},
                                          {DNNL_ARG_WEIGHTS, weights_mem},
                                          {DNNL_ARG_DST, memory(plan.dst_md, eng, dst)}};
  if (p.bias) args[DNNL_ARG_BIAS] = memory(plan.bias_md, eng, const_cast<float*>(bias));
  plan.primitive.execute(stream, args);
  stream.wait();
}

}  // namespace xquant::kernels::onednn
