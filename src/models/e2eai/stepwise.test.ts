/**
 * The stepwise baselines select exactly what a hand computation selects (3 stocks, 3 training dates, horizons 5 and 20),
 * combine the selected factors with their signs, and hold the stocks with a positive composite.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { FitData } from '../types';
import { factorTests, sAvgSpec, sBestSpec, sT20Spec, selectFactors } from './stepwise';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/*
 * Returns on every date: r5 = [-1, 0, 1], r20 = [1, -1, 0] (each with sum of squares 2 after demeaning, mean 0).
 * For a factor x that is a permutation of [-1, 0, 1]: IC5 = x . r5 / 2, IC20 = x . r20 / 2:
 *   [-1, 0, 1]: IC5  1,   IC20 -0.5      [1, 0, -1]: IC5 -1,   IC20  0.5
 *   [0, -1, 1]: IC5  0.5, IC20  0.5      [0, 1, -1]: IC5 -0.5, IC20 -0.5
 *   [-1, 1, 0]: IC5  0.5, IC20 -1        [1, -1, 0]: IC5 -0.5, IC20  1
 * Factors over the training dates 0, 1, 2 (date 3 is a test date), ICIR = mean / sample sd (ddof 1):
 *   f0: [1,-1,0] [1,-1,0] [1,0,-1]   IC5 -0.5,-0.5,-1 -> mean -0.6667, sd 0.2887, ICIR -2.309
 *                                    IC20 1, 1, 0.5   -> mean  0.8333, sd 0.2887, ICIR  2.887
 *   f1: [0,-1,1] [0,-1,1] [-1,0,1]   IC5 0.5,0.5,1    -> mean  0.6667, ICIR 2.309
 *                                    IC20 0.5,0.5,-0.5 -> mean 0.1667, sd 0.5774, ICIR 0.2887
 *   f2: -f1                          IC5 mean -0.6667, ICIR -2.309; IC20 mean -0.1667, ICIR -0.2887
 *   f3: [1,-1,0] [0,1,-1] [1,0,-1]   IC5 -0.5,-0.5,-1 -> mean -0.6667, ICIR -2.309
 *                                    IC20 1,-0.5,0.5  -> mean  0.3333, sd 0.7638, ICIR 0.4364
 *   f4: [0,-1,1] [0,1,-1] [0,-1,1]   IC5 0.5,-0.5,0.5 -> mean 0.1667, ICIR 0.2887; IC20 the same
 * Rule (this test's settings): |IC| >= 0.3 and |ICIR| >= 1.
 *   S-Best (horizon with the largest |ICIR|): f0 at 20 (2.887 > 2.309): 0.8333 / 2.887 pass, +1; f1 at 5: pass, +1;
 *           f2 at 5: pass, -1; f3 at 5 (2.309 > 0.436): -0.6667 / -2.309 pass, -1; f4 (tie, first = 5): 0.1667 fails.
 *           -> {f0+, f1+, f2-, f3-}
 *   S-Avg (means over 5 and 20): f0 IC 0.0833 fails; f1 IC 0.4167, ICIR 1.299 pass +1; f2 -0.4167, -1.299 pass -1;
 *           f3 IC -0.1667 fails; f4 0.1667 fails.  -> {f1+, f2-}
 *   S-T20: f0 0.8333 / 2.887 pass +1; f1 0.1667 fails; f2 fails; f3 0.3333 but ICIR 0.4364 < 1 fails; f4 fails. -> {f0+}
 */
const X: number[][][] = [
  // [date][factor][stock]
  [
    [1, -1, 0],
    [0, -1, 1],
    [0, 1, -1],
    [1, -1, 0],
    [0, -1, 1],
  ],
  [
    [1, -1, 0],
    [0, -1, 1],
    [0, 1, -1],
    [0, 1, -1],
    [0, 1, -1],
  ],
  [
    [1, 0, -1],
    [-1, 0, 1],
    [1, 0, -1],
    [1, 0, -1],
    [0, -1, 1],
  ],
  // test date 3
  [
    [1, -1, 0],
    [0, -1, 1],
    [0, 1, -1],
    [-1, 0, 1],
    [1, 0, -1],
  ],
];
const T = 4,
  N = 3,
  F = 5,
  H = 2;
function fixture(): FitData {
  const x = new Float32Array(T * N * F);
  for (let t = 0; t < T; t++) for (let f = 0; f < F; f++) for (let n = 0; n < N; n++) x[(t * N + n) * F + f] = X[t][f][n];
  const fwd = new Float32Array(H * T * N);
  const r = [
    [-1, 0, 1],
    [1, -1, 0],
  ];
  for (let h = 0; h < H; h++) for (let t = 0; t < T; t++) for (let n = 0; n < N; n++) fwd[(h * T + t) * N + n] = r[h][n];
  return {
    T,
    N,
    F,
    H,
    horizons: [5, 20],
    x,
    mask: new Uint8Array(T * N).fill(1),
    target: new Float32Array(T * N * H),
    targetMask: new Uint8Array(T * N * H).fill(1),
    fwd,
    dates: Int32Array.from([0, 1, 2]),
  };
}

