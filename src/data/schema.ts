/**
 * Input shapes and validation, in SQL over a raw table loaded from the user's file.
 *
 *   (a) factor panel: date, a stock id (ticker | code | instrument), optional industry (industry | sub_industry |
 *       sector), optional universe columns (univ_* | in_* | weight*), numeric factor columns, forward returns
 *       (fwd_ret_<k> | label_<k> | ret_fwd_<k>, taken as P[t+1+k]/P[t+1]-1, Qlib's label convention) and/or a
 *       price column (adj_close | close) to compute them from.
 *   (b) daily prices: date, ticker, open, high, low, close, [adj_close | adj_factor], volume (adjusted close =
 *       adj_close, else close * adj_factor, else close); plus an optional sectors file
 *       (ticker, sector, [sub_industry]; industry = sub_industry, falling back to sector).
 *
 * Each validator writes a clean table with canonical column names and returns {shape, warnings, notes, stats}.
 * Errors (the file cannot be used) are LabError naming the file, the column, row counts and what was expected.
 * Policy: duplicates (date, ticker), unreadable dates, missing columns, wrong types and empty files are errors;
 * prices rows with NaN / Inf / <= 0 adjusted close are dropped (warning); NaN / Inf factor values become missing
 * (warning); rows in neither (date, ...) nor (ticker, date) order are sorted (note); the clean table keeps the
 * file's order when it is one of those two layouts; dates with fewer than `minStocks` stocks are kept in the table but
 * reported (warning: they are dropped from cross-sections); a stock alone in its industry is valid (note).
 */
import { LabError } from '../core/errors';
import { describeColumns, queryRows, queryScalar, sqlIdent, type SqlEngine } from './sql-engine';
import {
  doubtfulExamples,
  doubtfulSql,
  EXTREME_RETURN,
  treatDoubtfulReturns,
  type DoubtfulDay,
  type DoubtfulScan,
  type ExtremeReturnsMode,
} from './doubtful-returns';

export type InputShape = 'prices' | 'factors' | 'sectors';

export interface ValidationStats {
  /** rows in the raw file */
  rows: number;
  /** rows in the clean table */
  keptRows: number;
  droppedRows: number;
  tickers: number;
  dates: number;
  /** ISO first / last date (null for a sectors file) */
  start: string | null;
  end: string | null;
  /** dates with fewer than minStocks stocks */
  thinDates: number;
  minStocksPerDate: number;
  maxStocksPerDate: number;
}

export interface PanelColumns {
  /** factor columns (canonical names in the clean table = original names) */
  factors: string[];
  /** forward-return columns in the clean table, renamed fwd_<k> */
  fwd: { column: string; source: string; horizon: number }[];
  universe: string[];
  /** 'industry' in the clean table, or null */
  industry: string | null;
  /** 'price' in the clean table (adj_close, else close), or null */
  price: string | null;
  /** 'dollar_volume' in the clean table, or null */
  dollarVolume: string | null;
}

export interface ValidationResult {
  shape: InputShape;
  /** the clean table written */
  table: string;
  /** things the user should know (data was dropped, treated as missing, or will be excluded) */
  warnings: string[];
  /** informational (sorted for you, singleton industries, fallbacks used) */
  notes: string[];
  stats: ValidationStats;
  /** factor-panel column roles */
  columns?: PanelColumns;
  /**
   * prices with `doubtfulInPass`: the doubtful-returns check was left to the factor pass; its warning belongs at this
   * index of `warnings` (where extremeReturns would have put it)
   */
  doubtfulAt?: number;
  /**
   * prices: the clean table's row order, 'ticker' = (ticker, date), 'date' = dates in order (factors.ts
   * ComputeFactorOptions.rowOrder)
   */
  rowOrder?: 'ticker' | 'date';
}

export interface ValidateOptions {
  /** file name for messages */
  file: string;
  /** clean table to write (default prices | sectors | factor_panel) */
  out?: string;
  /** dates with fewer stocks than this are reported as thin (default 5) */
  minStocks?: number;
  /**
   * row order of a clean prices table: 'file' (default) keeps the file's order when it is sorted by date or by
   * (ticker, date), else sorts by (date, ticker); 'ticker' writes (ticker, date) order, the order the factor library
   * reads, so computing factors needs no sorted copy of its own; 'pass': (ticker, date) unless the file is sorted by
   * date, which is kept as it is (the typed-array factor pass regroups a date-ordered table by ticker in memory, which
   * costs less than DuckDB sorting it: ~0.9 s on the full shared dataset); the result's rowOrder says which
   */
  order?: 'file' | 'ticker' | 'pass';
  /** every column of the file (the loader may have decoded only some): extra columns of a prices file are named */
  fileColumns?: string[];
  /** doubtful one-day returns (doubtful-returns.ts): 'keep' (default, with a warning), 'clip' or 'drop' */
  extremeReturns?: ExtremeReturnsMode;
  /**
   * prices: called with the file's distinct dates and tickers (counted in the check scan, so upper bounds of the
   * panel's T and N) before the clean table is written; the loader has a helper thread prepare the panel's memory
   * meanwhile (cross-section-pool.ts reserve)
   */
  onShape?: (dates: number, tickers: number) => void;
  /**
   * prices, extremeReturns 'keep': leave the doubtful-returns check (a query over every row) to the factor pass,
   * which reads every row in the same order anyway (factors.ts ComputeFactorOptions.doubtful); the result's
   * doubtfulAt says where its warning goes. 'clip' and 'drop' change the prices first, so they always run here
   */
  doubtfulInPass?: boolean;
  /**
   * prices: the raw table may become the clean one by a rename (it is then gone under its own name) when it needs no
   * change but column types: no sort, every row kept, no value to clear, and the clean table's columns (or the compact
   * layout's adj_factor; adoptStatements). Writing the copy cost ~0.75 s on the full shared dataset, converting its
   * volume column 0.06 s; the loader, which drops the raw table after validation, sets it
   */
  adoptRaw?: boolean;
  /**
   * keep factor columns that look like labels (by name, or |IC| > LEAK_IC with the forward return) as factors, with a
   * warning; default false: they are excluded with a warning naming each
   */
  includeLabelLike?: boolean;
}

// ---------------------------------------------------------------- column naming

const ID_NAMES = ['ticker', 'code', 'instrument', 'symbol'];
const DATE_NAMES = ['date', 'datetime', 'trade_date'];
const PRICE_NAMES = ['open', 'high', 'low', 'close', 'adj_close', 'volume'];
/** price-like columns that are never treated as factors in a factor panel */
const NON_FACTOR = new Set([
  ...PRICE_NAMES,
  'adjclose',
  'adj close',
  'adj_factor',
  'vwap',
  'amount',
  'dollar_volume',
  'dividend',
  'split',
  'name',
  'factor',
]);
const FWD_RE = /^(?:fwd_ret|label|ret_fwd|fwd)_(\d+)d?$/i;
const isUniverse = (n: string) => /^(univ_|in_)/i.test(n) || /^weight/i.test(n);

const lower = (s: string) => s.toLowerCase();
function findCol(cols: { name: string }[], names: string[]): string | null {
  for (const n of names) {
    const c = cols.find((x) => lower(x.name) === n);
    if (c) return c.name;
  }
  return null;
}

const NUMERIC_RE =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|REAL|DOUBLE|DECIMAL(\(.*\))?)$/i;
const isNumericType = (t: string) => NUMERIC_RE.test(t);

/** Decide the shape of a raw table from its column names alone. */
export function detectShape(columns: { name: string; type: string }[], file = 'file'): InputShape {
  const names = columns.map((c) => lower(c.name));
  const hasDate = DATE_NAMES.some((n) => names.includes(n));
  const hasId = ID_NAMES.some((n) => names.includes(n));
  if (!hasDate && hasId && names.includes('sector')) return 'sectors';
  if (!hasDate) {
    throw new LabError(
      `${file}: missing column 'date' (columns found: ${columns.map((c) => c.name).join(', ')}); expected a 'date' column in a prices or factor file, or 'ticker' + 'sector' in a sectors file`,
    );
  }
  if (!hasId) {
    throw new LabError(
      `${file}: missing stock id column (columns found: ${columns.map((c) => c.name).join(', ')}); expected one of ${ID_NAMES.join(', ')}`,
    );
  }
  return shapeFromExtras(names, otherColumns(names)).shape;
}

