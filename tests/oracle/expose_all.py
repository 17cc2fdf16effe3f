#!/usr/bin/python3
"""expose_all.py - make every intermediate tensor of an ONNX model a graph output.

Usage: /usr/bin/python3 tests/oracle/expose_all.py IN.onnx OUT.onnx [--skip-op Constant ...]
                                                   [--list FILE.json] [--no-infer]

Every (non-empty) output of every top-level node becomes a graph output, so a
runtime such as onnxruntime returns all intermediate values.  The original graph
outputs stay first, in their original order; the new ones follow in node order.

Each new output needs an element type.  Types come from, in order:
  1. the model's own value_info / inputs / initializers,
  2. onnx.shape_inference (if it fails, we go on without it),
  3. a small table of operator semantics (Cast -> 'to', QuantizeLinear -> type of
     the zero point, Shape -> int64, Relu/Conv/... -> type of input 0, ...),
     propagated through the graph in node order.
Tensors whose type is still unknown are not exposed; they are listed on stderr
(and in --list FILE.json, which also records every exposed tensor).
Outputs are declared with an element type only (no shape) so that a wrong
inferred shape can never make the runtime reject the model.
"""
import argparse
import json
import sys

import onnx
from onnx import TensorProto, helper, shape_inference

FLOAT = TensorProto.FLOAT
INT64 = TensorProto.INT64
BOOL = TensorProto.BOOL
UINT8 = TensorProto.UINT8

# Ops whose outputs all have the element type of input 0.
SAME_AS_INPUT0 = {
    "Abs", "Acos", "Add", "AveragePool", "BatchNormalization", "Ceil", "Celu", "Clip",
    "Concat", "Conv", "ConvTranspose", "Cos", "CumSum", "DepthToSpace", "Div", "Dropout",
    "Elu", "Erf", "Exp", "Expand", "Flatten", "Floor", "Gather", "GatherElements",
    "GatherND", "Gelu", "Gemm", "GlobalAveragePool", "GlobalMaxPool", "HardSigmoid",
    "HardSwish", "Identity", "InstanceNormalization", "LRN", "LayerNormalization",
    "LeakyRelu", "Log", "LogSoftmax", "LpNormalization", "MatMul", "Max", "MaxPool", "Mean",
    "Min", "Mish", "Mod", "Mul", "Neg", "PRelu", "Pad", "Pow", "Range", "Reciprocal",
    "ReduceL1", "ReduceL2", "ReduceLogSumExp", "ReduceMax", "ReduceMean", "ReduceMin",
    "ReduceProd", "ReduceSum", "ReduceSumSquare", "Relu", "Reshape", "Resize", "Round",
    "ScatterElements", "ScatterND", "Selu", "Shrink", "Sigmoid", "Sign", "Sin", "Slice",
    "Softmax", "Softplus", "Softsign", "SpaceToDepth", "Split", "Sqrt", "Squeeze", "Sub",
    "Sum", "Tan", "Tanh", "ThresholdedRelu", "Tile", "Transpose", "Trilu", "Unsqueeze",
    "Upsample",
}
BOOL_OUT = {"And", "Equal", "Greater", "GreaterOrEqual", "IsInf", "IsNaN", "Less",
            "LessOrEqual", "Not", "Or", "Xor"}
INT64_OUT = {"ArgMax", "ArgMin", "NonZero", "Shape", "Size", "NonMaxSuppression"}


def attr(node, name, default=None):
    for a in node.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return default


