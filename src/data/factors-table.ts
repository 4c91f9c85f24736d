/**
 * The SQL console's `factors` table (issue 14): the loaded Panel as one long table, one row per (date, stock) of the
 * cross-section (`valid` = 1), with the values the models see:
 *
 *   date DATE, ticker VARCHAR, industry VARCHAR, universe VARCHAR,
 *   <every factor> FLOAT   (preprocessed: winsorized / standardized per date as the Data settings say; panel.x),
 *   fwd_<h> FLOAT          (raw forward returns per horizon h: P[t+1+h] / P[t+1] - 1; NULL where unknown),
 *   in_<u> BOOLEAN         (only for user universe columns of a factor-panel file)
 *
 * `universe` is the first sub-universe (not 'all') the stock belongs to that day: top100 / next150 / rest by default
 * (a partition, rebuilt monthly); NULL when it is in none (the first month, or a stock too new to be ranked).
 *
 * And, for a synthetic market (no file behind it), a `prices` table: date, ticker, industry, close, ret, where the
 * stock trades: ret = panel.ret (simple daily return), close = an index compounded from 100 on the stock's first day
 * (close[t] = close[t-1] * (1 + ret[t])), so fwd_h(t) = close[t+1+h] / close[t+1] - 1 up to float32 rounding.
 *
 * Built from the Panel (the single source of truth after preprocessing), not from SQL: Arrow IPC chunks of about
 * 128k rows, inserted with insertArrowIPC (no row-by-row SQL). NaN becomes NULL.
 */
import * as arrow from 'apache-arrow';
import { isoToDay } from '../core/dates';
import type { Panel } from '../core/panel';
import { sqlIdent, type SqlEngine } from './sql-engine';

export const FACTORS_TABLE = 'factors';
export const SYNTHETIC_PRICES_TABLE = 'prices';
/** rows per inserted Arrow chunk (bounds the memory the IPC copy needs) */
const CHUNK_ROWS = 131_072;

/** the label columns' names, one per horizon: fwd_1, fwd_5, ... (the names factor-panel files and run bundles use) */
export const labelNames = (p: Pick<Panel, 'horizons'>): string[] => p.horizons.map((h) => `fwd_${h}`);

/** universes with their own in_<name> column: the user's universe columns (the built-in ones are a partition) */
const userUniverses = (p: Panel) => p.universes.filter((u) => u.name !== 'all' && u.description.startsWith('user column'));

/** Column names of the factors table in order; a factor whose name clashes (DuckDB is case-insensitive) gets a suffix. */
export function factorsTableColumns(p: Panel): string[] {
  const seen = new Set<string>();
  const unique = (name: string) => {
    let n = name,
      k = 2;
    while (seen.has(n.toLowerCase())) n = `${name}_${k++}`;
    seen.add(n.toLowerCase());
    return n;
  };
  return [
    ...['date', 'ticker', 'industry', 'universe'].map(unique),
    ...p.factorNames.map(unique),
    ...labelNames(p).map(unique),
    ...userUniverses(p).map((u) => unique(`in_${u.name}`)),
  ];
}

/** Rows the factors table holds: the valid (date, stock) cells. */
export function factorsTableRows(p: Panel): number {
  let n = 0;
  for (let k = 0; k < p.valid.length; k++) n += p.valid[k];
  return n;
}

/** Rows the synthetic prices table holds: the tradable (date, stock) cells. */
export function pricesTableRows(p: Panel): number {
  let n = 0;
  for (let k = 0; k < p.tradable.length; k++) n += p.tradable[k];
  return n;
}

/** SQL mentions `name` as a word (case-insensitive; a false positive only builds the table early). */
export function mentionsTable(sql: string, name: string): boolean {
  return new RegExp(`(^|[^A-Za-z0-9_$])${name.replace(/[^A-Za-z0-9_]/g, '')}($|[^A-Za-z0-9_$])`, 'i').test(sql);
}

// ---------------------------------------------------------------- Arrow columns

const stringVector = (values: string[]) => arrow.vectorFromArray(values, new arrow.Utf8());

