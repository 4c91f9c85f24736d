/**
 * (issue 16) A factor panel without prices or a 1-day forward return has no daily returns (NaN): the backtest would
 * earn 0 a day and pay only costs, giving a fake negative alpha. The portfolio metrics are reported as missing, with a
 * warning; the IC metrics (from the labels) are unchanged.
 */
import { describe, expect, it } from 'vitest';
import { evaluate, type EvalInput } from './evaluate';

const T = 4,
  N = 11;
const dates = Array.from({ length: T }, (_, t) => new Date(Date.UTC(2020, 0, 1 + t)).toISOString().slice(0, 10));
const scores = new Float32Array(T * N),
  labels = new Float32Array(T * N);
for (let t = 0; t < T; t++)
  for (let n = 0; n < N; n++) {
    scores[t * N + n] = n;
    labels[t * N + n] = 0.001 * n * t; // IC = 1 on t = 1, 2 (t = 0 is constant)
  }
const base: EvalInput = { dates, scores, ret: new Float32Array(T * N).fill(NaN), labels, testMask: new Uint8Array([1, 1, 1, 0]) };
const strategy = { kind: 'topquantile' as const, groups: 5, rebalance: 21, cost: 0.004, lag: 0 };

describe('evaluate without daily returns', () => {
  it('no alpha / IR / Sharpe from all-zero returns; a warning says why; IC still computed', () => {
    const r = evaluate(base, strategy);
    for (const k of ['alpha', 'ir', 'sharpe', 'annReturn', 'mdd', 'costDrag'] as const) expect(r.metrics[k], k).toBeNaN();
    expect(r.warnings).toContain(
      'no daily returns in this dataset (no price or 1-day forward-return column): portfolio figures (returns, alpha, IR, Sharpe, drawdown) are not reported',
    );
    expect(r.metrics.ic).toBeCloseTo(1, 6);
  });
  it('with one finite return the metrics are reported as before', () => {
    const ret = new Float32Array(T * N).fill(NaN);
    ret[1 * N + 9] = 0.01;
    const r = evaluate({ ...base, ret }, strategy);
    expect(Number.isFinite(r.metrics.alpha)).toBe(true);
    expect(r.warnings.some((w) => w.startsWith('no daily returns'))).toBe(false);
  });
});
