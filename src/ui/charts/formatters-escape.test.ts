/**
 * Every tooltip formatter of every option builder returns data as text: the builders get a fixture whose every string
 * (tickers, factor, industry and universe names, method labels, benchmark names, dates) is markup, every function under
 * a `tooltip` key is called with ECharts-like params carrying the same markup, and no returned string may contain a
 * raw `<` or `>`. A new builder must add a fixture here (the coverage test fails otherwise).
 */
import { describe, expect, it } from 'vitest';
import type { DatasetSummary, MethodSeries } from '../../state/lab-api';
import type { TimelineView } from '../../state/views';
import * as dmfmCharts from '../../models/dmfm/views/charts';
import * as evalOptions from './eval-options';
import * as explainOptions from './explain-options';
import * as options from './options';
import { escapeHtml } from './escape';

const M = '<img src=x onerror=alert(1)>';
const M2 = '"><svg onload=alert(2)>';
const dates = ['2019-01-31', '2019-02-28', '2019-03-29'];

const summary: DatasetSummary = {
  name: M,
  kind: 'prices',
  dates: { start: dates[0], end: dates[2], count: 3 },
  stocks: 2,
  factors: [{ name: M, group: M2 }],
  universes: [
    { name: M, description: M2, avgMembers: 2 },
    { name: M2, description: M, avgMembers: 1 },
  ],
  bytes: 0,
  edges: {
    dates,
    avgEdges: [1, 2, 3],
    byUniverse: [
      { name: M, avgEdges: [1, 2, 3] },
      { name: M2, avgEdges: [1, 1, 1] },
    ],
  },
  industries: [
    { name: M, share: 0.5 },
    { name: M2, share: 0.5 },
  ],
  tables: [],
  notes: [M],
};

const method = (id: string): MethodSeries => ({
  method: id,
  label: M,
  dates,
  cumReturn: [0, 0.01, 0.02],
  cumExcess: [0, 0.005, 0.01],
  icDates: dates,
  ic: [0.1, 0.2, 0.3],
  rankIc: [0.1, 0.2, 0.3],
  nav: [1, 1.01, 1.02],
  benchNav: [1, 1, 1],
  drawdown: [0, 0.01, 0],
  monthly: { years: [2019], ic: Array(12).fill(0.1), rankIc: Array(12).fill(0.1) },
  quantiles: { groups: 3, horizon: 20, mean: [0.01, 0.02, 0.03], monotonicity: 1 },
  rebalances: { dates, turnover: [1, 0.5, 0.5], holdings: [2, 2, 2] },
});
const methods = [method(M), method(M2)];
const bench = { label: M, dates, cumReturn: [0, 0.01, 0.02] };
const timeline: TimelineView = {
  rows: [
    { group: 0, segment: 'train', startIndex: 0, endIndex: 1, from: M, to: M2, days: 1 },
    { group: 0, segment: 'test', startIndex: 1, endIndex: 3, from: M, to: M2, days: 2 },
  ] as TimelineView['rows'],
  groups: [{ index: 0, label: M }],
  warnings: [],
  test: [dates[1], dates[2]],
  testDays: 2,
  error: null,
};
const contribution = {
  date: M,
  ticker: M,
  relevances: { [M]: 0.3, [M2]: -0.1 },
  bias: 0.04,
  eps: 0.01,
  residual: 0,
  prediction: 0.25,
  top: true,
  method: M,
};

/** builder name -> options built from markup fixtures */
const built: Record<string, () => unknown> = {
  edgesOption: () => options.edgesOption(summary),
  industriesOption: () => options.industriesOption(summary),
  lossOption: () => options.lossOption([{ x: 0.5, loss: 1 }] as never, [{ x: 1, loss: 1, ic: 0.1 }] as never, M, M),
  cumOption: () => options.cumOption(methods, bench, 'absolute'),
  icOption: () =>
    options.icOption(
      methods.map((m) => ({ method: m.method, label: m.label, dates, ic: m.ic, rolling: m.ic })),
      20,
      M,
      M,
    ),
  waterfallOption: () => explainOptions.waterfallOption(contribution),
  groupShareOption: () => explainOptions.groupShareOption({ dates: [M, M2], groups: [M, M2], share: [[50, 50]] }),
  attentionOption: () => explainOptions.attentionOption([M, M2], [M2, M], [[0.5, 0.25]], M, M2),
  navOption: () => evalOptions.navOption(methods, bench),
  drawdownOption: () => evalOptions.drawdownOption(methods),
  turnoverOption: () => evalOptions.turnoverOption(methods),
  icHeatmapOption: () => evalOptions.icHeatmapOption(methods[0], 'rankIc'),
  quantileOption: () => evalOptions.quantileOption(methods),
  monotonicityOption: () => evalOptions.monotonicityOption(methods),
  rollingOption: () => evalOptions.rollingOption([{ method: M, label: M2, dates, values: [0.1, 0.2, 0.3] }], 0),
  splitTimelineOption: () => evalOptions.splitTimelineOption(timeline, dates),
  faithfulnessOption: () => dmfmCharts.faithfulnessOption([{ horizon: 5, corr: 0.5 }]),
  estimatePortfolioOption: () =>
    dmfmCharts.estimatePortfolioOption({
      horizon: 20,
      head: 20,
      columns: [],
      rows: [],
      series: [
        { key: 'f', method: M, label: M, dates, cumExcess: [0, 0.01, 0.02] },
        { key: 'fhat', method: M2, label: M2, dates, cumExcess: [0, 0.01, 0.02] },
      ],
      benchmark: M,
    }),
};

