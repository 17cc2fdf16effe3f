#include "exec/registry.h"

namespace xquant::exec {

// Declarations of every factory, then the table: both generated from the one list, so adding an
// op is one line there plus its file.
}  // namespace xquant::exec
namespace xquant::kernels {
#define XQ_KERNEL(domain, op_type, factory) StatusOr<std::unique_ptr<exec::Kernel>> factory(const exec::KernelInfo& info);
#include "kernels/kernel_list.inc"
#undef XQ_KERNEL
}  // namespace xquant::kernels
namespace xquant::exec {

const std::vector<KernelDef>& AllKernels() {
  static const std::vector<KernelDef> kernels = {
#define XQ_KERNEL(domain, op_type, factory) {domain, op_type, &kernels::factory},
#include "kernels/kernel_list.inc"
#undef XQ_KERNEL
  };
  return kernels;
}

KernelFactory FindKernel(const std::string& domain, const std::string& op_type) {
  for (const KernelDef& def : AllKernels())
    if (domain == def.domain && op_type == def.op_type) return def.factory;
  return nullptr;
}

}  // namespace xquant::exec
