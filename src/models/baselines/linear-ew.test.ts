import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { linearSpec, fitPooledOls } from './linear';
import { ewSpec, meanFactorIc } from './ew';
import { getModel, models, defaultConfig } from '../registry';
import type { FitData } from '../types';
import { choleskySolve } from '../linalg';

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.enableProdMode();
});

/** FitData from plain nested arrays: x[t][n][f], fwd[h][t][n] (NaN = missing), mask[t][n]. */
function fixture(x: number[][][], fwd: number[][][], mask?: number[][], horizons?: number[]): FitData {
  const T = x.length,
    N = x[0].length,
    F = x[0][0].length,
    H = fwd.length;
  const fx = new Float32Array(T * N * F),
    m = new Uint8Array(T * N),
    fw = new Float32Array(H * T * N);
  const target = new Float32Array(T * N * H),
    tm = new Uint8Array(T * N * H);
  for (let t = 0; t < T; t++)
    for (let n = 0; n < N; n++) {
      m[t * N + n] = mask ? mask[t][n] : 1;
      for (let f = 0; f < F; f++) fx[(t * N + n) * F + f] = m[t * N + n] ? x[t][n][f] : 0;
      for (let h = 0; h < H; h++) {
        fw[(h * T + t) * N + n] = fwd[h][t][n];
        tm[(t * N + n) * H + h] = m[t * N + n] && Number.isFinite(fwd[h][t][n]) ? 1 : 0;
        target[(t * N + n) * H + h] = tm[(t * N + n) * H + h] ? fwd[h][t][n] : 0;
      }
    }
  return {
    T,
    N,
    F,
    H,
    horizons: horizons ?? Array.from({ length: H }, (_, h) => h + 1),
    x: fx,
    mask: m,
    target,
    targetMask: tm,
    fwd: fw,
    dates: Int32Array.from({ length: T }, (_, t) => t),
  };
}

describe('registry', () => {
  it('lists linear, ew, mlp with complete schemas and rejects unknown ids', () => {
    expect(models.map((m) => m.id).slice(0, 3)).toEqual(['linear', 'ew', 'mlp']); // later models append to the menu
    for (const m of models) {
      for (const f of m.configSchema) {
        expect(f.help.length).toBeGreaterThan(10);
        if (typeof f.default === 'number') expect(f.default).toBeGreaterThanOrEqual(f.min!);
      }
    }
    expect(defaultConfig('mlp')).toMatchObject({ hidden: 64, layers: 2, loss: 'mse', lr: 0.001, batchDates: 16 });
    expect(() => getModel('nope')).toThrow(/Unknown model "nope".*/);
  });
  it('rejects an out-of-range config value naming the key', () => {
    expect(() => linearSpec.build({ F: 2, horizons: [1], seed: 1, config: { lambda: -1 } })).toThrow(/"lambda" = -1 is outside/);
    expect(() => linearSpec.build({ F: 2, horizons: [1], seed: 1, config: { solver: 'svd' } })).toThrow(
      /"solver" = "svd" is not one of ols, gd/,
    );
  });
});

describe('linalg', () => {
  it('Cholesky solves a 3x3 SPD system exactly and flags a singular one', () => {
    // A = [[4,2,0],[2,3,1],[0,1,2]], x = [1,-1,2] -> b = A x = [2, 1, 3]
    const A = Float64Array.from([4, 2, 0, 2, 3, 1, 0, 1, 2]);
    const x = choleskySolve(A, Float64Array.from([2, 1, 3]), 3)!;
    expect(Array.from(x).map((v) => +v.toFixed(12))).toEqual([1, -1, 2]);
    expect(choleskySolve(Float64Array.from([1, 1, 1, 1]), Float64Array.from([1, 1]), 2)).toBeNull();
  });
});

