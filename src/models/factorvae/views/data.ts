/**
 * FactorVAE's risk-view data from a finished result (plain functions, no React): the calibration of the predicted
 * sigma_y against the realised |next-day return| and the rank correlation between them (from each split group's
 * extras), and a chosen stock's factor exposures beta over the sampled test dates.
 */
import type { TrainResult } from '../../../state/lab-api';

interface RiskExtras {
  start: string;
  end: string;
  pairs: number;
  bins: { sigma: number; absReturn: number; count: number }[];
  rankCorr: number;
  rankCorrSd: number;
  rankCorrDates: number;
  pooledRankCorr: number;
}
interface BetaExtras {
  dates: string[];
  N: number;
  K: number;
  /** per sampled date: [N * K], null outside the cross-section */
  values: (number | null)[][];
}
interface FvaeExtras {
  risk?: RiskExtras;
  beta?: BetaExtras;
  variant?: string;
  K?: number;
}

export interface RiskPeriod extends RiskExtras {
  label: string;
}

export interface RiskSummary {
  periods: RiskPeriod[];
  /** mean over every test date of the cross-sectional Spearman correlation of sigma and |return| */
  rankCorr: number;
  rankCorrDates: number;
  /** (date, stock) pairs in the calibration */
  pairs: number;
}

const extrasOf = (r: TrainResult) => (r.groupExtras ?? []).map((g) => ({ label: g.label, e: g.extras as FvaeExtras }));

/** each group's risk calibration and the date-weighted mean rank correlation; null when no group has one */
export function riskSummary(r: TrainResult): RiskSummary | null {
  const periods: RiskPeriod[] = [];
  for (const { label, e } of extrasOf(r)) if (e?.risk && e.risk.bins?.length) periods.push({ label, ...e.risk });
  if (!periods.length) return null;
  let s = 0,
    n = 0,
    pairs = 0;
  for (const p of periods) {
    if (Number.isFinite(p.rankCorr) && p.rankCorrDates > 0) {
      s += p.rankCorr * p.rankCorrDates;
      n += p.rankCorrDates;
    }
    pairs += p.pairs;
  }
  return { periods, rankCorr: n ? s / n : NaN, rankCorrDates: n, pairs };
}

export interface BetaSeries {
  dates: string[];
  K: number;
  /** [K][dates] the stock's exposure to factor k (NaN when it is not in the cross-section) */
  beta: number[][];
  /** factor indices by mean |beta| over the dates, largest first */
  order: number[];
}

/** the stocks (panel column indices) with an exposure on at least one sampled date */
export function betaStocks(r: TrainResult): number[] {
  const seen = new Set<number>();
  for (const { e } of extrasOf(r)) {
    const b = e?.beta;
    if (!b) continue;
    for (const row of b.values) for (let n = 0; n < b.N; n++) if (row[n * b.K] !== null && row[n * b.K] !== undefined) seen.add(n);
  }
  return [...seen].sort((a, b) => a - b);
}

/** stock n's exposures over the sampled dates of every group, in group order; null when no group has exposures */
export function betaSeries(r: TrainResult, n: number): BetaSeries | null {
  const dates: string[] = [];
  let K = 0;
  const cols: (number | null)[][] = [];
  for (const { e } of extrasOf(r)) {
    const b = e?.beta;
    if (!b || n < 0 || n >= b.N) continue;
    K = b.K;
    b.dates.forEach((d, j) => {
      dates.push(d);
      cols.push(b.values[j].slice(n * b.K, (n + 1) * b.K));
    });
  }
  if (!dates.length || !K) return null;
  const beta = Array.from({ length: K }, (_, k) => cols.map((c) => (typeof c[k] === 'number' ? (c[k] as number) : NaN)));
  const meanAbs = beta.map((row) => {
    const v = row.filter(Number.isFinite);
    return v.length ? v.reduce((s, x) => s + Math.abs(x), 0) / v.length : 0;
  });
  const order = meanAbs.map((_, k) => k).sort((a, b) => meanAbs[b] - meanAbs[a]);
  return { dates, K, beta, order };
}

/** the FactorVAE results among `results` (latest last) */
export const fvaeResults = (results: TrainResult[]) => results.filter((r) => r.model === 'factorvae');
