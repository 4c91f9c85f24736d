import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as arrow from 'apache-arrow';
import { LabError } from '../core/errors';
import { createNodeEngine } from './sql-engine-node';
import { initParquetNode } from './parquet-node';
import { loadParquet, parquetColumnNames, parquetRowGroups, parquetToTable, tableToParquet } from './parquet';
import { pricesInputColumns } from './schema';
import { describeColumns, queryRows, type SqlEngine } from './sql-engine';
import { makeTable } from './test-fixtures';

let engine: SqlEngine;
beforeAll(async () => {
  engine = await createNodeEngine();
  await initParquetNode();
});
afterAll(() => engine.close());

/** 1000 rows: date, ticker, a double with a null and a NaN, a float32, an int64 volume */
function sample(n = 1000): arrow.Table {
  const base = makeTable({
    date: { kind: 'date', values: Array.from({ length: n }, (_, i) => 16000 + Math.floor(i / 4)) },
    ticker: { kind: 'utf8', values: Array.from({ length: n }, (_, i) => ['A', 'B', 'C', 'D'][i % 4]) },
    x: { kind: 'f64', values: Array.from({ length: n }, (_, i) => (i === 7 ? null : i === 8 ? NaN : i * 0.5 - 100)) },
    volume: { kind: 'i64', values: Array.from({ length: n }, (_, i) => i * 1000) },
  });
  const y = arrow.makeVector(Float32Array.from({ length: n }, (_, i) => i / 3)); // Float32
  return base.assign(new arrow.Table({ y }));
}

