/**
 * FactorFrame: the long (date, stock) table the SQL layer hands to the panel builder.
 * Rows are sorted by (date, ticker). Typed arrays, one entry per row.
 */
export interface FactorFrame {
  nRows: number;
  /** days since 1970-01-01 */
  date: Int32Array;
  /** index into tickers */
  ticker: Int32Array;
  tickers: string[];
  /** index into industries, -1 = unknown */
  industry: Int32Array;
  industries: string[];
  /** raw (not yet preprocessed) factor columns; NaN = missing */
  factors: FactorColumn[];
  /** forward returns per horizon: P[t+1+k]/P[t+1]-1 (NaN where unavailable) */
  fwd: { horizon: number; values: Float32Array }[];
  /** simple daily return from the previous trading day of this stock (NaN on its first day or if absent) */
  ret: Float32Array;
  /** close * volume, used for the size proxy and the dynamic universes (NaN if unknown) */
  dollarVolume: Float32Array;
  /** number of trading days of history this stock has on this row (0 on its first day) */
  age: Int32Array;
  /** optional user-supplied universe membership / weight columns (factor-panel input) */
  universeColumns?: { name: string; values: Float32Array }[];
  source: { name: string; kind: 'prices' | 'factors' | 'synthetic'; notes?: string[] };
}

export interface FactorColumn {
  name: string;
  group: string;
  description: string;
  values: Float32Array;
}
