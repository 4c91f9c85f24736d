import { beforeEach, describe, expect, it } from 'vitest';
import { LabError } from '../core/errors';
import { defaultRun } from '../core/run';
import { clearBenchmark, loadBenchmarkFile, loadDataset } from './actions';
import { setLabApi } from './api';
import type { BenchmarkInfo, LabApi, TrainResult } from './lab-api';
import { useLab } from './store';

// A scripted LabApi double (as actions.test.ts): records the benchmark calls and the re-evaluations.
const calls: string[] = [];
let loadImpl: (bytes: ArrayBuffer, name: string) => Promise<BenchmarkInfo>;
const api: LabApi = {
  loadDataset: async (spec) => ({
    name: spec.name,
    kind: 'prices',
    dates: { start: '2019-01-02', end: '2019-12-31', count: 250 },
    stocks: 10,
    factors: [],
    universes: [{ name: 'all', description: 'all', avgMembers: 10 }],
    bytes: 1,
    edges: { dates: [], avgEdges: [] },
    industries: [],
    tables: [],
    notes: [],
  }),
  query: async () => ({ columns: [], rows: [] }),
  train: async () => {
    throw new Error('not used');
  },
  setPaused: () => {},
  listModels: async () => [],
  evaluate: async (r, run) => {
    calls.push(`evaluate ${r.model}`);
    return { ...r, run, label: `${r.model} vs ${useLab.getState().benchmark?.name ?? 'EW'}` };
  },
  loadBenchmark: (b, n) => {
    calls.push(`load ${n} ${b.byteLength}`);
    return loadImpl(b, n);
  },
  clearBenchmark: async () => {
    calls.push('clear');
  },
};
const evaluateImpl = api.evaluate;
const result = (model: string): TrainResult => ({
  model,
  label: model,
  backend: 'cpu',
  run: defaultRun,
  elapsedMs: 1,
  metrics: { columns: [], rows: [] },
  series: [],
  benchmark: { label: 'equal-weighted universe', dates: [], cumReturn: [] },
  scores: { scoresByHorizon: new Float32Array(1), testIndex: new Int32Array(1), horizons: [20] },
});
const parquet = (name: string) => new File([new Uint8Array([0x50, 0x41, 0x52, 0x31, 1, 2, 3, 4, 0x50, 0x41, 0x52, 0x31])], name);
const info: BenchmarkInfo = { name: 'spy.parquet', rows: 2011, first: '2012-01-04', last: '2019-12-31' };

beforeEach(() => {
  setLabApi(api);
  api.evaluate = evaluateImpl;
  calls.length = 0;
  loadImpl = async (_b, name) => ({ ...info, name });
  useLab.setState({
    results: [],
    benchmark: null,
    benchmarkStatus: 'idle',
    resultsError: null,
    lastError: null,
    trainStatus: 'idle',
    reevalStatus: 'idle',
  });
});

