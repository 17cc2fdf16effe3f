// run_ort_pair.js — the onnxruntime side of bench/report_bench.py: the float and the quantized
// model run over the same number of samples, batch by batch, capturing nothing.
//
// Usage: node bench/run_ort_pair.js --node-modules DIR [--threads T] [--batch B] [--samples N]
//            [--datasets D] [--spinning 0|1] FLOAT.onnx QDQ.onnx
//   Float runs with graphOptimizationLevel 'all', the QDQ model with 'disabled' (the fake-quant
//   semantics xquant reproduces; 'all' would fuse it into int8 kernels and compute other
//   numbers). Samples are seeded standard-normal noise generated here; D datasets of N samples
//   each are processed (2 = representative + validation, as `xquant report` does).
//   --spinning is session.intra_op.allow_spinning (default 1, onnxruntime's own default).
//   Prints one JSON line: {"seconds": wall time from process start to the end of the last batch}.
'use strict';
const path = require('path');
const started = process.hrtime.bigint();

function parseArgs(argv) {
  const o = { threads: 2, batch: 8, samples: 16, datasets: 2, nodeModules: null, spinning: '1', models: [] };
  for (let i = 2; i < argv.length; ++i) {
    const a = argv[i];
    if (a === '--threads') o.threads = Number(argv[++i]);
    else if (a === '--batch') o.batch = Number(argv[++i]);
    else if (a === '--samples') o.samples = Number(argv[++i]);
    else if (a === '--datasets') o.datasets = Number(argv[++i]);
    else if (a === '--node-modules') o.nodeModules = argv[++i];
    else if (a === '--spinning') o.spinning = argv[++i];
    else o.models.push(a);
  }
  if (o.models.length !== 2) throw new Error('usage: run_ort_pair.js [options] FLOAT.onnx QDQ.onnx');
  if (!['0', '1'].includes(o.spinning)) throw new Error('--spinning takes 0 or 1');
  return o;
}

// Seeded normal noise (xorshift + Box-Muller): the values do not matter for timing, the amount does.
function makeNormal(seed) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return (s + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(next())) * Math.cos(2 * Math.PI * next());
}

async function main() {
  const o = parseArgs(process.argv);
  const ort = require(path.join(path.resolve(o.nodeModules), 'onnxruntime-node'));
  const session = (file, opt) => ort.InferenceSession.create(file, {
    graphOptimizationLevel: opt, intraOpNumThreads: o.threads, interOpNumThreads: 1,
    executionMode: 'sequential', extra: { session: { intra_op: { allow_spinning: o.spinning } } },
  });
  const float = await session(o.models[0], 'all');
  const qdq = await session(o.models[1], 'disabled');
  const inputName = float.inputNames[0];
  const qInputName = qdq.inputNames[0];
  const meta = float.inputMetadata ? float.inputMetadata[0] : null;
  const dims = (meta && meta.shape) ? meta.shape.map(d => (typeof d === 'number' && d > 0 ? d : 1)) : [1, 3, 224, 224];
  const perSample = dims.slice(1).reduce((a, b) => a * b, 1);
  const normal = makeNormal(12345);
  for (let d = 0; d < o.datasets; ++d) {
    for (let first = 0; first < o.samples; first += o.batch) {
      const count = Math.min(o.batch, o.samples - first);
      const data = new Float32Array(count * perSample);
      for (let k = 0; k < data.length; ++k) data[k] = normal();
      const shape = [count, ...dims.slice(1)];
      await float.run({ [inputName]: new ort.Tensor('float32', data, shape) });
      await qdq.run({ [qInputName]: new ort.Tensor('float32', data, shape) });
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(JSON.stringify({ seconds }));
}

main().catch(e => { console.error(e.stack || String(e)); process.exit(1); });
