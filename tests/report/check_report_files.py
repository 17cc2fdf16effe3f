#!/usr/bin/python3
"""Reads the synthetic report written by write_synthetic_report with Python's own parsers.

json (which reads Infinity/NaN as the reference's users do), csv, xml.etree, html.parser, zlib (PNG
chunk CRCs) and base64 are independent of the C++ writers. The expected values restate the
definition of tests/unit/report_fixture.h (MakeSyntheticReport) and the hostile layer names of
tests/report/synthetic_names.h.

Usage: check_report_files.py REPORT_DIR
"""
import base64
import csv
import html.parser
import json
import math
import os
import struct
import sys
import xml.etree.ElementTree as ET
import zlib

NUM_LAYERS = 40
HOSTILE = {
    3: "<script>console.error('unescaped')</script>",
    5: "<img src=missing.png onerror=\"console.error('unescaped')\">",
    7: 'conv, "quoted"\nnext line',
    9: "/model/backbone/stage4/block7/expand_conv_with_a_rather_long_exporter_generated_suffix/conv.0.0/Conv",
}
REFERENCE_KEYS = ["output_similarity_metrics_repr", "output_similarity_metrics_val",
                  "intermediate_similarity_metrics_repr", "intermediate_similarity_metrics_val"]
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)


def name(i):
    if i in HOSTILE:
        return HOSTILE[i]
    return "input" if i == 0 else "layer_%d/Conv" % i


def mse(i):
    return 0.25 if i == 2 else 0.001 * (i + 1)


def cs(i):
    return 0.999 - 0.01 * i


def sqnr(i):
    return math.inf if i == 0 else 100.0 / (i + 1)


def same(a, b):
    if not isinstance(a, (int, float)):
        return False
    if isinstance(b, float) and math.isnan(b):
        return isinstance(a, float) and math.isnan(a)
    return a == b or (math.isfinite(b) and math.isclose(a, b, rel_tol=1e-15))


def check_json(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)  # accepts Infinity / -Infinity / NaN
    keys = list(doc)
    check(keys[:4] == REFERENCE_KEYS, "json: first keys %s" % keys[:4])
    for key in REFERENCE_KEYS[2:]:
        layers = doc[key]
        check(list(layers) == [name(i) for i in range(NUM_LAYERS)], "json: %s layer order" % key)
        for i, (layer, metrics) in enumerate(layers.items()):
            check(list(metrics) == ["mse", "cs", "sqnr", "sqnr_db", "mae"], "json: metric keys of %r" % layer)
            check(same(metrics["mse"], mse(i)), "json: %s[%r].mse = %r" % (key, layer, metrics["mse"]))
            check(same(metrics["cs"], cs(i)), "json: %s[%r].cs = %r" % (key, layer, metrics["cs"]))
            check(same(metrics["sqnr"], sqnr(i)), "json: %s[%r].sqnr = %r" % (key, layer, metrics["sqnr"]))
            db = math.inf if i == 0 else 10 * math.log10(sqnr(i))
            check(same(metrics["sqnr_db"], db), "json: %s[%r].sqnr_db" % (key, layer))
    check(doc["output_similarity_metrics_val"] ==
          {"mse": 0.01, "cs": 0.99, "sqnr": 120.0, "sqnr_db": 10 * math.log10(120.0), "mae": math.sqrt(0.01)},
          "json: output metrics %r" % doc["output_similarity_metrics_val"])
    local_val = doc["intermediate_similarity_metrics_local_val"][name(NUM_LAYERS - 1)]
    check(same(local_val["cs"], math.nan), "json: NaN local cs of the last layer")
    check(same(doc["intermediate_similarity_metrics_repr"]["input"]["sqnr"], math.inf), "json: inf sqnr of input")
    check(len(doc["layers"]) == NUM_LAYERS and doc["layers"][9]["name"] == HOSTILE[9], "json: layers")
    check(doc["degraded_layers"] == ["layer_2/Conv"], "json: degraded_layers")


