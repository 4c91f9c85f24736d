/**
 * From clean SQL tables to a FactorFrame (long (date, ticker) rows) or straight to a Panel.
 *  - computeFactorFrame: the price-factor library (factors-sql.ts) over a clean prices table (schema.validatePrices).
 *  - computeFactorPanel: the same values written straight into the panel's dense arrays (no FactorFrame in between).
 *  - factorPanelToFrame: a user factor panel (schema.validateFactorPanel) as it is.
 * A few small queries plan the pass (market return and rows per date, rows per ticker, industries); SQL then
 * computes every value in one streamed query over the prices in (ticker, date) order (engine.stream: batch by
 * batch, never materialised whole), or the typed-array pass (the default) reads the prices in that order, or in date
 * order regrouped by ticker in memory (ComputeFactorOptions.rowOrder). TypeScript keeps the dates inside [start, end] that have at least `minStocks`
 * stocks (a thin date is not a cross-section), counts each row's age and the rows left in its ticker, masks every
 * factor by its history need (minAge) and every label by the rows ahead, and writes each batch straight to its
 * destination: frame rows in (date, ticker) order (a cursor per date: each date's rows arrive in ticker order) or
 * panel cells (t, n).
 */
import type * as arrow from 'apache-arrow';
import { LabError } from '../core/errors';
import { dayToIso, isoToDay } from '../core/dates';
import type { Panel } from '../core/panel';
import type { PreprocessConfig } from '../core/run';
import type { FactorFrame } from './frame';
import { DEFAULT_HORIZONS, FACTOR_DEFS, RET_MIN_AGE, factorPassSql, marketSql, type FactorDef, type PassConstants } from './factors-sql';
import { jsPassCovers, tickerPass, type TickerRows } from './factors-js';
import { runFactorPassBlock, stageBatch, writeColumn, type BatchValues, type FactorPassBlock } from './factor-pass-job';
import { allocPanelDraft, finishPanel, finishPanelParallel, type BuildPanelOptions, type PanelDraft, type PanelMeta } from './panel';
import { yieldToEvents, type CrossSectionPool, type ParallelOptions } from './cross-section-pool';
import { classifyPanelColumns, type PanelColumns } from './schema';
import type { DoubtfulScan } from './doubtful-returns';
import { describeColumns, sqlIdent, sqlString, tableExists, type SqlEngine } from './sql-engine';

export { FACTOR_DEFS, DEFAULT_HORIZONS, type FactorDef };

/** Factor names, groups and descriptions of the library (for the UI's factor picker). */
export const factorCatalog = (): { name: string; group: string; description: string }[] =>
  FACTOR_DEFS.map(({ name, group, description }) => ({ name, group, description }));

export interface ComputeFactorOptions {
  /** clean prices table (default 'prices') */
  prices?: string;
  /** clean sectors table (schema.validateSectors: ticker, sector, industry); optional */
  sectors?: string;
  /**
   * which sectors column is a stock's industry: 'sector' (default: 11 GICS sectors, always set; the industry graph
   * needs peers) or 'sub_industry' (GICS sub-industry, falling back to the sector when missing; ~120 groups, many
   * of a single stock)
   */
  industryLevel?: IndustryLevel;
  /** ISO dates: frame rows restricted to [start, end]; history before start feeds the windows, prices after end are never read */
  start?: string;
  end?: string;
  /** factor names or group names to compute (default all) */
  factors?: string[];
  /** forward-return horizons in trading days (default 1, 3, 5, 10, 15, 20) */
  horizons?: number[];
  /** dates with fewer stocks are left out of the frame (default 5) */
  minStocks?: number;
  /** source name for the frame */
  name?: string;
  /**
   * count the doubtful one-day returns of the adjusted close on the way (doubtful-returns.ts DoubtfulScan): fed by
   * the typed-array passes, which read every row of the prices in (ticker, date) order; left not `done` by the SQL
   * pass (the caller then runs schema.extremeReturns). With `end`, only the rows up to it are seen
   */
  doubtful?: DoubtfulScan;
  /**
   * the order the prices table's rows are stored in (validatePrices' result rowOrder): 'ticker' (default) = (ticker,
   * date); 'date' = dates in order (validatePrices keeps a (date, ticker)-sorted file as it is), which the typed-array
   * passes regroup by ticker in memory instead of DuckDB sorting the table (~0.9 s on the full shared dataset). A wrong
   * hint costs time only: the plan checks the order it relies on and falls back to a sorted copy
   */
  rowOrder?: 'ticker' | 'date';
}

const isoDate = (s: string, what: string): string => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s) || Number.isNaN(isoToDay(s))) throw new LabError(`${what} '${s}' is not a date; expected YYYY-MM-DD`);
  return `DATE ${sqlString(s)}`;
};

/** Select factor definitions by name or group (empty = all); unknown names are an error. */
export function selectFactors(names?: string[]): FactorDef[] {
  if (!names || names.length === 0) return FACTOR_DEFS;
  const known = new Set([...FACTOR_DEFS.map((f) => f.name), ...FACTOR_DEFS.map((f) => f.group)]);
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length)
    throw new LabError(
      `unknown factor or group ${unknown.map((u) => `'${u}'`).join(', ')}; expected one of ${[...new Set(FACTOR_DEFS.map((f) => f.group))].join(', ')} or a factor name`,
    );
  return FACTOR_DEFS.filter((f) => names.includes(f.name) || names.includes(f.group));
}

/** Milliseconds per step of the last computeFactorFrame / factorPanelToFrame call (for benchmarks). */
export let lastTimings: Record<string, number> = {};

// ------------------------------------------------------------------ Arrow -> typed arrays

/** Int32 column (no nulls expected; nulls read as -1). */
function readInt32(t: arrow.Table, name: string): Int32Array {
  const v = t.getChild(name);
  if (!v) throw new Error(`internal: result has no column ${name}`);
  const out = new Int32Array(t.numRows);
  let o = 0;
  for (const d of v.data) {
    const vals = d.values as Int32Array;
    const bm = d.nullCount > 0 ? d.nullBitmap : null;
    for (let i = 0; i < d.length; i++) {
      const j = d.offset + i;
      out[o++] = bm && !(bm[j >> 3] & (1 << (j & 7))) ? -1 : vals[j];
    }
  }
  return out;
}

/**
 * Scatter one Float32 column of a result batch to output order: input row g0 + i goes to out[inv[g0 + i]]
 * (skipped if < 0). NULL (validity bitmap), +-Inf and rows with age < minAge become NaN.
 */
function scatterF32(v: arrow.Vector, g0: number, inv: Int32Array, ageIn: Int32Array | null, minAge: number, out: Float32Array): void {
  let g = g0;
  for (const d of v.data) {
    const vals = d.values as Float32Array;
    const bm = d.nullCount > 0 ? d.nullBitmap : null;
    const off = d.offset;
    for (let i = 0; i < d.length; i++, g++) {
      const r = inv[g];
      if (r < 0) continue;
      const j = off + i;
      const x = vals[j];
      // x - x is NaN for +-Inf and NaN
      out[r] = (bm !== null && !(bm[j >> 3] & (1 << (j & 7)))) || x - x !== 0 || (ageIn !== null && ageIn[g] < minAge) ? NaN : x;
    }
  }
}

/** Whole Float32 column of a table scattered to output order (see scatterF32). */
function readFloat32(t: arrow.Table, name: string, inv: Int32Array, nOut: number): Float32Array {
  const v = t.getChild(name);
  if (!v) throw new Error(`internal: result has no column ${name}`);
  const out = new Float32Array(nOut);
  scatterF32(v, 0, inv, null, 0, out);
  return out;
}

/** inverse of a selection permutation: inv[perm[r]] = r, -1 for input rows not selected */
function invertPerm(perm: Int32Array, nIn: number): Int32Array {
  const inv = new Int32Array(nIn).fill(-1);
  for (let r = 0; r < perm.length; r++) inv[perm[r]] = r;
  return inv;
}

interface RowSelection {
  /** kept rows in (date, ticker) order: indices into the query result */
  perm: Int32Array;
  date: Int32Array;
  ticker: Int32Array;
  industry: Int32Array;
  tickers: string[];
  industries: string[];
  nDates: number;
  droppedDates: number;
}

/**
 * Keep rows with day in [start, end] on days with >= minStocks rows; compact ticker / industry ids to the ones
 * used; order by (day, ticker id) with two stable counting sorts (by ticker, then by day).
 */