/** Extra numeric columns beyond this many (with every price column present) make a file a factor panel. */
export const MAX_PRICE_EXTRAS = 4;
const PRICE_REQUIRED = ['open', 'high', 'low', 'close', 'volume'];

/**
 * The shape and why, given the lower-cased names and the columns that are neither ids, dates, prices, industries nor
 * universes (`other`). A file with every price column (open, high, low, close, volume) is daily prices when it has no
 * forward-return / label column and at most MAX_PRICE_EXTRAS other columns (a market_cap, a duplicated close read back
 * as close_1 are named and ignored, not taken as the only factor); with more, or with labels, it is a factor panel.
 */
export function shapeFromExtras(names: string[], other: string[]): { shape: 'prices' | 'factors'; reason: string } {
  const allPrices = PRICE_REQUIRED.every((n) => names.includes(n));
  const labels = other.filter((n) => FWD_RE.test(n));
  if (other.length === 0) return { shape: 'prices', reason: 'only date, stock id and price columns' };
  if (allPrices && labels.length === 0 && other.length <= MAX_PRICE_EXTRAS)
    return {
      shape: 'prices',
      reason: `it has every price column (${PRICE_REQUIRED.join(', ')}) and only ${other.length} other column(s)`,
    };
  return {
    shape: 'factors',
    reason: labels.length
      ? `it has forward-return column(s) ${labels.slice(0, 3).join(', ')}`
      : allPrices
        ? `besides every price column it has ${other.length} other numeric column(s), more than ${MAX_PRICE_EXTRAS}`
        : `it has ${other.length} column(s) that are not prices (${other.slice(0, 3).join(', ')}${other.length > 3 ? ', ...' : ''}) and not every price column`,
  };
}

/** Columns of a name list that are not ids, dates, prices, industries or universes (lower-cased). */
function otherColumns(names: string[]): string[] {
  return names.filter(
    (n) =>
      !DATE_NAMES.includes(n) &&
      !ID_NAMES.includes(n) &&
      !NON_FACTOR.has(n) &&
      !['industry', 'sector', 'sub_industry'].includes(n) &&
      !isUniverse(n),
  );
}

/** A note saying which shape a file was read as and why (for the load notes). */
export function shapeNote(file: string, columns: string[]): string {
  const names = columns.map(lower);
  const r = shapeFromExtras(names, otherColumns(names));
  return `${file}: read as ${r.shape === 'prices' ? 'daily prices' : 'a factor panel'} because ${r.reason}`;
}

/**
 * The columns validatePrices reads from a daily-prices file (date, id, open, high, low, close, adj_close or
 * adj_factor, volume), in file order; undefined when the names are not a prices file. Lets the loader skip the
 * rest (e.g. dividend, split in the shared dataset) instead of decoding and storing them.
 */
export function pricesInputColumns(names: string[]): string[] | undefined {
  const cols = names.map((name) => ({ name, type: '' }));
  let shape: InputShape;
  try {
    shape = detectShape(cols);
  } catch {
    return undefined;
  }
  if (shape !== 'prices') return undefined;
  const used = [
    findCol(cols, DATE_NAMES),
    findCol(cols, ID_NAMES),
    ...PRICE_NAMES.map((n) => findCol(cols, n === 'adj_close' ? ['adj_close', 'adjclose', 'adj close'] : [n])),
    findCol(cols, ['adj_factor']),
  ].filter((c): c is string => c !== null);
  return names.filter((n) => used.includes(n));
}

// ---------------------------------------------------------------- shared checks

function rowCount(engine: SqlEngine, table: string): number {
  return Number(queryScalar(engine, `SELECT count(*) FROM ${sqlIdent(table)}`));
}

function requireNonEmpty(engine: SqlEngine, raw: string, file: string, expected: string): number {
  const n = rowCount(engine, raw);
  if (n === 0) throw new LabError(`${file}: the file is empty (0 rows); expected ${expected}`);
  return n;
}

/**
 * A time-zone-aware timestamp column (pandas writes `datetime64[ns, tz]` so) as the exchange's calendar date. DuckDB-WASM
 * has no ICU (no time zones: CAST(TIMESTAMPTZ AS DATE) fails) and the instant is stored in UTC, so the date is read from
 * the UTC time of day most rows share: daily data stamped at local midnight east of UTC (e.g. 16:00 UTC = midnight in
 * UTC+8) lies on the previous UTC day and is moved forward (24 h - that time); west of UTC (05:00 UTC = midnight in
 * New York) the UTC date is already the local one. Returns the SQL and a note saying what was found.
 */
export function tzDateExpr(engine: SqlEngine, table: string, col: string, file: string): { sql: string; note: string } {
  const c = sqlIdent(col);
  const r = queryRows<{ tod: number | null; share: number | null }>(
    engine,
    `WITH s AS (SELECT (epoch(CAST(${c} AS TIMESTAMP))::BIGINT % 86400 + 86400) % 86400 AS tod FROM ${sqlIdent(table)} WHERE ${c} IS NOT NULL)
     SELECT mode(tod)::INTEGER AS tod, (count(*) FILTER (WHERE tod = (SELECT mode(tod) FROM s)) / greatest(count(*), 1))::DOUBLE AS share FROM s`,
  )[0];
  const tod = r.tod ?? 0;
  const hhmm = `${String(Math.floor(tod / 3600)).padStart(2, '0')}:${String(Math.floor((tod % 3600) / 60)).padStart(2, '0')}`;
  // midnight local east of UTC: UTC time of day >= 12:00 -> local date = UTC date + 1
  const shift = tod >= 43200 ? 86400 - tod : -tod;
  const offset =
    shift === 0
      ? 'UTC'
      : `UTC${shift > 0 ? '+' : '-'}${String(Math.floor(Math.abs(shift) / 3600)).padStart(2, '0')}:${String(Math.floor((Math.abs(shift) % 3600) / 60)).padStart(2, '0')}`;
  return {
    sql: `CAST(CAST(${c} AS TIMESTAMP) + INTERVAL (${shift}) SECOND AS DATE)`,
    note: `${file}: column '${col}' holds timestamps with a time zone (${Math.round((r.share ?? 1) * 100)}% at ${hhmm} UTC); read as calendar dates at midnight ${offset} (the exchange's date)`,
  };
}

/** SQL expression reading column `col` of DuckDB type `type` as a DATE (NULL when unreadable). */
export function dateExpr(col: string, type: string, file: string, tz?: { engine: SqlEngine; table: string; notes: string[] }): string {
  const c = sqlIdent(col);
  const t = type.toUpperCase();
  if (t === 'DATE') return c;
  if (t === 'TIMESTAMP WITH TIME ZONE' || t === 'TIMESTAMPTZ') {
    if (!tz) return `CAST(CAST(${c} AS TIMESTAMP) AS DATE)`;
    const r = tzDateExpr(tz.engine, tz.table, col, file);
    tz.notes.push(r.note);
    return r.sql;
  }
  if (t.startsWith('TIMESTAMP')) return `CAST(${c} AS DATE)`;
  if (t === 'VARCHAR') return `coalesce(TRY_CAST(${c} AS DATE), TRY_CAST(TRY_STRPTIME(${c}, '%Y%m%d') AS DATE))`;
  if (/^(INTEGER|BIGINT|UINTEGER|UBIGINT|HUGEINT)$/.test(t)) {
    // yyyymmdd integers (e.g. 20200102), as in many Chinese-market and Qlib exports
    return `CASE WHEN ${c} BETWEEN 18000101 AND 29991231 THEN TRY_CAST(TRY_STRPTIME(CAST(${c} AS VARCHAR), '%Y%m%d') AS DATE) END`;
  }
  throw new LabError(`${file}: column '${col}' has type ${type}; expected dates (DATE, TIMESTAMP, 'YYYY-MM-DD' text or yyyymmdd integers)`);
}

