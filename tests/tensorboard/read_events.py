#!/usr/bin/python3
"""An independent reader of the event files xquant writes, and the checks on them.

    /usr/bin/python3 read_events.py OUT
    /usr/bin/python3 read_events.py --report REPORT_DIR QUANTIZED.onnx
    /usr/bin/python3 read_events.py --list RUN_DIR

With --list, the one event file in RUN_DIR is read (records and CRCs checked as above) and what it
holds is printed as JSON for another test to check: {"scalars": {tag: value}, "histograms": {tag:
{"num", "min", "max", "buckets"}}, "texts": [tag], "graph": [{"name", "op", "inputs", "attrs": {key:
value}}] or null}.

OUT is what write_tensorboard_fixture made: OUT/tensorboard (a report's runs), OUT/api (every
record kind written through EventWriter) and OUT/expectations.json (what should be in them, taken
from the writers' inputs). With --report, REPORT_DIR is the output of `xquant report`, and its runs
are checked against the report's own quant_report.json and the quantized model.

Nothing here comes from xquant's C++ encoder: TFRecord frames are split and both CRCs of every
record verified with the crc32c module; the protobuf messages are described in this file with
descriptor_pb2 using the field numbers of TensorBoard's .proto files (event, summary, histogram,
tensor, tensor_shape, graph, node_def, attr_value) and parsed by python protobuf; every field of
every message must be known to those descriptors (no unknown fields). The quantized model's
expected graph is derived from the ONNX file with python onnx, not from xquant's loader.
"""

import json
import math
import os
import re
import struct
import sys
import time

import crc32c
import numpy as np
import onnx
from onnx import numpy_helper
from google.protobuf import descriptor_pb2, message_factory

FAILURES = []


def check(condition, message):
    if not condition:
        FAILURES.append(message)
    return condition


# ---- protobuf descriptors, after TensorBoard's protos ---------------------------------------------

F = descriptor_pb2.FieldDescriptorProto
PKG = "tbreader"


def add_message(container, name, fields, oneofs=()):
    """fields: (name, number, type, repeated, type_name or None, oneof index or None)."""
    m = container.add(name=name)
    for oneof in oneofs:
        m.oneof_decl.add(name=oneof)
    for fname, number, ftype, repeated, type_name, oneof in fields:
        f = m.field.add(name=fname, number=number, type=ftype,
                        label=F.LABEL_REPEATED if repeated else F.LABEL_OPTIONAL)
        if type_name:
            f.type_name = "." + PKG + "." + type_name
        if oneof is not None:
            f.oneof_index = oneof
    return m