export function selectRows(
  day: Int32Array,
  tid: Int32Array,
  iid: Int32Array,
  tickerNames: string[],
  industryNames: string[],
  startDay: number,
  endDay: number,
  minStocks: number,
): RowSelection {
  const n = day.length;
  let dMin = Infinity,
    dMax = -Infinity;
  for (let i = 0; i < n; i++) {
    if (day[i] < dMin) dMin = day[i];
    if (day[i] > dMax) dMax = day[i];
  }
  if (n === 0)
    return {
      perm: new Int32Array(0),
      date: new Int32Array(0),
      ticker: new Int32Array(0),
      industry: new Int32Array(0),
      tickers: [],
      industries: [],
      nDates: 0,
      droppedDates: 0,
    };
  const span = dMax - dMin + 1;
  const perDay = new Int32Array(span); // rows per calendar day offset
  for (let i = 0; i < n; i++) perDay[day[i] - dMin]++;
  let allDates = 0,
    keptDates = 0;
  const keepDay = new Uint8Array(span);
  for (let d = 0; d < span; d++) {
    if (perDay[d] === 0) continue;
    allDates++;
    const dd = d + dMin;
    if (dd >= startDay && dd <= endDay && perDay[d] >= minStocks) {
      keepDay[d] = 1;
      keptDates++;
    }
  }
  // compact tickers / industries to those on kept rows (ids in name order, since the input ids are)
  const tUsed = new Int32Array(tickerNames.length).fill(-1);
  const iUsed = new Int32Array(industryNames.length).fill(-1);
  let m = 0;
  for (let i = 0; i < n; i++)
    if (keepDay[day[i] - dMin]) {
      m++;
      tUsed[tid[i]] = 0;
      if (iid[i] >= 0) iUsed[iid[i]] = 0;
    }
  const tickers: string[] = [],
    industries: string[] = [];
  for (let k = 0; k < tUsed.length; k++)
    if (tUsed[k] === 0) {
      tUsed[k] = tickers.length;
      tickers.push(tickerNames[k]);
    }
  for (let k = 0; k < iUsed.length; k++)
    if (iUsed[k] === 0) {
      iUsed[k] = industries.length;
      industries.push(industryNames[k]);
    }
  // stable counting sort by ticker, then by day -> (day, ticker)
  const kept = new Int32Array(m);
  for (let i = 0, k = 0; i < n; i++) if (keepDay[day[i] - dMin]) kept[k++] = i;
  const nT = tickers.length;
  const cntT = new Int32Array(nT + 1);
  for (let k = 0; k < m; k++) cntT[tUsed[tid[kept[k]]] + 1]++;
  for (let k = 0; k < nT; k++) cntT[k + 1] += cntT[k];
  const byT = new Int32Array(m);
  for (let k = 0; k < m; k++) byT[cntT[tUsed[tid[kept[k]]]]++] = kept[k];
  const cntD = new Int32Array(span + 1);
  for (let k = 0; k < m; k++) cntD[day[byT[k]] - dMin + 1]++;
  for (let d = 0; d < span; d++) cntD[d + 1] += cntD[d];
  const perm = new Int32Array(m);
  for (let k = 0; k < m; k++) perm[cntD[day[byT[k]] - dMin]++] = byT[k];
  const date = new Int32Array(m),
    ticker = new Int32Array(m),
    industry = new Int32Array(m);
  for (let r = 0; r < m; r++) {
    const i = perm[r];
    date[r] = day[i];
    ticker[r] = tUsed[tid[i]];
    industry[r] = iid[i] >= 0 ? iUsed[iid[i]] : -1;
  }
  return { perm, date, ticker, industry, tickers, industries, nDates: keptDates, droppedDates: allDates - keptDates };
}

/** Names in id order from a (name, id) table. */
function namesById(engine: SqlEngine, sql: string): string[] {
  const t = engine.query(sql);
  const v = t.getChildAt(0)!;
  const out: string[] = [];
  for (let i = 0; i < t.numRows; i++) out.push(String(v.get(i)));
  return out;
}

function dropTemps(engine: SqlEngine): void {
  for (const t of ['_fl_s', '_fl_tk', '_fl_ind', '_fl_indid']) engine.run(`DROP TABLE IF EXISTS ${t}`);
}

const tryF32 = (c: string) => `TRY_CAST(${c} AS FLOAT) AS ${c}`;

// ------------------------------------------------------------------ prices -> factor library

/** Which column of the sectors table is a stock's industry (see ComputeFactorOptions.industryLevel). */
export type IndustryLevel = 'sector' | 'sub_industry';

/** Everything the factor pass needs besides the SQL: the source, the kept dates and stocks, the market series. */
interface PassPlan {
  /**
   * SQL source: the prices table itself, a filter of it (end), or the sorted copy _fl_s; in (ticker, date) order, or
   * with byDate in date order (the typed-array passes only: priceBatches regroups it by ticker)
   */
  source: string;
  /** the source is in date order and consts.mkt is computed by priceBatches (dateMajorPrices) */
  byDate: boolean;
  defs: FactorDef[];
  horizons: number[];
  consts: PassConstants;
  /** rows per source ticker (source tickers in name order = the order of the stream's runs) */
  srcCount: Int32Array;
  /** the source tickers' names, in that order */
  srcTickers: string[];
  /** ComputeFactorOptions.doubtful */
  doubtful: DoubtfulScan | null;
  /** source ticker -> stock index n in `tickers` (-1: the ticker has no row on a kept date) */
  nOfTid: Int32Array;
  tickers: string[];
  industries: string[];
  /** [N] industry id of each stock (index into industries), -1 unknown */
  industryOfN: Int32Array;
  /** kept dates (ascending day numbers) and rows on each */
  days: Int32Array;
  rowsPerDay: Int32Array;
  /** day - dayMin -> index into days, -1 for a date that is not kept */
  tOfDay: Int32Array;
  dayMin: number;
  /** rows on kept dates */
  nRows: number;
  droppedDates: number;
  name: string;
}

/** Run the small queries that plan the factor pass (market, dates, stocks, industries); sorts a copy if needed. */
function planFactorPass(engine: SqlEngine, opts: ComputeFactorOptions, tt: Record<string, number>): PassPlan {
  const prices = opts.prices ?? 'prices';
  if (!tableExists(engine, prices))
    throw new Error(`computeFactorFrame: table '${prices}' does not exist (load and validate the prices first)`);
  const defs = selectFactors(opts.factors);
  const horizons = opts.horizons ?? DEFAULT_HORIZONS;
  const startSql = opts.start ? isoDate(opts.start, 'start') : null;
  const endSql = opts.end ? isoDate(opts.end, 'end') : null;
  const minStocks = opts.minStocks ?? 5;
  const name = opts.name ?? prices;
  let t0 = performance.now();
  const lap = (k: string) => {
    tt[k] = (tt[k] ?? 0) + performance.now() - t0;
    t0 = performance.now();
  };
  // prices after `end` are never read: the whole pass runs over the filtered source
  let source = endSql ? `(SELECT * FROM ${sqlIdent(prices)} WHERE date <= ${endSql})` : sqlIdent(prices);
  let m: arrow.Table | null = null;
  let byDate = false;
  if (opts.rowOrder === 'date' && passEngine === 'js' && jsPassCovers(defs)) {
    // a date-ordered table (no sort at validation): rows per date, and the check that the dates never go back (a
    // ticker's rows then come in date order); the market return is computed while the rows are regrouped
    m =
      engine.query(`SELECT (date - DATE '1970-01-01')::INTEGER AS day, count(*)::INTEGER AS n, count(*) FILTER (WHERE pd > date)::INTEGER AS bad
      FROM (SELECT date, lag(date) OVER () AS pd FROM ${source}) GROUP BY date ORDER BY day`);
    let back = 0;
    for (const b of readInt32(m, 'bad')) back += b;
    byDate = back === 0;
    if (!byDate) m = null;
  }
  // market return and rows per date; its out-of-order counts check that the source is (ticker, date)-sorted
  m ??= engine.query(marketSql(source));
  let badRows = 0;
  if (!byDate) for (const b of readInt32(m, 'bad')) badRows += b;
  if (badRows > 0) {
    // not in (ticker, date) order (validatePrices with order 'file'): one sorted copy, the only sort
    engine.run(`CREATE OR REPLACE TEMP TABLE _fl_s AS SELECT date, ticker, open::DOUBLE AS open, high::DOUBLE AS high, low::DOUBLE AS low,
      close::DOUBLE AS close, adj_close::DOUBLE AS adj_close, volume::DOUBLE AS volume FROM ${source} ORDER BY ticker, date`);
    lap('sort');
    source = '_fl_s';
    m = engine.query(marketSql(source));
  }
  const allDays = readInt32(m, 'day'),
    perDay = readInt32(m, 'n');
  const dayMin = allDays.length ? allDays[0] : 0;
  const span = allDays.length ? allDays[allDays.length - 1] - dayMin + 1 : 0;
  const mkt: (number | null)[] = new Array(span).fill(null);
  if (!byDate) {
    const mv = m.getChild('mkt')!;
    for (let i = 0; i < allDays.length; i++) {
      const x = mv.get(i);
      mkt[allDays[i] - dayMin] = x === null ? null : Number(x);
    }
  }
  // kept dates: inside [start, end] with at least minStocks stocks
  const startDay = opts.start ? isoToDay(opts.start) : -Infinity,
    endDay = opts.end ? isoToDay(opts.end) : Infinity;
  const tOfDay = new Int32Array(span).fill(-1);
  const days: number[] = [],
    rows: number[] = [];
  const thinInRange: number[] = [];
  for (let i = 0; i < allDays.length; i++) {
    const d = allDays[i];
    if (d < startDay || d > endDay) continue;
    if (perDay[i] >= minStocks) {
      tOfDay[d - dayMin] = days.length;
      days.push(d);
      rows.push(perDay[i]);
    } else thinInRange.push(d);
  }
  if (days.length === 0)
    throw new LabError(
      `${name}: no rows between ${opts.start ?? 'the first date'} and ${opts.end ?? 'the last date'} on dates with at least ${minStocks} stocks`,
    );
  lap('market');
  // stocks: rows per ticker (in the source) and on kept dates; industry from the sectors table at the chosen level
  const keepCond =
    [
      startSql ? `date >= ${startSql}` : '',
      thinInRange.length ? `date NOT IN (${thinInRange.map((d) => `DATE ${sqlString(dayToIso(d))}`).join(', ')})` : '',
    ]
      .filter(Boolean)
      .join(' AND ') || 'true';
  let sectorsSql = 'SELECT NULL::VARCHAR AS ticker, NULL::VARCHAR AS ind WHERE false';
  if (opts.sectors) {
    const sc = describeColumns(engine, opts.sectors).map((c) => c.name);
    const level = opts.industryLevel ?? 'sector';
    // 'sector' falls back to the finer column when a file has no sector (and vice versa)
    const ind =
      level === 'sector' && sc.includes('sector')
        ? sc.includes('industry')
          ? 'coalesce(sector, industry)'
          : 'sector'
        : sc.includes('industry')
          ? 'industry'
          : 'sector';
    sectorsSql = `SELECT ticker, ${ind} AS ind FROM ${sqlIdent(opts.sectors)}`;
  }
  const tk =
    engine.query(`SELECT g.ticker, g.n, g.k, s.ind, CASE WHEN s.ind IS NOT NULL THEN dense_rank() OVER (ORDER BY s.ind) - 1 END::INTEGER AS irank
    FROM (SELECT ticker, count(*)::INTEGER AS n, count(*) FILTER (WHERE ${keepCond})::INTEGER AS k FROM ${source} GROUP BY ticker) g
    LEFT JOIN (${sectorsSql}) s USING (ticker) ORDER BY g.ticker`);
  const srcCount = readInt32(tk, 'n'),
    kept = readInt32(tk, 'k'),
    irank = readInt32(tk, 'irank');
  const tv = tk.getChild('ticker')!,
    iv = tk.getChild('ind')!;
  const nOfTid = new Int32Array(tk.numRows).fill(-1);
  const tickers: string[] = [];
  const rankNames: string[] = [];
  const rankUsed: number[] = [];
  for (let i = 0; i < tk.numRows; i++) {
    if (irank[i] >= 0) rankNames[irank[i]] = String(iv.get(i));
    if (kept[i] > 0) {
      nOfTid[i] = tickers.length;
      tickers.push(String(tv.get(i)));
      if (irank[i] >= 0) rankUsed[irank[i]] = 1;
    }
  }
  // industries of the kept stocks, ids in name order
  const idOfRank = new Int32Array(rankNames.length).fill(-1);
  const industries: string[] = [];
  for (let r = 0; r < rankNames.length; r++)
    if (rankUsed[r]) {
      idOfRank[r] = industries.length;
      industries.push(rankNames[r]);
    }
  const industryOfN = new Int32Array(tickers.length).fill(-1);
  for (let i = 0; i < tk.numRows; i++) if (nOfTid[i] >= 0 && irank[i] >= 0) industryOfN[nOfTid[i]] = idOfRank[irank[i]];
  lap('stocks');
  let nRows = 0;
  for (const r of rows) nRows += r;
  return {
    source,
    byDate,
    defs,
    horizons,
    consts: { day0: dayMin, mkt },
    srcCount,
    srcTickers: Array.from({ length: tk.numRows }, (_, i) => String(tv.get(i))),
    doubtful: opts.doubtful ?? null,
    nOfTid,
    tickers,
    industries,
    industryOfN,
    days: Int32Array.from(days),
    rowsPerDay: Int32Array.from(rows),
    tOfDay,
    dayMin,
    nRows,
    droppedDates: allDays.length - days.length,
    name,
  };
}

