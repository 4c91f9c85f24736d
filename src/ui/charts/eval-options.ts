/**
 * ECharts options for the evaluation views (issue 4): net value, drawdown, turnover, monthly IC heat map, quantile
 * returns, monotonicity, split timeline. Plain functions of the store's data; one colour per method (colors.ts).
 */
import type { EChartsCoreOption } from 'echarts/core';
import type { MethodSeries, TrainResult } from '../../state/lab-api';
import type { TimelineView } from '../../state/views';
import { methodColor, methodLineType, UI_COLORS } from '../colors';
import { escapeHtml } from './escape';
import { legendAt, legendGridTop } from './legend';
import { datePairs } from './options';

const FONT = 'Inter, "Segoe UI", system-ui, -apple-system, sans-serif';
const pct = (digits: number) => (v: number) => `${(v * 100).toFixed(digits)}%`;
/**
 * Percent axis labels that never repeat: as many decimals as the tick needs (up to 2), trailing zeros dropped, so a
 * drawdown axis in steps of 0.5% reads -0.5%, -1%, -1.5% (a fixed 0 decimals read -1%, -1%, -2%).
 */
export const pctTick = (v: number): string => `${Number((v * 100).toFixed(2))}%`;
const pctTip =
  (digits = 2) =>
  (v: unknown) =>
    typeof v === 'number' && Number.isFinite(v) ? `${(v * 100).toFixed(digits)}%` : '–';
const numTip = (digits: number) => (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '–');
const legend = legendAt(2);
const timeAxis = {
  type: 'time',
  axisLabel: { hideOverlap: true, color: UI_COLORS.muted, formatter: { year: '{yyyy}', month: '{yyyy}-{MM}', day: '{yyyy}-{MM}-{dd}' } },
  axisLine: { lineStyle: { color: UI_COLORS.muted } },
  splitLine: { show: false },
};
const valueAxis = (extra: Record<string, unknown> = {}) => ({
  type: 'value',
  scale: true,
  axisLabel: { color: UI_COLORS.muted },
  splitLine: { lineStyle: { color: UI_COLORS.grid } },
  ...extra,
});
const zeroLine = (y: number) => ({
  silent: true,
  symbol: 'none',
  label: { show: false },
  lineStyle: { color: UI_COLORS.muted, type: 'solid', width: 1 },
  data: [{ yAxis: y }],
});

const HALF = 370;

function base(extra: EChartsCoreOption): EChartsCoreOption {
  return {
    animation: false,
    textStyle: { fontFamily: FONT, fontSize: 12, color: UI_COLORS.ink },
    grid: { left: 56, right: 20, top: 36, bottom: 30 },
    tooltip: { trigger: 'axis', confine: true },
    ...extra,
  };
}

const line = (m: { method: string; label: string; variant?: number }, data: unknown[], extra: Record<string, unknown> = {}) => ({
  name: m.label,
  type: 'line',
  showSymbol: false,
  data,
  lineStyle: { width: 2, color: methodColor(m.method), type: methodLineType(m.method, m.variant) },
  itemStyle: { color: methodColor(m.method) },
  ...extra,
});

/** Net value prod(1 + r) of every method (1 = start) with the benchmark dashed: the DMFM paper's Figure 1. */
export function navOption(methods: MethodSeries[], bench: TrainResult['benchmark'] | null): EChartsCoreOption {
  const series: Record<string, unknown>[] = methods
    .filter((m) => m.dates.length)
    .map((m) => line(m, datePairs(m.dates, m.nav ?? m.cumReturn.map((v) => v + 1))));
  if (bench && bench.dates.length)
    series.push({
      name: `Benchmark (${bench.label})`,
      type: 'line',
      showSymbol: false,
      data: datePairs(
        bench.dates,
        bench.cumReturn.map((v) => v + 1),
      ),
      lineStyle: { width: 2, type: 'dashed', color: methodColor('benchmark') },
      itemStyle: { color: methodColor('benchmark') },
    });
  if (series.length) series[0].markLine = zeroLine(1);
  return base({
    legend,
    xAxis: timeAxis,
    yAxis: valueAxis({ axisLabel: { formatter: (v: number) => v.toFixed(2), color: UI_COLORS.muted } }),
    tooltip: { trigger: 'axis', confine: true, valueFormatter: numTip(3) },
    series,
  });
}