def check_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    check(len(rows) == 1 + 2 * NUM_LAYERS, "csv: %d rows" % len(rows))
    header = rows[0]
    col = {h: k for k, h in enumerate(header)}
    for r, row in enumerate(rows[1:]):
        i = r % NUM_LAYERS
        check(len(row) == len(header), "csv: row %d has %d fields" % (r, len(row)))
        check(row[col["dataset"]] == ("repr" if r < NUM_LAYERS else "val"), "csv: dataset of row %d" % r)
        check(row[col["layer"]] == name(i), "csv: layer of row %d is %r" % (r, row[col["layer"]]))
        check(same(float(row[col["mse"]]), mse(i)), "csv: mse of row %d" % r)
        check(same(float(row[col["mse_pre_quant"]]), mse(i) * 0.5), "csv: mse_pre_quant of row %d" % r)
        check(same(float(row[col["sqnr"]]), sqnr(i)), "csv: sqnr of row %d" % r)
        check(row[col["degraded"]] == ("yes" if i == 2 else "no"), "csv: degraded of row %d" % r)


def check_png_bytes(data, what):
    """Signature, every chunk's CRC, IHDR first and IEND last; returns (width, height)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        check(False, "%s: not a PNG" % what)
        return 0, 0
    pos, chunks, size = 8, [], (0, 0)
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        check(zlib.crc32(kind + body) == crc, "%s: bad CRC in %s" % (what, kind))
        if kind == b"IHDR":
            size = struct.unpack(">II", body[:8])
        chunks.append(kind)
        pos += 12 + length
    check(chunks and chunks[0] == b"IHDR" and chunks[-1] == b"IEND", "%s: chunk order %s" % (what, chunks[:3]))
    return size


def check_charts(directory):
    stems = ["quant_loss_%s_%s" % (m, d) for m in ("mse", "cs", "sqnr") for d in ("repr", "val")]
    for stem in stems:
        width, height = check_png_bytes(open(os.path.join(directory, stem + ".png"), "rb").read(), stem + ".png")
        check(width >= 800 and 300 < height < 900, "%s.png: %dx%d" % (stem, width, height))
        root = ET.parse(os.path.join(directory, stem + ".svg")).getroot()
        check(root.tag.endswith("svg"), "%s.svg: root %s" % (stem, root.tag))
        texts = [t.text for t in root.iter() if t.tag.endswith("text")]
        titles = [t.text for t in root.iter() if t.tag.endswith("title")]
        check("threshold=0.1" in texts, "%s.svg: no threshold label" % stem)
        check(titles == [stem], "%s.svg: title %s" % (stem, titles))
        check(HOSTILE[3] in texts, "%s.svg: the <script> layer name is not text" % stem)


class PageParser(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.names, self.images, self.scripts, self.urls = [], [], 0, []
        self._in_name = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.urls += [v for k, v in attrs.items() if k in ("src", "href") and v]
        if tag == "script":
            self.scripts += 1
        if tag == "img":
            self.images.append(attrs.get("src", ""))
        if tag == "td" and attrs.get("class") == "name":
            self._in_name = True
            self.names.append("")

    def handle_endtag(self, tag):
        if tag == "td":
            self._in_name = False

    def handle_data(self, data):
        if self._in_name:
            self.names[-1] += data


def check_html(path):
    parser = PageParser()
    with open(path, encoding="utf-8") as f:
        parser.feed(f.read())
    check(parser.names == [name(i) for i in range(NUM_LAYERS)], "html: layer names %r" % parser.names[:12])
    check(parser.scripts == 1, "html: %d <script> elements" % parser.scripts)
    check(len(parser.images) == 6, "html: %d images" % len(parser.images))
    for url in parser.urls:
        check(url.startswith("data:") or "://" not in url and not url.startswith("//"), "html: external url %s" % url)
    prefix = "data:image/png;base64,"
    for k, src in enumerate(parser.images):
        check(src.startswith(prefix), "html: image %d is not a PNG data URI" % k)
        width, _ = check_png_bytes(base64.b64decode(src[len(prefix):], validate=True), "html image %d" % k)
        check(width >= 800, "html image %d: width %d" % (k, width))


def main():
    directory = sys.argv[1]
    check_json(os.path.join(directory, "quant_report.json"))
    check_csv(os.path.join(directory, "layers.csv"))
    check_charts(directory)
    check_html(os.path.join(directory, "index.html"))
    for message in failures:
        print("FAIL:", message)
    if failures:
        return 1
    print("report files OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
