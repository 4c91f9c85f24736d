import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as arrow from 'apache-arrow';
import { LabError } from '../core/errors';
import { isoToDay } from '../core/dates';
import { createNodeEngine } from './sql-engine-node';
import { initParquetNode } from './parquet-node';
import { loadParquet, tableToParquet } from './parquet';
import { detectShape, validateFactorPanel, validateInput, validatePrices, validateSectors } from './schema';
import { computeFactorFrame, factorPanelToFrame } from './factors';
import { queryRows, type SqlEngine } from './sql-engine';
import { makeTable, weekdays } from './test-fixtures';
import { dayToIso } from '../core/dates';

let engine: SqlEngine;
beforeAll(async () => {
  engine = await createNodeEngine();
  await initParquetNode();
});
afterAll(() => engine.close());

/** load an Arrow table the way a user's file arrives: parquet bytes -> parquet-wasm -> DuckDB */
async function load(name: string, t: arrow.Table): Promise<void> {
  await loadParquet(engine, name, tableToParquet(t));
}

/** prices rows [iso date, ticker, adj_close]; open = high = low = close = adj_close, volume 1000 */
function prices(rows: [string, string, number | null][], drop: string[] = []): arrow.Table {
  const cols: Parameters<typeof makeTable>[0] = {
    date: { kind: 'date', values: rows.map((r) => isoToDay(r[0])) },
    ticker: { kind: 'utf8', values: rows.map((r) => r[1]) },
    open: { kind: 'f64', values: rows.map((r) => r[2]) },
    high: { kind: 'f64', values: rows.map((r) => r[2]) },
    low: { kind: 'f64', values: rows.map((r) => r[2]) },
    close: { kind: 'f64', values: rows.map((r) => r[2]) },
    adj_close: { kind: 'f64', values: rows.map((r) => r[2]) },
    volume: { kind: 'i64', values: rows.map(() => 1000) },
  };
  for (const d of drop) delete cols[d];
  return makeTable(cols);
}

/** `nTickers` tickers T0.. over `nDays` weekdays from 2020-01-01, price 10 + day index + ticker index */
function grid(nTickers: number, nDays: number): [string, string, number][] {
  const out: [string, string, number][] = [];
  for (const [i, d] of weekdays('2020-01-01', nDays).entries())
    for (let k = 0; k < nTickers; k++) out.push([dayToIso(d), `T${k}`, 10 + i + k]);
  return out;
}

function expectLabError(f: () => unknown, re: RegExp): void {
  let err: unknown = null;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(LabError);
  expect((err as Error).message).toMatch(re);
}

describe('detectShape', () => {
  const cols = (...names: string[]) => names.map((name) => ({ name, type: 'DOUBLE' }));
  it('tells prices, factor panels and sectors files apart by their columns', () => {
    expect(detectShape(cols('date', 'ticker', 'open', 'high', 'low', 'close', 'adj_close', 'volume', 'dividend', 'split'))).toBe('prices');
    expect(detectShape(cols('date', 'code', 'industry', 'mom_20', 'fwd_ret_5', 'univ_csi300'))).toBe('factors');
    expect(detectShape(cols('ticker', 'name', 'sector', 'sub_industry'))).toBe('sectors');
    // a prices file missing 'volume' is still prices (and fails validation with a missing-column message)
    expect(detectShape(cols('date', 'ticker', 'open', 'high', 'low', 'close'))).toBe('prices');
  });
  it('rejects a file without a date or a stock id, listing the columns found', () => {
    expectLabError(
      () => detectShape(cols('ticker', 'close'), 'x.parquet'),
      /x\.parquet: missing column 'date' \(columns found: ticker, close\)/,
    );
    expectLabError(
      () => detectShape(cols('date', 'close'), 'x.parquet'),
      /x\.parquet: missing stock id column .* expected one of ticker, code, instrument/,
    );
  });
});