def semantic_types(node, types):
    """Element types of node's outputs from op semantics, or None per unknown output."""
    op, dom = node.op_type, node.domain
    n = len(node.output)
    in0 = types.get(node.input[0]) if node.input and node.input[0] else None
    if dom not in ("", "ai.onnx"):
        if dom == "com.microsoft" and op in ("QuantizeLinear", "DequantizeLinear"):
            pass  # same semantics as the standard ops
        else:
            return [None] * n
    if op == "Cast":
        return [attr(node, "to")]
    if op == "CastLike":
        return [types.get(node.input[1])]
    if op in ("Constant",):
        value = attr(node, "value")
        if isinstance(value, TensorProto):
            return [value.data_type]
        if attr(node, "value_float") is not None or attr(node, "value_floats") is not None:
            return [FLOAT]
        if attr(node, "value_int") is not None or attr(node, "value_ints") is not None:
            return [INT64]
        return [None]
    if op == "ConstantOfShape":
        value = attr(node, "value")
        return [value.data_type if isinstance(value, TensorProto) else FLOAT]
    if op == "QuantizeLinear":
        zp = node.input[2] if len(node.input) > 2 and node.input[2] else None
        return [types.get(zp) if zp else UINT8]
    if op == "DequantizeLinear":
        scale = node.input[1] if len(node.input) > 1 else None
        return [types.get(scale, FLOAT)]
    if op == "DynamicQuantizeLinear":
        return [UINT8, FLOAT, UINT8][:n]
    if op in BOOL_OUT:
        return [BOOL] * n
    if op in INT64_OUT:
        return [INT64] * n
    if op == "TopK":
        return [in0, INT64][:n]
    if op == "Dropout":
        return [in0, BOOL][:n]
    if op == "MaxPool":
        return [in0, INT64][:n]
    if op == "Where":
        return [types.get(node.input[1])]
    if op in ("QLinearConv", "QLinearMatMul"):
        return [types.get(node.input[-1]) if len(node.input) in (8, 9) else None]
    if op in ("ConvInteger", "MatMulInteger"):
        return [TensorProto.INT32]
    if op == "BatchNormalization":
        return [in0] * n
    if op in SAME_AS_INPUT0:
        return [in0] * n
    return [None] * n


def collect_types(model):
    g = model.graph
    types = {}
    for vi in list(g.input) + list(g.output) + list(g.value_info):
        if vi.type.HasField("tensor_type") and vi.type.tensor_type.elem_type:
            types[vi.name] = vi.type.tensor_type.elem_type
    for t in g.initializer:
        types[t.name] = t.data_type
    for t in g.sparse_initializer:
        types[t.values.name] = t.values.data_type
    return types


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--skip-op", action="append", default=[],
                    help="do not expose outputs of this op type (repeatable), e.g. Constant")
    ap.add_argument("--list", help="write a JSON list of exposed / skipped tensors here")
    ap.add_argument("--no-infer", action="store_true",
                    help="skip onnx.shape_inference (tests the op-semantics fallback)")
    args = ap.parse_args()

    model = onnx.load(args.input)
    types = collect_types(model)
    source = {name: "model" for name in types}

    try:
        if args.no_infer:
            raise RuntimeError("disabled by --no-infer")
        inferred = shape_inference.infer_shapes(model, check_type=False, strict_mode=False)
        for name, t in collect_types(inferred).items():
            if name not in types:
                types[name] = t
                source[name] = "shape_inference"
    except Exception as e:  # noqa: BLE001 - inference is best effort
        print(f"[expose_all] shape inference failed ({type(e).__name__}: {e}); "
              f"using op semantics only", file=sys.stderr)

    # Propagate through the graph in node order (nodes are topologically sorted in
    # valid ONNX); two passes in case a producer appears after a consumer.
    for _ in range(2):
        for node in model.graph.node:
            if all(not o or o in types for o in node.output):
                continue
            for o, t in zip(node.output, semantic_types(node, types)):
                if o and o not in types and t:
                    types[o] = t
                    source[o] = "semantics"

    g = model.graph
    existing = {o.name for o in g.output}
    graph_inputs = {i.name for i in g.input}
    skip_ops = set(args.skip_op)
    exposed, untyped = [], []
    for node in g.node:
        if node.op_type in skip_ops:
            continue
        for o in node.output:
            if not o or o in existing or o in graph_inputs:
                continue
            t = types.get(o)
            if not t:
                untyped.append({"tensor": o, "node": node.name, "op": node.op_type})
                continue
            g.output.append(helper.make_value_info(o, helper.make_tensor_type_proto(t, None)))
            existing.add(o)
            exposed.append({"tensor": o, "node": node.name, "op": node.op_type,
                            "elem_type": TensorProto.DataType.Name(t), "type_from": source[o]})

    onnx.save(model, args.output)
    by_source = {}
    for e in exposed:
        by_source[e["type_from"]] = by_source.get(e["type_from"], 0) + 1
    print(f"[expose_all] {args.input} -> {args.output}: {len(g.output)} outputs "
          f"({len(exposed)} exposed; type source {by_source}; {len(untyped)} skipped, untyped)")
    for u in untyped:
        print(f"[expose_all] skipped (type unknown): {u['tensor']} from {u['op']} {u['node']}",
              file=sys.stderr)
    if args.list:
        with open(args.list, "w") as f:
            json.dump({"exposed": exposed, "skipped_untyped": untyped}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
