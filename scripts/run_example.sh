#!/usr/bin/env bash
# Installs the dependencies, builds xquant, and runs it on the bundled example: describes the
# quantized model, then runs the float and the quantized model on the same four images.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)" --target xquant_cli
echo "== xquant info examples/tiny_cnn_qdq.onnx"
./build/xquant info examples/tiny_cnn_qdq.onnx
echo
echo "== xquant run examples/tiny_cnn_float.onnx"
./build/xquant run examples/tiny_cnn_float.onnx --input examples/tiny_cnn_input.npy
echo
echo "== xquant run examples/tiny_cnn_qdq.onnx"
./build/xquant run examples/tiny_cnn_qdq.onnx --input examples/tiny_cnn_input.npy --dump build/example_dump
