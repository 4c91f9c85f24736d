/**
 * ECharts options of FactorVAE's risk view: binned calibration of the predicted sigma against the realised |return|
 * (one line per test period, with the Gaussian reference E|r - mu| = sqrt(2 / pi) sigma), and a stock's exposures beta
 * to its largest factors over time. Series names are generated here (never data strings).
 */
import type { EChartsCoreOption } from 'echarts/core';
import { UI_COLORS } from '../../../ui/colors';
import { FONT } from '../../../ui/charts/explain-options';
import { datePairs } from '../../../ui/charts/options';
import type { BetaSeries, RiskPeriod } from './data';

const PALETTE = ['#11A579', '#3969AC', '#E68310', '#7F3C8D', '#F2B701', '#E73F74', '#80BA5A', '#008695'];
const pct = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? `${(v * 100).toFixed(2)}%` : '–');

/** x: mean predicted sigma of a bin (10 bins of equal count), y: mean realised |next-day return| of the bin */
export function calibrationOption(periods: RiskPeriod[]): EChartsCoreOption {
  const maxX = Math.max(...periods.flatMap((p) => p.bins.map((b) => b.sigma)), 1e-6);
  const k = Math.sqrt(2 / Math.PI);
  return {
    animation: false,
    textStyle: { fontFamily: FONT, fontSize: 12, color: UI_COLORS.ink },
    legend: { top: 4, left: 'center', textStyle: { fontSize: 12 } },
    grid: { left: 64, right: 20, top: 40, bottom: 44 },
    tooltip: { trigger: 'item', confine: true, valueFormatter: pct },
    xAxis: {
      type: 'value',
      name: 'predicted sigma (bin mean)',
      nameLocation: 'middle',
      nameGap: 28,
      min: 0,
      axisLabel: { color: UI_COLORS.muted, formatter: (v: number) => `${(v * 100).toFixed(1)}%` },
      splitLine: { lineStyle: { color: UI_COLORS.grid } },
    },
    yAxis: {
      type: 'value',
      name: 'realised |return| (bin mean)',
      nameLocation: 'middle',
      nameGap: 46,
      min: 0,
      axisLabel: { color: UI_COLORS.muted, formatter: (v: number) => `${(v * 100).toFixed(1)}%` },
      splitLine: { lineStyle: { color: UI_COLORS.grid } },
    },
    series: [
      ...periods.map((p, i) => ({
        name: `test ${i + 1}`,
        type: 'line',
        symbol: 'circle',
        symbolSize: 7,
        data: p.bins.map((b) => [b.sigma, b.absReturn]),
        lineStyle: { width: 2, color: PALETTE[i % PALETTE.length] },
        itemStyle: { color: PALETTE[i % PALETTE.length] },
      })),
      {
        name: 'Gaussian: sqrt(2/pi) sigma',
        type: 'line',
        symbol: 'none',
        data: [
          [0, 0],
          [maxX, k * maxX],
        ],
        lineStyle: { width: 1, type: 'dashed', color: UI_COLORS.muted },
        itemStyle: { color: UI_COLORS.muted },
      },
    ],
  };
}

/** the stock's exposure to its `top` largest factors (by mean |beta|) over the sampled test dates */
export function betaOption(s: BetaSeries, top = 6): EChartsCoreOption {
  const ks = s.order.slice(0, top);
  return {
    animation: false,
    textStyle: { fontFamily: FONT, fontSize: 12, color: UI_COLORS.ink },
    legend: { top: 4, left: 'center', type: 'scroll', textStyle: { fontSize: 12 } },
    grid: { left: 56, right: 20, top: 40, bottom: 32 },
    tooltip: { trigger: 'axis', confine: true, valueFormatter: (v: unknown) => (typeof v === 'number' ? v.toFixed(3) : '–') },
    xAxis: {
      type: 'time',
      axisLabel: {
        hideOverlap: true,
        color: UI_COLORS.muted,
        formatter: { year: '{yyyy}', month: '{yyyy}-{MM}', day: '{yyyy}-{MM}-{dd}' },
      },
      splitLine: { show: false },
    },
    yAxis: { type: 'value', scale: true, axisLabel: { color: UI_COLORS.muted }, splitLine: { lineStyle: { color: UI_COLORS.grid } } },
    series: ks.map((k, i) => ({
      name: `beta_${k + 1}`,
      type: 'line',
      symbol: 'circle',
      symbolSize: 4,
      data: datePairs(s.dates, s.beta[k]),
      lineStyle: { width: 2, color: PALETTE[i % PALETTE.length] },
      itemStyle: { color: PALETTE[i % PALETTE.length] },
    })),
  };
}