/** a validity bitmap (1 = valid) from a predicate over rows; null when every row is valid */
function bitmap(n: number, isValid: (r: number) => boolean): { nullBitmap?: Uint8Array; nullCount: number } {
  const bits = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  for (let r = 0; r < n; r++) {
    if (isValid(r)) bits[r >> 3] |= 1 << (r & 7);
    else nulls++;
  }
  return nulls ? { nullBitmap: bits, nullCount: nulls } : { nullCount: 0 };
}

const floatData = (values: Float32Array) => {
  const v = bitmap(values.length, (r) => values[r] === values[r]); // NaN -> NULL
  return arrow.makeData({ type: new arrow.Float32(), length: values.length, data: values, ...v });
};

/** codes [n] into `dict` (-1 = NULL) as a dictionary-encoded string column */
const dictData = (codes: Int32Array, dict: arrow.Vector<arrow.Utf8>) => {
  const v = bitmap(codes.length, (r) => codes[r] >= 0);
  const data = v.nullCount ? codes.map((c) => Math.max(0, c)) : codes;
  return arrow.makeData({
    type: new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()),
    length: codes.length,
    data,
    dictionary: dict,
    ...v,
  });
};

const boolData = (flags: Uint8Array) => {
  const bits = new Uint8Array((flags.length + 7) >> 3);
  for (let r = 0; r < flags.length; r++) if (flags[r]) bits[r >> 3] |= 1 << (r & 7);
  return arrow.makeData({ type: new arrow.Bool(), length: flags.length, data: bits, nullCount: 0 });
};

const dateData = (days: Int32Array) => arrow.makeData({ type: new arrow.DateDay(), length: days.length, data: days, nullCount: 0 });

/** the (t, n) cells where mask[t * N + n] = 1, in date then stock order, split into chunks of about CHUNK_ROWS rows */
function* cellChunks(mask: Uint8Array, T: number, N: number, chunkRows: number): Generator<{ t: Int32Array; n: Int32Array }> {
  let ts: number[] = [],
    ns: number[] = [];
  for (let t = 0; t < T; t++) {
    for (let n = 0; n < N; n++)
      if (mask[t * N + n]) {
        ts.push(t);
        ns.push(n);
      }
    if (ts.length >= chunkRows || (t === T - 1 && ts.length)) {
      yield { t: Int32Array.from(ts), n: Int32Array.from(ns) };
      ts = [];
      ns = [];
    }
  }
}

/** The factors table as Arrow tables of whole dates (about chunkRows rows each), in date, ticker order. */
export function* factorsArrowChunks(p: Panel, chunkRows = CHUNK_ROWS): Generator<arrow.Table> {
  const T = p.dates.length,
    N = p.tickers.length,
    F = p.factorNames.length;
  const names = factorsTableColumns(p);
  const days = p.dates.map(isoToDay);
  const tickerDict = stringVector(p.tickers);
  const industryDict = stringVector(p.industryNames);
  const subs = p.universes.filter((u) => u.name !== 'all');
  const universeDict = stringVector(subs.map((u) => u.name));
  const users = userUniverses(p);
  for (const c of cellChunks(p.valid, T, N, chunkRows)) {
    const R = c.t.length;
    const cols: arrow.Data[] = [];
    cols.push(dateData(c.t.map((t) => days[t])));
    cols.push(dictData(c.n, tickerDict));
    cols.push(
      dictData(
        c.t.map((t, r) => p.industry[t * N + c.n[r]]),
        industryDict,
      ),
    );
    cols.push(
      dictData(
        c.t.map((t, r) => subs.findIndex((u) => u.member[t * N + c.n[r]] === 1)),
        universeDict,
      ),
    );
    for (let f = 0; f < F; f++) {
      const v = new Float32Array(R);
      for (let r = 0; r < R; r++) v[r] = p.x[(c.t[r] * N + c.n[r]) * F + f]; // x [T, N, F]
      cols.push(floatData(v));
    }
    for (let h = 0; h < p.horizons.length; h++) {
      const v = new Float32Array(R);
      for (let r = 0; r < R; r++) v[r] = p.fwd[(h * T + c.t[r]) * N + c.n[r]]; // fwd [H, T, N]
      cols.push(floatData(v));
    }
    for (const u of users) cols.push(boolData(Uint8Array.from(c.t, (t, r) => u.member[t * N + c.n[r]])));
    yield new arrow.Table(Object.fromEntries(names.map((name, j) => [name, arrow.makeVector(cols[j])])));
  }
}

