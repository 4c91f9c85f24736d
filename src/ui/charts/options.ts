/** ECharts option builders for the lab's charts: plain functions of state data, one colour per method. */
import type { EChartsCoreOption } from 'echarts/core';
import type { DatasetSummary, MethodSeries, TrainResult } from '../../state/lab-api';
import type { LossPoint, ValidPoint } from '../../state/store';
import { methodColor, methodLineType, UI_COLORS, universeColor } from '../colors';
import { escapeHtml } from './escape';
import { legendAt, legendGridTop } from './legend';

const FONT = 'Inter, "Segoe UI", system-ui, -apple-system, sans-serif';
// the one escape helper (re-exported for older imports); every tooltip formatter uses it
export { escapeHtml };
const pctAxis =
  (digits = 0) =>
  (v: number) =>
    `${(v * 100).toFixed(digits)}%`;
const pctTip = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? `${(v * 100).toFixed(2)}%` : '–');
const numTip = (digits: number) => (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '–');

/** [date, value] pairs; non-finite values become gaps (null). */
export function datePairs(dates: string[], values: ArrayLike<number>): [string, number | null][] {
  const out: [string, number | null][] = new Array(Math.min(dates.length, values.length));
  for (let i = 0; i < out.length; i++) out[i] = [dates[i], Number.isFinite(values[i]) ? values[i] : null];
  return out;
}

function base(extra: EChartsCoreOption): EChartsCoreOption {
  return {
    animation: false,
    textStyle: { fontFamily: FONT, fontSize: 12, color: UI_COLORS.ink },
    grid: { left: 56, right: 20, top: 40, bottom: 32, containLabel: false },
    tooltip: { trigger: 'axis', confine: true },
    ...extra,
  };
}

// years as 2019, months as 2019-04 (the default 'Apr' hides which year the first labels belong to)
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
const legend = legendAt(4);

/**
 * Average same-industry edges per stock per day (DMFM Fig. 3), one line per universe (legend, universe colours);
 * falls back to the single every-stock series when the summary has no per-universe split. Gaps = no members.
 */
export function edgesOption(s: DatasetSummary): EChartsCoreOption {
  const lines = s.edges.byUniverse?.length ? s.edges.byUniverse : [{ name: 'all', avgEdges: s.edges.avgEdges }];
  const multi = lines.length > 1;
  const desc = new Map(
    s.universes.map((u) => [u.name, `${u.name}: ${u.description} (${u.avgMembers.toFixed(0)} members a day on average)`]),
  );
  const series = lines.map((u) => {
    const color = multi ? universeColor(u.name) : UI_COLORS.edges;
    return {
      name: multi ? u.name : 'Same-industry edges per stock',
      type: 'line',
      showSymbol: false,
      sampling: 'lttb',
      connectNulls: false,
      data: datePairs(s.edges.dates, u.avgEdges),
      lineStyle: { width: u.name === 'all' ? 2 : 1.5, color },
      itemStyle: { color },
      ...(multi ? {} : { areaStyle: { color: 'rgba(37,99,235,0.08)' } }),
    };
  });
  return base({
    grid: { left: 44, right: 16, top: multi ? 30 : 12, bottom: 28 },
    ...(multi
      ? {
          legend: {
            ...legend,
            top: 2,
            data: lines.map((u) => u.name),
            tooltip: { show: true, formatter: (p: { name: string }) => escapeHtml(desc.get(p.name) ?? p.name) },
          },
        }
      : {}),
    xAxis: timeAxis,
    yAxis: valueAxis({ min: 0 }),
    tooltip: { trigger: 'axis', confine: true, valueFormatter: numTip(1) },
    series,
  });
}

/** Bars shown before the rest are pooled into one "other" bar (sub-industry data has 100+ groups). */
export const MAX_INDUSTRY_BARS = 12;

/** Industry shares, largest first; beyond MAX_INDUSTRY_BARS - 1 the rest are summed into "other (k industries)". */
export function topIndustries(industries: DatasetSummary['industries'], max = MAX_INDUSTRY_BARS): { name: string; share: number }[] {
  const sorted = [...industries].sort((a, b) => b.share - a.share);
  if (sorted.length <= max) return sorted;
  const head = sorted.slice(0, max - 1);
  const rest = sorted.slice(max - 1);
  return [...head, { name: `other (${rest.length} industries)`, share: rest.reduce((a, r) => a + r.share, 0) }];
}

