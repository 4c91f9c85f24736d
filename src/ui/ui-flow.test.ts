/**
 * Issue 14 (the lab as a teacher and an analyst use it): state-level checks of the flow fixes. A scripted LabApi
 * double does exactly what each test says; the real store, actions, URL state and derived views run.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { defaultRun, type RunConfig, type SplitConfig } from '../core/run';
import {
  applyPreset,
  cancelPendingLoad,
  cancelTraining,
  confirmPendingLoad,
  initLab,
  loadDataset,
  runQuery,
  setModel,
  setSeed,
  setSplit,
  setSplitKind,
  splitError,
  startTraining,
  syntheticSpec,
  applyMarketPreset,
} from '../state/actions';
import { checkReadOnlySql } from '../state/sql-guard';
import { PRESETS } from '../state/presets';
import { presetIntact } from '../state/views';
import { sqlRowCount } from './panels/SqlConsole';
import { cumExcessTitle } from './panels/ResultsPanel';
import { hashToRun } from '../state/url-state';
import { setupHash } from '../state/url-sync';
import type { DatasetSummary, LabApi, ModelInfo, TrainProgress, TrainResult } from '../state/lab-api';
import { memoryCheckpointStore, setCheckpointStore } from '../state/checkpoints';
import { useLab } from '../state/store';
import { lossOption } from './charts/options';

export const models: ModelInfo[] = [
  { id: 'linear', label: 'Linear', configSchema: [{ key: 'l2', label: 'L2', default: 0.01, min: 0, max: 1 }] },
  {
    id: 'mlp',
    label: 'MLP',
    configSchema: [
      { key: 'hidden', label: 'Hidden', default: 64, min: 4, max: 512 },
      { key: 'epochs', label: 'Epochs', default: 10, min: 1, max: 200 },
    ],
  },
  { id: 'dmfm', label: 'DMFM', configSchema: [{ key: 'epochs', label: 'Epochs', default: 20, min: 1, max: 200 }] },
];
const summary = (name: string): DatasetSummary => ({
  name,
  kind: 'prices',
  dates: { start: '2012-01-03', end: '2019-12-31', count: 2012 },
  stocks: 400,
  factors: [{ name: 'mom_20', group: 'momentum' }],
  universes: [{ name: 'all', description: 'all', avgMembers: 390 }],
  bytes: 1e6,
  edges: { dates: [], avgEdges: [] },
  industries: [],
  tables: [],
  notes: [],
});
const result = (model: string, run: RunConfig = defaultRun): TrainResult => ({
  model,
  label: model.toUpperCase(),
  backend: 'cpu',
  run,
  elapsedMs: 10,
  metrics: { columns: [{ key: 'ic', label: 'IC', format: 'number' }], rows: [{ method: model, label: model, values: { ic: 0.02 } }] },
  series: [],
  benchmark: { label: 'EW', dates: [], cumReturn: [] },
});

let trainImpl: LabApi['train'];
const loads: string[] = [];
const api: LabApi = {
  loadDataset: async (spec) => {
    loads.push(spec.name);
    return summary(spec.name);
  },
  query: async (sql) => ({ columns: ['sql'], rows: [[sql]] }),
  train: (...a) => trainImpl(...a),
  setPaused: () => {},
  listModels: async () => models,
};

beforeEach(async () => {
  setCheckpointStore(memoryCheckpointStore());
  useLab.setState({
    summary: null,
    dataStatus: 'empty',
    loadedSpec: null,
    results: [],
    trainStatus: 'idle',
    pendingLoad: null,
    queue: null,
    splitByKind: {},
    trainError: null,
  });
  loads.length = 0;
  trainImpl = async (run: RunConfig, onP: (p: TrainProgress) => void) => {
    onP({ phase: 'training', epoch: 1, epochs: 1, step: 1, steps: 1, fraction: 1, elapsedMs: 5 });
    return result(run.model, run);
  };
  await initLab(api, { hash: '#model=mlp', search: '' });
});

describe('defect 1: loading another dataset asks before discarding trained results', () => {
  it('waits for an answer; "keep" keeps results and data, "discard" loads and clears them', async () => {
    expect(await loadDataset()).toBe(true); // the bundled set, nothing trained yet: no question
    expect(useLab.getState().pendingLoad).toBeNull();
    await startTraining();
    expect(useLab.getState().results.map((r) => r.model)).toEqual(['mlp']);

    // another dataset: nothing is loaded, the question waits
    const before = loads.length;
    expect(await loadDataset(syntheticSpec())).toBe(false);
    let s = useLab.getState();
    expect(loads.length).toBe(before);
    expect(s.pendingLoad).toMatchObject({ spec: { kind: 'synthetic' }, results: ['MLP'] });
    expect(s.results).toHaveLength(1);
    expect(s.summary?.name).toBe('us-large-cap-2012-2019');

    cancelPendingLoad();
    s = useLab.getState();
    expect(s.pendingLoad).toBeNull();
    expect(s.results).toHaveLength(1);

    // reloading the same dataset (e.g. other preprocessing) keeps the results and asks nothing
    expect(await loadDataset()).toBe(true);
    expect(useLab.getState().results).toHaveLength(1);

    expect(await loadDataset(syntheticSpec())).toBe(false);
    expect(await confirmPendingLoad()).toBe(true);
    s = useLab.getState();
    expect(s.pendingLoad).toBeNull();
    expect(s.summary?.name).toBe('synthetic');
    expect(s.results).toEqual([]);
  });
});

describe('defect 3: a link carries the "Compare methods" ticks and their hyper-parameters', () => {
  it('round-trips through the hash; a reload (initLab on the written hash) restores them', async () => {
    useLab.setState({ compareIds: ['linear', 'dmfm'], presetConfigs: { dmfm: { epochs: 3 }, linear: { l2: 0.5 } } });
    setModel('mlp');
    const hash = setupHash(useLab.getState());
    expect(hash).toContain('&compare=linear,dmfm');
    expect(hash).toContain('compareConfig.dmfm.epochs=3');
    expect(hash).toContain('compareConfig.linear.l2=0.5');
    const parsed = hashToRun(hash);
    expect(parsed.warnings).toEqual([]);
    expect(parsed.compare).toEqual({ ids: ['linear', 'dmfm'], configs: { linear: { l2: 0.5 }, dmfm: { epochs: 3 } } });

    // a fresh session with the default ticks opens the link
    useLab.setState({ compareIds: ['linear', 'ew', 'mlp'], presetConfigs: {} });
    await initLab(api, { hash, search: '' });
    const s = useLab.getState();
    expect(s.compareIds).toEqual(['linear', 'dmfm']);
    expect(s.presetConfigs.dmfm).toEqual({ epochs: 3 });
    expect(s.presetConfigs.linear).toEqual({ l2: 0.5 });
    expect(setupHash(s)).toBe(hash);
  });

  it('unknown ids in the link are unticked with a warning; a link without compare keeps the session ticks', async () => {
    useLab.setState({ compareIds: ['mlp'], presetConfigs: {} });
    await initLab(api, { hash: '#model=mlp&compare=linear,nosuch,bad%20id', search: '' });
    const s = useLab.getState();
    expect(s.compareIds).toEqual(['linear']);
    expect(s.urlWarnings).toEqual(["compare: 'bad id' is not a model id; ignored", 'compare: nosuch not in this build; unticked']);
    useLab.setState({ compareIds: ['mlp', 'dmfm'] });
    await initLab(api, { hash: '#model=linear', search: '' });
    expect(useLab.getState().compareIds).toEqual(['mlp', 'dmfm']);
  });
});

describe('defect 4: the loss chart never joins split groups', () => {
  it('group 2 starts where group 1 stopped early, and the chart breaks the line between them', async () => {
    await loadDataset();
    const p = (group: number, epoch: number, step: number, loss: number, extra: Partial<TrainProgress> = {}): TrainProgress => ({
      phase: 'training',
      group,
      groups: 2,
      epoch,
      epochs: 10,
      step,
      steps: 2,
      fraction: 0,
      elapsedMs: 1000,
      loss,
      ...extra,
    });
    trainImpl = async (run: RunConfig, onP: (p: TrainProgress) => void) => {
      // group 1 stops early after epoch 3 of 10 (x = 0.5 ... 3); group 2 then trains 2 epochs
      onP(p(1, 1, 1, 1.0));
      onP(p(1, 1, 2, 0.9, { validLoss: 0.95 }));
      onP(p(1, 3, 2, 0.7, { validLoss: 0.9 }));
      onP(p(2, 1, 1, 1.1)); // a fresh model: its first loss is high again
      onP(p(2, 2, 2, 0.8, { validLoss: 0.85 }));
      return result(run.model, run);
    };
    await startTraining();
    const s = useLab.getState();
    // before: group 2 sat at x = 10 + 0.5 (the nominal 10 epochs of group 1), a diagonal from x = 3
    expect(s.lossCurve).toEqual([
      { x: 0.5, loss: 1.0, group: 1 },
      { x: 1, loss: 0.9, group: 1 },
      { x: 3, loss: 0.7, group: 1 },
      { x: 3.5, loss: 1.1, group: 2 },
      { x: 5, loss: 0.8, group: 2 },
    ]);
    const o = lossOption(s.lossCurve, s.validCurve, 'mlp') as unknown as {
      series: { name: string; data: [number, number | string][]; markLine?: { data: { xAxis: number; name: string }[] } }[];
    };
    expect(o.series[0].data).toEqual([
      [0.5, 1.0],
      [1, 0.9],
      [3, 0.7],
      [3.5, '-'], // the gap: ECharts does not draw 3 -> 3.5
      [3.5, 1.1],
      [5, 0.8],
    ]);
    expect(o.series[0].markLine?.data).toEqual([{ xAxis: 3, name: 'group 2' }]);
    expect(o.series[1].data).toEqual([
      [1, 0.95],
      [3, 0.9],
      [5, '-'],
      [5, 0.85],
    ]);
  });
});

/** trading days: every weekday of 2012-2019 (enough for walk-forward and 60-month rolling splits) */
const weekdays = (() => {
  const out: string[] = [];
  for (let t = Date.UTC(2012, 0, 2); t <= Date.UTC(2019, 11, 31); t += 86_400_000) {
    const d = new Date(t);
    if (d.getUTCDay() % 6 !== 0) out.push(d.toISOString().slice(0, 10));
  }
  return out;
})();

