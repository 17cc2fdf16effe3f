#!/usr/bin/env bash
# Installs every apt package that building, testing and benchmarking xquant needs.
# Idempotent and non-interactive; run as root (or with sudo available).
# Node.js/npm are only installed from apt when no `node` is on PATH (some images ship their own).
set -euo pipefail

packages=(
  # build
  cmake g++ ninja-build pkg-config
  # model loading: ONNX protobuf classes, shape inference
  libonnx-dev libprotobuf-dev protobuf-compiler
  # heavy kernels (conv, gemm, matmul)
  libdnnl-dev
  # building blocks
  libfmt-dev libcli11-dev nlohmann-json3-dev libyaml-cpp-dev
  # datasets and reports: images in, charts out
  libstb-dev libcairo2-dev libfontconfig-dev fonts-dejavu-core libpng-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev libonnx-testdata
  # report checks: a real browser for index.html, an independent TensorBoard file reader
  chromium python3-protobuf python3-crc32c
  # fixture generation (run with /usr/bin/python3)
  python3 python3-numpy python3-onnx python3-torch python3-torchvision
  # a real model's data: Fashion-MNIST IDX files in /usr/share/datasets/fashion-mnist/
  dataset-fashion-mnist
)
if ! command -v node >/dev/null 2>&1; then packages+=(nodejs npm); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install_deps: all ${#packages[@]} packages present"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install_deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
