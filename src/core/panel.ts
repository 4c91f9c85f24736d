/**
 * The model-ready panel: dense typed arrays over T dates x N stocks x F factors.
 * Every layer below ui/ speaks this shape. Index helpers: x[(t * N + n) * F + f], mask[t * N + n].
 */
export interface Panel {
  /** ISO dates, length T, ascending trading days */
  dates: string[];
  /** stock ids, length N */
  tickers: string[];
  /** factor names, length F */
  factorNames: string[];
  /** group of each factor (momentum, reversal, volatility, ...), length F */
  factorGroups: string[];
  /** [T, N, F] preprocessed factor values; 0 where invalid or masked-out (see `valid`) */
  x: Float32Array;
  /** [T, N] 1 = the stock is in the cross-section on this date (has enough history and usable factors) */
  valid: Uint8Array;
  /** [T, N] industry id per date and stock (index into industryNames), -1 if unknown */
  industry: Int32Array;
  industryNames: string[];
  /** forward-return horizons in trading days, e.g. [1, 3, 5, 10, 15, 20] */
  horizons: number[];
  /**
   * [H, T, N] forward returns: fwd[h][t][n] = P[t+1+k] / P[t+1] - 1 for horizon k = horizons[h]
   * (from the next day's price, no look-ahead). NaN where unavailable.
   */
  fwd: Float32Array;
  /** [T, N] simple daily return from t-1 to t (close to close, adjusted); NaN where no price on t */
  ret: Float32Array;
  /** [T, N] 1 = the stock has a price on date t (tradable); suspended/missing days are 0 */
  tradable: Uint8Array;
  /** dynamic universes, rebuilt monthly: membership [T, N] (1 = member); always includes 'all' */
  universes: UniverseDef[];
  /** where the panel came from, for the UI and the run record */
  source: { name: string; kind: 'prices' | 'factors' | 'synthetic'; notes?: string[] };
}

export interface UniverseDef {
  name: string;
  description: string;
  member: Uint8Array;
}

export const panelDims = (p: Panel) => ({ T: p.dates.length, N: p.tickers.length, F: p.factorNames.length, H: p.horizons.length });

/** bytes held by the panel's typed arrays */
export function panelBytes(p: Panel): number {
  let b = p.x.byteLength + p.valid.byteLength + p.industry.byteLength + p.fwd.byteLength + p.ret.byteLength + p.tradable.byteLength;
  for (const u of p.universes) b += u.member.byteLength;
  return b;
}