/** Underwater chart: drawdown of each method's compounded excess curve, drawn below zero. */
export function drawdownOption(methods: MethodSeries[]): EChartsCoreOption {
  const series = methods
    .filter((m) => m.drawdown?.length)
    .map((m) =>
      line(
        m,
        datePairs(
          m.dates,
          m.drawdown!.map((v) => -v),
        ),
        {
          lineStyle: { width: 1.5, color: methodColor(m.method), type: methodLineType(m.method, m.variant) },
          areaStyle: { color: methodColor(m.method), opacity: 0.12 },
        },
      ),
    );
  return base({
    legend,
    grid: {
      left: 56,
      right: 20,
      top: legendGridTop(
        series.map((x) => x.name),
        HALF,
      ),
      bottom: 30,
    },
    xAxis: timeAxis,
    yAxis: valueAxis({ max: 0, axisLabel: { formatter: pctTick, color: UI_COLORS.muted } }),
    tooltip: { trigger: 'axis', confine: true, valueFormatter: pctTip(2) },
    series,
  });
}

/** One-way turnover of each rebalance, per method. */
export function turnoverOption(methods: MethodSeries[]): EChartsCoreOption {
  const series = methods
    .filter((m) => m.rebalances?.dates.length)
    .map((m) =>
      line(m, datePairs(m.rebalances!.dates, m.rebalances!.turnover), {
        showSymbol: m.rebalances!.dates.length <= 60,
        symbolSize: 5,
        lineStyle: { width: 1.5, color: methodColor(m.method), type: methodLineType(m.method, m.variant) },
      }),
    );
  return base({
    legend,
    grid: {
      left: 56,
      right: 20,
      top: legendGridTop(
        series.map((x) => x.name),
        HALF,
      ),
      bottom: 30,
    },
    xAxis: timeAxis,
    yAxis: valueAxis({ min: 0, scale: false, axisLabel: { formatter: pctTick, color: UI_COLORS.muted } }),
    tooltip: { trigger: 'axis', confine: true, valueFormatter: pctTip(1) },
    series,
  });
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Monthly mean IC (or rank IC) of one method as a year x month heat map, diverging around 0. */
export function icHeatmapOption(m: MethodSeries, kind: 'ic' | 'rankIc'): EChartsCoreOption {
  const mo = m.monthly!;
  const vals = kind === 'rankIc' ? mo.rankIc : mo.ic;
  const data: [number, number, number][] = [];
  let absMax = 0;
  mo.years.forEach((_, yi) => {
    for (let k = 0; k < 12; k++) {
      const v = vals[yi * 12 + k];
      if (Number.isFinite(v)) {
        data.push([k, yi, v]);
        absMax = Math.max(absMax, Math.abs(v));
      }
    }
  });
  const lim = absMax > 0 ? Math.ceil(absMax * 100) / 100 : 0.05;
  const label = kind === 'rankIc' ? 'rank IC' : 'IC';
  return base({
    grid: { left: 56, right: 16, top: 30, bottom: 24 },
    tooltip: {
      trigger: 'item',
      confine: true,
      formatter: (p: { value: [number, number, number] }) =>
        escapeHtml(`${mo.years[p.value[1]]}-${String(p.value[0] + 1).padStart(2, '0')}: mean ${label} ${p.value[2].toFixed(3)}`),
    },
    xAxis: { type: 'category', data: MONTHS, splitArea: { show: false }, axisTick: { show: false }, axisLabel: { color: UI_COLORS.muted } },
    yAxis: { type: 'category', data: mo.years.map(String), axisTick: { show: false }, axisLabel: { color: UI_COLORS.ink } },
    visualMap: {
      type: 'continuous',
      min: -lim,
      max: lim,
      calculable: false,
      orient: 'horizontal',
      right: 16,
      top: 2,
      itemHeight: 140,
      itemWidth: 10,
      precision: 2,
      text: [`+${lim.toFixed(2)}`, `${label} −${lim.toFixed(2)}`],
      textStyle: { fontSize: 11, color: UI_COLORS.muted },
      inRange: { color: ['#b2182b', '#f7f7f7', '#2166ac'] },
    },
    series: [
      {
        name: `${m.label} monthly ${label}`,
        type: 'heatmap',
        data,
        label: {
          show: true,
          fontSize: 11,
          formatter: (p: { value: [number, number, number] }) => p.value[2].toFixed(2).replace(/^-(0\.0+)$/, '$1'),
        },
        itemStyle: { borderColor: '#fff', borderWidth: 2 },
      },
    ],
  });
}

/** Mean forward return of each score quantile group (1 = lowest score), grouped bars per method. */
export function quantileOption(methods: MethodSeries[]): EChartsCoreOption {
  const withQ = methods.filter((m) => m.quantiles?.mean.length);
  const G = Math.max(0, ...withQ.map((m) => m.quantiles!.groups));
  const cats = Array.from({ length: G }, (_, g) => String(g + 1));
  return base({
    legend,
    grid: {
      left: 56,
      right: 16,
      top: legendGridTop(
        withQ.map((m) => m.label),
        HALF,
      ),
      bottom: 40,
    },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true, valueFormatter: pctTip(2) },
    xAxis: {
      type: 'category',
      data: cats,
      name: 'score group (1 = lowest)',
      nameLocation: 'middle',
      nameGap: 26,
      axisTick: { show: false },
      axisLabel: { color: UI_COLORS.muted, interval: 0 },
    },
    yAxis: valueAxis({ scale: false, axisLabel: { formatter: pct(1), color: UI_COLORS.muted } }),
    series: withQ.map((m) => ({
      name: m.label,
      type: 'bar',
      data: m.quantiles!.mean.map((v) => (Number.isFinite(v) ? v : null)),
      barMaxWidth: 14,
      itemStyle: { color: methodColor(m.method) },
    })),
  });
}

