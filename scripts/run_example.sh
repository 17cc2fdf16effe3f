#!/usr/bin/env bash
# Installs the dependencies, builds xquant, and runs the main job on the bundled example: the
# layer-by-layer report of the quantized example model against its float original, written to
# build/example_report/ (open index.html in a browser).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)" --target xquant_cli
echo "== xquant info examples/tiny_cnn_qdq.onnx"
./build/xquant info examples/tiny_cnn_qdq.onnx
echo
echo "== xquant report (float vs quantized example, 64 representative + 32 validation samples)"
./build/xquant report --float examples/tiny_cnn_float.onnx --quantized examples/tiny_cnn_qdq.onnx \
  --repr random:64:0 --val random:32:1 --batch-size 16 --report-dir build/example_report
echo
ls build/example_report