def build_classes():
    fd = descriptor_pb2.FileDescriptorProto(name="tbreader.proto", package=PKG, syntax="proto3")
    D, FL, I64, I32, B, S, BY, M = (F.TYPE_DOUBLE, F.TYPE_FLOAT, F.TYPE_INT64, F.TYPE_INT32, F.TYPE_BOOL,
                                    F.TYPE_STRING, F.TYPE_BYTES, F.TYPE_MESSAGE)
    # event.proto: Event
    add_message(fd.message_type, "Event", [
        ("wall_time", 1, D, False, None, None), ("step", 2, I64, False, None, None),
        ("file_version", 3, S, False, None, 0), ("graph_def", 4, BY, False, None, 0),
        ("summary", 5, M, False, "Summary", 0)], oneofs=["what"])
    # summary.proto: Summary, Summary.Value, SummaryMetadata, SummaryMetadata.PluginData
    summary = add_message(fd.message_type, "Summary", [("value", 1, M, True, "Summary.Value", None)])
    add_message(summary.nested_type, "Value", [
        ("tag", 1, S, False, None, None), ("metadata", 9, M, False, "SummaryMetadata", None),
        ("simple_value", 2, FL, False, None, 0), ("histo", 5, M, False, "HistogramProto", 0),
        ("tensor", 8, M, False, "TensorProto", 0)], oneofs=["value"])
    metadata = add_message(fd.message_type, "SummaryMetadata", [
        ("plugin_data", 1, M, False, "SummaryMetadata.PluginData", None),
        ("display_name", 2, S, False, None, None), ("summary_description", 3, S, False, None, None),
        ("data_class", 4, I32, False, None, None)])
    add_message(metadata.nested_type, "PluginData", [
        ("plugin_name", 1, S, False, None, None), ("content", 2, BY, False, None, None)])
    # histogram.proto
    add_message(fd.message_type, "HistogramProto", [
        ("min", 1, D, False, None, None), ("max", 2, D, False, None, None), ("num", 3, D, False, None, None),
        ("sum", 4, D, False, None, None), ("sum_squares", 5, D, False, None, None),
        ("bucket_limit", 6, D, True, None, None), ("bucket", 7, D, True, None, None)])
    # tensor.proto / tensor_shape.proto
    add_message(fd.message_type, "TensorProto", [
        ("dtype", 1, I32, False, None, None), ("tensor_shape", 2, M, False, "TensorShapeProto", None),
        ("string_val", 8, BY, True, None, None)])
    shape = add_message(fd.message_type, "TensorShapeProto", [
        ("dim", 2, M, True, "TensorShapeProto.Dim", None), ("unknown_rank", 3, B, False, None, None)])
    add_message(shape.nested_type, "Dim", [("size", 1, I64, False, None, None), ("name", 2, S, False, None, None)])
    # graph.proto / node_def.proto (map<string, AttrValue> attr = 5 is, on the wire, a repeated
    # entry message with key = 1 and value = 2)
    add_message(fd.message_type, "GraphDef", [("node", 1, M, True, "NodeDef", None)])
    node = add_message(fd.message_type, "NodeDef", [
        ("name", 1, S, False, None, None), ("op", 2, S, False, None, None), ("input", 3, S, True, None, None),
        ("device", 4, S, False, None, None), ("attr", 5, M, True, "NodeDef.AttrEntry", None)])
    add_message(node.nested_type, "AttrEntry", [
        ("key", 1, S, False, None, None), ("value", 2, M, False, "AttrValue", None)])
    # attr_value.proto
    attr = add_message(fd.message_type, "AttrValue", [
        ("list", 1, M, False, "AttrValue.ListValue", 0), ("s", 2, BY, False, None, 0), ("i", 3, I64, False, None, 0),
        ("f", 4, FL, False, None, 0), ("b", 5, B, False, None, 0), ("type", 6, I32, False, None, 0),
        ("shape", 7, M, False, "TensorShapeProto", 0)], oneofs=["value"])
    add_message(attr.nested_type, "ListValue", [
        ("s", 2, BY, True, None, None), ("i", 3, I64, True, None, None), ("f", 4, FL, True, None, None),
        ("b", 5, B, True, None, None), ("type", 6, I32, True, None, None),
        ("shape", 7, M, True, "TensorShapeProto", None)])
    classes = message_factory.GetMessages([fd])
    return {name.split(".", 1)[1]: cls for name, cls in classes.items()}


PB = build_classes()


def assert_no_unknown_fields(message, where):
    """Every field xquant wrote must be one TensorBoard's protos define, at every depth."""
    check(len(message.UnknownFields()) == 0, f"{where}: {message.DESCRIPTOR.name} has unknown fields")
    for field, value in message.ListFields():
        if field.type != F.TYPE_MESSAGE:
            continue
        for item in (value if field.label == F.LABEL_REPEATED else [value]):
            assert_no_unknown_fields(item, where)


# ---- TFRecord ------------------------------------------------------------------------------------

def masked_crc(data):
    crc = crc32c.crc32c(data)
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def read_events(path):
    data = open(path, "rb").read()
    events, pos, index = [], 0, 0
    while pos < len(data):
        where = f"{path} record {index} at byte {pos}"
        if not check(len(data) - pos >= 12, f"{where}: truncated header"):
            break
        header = data[pos:pos + 8]
        (length,) = struct.unpack("<Q", header)
        (header_crc,) = struct.unpack("<I", data[pos + 8:pos + 12])
        check(header_crc == masked_crc(header), f"{where}: length CRC mismatch")
        end = pos + 12 + length
        if not check(end + 4 <= len(data), f"{where}: truncated data"):
            break
        payload = data[pos + 12:end]
        (data_crc,) = struct.unpack("<I", data[end:end + 4])
        check(data_crc == masked_crc(payload), f"{where}: data CRC mismatch")
        event = PB["Event"].FromString(payload)
        assert_no_unknown_fields(event, where)
        events.append(event)
        pos, index = end + 4, index + 1
    return events


