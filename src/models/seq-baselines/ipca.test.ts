/**
 * Linear dynamic factor model (restricted IPCA): the Jacobi eigen-solver on a worked matrix, recovery of a planted
 * r = Z Gamma f + e market (the predictor Gamma lambda and the fit), ALS improving on its PCA start, the per-date
 * statistics on a worked case, the forward as z' Gamma lambda, and named errors.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { makeRng } from '../../core/rng';
import type { FitData } from '../types';
import { fitIpca, ipcaSpec, ipcaStats, symmetricEigen } from './ipca';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** T dates x N stocks x F characteristics, r = Z Gamma f_t + noise e; f_t = mu + 0.5 N(0, 1); every 7th cell padded */
function planted(T: number, N: number, noise: number) {
  const F = 5,
    K = 2;
  const gamma = [1, 0, 0.5, 0.5, 0, 1, -0.5, 0.2, 0.3, -0.8]; // [F, K]
  const mu = [0.4, -0.3];
  const r = makeRng(21);
  const x = new Float32Array(T * N * F);
  const mask = new Uint8Array(T * N);
  const target = new Float32Array(T * N);
  const fmean = [0, 0];
  for (let t = 0; t < T; t++) {
    const f = mu.map((m) => m + 0.5 * r.normal());
    fmean[0] += f[0] / T;
    fmean[1] += f[1] / T;
    for (let i = 0; i < N; i++) {
      const k = t * N + i;
      if ((t + i) % 7 === 3) continue;
      mask[k] = 1;
      let y = noise * r.normal();
      for (let a = 0; a < F; a++) {
        const z = r.normal();
        x[k * F + a] = z;
        for (let j = 0; j < K; j++) y += z * gamma[a * K + j] * f[j];
      }
      target[k] = y;
    }
  }
  const d: FitData = {
    T,
    N,
    F,
    H: 1,
    horizons: [1],
    x,
    mask,
    target,
    targetMask: mask.slice(),
    fwd: target.slice(),
    dates: Int32Array.from({ length: T }, (_, t) => t),
  };
  // the true predictor Gamma * (mean of the realised factors): the estimate's target (rotation-invariant)
  const wTrue = Array.from({ length: F }, (_, a) => gamma[a * K] * fmean[0] + gamma[a * K + 1] * fmean[1]);
  return { d, wTrue, F };
}

describe('Linear DFM (restricted IPCA)', () => {
  it('symmetric eigen-decomposition of [[2, 1, 0], [1, 2, 0], [0, 0, 5]]: values 5, 3, 1; vectors e3, (1,1)/sqrt2, (1,-1)/sqrt2', () => {
    const { values, vectors } = symmetricEigen(Float64Array.from([2, 1, 0, 1, 2, 0, 0, 0, 5]), 3);
    expect(Array.from(values).map((v) => +v.toFixed(10))).toEqual([5, 3, 1]);
    const col = (j: number) => [0, 1, 2].map((i) => vectors[i * 3 + j]);
    expect(Math.abs(col(0)[2])).toBeCloseTo(1, 10);
    expect(Math.abs(col(1)[0])).toBeCloseTo(Math.SQRT1_2, 10);
    expect(col(1)[0] * col(1)[1]).toBeGreaterThan(0);
    expect(col(2)[0] * col(2)[1]).toBeLessThan(0);
  });

  it("per-date statistics on a worked case: W = Z'Z/n, x = Z'r/n, rr = r'r/n over the labelled stocks", () => {
    // z = [[1, 2], [3, -1], [5, 5]] with stock 2 unlabelled; r = [1, 2, 9]
    // Z'Z = [[1 + 9, 2 - 3], [2 - 3, 4 + 1]] = [[10, -1], [-1, 5]], / 2;  Z'r = [1 + 6, 2 - 2] = [7, 0], / 2;  r'r = 5, / 2
    const d: FitData = {
      T: 1,
      N: 3,
      F: 2,
      H: 1,
      horizons: [1],
      x: Float32Array.from([1, 2, 3, -1, 5, 5]),
      mask: Uint8Array.from([1, 1, 1]),
      target: Float32Array.from([1, 2, 9]),
      targetMask: Uint8Array.from([1, 1, 0]),
      fwd: new Float32Array(3),
      dates: Int32Array.from([0]),
    };
    const [[s]] = ipcaStats(d);
    expect(Array.from(s.W)).toEqual([5, -0.5, -0.5, 2.5]);
    expect(Array.from(s.x)).toEqual([3.5, 0]);
    expect(s.rr).toBe(2.5);
  });

  it('recovers a planted 2-factor market: predictor Gamma lambda within 0.02 of the truth, in-sample R^2 > 0.95', () => {
    const { d, wTrue, F } = planted(120, 80, 0.1);
    const fit = fitIpca(ipcaStats(d)[0], F, 2, 100);
    fit.w.forEach((w, a) => expect(Math.abs(w - wTrue[a])).toBeLessThan(0.02));
    expect(fit.r2).toBeGreaterThan(0.95);
    expect(fit.dates).toBe(120);
    // Gamma orthonormal
    for (let k = 0; k < 2; k++)
      for (let l = 0; l < 2; l++) {
        let s = 0;
        for (let a = 0; a < F; a++) s += fit.gamma[a * 2 + k] * fit.gamma[a * 2 + l];
        expect(s).toBeCloseTo(k === l ? 1 : 0, 8);
      }
  });

  it('ALS improves on its PCA start (iterations 0) and a single factor fits worse than two', () => {
    const { d, F } = planted(60, 60, 0.3);
    const stats = ipcaStats(d)[0];
    const start = fitIpca(stats, F, 2, 0);
    const als = fitIpca(stats, F, 2, 100);
    const one = fitIpca(stats, F, 1, 100);
    expect(start.iterations).toBe(0);
    expect(als.iterations).toBeGreaterThan(0);
    expect(als.r2).toBeGreaterThan(start.r2);
    expect(als.r2).toBeGreaterThan(one.r2 + 0.05);
  });

  it("the model: fit on the training dates, forward = z' w on the cross-section (0 elsewhere), extras; K > F is a named error", async () => {
    const { d, F } = planted(40, 30, 0.2);
    const m = ipcaSpec.build({ F, horizons: [1], seed: 1, config: { factors: 2 } });
    expect(m.trainable).toBe(false);
    m.fit!(d);
    const ex = (await m.extras!()) as { ipca: { weights: { w: number }[]; r2: number }[] };
    const w = ex.ipca[0].weights.map((v) => v.w);
    const x = tf.tensor3d(d.x.subarray(0, 30 * F), [1, 30, F]);
    const mask = tf.tensor2d(d.mask.subarray(0, 30), [1, 30]);
    const s = await m.forward(x, { mask }).data();
    for (let i = 0; i < 30; i++) {
      const ref = d.mask[i] ? w.reduce((acc, wa, a) => acc + wa * d.x[i * F + a], 0) : 0;
      expect(s[i]).toBeCloseTo(ref, 5);
      if (!d.mask[i]) expect(Object.is(s[i], 0)).toBe(true);
    }
    m.dispose();
    const bad = ipcaSpec.build({ F, horizons: [1], seed: 1, config: { factors: F + 1 } });
    expect(() => bad.fit!(d)).toThrow(/factors but only/);
    bad.dispose();
  });
});
