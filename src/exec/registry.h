// The kernel registry: every op xquant runs, listed once in src/kernels/kernel_list.inc.
#pragma once

#include <string>
#include <vector>

#include "exec/kernel.h"

namespace xquant::exec {

struct KernelDef {
  const char* domain;   // "" for ai.onnx
  const char* op_type;
  KernelFactory factory;
};

// The factory for (domain, op_type), or nullptr.
KernelFactory FindKernel(const std::string& domain, const std::string& op_type);
const std::vector<KernelDef>& AllKernels();

}  // namespace xquant::exec
