// The oneDNN side of MatMul and Gemm: matmul primitives created per shape and cached, constant
// weights (the right operand) reordered once into the packed layout the primitive prefers.
#pragma once

#include <dnnl.hpp>
#include <memory>
#include <vector>

#include "xquant/tensor.h"

namespace xquant::kernels::onednn {

// dst[b..., M, N] = alpha * src[b..., M, K] x weights[b..., K, N] + bias[N] (+ dst's previous
// contents when `accumulate`). All three have the same rank (2 to 12); a batch dimension of src or
// weights is either dst's or 1 (broadcast).
struct MatmulProblem {
  dnnl::memory::dims src, weights, dst;  // logical dims, as above
  bool transpose_src = false;            // src's memory holds [b..., K, M] (Gemm transA)
  bool transpose_weights = false;        // weights' memory holds [b..., N, K] (Gemm transB)
  bool bias = false;
  float alpha = 1.0f;
  bool accumulate = false;

  bool operator==(const MatmulProblem&) const = default;
};

// Not thread-safe: one instance serves one node, which runs one call at a time.
class MatmulPrimitive {
 public:
  // `constant_weights`: the right operand when it is a constant of the model, else undefined.
  explicit MatmulPrimitive(Tensor constant_weights);
  ~MatmulPrimitive();

  // REQUIRES: no zero-sized dimension; `weights` is the constant given at construction when there
  // was one. Throws dnnl::error.
  void Run(const MatmulProblem& p, const float* src, const float* weights, const float* bias,
           float* dst);

 private:
  struct Plan;
  std::unique_ptr<Plan> CreatePlan(const MatmulProblem& p) const;

  Tensor constant_weights_;
  std::vector<std::unique_ptr<Plan>> plans_;  // most recently used last
};

}  // namespace xquant::kernels::onednn
