/**
 * WebGPU harness: DMFM and MLP training time per trading day (the bench shapes of src/bench/train-bench.ts: 16 dates
 * x 400 stocks, hidden 64) on tfjs's webgpu backend in Node, through the `webgpu` npm package (Dawn: Vulkan on Linux),
 * next to wasm (and cpu with --cpu) on the same machine. Built into one file by build.sh; see README.md.
 *   node harness.mjs [--backends webgpu,wasm] [--steps 10] [--out figures.json]
 * tfjs-backend-webgpu is imported after navigator.gpu exists (it registers itself only then).
 * Every figure carries the adapter description, the core count and the load average. A fallback (software) adapter
 * is reported as such and never counted as a GPU.
 */
import { cpus, loadavg } from 'node:os';
import { writeFileSync } from 'node:fs';
import { tf } from '../../src/train/tf';
import { checkWebGpu, registeredBackends, type BackendName } from '../../src/train/backend';
import { benchTrainStep, DMFM_BENCH, MLP_BENCH, type TrainFigure } from '../../src/bench/train-bench';
import { oneSeededStep } from '../../src/train/parity';

const arg = (k: string, d: string) => {
  const i = process.argv.indexOf(`--${k}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : d;
};
const want = arg('backends', 'webgpu,wasm').split(',') as BackendName[];
const steps = Number(arg('steps', '0'));
const out = arg('out', '');

/** navigator.gpu from the `webgpu` package (Dawn); null (with the reason) when it is missing or finds no adapter */
async function installWebGpu(): Promise<string | null> {
  let mod: { create: (flags: string[]) => unknown; globals: Record<string, unknown> };
  try {
    // the package name is in a variable so that bundlers leave the native addon to Node's resolver
    const name = 'webgpu';
    mod = (await import(name)) as typeof mod;
  } catch (e) {
    return `the 'webgpu' package is not installed next to harness.mjs (${(e as Error).message.split('\n')[0]})`;
  }
  Object.assign(globalThis, mod.globals); // GPUBufferUsage, GPUMapMode, ... (tfjs-backend-webgpu reads them)
  const flags = (process.env.DAWN_FLAGS ?? '').split(',').filter(Boolean);
  const gpu = mod.create(flags);
  const nav = (globalThis as { navigator?: object }).navigator;
  if (nav) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
  else (globalThis as { navigator?: object }).navigator = { gpu };
  return null;
}

const figures: (TrainFigure & { adapter?: string; cores: number; load1: number; date: string })[] = [];
const stamp = () => ({ cores: cpus().length, load1: Math.round(loadavg()[0] * 100) / 100, date: new Date().toISOString() });

let adapter = '';
if (want.includes('webgpu')) {
  const why = await installWebGpu();
  if (why) console.error(`[webgpu] ${why}`);
  else {
    // tfjs-backend-webgpu registers itself only if navigator.gpu exists when it is imported: so import it now
    await import('@tensorflow/tfjs-backend-webgpu');
    const g = await checkWebGpu();
    adapter = g.info;
    console.error(`[webgpu] adapter: ${g.info}${g.ok ? '' : ' (not a GPU: webgpu figures are labelled as a fallback)'}`);
  }
}
/**
 * Correctness before speed: one seeded MLP training step (src/train/parity.ts, the browser parity spec's step) on each
 * backend against cpu; loss, loss after the Adam update and every weight within 1e-5 (the spec's tolerance). A
 * backend that disagrees is reported and its figures are not trusted (exit code 1).
 */
const ref = await oneSeededStep('cpu');
for (const b of want) {
  if (b === 'cpu' || !registeredBackends().includes(b) || (b === 'webgpu' && !adapter)) continue;
  try {
    const r = await oneSeededStep(b);
    let maxDiff = Math.max(Math.abs(r.loss - ref.loss), Math.abs(r.lossAfter - ref.lossAfter));
    for (const w of r.weights) {
      const rw = ref.weights.find((x) => x.name === w.name);
      if (!rw) throw new Error(`weight ${w.name} missing on cpu`);
      for (let i = 0; i < w.values.length; i++) maxDiff = Math.max(maxDiff, Math.abs(w.values[i] - rw.values[i]));
    }
    const ok = maxDiff < 1e-5;
    console.error(`[parity] ${b} vs cpu, one seeded step: max |difference| ${maxDiff.toExponential(2)} ${ok ? 'ok' : 'FAILED (> 1e-5)'}`);
    figures.push({
      name: `parity: seeded step max |difference| vs cpu`,
      runtime: 'node',
      backend: b,
      value: maxDiff,
      unit: '',
      ...(b === 'webgpu' ? { adapter } : {}),
      ...stamp(),
    });
    if (!ok) process.exitCode = 1;
  } catch (e) {
    console.error(`[parity] ${b} failed:`, (e as Error).message);
    process.exitCode = 1;
  }
}
for (const b of want) {
  if (!registeredBackends().includes(b)) {
    console.error(`[harness] backend ${b} is not registered here; skipped`);
    continue;
  }
  if (b === 'webgpu' && !adapter) continue;
  for (const base of [MLP_BENCH, DMFM_BENCH]) {
    try {
      const shape = steps > 0 ? { ...base, steps } : base;
      const figs = await benchTrainStep(b, shape, 'node');
      for (const f of figs) {
        if (b === 'webgpu') f.name += ` [${adapter}]`;
        figures.push({ ...f, ...(b === 'webgpu' ? { adapter } : {}), ...stamp() });
        console.log(`${b.padEnd(7)} ${f.name.padEnd(96)} ${f.value.toFixed(3).padStart(10)} ${f.unit}`);
      }
    } catch (e) {
      console.error(`[harness] ${base.model} on ${b} failed:`, (e as Error).message);
      process.exitCode = 1;
    }
  }
}
if (out) writeFileSync(out, JSON.stringify(figures, null, 2) + '\n');
tf.disposeVariables();