describe('Linear (closed-form pooled OLS)', () => {
  it('worked example: one date, x = [1, 2, 3], y = [2, 4, 7] -> w = 2.5', () => {
    // demeaned x = [-1, 0, 1]; y mean 13/3, demeaned y = [-7/3, -1/3, 8/3]
    // w = sum(x y) / sum(x^2) = (7/3 + 0 + 8/3) / 2 = 2.5
    const d = fixture([[[1], [2], [3]]], [[[2, 4, 7]]]);
    const { w, nObs } = fitPooledOls(d, 'raw', 0);
    expect(w[0]).toBeCloseTo(2.5, 12);
    expect(nObs).toEqual([3]);
  });

  it('recovers known coefficients exactly (1e-4) on noise-free data with per-date market levels', async () => {
    // y[t, n, h] = a[t, h] + sum_f beta[f, h] x[t, n, f]; the date level a is removed by the per-date demeaning
    const T = 20,
      N = 30,
      F = 4,
      beta = [
        [0.5, 1],
        [-0.3, 0],
        [0.2, -2],
        [0, 0.7],
      ];
    let s = 12345;
    const rnd = () => {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      return s / 2 ** 31 - 0.5;
    };
    const x = Array.from({ length: T }, () => Array.from({ length: N }, () => Array.from({ length: F }, rnd)));
    const mask = Array.from({ length: T }, (_, t) => Array.from({ length: N }, (_, n) => ((t + n) % 7 === 0 ? 0 : 1)));
    const fwd = [0, 1].map((h) => x.map((xt, t) => xt.map((xn) => 0.3 * t - 1 + xn.reduce((acc, v, f) => acc + beta[f][h] * v, 0))));
    // horizon 2 misses some labels (the end of a stock's history): its labelled set differs from horizon 1's
    for (let t = 0; t < T; t += 3) fwd[1][t][(t * 7) % N] = NaN;
    const d = fixture(x, fwd, mask);
    const { w, nObs } = fitPooledOls(d, 'raw', 0);
    expect(nObs[1]).toBeLessThan(nObs[0]);
    for (let f = 0; f < F; f++) for (let h = 0; h < 2; h++) expect(Math.abs(w[f * 2 + h] - beta[f][h])).toBeLessThan(1e-4);
    // the same through the model: fit, then forward scores equal sum_f beta x (no intercept) on a masked batch
    const m = linearSpec.build({ F, horizons: [1, 2], seed: 0, config: { target: 'raw' } });
    m.fit!(d);
    const xs = tf.tensor3d([x[0]].flat(2), [1, N, F]);
    const mk = tf.tensor2d([mask[0]].flat(), [1, N]);
    const sc = m.forward(xs, { mask: mk }).arraySync()[0];
    for (let n = 0; n < N; n++) {
      const want = mask[0][n] ? x[0][n].reduce((acc, v, f) => acc + beta[f][0] * v, 0) : 0;
      expect(sc[n][0]).toBeCloseTo(want, 4);
    }
    const ex = (await m.extras!()) as { coefficients: { horizon: number; weights: { factor: string; w: number }[] }[] };
    expect(ex.coefficients[1].weights[2].w).toBeCloseTo(-2, 4);
    tf.dispose([xs, mk]);
    m.dispose();
  });

  it("ridge solution satisfies its normal equations X'(y - Xw) = lambda n w", () => {
    const x = [
      [
        [1, 0.5],
        [2, -1],
        [4, 0],
        [3, 2],
      ],
    ];
    const y = [[[1, 3, 2, 5]]];
    const lambda = 0.1;
    const { w, nObs } = fitPooledOls(fixture(x, y), 'raw', lambda);
    // demean by hand: x1 mean 2.5, x2 mean 0.375, y mean 2.75
    const X = x[0].map((r) => [r[0] - 2.5, r[1] - 0.375]);
    const Y = y[0][0].map((v) => v - 2.75);
    for (let f = 0; f < 2; f++) {
      const lhs = X.reduce((acc, r, i) => acc + r[f] * (Y[i] - r[0] * w[0] - r[1] * w[1]), 0);
      expect(lhs).toBeCloseTo(lambda * nObs[0] * w[f], 10);
    }
    expect(Math.abs(w[0])).toBeGreaterThan(0);
  });

  it('collinear factors without ridge are a LabError naming the fix', () => {
    const x = [
      [
        [1, 2],
        [2, 4],
        [3, 6],
        [5, 10],
      ],
    ];
    expect(() => fitPooledOls(fixture(x, [[[1, 2, 3, 4]]]), 'raw', 0)).toThrow(/collinear.*2 factors.*4 observations/);
  });
});

