/**
 * From clean SQL tables to a FactorFrame (long (date, ticker) rows, typed arrays).
 *  - computeFactorFrame: the price-factor library (factors-sql.ts) over a clean prices table (schema.validatePrices).
 *  - factorPanelToFrame: a user factor panel (schema.validateFactorPanel) as it is.
 * SQL computes every value in one streamed query (engine.stream: batch by batch, never materialised whole); the
 * rows come in (ticker, date) order and TypeScript keeps the dates inside [start, end] that have at least
 * `minStocks` stocks (a thin date is not a cross-section), applies each factor's history mask (minAge), compacts
 * the ticker / industry ids and scatters every batch straight to (date, ticker) order (two stable counting sorts
 * give the permutation; much cheaper than DuckDB sorting 50 wide columns).
 */
import type * as arrow from 'apache-arrow';
import { LabError } from '../core/errors';
import { isoToDay } from '../core/dates';
import type { FactorFrame } from './frame';
import { DEFAULT_HORIZONS, FACTOR_DEFS, MARKET_SQL, STARTS_SQL, factorSelectSql, sortedPricesSql, type FactorDef, type PassConstants } from './factors-sql';
import { classifyPanelColumns, type PanelColumns } from './schema';
import { describeColumns, sqlIdent, sqlString, tableExists, type SqlEngine } from './sql-engine';

export { FACTOR_DEFS, DEFAULT_HORIZONS, type FactorDef };

/** Factor names, groups and descriptions of the library (for the UI's factor picker). */
export const factorCatalog = (): { name: string; group: string; description: string }[] =>
  FACTOR_DEFS.map(({ name, group, description }) => ({ name, group, description }));