def run_events(run_dir, suffix=""):
    names = [n for n in os.listdir(run_dir) if n.startswith("events.out.tfevents.")]
    check(len(names) == 1, f"{run_dir}: expected one event file, found {names}")
    pattern = r"events\.out\.tfevents\.(\d{10})\.[^/]+" + re.escape(suffix)
    match = re.fullmatch(pattern, names[0])
    check(match is not None, f"{run_dir}: bad event file name {names[0]}")
    events = read_events(os.path.join(run_dir, names[0]))
    check(len(events) >= 1 and events[0].WhichOneof("what") == "file_version"
          and events[0].file_version == "brain.Event:2", f"{run_dir}: first record is not file_version brain.Event:2")
    now = time.time()
    for e in events:
        check(now - 86400 < e.wall_time < now + 60, f"{run_dir}: implausible wall_time {e.wall_time}")
    if match:
        check(abs(int(match.group(1)) - events[0].wall_time) < 5, f"{run_dir}: file name time != wall_time")
    return events[1:]


def summary_values(events):
    """(step, Summary.Value) of every summary value, in file order."""
    out = []
    for e in events:
        if e.WhichOneof("what") == "summary":
            for v in e.summary.value:
                out.append((e.step, v))
    return out


# ---- expectations helpers ------------------------------------------------------------------------

def num(x):
    return float(x) if isinstance(x, str) else float(x)


def as_float32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def same(a, b):
    return (math.isnan(a) and math.isnan(b)) or a == b


def check_scalars(values, expected, where):
    got = {(v.tag, step): v for step, v in values if v.WhichOneof("value") == "simple_value"}
    want = {(s["tag"], s["step"]): num(s["value"]) for s in expected}
    check(set(got) == set(want), f"{where}: scalar (tag, step) sets differ: "
          f"missing {sorted(set(want) - set(got))[:5]}, extra {sorted(set(got) - set(want))[:5]}")
    for key, value in want.items():
        if key in got:
            check(same(got[key].simple_value, as_float32(value)),
                  f"{where}: scalar {key} = {got[key].simple_value}, expected {value}")
    return got


def parse_markdown_table(text):
    """Rows of the first pipe table in `text` as lists of stripped cells (header row first)."""
    rows = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("|") and line.endswith("|"):
            cells = [c.strip() for c in line[1:-1].split("|")]
            if not all(re.fullmatch(r"-+", c) for c in cells):
                rows.append(cells)
        elif rows:
            break
    return rows


def check_text(value, where):
    check(value.metadata.plugin_data.plugin_name == "text", f"{where}: plugin_name is not 'text'")
    check(value.WhichOneof("value") == "tensor", f"{where}: text is not a tensor")
    t = value.tensor
    check(t.dtype == 7, f"{where}: dtype {t.dtype} is not DT_STRING (7)")
    check(len(t.tensor_shape.dim) == 0 and t.HasField("tensor_shape"), f"{where}: text tensor is not a scalar")
    check(len(t.string_val) == 1, f"{where}: {len(t.string_val)} strings")
    return t.string_val[0].decode("utf-8") if t.string_val else ""


# ---- the report's runs ---------------------------------------------------------------------------

def sanitize(name):
    """docs/tensorboard.md: keep [A-Za-z0-9_.>/-] (others -> '_'), drop leading/trailing/repeated '/'."""
    out = ""
    for c in name:
        c = c if re.fullmatch(r"[A-Za-z0-9_.>/\-]", c) else "_"
        if c == "/" and (not out or out.endswith("/")):
            continue
        out += c
    out = out.rstrip("/")
    return out or "unnamed"


def expected_graph(model_path):
    """From the ONNX file: op nodes {name: (op, inputs)}, Const names, Placeholder names."""
    g = onnx.load(model_path).graph
    consumed = {i for n in g.node for i in n.input if i} | {o.name for o in g.output}
    producer = {}  # value -> TensorBoard reference
    consts, placeholders = {}, set()
    for init in g.initializer:
        if init.name in consumed:
            producer[init.name] = sanitize(init.name)
            consts[sanitize(init.name)] = numpy_helper.to_array(init)
    for inp in g.input:
        if inp.name not in producer and inp.name in consumed:
            producer[inp.name] = sanitize(inp.name)
            placeholders.add(sanitize(inp.name))
    ops = {}
    for n in g.node:
        if n.op_type == "Constant":
            if n.output[0] in consumed:
                producer[n.output[0]] = sanitize(n.output[0])
                value = next(a for a in n.attribute if a.name == "value")
                consts[sanitize(n.output[0])] = numpy_helper.to_array(value.t)
            continue
        for k, out in enumerate(n.output):
            producer[out] = sanitize(n.name) + (f":{k}" if k else "")
    for n in g.node:
        if n.op_type != "Constant":
            ops[sanitize(n.name)] = (n.op_type, [producer[i] for i in n.input if i], len(n.output))
    names = list(ops) + list(consts) + list(placeholders)
    assert len(names) == len(set(names)), "the example model's names collide after sanitizing"
    return ops, consts, placeholders, producer