describe('validatePrices', () => {
  it('accepts clean prices and reports their stats', async () => {
    await load('p_ok', prices(grid(6, 4)));
    const v = validatePrices(engine, 'p_ok', { file: 'ok.parquet', out: 'p_ok_clean' });
    expect(v.shape).toBe('prices');
    expect(v.warnings).toEqual([]);
    expect(v.notes).toEqual([]);
    // 6 tickers x 4 weekdays from 2020-01-01 (Wed): 01, 02, 03, 06
    expect(v.stats).toEqual({
      rows: 24,
      keptRows: 24,
      droppedRows: 0,
      tickers: 6,
      dates: 4,
      start: '2020-01-01',
      end: '2020-01-06',
      thinDates: 0,
      minStocksPerDate: 6,
      maxStocksPerDate: 6,
    });
  });

  it('missing column: names the file, the column, the columns found and what was expected', async () => {
    await load('p_novol', prices(grid(6, 3), ['volume']));
    expectLabError(
      () => validatePrices(engine, 'p_novol', { file: 'prices.parquet' }),
      /^prices\.parquet: missing column 'volume' \(columns found: date, ticker, open, high, low, close, adj_close\); expected daily prices with columns date, ticker, open, high, low, close, \[adj_close\], volume$/,
    );
    // validateInput detects the shape and gives the same message
    expectLabError(() => validateInput(engine, 'p_novol', { file: 'prices.parquet' }), /missing column 'volume'/);
  });

  it('empty file: an error, not an empty lab', async () => {
    await load('p_empty', prices([]));
    expectLabError(
      () => validatePrices(engine, 'p_empty', { file: 'empty.parquet' }),
      /^empty\.parquet: the file is empty \(0 rows\); expected daily prices/,
    );
  });

  it('wrong type: unparseable text dates and non-date date columns', async () => {
    const t = makeTable({
      date: { kind: 'utf8', values: ['2020-01-02', '2020-02-30', '2020-01-03'] },
      ticker: { kind: 'utf8', values: ['A', 'A', 'A'] },
      open: { kind: 'f64', values: [1, 2, 3] },
      high: { kind: 'f64', values: [1, 2, 3] },
      low: { kind: 'f64', values: [1, 2, 3] },
      close: { kind: 'f64', values: [1, 2, 3] },
      volume: { kind: 'f64', values: [1, 2, 3] },
    });
    await load('p_baddate', t);
    // row 2 holds 2020-02-30, which does not exist
    expectLabError(
      () => validatePrices(engine, 'p_baddate', { file: 'd.parquet' }),
      /^d\.parquet: 1 row\(s\) have a missing or unreadable 'date' \(e\.g\. row 2: '2020-02-30'\); expected dates such as 2019-12-31$/,
    );
    const t2 = makeTable({
      date: { kind: 'f64', values: [1.5] },
      ticker: { kind: 'utf8', values: ['A'] },
      open: { kind: 'f64', values: [1] },
      high: { kind: 'f64', values: [1] },
      low: { kind: 'f64', values: [1] },
      close: { kind: 'f64', values: [1] },
      volume: { kind: 'f64', values: [1] },
    });
    await load('p_dbldate', t2);
    expectLabError(() => validatePrices(engine, 'p_dbldate', { file: 'd.parquet' }), /column 'date' has type DOUBLE; expected dates/);
    const t3 = makeTable({
      date: { kind: 'date', values: [18000] },
      ticker: { kind: 'utf8', values: ['A'] },
      open: { kind: 'utf8', values: ['1.5'] },
      high: { kind: 'utf8', values: ['n/a'] },
      low: { kind: 'f64', values: [1] },
      close: { kind: 'f64', values: [1] },
      volume: { kind: 'f64', values: [1] },
    });
    await load('p_txtnum', t3);
    expectLabError(
      () => validatePrices(engine, 'p_txtnum', { file: 'd.parquet' }),
      /column 'high' has type VARCHAR and 1 value\(s\) that are not numbers \(e\.g\. row 1: 'n\/a'\); expected numeric prices/,
    );
  });

  it('NaN / Inf / <= 0 adjusted close: those rows are dropped with a warning (count + first example)', async () => {
    const rows = grid(6, 3) as [string, string, number | null][];
    rows[3][2] = NaN; // row 4
    rows[6][2] = -1; // row 7
    rows[8][2] = Infinity; // row 9
    rows[10][2] = null; // row 11
    await load('p_nan', prices(rows));
    const v = validatePrices(engine, 'p_nan', { file: 'nan.parquet', out: 'p_nan_clean' });
    // rows 7, 9, 11 are on 2020-01-02 (rows 7..12), which keeps 3 of its 6 stocks and so becomes thin as well
    expect(v.warnings).toEqual([
      "nan.parquet: 4 of 18 row(s) dropped because 'adj_close' is missing, NaN, infinite or <= 0 (e.g. row 4: NaN)",
      'nan.parquet: 1 date(s) have fewer than 5 stocks (e.g. 2020-01-02 with 3); they are dropped from cross-sections',
    ]);
    expect(v.stats.keptRows).toBe(14);
    expect(v.stats.droppedRows).toBe(4);
    const bad = queryRows(engine, `SELECT count(*)::INTEGER AS n FROM p_nan_clean WHERE NOT isfinite(adj_close) OR adj_close <= 0`)[0];
    expect(bad.n).toBe(0);
  });

  it('NaN in other price columns becomes missing, with a warning', async () => {
    const t = prices(grid(5, 2));
    const open = t.getChild('open')!.toArray() as Float64Array;
    const rows = grid(5, 2);
    const o = Array.from(open);
    o[2] = NaN; // row 3
    const t2 = makeTable({
      date: { kind: 'date', values: rows.map((r) => isoToDay(r[0])) },
      ticker: { kind: 'utf8', values: rows.map((r) => r[1]) },
      open: { kind: 'f64', values: o },
      high: { kind: 'f64', values: rows.map((r) => r[2]) },
      low: { kind: 'f64', values: rows.map((r) => r[2]) },
      close: { kind: 'f64', values: rows.map((r) => r[2]) },
      adj_close: { kind: 'f64', values: rows.map((r) => r[2]) },
      volume: { kind: 'i64', values: rows.map(() => 5) },
    });
    await load('p_nanopen', t2);
    const v = validatePrices(engine, 'p_nanopen', { file: 'o.parquet', out: 'p_nanopen_clean' });
    expect(v.warnings).toEqual(["o.parquet: 1 value(s) of 'open' are NaN or infinite (e.g. row 3); treated as missing"]);
    expect(v.stats.keptRows).toBe(10);
    expect(queryRows(engine, 'SELECT count(open)::INTEGER AS n FROM p_nanopen_clean')[0].n).toBe(9);
  });

  it("blank stock ids (empty, spaces only): an error naming the count and the first row; ' A' is an id", async () => {
    await load(
      'raw_blank',
      prices([
        ['2020-01-02', ' A', 10],
        ['2020-01-02', 'BB', 10],
        ['2020-01-03', '   ', 10], // row 3: blank
        ['2020-01-03', 'BB', 10],
        ['2020-01-06', '', 10], // row 5: blank
      ]),
    );
    expect(() => validatePrices(engine, 'raw_blank', { file: 'b.parquet' })).toThrow(
      "b.parquet: 2 row(s) have an empty 'ticker' (e.g. row 3); expected a stock id on every row",
    );
  });

  it('duplicate (date, ticker): an error with an example', async () => {
    const rows = grid(6, 3);
    rows.splice(5, 0, [rows[7][0], rows[7][1], 99]); // row 6 duplicates (2020-01-02, T1)
    await load('p_dup', prices(rows));
    expectLabError(
      () => validatePrices(engine, 'p_dup', { file: 'dup.parquet' }),
      /^dup\.parquet: 1 duplicate \(date, ticker\) row\(s\) in 1 group\(s\), e\.g\. 2020-01-02 T1 appears 2 times \(first at row 6\); expected one row per stock per date$/,
    );
  });

  it("onShape: the file's distinct dates and tickers, counted before rows are dropped (upper bounds of the panel)", async () => {
    const rows = grid(6, 3) as [string, string, number | null][];
    rows[3][2] = NaN; // one row of 2020-01-01 dropped: its date and ticker still have other rows
    await load('p_shape', prices(rows));
    const seen: number[][] = [];
    validatePrices(engine, 'p_shape', { file: 's.parquet', out: 'p_shape_clean', onShape: (d, t) => seen.push([d, t]) });
    // 6 tickers x 3 weekdays, called once
    expect(seen).toEqual([[3, 6]]);
  });

  it('unsorted dates are accepted, sorted and noted', async () => {
    const rows = grid(6, 3);
    const shuffled = [...rows.slice(12), ...rows.slice(0, 12)]; // last date first
    await load('p_unsorted', prices(shuffled));
    const v = validatePrices(engine, 'p_unsorted', { file: 'u.parquet', out: 'p_unsorted_clean' });
    expect(v.notes).toEqual([
      'u.parquet: rows were not in date order (1 place(s) where the date goes back); they were sorted by (date, ticker)',
    ]);
    const order = queryRows<{ d: string; t: string }>(engine, `SELECT date::VARCHAR AS d, ticker AS t FROM p_unsorted_clean`);
    expect(order[0]).toEqual({ d: '2020-01-01', t: 'T0' });
    expect(order[17]).toEqual({ d: '2020-01-03', t: 'T5' });
  });

  it('a file sorted by (ticker, date) is a normal layout (no note); adj_factor gives adj_close = close * adj_factor', async () => {
    const rows = grid(6, 3).sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : a[0] < b[0] ? -1 : 1));
    const t = makeTable({
      date: { kind: 'date', values: rows.map((r) => isoToDay(r[0])) },
      ticker: { kind: 'utf8', values: rows.map((r) => r[1]) },
      open: { kind: 'f64', values: rows.map((r) => r[2]) },
      high: { kind: 'f64', values: rows.map((r) => r[2]) },
      low: { kind: 'f64', values: rows.map((r) => r[2]) },
      close: { kind: 'f64', values: rows.map((r) => r[2]) },
      adj_factor: { kind: 'f64', values: rows.map(() => 0.5) },
      volume: { kind: 'i64', values: rows.map(() => 7) },
    });
    await load('p_bytk', t);
    const v = validatePrices(engine, 'p_bytk', { file: 'bytk.parquet', out: 'p_bytk_clean' });
    expect(v.notes).toEqual([]);
    expect(v.warnings).toEqual([]);
    // T2 on 2020-01-03 (weekday 2): close = 10 + 2 + 2 = 14, adj_close = 14 * 0.5 = 7
    expect(queryRows(engine, `SELECT close, adj_close FROM p_bytk_clean WHERE ticker = 'T2' AND date = DATE '2020-01-03'`)[0]).toEqual({
      close: 14,
      adj_close: 7,
    });
  });

  it("order 'pass' keeps a date-sorted file's order (rowOrder 'date'), sorts others by (ticker, date); adoptRaw renames a clean raw table", async () => {
    const rows = grid(6, 3);
    const cells = (t: string) =>
      queryRows<{ d: string; t: string; v: number; ty: string }>(
        engine,
        `SELECT date::VARCHAR AS d, ticker AS t, volume AS v, typeof(volume) AS ty FROM ${t}`,
      ).map((r) => `${r.d} ${r.t} ${r.v} ${r.ty}`);
    const tables = () =>
      queryRows<{ n: string }>(engine, `SELECT table_name AS n FROM duckdb_tables() WHERE table_name LIKE 'pp_%'`).map((r) => r.n);
    // (date, ticker): kept as it is; clean, with exactly the clean columns -> the raw table becomes the clean one (its
    // BIGINT volume converted to DOUBLE), so the raw name is gone
    await load('pp_raw', prices(rows));
    const v = validatePrices(engine, 'pp_raw', { file: 'pp.parquet', out: 'pp_clean', order: 'pass', adoptRaw: true });
    expect(v.rowOrder).toBe('date');
    expect(tables()).toEqual(['pp_clean']);
    expect(cells('pp_clean')).toEqual(rows.map((r) => `${r[0]} ${r[1]} 1000 DOUBLE`));
    expect(v.stats.keptRows).toBe(18);
    // the same file without adoptRaw: a copy (the raw table stays), the same rows in the same order
    await load('pp_raw', prices(rows));
    const c = validatePrices(engine, 'pp_raw', { file: 'pp.parquet', out: 'pp_copy', order: 'pass' });
    expect([c.rowOrder, cells('pp_copy')]).toEqual(['date', cells('pp_clean')]);
    expect(tables().sort()).toEqual(['pp_clean', 'pp_copy', 'pp_raw']);
    // a value to clear (a negative volume -> missing): a copy even with adoptRaw, the raw table stays
    const neg = prices(rows);
    await load('pp_neg_raw', neg);
    engine.run(`UPDATE pp_neg_raw SET volume = -1 WHERE ticker = 'T3' AND date = DATE '2020-01-02'`);
    const n = validatePrices(engine, 'pp_neg_raw', { file: 'neg.parquet', out: 'pp_neg', order: 'pass', adoptRaw: true });
    expect(n.warnings.some((w) => w.includes('negative volume'))).toBe(true);
    expect(
      queryRows<{ v: number | null }>(engine, `SELECT volume AS v FROM pp_neg WHERE ticker = 'T3' AND date = DATE '2020-01-02'`)[0].v,
    ).toBeNull();
    expect(tables()).toContain('pp_neg_raw');
    // a dropped row (adj_close <= 0): a copy without it
    await load('pp_drop_raw', prices(rows.map((r, i) => (i === 4 ? [r[0], r[1], 0] : r))));
    const d = validatePrices(engine, 'pp_drop_raw', { file: 'drop.parquet', out: 'pp_drop', order: 'pass', adoptRaw: true });
    expect([d.stats.keptRows, tables().includes('pp_drop_raw')]).toEqual([17, true]);
    // unsorted dates: sorted by (ticker, date) (a sort is needed anyway: the factor pass's order), not adopted
    await load('pp_uns_raw', prices([...rows.slice(12), ...rows.slice(0, 12)]));
    const u = validatePrices(engine, 'pp_uns_raw', { file: 'uns.parquet', out: 'pp_uns', order: 'pass', adoptRaw: true });
    expect(u.rowOrder).toBe('ticker');
    const byTicker = [...rows].sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : a[0] < b[0] ? -1 : 1));
    expect(cells('pp_uns')).toEqual(byTicker.map((r) => `${r[0]} ${r[1]} 1000 DOUBLE`));
    expect(tables()).toContain('pp_uns_raw');
    // (ticker, date): kept, rowOrder 'ticker', adopted
    await load('pp_tk_raw', prices(byTicker));
    const k = validatePrices(engine, 'pp_tk_raw', { file: 'tk.parquet', out: 'pp_tk', order: 'pass', adoptRaw: true });
    expect([k.rowOrder, tables().includes('pp_tk_raw')]).toEqual(['ticker', false]);
    expect(cells('pp_tk')).toEqual(cells('pp_uns'));
    // 'file' on a date-sorted file: 'date'; 'ticker': sorted, 'ticker'
    await load('pp_raw', prices(rows));
    expect(validatePrices(engine, 'pp_raw', { file: 'pp.parquet', out: 'pp_f' }).rowOrder).toBe('date');
    expect(validatePrices(engine, 'pp_raw', { file: 'pp.parquet', out: 'pp_t', order: 'ticker' }).rowOrder).toBe('ticker');
    expect(cells('pp_t')).toEqual(cells('pp_uns'));
  });

  it('adoptRaw on the compact layout (DECIMAL prices, a FLOAT adj_factor): converted in place to the copy, cell for cell', () => {
    // the bundled file's types: adj_close = close::DOUBLE * adj_factor::DOUBLE, e.g. 12.34 * 0.3f = 3.7020000219345093
    // (0.3 as a FLOAT is 0.30000001192092896)
    const raw = (t: string) =>
      engine.run(`CREATE OR REPLACE TABLE ${t} AS SELECT DATE '2020-01-01' + (i // 3)::INTEGER AS date, 'T' || (i % 3) AS ticker,
        (12.34 + i)::DECIMAL(9,2) AS open, (12.34 + i)::DECIMAL(9,2) AS high, (12.34 + i)::DECIMAL(9,2) AS low,
        (12.34 + i)::DECIMAL(9,2) AS close, 0.3::FLOAT AS adj_factor, (1000 + i)::BIGINT AS volume FROM range(18) r(i)`);
    raw('pc_raw');
    validatePrices(engine, 'pc_raw', { file: 'c.parquet', out: 'pc_copy', order: 'pass' });
    const v = validatePrices(engine, 'pc_raw', { file: 'c.parquet', out: 'pc_adopt', order: 'pass', adoptRaw: true });
    expect(v.rowOrder).toBe('date');
    const types = (t: string) =>
      queryRows<{ n: string; ty: string }>(engine, `SELECT column_name AS n, column_type AS ty FROM (DESCRIBE ${t})`);
    expect(types('pc_adopt')).toEqual(types('pc_copy'));
    expect(
      types('pc_adopt')
        .map((c) => `${c.n}:${c.ty}`)
        .join(' '),
    ).toBe('date:DATE ticker:VARCHAR open:DOUBLE high:DOUBLE low:DOUBLE close:DOUBLE adj_close:DOUBLE volume:DOUBLE');
    const diff = queryRows<{ n: number }>(
      engine,
      `SELECT count(*) FILTER (WHERE a.date IS DISTINCT FROM b.date OR a.ticker IS DISTINCT FROM b.ticker OR a.open IS DISTINCT FROM b.open
        OR a.close IS DISTINCT FROM b.close OR a.adj_close IS DISTINCT FROM b.adj_close OR a.volume IS DISTINCT FROM b.volume)::INTEGER AS n
       FROM pc_adopt a POSITIONAL JOIN pc_copy b`,
    )[0].n;
    expect(diff).toBe(0);
    expect(queryRows<{ a: number }>(engine, `SELECT adj_close AS a FROM pc_adopt LIMIT 1`)[0].a).toBe(12.34 * Math.fround(0.3));
    expect(queryRows<{ n: number }>(engine, `SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name = 'pc_raw'`)[0].n).toBe(0);
  });

  it('a date with only 3 stocks: a warning, no crash, and the date is left out of the frame', async () => {
    const rows = grid(6, 30).filter(([d, t]) => !(d === '2020-01-15' && ['T3', 'T4', 'T5'].includes(t)));
    await load('p_thin', prices(rows));
    const v = validatePrices(engine, 'p_thin', { file: 'thin.parquet', out: 'p_thin_clean' });
    expect(v.warnings).toEqual([
      'thin.parquet: 1 date(s) have fewer than 5 stocks (e.g. 2020-01-15 with 3); they are dropped from cross-sections',
    ]);
    expect(v.stats.minStocksPerDate).toBe(3);
    const f = computeFactorFrame(engine, { prices: 'p_thin_clean' });
    // 30 dates, one thin: 29 dates x 6 stocks = 174 rows
    expect(f.nRows).toBe(174);
    expect(Array.from(f.date).includes(isoToDay('2020-01-15'))).toBe(false);
    expect(f.source.notes!.some((n) => n.includes('1 date(s) outside [start, end] or with fewer than 5 stocks left out'))).toBe(true);
    // T0 still has its 2020-01-15 price in its history: ret on 2020-01-16 is from 01-15, not 01-14
    const r = Array.from({ length: f.nRows }, (_, i) => i).find(
      (i) => f.date[i] === isoToDay('2020-01-16') && f.tickers[f.ticker[i]] === 'T0',
    )!;
    // T0's price on weekday i is 10 + i; 2020-01-16 is weekday 11, 01-15 is weekday 10: 21/20 - 1 = 0.05
    expect(f.ret[r]).toBeCloseTo(0.05, 6);
  });
});

