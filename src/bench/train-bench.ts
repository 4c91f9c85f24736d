/**
 * Runtime-agnostic training benchmark: the same code times a model's training step in Node (scripts/bench-train.ts)
 * and in headless Chromium (bench.html -> src/bench/browser-bench.ts). Not used by any test: timings live in
 * `npm run bench` only.
 */
import { getModel } from '../models/registry';
import { plantedPanel } from '../train/fixtures';
import { prepareData } from '../train/data';
import { predict, trainModel, trainOptionsFrom } from '../train/loop';
import { useBackend, type BackendName } from '../train/backend';

export interface TrainFigure {
  name: string;
  runtime: string;
  backend: string;
  value: number;
  unit: string;
}

export interface TrainBenchShape {
  model: string;
  B: number;
  N: number;
  F: number;
  hidden: number;
  horizons: number[];
  steps: number;
  nIndustries?: number;
  config?: Record<string, number | string | boolean>;
}

export const MLP_BENCH: TrainBenchShape = {
  model: 'mlp',
  B: 16,
  N: 400,
  F: 35,
  hidden: 64,
  horizons: [1, 3, 5, 10, 15, 20],
  steps: 12,
  config: { layers: 2 },
};
/** issue 5's DMFM benchmark shape: 16 dates per step, 400 stocks, 44 factors, hidden 64, 5 horizons, 11 industries */
export const DMFM_BENCH: TrainBenchShape = {
  model: 'dmfm',
  B: 16,
  N: 400,
  F: 44,
  hidden: 64,
  horizons: [3, 5, 10, 15, 20],
  steps: 10,
  nIndustries: 11,
  config: { layers: 2 },
};

/** ms per trading day of training (forward + backward + Adam update, batch upload and loss read-back) and inference */
export async function benchTrainStep(backend: BackendName, s: TrainBenchShape, runtime: string): Promise<TrainFigure[]> {
  await useBackend(backend);
  const { B, N, F } = s;
  const T = B * s.steps;
  const d = prepareData(plantedPanel({ T, N, F, horizons: s.horizons, seed: 1, noise: 1, missing: 0.05, nIndustries: s.nIndustries }));
  const cfg = { hidden: s.hidden, epochs: 1, batchDates: B, ...(s.config ?? {}) };
  const dates = Array.from({ length: T }, (_, t) => t);
  const spec = getModel(s.model);
  // warm-up: shader compilation / kernel caches are not part of a step's cost
  const warm = spec.build({ F, horizons: s.horizons, seed: 1, config: cfg });
  await trainModel(warm, d, { train: dates.slice(0, 2 * B), valid: [] }, trainOptionsFrom(cfg, 1, 0));
  warm.dispose();
  const m = spec.build({ F, horizons: s.horizons, seed: 1, config: cfg });
  const h = await trainModel(m, d, { train: dates, valid: [] }, trainOptionsFrom(cfg, 1, 0));
  const t0 = performance.now();
  await predict(m, d, dates, B);
  const inferMs = (performance.now() - t0) / T;
  m.dispose();
  const tag = `${spec.name} F=${F} hidden=${s.hidden} N=${N} B=${B} H=${s.horizons.length}`;
  return [
    { name: `train per trading day (${tag})`, runtime, backend, value: h.stepMs / B, unit: 'ms/day' },
    { name: `inference per trading day (${tag})`, runtime, backend, value: inferMs, unit: 'ms/day' },
  ];
}

/**
 * issue 12's sequence benchmark: 400 stocks, T = 20 days, the full factor set (44), H 64 (FactorVAE: K 32, M 128),
 * `B` dates per step, `steps` steps after a warm-up of 2 steps; figure names shared by Node (scripts/bench-factorvae.ts)
 * and Chromium (bench.html). `cpuMs` (Node: the process CPU time so far) adds a CPU-time figure next to the wall time.
 */
export const SEQ_BENCH = { N: 400, F: 44, L: 20, horizons: [1, 5, 20] };
export const FACTORVAE_BENCH_CONFIG = { hidden: 64, factors: 32, portfolios: 128 };

export async function benchSeqStep(
  model: string,
  backend: BackendName,
  B: number,
  steps: number,
  cfg: Record<string, number | string>,
  runtime: string,
  cpuMs?: () => number,
): Promise<TrainFigure[]> {
  await useBackend(backend);
  const { N, F, L, horizons } = SEQ_BENCH;
  const T = L + B * steps;
  const d = prepareData(plantedPanel({ T, N, F, horizons, seed: 1, noise: 0.02, missing: 0.002, nIndustries: 11 }), {
    lookback: L,
    target: cfg.target === 'raw' ? 'raw' : 'zscore',
  });
  const config = { ...cfg, lookback: L, epochs: 1, batchDates: B };
  const dates = Array.from({ length: T - L }, (_, t) => t + L);
  const spec = getModel(model);
  const warm = spec.build({ F, horizons, seed: 1, config });
  await trainModel(warm, d, { train: dates.slice(0, Math.min(dates.length, 2 * B)), valid: [] }, trainOptionsFrom(config, 1, 0));
  warm.dispose();
  const m = spec.build({ F, horizons, seed: 1, config });
  const c0 = cpuMs?.() ?? 0;
  const h = await trainModel(m, d, { train: dates, valid: [] }, trainOptionsFrom(config, 1, 0));
  const cpuPerDay = cpuMs ? (cpuMs() - c0) / (h.steps * B) : NaN;
  const t0 = performance.now();
  await predict(m, d, dates, 16);
  const inferMs = (performance.now() - t0) / dates.length;
  m.dispose();
  const extra = model === 'factorvae' ? ` K=${cfg.factors} M=${cfg.portfolios}` : '';
  const tag = `${model === 'factorvae' ? 'FactorVAE' : model.toUpperCase()} N=${N} T=${L} F=${F} H=${cfg.hidden}${extra} B=${B}`;
  return [
    { name: `train per trading day (${tag})`, runtime, backend, value: h.stepMs / B, unit: 'ms/day' },
    ...(cpuMs
      ? [{ name: `train per trading day, process CPU time (${tag})`, runtime, backend, value: cpuPerDay, unit: 'cpu-ms/day' }]
      : []),
    { name: `inference per trading day (${tag})`, runtime, backend, value: inferMs, unit: 'ms/day' },
  ];
}