/** SQL expression reading a numeric column as DOUBLE; VARCHAR is accepted only if every value parses. */
function numericExpr(engine: SqlEngine, raw: string, col: string, type: string, file: string, what: string, notes: string[]): string {
  const c = sqlIdent(col);
  if (isNumericType(type)) return `${c}::DOUBLE`;
  if (type.toUpperCase() === 'VARCHAR') {
    const bad = queryRows<{ n: number; row: number | null; v: string | null }>(
      engine,
      `SELECT count(*)::INTEGER AS n, (min(rowid) + 1)::INTEGER AS row, arg_min(${c}, rowid) AS v FROM ${sqlIdent(raw)}
       WHERE ${c} IS NOT NULL AND trim(${c}) <> '' AND TRY_CAST(${c} AS DOUBLE) IS NULL`,
    )[0];
    if (bad.n === 0) {
      notes.push(`${file}: column '${col}' is text; its values were read as numbers`);
      return `TRY_CAST(${c} AS DOUBLE)`;
    }
    throw new LabError(
      `${file}: column '${col}' has type VARCHAR and ${bad.n} value(s) that are not numbers (e.g. row ${bad.row}: '${bad.v}'); expected numeric ${what}`,
    );
  }
  throw new LabError(`${file}: column '${col}' has type ${type}; expected numeric ${what}`);
}

/** Error when any date could not be read. `stage` has columns _row, date, _date_raw. */
function checkDates(engine: SqlEngine, stage: string, file: string, col: string): void {
  const bad = queryRows<{ n: number; row: number | null; v: string | null }>(
    engine,
    `SELECT count(*)::INTEGER AS n, min(_row)::INTEGER AS row, CAST(arg_min(_date_raw, _row) AS VARCHAR) AS v FROM ${stage} WHERE date IS NULL`,
  )[0];
  if (bad.n > 0) {
    throw new LabError(
      `${file}: ${bad.n} row(s) have a missing or unreadable '${col}' (e.g. row ${bad.row}: ${bad.v === null ? 'empty' : `'${bad.v}'`}); expected dates such as 2019-12-31`,
    );
  }
}

function checkIds(engine: SqlEngine, stage: string, file: string, col: string): void {
  const bad = queryRows<{ n: number; row: number | null }>(
    engine,
    `SELECT count(*)::INTEGER AS n, min(_row)::INTEGER AS row FROM ${stage} WHERE ticker IS NULL OR trim(ticker) = ''`,
  )[0];
  if (bad.n > 0)
    throw new LabError(`${file}: ${bad.n} row(s) have an empty '${col}' (e.g. row ${bad.row}); expected a stock id on every row`);
}

function checkDuplicates(engine: SqlEngine, stage: string, file: string, where = 'true'): void {
  const dup = queryRows<{ groups: number; extra: number; date: string; ticker: string; c: number; row: number }>(
    engine,
    `WITH g AS (SELECT date, ticker, count(*) AS c, min(_row) AS row FROM ${stage} WHERE ${where} GROUP BY date, ticker HAVING count(*) > 1)
     SELECT (SELECT count(*) FROM g)::INTEGER AS groups, (SELECT sum(c - 1) FROM g)::INTEGER AS extra,
            CAST(date AS VARCHAR) AS date, ticker, c::INTEGER AS c, row::INTEGER AS row FROM g ORDER BY row LIMIT 1`,
  );
  if (dup.length > 0) {
    const d = dup[0];
    throw new LabError(
      `${file}: ${d.extra} duplicate (date, ticker) row(s) in ${d.groups} group(s), e.g. ${d.date} ${d.ticker} appears ${d.c} times (first at row ${d.row}); expected one row per stock per date`,
      'Remove the duplicated rows (keep one per date and stock) and load the file again.',
    );
  }
}

/**
 * Order of the file's rows. Two layouts are normal and accepted silently: sorted by date (a panel, one date after
 * the other) and sorted by (ticker, date) (one stock's history after the other). Anything else is noted; the
 * clean table is then written sorted by (date, ticker). `strict`: (date, ticker) or (ticker, date) strictly
 * increases row by row, which also rules out duplicates (the duplicate check can be skipped).
 * A table scan returns rows in insertion (= file) order (DuckDB preserve_insertion_order), so `lag() OVER ()`
 * compares each row with the file's previous row.
 */
function checkOrder(
  engine: SqlEngine,
  stage: string,
  file: string,
  notes: string[],
): { layout: boolean; strict: boolean; byTicker: boolean } {
  const r = queryRows<{ back: number; same: number; tback: number; tdate: number }>(
    engine,
    `SELECT count(*) FILTER (WHERE date < pd)::INTEGER AS back,
            count(*) FILTER (WHERE date = pd AND ticker <= pt)::INTEGER AS same,
            count(*) FILTER (WHERE ticker < pt)::INTEGER AS tback,
            count(*) FILTER (WHERE ticker = pt AND date <= pd)::INTEGER AS tdate
     FROM (SELECT date, ticker, lag(date) OVER () AS pd, lag(ticker) OVER () AS pt FROM ${stage})`,
  )[0];
  return orderOf(r, file, notes);
}

/**
 * The statements that make a raw prices table the clean one in place, or null when it is not that close: exactly the
 * clean table's columns in its order (date DATE, ticker VARCHAR, open, high, low, close, adj_close, volume), or the
 * compact layout's adj_factor in adj_close's place; number columns of another type are converted to DOUBLE (the
 * copy's `::DOUBLE` casts), adj_factor becomes close * adj_factor (the copy's expression) and is renamed
 */
function adoptStatements(table: string, cols: { name: string; type: string }[]): string[] | null {
  const want = ['date', 'ticker', 'open', 'high', 'low', 'close', 'adj_close', 'volume'];
  const compact = cols[6]?.name === 'adj_factor';
  if (cols.length !== want.length || !cols.every((c, i) => c.name === want[i] || (i === 6 && compact))) return null;
  if (cols[0].type !== 'DATE' || cols[1].type !== 'VARCHAR' || !cols.slice(2).every((c) => isNumericType(c.type))) return null;
  const t = sqlIdent(table);
  const out: string[] = [];
  // adj_factor first, while close still has the file's type (close::DOUBLE is the same value either way)
  if (compact) out.push(`ALTER TABLE ${t} ALTER adj_factor TYPE DOUBLE USING "close"::DOUBLE * adj_factor::DOUBLE`);
  for (const c of cols.slice(2))
    if (c.type !== 'DOUBLE' && !(compact && c.name === 'adj_factor')) out.push(`ALTER TABLE ${t} ALTER ${sqlIdent(c.name)} TYPE DOUBLE`);
  if (compact) out.push(`ALTER TABLE ${t} RENAME adj_factor TO adj_close`);
  return out;
}

/** The layout from checkOrder's four counts (rows where the date goes back, ...); notes an unsorted file. */
function orderOf(
  r: { back: number; same: number; tback: number; tdate: number },
  file: string,
  notes: string[],
): { layout: boolean; strict: boolean; byTicker: boolean } {
  const byDate = r.back === 0,
    byTicker = r.tback === 0 && r.tdate === 0;
  if (!byDate && !byTicker) {
    notes.push(`${file}: rows were not in date order (${r.back} place(s) where the date goes back); they were sorted by (date, ticker)`);
  }
  return { layout: byDate || byTicker, strict: (byDate && r.same === 0) || byTicker, byTicker };
}

/** Stats of a clean table and the thin-date warning (dates with fewer than minStocks stocks), in one query. */
function tableStats(
  engine: SqlEngine,
  table: string,
  file: string,
  rawRows: number,
  minStocks: number,
  warnings: string[],
): ValidationStats {
  const t = sqlIdent(table);
  const s = queryRows<{
    thin: number;
    ex: string | null;
    exn: number | null;
    mn: number;
    mx: number;
    n: number;
    tk: number;
    dt: number;
    a: string | null;
    b: string | null;
  }>(
    engine,
    `WITH c AS (SELECT date, count(*) AS n FROM ${t} GROUP BY date)
     SELECT count(*) FILTER (WHERE n < ${minStocks})::INTEGER AS thin,
            CAST(arg_min(date, date) FILTER (WHERE n < ${minStocks}) AS VARCHAR) AS ex,
            arg_min(n, date) FILTER (WHERE n < ${minStocks})::INTEGER AS exn,
            coalesce(min(n), 0)::INTEGER AS mn, coalesce(max(n), 0)::INTEGER AS mx,
            coalesce(sum(n), 0)::INTEGER AS n, count(*)::INTEGER AS dt, CAST(min(date) AS VARCHAR) AS a, CAST(max(date) AS VARCHAR) AS b,
            (SELECT count(DISTINCT ticker) FROM ${t})::INTEGER AS tk FROM c`,
  )[0];
  if (s.thin > 0) {
    warnings.push(
      `${file}: ${s.thin} date(s) have fewer than ${minStocks} stocks (e.g. ${s.ex} with ${s.exn}); they are dropped from cross-sections`,
    );
  }
  return {
    rows: rawRows,
    keptRows: s.n,
    droppedRows: rawRows - s.n,
    tickers: s.tk,
    dates: s.dt,
    start: s.a,
    end: s.b,
    thinDates: s.thin,
    minStocksPerDate: s.mn,
    maxStocksPerDate: s.mx,
  };
}

