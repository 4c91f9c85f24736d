/**
 * A user's benchmark series (what Qlib calls the benchmark, e.g. an index such as SPY): a parquet or CSV file with a `date`
 * column and either a daily simple return (`return` | `ret`) or a price level (`close` | `price` | `adj_close`, turned
 * into returns r_t = close_t / close_{t-1} - 1, the first day dropped). Read through DuckDB like schema.ts; the result
 * is what src/eval/evaluate.ts takes as `benchmark`. Unsorted rows are sorted; every other problem is a LabError naming
 * the file, the column, the row count and what was expected.
 */
import { LabError } from '../core/errors';
import { loadTableFile } from './table-file';
import { describeColumns, queryRows, sqlIdent, type SqlEngine } from './sql-engine';
import { dateExpr } from './schema';

export interface BenchmarkSeries {
  /** display name (the file name) */
  name: string;
  /** [R] ascending ISO dates of the returns */
  dates: string[];
  /** [R] daily simple return on each date */
  ret: Float64Array;
  /** first / last ISO date of `dates` */
  first: string;
  last: string;
  /** R = returns kept (a price file gives its rows - 1) */
  rows: number;
}

const DATE_NAMES = ['date', 'datetime', 'trade_date'];
const RETURN_NAMES = ['return', 'ret'];
const PRICE_NAMES = ['close', 'price', 'adj_close'];
const NUMERIC_RE = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|REAL|DOUBLE|DECIMAL(\(.*\))?)$/i;

function findCol(cols: { name: string }[], names: string[]): string | null {
  for (const n of names) {
    const c = cols.find((x) => x.name.toLowerCase() === n);
    if (c) return c.name;
  }
  return null;
}

/** Parse and validate a benchmark parquet or CSV file (bytes) with DuckDB into a sorted daily return series. */
export async function parseBenchmark(
  engine: SqlEngine,
  bytes: Uint8Array,
  file: string,
  table = 'benchmark_raw',
): Promise<BenchmarkSeries> {
  const { rows } = await loadTableFile(engine, table, bytes, {
    fileName: file,
    expected: 'date and return (or ret), or date and close (or price, adj_close)',
  });
  try {
    const cols = describeColumns(engine, table);
    const found = cols.map((c) => `${c.name} (${c.type})`).join(', ');
    const dateCol = findCol(cols, DATE_NAMES);
    if (!dateCol)
      throw new LabError(
        `${file}: missing column 'date' (columns found: ${found}); expected a 'date' column and a 'return' / 'ret' or 'close' / 'price' / 'adj_close' column`,
      );
    const retCol = findCol(cols, RETURN_NAMES);
    const valCol = retCol ?? findCol(cols, PRICE_NAMES);
    if (!valCol)
      throw new LabError(
        `${file}: missing value column (columns found: ${found}); expected a daily simple return column 'return' or 'ret', or a price level column 'close', 'price' or 'adj_close'`,
      );
    const isPrice = retCol === null;
    const what = isPrice ? 'price levels' : 'daily simple returns';
    if (rows === 0)
      throw new LabError(`${file}: the file is empty (0 rows); expected one row per trading day with '${dateCol}' and '${valCol}'`);
    const type = cols.find((c) => c.name === valCol)!.type;
    if (!NUMERIC_RE.test(type)) throw new LabError(`${file}: column '${valCol}' has type ${type}; expected numeric ${what}`);
    // the prices loader's reading of dates: DATE, TIMESTAMP (with a time zone too), 'YYYY-MM-DD' or yyyymmdd text, yyyymmdd integers
    const notes: string[] = [];
    const d = dateExpr(dateCol, cols.find((c) => c.name === dateCol)!.type, file, { engine, table, notes });
    const src = `(SELECT ${d} AS d, ${sqlIdent(dateCol)} AS raw, ${sqlIdent(valCol)}::DOUBLE AS v, rowid + 1 AS row FROM ${sqlIdent(table)})`;

    const badDate = queryRows<{ n: number; row: number | null; raw: string | null }>(
      engine,
      `SELECT count(*)::INTEGER AS n, min(row)::INTEGER AS row, CAST(arg_min(raw, row) AS VARCHAR) AS raw FROM ${src} WHERE d IS NULL`,
    )[0];
    if (badDate.n > 0)
      throw new LabError(
        `${file}: ${badDate.n} of ${rows} row(s) have a missing or unreadable '${dateCol}' (e.g. row ${badDate.row}: ${badDate.raw === null ? 'empty' : `'${badDate.raw}'`}); expected dates such as 2019-12-31`,
      );

    const bad = queryRows<{ n: number; first: string | null }>(
      engine,
      `SELECT count(*)::INTEGER AS n, CAST(min(d) AS VARCHAR) AS first FROM ${src} WHERE v IS NULL OR isnan(v) OR isinf(v)`,
    )[0];
    if (bad.n > 0)
      throw new LabError(
        `${file}: column '${valCol}' has ${bad.n} of ${rows} value(s) that are missing, NaN or infinite (first on ${bad.first}); expected finite ${what} on every row`,
      );

    const dup = queryRows<{ n: number; first: string | null }>(
      engine,
      `SELECT count(*)::INTEGER AS n, CAST(min(d) AS VARCHAR) AS first FROM (SELECT d FROM ${src} GROUP BY d HAVING count(*) > 1)`,
    )[0];
    if (dup.n > 0)
      throw new LabError(
        `${file}: ${dup.n} date(s) appear more than once in '${dateCol}' (first ${dup.first}) among ${rows} rows; expected one row per date`,
      );

    if (isPrice) {
      const np = queryRows<{ n: number; first: string | null }>(
        engine,
        `SELECT count(*)::INTEGER AS n, CAST(min(d) AS VARCHAR) AS first FROM ${src} WHERE v <= 0`,
      )[0];
      if (np.n > 0)
        throw new LabError(
          `${file}: column '${valCol}' has ${np.n} of ${rows} price(s) <= 0 (first on ${np.first}); expected positive price levels`,
        );
      if (rows < 2) throw new LabError(`${file}: 1 row of '${valCol}' prices gives no return; expected at least 2 dates of price levels`);
    }

    const t = engine.query(`SELECT CAST(d AS VARCHAR) AS d, v FROM ${src} ORDER BY d`);
    const iso = Array.from(t.getChild('d')!.toArray() as ArrayLike<string>, String); // [rows] ascending
    const v = Float64Array.from(t.getChild('v')!.toArray() as ArrayLike<number>); // [rows]
    let dates: string[], ret: Float64Array;
    if (isPrice) {
      // r_t = P_t / P_{t-1} - 1 on the sorted levels; the first date has no previous level and is dropped
      dates = iso.slice(1);
      ret = new Float64Array(v.length - 1);
      for (let i = 1; i < v.length; i++) ret[i - 1] = v[i] / v[i - 1] - 1;
    } else {
      dates = iso;
      ret = v;
    }
    checkBenchmarkScale(file, valCol, isPrice, dates, isPrice ? v : ret);
    return { name: file, dates, ret, first: dates[0], last: dates[dates.length - 1], rows: dates.length };
  } finally {
    engine.run(`DROP TABLE IF EXISTS ${sqlIdent(table)}`);
  }
}

