/**
 * FactorVAE's experiments in the headless runner on a tiny synthetic market: `seeds` trains every method once per
 * seed and metrics.json carries the mean / std table (Table 1); a TopK-Drop run carries Table 3 (TopK-Drop and TDrisk).
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import type { RunConfig } from '../src/core/run';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandConfig, runExperiment } from './experiment';

const config = {
  name: 'tiny-seeds',
  seeds: [1, 2],
  run: {
    dataset: { kind: 'synthetic' as const, name: 'synthetic', synthetic: { seed: 3, nStocks: 40, nDays: 420, nFactors: 8, alpha: 0.01 } },
    preprocessing: { madK: 5, normalize: 'zscore' as const, missing: 'fill' as const, industryNeutral: false, minHistory: 20 },
    split: { kind: 'walkforward' as const, groups: 1, gap: 21 },
    strategy: { kind: 'topkdrop' as const, k: 6, n: 1, rebalance: 1, openCost: 0.0005, closeCost: 0.0015, eta: 0, horizon: 1 },
  },
  models: [{ model: 'linear' }, { model: 'mlp', config: { hidden: 8, layers: 1, epochs: 1 } }],
};

describe('experiment seeds (Table 1) and Table 3', () => {
  it('expands every model entry once per seed', () => {
    const e = expandConfig(config);
    expect(e.runs.map((r) => r.label)).toEqual(['linear@1', 'linear@2', 'mlp@1', 'mlp@2']);
    expect(e.runs.map((r) => r.run.seed)).toEqual([1, 2, 1, 2]);
    expect(e.runs[3]).toMatchObject({ method: 'mlp', seed: 2 });
    expect(() => expandConfig({ ...config, seeds: [1, 1] })).toThrow(/repeat a seed/);
  });

  it('writes the seed table and Table 3 into metrics.json, agreeing with the per-run metrics', async () => {
    const out = mkdtempSync(join(tmpdir(), 'factor-lab-seeds-'));
    await runExperiment(config, out, { backend: 'cpu', log: () => {} });
    const json = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(Object.keys(json.models)).toEqual(['linear@1', 'linear@2', 'mlp@1', 'mlp@2']);
    const rows = json.seeds as {
      method: string;
      seeds: number[];
      stats: Record<string, { mean: number; std: number; values: number[] }>;
    }[];
    expect(rows.map((r) => r.method)).toEqual(['linear', 'mlp']);
    for (const r of rows) {
      const v = [1, 2].map((s) => json.models[`${r.method}@${s}`].portfolio.rankIc as number);
      expect(r.seeds).toEqual([1, 2]);
      r.stats.rankIc.values.forEach((x, i) => expect(x).toBeCloseTo(v[i], 5)); // metrics.json rounds to 6 decimals
      // two seeds: mean (a + b) / 2, sample std |a - b| / sqrt(2)
      expect(r.stats.rankIc.mean).toBeCloseTo((v[0] + v[1]) / 2, 5);
      expect(r.stats.rankIc.std).toBeCloseTo(Math.abs(v[0] - v[1]) / Math.SQRT2, 5);
    }
    // the linear model is a closed-form fit: the seed changes nothing; the MLP's initialisation does
    expect(rows[0].stats.rankIc.std).toBe(0);
    expect(rows[1].stats.rankIc.std).toBeGreaterThan(0);

    // Table 3: 38 of the 40 stocks scored per test date -> k round(50 x 38 / 300) = 6, n round(5 x 38 / 300) = 1; the
    // run's own strategy is TopK-Drop k 6, n 1 with the same costs, so the table's TopK-Drop row reproduces the run's
    // alpha / IR / MDD
    const t = json.table3['linear@1'];
    expect(t).toMatchObject({ k: Math.round((50 * t.universe) / 300), n: 1, scaled: true });
    expect(t.k).toBe(6);
    expect(t.rows.map((r: { strategy: string }) => r.strategy)).toEqual(['topkdrop']); // linear has no sigma
    const p = json.models['linear@1'].portfolio;
    expect(t.rows[0].ar).toBeCloseTo(p.alpha, 5);
    expect(t.rows[0].sr).toBeCloseTo(p.ir, 5);
    expect(t.rows[0].mdd).toBeCloseTo(p.mdd, 5);
  }, 240_000);
});

describe('experiment holdout (Table 2)', () => {
  it('writes the held-out stocks and the Rank IC on them alone into metrics.json', async () => {
    const out = mkdtempSync(join(tmpdir(), 'factor-lab-holdout-'));
    const { seeds: _seeds, ...one } = config;
    await runExperiment({ ...one, run: { ...one.run, holdout: { count: 8 } }, models: [{ model: 'linear' }] }, out, {
      backend: 'cpu',
      log: () => {},
    });
    const json = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    const t = json.robustness.linear;
    expect(t.m).toBe(8);
    expect(t.stocks.length).toBe(8);
    expect(t.of).toBeGreaterThan(8);
    expect(t.rankIc).toBeCloseTo(json.models.linear.portfolio.rankIc, 6);
    // Table 3 on 8 stocks: k round(50 x 8 / 300) = 1, n 1
    expect(json.table3.linear).toMatchObject({ k: 1, n: 1, scaled: true });
  }, 120_000);
});

describe('examples/factorvae-seeds.json and factorvae-robustness.json', () => {
  const read = (f: string) => JSON.parse(readFileSync(new URL(`../examples/${f}`, import.meta.url), 'utf8'));
  const quick = read('factorvae-quick.json') as { run: Partial<RunConfig> };
  it('run the FactorVAE Quick split and strategy: 5 seeds x 5 methods, and 50 held-out stocks', () => {
    const seeds = read('factorvae-seeds.json');
    const e = expandConfig(seeds);
    expect(seeds.seeds).toEqual([1, 2, 3, 4, 5]);
    expect(e.runs.length).toBe(25);
    expect(new Set(e.runs.map((r) => r.method))).toEqual(new Set(['linear', 'ca', 'gru', 'gat', 'factorvae']));
    const rob = read('factorvae-robustness.json');
    const r = expandConfig(rob).runs;
    expect(r.every((x) => x.run.holdout?.count === 50)).toBe(true);
    for (const c of [seeds, rob]) {
      expect(c.run.split).toEqual(quick.run.split);
      expect(c.run.strategy).toEqual(quick.run.strategy);
    }
  });
});
