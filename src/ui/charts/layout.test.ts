/** Issue 14, defect 7: chart layout at 1280 x 800 (legends clear the plot, axis labels never repeat, rho on view). */
import { describe, expect, it } from 'vitest';
import type { MethodSeries } from '../../state/lab-api';
import { drawdownOption, monotonicityOption, pctTick } from './eval-options';
import { icOption } from './options';

const SIX = ['Linear', 'EW (equal-weighted)', 'MLP', 'MGAT (MLP & GAT)', 'DMFM (deep multi-factor model)', 'DMFM · f-hat'];
const method = (i: number): MethodSeries => ({
  method: ['linear', 'ew', 'mlp', 'mgat', 'dmfm', 'dmfm:fhat'][i],
  label: SIX[i],
  dates: ['2019-01-02', '2019-01-03'],
  cumReturn: [0, 0.01],
  cumExcess: [0, -0.004],
  drawdown: [0, 0.004],
  icDates: ['2019-01-02', '2019-01-03'],
  ic: [0.01, 0.02],
  quantiles: { groups: 5, horizon: 5, mean: [0.001, 0.002, 0.003, 0.004, 0.005 + i / 1000], monotonicity: 0.9 - i / 10 },
});

type Opt = {
  legend: { type?: string; formatter?: (n: string) => string };
  grid: { top: number };
  series: { name: string }[];
  yAxis: { axisLabel: { formatter: (v: number) => string } };
};

describe('chart layout at 1280 px', () => {
  it('percent ticks keep the decimals they need: a 0.5% step reads -0.5%, -1%, -1.5% (not -1%, -1%, -2%)', () => {
    expect([0, -0.005, -0.01, -0.015, -0.02].map(pctTick)).toEqual(['0%', '-0.5%', '-1%', '-1.5%', '-2%']);
    expect(pctTick(-0.0025)).toBe('-0.25%');
    expect(pctTick(0.1)).toBe('10%');
    const dd = drawdownOption(SIX.map((_, i) => method(i))) as unknown as Opt;
    expect(dd.yAxis.axisLabel.formatter).toBe(pctTick);
  });

  it('IC: the legend names only the methods and the plot starts below it (six methods in two rows)', () => {
    const views = SIX.map((label, i) => ({ method: method(i).method, label, dates: ['2019-01-02'], ic: [0.01], rolling: [0.01] }));
    const o = icOption(views, 60, 'dmfm', 'IC') as unknown as Opt;
    expect(o.series.map((s) => o.legend.formatter!(s.name))).toEqual(['DMFM (deep multi-factor model) daily', ...SIX]);
    // short names at 760 px: widths 33 + 6.6 x chars; 'DMFM (…) daily' 264.6 + Linear 72.6 + EW 158.4 + MLP 52.8 + MGAT 138.6
    // = 687 -> row 1; DMFM 231 starts row 2, f-hat 112.2 joins it: two rows -> top 14 + 2 x 20 = 54
    // (before: the long names '… 60-day mean IC' took three rows while the plot started at 40)
    expect(o.grid.top).toBe(54);
  });

  it('monotonicity: every method with its rho in a wrapping legend (no paging), the plot below it', () => {
    const o = monotonicityOption(SIX.map((_, i) => method(i))) as unknown as Opt;
    expect(o.legend.type).toBeUndefined();
    expect(o.series.map((s) => s.name)).toEqual(SIX.map((l, i) => `${l} ρ ${(0.9 - i / 10).toFixed(2)}`));
    expect(o.grid.top).toBeGreaterThan(54); // six long names at 370 px take three or more rows
  });
});

describe('industry names', () => {
  it('wrap instead of being truncated (no name is cut off)', async () => {
    const { industriesOption } = await import('./options');
    const o = industriesOption({
      industries: [
        { name: 'Consumer Discretionary', share: 0.2 },
        { name: 'Information Technology', share: 0.1 },
      ],
    } as unknown as Parameters<typeof industriesOption>[0]) as unknown as { yAxis: { data: string[]; axisLabel: { overflow: string } } };
    expect(o.yAxis.axisLabel.overflow).toBe('break');
    expect(o.yAxis.data).toEqual(['Information Technology', 'Consumer Discretionary']);
  });
});

describe('split timeline', () => {
  it('highlights the group being trained: others fade, its label gets a marker', async () => {
    const { splitTimelineOption } = await import('./eval-options');
    const days = ['2019-01-02', '2019-01-03', '2019-01-04', '2019-01-07'];
    const row = (group: number, segment: 'train' | 'test', s: number, e: number) => ({
      group,
      label: `g${group}`,
      segment,
      startIndex: s,
      endIndex: e,
      from: days[s],
      to: days[e - 1],
      days: e - s,
    });
    const view = {
      rows: [row(0, 'train', 0, 2), row(0, 'test', 2, 3), row(1, 'train', 0, 3), row(1, 'test', 3, 4)],
      groups: [
        { index: 0, label: '2019H1' },
        { index: 1, label: '2019H2' },
      ],
      warnings: [],
      test: null,
      testDays: 2,
      error: null,
    };
    const o = splitTimelineOption(view, days, 1) as unknown as {
      series: { name: string; data: ({ itemStyle?: { opacity: number } } | number)[] }[];
      yAxis: { axisLabel: { formatter: (v: string, i: number) => string } };
    };
    const train = o.series.find((x) => x.name === 'train')!;
    expect((train.data[0] as { itemStyle?: { opacity: number } }).itemStyle?.opacity).toBe(0.3);
    expect((train.data[1] as { itemStyle?: { opacity: number } }).itemStyle).toBeUndefined();
    expect(o.yAxis.axisLabel.formatter('2019H2', 1)).toBe('▶ 2019H2');
    expect(o.yAxis.axisLabel.formatter('2019H1', 0)).toBe('2019H1');
  });
});
