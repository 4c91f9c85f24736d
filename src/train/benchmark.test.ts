/**
 * A user benchmark series through the runner, the re-evaluation and the worker protocol: excess = portfolio - benchmark
 * on every holding day, alpha = mean(excess) x 252, a series that misses a holding day is a LabError naming it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from './tf';
import { plantedPanel } from './fixtures';
import { runOnPanel, type RunResult } from './runner';
import { evaluateScores } from './reevaluate';
import { LabClient, type WorkerLike } from './client';
import { createDispatcher } from './dispatcher';
import { nodeWorkerEnv } from './node-io';
import { defaultRun, type RunConfig } from '../core/run';
import { LabError } from '../core/errors';
import { isoToDay } from '../core/dates';
import type { SplitPlan } from '../data/splits';
import { initParquetNode } from '../data/parquet-node';
import { tableToParquet } from '../data/parquet';
import { makeTable } from '../data/test-fixtures';
import { makeRng } from '../core/rng';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await initParquetNode();
});

const T = 90,
  N = 30;
const panel = plantedPanel({ T, N, F: 4, horizons: [1, 5], seed: 3, noise: 1.5, missing: 0.1 });
// the fixture's daily returns are 0: give the stocks seeded returns (0.05% drift, 1% noise) so portfolios earn something
const rng = makeRng(11);
for (let k = 0; k < T * N; k++) panel.ret[k] = 0.0005 + 0.01 * rng.normal(); // [T, N]
const plan: SplitPlan = {
  kind: 'fixed',
  maxHorizon: 5,
  warnings: [],
  groups: [
    {
      index: 0,
      label: 'g0',
      train: { start: 0, end: 50 },
      valid: { start: 50, end: 60 },
      gap: { start: 60, end: 65 },
      test: { start: 65, end: 85 },
    },
  ],
};
const run: RunConfig = {
  ...defaultRun,
  dataset: { kind: 'synthetic', name: 'planted' },
  model: 'linear',
  strategy: { kind: 'topquantile', groups: 5, horizon: 5, rebalance: 5, cost: 0.004 },
};

describe('runOnPanel with a user benchmark', () => {
  const zero = { dates: panel.dates.slice(), ret: new Float64Array(T), name: 'zero.parquet' }; // 0 on every panel day
  let r: RunResult;
  beforeAll(async () => {
    r = await runOnPanel(panel, run, { plan, benchmark: zero });
  });

  it('a benchmark of 0 every day: excess = portfolio and alpha = mean(portfolio) x 252', () => {
    const s = r.eval.series;
    expect(s.portfolio.length).toBeGreaterThan(10);
    expect(r.eval.settings.benchmark).toBe('zero.parquet');
    expect(Array.from(s.benchmark).every((v) => v === 0)).toBe(true);
    expect(Array.from(s.excess)).toEqual(Array.from(s.portfolio));
    let sum = 0;
    for (const v of s.portfolio) sum += v;
    expect(r.eval.metrics.alpha).toBeCloseTo((sum / s.portfolio.length) * 252, 12);
    expect(r.eval.metrics.alpha).not.toBe(0);
  });

  it('differs from the default equal-weighted benchmark, and re-evaluation passes the same series', async () => {
    const def = await runOnPanel(panel, run, { plan });
    expect(def.eval.settings.benchmark).toBe('equal-weighted universe');
    expect(Array.from(def.eval.series.portfolio)).toEqual(Array.from(r.eval.series.portfolio)); // same scores, same portfolio
    expect(def.eval.metrics.alpha).not.toBeCloseTo(r.eval.metrics.alpha, 6);
    const scores = { scoresByHorizon: r.scoresByHorizon, testIndex: r.testIndex, horizons: r.horizons };
    expect(evaluateScores(panel, run, scores, zero).metrics).toEqual(r.eval.metrics);
    expect(evaluateScores(panel, run, scores).metrics).toEqual(def.eval.metrics);
  });

  it('a series missing one holding day rejects with a LabError naming that day', async () => {
    const missing = r.eval.series.iso[7];
    const keep = panel.dates.map((d, i) => [d, i] as const).filter(([d]) => d !== missing);
    const gap = { dates: keep.map(([d]) => d), ret: Float64Array.from(keep, () => 0.001), name: 'gap.parquet' };
    const err = await runOnPanel(panel, run, { plan, benchmark: gap }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LabError);
    expect((err as Error).message).toContain(`has no return for ${missing}`);
  });
});

/** A Worker stand-in (as client.test.ts): messages cross as structured clones, one macrotask later. */
function inProcessWorker(): WorkerLike {
  const listeners: ((e: MessageEvent) => void)[] = [];
  const dispatch = createDispatcher(nodeWorkerEnv(), (msg, transfer) => {
    const m = structuredClone(msg, { transfer });
    setImmediate(() => listeners.forEach((l) => l({ data: m } as MessageEvent)));
  });
  return {
    postMessage: (msg, transfer) => {
      const m = structuredClone(msg, { transfer });
      setImmediate(() => void dispatch(m as never));
    },
    addEventListener: (_t, l) => {
      listeners.push(l);
    },
  };
}

