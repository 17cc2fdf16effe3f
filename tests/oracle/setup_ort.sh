#!/usr/bin/env bash
# setup_ort.sh — install the onnxruntime-node oracle runtime (idempotent).
#
# Usage: tests/oracle/setup_ort.sh DIR
#   Installs onnxruntime-node@1.30.0 into DIR/node_modules with --ignore-scripts
#   (its postinstall would try to download things from the internet) and checks
#   that the bundled linux-x64 libonnxruntime.so loads and can run a session.
#   Re-running is cheap: an existing, working install is left alone.
#   Afterwards point run_ort.js at it with ORT_NODE_MODULES=DIR/node_modules
#   (or --node-modules DIR/node_modules).
set -euo pipefail

ORT_VERSION="1.30.0"
if [ $# -ne 1 ]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi
DIR="$1"
mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"

installed_version() {
  node -e "try{console.log(require('$DIR/node_modules/onnxruntime-node/package.json').version)}catch(e){console.log('')}"
}

if [ "$(installed_version)" != "$ORT_VERSION" ]; then
  echo "setup_ort: installing onnxruntime-node@$ORT_VERSION into $DIR" >&2
  [ -f "$DIR/package.json" ] || echo '{"name":"xquant-ort-oracle","private":true}' > "$DIR/package.json"
  export ONNXRUNTIME_NODE_INSTALL=skip
  (cd "$DIR" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error \
      "onnxruntime-node@$ORT_VERSION")
fi

# Sanity check: the native binding and libonnxruntime.so for linux/x64 must be there.
BIN_DIR="$DIR/node_modules/onnxruntime-node/bin/napi-v6/linux/x64"
if ! ls "$BIN_DIR"/libonnxruntime.so* >/dev/null 2>&1; then
  echo "setup_ort: libonnxruntime.so not found under $BIN_DIR" >&2
  ls -R "$DIR/node_modules/onnxruntime-node/bin" >&2 || true
  exit 1
fi

# Functional check: build a tiny Add model in memory (hand-encoded protobuf) and run it.
(cd "$DIR" && node - <<'JS'
const ort = require('onnxruntime-node');
// ModelProto for: y = x + x, x,y float[2], opset 13, ir_version 7.
const hex =
  '0807' +                      // ir_version 7
  '3a' + '29' +                 // graph (len 41)
    '0a' + '0e' + '0a0178' + '0a0178' + '120179' + '2203416464' +  // node Add(x,x)->y
    '1201' + '67' +             // name "g"
    '5a' + '09' + '0a0178' + '1204' + '0a02' + '0801' +   // input x: float tensor, no shape
    '62' + '09' + '0a0179' + '1204' + '0a02' + '0801' +   // output y: float tensor, no shape
  '4202' + '100d';              // opset_import {version 13}
const buf = Buffer.from(hex, 'hex');
(async () => {
  const s = await ort.InferenceSession.create(buf);
  const r = await s.run({ x: new ort.Tensor('float32', Float32Array.from([1.5, -2]), [2]) });
  const y = Array.from(r.y.data);
  if (y[0] !== 3 || y[1] !== -4) { console.error('setup_ort: wrong result', y); process.exit(1); }
  console.log('setup_ort: onnxruntime-node ' + require('onnxruntime-node/package.json').version + ' OK');
})().catch(e => { console.error('setup_ort: runtime check failed:', e); process.exit(1); });
JS
)
