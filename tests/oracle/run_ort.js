#!/usr/bin/env node
// run_ort.js — run an ONNX model with onnxruntime-node (the oracle) and dump or time it.
//
// Dump mode:
//   node tests/oracle/run_ort.js [options] MODEL.onnx OUT_DIR NAME=INPUT.npy [NAME=INPUT.npy ...]
//   Runs the model once and writes every graph output as OUT_DIR/<sanitized name>.npy
//   (standard .npy v1.0, C order, little endian) plus
//     OUT_DIR/manifest.json   {"<tensor name>": "<file name>.npy", ...} in graph output order
//     OUT_DIR/run_info.json   model, inputs, session options, dtype/shape of every output
//   Tensor names are sanitized to [A-Za-z0-9._-] (others -> '_'), made unique.
//   If the model has a single input, "INPUT.npy" without NAME= is accepted.
//
// Bench mode:
//   node tests/oracle/run_ort.js --bench N [--warmup W] [--opt all|disabled|basic|extended]
//        MODEL.onnx NAME=INPUT.npy [...]
//   Runs the model W (default 3) + N times and prints one JSON line with median/min/mean ms
//   of the N timed runs. Writes no outputs (and takes no OUT_DIR).
//
// Options:
//   --node-modules DIR  node_modules holding onnxruntime-node (default: $ORT_NODE_MODULES,
//                       then normal require() resolution). Set up with tests/oracle/setup_ort.sh.
//   --opt LEVEL         graphOptimizationLevel (default 'disabled': QDQ runs as float
//                       fake-quant, the semantics xquant simulates)
//   --threads N         intraOpNumThreads (default 2)
//   --spinning 0|1      session.intra_op.allow_spinning (default 0: idle threads sleep; 1 is
//                       onnxruntime's own default, which the benchmarks use beside a spinning xquant)
// Session options always include interOpNumThreads 1 and sequential execution.
// Input .npy dtypes: float32, float64, float16, int8, uint8, int16, uint16, int32, uint32,
// int64, uint64, bool. Output dtypes written: the same set (string outputs are skipped).
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');

// ---------------------------------------------------------------- npy I/O
// numpy descr <-> onnxruntime tensor type <-> typed array
const DTYPES = [
  // [ort type, npy descr, TypedArray, bytes per element]
  ['float32', '<f4', Float32Array, 4],
  ['float64', '<f8', Float64Array, 8],
  ['float16', '<f2', Uint16Array, 2],
  ['int8', '|i1', Int8Array, 1],
  ['uint8', '|u1', Uint8Array, 1],
  ['int16', '<i2', Int16Array, 2],
  ['uint16', '<u2', Uint16Array, 2],
  ['int32', '<i4', Int32Array, 4],
  ['uint32', '<u4', Uint32Array, 4],
  ['int64', '<i8', BigInt64Array, 8],
  ['uint64', '<u8', BigUint64Array, 8],
  ['bool', '|b1', Uint8Array, 1],
];
const BY_ORT = new Map(DTYPES.map(d => [d[0], d]));
const BY_DESCR = new Map(DTYPES.map(d => [d[1], d]));
// numpy also writes these spellings for single-byte / native types
for (const [alias, canon] of [['<i1', '|i1'], ['<u1', '|u1'], ['<b1', '|b1'], ['|b', '|b1'],
                              ['i1', '|i1'], ['u1', '|u1'], ['b1', '|b1']]) {
  BY_DESCR.set(alias, BY_DESCR.get(canon));
}

function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.length < 10 || buf.toString('latin1', 0, 6) !== '\x93NUMPY') {
    throw new Error(`${file}: not a .npy file`);
  }
  const major = buf[6];
  let headerLen, offset;
  if (major === 1) {
    headerLen = buf.readUInt16LE(8);
    offset = 10;
  } else if (major === 2 || major === 3) {
    headerLen = buf.readUInt32LE(8);
    offset = 12;
  } else {
    throw new Error(`${file}: unsupported .npy version ${major}`);
  }
  const header = buf.toString('latin1', offset, offset + headerLen);
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header);
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descr || !fortran || !shape) throw new Error(`${file}: cannot parse header ${header}`);
  if (fortran[1] === 'True') throw new Error(`${file}: Fortran-order arrays are not supported`);
  const d = BY_DESCR.get(descr[1]);
  if (!d) throw new Error(`${file}: unsupported dtype ${descr[1]}`);
  const dims = shape[1].split(',').map(s => s.trim()).filter(s => s.length).map(Number);
  const count = dims.reduce((a, b) => a * b, 1);
  const dataStart = offset + headerLen;
  const nbytes = count * d[3];
  if (buf.length - dataStart < nbytes) throw new Error(`${file}: truncated data`);
  // copy into a fresh, aligned buffer
  const bytes = new Uint8Array(nbytes);
  bytes.set(buf.subarray(dataStart, dataStart + nbytes));
  const TA = d[2];
  return { type: d[0], dims, data: new TA(bytes.buffer, 0, count) };
}

