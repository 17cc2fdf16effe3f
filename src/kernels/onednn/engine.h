// The oneDNN context shared by the kernels of this folder (the only folder that includes dnnl.hpp):
// one CPU engine, one stream per thread, per-thread scratch buffers, and the conversion of
// dnnl::error into a Status.
#pragma once

#include <cstddef>
#include <dnnl.hpp>
#include <string>

#include "xquant/graph.h"
#include "xquant/status.h"
#include "xquant/tensor.h"

namespace xquant::kernels::onednn {

// The process-wide CPU engine (oneDNN parallelises with OpenMP, like exec::ParallelFor).
dnnl::engine& Engine();
// The calling thread's stream: a oneDNN stream must not be used by two threads at once.
dnnl::stream& Stream();

// Per-thread scratch for activations in oneDNN's blocked layouts and for transposed operands:
// grow-only, 64-byte aligned, never freed until the thread ends. The pointer stays valid until the
// next Workspace() call with the same slot on the same thread, so a kernel asks for each slot once
// per Compute().
enum class WorkspaceSlot { kSrc, kDst, kWeights, kBias, kOutput, kCount };
void* Workspace(WorkspaceSlot slot, size_t bytes);

// True when oneDNN fell back to its reference (naive C++) implementation, 10-1000x slower than
// its JIT kernels: the kernels then try another memory layout.
bool IsReferenceImpl(const dnnl::primitive_desc_base& pd);

// "<node>: oneDNN failed while <doing>: <what>", NotSupported when oneDNN has no implementation,
// Internal otherwise (the kernels validate shapes before calling oneDNN).
Status DnnlErrorToStatus(const Node& node, const dnnl::error& e, const std::string& doing);

// C-order float32 descriptor of `dims`.
dnnl::memory::desc PlainDesc(const dnnl::memory::dims& dims);
// Channel dimension (axis 1) in blocks of 16 (nCw16c, nChw16c, nCdhw16c): the layout of
// oneDNN's direct AVX-512 convolutions. REQUIRES: 3 <= dims.size() <= 5.
dnnl::memory::desc ChannelBlockedDesc(const dnnl::memory::dims& dims);

inline dnnl::memory::dims ToDims(const Shape& shape) {
  return dnnl::memory::dims(shape.begin(), shape.end());
}

}  // namespace xquant::kernels::onednn
