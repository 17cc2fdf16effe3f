// The quantization ops of other toolchains' ONNX dialects, made known to ONNX's shape inference.
//
// ONNX shape inference skips ops it has no schema for, and with them everything downstream: a
// Conv after an MCT ActivationPOTQuantizer would lose its types and shapes. Every dialect
// quantizer is elementwise (output = input 0's type and shape), so one schema per op that says so
// lets inference run through the whole graph.
#pragma once

#include <string>

namespace xquant::onnx_import {

// Registers the schemas (once per process; safe to call from several threads).
void RegisterDialectSchemas();

// True for the ops RegisterDialectSchemas covers: mct_quantizers::*Quantizer, QONNX/Brevitas/FINN
// Quant, BipolarQuant, Trunc, and OpenVINO FakeQuantize (org.openvinotoolkit and default domain).
bool IsDialectQuantOp(const std::string& domain, const std::string& op_type);

}  // namespace xquant::onnx_import
