#include "kernels/onednn/engine.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>

namespace xquant::kernels::onednn {
namespace {

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

struct ScratchBuffer {
  std::unique_ptr<void, FreeDeleter> data;
  size_t capacity = 0;
};

}  // namespace

dnnl::engine& Engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream& Stream() {
  thread_local dnnl::stream stream(Engine());
  return stream;
}

void* Workspace(WorkspaceSlot slot, size_t bytes) {
  thread_local std::array<ScratchBuffer, static_cast<size_t>(WorkspaceSlot::kCount)> buffers;
  ScratchBuffer& b = buffers[static_cast<size_t>(slot)];
  if (bytes > b.capacity) {
    // Round up so that a slowly growing sequence of shapes does not reallocate every time.
    const size_t capacity = (bytes + bytes / 4 + 4095) & ~size_t{4095};
    b.data.reset(std::aligned_alloc(64, capacity));
    if (!b.data) throw std::bad_alloc();
    b.capacity = capacity;
  }
  return b.data.get();
}

bool IsReferenceImpl(const dnnl::primitive_desc_base& pd) {
  return std::strncmp(pd.impl_info_str(), "ref", 3) == 0;
}

Status DnnlErrorToStatus(const Node& node, const dnnl::error& e, const std::string& doing) {
  const std::string message = node.Describe() + ": oneDNN failed while " + doing + ": " + e.what();
  if (e.status == dnnl_unimplemented) return NotSupportedError(message);
  return InternalError(message);
}

dnnl::memory::desc PlainDesc(const dnnl::memory::dims& dims) {
  dnnl::memory::dims strides(dims.size());
  dnnl::memory::dim stride = 1;
  for (size_t i = dims.size(); i-- > 0;) {
    strides[i] = stride;
    stride *= std::max<dnnl::memory::dim>(dims[i], 1);
  }
  return dnnl::memory::desc(dims, dnnl::memory::data_type::f32, strides);
}

dnnl::memory::desc ChannelBlockedDesc(const dnnl::memory::dims& dims) {
  using tag = dnnl::memory::format_tag;
  const tag t = dims.size() == 3 ? tag::aBc16b : dims.size() == 4 ? tag::aBcd16b : tag::aBcde16b;
  return dnnl::memory::desc(dims, dnnl::memory::data_type::f32, t);
}

}  // namespace xquant::kernels::onednn