/**
 * The value columns of one result batch as ONE Float64Array (and a byte view for the validity bitmaps) over the
 * batch's IPC body, so the hot loops index a single typed array: column c's row r is f64[start[c] + r]; it is
 * NULL when bits[c] >= 0 and bit r of u8[bits[c] ..] is 0. (If a column does not sit in the shared body, e.g. an
 * unaligned buffer that apache-arrow copied, every column is copied into reusable scratch instead.)
 */
function batchValues(
  batch: arrow.RecordBatch,
  first: number,
  nCols: number,
  len: number,
  scratch: { f64: Float64Array; u8: Uint8Array },
): BatchValues {
  const start = new Int32Array(nCols),
    bits = new Int32Array(nCols);
  const vs = Array.from({ length: nCols }, (_, c) => batch.getChildAt(first + c)!);
  const ds = vs.map((x) => x.data[0]);
  const buf = (ds[0]?.values as Float64Array | undefined)?.buffer;
  let shared = true;
  for (const d of ds) {
    if (d.length !== len) throw new Error(`internal: factor pass column has ${d.length} rows in a batch of ${len}`);
    const v = d.values as Float64Array;
    if (
      !(v instanceof Float64Array) ||
      v.buffer !== buf ||
      d.offset !== 0 ||
      (d.nullCount > 0 && (d.nullBitmap.buffer !== buf || d.nullBitmap.length < (len + 7) >> 3))
    )
      shared = false;
  }
  if (shared && buf) {
    ds.forEach((d, c) => {
      start[c] = (d.values as Float64Array).byteOffset / 8;
      bits[c] = d.nullCount > 0 ? d.nullBitmap.byteOffset : -1;
    });
    return { f64: new Float64Array(buf), u8: new Uint8Array(buf), start, bits };
  }
  const bmBytes = (len + 7) >> 3;
  if (scratch.f64.length < nCols * len) {
    scratch.f64 = new Float64Array(nCols * len);
    scratch.u8 = new Uint8Array(nCols * bmBytes);
  }
  ds.forEach((d, c) => {
    start[c] = c * len;
    bits[c] = -1;
    for (let r = 0; r < len; r++) scratch.f64[c * len + r] = Number((d.values as ArrayLike<number>)[d.offset + r]);
    if (d.nullCount > 0) {
      bits[c] = c * bmBytes;
      scratch.u8.fill(0, c * bmBytes, (c + 1) * bmBytes);
      for (let r = 0; r < len; r++) if (vs[c].isValid(r)) scratch.u8[c * bmBytes + (r >> 3)] |= 1 << (r & 7);
    }
  });
  return { f64: scratch.f64, u8: scratch.u8, start, bits };
}

/** Where the factor pass writes: the target of each kept row, per-row bookkeeping, and the batch's values. */
interface PassSink {
  /** target index of a kept row (t = kept date index, n = stock index) */
  target(t: number, n: number): number;
  /** per kept row (batch row i): its target, date index, day, stock and age */
  row(i: number, dst: number, t: number, day: number, n: number, age: number): void;
  /**
   * write a batch's value columns (factors, then fwd per horizon, ret, dv): dst[r] = target or -1, age[r] = rows of
   * history, rem[r] = rows left in the ticker; min[c] = the gate of column c (age for factors / ret / dv, rem for fwd)
   */
  write(v: BatchValues, dst: Int32Array, age: Int32Array, rem: Int32Array, min: Int32Array, len: number): void;
}

/**
 * The row bookkeeping both factor passes share: follows the (ticker, date)-ordered stream row by row (o = 1 starts the
 * next ticker run, 0 continues it), checks that order against the plan's row counts, and places each row: its age,
 * rows left, and target (or -1) in the panel via the sink.
 */
class RowOrder {
  tid = -1;
  a = 0;
  prevDay = 0;
  /** rows seen so far (the stream's row number of the next row) */
  g = 0;
  constructor(
    private readonly plan: PassPlan,
    private readonly sink: PassSink,
  ) {}

  error(what: string): Error {
    return new Error(`factor pass: row ${this.g} ${what}; the streaming windows did not see (ticker, date) order, results would be wrong`);
  }

  /** row i of the current batch: order flag o, day; writes dst[i], age[i], rem[i] */
  place(o: number, day: number, i: number, dst: Int32Array, age: Int32Array, rem: Int32Array): void {
    const { srcCount, nOfTid, tOfDay, dayMin } = this.plan;
    if (o === 1) {
      if (this.tid >= 0 && this.a + 1 !== srcCount[this.tid])
        throw this.error(`starts a new ticker after ${this.a + 1} rows of the previous one, expected ${srcCount[this.tid]}`);
      this.tid++;
      this.a = 0;
      if (this.tid >= srcCount.length) throw this.error(`starts ticker run ${this.tid + 1}, expected ${srcCount.length}`);
    } else if (o === 0) {
      this.a++;
      if (day <= this.prevDay) throw this.error('has a date not after the previous row of its ticker');
    } else throw this.error("has a ticker before the previous row's");
    this.prevDay = day;
    const a = this.a;
    age[i] = a;
    rem[i] = srcCount[this.tid] - 1 - a;
    const t = tOfDay[day - dayMin];
    const n = nOfTid[this.tid];
    if (t >= 0 && n >= 0) {
      const c = this.sink.target(t, n);
      dst[i] = c;
      this.sink.row(i, c, t, day, n, a);
    } else dst[i] = -1;
    this.g++;
  }

  /** after the last row: every ticker run was seen whole */
  finish(): void {
    const { srcCount } = this.plan;
    if (this.tid !== srcCount.length - 1 || (this.tid >= 0 && this.a + 1 !== srcCount[this.tid]))
      throw this.error(`ends after ${this.tid + 1} ticker runs, expected ${srcCount.length}`);
  }
}

/**
 * A result batch's order flags and days (columns 1 and 0 of the passes' streams) into o and day: o = 1 starts a new
 * ticker run, 0 continues it, -1 (a ticker before the previous row's) and NaN (NULL after the first row) are errors
 * RowOrder.place reports; the stream's first row must have no previous row.
 */
function orderAndDays(batch: arrow.RecordBatch, o: Float64Array, day: Int32Array, first: boolean, order: RowOrder): void {
  const dayChunks = batch.getChildAt(0)!.data;
  let i = 0,
    ci = 0;
  for (const od of batch.getChildAt(1)!.data) {
    const ov = od.values as Int8Array;
    const dd = dayChunks[ci++];
    const dv = dd.values as Int32Array;
    const obm = od.nullCount > 0 ? od.nullBitmap : null;
    for (let k = 0; k < od.length; k++, i++) {
      const jo = od.offset + k;
      const isNull = obm !== null && !(obm[jo >> 3] & (1 << (jo & 7)));
      const f = first && i === 0;
      if (f && !isNull) throw order.error('is the first but has a previous row');
      o[i] = isNull ? (f ? 1 : NaN) : ov[jo];
      day[i] = dv[dd.offset + k];
    }
  }
}

/**
 * Stream the factor pass (factors-sql.ts factorPassSql) into `sink`, batch by batch. Checks the order the streaming
 * windows saw: each row's ticker compares equal (0) or greater (1) than the previous row's, the dates of a ticker
 * strictly increase, and the stream has exactly one run per source ticker with that ticker's row count, so run k
 * is the k-th ticker in name order. Ages (rows of history) and rows left in the ticker are counted here.
 */