/** Note industries with a single stock (valid; industry-neutralisation leaves that stock at 0). */
function noteSingletonIndustries(engine: SqlEngine, sql: string, file: string, notes: string[]): void {
  const s = queryRows<{ n: number; ind: string | null; tk: string | null }>(
    engine,
    `WITH g AS (SELECT industry, count(DISTINCT ticker) AS k, min(ticker) AS tk FROM (${sql}) WHERE industry IS NOT NULL GROUP BY industry)
     SELECT count(*) FILTER (WHERE k = 1)::INTEGER AS n, arg_min(industry, industry) FILTER (WHERE k = 1) AS ind,
            arg_min(tk, industry) FILTER (WHERE k = 1) AS tk FROM g`,
  )[0];
  if (s.n > 0)
    notes.push(
      `${file}: ${s.n} industr${s.n === 1 ? 'y has' : 'ies have'} a single stock (e.g. '${s.ind}': ${s.tk}); valid, but industry-neutral factors are 0 for it`,
    );
}

/** Per column: how many non-null values are NaN / +-Inf, the first such row and its value (one scan). */
function nonFiniteReport(
  engine: SqlEngine,
  stage: string,
  cols: string[],
  extraWhere = 'true',
): { col: string; n: number; row: number; v: number | null }[] {
  if (cols.length === 0) return [];
  const aggs = cols.map((c, i) => {
    const cond = `${extraWhere} AND ${sqlIdent(c)} IS NOT NULL AND NOT isfinite(${sqlIdent(c)})`;
    return `count(*) FILTER (WHERE ${cond})::INTEGER AS n${i}, min(_row) FILTER (WHERE ${cond})::INTEGER AS r${i}, arg_min(${sqlIdent(c)}, _row) FILTER (WHERE ${cond}) AS v${i}`;
  });
  const r = queryRows<Record<string, number | null>>(engine, `SELECT ${aggs.join(', ')} FROM ${stage}`)[0];
  return cols
    .map((col, i) => ({ col, n: Number(r[`n${i}`]), row: Number(r[`r${i}`]), v: r[`v${i}`] as number | null }))
    .filter((x) => x.n > 0);
}

// ---------------------------------------------------------------- prices

