import { describe, expect, it } from 'vitest';
import { aggregateSeeds, formatMeanStd, parseSeeds, seedStat } from './seeds';

describe('aggregateSeeds (Table 1 over seeds)', () => {
  const runs = [
    { method: 'linear', seed: 1, metrics: { rankIc: 0.01, rankIcir: 0.1 } },
    { method: 'factorvae', seed: 1, metrics: { rankIc: 0.02, rankIcir: 0.2 } },
    { method: 'linear', seed: 2, metrics: { rankIc: 0.03, rankIcir: 0.3 } },
    { method: 'factorvae', seed: 2, metrics: { rankIc: 0.04, rankIcir: 0.1 } },
    { method: 'factorvae', seed: 3, metrics: { rankIc: 0.06, rankIcir: NaN } },
  ];
  const t = aggregateSeeds(runs);

  it('one row per method in first-seen order, seeds in run order', () => {
    expect(t.map((r) => r.method)).toEqual(['linear', 'factorvae']);
    expect(t[1].seeds).toEqual([1, 2, 3]);
    expect(t[1].values.rankIc).toEqual([0.02, 0.04, 0.06]);
  });

  it('mean and sample std (ddof = 1) by hand', () => {
    // linear rank IC: mean (0.01 + 0.03) / 2 = 0.02; std sqrt(((-0.01)^2 + 0.01^2) / 1) = 0.0141421
    expect(t[0].stats.rankIc.mean).toBeCloseTo(0.02, 14);
    expect(t[0].stats.rankIc.std).toBeCloseTo(Math.SQRT2 * 0.01, 14);
    // factorvae rank IC: mean 0.04; deviations -0.02, 0, 0.02: std sqrt(0.0008 / 2) = 0.02
    expect(t[1].stats.rankIc.mean).toBeCloseTo(0.04, 14);
    expect(t[1].stats.rankIc.std).toBeCloseTo(0.02, 14);
    expect(t[1].stats.rankIc.n).toBe(3);
    // factorvae rank ICIR: the NaN seed is left out: mean (0.2 + 0.1) / 2 = 0.15, std sqrt(2 x 0.05^2) = 0.0707107
    expect(t[1].stats.rankIcir).toMatchObject({ n: 2 });
    expect(t[1].stats.rankIcir.mean).toBeCloseTo(0.15, 14);
    expect(t[1].stats.rankIcir.std).toBeCloseTo(0.05 * Math.SQRT2, 14);
  });

  it('any metric key; a single seed has std 0; no value is NaN', () => {
    const a = aggregateSeeds([{ method: 'm', seed: 7, metrics: { alpha: 0.05 } }], ['alpha', 'ir']);
    expect(a[0].stats.alpha).toEqual({ mean: 0.05, std: 0, n: 1 });
    expect(a[0].stats.ir.n).toBe(0);
    expect(seedStat([]).mean).toBeNaN();
  });

  it('formats "mean (std)" like the paper and rejects a repeated seed by name', () => {
    expect(formatMeanStd(t[1].stats.rankIc)).toBe('0.0400 (0.0200)');
    expect(formatMeanStd(seedStat([]))).toBe('–');
    expect(() => aggregateSeeds([runs[0], runs[0]])).toThrow(/"linear" has two runs with seed 1/);
    expect(parseSeeds([1, 2, 3])).toEqual([1, 2, 3]);
    expect(() => parseSeeds([1, 1])).toThrow(/repeat/);
    expect(() => parseSeeds('1,2')).toThrow(/list of whole numbers/);
    expect(() => parseSeeds([])).toThrow(/non-empty/);
  });
});