function runFactorPass(engine: SqlEngine, plan: PassPlan, sink: PassSink): void {
  if (passEngine === 'js' && jsPassCovers(plan.defs)) return runFactorPassJs(engine, plan, sink);
  const { defs, horizons } = plan;
  const nF = defs.length,
    nH = horizons.length;
  const sql = factorPassSql(plan.source, defs, horizons, plan.consts);
  const nCols = nF + nH + 2;
  const scratch = { f64: new Float64Array(0), u8: new Uint8Array(0) };
  const minOf = Int32Array.from([...defs.map((d) => d.minAge), ...horizons.map((k) => 1 + k), RET_MIN_AGE, 0]);
  let dst = new Int32Array(0),
    age = new Int32Array(0),
    rem = new Int32Array(0),
    ords = new Float64Array(0),
    days = new Int32Array(0);
  const order = new RowOrder(plan, sink);
  for (const batch of engine.stream(sql)) {
    const len = batch.numRows;
    if (dst.length < len) {
      dst = new Int32Array(len);
      age = new Int32Array(len);
      rem = new Int32Array(len);
      ords = new Float64Array(len);
      days = new Int32Array(len);
    }
    // per row: run (ticker) index, age, rows left, target
    orderAndDays(batch, ords, days, order.g === 0, order);
    for (let i = 0; i < len; i++) order.place(ords[i], days[i], i, dst, age, rem);
    sink.write(batchValues(batch, 2, nCols, len, scratch), dst, age, rem, minOf, len);
  }
  order.finish();
}

/**
 * Where the factor pass runs: 'js' (default) streams the clean prices in (ticker, date) order from DuckDB and computes
 * every factor per ticker in typed arrays (factors-js.ts: the same arithmetic as the SQL, ~10x faster than DuckDB-WASM
 * evaluating it column by column); 'sql' runs factorPassSql in DuckDB (kept as the second implementation: the parity
 * tests compare both, and a factor without a typed-array formula falls back to it).
 */
let passEngine: 'js' | 'sql' = 'js';
export function setFactorPassEngine(e: 'js' | 'sql'): void {
  passEngine = e;
}
export const factorPassEngine = (): 'js' | 'sql' => passEngine;

/** growable per-ticker row buffers of the typed-array pass */
class TickerBuffer {
  n = 0;
  day = new Int32Array(1024);
  ord = new Float64Array(1024);
  cols = Array.from({ length: 6 }, () => new Float64Array(1024)); // open, high, low, close, adj, volume
  mkt = new Float64Array(1024);
  push(day: number, ord: number): number {
    if (this.n === this.day.length) {
      const grow = <A extends Int32Array | Float64Array>(a: A): A => {
        const b = new (a.constructor as { new (n: number): A })(2 * a.length);
        b.set(a);
        return b;
      };
      this.day = grow(this.day);
      this.ord = grow(this.ord);
      this.cols = this.cols.map(grow);
      this.mkt = grow(this.mkt);
    }
    this.day[this.n] = day;
    this.ord[this.n] = ord;
    return this.n++;
  }
}

/**
 * One batch of the clean prices in stream order: per row its run flag o (1 = a new ticker run, 0 = the same run) and
 * day; the prices open .. volume are v's columns 0-5 (NULL = a clear bit).
 */
interface PriceBatch {
  len: number;
  o: Float64Array;
  day: Int32Array;
  v: BatchValues;
}

/**
 * The clean prices of the typed-array passes, batch by batch (runFactorPassJs, runFactorPassJsParallel): the stream
 * of `plan.source` in its (ticker, date) order. A row's run flag comes from the rows per ticker (plan.srcCount): the
 * plan's market query has checked that the source is in (ticker, date) order (its `bad` count, else the pass reads a
 * sorted copy), and RowOrder checks each run's dates and the total, so the stream needs no window comparing each row's
 * ticker with the previous row's (that window buffered the stream's columns: ~0.1-0.3 s on the full dataset).
 *
 * A date-ordered source (plan.byDate) comes as ONE batch of every row, regrouped by dateMajorPrices (into `into`, a
 * [>= 6, m] array, when given).
 */
function* priceBatches(engine: SqlEngine, plan: PassPlan, into?: Float64Array): Generator<PriceBatch> {
  const sql = `SELECT date, open::DOUBLE AS open, high::DOUBLE AS high, low::DOUBLE AS low, close::DOUBLE AS close,
    adj_close::DOUBLE AS adj, volume::DOUBLE AS volume FROM ${plan.source}`;
  const scratch = { f64: new Float64Array(0), u8: new Uint8Array(0) };
  let o = new Float64Array(0),
    day = new Int32Array(0);
  const counts = plan.srcCount;
  let run = -1,
    left = 0; // the current run (source ticker) and its rows after the current one
  const scan = plan.doubtful;
  if (plan.byDate) {
    // a date-ordered source, regrouped: every row at once, in (ticker, date) order, no NULL bits
    const { cols, day: days } = dateMajorPrices(engine, plan, into);
    const len = days.length;
    o = new Float64Array(len);
    for (let k = 0, g = 0; k < counts.length; g += counts[k++]) if (counts[k] > 0) o[g] = 1;
    const start = Int32Array.from({ length: 6 }, (_, c) => c * len);
    if (scan) for (let i = 0; i < len; i++) scan.push(o[i] === 1, days[i], cols[4 * len + i]);
    yield { len, o, day: days, v: { f64: cols, u8: new Uint8Array(0), start, bits: new Int32Array(6).fill(-1) } };
    scan?.finish(plan.srcTickers);
    return;
  }
  for (const batch of engine.stream(sql)) {
    const len = batch.numRows;
    if (o.length < len) {
      o = new Float64Array(len);
      day = new Int32Array(len);
    }
    const v = batchValues(batch, 1, 6, len, scratch);
    let i = 0;
    for (const dd of batch.getChildAt(0)!.data) {
      const dv = dd.values as Int32Array;
      for (let k = 0; k < dd.length; k++, i++) {
        day[i] = dv[dd.offset + k];
        if (left > 0) {
          left--;
          o[i] = 0;
        } else {
          // a new run; past the last one (more rows than the plan counted) RowOrder.place throws
          run++;
          left = (run < counts.length ? counts[run] : 0) - 1;
          o[i] = 1;
        }
      }
    }
    if (scan) {
      // the adjusted close (column 4; never NULL in the clean prices: a NULL bit reads as NaN, which flags nothing)
      const b = v.bits[4],
        s = v.start[4];
      for (let i = 0; i < len; i++)
        scan.push(o[i] === 1, day[i], b < 0 || (v.u8[b + (i >> 3)] & (1 << (i & 7))) !== 0 ? v.f64[s + i] : NaN);
    }
    yield { len, o, day, v };
  }
  scan?.finish(plan.srcTickers);
}

/**
 * Ticker ids by the UTF-8 bytes of the name (open addressing on an FNV-1a hash), so an Arrow string column is matched
 * without decoding a JS string per row.
 */
class TickerIds {
  private readonly keys: Uint8Array[];
  private readonly slots: Int32Array;
  private readonly mask: number;
  constructor(names: string[]) {
    const enc = new TextEncoder();
    this.keys = names.map((n) => enc.encode(n));
    let size = 16;
    while (size < 4 * names.length) size *= 2;
    this.mask = size - 1;
    this.slots = new Int32Array(size).fill(-1);
    this.keys.forEach((k, id) => {
      let h = TickerIds.hash(k, 0, k.length) & this.mask;
      while (this.slots[h] >= 0) h = (h + 1) & this.mask;
      this.slots[h] = id;
    });
  }
  static hash(b: Uint8Array, s: number, e: number): number {
    let h = 2166136261;
    for (let i = s; i < e; i++) h = Math.imul(h ^ b[i], 16777619);
    return h >>> 0;
  }
  /** the id of the name in bytes b[s, e), -1 if none */
  find(b: Uint8Array, s: number, e: number): number {
    const len = e - s;
    for (let h = TickerIds.hash(b, s, e) & this.mask; ; h = (h + 1) & this.mask) {
      const id = this.slots[h];
      if (id < 0) return -1;
      const k = this.keys[id];
      if (k.length !== len) continue;
      let i = 0;
      while (i < len && k[i] === b[s + i]) i++;
      if (i === len) return id;
    }
  }
}

/**
 * A date-ordered source (plan.byDate) regrouped by ticker in one read: row g of the result is the stream's rows in
 * (ticker, date) order (a counting sort by the plan's rows per ticker: each ticker's rows keep their arrival order, which
 * is date order since the plan checked that the dates never go back; RowOrder checks each run's dates as before).
 * cols = [6, m] (open, high, low, close, adj, volume; NULL -> NaN), in `into`'s first 6 m values when given. Fills
 * plan.consts.mkt on the way: the mean over the stocks of ln(adj / the stock's previous adj) per date, as marketSql.
 */
