/**
 * Record the progress messages of a real training run (timestamps included) as a fixture for the ETA estimator test
 * (src/state/eta.test.ts): the UI progress the worker adapter would send (src/state/lab-api-worker.ts toProgress), with
 * the wall-clock ms since Train. Not a benchmark: the fixture is the shape of one run on this machine.
 *   npx tsx scripts/record-progress.ts <out.json> [groups] [epochs] [patience]
 */
import { writeFileSync } from 'node:fs';
import { defaultRun, type RunConfig } from '../src/core/run';
import { selectBackend } from '../src/train/backend';
import { loadPanel } from '../src/train/dataset';
import { nodeDataIO } from '../src/train/node-io';
import { runOnPanel } from '../src/train/runner';
import { toProgress } from '../src/state/lab-api-worker';
import type { TrainProgress } from '../src/state/lab-api';

const [out, groups = '3', epochs = '12', patience = '3'] = process.argv.slice(2);
const run: RunConfig = {
  ...defaultRun,
  dataset: { kind: 'synthetic', name: 'synthetic', synthetic: { seed: 42, nStocks: 120, nDays: 760, nFactors: 12 } },
  universe: 'all',
  preprocessing: { madK: 5, normalize: 'zscore', missing: 'fill', industryNeutral: false, minHistory: 20 },
  split: { kind: 'walkforward', groups: Number(groups), gap: 21 },
  model: 'mlp',
  config: { hidden: 32, layers: 2, epochs: Number(epochs), batchDates: 16, lr: 0.002, patience: Number(patience) },
  seed: 42,
};
const t0 = performance.now();
const loaded = await loadPanel(nodeDataIO(), run.dataset, run.preprocessing);
const choice = await selectBackend({ forced: 'cpu', candidates: ['cpu'] });
const rec: TrainProgress[] = [];
const start = performance.now();
await runOnPanel(loaded.panel, run, {
  backend: choice,
  onProgress: (p) => {
    const u = toProgress(p, run, performance.now() - start, 'cpu');
    rec.push({ ...u, elapsedMs: Math.round(u.elapsedMs) });
  },
});
const total = Math.round(performance.now() - start);
writeFileSync(out, JSON.stringify({ run: { split: run.split, config: run.config }, totalMs: total, progress: rec }) + '\n');
console.error(`recorded ${rec.length} messages, ${total} ms (panel ${Math.round(start - t0)} ms)`);