def parse_metrics_attr(text):
    out = {}
    for item in text.split(","):
        key, _, value = item.partition("=")
        out[key] = float(value)
    return out


def check_graph_run(run_dir, model_path):
    """The graph run against the ONNX file; returns (events, nodes by name, value -> producer ref)."""
    events = run_events(run_dir)
    graphs = [ev for ev in events if ev.WhichOneof("what") == "graph_def"]
    if not check(len(graphs) == 1, f"{run_dir}: {len(graphs)} graphs"):
        return events, {}, {}
    graph = PB["GraphDef"].FromString(graphs[0].graph_def)
    assert_no_unknown_fields(graph, f"{run_dir} graph")
    nodes = {n.name: n for n in graph.node}
    check(len(nodes) == len(graph.node), f"{run_dir}: duplicate node names")
    ops, consts, placeholders, producer = expected_graph(model_path)
    check(set(nodes) == set(ops) | set(consts) | placeholders,
          f"graph nodes differ: missing {sorted(set(ops) | set(consts) | placeholders - set(nodes))[:5]}, "
          f"extra {sorted(set(nodes) - set(ops) - set(consts) - placeholders)[:5]}")
    for name, (op, inputs, outputs) in ops.items():
        if name not in nodes:
            continue
        n = nodes[name]
        check(n.op == op, f"node {name}: op {n.op} != {op}")
        check(list(n.input) == inputs, f"node {name}: inputs {list(n.input)} != {inputs}")
        attrs = {a.key: a.value for a in n.attr}
        shapes = attrs.get("_output_shapes")
        check(shapes is not None and len(shapes.list.shape) == outputs, f"node {name}: _output_shapes")
    for name in placeholders:
        check(name in nodes and nodes[name].op == "Placeholder", f"{name} is not a Placeholder")
    for name, value in consts.items():
        if not check(name in nodes and nodes[name].op == "Const", f"{name} is not a Const"):
            continue
        attrs = {a.key: a.value for a in nodes[name].attr}
        if value.size <= 16:
            if check("value" in attrs, f"Const {name}: no value attribute"):
                shown = [float(x) for x in attrs["value"].s.decode().strip("[]").split(",") if x.strip()]
                check(np.allclose(shown, value.astype(np.float64).ravel(), rtol=1e-7, atol=0),
                      f"Const {name}: value {shown} != {value.ravel()}")
    for n in graph.node:
        for i in n.input:
            check(i.split(":")[0] in nodes, f"node {n.name}: input {i} is no node")
    return events, nodes, producer


def check_metrics_attr(attrs, key, want, where):
    if check(key in attrs, f"{where}: no {key}"):
        got = parse_metrics_attr(attrs[key].s.decode())
        check(list(got) == list(want) and all(same(got[k], want[k]) for k in want), f"{where}: {key} {got} != {want}")