function dateMajorPrices(engine: SqlEngine, plan: PassPlan, into?: Float64Array): { cols: Float64Array; day: Int32Array } {
  const counts = plan.srcCount,
    K = counts.length;
  let m = 0;
  const pos = new Int32Array(K),
    end = new Int32Array(K);
  for (let k = 0; k < K; k++) {
    pos[k] = m;
    m += counts[k];
    end[k] = m;
  }
  const cols = into && into.length >= 6 * m ? into : new Float64Array(6 * m);
  const day = new Int32Array(m);
  const ids = new TickerIds(plan.srcTickers);
  const { dayMin, consts } = plan;
  const span = consts.mkt.length;
  const sum = new Float64Array(span),
    cnt = new Int32Array(span);
  const prevAdj = new Float64Array(K).fill(NaN);
  const scratch = { f64: new Float64Array(0), u8: new Uint8Array(0) };
  let g = 0;
  const fail = (what: string) =>
    new Error(`factor pass: row ${g} ${what}; the date-ordered prices changed after the plan counted them, results would be wrong`);
  const sql = `SELECT date, ticker, open::DOUBLE AS open, high::DOUBLE AS high, low::DOUBLE AS low, close::DOUBLE AS close,
    adj_close::DOUBLE AS adj, volume::DOUBLE AS volume FROM ${plan.source}`;
  let dst = new Int32Array(0);
  for (const batch of engine.stream(sql)) {
    const len = batch.numRows;
    if (dst.length < len) dst = new Int32Array(len);
    const dChunks = batch.getChildAt(0)!.data;
    const tChunks = batch.getChildAt(1)!.data;
    // each row's place in (ticker, date) order, its day and the market sums
    let i = 0;
    const adjData = batch.getChildAt(6)!.data;
    for (let c = 0; c < tChunks.length; c++) {
      const td = tChunks[c],
        dd = dChunks[c],
        ad = adjData[c];
      const offs = td.valueOffsets as Int32Array,
        bytes = td.values as Uint8Array,
        dv = dd.values as Int32Array,
        av = ad.values as Float64Array,
        abm = ad.nullCount > 0 ? ad.nullBitmap : null;
      for (let k = 0; k < td.length; k++, i++, g++) {
        const j = td.offset + k;
        const tid = ids.find(bytes, offs[j], offs[j + 1]);
        if (tid < 0) throw fail('has a ticker the plan did not count');
        const p = pos[tid]++;
        if (p >= end[tid]) throw fail(`has more rows of ${plan.srcTickers[tid]} than the ${counts[tid]} counted`);
        dst[i] = p;
        const d = dv[dd.offset + k];
        day[p] = d;
        // marketSql: ln(adj / the previous adj of the same ticker), averaged over the stocks of each date (NULL: none)
        const ja = ad.offset + k;
        const adj = abm === null || (abm[ja >> 3] & (1 << (ja & 7))) !== 0 ? av[ja] : NaN;
        const pa = prevAdj[tid];
        if (pa === pa && adj === adj) {
          const mi = d - dayMin;
          sum[mi] += Math.log(adj / pa);
          cnt[mi]++;
        }
        prevAdj[tid] = adj;
      }
    }
    // the values column by column (one column's ~K write streams stay in cache; all six at once did not)
    const v = batchValues(batch, 2, 6, len, scratch);
    for (let q = 0; q < 6; q++) {
      const b = v.bits[q],
        s = v.start[q],
        o = q * m;
      if (b < 0) for (let r = 0; r < len; r++) cols[o + dst[r]] = v.f64[s + r];
      else for (let r = 0; r < len; r++) cols[o + dst[r]] = (v.u8[b + (r >> 3)] & (1 << (r & 7))) !== 0 ? v.f64[s + r] : NaN;
    }
  }
  if (g !== m) throw fail(`is the end, expected ${m} rows`);
  for (let i = 0; i < span; i++) if (cnt[i] > 0) consts.mkt[i] = sum[i] / cnt[i];
  return { cols, day };
}

/**
 * The typed-array factor pass (see passEngine): the same checks, row bookkeeping and sink calls as the SQL pass,
 * one sink.write per ticker (a ticker's values are final only once its last row, which the forward returns need, is in).
 */
function runFactorPassJs(engine: SqlEngine, plan: PassPlan, sink: PassSink): void {
  const { defs, horizons, consts } = plan;
  const nCols = defs.length + horizons.length + 2;
  const minOf = Int32Array.from([...defs.map((d) => d.minAge), ...horizons.map((k) => 1 + k), RET_MIN_AGE, 0]);
  const buf = new TickerBuffer();
  let dst = new Int32Array(0),
    age = new Int32Array(0),
    rem = new Int32Array(0),
    out = new Float64Array(0);
  const order = new RowOrder(plan, sink);
  const flush = () => {
    const n = buf.n;
    if (n === 0) return;
    if (dst.length < n) {
      dst = new Int32Array(n);
      age = new Int32Array(n);
      rem = new Int32Array(n);
    }
    for (let i = 0; i < n; i++) {
      const day = buf.day[i];
      order.place(buf.ord[i], day, i, dst, age, rem);
      const mi = day - consts.day0;
      const mv = mi >= 0 && mi < consts.mkt.length ? consts.mkt[mi] : null;
      buf.mkt[i] = mv === null || mv === undefined ? NaN : mv;
    }
    if (out.length < nCols * n) out = new Float64Array(nCols * n);
    const [open, high, low, close, adj, volume] = buf.cols;
    const rows: TickerRows = { n, open, high, low, close, adj, volume, mkt: buf.mkt };
    tickerPass(rows, defs, horizons, out);
    const start = Int32Array.from({ length: nCols }, (_, c) => c * n);
    sink.write({ f64: out, u8: new Uint8Array(0), start, bits: new Int32Array(nCols).fill(-1) }, dst, age, rem, minOf, n);
    buf.n = 0;
  };
  for (const { len, o, day, v } of priceBatches(engine, plan)) {
    for (let i = 0; i < len; i++) {
      if (o[i] === 1) flush();
      const r = buf.push(day[i], o[i]);
      for (let c = 0; c < 6; c++) {
        const b = v.bits[c];
        buf.cols[c][r] = b < 0 || (v.u8[b + (i >> 3)] & (1 << (i & 7))) !== 0 ? v.f64[v.start[c] + i] : NaN;
      }
    }
  }
  flush();
  order.finish();
}

/**
 * panel cells (dates x stocks) per block of the parallel pass: ~13 stocks of full history on the full shared dataset,
 * ~40 ms of work; a block ends on a stock (a stock's rolling windows never cross threads) and its staged corner of the
 * panel takes cells x (F + P) floats (~14 MB)
 */
let passBlockCells = 65536;
/** Tests: small blocks (many blocks on a small panel); returns the previous value. */
export function setPassBlockCells(cells: number): number {
  const prev = passBlockCells;
  passBlockCells = Math.max(1, Math.floor(cells));
  return prev;
}

/** a block of the parallel pass: rows [s, e) of the stream, its stocks' row counts, its corner of the panel */
interface PassBlock {
  s: number;
  e: number;
  counts: number[];
  /** first stock, stocks, first date, dates (K = 0: no row of the block is in the panel) */
  n0: number;
  K: number;
  t0: number;
  Tb: number;
}

/**
 * The typed-array pass on this thread and the pool's helpers at once (computeFactorPanelParallel); the same panel as
 * runFactorPassJs on one thread, byte for byte (tested): each stock's values come from the same tickerPass and are
 * masked by the same stageBatch, whichever thread runs them, and every panel cell is written once.
 *
 * This thread streams the prices from DuckDB (which only it can do) into one [7, rows] array with the row bookkeeping
 * (RowOrder: checks, age, rows left, targets), and cuts the stream into blocks of whole stocks (passBlockCells). As
 * soon as a block is complete a helper may take it (up to two blocks in flight per helper), so the helpers compute
 * while the stream is still being read; the helpers go on taking blocks from the front, this thread computes blocks
 * from the back once the stream is read, until the two ends meet. Either way a block comes out as its own corner of
 * the panel, date-major, which this thread copies into the panel one date at a time (DateMajorWriter.writeBlock). A
 * block travels in reused buffers (copied in, transferred both ways); a block whose helper fails is computed here.
 */