type Fn = (...a: unknown[]) => unknown;
/** every function found under a `tooltip` key (series, legend, axis or global tooltips), with its path */
function tooltipFunctions(o: unknown, path = '', inTip = false, out: [string, Fn][] = []): [string, Fn][] {
  if (typeof o === 'function') {
    if (inTip) out.push([path, o as Fn]);
  } else if (Array.isArray(o)) o.forEach((v, i) => tooltipFunctions(v, `${path}[${i}]`, inTip, out));
  else if (o && typeof o === 'object')
    for (const [k, v] of Object.entries(o)) tooltipFunctions(v, path ? `${path}.${k}` : k, inTip || k === 'tooltip', out);
  return out;
}

/** ECharts-like params for item and axis triggers, every string field markup, values within the fixtures' ranges */
const item = (i: number) => ({
  componentType: 'series',
  name: M,
  seriesName: M2,
  seriesIndex: 0,
  dataIndex: i,
  value: [i, i, 0.5],
  data: { value: 1, from: M, to: M2, days: 3 },
  marker: '',
  color: '#000',
  axisValue: M,
  axisValueLabel: M,
});
const paramSets: unknown[] = [item(0), [item(0), item(1)], [item(1)], 0.25, M];

/** Outputs of `fn` for every param set it accepts (a formatter may throw on params of another trigger: skipped). */
function outputs(fn: Fn): string[] {
  const r: string[] = [];
  for (const p of paramSets) {
    try {
      const v = fn(p);
      if (typeof v === 'string') r.push(v);
    } catch {
      /* params of another shape */
    }
  }
  return r;
}

describe('chart tooltips escape data (ECharts renders formatter output as HTML)', () => {
  it('every exported *Option builder of src/ui/charts and the model views has a markup fixture here', () => {
    const exported = [options, evalOptions, explainOptions, dmfmCharts].flatMap((m) =>
      Object.entries(m)
        .filter(([k, v]) => typeof v === 'function' && /Option$/.test(k))
        .map(([k]) => k),
    );
    expect(exported.filter((k) => !(k in built))).toEqual([]);
  });

  it.each(Object.keys(built))('%s: tooltip formatters return no raw markup', (name) => {
    const fns = tooltipFunctions(built[name]());
    for (const [path, fn] of fns) {
      const outs = outputs(fn);
      expect(outs.length, `${name}.${path} returned no string for any params`).toBeGreaterThan(0);
      for (const s of outs) expect(s, `${name}.${path}`).not.toMatch(/[<>]/);
    }
  });

  it('the builders that show names in their own tooltips show them escaped (not dropped)', () => {
    const tipText = (name: string) => tooltipFunctions(built[name]()).flatMap(([, fn]) => outputs(fn));
    for (const name of ['edgesOption', 'waterfallOption', 'attentionOption', 'splitTimelineOption'])
      expect(tipText(name).join(' '), name).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('the check itself fails on a formatter that returns data unescaped', () => {
    const unsafe = { tooltip: { formatter: (p: { name: string }) => `${p.name}: 1` } };
    const safe = { tooltip: { formatter: (p: { name: string }) => `${escapeHtml(p.name)}: 1` } };
    expect(outputs(tooltipFunctions(unsafe)[0][1]).some((s) => /[<>]/.test(s))).toBe(true);
    expect(outputs(tooltipFunctions(safe)[0][1]).some((s) => /[<>]/.test(s))).toBe(false);
  });

  it('escapeHtml: the five HTML-special characters, anything else unchanged', () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a> é 中`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt; é 中',
    );
    expect(escapeHtml(12.5)).toBe('12.5');
  });
});
