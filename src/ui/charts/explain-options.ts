/**
 * ECharts options of the Explain section's generic views: one stock's LRP contributions (waterfall), the top-quintile
 * portfolio's relevance by factor group over time (stacked area, %) and a heat map (attention weights, industry shares).
 * A model's own views build their options in its folder (src/models/<id>/views/).
 */
import type { EChartsCoreOption } from 'echarts/core';
import type { StockContribution } from '../../state/explain-views';
import { UI_COLORS } from '../colors';
import { escapeHtml } from './escape';
import { legendAt } from './legend';

export const FONT = 'Inter, "Segoe UI", system-ui, -apple-system, sans-serif';
const POS = '#2166ac',
  NEG = '#b2182b',
  TERM = '#8c8c8c',
  TOTAL = '#7F3C8D';
/** group colours (Okabe-Ito, then spares) */
export const GROUP_COLORS = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#D55E00',
  '#CC79A7',
  '#56B4E9',
  '#F0E442',
  '#4B4B4B',
  '#8C6D31',
  '#3969AC',
  '#E73F74',
  '#80BA5A',
];
const fmt = (v: number) => (Math.abs(v) >= 0.01 || v === 0 ? v.toFixed(4) : v.toExponential(2));

/** Bars shown one by one before the rest of the factors are pooled into "other factors". */
export const MAX_FACTOR_BARS = 16;

export interface WaterfallStep {
  name: string;
  value: number;
  kind: 'factor' | 'other' | 'bias' | 'eps' | 'residual' | 'total';
}

/**
 * The waterfall's steps: the largest |relevance| factors, the rest pooled, then the bias and epsilon terms (and the
 * residual when it is not ~0), ending at the prediction; the steps before the total add up to it.
 */
export function waterfallSteps(c: StockContribution, max = MAX_FACTOR_BARS): WaterfallStep[] {
  const rel = Object.entries(c.relevances).sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]));
  const head = rel.slice(0, max),
    rest = rel.slice(max);
  const steps: WaterfallStep[] = head.map(([name, value]) => ({ name, value, kind: 'factor' }));
  if (rest.length) steps.push({ name: `other ${rest.length} factors`, value: rest.reduce((s, [, v]) => s + v, 0), kind: 'other' });
  steps.push({ name: 'bias term', value: c.bias, kind: 'bias' });
  steps.push({ name: 'ε term', value: c.eps, kind: 'eps' });
  if (Math.abs(c.residual) > 1e-6 * Math.max(1, Math.abs(c.prediction)))
    steps.push({ name: 'unexplained', value: c.residual, kind: 'residual' });
  steps.push({ name: 'prediction', value: c.prediction, kind: 'total' });
  return steps;
}

/**
 * Waterfall of one stock's contributions: an invisible 'base' series lifts each 'contribution' bar (|step|) to the
 * lower end of its step (stackStrategy 'all': a negative base and a positive bar stack as a plain sum).
 */
export function waterfallOption(c: StockContribution): EChartsCoreOption {
  const steps = waterfallSteps(c);
  const base: number[] = [],
    bar: { value: number; itemStyle: { color: string } }[] = [];
  let run = 0;
  for (const s of steps) {
    if (s.kind === 'total') {
      base.push(Math.min(0, s.value));
      bar.push({ value: Math.abs(s.value), itemStyle: { color: TOTAL } });
      continue;
    }
    const from = run,
      to = run + s.value;
    base.push(Math.min(from, to));
    bar.push({
      value: Math.abs(s.value),
      itemStyle: { color: s.kind === 'factor' || s.kind === 'other' ? (s.value >= 0 ? POS : NEG) : TERM },
    });
    run = to;
  }
  const names = steps.map((s) => s.name);
  return {
    animation: false,
    textStyle: { fontFamily: FONT, fontSize: 12, color: UI_COLORS.ink },
    grid: { left: 150, right: 24, top: 16, bottom: 28 },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      confine: true,
      formatter: (ps: { dataIndex: number }[]) => {
        const s = steps[ps[0].dataIndex];
        return `${escapeHtml(s.name)}: ${s.value >= 0 ? '+' : ''}${fmt(s.value)}`;
      },
    },
    xAxis: {
      type: 'value',
      scale: true,
      axisLabel: { color: UI_COLORS.muted, formatter: (v: number) => fmt(v) },
      splitLine: { lineStyle: { color: UI_COLORS.grid } },
    },
    yAxis: {
      type: 'category',
      inverse: true,
      data: names,
      axisTick: { show: false },
      axisLabel: { width: 140, overflow: 'truncate', color: UI_COLORS.ink },
    },
    series: [
      {
        name: 'base',
        type: 'bar',
        stack: 'w',
        stackStrategy: 'all',
        silent: true,
        data: base,
        itemStyle: { color: 'transparent' },
        barMaxWidth: 16,
      },
      { name: 'contribution', type: 'bar', stack: 'w', stackStrategy: 'all', data: bar, barMaxWidth: 16 },
      // the signed step values (not drawn: for __lab readers that want the numbers without the base)
      {
        name: 'value',
        type: 'line',
        data: steps.map((s) => s.value),
        showSymbol: false,
        lineStyle: { opacity: 0 },
        silent: true,
        tooltip: { show: false },
      },
    ],
  };
}

