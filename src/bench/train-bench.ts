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