/** Mean forward return per score decile minus its average over the deciles (the shape), with Spearman rho per method. */
export function monotonicityOption(methods: MethodSeries[]): EChartsCoreOption {
  const withQ = methods.filter((m) => m.quantiles?.mean.length);
  const G = Math.max(0, ...withQ.map((m) => m.quantiles!.groups));
  const rhoOf = (m: MethodSeries) => (Number.isFinite(m.quantiles!.monotonicity) ? m.quantiles!.monotonicity.toFixed(2) : '–');
  // every method with its rho on view: a wrapping legend (a paging one hid all but one) and the plot below it
  const names = withQ.map((m) => `${m.label} ρ ${rhoOf(m)}`);
  return base({
    legend,
    grid: { left: 56, right: 16, top: legendGridTop(names, HALF), bottom: 40 },
    tooltip: { trigger: 'axis', confine: true, valueFormatter: pctTip(2) },
    xAxis: {
      type: 'category',
      data: Array.from({ length: G }, (_, g) => String(g + 1)),
      boundaryGap: false,
      name: 'score group (1 = lowest)',
      nameLocation: 'middle',
      nameGap: 26,
      axisLabel: { color: UI_COLORS.muted },
    },
    yAxis: valueAxis({ axisLabel: { formatter: pct(2), color: UI_COLORS.muted } }),
    series: withQ.map((m, i) => {
      const q = m.quantiles!;
      const fin = q.mean.filter(Number.isFinite);
      const avg = fin.length ? fin.reduce((a, b) => a + b, 0) / fin.length : 0;
      return {
        ...line(
          { method: m.method, label: names[i] },
          q.mean.map((v) => (Number.isFinite(v) ? v - avg : null)),
          { showSymbol: true, symbolSize: 6 },
        ),
        ...(i === 0 ? { markLine: zeroLine(0) } : {}),
      };
    }),
  });
}

/** Segment colours of the split timeline (distinct from the method colours). */
export const SPLIT_COLORS = { train: '#7c93b8', purge: '#e6e8ec', valid: '#d9a441', gap: '#d3d7de', test: '#2f8f5b' } as const;

/** Train / purge / validation / gap / test of every split group as stacked horizontal bars over the trading days. */
/**
 * The split plan as stacked bars per group. `active` (0-based, optional): the group being trained, drawn in full colour
 * with a marker on its label while the others fade.
 */
