/**
 * The headless runner end to end on a small synthetic market: the three output files exist, read back, and
 * agree with each other (IC recomputed from scores.parquet equals metrics.json).
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkpointDir, expandConfig, mergeRun, readCheckpoints, runExperiment, scoresTable, writeCheckpoint } from './experiment';
import type { Panel } from '../src/core/panel';
import type { RunResult } from '../src/train/runner';
import type { GroupCheckpoint } from '../src/train/run-key';
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
      const ma = a.reduce((x, v) => x + v, 0) / a.length,
        mb = b.reduce((x, v) => x + v, 0) / b.length;
      let ab = 0,
        aa = 0,
        bb = 0;
      a.forEach((v, i) => {
        ab += (v - ma) * (b[i] - mb);
        aa += (v - ma) ** 2;
        bb += (b[i] - mb) ** 2;
      });
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
    let sum = 0,
      n = 0;
    for (let i = 0; i < port.numRows; i++)
      if (port.getChild('model')!.get(i) === 'linear') {
        sum += (port.getChild('portfolio_return')!.get(i) as number) - (port.getChild('benchmark_return')!.get(i) as number);
        n++;
      }
    expect((sum / n) * 252).toBeCloseTo(json.models.linear.portfolio.alpha, 8);
    // lag 1 (the default) is recorded beside the strategy, and the first holding day is the third test date: the scores
    // of the first test date are traded at the close of the second and first earn the third
    expect(json.models.linear.lag).toBe(1);
    expect(json.models.linear.strategy.lag).toBe(1);
    const testDays = [...new Set(Array.from({ length: scores.numRows }, (_, i) => Number(col('date').get(i))))].sort((a, b) => a - b);
    let firstHeld = Infinity;
    for (let i = 0; i < port.numRows; i++) firstHeld = Math.min(firstHeld, Number(port.getChild('date')!.get(i)));
    expect(firstHeld).toBe(testDays[2]);
  });

  it('--resume: a run stopped after group 1 continues from its checkpoints with the same metrics', async () => {
    const out = mkdtempSync(join(tmpdir(), 'factor-lab-resume-'));
    const cfg = {
      ...config,
      run: { ...config.run, split: { kind: 'walkforward' as const, groups: 2, gap: 21 } },
      models: [{ model: 'mlp', label: 'MLP tiny', config: { hidden: 8, layers: 1, epochs: 1 } }],
    };
    const first = await runExperiment(cfg, out, { backend: 'cpu', log: () => {} });
    const dir = checkpointDir(out, 'MLP tiny');
    expect(dir).toBe(join(out, 'checkpoints', 'MLP_tiny'));
    expect(readdirSync(dir).sort()).toEqual(['g0.bin', 'g0.json', 'g1.bin', 'g1.json']);
    // the files give back the checkpoints: float32 scores [H, Dg, N], the record with typed weights
    const cps = readCheckpoints(dir);
    expect(cps.map((c) => [c.groupIndex, c.label, c.total])).toEqual([
      [0, '2016H1', 2],
      [1, '2016H2', 2],
    ]);
    const [H, Dg, N] = cps[0].shape;
    expect([H, N]).toEqual([4, 40]);
    expect(cps[0].scores.length).toBe(H * Dg * N);
    expect(cps.map((c) => c.record.test)).toEqual(first.models['MLP tiny'].groups.map((g: { test: [string, string] }) => g.test));
    expect(cps[0].record.history.epochs).toHaveLength(1);
    expect(cps[0].record.weights![0].values).toBeInstanceOf(Float32Array);

    // "stopped after group 1": group 2's files gone; --resume trains only group 2
    for (const f of ['g1.json', 'g1.bin']) rmSync(join(dir, f));
    const lines: string[] = [];
    const again = await runExperiment(cfg, out, { backend: 'cpu', resume: true, log: (l) => lines.push(l) });
    expect(lines.filter((l) => /resuming|checkpointed/.test(l))).toEqual([
      `[MLP tiny] resuming: 1 of 2 groups from ${dir} (2016H1)`,
      '[MLP tiny] group 2/2 (2016H2) checkpointed',
    ]);
    expect(lines.some((l) => l.includes(' group 1/2 train'))).toBe(false);
    expect(again.models['MLP tiny'].horizons).toEqual(first.models['MLP tiny'].horizons);
    expect(again.models['MLP tiny'].portfolio).toEqual(first.models['MLP tiny'].portfolio);
    expect(readCheckpoints(dir).map((c) => Array.from(c.scores))).toEqual(cps.map((c) => Array.from(c.scores)));

    // another seed: the saved groups belong to another run and are replaced; without --resume the directory starts afresh
    const lines2: string[] = [];
    await runExperiment({ ...cfg, run: { ...cfg.run, seed: 7 } }, out, { backend: 'cpu', resume: true, log: (l) => lines2.push(l) });
    expect(lines2.some((l) => /^\[MLP tiny\] removing 2 checkpoint\(s\) of another run/.test(l))).toBe(true);
    expect(lines2.some((l) => l.includes('resuming'))).toBe(false);
    expect(existsSync(join(dir, 'g1.json'))).toBe(true);
  });

  it('checkpoint files keep typed arrays and non-finite numbers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'factor-lab-cp-'));
    const cp = {
      runKey: 'mlp-0123456789abcdef',
      groupIndex: 3,
      label: '2017H2',
      total: 5,
      test: ['2017-07-03', '2017-12-29'],
      shape: [1, 2, 2],
      scores: Float32Array.of(0.25, NaN, -1.5, Infinity),
      channels: { fhat: Float32Array.of(0.5, NaN, -0.25, 1) },
      record: {
        index: 3,
        label: '2017H2',
        history: { bestValMetric: NaN, epochs: [{ epoch: 1, valMetric: -Infinity }] },
        extras: { estimate: { scores: Float64Array.of(1e-300, NaN) }, codes: Int32Array.of(-7, 9) },
      },
    } as unknown as GroupCheckpoint;
    writeCheckpoint(dir, cp);
    expect(readdirSync(dir).sort()).toEqual(['g3.bin', 'g3.json']);
    const [back] = readCheckpoints(dir);
    expect(back).toEqual(cp);
    expect(back.scores).toBeInstanceOf(Float32Array);
    expect(back.channels!.fhat).toBeInstanceOf(Float32Array);
    expect((back.record.extras as { estimate: { scores: unknown } }).estimate.scores).toBeInstanceOf(Float64Array);
    expect((back.record.extras as { codes: unknown }).codes).toBeInstanceOf(Int32Array);
  });

  it('scores.parquet has one column per output channel; a per-date channel repeats on every horizon, NaN for runs without it', () => {
    // panel: T = 3 dates, N = 2 stocks, horizons [1, 5]; fwd [H, T, N] = 0.01 * (10 h + 2 t + n)
    const fwd = Float32Array.from({ length: 2 * 3 * 2 }, (_, k) => 0.01 * k);
    const panel = { dates: ['2019-01-02', '2019-01-03', '2019-01-04'], tickers: ['A', 'B'], fwd } as unknown as Panel;
    // two runs on test dates [1, 2] (D = 2): scores [H, D, N]; run 0 has sigma [H, D, N] and weight [1, D, N]
    const scores = Float32Array.from([1, 2, 3, NaN, 5, 6, 7, NaN]); // stock B not scored on date 2
    const base = { testIndex: Int32Array.from([1, 2]), horizons: [1, 5], scoresByHorizon: scores };
    const withCh = {
      ...base,
      channels: [
        {
          spec: { name: 'sigma', kind: 'sigma', label: 'risk', perHorizon: true },
          values: Float32Array.from([0.1, 0.2, 0.3, NaN, 0.5, 0.6, 0.7, NaN]),
        },
        { spec: { name: 'weight', kind: 'weight', label: 'w', perHorizon: false }, values: Float32Array.from([0.4, 0.6, 1, NaN]) },
      ],
    } as unknown as RunResult;
    const plain = { ...base, channels: [] } as unknown as RunResult;
    const t = scoresTable(panel, [
      { label: 'a', r: withCh },
      { label: 'b', r: plain },
    ]);
    expect(t.schema.fields.map((f) => f.name)).toEqual(['date', 'ticker', 'model', 'horizon', 'score', 'label', 'sigma', 'weight']);
    expect(t.numRows).toBe(12); // 6 finite scores per run
    const col = (n: string) => Array.from(t.getChild(n)!.toArray() as Float32Array);
    // run a, in (h, j, n) order: h=0 (1,A) (1,B) (2,A); h=1 (1,A) (1,B) (2,A)
    expect(col('score').slice(0, 6)).toEqual([1, 2, 3, 5, 6, 7]);
    expect(
      col('sigma')
        .slice(0, 6)
        .map((v) => Math.round(v * 10) / 10),
    ).toEqual([0.1, 0.2, 0.3, 0.5, 0.6, 0.7]);
    expect(
      col('weight')
        .slice(0, 6)
        .map((v) => Math.round(v * 10) / 10),
    ).toEqual([0.4, 0.6, 1, 0.4, 0.6, 1]);
    // label = fwd[h, t, n]: h=1, t=2, n=0 -> index (1*3+2)*2+0 = 10 -> 0.10
    expect(col('label')[5]).toBeCloseTo(0.1, 6);
    expect(col('sigma').slice(6).every(Number.isNaN)).toBe(true);
    expect(col('weight').slice(6).every(Number.isNaN)).toBe(true);
  });
});