// Header layout as numpy's format.write_array_header_1_0 builds it (numpy >= 1.24):
// dict repr, growth padding for the first axis, then spaces and '\n' so that
// magic + version + length + header is a multiple of 64 bytes.
function npyHeader(descr, dims) {
  let shapeStr;
  if (dims.length === 0) shapeStr = '()';
  else if (dims.length === 1) shapeStr = `(${dims[0]},)`;
  else shapeStr = `(${dims.join(', ')})`;
  let h = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  if (dims.length > 0) h += ' '.repeat(Math.max(0, 21 - String(dims[0]).length));
  const total = 10 + h.length + 1; // + '\n'
  const pad = (64 - (total % 64)) % 64;
  h += ' '.repeat(pad) + '\n';
  if (h.length > 65535) throw new Error('npy header too long for format 1.0');
  const out = Buffer.alloc(10 + h.length);
  out.write('\x93NUMPY', 0, 'latin1');
  out[6] = 1;
  out[7] = 0;
  out.writeUInt16LE(h.length, 8);
  out.write(h, 10, 'latin1');
  return out;
}

function writeNpy(file, type, dims, data) {
  const d = BY_ORT.get(type);
  if (!d) throw new Error(`cannot write dtype ${type}`);
  const count = dims.reduce((a, b) => a * b, 1);
  if (data.length !== count) throw new Error(`${file}: ${data.length} elements for shape [${dims}]`);
  let body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (type === 'bool') body = Buffer.from(Uint8Array.from(data, v => (v ? 1 : 0)));
  fs.writeFileSync(file, Buffer.concat([npyHeader(d[1], dims), body]));
}

// ---------------------------------------------------------------- helpers
function sanitizer() {
  const used = new Set();
  return name => {
    let s = name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[._]+/, '');
    if (!s) s = 'tensor';
    if (s.length > 150) {
      // keep names short enough for any filesystem; keep them distinct with a hash
      let h = 0;
      for (const ch of name) h = (Math.imul(h, 31) + ch.charCodeAt(0)) >>> 0;
      s = s.slice(0, 140) + '_' + h.toString(16);
    }
    let cand = s, i = 2;
    while (used.has(cand.toLowerCase())) cand = `${s}__${i++}`;
    used.add(cand.toLowerCase());
    return cand + '.npy';
  };
}

function usage(msg) {
  if (msg) console.error(`run_ort.js: ${msg}`);
  console.error('usage: run_ort.js [--node-modules DIR] [--opt LEVEL] [--threads N] ' +
                'MODEL.onnx OUT_DIR NAME=INPUT.npy [...]\n' +
                '       run_ort.js --bench N [--warmup W] [--opt LEVEL] MODEL.onnx NAME=INPUT.npy [...]');
  process.exit(2);
}

function parseArgs(argv) {
  const o = { opt: 'disabled', threads: 2, bench: 0, warmup: 3, spinning: '0',
              nodeModules: process.env.ORT_NODE_MODULES || '', pos: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => { if (i + 1 >= argv.length) usage(`${a} needs a value`); return argv[++i]; };
    if (a === '--opt') o.opt = val();
    else if (a === '--threads') o.threads = parseInt(val(), 10);
    else if (a === '--bench') o.bench = parseInt(val(), 10);
    else if (a === '--warmup') o.warmup = parseInt(val(), 10);
    else if (a === '--node-modules') o.nodeModules = val();
    else if (a === '--spinning') o.spinning = val();
    else if (a === '-h' || a === '--help') usage();
    else if (a.startsWith('--')) usage(`unknown option ${a}`);
    else o.pos.push(a);
  }
  if (!['disabled', 'basic', 'extended', 'layout', 'all'].includes(o.opt)) usage(`bad --opt ${o.opt}`);
  if (!(o.threads > 0)) usage('bad --threads');
  if (!['0', '1'].includes(o.spinning)) usage(`bad --spinning ${o.spinning} (0 or 1)`);
  if (o.bench < 0 || Number.isNaN(o.bench) || Number.isNaN(o.warmup)) usage('bad --bench/--warmup');
  return o;
}

