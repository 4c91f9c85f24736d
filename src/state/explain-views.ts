/**
 * Views of a run's explanation (src/explain/run.ts RunExplanation, carried by TrainResult): one stock's factor
 * contributions on one date and the top-quintile portfolio's group shares over time. Plain functions of state data (no
 * React), shared by the Explain section and window.__lab. A model's own views keep their data functions in its folder.
 */
import type { TrainResult } from './lab-api';

/** The last result carrying an LRP explanation (or the one of `model`), else null. */
export function explainedResult(results: TrainResult[], model?: string): TrainResult | null {
  for (let i = results.length - 1; i >= 0; i--) if (results[i].explanation && (!model || results[i].model === model)) return results[i];
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

/**
 * What the LRP stock box makes of a typed ticker: '' (empty: the date's top stock is shown), 'ok' (explained on the
 * date), 'absent' (a ticker of the dataset, not in this date's cross-section) or 'unknown' (no such ticker). The view
 * says so for the last two and shows no other stock in its place.
 */
export function tickerStatus(r: TrainResult, date: string, typed: string): '' | 'ok' | 'absent' | 'unknown' {
  if (!typed) return '';
  if (explainedTickers(r, date).includes(typed)) return 'ok';
  return r.tickers?.includes(typed) ? 'absent' : 'unknown';
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
  return {
    date,
    ticker,
    relevances,
    bias: d.bias[m],
    eps: d.eps[m],
    residual: d.residual[m],
    prediction: d.prediction[m],
    top: d.top.includes(m),
    method: ex.methodLabel,
  };
}

/** Top-quintile portfolio relevance by factor group over the explained dates: share[d][g] in percent (rows sum to 100). */
export function groupSharesOverTime(r: TrainResult): { dates: string[]; groups: string[]; share: number[][] } | null {
  const ex = r.explanation;
  if (!ex) return null;
  return { dates: ex.dates.map((d) => d.date), groups: ex.groups, share: ex.dates.map((d) => Array.from(d.portfolioGroups.share)) };
}