/** Validate a raw daily-prices table and write the clean table (default 'prices'). */
export function validatePrices(engine: SqlEngine, raw: string, opts: ValidateOptions): ValidationResult {
  const file = opts.file;
  const out = opts.out ?? 'prices';
  const minStocks = opts.minStocks ?? 5;
  const warnings: string[] = [];
  const notes: string[] = [];
  const cols = describeColumns(engine, raw);
  const expected = 'daily prices with columns date, ticker, open, high, low, close, [adj_close], volume';
  const dateCol = findCol(cols, DATE_NAMES);
  const idCol = findCol(cols, ID_NAMES);
  const missing: string[] = [];
  if (!dateCol) missing.push('date');
  if (!idCol) missing.push('ticker');
  const pc: Record<string, string | null> = {};
  for (const n of PRICE_NAMES) {
    pc[n] = findCol(cols, n === 'adj_close' ? ['adj_close', 'adjclose', 'adj close'] : [n]);
    if (!pc[n] && n !== 'adj_close') missing.push(n);
  }
  if (missing.length) {
    throw new LabError(
      `${file}: missing column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')} (columns found: ${cols.map((c) => c.name).join(', ')}); expected ${expected}`,
    );
  }
  const rawRows = requireNonEmpty(engine, raw, file, expected);
  const typeOf = (c: string) => cols.find((x) => x.name === c)!.type;
  const dexpr = dateExpr(dateCol!, typeOf(dateCol!), file, { engine, table: raw, notes });
  const num: Record<string, string> = {};
  for (const n of PRICE_NAMES) {
    const c = pc[n];
    if (c) num[n] = numericExpr(engine, raw, c, typeOf(c), file, n === 'volume' ? 'volumes' : 'prices', notes);
  }
  const factorCol = findCol(cols, ['adj_factor']);
  if (!pc.adj_close && factorCol) {
    // compact layout (the bundled dataset): adjusted close = close * adj_factor
    num.adj_close = `(${num.close}) * ${numericExpr(engine, raw, factorCol, typeOf(factorCol), file, 'adjustment factors', notes)}`;
  } else if (!pc.adj_close) {
    num.adj_close = num.close;
    notes.push(`${file}: no 'adj_close' column; returns use 'close' (not adjusted for splits and dividends)`);
  }
  const stage = '_val_stage';
  engine.run(`CREATE OR REPLACE TEMP VIEW ${stage} AS SELECT (rowid + 1)::BIGINT AS _row, ${sqlIdent(dateCol!)} AS _date_raw, ${dexpr} AS date,
    CAST(${sqlIdent(idCol!)} AS VARCHAR) AS ticker, ${PRICE_NAMES.map((n) => `${num[n]} AS ${n}`).join(', ')} FROM ${sqlIdent(raw)}`);
  try {
    // every check in ONE scan (the checks used to be a scan each: ~10 passes over the file); errors keep their order
    const adjName = pc.adj_close ?? pc.close!;
    // rows whose adjusted close is missing, NaN, Inf or <= 0 cannot give a return: dropped
    const keep = 'coalesce(isfinite(adj_close) AND adj_close > 0, false)';
    // other non-finite prices / volumes become missing (the factors that need them are missing on that row)
    const other = ['open', 'high', 'low', 'close', 'volume'].filter((n) => !(n === 'close' && !pc.adj_close));
    const nonFinite = (c: string) => `_keep AND ${c} IS NOT NULL AND NOT isfinite(${c})`;
    const negative = '_keep AND (open <= 0 OR high <= 0 OR low <= 0 OR close <= 0 OR volume < 0)';
    // blank: NULL, empty or only spaces. trim runs only on strings sorting before '!' (every blank one does; a
    // CASE branch is evaluated on its rows alone): trim on all 1.8M tickers of the shared file cost ~0.1 s
    const badId = `ticker IS NULL OR CASE WHEN ticker < '!' THEN trim(ticker) = '' ELSE false END`;
    // counts first (one scan); the example rows only for the conditions that occur (a second scan, rarely needed)
    const conds: Record<string, string> = {
      d: 'date IS NULL',
      i: badId,
      a: 'NOT _keep',
      neg: negative,
      hl: '_keep AND high < low',
      vol: '_keep AND volume > 0',
    };
    other.forEach((o, i) => {
      conds[`nf${i}`] = nonFinite(o);
    });
    // the window buffers its input: only the columns the counts read go through it (not _row, _date_raw)
    const counted = `SELECT *, ${keep} AS _keep FROM (SELECT *, lag(date) OVER () AS pd, lag(ticker) OVER () AS pt FROM (SELECT date, ticker,
      open, high, low, close, adj_close, volume FROM ${stage}))`;
    const scan = `(SELECT *, lag(date) OVER () AS pd, lag(ticker) OVER () AS pt, ${keep} AS _keep FROM ${stage})`;
    const c = queryRows<Record<string, number | string | null>>(
      engine,
      `SELECT
        ${Object.entries(conds)
          .map(([k, w]) => `count(*) FILTER (WHERE ${w})::INTEGER AS ${k}_n`)
          .join(', ')},
        count(*) FILTER (WHERE date < pd)::INTEGER AS back, count(*) FILTER (WHERE date = pd AND ticker <= pt)::INTEGER AS same,
        count(*) FILTER (WHERE ticker < pt)::INTEGER AS tback, count(*) FILTER (WHERE ticker = pt AND date <= pd)::INTEGER AS tdate
        ${opts.onShape ? ', count(DISTINCT date)::INTEGER AS ndates, count(DISTINCT ticker)::INTEGER AS ntickers' : ''}
      FROM (${counted})`,
    )[0];
    // 'vol' (some volume > 0) is the normal case and needs no example row
    const found = Object.keys(conds).filter((k) => k !== 'vol' && Number(c[`${k}_n`]) > 0);
    if (found.length > 0) {
      const ex = queryRows<Record<string, number | string | null>>(
        engine,
        `SELECT
          ${found.map((k) => `min(_row) FILTER (WHERE ${conds[k]})::INTEGER AS ${k}_row`).join(', ')}
          ${found.includes('d') ? ', CAST(arg_min(_date_raw, _row) FILTER (WHERE date IS NULL) AS VARCHAR) AS d_v' : ''}
          ${found.includes('a') ? ', arg_min(adj_close, _row) FILTER (WHERE NOT _keep) AS a_v' : ''}
        FROM ${scan}`,
      )[0];
      Object.assign(c, ex);
    }
    const num = (k: string) => Number(c[k]);
    if (num('d_n') > 0) {
      throw new LabError(
        `${file}: ${num('d_n')} row(s) have a missing or unreadable '${dateCol}' (e.g. row ${num('d_row')}: ${c.d_v === null ? 'empty' : `'${c.d_v}'`}); expected dates such as 2019-12-31`,
      );
    }
    if (num('i_n') > 0)
      throw new LabError(
        `${file}: ${num('i_n')} row(s) have an empty '${idCol}' (e.g. row ${num('i_row')}); expected a stock id on every row`,
      );
    const order = orderOf({ back: num('back'), same: num('same'), tback: num('tback'), tdate: num('tdate') }, file, notes);
    if (opts.onShape) opts.onShape(num('ndates'), num('ntickers'));
    if (!order.strict) checkDuplicates(engine, stage, file);
    if (num('a_n') > 0) {
      warnings.push(
        `${file}: ${num('a_n')} of ${rawRows} row(s) dropped because '${adjName}' is missing, NaN, infinite or <= 0 (e.g. row ${num('a_row')}: ${c.a_v})`,
      );
    }
    other.forEach((o, i) => {
      if (num(`nf${i}_n`) > 0)
        warnings.push(
          `${file}: ${num(`nf${i}_n`)} value(s) of '${pc[o]}' are NaN or infinite (e.g. row ${num(`nf${i}_row`)}); treated as missing`,
        );
    });
    if (num('hl_n') > 0)
      warnings.push(
        `${file}: ${num('hl_n')} row(s) have '${pc.high}' below '${pc.low}' (e.g. row ${num('hl_row')}); the file's prices are inconsistent: the range and intraday factors on those rows are wrong`,
      );
    if (num('vol_n') === 0)
      warnings.push(
        `${file}: '${pc.volume}' is 0 or missing on every row; the volume and liquidity factors are constant (they carry no information and make a linear model's X'X singular): drop them in the factor groups or load real volumes`,
      );
    if (num('neg_n') > 0)
      warnings.push(
        `${file}: ${num('neg_n')} row(s) have a non-positive open/high/low/close or a negative volume (e.g. row ${num('neg_row')}); those values are treated as missing`,
      );
    const fin = (col: string, pos: string) => `CASE WHEN isfinite(${col}) AND ${col} ${pos} THEN ${col} END AS ${col}`;
    // 'ticker': (ticker, date) order, the order the factor library streams (factors.ts), so it needs no copy of its own
    // 'pass': a file sorted by date stays as it is (factors.ts dateMajorPrices)
    const want = opts.order === 'pass' ? (order.layout ? 'file' : 'ticker') : (opts.order ?? 'file');
    const sortBy = want === 'ticker' ? (order.byTicker ? '' : 'ORDER BY ticker, date') : order.layout ? '' : 'ORDER BY date, ticker';
    const rowOrder = want === 'ticker' || (order.layout && order.byTicker) ? 'ticker' : 'date';
    const clean = num('a_n') === 0 && num('neg_n') === 0 && other.every((_, i) => num(`nf${i}_n`) === 0);
    const adopt = opts.adoptRaw && !sortBy && clean && raw !== out ? adoptStatements(raw, cols) : null;
    if (adopt) {
      // the raw table is the clean one already (every CASE below would return its value, the filter every row)
      for (const sql of adopt) engine.run(sql);
      engine.run(`DROP TABLE IF EXISTS ${sqlIdent(out)}`);
      engine.run(`ALTER TABLE ${sqlIdent(raw)} RENAME TO ${sqlIdent(out)}`);
    } else
      engine.run(`CREATE OR REPLACE TABLE ${sqlIdent(out)} AS SELECT date, ticker, ${fin('open', '> 0')}, ${fin('high', '> 0')}, ${fin('low', '> 0')},
      ${fin('close', '> 0')}, adj_close, ${fin('volume', '>= 0')} FROM ${stage} WHERE ${keep} ${sortBy}`);
    const kept = rawRows - num('a_n');
    if (kept === 0)
      throw new LabError(
        `${file}: no usable rows (all ${rawRows} rows have a missing or non-positive '${adjName}'); expected positive prices`,
      );
    if (opts.fileColumns) {
      notes.push(shapeNote(file, opts.fileColumns));
      const extras = opts.fileColumns.filter((c) => otherColumns([lower(c)]).length > 0);
      if (extras.length)
        warnings.push(
          `${file}: read as daily prices (every price column is there); extra column(s) ${extras.map((c) => `'${c}'`).join(', ')} ignored: the lab computes its own factors from prices. To use your columns as factors, load a factor panel (date, ticker, your factor columns, close)`,
        );
    }
    calendarDoubts(engine, out, file, warnings);
    const mode = opts.extremeReturns ?? 'keep';
    const doubtfulAt = mode === 'keep' && opts.doubtfulInPass ? warnings.length : undefined;
    if (doubtfulAt === undefined && extremeReturns(engine, out, 'adj_close', file, warnings, rowOrder === 'ticker', mode) > 0) {
      const t = treatDoubtfulReturns(engine, out, 'adj_close', mode, file, rowOrder === 'ticker' ? 'ticker, date' : 'date, ticker');
      if (t.note) notes.push(t.note);
    }
    // after the treatment: extremeReturns 'drop' removes rows, which the kept / dropped counts must show
    const stats = tableStats(engine, out, file, rawRows, minStocks, warnings);
    return { shape: 'prices', table: out, warnings, notes, stats, rowOrder, ...(doubtfulAt !== undefined ? { doubtfulAt } : {}) };
  } finally {
    engine.run(`DROP VIEW IF EXISTS ${stage}`);
  }
}

// ---------------------------------------------------------------- sectors

/**
 * Validate a sectors file (ticker, sector, [sub_industry] or [industry]) and write `out` (default 'sectors')
 * with columns ticker, sector, industry (= sub_industry / industry, falling back to sector).
 * If `pricesTable` is given, notes price tickers without a sector and industries with a single stock.
 */