def check_report(root, e):
    tb = os.path.join(root, "tensorboard")
    check(sorted(os.listdir(tb)) == ["quantized_model", "repr", "val"], f"{tb}: runs {sorted(os.listdir(tb))}")

    for dataset in ("repr", "val"):
        where = f"run {dataset}"
        values = summary_values(run_events(os.path.join(tb, dataset)))
        exp = e["datasets"][dataset]
        scalars = check_scalars(values, exp["scalars"], where)
        for (tag, step), v in scalars.items():
            has = bool(v.metadata.summary_description)
            check(has == (step == 0), f"{where}: {tag} step {step}: description only on step 0")
        texts = [(s, v) for s, v in values if v.tag == "output_similarity_metrics"]
        if check(len(texts) == 1, f"{where}: {len(texts)} output_similarity_metrics texts"):
            text = check_text(texts[0][1], where)
            check(exp["description"] in text, f"{where}: dataset description missing from the text")
            rows = parse_markdown_table(text)
            check(len(rows) >= 1 and rows[0][0] == "metric", f"{where}: no metrics table in {text!r}")
            got = {r[0]: float(r[1]) for r in rows[1:]}
            want = {k: num(v) for k, v in exp["output"].items()}
            check(set(got) == set(want), f"{where}: output metrics {sorted(got)} != {sorted(want)}")
            for k, v in want.items():
                if k in got:
                    check(same(got[k], v) or math.isclose(got[k], v, rel_tol=1e-5),
                          f"{where}: output {k} = {got[k]}, expected {v}")
        histos = [(s, v) for s, v in values if v.WhichOneof("value") == "histo"]
        if dataset == "val":
            check(not histos, f"{where}: histograms in the validation run")
            continue
        check(len(histos) == len(e["histograms"]), f"{where}: {len(histos)} histograms, expected {len(e['histograms'])}")
        by_tag = {v.tag: (s, v) for s, v in histos}
        for h in e["histograms"]:
            if not check(h["tag"] in by_tag, f"{where}: histogram {h['tag']} missing"):
                continue
            step, v = by_tag[h["tag"]]
            p = v.histo
            w = f"{where} {h['tag']}"
            check(step == h["step"], f"{w}: step {step}")
            for field in ("min", "max", "num", "sum", "sum_squares"):
                check(getattr(p, field) == h[field], f"{w}: {field} {getattr(p, field)} != {h[field]}")
            n = len(h["counts"])
            check(list(p.bucket) == [float(c) for c in h["counts"]], f"{w}: bucket counts differ")
            check(sum(p.bucket) == p.num, f"{w}: buckets sum to {sum(p.bucket)}, num is {p.num}")
            check(len(p.bucket_limit) == n, f"{w}: {len(p.bucket_limit)} limits for {n} buckets")
            if len(p.bucket_limit) == n:
                right = [h["min"] + (h["max"] - h["min"]) * (k + 1) / n for k in range(n)]
                check(all(math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12) for a, b in zip(p.bucket_limit, right)),
                      f"{w}: bucket limits are not the right edges of {n} equal bins")
                check(p.bucket_limit[-1] == h["max"], f"{w}: last limit {p.bucket_limit[-1]} != max")
            check(bool(v.metadata.summary_description), f"{w}: no description")

    events, nodes, producer = check_graph_run(os.path.join(tb, "quantized_model"), e["model"])
    if not nodes:
        return

    # Metrics on the producers of the compare points' tensors.
    carriers = {}
    for p in e["points"]:
        ref = producer.get(p["quant_pre_tensor"])
        if ref is None:
            continue
        node = ref.split(":")[0]
        carriers[node] = p
        attrs = {a.key: a.value for a in nodes[node].attr}
        for dataset in ("repr", "val"):
            want = {k: num(v) for k, v in p[dataset].items()}
            check_metrics_attr(attrs, "xquant_" + dataset, want, f"node {node}")
        check("xquant_layer" in attrs and attrs["xquant_layer"].s.decode() == p["name"], f"node {node}: xquant_layer")
        if p["degraded"]:
            check("xquant_degraded" in attrs and attrs["xquant_degraded"].s.decode() == p["degraded"],
                  f"node {node}: xquant_degraded")
    check(len(carriers) == 3, f"{len(carriers)} compare points found in the model, the fixture moved 3 there")
    with_attrs = {name for name, n in nodes.items() if any(a.key == "xquant_repr" for a in n.attr)}
    check(with_attrs == set(carriers), f"xquant_repr on {sorted(with_attrs)}, expected {sorted(carriers)}")

    texts = [v for _, v in summary_values(events) if v.tag == "compare_points"]
    if check(len(texts) == 1, "quantized_model: no compare_points text"):
        rows = parse_markdown_table(check_text(texts[0], "compare_points"))
        check(len(rows) == 1 + len(e["points"]), f"compare_points: {len(rows) - 1} rows")
        for row, p in zip(rows[1:], e["points"]):
            check(row[1].strip("`") == p["name"], f"compare_points: row {row} is not {p['name']}")


# ---- the API run ---------------------------------------------------------------------------------

