// One description of "how is this tensor quantized", whatever the dialect that wrote it.
//
// FindQuantizers() reads a graph (as loaded, or as prepared by a Session) and returns one record
// per quantized tensor: standard QuantizeLinear/DequantizeLinear (default domain and
// com.microsoft), Brevitas QCDQ (an integer Clip between them), Sony MCT's mct_quantizers ops,
// QONNX Quant/BipolarQuant/Trunc, OpenVINO FakeQuantize, integer weights dequantized by a
// DequantizeLinear, and float weights already rounded onto a grid (MCT's fakely-quantized
// export). Everything downstream — pairing, the report's per-layer record, `xquant info`, the
// troubleshooting judges — reads these records instead of walking the graph its own way.
// docs/quantization_record.md gives each dialect's recovery rules.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "xquant/graph.h"

namespace xquant {

// How one tensor is quantized. Integer codes q map to values (q − zero_point) · scale; the codes
// a quantizer can produce are [qmin, qmax].
struct QuantizationInfo {
  // "QDQ", "QDQ com.microsoft", "QCDQ", "MCT", "QONNX", "OpenVINO FakeQuantize", "grid".
  std::string dialect = "QDQ";
  DataType dtype = DataType::kUndefined;  // integer container; kUndefined for float fake-quant ops
  int bits = 0;                           // the format's bit width: ceil(log2(qmax − qmin + 1))
  int container_bits = 0;                 // the storage type's bits (32 for float weights on a grid)
  bool is_signed = false;                 // signed integer codes (QDQ: the type's; MCT uniform,
                                          // FakeQuantize: the range reaches below zero)
  bool narrow = false;                    // the symmetric range without its most negative code
  int64_t qmin = 0;
  int64_t qmax = 0;
  int axis = -1;           // -1: per tensor; else the axis the scales run along
  int64_t block_size = 0;  // > 0: blocked (opset 21): each scale covers block_size elements of axis
  std::vector<float> scale;
  std::vector<int64_t> zero_point;  // rounded to integers where a dialect allows fractions
  // Smallest and largest representable values: over all channels, and per scale entry
  // (channel_min/max are empty per tensor).
  float range_min = 0.0f;
  float range_max = 0.0f;
  std::vector<float> channel_min;
  std::vector<float> channel_max;
  // For a quantized constant (weights, biases): what its values show. distinct_values counts the
  // distinct codes; bits_used is the bit width the codes actually need — the distinct count when
  // the values repeat enough for it to mean something, else the codes' span — never more than
  // `bits`. 0 for activations.
  int64_t distinct_values = 0;
  int64_t levels_used = 0;
  int bits_used = 0;
  // A constant added right before quantizing (a shift-negative correction: x -> Add(x, offset) ->
  // QuantizeLinear, the next layer's bias compensating): the codes represent x + offset, and
  // consumers read x + offset. The ranges above are in x's units (the offset taken back out), so
  // they compare with the float tensor; so do the report's errors.
  double offset = 0.0;

  // qmax − qmin + 1, or 2^bits when the code range is not known (hand-made records).
  double Levels() const;
};

enum class QuantizedKind { kActivation, kWeight, kBias };
// "activation", "weight", "bias".
const char* QuantizedKindName(QuantizedKind kind);

// One quantized tensor of a graph.
struct QuantizerRecord {
  ValueId pre = kNoValue;   // the tensor entering the quantizer (for a grid weight: the weight)
  ValueId post = kNoValue;  // the tensor its consumers read (dequantized; = pre for a grid weight)
  NodeId quant_node = kNoNode;  // QuantizeLinear, the fake-quant op, or the weight's
                                // DequantizeLinear; kNoNode for a grid weight
  std::vector<NodeId> nodes;    // every node of the quantizer (Q, Clip, Cast, DQ / the one op)
  QuantizedKind kind = QuantizedKind::kActivation;
  QuantizationInfo info;
};

// Every quantizer of `graph`, in graph order of their first node (grid weights at their first
// consumer). A tensor quantized once per consumer (several QuantizeLinear nodes) has one record
// per quantizer. Malformed quantizers (scales that are not constants, missing attributes) are
// skipped: the kernels report them when the model runs.
std::vector<QuantizerRecord> FindQuantizers(const Graph& graph);

// The record for the quantizer whose output is `post`, or nullptr.
const QuantizerRecord* FindRecordByPost(const std::vector<QuantizerRecord>& records, ValueId post);

}  // namespace xquant
