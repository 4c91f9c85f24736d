import { describe, expect, it } from 'vitest';
import { defaultRun } from '../core/run';
import type { TrainResult } from './lab-api';
import { methodOf, scoredUniverse, seedTableView } from './paper-tables';

const res = (label: string, seed: number, rankIc: number, rankIcir: number): TrainResult =>
  ({ label, model: label.replace(/@.*/, ''), run: { ...defaultRun, seed }, allMetrics: { rankIc, rankIcir } }) as unknown as TrainResult;

describe('FactorVAE experiment views from stored results', () => {
  it('Table 1: groups by method (label without @seed) and aggregates over seeds, the latest result per seed', () => {
    const t = seedTableView([
      res('linear@1', 1, 0.01, 0.1),
      res('linear@2', 2, 0.03, 0.3),
      res('factorvae', 42, 0.5, 0.5), // replaced by the later result with the same seed
      res('factorvae', 42, 0.02, 0.2),
    ]);
    expect(methodOf(res('gat@17', 17, 0, 0))).toBe('gat');
    expect(t.map((r) => r.method)).toEqual(['linear', 'factorvae']);
    // linear: mean 0.02, std |0.03 - 0.01| / sqrt(2)
    expect(t[0].stats.rankIc.mean).toBeCloseTo(0.02, 14);
    expect(t[0].stats.rankIc.std).toBeCloseTo(0.02 / Math.SQRT2, 14);
    expect(t[1]).toMatchObject({ seeds: [42], values: { rankIc: [0.02] } });
    expect(t[1].stats.rankIcir).toEqual({ mean: 0.2, std: 0, n: 1 });
  });

  it('scoredUniverse: mean finite scores per test date at the evaluation horizon', () => {
    // horizons [1, 5], D 2 dates, N 3 stocks; strategy horizon 1 -> head 0: date 0 has 3 scores, date 1 has 1 -> 2
    const r = {
      run: { ...defaultRun, strategy: { ...defaultRun.strategy, horizon: 1 } },
      scores: {
        horizons: [1, 5],
        testIndex: Int32Array.from([7, 8]),
        scoresByHorizon: Float32Array.from([1, 2, 3, NaN, 4, NaN, NaN, NaN, NaN, NaN, NaN, NaN]),
      },
    } as unknown as TrainResult;
    expect(scoredUniverse(r)).toBe(2);
  });
});
