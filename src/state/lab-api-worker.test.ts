import { describe, expect, it } from 'vitest';
import { defaultRun, type RunConfig } from '../core/run';
import type { TrainProgress as EngineProgress } from '../train/loop';
import type { DatasetSummary as EngineSummary, TrainOutput } from '../train/protocol';
import { RESULT_METRICS, createWorkerLabApi, toProgress, toResult, toSummary } from './lab-api-worker';
import type { LabClient } from '../train/client';

describe('lab-api-worker mappers', () => {
  it('toSummary averages industry shares over month ends and keeps the counts', () => {
    const s: EngineSummary = {
      name: 'demo',
      kind: 'prices',
      T: 3,
      N: 4,
      F: 2,
      start: '2019-01-02',
      end: '2019-03-29',
      factorNames: ['mom_20', 'vol_20'],
      factorGroups: ['momentum', 'volatility'],
      industryNames: ['A', 'B'],
      horizons: [1, 20],
      universes: [{ name: 'all', description: 'every stock', meanMembers: 3.5 }],
      stocksPerDate: { min: 3, median: 4, max: 4 },
      mb: 1.25,
      notes: ['survivorship'],
      warnings: ['2 rows dropped'],
      edgesPerStock: {
        dates: ['2019-01-31', '2019-02-28', '2019-03-29'],
        values: Float32Array.from([1, 1.5, 2]),
        // per universe: top100 has no members in the first month (NaN, a gap on the chart)
        byUniverse: [
          { name: 'all', values: Float32Array.from([1, 1.5, 2]) },
          { name: 'top100', values: Float32Array.from([NaN, 0.25, 0.75]) },
        ],
      },
      // share [M=3, K=2]: month 0 has no members (NaN row, skipped); month 1 A 0.5 B 0.5; month 2 A 0.75 B 0.25
      // -> mean A (0.5 + 0.75) / 2 = 0.625, B (0.5 + 0.25) / 2 = 0.375
      industryProportion: {
        dates: ['2018-12-31', '2019-01-31', '2019-02-28'],
        industries: ['A', 'B'],
        share: Float32Array.from([NaN, NaN, 0.5, 0.5, 0.75, 0.25]),
      },
      load_ms: 12,
      tables: [{ name: 'prices', columns: ['date', 'ticker'], rows: 12 }],
    };
    const u = toSummary(s, 2048);
    expect(u.industries).toEqual([
      { name: 'A', share: 0.625 },
      { name: 'B', share: 0.375 },
    ]);
    expect(u.dates).toEqual({ start: '2019-01-02', end: '2019-03-29', count: 3 });
    expect(u.stocks).toBe(4);
    expect(u.factors).toEqual([
      { name: 'mom_20', group: 'momentum' },
      { name: 'vol_20', group: 'volatility' },
    ]);
    expect(u.universes).toEqual([{ name: 'all', description: 'every stock', avgMembers: 3.5 }]);
    expect(u.bytes).toBe(1_250_000);
    expect(u.fileBytes).toBe(2048);
    expect(u.edges.dates).toEqual(['2019-01-31', '2019-02-28', '2019-03-29']);
    expect(u.edges.avgEdges).toEqual([1, 1.5, 2]);
    // one plain-array series per universe, names and order kept; NaN stays NaN (drawn as a gap)
    expect(u.edges.byUniverse).toEqual([
      { name: 'all', avgEdges: [1, 1.5, 2] },
      { name: 'top100', avgEdges: [NaN, 0.25, 0.75] },
    ]);
    expect(Array.isArray(u.edges.byUniverse![1].avgEdges)).toBe(true);
    expect(u.warnings).toEqual(['2 rows dropped']);
  });

  it('toProgress: overall fraction across groups, loss only on train steps, validation once per epoch', () => {
    const base: EngineProgress = {
      phase: 'train',
      group: 1,
      groups: 2,
      epoch: 2,
      epochs: 4,
      step: 5,
      steps: 10,
      lossTerms: { loss: 0.8 },
      valMetric: 0.03,
      bestValMetric: 0.03,
      elapsed_s: 1,
      eta_s: 1,
    };
    // group 2 of 2 (0-based 1), epoch 2 of 4 at step 5/10: within = (1 + 0.5) / 4 = 0.375; overall = (1 + 0.375) / 2 = 0.6875
    const p = toProgress(base, defaultRun, 1500, 'wasm');
    expect(p.fraction).toBe(0.6875);
    expect(p.group).toBe(2);
    expect(p.loss).toBe(0.8);
    expect(p.validIC).toBeUndefined(); // the carried-over valMetric is not a new validation point
    expect(p.backend).toBe('wasm');
    expect(p.message).toBe('training · group 2/2');
    const v = toProgress({ ...base, phase: 'validate', step: 10, lossTerms: { loss: 0.7 } }, defaultRun, 1600, 'wasm');
    expect(v.loss).toBeUndefined();
    expect(v.validIC).toBe(0.03);
    expect(v.validMetric).toBe('rank IC');
    // group 1 of 2, epoch 2 of 4 done: (0 + 2/4) / 2 = 0.25
    expect(toProgress({ ...base, group: 0, phase: 'validate', step: 10 }, defaultRun, 0, undefined).fraction).toBe(0.25);
  });

  it('toResult: cumulative returns are nav - 1, metrics follow RESULT_METRICS, every evaluation series is kept', () => {
    const metrics = Object.fromEntries(RESULT_METRICS.map((k, i) => [k, i / 10]));
    const r = {
      run: defaultRun,
      model: { id: 'mlp', name: 'MLP', config: {} },
      backend: { backend: 'cpu', forced: true, reason: 'forced', probes: [] },
      timings: { total_ms: 1234 },
      horizons: [1, 20],
      testIndex: Int32Array.from([7]),
      scoresByHorizon: Float32Array.from([0.1, 0.2, 0.3, 0.4]),
      groups: [
        {
          label: '2019H1',
          train: ['2012-01-03', '2018-05-31'],
          valid: ['2018-06-01', '2018-11-30'],
          test: ['2019-01-02', '2019-06-28'],
          history: {},
        },
      ],
      warnings: ['gap raised to 20'],
      universes: [{ universe: 'all', description: 'every stock', metrics: { ...metrics, ic: 0.05 }, icDates: 1, warnings: [] }],
      eval: {
        settings: { benchmark: 'equal-weighted universe', horizon: 20 },
        evalIso: ['2019-01-02'],
        ic: Float64Array.from([0.05]),
        rankIc: Float64Array.from([0.04]),
        metrics,
        strategy: {
          kind: 'topquantile',
          groups: 10,
          rebalance: 21,
          openCost: 0.004,
          closeCost: 0.004,
          k: 50,
          n: 5,
          eta: 1,
          cap: 1,
          horizon: 20,
        },
        series: {
          iso: ['2019-01-03', '2019-01-04'],
          nav: Float64Array.from([1.01, 1.0302]),
          benchNav: Float64Array.from([1, 0.99]),
          cumExcess: Float64Array.from([0.01, 0.0402]),
          drawdown: Float64Array.from([0, 0]),
        },
        monthlyIc: { years: [2019], values: Float64Array.from([0.05, ...new Array(11).fill(NaN)]) },
        monthlyRankIc: { years: [2019], values: Float64Array.from([0.04, ...new Array(11).fill(NaN)]) },
        quantiles: { groups: 2, mean: Float64Array.from([-0.01, 0.02]), monotonicity: 1 },
        rebalances: { iso: ['2019-01-02'], turnover: Float64Array.from([1]), holdings: Int32Array.from([40]) },
        warnings: [],
      },
    } as unknown as TrainOutput;
    const t = toResult(r);
    expect(t.series[0].cumReturn[0]).toBeCloseTo(0.01, 12);
    expect(t.series[0].cumReturn[1]).toBeCloseTo(0.0302, 12);
    expect(t.benchmark.cumReturn[1]).toBeCloseTo(-0.01, 12);
    expect(t.series[0].icDates).toEqual(['2019-01-02']);
    expect(t.metrics.columns.map((c) => c.key)).toEqual(RESULT_METRICS);
    expect(t.metrics.columns[0]).toMatchObject({ key: 'ic', label: 'IC', format: 'number', better: 'higher' });
    expect(t.metrics.rows[0].values.rankIc).toBe(0.1);
    expect(t.backend).toBe('cpu');
    expect(t.elapsedMs).toBe(1234);
    // the evaluation views, as plain arrays
    expect(t.series[0].nav).toEqual([1.01, 1.0302]);
    expect(t.series[0].monthly!.years).toEqual([2019]);
    expect(t.series[0].monthly!.ic[0]).toBe(0.05);
    expect(t.series[0].quantiles).toEqual({ groups: 2, horizon: 20, mean: [-0.01, 0.02], monotonicity: 1 });
    expect(t.series[0].rebalances).toEqual({ dates: ['2019-01-02'], turnover: [1], holdings: [40] });
    expect(t.universes).toEqual([{ universe: 'all', description: 'every stock', values: { ...metrics, ic: 0.05 }, icDates: 1 }]);
    expect(t.strategy).toMatchObject({ kind: 'topquantile', groups: 10, openCost: 0.004, horizon: 20 });
    expect(t.scores!.testIndex).toEqual(Int32Array.from([7]));
    expect(t.groups).toEqual([
      { label: '2019H1', train: ['2012-01-03', '2018-05-31'], valid: ['2018-06-01', '2018-11-30'], test: ['2019-01-02', '2019-06-28'] },
    ]);
  });
});

