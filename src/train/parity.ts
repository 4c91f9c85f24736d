/**
 * One seeded training step, for backend parity: the same tiny planted panel, the same seeded MLP, one Adam
 * step (epsilon 1e-7) on a fixed batch of dates. Node compares cpu and wasm; the browser suite calls the same
 * function on webgl / webgpu (through window.__lab) and compares with the cpu numbers.
 */
import { mlpSpec } from '../models/baselines/mlp';
import type { NamedWeight } from '../models/types';
import { useBackend, type BackendName } from './backend';
import { disposeBatch, makeBatch, prepareData } from './data';
import { plantedPanel } from './fixtures';
import { tf } from './tf';

export interface SeededStepResult {
  backend: string;
  /** loss before the update */
  loss: number;
  /** loss on the same batch after the update */
  lossAfter: number;
  weights: NamedWeight[];
}

/** Run one seeded MLP training step on `backend` and return the loss and the updated weights. */
export async function oneSeededStep(backend: BackendName, seed = 7): Promise<SeededStepResult> {
  await useBackend(backend);
  const panel = plantedPanel({ T: 8, N: 24, F: 5, horizons: [1, 5], seed, noise: 0.5, missing: 0.1 });
  const d = prepareData(panel);
  const model = mlpSpec.build({ F: d.F, horizons: d.horizons, seed, config: { hidden: 8, layers: 2 } });
  const opt = tf.train.adam(0.01, 0.9, 0.999, 1e-7);
  const batch = makeBatch(d, [0, 2, 3, 5]);
  const lossOf = () => {
    const s = model.forward(batch.x, { mask: batch.mask, training: true });
    return model.loss(s, { y: batch.y, mask: batch.ymask }).total;
  };
  try {
    const cost = opt.minimize(lossOf, true, model.variables()) as tf.Scalar;
    const loss = (await cost.data())[0];
    cost.dispose();
    const after = tf.tidy(lossOf);
    const lossAfter = (await after.data())[0];
    after.dispose();
    return { backend: tf.getBackend(), loss, lossAfter, weights: await model.getWeights() };
  } finally {
    disposeBatch(batch);
    opt.dispose();
    model.dispose();
  }
}