describe('validateSectors', () => {
  it('falls back to the sector, notes singleton industries and tickers without a sector', async () => {
    await load('s_px', prices(grid(6, 3)));
    validatePrices(engine, 's_px', { file: 'px.parquet', out: 's_px_clean' });
    const t = makeTable({
      ticker: { kind: 'utf8', values: ['T0', 'T1', 'T2', 'T3', 'T4', 'ZZZ'] },
      sector: { kind: 'utf8', values: ['Tech', 'Tech', 'Tech', 'Energy', 'Energy', 'Energy'] },
      sub_industry: { kind: 'utf8', values: ['Software', 'Software', 'Chips', null, null, 'Oil'] },
    });
    await load('s_raw', t);
    const v = validateSectors(engine, 's_raw', { file: 'sectors.parquet', out: 's_clean', pricesTable: 's_px_clean' });
    expect(v.shape).toBe('sectors');
    expect(v.notes).toEqual([
      "sectors.parquet: 2 ticker(s) have no 'sub_industry'; their industry is their sector",
      'sectors.parquet: 1 ticker(s) in the prices have no sector (e.g. T5); their industry is unknown',
      "sectors.parquet: 1 industry has a single stock (e.g. 'Chips': T2); valid, but industry-neutral factors are 0 for it",
    ]);
    // the stock alone in its industry is valid: it gets its own industry id in the frame (sub-industry level;
    // T3, T4 have no sub_industry and fall back to their sector)
    const f = computeFactorFrame(engine, { prices: 's_px_clean', sectors: 's_clean', industryLevel: 'sub_industry' });
    expect(f.industries).toEqual(['Chips', 'Energy', 'Software']);
    const ind = (tk: string) => f.industry[f.tickers.indexOf(tk)]; // first date's rows are T0..T5 in order
    expect([ind('T0'), ind('T1'), ind('T2'), ind('T3'), ind('T4'), ind('T5')]).toEqual([2, 2, 0, 1, 1, -1]);
    // the default level is the sector: T0..T2 Tech, T3, T4 Energy, T5 unknown
    const g = computeFactorFrame(engine, { prices: 's_px_clean', sectors: 's_clean' });
    expect(g.industries).toEqual(['Energy', 'Tech']);
    expect([0, 1, 2, 3, 4, 5].map((n) => g.industry[n])).toEqual([1, 1, 1, 0, 0, -1]);
  });
});

