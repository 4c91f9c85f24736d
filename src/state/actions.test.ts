import { beforeEach, describe, expect, it } from 'vitest';
import { LabError } from '../core/errors';
import { defaultRun, type RunConfig } from '../core/run';
import {
  cancelTraining,
  compareMethods,
  discardCheckpoint,
  initLab,
  restoreCheckpoint,
  resumeTraining,
  loadDataset,
  loadFile,
  reevaluateResults,
  runQuery,
  setHyper,
  setModel,
  setStrategy,
  setStrategyKind,
  startTraining,
  toggleFactorGroup,
  togglePause,
} from './actions';
import type { DatasetSummary, GroupCheckpoint, LabApi, ModelInfo, TrainProgress, TrainResult } from './lab-api';
import { checkpointStore, memoryCheckpointStore, runKey, setCheckpointStore } from './checkpoints';
import { useLab } from './store';

// A scripted LabApi double: each call does exactly what the test tells it to.
const models: ModelInfo[] = [
  { id: 'linear', label: 'Linear', configSchema: [{ key: 'l2', label: 'L2', default: 0.01, min: 0, max: 1 }] },
  {
    id: 'mlp',
    label: 'MLP',
    configSchema: [
      { key: 'hidden', label: 'Hidden', default: 64, min: 4, max: 512 },
      { key: 'epochs', label: 'Epochs', default: 10, min: 1, max: 200 },
    ],
  },
];
const summary = (name: string): DatasetSummary => ({
  name,
  kind: 'prices',
  dates: { start: '2012-01-03', end: '2019-12-31', count: 2012 },
  stocks: 400,
  factors: [
    { name: 'mom_20', group: 'momentum' },
    { name: 'vol_20', group: 'volatility' },
    { name: 'rev_5', group: 'reversal' },
  ],
  universes: [{ name: 'all', description: 'all', avgMembers: 390 }],
  bytes: 1e6,
  edges: { dates: [], avgEdges: [] },
  industries: [],
  tables: [],
  notes: [],
});
const result = (model: string, run: RunConfig = defaultRun): TrainResult => ({
  model,
  label: model,
  backend: 'cpu',
  run,
  elapsedMs: 10,
  metrics: { columns: [{ key: 'ic', label: 'IC', format: 'number' }], rows: [{ method: model, label: model, values: { ic: 0.02 } }] },
  series: [
    {
      method: model,
      label: model,
      dates: ['2019-01-02', '2019-01-03'],
      cumReturn: [0, 0.01],
      cumExcess: [0, 0.002],
      icDates: ['2019-01-02', '2019-01-03'],
      ic: [0.01, 0.03],
    },
  ],
  benchmark: { label: 'EW', dates: ['2019-01-02', '2019-01-03'], cumReturn: [0, 0.008] },
});

let trainImpl: LabApi['train'];
let loadImpl: LabApi['loadDataset'];
const paused: boolean[] = [];
const api: LabApi = {
  loadDataset: (...a) => loadImpl(...a),
  query: async (sql) => ({ columns: ['sql'], rows: [[sql]] }),
  train: (...a) => trainImpl(...a),
  setPaused: (p) => {
    paused.push(p);
  },
  listModels: async () => models,
};

beforeEach(async () => {
  useLab.setState({
    summary: null,
    dataStatus: 'empty',
    loadedSpec: null,
    results: [],
    trainStatus: 'idle',
    dataError: null,
    trainError: null,
    resultsError: null,
    lastError: null,
    queue: null,
  });
  loadImpl = async (spec) => summary(spec.name);
  paused.length = 0;
  await initLab(api, { hash: '#model=mlp&config.hidden=2000', search: '?backend=wasm' });
});