describe('LOAD_BENCHMARK / CLEAR_BENCHMARK through the worker protocol', () => {
  const client = new LabClient(inProcessWorker(), { baseUrl: 'http://localhost/' });
  afterAll(() => client.terminate());
  const spec = { kind: 'synthetic' as const, name: 'synthetic', synthetic: { nStocks: 30, nDays: 520, nFactors: 6, alpha: 0.01 } };
  const prep = { ...defaultRun.preprocessing, minHistory: 20 };
  const wrun: RunConfig = {
    ...defaultRun,
    dataset: spec,
    preprocessing: prep,
    backend: 'cpu',
    model: 'linear',
    split: { kind: 'walkforward', groups: 0, gap: 21 },
    strategy: { ...defaultRun.strategy, horizon: 5 },
  };

  it('keeps the series, evaluates against it, reports bad files and gaps, and clears', async () => {
    const sum = await client.loadDataset(spec, prep);
    const days = sum.edgesPerStock.dates; // the panel's trading days
    // a constant 0.1% daily benchmark on every trading day, as a return file
    const file = (dates: string[]) =>
      tableToParquet(
        makeTable({ date: { kind: 'date', values: dates.map(isoToDay) }, ret: { kind: 'f64', values: dates.map(() => 0.001) } }),
      );
    const base = await client.train(wrun).result;
    expect(base.eval.settings.benchmark).toBe('equal-weighted universe');
    const scores = { scoresByHorizon: base.scoresByHorizon, testIndex: base.testIndex, horizons: base.horizons };

    expect(await client.loadBenchmark(file(days), 'idx.parquet')).toEqual({
      name: 'idx.parquet',
      rows: days.length,
      first: days[0],
      last: days[days.length - 1],
    });
    const ev = await client.evaluate(wrun, scores);
    expect(ev.eval.settings.benchmark).toBe('idx.parquet');
    for (let k = 0; k < ev.eval.series.excess.length; k++)
      expect(ev.eval.series.excess[k]).toBeCloseTo(ev.eval.series.portfolio[k] - 0.001, 15);
    const trained = await client.train(wrun).result; // training evaluates against it too
    expect(trained.eval.settings.benchmark).toBe('idx.parquet');
    expect(trained.eval.metrics.alpha).toBeCloseTo(ev.eval.metrics.alpha, 12);

    // a bad file is rejected and the kept series stays
    const bad = await client.loadBenchmark(tableToParquet(makeTable({ day: { kind: 'date', values: [0] } })), 'bad.parquet').then(
      () => null,
      (e: unknown) => e,
    );
    expect(bad).toBeInstanceOf(LabError);
    expect((bad as Error).message).toContain("bad.parquet: missing column 'date'");
    expect((await client.evaluate(wrun, scores)).eval.settings.benchmark).toBe('idx.parquet');

    // a series without one holding day: the evaluation rejects naming the day; the worker keeps answering
    const hole = ev.eval.series.iso[3];
    await client.loadBenchmark(file(days.filter((d) => d !== hole)), 'gap.parquet');
    const err = await client.evaluate(wrun, scores).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LabError);
    expect((err as Error).message).toContain(`has no return for ${hole}`);

    await client.clearBenchmark();
    const back = await client.evaluate(wrun, scores);
    expect(back.eval.settings.benchmark).toBe('equal-weighted universe');
    expect(back.eval.metrics).toEqual(base.eval.metrics);
  });
});