/** A benchmark's daily return beyond this (either way) on some day is not an index: refused with the date. */
export const MAX_BENCH_DAY = 0.5;

/**
 * Refuse a benchmark at the wrong scale, saying what was found: returns in percent (1.2 for 1.2%), index levels in a
 * return column, a day at or below -100%, or daily moves no index makes (|r| > 50%). `values` are the returns of a
 * return column, or the levels of a price column (their returns are checked through `dates`' order).
 */
export function checkBenchmarkScale(file: string, col: string, isPrice: boolean, dates: string[], values: ArrayLike<number>): void {
  const n = values.length;
  if (n === 0) return;
  let ret: ArrayLike<number> = values;
  if (isPrice) {
    const r = new Float64Array(n - 1);
    for (let i = 1; i < n; i++) r[i - 1] = values[i] / values[i - 1] - 1;
    ret = r;
  }
  const abs = Array.from(ret, Math.abs).sort((a, b) => a - b);
  const med = abs.length ? abs[Math.floor(abs.length / 2)] : 0;
  const fix = 'Give daily simple returns as fractions (0.012 for +1.2%) in a return / ret column, or index levels in a close column.';
  if (!isPrice) {
    let pos = 0,
      minV = Infinity;
    for (let i = 0; i < n; i++) {
      if (values[i] > 0) pos++;
      minV = Math.min(minV, values[i]);
    }
    if (pos === n && minV > 2)
      throw new LabError(
        `${file}: column '${col}' holds values from ${minV.toFixed(2)} upwards on every day: these look like index levels, not daily returns`,
        'Name the column close (or price) so the lab turns the levels into returns, or give daily returns as fractions.',
      );
    if (med > 0.05)
      throw new LabError(
        `${file}: column '${col}' has a median daily move of ${med.toFixed(3)} (${(med * 100).toFixed(1)}%): the returns look like percent (1.2 meaning 1.2%), not fractions`,
        fix,
      );
  }
  for (let i = 0; i < ret.length; i++) {
    const r = ret[i];
    const date = isPrice ? dates[i] : dates[i];
    if (r <= -1)
      throw new LabError(
        `${file}: the return on ${date} is ${(r * 100).toFixed(1)}% (column '${col}'); a return at or below -100% is impossible for an index`,
        fix,
      );
    if (Math.abs(r) > MAX_BENCH_DAY)
      throw new LabError(
        `${file}: the return on ${date} is ${r > 0 ? '+' : ''}${(r * 100).toFixed(1)}% (column '${col}'); an index does not move more than ${MAX_BENCH_DAY * 100}% in a day: check the scale or that day's value`,
        fix,
      );
  }
}