export function validateSectors(engine: SqlEngine, raw: string, opts: ValidateOptions & { pricesTable?: string }): ValidationResult {
  const file = opts.file;
  const out = opts.out ?? 'sectors';
  const warnings: string[] = [];
  const notes: string[] = [];
  const cols = describeColumns(engine, raw);
  const idCol = findCol(cols, ID_NAMES);
  const sectorCol = findCol(cols, ['sector', 'gics_sector']);
  const subCol = findCol(cols, ['sub_industry', 'industry', 'gics_sub_industry']);
  const missing = [!idCol && 'ticker', !sectorCol && !subCol && 'sector'].filter(Boolean) as string[];
  if (missing.length) {
    throw new LabError(
      `${file}: missing column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')} (columns found: ${cols.map((c) => c.name).join(', ')}); expected a sectors file with ticker, sector, [sub_industry]`,
    );
  }
  const rawRows = requireNonEmpty(engine, raw, file, 'one row per ticker with its sector');
  const txt = (c: string | null) => (c ? `nullif(trim(CAST(${sqlIdent(c)} AS VARCHAR)), '')` : 'NULL::VARCHAR');
  const stage = '_val_sect';
  engine.run(`CREATE OR REPLACE TEMP TABLE ${stage} AS SELECT (rowid + 1)::BIGINT AS _row, CAST(${sqlIdent(idCol!)} AS VARCHAR) AS ticker,
    ${txt(sectorCol)} AS sector, ${txt(subCol)} AS sub FROM ${sqlIdent(raw)}`);
  try {
    const dup = queryRows<{ n: number; tk: string | null }>(
      engine,
      `SELECT count(*)::INTEGER AS n, min(ticker) AS tk FROM (SELECT ticker FROM ${stage} GROUP BY ticker HAVING count(*) > 1)`,
    )[0];
    if (dup.n > 0) warnings.push(`${file}: ${dup.n} ticker(s) appear more than once (e.g. ${dup.tk}); the first row is used`);
    engine.run(`CREATE OR REPLACE TABLE ${sqlIdent(out)} AS SELECT ticker, arg_min(sector, _row) AS sector,
      coalesce(arg_min(sub, _row), arg_min(sector, _row)) AS industry FROM ${stage} WHERE ticker IS NOT NULL GROUP BY ticker ORDER BY ticker`);
    const fallback = Number(queryScalar(engine, `SELECT count(*) FROM ${stage} WHERE sub IS NULL AND sector IS NOT NULL`));
    if (subCol && fallback > 0) notes.push(`${file}: ${fallback} ticker(s) have no '${subCol}'; their industry is their sector`);
    if (opts.pricesTable) {
      const p = sqlIdent(opts.pricesTable);
      const noSector = queryRows<{ n: number; tk: string | null }>(
        engine,
        `SELECT count(*)::INTEGER AS n, min(ticker) AS tk FROM (SELECT DISTINCT ticker FROM ${p}) WHERE ticker NOT IN (SELECT ticker FROM ${sqlIdent(out)} WHERE industry IS NOT NULL)`,
      )[0];
      if (noSector.n > 0)
        notes.push(`${file}: ${noSector.n} ticker(s) in the prices have no sector (e.g. ${noSector.tk}); their industry is unknown`);
      noteSingletonIndustries(
        engine,
        `SELECT s.industry, s.ticker FROM ${sqlIdent(out)} s SEMI JOIN (SELECT DISTINCT ticker FROM ${p}) q USING (ticker)`,
        file,
        notes,
      );
    } else {
      noteSingletonIndustries(engine, `SELECT industry, ticker FROM ${sqlIdent(out)}`, file, notes);
    }
    const s = queryRows<{ n: number }>(engine, `SELECT count(*)::INTEGER AS n FROM ${sqlIdent(out)}`)[0];
    return {
      shape: 'sectors',
      table: out,
      warnings,
      notes,
      stats: {
        rows: rawRows,
        keptRows: s.n,
        droppedRows: rawRows - s.n,
        tickers: s.n,
        dates: 0,
        start: null,
        end: null,
        thinDates: 0,
        minStocksPerDate: 0,
        maxStocksPerDate: 0,
      },
    };
  } finally {
    engine.run(`DROP TABLE IF EXISTS ${stage}`);
  }
}

// ---------------------------------------------------------------- data the lab should doubt

/** the threshold of a doubtful one-day return (src/data/doubtful-returns.ts, which also clips or drops them) */
export { EXTREME_RETURN };

/**
 * Warnings about the calendar of a clean table (columns date, ...): dates on a Saturday or Sunday, and data that is not
 * daily (median gap between consecutive dates over 3 calendar days: weekly or monthly rows taken as trading days would
 * make every horizon, rebalance period and the 252-day annualisation wrong).
 */
export function calendarDoubts(engine: SqlEngine, table: string, file: string, warnings: string[]): void {
  const r = queryRows<{ wk: number; ex: string | null; n: number; gap: number | null }>(
    engine,
    `WITH d AS (SELECT DISTINCT date FROM ${sqlIdent(table)}), g AS (SELECT date, date - lag(date) OVER (ORDER BY date) AS gap FROM d)
     SELECT count(*) FILTER (WHERE dayofweek(date) IN (0, 6))::INTEGER AS wk,
            CAST(min(date) FILTER (WHERE dayofweek(date) IN (0, 6)) AS VARCHAR) AS ex, count(*)::INTEGER AS n, median(gap)::DOUBLE AS gap FROM g`,
  )[0];
  if (r.wk > 0)
    warnings.push(
      `${file}: ${r.wk} of ${r.n} date(s) fall on a Saturday or Sunday (e.g. ${r.ex}); exchanges trade on weekdays: check the dates (a time-zone shift moves every date by a day)`,
    );
  if (r.gap !== null && r.gap > 3) {
    const kind = r.gap >= 25 ? 'monthly' : r.gap >= 5 ? 'weekly' : 'not daily';
    warnings.push(
      `${file}: the data looks ${kind} (consecutive dates are ${r.gap} calendar days apart, median); the lab treats each date as one trading day, so horizons, rebalance periods and annualised figures (252 a year) will be wrong: use daily data`,
    );
  }
}

/** what happens to doubtful returns under each PreprocessConfig.extremeReturns mode, for the warning */
const DOUBTFUL_ACTION: Record<ExtremeReturnsMode, string> = {
  keep: 'They are kept and move the benchmark and the portfolios: set Data > Doubtful returns to clip or drop (extremeReturns), or use split-adjusted prices (adj_close or adj_factor)',
  clip: `They are clipped to ±${EXTREME_RETURN * 100}% (Data > Doubtful returns: clip) before factors and labels; split-adjusted prices (adj_close or adj_factor) are better`,
  drop: 'Those days are dropped (Data > Doubtful returns: drop) before factors and labels; split-adjusted prices (adj_close or adj_factor) are better',
};

/**
 * One-day returns of `price` (per ticker, consecutive dates) beyond +-EXTREME_RETURN: an unadjusted split (-50%, -75%,
 * -99.9%) or a bad tick drags the equal-weighted benchmark and every portfolio holding it. Warns with the count and the
 * largest examples (ticker, date, return); the rows are kept.
 */
export function extremeReturns(
  engine: SqlEngine,
  table: string,
  price: string,
  file: string,
  warnings: string[],
  tickerOrdered = false,
  mode: ExtremeReturnsMode = 'keep',
): number {
  const p = sqlIdent(price);
  // a table stored in (ticker, date) order (validatePrices with order 'ticker') is read in one streaming pass (OVER ()
  // in insertion order, the neighbour's ticker checked); otherwise a per-ticker window sorts it
  const r = tickerOrdered
    ? `SELECT ticker, date, CASE WHEN lag(ticker) OVER () = ticker THEN ${p} / lag(${p}) OVER () - 1 END AS r,
              CASE WHEN lead(ticker) OVER () = ticker AND lag(ticker) OVER () = ticker THEN lead(${p}) OVER () / lag(${p}) OVER () - 1 END AS back
       FROM ${sqlIdent(table)} WHERE ${p} > 0`
    : `SELECT ticker, date, ${p} / lag(${p}) OVER w - 1 AS r, lead(${p}) OVER w / lag(${p}) OVER w - 1 AS back
       FROM ${sqlIdent(table)} WHERE ${p} > 0 WINDOW w AS (PARTITION BY ticker ORDER BY date)`;
  const rows = queryRows<{ n: number } & DoubtfulDay>(
    engine,
    `WITH r AS (${r}),
          x AS (SELECT * FROM r WHERE ${doubtfulSql('r', 'back')})
     SELECT (SELECT count(*) FROM x)::INTEGER AS n, ticker, CAST(date AS VARCHAR) AS d, r FROM x ORDER BY abs(r) DESC, ticker, date LIMIT 3`,
  );
  if (rows.length === 0) return 0;
  warnings.push(doubtfulWarning(file, rows[0].n, rows, mode));
  return rows[0].n;
}

/**
 * After a factor pass fed `scan` (validatePrices with doubtfulInPass, result `v`): the doubtful-returns warning goes
 * into `warnings` at v.doubtfulAt, where validation would have put it; when the pass did not scan (the SQL pass), the
 * query runs on v's table instead. Nothing when validation made the check itself.
 */
export function placeDoubtfulWarning(engine: SqlEngine, v: ValidationResult, file: string, scan: DoubtfulScan, warnings: string[]): void {
  if (v.doubtfulAt === undefined) return;
  const w: string[] = [];
  if (!scan.done) extremeReturns(engine, v.table, 'adj_close', file, w, true, 'keep');
  else if (scan.n > 0) w.push(doubtfulWarning(file, scan.n, scan.largest, 'keep'));
  warnings.splice(v.doubtfulAt, 0, ...w);
}

