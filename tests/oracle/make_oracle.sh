#!/usr/bin/env bash
# make_oracle.sh — dump every intermediate tensor of one model, as computed by onnxruntime.
#
# Usage: tests/oracle/make_oracle.sh [--keep-model] MODEL.onnx OUT_DIR [NAME=INPUT.npy ...]
#   1. tests/oracle/expose_all.py makes every node output a graph output
#      (OUT_DIR/exposed_tensors.json lists them and any tensor skipped for unknown type);
#   2. tests/oracle/run_ort.js runs it with onnxruntime-node, optimizations disabled,
#      and writes OUT_DIR/<tensor>.npy, OUT_DIR/manifest.json (tensor name -> file)
#      and OUT_DIR/run_info.json.
#   Without NAME=INPUT.npy arguments the input is looked up next to the model:
#   X.onnx -> X_input_b1.npy, or for <name>_float.onnx / <name>_qdq.onnx -> <name>_input_b1.npy
#   (the files made by tests/fixtures/make_models.py and get_ocr_models.sh).
#   onnxruntime-node is taken from $ORT_NODE_MODULES (default: $XQ_ORT_DIR/node_modules,
#   XQ_ORT_DIR defaulting to /work/fixtures_cache/ort); it is installed there with
#   tests/oracle/setup_ort.sh if missing.  --keep-model keeps OUT_DIR/exposed.onnx.
#   Extra expose_all.py flags can be given in $EXPOSE_ARGS (e.g. "--skip-op Constant").
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

KEEP=0
if [ "${1:-}" = "--keep-model" ]; then KEEP=1; shift; fi
if [ $# -lt 2 ]; then
  sed -n '2,/^set -euo/p' "$0" | sed '$d' >&2
  exit 2
fi
MODEL="$1"; OUT="$2"; shift 2
INPUTS=("$@")

if [ ${#INPUTS[@]} -eq 0 ]; then
  stem="${MODEL%.onnx}"
  for cand in "${stem}_input_b1.npy" "${stem%_float}_input_b1.npy" "${stem%_qdq}_input_b1.npy"; do
    if [ -f "$cand" ]; then INPUTS=("$cand"); break; fi
  done
  if [ ${#INPUTS[@]} -eq 0 ]; then
    echo "make_oracle: no NAME=INPUT.npy given and no ${stem}_input_b1.npy found" >&2
    exit 2
  fi
fi

if [ -z "${ORT_NODE_MODULES:-}" ]; then
  ORT_DIR="${XQ_ORT_DIR:-/work/fixtures_cache/ort}"
  bash "$HERE/setup_ort.sh" "$ORT_DIR" >/dev/null
  export ORT_NODE_MODULES="$ORT_DIR/node_modules"
fi

mkdir -p "$OUT"
# Remove the previous dump (only the files its manifest lists, never other .npy files).
if [ -f "$OUT/manifest.json" ]; then
  node -e '
    const fs = require("fs"), path = require("path"), dir = process.argv[1];
    const m = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
    for (const f of Object.values(m)) fs.rmSync(path.join(dir, path.basename(f)), { force: true });
    fs.rmSync(path.join(dir, "manifest.json"), { force: true });' "$OUT"
fi
EXPOSED="$OUT/exposed.onnx"
# shellcheck disable=SC2086
/usr/bin/python3 "$HERE/expose_all.py" ${EXPOSE_ARGS:-} --list "$OUT/exposed_tensors.json" \
  "$MODEL" "$EXPOSED"
node "$HERE/run_ort.js" "$EXPOSED" "$OUT" "${INPUTS[@]}"
if [ "$KEEP" = 0 ]; then rm -f "$EXPOSED"; fi
