/**
 * ECharts options for the signal tear sheet (Alphalens-style views): IC decay, IC by industry, cumulative return per
 * score quantile, factor rank autocorrelation, turnover per quantile, return distribution. Plain functions of the
 * store's data (MethodSeries.signal); one colour per method (colors.ts). Quantiles within one method are shaded from
 * the method's colour (light = lowest score, full = highest). No formatter returns data text (the default tooltip
 * encodes series names); values go through valueFormatter.
 */
import type { EChartsCoreOption } from 'echarts/core';
import type { MethodSeries } from '../../state/lab-api';
import { methodColor, methodLineType, UI_COLORS } from '../colors';
import { legendAt, legendGridTop } from './legend';
import { datePairs } from './options';

const FONT = 'Inter, "Segoe UI", system-ui, -apple-system, sans-serif';
const legend = legendAt(2);
const HALF = 370;
/** grid that clears the legend's rows at the half-width card size of 1280 x 800 */
const gridFor = (labels: string[], extra: Record<string, number> = {}) => ({
  left: 56,
  right: 20,
  bottom: 30,
  top: legendGridTop(labels, HALF),
  ...extra,
});
const pctTick = (v: number): string => `${Number((v * 100).toFixed(2))}%`;
const pctTip = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? `${(v * 100).toFixed(2)}%` : '–');
const numTip = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(3) : '–');
const num = (v: number) => (Number.isFinite(v) ? v : null);
const muted = { color: UI_COLORS.muted };
const valueAxis = (extra: Record<string, unknown> = {}) => ({
  type: 'value',
  scale: true,
  axisLabel: muted,
  splitLine: { lineStyle: { color: UI_COLORS.grid } },
  ...extra,
});
const timeAxis = {
  type: 'time',
  axisLabel: { hideOverlap: true, ...muted, formatter: { year: '{yyyy}', month: '{yyyy}-{MM}', day: '{yyyy}-{MM}-{dd}' } },
  axisLine: { lineStyle: muted },
  splitLine: { show: false },
};
const zero = {
  silent: true,
  symbol: 'none',
  label: { show: false },
  lineStyle: { color: UI_COLORS.muted, width: 1, type: 'solid' },
  data: [{ yAxis: 0 }],
};

function base(extra: EChartsCoreOption): EChartsCoreOption {
  return {
    animation: false,
    textStyle: { fontFamily: FONT, fontSize: 12, color: UI_COLORS.ink },
    grid: { left: 56, right: 20, top: 40, bottom: 30 },
    tooltip: { trigger: 'axis', confine: true },
    ...extra,
  };
}

const withSignal = (methods: MethodSeries[]) => methods.filter((m) => m.signal);

/** `hex` (#rrggbb) mixed with white: t = 1 the colour itself, t = 0 white. */
export function shade(hex: string, t: number): string {
  const c = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return `#${c
    .map((v) =>
      Math.round(255 - (255 - v) * t)
        .toString(16)
        .padStart(2, '0'),
    )
    .join('')}`;
}

/**
 * IC decay: mean rank IC per horizon (a line with points per method) and its +-2 standard error band (thin dotted
 * lines of the same colour, kept out of the legend).
 */
export function icDecayOption(methods: MethodSeries[]): EChartsCoreOption {
  const ms = withSignal(methods);
  const horizons = [...new Set(ms.flatMap((m) => m.signal!.icDecay.map((r) => r.horizon)))].sort((a, b) => a - b);
  const cat = horizons.map((h) => `${h}d`);
  const series: Record<string, unknown>[] = [];
  for (const m of ms) {
    const by = new Map(m.signal!.icDecay.map((r) => [r.horizon, r]));
    const at = (f: (r: { mean: number; se: number }) => number) => horizons.map((h) => (by.has(h) ? num(f(by.get(h)!)) : null));
    const color = methodColor(m.method);
    series.push({
      name: m.label,
      type: 'line',
      data: at((r) => r.mean),
      symbolSize: 7,
      lineStyle: { width: 2, color, type: methodLineType(m.method, m.variant) },
      itemStyle: { color },
    });
    for (const [k, sgn] of [
      ['+2 SE', 1],
      ['−2 SE', -1],
    ] as const)
      series.push({
        name: `${m.label} ${k}`,
        type: 'line',
        data: at((r) => r.mean + sgn * 2 * r.se),
        showSymbol: false,
        lineStyle: { width: 1, color, type: 'dotted', opacity: 0.8 },
        itemStyle: { color },
      });
  }
  if (series.length) series[0].markLine = zero;
  return base({
    legend: { ...legend, data: ms.map((m) => m.label) },
    xAxis: { type: 'category', data: cat, name: 'horizon', nameLocation: 'middle', nameGap: 22, axisLabel: muted },
    yAxis: valueAxis({ axisLabel: { ...muted, formatter: (v: number) => v.toFixed(3) } }),
    grid: gridFor(
      ms.map((m) => m.label),
      { bottom: 40 },
    ),
    tooltip: { trigger: 'axis', confine: true, valueFormatter: numTip },
    series,
  });
}

