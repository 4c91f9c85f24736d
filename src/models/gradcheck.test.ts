/**
 * Gradient checks: tf.grad of each model's loss against central finite differences. tfjs has no float64,
 * so in float32 we check directional derivatives: for random directions v over all parameters,
 *   (L(theta + eps v) - L(theta - eps v)) / (2 eps)  vs  <grad L(theta), v>,
 * with eps = 1e-3 (truncation O(eps^2), rounding ~1e-7 * |L| / eps) and a 0.5% relative tolerance (measured agreement ~1e-4).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { makeRng } from '../core/rng';
import { linearSpec } from './baselines/linear';
import { mlpSpec } from './baselines/mlp';
import { maskedMse, negIc } from './losses';
import type { LossTarget, Model } from './types';
import { directionalCheck } from './gradcheck-util';

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.enableProdMode();
});

const B = 2,
  N = 7,
  F = 3,
  horizons = [1, 5];
const H = horizons.length;

function batch(seed: number) {
  const r = makeRng(seed);
  const x = tf.tensor3d(
    Array.from({ length: B * N * F }, () => r.normal()),
    [B, N, F],
  );
  const maskArr = Array.from({ length: B * N }, (_, i) => (i % 5 === 3 ? 0 : 1)); // one padded stock per date
  const mask = tf.tensor2d(maskArr, [B, N]);
  const ymArr = Array.from({ length: B * N * H }, (_, i) => maskArr[Math.floor(i / H)] * (i % 11 === 7 ? 0 : 1)); // a missing label
  const y = tf.tensor3d(
    Array.from({ length: B * N * H }, () => r.normal()),
    [B, N, H],
  );
  const ymask = tf.tensor3d(ymArr, [B, N, H]);
  return { x, mask, target: { y, mask: ymask } as LossTarget };
}

function checkModel(m: Model, lossSeed: number) {
  const b = batch(lossSeed);
  const lossFn = () => m.loss(m.forward(b.x, { mask: b.mask, training: true }), b.target).total;
  const errs = directionalCheck(m.variables(), lossFn, lossSeed + 1);
  tf.dispose([b.x, b.mask, b.target.y, b.target.mask]);
  return errs;
}

describe('gradient checks (directional, float32)', () => {
  it('Linear (gd solver): masked MSE', () => {
    const m = linearSpec.build({ F, horizons, seed: 3, config: { solver: 'gd' } });
    expect(m.trainable).toBe(true);
    for (const e of checkModel(m, 10)) expect(e).toBeLessThan(5e-3);
    m.dispose();
  });
  it('MLP with MSE loss (2 layers, LeakyReLU, cross-sectional norm)', () => {
    const m = mlpSpec.build({ F, horizons, seed: 4, config: { hidden: 5, layers: 2, loss: 'mse' } });
    for (const e of checkModel(m, 20)) expect(e).toBeLessThan(5e-3);
    m.dispose();
  });
  it('MLP on the wasm backend (explicit-transpose matMul gradient, common.ts matMul2d)', async () => {
    await tf.setBackend('wasm');
    try {
      const m = mlpSpec.build({ F, horizons, seed: 4, config: { hidden: 5, layers: 2, loss: 'mse' } });
      for (const e of checkModel(m, 20)) expect(e).toBeLessThan(5e-3);
      m.dispose();
    } finally {
      await tf.setBackend('cpu');
    }
  });
  it('MLP with negative-IC loss', () => {
    const m = mlpSpec.build({ F, horizons, seed: 5, config: { hidden: 5, layers: 1, loss: 'ic' } });
    for (const e of checkModel(m, 30)) expect(e).toBeLessThan(5e-3);
    m.dispose();
  });
  it('losses w.r.t. the scores themselves (MSE and negative IC)', () => {
    const b = batch(40);
    const s = tf.variable(tf.randomNormal([B, N, H], 0, 1, 'float32', 41));
    for (const fn of [maskedMse, negIc]) {
      for (const e of directionalCheck([s], () => fn(s as unknown as tf.Tensor3D, b.target, horizons).total, 42))
        expect(e).toBeLessThan(5e-3);
    }
    tf.dispose([b.x, b.mask, b.target.y, b.target.mask, s]);
  });
});

describe('loss values (worked)', () => {
  it('masked MSE and negative IC on one date, 3 stocks', () => {
    // s = [1, 2, 3], y = [1, 3, 2], all labelled, H = 1
    // MSE = ((0)^2 + (-1)^2 + (1)^2) / 3 = 2/3
    // IC: sc = [-1, 0, 1], yc = [-1, 1, 0]; cov = 1, |sc|^2 = 2, |yc|^2 = 2 -> IC = 0.5, loss = -0.5
    const s = tf.tensor3d([1, 2, 3], [1, 3, 1]);
    const t = { y: tf.tensor3d([1, 3, 2], [1, 3, 1]), mask: tf.ones([1, 3, 1]) as tf.Tensor3D };
    const mse = maskedMse(s, t, [5]);
    expect(mse.total.dataSync()[0]).toBeCloseTo(2 / 3, 6);
    expect(Object.keys(mse.terms)).toEqual(['mse_h5']);
    const ic = negIc(s, t, [5]);
    expect(ic.terms.negic_h5.dataSync()[0]).toBeCloseTo(-0.5, 5);
    // masking the third stock: s = [1, 2], y = [1, 3] -> MSE = (0 + 1) / 2 = 0.5, IC = 1
    const t2 = { y: t.y, mask: tf.tensor3d([1, 1, 0], [1, 3, 1]) };
    expect(maskedMse(s, t2, [5]).total.dataSync()[0]).toBeCloseTo(0.5, 6);
    expect(negIc(s, t2, [5]).total.dataSync()[0]).toBeCloseTo(-1, 4);
  });
});