describe('defect 11: each split kind keeps its own values', () => {
  it('walk-forward Groups 2 does not become rolling Months 2; switching back restores the walk-forward settings', () => {
    setSplit({ kind: 'walkforward', groups: 2, gap: 21, trainYears: 3 } as Partial<SplitConfig>);
    setSplitKind('rolling');
    // before: { kind: 'rolling', groups: 2, gap: 21, trainYears: 3 } -> two test months (a 41-day test)
    expect(useLab.getState().run.split).toEqual({ kind: 'rolling', windowMonths: 60, groups: 0, gap: 21 });
    setSplit({ windowMonths: 36 });
    setSplitKind('walkforward');
    expect(useLab.getState().run.split).toEqual({ kind: 'walkforward', groups: 2, gap: 21, trainYears: 3 });
    setSplitKind('rolling');
    expect(useLab.getState().run.split).toEqual({ kind: 'rolling', windowMonths: 36, groups: 0, gap: 21 });
    setSplitKind('fixed');
    expect(useLab.getState().run.split).toEqual({ kind: 'fixed', gap: 21 });
  });
});

describe('defect 10: no stale state', () => {
  it('a split the dates cannot hold: Train refuses with the reason (no internal key); changing the split clears the error', async () => {
    await loadDataset();
    useLab.setState({ summary: { ...useLab.getState().summary!, tradingDays: weekdays.slice(0, 600), horizons: [1, 5] } });
    setSplitKind('rolling'); // 60-month window on ~28 months
    expect(splitError()).toMatch(/a 60-month rolling window needs at least 62/);
    let calls = 0;
    trainImpl = async (run: RunConfig) => {
      calls++;
      return result(run.model, run);
    };
    await startTraining();
    expect(calls).toBe(0);
    const err = useLab.getState().trainError!;
    expect(err.message).toMatch(/^splits: /);
    expect(`${err.message} ${err.hint}`).not.toMatch(/windowMonths/);
    setSplitKind('walkforward');
    expect(useLab.getState().trainError).toBeNull();
    expect(splitError()).toBeNull();
  });

  it('the status line after a failure and after Cancel says so (not "Preparing…" or "training · group 1/2")', async () => {
    await loadDataset();
    trainImpl = async () => {
      throw new Error('out of memory');
    };
    await startTraining();
    expect(useLab.getState().progress?.message).toBe('Failed (see the error below)');
    trainImpl = (_run, onP, signal) =>
      new Promise((_, reject) => {
        onP({
          phase: 'training',
          message: 'training · group 1/2',
          group: 1,
          groups: 2,
          epoch: 1,
          epochs: 2,
          step: 1,
          steps: 2,
          fraction: 0.1,
          elapsedMs: 5,
        });
        signal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })));
      });
    const run = startTraining();
    cancelTraining();
    await run;
    expect(useLab.getState().progress?.message).toBe('Cancelled');
  });

  it('a SQL error clears the previous result and its timing; a typo is a syntax error, not a refused write', async () => {
    await loadDataset();
    await runQuery('SELECT 1');
    expect(useLab.getState().queryResult).not.toBeNull();
    await runQuery('SELEC 1');
    const s = useLab.getState();
    expect(s.queryResult).toBeNull();
    expect(s.queryMs).toBeNull();
    expect(s.queryError?.message).toBe("Syntax error: 'SELEC' does not start an SQL statement; did you mean SELECT?");
    expect(() => checkReadOnlySql('DROP TABLE prices')).toThrow(/read-only/);
  });

  it('the SQL header counts the query rows as the footer does', () => {
    expect(sqlRowCount({ rows: new Array(1000), truncated: true, totalRows: 774_869 })).toBe('774,869 rows (first 1,000 fetched)');
    expect(sqlRowCount({ rows: new Array(20) })).toBe('20 rows');
    expect(sqlRowCount({ rows: [1] })).toBe('1 row');
  });

  it('a preset stays pressed only while its settings are unchanged', () => {
    const p = PRESETS[0];
    expect(p).toBeDefined();
    useLab.setState({
      models: [...models, ...p.compare.filter((id) => !models.some((m) => m.id === id)).map((id) => ({ id, label: id, configSchema: [] }))],
    });
    applyPreset(p.id);
    expect(presetIntact(p, useLab.getState())).toBe(true);
    setSeed(p.run.seed + 1);
    expect(presetIntact(p, useLab.getState())).toBe(false);
    setSeed(p.run.seed);
    expect(presetIntact(p, useLab.getState())).toBe(true);
    useLab.setState({ compareIds: [] });
    expect(presetIntact(p, useLab.getState())).toBe(false);
  });
});

