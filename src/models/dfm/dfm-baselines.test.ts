import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultPreprocessing } from '../../core/run';
import { syntheticPanel } from '../../data/synthetic';
import { ic } from '../../eval/metrics';
import { dfmSpec } from './dfm';
import { rfSpec } from './rf';
import { fitOlsIntercept, ridgeSpec } from './ridge';
import SVM from 'libsvm-js/asm.js';
import { makeRng } from '../../core/rng';
import { rbfDecision, rbfFromLibsvm, svrSpec } from './svr';
import { trainingRows } from './tabular';
import type { FitData, ModelSpec } from '../types';

beforeAll(async () => {
  tf.enableProdMode();
  await tf.setBackend('cpu');
});

describe('Deep Factor Model', () => {
  it('Model 1 / Model 2 widths, one output copied to every head, masked stocks 0, loss only on its horizon', () => {
    const m1 = dfmSpec.build({ F: 6, horizons: [5, 20], seed: 1, config: {} });
    const m2 = dfmSpec.build({ F: 6, horizons: [5, 20], seed: 1, config: { arch: 'model2' } });
    // kernels: 6x80, 80x50, 50x10, 10x1 (+ biases) = 480+80 + 4000+50 + 500+10 + 10+1 = 5131 parameters
    expect(m1.variables().reduce((s, v) => s + v.size, 0)).toBe(5131);
    // 6x80, 80x80, 80x50, 50x10, 10x10, 10x1: 560 + 6480 + 4050 + 510 + 110 + 11 = 11721
    expect(m2.variables().reduce((s, v) => s + v.size, 0)).toBe(11721);
    const x = tf.randomNormal([2, 5, 6], 0, 1, 'float32', 3) as tf.Tensor3D;
    const mask = tf.tensor2d([
      [1, 1, 0, 1, 1],
      [1, 0, 1, 1, 1],
    ]);
    const s = m1.forward(x, { mask }).arraySync();
    for (let b = 0; b < 2; b++) for (let n = 0; n < 5; n++) expect(s[b][n][0]).toBe(s[b][n][1]);
    expect(s[0][2]).toEqual([0, 0]);
    // loss: MSE on the 20-day head only; changing the 5-day label changes nothing
    const sc = tf.tensor3d([
        [
          [0, 0.1],
          [0, -0.2],
        ],
      ]),
      lm = tf.ones([1, 2, 2]) as tf.Tensor3D;
    const l1 = m1.loss(sc, {
      y: tf.tensor3d([
        [
          [5, 0.3],
          [9, 0.2],
        ],
      ]),
      mask: lm,
    });
    const l2 = m1.loss(sc, {
      y: tf.tensor3d([
        [
          [-1, 0.3],
          [0, 0.2],
        ],
      ]),
      mask: lm,
    });
    // ((0.1 - 0.3)^2 + (-0.2 - 0.2)^2) / 2 = (0.04 + 0.16) / 2 = 0.1
    expect(l1.total.dataSync()[0]).toBeCloseTo(0.1, 6);
    expect(l2.total.dataSync()[0]).toBeCloseTo(0.1, 6);
    expect(Object.keys(l1.terms)).toEqual(['mse_h20']);
    expect(() => dfmSpec.build({ F: 6, horizons: [1, 5], seed: 1, config: {} })).toThrow(
      /label horizon 20 is not one of the panel's horizons \[1, 5\]/,
    );
    m1.dispose();
    m2.dispose();
  });
});

describe("pooled OLS with intercept (the paper's Linear Model)", () => {
  it('recovers slope and intercept exactly on noise-free rows; ridge satisfies its normal equations', () => {
    // y = 0.02 + 0.5 x0 - 0.3 x1 on 7 rows
    const X = [
      [1, 0],
      [0, 1],
      [2, 1],
      [-1, 3],
      [0.5, -2],
      [4, 0],
      [-3, -1],
    ];
    const y = X.map(([a, b]) => 0.02 + 0.5 * a - 0.3 * b);
    const { w, b } = fitOlsIntercept(X, y, 0);
    expect(w[0]).toBeCloseTo(0.5, 12);
    expect(w[1]).toBeCloseTo(-0.3, 12);
    expect(b).toBeCloseTo(0.02, 12);
    // ridge: Xc'(yc - Xc w) = lambda * n * w with rows centred
    const lambda = 0.05,
      n = X.length;
    const r = fitOlsIntercept(X, y, lambda);
    const mx = [0, 1].map((f) => X.reduce((s, row) => s + row[f], 0) / n),
      my = y.reduce((s, v) => s + v, 0) / n;
    for (let f = 0; f < 2; f++) {
      let g = 0;
      for (let i = 0; i < n; i++) g += (X[i][f] - mx[f]) * (y[i] - my - (X[i][0] - mx[0]) * r.w[0] - (X[i][1] - mx[1]) * r.w[1]);
      expect(g).toBeCloseTo(lambda * n * r.w[f], 10);
    }
    expect(r.b).toBeCloseTo(my - mx[0] * r.w[0] - mx[1] * r.w[1], 12);
  });
});