function loadOrt(nodeModules) {
  if (nodeModules) return require(path.join(path.resolve(nodeModules), 'onnxruntime-node'));
  try {
    return require('onnxruntime-node');
  } catch (e) {
    usage('onnxruntime-node not found: set ORT_NODE_MODULES or pass --node-modules ' +
          '(see tests/oracle/setup_ort.sh)');
  }
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// ---------------------------------------------------------------- main
async function main() {
  if (os.endianness() !== 'LE') throw new Error('big-endian hosts are not supported');
  const o = parseArgs(process.argv.slice(2));
  const bench = o.bench > 0;
  const minPos = bench ? 2 : 3;
  if (o.pos.length < minPos) usage('missing arguments');
  const modelPath = o.pos[0];
  const outDir = bench ? null : o.pos[1];
  const inputSpecs = o.pos.slice(bench ? 1 : 2);

  const ort = loadOrt(o.nodeModules);
  const sessionOptions = {
    graphOptimizationLevel: o.opt,
    intraOpNumThreads: o.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    extra: { session: { intra_op: { allow_spinning: o.spinning } } },
  };
  const session = await ort.InferenceSession.create(modelPath, sessionOptions);

  const feeds = {};
  const inputsInfo = {};
  for (const spec of inputSpecs) {
    let name, file;
    const eq = spec.indexOf('=');
    if (eq > 0 && !fs.existsSync(spec)) {
      name = spec.slice(0, eq);
      file = spec.slice(eq + 1);
    } else if (session.inputNames.length === 1) {
      name = session.inputNames[0];
      file = spec;
    } else {
      usage(`input "${spec}" needs NAME=; model inputs: ${session.inputNames.join(', ')}`);
    }
    if (!session.inputNames.includes(name)) {
      usage(`model has no input "${name}"; inputs: ${session.inputNames.join(', ')}`);
    }
    const a = readNpy(file);
    feeds[name] = new ort.Tensor(a.type, a.data, a.dims);
    inputsInfo[name] = { file: path.resolve(file), dtype: a.type, shape: a.dims };
  }
  const missing = session.inputNames.filter(n => !(n in feeds));
  if (missing.length) usage(`missing model input(s): ${missing.join(', ')}`);

  if (bench) {
    for (let i = 0; i < o.warmup; i++) await session.run(feeds);
    const ms = [];
    for (let i = 0; i < o.bench; i++) {
      const t0 = process.hrtime.bigint();
      await session.run(feeds);
      ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    console.log(JSON.stringify({
      model: modelPath, opt: o.opt, threads: o.threads, warmup: o.warmup, runs: o.bench,
      median_ms: +median(ms).toFixed(4),
      min_ms: +Math.min(...ms).toFixed(4),
      mean_ms: +(ms.reduce((a, b) => a + b, 0) / ms.length).toFixed(4),
    }));
    return;
  }

  const t0 = process.hrtime.bigint();
  const results = await session.run(feeds);
  const runMs = Number(process.hrtime.bigint() - t0) / 1e6;

  fs.mkdirSync(outDir, { recursive: true });
  const fileFor = sanitizer();
  const manifest = {};
  const outputsInfo = {};
  const skipped = [];
  for (const name of session.outputNames) {
    const t = results[name];
    if (!t || !BY_ORT.has(t.type)) {
      skipped.push({ name, type: t ? t.type : 'missing' });
      continue;
    }
    const file = fileFor(name);
    writeNpy(path.join(outDir, file), t.type, t.dims.map(Number), t.data);
    manifest[name] = file;
    outputsInfo[name] = { file, dtype: t.type, shape: t.dims.map(Number) };
  }
  fs.writeFileSync(path.join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
  fs.writeFileSync(path.join(outDir, 'run_info.json'), JSON.stringify({
    model: path.resolve(modelPath),
    onnxruntime_node: require(path.join(path.dirname(require.resolve(
      o.nodeModules ? path.join(path.resolve(o.nodeModules), 'onnxruntime-node')
                    : 'onnxruntime-node')), '..', 'package.json')).version,
    session_options: sessionOptions,
    run_ms: +runMs.toFixed(3),
    inputs: inputsInfo,
    outputs: outputsInfo,
    skipped,
  }, null, 1) + '\n');
  console.log(`[run_ort] ${modelPath}: wrote ${Object.keys(manifest).length} tensors to ${outDir}` +
              ` (run ${runMs.toFixed(1)} ms${skipped.length ? `, skipped ${skipped.length}` : ''})`);
  if (skipped.length) console.error(`[run_ort] skipped outputs: ${JSON.stringify(skipped)}`);
}

main().catch(e => {
  console.error(`run_ort.js: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
