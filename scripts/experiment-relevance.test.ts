/**
 * The headless runner on the Deep Factor Model protocol (rolling monthly refits) with explanations: relevance.parquet
 * holds the test month ends, and each stock's rows (factors + '(bias)' + '(epsilon)') add up to its score in
 * scores.parquet; metrics.json carries Table 4 and the explanation summary (Table 5).
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runExperiment, type ExperimentConfig } from './experiment';
import { parquetToTable } from '../src/data/parquet';
import { initParquetNode } from '../src/data/parquet-node';

const config: ExperimentConfig = {
  name: 'tiny-dfm',
  run: {
    dataset: { kind: 'synthetic' as const, name: 'synthetic', synthetic: { seed: 4, nStocks: 30, nDays: 430, nFactors: 7, alpha: 0.01 } },
    preprocessing: { madK: 5, normalize: 'zscore' as const, missing: 'fill' as const, industryNeutral: false, minHistory: 20 },
    split: { kind: 'rolling' as const, windowMonths: 12, groups: 3, gap: 20 },
    strategy: { kind: 'longshort' as const, groups: 5, cost: 0, horizon: 20 },
  },
  models: [
    { model: 'dfm', label: 'dfm', config: { arch: 'model1', epochs: 2, warmEpochs: 1, batchDates: 6 } },
    { model: 'ridge', label: 'ols', explain: { rule: 'z' as const } },
    { model: 'svr', label: 'svr', config: { maxRows: 200 }, explain: true },
  ],
};

describe('scripts/experiment.ts: relevance.parquet', () => {
  it('explains every test month end; relevance rows sum to the scores; Table 4 / Table 5 in metrics.json', async () => {
    const out = mkdtempSync(join(tmpdir(), 'factor-lab-rel-'));
    const lines: string[] = [];
    await runExperiment(config, out, { backend: 'cpu', log: (s) => lines.push(s) });
    expect(lines.some((l) => l.startsWith('[svr] not explained'))).toBe(true);
    const json = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(json.table4.map((t: { model: string }) => t.model)).toEqual(['dfm', 'ols', 'svr']);
    expect(json.table4[0].months).toBe(3);
    expect(json.models.dfm.explain.method).toBe('lrp-epsilon');
    expect(json.models.ols.explain.method).toBe('lrp-z');
    // synthetic factors cycle through six groups (7 factors: the 7th is momentum again)
    expect(json.models.dfm.explain.table5.map((r: { group: string }) => r.group)).toEqual([
      'momentum',
      'reversal',
      'volatility',
      'liquidity',
      'value',
      'quality',
    ]);
    expect(json.models.svr.explain).toBeUndefined();
    const monthEnds = json.models.dfm.groups.map((g: { test: string[] }) => g.test[0]);

    await initParquetNode();
    const rel = parquetToTable(new Uint8Array(readFileSync(join(out, 'relevance.parquet'))));
    expect(rel.schema.fields.map((f) => f.name)).toEqual(['date', 'ticker', 'model', 'factor', 'relevance']);
    const scores = parquetToTable(new Uint8Array(readFileSync(join(out, 'scores.parquet'))));
    const iso = (d: unknown) => new Date(Number(d)).toISOString().slice(0, 10);
    const sums = new Map<string, number>();
    const models = new Set<string>(),
      dates = new Set<string>(),
      factors = new Set<string>();
    const c = (n: string) => rel.getChild(n)!;
    for (let i = 0; i < rel.numRows; i++) {
      const k = `${iso(c('date').get(i))}|${c('ticker').get(i)}|${c('model').get(i)}`;
      sums.set(k, (sums.get(k) ?? 0) + (c('relevance').get(i) as number));
      models.add(c('model').get(i));
      dates.add(iso(c('date').get(i)));
      factors.add(c('factor').get(i));
    }
    expect([...models].sort()).toEqual(['dfm', 'ols']);
    expect([...dates].sort()).toEqual(monthEnds);
    expect(factors.has('(bias)') && factors.has('(epsilon)')).toBe(true);
    let matched = 0;
    const s = (n: string) => scores.getChild(n)!;
    for (let i = 0; i < scores.numRows; i++) {
      if (s('horizon').get(i) !== 20) continue;
      const v = sums.get(`${iso(s('date').get(i))}|${s('ticker').get(i)}|${s('model').get(i)}`);
      if (v === undefined) continue;
      expect(Math.abs(v - (s('score').get(i) as number))).toBeLessThan(1e-5);
      matched++;
    }
    expect(matched).toBe(sums.size); // every explained (date, stock, model) has its score
    expect(matched).toBeGreaterThan(2 * 3 * 20);
  });
});
