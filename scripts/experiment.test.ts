/**
 * The headless runner end to end on a small synthetic market: the three output files exist, read back, and
 * agree with each other (IC recomputed from scores.parquet equals metrics.json).
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandConfig, mergeRun, runExperiment } from './experiment';
import { parquetToTable } from '../src/data/parquet';
import { initParquetNode } from '../src/data/parquet-node';

const config = {
  name: 'tiny',
  run: {
    dataset: { kind: 'synthetic' as const, name: 'synthetic', synthetic: { seed: 3, nStocks: 40, nDays: 520, nFactors: 8, alpha: 0.01 } },
    preprocessing: { madK: 5, normalize: 'zscore' as const, missing: 'fill' as const, industryNeutral: false, minHistory: 20 },
    split: { kind: 'walkforward' as const, groups: 1, gap: 21 },
    strategy: { kind: 'topquantile' as const, groups: 5, rebalance: 5, cost: 0.004, horizon: 5 },
  },
  models: [{ model: 'linear' }, { model: 'ew', label: 'ew-ic' }, { model: 'mlp', config: { hidden: 8, layers: 1, epochs: 2 } }],
};

describe('scripts/experiment.ts', () => {
  it('expands a multi-model config over defaultRun', () => {
    const e = expandConfig(config);
    expect(e.runs.map((r) => r.label)).toEqual(['linear', 'ew-ic', 'mlp']);
    expect(e.runs[2].run.config).toEqual({ hidden: 8, layers: 1, epochs: 2 });
    expect(e.runs[0].run.seed).toBe(42); // from defaultRun
    expect(mergeRun({ split: { kind: 'fixed' } }).split).toEqual({ kind: 'fixed', groups: 2, gap: 21 });
  });

  it('writes metrics.json, scores.parquet and portfolio.parquet that agree', async () => {
    const out = mkdtempSync(join(tmpdir(), 'factor-lab-exp-'));
    const lines: string[] = [];
    const m = await runExperiment(config, out, { backend: 'cpu', log: (s) => lines.push(s) });
    expect(lines.some((l) => l.startsWith('[mlp] ') && l.includes('validate epoch 2/2'))).toBe(true);
    const json = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(Object.keys(json.models)).toEqual(['linear', 'ew-ic', 'mlp']);
    expect(Object.keys(json.models.linear.horizons)).toEqual(['1', '5', '10', '20']);
    expect(json.models.linear.portfolio).toHaveProperty('ir');
    expect(json.backend.name).toBe('cpu');
    expect(m.models.mlp.groups[0].epochs).toBe(2);

    await initParquetNode();
    const scores = parquetToTable(new Uint8Array(readFileSync(join(out, 'scores.parquet'))));
    expect(scores.schema.fields.map((f) => f.name)).toEqual(['date', 'ticker', 'model', 'horizon', 'score', 'label']);
    // recompute the mean per-date Pearson IC of linear at horizon 5 from the rows
    const byDate = new Map<number, { s: number[]; y: number[] }>();
    const col = (n: string) => scores.getChild(n)!;
    for (let i = 0; i < scores.numRows; i++) {
      if (col('model').get(i) !== 'linear' || col('horizon').get(i) !== 5) continue;
      const y = col('label').get(i) as number;
      if (!Number.isFinite(y)) continue;
      const d = Number(col('date').get(i));
      if (!byDate.has(d)) byDate.set(d, { s: [], y: [] });
      byDate.get(d)!.s.push(col('score').get(i) as number);
      byDate.get(d)!.y.push(y);
    }
    const corr = (a: number[], b: number[]) => {
      const ma = a.reduce((x, v) => x + v, 0) / a.length, mb = b.reduce((x, v) => x + v, 0) / b.length;
      let ab = 0, aa = 0, bb = 0;
      a.forEach((v, i) => { ab += (v - ma) * (b[i] - mb); aa += (v - ma) ** 2; bb += (b[i] - mb) ** 2; });
      return ab / Math.sqrt(aa * bb);
    };
    const ics = [...byDate.values()].filter((v) => v.s.length >= 2).map((v) => corr(v.s, v.y));
    expect(ics.length).toBe(json.models.linear.horizons['5'].dates);
    expect(ics.reduce((a, b) => a + b, 0) / ics.length).toBeCloseTo(json.models.linear.horizons['5'].ic, 5);
    expect(json.models.linear.horizons['5'].ic).toBeGreaterThan(0.1); // the planted signal

    const port = parquetToTable(new Uint8Array(readFileSync(join(out, 'portfolio.parquet'))));
    expect(port.schema.fields.map((f) => f.name)).toEqual(['date', 'model', 'portfolio_return', 'benchmark_return']);
    expect(port.numRows % 3).toBe(0); // same holding days for the three models
    // annualised alpha in metrics.json = mean(portfolio - benchmark) * 252 over the linear rows
    let sum = 0, n = 0;
    for (let i = 0; i < port.numRows; i++) if (port.getChild('model')!.get(i) === 'linear') { sum += (port.getChild('portfolio_return')!.get(i) as number) - (port.getChild('benchmark_return')!.get(i) as number); n++; }
    expect((sum / n) * 252).toBeCloseTo(json.models.linear.portfolio.alpha, 8);
  });
});