describe('EW (equal-weighted composite)', () => {
  it('equals the hand-computed composite, sign from the training IC, masked stock excluded', () => {
    // one date, 4 stocks in the cross-section + a masked 5th (value 100 must not affect anything)
    // f0 = [1, 2, 3, 4], f1 = [4, 0, 2, 2], fwd = [.01, .02, .03, .04]
    // IC(f0, fwd) = +1 -> sign +1.  IC(f1, fwd): devs f1 [2, -2, 0, 0], fwd [-.015, -.005, .005, .015]
    //   cov = 2(-.015) + (-2)(-.005) = -.02 < 0 -> sign -1
    // z(f0) = [-1.5, -.5, .5, 1.5] / sqrt(1.25) = [-1.341641, -0.447214, 0.447214, 1.341641]
    // z(f1) = [2, -2, 0, 0] / sqrt(2) = [1.414214, -1.414214, 0, 0]
    // score = (z0 - z1) / 2 = [-1.377927, 0.483500, 0.223607, 0.670820], masked stock 0
    const x = [
      [
        [1, 4],
        [2, 0],
        [3, 2],
        [4, 2],
        [100, 100],
      ],
    ];
    const fwd = [[[0.01, 0.02, 0.03, 0.04, 0.5]]];
    const d = fixture(x, fwd, [[1, 1, 1, 1, 0]]);
    const ic = meanFactorIc(d);
    expect(ic[0]).toBeCloseTo(1, 6);
    // IC(f1) = -.02 / sqrt(8 * 0.0005) = -.02 / .063246 = -0.316228
    expect(ic[1]).toBeCloseTo(-0.316228, 5);
    const m = ewSpec.build({ F: 2, horizons: [1], seed: 0, config: {} });
    expect(m.trainable).toBe(false);
    expect(m.variables()).toEqual([]);
    m.fit!(d);
    const s = tf.tidy(() => m.forward(tf.tensor3d(x.flat(2), [1, 5, 2]), { mask: tf.tensor2d([[1, 1, 1, 1, 0]]) }).dataSync());
    const want = [-1.377927, 0.4835, 0.223607, 0.67082, 0];
    want.forEach((v, i) => expect(s[i]).toBeCloseTo(v, 5));
    // 'positive' signs: (z0 + z1) / 2 = [0.036286, -0.930714, 0.223607, 0.670820]
    const p = ewSpec.build({ F: 2, horizons: [1], seed: 0, config: { signs: 'positive' } });
    p.fit!(d);
    const sp = tf.tidy(() => p.forward(tf.tensor3d(x.flat(2), [1, 5, 2]), { mask: tf.tensor2d([[1, 1, 1, 1, 0]]) }).dataSync());
    [0.036286, -0.930714, 0.223607, 0.67082, 0].forEach((v, i) => expect(sp[i]).toBeCloseTo(v, 5));
    m.dispose();
    p.dispose();
  });

  it('signs are per horizon and use the mean IC over dates', () => {
    // two dates, 3 stocks, 1 factor x = [1, 2, 3] both days.
    // h1: date0 fwd increasing (IC +1), date1 decreasing (IC -1), date2 increasing -> mean +1/3 -> +1
    // h2: all decreasing -> mean -1 -> -1
    const x = [
      [[1], [2], [3]],
      [[1], [2], [3]],
      [[1], [2], [3]],
    ];
    const fwd = [
      [
        [1, 2, 3],
        [3, 2, 1],
        [1, 2, 4],
      ],
      [
        [3, 2, 1],
        [3, 2, 1],
        [9, 5, 1],
      ],
    ];
    const d = fixture(x, fwd);
    const ic = meanFactorIc(d);
    // date2 h1: x devs [-1, 0, 1], y = [1, 2, 4] devs [-4/3, -1/3, 5/3]: corr = 3 / sqrt(2 * 42/9) = 0.981981
    expect(ic[0]).toBeCloseTo((1 - 1 + 0.981981) / 3, 5);
    expect(ic[1]).toBeCloseTo(-1, 6);
    const m = ewSpec.build({ F: 1, horizons: [1, 2], seed: 0, config: {} });
    m.fit!(d);
    const s = tf.tidy(() => m.forward(tf.tensor3d([1, 2, 3], [1, 3, 1]), { mask: tf.ones([1, 3]) as tf.Tensor2D }).arraySync()[0]);
    // z = [-1.224745, 0, 1.224745]; h1 sign +1, h2 sign -1
    expect(s[0][0]).toBeCloseTo(-1.224745, 5);
    expect(s[0][1]).toBeCloseTo(1.224745, 5);
    m.dispose();
  });
});
