// Second-runtime parity: run an exported model in onnxruntime-node on its golden inputs and
// report the difference from the golden outputs written by Python onnxruntime.
// Usage: node ort_node_check.js <model.onnx> <golden dir>   (prints one JSON object)
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

function readNpy(file) {
  const buf = fs.readFileSync(file);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', start, start + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  const dims = /'shape':\s*\(([^)]*)\)/.exec(header)[1]
    .split(',').map((s) => s.trim()).filter((s) => s.length).map(Number);
  const body = buf.subarray(start + headerLen);
  const copy = new Uint8Array(body).buffer;  // aligned copy
  const types = { '<f4': ['float32', Float32Array], '<i8': ['int64', BigInt64Array] };
  if (!(descr in types)) throw new Error(`unsupported dtype ${descr} in ${file}`);
  const [type, Ctor] = types[descr];
  return new ort.Tensor(type, new Ctor(copy), dims);
}

async function main() {
  const [modelPath, goldenDir] = process.argv.slice(2);
  const session = await ort.InferenceSession.create(modelPath, {
    intraOpNumThreads: 1, interOpNumThreads: 1, executionProviders: ['cpu'],
  });
  const report = { runtime: `onnxruntime-node ${ort.env.versions.node}`, sets: {} };
  for (const prefix of ['', 'prompted.']) {
    const feeds = {};
    for (const name of session.inputNames) {
      const file = path.join(goldenDir, `${prefix}input.${name}.npy`);
      if (!fs.existsSync(file)) break;
      feeds[name] = readNpy(file);
    }
    if (Object.keys(feeds).length !== session.inputNames.length) continue;
    const out = await session.run(feeds);
    const name = session.outputNames[0];
    const got = out[name].data;
    const want = readNpy(path.join(goldenDir, `${prefix}output.${name}.npy`));
    let maxAbs = 0, maxRef = 0, agree = 0;
    const classes = want.dims[1];
    for (let i = 0; i < got.length; i++) {
      maxAbs = Math.max(maxAbs, Math.abs(got[i] - want.data[i]));
      maxRef = Math.max(maxRef, Math.abs(want.data[i]));
    }
    for (let r = 0; r < want.dims[0]; r++) {
      let a = 0, b = 0;
      for (let c = 1; c < classes; c++) {
        if (got[r * classes + c] > got[r * classes + a]) a = c;
        if (want.data[r * classes + c] > want.data[r * classes + b]) b = c;
      }
      if (a === b) agree++;
    }
    report.sets[prefix || 'plain.'] = {
      rows: want.dims[0], max_abs: maxAbs, scaled: maxAbs / Math.max(1, maxRef), top1_agree: agree,
    };
  }
  process.stdout.write(JSON.stringify(report) + '\n');
}

main().catch((err) => { process.stderr.write(String(err && err.stack || err) + '\n'); process.exit(1); });
