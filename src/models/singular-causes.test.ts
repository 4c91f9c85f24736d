/**
 * Issue 16: a singular X'X names its cause in both closed-form paths (Linear: fitPooledOls, per-date demeaned;
 * DFM's pooled OLS / ridge: fitOlsIntercept) instead of one generic "the factors are collinear". One test per cause.
 */
import { describe, expect, it } from 'vitest';
import { LabError } from '../core/errors';
import { fitPooledOls } from './baselines/linear';
import { fitOlsIntercept } from './dfm/ridge';
import type { FitData } from './types';

/** FitData of T dates x N stocks from cols[f][t * N + n] and one horizon of labels y[t * N + n] */
function fitData(cols: number[][], y: number[], T: number, N: number): FitData {
  const F = cols.length;
  const x = new Float32Array(T * N * F);
  for (let i = 0; i < T * N; i++) for (let f = 0; f < F; f++) x[i * F + f] = cols[f][i];
  return {
    T,
    N,
    F,
    H: 1,
    horizons: [1],
    x,
    mask: new Uint8Array(T * N).fill(1),
    target: Float32Array.from(y),
    targetMask: new Uint8Array(T * N).fill(1),
    fwd: Float32Array.from(y),
    dates: Int32Array.from({ length: T }, (_, t) => t),
  };
}

// 2 dates x 4 stocks; a well-behaved momentum factor and labels
const T = 2,
  N = 4;
const mom = [1, 3, 2, 5, 4, 1, 3, 2];
const y = [0.01, 0.03, 0.0, 0.05, 0.02, -0.01, 0.01, 0.0];
const rows = (cols: number[][]) => Array.from({ length: T * N }, (_, i) => cols.map((c) => c[i]));

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(LabError);
    return (e as LabError).message;
  }
  throw new Error('expected a LabError');
}

const causes: { cause: string; col: number[]; expected: RegExp }[] = [
  // zero volume everywhere: a volume factor with one value (0 after a z-score of a constant column)
  { cause: 'a constant factor (zero volume everywhere)', col: [0, 0, 0, 0, 0, 0, 0, 0], expected: /'vol_20' has no variation/ },
  // an all-missing column is filled with the day's mean: 0 after normalising, on every row
  { cause: 'an all-NULL factor (filled with 0)', col: new Array(8).fill(0), expected: /'vol_20' has no variation/ },
  // industry-neutralised with one stock per industry: each stock minus its own industry mean is 0
  {
    cause: 'one stock per industry with neutralisation',
    col: mom.map((v) => v - v),
    expected: /'vol_20' has no variation.*one stock per industry/,
  },
  // a duplicated column (close read back twice, rescaled)
  {
    cause: 'a duplicated factor',
    col: mom.map((v) => 2 * v),
    expected: /'mom_20' and 'vol_20' \(correlation 1\.0000\) are the same factor up to scale/,
  },
];

describe("singular X'X: the cause is named (issue 16)", () => {
  for (const c of causes) {
    it(`Linear (fitPooledOls): ${c.cause}`, () => {
      const m = messageOf(() => fitPooledOls(fitData([mom, c.col], y, T, N), 'raw', 0, ['mom_20', 'vol_20']));
      expect(m).toMatch(/^Linear: the factors are collinear on the training dates \(X'X of 2 factors is singular, 8 observations\): /);
      expect(m).toMatch(c.expected);
    });
    it(`DFM pooled OLS (fitOlsIntercept): ${c.cause}`, () => {
      const m = messageOf(() => fitOlsIntercept(rows([mom, c.col]), y, 0, ['mom_20', 'vol_20']));
      expect(m).toMatch(/^Linear \(pooled OLS\): the 2 factors are collinear on the 8 training rows \(X'X is singular\): /);
      expect(m).toMatch(c.expected);
    });
  }

  it('a ridge lambda > 0 fits the same data (the advice works)', () => {
    const { w } = fitOlsIntercept(rows([mom, new Array(8).fill(0)]), y, 0.001, ['mom_20', 'vol_20']);
    expect(Number.isFinite(w[0])).toBe(true);
    expect(w[1]).toBe(0); // no variation: no weight
  });

  it('too many walk-forward groups for the data: too few training observations, said with the numbers', () => {
    // one training date of 4 stocks for 5 factors: fewer observations than factors (a window cut too thin by many groups)
    const five = [0, 1, 2, 3, 4].map((k) => [1 + k, 3, 2 + k * k, 5, 4, 1, 3, 2].slice(0, 4));
    const m = messageOf(() => fitPooledOls(fitData(five, y.slice(0, 4), 1, 4), 'raw', 0));
    expect(m).toBe(
      'Linear: only 4 labelled (date, stock) observations for horizon 1 on 1 training dates; need more than 5 (the number of factors).',
    );
  });
});