/** Stacked area: share (%) of the top-quintile portfolio's absolute relevance per factor group, per explained date. */
export function groupShareOption(v: { dates: string[]; groups: string[]; share: number[][] }): EChartsCoreOption {
  return {
    animation: false,
    textStyle: { fontFamily: FONT, fontSize: 12, color: UI_COLORS.ink },
    legend: legendAt(4),
    grid: { left: 48, right: 20, top: 40, bottom: 32 },
    tooltip: { trigger: 'axis', confine: true, valueFormatter: (x: unknown) => (typeof x === 'number' ? `${x.toFixed(1)}%` : '–') },
    xAxis: { type: 'category', boundaryGap: false, data: v.dates, axisLabel: { color: UI_COLORS.muted, hideOverlap: true } },
    yAxis: {
      type: 'value',
      min: 0,
      max: 100,
      axisLabel: { color: UI_COLORS.muted, formatter: '{value}%' },
      splitLine: { lineStyle: { color: UI_COLORS.grid } },
    },
    series: v.groups.map((g, j) => ({
      name: g,
      type: 'line',
      stack: 'share',
      showSymbol: v.dates.length < 3,
      symbolSize: 5,
      data: v.share.map((row) => row[j]),
      areaStyle: { opacity: 0.85 },
      lineStyle: { width: 0.5 },
      itemStyle: { color: GROUP_COLORS[j % GROUP_COLORS.length] },
    })),
  };
}

/** Heat map of attention weights: rows = factor groups or factors, columns = horizons or test periods; hover shows the number. */
export function attentionOption(
  rows: string[],
  cols: string[],
  values: number[][],
  colName: string,
  what = 'mean attention',
): EChartsCoreOption {
  const data: [number, number, number][] = [];
  let max = 0;
  values.forEach((col, c) =>
    col.forEach((v, r) => {
      if (Number.isFinite(v)) {
        data.push([c, r, v]);
        max = Math.max(max, v);
      }
    }),
  );
  const lim = max > 0 ? max : 1;
  return {
    animation: false,
    textStyle: { fontFamily: FONT, fontSize: 12, color: UI_COLORS.ink },
    // room for the longest GICS sector names (Consumer Discretionary, Information Technology) at 11 px: never cut off
    grid: { left: 172, right: 16, top: 34, bottom: 40 },
    tooltip: {
      trigger: 'item',
      confine: true,
      formatter: (p: { value: [number, number, number] }) =>
        escapeHtml(`${rows[p.value[1]]}, ${colName} ${cols[p.value[0]]}: ${what} ${p.value[2].toFixed(4)}`),
    },
    xAxis: {
      type: 'category',
      data: cols,
      name: colName,
      nameLocation: 'middle',
      nameGap: 26,
      axisTick: { show: false },
      axisLabel: { color: UI_COLORS.muted },
    },
    yAxis: {
      type: 'category',
      data: rows,
      inverse: true,
      axisTick: { show: false },
      axisLabel: { width: 164, overflow: 'truncate', fontSize: 11, color: UI_COLORS.ink },
    },
    visualMap: {
      type: 'continuous',
      min: 0,
      max: lim,
      calculable: false,
      orient: 'horizontal',
      right: 16,
      top: 2,
      itemHeight: 140,
      itemWidth: 10,
      precision: 3,
      text: [lim.toFixed(3), `${what} 0`],
      textStyle: { fontSize: 11, color: UI_COLORS.muted },
      inRange: { color: ['#f7fbff', '#6baed6', '#08306b'] },
    },
    series: [
      {
        name: what,
        type: 'heatmap',
        data,
        label: {
          show: rows.length * cols.length <= 80,
          fontSize: 11,
          formatter: (p: { value: [number, number, number] }) => p.value[2].toFixed(2),
        },
        itemStyle: { borderColor: '#fff', borderWidth: 1 },
      },
    ],
  };
}
