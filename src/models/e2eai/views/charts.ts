/**
 * ECharts options of E2EAI's views: signed heat maps (directional contributions, Figure 2; the gate's selection share),
 * decile bars (monotonicity, Figure 3) and the learned weights over time and against the cap. Pure functions of plain
 * data; every data string goes through escapeHtml in tooltips.
 */
import type { EChartsCoreOption } from 'echarts/core';
import { methodColor, UI_COLORS } from '../../../ui/colors';
import { FONT } from '../../../ui/charts/explain-options';
import { escapeHtml } from '../../../ui/charts/options';
import type { PeriodMatrix, WeightStats } from './data';

/**
 * Heat map of a [P][rows] matrix: periods on x, rows on y. signed: a diverging scale symmetric around 0 (red negative,
 * blue positive); else 0..max.
 */
export function periodHeatOption(p: PeriodMatrix, what: string, signed: boolean): EChartsCoreOption {
  const data: [number, number, number][] = [];
  let lim = 0;
  p.values.forEach((col, c) =>
    col.forEach((v, r) => {
      if (Number.isFinite(v)) {
        data.push([c, r, v]);
        lim = Math.max(lim, Math.abs(v));
      }
    }),
  );
  lim = lim > 0 ? lim : 1;
  return {
    animation: false,
    textStyle: { fontFamily: FONT, fontSize: 12, color: UI_COLORS.ink },
    grid: { left: 150, right: 16, top: 40, bottom: 40 },
    tooltip: {
      trigger: 'item',
      confine: true,
      formatter: (q: { value: [number, number, number] }) =>
        escapeHtml(`${p.rows[q.value[1]]}, ${p.periods[q.value[0]]}: ${what} ${q.value[2].toFixed(4)}`),
    },
    xAxis: { type: 'category', data: p.periods, name: 'test half-year', nameLocation: 'middle', nameGap: 26, axisTick: { show: false } },
    yAxis: { type: 'category', data: p.rows, inverse: true, axisTick: { show: false }, axisLabel: { width: 140, overflow: 'truncate' } },
    visualMap: {
      type: 'continuous',
      min: signed ? -lim : 0,
      max: lim,
      calculable: false,
      orient: 'horizontal',
      right: 16,
      top: 2,
      itemHeight: 140,
      itemWidth: 10,
      precision: 3,
      text: [lim.toFixed(3), (signed ? -lim : 0).toFixed(3)],
      textStyle: { fontSize: 11, color: UI_COLORS.muted },
      inRange: { color: signed ? ['#b2182b', '#f7f7f7', '#2166ac'] : ['#f7fbff', '#6baed6', '#08306b'] },
    },
    series: [
      {
        name: what,
        type: 'heatmap',
        data,
        label: { show: p.rows.length * p.periods.length <= 60, fontSize: 11, formatter: (q: { value: number[] }) => q.value[2].toFixed(2) },
        itemStyle: { borderColor: '#fff', borderWidth: 1 },
      },
    ],
  };
}

/** Grouped bars: mean forward return (%) per score decile (1 = lowest score), one series per score. */
export function decileOption(rows: { label: string; mean: number[] }[], color: string): EChartsCoreOption {
  const G = Math.max(0, ...rows.map((r) => r.mean.length));
  return {
    animation: false,
    textStyle: { fontFamily: FONT, fontSize: 12, color: UI_COLORS.ink },
    grid: { left: 56, right: 16, top: 40, bottom: 40 },
    legend: { top: 0, left: 'center', data: rows.map((r) => r.label) },
    tooltip: { trigger: 'axis', confine: true, valueFormatter: (x: unknown) => (typeof x === 'number' ? `${x.toFixed(3)}%` : '–') },
    xAxis: {
      type: 'category',
      data: Array.from({ length: G }, (_, g) => String(g + 1)),
      name: 'score decile (1 = lowest); mean forward return per decile',
      nameLocation: 'middle',
      nameGap: 26,
    },
    yAxis: { type: 'value', axisLabel: { formatter: '{value}%', color: UI_COLORS.muted } },
    series: rows.map((r, i) => ({
      name: r.label,
      type: 'bar',
      data: r.mean.map((v) => (Number.isFinite(v) ? v * 100 : null)),
      itemStyle: {
        color,
        opacity: i === 0 ? 1 : 0.45,
        decal: i === 0 ? undefined : { symbol: 'rect', dashArrayX: [1, 0], dashArrayY: [2, 3] },
      },
    })),
  };
}

/** Lines: stocks held and effective number of stocks per date (left axis), the largest weight against the cap (right). */
export function holdingsOption(w: WeightStats, model: string): EChartsCoreOption {
  const c = methodColor(model);
  return {
    animation: false,
    textStyle: { fontFamily: FONT, fontSize: 12, color: UI_COLORS.ink },
    grid: { left: 56, right: 64, top: 64, bottom: 40 },
    legend: { top: 0, left: 'center' },
    tooltip: { trigger: 'axis', confine: true },
    xAxis: { type: 'category', data: w.dates, axisLabel: { color: UI_COLORS.muted } },
    yAxis: [
      { type: 'value', name: 'stocks', nameTextStyle: { color: UI_COLORS.muted } },
      { type: 'value', name: 'weight', max: Math.max(w.cap * 1.2, ...w.maxWeight), nameTextStyle: { color: UI_COLORS.muted } },
    ],
    series: [
      { name: 'stocks held', type: 'line', showSymbol: false, data: w.holdings, lineStyle: { color: c }, itemStyle: { color: c } },
      {
        name: 'effective stocks 1/Σw²',
        type: 'line',
        showSymbol: false,
        data: w.effective.map((v) => +v.toFixed(2)),
        lineStyle: { color: c, type: 'dashed' },
        itemStyle: { color: c },
      },
      {
        name: 'largest weight',
        type: 'line',
        yAxisIndex: 1,
        showSymbol: false,
        data: w.maxWeight.map((v) => +v.toFixed(4)),
        lineStyle: { color: UI_COLORS.muted },
        itemStyle: { color: UI_COLORS.muted },
        markLine: {
          symbol: 'none',
          data: [{ yAxis: w.cap, name: 'cap' }],
          lineStyle: { color: '#b2182b', type: 'dotted' },
          label: { formatter: `cap ${w.cap}` },
        },
      },
    ],
  };
}

/** Bars: how many (date, stock) weights fall in each tenth of the cap (the last bar: above the cap). */
export function weightHistogramOption(w: WeightStats, model: string): EChartsCoreOption {
  const labels = w.edges.slice(0, -1).map((e, i) => `${e.toFixed(3)}-${w.edges[i + 1].toFixed(3)}`);
  labels.push(`> cap ${w.cap}`);
  return {
    animation: false,
    textStyle: { fontFamily: FONT, fontSize: 12, color: UI_COLORS.ink },
    grid: { left: 56, right: 16, top: 36, bottom: 56 },
    tooltip: { trigger: 'axis', confine: true },
    xAxis: {
      type: 'category',
      data: labels,
      axisLabel: { rotate: 30, color: UI_COLORS.muted },
      name: 'weight',
      nameLocation: 'middle',
      nameGap: 42,
    },
    yAxis: { type: 'value', name: 'weights (date x stock)', nameTextStyle: { color: UI_COLORS.muted } },
    series: [{ type: 'bar', data: w.counts, itemStyle: { color: methodColor(model) } }],
  };
}
