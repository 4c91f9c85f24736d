/**
 * FactorVAE's experiments in the browser (issue 12), state level: the Seeds list expands "Compare methods" into one job
 * per method and seed with the headless runner's labels, Table 1 aggregates them, a holdout run lands in Table 2, and
 * both travel in the link.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { defaultRun, type RunConfig } from '../core/run';
import { cancelTraining, compareMethods, initLab, loadDataset, resumeTraining, setHoldout, setModel, startTraining } from './actions';
import type { DatasetSummary, GroupCheckpoint, LabApi, ModelInfo, TrainResult } from './lab-api';
import { runKey } from './checkpoints';
import { useLab } from './store';
import { comparisonJobs, effectiveSeeds, parseSeedText, relabel, table2View } from './experiments';
import { seedTableView } from './paper-tables';
import { hashToRun, runToHash } from './url-state';
import { expandSeeds } from '../eval/seeds';

const models: ModelInfo[] = [
  { id: 'linear', label: 'Linear', configSchema: [{ key: 'l2', label: 'L2', default: 0.01, min: 0, max: 1 }] },
  { id: 'gru', label: 'GRU', configSchema: [{ key: 'hidden', label: 'Hidden', default: 64, min: 4, max: 512 }] },
];
const summary: DatasetSummary = {
  name: 'synthetic',
  kind: 'synthetic',
  dates: { start: '2012-01-03', end: '2019-12-31', count: 2012 },
  stocks: 200,
  factors: [{ name: 'f1', group: 'g' }],
  universes: [{ name: 'all', description: 'all', avgMembers: 200 }],
  bytes: 1e6,
  edges: { dates: [], avgEdges: [] },
  industries: [],
  tables: [],
  notes: [],
};
// the engine's double: rank IC 0.01 x seed for Linear, 0.02 x seed for GRU; rank ICIR 10 x the rank IC; a holdout run
// reports its held-out tickers (m = the count, of 200) and half the rank IC
const rankIcOf = (run: RunConfig) => (run.model === 'linear' ? 0.01 : 0.02) * run.seed * (run.holdout ? 0.5 : 1);
const fake = (run: RunConfig): TrainResult => {
  const label = models.find((m) => m.id === run.model)!.label;
  const ic = rankIcOf(run);
  return {
    model: run.model,
    label,
    backend: 'cpu',
    run,
    elapsedMs: 1,
    metrics: { columns: [], rows: [{ method: run.model, label, values: {} }] },
    series: [{ method: run.model, label, dates: [], cumReturn: [], cumExcess: [], icDates: [], ic: [] }],
    benchmark: { label: 'EW', dates: [], cumReturn: [] },
    allMetrics: { rankIc: ic, rankIcir: 10 * ic },
    alternatives: [
      {
        name: 'alt',
        method: `${run.model}:alt`,
        label: `${label} · alt`,
        metrics: {},
        series: { method: `${run.model}:alt`, label: `${label} · alt`, dates: [], cumReturn: [], cumExcess: [], icDates: [], ic: [] },
      },
    ],
    ...(run.holdout ? { holdout: { stocks: Array.from({ length: run.holdout.count ?? 0 }, (_, i) => `S${i}`), candidates: 200 } } : {}),
  };
};
const seen: { model: string; seed: number; holdout: boolean; queueLabel?: string }[] = [];
const plainTrain: LabApi['train'] = async (run) => {
  const q = useLab.getState().queue;
  seen.push({ model: run.model, seed: run.seed, holdout: !!run.holdout, queueLabel: q?.labels?.[q.index] });
  return fake(run);
};
let trainImpl: LabApi['train'] = plainTrain;
const api: LabApi = {
  loadDataset: async () => summary,
  query: async () => ({ columns: [], rows: [] }),
  train: (...a) => trainImpl(...a),
  setPaused: () => {},
  listModels: async () => models,
};

beforeEach(async () => {
  useLab.setState({ summary: null, dataStatus: 'empty', loadedSpec: null, results: [], trainStatus: 'idle', queue: null, seeds: [] });
  await initLab(api, { hash: '#model=linear&seed=42', search: '' });
  await loadDataset({ kind: 'synthetic', name: 'synthetic' });
  setHoldout(undefined);
  seen.length = 0;
  trainImpl = plainTrain;
});

describe('Seeds field', () => {
  it('reads a list of up to 10 distinct whole numbers; empty = the run seed', () => {
    expect(parseSeedText('1, 2,3 4')).toEqual([1, 2, 3, 4]);
    expect(parseSeedText('  ')).toEqual([]);
    expect(() => parseSeedText('1, x')).toThrow(/Seeds: 'x' is not a seed/);
    expect(() => parseSeedText('1.5')).toThrow(/'1.5' is not a seed/);
    expect(() => parseSeedText('-1')).toThrow(/'-1' is not a seed/);
    expect(() => parseSeedText('1,2,3,4,5,6,7,8,9,10,11')).toThrow(/11 seeds; at most 10/);
    expect(() => parseSeedText('1,2,1')).toThrow(/repeat a seed/);
    expect(effectiveSeeds([], 42)).toEqual([]);
    expect(effectiveSeeds([42], 42)).toEqual([]); // the run's own seed: a plain comparison
    expect(effectiveSeeds([7], 42)).toEqual([7]);
    expect(effectiveSeeds([1, 2], 42)).toEqual([1, 2]);
  });

  it("expands methods into one job per seed with the headless runner's labels", () => {
    const methods = [
      { label: 'Linear', run: { ...defaultRun, model: 'linear' } },
      { label: 'GRU', run: { ...defaultRun, model: 'gru' } },
    ];
    const jobs = comparisonJobs(methods, [1, 2]);
    expect(jobs.map((j) => [j.label, j.run.model, j.run.seed])).toEqual([
      ['Linear@1', 'linear', 1],
      ['Linear@2', 'linear', 2],
      ['GRU@1', 'gru', 1],
      ['GRU@2', 'gru', 2],
    ]);
    // the very labels of the headless experiment (scripts/experiment.ts expandConfig uses expandSeeds)
    expect(jobs.map((j) => j.label)).toEqual(expandSeeds(methods, [1, 2]).map((j) => j.label));
    expect(comparisonJobs(methods, [])).toBe(methods);
  });

  it('relabels a result everywhere its label shows', () => {
    const r = relabel(fake({ ...defaultRun, model: 'gru', seed: 3 }), 'GRU@3');
    expect([r.label, r.metrics.rows[0].label, r.series[0].label, r.alternatives![0].label, r.alternatives![0].series.label]).toEqual([
      'GRU@3',
      'GRU@3',
      'GRU@3',
      'GRU@3 · alt',
      'GRU@3 · alt',
    ]);
  });
});

describe('Compare methods over seeds (Table 1)', () => {
  it('trains each ticked method once per seed, keeps the seeds side by side and fills mean (std)', async () => {
    useLab.setState({ compareIds: ['linear', 'gru'], seeds: [1, 2, 3] });
    await compareMethods();
    expect(seen.map((x) => `${x.model}@${x.seed}`)).toEqual(['linear@1', 'linear@2', 'linear@3', 'gru@1', 'gru@2', 'gru@3']);
    // the queue names each job as its result will be named
    expect(seen.map((x) => x.queueLabel)).toEqual(['Linear@1', 'Linear@2', 'Linear@3', 'GRU@1', 'GRU@2', 'GRU@3']);
    let s = useLab.getState();
    expect(s.results.map((r) => r.label)).toEqual(['Linear@1', 'Linear@2', 'Linear@3', 'GRU@1', 'GRU@2', 'GRU@3']);
    const t1 = seedTableView(s.results);
    // Linear: rank IC 0.01, 0.02, 0.03 -> mean 0.02, sample std sqrt(((-0.01)^2 + 0 + 0.01^2) / 2) = 0.01
    // GRU: 0.02, 0.04, 0.06 -> mean 0.04, std 0.02; rank ICIR 10x: 0.2 (0.1) and 0.4 (0.2)
    expect(t1.map((r) => [r.method, r.seeds])).toEqual([
      ['Linear', [1, 2, 3]],
      ['GRU', [1, 2, 3]],
    ]);
    expect(t1[0].stats.rankIc.mean).toBeCloseTo(0.02, 12);
    expect(t1[0].stats.rankIc.std).toBeCloseTo(0.01, 12);
    expect(t1[1].stats.rankIc.std).toBeCloseTo(0.02, 12);
    expect(t1[1].stats.rankIcir.mean).toBeCloseTo(0.4, 12);
    expect(t1[1].stats.rankIcir.std).toBeCloseTo(0.2, 12);

    // the same comparison with fewer seeds replaces the earlier seeds of each method (no stale seed 3)
    useLab.setState({ seeds: [1, 2] });
    await compareMethods();
    s = useLab.getState();
    expect(s.results.map((r) => r.label)).toEqual(['Linear@1', 'Linear@2', 'GRU@1', 'GRU@2']);

    // one plain Train of Linear replaces all its seeds with one result, labelled as before seeds existed
    setModel('linear');
    await startTraining();
    s = useLab.getState();
    expect(s.results.map((r) => r.label)).toEqual(['GRU@1', 'GRU@2', 'Linear']);
  });

  it('without a seeds list (or with the run seed only) Compare trains once per method, unlabelled', async () => {
    useLab.setState({ compareIds: ['linear', 'gru'], seeds: [42] });
    await compareMethods();
    expect(seen.map((x) => `${x.model}@${x.seed}`)).toEqual(['linear@42', 'gru@42']);
    expect(useLab.getState().results.map((r) => r.label)).toEqual(['Linear', 'GRU']);
  });
});

describe('a stopped comparison over seeds', () => {
  it('resumes with its seed labels: the checkpoint remembers that the queue is seeded', async () => {
    useLab.setState({ compareIds: ['linear'], seeds: [1, 2, 3] });
    const cp = (run: RunConfig): GroupCheckpoint => ({
      runKey: runKey(run),
      groupIndex: 0,
      label: 'g0',
      total: 2,
      test: ['2016-01-04', '2016-06-30'],
      record: { index: 0, label: 'g0' } as GroupCheckpoint['record'],
      shape: [1, 2, 1],
      scores: Float32Array.of(0.5, -0.5),
    });
    // seed 2 finishes one group of two, then waits to be cancelled
    trainImpl = (run, p, signal, opts) => {
      if (run.seed !== 2 || opts.resume?.length) return plainTrain(run, p, signal, opts);
      opts.onGroupDone?.(cp(run));
      return new Promise((_, reject) =>
        signal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))),
      );
    };
    const running = compareMethods();
    await expect.poll(() => useLab.getState().checkpoint?.groups.length ?? 0).toBe(1);
    cancelTraining();
    await running;
    let s = useLab.getState();
    expect(s.results.map((r) => r.label)).toEqual(['Linear@1']);
    expect(s.checkpoint).toMatchObject({ seeded: true, queue: [{ model: 'linear', seed: 3 }] });
    await resumeTraining();
    s = useLab.getState();
    expect(seen.map((x) => `${x.model}@${x.seed}`)).toEqual(['linear@1', 'linear@2', 'linear@3']);
    expect(s.results.map((r) => r.label)).toEqual(['Linear@1', 'Linear@2', 'Linear@3']);
    expect(seedTableView(s.results)[0].seeds).toEqual([1, 2, 3]);
  });
});

describe('held-out stocks (Table 2)', () => {
  it('holdout runs sit beside the full runs, stay out of Table 1 and fill Table 2 with m and the seeds', async () => {
    useLab.setState({ compareIds: ['linear', 'gru'], seeds: [1, 2] });
    await compareMethods();
    setHoldout({ count: 30 });
    expect(useLab.getState().run.holdout).toEqual({ count: 30 });
    await compareMethods();
    expect(seen.filter((x) => x.holdout).map((x) => `${x.model}@${x.seed}`)).toEqual(['linear@1', 'linear@2', 'gru@1', 'gru@2']);
    const s = useLab.getState();
    expect(s.results.map((r) => r.label)).toEqual([
      'Linear@1',
      'Linear@2',
      'GRU@1',
      'GRU@2',
      'Linear · held-out@1',
      'Linear · held-out@2',
      'GRU · held-out@1',
      'GRU · held-out@2',
    ]);
    // Table 1 only from the full runs: Linear 0.01, 0.02 -> mean 0.015
    expect(seedTableView(s.results)[0].stats.rankIc.mean).toBeCloseTo(0.015, 12);
    const t2 = table2View(s.results);
    // held out: half the rank IC. Linear 0.005, 0.01 -> mean 0.0075, std sqrt(2 x 0.0025^2 / 1) = 0.0035355
    expect(t2.map((r) => [r.method, r.setting, r.m, r.of, r.seeds])).toEqual([
      ['Linear', 'm = 30', [30, 30], [200, 200], [1, 2]],
      ['GRU', 'm = 30', [30, 30], [200, 200], [1, 2]],
    ]);
    expect(t2[0].rankIc.mean).toBeCloseTo(0.0075, 12);
    expect(t2[0].rankIc.std).toBeCloseTo(0.0025 * Math.SQRT2, 12);
    expect(t2[1].rankIcir.mean).toBeCloseTo(0.15, 12); // 10 x (0.01 + 0.02) / 2
    setHoldout(undefined);
    expect('holdout' in useLab.getState().run).toBe(false);
  });
});

describe('in the link', () => {
  it('seeds and the holdout travel; a bad list gets a banner naming the key; more than 10 keep the first 10', () => {
    const run: RunConfig = { ...defaultRun, holdout: { fraction: 0.25 } };
    const h = runToHash(run, undefined, [1, 2, 3]);
    expect(h).toContain('&seeds=1,2,3');
    expect(h).toContain('holdout.fraction=0.25');
    const p = hashToRun(h);
    expect(p.seeds).toEqual([1, 2, 3]);
    expect(p.run.holdout).toEqual({ fraction: 0.25 });
    expect(p.warnings).toEqual([]);
    expect(runToHash(defaultRun, undefined, [])).not.toContain('seeds');

    const bad = hashToRun('#seeds=1,x,3');
    expect(bad.seeds).toBeUndefined();
    expect(bad.warnings).toEqual([expect.stringMatching(/^seeds=1,x,3: 'x' is not a seed.*Ignored$/)]);
    expect(hashToRun('#seeds=1,1').warnings[0]).toMatch(/^seeds=1,1: .*repeat a seed/);
    const many = hashToRun('#seeds=' + Array.from({ length: 12 }, (_, i) => i + 1).join(','));
    expect(many.seeds).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(many.warnings).toEqual(['seeds: 12 seeds; at most 10, using 1,2,3,4,5,6,7,8,9,10']);
    const m1 = hashToRun('#holdout.count=1');
    expect(m1.run.holdout).toEqual({ count: 2 });
    expect(m1.warnings).toEqual(['holdout.count=1: outside 2..100000; using 2']);
  });
});