def check_api(root, e):
    events = run_events(os.path.join(root, "api"), suffix=".api")
    values = summary_values(events)
    scalars = check_scalars(values, e["scalars"], "api")
    d = e["scalar_description"]
    check(scalars.get((d["tag"], 0)) is not None and scalars[(d["tag"], 0)].metadata.summary_description == d["text"],
          "api: scalar description")

    h = e["histogram"]
    histos = [(s, v) for s, v in values if v.tag == h["tag"]]
    if check(len(histos) == 1, "api: histogram missing"):
        step, v = histos[0]
        p = v.histo
        check(step == h["step"], "api histogram: step")
        for field in ("min", "max", "num", "sum", "sum_squares"):
            check(getattr(p, field) == h[field], f"api histogram: {field}")
        check(list(p.bucket_limit) == h["bucket_limit"] and list(p.bucket) == h["bucket"], "api histogram: buckets")

    t = e["text"]
    texts = [(s, v) for s, v in values if v.tag == t["tag"]]
    if check(len(texts) == 1, "api: text missing"):
        check(texts[0][0] == t["step"], "api text: step")
        check(check_text(texts[0][1], "api text") == t["text"], "api text: content differs")

    graphs = [ev for ev in events if ev.WhichOneof("what") == "graph_def"]
    if not check(len(graphs) == 1, "api: graph missing"):
        return
    g = PB["GraphDef"].FromString(graphs[0].graph_def)
    assert_no_unknown_fields(g, "api graph")
    got = [{"name": n.name, "op": n.op, "inputs": list(n.input), "device": n.device} for n in g.node]
    check(got == e["graph"]["nodes"], f"api graph nodes {got} != {e['graph']['nodes']}")
    if len(g.node) != 2:
        return
    attrs = {a.key: a.value for a in g.node[1].attr}
    want = e["graph"]["attrs"]
    check(set(attrs) == set(want), f"api graph attrs {sorted(attrs)}")
    decoded = {
        "s": attrs["s"].s.decode() if attrs["s"].WhichOneof("value") == "s" else None,
        "i": attrs["i"].i if attrs["i"].WhichOneof("value") == "i" else None,
        "f": attrs["f"].f if attrs["f"].WhichOneof("value") == "f" else None,
        "b": attrs["b"].b if attrs["b"].WhichOneof("value") == "b" else None,
        "ls": [x.decode() for x in attrs["ls"].list.s],
        "li": list(attrs["li"].list.i),
        "lf": list(attrs["lf"].list.f),
    }
    check(decoded == want, f"api graph attrs {decoded} != {want}")
    shapes = {a.key: a.value for a in g.node[0].attr}["_output_shapes"].list.shape
    got_shapes = [{"dims": [d.size for d in s.dim], "unknown_rank": s.unknown_rank} for s in shapes]
    check(got_shapes == e["graph"]["shapes"], f"api graph shapes {got_shapes}")


# ---- a report written by `xquant report` -------------------------------------------------------