describe('stepwise baselines (S-Best, S-Avg, S-T20)', () => {
  const d = fixture();
  it('factor tests: IC and ICIR per factor and horizon as computed by hand', () => {
    const t = factorTests(d, [0, 1]);
    const ic = [
      [-2 / 3, 5 / 6],
      [2 / 3, 1 / 6],
      [-2 / 3, -1 / 6],
      [-2 / 3, 1 / 3],
      [1 / 6, 1 / 6],
    ];
    const icir = [
      [-2.3094, 2.8868],
      [2.3094, 0.2887],
      [-2.3094, -0.2887],
      [-2.3094, 0.4364],
      [0.2887, 0.2887],
    ];
    for (let f = 0; f < F; f++)
      for (let k = 0; k < 2; k++) {
        expect(t.ic[f][k]).toBeCloseTo(ic[f][k], 6);
        expect(t.icir[f][k]).toBeCloseTo(icir[f][k], 3);
      }
  });
  it('each rule selects the hand-computed factors with their signs', () => {
    const t = factorTests(d, [0, 1]);
    const pick = (rule: 'best' | 'avg' | 't20') => {
      const s = selectFactors(t, [5, 20], rule, 0.3, 1);
      return s.selected.map((v, f) => (v ? `f${f}${s.sign[f] > 0 ? '+' : '-'}` : '')).filter(Boolean);
    };
    expect(pick('best')).toEqual(['f0+', 'f1+', 'f2-', 'f3-']);
    expect(pick('avg')).toEqual(['f1+', 'f2-']);
    expect(pick('t20')).toEqual(['f0+']);
    // S-Best judged f0 at 20 and the others at 5
    expect(selectFactors(t, [5, 20], 'best', 0.3, 1).horizon).toEqual([20, 5, 5, 5, 5]);
    // a rule nothing passes falls back to the factor with the largest |ICIR| (S-T20: f0, 2.887)
    const none = selectFactors(t, [5, 20], 't20', 0.99, 1);
    expect(none.fallback).toBe(true);
    expect(none.selected).toEqual([true, false, false, false, false]);
  });
  it('the models combine the selected factors and hold the stocks with a positive composite (test date 3)', async () => {
    // date 3, per-date z-score (population sd of a permutation of [-1, 0, 1] is sqrt(2/3): z = x * 1.2247):
    //   S-T20: score = z_f0 = 1.2247 [1, -1, 0]; weights = positive part normalised = [1, 0, 0]
    //   S-Avg: score = (z_f1 - z_f2) / 2 = 1.2247 [0, -1, 1]; weights [0, 0, 1]
    //   S-Best: score = (z_f0 + z_f1 - z_f2 - z_f3) / 4 = 1.2247 [1 + 0 - 0 + 1, -1 - 1 - 1 - 0, 0 + 1 + 1 - 1] / 4
    //           = 1.2247 [0.5, -0.75, 0.25]; weights [2/3, 0, 1/3]
    const z = Math.sqrt(1.5);
    const cases: [typeof sBestSpec, number[], number[]][] = [
      [sT20Spec, [z, -z, 0], [1, 0, 0]],
      [sAvgSpec, [0, -z, z], [0, 0, 1]],
      [sBestSpec, [0.5 * z, -0.75 * z, 0.25 * z], [2 / 3, 0, 1 / 3]],
    ];
    const xt = tf.tensor3d(Array.from({ length: N }, (_, n) => X[3].map((row) => row[n])).flat(), [1, N, F]); // [1, N, F]
    const mask = tf.ones([1, N]) as tf.Tensor2D;
    for (const [spec, score, weight] of cases) {
      const m = spec.build({ F, horizons: [5, 20], seed: 1, config: { icMin: 0.3, icirMin: 1 } });
      m.fit!(d);
      const o = m.forwardChannels!(xt, { mask });
      const s = o.scores.arraySync()[0];
      const w = (o.channels.weight as tf.Tensor2D).arraySync()[0];
      for (let n = 0; n < N; n++) {
        expect(s[n][0]).toBeCloseTo(score[n], 5);
        expect(s[n][1]).toBeCloseTo(score[n], 5);
        expect(w[n]).toBeCloseTo(weight[n], 6);
      }
      const ex = (await m.extras!()) as { selectedCount: number };
      expect(ex.selectedCount).toBe({ 's-t20': 1, 's-avg': 2, 's-best': 4 }[spec.id]);
      tf.dispose([o.scores, ...Object.values(o.channels)]);
      m.dispose();
    }
    tf.dispose([xt, mask]);
  });
});
