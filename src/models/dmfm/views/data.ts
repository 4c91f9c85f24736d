/**
 * DMFM's explanation data, from a finished result (plain functions, no React): the factor attention and faithfulness
 * of each test period (the model's extras per split group), averaged over periods, and the deep factor's portfolio
 * next to its attention estimate's (the 'fhat' output channel, evaluated by the runner as an alternative score).
 */
import { METRICS, type MetricKey } from '../../../eval/metrics';
import type { MetricColumn, TrainResult } from '../../../state/lab-api';

/** DMFM factor attention (a-bar_k, paper Eq. 11) and faithfulness (corr f_k vs f-hat_k) of one test period. */
export interface DmfmPeriod {
  label: string;
  start: string;
  end: string;
  /** trained horizons k */
  horizons: number[];
  factors: string[];
  factorGroups: string[];
  groups: string[];
  /** [K][m] mean a-bar_k over the period's dates (rows sum to 1) */
  weights: number[][];
  /** [K][G] summed per factor group (rows sum to 1) */
  groupWeights: number[][];
  /** per horizon: mean / sd over dates of the cross-sectional Pearson correlation of f_k and f-hat_k */
  faithfulness: { horizon: number; corr: number; corrSd: number; dates: number }[];
}

interface DmfmExtras {
  attention?: {
    start: string;
    end: string;
    factors: string[];
    factorGroups: string[];
    groups: string[];
    weights: number[][];
    groupWeights: number[][];
  };
  horizons?: number[];
  faithfulness?: { horizon: number; corr: number; corrSd: number; dates: number }[];
}

/** DMFM extras of each split group (TrainResult.groupExtras) -> one period each; undefined when none carries attention. */
export function dmfmPeriods(r: TrainResult): DmfmPeriod[] | undefined {
  const out: DmfmPeriod[] = [];
  for (const g of r.groupExtras ?? []) {
    const e = g.extras as DmfmExtras;
    if (!e?.attention || !e.horizons) continue;
    const a = e.attention;
    out.push({
      label: g.label,
      start: a.start,
      end: a.end,
      horizons: e.horizons,
      factors: a.factors,
      factorGroups: a.factorGroups,
      groups: a.groups,
      weights: a.weights,
      groupWeights: a.groupWeights,
      faithfulness: (e.faithfulness ?? []).map((f) => ({ horizon: f.horizon, corr: f.corr, corrSd: f.corrSd, dates: f.dates })),
    });
  }
  return out.length ? out : undefined;
}

/** The last result of `model` (default: DMFM's id) carrying attention periods, else null. */
export function dmfmResult(results: TrainResult[], model = 'dmfm'): TrainResult | null {
  for (let i = results.length - 1; i >= 0; i--) if (results[i].model === model && dmfmPeriods(results[i])) return results[i];
  return null;
}

/** DMFM attention averaged over the test periods (weighted equally): [K][m] factor and [K][G] group weights. */
export function meanAttention(periods: DmfmPeriod[]): {
  horizons: number[];
  factors: string[];
  groups: string[];
  weights: number[][];
  groupWeights: number[][];
  faithfulness: { horizon: number; corr: number; periods: number }[];
} {
  const p0 = periods[0];
  const avg = (pick: (p: DmfmPeriod) => number[][]) =>
    pick(p0).map((row, k) =>
      row.map((_, j) => {
        const v = periods.map((p) => pick(p)[k]?.[j]).filter((x): x is number => Number.isFinite(x));
        return v.length ? v.reduce((s, x) => s + x, 0) / v.length : NaN;
      }),
    );
  const faithfulness = p0.horizons.map((horizon, k) => {
    const v = periods.map((p) => p.faithfulness[k]?.corr).filter((x): x is number => Number.isFinite(x));
    return { horizon, corr: v.length ? v.reduce((s, x) => s + x, 0) / v.length : NaN, periods: v.length };
  });
  return {
    horizons: p0.horizons,
    factors: p0.factors,
    groups: p0.groups,
    weights: avg((p) => p.weights),
    groupWeights: avg((p) => p.groupWeights),
    faithfulness,
  };
}

/** Columns of the f vs f-hat table: IC, rank IC, ICIR, annualised excess return, IR, turnover (src/eval METRICS). */
export const ESTIMATE_METRICS: MetricKey[] = ['ic', 'rankIc', 'icir', 'alpha', 'ir', 'turnover'];

/** The deep factor's portfolio next to its attention estimate's (same strategy, dates and engine). */
export interface EstimateComparison {
  /** strategy horizon and the head k whose f_k / f-hat_k are compared */
  horizon: number;
  head: number;
  columns: MetricColumn[];
  /** row 0: f_k (the model's own scores), row 1: f-hat_k */
  rows: { key: 'f' | 'fhat'; method: string; label: string; values: Record<string, number> }[];
  /** cumulative excess return over the benchmark, per row, on the holding days */
  series: { key: 'f' | 'fhat'; method: string; label: string; dates: string[]; cumExcess: number[] }[];
  benchmark: string;
}

/**
 * The trained head that scores a panel horizon: DMFM trains heads k = 3, 5, 10, 15, 20 (horizonSet 'paper'); a panel
 * horizon without its own head is scored by the nearest longer head (the model's extras record the map).
 */
function headOf(r: TrainResult, horizon: number): number {
  const map = r.groupExtras?.[0]?.extras?.headOfHorizon as Record<string, number> | undefined;
  return map?.[String(horizon)] ?? horizon;
}

/** f vs f-hat view of a DMFM result carrying the f-hat alternative, else null. */
export function estimateComparison(r: TrainResult): EstimateComparison | null {
  const e = r.alternatives?.find((a) => a.name === 'fhat');
  const own = r.series.find((x) => x.method === r.model) ?? r.series[0];
  if (!e || !own) return null;
  const horizon = r.strategy?.horizon ?? e.series.quantiles?.horizon ?? NaN;
  const head = headOf(r, horizon);
  const columns: MetricColumn[] = ESTIMATE_METRICS.map((k) => ({
    key: k,
    label: METRICS[k].label,
    format: METRICS[k].format,
    better: METRICS[k].better,
    help: METRICS[k].definition,
  }));
  const pick = (m: Record<string, number> | undefined) => Object.fromEntries(ESTIMATE_METRICS.map((k) => [k, m?.[k] ?? NaN]));
  const fLabel = `f_k (k = ${head}): ${r.label}`,
    hLabel = `f-hat_k (k = ${head}): attention estimate F a-bar_k`;
  return {
    horizon,
    head,
    columns,
    rows: [
      { key: 'f', method: r.model, label: fLabel, values: pick(r.allMetrics) },
      { key: 'fhat', method: e.method, label: hLabel, values: pick(e.metrics) },
    ],
    series: [
      { key: 'f', method: r.model, label: fLabel, dates: own.dates, cumExcess: own.cumExcess },
      { key: 'fhat', method: e.method, label: hLabel, dates: e.series.dates, cumExcess: e.series.cumExcess },
    ],
    benchmark: r.benchmark.label,
  };
}
