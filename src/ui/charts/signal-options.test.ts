import { describe, expect, it } from 'vitest';
import type { MethodSeries } from '../../state/lab-api';
import type { SignalSheet } from '../../state/signal-sheet';
import { methodColor } from '../colors';
import {
  distributionOption,
  icDecayOption,
  industryIcOption,
  quantileCumOption,
  quantileTurnoverOption,
  rankAutocorrOption,
  shade,
} from './signal-options';

const sheet = (k: number): SignalSheet => ({
  icDecay: [
    { horizon: 1, mean: 0.02 * k, se: 0.005, dates: 50 },
    { horizon: 5, mean: 0.01 * k, se: 0.01, dates: 50 },
  ],
  industryIc: [
    { name: 'Energy', mean: 0.1 * k, se: 0.01, dates: 50, stocks: 4 },
    { name: '<b>Tech</b>', mean: -0.05, se: 0.01, dates: 50, stocks: 4 },
  ],
  quantiles: {
    groups: 2,
    dates: ['2020-01-02', '2020-01-03'],
    cum: [
      [-0.01, -0.02],
      [0.01, 0.03],
    ],
    spread: [0.02, 0.05],
    annual: [-1, 1],
  },
  rank: { dates: ['2020-02-03'], autocorr: [0.7], turnover: [[0.2], [0.4]], meanTurnover: [0.2, 0.4], meanAutocorr: 0.7 },
  distribution: {
    edges: [-0.02, -0.01, 0, 0.01],
    counts: [1, 3, 2],
    n: 6,
    mean: 0,
    std: 0.01,
    skew: 0,
    kurtosis: 0,
    var5: -0.015,
    cvar5: -0.02,
  },
  book: { dates: [], holdings: [] },
});
const m = (method: string, k: number): MethodSeries => ({
  method,
  label: method.toUpperCase(),
  dates: [],
  cumReturn: [],
  cumExcess: [],
  icDates: [],
  ic: [],
  signal: sheet(k),
});
const methods = [m('linear', 1), m('mlp', 2), { ...m('ew', 0), signal: undefined }];
type S = { name: string; type: string; data: unknown[]; itemStyle?: { color?: string }; lineStyle?: { color?: string; type?: string } };
const series = (o: unknown) => (o as { series: S[] }).series;

describe('signal tear-sheet options', () => {
  it('IC decay: one line per method in its colour, +-2 SE lines beside it, horizons as categories', () => {
    const o = icDecayOption(methods) as { xAxis: { data: string[] }; legend: { data: string[] } };
    expect(o.xAxis.data).toEqual(['1d', '5d']);
    expect(o.legend.data).toEqual(['LINEAR', 'MLP']); // methods without a sheet are left out; the SE lines are not in the legend
    const s = series(o);
    expect(s.map((x) => x.name)).toEqual(['LINEAR', 'LINEAR +2 SE', 'LINEAR −2 SE', 'MLP', 'MLP +2 SE', 'MLP −2 SE']);
    expect(s[3].data).toEqual([0.04, 0.02]);
    // MLP horizon 5: 0.02 +- 2 x 0.01
    expect(s[4].data[1]).toBeCloseTo(0.04, 12);
    expect(s[5].data[1]).toBeCloseTo(0, 12);
    expect(s[0].lineStyle!.color).toBe(methodColor('linear'));
    expect(s[5].lineStyle!.color).toBe(methodColor('mlp'));
  });

  it('IC by industry, rank autocorrelation and quintile turnover keep one colour per method', () => {
    const ind = series(industryIcOption(methods));
    expect(ind.map((x) => [x.name, x.itemStyle!.color])).toEqual([
      ['LINEAR', methodColor('linear')],
      ['MLP', methodColor('mlp')],
    ]);
    expect(ind[1].data).toEqual([0.2, -0.05]);
    const ac = series(rankAutocorrOption(methods));
    expect(ac[0].data).toEqual([['2020-02-03', 0.7]]);
    const to = series(quantileTurnoverOption(methods));
    expect(to[1].data).toEqual([0.2, 0.4]);
    expect(to[1].itemStyle!.color).toBe(methodColor('mlp'));
  });

  it('quantile curves are shades of the method colour (darkest = top) plus the spread', () => {
    const s = series(quantileCumOption(methods[1]));
    expect(s.map((x) => x.name)).toEqual(['Q1', 'Q2', 'Q2 − Q1']);
    expect(s[1].lineStyle!.color).toBe(shade(methodColor('mlp'), 1));
    expect(s[1].lineStyle!.color).toBe(methodColor('mlp').toLowerCase());
    expect(s[2].data).toEqual([
      ['2020-01-02', 0.02],
      ['2020-01-03', 0.05],
    ]);
    expect(series(quantileCumOption(undefined))).toEqual([]);
  });

  it('distribution: one bar per bin at its centre, the VaR bin and those below it opaque', () => {
    const o = distributionOption(methods[0]) as {
      xAxis: { data: string[] };
      series: { data: { value: number; itemStyle: { opacity: number } }[] }[];
    };
    // centres -1.5%, -0.5%, 0.5%; VaR -1.5% lies in bin 0
    expect(o.xAxis.data).toEqual(['-1.50%', '-0.50%', '0.50%']);
    expect(o.series[0].data.map((d) => d.value)).toEqual([1, 3, 2]);
    expect(o.series[0].data.map((d) => d.itemStyle.opacity)).toEqual([1, 0.6, 0.6]);
  });

  it('shade mixes with white', () => {
    expect(shade('#000000', 0.5)).toBe('#808080');
    expect(shade('#ff0000', 0)).toBe('#ffffff');
  });
});
