/**
 * DEV-ONLY stand-in for the engine, to preview the UI before the worker is wired: built only when
 * VITE_LAB_MOCK=1 (main.tsx drops the import otherwise). Numbers are random walks from a seeded RNG,
 * clearly labelled "mock"; nothing here is a result. The shipped app uses lab-api-worker.ts.
 */
import { LabError } from '../../core/errors';
import { makeRng } from '../../core/rng';
import type { DatasetSummary, LabApi, MethodSeries, ModelInfo, TrainProgress, TrainResult } from '../lab-api';

const MODELS: ModelInfo[] = [
  {
    id: 'linear',
    label: 'Linear (ridge)',
    description: 'Ridge regression of the forward return on the factors (mock).',
    configSchema: [{ key: 'l2', label: 'L2 penalty', default: 0.01, min: 0, max: 10, step: 0.01, help: 'shrinks coefficients towards 0' }],
  },
  { id: 'ew', label: 'Equal-weight factors', description: 'Average of the sign-aligned factors (mock).', configSchema: [] },
  {
    id: 'mlp',
    label: 'MLP',
    description: 'Two-layer perceptron applied to each stock (mock).',
    configSchema: [
      { key: 'hidden', label: 'Hidden units', default: 64, min: 4, max: 512, step: 4, help: 'width of each hidden layer' },
      { key: 'layers', label: 'Hidden layers', default: 2, min: 1, max: 4, step: 1, help: 'depth' },
      { key: 'dropout', label: 'Dropout', default: 0.1, min: 0, max: 0.8, step: 0.05, help: 'fraction of units dropped while training' },
      { key: 'lr', label: 'Learning rate', default: 0.001, min: 1e-5, max: 0.1, step: 0.0001, help: 'Adam step size' },
      { key: 'epochs', label: 'Epochs', default: 8, min: 1, max: 200, step: 1, help: 'passes over the training dates' },
      { key: 'activation', label: 'Activation', default: 'relu', options: ['relu', 'tanh', 'gelu'], help: 'non-linearity' },
    ],
  },
];

const SECTORS = [
  'Information Technology',
  'Health Care',
  'Financials',
  'Consumer Discretionary',
  'Industrials',
  'Communication Services',
  'Consumer Staples',
  'Energy',
  'Utilities',
  'Real Estate',
  'Materials',
];
const GROUPS: [string, number][] = [
  ['momentum', 5],
  ['reversal', 3],
  ['volatility', 4],
  ['liquidity', 4],
  ['size', 2],
  ['trend', 4],
  ['candle', 2],
];

function businessDays(start: string, end: string): string[] {
  const out: string[] = [];
  for (let d = new Date(start + 'T00:00:00Z'); d <= new Date(end + 'T00:00:00Z'); d.setUTCDate(d.getUTCDate() + 1)) {
    const w = d.getUTCDay();
    if (w !== 0 && w !== 6) out.push(d.toISOString().slice(0, 10));
  }
  return out;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(Object.assign(new Error('cancelled'), { name: 'AbortError' }));
      },
      { once: true },
    );
  });

