#!/usr/bin/env bash
# Installs the dependencies, builds xquant, and runs the main job on the bundled example: the
# layer-by-layer report of the quantized example model against its float original and the
# troubleshooting of its degraded layers, written to build/example_report/ (open index.html).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)" --target xquant_cli
echo "== xquant info examples/tiny_cnn_qdq.onnx"
./build/xquant info examples/tiny_cnn_qdq.onnx
echo
echo "== xquant troubleshoot (float vs quantized example, 64 representative + 32 validation samples)"
# Exit code 3 means "degraded layers found", a result rather than a failure.
status=0
./build/xquant troubleshoot --float examples/tiny_cnn_float.onnx --quantized examples/tiny_cnn_qdq.onnx \
  --repr random:64:0 --val random:32:1 --batch-size 16 --report-dir build/example_report || status=$?
if [ "$status" -ne 0 ] && [ "$status" -ne 3 ]; then exit "$status"; fi
echo
ls build/example_report