/** Share of stocks per industry, largest on top. */
export function industriesOption(s: DatasetSummary): EChartsCoreOption {
  const rows = topIndustries(s.industries).reverse();
  return base({
    grid: { left: 150, right: 48, top: 8, bottom: 24 },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true, valueFormatter: pctTip },
    xAxis: {
      type: 'value',
      splitNumber: 4,
      axisLabel: { formatter: pctAxis(0), color: UI_COLORS.muted, hideOverlap: true },
      splitLine: { lineStyle: { color: UI_COLORS.grid } },
    },
    yAxis: {
      type: 'category',
      data: rows.map((r) => r.name),
      // long names (Consumer Discretionary, Information Technology) wrap onto a second line instead of being cut off
      axisLabel: { width: 136, overflow: 'break', lineHeight: 12, fontSize: 11, interval: 0, color: UI_COLORS.ink },
      axisTick: { show: false },
    },
    series: [
      {
        name: 'Share of stocks',
        type: 'bar',
        data: rows.map((r) => r.share),
        barMaxWidth: 14,
        itemStyle: { color: UI_COLORS.accent, borderRadius: [0, 3, 3, 0] },
        label: {
          show: true,
          position: 'right',
          formatter: (p: { value: number }) => `${(p.value * 100).toFixed(1)}%`,
          fontSize: 11,
          color: UI_COLORS.muted,
        },
      },
    ],
  });
}

/** Live training loss (per step), validation loss and validation IC (per epoch). */
/**
 * [x, y] pairs of one curve, with a gap ('-': ECharts breaks the line there) wherever the split group changes, so the
 * last epoch of one group is never joined to the first of the next (that diagonal read as a loss spike).
 */
export function groupSegments<P extends { x: number; group?: number }>(
  points: P[],
  y: (p: P) => number | undefined,
): [number, number | '-'][] {
  const out: [number, number | '-'][] = [];
  let g: number | undefined;
  for (const p of points) {
    const v = y(p);
    if (v === undefined || !Number.isFinite(v)) continue;
    if (out.length && p.group !== g) out.push([p.x, '-']);
    g = p.group;
    out.push([p.x, v]);
  }
  return out;
}

/** The first x of each split group after the first (where the loss chart marks 'group k'). */
export function groupStartsOf(points: { x: number; group?: number }[]): { group: number; x: number }[] {
  const out: { group: number; x: number }[] = [];
  let g = points[0]?.group;
  for (const p of points)
    if (p.group !== undefined && p.group !== g) {
      out.push({ group: p.group, x: Math.floor(p.x) });
      g = p.group;
    }
  return out;
}

export function lossOption(loss: LossPoint[], valid: ValidPoint[], model: string, validMetric = 'IC'): EChartsCoreOption {
  const c = methodColor(model);
  const hasIc = valid.some((v) => Number.isFinite(v.ic));
  const starts = groupStartsOf(loss.length ? loss : valid);
  return base({
    legend,
    grid: { left: 56, right: hasIc ? 56 : 20, top: 40, bottom: 40 },
    xAxis: {
      type: 'value',
      name: starts.length ? 'epochs trained (split groups one after another)' : 'epoch',
      nameLocation: 'middle',
      nameGap: 24,
      min: 0,
      axisLabel: { color: UI_COLORS.muted },
      splitLine: { show: false },
    },
    yAxis: [
      valueAxis({ name: 'loss', nameTextStyle: { color: UI_COLORS.muted } }),
      valueAxis({ name: `valid ${validMetric}`, show: hasIc, splitLine: { show: false }, nameTextStyle: { color: UI_COLORS.muted } }),
    ],
    tooltip: { trigger: 'axis', confine: true, valueFormatter: numTip(4) },
    series: [
      {
        name: 'train loss',
        type: 'line',
        showSymbol: false,
        connectNulls: false,
        data: groupSegments(loss, (p) => p.loss),
        lineStyle: { width: 1.5, color: c },
        itemStyle: { color: c },
        // each split group trains a fresh model: a thin rule and its number where the group starts
        ...(starts.length
          ? {
              markLine: {
                silent: true,
                symbol: 'none',
                lineStyle: { color: UI_COLORS.muted, type: 'solid', width: 1, opacity: 0.5 },
                label: { formatter: (p: { data?: { name?: string } }) => p.data?.name ?? '', color: UI_COLORS.muted, fontSize: 10 },
                data: starts.map((st) => ({ xAxis: st.x, name: `group ${st.group}` })),
              },
            }
          : {}),
      },
      {
        name: 'valid loss',
        type: 'line',
        symbol: 'circle',
        symbolSize: 6,
        connectNulls: false,
        data: groupSegments(valid, (p) => p.loss),
        lineStyle: { width: 2, type: 'dashed', color: c },
        itemStyle: { color: c },
      },
      ...(hasIc
        ? [
            {
              name: `valid ${validMetric}`,
              type: 'line',
              yAxisIndex: 1,
              symbol: 'diamond',
              symbolSize: 7,
              connectNulls: false,
              data: groupSegments(valid, (p) => p.ic),
              lineStyle: { width: 1.5, type: 'dotted', color: UI_COLORS.validIc },
              itemStyle: { color: UI_COLORS.validIc },
            },
          ]
        : []),
    ],
  });
}

