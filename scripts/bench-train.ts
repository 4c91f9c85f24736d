/**
 * Training benchmark (Node): MLP training time per trading day, forward + backward + Adam update (and the batch
 * upload and loss read-back the loop does every step), 16 dates per step, 400 stocks, 35 factors, hidden 64
 * (2 encoder layers), 6 horizons, on the cpu and wasm backends. Also: inference per day, and the Linear
 * closed-form fit on 500 dates. `npm run bench -- train` or `npx tsx scripts/bench-train.ts`.
 */
import { tf } from '../src/train/tf';
import { useBackend, type BackendName } from '../src/train/backend';
import { benchTrainStep, MLP_BENCH } from '../src/bench/train-bench';
import { getModel } from '../src/models/registry';
import { plantedPanel } from '../src/train/fixtures';
import { fitData, prepareData } from '../src/train/data';

export interface Figure {
  name: string;
  runtime: string;
  backend: string;
  value: number;
  unit: string;
}

const N = 400,
  F = 35;
const horizons = [1, 3, 5, 10, 15, 20];

/** Linear closed-form pooled OLS on 500 dates x 400 stocks x 35 factors x 6 horizons (JS float64, backend-independent) */
async function benchLinear(): Promise<Figure[]> {
  const T = 500;
  const d = prepareData(plantedPanel({ T, N, F, horizons, seed: 2, noise: 1, missing: 0.05 }));
  const m = getModel('linear').build({ F, horizons, seed: 1, config: {} });
  const t0 = performance.now();
  m.fit!(
    fitData(
      d,
      Array.from({ length: T }, (_, t) => t),
    ),
  );
  const ms = performance.now() - t0;
  m.dispose();
  return [
    {
      name: `Linear OLS fit, ${T} dates x ${N} stocks x ${F} factors x ${horizons.length} horizons`,
      runtime: 'node',
      backend: 'js',
      value: ms,
      unit: 'ms',
    },
  ];
}

/** All training figures for `npm run bench` (cpu, wasm). */
export async function benchTrainNode(): Promise<Figure[]> {
  const prev = tf.getBackend();
  const out: Figure[] = [];
  out.push(...(await benchTrainStep('wasm', MLP_BENCH, 'node')));
  out.push(...(await benchTrainStep('cpu', { ...MLP_BENCH, steps: 4 }, 'node')));
  out.push(...(await benchLinear()));
  if (prev) await useBackend(prev as BackendName);
  return out;
}

if (process.argv[1] && /bench-train\.ts$/.test(process.argv[1])) {
  for (const f of await benchTrainNode())
    console.log(`${f.runtime} ${f.backend.padEnd(5)} ${f.name.padEnd(80)} ${f.value.toFixed(3).padStart(10)} ${f.unit}`);
}