describe('SVR decision function in JS', () => {
  it("equals libsvm's own predictions (1e-9) on rows it was not trained on, zeros included", () => {
    const rng = makeRng(8);
    const F = 5;
    const row = () => Array.from({ length: F }, (_, f) => (f === 2 && rng.uniform() < 0.3 ? 0 : rng.normal()));
    const X = Array.from({ length: 120 }, row),
      y = X.map((x) => 0.05 * x[0] - 0.02 * x[1] * x[3] + 0.03 * rng.normal());
    const svm = new SVM({ type: SVM.SVM_TYPES.EPSILON_SVR, kernel: SVM.KERNEL_TYPES.RBF, cost: 1, epsilon: 0.01, gamma: 0.2, quiet: true });
    svm.train(X, y);
    const m = rbfFromLibsvm(svm.serializeModel(), X, svm.getSVIndices(), X[0], svm.predictOne(X[0]));
    expect(m.coef.length).toBe(svm.getSVIndices().length);
    expect(m.gamma).toBe(0.2);
    for (const x of Array.from({ length: 40 }, row)) expect(Math.abs(rbfDecision(m, x) - svm.predictOne(x))).toBeLessThan(1e-9);
    svm.free();
  });
});

describe('RF / SVR / pooled OLS baselines on a planted linear signal (src/data/synthetic.ts)', () => {
  // linear signal only (no interaction / industry-relative parts), strong enough to be found from a few hundred rows
  const { panel } = syntheticPanel(
    { seed: 3, nStocks: 80, nDays: 300, nFactors: 6, interaction: 0, industryRelative: 0, alpha: 0.01 },
    { ...defaultPreprocessing, minHistory: 20 },
  );
  const T = panel.dates.length,
    N = panel.tickers.length,
    F = panel.factorNames.length,
    H = panel.horizons.length;
  const h = panel.horizons.indexOf(5);
  // raw 5-day label as the target (what the runner prepares for target 'raw'); mask = panel.valid
  const target = new Float32Array(T * N * H),
    targetMask = new Uint8Array(T * N * H);
  for (let t = 0; t < T; t++)
    for (let n = 0; n < N; n++)
      for (let k = 0; k < H; k++) {
        const r = panel.fwd[(k * T + t) * N + n];
        if (panel.valid[t * N + n] && Number.isFinite(r)) {
          target[(t * N + n) * H + k] = r;
          targetMask[(t * N + n) * H + k] = 1;
        }
      }
  // training: every 5th date of the first 200 (non-overlapping 5-day labels end before date 205); test: dates 220..299
  const trainDates = Int32Array.from({ length: 40 }, (_, i) => 20 + 4 * i);
  const data: FitData = {
    T,
    N,
    F,
    H,
    horizons: panel.horizons,
    x: panel.x,
    mask: panel.valid,
    target,
    targetMask,
    fwd: panel.fwd,
    dates: trainDates,
  };

  it('trainingRows: seeded, sorted sample without replacement of exactly maxRows labelled rows', () => {
    const all = trainingRows(data, h, 0, 1);
    const a = trainingRows(data, h, 300, 1),
      b = trainingRows(data, h, 300, 1),
      c = trainingRows(data, h, 300, 2);
    expect(a.X.length).toBe(300);
    expect(a.total).toBe(all.X.length);
    expect(all.X.length).toBeGreaterThan(2000);
    expect(a.y).toEqual(b.y);
    expect(a.y).not.toEqual(c.y);
    const inAll = new Set(all.y);
    expect(a.y.every((v) => inAll.has(v))).toBe(true);
  });

  const cases: [string, ModelSpec, Record<string, number | string | boolean>][] = [
    ['random forest', rfSpec, { horizon: 5, maxRows: 400, trees: 8 }],
    ['SVR', svrSpec, { horizon: 5, maxRows: 800 }],
    ['pooled OLS', ridgeSpec, { horizon: 5 }],
  ];
  for (const [label, spec, config] of cases) {
    it(`${label}: finite predictions and a positive mean IC out of sample`, () => {
      const m = spec.build({ F, horizons: panel.horizons, seed: 5, config });
      expect(m.trainable).toBe(false);
      m.fit!(data);
      const ics: number[] = [];
      for (let t = 220; t < 300; t += 5) {
        const x = tf.tensor3d(panel.x.subarray(t * N * F, (t + 1) * N * F), [1, N, F]);
        const mask = tf.tensor2d(Float32Array.from(panel.valid.subarray(t * N, (t + 1) * N)), [1, N]);
        const s = m.forward(x, { mask });
        const v = s.dataSync(); // [1, N, H]: every head carries the same prediction
        const pred = Float64Array.from({ length: N }, (_, n) => (panel.valid[t * N + n] ? v[n * H + h] : NaN));
        for (let n = 0; n < N; n++)
          if (panel.valid[t * N + n]) {
            expect(Number.isFinite(v[n * H + h])).toBe(true);
            expect(v[n * H]).toBe(v[n * H + h]);
          }
        ics.push(ic(pred, panel.fwd.subarray((h * T + t) * N, (h * T + t + 1) * N)));
        tf.dispose([x, mask, s]);
      }
      const mean = ics.filter(Number.isFinite).reduce((a, b) => a + b, 0) / ics.length;
      expect(mean).toBeGreaterThan(0.2);
      m.dispose();
    });
  }
});