/** Cumulative excess return per method (mode 'excess'), or cumulative return with the benchmark ('absolute'). */
export function cumOption(methods: MethodSeries[], bench: TrainResult['benchmark'] | null, mode: 'excess' | 'absolute'): EChartsCoreOption {
  const series: Record<string, unknown>[] = methods.map((m) => ({
    name: m.label,
    type: 'line',
    showSymbol: false,
    data: datePairs(m.dates, mode === 'excess' ? m.cumExcess : m.cumReturn),
    lineStyle: { width: 2, color: methodColor(m.method), type: methodLineType(m.method, m.variant) },
    itemStyle: { color: methodColor(m.method) },
  }));
  if (mode === 'absolute' && bench)
    series.push({
      name: bench.label,
      type: 'line',
      showSymbol: false,
      data: datePairs(bench.dates, bench.cumReturn),
      lineStyle: { width: 2, type: 'dashed', color: methodColor('benchmark') },
      itemStyle: { color: methodColor('benchmark') },
    });
  if (series.length)
    (series[0] as { markLine?: unknown }).markLine = {
      silent: true,
      symbol: 'none',
      label: { show: false },
      lineStyle: { color: UI_COLORS.muted, type: 'solid', width: 1 },
      data: [{ yAxis: 0 }],
    };
  return base({
    legend,
    xAxis: timeAxis,
    yAxis: valueAxis({ axisLabel: { formatter: pctAxis(0), color: UI_COLORS.muted } }),
    tooltip: { trigger: 'axis', confine: true, valueFormatter: pctTip },
    series,
  });
}

/** the IC chart's width at 1280 x 800 (a full-width card of the Results panel) */
const IC_WIDTH = 760;

/** Daily IC of entry `barsFor` (a display label, or a model id: its latest view) as faint bars, plus the rolling mean of every method. */
export function icOption(
  views: { method: string; label: string; variant?: number; dates: string[]; ic: number[]; rolling: number[] }[],
  window: number,
  barsFor?: string,
  metric = 'IC',
): EChartsCoreOption {
  // the latest view of that model (two entries of one model, e.g. factorvae and factorvae-prior, are two views)
  const last =
    barsFor === undefined ? undefined : (views.find((v) => v.label === barsFor) ?? [...views].reverse().find((v) => v.method === barsFor));
  const series: Record<string, unknown>[] = [];
  if (last)
    series.push({
      name: `${last.label} daily ${metric}`,
      type: 'bar',
      data: datePairs(last.dates, last.ic),
      barMaxWidth: 3,
      itemStyle: { color: methodColor(last.method), opacity: 0.28 },
      large: true,
    });
  for (const v of views)
    series.push({
      name: `${v.label} ${window}-day mean ${metric}`,
      type: 'line',
      showSymbol: false,
      data: datePairs(v.dates, v.rolling),
      lineStyle: { width: 2, color: methodColor(v.method), type: methodLineType(v.method, v.variant) },
      itemStyle: { color: methodColor(v.method) },
      connectNulls: false,
    });
  if (series.length)
    (series[series.length - 1] as { markLine?: unknown }).markLine = {
      silent: true,
      symbol: 'none',
      label: { show: false },
      lineStyle: { color: UI_COLORS.muted, type: 'solid', width: 1 },
      data: [{ yAxis: 0 }],
    };
  // the legend names only the method (and 'daily' for the bars); what the lines are is in the card's title and help.
  // Long names ('<method> 60-day mean IC') wrapped six methods onto the plot at 1280 px.
  const short = new Map<string, string>();
  if (last) short.set(`${last.label} daily ${metric}`, `${last.label} daily`);
  for (const v of views) short.set(`${v.label} ${window}-day mean ${metric}`, v.label);
  return base({
    legend: { ...legend, formatter: (name: string) => short.get(name) ?? name },
    grid: { left: 56, right: 20, top: legendGridTop([...short.values()], IC_WIDTH), bottom: 32 },
    xAxis: timeAxis,
    yAxis: valueAxis({ scale: false, axisLabel: { formatter: (v: number) => v.toFixed(2), color: UI_COLORS.muted } }),
    tooltip: { trigger: 'axis', confine: true, valueFormatter: numTip(3) },
    series,
  });
}