describe('model output channels and alternative scores (TrainResult.alternatives, scores.channels)', () => {
  // a minimal EvalResult: what evalParts reads; metrics are every RESULT_METRICS key + the ones named here
  const evalOf = (horizon: number, ic: number, alpha: number, cumExcess: number[]) => ({
    settings: { benchmark: 'equal-weighted universe', horizon },
    evalIso: ['2019-01-02', '2019-01-03'],
    ic: Float64Array.from([ic, ic]),
    rankIc: Float64Array.from([ic, ic]),
    metrics: {
      ...Object.fromEntries(RESULT_METRICS.map((k) => [k, 0])),
      ic,
      alpha,
      ir: alpha * 10,
      icir: ic * 5,
      rankIc: ic,
      turnover: 0.3,
    },
    strategy: { kind: 'topquantile', groups: 10, rebalance: 5, openCost: 0.004, closeCost: 0.004, k: 50, n: 5, eta: 1, cap: 1, horizon },
    series: {
      iso: ['2019-01-03', '2019-01-04'],
      nav: Float64Array.from([1, 1]),
      benchNav: Float64Array.from([1, 1]),
      cumExcess: Float64Array.from(cumExcess),
      drawdown: Float64Array.from([0, 0]),
    },
    monthlyIc: { years: [2019], values: new Float64Array(12) },
    monthlyRankIc: { years: [2019], values: new Float64Array(12) },
    quantiles: { groups: 2, mean: Float64Array.from([0, 0]), monotonicity: 0 },
    rebalances: { iso: ['2019-01-02'], turnover: Float64Array.from([1]), holdings: Int32Array.from([2]) },
    warnings: [],
  });
  // panel horizons [1, 20]; an alternative score channel 'fhat' [H = 2, D = 1, N = 2]
  const fhat = Float32Array.from([0.5, -0.5, 0.25, -0.25]);
  const spec = { name: 'fhat', kind: 'score', label: 'attention estimate', perHorizon: true };
  const output = {
    run: { ...defaultRun, model: 'dmfm' },
    model: { id: 'dmfm', name: 'DMFM', config: {} },
    backend: { backend: 'cpu', forced: true, reason: 'forced', probes: [] },
    timings: { total_ms: 1 },
    horizons: [1, 20],
    testIndex: Int32Array.from([7]),
    scoresByHorizon: Float32Array.from([1, 2, 3, 4]),
    groups: [],
    warnings: [],
    eval: evalOf(20, 0.05, 0.12, [0.01, 0.02]),
    channels: [{ spec, values: fhat }],
    alternatives: [{ name: 'fhat', label: 'attention estimate', eval: evalOf(20, 0.03, 0.04, [0.005, -0.01]) }],
  } as unknown as TrainOutput;

  it('toResult maps each alternative to an extra method and keeps the channels for re-evaluation', () => {
    const t = toResult(output);
    expect(t.alternatives).toHaveLength(1);
    const e = t.alternatives![0];
    expect(e.name).toBe('fhat');
    expect(e.method).toBe('dmfm:fhat');
    expect(e.label).toBe('DMFM · attention estimate');
    expect(e.metrics.ic).toBe(0.03);
    expect(e.metrics.alpha).toBe(0.04);
    expect(e.series.method).toBe('dmfm:fhat');
    expect(e.series.cumExcess).toEqual([0.005, -0.01]);
    expect(e.series.dates).toEqual(['2019-01-03', '2019-01-04']);
    expect(t.scores!.channels!.fhat).toBe(fhat);
    // the model's own row is untouched
    expect(t.allMetrics!.ic).toBe(0.05);
    expect(t.series[0].cumExcess).toEqual([0.01, 0.02]);
    expect(toResult({ ...output, channels: [], alternatives: [] } as unknown as TrainOutput).alternatives).toBeUndefined();
  });

  it('evaluate (new strategy) sends the channels and re-evaluates the alternatives in the same request', async () => {
    const calls: { run: RunConfig; channels?: Record<string, Float32Array> }[] = [];
    const client = {
      evaluate: async (run: RunConfig, s: { channels?: Record<string, Float32Array> }) => {
        calls.push({ run, channels: s.channels });
        return {
          eval: evalOf(1, 0.07, 0.2, [0.03, 0.04]),
          universes: [],
          alternatives: s.channels?.fhat
            ? [{ name: 'fhat', label: 'attention estimate', eval: evalOf(1, 0.01, -0.02, [-0.001, -0.002]) }]
            : [],
        };
      },
    } as unknown as LabClient;
    const api = createWorkerLabApi(() => client);
    const before = toResult(output);
    const strategy = { ...defaultRun.strategy, horizon: 1, rebalance: 1 };
    const after = await api.evaluate!(before, { ...before.run, strategy });
    expect(calls).toHaveLength(1);
    expect(calls[0].channels!.fhat).toBe(fhat);
    expect(calls[0].run.strategy).toEqual(strategy);
    expect(after.allMetrics!.ic).toBe(0.07);
    expect(after.alternatives![0].metrics.ic).toBe(0.01);
    expect(after.alternatives![0].series.cumExcess).toEqual([-0.001, -0.002]);
  });
});