async function runFactorPassJsParallel(
  engine: SqlEngine,
  plan: PassPlan,
  sink: PassSink,
  xw: DateMajorWriter,
  pool: CrossSectionPool,
): Promise<void> {
  const { defs, horizons, consts } = plan;
  const F = defs.length,
    P = xw.P,
    N = plan.tickers.length;
  const minOf = Int32Array.from([...defs.map((d) => d.minAge), ...horizons.map((k) => 1 + k), RET_MIN_AGE, 0]);
  const names = defs.map((d) => d.name);
  let m = 0;
  for (let k = 0; k < plan.srcCount.length; k++) m += plan.srcCount[k];
  const vals = new Float64Array(7 * m); // [7, m]: open, high, low, close, adj, volume, market log return
  const dst = new Int32Array(m),
    age = new Int32Array(m),
    rem = new Int32Array(m);
  const order = new RowOrder(plan, sink);
  const blocks: PassBlock[] = [];
  let lo = 0, // blocks [0, lo) are claimed by helpers
    hi = -1, // blocks [hi, end) are done or being done here (-1: the stream is still being read)
    inFlight = 0;
  const redo: number[] = [];
  let wake: (() => void) | null = null;
  const free: FactorPassBlock[] = []; // block buffers, back from the helpers or used here, for the next blocks
  const helpers = pool.size;

  /** block k's inputs in buffers of the free list (or new ones) */
  const fill = (k: number): FactorPassBlock => {
    const { s, e, counts, n0, K, t0 } = blocks[k];
    const rows = e - s,
      cells = K * blocks[k].Tb;
    let b = free.pop();
    if (!b || b.cols.length / 7 < rows || b.stage.length < cells * F) {
      const c = Math.max(rows, passBlockCells),
        cc = Math.max(cells, passBlockCells);
      b = {
        names,
        horizons,
        minOf: minOf.slice(),
        gateRem: xw.gateRem.slice(),
        counts: new Int32Array(0),
        rows: 0,
        cells: 0,
        cols: new Float64Array(7 * c),
        local: new Int32Array(c),
        age: new Int32Array(c),
        rem: new Int32Array(c),
        stage: new Float32Array(cc * F),
        stageP: new Float32Array(cc * P),
      };
    }
    const c = b.cols.length / 7;
    for (let j = 0; j < 7; j++) b.cols.set(vals.subarray(j * m + s, j * m + e), j * c);
    for (let r = 0; r < rows; r++) {
      const d = dst[s + r];
      if (d < 0) b.local[r] = -1;
      else {
        const t = (d / N) | 0;
        b.local[r] = (t - t0) * K + (d - t * N - n0);
      }
    }
    b.age.set(age.subarray(s, e));
    b.rem.set(rem.subarray(s, e));
    b.counts = Int32Array.from(counts);
    b.rows = rows;
    b.cells = cells;
    return b;
  };
  const write = (k: number, b: FactorPassBlock) => {
    const { n0, K, t0, Tb } = blocks[k];
    xw.writeBlock(b.stage, b.stageP, t0, Tb, n0, K);
    free.push(b);
  };
  /** block k here */
  const local = (k: number) => {
    if (blocks[k].K === 0) return;
    const b = fill(k);
    runFactorPassBlock(b);
    write(k, b);
  };
  /** claim the next block from the front for a helper; false when none is ready or the two ends met */
  const send = (): boolean => {
    if (!pool.healthy || lo >= (hi < 0 ? blocks.length : hi)) return false;
    const k = lo++;
    if (blocks[k].K === 0) return true; // nothing of it is in the panel
    const b = fill(k);
    const { rows, cells } = b;
    inFlight++;
    pool.pass(b).then(
      (r) => {
        if (r.rows === rows && r.cells === cells && r.stage.length >= cells * F && r.stageP.length >= cells * P) write(k, r);
        else redo.push(k);
        inFlight--;
        while (inFlight < 2 * helpers && send());
        wake?.();
      },
      () => {
        redo.push(k); // its values are still in vals: this thread computes it
        inFlight--;
        wake?.();
      },
    );
    return true;
  };

  // the block being read: its rows from blockStart, its stocks' counts, its corner so far
  let g = 0,
    runStart = 0,
    closed = false;
  let cur: PassBlock = { s: 0, e: 0, counts: [], n0: 0, K: 0, t0: 0, Tb: 0 };
  // the stock being read: its stock index and first / last date in the panel (n < 0: none of its rows is)
  let sn = -1,
    sa = 0,
    sb = 0;
  /** the stock of rows [runStart, g) is complete: it joins the block, or closes it and starts the next */
  const endStock = () => {
    if (sn >= 0 && cur.K > 0) {
      const t0 = Math.min(cur.t0, sa),
        t1 = Math.max(cur.t0 + cur.Tb - 1, sb);
      if ((sn - cur.n0 + 1) * (t1 - t0 + 1) > passBlockCells) {
        cur.e = runStart;
        blocks.push(cur);
        cur = { s: runStart, e: 0, counts: [], n0: 0, K: 0, t0: 0, Tb: 0 };
        while (inFlight < 2 * helpers && send());
        closed = true;
      }
    }
    if (sn >= 0) {
      if (cur.K === 0) {
        cur.n0 = sn;
        cur.t0 = sa;
        cur.Tb = sb - sa + 1;
      } else {
        const t0 = Math.min(cur.t0, sa),
          t1 = Math.max(cur.t0 + cur.Tb - 1, sb);
        cur.t0 = t0;
        cur.Tb = t1 - t0 + 1;
      }
      cur.K = sn - cur.n0 + 1;
    }
    cur.counts.push(g - runStart);
    runStart = g;
    sn = -1;
  };
  // the market return by day - day0 (NaN: none), for the per-batch copy below (made at the first batch: a date-ordered
  // source's is computed while priceBatches regroups it)
  let mkt: Float64Array | null = null;
  for (const { len: batchLen, o: ords, day: days, v } of priceBatches(engine, plan, vals)) {
    mkt ??= Float64Array.from(consts.mkt, (x) => (x === null || x === undefined ? NaN : x));
    const g0 = g;
    // the batch's values first (a block closed in the row loop below may go to a helper at once), column by column into
    // rows [g0, g0 + len): a copy for a column without NULLs, else NULL -> NaN (a date-ordered source was regrouped
    // straight into vals). Rows beyond the plan's m are not copied (the row loop throws on the first)
    const len = Math.min(batchLen, m - g0);
    for (let c = 0; c < 6; c++) {
      const b = v.bits[c],
        s = v.start[c],
        out = c * m + g0;
      if (v.f64 === vals && s === out) continue;
      if (b < 0) vals.set(v.f64.subarray(s, s + len), out);
      else for (let i = 0; i < len; i++) vals[out + i] = (v.u8[b + (i >> 3)] & (1 << (i & 7))) !== 0 ? v.f64[s + i] : NaN;
    }
    const d0 = consts.day0,
      out = 6 * m + g0;
    for (let i = 0; i < len; i++) {
      const mi = days[i] - d0;
      vals[out + i] = mi >= 0 && mi < mkt.length ? mkt[mi] : NaN;
    }
    for (let i = 0; i < batchLen; i++) {
      const o = ords[i],
        day = days[i];
      if (g >= m) throw order.error(`is beyond the ${m} rows of the plan`);
      if (o === 1 && g > 0) endStock();
      order.place(o, day, g, dst, age, rem);
      const d = dst[g];
      if (d >= 0) {
        const t = (d / N) | 0;
        if (sn < 0) {
          sn = d - t * N;
          sa = t;
        }
        sb = t;
      }
      g++;
    }

    // after a batch that closed a block: let the helpers' replies in (each sends the next block), so the helpers keep
    // working while the stream is read; the engine refuses other statements while this stream is open (sql-engine.ts)
    if (closed) {
      closed = false;
      await yieldToEvents();
    }
  }
  order.finish();
  if (g > 0) {
    endStock();
    cur.e = g;
    blocks.push(cur);
  }
  // this thread: blocks from the back, letting the helpers' replies in between (each reply sends the next front block)
  hi = blocks.length;
  while (inFlight < 2 * helpers && send());
  while (lo < hi) {
    local(--hi);
    await yieldToEvents();
  }
  while (inFlight > 0) await new Promise<void>((r) => (wake = r));
  for (const k of redo) local(k);
}

/**
 * The [T, N, F] factor array written date by date instead of stock by stock. The pass brings one stock's rows after
 * another, and panel cell (t, n) sits at (t N + n) F: one stock's rows land N F floats apart, so writing them as they
 * come touches a new page per row (a fresh 314 MB array on the full shared dataset: the writes cost more than the
 * arithmetic). Here each batch's rows are first staged row-major in arrival order (a small reused buffer, ~29 stocks of
 * full history), and a flush writes the staged rows date by date across the staged stocks, so consecutive writes fill
 * neighbouring cells (t, n), (t, n + 1), ... Each staged run of increasing targets (one stock's rows in date order, or
 * several stocks' whose targets happen to keep increasing) is read front to back; every row is written once.
 */
/** rows DateMajorWriter stages per flush: ~29 stocks of full history (131072 rows x 44 floats = 23 MB) */
let stageRows = 131072;
/** Tests: a small staging buffer (many flushes, stocks split across them); returns the previous value. */
export function setPanelStageRows(rows: number): number {
  const prev = stageRows;
  stageRows = Math.max(1, Math.floor(rows));
  return prev;
}

class DateMajorWriter {
  private stage: Float32Array;
  /** the plane columns of the staged rows, row-major [rows, P] */
  private stageP: Float32Array;
  private target: Int32Array;
  private local = new Int32Array(0);
  private n = 0;
  readonly P: number;
  /** per plane: 1 = gated by the rows left in the ticker (labels) */
  readonly gateRem: Uint8Array;
  /**
   * `planes`: the [T, N]-indexed outputs of the batch columns F, F + 1, ... (the labels per horizon, the return, the
   * dollar volume): plane p's value of panel cell (t, n) goes to planes[p].out[planes[p].offset + t N + n], staged and
   * written date by date like x (no stock-major copy of them to transpose afterwards: 65 MB less fresh memory on the
   * full shared dataset); `gateRem[p]`: the plane is gated by the rows left in the ticker (labels) instead of the age
   */
  constructor(
    private readonly x: Float32Array,
    private readonly N: number,
    private readonly F: number,
    capacityRows: number,
    private readonly planes: { out: Float32Array; offset: number; gateRem: boolean }[] = [],
  ) {
    this.P = planes.length;
    this.gateRem = Uint8Array.from(planes, (q) => (q.gateRem ? 1 : 0));
    this.stage = new Float32Array(capacityRows * F);
    this.stageP = new Float32Array(capacityRows * this.P);
    this.target = new Int32Array(capacityRows);
  }

  /** a batch's rows staged (stageBatch: factor columns [0, F), planes [F, F + P); gate = age, or rem for a label plane) */
  write(v: BatchValues, dst: Int32Array, gate: Int32Array, min: Int32Array, len: number, rem: Int32Array = gate): void {
    let kept = 0;
    for (let r = 0; r < len; r++) if (dst[r] >= 0) kept++;
    if (this.n + kept > this.target.length) this.flush();
    if (kept > this.target.length) {
      this.stage = new Float32Array(kept * this.F);
      this.stageP = new Float32Array(kept * this.P);
      this.target = new Int32Array(kept);
    }
    if (this.local.length < len) this.local = new Int32Array(len);
    const local = this.local;
    for (let r = 0; r < len; r++) {
      if (dst[r] < 0) local[r] = -1;
      else {
        local[r] = this.n;
        this.target[this.n++] = dst[r];
      }
    }
    stageBatch(v, local, gate, rem, min, len, this.stage, this.F, this.stageP, this.gateRem);
  }

  /** write every staged row to x, date by date */
  flush(): void {
    this.writeStaged(this.stage, this.stageP, this.target, this.n);
    this.n = 0;
  }

  /**
   * Staged rows to x and the planes, date by date: row r of `stage` ([n, F]) and `stageP` ([n, P]) goes to panel cell
   * target[r]; each run of increasing targets is read front to back.
   */
  private writeStaged(stage: Float32Array, stageP: Float32Array, target: Int32Array, n: number): void {
    const { x, N, F, P, planes } = this;
    const outP = planes.map((q) => q.out),
      offP = Int32Array.from(planes, (q) => q.offset);
    if (n === 0) return;
    const starts: number[] = [0];
    for (let r = 1; r < n; r++) if (target[r] <= target[r - 1]) starts.push(r);
    const K = starts.length;
    const cur = Int32Array.from(starts),
      end = Int32Array.from({ length: K }, (_, k) => (k + 1 < K ? starts[k + 1] : n));
    let tMin = Infinity,
      tMax = -Infinity;
    for (let k = 0; k < K; k++) {
      tMin = Math.min(tMin, Math.floor(target[cur[k]] / N));
      tMax = Math.max(tMax, Math.floor(target[end[k] - 1] / N));
    }
    for (let t = tMin; t <= tMax; t++) {
      const below = (t + 1) * N;
      for (let k = 0; k < K; k++) {
        let r = cur[k];
        const e = end[k];
        while (r < e && target[r] < below) {
          const src = r * F,
            dst = target[r] * F;
          for (let c = 0; c < F; c++) x[dst + c] = stage[src + c];
          for (let p = 0; p < P; p++) outP[p][offP[p] + target[r]] = stageP[r * P + p];
          r++;
        }
        cur[k] = r;
      }
    }
  }