/** IC by industry: horizontal bars of the mean within-industry rank IC, one bar per method. */
export function industryIcOption(methods: MethodSeries[]): EChartsCoreOption {
  const ms = withSignal(methods).filter((m) => m.signal!.industryIc.length);
  const names = [...new Set(ms.flatMap((m) => m.signal!.industryIc.map((r) => r.name)))];
  const series = ms.map((m) => {
    const by = new Map(m.signal!.industryIc.map((r) => [r.name, r.mean]));
    return { name: m.label, type: 'bar', data: names.map((n) => num(by.get(n) ?? NaN)), itemStyle: { color: methodColor(m.method) } };
  });
  return base({
    legend,
    grid: gridFor(
      ms.map((m) => m.label),
      { left: 150, bottom: 24 },
    ),
    xAxis: valueAxis({ scale: false, axisLabel: { ...muted, formatter: (v: number) => v.toFixed(2) } }),
    // long industry names are cut to the axis width; the full name is in the tooltip (encoded by ECharts)
    yAxis: { type: 'category', data: names, inverse: true, axisLabel: { ...muted, width: 136, overflow: 'truncate' } },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true, valueFormatter: numTip },
    series,
  });
}

/** Cumulative return of each score quantile of one method (shades of its colour) and its top-minus-bottom spread. */
export function quantileCumOption(m: MethodSeries | undefined): EChartsCoreOption {
  const q = m?.signal?.quantiles;
  const series: Record<string, unknown>[] = [];
  if (m && q) {
    const color = methodColor(m.method);
    q.cum.forEach((c, g) =>
      series.push({
        name: `Q${g + 1}`,
        type: 'line',
        showSymbol: false,
        data: datePairs(q.dates, c),
        lineStyle: { width: 1.8, color: shade(color, 0.25 + (0.75 * g) / Math.max(1, q.groups - 1)) },
        itemStyle: { color: shade(color, 0.25 + (0.75 * g) / Math.max(1, q.groups - 1)) },
      }),
    );
    series.push({
      name: `Q${q.groups} − Q1`,
      type: 'line',
      showSymbol: false,
      data: datePairs(q.dates, q.spread),
      lineStyle: { width: 2, color: UI_COLORS.ink, type: 'dashed' },
      itemStyle: { color: UI_COLORS.ink },
    });
    series[0].markLine = zero;
  }
  return base({
    legend,
    grid: gridFor(series.map((x) => String(x.name))),
    xAxis: timeAxis,
    yAxis: valueAxis({ axisLabel: { ...muted, formatter: pctTick } }),
    tooltip: { trigger: 'axis', confine: true, valueFormatter: pctTip },
    series,
  });
}

/** Factor rank autocorrelation between consecutive rebalances, one line per method. */
export function rankAutocorrOption(methods: MethodSeries[]): EChartsCoreOption {
  const series = withSignal(methods).map((m) => ({
    name: m.label,
    type: 'line',
    data: datePairs(m.signal!.rank.dates, m.signal!.rank.autocorr),
    showSymbol: m.signal!.rank.dates.length <= 60,
    symbolSize: 5,
    lineStyle: { width: 1.8, color: methodColor(m.method), type: methodLineType(m.method, m.variant) },
    itemStyle: { color: methodColor(m.method) },
  }));
  return base({
    legend,
    grid: gridFor(series.map((x) => x.name)),
    xAxis: timeAxis,
    yAxis: valueAxis({ max: 1, axisLabel: { ...muted, formatter: (v: number) => v.toFixed(1) } }),
    tooltip: { trigger: 'axis', confine: true, valueFormatter: numTip },
    series,
  });
}

/** Mean turnover of each score quantile (share of new names per rebalance), one bar per method. */
export function quantileTurnoverOption(methods: MethodSeries[]): EChartsCoreOption {
  const ms = withSignal(methods);
  const G = Math.max(0, ...ms.map((m) => m.signal!.rank.meanTurnover.length));
  const series = ms.map((m) => ({
    name: m.label,
    type: 'bar',
    data: Array.from({ length: G }, (_, g) => num(m.signal!.rank.meanTurnover[g] ?? NaN)),
    itemStyle: { color: methodColor(m.method) },
  }));
  return base({
    legend,
    grid: gridFor(series.map((x) => x.name)),
    xAxis: { type: 'category', data: Array.from({ length: G }, (_, g) => `Q${g + 1}`), axisLabel: muted },
    yAxis: valueAxis({ min: 0, scale: false, axisLabel: { ...muted, formatter: pctTick } }),
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true, valueFormatter: pctTip },
    series,
  });
}

/** Histogram of one method's daily net returns (bars at the bin centres, in its colour), the 5% VaR marked. */
export function distributionOption(m: MethodSeries | undefined): EChartsCoreOption {
  const d = m?.signal?.distribution;
  const series: Record<string, unknown>[] = [];
  let cats: string[] = [];
  if (m && d && d.n) {
    cats = d.counts.map((_, b) => `${(((d.edges[b] + d.edges[b + 1]) / 2) * 100).toFixed(2)}%`);
    const varBin = d.counts.findIndex((_, b) => d.var5 < d.edges[b + 1]);
    series.push({
      name: m.label,
      type: 'bar',
      barCategoryGap: '8%',
      data: d.counts.map((c, b) => ({ value: c, itemStyle: { color: methodColor(m.method), opacity: b <= varBin ? 1 : 0.6 } })),
      markLine:
        varBin >= 0
          ? {
              silent: true,
              symbol: 'none',
              label: { formatter: '5% VaR', color: UI_COLORS.ink },
              lineStyle: { color: UI_COLORS.ink, type: 'dashed' },
              data: [{ xAxis: cats[varBin] }],
            }
          : undefined,
    });
  }
  return base({
    xAxis: {
      type: 'category',
      data: cats,
      name: 'daily return',
      nameLocation: 'middle',
      nameGap: 24,
      axisLabel: { ...muted, hideOverlap: true },
    },
    yAxis: valueAxis({ min: 0, scale: false, name: 'days', axisLabel: muted }),
    grid: { left: 56, right: 20, top: 24, bottom: 40 },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true },
    series,
  });
}
