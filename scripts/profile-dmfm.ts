/**
 * Profile of one DMFM training step (the bench-dmfm.ts shape: 16 dates x 400 stocks x 44 factors, hidden 64, 5 heads)
 * on a tfjs backend in Node: the step's wall time and the time per tfjs kernel (tf.profile), so the JS work outside
 * kernels (the sorted GAT kernel, batch building, tape bookkeeping) is the remainder. Not a bench figure: a tool for
 * finding where a step goes.
 *   npx tsx scripts/profile-dmfm.ts [wasm|cpu] [steps]
 */
import { loadavg } from 'node:os';
import { tf } from '../src/train/tf';
import { useBackend, type BackendName } from '../src/train/backend';
import { getModel } from '../src/models/registry';
import { plantedPanel } from '../src/train/fixtures';
import { batchContext, disposeBatch, makeBatch, prepareData } from '../src/train/data';
import { setWasmKernels } from '../src/models/kernels/tfjs-wasm';

// LAB_KERNELS=off: the tfjs path instead of the lab's wasm kernels (A/B)
if (process.env.LAB_KERNELS === 'off') setWasmKernels(false);

const backend = (process.argv[2] ?? 'wasm') as BackendName;
const steps = Number(process.argv[3] ?? 8);
const B = 16,
  N = 400,
  F = 44,
  horizons = [3, 5, 10, 15, 20];
await useBackend(backend);
const T = B * 4;
const d = prepareData(plantedPanel({ T, N, F, horizons, seed: 1, noise: 1, missing: 0.05, nIndustries: 11 }));
const model = getModel(process.env.MODEL ?? 'dmfm').build({ F, horizons, seed: 1, config: { hidden: 64, layers: 2, batchDates: B } });
const opt = tf.train.adam(1e-3, 0.9, 0.999, 1e-7);
const vars = model.variables();

function step(s: number) {
  const dates = Array.from({ length: B }, (_, i) => (s * B + i) % T);
  const batch = makeBatch(d, dates);
  const cost = opt.minimize(
    () => {
      const fctx = batchContext(batch, true);
      const out = model.forwardAux!(batch.x, fctx);
      const l = model.loss(out.scores, { y: batch.y, mask: batch.ymask, scale: batch.yscale, raw: batch.raw }, out.aux);
      tf.dispose(Object.values(l.terms));
      return l.total;
    },
    true,
    vars,
  ) as tf.Scalar;
  cost.dataSync();
  cost.dispose();
  disposeBatch(batch);
}

for (let s = 0; s < 3; s++) step(s); // warm-up (XNNPACK packing caches, scratch buffers)

// AB=1: the lab's wasm kernels off and on in alternating steps of one process (robust to the shared machine's load
// drifting between runs): per variant the min and median process CPU time per trading day
if (process.env.AB) {
  const cpu: Record<'off' | 'on', number[]> = { off: [], on: [] };
  for (let s = 0; s < 2 * steps; s++) {
    const v = s % 2 ? 'on' : 'off';
    setWasmKernels(v === 'on');
    const c = process.cpuUsage();
    step(s);
    const u = process.cpuUsage(c);
    cpu[v].push((u.user + u.system) / 1000 / B);
  }
  const fmt = (a: number[]) => {
    a.sort((x, y) => x - y);
    return `min ${a[0].toFixed(2)}, median ${a[a.length >> 1].toFixed(2)} cpu-ms/day`;
  };
  console.log(`A/B (${steps} steps each, load1 ${loadavg()[0].toFixed(2)}): kernels off ${fmt(cpu.off)}; on ${fmt(cpu.on)}`);
  process.exit(0);
}
const times: number[] = [];
const c0 = process.cpuUsage();
for (let s = 0; s < steps; s++) {
  const t0 = performance.now();
  step(s);
  times.push(performance.now() - t0);
}
const cu = process.cpuUsage(c0);
const cpuMs = (cu.user + cu.system) / 1000 / steps;
times.sort((a, b) => a - b);
const med = times[times.length >> 1];
console.log(
  `${backend}: step median ${med.toFixed(1)} ms (${(med / B).toFixed(2)} ms/day), min ${times[0].toFixed(1)} ms (${(times[0] / B).toFixed(2)} ms/day), ` +
    `process CPU ${(cpuMs / B).toFixed(2)} cpu-ms/day; n=${steps}, load1 ${loadavg()[0].toFixed(2)}`,
);

const agg = new Map<string, { ms: number; n: number }>();
let wall = 0;
const R = 3;
for (let r = 0; r < R; r++) {
  const t0 = performance.now();
  const info = await tf.profile(() => step(r));
  wall += performance.now() - t0;
  for (const k of info.kernels) {
    const ms = Number(await k.kernelTimeMs) || 0;
    const shape = k.inputShapes.map((s) => `[${s}]`).join('');
    const key = process.env.BY_SHAPE ? `${k.name} ${shape}` : k.name;
    const a = agg.get(key) ?? { ms: 0, n: 0 };
    a.ms += ms;
    a.n++;
    agg.set(key, a);
  }
}
const rows = [...agg.entries()].sort((a, b) => b[1].ms - a[1].ms);
const kern = rows.reduce((s, [, a]) => s + a.ms, 0) / R;
console.log(
  `profiled step ${(wall / R).toFixed(1)} ms; kernels ${kern.toFixed(1)} ms; rest (JS kernels, tape, uploads) ${(wall / R - kern).toFixed(1)} ms`,
);
for (const [k, a] of rows.slice(0, Number(process.env.TOP ?? 30)))
  console.log(`${(a.ms / R).toFixed(2).padStart(8)} ms  ${String(a.n / R).padStart(4)}x  ${k}`);