def check_real_report(report_dir, model_path):
    """Every run of a real report against that report's own quant_report.json."""
    with open(os.path.join(report_dir, "quant_report.json")) as f:
        q = json.load(f)  # Infinity and NaN parse as floats
    tb = os.path.join(report_dir, "tensorboard")
    layers = list(q["intermediate_similarity_metrics_repr"])
    for dataset in ("repr", "val"):
        where = f"report run {dataset}"
        values = summary_values(run_events(os.path.join(tb, dataset)))
        inter = q[f"intermediate_similarity_metrics_{dataset}"]
        check(list(inter) == layers, f"{where}: layers differ between datasets")
        expected = [{"tag": "intermediate_similarity_metrics/" + metric, "step": i, "value": value}
                    for i, metrics in enumerate(inter.values()) for metric, value in metrics.items()]
        check_scalars(values, expected, where)
        texts = [v for _, v in values if v.tag == "output_similarity_metrics"]
        if check(len(texts) == 1, f"{where}: no output_similarity_metrics text"):
            rows = parse_markdown_table(check_text(texts[0], where))
            got = {r[0]: float(r[1]) for r in rows[1:]}
            want = q[f"output_similarity_metrics_{dataset}"]
            check(set(got) == set(want), f"{where}: output metrics {sorted(got)} != {sorted(want)}")
            for k, v in want.items():
                check(k in got and (same(got[k], v) or math.isclose(got[k], v, rel_tol=1e-5)),
                      f"{where}: output {k} = {got.get(k)}, expected {v}")
        if dataset != "repr":
            continue
        histos = {s: v for s, v in values if v.WhichOneof("value") == "histo"}
        check(sorted(histos) == list(range(len(layers))), f"{where}: histogram steps {sorted(histos)}")
        for step, v in histos.items():
            p = v.histo
            w = f"{where} {v.tag}"
            if step < len(layers):
                check(v.tag == "histograms/" + (layers[step].lstrip("/") or "unnamed"), f"{w}: not layer {step}")
            check(sum(p.bucket) == p.num and p.num > 0, f"{w}: buckets sum to {sum(p.bucket)}, num {p.num}")
            check(len(p.bucket_limit) == len(p.bucket), f"{w}: {len(p.bucket_limit)} limits, {len(p.bucket)} buckets")
            check(all(a <= b for a, b in zip(p.bucket_limit, p.bucket_limit[1:])), f"{w}: limits decrease")
            check(p.bucket_limit and p.bucket_limit[-1] == p.max and p.min <= p.bucket_limit[0],
                  f"{w}: limits outside [min, max]")

    _, nodes, _ = check_graph_run(os.path.join(tb, "quantized_model"), model_path)
    carriers = {}
    for name, n in nodes.items():
        attrs = {a.key: a.value for a in n.attr}
        if "xquant_layer" in attrs:
            carriers[attrs["xquant_layer"].s.decode()] = attrs
    check(set(carriers) == set(layers), f"layers on graph nodes {sorted(carriers)} != {sorted(layers)}")
    for layer, attrs in carriers.items():
        for dataset in ("repr", "val"):
            want = q[f"intermediate_similarity_metrics_{dataset}"].get(layer, {})
            if check("xquant_" + dataset in attrs, f"layer {layer}: no xquant_{dataset}"):
                got = parse_metrics_attr(attrs["xquant_" + dataset].s.decode())
                check(got.keys() == want.keys() and all(same(got[k], want[k]) for k in want),
                      f"layer {layer}: xquant_{dataset} {got} != {want}")


# ---- listing one run (for the quantizer's tests) ---------------------------------------------------

def attr_json(value):
    kind = value.WhichOneof("value")
    if kind == "s":
        return value.s.decode("utf-8", "replace")
    if kind in ("i", "f", "b", "type"):
        return getattr(value, kind)
    if kind == "list":
        return {"s": [x.decode("utf-8", "replace") for x in value.list.s], "i": list(value.list.i),
                "f": list(value.list.f), "shapes": len(value.list.shape)}
    return kind


def list_run(run_dir):
    events = run_events(run_dir)
    out = {"scalars": {}, "histograms": {}, "texts": [], "graph": None}
    for step, v in summary_values(events):
        kind = v.WhichOneof("value")
        if kind == "simple_value":
            out["scalars"][v.tag] = v.simple_value
        elif kind == "histo":
            out["histograms"][v.tag] = {"num": v.histo.num, "min": v.histo.min, "max": v.histo.max,
                                        "buckets": len(v.histo.bucket)}
        elif kind == "tensor":
            out["texts"].append(v.tag)
    graphs = [e for e in events if e.WhichOneof("what") == "graph_def"]
    check(len(graphs) <= 1, f"{run_dir}: {len(graphs)} graphs")
    if graphs:
        graph = PB["GraphDef"].FromString(graphs[0].graph_def)
        assert_no_unknown_fields(graph, f"{run_dir} graph")
        out["graph"] = [{"name": n.name, "op": n.op, "inputs": list(n.input),
                         "attrs": {a.key: attr_json(a.value) for a in n.attr}} for n in graph.node]
    return out


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--list":
        listing = list_run(sys.argv[2])
        for failure in FAILURES:
            print("FAIL:", failure, file=sys.stderr)
        print(json.dumps(listing))
        return 1 if FAILURES else 0
    if len(sys.argv) == 4 and sys.argv[1] == "--report":
        check_real_report(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 2:
        root = sys.argv[1]
        with open(os.path.join(root, "expectations.json")) as f:
            expected = json.load(f)
        check_report(root, expected["tensorboard"])
        check_api(root, expected["api"])
    else:
        print(__doc__)
        return 2
    for failure in FAILURES:
        print("FAIL:", failure)
    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed")
        return 1
    print("all records valid; every check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
