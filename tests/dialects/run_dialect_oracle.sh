#!/usr/bin/env bash
# run_dialect_oracle.sh — onnxruntime's outputs for the standard-op dialect models (the oracle).
#
# Usage: tests/dialects/run_dialect_oracle.sh FIXTURE_DIR
#   Runs every FIXTURE_DIR/oracle/<case>.onnx written by tests/fixtures/make_dialect_ops.py with
#   onnxruntime-node (installed by tests/oracle/setup_ort.sh into the fixture cache,
#   $XQ_FIXTURES_CACHE or ~/.cache/xquant/fixtures) and writes its outputs into
#   FIXTURE_DIR/oracle/<case>_ort/ (run_ort.js's manifest.json + .npy files). A model onnxruntime
#   refuses gets <case>_ort/FAILED with its message. When node or onnxruntime-node is unavailable
#   (no network on a fresh machine), FIXTURE_DIR/oracle/SKIPPED says why and the test skips.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ $# -ne 1 ]; then
  sed -n '2,/^set -uo/p' "$0" | sed '$d' >&2
  exit 2
fi
OUT="$1/oracle"
mkdir -p "$OUT"
rm -f "$OUT/SKIPPED"
CACHE="${XQ_FIXTURES_CACHE:-$HOME/.cache/xquant/fixtures}"
if ! command -v node >/dev/null 2>&1; then
  echo "node is not installed, so onnxruntime-node cannot run" > "$OUT/SKIPPED"
  exit 0
fi
if ! bash "$HERE/../oracle/setup_ort.sh" "$CACHE/ort" > "$OUT/setup_ort.log" 2>&1; then
  echo "onnxruntime-node could not be set up by tests/oracle/setup_ort.sh (see $OUT/setup_ort.log)" > "$OUT/SKIPPED"
  exit 0
fi
for model in "$OUT"/*.onnx; do
  name="$(basename "$model" .onnx)"
  dump="$OUT/${name}_ort"
  rm -rf "$dump"
  if ! node "$HERE/../oracle/run_ort.js" --node-modules "$CACHE/ort/node_modules" --threads 1 \
      "$model" "$dump" "x=$OUT/${name}_input.npy" > "$OUT/${name}_ort.log" 2>&1; then
    mkdir -p "$dump"
    cp "$OUT/${name}_ort.log" "$dump/FAILED"
  fi
done
echo "run_dialect_oracle: onnxruntime outputs in $OUT"