/** The dev preview engine. */
export function createMockLabApi(): LabApi {
  let summary: DatasetSummary | null = null;
  let paused = false;
  return {
    async listModels() {
      await sleep(150);
      return MODELS;
    },
    async probeBackends() {
      return [
        { name: 'webgpu', available: true, note: 'fallback adapter, slow' },
        { name: 'webgl', available: true },
        { name: 'wasm', available: true },
        { name: 'cpu', available: true },
      ];
    },
    async loadDataset(spec, prep) {
      await sleep(700);
      if (spec.kind === 'file')
        throw new LabError(`${spec.name}: the mock engine cannot read files.`, 'Build without VITE_LAB_MOCK to use the real engine.');
      const rng = makeRng(spec.kind === 'synthetic' ? (spec.synthetic?.seed ?? 7) : 1);
      const stocks = spec.kind === 'synthetic' ? (spec.synthetic?.nStocks ?? 200) : 400;
      const dates = spec.kind === 'synthetic' ? businessDays('2015-01-01', '2018-12-31') : businessDays('2012-01-03', '2019-12-31');
      const counts = SECTORS.map((_, i) => Math.round((stocks / SECTORS.length) * (0.4 + 1.2 * rng.uniform()) + (i === 0 ? 20 : 0)));
      const total = counts.reduce((a, b) => a + b, 0);
      const avgEdges = dates.map((_, t) => {
        const grow = 0.8 + 0.2 * (t / dates.length);
        const ns = counts.map((c) => Math.round(c * grow));
        const N = ns.reduce((a, b) => a + b, 0);
        return ns.reduce((a, n) => a + n * (n - 1), 0) / N;
      });
      const factors = GROUPS.flatMap(([g, n]) => Array.from({ length: n }, (_, i) => ({ name: `${g}_${i + 1}`, group: g })));
      summary = {
        name: spec.kind === 'synthetic' ? 'synthetic (mock)' : `${spec.name} (mock)`,
        kind: spec.kind === 'synthetic' ? 'synthetic' : 'prices',
        dates: { start: dates[0], end: dates[dates.length - 1], count: dates.length },
        stocks,
        factors,
        universes: [
          { name: 'all', description: 'every stock with enough history on the date', avgMembers: stocks * 0.9 },
          { name: 'top100', description: 'largest 100 by trailing dollar volume, rebuilt monthly', avgMembers: 100 },
          { name: 'next150', description: 'ranks 101–250 by trailing dollar volume', avgMembers: 150 },
          { name: 'rest', description: 'the remaining stocks', avgMembers: stocks * 0.9 - 250 },
        ],
        bytes: dates.length * stocks * (factors.length * 4 + 6 * 4 + 4 + 4 + 3),
        fileBytes: spec.kind === 'bundled' ? 6.2e6 : undefined,
        edges: { dates, avgEdges },
        industries: SECTORS.map((name, i) => ({ name, count: counts[i], share: counts[i] / total })).sort((a, b) => b.share - a.share),
        tables: [
          {
            name: 'prices',
            columns: ['date', 'ticker', 'open', 'high', 'low', 'close', 'adj_close', 'volume'],
            rows: dates.length * stocks,
          },
          { name: 'sectors', columns: ['ticker', 'name', 'sector', 'sub_industry'], rows: stocks },
        ],
        notes:
          spec.kind === 'bundled'
            ? ['Mock data. Survivorship bias: the universe is the S&P 500 membership of April 2021, not point-in-time.']
            : ['Mock synthetic market.'],
      };
      void prep;
      return summary;
    },
    async query(sql) {
      await sleep(120);
      if (!summary) throw new LabError('No tables are loaded.');
      if (/from\s+nosuch/i.test(sql))
        throw new LabError('Catalog Error: Table with name nosuch does not exist!', 'Tables: prices, sectors.');
      const rows = Array.from({ length: 20 }, (_, i) => [
        '2019-12-31',
        `T${String(i).padStart(3, '0')}`,
        100 + i * 1.5,
        101 + i * 1.5,
        99 + i,
        100.5 + i,
        100.5 + i,
        1_000_000 + i * 1000,
      ]);
      return { columns: ['date', 'ticker', 'open', 'high', 'low', 'close', 'adj_close', 'volume'], rows };
    },
    setPaused(p) {
      paused = p;
    },
    async train(run, onProgress, signal, opts) {
      if (!summary) throw new LabError('No dataset loaded.');
      const rng = makeRng(run.seed);
      const model = MODELS.find((m) => m.id === run.model) ?? MODELS[2];
      const epochs = Number(run.config.epochs) || 3;
      const steps = 20;
      const backend = opts.backend === 'auto' ? 'wasm' : opts.backend;
      const t0 = performance.now();
      let paused0 = 0;
      let loss = 1.05;
      for (let e = 1; e <= epochs; e++) {
        for (let s = 1; s <= steps; s++) {
          while (paused) {
            const p0 = performance.now();
            await sleep(100, signal);
            paused0 += performance.now() - p0;
          }
          await sleep(40, signal);
          loss = loss * 0.995 + 0.02 * (rng.uniform() - 0.5);
          const p: TrainProgress = {
            phase: 'training',
            backend,
            epoch: e,
            epochs,
            step: s,
            steps,
            fraction: ((e - 1) * steps + s) / (epochs * steps),
            elapsedMs: performance.now() - t0 - paused0,
            loss,
            validMetric: 'rank IC',
          };
          if (s === steps) {
            p.validLoss = loss + 0.03 + (0.01 * e) / epochs;
            p.validIC = 0.02 + 0.02 * Math.sqrt(e / epochs) + 0.005 * rng.normal();
          }
          onProgress(p);
        }
      }
      const dates = businessDays('2018-01-02', '2019-12-31');
      const mk = (method: string, label: string, drift: number): MethodSeries => {
        let c = 0,
          b = 0;
        const cumReturn: number[] = [],
          cumExcess: number[] = [],
          ic: number[] = [];
        for (let i = 0; i < dates.length; i++) {
          const bench = 0.0004 + 0.01 * rng.normal();
          const ex = drift + 0.004 * rng.normal();
          c = (1 + c) * (1 + bench + ex) - 1;
          b = (1 + b) * (1 + bench) - 1;
          cumReturn.push(c);
          cumExcess.push(c - b);
          ic.push(i % 37 === 5 ? NaN : 0.03 + 0.12 * rng.normal());
        }
        return { method, label, dates, cumReturn, cumExcess, icDates: dates, ic };
      };
      const series = [mk(model.id, model.label + ' (mock)', 0.0003), mk('ew', 'Equal-weight factors (mock)', 0.0001)];
      const rb = makeRng(99);
      let bench = 0;
      const benchCum = dates.map(() => (bench = (1 + bench) * (1 + 0.0004 + 0.01 * rb.normal()) - 1));
      const cols = [
        { key: 'ic', label: 'IC', format: 'number' as const, better: 'higher' as const, help: 'mean daily IC' },
        { key: 'rankIc', label: 'Rank IC', format: 'number' as const, better: 'higher' as const },
        { key: 'icir', label: 'ICIR', format: 'ratio' as const, better: 'higher' as const },
        { key: 'alpha', label: 'α (%)', format: 'pct' as const, better: 'higher' as const },
        { key: 'ir', label: 'IR', format: 'ratio' as const, better: 'higher' as const },
        { key: 'mdd', label: 'MDD (%)', format: 'pct' as const, better: 'lower' as const },
        { key: 'turnover', label: 'TT', format: 'ratio' as const, better: 'lower' as const },
      ];
      const row = (m: MethodSeries, k: number) => ({
        method: m.method,
        label: m.label,
        values: { ic: 0.031 * k, rankIc: 0.035 * k, icir: 0.27 * k, alpha: 0.061 * k, ir: 0.9 * k, mdd: 0.08 / k, turnover: 0.42 },
      });
      const result: TrainResult = {
        model: model.id,
        label: model.label,
        backend,
        run,
        elapsedMs: performance.now() - t0,
        metrics: { columns: cols, rows: [row(series[0], 1), row(series[1], 0.6)] },
        series,
        benchmark: { label: 'equal-weighted universe', dates, cumReturn: benchCum },
      };
      return result;
    },
  };
}