export interface ComputeFactorOptions {
  /** clean prices table (default 'prices') */
  prices?: string;
  /** clean sectors table (ticker, industry); optional */
  sectors?: string;
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
  if (unknown.length) throw new LabError(`unknown factor or group ${unknown.map((u) => `'${u}'`).join(', ')}; expected one of ${[...new Set(FACTOR_DEFS.map((f) => f.group))].join(', ')} or a factor name`);
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
export function selectRows(day: Int32Array, tid: Int32Array, iid: Int32Array, tickerNames: string[], industryNames: string[],
  startDay: number, endDay: number, minStocks: number): RowSelection {
  const n = day.length;
  let dMin = Infinity, dMax = -Infinity;
  for (let i = 0; i < n; i++) { if (day[i] < dMin) dMin = day[i]; if (day[i] > dMax) dMax = day[i]; }
  if (n === 0) return { perm: new Int32Array(0), date: new Int32Array(0), ticker: new Int32Array(0), industry: new Int32Array(0), tickers: [], industries: [], nDates: 0, droppedDates: 0 };
  const span = dMax - dMin + 1;
  const perDay = new Int32Array(span); // rows per calendar day offset
  for (let i = 0; i < n; i++) perDay[day[i] - dMin]++;
  let allDates = 0, keptDates = 0;
  const keepDay = new Uint8Array(span);
  for (let d = 0; d < span; d++) {
    if (perDay[d] === 0) continue;
    allDates++;
    const dd = d + dMin;
    if (dd >= startDay && dd <= endDay && perDay[d] >= minStocks) { keepDay[d] = 1; keptDates++; }
  }
  // compact tickers / industries to those on kept rows (ids in name order, since the input ids are)
  const tUsed = new Int32Array(tickerNames.length).fill(-1);
  const iUsed = new Int32Array(industryNames.length).fill(-1);
  let m = 0;
  for (let i = 0; i < n; i++) if (keepDay[day[i] - dMin]) { m++; tUsed[tid[i]] = 0; if (iid[i] >= 0) iUsed[iid[i]] = 0; }
  const tickers: string[] = [], industries: string[] = [];
  for (let k = 0; k < tUsed.length; k++) if (tUsed[k] === 0) { tUsed[k] = tickers.length; tickers.push(tickerNames[k]); }
  for (let k = 0; k < iUsed.length; k++) if (iUsed[k] === 0) { iUsed[k] = industries.length; industries.push(industryNames[k]); }
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
  const date = new Int32Array(m), ticker = new Int32Array(m), industry = new Int32Array(m);
  for (let r = 0; r < m; r++) {
    const i = perm[r];
    date[r] = day[i]; ticker[r] = tUsed[tid[i]]; industry[r] = iid[i] >= 0 ? iUsed[iid[i]] : -1;
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

/** Market return per calendar day and each ticker's first row, from the sorted table (see factors-sql.ts). */
function passConstants(engine: SqlEngine): PassConstants {
  const m = engine.query(MARKET_SQL);
  const days = readInt32(m, 'day');
  const mv = m.getChild('mkt')!;
  const day0 = days.length ? days[0] : 0;
  const mkt: (number | null)[] = new Array(days.length ? days[days.length - 1] - day0 + 1 : 0).fill(null);
  for (let i = 0; i < days.length; i++) { const x = mv.get(i); mkt[days[i] - day0] = x === null ? null : Number(x); }
  const st = engine.query(STARTS_SQL);
  const tids = readInt32(st, 'tid');
  const sv = st.getChild('start')!;
  const starts: number[] = [];
  for (let i = 0; i < tids.length; i++) starts[tids[i]] = Number(sv.get(i));
  return { day0, mkt, starts };
}

// ------------------------------------------------------------------ prices -> factor library

/** Compute the factor library, forward returns, daily returns, dollar volume and age from a clean prices table. */
export function computeFactorFrame(engine: SqlEngine, opts: ComputeFactorOptions = {}): FactorFrame {
  const prices = opts.prices ?? 'prices';
  if (!tableExists(engine, prices)) throw new Error(`computeFactorFrame: table '${prices}' does not exist (load and validate the prices first)`);
  const defs = selectFactors(opts.factors);
  const horizons = opts.horizons ?? DEFAULT_HORIZONS;
  if (opts.start) isoDate(opts.start, 'start');
  const endSql = opts.end ? isoDate(opts.end, 'end') : null;
  const minStocks = opts.minStocks ?? 5;
  const p = sqlIdent(prices);
  const tt: Record<string, number> = {};
  let t0 = performance.now();
  const lap = (k: string) => { tt[k] = performance.now() - t0; t0 = performance.now(); };
  try {
    engine.run(`CREATE OR REPLACE TEMP TABLE _fl_tk AS SELECT ticker, (row_number() OVER (ORDER BY ticker) - 1)::INTEGER AS tid
      FROM (SELECT DISTINCT ticker FROM ${p} ${endSql ? `WHERE date <= ${endSql}` : ''})`);
    if (opts.sectors) {
      engine.run(`CREATE OR REPLACE TEMP TABLE _fl_ind AS SELECT s.ticker, s.industry FROM ${sqlIdent(opts.sectors)} s SEMI JOIN _fl_tk USING (ticker) WHERE s.industry IS NOT NULL`);
    } else {
      engine.run(`CREATE OR REPLACE TEMP TABLE _fl_ind AS SELECT NULL::VARCHAR AS ticker, NULL::VARCHAR AS industry WHERE false`);
    }
    engine.run(`CREATE OR REPLACE TEMP TABLE _fl_indid AS SELECT industry, (row_number() OVER (ORDER BY industry) - 1)::INTEGER AS iid FROM (SELECT DISTINCT industry FROM _fl_ind)`);
    // ids joined BEFORE the sort, so the stored (ticker, date) order is the sort's
    engine.run(`CREATE OR REPLACE TEMP VIEW _fl_px AS SELECT p.*, k.tid, coalesce(ii.iid, -1)::INTEGER AS iid
      FROM ${p} p JOIN _fl_tk k USING (ticker) LEFT JOIN _fl_ind i USING (ticker) LEFT JOIN _fl_indid ii ON ii.industry = i.industry`);
    engine.run(sortedPricesSql('_fl_px', endSql, ['tid', 'iid']));
    engine.run('DROP VIEW _fl_px');
    lap('sort');
    const consts = passConstants(engine);
    const ids = engine.query(`SELECT (date - DATE '1970-01-01')::INTEGER AS _day, tid AS _tid, iid AS _iid FROM _fl_s`);
    const tickerNames = namesById(engine, 'SELECT ticker FROM _fl_tk ORDER BY tid');
    const industryNames = namesById(engine, 'SELECT industry FROM _fl_indid ORDER BY iid');
    lap('market');
    // input rows = the scan order of _fl_s, which the factor pass streams in the same order (checked by _ord)
    const day = readInt32(ids, '_day');
    const tid = readInt32(ids, '_tid');
    const n = day.length;
    const ageIn = new Int32Array(n); // rows of history: row number (1-based) minus the ticker's first row number
    for (let i = 0; i < n; i++) ageIn[i] = i + 1 - consts.starts[tid[i]];
    const sel = selectRows(day, tid, readInt32(ids, '_iid'), tickerNames, industryNames,
      opts.start ? isoToDay(opts.start) : -Infinity, opts.end ? isoToDay(opts.end) : Infinity, minStocks);
    if (sel.perm.length === 0) throw new LabError(`${opts.name ?? prices}: no rows between ${opts.start ?? 'the first date'} and ${opts.end ?? 'the last date'} on dates with at least ${minStocks} stocks`);
    const m = sel.perm.length;
    const inv = invertPerm(sel.perm, n);
    const age = new Int32Array(m);
    for (let r = 0; r < m; r++) age[r] = ageIn[sel.perm[r]];
    const floatCols = [...defs.map((d) => d.name), ...horizons.map((k) => `fwd_${k}`), 'ret', 'dv'];
    const minAge = [...defs.map((d) => d.minAge), ...horizons.map(() => 0), 0, 0];
    const cols = floatCols.map(() => new Float32Array(m));
    // the library's values are bounded (price ratios, logs, moments): a plain CAST to FLOAT cannot overflow
    const sql = `SELECT _ord::INTEGER AS _ord, ${floatCols.map((c) => `CAST(${sqlIdent(c)} AS FLOAT) AS ${sqlIdent(c)}`).join(', ')}
      FROM (${factorSelectSql(defs, horizons, consts, ['tid', 'iid'], { mask: false })})`;
    let g = 0;
    for (const batch of engine.stream(sql)) {
      const ord = batch.getChildAt(0)!;
      for (const d of ord.data) {
        const o = d.values as Int32Array;
        for (let i = 0; i < d.length; i++) {
          // internal guard: the streaming windows must have seen rows in (ticker, date) order
          if (o[d.offset + i] !== 1) throw new Error('factor SQL: rows were not in (ticker, date) order inside a streaming window; results would be wrong');
        }
      }
      for (let c = 0; c < floatCols.length; c++) scatterF32(batch.getChildAt(c + 1)!, g, inv, ageIn, minAge[c], cols[c]);
      g += batch.numRows;
    }
    if (g !== n) throw new Error(`internal: factor pass returned ${g} rows, expected ${n}`);
    lap('factors');
    lastTimings = tt;
    const nF = defs.length, nH = horizons.length;
    const notes = [`${nF} factors computed in DuckDB SQL (streaming window functions over each stock's own trading days)`];
    if (sel.droppedDates > 0) notes.push(`${sel.droppedDates} date(s) outside [start, end] or with fewer than ${minStocks} stocks left out`);
    return {
      nRows: sel.perm.length, date: sel.date, ticker: sel.ticker, tickers: sel.tickers, industry: sel.industry, industries: sel.industries,
      factors: defs.map((d, i) => ({ name: d.name, group: d.group, description: d.description, values: cols[i] })),
      fwd: horizons.map((k, i) => ({ horizon: k, values: cols[nF + i] })),
      ret: cols[nF + nH], dollarVolume: cols[nF + nH + 1], age,
      source: { name: opts.name ?? prices, kind: 'prices', notes },
    };
  } finally {
    engine.run('DROP VIEW IF EXISTS _fl_px');
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
  const cols = opts.columns ?? (() => {
    const r = classifyPanelColumns(describeColumns(engine, table), table);
    return {
      factors: r.factors, universe: r.universe, industry: r.industry, price: r.price, dollarVolume: r.dollarVolume,
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
  const fwdSpecs = cols.fwd.length > 0
    ? cols.fwd.map((f) => ({ horizon: f.horizon, sql: sqlIdent(f.column) }))
    : (opts.horizons ?? DEFAULT_HORIZONS).map((k) => ({ horizon: k, sql: `lead(${price}, ${1 + k}) OVER wt / lead(${price}, 1) OVER wt - 1` }));
  // daily return: from the price column, else ret(t) = fwd_1(t-2) = P[t]/P[t-1] - 1 (Qlib label convention)
  const fwd1 = cols.fwd.find((f) => f.horizon === 1);
  let retSql = 'NULL::DOUBLE';
  if (price) retSql = `${price} / lag(${price}) OVER wt - 1`;
  else if (fwd1) { retSql = `lag(${sqlIdent(fwd1.column)}, 2) OVER wt`; notes.push('daily returns derived from the 1-day forward return (ret(t) = fwd_1(t-2))'); }
  else notes.push('no price or 1-day forward-return column: daily returns are unavailable');
  const tt: Record<string, number> = {};
  let t0 = performance.now();
  try {
    engine.run(`CREATE OR REPLACE TEMP TABLE _fl_tk AS SELECT ticker, (row_number() OVER (ORDER BY ticker) - 1)::INTEGER AS tid FROM (SELECT DISTINCT ticker FROM ${t})`);
    const ind = cols.industry ? sqlIdent(cols.industry) : null;
    engine.run(ind
      ? `CREATE OR REPLACE TEMP TABLE _fl_indid AS SELECT industry, (row_number() OVER (ORDER BY industry) - 1)::INTEGER AS iid FROM (SELECT DISTINCT ${ind} AS industry FROM ${t} WHERE ${ind} IS NOT NULL)`
      : `CREATE OR REPLACE TEMP TABLE _fl_indid AS SELECT NULL::VARCHAR AS industry, 0 AS iid WHERE false`);
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
    tt.query = performance.now() - t0; t0 = performance.now();
    const tickerNames = namesById(engine, 'SELECT ticker FROM _fl_tk ORDER BY tid');
    const industryNames = namesById(engine, 'SELECT industry FROM _fl_indid ORDER BY iid');
    const sel = selectRows(readInt32(res, '_day'), readInt32(res, '_tid'), readInt32(res, '_iid'), tickerNames, industryNames,
      opts.start ? isoToDay(opts.start) : -Infinity, opts.end ? isoToDay(opts.end) : Infinity, minStocks);
    if (sel.perm.length === 0) throw new LabError(`${opts.name ?? table}: no rows between ${opts.start ?? 'the first date'} and ${opts.end ?? 'the last date'} on dates with at least ${minStocks} stocks`);
    const age32 = readInt32(res, '_age');
    const age = new Int32Array(sel.perm.length);
    for (let r = 0; r < age.length; r++) age[r] = age32[sel.perm[r]];
    const inv = invertPerm(sel.perm, res.numRows);
    const arrs = floatCols.map((c) => readFloat32(res, c, inv, sel.perm.length));
    tt.read = performance.now() - t0;
    lastTimings = tt;
    const nF = cols.factors.length, nH = fwdSpecs.length;
    if (sel.droppedDates > 0) notes.push(`${sel.droppedDates} date(s) outside [start, end] or with fewer than ${minStocks} stocks left out`);
    return {
      nRows: sel.perm.length, date: sel.date, ticker: sel.ticker, tickers: sel.tickers, industry: sel.industry, industries: sel.industries,
      factors: cols.factors.map((name, i) => ({ name, group: 'user', description: `user factor '${name}'`, values: arrs[i] })),
      fwd: fwdSpecs.map((f, i) => ({ horizon: f.horizon, values: arrs[nF + i] })),
      ret: arrs[nF + nH], dollarVolume: arrs[nF + nH + 1], age,
      universeColumns: cols.universe.map((name, i) => ({ name, values: arrs[nF + nH + 2 + i] })),
      source: { name: opts.name ?? table, kind: 'factors', notes },
    };
  } finally {
    dropTemps(engine);
  }
}