/** The synthetic market's prices table as Arrow chunks (date, ticker, industry, close, ret where tradable). */
export function* pricesArrowChunks(p: Panel, chunkRows = CHUNK_ROWS): Generator<arrow.Table> {
  const T = p.dates.length,
    N = p.tickers.length;
  const days = p.dates.map(isoToDay);
  const tickerDict = stringVector(p.tickers);
  const industryDict = stringVector(p.industryNames);
  // [T, N] compounded close (NaN where not tradable); a stock starts at 100 on its first tradable day
  const close = new Float64Array(T * N).fill(NaN);
  for (let n = 0; n < N; n++) {
    let last = NaN;
    for (let t = 0; t < T; t++) {
      const k = t * N + n;
      if (!p.tradable[k]) continue;
      const r = p.ret[k];
      last = last !== last ? 100 : r === r ? last * (1 + r) : last;
      close[k] = last;
    }
  }
  for (const c of cellChunks(p.tradable, T, N, chunkRows)) {
    const k = c.t.map((t, r) => t * N + c.n[r]);
    const closeCol = arrow.makeData({
      type: new arrow.Float64(),
      length: k.length,
      data: Float64Array.from(k, (i) => close[i]),
      nullCount: 0,
    });
    yield new arrow.Table({
      date: arrow.makeVector(dateData(c.t.map((t) => days[t]))),
      ticker: arrow.makeVector(dictData(c.n, tickerDict)),
      industry: arrow.makeVector(
        dictData(
          Int32Array.from(k, (i) => p.industry[i]),
          industryDict,
        ),
      ),
      close: arrow.makeVector(closeCol),
      ret: arrow.makeVector(floatData(Float32Array.from(k, (i) => p.ret[i]))),
    });
  }
}

/** Replace `name` in the engine with the chunks (an empty table keeps its columns). Returns the rows inserted. */
function insertChunks(engine: SqlEngine, name: string, chunks: Iterable<arrow.Table>, empty: () => arrow.Table): number {
  engine.run(`DROP TABLE IF EXISTS ${sqlIdent(name)}`);
  let rows = 0,
    first = true;
  for (const t of chunks) {
    engine.insertArrowIPC(name, arrow.tableToIPC(t, 'stream'), first);
    first = false;
    rows += t.numRows;
  }
  if (first) engine.insertArrowIPC(name, arrow.tableToIPC(empty(), 'stream'), true);
  return rows;
}

/** (Re)create the factors table from the panel; returns its row count. */
export function createFactorsTable(engine: SqlEngine, p: Panel, name = FACTORS_TABLE, chunkRows = CHUNK_ROWS): number {
  return insertChunks(engine, name, factorsArrowChunks(p, chunkRows), () => emptyLike(factorsArrowChunks({ ...p, valid: oneCell(p) })));
}

/** (Re)create the synthetic market's prices table from the panel; returns its row count. */
export function createPricesTable(engine: SqlEngine, p: Panel, name = SYNTHETIC_PRICES_TABLE, chunkRows = CHUNK_ROWS): number {
  return insertChunks(engine, name, pricesArrowChunks(p, chunkRows), () => emptyLike(pricesArrowChunks({ ...p, tradable: oneCell(p) })));
}

/** a [T, N] mask with only the first cell set (to get a one-row chunk whose schema an empty table copies) */
const oneCell = (p: Panel) => {
  const m = new Uint8Array(p.dates.length * p.tickers.length);
  if (m.length) m[0] = 1;
  return m;
};

const emptyLike = (chunks: Iterable<arrow.Table>): arrow.Table => {
  for (const t of chunks) return t.slice(0, 0);
  throw new Error('SQL tables: the panel has no dates or no stocks');
};
