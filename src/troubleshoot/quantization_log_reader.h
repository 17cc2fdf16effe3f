// Reads the quantizer's log folder (`xquant quantize --log-dir LOG`, passed to troubleshoot as
// `--quantization-log LOG`): what graph preparation merged and which bit widths it chose.
//
// Only `LOG/quantization_log.json` is read. The TensorBoard runs beside it (tensorboard_logs/)
// are for people; MCT's own log folder, which holds nothing but TensorBoard runs, is recognised
// and refused with a message that says so.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "xquant/status.h"

namespace xquant::troubleshoot {

// One merge of graph preparation, by the float model's node names.
struct LoggedMerge {
  std::string kind;    // "bn_fold", "linear_collapsing", "residual_collapsing"
  std::string merged;  // the node that results
  std::string first;   // the node kept (a Conv)
  std::string second;  // the node merged into it (BatchNormalization, the 1x1 Conv, the Add)
};

struct QuantizationLogView {
  std::string path;  // the quantization_log.json read
  std::vector<LoggedMerge> merges;
  std::map<std::string, int> activation_bits_by_tensor;  // float tensor -> bits
  std::map<std::string, int> activation_bits_by_node;    // producer node -> bits
  std::map<std::string, int> weight_bits_by_node;        // weighted node (after preparation) -> bits
};

StatusOr<QuantizationLogView> ReadQuantizationLog(const std::string& dir);

}  // namespace xquant::troubleshoot