describe('parquet (parquet-wasm)', () => {
  it('round-trips an Arrow table through zstd parquet bytes', () => {
    const t = sample();
    const bytes = tableToParquet(t);
    expect(String.fromCharCode(...bytes.slice(0, 4))).toBe('PAR1'); // parquet magic
    const back = parquetToTable(bytes);
    expect(back.numRows).toBe(1000);
    expect(back.schema.fields.map((f) => f.name)).toEqual(['date', 'ticker', 'x', 'volume', 'y']);
    const col = (tb: arrow.Table, c: string, i: number) => tb.getChild(c)!.get(i);
    for (const i of [0, 6, 7, 8, 9, 999]) {
      expect(col(back, 'ticker', i)).toBe(col(t, 'ticker', i));
      expect(Number(col(back, 'volume', i))).toBe(i * 1000);
      expect(Number(col(back, 'date', i))).toBe(Number(col(t, 'date', i)));
      expect(col(back, 'y', i)).toBe(Math.fround(i / 3)); // float32 stays float32, bit for bit
      if (i === 7)
        expect(col(back, 'x', i)).toBeNull(); // null stays null
      else if (i === 8)
        expect(col(back, 'x', i)).toBeNaN(); // NaN stays NaN
      else expect(col(back, 'x', i)).toBe(i * 0.5 - 100);
    }
    const dt = back.getChild('date')!.type as arrow.Date_;
    expect([arrow.Type[dt.typeId], arrow.DateUnit[dt.unit]]).toEqual(['Date', 'DAY']); // date32 stays a day date
  });

  it('loads by row group and whole-file into the same DuckDB table', async () => {
    const bytes = tableToParquet(sample(), { rowGroupSize: 128 });
    // 1000 rows in groups of 128: 7 full groups + 104 rows
    expect(await parquetRowGroups(bytes)).toEqual([128, 128, 128, 128, 128, 128, 128, 104]);
    const a = await loadParquet(engine, 'pq_rg', bytes);
    const b = await loadParquet(engine, 'pq_whole', bytes, { mode: 'whole' });
    const all = ['date', 'ticker', 'x', 'volume', 'y'];
    expect(a).toEqual({ rows: 1000, rowGroups: 8, mode: 'rowgroups', columns: all, fileColumns: all, helperGroups: 0 });
    expect(b).toEqual({ rows: 1000, rowGroups: 1, mode: 'whole', columns: all, fileColumns: all, helperGroups: 0 });
    const q = (t: string) =>
      queryRows(
        engine,
        `SELECT count(*)::INTEGER AS n, count(x)::INTEGER AS nx, sum(volume)::DOUBLE AS v,
      min(date)::VARCHAR AS d0, max(date)::VARCHAR AS d1, count(*) FILTER (WHERE isnan(x))::INTEGER AS nans FROM ${t}`,
      )[0];
    // volume sum = 1000 * (0 + 1 + ... + 999) = 1000 * 499500; x: one null; dates 16000 (2013-10-22) .. 16249 (2014-06-28)
    const want = { n: 1000, nx: 999, v: 499_500_000, d0: '2013-10-22', d1: '2014-06-28', nans: 1 };
    expect(q('pq_rg')).toEqual(want);
    expect(q('pq_whole')).toEqual(want);
    // identical rows in the same order
    const diff = queryRows(engine, `SELECT count(*)::INTEGER AS n FROM (SELECT * FROM pq_rg EXCEPT ALL SELECT * FROM pq_whole)`)[0];
    expect(diff.n).toBe(0);
  });

  it("reads the file's column names from the footer and loads only the selected columns", async () => {
    const bytes = tableToParquet(sample(300), { rowGroupSize: 128 });
    expect(await parquetColumnNames(bytes)).toEqual(['date', 'ticker', 'x', 'volume', 'y']);
    const r = await loadParquet(engine, 'pq_sel', bytes, { selectColumns: (names) => names.filter((n) => n !== 'x' && n !== 'y') });
    expect(r).toEqual({
      rows: 300,
      rowGroups: 3,
      mode: 'rowgroups',
      columns: ['date', 'ticker', 'volume'],
      fileColumns: ['date', 'ticker', 'x', 'volume', 'y'],
      helperGroups: 0,
    });
    expect(describeColumns(engine, 'pq_sel').map((c) => c.name)).toEqual(['date', 'ticker', 'volume']);
    // volume sum = 1000 * (0 + ... + 299) = 44_850_000, the same rows as the full load
    expect(queryRows(engine, 'SELECT sum(volume)::DOUBLE AS v, count(DISTINCT ticker)::INTEGER AS k FROM pq_sel')[0]).toEqual({
      v: 44_850_000,
      k: 4,
    });
    // a prices file: dividend and split are not read (the columns validatePrices uses, in file order)
    expect(pricesInputColumns(['date', 'ticker', 'open', 'high', 'low', 'close', 'adj_close', 'volume', 'dividend', 'split'])).toEqual([
      'date',
      'ticker',
      'open',
      'high',
      'low',
      'close',
      'adj_close',
      'volume',
    ]);
    expect(pricesInputColumns(['Date', 'code', 'close', 'adj_factor', 'volume', 'open', 'high', 'low', 'name'])).toEqual([
      'Date',
      'code',
      'close',
      'adj_factor',
      'volume',
      'open',
      'high',
      'low',
    ]);
    // not a prices file (a factor column): everything is read
    expect(pricesInputColumns(['date', 'ticker', 'close', 'alpha'])).toBeUndefined();
  });

  it('replaces an existing table on reload', async () => {
    const bytes = tableToParquet(sample(10));
    await loadParquet(engine, 'pq_re', bytes);
    const r = await loadParquet(engine, 'pq_re', bytes);
    expect(r.rows).toBe(10);
  });

  it('rejects bytes that are not parquet with a LabError naming the file', async () => {
    const junk = new TextEncoder().encode('date,ticker\n2020-01-01,AAA\n');
    await expect(loadParquet(engine, 'bad', junk, { fileName: 'prices.csv' })).rejects.toThrow(LabError);
    await expect(loadParquet(engine, 'bad', junk, { fileName: 'prices.csv' })).rejects.toThrow(
      /prices\.csv: could not read it as a parquet file/,
    );
  });
});
