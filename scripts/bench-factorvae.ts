/**
 * FactorVAE training benchmark (Node): time per trading day of one optimiser step (window gather and upload, forward,
 * backward, Adam update, loss read-back, as the shared loop does them) at issue 12's size: 400 stocks, T = 20 days,
 * the full factor set (44), H 64, K 32, M 128, with one date per step (the paper's) and 16 dates per step, on the wasm
 * and cpu backends. The GRU baseline (model id 'gru', when registered) at the same size next to it.
 * Anchor (issue 12): a PyTorch 1.13 CPU step of the same model, one thread, one date per step: 23-36 ms per date
 * depending on the machine's load (about 25 ms when quiet). Wall time inflates with other processes on the shared
 * 2-core machine, so the process CPU time per day is reported next to it.
 *   npm run bench -- factorvae      or      npx tsx scripts/bench-factorvae.ts [--quick]
 */
import { tf } from '../src/train/tf';
import { useBackend, type BackendName } from '../src/train/backend';
import { models, getModel } from '../src/models/registry';
import { plantedPanel } from '../src/train/fixtures';
import { prepareData } from '../src/train/data';
import { predict, trainModel, trainOptionsFrom } from '../src/train/loop';
import type { Figure } from './bench-dmfm';
import { setWasmKernels } from '../src/models/kernels/tfjs-wasm';
import { setGruFused } from '../src/models/layers/gru-fused';

// A/B switches: LAB_KERNELS=off runs the tfjs path instead of the lab's wasm kernels (and so the op-based GRU);
// LAB_GRU_FUSED=off keeps the kernels but runs the op-based GRU (src/models/layers/gru-fused.ts)
if (process.env.LAB_KERNELS === 'off') setWasmKernels(false);
if (process.env.LAB_GRU_FUSED === 'off') setGruFused(false);

const N = 400,
  F = 44,
  L = 20;
const horizons = [1, 5, 20];

/** ms per trading day of training (and inference) of `model` on `backend` with B dates per step, over `steps` steps */
async function benchSeq(
  model: string,
  backend: BackendName,
  B: number,
  steps: number,
  cfg: Record<string, number | string>,
): Promise<Figure[]> {
  await useBackend(backend);
  const T = L + B * steps;
  const d = prepareData(plantedPanel({ T, N, F, horizons, seed: 1, noise: 0.02, missing: 0.002, nIndustries: 11 }), {
    lookback: L,
    target: cfg.target === 'raw' ? 'raw' : 'zscore',
  });
  const config = { ...cfg, lookback: L, epochs: 1, batchDates: B };
  const dates = Array.from({ length: T - L }, (_, t) => t + L);
  const warm = getModel(model).build({ F, horizons, seed: 1, config });
  await trainModel(warm, d, { train: dates.slice(0, Math.min(dates.length, 2 * B)), valid: [] }, trainOptionsFrom(config, 1, 0));
  warm.dispose();
  const m = getModel(model).build({ F, horizons, seed: 1, config });
  const c0 = process.cpuUsage();
  const h = await trainModel(m, d, { train: dates, valid: [] }, trainOptionsFrom(config, 1, 0));
  const c1 = process.cpuUsage(c0);
  const days = h.steps * B;
  const cpuMsPerDay = (c1.user + c1.system) / 1000 / days;
  const t0 = performance.now();
  await predict(m, d, dates, 16);
  const inferMs = (performance.now() - t0) / dates.length;
  m.dispose();
  const extra = model === 'factorvae' ? ` K=${cfg.factors} M=${cfg.portfolios}` : '';
  const tag = `${model === 'factorvae' ? 'FactorVAE' : model.toUpperCase()} N=${N} T=${L} F=${F} H=${cfg.hidden}${extra} B=${B}`;
  return [
    { name: `train per trading day (${tag})`, runtime: 'node', backend, value: h.stepMs / B, unit: 'ms/day' },
    { name: `train per trading day, process CPU time (${tag})`, runtime: 'node', backend, value: cpuMsPerDay, unit: 'cpu-ms/day' },
    { name: `inference per trading day (${tag})`, runtime: 'node', backend, value: inferMs, unit: 'ms/day' },
  ];
}

/** FactorVAE (and GRU baseline) figures for `npm run bench`: wasm and cpu, 1 and 16 dates per step */
export async function benchFactorVaeNode(quick = false): Promise<Figure[]> {
  const prev = tf.getBackend();
  const out: Figure[] = [];
  const fvae = { hidden: 64, factors: 32, portfolios: 128 };
  out.push(...(await benchSeq('factorvae', 'wasm', 1, quick ? 8 : 32, fvae)));
  out.push(...(await benchSeq('factorvae', 'wasm', 16, quick ? 1 : 3, fvae)));
  if (!quick) out.push(...(await benchSeq('factorvae', 'cpu', 1, 8, fvae)));
  if (models.some((s) => s.id === 'gru')) {
    out.push(...(await benchSeq('gru', 'wasm', 1, quick ? 8 : 32, { hidden: 64 })));
    out.push(...(await benchSeq('gru', 'wasm', 16, quick ? 1 : 3, { hidden: 64 })));
  }
  if (prev) await useBackend(prev as BackendName);
  return out;
}

if (process.argv[1] && /bench-factorvae\.ts$/.test(process.argv[1])) {
  for (const f of await benchFactorVaeNode(process.argv.includes('--quick')))
    console.log(`${f.runtime} ${f.backend.padEnd(5)} ${f.name.padEnd(90)} ${f.value.toFixed(3).padStart(10)} ${f.unit}`);
}
