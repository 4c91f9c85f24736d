import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { defaultRun, type RunConfig } from '../core/run';
import { applyPreset, compareMethods, initLab, setModel } from './actions';
import type { DatasetSummary, LabApi, ModelInfo, TrainResult } from './lab-api';
import { PRESETS, presetById } from './presets';
import { useLab } from './store';

const num = (key: string, def: number, min: number, max: number) => ({ key, label: key, default: def, min, max });
const models: ModelInfo[] = [
  { id: 'linear', label: 'Linear', configSchema: [num('lambda', 0.01, 0, 1)] },
  { id: 'ew', label: 'EW', configSchema: [] },
  {
    id: 'mlp',
    label: 'MLP',
    configSchema: [
      num('hidden', 64, 1, 1024),
      num('epochs', 10, 1, 200),
      num('layers', 2, 1, 6),
      num('batchDates', 8, 1, 64),
      num('lr', 0.001, 1e-6, 1),
      num('patience', 5, 0, 50),
    ],
  },
  { id: 'mgat', label: 'MGAT', configSchema: [num('hidden', 64, 1, 512), num('epochs', 10, 1, 200)] },
  {
    id: 'dmfm',
    label: 'DMFM',
    configSchema: [num('hidden', 64, 1, 512), num('epochs', 10, 1, 200), num('layers', 2, 1, 4), num('wIcir', 1, 0, 100)],
  },
];
const summary: DatasetSummary = {
  name: 'us-large-cap-2012-2019',
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
};
const trained: RunConfig[] = [];
const api: LabApi = {
  loadDataset: async () => summary,
  query: async () => ({ columns: [], rows: [] }),
  train: async (run) => {
    trained.push(run);
    return {
      model: run.model,
      label: run.model,
      backend: 'cpu',
      run,
      elapsedMs: 1,
      metrics: { columns: [], rows: [] },
      series: [],
      benchmark: { label: 'EW', dates: [], cumReturn: [] },
    } satisfies TrainResult;
  },
  setPaused: () => {},
  listModels: async () => models,
};

beforeEach(async () => {
  trained.length = 0;
  useLab.setState({ presetConfigs: {}, presetId: null, results: [], queue: null, trainStatus: 'idle' });
  await initLab(api, { hash: '#model=mlp', search: '' });
  await new Promise((r) => setTimeout(r, 0));
});

describe('run presets', () => {
  it('DMFM Quick sets model, hyper-parameters (clamped to the schema, defaults kept), split, strategy and the compared methods', () => {
    applyPreset('dmfm-quick');
    const s = useLab.getState();
    expect(s.run.model).toBe('dmfm');
    // preset values over the schema defaults; keys the schema lacks (batchDates, lr, patience here) are dropped by normalizeConfig
    expect(s.run.config).toEqual({ hidden: 32, epochs: 4, layers: 2, wIcir: 1 });
    expect(s.run.split).toEqual({ kind: 'walkforward', groups: 2, gap: 21, trainYears: 2.5 });
    expect(s.run.strategy).toEqual({ kind: 'topquantile', groups: 10, rebalance: 21, cost: 0.004, horizon: 20, lag: 1 });
    expect(s.compareIds).toEqual(['linear', 'ew', 'mlp', 'mgat', 'dmfm']);
    expect(s.presetId).toBe('dmfm-quick');
    // the data settings are untouched
    expect(s.run.dataset).toEqual(defaultRun.dataset);
    expect(s.run.preprocessing).toEqual(defaultRun.preprocessing);
  });

  it("choosing another model after a preset takes the preset's hyper-parameters for it", () => {
    applyPreset('dmfm-quick');
    setModel('mlp');
    expect(useLab.getState().run.config).toEqual({ hidden: 32, epochs: 4, layers: 2, batchDates: 16, lr: 0.001, patience: 2 });
  });

  it('"Compare methods" trains every ticked model with the preset\'s hyper-parameters on the same split', async () => {
    applyPreset('dmfm-quick');
    await compareMethods();
    expect(trained.map((r) => r.model)).toEqual(['linear', 'ew', 'mlp', 'mgat', 'dmfm']);
    expect(trained.map((r) => r.config)).toEqual([
      { lambda: 0.001 },
      {},
      { hidden: 32, epochs: 4, layers: 2, batchDates: 16, lr: 0.001, patience: 2 },
      { hidden: 32, epochs: 4 },
      { hidden: 32, epochs: 4, layers: 2, wIcir: 1 },
    ]);
    for (const r of trained) expect(r.split).toEqual({ kind: 'walkforward', groups: 2, gap: 21, trainYears: 2.5 });
  });

  it('an unknown preset id changes nothing', () => {
    const before = useLab.getState().run;
    applyPreset('nope');
    expect(useLab.getState().run).toBe(before);
  });

  // examples/dmfm-*.json are the same runs for the headless runner: they must not drift from the UI presets
  for (const id of ['dmfm-quick', 'dmfm-paper']) {
    it(`examples/${id}.json runs the ${id} preset`, () => {
      const p = presetById(id)!;
      const ex = JSON.parse(readFileSync(new URL(`../../examples/${id}.json`, import.meta.url), 'utf8')) as {
        run: Partial<RunConfig>;
        models: { model: string; config?: Record<string, unknown> }[];
      };
      expect(ex.run.split).toEqual(p.run.split);
      expect(ex.run.strategy).toEqual(p.run.strategy);
      expect(ex.run.seed).toBe(p.run.seed);
      expect(ex.models.map((m) => m.model).sort()).toEqual([...p.compare].sort());
      for (const m of ex.models) expect(m.config ?? {}).toEqual(p.configs[m.model]);
    });
  }

  it("every preset names its compared models' hyper-parameters", () => {
    for (const p of PRESETS) {
      expect(p.compare).toContain(p.run.model);
      for (const id of p.compare) expect(p.configs[id]).toBeDefined();
    }
  });
});