  /**
   * A block's corner of the panel (factor-pass-job.ts FactorPassBlock): dates t0 .. t0 + Tb - 1, stocks n0 .. n0 + K - 1;
   * stage [Tb, K, F] and stageP [P, Tb K]. Each date's K stocks are one contiguous run of x, copied whole.
   */
  writeBlock(stage: Float32Array, stageP: Float32Array, t0: number, Tb: number, n0: number, K: number): void {
    const { x, N, F, P, planes } = this;
    const run = K * F,
      cells = Tb * K;
    for (let tb = 0; tb < Tb; tb++) x.set(stage.subarray(tb * run, (tb + 1) * run), ((t0 + tb) * N + n0) * F);
    for (let p = 0; p < P; p++) {
      const { out, offset } = planes[p];
      for (let tb = 0; tb < Tb; tb++) {
        const src = p * cells + tb * K,
          dst = offset + (t0 + tb) * N + n0;
        for (let k = 0; k < K; k++) out[dst + k] = stageP[src + k];
      }
    }
  }
}

/** dst[c * rows + r] = src[r * cols + c]: a [rows, cols] matrix transposed, in 64 x 64 blocks (both sides cache-friendly). */
function transposeInto<A extends Float32Array | Uint8Array>(src: A, dst: A, rows: number, cols: number): void {
  const B = 64;
  for (let r0 = 0; r0 < rows; r0 += B) {
    const r1 = Math.min(rows, r0 + B);
    for (let c0 = 0; c0 < cols; c0 += B) {
      const c1 = Math.min(cols, c0 + B);
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) dst[c * rows + r] = src[r * cols + c];
    }
  }
}

function passNotes(plan: PassPlan, minStocks: number): string[] {
  const notes = [
    passEngine === 'js' && jsPassCovers(plan.defs)
      ? `${plan.defs.length} factors computed over each stock's own trading days (prices streamed from DuckDB, factors in typed arrays)`
      : `${plan.defs.length} factors computed in DuckDB SQL (streaming window functions over each stock's own trading days)`,
  ];
  if (plan.droppedDates > 0)
    notes.push(`${plan.droppedDates} date(s) outside [start, end] or with fewer than ${minStocks} stocks left out`);
  return notes;
}

/** Compute the factor library, forward returns, daily returns, dollar volume and age from a clean prices table. */
export function computeFactorFrame(engine: SqlEngine, opts: ComputeFactorOptions = {}): FactorFrame {
  const tt: Record<string, number> = {};
  try {
    const plan = planFactorPass(engine, opts, tt);
    const t0 = performance.now();
    const m = plan.nRows,
      nF = plan.defs.length,
      nH = plan.horizons.length;
    // frame rows in (date, ticker) order: the stream brings each date's rows in ticker order, so a cursor per date
    const rowStart = new Int32Array(plan.days.length);
    for (let t = 1; t < rowStart.length; t++) rowStart[t] = rowStart[t - 1] + plan.rowsPerDay[t - 1];
    const cursor = rowStart.slice();
    const date = new Int32Array(m),
      ticker = new Int32Array(m),
      industry = new Int32Array(m),
      age = new Int32Array(m);
    const cols = Array.from({ length: nF + nH + 2 }, () => new Float32Array(m));
    runFactorPass(engine, plan, {
      target: (t) => cursor[t]++,
      row: (_i, r, _t, day, n, a) => {
        date[r] = day;
        ticker[r] = n;
        industry[r] = plan.industryOfN[n];
        age[r] = a;
      },
      write: (v, dst, age, rem, min, len) => {
        for (let c = 0; c < cols.length; c++) writeColumn(v, c, dst, c >= nF && c < nF + nH ? rem : age, min[c], len, cols[c], 1, 0);
      },
    });
    tt.factors = performance.now() - t0;
    lastTimings = tt;
    return {
      nRows: m,
      date,
      ticker,
      tickers: plan.tickers,
      industry,
      industries: plan.industries,
      factors: plan.defs.map((d, i) => ({ name: d.name, group: d.group, description: d.description, values: cols[i] })),
      fwd: plan.horizons.map((k, i) => ({ horizon: k, values: cols[nF + i] })),
      ret: cols[nF + nH],
      dollarVolume: cols[nF + nH + 1],
      age,
      source: { name: plan.name, kind: 'prices', notes: passNotes(plan, opts.minStocks ?? 5) },
    };
  } finally {
    dropTemps(engine);
  }
}

/**
 * The factor library straight into a Panel: the same plan and pass as computeFactorFrame, but every batch is
 * written into the panel's dense arrays ([T, N, F] factors, [H, T, N] labels, ...) as it arrives, so the long
 * FactorFrame (~370 MB on the full shared dataset) is never built; then finishPanel preprocesses each date.
 * Equals buildPanel(computeFactorFrame(engine, opts), prep, panelOpts) exactly (tested).
 */
export function computeFactorPanel(
  engine: SqlEngine,
  opts: ComputeFactorOptions,
  prep: PreprocessConfig,
  panelOpts: FactorPanelOptions = {},
): Panel {
  const { d, meta, tt } = factorPanelDraft(engine, opts, prep, panelOpts);
  const t0 = performance.now();
  panelOpts.onPhase?.('preprocess');
  const panel = finishPanel(d, meta, prep, panelOpts.universeSizes);
  tt.panel = performance.now() - t0;
  lastTimings = tt;
  return panel;
}

/**
 * computeFactorPanel with the per-date preprocessing split across `pool`'s helper threads (finishPanelParallel);
 * the same panel (tested). Without a pool (or with a failed one) it preprocesses on this thread.
 */
export async function computeFactorPanelParallel(
  engine: SqlEngine,
  opts: ComputeFactorOptions,
  prep: PreprocessConfig,
  panelOpts: FactorPanelOptions & {
    pool?: CrossSectionPool | null;
    /** the split's sizes (cross-section-pool.ts; tests make them small) */
    parallel?: ParallelOptions;
    /** memory a helper has prepared for the panel's x and fwd (CrossSectionPool.reserve): used when large enough */
    spare?: Promise<ArrayBuffer | null> | null;
  } = {},
): Promise<Panel> {
  const spare = panelOpts.spare ? await panelOpts.spare : null;
  const { d, meta, tt } = await factorPanelDraftParallel(engine, opts, prep, panelOpts, spare, panelOpts.pool);
  const t0 = performance.now();
  panelOpts.onPhase?.('preprocess');
  const panel = await finishPanelParallel(d, meta, prep, panelOpts.universeSizes, panelOpts.pool, panelOpts.parallel);
  tt.panel = performance.now() - t0;
  lastTimings = tt;
  return panel;
}

/**
 * Bytes of x and fwd for a panel of `dates` x `tickers` with every factor and the default horizons: the size of the
 * memory a helper prepares for computeFactorPanelParallel (`spare`) once validation has counted the file (an upper
 * bound: the panel may select fewer factors, and its T and N are at most the file's)
 */
export const panelSpareBytes = (dates: number, tickers: number): number =>
  dates * tickers * (FACTOR_DEFS.length + DEFAULT_HORIZONS.length) * 4;

export type FactorPanelOptions = Pick<BuildPanelOptions, 'universeSizes' | 'maxMB'> & { onPhase?: (phase: 'preprocess') => void };

/** a panel draft being filled by the factor pass: its plan, arrays, row sink and writer */
interface DraftState {
  plan: PassPlan;
  d: PanelDraft;
  sink: PassSink;
  xw: DateMajorWriter;
  presentS: Uint8Array;
  validS: Uint8Array;
  t0: number;
  tt: Record<string, number>;
}

/** plan the pass and allocate the panel draft; the sink the pass places rows with, the writer it writes them with */
function startDraft(
  engine: SqlEngine,
  opts: ComputeFactorOptions,
  prep: PreprocessConfig,
  panelOpts: FactorPanelOptions,
  spare: ArrayBuffer | null,
): DraftState {
  const tt: Record<string, number> = {};
  const plan = planFactorPass(engine, opts, tt);
  const t0 = performance.now();
  const T = plan.days.length,
    N = plan.tickers.length,
    F = plan.defs.length,
    H = plan.horizons.length;
  const d = allocPanelDraft(plan.days, 0, T, N, F, H, [], `${plan.name} (${plan.nRows} rows)`, panelOpts.maxMB, spare);
  const { x, fwd, ret, dvAll } = d;
  const minHist = prep.minHistory;
  // present / valid (bytes) are staged stock-major ([N, T]: the stream's order, so each write follows the previous
  // one) and transposed once at the end; x rows (F contiguous values) and the float planes go through the
  // DateMajorWriter
  const NT = N * T;
  const presentS = new Uint8Array(NT),
    validS = new Uint8Array(NT);
  // the labels, the return and the dollar volume ([T, N] planes) are staged and written with x, date by date
  const planes = [
    ...Array.from({ length: H }, (_, h) => ({ out: fwd, offset: h * NT, gateRem: true })),
    { out: ret, offset: 0, gateRem: false },
    { out: dvAll, offset: 0, gateRem: false },
  ];
  const xw = new DateMajorWriter(x, N, F, Math.min(plan.nRows, stageRows), planes);
  const sink: PassSink = {
    target: (t, n) => t * N + n,
    row: (_i, _c, t, _day, n, a) => {
      const sIdx = n * T + t;
      presentS[sIdx] = 1;
      validS[sIdx] = a >= minHist ? 1 : 0;
    },
    write: (v, dst, age, rem, min, len) => {
      xw.write(v, dst, age, min, len, rem);
    },
  };
  return { plan, d, sink, xw, presentS, validS, t0, tt };
}