describe('actions', () => {
  it('start-up reads the link, clamps hyper-parameters to the schema and takes the forced backend', async () => {
    await new Promise((r) => setTimeout(r, 0));
    const s = useLab.getState();
    expect(s.run.config).toEqual({ hidden: 512, epochs: 10 }); // 2000 clamped to max 512; epochs from its default
    expect(s.backendPref).toBe('wasm');
    expect(s.backendForced).toBe(true);
    expect(s.dataStatus).toBe('ready'); // the link named the bundled dataset, so it auto-loaded
  });

  it('a failed load shows the error and keeps the previous dataset', async () => {
    expect(await loadDataset()).toBe(true);
    loadImpl = async () => {
      throw new LabError('bad.parquet has no column ticker', 'add it');
    };
    const csv = new File(['date,close\n2019-01-02,1\n'], 'bad.parquet');
    expect(await loadFile(csv)).toBe(false); // rejected by the PAR1 check before the engine
    expect(useLab.getState().dataError?.message).toMatch(/^bad\.parquet is not a parquet file/);
    const pq = new File(['PAR1xxxxxxxxPAR1'], 'bad.parquet');
    expect(await loadFile(pq)).toBe(false);
    const s = useLab.getState();
    expect(s.dataError).toMatchObject({ message: 'bad.parquet has no column ticker', hint: 'add it', where: 'data' });
    expect(s.lastError?.message).toBe('bad.parquet has no column ticker');
    expect(s.dataStatus).toBe('ready');
    expect(s.summary?.name).toBe('us-large-cap-2012-2019');
    expect(s.run.dataset.kind).toBe('bundled');
  });

  it('choosing a model resets its hyper-parameters; setHyper clamps', () => {
    setModel('linear');
    expect(useLab.getState().run.config).toEqual({ l2: 0.01 });
    setHyper('l2', 5);
    expect(useLab.getState().run.config).toEqual({ l2: 1 });
  });

  it('factor groups: unticking one from "all" lists the rest, ticking it back means all again', async () => {
    const groups = ['momentum', 'volatility', 'reversal'];
    toggleFactorGroup('volatility', groups);
    expect(useLab.getState().run.factors).toEqual(['momentum', 'reversal']);
    toggleFactorGroup('volatility', groups);
    expect(useLab.getState().run.factors).toEqual([]);
  });

  it('train records progress, pause/cancel, then a finished run replaces the same model result', async () => {
    await loadDataset();
    let release!: () => void;
    trainImpl = (_run: RunConfig, onP: (p: TrainProgress) => void, signal: AbortSignal) =>
      new Promise((resolve, reject) => {
        onP({ phase: 'training', epoch: 1, epochs: 2, step: 2, steps: 4, fraction: 0.25, elapsedMs: 100, loss: 0.9, backend: 'wasm' });
        onP({
          phase: 'training',
          epoch: 1,
          epochs: 2,
          step: 4,
          steps: 4,
          fraction: 0.5,
          elapsedMs: 200,
          loss: 0.8,
          validLoss: 0.85,
          validIC: 0.03,
        });
        signal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })));
        release = () => resolve(result('mlp'));
      });
    const first = startTraining();
    let s = useLab.getState();
    expect(s.trainStatus).toBe('running');
    expect(s.lossCurve).toEqual([
      { x: 0.5, loss: 0.9 },
      { x: 1, loss: 0.8 },
    ]);
    expect(s.validCurve).toEqual([{ x: 1, loss: 0.85, ic: 0.03 }]);
    expect(s.backendInUse).toBe('wasm');
    togglePause();
    expect(useLab.getState().trainStatus).toBe('paused');
    cancelTraining();
    expect(paused).toEqual([true, false]);
    await first;
    s = useLab.getState();
    expect(s.trainStatus).toBe('cancelled');
    expect(s.trainError).toBeNull();
    expect(s.results).toEqual([]);

    const second = startTraining();
    release();
    await second;
    const third = startTraining();
    release();
    await third;
    s = useLab.getState();
    expect(s.trainStatus).toBe('done');
    expect(s.results.map((r) => r.model)).toEqual(['mlp']);
    expect(s.progress?.fraction).toBe(1);
  });

  it('a training failure shows its message; SQL writes are refused before reaching the engine', async () => {
    await loadDataset();
    trainImpl = async () => {
      throw new LabError('MLP needs at least 2 epochs', 'raise Epochs');
    };
    await startTraining();
    expect(useLab.getState().trainStatus).toBe('error');
    expect(useLab.getState().trainError?.hint).toBe('raise Epochs');
    await runQuery('DROP TABLE prices');
    expect(useLab.getState().queryError?.message).toMatch(/read-only/);
    await runQuery('SELECT 1');
    // the result keeps the statement that produced it (the console's exports run it again)
    expect(useLab.getState().queryResult).toEqual({ columns: ['sql'], rows: [['SELECT 1']], sql: 'SELECT 1' });
  });

  it('compare methods: trains each ticked model in turn (selected model keeps its hyper-parameters), stops on cancel', async () => {
    await loadDataset();
    setModel('mlp');
    setHyper('epochs', 2);
    const seen: { model: string; config: Record<string, unknown>; queue: number | undefined }[] = [];
    trainImpl = async (run) => {
      seen.push({ model: run.model, config: run.config, queue: useLab.getState().queue?.index });
      return result(run.model, run);
    };
    await compareMethods(['linear', 'mlp', 'nope']);
    let s = useLab.getState();
    // 'nope' is not in the registry and is skipped; linear gets its schema defaults, mlp the Model panel's values
    expect(seen).toEqual([
      { model: 'linear', config: { l2: 0.01 }, queue: 0 },
      { model: 'mlp', config: { hidden: 64, epochs: 2 }, queue: 1 },
    ]);
    expect(s.results.map((r) => r.model)).toEqual(['linear', 'mlp']);
    expect(s.queue).toBeNull();
    expect(s.trainStatus).toBe('done');

    // cancelling the first model ends the queue: the second never starts
    seen.length = 0;
    trainImpl = (run, _p, signal) => {
      seen.push({ model: run.model, config: run.config, queue: useLab.getState().queue?.index });
      return new Promise((_, reject) =>
        signal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))),
      );
    };
    const p = compareMethods(['linear', 'mlp']);
    cancelTraining();
    await p;
    s = useLab.getState();
    expect(seen.map((x) => x.model)).toEqual(['linear']);
    expect(s.trainStatus).toBe('cancelled');
    expect(s.queue).toBeNull();
    expect(s.results.map((r) => r.model)).toEqual(['linear', 'mlp']); // the earlier results stay
  });

  it('strategy: a kind starts from its paper defaults; re-evaluate sends every stored result with the new strategy', async () => {
    setStrategyKind('topkdrop');
    expect(useLab.getState().run.strategy).toEqual({
      kind: 'topkdrop',
      k: 50,
      n: 5,
      rebalance: 1,
      openCost: 0.0005,
      closeCost: 0.0015,
      eta: 1,
      horizon: 20,
      lag: 1,
    });
    setStrategy({ k: 30 });
    const asked: { model: string; strategy: unknown }[] = [];
    api.evaluate = async (r, run) => {
      asked.push({ model: r.model, strategy: run.strategy });
      return { ...r, run: { ...r.run, strategy: run.strategy }, label: `${r.model}*` };
    };
    const withScores = (m: string) => ({
      ...result(m),
      scores: { scoresByHorizon: new Float32Array(1), testIndex: new Int32Array(1), horizons: [20] },
    });
    useLab.setState({ results: [withScores('linear'), result('ew'), withScores('mlp')] });
    await reevaluateResults();
    const s = useLab.getState();
    const want = { kind: 'topkdrop', k: 30, n: 5, rebalance: 1, openCost: 0.0005, closeCost: 0.0015, eta: 1, horizon: 20, lag: 1 };
    expect(asked).toEqual([
      { model: 'linear', strategy: want },
      { model: 'mlp', strategy: want },
    ]); // ew has no stored scores
    expect(s.results.map((r) => r.label)).toEqual(['linear*', 'ew', 'mlp*']);
    expect(s.reevalStatus).toBe('idle');
    api.evaluate = async () => {
      throw new LabError("Re-evaluate: the strategy horizon 7 is not one of the model's heads [20].");
    };
    await reevaluateResults();
    expect(useLab.getState().resultsError?.message).toMatch(/horizon 7/);
    expect(useLab.getState().results.map((r) => r.label)).toEqual(['linear*', 'ew', 'mlp*']); // unchanged on failure
    delete api.evaluate;
    setStrategyKind('topquantile');
  });

  it('cancel after 1 of 2 groups keeps a saved checkpoint; Resume sends it to the engine, trains the rest, then clears it', async () => {
    setCheckpointStore(memoryCheckpointStore());
    useLab.setState({ checkpoint: null });
    await loadDataset();
    // a group checkpoint as the engine hands it out: scores [H=1, Dg=2, N=1]
    const cp = (run: RunConfig, i: number): GroupCheckpoint => ({
      runKey: runKey(run),
      groupIndex: i,
      label: ['2016H1', '2016H2'][i],
      total: 2,
      test: [
        ['2016-01-04', '2016-06-30'],
        ['2016-07-01', '2016-12-30'],
      ][i] as [string, string],
      record: { index: i, label: ['2016H1', '2016H2'][i] } as GroupCheckpoint['record'],
      shape: [1, 2, 1],
      scores: Float32Array.of(i + 0.5, -i),
    });
    const calls: { run: RunConfig; resume?: number[] }[] = [];
    let release!: () => void;
    trainImpl = (run, onP, signal, opts) =>
      new Promise((resolve, reject) => {
        calls.push({ run, resume: opts.resume?.map((g) => g.groupIndex) });
        const have = new Set(opts.resume?.map((g) => g.groupIndex));
        if (!have.has(0)) opts.onGroupDone?.(cp(run, 0));
        // resumed with group 1 of 2 restored: half of group 2's first epoch done (1 of 2 steps). Work in steps (src/state/eta.ts):
        // restored 2 epochs x 2 steps = 4, done 1, left (2 - 0.5) x 2 = 3 -> fraction 5 / 8; one step measured: no ETA yet
        if (have.has(0))
          onP({ phase: 'training', epoch: 1, epochs: 2, step: 1, steps: 2, group: 2, groups: 2, fraction: 0.75, elapsedMs: 1000 });
        signal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })));
        release = () => {
          opts.onGroupDone?.(cp(run, 1));
          resolve(result('mlp', run));
        };
      });
    const first = startTraining();
    const key = runKey(calls[0].run);
    expect(useLab.getState().checkpoint).toMatchObject({ runKey: key, label: 'MLP on us-large-cap-2012-2019', total: 2 });
    cancelTraining();
    await first;
    let s = useLab.getState();
    expect(s.trainStatus).toBe('cancelled');
    expect(s.checkpoint!.groups.map((g) => g.groupIndex)).toEqual([0]);
    // saved: after a "reload" (store emptied) it comes back from the checkpoint store with its scores
    useLab.setState({ checkpoint: null });
    await restoreCheckpoint();
    s = useLab.getState();
    expect(s.checkpoint!.runKey).toBe(key);
    expect(Array.from(s.checkpoint!.groups[0].scores)).toEqual([0.5, -0]);

    // another dataset loaded: the resume is refused with what to load
    useLab.setState({ loadedSpec: { kind: 'synthetic', name: 'synthetic' } });
    await resumeTraining();
    expect(useLab.getState().trainError?.message).toBe(
      'The saved groups of MLP on us-large-cap-2012-2019 were trained on the dataset "us-large-cap-2012-2019"; the loaded one is "synthetic".',
    );
    expect(calls).toHaveLength(1);
    await loadDataset();

    // the current settings changed since: Resume still trains the saved run, from 1 of 2 groups
    setHyper('hidden', 32);
    const second = resumeTraining();
    s = useLab.getState();
    expect(calls[1].resume).toEqual([0]);
    expect(calls[1].run.config.hidden).toBe(512);
    expect(runKey(calls[1].run)).toBe(key);
    expect(s.progress).toMatchObject({ phase: 'training', fraction: 0.625, startFraction: 0.5, etaRough: true });
    expect(s.progress?.etaMs).toBeUndefined();
    release();
    await second;
    s = useLab.getState();
    expect(s.trainStatus).toBe('done');
    expect(s.results.map((r) => r.model)).toEqual(['mlp']);
    expect(s.checkpoint).toBeNull();
    await restoreCheckpoint(); // runs after the queued delete
    expect(await checkpointStore().get(key)).toBeNull();
    expect(useLab.getState().checkpoint).toBeNull();

    // Discard deletes a saved checkpoint
    const third = startTraining();
    cancelTraining();
    await third;
    expect(useLab.getState().checkpoint!.groups).toHaveLength(1);
    await discardCheckpoint();
    expect(useLab.getState().checkpoint).toBeNull();
    expect(await checkpointStore().latest()).toBeNull();
  });

  it('a "Compare methods" queue stopped inside its first model resumes that model, then trains the models still queued', async () => {
    setCheckpointStore(memoryCheckpointStore());
    useLab.setState({ checkpoint: null, results: [] });
    await loadDataset();
    const cp = (run: RunConfig, i: number): GroupCheckpoint => ({
      runKey: runKey(run),
      groupIndex: i,
      label: ['2016H1', '2016H2'][i],
      total: 2,
      test: [
        ['2016-01-04', '2016-06-30'],
        ['2016-07-01', '2016-12-30'],
      ][i] as [string, string],
      record: { index: i, label: ['2016H1', '2016H2'][i] } as GroupCheckpoint['record'],
      shape: [1, 2, 1],
      scores: Float32Array.of(i, i),
    });
    const calls: { model: string; resume?: number[] }[] = [];
    let stopFirst = true;
    trainImpl = (run, _onP, signal, opts) =>
      new Promise((resolve, reject) => {
        calls.push({ model: run.model, resume: opts.resume?.map((g) => g.groupIndex) });
        if (!opts.resume?.length) opts.onGroupDone?.(cp(run, 0));
        signal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })));
        if (stopFirst) return; // left running: the test cancels it
        opts.onGroupDone?.(cp(run, 1));
        resolve(result(run.model, run));
      });
    const q = compareMethods(['linear', 'mlp']);
    expect(calls.map((c) => c.model)).toEqual(['linear']);
    // the checkpoint of the stopped model remembers the model still waiting
    expect(useLab.getState().checkpoint!.queue!.map((r) => r.model)).toEqual(['mlp']);
    cancelTraining();
    await q;
    expect(useLab.getState().queue).toBeNull();
    expect(calls).toHaveLength(1); // cancel stopped the whole queue
    stopFirst = false;
    await resumeTraining();
    // linear resumed from its group 0, then mlp trained afresh; both results, no checkpoint left
    expect(calls).toEqual([{ model: 'linear' }, { model: 'linear', resume: [0] }, { model: 'mlp' }]);
    const s = useLab.getState();
    expect(s.results.map((r) => r.model)).toEqual(['linear', 'mlp']);
    expect(s.checkpoint).toBeNull();
    expect(s.queue).toBeNull();
  });
});