/** The warning for n doubtful one-day returns, the largest first in `largest` (extremeReturns, or the factor pass) */
export function doubtfulWarning(file: string, n: number, largest: DoubtfulDay[], mode: ExtremeReturnsMode): string {
  return `${file}: ${n} doubtful one-day return(s) (a fall of ${EXTREME_RETURN * 100}% or more, a rise of ${2 * EXTREME_RETURN * 100}% or more, or a move beyond ±${EXTREME_RETURN * 100}% undone the next day; largest: ${doubtfulExamples(largest)}); often an unadjusted split or a bad price. ${DOUBTFUL_ACTION[mode]}`;
}

// ---------------------------------------------------------------- factor panel

/** Roles of the columns of a raw factor-panel table (throws LabError if unusable). */
export function classifyPanelColumns(
  cols: { name: string; type: string }[],
  file: string,
): {
  date: string;
  id: string;
  industry: string | null;
  price: string | null;
  dollarVolume: string | null;
  universe: string[];
  fwd: { source: string; horizon: number }[];
  factors: string[];
  /** columns named like labels (future returns): excluded from the factors */
  labelLike: string[];
} {
  const date = findCol(cols, DATE_NAMES);
  const id = findCol(cols, ID_NAMES);
  if (!date || !id) detectShape(cols, file); // throws the missing-column error
  const industry = findCol(cols, ['industry', 'sub_industry', 'sector']);
  const price = findCol(cols, ['adj_close', 'adjclose', 'price', 'close']);
  const dollarVolume = findCol(cols, ['dollar_volume', 'amount']);
  const universe: string[] = [];
  const fwd: { source: string; horizon: number }[] = [];
  const factors: string[] = [];
  const labelLike: string[] = [];
  const roles = new Set([date, id].map((x) => lower(x!)));
  for (const c of cols) {
    const n = lower(c.name);
    if (roles.has(n) || ['industry', 'sub_industry', 'sector', 'price'].includes(n) || NON_FACTOR.has(n)) continue;
    const m = FWD_RE.exec(c.name);
    if (m) fwd.push({ source: c.name, horizon: Number(m[1]) });
    else if (isUniverse(c.name)) universe.push(c.name);
    else if (isLabelLike(c.name)) labelLike.push(c.name);
    else factors.push(c.name);
  }
  fwd.sort((a, b) => a.horizon - b.horizon);
  for (let i = 1; i < fwd.length; i++) {
    if (fwd[i].horizon === fwd[i - 1].horizon)
      throw new LabError(
        `${file}: columns '${fwd[i - 1].source}' and '${fwd[i].source}' are both forward returns over ${fwd[i].horizon} days; expected one column per horizon`,
      );
  }
  if (factors.length === 0) {
    throw new LabError(
      `${file}: no factor columns (columns found: ${cols.map((c) => c.name).join(', ')}${labelLike.length ? `; ${labelLike.join(', ')} look like labels (future returns) and are not used as factors` : ''}); expected numeric factor columns besides date, ticker, industry, labels and universes`,
    );
  }
  if (fwd.length === 0 && !price) {
    throw new LabError(
      `${file}: no forward-return columns and no price column; expected fwd_ret_<k> / label_<k> / ret_fwd_<k> columns (e.g. fwd_ret_5) or adj_close / close to compute them`,
    );
  }
  return { date: date!, id: id!, industry, price, dollarVolume, universe, fwd, factors, labelLike };
}

/**
 * A column named like a label (future information), not a factor: Qlib's LABEL0, target_5d, fwd_return_20,
 * future_ret, next_day_return, y. Taken as a factor it gives an IC near 1 and a meaningless backtest.
 */
export const isLabelLike = (name: string): boolean =>
  /^(label|target|y|y_true|truth)(\d+|_.*)?$/i.test(name) || /(^|_)(fwd|forward|future|next|lead|ahead|target|label)(_|\d|$)/i.test(name);

/** A factor whose mean per-date |IC| with the next forward return exceeds this on the early dates is future information. */
export const LEAK_IC = 0.5;
/** share of the (earliest) dates the leak screen uses: they are in every split's training window */
const LEAK_WINDOW = 0.6;
/** dates with fewer stocks than this are not screened (a correlation over 3 stocks is +-1 by chance) */
const LEAK_MIN_STOCKS = 10;

/**
 * Drop factor columns that cannot be factors, with a warning naming each: all missing, constant (one value on every
 * row: no cross-section to rank, a singular X'X), and columns whose mean per-date Pearson correlation with the
 * shortest forward return (the file's fwd_<k>, else P[t+2]/P[t+1]-1 from the price) is beyond +-LEAK_IC over the first
 * 60% of dates (the training window of every split): a factor's IC is a few hundredths; 0.5 or more means the column
 * holds the future (a label under another name). Returns the factors kept. `stage` has date, ticker, price?, fwd_<k>,
 * and the factor columns.
 */
function screenFactors(
  engine: SqlEngine,
  stage: string,
  roles: { factors: string[]; fwd: { horizon: number }[]; price: string | null },
  file: string,
  warnings: string[],
  includeLabelLike = false,
): string[] {
  const f = roles.factors;
  if (f.length === 0) return f;
  const st = queryRows<Record<string, number | null>>(
    engine,
    `SELECT ${f
      .map((c, i) => {
        const v = `CASE WHEN isfinite(${sqlIdent(c)}) THEN ${sqlIdent(c)} END`;
        return `count(${v})::INTEGER AS n${i}, (max(${v}) - min(${v}))::DOUBLE AS w${i}`;
      })
      .join(', ')} FROM ${stage}`,
  )[0];
  const empty = f.filter((_, i) => Number(st[`n${i}`]) === 0);
  const constant = f.filter((_, i) => Number(st[`n${i}`]) > 0 && st[`w${i}`] === 0);
  if (empty.length)
    warnings.push(`${file}: factor column(s) ${empty.map((c) => `'${c}'`).join(', ')} have no values (all missing): excluded`);
  if (constant.length)
    warnings.push(
      `${file}: factor column(s) ${constant.map((c) => `'${c}'`).join(', ')} have one value on every row (constant: nothing to rank, and a singular X'X for linear models): excluded`,
    );
  let kept = f.filter((c) => !empty.includes(c) && !constant.includes(c));
  const target = roles.fwd.length
    ? `fwd_${roles.fwd[0].horizon}`
    : roles.price
      ? 'lead(price, 2) OVER w / lead(price, 1) OVER w - 1'
      : null;
  if (kept.length === 0)
    throw new LabError(
      `${file}: no usable factor columns are left; ${warnings.slice(-2).join('; ')}`,
      'A factor panel needs numeric factor columns known on their date, with more than one value.',
    );
  if (!target) return kept;
  const win = roles.fwd.length ? '' : 'WINDOW w AS (PARTITION BY ticker ORDER BY date)';
  const ic = queryRows<Record<string, number | null>>(
    engine,
    `WITH s AS (SELECT date, ${target} AS _y, ${kept.map((c) => sqlIdent(c)).join(', ')} FROM ${stage} ${win}),
          cut AS (SELECT quantile_disc(date, ${LEAK_WINDOW}) AS c FROM (SELECT DISTINCT date FROM s)),
          d AS (SELECT date, ${kept.map((c, i) => `corr(CASE WHEN isfinite(${sqlIdent(c)}) THEN ${sqlIdent(c)} END, CASE WHEN isfinite(_y) THEN _y END) AS c${i}`).join(', ')}
                FROM s WHERE date <= (SELECT c FROM cut) GROUP BY date HAVING count(_y) >= ${LEAK_MIN_STOCKS})
     SELECT ${kept.map((_, i) => `avg(CASE WHEN isfinite(c${i}) THEN c${i} END)::DOUBLE AS m${i}`).join(', ')} FROM d`,
  )[0];
  const leaks = kept.map((c, i) => ({ c, ic: Number(ic[`m${i}`]) })).filter((x) => Number.isFinite(x.ic) && Math.abs(x.ic) > LEAK_IC);
  if (leaks.length && includeLabelLike) {
    warnings.push(
      `${file}: factor column(s) ${leaks.map((x) => `'${x.c}' (mean IC ${x.ic.toFixed(3)})`).join(', ')} correlate with the forward return far beyond what a factor can (|IC| > ${LEAK_IC} on the first ${LEAK_WINDOW * 100}% of dates) but are kept as factors, as confirmed (Data > Use label-like columns): if they hold future information, every IC and backtest of this dataset is meaningless`,
    );
  } else if (leaks.length) {
    warnings.push(
      `${file}: factor column(s) ${leaks.map((x) => `'${x.c}' (mean IC ${x.ic.toFixed(3)})`).join(', ')} correlate with the forward return far beyond what a factor can (|IC| > ${LEAK_IC} on the first ${LEAK_WINDOW * 100}% of dates): they hold future information and are excluded. If this is wrong, confirm Data > Use label-like columns (includeLabelLike)`,
    );
    kept = kept.filter((c) => !leaks.some((x) => x.c === c));
  }
  if (kept.length === 0)
    throw new LabError(
      `${file}: no usable factor columns are left; ${warnings.slice(-3).join('; ')}`,
      'A factor panel needs numeric factor columns known on their date, with more than one value.',
    );
  return kept;
}

