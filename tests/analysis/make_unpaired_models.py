#!/usr/bin/python3
"""A float/quantized pair that does not fully match, for the unpaired-point warning test.

Usage: make_unpaired_models.py OUT_DIR

  float.onnx      x -> Conv conv1 -> Relu relu1 (r1) -> Conv conv2 -> out
  quantized.onnx  x -> QDQ -> Conv conv1 -> Relu relu1 (r1) -> QDQ -> Sigmoid gate (gate_out) -> QDQ
                    -> Conv conv2 -> out      (same names as the float model, int8 weights)

The quantized model has a Sigmoid the float model lacks, so its quantization point gate_out has no
float tensor of the same meaning: it must be reported unpaired, while x and r1 pair by name.
expected.json lists both, written here from the construction above.
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(3)
W1 = (rng.standard_normal((4, 3, 3, 3)) * 0.3).astype(np.float32)
W2 = (rng.standard_normal((4, 4, 1, 1)) * 0.3).astype(np.float32)
B1 = (rng.standard_normal(4) * 0.1).astype(np.float32)
B2 = (rng.standard_normal(4) * 0.1).astype(np.float32)
X = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 8, 8])
OUT = helper.make_tensor_value_info("out", TensorProto.FLOAT, ["N", 4, 8, 8])
OPSET = [helper.make_opsetid("", 13)]


def init(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def float_model():
    nodes = [
        helper.make_node("Conv", ["x", "W1", "B1"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        helper.make_node("Conv", ["r1", "W2", "B2"], ["out"], name="conv2"),
    ]
    inits = [init("W1", W1), init("B1", B1), init("W2", W2), init("B2", B2)]
    return helper.make_model(helper.make_graph(nodes, "float", [X], [OUT], inits), opset_imports=OPSET)


def quantized_model():
    nodes, inits = [], [init("B1", B1), init("B2", B2)]

    def qdq(tensor, scale, zero_point):
        inits.extend([init(tensor + "_scale", np.float32(scale)), init(tensor + "_zp", np.uint8(zero_point))])
        nodes.append(helper.make_node("QuantizeLinear", [tensor, tensor + "_scale", tensor + "_zp"], [tensor + "_q"],
                                      name=tensor + "_QuantizeLinear"))
        nodes.append(helper.make_node("DequantizeLinear", [tensor + "_q", tensor + "_scale", tensor + "_zp"],
                                      [tensor + "_dq"], name=tensor + "_DequantizeLinear"))
        return tensor + "_dq"

    def weight(name, w):
        scale = np.float32(np.abs(w).max() / 127)
        inits.extend([init(name + "_q", np.clip(np.round(w / scale), -127, 127).astype(np.int8)),
                      init(name + "_scale", scale), init(name + "_zp", np.int8(0))])
        nodes.append(helper.make_node("DequantizeLinear", [name + "_q", name + "_scale", name + "_zp"], [name + "_dq"],
                                      name=name + "_DequantizeLinear"))
        return name + "_dq"

    x = qdq("x", 0.03, 128)
    nodes.append(helper.make_node("Conv", [x, weight("W1", W1), "B1"], ["c1"], name="conv1", pads=[1, 1, 1, 1]))
    nodes.append(helper.make_node("Relu", ["c1"], ["r1"], name="relu1"))
    r1 = qdq("r1", 0.02, 0)
    nodes.append(helper.make_node("Sigmoid", [r1], ["gate_out"], name="gate"))
    gate = qdq("gate_out", 1 / 255, 0)
    nodes.append(helper.make_node("Conv", [gate, weight("W2", W2), "B2"], ["out"], name="conv2"))
    return helper.make_model(helper.make_graph(nodes, "quantized", [X], [OUT], inits), opset_imports=OPSET)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, model in (("float", float_model()), ("quantized", quantized_model())):
        onnx.checker.check_model(model)
        onnx.save(model, os.path.join(out, name + ".onnx"))
    with open(os.path.join(out, "expected.json"), "w") as fh:
        json.dump({"paired": {"x": "x", "r1": "r1"}, "unpaired": ["gate_out"]}, fh, indent=1)
    print(f"make_unpaired_models: 2 models in {out}")


if __name__ == "__main__":
    main()