describe('defect 12: wording', () => {
  it('a long-short portfolio is not an "excess return over none"', () => {
    expect(cumExcessTitle('none (net-zero long-short: excess = portfolio)')).toBe(
      'Cumulative return of the long-short portfolio (long minus short: nothing to subtract)',
    );
    expect(cumExcessTitle('EW universe')).toBe('Cumulative excess return over EW universe');
  });
});

describe('loss chart of a closed-form fit', () => {
  it('puts each group validation point at the group number (never at epoch -1)', async () => {
    await loadDataset();
    trainImpl = async (run: RunConfig, onP: (p: TrainProgress) => void) => {
      for (const group of [1, 2])
        onP({
          phase: 'training',
          group,
          groups: 2,
          epoch: 0,
          epochs: 0,
          step: 0,
          steps: 0,
          fraction: 0,
          elapsedMs: 5,
          validIC: 0.1 * group,
        });
      return result(run.model, run);
    };
    await startTraining();
    expect(useLab.getState().validCurve.map((v) => [v.x, v.ic])).toEqual([
      [1, 0.1],
      [2, 0.2],
    ]);
  });
});

describe('presets for every paper', () => {
  it('the Deep Factor Model preset sets the rolling 60-month split, long-short quintiles and its baselines', () => {
    expect(PRESETS.map((p) => p.id)).toEqual(expect.arrayContaining(['dmfm-quick', 'dmfm-paper', 'dfm-paper']));
    const p = PRESETS.find((x) => x.id === 'dfm-paper')!;
    useLab.setState({ models: ['dfm', 'ridge', 'linear', 'svr', 'rf'].map((id) => ({ id, label: id, configSchema: [] })) });
    applyPreset('dfm-paper');
    const s = useLab.getState();
    expect(s.run.model).toBe('dfm');
    expect(s.run.split).toEqual({ kind: 'rolling', windowMonths: 60, groups: 0, gap: 20 });
    expect(s.run.strategy).toMatchObject({ kind: 'longshort', groups: 5, cost: 0, horizon: 20 });
    expect(s.compareIds).toEqual(['ridge', 'linear', 'svr', 'rf', 'dfm']);
    expect(presetIntact(p, s)).toBe(true);
  });
});

describe('"Why graph models" (teacher preset)', () => {
  it('loads the industry-relative market, ticks Linear, MLP and DMFM and trains them in turn', async () => {
    const trained: string[] = [];
    trainImpl = async (run: RunConfig) => {
      trained.push(run.model);
      return result(run.model, run);
    };
    expect(await applyMarketPreset('why-graph')).toBe(true);
    const s = useLab.getState();
    expect(s.loadedSpec).toMatchObject({ kind: 'synthetic', synthetic: { industryRelative: 1, interaction: 0, linear: 0.3 } });
    expect(trained).toEqual(['linear', 'mlp', 'dmfm']);
    expect(s.run.model).toBe('dmfm');
    expect(s.run.split).toEqual({ kind: 'walkforward', groups: 2, gap: 21 });
    // pressed again: the same market is reloaded without a question (its results are kept) and trained again
    expect(await applyMarketPreset('why-graph')).toBe(true);
    expect(trained).toHaveLength(6);
  });
});