/** Validate a raw factor-panel table and write the clean table (default 'factor_panel'). */
export function validateFactorPanel(engine: SqlEngine, raw: string, opts: ValidateOptions): ValidationResult {
  const file = opts.file;
  const out = opts.out ?? 'factor_panel';
  const minStocks = opts.minStocks ?? 5;
  const warnings: string[] = [];
  const notes: string[] = [];
  const cols = describeColumns(engine, raw);
  const roles = classifyPanelColumns(cols, file);
  const rawRows = requireNonEmpty(engine, raw, file, 'a factor panel with one row per date and stock');
  if (opts.fileColumns) notes.push(shapeNote(file, opts.fileColumns));
  if (roles.labelLike.length && opts.includeLabelLike) {
    warnings.push(
      `${file}: column(s) ${roles.labelLike.map((c) => `'${c}'`).join(', ')} look like labels (future returns) but are used as factors, as confirmed (Data > Use label-like columns). If they hold the future, every IC and backtest of this dataset is meaningless`,
    );
    roles.factors.push(...roles.labelLike);
  } else if (roles.labelLike.length)
    warnings.push(
      `${file}: column(s) ${roles.labelLike.map((c) => `'${c}'`).join(', ')} look like labels (future returns), not factors: excluded. A factor must be known on its date; rename a column that is a real factor, or confirm Data > Use label-like columns (includeLabelLike)`,
    );
  const typeOf = (c: string) => cols.find((x) => x.name === c)!.type;
  const dexpr = dateExpr(roles.date, typeOf(roles.date), file, { engine, table: raw, notes });
  const sel: string[] = [
    `(rowid + 1)::BIGINT AS _row`,
    `${sqlIdent(roles.date)} AS _date_raw`,
    `${dexpr} AS date`,
    `CAST(${sqlIdent(roles.id)} AS VARCHAR) AS ticker`,
  ];
  if (roles.industry) sel.push(`nullif(trim(CAST(${sqlIdent(roles.industry)} AS VARCHAR)), '') AS industry`);
  if (roles.price) sel.push(`${numericExpr(engine, raw, roles.price, typeOf(roles.price), file, 'prices', notes)} AS price`);
  if (roles.dollarVolume)
    sel.push(`${numericExpr(engine, raw, roles.dollarVolume, typeOf(roles.dollarVolume), file, 'dollar volumes', notes)} AS dollar_volume`);
  for (const f of roles.factors) sel.push(`${numericExpr(engine, raw, f, typeOf(f), file, 'factor values', notes)} AS ${sqlIdent(f)}`);
  for (const f of roles.fwd)
    sel.push(`${numericExpr(engine, raw, f.source, typeOf(f.source), file, 'forward returns', notes)} AS fwd_${f.horizon}`);
  for (const u of roles.universe)
    sel.push(`${numericExpr(engine, raw, u, typeOf(u), file, 'universe membership / weights', notes)} AS ${sqlIdent(u)}`);
  const stage = '_val_panel';
  engine.run(`CREATE OR REPLACE TEMP VIEW ${stage} AS SELECT ${sel.join(', ')} FROM ${sqlIdent(raw)}`);
  try {
    checkDates(engine, stage, file, roles.date);
    checkIds(engine, stage, file, roles.id);
    const order = checkOrder(engine, stage, file, notes);
    if (!order.strict) checkDuplicates(engine, stage, file);
    roles.factors = screenFactors(engine, stage, roles, file, warnings, opts.includeLabelLike ?? false);
    const valueCols = [...roles.factors, ...roles.fwd.map((f) => `fwd_${f.horizon}`), ...roles.universe];
    for (const r of nonFiniteReport(engine, stage, valueCols)) {
      warnings.push(`${file}: ${r.n} value(s) of '${r.col}' are NaN or infinite (e.g. row ${r.row}: ${r.v}); treated as missing`);
    }
    if (roles.price) {
      const badP = queryRows<{ n: number; row: number | null }>(
        engine,
        `SELECT count(*)::INTEGER AS n, min(_row)::INTEGER AS row FROM ${stage} WHERE price IS NOT NULL AND (NOT isfinite(price) OR price <= 0)`,
      )[0];
      if (badP.n > 0)
        warnings.push(
          `${file}: ${badP.n} value(s) of '${roles.price}' are NaN, infinite or <= 0 (e.g. row ${badP.row}); treated as missing`,
        );
      if (roles.fwd.length === 0) notes.push(`${file}: no forward-return columns; forward returns computed from '${roles.price}'`);
    }
    const fin = (c: string) => `CASE WHEN isfinite(${sqlIdent(c)}) THEN ${sqlIdent(c)} END AS ${sqlIdent(c)}`;
    const outCols = ['date', 'ticker'];
    if (roles.industry) outCols.push('industry');
    if (roles.price) outCols.push(`CASE WHEN isfinite(price) AND price > 0 THEN price END AS price`);
    if (roles.dollarVolume) outCols.push(fin('dollar_volume'));
    for (const c of valueCols) outCols.push(fin(c));
    engine.run(
      `CREATE OR REPLACE TABLE ${sqlIdent(out)} AS SELECT ${outCols.join(', ')} FROM ${stage} ${order.layout ? '' : 'ORDER BY date, ticker'}`,
    );
    calendarDoubts(engine, out, file, warnings);
    const mode = opts.extremeReturns ?? 'keep';
    if (roles.price && extremeReturns(engine, out, 'price', file, warnings, false, mode) > 0) {
      const t = treatDoubtfulReturns(engine, out, 'price', mode, file, 'date, ticker');
      if (t.note) notes.push(t.note);
    }
    // after the treatment: extremeReturns 'drop' removes rows, which the kept / dropped counts must show
    const stats = tableStats(engine, out, file, rawRows, minStocks, warnings);
    if (!roles.price && (roles.fwd.length === 0 || roles.fwd[0].horizon !== 1))
      warnings.push(
        `${file}: no price column and no 1-day forward return (fwd_ret_1): daily returns are unknown, so portfolio figures (returns, alpha, IR, Sharpe, drawdown) are not reported; IC figures are. Add a close or fwd_ret_1 column for backtests`,
      );
    if (roles.industry) noteSingletonIndustries(engine, `SELECT industry, ticker FROM ${sqlIdent(out)}`, file, notes);
    const columns: PanelColumns = {
      factors: roles.factors,
      fwd: roles.fwd.map((f) => ({ column: `fwd_${f.horizon}`, source: f.source, horizon: f.horizon })),
      universe: roles.universe,
      industry: roles.industry ? 'industry' : null,
      price: roles.price ? 'price' : null,
      dollarVolume: roles.dollarVolume ? 'dollar_volume' : null,
    };
    return { shape: 'factors', table: out, warnings, notes, stats, columns };
  } finally {
    engine.run(`DROP VIEW IF EXISTS ${stage}`);
  }
}

/** Detect the shape of a raw table and run the matching validator. */
export function validateInput(engine: SqlEngine, raw: string, opts: ValidateOptions & { pricesTable?: string }): ValidationResult {
  const shape = detectShape(describeColumns(engine, raw), opts.file);
  if (shape === 'sectors') return validateSectors(engine, raw, opts);
  if (shape === 'factors') return validateFactorPanel(engine, raw, opts);
  return validatePrices(engine, raw, opts);
}
