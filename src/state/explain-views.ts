/**
 * Views of a run's explanation (src/explain/run.ts RunExplanation, carried by TrainResult): one stock's factor
 * contributions on one date, the top-quintile portfolio's group shares over time, and DMFM attention averaged over
 * test periods. Plain functions of state data (no React), shared by the Explain section and window.__lab.
 */
import { METRICS, type MetricKey } from '../eval/metrics';
import type { DmfmPeriod, MetricColumn, TrainResult } from './lab-api';

/** The last result carrying an LRP explanation (or the one of `model`), else null. */
export function explainedResult(results: TrainResult[], model?: string): TrainResult | null {
  for (let i = results.length - 1; i >= 0; i--) if (results[i].explanation && (!model || results[i].model === model)) return results[i];
  return null;
}

/** The last result carrying DMFM attention (or the one of `model`), else null. */
export function dmfmResult(results: TrainResult[], model?: string): TrainResult | null {
  for (let i = results.length - 1; i >= 0; i--) if (results[i].dmfm && (!model || results[i].model === model)) return results[i];
  return null;
}

export interface StockContribution {
  date: string;
  ticker: string;
  /** relevance of each factor (name -> value); sum + bias + eps + residual = prediction */
  relevances: Record<string, number>;
  bias: number;
  eps: number;
  /** prediction - sum - bias - eps (rounding; gradient x input's unexplained part) */
  residual: number;
  prediction: number;
  /** the stock is in the top quintile of the prediction on that date */
  top: boolean;
  method: string;
}

/** Tickers explained on `date` (the cross-section), in panel order. */
export function explainedTickers(r: TrainResult, date: string): string[] {
  const d = r.explanation?.dates.find((x) => x.date === date);
  if (!d || !r.tickers) return [];
  return Array.from(d.stocks, (n) => r.tickers![n]);
}

/** One stock's factor contributions on one explained date, or null if the date / ticker is not explained. */
export function stockContribution(r: TrainResult, date: string, ticker: string): StockContribution | null {
  const ex = r.explanation;
  if (!ex || !r.tickers) return null;
  const d = ex.dates.find((x) => x.date === date);
  if (!d) return null;
  const n = r.tickers.indexOf(ticker);
  const m = d.stocks.indexOf(n);
  if (n < 0 || m < 0) return null;
  const F = ex.factorNames.length;
  const relevances: Record<string, number> = {};
  for (let f = 0; f < F; f++) relevances[ex.factorNames[f]] = d.relevance[m * F + f];
  return { date, ticker, relevances, bias: d.bias[m], eps: d.eps[m], residual: d.residual[m], prediction: d.prediction[m], top: d.top.includes(m), method: ex.methodLabel };
}

/** Top-quintile portfolio relevance by factor group over the explained dates: share[d][g] in percent (rows sum to 100). */
export function groupSharesOverTime(r: TrainResult): { dates: string[]; groups: string[]; share: number[][] } | null {
  const ex = r.explanation;
  if (!ex) return null;
  return { dates: ex.dates.map((d) => d.date), groups: ex.groups, share: ex.dates.map((d) => Array.from(d.portfolioGroups.share)) };
}

/** DMFM attention averaged over the test periods (weighted equally): [K][m] factor and [K][G] group weights. */
export function meanAttention(periods: DmfmPeriod[]): { horizons: number[]; factors: string[]; groups: string[]; weights: number[][]; groupWeights: number[][]; faithfulness: { horizon: number; corr: number; periods: number }[] } {
  const p0 = periods[0];
  const avg = (pick: (p: DmfmPeriod) => number[][]) => pick(p0).map((row, k) => row.map((_, j) => {
    const v = periods.map((p) => pick(p)[k]?.[j]).filter((x): x is number => Number.isFinite(x));
    return v.length ? v.reduce((s, x) => s + x, 0) / v.length : NaN;
  }));
  const faithfulness = p0.horizons.map((horizon, k) => {
    const v = periods.map((p) => p.faithfulness[k]?.corr).filter((x): x is number => Number.isFinite(x));
    return { horizon, corr: v.length ? v.reduce((s, x) => s + x, 0) / v.length : NaN, periods: v.length };
  });
  return { horizons: p0.horizons, factors: p0.factors, groups: p0.groups, weights: avg((p) => p.weights), groupWeights: avg((p) => p.groupWeights), faithfulness };
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

/** f vs f-hat view of a DMFM result carrying an estimate portfolio, else null. */
export function estimateComparison(r: TrainResult): EstimateComparison | null {
  const e = r.estimate;
  const own = r.series.find((x) => x.method === r.model) ?? r.series[0];
  if (!e || !own) return null;
  const columns: MetricColumn[] = ESTIMATE_METRICS.map((k) => ({ key: k, label: METRICS[k].label, format: METRICS[k].format, better: METRICS[k].better, help: METRICS[k].definition }));
  const pick = (m: Record<string, number> | undefined) => Object.fromEntries(ESTIMATE_METRICS.map((k) => [k, m?.[k] ?? NaN]));
  const fLabel = `f_k (k = ${e.head}): ${r.label}`, hLabel = `f-hat_k (k = ${e.head}): attention estimate F a-bar_k`;
  return {
    horizon: e.horizon, head: e.head, columns,
    rows: [
      { key: 'f', method: r.model, label: fLabel, values: pick(r.allMetrics) },
      { key: 'fhat', method: e.series.method, label: hLabel, values: pick(e.metrics) },
    ],
    series: [
      { key: 'f', method: r.model, label: fLabel, dates: own.dates, cumExcess: own.cumExcess },
      { key: 'fhat', method: e.series.method, label: hLabel, dates: e.series.dates, cumExcess: e.series.cumExcess },
    ],
    benchmark: r.benchmark.label,
  };
}