describe('benchmark actions', () => {
  it('load stores the summary, clear resets it; no results = nothing to re-evaluate', async () => {
    expect(await loadBenchmarkFile(parquet('spy.parquet'))).toBe(true);
    expect(useLab.getState().benchmark).toEqual(info);
    expect(calls).toEqual(['load spy.parquet 12']);
    await clearBenchmark();
    expect(useLab.getState().benchmark).toBeNull();
    expect(calls).toEqual(['load spy.parquet 12', 'clear']);
  });

  it('with results, load and clear re-evaluate every stored result against the new benchmark', async () => {
    useLab.setState({ results: [result('linear'), result('mlp')] });
    await loadBenchmarkFile(parquet('spy.parquet'));
    expect(calls).toEqual(['load spy.parquet 12', 'evaluate linear', 'evaluate mlp']);
    expect(useLab.getState().results.map((r) => r.label)).toEqual(['linear vs spy.parquet', 'mlp vs spy.parquet']);
    await clearBenchmark();
    expect(calls.slice(3)).toEqual(['clear', 'evaluate linear', 'evaluate mlp']);
    expect(useLab.getState().results.map((r) => r.label)).toEqual(['linear vs EW', 'mlp vs EW']);
  });

  it('a bad file shows its error and keeps the previous benchmark; a file neither parquet nor CSV never reaches the engine', async () => {
    await loadBenchmarkFile(parquet('spy.parquet'));
    loadImpl = async () => {
      throw new LabError("bad.parquet: missing column 'date' (columns found: day (DATE))");
    };
    expect(await loadBenchmarkFile(parquet('bad.parquet'))).toBe(false);
    let s = useLab.getState();
    expect(s.resultsError).toMatchObject({ where: 'results', message: "bad.parquet: missing column 'date' (columns found: day (DATE))" });
    expect(s.benchmark?.name).toBe('spy.parquet');
    expect(await loadBenchmarkFile(new File([new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0])], 'idx.xlsx'))).toBe(false);
    s = useLab.getState();
    expect(s.resultsError?.message).toBe(
      'idx.xlsx is neither parquet nor CSV: it holds a zip archive (an Excel .xlsx workbook is one), 8 bytes.',
    );
    expect(await loadBenchmarkFile(new File(['date,ret\n2019-01-02,0.01\n'], 'idx.parquet'))).toBe(false);
    expect(useLab.getState().resultsError?.message).toMatch(/^idx\.parquet is not a parquet file/);
    expect(calls.filter((c) => c.startsWith('load'))).toEqual(['load spy.parquet 12', 'load bad.parquet 12']);
    // a CSV goes to the engine (which reads it with DuckDB's CSV reader)
    loadImpl = async (_b, name) => ({ ...info, name });
    expect(await loadBenchmarkFile(new File(['date,ret\n2019-01-02,0.01\n'], 'idx.csv'))).toBe(true);
    expect(calls.filter((c) => c.startsWith('load'))).toEqual(['load spy.parquet 12', 'load bad.parquet 12', 'load idx.csv 25']);
  });

  it('a benchmark the re-evaluation cannot cover is not kept: the engine goes back to the previous one; a dataset load keeps the benchmark', async () => {
    expect(await loadBenchmarkFile(parquet('spy.parquet'))).toBe(true);
    useLab.setState({ results: [result('linear')] });
    const evaluate = api.evaluate;
    api.evaluate = async () => {
      throw new LabError(
        'evaluate: the benchmark series (10 rows) has no return for 2019-03-01; it must cover every holding day from 2019-01-02 to 2019-12-31.',
      );
    };
    expect(await loadBenchmarkFile(parquet('short.parquet'))).toBe(false);
    let s = useLab.getState();
    expect(s.resultsError?.message).toContain('has no return for 2019-03-01');
    expect(s.resultsError?.hint).toBe(
      'short.parquet was not kept: the results are still measured against spy.parquet. Load a series that covers the whole test period.',
    );
    // the engine was given spy.parquet back (its bytes kept by the action: the first load transferred the original)
    expect(calls.filter((c) => c.startsWith('load'))).toEqual(['load spy.parquet 12', 'load short.parquet 12', 'load spy.parquet 12']);
    expect(s.benchmark?.name).toBe('spy.parquet');
    expect(s.reevalStatus).toBe('idle');
    expect(await loadDataset({ kind: 'bundled', name: 'other' }, undefined, { discard: true })).toBe(true); // results discarded (asked in the UI)
    expect(useLab.getState().benchmark?.name).toBe('spy.parquet');
    // with no earlier file: back to the default (the engine's series is cleared)
    api.evaluate = evaluate;
    await clearBenchmark();
    useLab.setState({ results: [result('linear')] });
    api.evaluate = async () => {
      throw new LabError(
        'evaluate: the benchmark series (10 rows) has no return for 2019-03-01; it must cover every holding day from 2019-01-02 to 2019-12-31.',
      );
    };
    expect(await loadBenchmarkFile(parquet('short.parquet'))).toBe(false);
    s = useLab.getState();
    expect(s.benchmark).toBeNull();
    expect(calls[calls.length - 1]).toBe('clear');
    expect(s.resultsError?.hint).toMatch(/still measured against the equal-weighted universe/);
    api.evaluate = evaluate;
  });
});