/** after the pass: the last staged rows, present / valid / industry, and the panel's metadata */
function endDraft(st: DraftState, opts: ComputeFactorOptions): { d: PanelDraft; meta: PanelMeta; tt: Record<string, number> } {
  const { plan, d, xw, presentS, validS, tt } = st;
  const { present, valid, industry } = d;
  const T = plan.days.length,
    N = plan.tickers.length;
  xw.flush();
  transposeInto(presentS, present, N, T);
  transposeInto(validS, valid, N, T);
  for (let t = 0; t < T; t++) for (let n = 0; n < N; n++) if (present[t * N + n]) industry[t * N + n] = plan.industryOfN[n];
  tt.factors = performance.now() - st.t0;
  const meta: PanelMeta = {
    tickers: plan.tickers,
    factorNames: plan.defs.map((f) => f.name),
    factorGroups: plan.defs.map((f) => f.group),
    industries: plan.industries,
    horizons: plan.horizons.slice(),
    source: { name: plan.name, kind: 'prices', notes: passNotes(plan, opts.minStocks ?? 5) },
  };
  return { d, meta, tt };
}

/** the plan and the factor pass of computeFactorPanel: the panel draft before preprocessing, and its metadata */
function factorPanelDraft(
  engine: SqlEngine,
  opts: ComputeFactorOptions,
  prep: PreprocessConfig,
  panelOpts: FactorPanelOptions,
  spare: ArrayBuffer | null = null,
): { d: PanelDraft; meta: PanelMeta; tt: Record<string, number> } {
  try {
    const st = startDraft(engine, opts, prep, panelOpts, spare);
    runFactorPass(engine, st.plan, st.sink);
    return endDraft(st, opts);
  } finally {
    dropTemps(engine);
  }
}

/** factorPanelDraft with the typed-array pass split across `pool`'s helpers (runFactorPassJsParallel) when it can be */
async function factorPanelDraftParallel(
  engine: SqlEngine,
  opts: ComputeFactorOptions,
  prep: PreprocessConfig,
  panelOpts: FactorPanelOptions,
  spare: ArrayBuffer | null,
  pool: CrossSectionPool | null | undefined,
): Promise<{ d: PanelDraft; meta: PanelMeta; tt: Record<string, number> }> {
  try {
    const st = startDraft(engine, opts, prep, panelOpts, spare);
    if (pool && pool.healthy && pool.size > 0 && passEngine === 'js' && jsPassCovers(st.plan.defs))
      await runFactorPassJsParallel(engine, st.plan, st.sink, st.xw, pool);
    else runFactorPass(engine, st.plan, st.sink);
    return endDraft(st, opts);
  } finally {
    dropTemps(engine);
  }
}

// ------------------------------------------------------------------ user factor panel

export interface PanelFrameOptions {
  /** column roles from validateFactorPanel (re-derived from the clean table's names when absent) */
  columns?: PanelColumns;
  start?: string;
  end?: string;
  minStocks?: number;
  /** horizons computed from the price column when the file has no forward-return columns */
  horizons?: number[];
  name?: string;
}

/** Turn a clean factor-panel table (schema.validateFactorPanel) into a FactorFrame. */
export function factorPanelToFrame(engine: SqlEngine, table = 'factor_panel', opts: PanelFrameOptions = {}): FactorFrame {
  const cols =
    opts.columns ??
    (() => {
      const r = classifyPanelColumns(describeColumns(engine, table), table);
      return {
        factors: r.factors,
        universe: r.universe,
        industry: r.industry,
        price: r.price,
        dollarVolume: r.dollarVolume,
        fwd: r.fwd.map((f) => ({ column: f.source, source: f.source, horizon: f.horizon })),
      } satisfies PanelColumns;
    })();
  if (opts.start) isoDate(opts.start, 'start');
  if (opts.end) isoDate(opts.end, 'end');
  const minStocks = opts.minStocks ?? 5;
  const notes: string[] = [];
  const t = sqlIdent(table);
  const price = cols.price ? sqlIdent(cols.price) : null;
  // forward returns: the file's columns, else from the price column: fwd_k(t) = P[t+1+k] / P[t+1] - 1
  const fwdSpecs =
    cols.fwd.length > 0
      ? cols.fwd.map((f) => ({ horizon: f.horizon, sql: sqlIdent(f.column) }))
      : (opts.horizons ?? DEFAULT_HORIZONS).map((k) => ({
          horizon: k,
          sql: `lead(${price}, ${1 + k}) OVER wt / lead(${price}, 1) OVER wt - 1`,
        }));
  // daily return: from the price column, else ret(t) = fwd_1(t-2) = P[t]/P[t-1] - 1 (Qlib label convention)
  const fwd1 = cols.fwd.find((f) => f.horizon === 1);
  let retSql = 'NULL::DOUBLE';
  if (price) retSql = `${price} / lag(${price}) OVER wt - 1`;
  else if (fwd1) {
    retSql = `lag(${sqlIdent(fwd1.column)}, 2) OVER wt`;
    notes.push('daily returns derived from the 1-day forward return (ret(t) = fwd_1(t-2))');
  } else notes.push('no price or 1-day forward-return column: daily returns are unavailable');
  const tt: Record<string, number> = {};
  let t0 = performance.now();
  try {
    engine.run(
      `CREATE OR REPLACE TEMP TABLE _fl_tk AS SELECT ticker, (row_number() OVER (ORDER BY ticker) - 1)::INTEGER AS tid FROM (SELECT DISTINCT ticker FROM ${t})`,
    );
    const ind = cols.industry ? sqlIdent(cols.industry) : null;
    engine.run(
      ind
        ? `CREATE OR REPLACE TEMP TABLE _fl_indid AS SELECT industry, (row_number() OVER (ORDER BY industry) - 1)::INTEGER AS iid FROM (SELECT DISTINCT ${ind} AS industry FROM ${t} WHERE ${ind} IS NOT NULL)`
        : `CREATE OR REPLACE TEMP TABLE _fl_indid AS SELECT NULL::VARCHAR AS industry, 0 AS iid WHERE false`,
    );
    const fwdNames = fwdSpecs.map((f) => `_fwd_${f.horizon}`);
    const floatCols = [...cols.factors, ...fwdNames, '_ret', '_dv', ...cols.universe];
    const res = engine.query(`WITH p AS (
        SELECT x.*, k.tid AS _tid, coalesce(ii.iid, -1)::INTEGER AS _iid FROM ${t} x JOIN _fl_tk k USING (ticker)
        ${ind ? `LEFT JOIN _fl_indid ii ON ii.industry = x.${ind}` : 'LEFT JOIN _fl_indid ii ON false'}
      ), q AS (
        SELECT (date - DATE '1970-01-01')::INTEGER AS _day, _tid, _iid, (row_number() OVER wt - 1)::INTEGER AS _age,
          ${retSql} AS _ret, ${cols.dollarVolume ? sqlIdent(cols.dollarVolume) : 'NULL::DOUBLE'} AS _dv,
          ${[...cols.factors, ...cols.universe].map(sqlIdent).join(', ')}${cols.factors.length + cols.universe.length ? ',' : ''}
          ${fwdSpecs.map((f, i) => `${f.sql} AS ${fwdNames[i]}`).join(', ')}
        FROM p WINDOW wt AS (PARTITION BY ticker ORDER BY date)
      )
      SELECT _day, _tid, _iid, _age, ${floatCols.map((c) => tryF32(sqlIdent(c))).join(', ')} FROM q`);
    tt.query = performance.now() - t0;
    t0 = performance.now();
    const tickerNames = namesById(engine, 'SELECT ticker FROM _fl_tk ORDER BY tid');
    const industryNames = namesById(engine, 'SELECT industry FROM _fl_indid ORDER BY iid');
    const sel = selectRows(
      readInt32(res, '_day'),
      readInt32(res, '_tid'),
      readInt32(res, '_iid'),
      tickerNames,
      industryNames,
      opts.start ? isoToDay(opts.start) : -Infinity,
      opts.end ? isoToDay(opts.end) : Infinity,
      minStocks,
    );
    if (sel.perm.length === 0)
      throw new LabError(
        `${opts.name ?? table}: no rows between ${opts.start ?? 'the first date'} and ${opts.end ?? 'the last date'} on dates with at least ${minStocks} stocks`,
      );
    const age32 = readInt32(res, '_age');
    const age = new Int32Array(sel.perm.length);
    for (let r = 0; r < age.length; r++) age[r] = age32[sel.perm[r]];
    const inv = invertPerm(sel.perm, res.numRows);
    const arrs = floatCols.map((c) => readFloat32(res, c, inv, sel.perm.length));
    tt.read = performance.now() - t0;
    lastTimings = tt;
    const nF = cols.factors.length,
      nH = fwdSpecs.length;
    if (sel.droppedDates > 0)
      notes.push(`${sel.droppedDates} date(s) outside [start, end] or with fewer than ${minStocks} stocks left out`);
    return {
      nRows: sel.perm.length,
      date: sel.date,
      ticker: sel.ticker,
      tickers: sel.tickers,
      industry: sel.industry,
      industries: sel.industries,
      factors: cols.factors.map((name, i) => ({ name, group: 'user', description: `user factor '${name}'`, values: arrs[i] })),
      fwd: fwdSpecs.map((f, i) => ({ horizon: f.horizon, values: arrs[nF + i] })),
      ret: arrs[nF + nH],
      dollarVolume: arrs[nF + nH + 1],
      age,
      universeColumns: cols.universe.map((name, i) => ({ name, values: arrs[nF + nH + 2 + i] })),
      source: { name: opts.name ?? table, kind: 'factors', notes },
    };
  } finally {
    dropTemps(engine);
  }
}