export function splitTimelineOption(view: TimelineView, tradingDays: string[], active?: number): EChartsCoreOption {
  const G = view.groups.length;
  const cats = view.groups.map((g) => g.label);
  const segs = ['train', 'purge', 'valid', 'gap', 'test'] as const;
  const names = { train: 'train', purge: 'purge', valid: 'validation', gap: 'gap', test: 'test' } as const;
  // per group: a transparent pad before each segment (segments are contiguous in a plan, the pads are then 0)
  const pads = segs.map(() => new Array<number>(G).fill(0));
  const vals = segs.map(() =>
    new Array<{ value: number; from: string; to: string; days: number; itemStyle?: { opacity: number } } | number>(G).fill(0),
  );
  for (let gi = 0; gi < G; gi++) {
    let pos = 0;
    segs.forEach((seg, si) => {
      const r = view.rows.find((x) => x.group === view.groups[gi].index && x.segment === seg);
      if (!r) return;
      pads[si][gi] = r.startIndex - pos;
      const fade = active !== undefined && gi !== active ? { itemStyle: { opacity: 0.3 } } : {};
      vals[si][gi] = { value: r.days, from: r.from, to: r.to, days: r.days, ...fade };
      pos = r.endIndex;
    });
  }
  const T = tradingDays.length;
  const yearStarts: number[] = [];
  for (let t = 0; t < T; t++) if (t === 0 || tradingDays[t].slice(0, 4) !== tradingDays[t - 1].slice(0, 4)) yearStarts.push(t);
  const series: Record<string, unknown>[] = [];
  segs.forEach((seg, si) => {
    series.push({
      name: `pad-${seg}`,
      type: 'bar',
      stack: 'plan',
      silent: true,
      itemStyle: { color: 'transparent' },
      emphasis: { disabled: true },
      tooltip: { show: false },
      data: pads[si],
    });
    series.push({ name: names[seg], type: 'bar', stack: 'plan', barMaxWidth: 16, itemStyle: { color: SPLIT_COLORS[seg] }, data: vals[si] });
  });
  return base({
    legend: { ...legend, data: segs.map((s) => names[s]) },
    grid: { left: 64, right: 20, top: 30, bottom: 26 },
    tooltip: {
      trigger: 'item',
      confine: true,
      formatter: (p: { seriesName: string; name: string; data: { from?: string; to?: string; days?: number } }) =>
        p.data?.from ? escapeHtml(`${p.name} ${p.seriesName}: ${p.data.from} … ${p.data.to} (${p.data.days} days)`) : '',
    },
    xAxis: {
      type: 'value',
      min: 0,
      max: T,
      // ticks at the first trading day of each year (labelled with the year) rather than at round day counts
      axisTick: { customValues: yearStarts },
      axisLabel: {
        color: UI_COLORS.muted,
        hideOverlap: true,
        customValues: yearStarts,
        formatter: (v: number) => tradingDays[Math.min(T - 1, Math.max(0, Math.round(v)))]?.slice(0, 4) ?? '',
      },
      splitLine: { show: false },
    },
    yAxis: {
      type: 'category',
      data: cats,
      inverse: true,
      axisTick: { show: false },
      axisLabel: {
        color: UI_COLORS.ink,
        interval: G > 16 ? Math.ceil(G / 16) - 1 : 0,
        formatter: (v: string, i: number) => (i === active ? `▶ ${v}` : v),
        fontWeight: active !== undefined ? 600 : 400,
      },
    },
    series,
  });
}

/**
 * A rolling statistic per method over its holding days (tear sheet: rolling Sharpe, rolling beta), one colour per
 * method; `ref` draws a thin reference line (0 for Sharpe, 1 for beta).
 */
export function rollingOption(
  lines: { method: string; label: string; dates: string[]; values: ArrayLike<number> }[],
  ref: number,
  digits = 2,
): EChartsCoreOption {
  const names = lines.map((l) => l.label);
  return base({
    legend,
    grid: { left: 56, right: 20, top: legendGridTop(names, HALF), bottom: 30 },
    xAxis: timeAxis,
    yAxis: valueAxis({ axisLabel: { formatter: (v: number) => v.toFixed(1), color: UI_COLORS.muted } }),
    tooltip: {
      trigger: 'axis',
      confine: true,
      valueFormatter: (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '–'),
    },
    series: lines.map((l, i) => ({
      ...line(l, datePairs(l.dates, l.values), { connectNulls: false }),
      ...(i === 0 ? { markLine: zeroLine(ref) } : {}),
    })),
  });
}