describe('validateFactorPanel', () => {
  /** 5 codes x 4 dates (yyyymmdd integers), industry, one text factor, an Inf, a universe flag, fwd_ret_1 */
  function panel(overrides: { mom?: (string | null)[] } = {}) {
    const dates = [20200102, 20200103, 20200106, 20200107];
    const codes = ['600000', '600001', '600002', '600003', '600004'];
    const rows = dates.flatMap((d) => codes.map((c) => [d, c] as const));
    return makeTable({
      date: { kind: 'i32', values: rows.map((r) => r[0]) },
      code: { kind: 'utf8', values: rows.map((r) => r[1]) },
      industry: { kind: 'utf8', values: rows.map((r) => (r[1] === '600004' ? 'Banks' : 'Steel')) },
      mom: { kind: 'utf8', values: overrides.mom ?? rows.map((_, i) => String(i / 10)) },
      val: { kind: 'f64', values: rows.map((_, i) => (i === 4 ? Infinity : i)) },
      univ_top: { kind: 'f64', values: rows.map((r) => (r[1] < '600003' ? 1 : 0)) },
      fwd_ret_1: { kind: 'f64', values: rows.map((_, i) => 0.01 * i) },
    });
  }

  it('reads yyyymmdd dates, a code id, text numbers; Inf becomes missing with a warning; labels and universes kept', async () => {
    await load('f_raw', panel());
    const v = validateFactorPanel(engine, 'f_raw', { file: 'alpha.parquet' });
    expect(v.shape).toBe('factors');
    expect(v.columns).toEqual({
      factors: ['mom', 'val'],
      fwd: [{ column: 'fwd_1', source: 'fwd_ret_1', horizon: 1 }],
      universe: ['univ_top'],
      industry: 'industry',
      price: null,
      dollarVolume: null,
    });
    // row 5 = (2020-01-02, 600004) holds val = Infinity
    expect(v.warnings).toEqual(["alpha.parquet: 1 value(s) of 'val' are NaN or infinite (e.g. row 5: Infinity); treated as missing"]);
    expect(v.notes).toContain("alpha.parquet: column 'mom' is text; its values were read as numbers");
    expect(v.notes).toContain(
      "alpha.parquet: 1 industry has a single stock (e.g. 'Banks': 600004); valid, but industry-neutral factors are 0 for it",
    );
    expect(v.stats).toMatchObject({ rows: 20, keptRows: 20, tickers: 5, dates: 4, start: '2020-01-02', end: '2020-01-07' });
    const f = factorPanelToFrame(engine, 'factor_panel', { columns: v.columns });
    expect(f.nRows).toBe(20);
    expect(f.tickers).toEqual(['600000', '600001', '600002', '600003', '600004']);
    expect(f.industries).toEqual(['Banks', 'Steel']);
    expect(Array.from(f.industry.slice(0, 5))).toEqual([1, 1, 1, 1, 0]);
    expect(f.factors.map((c) => c.name)).toEqual(['mom', 'val']);
    expect(f.factors[1].values[4]).toBeNaN(); // the Inf
    expect(f.factors[0].values[7]).toBeCloseTo(0.7, 6); // '0.7' read as a number
    expect(f.universeColumns!.map((u) => u.name)).toEqual(['univ_top']);
    expect(Array.from(f.universeColumns![0].values.slice(0, 5))).toEqual([1, 1, 1, 0, 0]);
    // ret(t) = fwd_1(t-2) (Qlib's label P[t+2]/P[t+1]-1 shifted): 600000 on 2020-01-06 (row 10) = fwd_1 on 01-02 (row 0) = 0
    expect(f.ret[10]).toBeCloseTo(0, 7);
    expect(f.ret[16]).toBeCloseTo(0.01 * 6, 6); // 600001 on 01-07 = fwd_1 on 01-03 (row 6) = 0.06
    expect(f.ret[0]).toBeNaN();
    expect(Array.from(f.age.slice(0, 5))).toEqual([0, 0, 0, 0, 0]);
    expect(f.age[15]).toBe(3);
  });

  it('wrong type: a factor column with text that is not a number', async () => {
    const mom = Array.from({ length: 20 }, (_, i) => (i === 2 ? 'abc' : '1'));
    await load('f_bad', panel({ mom }));
    expectLabError(
      () => validateFactorPanel(engine, 'f_bad', { file: 'alpha.parquet' }),
      /^alpha\.parquet: column 'mom' has type VARCHAR and 1 value\(s\) that are not numbers \(e\.g\. row 3: 'abc'\); expected numeric factor values$/,
    );
  });

  it('no labels and no price column: an error saying what is expected', async () => {
    const t = makeTable({
      date: { kind: 'date', values: [18000] },
      ticker: { kind: 'utf8', values: ['A'] },
      f1: { kind: 'f64', values: [1] },
    });
    await load('f_nolabel', t);
    expectLabError(
      () => validateFactorPanel(engine, 'f_nolabel', { file: 'f.parquet' }),
      /no forward-return columns and no price column; expected fwd_ret_<k>/,
    );
  });

  it('computes forward returns from a price column when the file has none', async () => {
    // one stock, prices 10, 11, 12, 13, 14: fwd_1(t) = P[t+2]/P[t+1] - 1 -> t0: 12/11 - 1, t1: 13/12 - 1, t2: 14/13 - 1
    const days = weekdays('2021-03-01', 5);
    const t = makeTable({
      date: { kind: 'date', values: days },
      ticker: { kind: 'utf8', values: days.map(() => 'A') },
      f1: { kind: 'f64', values: [1, 2, 3, 4, 5] },
      close: { kind: 'f64', values: [10, 11, 12, 13, 14] },
    });
    await load('f_px', t);
    const v = validateFactorPanel(engine, 'f_px', { file: 'f.parquet', out: 'f_px_clean', minStocks: 1 });
    expect(v.notes).toContain("f.parquet: no forward-return columns; forward returns computed from 'close'");
    const f = factorPanelToFrame(engine, 'f_px_clean', { columns: v.columns, minStocks: 1, horizons: [1, 2] });
    expect(f.fwd.map((h) => h.horizon)).toEqual([1, 2]);
    const f1 = Array.from(f.fwd[0].values);
    expect(f1[0]).toBeCloseTo(12 / 11 - 1, 6);
    expect(f1[1]).toBeCloseTo(13 / 12 - 1, 6);
    expect(f1[2]).toBeCloseTo(14 / 13 - 1, 6);
    expect(f1[3]).toBeNaN();
    expect(f.fwd[1].values[0]).toBeCloseTo(13 / 11 - 1, 6); // fwd_2(t0) = P[3]/P[1] - 1
    expect(Array.from(f.ret)).toEqual([
      NaN,
      Math.fround(0.1),
      Math.fround(12 / 11 - 1),
      Math.fround(13 / 12 - 1),
      Math.fround(14 / 13 - 1),
    ]);
  });
});
