#!/usr/bin/env bash
# prepare_oracle.sh — everything the whole-model oracle test (oracle_test) and the benchmark need.
#
# Usage: tests/oracle/prepare_oracle.sh OUT_DIR
#   1. builds the torchvision float + FX-QDQ models (tests/fixtures/make_models.py) and fetches the
#      PaddleOCR models (tests/fixtures/get_ocr_models.sh) into the fixture cache;
#   2. installs onnxruntime-node (setup_ort.sh) into the cache;
#   3. links each model and its input into OUT_DIR/models/<name>.onnx, <name>_input_b1.npy (and
#      _input_b8.npy where there is one);
#   4. dumps every intermediate tensor as onnxruntime computes it into OUT_DIR/dumps/<name>/
#      (make_oracle.sh), skipping models whose dump is newer than the model;
#   5. writes OUT_DIR/models.txt, one model name per line.
# The cache is $XQ_FIXTURES_CACHE (default ~/.cache/xquant/fixtures); everything is regenerated
# when it is missing, so a fresh machine works, only slower (about a minute).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
FIXTURES="$HERE/../fixtures"
if [ $# -ne 1 ]; then
  sed -n '2,/^set -euo/p' "$0" | sed '$d' >&2
  exit 2
fi
OUT="$1"
CACHE="${XQ_FIXTURES_CACHE:-$HOME/.cache/xquant/fixtures}"
mkdir -p "$CACHE" "$OUT/models" "$OUT/dumps"
export OPENBLAS_NUM_THREADS=1

/usr/bin/python3 "$FIXTURES/make_models.py" "$CACHE"
bash "$FIXTURES/get_ocr_models.sh" "$CACHE"
export XQ_ORT_DIR="$CACHE/ort"
bash "$HERE/setup_ort.sh" "$XQ_ORT_DIR" >/dev/null
export ORT_NODE_MODULES="$XQ_ORT_DIR/node_modules"

names=()
for m in resnet18 mobilenet_v2 mobilenet_v3_small efficientnet_b0 squeezenet1_1 shufflenet_v2_x0_5; do
  for kind in float qdq; do
    names+=("${m}_${kind}")
    ln -sf "$CACHE/${m}_${kind}.onnx" "$OUT/models/${m}_${kind}.onnx"
    for b in b1 b8; do ln -sf "$CACHE/${m}_input_${b}.npy" "$OUT/models/${m}_${kind}_input_${b}.npy"; done
  done
done
for m in ch_ppocr_mobile_v2.0_cls_infer ch_PP-OCRv4_det_infer ch_PP-OCRv4_rec_infer; do
  names+=("$m")
  ln -sf "$CACHE/$m.onnx" "$OUT/models/$m.onnx"
  ln -sf "$CACHE/${m}_input_b1.npy" "$OUT/models/${m}_input_b1.npy"
done

for name in "${names[@]}"; do
  dump="$OUT/dumps/$name"
  if [ -f "$dump/manifest.json" ] && [ "$dump/manifest.json" -nt "$CACHE/$name.onnx" ]; then continue; fi
  bash "$HERE/make_oracle.sh" "$OUT/models/$name.onnx" "$dump" "$OUT/models/${name}_input_b1.npy" >/dev/null
  echo "prepare_oracle: dumped $name"
done
printf '%s\n' "${names[@]}" > "$OUT/models.txt"
echo "prepare_oracle: ${#names[@]} models ready in $OUT"
