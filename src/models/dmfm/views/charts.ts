/**
 * ECharts options of DMFM's views: faithfulness of the attention estimate (bars) and the deep factor's portfolio vs its
 * attention estimate's (cumulative excess lines).
 */
import type { EChartsCoreOption } from 'echarts/core';
import { methodColor, UI_COLORS } from '../../../ui/colors';
import { FONT } from '../../../ui/charts/explain-options';
import { datePairs } from '../../../ui/charts/options';
import type { EstimateComparison } from './data';

/** Bars: mean correlation of f_k and its attention estimate f-hat_k per horizon (1 = the attention explains f_k fully). */
export function faithfulnessOption(rows: { horizon: number; corr: number }[]): EChartsCoreOption {
  return {
    animation: false,
    textStyle: { fontFamily: FONT, fontSize: 12, color: UI_COLORS.ink },
    grid: { left: 48, right: 16, top: 16, bottom: 40 },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      confine: true,
      valueFormatter: (x: unknown) => (typeof x === 'number' ? x.toFixed(3) : '–'),
    },
    xAxis: {
      type: 'category',
      data: rows.map((r) => `k = ${r.horizon}`),
      name: 'horizon (trading days)',
      nameLocation: 'middle',
      nameGap: 26,
      axisLabel: { color: UI_COLORS.muted },
    },
    yAxis: { type: 'value', min: -1, max: 1, axisLabel: { color: UI_COLORS.muted }, splitLine: { lineStyle: { color: UI_COLORS.grid } } },
    series: [
      {
        name: 'corr(f_k, f-hat_k)',
        type: 'bar',
        data: rows.map((r) => (Number.isFinite(r.corr) ? r.corr : null)),
        barMaxWidth: 36,
        itemStyle: { color: UI_COLORS.accent },
        label: { show: true, position: 'top', fontSize: 11, formatter: (p: { value: number }) => p.value.toFixed(2) },
      },
    ],
  };
}

/**
 * Cumulative excess return of the deep factor f_k's portfolio (the model's colour, solid) and of its attention
 * estimate f-hat_k's (same colour, dotted, as every alternative score), same strategy and holding days; a zero line for the benchmark.
 */
export function estimatePortfolioOption(c: EstimateComparison): EChartsCoreOption {
  const pct = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? `${(v * 100).toFixed(2)}%` : '–');
  const series = c.series.map((s, i) => {
    const color = methodColor(c.series[0].method);
    return {
      name: s.label,
      type: 'line',
      symbol: 'none',
      data: datePairs(s.dates, s.cumExcess),
      lineStyle: { width: 2, color, type: s.key === 'fhat' ? 'dotted' : 'solid' },
      itemStyle: { color },
      ...(i === 0
        ? {
            markLine: {
              silent: true,
              symbol: 'none',
              label: { show: false },
              lineStyle: { color: UI_COLORS.muted, type: 'solid', width: 1 },
              data: [{ yAxis: 0 }],
            },
          }
        : {}),
    };
  });
  return {
    animation: false,
    textStyle: { fontFamily: FONT, fontSize: 12, color: UI_COLORS.ink },
    // legend keys: the line style only (solid / dotted), no symbol
    legend: { top: 4, left: 'center', itemWidth: 28, itemHeight: 10, itemStyle: { opacity: 0 }, textStyle: { fontSize: 12 } },
    grid: { left: 56, right: 20, top: 40, bottom: 32 },
    tooltip: { trigger: 'axis', confine: true, valueFormatter: pct },
    xAxis: {
      type: 'time',
      axisLabel: {
        hideOverlap: true,
        color: UI_COLORS.muted,
        formatter: { year: '{yyyy}', month: '{yyyy}-{MM}', day: '{yyyy}-{MM}-{dd}' },
      },
      axisLine: { lineStyle: { color: UI_COLORS.muted } },
      splitLine: { show: false },
    },
    yAxis: {
      type: 'value',
      scale: true,
      axisLabel: { color: UI_COLORS.muted, formatter: (v: number) => `${(v * 100).toFixed(1)}%` },
      splitLine: { lineStyle: { color: UI_COLORS.grid } },
    },
    series,
  };
}
